from django.apps import AppConfig


class StudiesConfig(AppConfig):
    name = "studies"
    verbose_name = "Studies (the literature)"

    def ready(self) -> None:
        from studies.models import Outcome, OutcomeArm
        from studies.signals import register_study_part

        # A reviewer who changed an outcome or an arm of a study changed the study.
        register_study_part(Outcome, "study")
        register_study_part(OutcomeArm, "outcome__study")
