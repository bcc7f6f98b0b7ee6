"""The hooks through which apps built on the literature plug into its writes.

The arrows run one way: evidence (claims, links, grading) builds on studies, and studies never
imports it. Two rules of the literature still reach upwards, so studies offers a hook for each and
the upper app plugs in from its side (evidence.apps.EvidenceConfig.ready):

- Grades follow their studies. Every studies write that can change a grade (publish, unpublish,
  retract, a study saved in the admin with its inlines) sends `studies_changed`, inside its own
  transaction, once the change is saved; evidence regrades the claims linked to those studies
  (evidence.receivers). Django signals run their receivers synchronously and let their exceptions
  through, so a failed regrade rolls the write back, exactly as the direct call it replaces did.
  With no receiver connected the signal is sent to nobody and the write goes on.
- The study admin sends `study_saving` first, before a study's inlines are saved, so a receiver
  can note what is about to change in the `context` dict it is handed (evidence: the claims the
  study is linked to now, since an inline may unlink it from one); the same dict comes back with
  `studies_changed`. The services send `studies_changed` alone, with an empty context.
- A reviewer may not publish a study they changed, and a change to anything hanging off the study
  counts. Each app registers its parts of a study with `register_study_part` (studies: outcomes
  and arms; evidence: links); `study_part_histories` gives their history for the rule.

Signals rather than a callback list for the writes: they are Django's own "this happened" hook,
with sender filtering and dispatch_uid against double connection. A plain registry for the parts:
the rule needs values back (querysets), not a notification.
"""

from django.db.models import Model, QuerySet
from django.dispatch import Signal

studies_changed = Signal()
"""Sent with sender=Study, studies=[Study, ...] and context={...} after their status or the data a
grade reads changed (in the same transaction)."""

study_saving = Signal()
"""Sent with sender=Study, study=Study and context={} by the study admin before it saves the
study's inlines; receivers may put what they need afterwards into context."""

_STUDY_PARTS: dict[type[Model], str] = {}


def register_study_part(model: type[Model], study_lookup: str) -> None:
    """Count changes to `model` rows (a simple-history model) as changes to their study.

    `study_lookup` leads from the part to its study: "study", or "outcome__study" for arms.
    Registering a model again replaces its lookup.
    """
    _STUDY_PARTS[model] = study_lookup


def study_part_histories(study: Model) -> list[QuerySet]:
    """The history records of every registered part of `study`, one queryset per part."""
    return [
        model.history.filter(**{f"{lookup}_id": study.pk}) for model, lookup in _STUDY_PARTS.items()
    ]
