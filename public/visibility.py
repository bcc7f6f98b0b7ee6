"""Which writes a reader can see: the page cache's version (public.page_cache) moves, and the
worker warms the shared parts again (public.tasks), for those alone.

Every public page and answer reads published records only. A study, a claim, a source document
and a passage (a mention) are shown while published; a row that belongs to them — a study's
outcomes, arms and results, a review's pooled estimates, a claim's links, Summary of Findings
rows and grade changes, a passage's claim and document — only while every record it belongs to
is published (its *gates*, `GATES`). A save is *unseen* when the row was not shown before it and
is not shown after it: a curator's draft being written, its outcomes, a link to a study still in
review. Such a save leaves every cached page and part where it was: at a million claims a new
version costs the worker ~22 s of counting and every reader a page built from nothing.

Some rows no page reads at all (`NEVER_SHOWN`: proposed corrections, import jobs, rejected
matches, and the admin's history of every record). Every other write of the literature or the
evidence counts as seen, as before: a category, a comparison, a shared outcome measure, a
many-to-many change, any delete (a draft's delete cascades to rows whose gates are not read
here), and a fixture's raw save. A regrade tells whether it changed a published claim's grade
(`grades_changed`'s `published`), and `studies_changed` whether any of its studies is published
(an unpublish or a retraction is seen by the study's own save, whose stored row was published).

Cost on the write path: a save of a gated row that is not published as saved asks the database
once whether its stored row was shown (`note_before`), a gated child row once more after the
save whether it is shown now; a published record's own save asks nothing.
"""

from django.db.models import Model
from django.db.models.signals import post_save
from simple_history.models import HistoricalChanges

from studies.vocabulary import StudyStatus

PUBLISHED = StudyStatus.PUBLISHED.value  # the evidence's PublicationStatus says the same

# Model label -> the records it is shown through ("" is the row itself), all of which must be
# published for a reader to see it. Each public queryset requires at least these.
GATES: dict[str, tuple[str, ...]] = {
    "studies.study": ("",),
    "evidence.claim": ("",),
    "evidence.sourcedocument": ("",),
    "evidence.claimmention": ("", "claim", "document"),
    "studies.outcome": ("study",),
    "studies.outcomearm": ("outcome__study",),
    "evidence.studyresult": ("study",),
    "evidence.pooledestimate": ("review",),
    "evidence.evidencelink": ("claim", "study"),
    "evidence.claimoutcome": ("claim",),
    "evidence.claimgradechange": ("claim",),
}
NEVER_SHOWN = frozenset({"studies.revision", "studies.importjob", "evidence.mentionrejection"})

_BEFORE = "_public_shown_before"


def _label(model: type[Model]) -> str:
    return model._meta.label_lower


def never_shown(model: type[Model]) -> bool:
    return issubclass(model, HistoricalChanges) or _label(model) in NEVER_SHOWN


def _self_only(gates: tuple[str, ...]) -> bool:
    return gates == ("",)


def _shown_in_database(model: type[Model], pk) -> bool:
    """Whether the stored row with this pk passes every one of its gates (one query)."""
    gates = GATES[_label(model)]
    conditions = {f"{gate}__status" if gate else "status": PUBLISHED for gate in gates}
    return model._base_manager.filter(pk=pk, **conditions).exists()


def note_before(sender, instance, raw=False, **kwargs) -> None:
    """pre_save receiver: notes on the instance whether its stored row is shown, where that
    can decide anything (a gated row that exists; not a published record, whose save is seen
    whatever it was)."""
    gates = GATES.get(_label(sender))
    if raw or gates is None or instance.pk is None:
        return
    if _self_only(gates) and instance.status == PUBLISHED:
        return
    setattr(instance, _BEFORE, _shown_in_database(sender, instance.pk))


def save_seen(sender, instance, created=False, raw=False, **kwargs) -> bool:
    """post_save: whether a reader could see this save."""
    if never_shown(sender):
        return False
    gates = GATES.get(_label(sender))
    if raw or gates is None:
        return True
    if getattr(instance, _BEFORE, False) and not created:
        return True
    if _self_only(gates):
        return instance.status == PUBLISHED
    return _shown_in_database(sender, instance.pk)


def change_seen(sender, signal=None, **kwargs) -> bool:
    """Whether a post_save, post_delete or m2m_changed of a literature or evidence model could
    change what a reader sees."""
    if signal is post_save:
        return save_seen(sender, **kwargs)
    return not never_shown(sender)


def studies_seen(studies=(), **kwargs) -> bool:
    """`studies_changed`: seen when any of the studies is published now (one that was published
    before and is not now was seen by its own save)."""
    return any(study.status == PUBLISHED for study in studies) or not studies


def grades_seen(published=None, **kwargs) -> bool:
    """`grades_changed`: seen when a published claim's stored grade changed (an older sender
    that does not say counts as seen)."""
    return published is None or published > 0
