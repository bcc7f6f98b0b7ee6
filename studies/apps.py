from django.apps import AppConfig


class StudiesConfig(AppConfig):
    name = "studies"
    verbose_name = "Studies (the literature)"

    def ready(self) -> None:
        from studies import publishing
        from studies.models import Outcome, OutcomeArm, Study, StudyStatus
        from studies.signals import register_study_part

        # A reviewer who changed an outcome or an arm of a study changed the study.
        register_study_part(Outcome, "study")
        register_study_part(OutcomeArm, "outcome__study")

        # A published or retracted study, its outcomes and their arms change only through review.
        locked = {StudyStatus.PUBLISHED, StudyStatus.RETRACTED}
        publishing.register_published(Study, public=lambda study: study.status in locked)
        publishing.register_part(Outcome, "study")
        publishing.register_part(OutcomeArm, "outcome.study")
