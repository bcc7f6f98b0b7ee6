from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "evidence"
    verbose_name = "Evidence (documents, claims, grading)"

    def ready(self) -> None:
        # Plug into the literature's hooks (studies.signals): studies never imports evidence.
        from evidence import receivers
        from evidence.models import (
            Claim,
            ClaimMention,
            ClaimOutcome,
            Comparison,
            EvidenceLink,
            OutcomeMeasure,
            PooledEstimate,
            PublicationStatus,
            SourceDocument,
            StudyResult,
        )
        from studies import publishing
        from studies.models import Study
        from studies.signals import register_study_part, studies_changed, study_saving

        register_study_part(EvidenceLink, "study")
        register_study_part(StudyResult, "study")
        register_study_part(PooledEstimate, "review")

        # The publication rule (studies.publishing): claims and documents are published records;
        # mentions, links and SoF rows hang off a claim, results and pooled estimates a study;
        # comparisons and outcome measures are locked while a published record uses them.
        def published(row) -> bool:
            return row.status == PublicationStatus.PUBLISHED

        publishing.register_published(Claim, public=published)
        publishing.register_published(SourceDocument, public=published)

        # A link is public only on its published claim's page, so the claim locks it; a
        # published document locks its own text, not the claims curated on it, and a
        # published study its own data (its results), not the claims that cite it. A mention
        # has its own review (its status): a reviewed (published) mention of a published claim
        # is locked; a draft one may be added to, or changed on, a published claim or
        # document, since it stays off every page until a second reviewer publishes it.
        def mention_locked(row) -> bool:
            return (
                row.status == PublicationStatus.PUBLISHED
                and row.claim_id is not None
                and row.claim.status == PublicationStatus.PUBLISHED
            )

        publishing.register_published(ClaimMention, public=mention_locked)
        publishing.register_part(EvidenceLink, "claim")
        publishing.register_part(ClaimOutcome, "claim")
        publishing.register_part(StudyResult, "study")
        publishing.register_part(PooledEstimate, "review")

        def users_of(field: str):
            def used_by(row):
                return [
                    *Claim.objects.filter(**{f"claim_outcomes__{field}": row}).distinct(),
                    *Study.objects.filter(**{f"results__{field}": row}).distinct(),
                    *Study.objects.filter(**{f"pooled_estimates__{field}": row}).distinct(),
                ]

            return used_by

        publishing.register_shared(Comparison, used_by=users_of("comparison"))
        publishing.register_shared(OutcomeMeasure, used_by=users_of("outcome"))
        study_saving.connect(
            receivers.note_linked_claims, sender=Study, dispatch_uid="evidence.note_linked_claims"
        )
        studies_changed.connect(
            receivers.regrade_linked_claims,
            sender=Study,
            dispatch_uid="evidence.regrade_linked_claims",
        )
        # The claim list's facet summary follows the links and the studies.
        from evidence import claim_facets

        claim_facets.connect()
