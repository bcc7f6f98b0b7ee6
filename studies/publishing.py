"""The one publication rule: what the public sees changes only through review.

A published record (a study, a claim, a source document; a retracted study too) and every row
hanging off it is locked, for every role, the superuser included: the only way to change it is to
unpublish it (a reviewer's workflow step), edit the draft, and have a *different* reviewer publish
it again. Adding a row to a locked parent, moving a row to or away from one, and deleting one are
refused alike. A shared vocabulary row (a comparison, an outcome measure) is locked while any
published record uses it, since changing it changes those records' public pages.

Every write that can change a public page calls `check_editable` before it saves: the admin's
forms, inlines, stand-alone changelists, bulk deletes and history revert, the services, and any
future API. The admin also hides the buttons (`is_locked`), but this check is what holds.

The rule knows no app: each app registers its models here from its AppConfig.ready() (studies:
studies, outcomes, arms; evidence: claims, documents, mentions, links, results). Workflow
steps (submit, publish, unpublish, retract) and regrading write only workflow fields and do not
pass through here; they have their own checks in the services.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Model


class PublicationLocked(PermissionDenied):
    """A write to a published record or to something hanging off one.

    A PermissionDenied, so a path that forgot to catch it answers 403 and writes nothing (the
    admin wraps each save in a transaction); the message says why, for the curator.
    """


@dataclass(frozen=True)
class _Rule:
    # For a record that is published itself: is it public (locked) in this state?
    public: Callable[[Model], bool] | None = None
    # For a row hanging off others: attribute paths to its parents ("study", "outcome.study").
    parents: tuple[str, ...] = ()
    # For shared vocabulary: the published records using this row (empty when none).
    used_by: Callable[[Model], Iterable[Model]] | None = None


_RULES: dict[type[Model], _Rule] = {}


def register_published(model: type[Model], *, public: Callable[[Model], bool]) -> None:
    """`model` is reviewed and published itself; `public(row)` says whether a row is public."""
    _RULES[model] = _Rule(public=public)


def register_part(model: type[Model], *parents: str) -> None:
    """Rows of `model` hang off the records at these attribute paths (e.g. "outcome.study");
    a row is locked when any of them is."""
    _RULES[model] = _Rule(parents=tuple(parents))


def register_shared(model: type[Model], *, used_by: Callable[[Model], Iterable[Model]]) -> None:
    """Rows of `model` are vocabulary shared by other records; `used_by(row)` gives the records
    using it (a queryset or list), and the row is locked while any of them is."""
    _RULES[model] = _Rule(used_by=used_by)


def registered_models() -> list[type[Model]]:
    """Every model the rule covers (the permission-matrix test checks the admin against it)."""
    return list(_RULES)


def _walk(row: Model, path: str) -> Model | None:
    for name in path.split("."):
        if row is None:
            return None
        try:
            row = getattr(row, name)
        except Model.DoesNotExist:  # a new row whose parent is not set yet
            return None
    return row


def _stored(row: Model) -> Model | None:
    if row.pk is None or row._state.adding:
        return None
    return type(row)._default_manager.filter(pk=row.pk).first()


def locked_by(row: Model | None) -> Model | None:
    """The published record that locks `row` as it stands (in memory), or None."""
    if row is None:
        return None
    rule = _RULES.get(type(row))
    if rule is None:
        return None
    if rule.public is not None:
        return row if rule.public(row) else None
    for path in rule.parents:
        found = locked_by(_walk(row, path))
        if found is not None:
            return found
    if rule.used_by is not None and row.pk is not None:
        for user in rule.used_by(row):
            found = locked_by(user)
            if found is not None:
                return found
    return None


def is_locked(row: Model | None) -> bool:
    """Whether `row`, as stored or as it stands now, may not be changed or deleted."""
    if row is None:
        return False
    return locked_by(row) is not None or locked_by(_stored(row)) is not None


def check_editable(instance: Model, *, by=None, deleting: bool = False) -> None:
    """Raise PublicationLocked unless `instance` may be saved (or, `deleting`, deleted) now.

    Looks at the row as stored (a published record, a row whose current parent is published)
    and as it is about to be saved (a record set to published without review, a row moved to a
    published parent, a new row added to one). The same for everyone, `by` included: only
    unpublishing unlocks.
    """
    stored = _stored(instance)
    culprit = locked_by(stored)
    if culprit is None and not deleting:
        culprit = locked_by(instance)
    if culprit is None:
        return
    noun = type(instance)._meta.verbose_name
    what = "deleted" if deleting else ("changed" if stored is not None else "added")
    if culprit is instance or culprit is stored:
        reason = f"“{culprit}” is published: unpublish it first, then have it reviewed again."
    else:
        reason = (
            f"it belongs to the published {type(culprit)._meta.verbose_name} “{culprit}”: "
            "unpublish that first, then have it reviewed again."
        )
    who = f" by {by}" if by is not None and getattr(by, "pk", None) else ""
    raise PublicationLocked(f"This {noun} cannot be {what}{who}: {reason}")
