"""How evidence answers the literature's hooks (studies.signals); connected in EvidenceConfig.ready.

A study's status and the data a grade reads feed the grade of every claim linked to it, so when
studies change, those claims are regraded in the same transaction. A link the study admin removes
inline (deleted, or moved to another claim) leaves its old claim with one study less: that claim
is noted before the inlines are saved and regraded with the rest.
"""

from evidence.models import EvidenceLink
from evidence.services import regrade_affected

LINKED_BEFORE = "evidence.linked_before"


def note_linked_claims(sender, *, study, context: dict, **kwargs) -> None:
    """Before the study admin saves a study's inlines: the claims the study is linked to."""
    context[LINKED_BEFORE] = list(
        EvidenceLink.objects.filter(study=study).values_list("claim_id", flat=True)
    )


def regrade_linked_claims(sender, *, studies, context: dict, **kwargs) -> None:
    """Regrade the claims linked to the changed studies, and those they were linked to before."""
    regrade_affected(studies=studies, claims=context.get(LINKED_BEFORE, ()))
