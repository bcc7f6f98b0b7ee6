from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "evidence"
    verbose_name = "Evidence (documents, claims, grading)"

    def ready(self) -> None:
        # Plug into the literature's hooks (studies.signals): studies never imports evidence.
        from evidence import receivers
        from evidence.models import EvidenceLink
        from studies.models import Study
        from studies.signals import register_study_part, studies_changed, study_saving

        register_study_part(EvidenceLink, "study")
        study_saving.connect(
            receivers.note_linked_claims, sender=Study, dispatch_uid="evidence.note_linked_claims"
        )
        studies_changed.connect(
            receivers.regrade_linked_claims,
            sender=Study,
            dispatch_uid="evidence.regrade_linked_claims",
        )
