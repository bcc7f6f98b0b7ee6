"""Correcting a published record without taking it off the public site.

A curator proposes new values for some of a published record's own fields (a typo in a claim's
statement, a study's summary): they are stored as its pending Revision, and the record itself,
which the public pages read, keeps its published values. A reviewer who did not propose the
correction publishes it: the values are checked as the form would check them and written into
the record in one save, recorded in its history as the proposer's change published by the
reviewer. Until then the proposer or a reviewer may withdraw it.

This is the one write to a published record that does not pass studies.publishing's
check_editable: it is the reviewed path (a second person publishes it), like the workflow
steps. Inline rows (outcomes, links, mentions) are not corrected this way: unpublish for those.

The generic functions take the record; each app wraps them for its models (`study_revision_*`
here, `claim_revision_*` in evidence.workflow) with its permission and what follows a change
(studies send studies_changed; claims are regraded).
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from studies.models import Revision, Study
from studies.services import WorkflowError, attach_history_user
from studies.signals import studies_changed

PUBLISHED = "published"


def pending_revision(record: Model) -> Revision | None:
    """The record's correction waiting for review, or None."""
    if record.pk is None:
        return None
    return (
        Revision.objects.filter(
            content_type=ContentType.objects.get_for_model(type(record)), object_id=record.pk
        )
        .select_related("proposed_by")
        .first()
    )


def revision_values(record: Model, fields) -> dict[str, object]:
    """The JSON-ready values of `fields` as they stand on `record` (a form's instance)."""
    return {name: record._meta.get_field(name).value_from_object(record) for name in fields}


def apply_values(record: Model, values: dict[str, object]) -> None:
    for name, value in values.items():
        model_field = record._meta.get_field(name)
        setattr(record, model_field.attname, model_field.to_python(value))


@transaction.atomic
def revision_propose(
    *, record: Model, values: dict[str, object], by, allowed, note: str = ""
) -> Revision:
    """Store (or replace, for its own proposer) the pending correction of a published record.

    `values` are the changed fields (names in `allowed`) with JSON-ready values; the record is
    not touched. Refused for a record that is not published, for fields outside `allowed`, for
    no change at all, and while someone else's correction is pending."""
    noun = record._meta.verbose_name
    if getattr(record, "status", None) != PUBLISHED:
        raise WorkflowError(f"Only a published {noun} is corrected this way: edit the draft.")
    unknown = set(values) - set(allowed)
    if unknown:
        raise WorkflowError(
            f"These fields are not corrected this way: {', '.join(sorted(unknown))}."
        )
    current = revision_values(record, values)
    values = {k: v for k, v in values.items() if current[k] != v}
    if not values:
        raise WorkflowError("Nothing is changed: the correction would be the published text.")
    pending = pending_revision(record)
    if pending is not None and pending.proposed_by_id != by.pk:
        raise WorkflowError(
            f"{pending.proposed_by or 'Someone'} already proposed a correction of “{record}”: "
            "it must be published or withdrawn first."
        )
    revision = pending or Revision(
        content_type=ContentType.objects.get_for_model(type(record)), object_id=record.pk
    )
    revision.values, revision.note, revision.proposed_by = values, note.strip(), by
    revision.save()
    return revision


@transaction.atomic
def revision_withdraw(*, record: Model, by, permission: str) -> None:
    """Drop the pending correction: its proposer or a reviewer may."""
    pending = pending_revision(record)
    if pending is None:
        raise WorkflowError(f"“{record}” has no correction waiting.")
    if pending.proposed_by_id != by.pk and not by.has_perm(permission):
        raise WorkflowError("Only its proposer or a reviewer can withdraw a correction.")
    pending.delete()


@transaction.atomic
def revision_publish(*, record: Model, by, permission: str) -> Model:
    """Write the pending correction into the published record, by a reviewer who did not
    propose it (nobody publishes their own correction, the superuser included)."""
    noun = record._meta.verbose_name
    pending = pending_revision(record)
    if pending is None:
        raise WorkflowError(f"“{record}” has no correction waiting.")
    if not by.has_perm(permission):
        raise WorkflowError(f"Only a reviewer can publish a correction of a {noun}.")
    if pending.proposed_by_id == by.pk:
        raise WorkflowError(
            "You proposed this correction yourself: another reviewer must publish it."
        )
    if getattr(record, "status", None) != PUBLISHED:
        raise WorkflowError(f"“{record}” is no longer published: edit the draft instead.")
    apply_values(record, pending.values)
    try:
        record.full_clean(exclude=[f.name for f in record._meta.many_to_many])
    except ValidationError as error:
        raise WorkflowError(
            "The correction no longer fits the record: " + " ".join(error.messages)
        ) from error
    proposer = pending.proposed_by
    record.updated_by = proposer
    record.published_at, record.published_by = timezone.now(), by
    attach_history_user(record, proposer or by)
    record._change_reason = f"Correction by {proposer}, published by {by}"
    record.save()
    pending.delete()
    return record


# Studies -------------------------------------------------------------------------------------


def study_revision_fields() -> list[str]:
    """A study's own fields its form edits (not the reviews' included studies, a list)."""
    from studies.forms import StudyForm

    many = {f.name for f in Study._meta.many_to_many}
    return [name for name in StudyForm.Meta.fields if name not in many]


def study_revision_propose(*, study: Study, by, values, note: str = "") -> Revision:
    """Propose a correction of a published study (see revision_propose)."""
    return revision_propose(
        record=study, values=values, by=by, allowed=study_revision_fields(), note=note
    )


@transaction.atomic
def study_revision_publish(*, study: Study, by) -> Study:
    """Publish the correction of a published study; its claims are regraded."""
    revision_publish(record=study, by=by, permission="studies.publish_study")
    studies_changed.send(sender=Study, studies=[study], context={})
    return study


def study_revision_withdraw(*, study: Study, by) -> Study:
    revision_withdraw(record=study, by=by, permission="studies.publish_study")
    return study
