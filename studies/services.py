"""Writes to studies: the review workflow and citation import.

Every function here saves through the model (so simple-history records the change) with the
acting user attached as the history user, and raises WorkflowError with a message the admin
shows as is when an action is not allowed.

Publishing, unpublishing and retracting change which studies count towards grades, so each
sends studies.signals.studies_changed in the same transaction (evidence regrades the claims
linked to the study). Imported studies start as drafts with no links: they change no grade.
"""

import contextlib
import io
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, OperationalError, connections, models, router, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from tqdm import tqdm

from studies.citations import NO_DATE, is_valid_doi, normalize_title
from studies.importers import (
    FORMATS,
    CitationFileError,
    CitationRecord,
    check_size,
    read_citations,
)
from studies.importers.records import CitationKeys, citation_key_base
from studies.models import ImportJob, ImportJobStatus, Study, StudyStatus
from studies.signals import studies_changed, study_part_histories

# Fields a workflow step or the grading changes by itself: they are not "a change someone made"
# when deciding whether a reviewer is publishing their own work.
WORKFLOW_FIELDS = [
    "status",
    "retraction_reason",
    "updated_at",
    "updated_by",
    "published_at",
    "published_by",
    "certainty",
    "direction",
    "preclinical_only",
    "sort_strength",
    "rationale",
    "graded_at",
]


class WorkflowError(Exception):
    """An action that is not allowed now; the message says why, for the curator."""


def attach_history_user(instance: Model, user) -> None:
    """simple-history reads the acting user from here outside a request (commands, imports)."""
    if user is not None and getattr(user, "pk", None):
        instance._history_user = user


def edited_by(instance: Model, user, parts: Iterable[QuerySet] = ()) -> bool:
    """True when `user` changed the record's content since it was last published.

    Looks at the last-changed-by field, at every history record since the last published
    version (status-only steps and regrades do not count), and at the history of its parts
    (`parts`: historical querysets of its outcomes, arms, mentions, links) over that time.
    """
    if user is None:
        return False
    if getattr(instance, "updated_by_id", None) == user.pk:
        return True
    records = list(instance.history.order_by("history_date", "history_id"))
    published = [i for i, r in enumerate(records) if r.status == "published"]
    start = published[-1] if published else 0
    if not published and records and records[0].history_user_id == user.pk:
        return True
    for older, newer in pairwise(records[start:]):
        if newer.history_user_id != user.pk:
            continue
        delta = newer.diff_against(older, excluded_fields=WORKFLOW_FIELDS)
        if delta.changed_fields:
            return True
    since = records[start].history_date if published else None
    for history in parts:
        mine = history.filter(history_user_id=user.pk)
        if since is not None:
            mine = mine.filter(history_date__gt=since)
        if mine.exists():
            return True
    return False


def study_parts(study: Study) -> list[QuerySet]:
    """The history of what hangs off a study: its outcomes and their arms, and whatever other
    apps registered (evidence: its links), see studies.signals.register_study_part."""
    return study_part_histories(study)


def check_can_publish(
    *, instance: Model, by, permission: str, noun: str, parts: Iterable[QuerySet] = ()
) -> None:
    if not by.has_perm(permission):
        raise WorkflowError(f"Only a reviewer can publish or unpublish a {noun}.")
    if not by.is_superuser and edited_by(instance, by, parts):
        raise WorkflowError(f"You changed “{instance}” yourself: another reviewer must publish it.")


def workflow_save(instance: Model, *, by, **values) -> None:
    """Set workflow fields and save, recording `by` in the history."""
    for name, value in values.items():
        setattr(instance, name, value)
    attach_history_user(instance, by)
    instance.save()


@transaction.atomic
def study_submit(*, study: Study, by) -> Study:
    """Draft → in review. Needs a design and a year (imports may leave them to the curator)."""
    if study.status != StudyStatus.DRAFT:
        raise WorkflowError(f"“{study}” is {study.get_status_display().lower()}, not a draft.")
    if not study.design:
        raise WorkflowError(f"Set the study design of “{study}” before submitting it.")
    if study.year is None:
        raise WorkflowError(f"Set the year of publication of “{study}” before submitting it.")
    workflow_save(study, by=by, status=StudyStatus.REVIEW)
    return study


@transaction.atomic
def study_publish(*, study: Study, by) -> Study:
    """In review → published, by a reviewer who did not make the change."""
    if study.status != StudyStatus.REVIEW:
        raise WorkflowError(
            f"“{study}” is {study.get_status_display().lower()}: only a study in review "
            "can be published. Submit it for review first."
        )
    check_can_publish(
        instance=study,
        by=by,
        permission="studies.publish_study",
        noun="study",
        parts=study_parts(study),
    )
    workflow_save(
        study, by=by, status=StudyStatus.PUBLISHED, published_at=timezone.now(), published_by=by
    )
    studies_changed.send(sender=Study, studies=[study], context={})
    return study


@transaction.atomic
def study_unpublish(*, study: Study, by) -> Study:
    """Published (or in review) → draft: it leaves every public page at once."""
    if not by.has_perm("studies.publish_study"):
        raise WorkflowError("Only a reviewer can unpublish a study.")
    if study.status not in (StudyStatus.PUBLISHED, StudyStatus.REVIEW):
        raise WorkflowError(f"“{study}” is {study.get_status_display().lower()}.")
    workflow_save(study, by=by, status=StudyStatus.DRAFT, published_at=None, published_by=None)
    studies_changed.send(sender=Study, studies=[study], context={})
    return study


@transaction.atomic
def study_retract(*, study: Study, by, reason: str) -> Study:
    """Any status → retracted, with the reason shown wherever the study is cited."""
    if not by.has_perm("studies.retract_study"):
        raise WorkflowError("Only a reviewer can retract a study.")
    if not reason.strip():
        raise WorkflowError("Say why the study is retracted.")
    if study.status == StudyStatus.RETRACTED:
        raise WorkflowError(f"“{study}” is already retracted.")
    if study.year is None:
        raise WorkflowError(f"Set the year of publication of “{study}” before retracting it.")
    workflow_save(study, by=by, status=StudyStatus.RETRACTED, retraction_reason=reason.strip())
    studies_changed.send(sender=Study, studies=[study], context={})
    return study


# Citation import ---------------------------------------------------------------------------


PROGRESS_EVERY_SECONDS = 0.5


class ImportOutcome:
    CREATED = "created"
    PRESENT = "already present"
    SKIPPED = "skipped"


@dataclass
class ImportLine:
    record: CitationRecord
    outcome: str
    study: Study | None = None
    reason: str = ""
    filename: str = ""
    # Fields set aside from the record (a bad URL, a duplicated field): the rest was imported.
    notes: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        """ "scopus.bib, record 3 (line 41)": the file, record and line."""
        return f"{self.filename}, {self.record.label}" if self.filename else self.record.label

    def __str__(self) -> str:
        return self._outcome() + "".join(f"; {note}" for note in self.notes)

    def _outcome(self) -> str:
        what = f"{self.where}, {self.record.describe()}"
        if self.outcome == ImportOutcome.CREATED:
            return f"{what}: created as a draft" + (f" ({self.study.pk})" if self.study else "")
        if self.outcome == ImportOutcome.PRESENT:
            return (
                f"{what}: already present as study {self.study.pk}, “{self.study}” ({self.reason})"
            )
        return f"{what}: skipped, {self.reason}"


@dataclass
class ImportReport:
    filename: str
    format: str
    dry_run: bool
    lines: list[ImportLine] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)

    @property
    def created(self) -> list[Study]:
        return [ln.study for ln in self.lines if ln.outcome == ImportOutcome.CREATED and ln.study]

    def summary(self) -> str:
        verb = "would create" if self.dry_run else "created"
        return (
            f"{self.filename} ({FORMATS[self.format]}): {len(self.lines)} records; "
            f"{verb} {self.count(ImportOutcome.CREATED)}, "
            f"{self.count(ImportOutcome.PRESENT)} already present, "
            f"{self.count(ImportOutcome.SKIPPED)} skipped"
            + (" (dry run: nothing written)" if self.dry_run else "")
            + "."
        )


class _Index:
    """What is already known, by DOI, PMID and title+year: the database, then this file.

    Read from the database in one streamed query, so checking a record costs no query.
    """

    def __init__(self) -> None:
        self.doi: dict[str, object] = {}
        self.pmid: dict[str, object] = {}
        self.title: dict[tuple[str, int], object] = {}
        # Any title, with or without a year: only to warn that an undated record's title is
        # already there (it is never merged on the title alone).
        self.title_any: dict[str, tuple[object, int | None]] = {}
        taken: set[str] = set()
        rows = Study.objects.values_list("pk", "doi", "pmid", "title", "year", "citation_key")
        for pk, doi, pmid, title, year, key in rows.order_by().iterator(chunk_size=5000):
            self.add(pk, doi, pmid, normalize_title(title), year)
            if key:
                taken.add(key)
        self.keys = CitationKeys(taken)

    def add(self, target, doi: str, pmid: str, title: str, year: int | None) -> None:
        """`title` is already normalised (studies.citations.normalize_title)."""
        if doi:
            self.doi.setdefault(doi, target)
        if pmid:
            self.pmid.setdefault(pmid, target)
        if title:
            self.title_any.setdefault(title, (target, year))
            if year:
                self.title.setdefault((title, year), target)

    def find(self, record: CitationRecord, title: str) -> tuple[object, str] | None:
        """DOI, then PMID, then title and year; an undated record matches by identifier only."""
        if record.doi and record.doi in self.doi:
            return self.doi[record.doi], f"same DOI {record.doi}"
        if record.pmid and record.pmid in self.pmid:
            return self.pmid[record.pmid], f"same PMID {record.pmid}"
        if title and record.year and (title, record.year) in self.title:
            return self.title[(title, record.year)], "same title and year"
        return None

    def undated_title_note(self, record: CitationRecord, title: str) -> str:
        """A note when this record or the study with its title has no year: not merged."""
        if not title or title not in self.title_any:
            return ""
        target, year = self.title_any[title]
        if record.year and year:
            return ""
        if isinstance(target, ImportLine):
            other = f"{target.record.label} in this file"
        else:
            other = f"study {target}"
        return (
            f"same title as {other} ({year or NO_DATE}) but "
            f"{'no year' if not record.year else 'that has no year'} to tell them apart: "
            "not merged, check whether it is the same article"
        )

    def citation_key(self, record: CitationRecord) -> str:
        """wang2020, then wang2020a … wang2020z, wang2020aa …: ASCII letters and digits."""
        return self.keys.new(citation_key_base(record.names, record.year))


# The fields a record cannot do without: anything else that does not fit is dropped, noted.
# (A year that does not fit is dropped too when the record has a DOI or PMID to find it by.)
_REQUIRED = ("title",)
# Checked field by field: what a record set, but not the lists (names, keywords…), which the
# readers build as lists of texts themselves (checking that each is JSON cost 0.2 s a 10,000).
_FROM_RECORDS = {
    name for name, value in CitationRecord().study_values().items() if not isinstance(value, list)
} - {"design", "doi", "pmid"}
_NOT_FROM_RECORDS = [f.name for f in Study._meta.fields if f.name not in _FROM_RECORDS]


_NO_YEAR_NOR_IDENTIFIER = "it has no usable year and no DOI or PMID to look it up by"


def _identifier(record: CitationRecord | Study) -> str:
    """ "DOI 10.…" or "PMID …" when the record has a valid one (what finds it again), else ""."""
    if record.doi and is_valid_doi(record.doi):
        return f"DOI {record.doi}"
    if record.pmid and record.pmid.isdigit():
        return f"PMID {record.pmid}"
    return ""


def _drop_bad_fields(study: Study) -> tuple[list[str], str]:
    """(notes, problem): every optional field that would not save is emptied, with a note
    saying why; `problem` says why the record cannot become a study at all, or is "".

    A URL with a space, an over-long issue, a shortDOI ("10/abc") or a PMID that is not
    digits loses only that field; the record still becomes a study.
    """
    notes = []
    if study.doi and not is_valid_doi(study.doi):
        notes.append(f"DOI “{study.doi}” dropped: not a DOI (10.NNNN/…)")
        study.doi = ""
    if study.pmid and not study.pmid.isdigit():
        notes.append(f"PMID “{study.pmid}” dropped: not digits")
        study.pmid = ""
    problems = []
    try:
        # Only what the record set: every other field holds the model's own default.
        study.clean_fields(exclude=_NOT_FROM_RECORDS)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            model_field = Study._meta.get_field(name)
            if name in _REQUIRED:
                problems.append(f"{model_field.verbose_name}: {' '.join(messages)}")
                continue
            value = str(getattr(study, name))
            shown = value if len(value) <= 60 else value[:59] + "…"
            notes.append(f"{model_field.verbose_name} “{shown}” dropped: {' '.join(messages)}")
            setattr(study, name, model_field.get_default())
    return notes, "; ".join(problems)


def citations_import(
    *,
    filename: str,
    content: bytes,
    by=None,
    dry_run: bool = False,
    status: str = StudyStatus.DRAFT,
    progress: bool = False,
    on_progress: Callable[[str, int, int], None] | None = None,
    max_bytes: int | None = None,
) -> ImportReport:
    """Import one citation file: every record is created, found already present, or skipped.

    De-duplicates against the database and within the file by normalised DOI, then PMID, then
    normalised title with year (a record without a year by DOI or PMID only; a same title is
    noted, never merged). A record without a title, or without a usable year and a valid DOI
    or PMID, is skipped; one with an identifier and no year becomes an undated draft, noted.
    The new studies and one history row each are written in one transaction. Raises
    CitationFileError (and writes nothing) when the file
    cannot be read, is over `max_bytes` (default: settings.CITATION_UPLOAD_MAX_BYTES) or holds
    a malformed record; with dry_run it reports what it would do and writes nothing.
    `on_progress(stage, done, total)` is called now and then while records are checked.
    """
    if max_bytes is None:
        max_bytes = settings.CITATION_UPLOAD_MAX_BYTES
    fmt, records = read_citations(filename, content, max_bytes=max_bytes)
    report = ImportReport(filename=filename, format=fmt, dry_run=dry_run)
    tell = on_progress or (lambda stage, done, total: None)
    tell("checking the records against the database", 0, len(records))
    index = _Index()
    user_id = by.pk if by is not None and by.pk else None
    new: list[Study] = []
    present: list[tuple[ImportLine, int]] = []
    bar = tqdm(records, desc=filename, unit="record", disable=not progress or len(records) < 100)
    last = time.monotonic()
    for done, record in enumerate(bar):
        if time.monotonic() - last > PROGRESS_EVERY_SECONDS:
            tell("checking the records against the database", done, len(records))
            last = time.monotonic()
        line = ImportLine(record, ImportOutcome.SKIPPED, filename=filename)
        line.notes = list(record.notes)
        report.lines.append(line)
        if not record.title:
            line.reason = "it has no title"
            continue
        if not record.year and not _identifier(record):
            line.reason = _NO_YEAR_NOR_IDENTIFIER
            continue
        title = normalize_title(record.title)
        match = index.find(record, title)
        if match is not None:
            target, why = match
            if isinstance(target, ImportLine):  # an earlier record of this file
                line.reason = f"a duplicate of {target.record.label} in this file ({why})"
            else:  # the primary key of a study in the database
                line.outcome, line.reason = ImportOutcome.PRESENT, why
                present.append((line, target))
            continue
        # Both users given, so the model does not look up their defaults (10,000 times).
        study = Study(
            **record.study_values(), status=status, updated_by_id=user_id, published_by_id=None
        )
        study.normalize_identifiers()
        notes, problem = _drop_bad_fields(study)
        line.notes += notes
        if problem:
            line.reason = problem
            continue
        if study.year is None:
            ident = _identifier(study)
            if not ident:  # its year was out of range
                line.reason = _NO_YEAR_NOR_IDENTIFIER
                continue
            line.notes.append(
                f"no year of publication: look it up by {ident} and set it before submitting"
            )
        same_title = index.undated_title_note(record, title)
        if same_title:
            line.notes.append(same_title)
        study.citation_key = index.citation_key(record)
        line.outcome, line.study = ImportOutcome.CREATED, study
        index.add(line, study.doi, study.pmid, title, study.year)
        new.append(study)
    found = Study.objects.in_bulk([pk for _, pk in present])
    for line, pk in present:
        line.study = found[pk]
    tell(
        f"writing {len(new)} new studies" if new and not dry_run else "done",
        len(records),
        len(records),
    )
    if not dry_run and new:
        _create(new, by=by, reason=f"Imported from {filename}")
    return report


# Writing the new studies: one multi-row INSERT per batch for the studies (their ids come back
# with RETURNING, in the order sent, as Django's own bulk_create relies on) and one for their
# history rows, built here from the studies' values. bulk_create_with_history did the same
# writes through a model instance and per-field preparation per row: about 5 s of CPU for
# 10,000 studies, against well under 1 s so.
_PLAIN_FIELDS = (
    models.CharField,  # TextField, URLField and SlugField: the value is already a str
    models.TextField,
    models.IntegerField,  # and its Positive…/Big… kinds: an int or None
    models.ForeignKey,  # its attname holds the id
)
_ROWS_PER_INSERT = 1000


def _converters(fields, connection) -> list[Callable[[object], object] | None]:
    """Per field, how a value becomes a query parameter: None when it goes as it is."""
    out: list[Callable[[object], object] | None] = []
    for model_field in fields:
        if isinstance(model_field, _PLAIN_FIELDS):
            out.append(None)
        elif isinstance(model_field, models.DateTimeField):
            out.append(_last_value_cached(model_field, connection))
        else:  # JSON: the field's own preparation for this database
            out.append(lambda value, f=model_field: f.get_db_prep_save(value, connection))
    return out


def _last_value_cached(model_field, connection) -> Callable[[object], object]:
    """A datetime's preparation, done once for a run of the same value (the import's "now")."""
    last: list[object] = [object(), None]

    def convert(value: object) -> object:
        if value is not last[0]:
            last[:] = [value, model_field.get_db_prep_save(value, connection)]
        return last[1]

    return convert


def _max_params(connection) -> int:
    if connection.vendor == "sqlite":
        import sqlite3

        connection.ensure_connection()
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return connection.features.max_query_params or 65535


def _prepared(fields, rows: list[list[object]], connection) -> list[list[object]]:
    """The rows' values as query parameters for `fields`."""
    convert = list(enumerate(_converters(fields, connection)))
    if all(converter is None for _, converter in convert):
        return rows
    return [
        [
            row[i] if converter is None or row[i] is None else converter(row[i])
            for i, converter in convert
        ]
        for row in rows
    ]


def _copy_text(value: object) -> str:
    """One value in PostgreSQL's CSV COPY format: NULL unquoted, everything else quoted."""
    if value is None:
        return "\\N"
    if hasattr(value, "adapted"):  # psycopg2's Json adapter, as JSONField prepares a value
        value = value.dumps(value.adapted)
    elif hasattr(value, "isoformat"):
        value = value.isoformat()
    return '"' + str(value).replace('"', '""') + '"'


def _copy_rows(connection, model, fields, rows: list[list[object]]) -> None:
    """PostgreSQL: the rows through one COPY, a few times faster on the server than INSERTs
    (10,000 history rows: 1.2 s against 4 s wall-clock at a load average of 7)."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    buffer = io.StringIO()
    for row in rows:
        buffer.write(",".join(_copy_text(value) for value in row))
        buffer.write("\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN "
            "WITH (FORMAT csv, NULL '\\N')",
            buffer,
        )


def _insert_rows(model, fields, rows: list[list[object]], *, returning: str = "") -> list:
    """INSERT `rows` (query parameters in the order of `fields`) into model's table, in
    batches within the database's parameter limit; the `returning` column of each row."""
    connection = connections[router.db_for_write(model)]
    if connection.vendor == "postgresql" and not returning and rows:
        _copy_rows(connection, model, fields, rows)
        return []
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(1, min(_ROWS_PER_INSERT, _max_params(connection) // len(fields)))
    returned: list = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            sql = (
                f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608
                f"VALUES {', '.join([one_row] * len(batch))}"
            )
            if returning:
                sql += f" RETURNING {quote(returning)}"
            cursor.execute(sql, [value for row in batch for value in row])
            if returning:
                returned.extend(row[0] for row in cursor.fetchall())
    return returned


@transaction.atomic
def _create(studies: list[Study], *, by, reason: str) -> None:
    """Insert the studies and one history row each ("+", by `by`, with `reason`), all or none.

    What bulk_create_with_history wrote, written directly: the same rows, the same values
    (each value prepared for the database once, for both rows).
    """
    alias = router.db_for_write(Study)
    connection = connections[alias]
    user_id = by.pk if by is not None and getattr(by, "pk", None) else None
    now = timezone.now()
    fields = [f for f in Study._meta.concrete_fields if not f.primary_key]
    for study in studies:
        study.created_at = study.updated_at = now
    rows = _prepared(fields, [[getattr(s, f.attname) for f in fields] for s in studies], connection)
    # The studies by INSERT … RETURNING, for their ids (on PostgreSQL a COPY with ids taken
    # from the sequence first was no faster: the search-vector trigger and the title's
    # trigram index are most of that time).
    ids = _insert_rows(Study, fields, rows, returning=Study._meta.pk.column)
    for study, pk in zip(studies, ids, strict=True):
        study.pk = pk
        study._state.adding, study._state.db = False, alias
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    historical = Study.history.model
    position = {f.attname: i for i, f in enumerate(fields)}
    tracked = [(historical._meta.get_field(f.name), f.attname) for f in historical.tracked_fields]
    reason_length = historical._meta.get_field("history_change_reason").max_length
    extra = {
        "history_date": now,
        "history_change_reason": reason[:reason_length] if reason_length else reason,
        "history_type": "+",
        "history_user": user_id,
    }
    extra_fields = [historical._meta.get_field(name) for name in extra]
    [constant] = _prepared(extra_fields, [list(extra.values())], connection)
    pk_name = Study._meta.pk.attname
    history_rows = [
        [study.pk if name == pk_name else row[position[name]] for _, name in tracked] + constant
        for study, row in zip(studies, rows, strict=True)
    ]
    _insert_rows(historical, [f for f, _ in tracked] + extra_fields, history_rows)


# Background imports ------------------------------------------------------------------------

logger = logging.getLogger(__name__)
REPORT_ROWS_SHOWN = 1000


def import_job_start(*, filename: str, content: bytes, by, dry_run: bool = False) -> ImportJob:
    """Store an uploaded file as a queued ImportJob and hand it to the task queue.

    With a broker (settings.CELERY_BROKER_URL) a worker picks it up once this transaction
    commits; with none (CELERY_TASK_ALWAYS_EAGER) it runs here and now. A file over the size
    limit is refused before anything is stored (CitationFileError).
    """
    from studies.tasks import import_citations_task

    check_size(len(content), settings.CITATION_UPLOAD_MAX_BYTES)
    job = ImportJob(
        created_by=by if by is not None and by.pk else None,
        filename=filename[:255],
        size=len(content),
        dry_run=dry_run,
        stage="waiting for a worker",
    )
    job.upload.save(f"import{PurePath(filename).suffix[:10]}", ContentFile(content), save=False)
    job.save()
    if settings.CELERY_TASK_ALWAYS_EAGER:
        import_citations_task.apply(args=[job.pk])
        job.refresh_from_db()
    else:
        transaction.on_commit(lambda: import_citations_task.delay(job.pk))
    return job


def _job_update(job: ImportJob, **values) -> None:
    for name, value in values.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(**values)


def _report_row(line: ImportLine) -> dict[str, object]:
    return {
        "record": line.record.label,
        "file": line.filename,
        "line": line.record.line,
        "notes": list(line.notes),
        "citation": line.record.describe(),
        "outcome": line.outcome,
        "study": line.study.pk if line.study is not None and line.study.pk else None,
        "study_label": str(line.study) if line.study is not None else "",
        "reason": line.reason,
    }


def import_job_run(*, job_id: int) -> ImportJob:
    """Run a queued import (the task queue calls this): all of the file or nothing.

    Progress and counts are written to the job as it goes (outside the import's transaction,
    so the status page sees them); at the end the job is done with its report, or failed with
    the reason and nothing written. Running a job that already ran does nothing.
    """
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != ImportJobStatus.QUEUED:
        return job
    try:
        return _import_job_run(job)
    except OperationalError:
        # The database went away or was locked: the import's own transaction rolled back, so
        # the job can run again from the start. Put it back in the queue (if the database lets
        # us) and let the task queue retry it.
        with contextlib.suppress(OperationalError):
            _job_update(job, status=ImportJobStatus.QUEUED, stage="waiting to retry")
        raise


def _import_job_run(job: ImportJob) -> ImportJob:
    _job_update(job, status=ImportJobStatus.RUNNING, started_at=timezone.now(), stage="reading")

    def progress(stage: str, done: int, total: int) -> None:
        _job_update(job, stage=stage, processed=done, total=total)

    try:
        with job.upload.open("rb") as stored:
            content = stored.read()
    except (OSError, ValueError):
        _job_finish(
            job,
            status=ImportJobStatus.FAILED,
            error="The uploaded file is not on this worker's file storage (MEDIA_ROOT): the "
            "web server and the worker must share it. Upload the file again.",
        )
        return job
    try:
        # Not in one transaction: the progress updates must be seen while it runs. The import
        # writes its studies in one transaction of its own (all or nothing).
        report = citations_import(
            filename=job.filename,
            content=content,
            by=job.created_by,
            dry_run=job.dry_run,
            on_progress=progress,
        )
    except CitationFileError as error:
        _job_finish(job, status=ImportJobStatus.FAILED, error=str(error))
    except IntegrityError:
        logger.exception("Import job %s hit a database constraint", job.pk)
        _job_finish(
            job,
            status=ImportJobStatus.FAILED,
            error="Another change created some of the same studies while this file was being "
            "imported (same DOI, PMID or citation key). Import the file again: what is now "
            "present will be reported as such.",
        )
    except Exception:
        logger.exception("Import job %s failed", job.pk)
        _job_finish(
            job,
            status=ImportJobStatus.FAILED,
            error="The import stopped on an unexpected error; nothing was written. "
            "The server log has the details.",
        )
        raise
    else:
        _job_finish(
            job,
            status=ImportJobStatus.DONE,
            summary=report.summary(),
            created=report.count(ImportOutcome.CREATED),
            present=report.count(ImportOutcome.PRESENT),
            skipped=report.count(ImportOutcome.SKIPPED),
            lines=[_report_row(line) for line in report.lines],
        )
    return job


def _job_finish(job: ImportJob, **values) -> None:
    values.setdefault("processed", job.total)
    if job.upload:
        job.upload.delete(save=False)
    _job_update(job, **values, upload="", stage="", finished_at=timezone.now())


def import_job_report_text(job: ImportJob) -> str:
    """The whole report as plain text, one line per record (the download on the job page)."""
    head = job.summary or f"{job.filename}: not imported, nothing written. {job.error}"
    rows = []
    for row in job.lines:
        result = row["outcome"]
        if row["study"]:
            result += f" as study {row['study']}, “{row['study_label']}”"
        if row["reason"]:
            result += f" ({row['reason']})"
        for note in row.get("notes") or []:
            result += f"; {note}"
        rows.append(f"{row['record']}\t{row['citation']}\t{result}")
    return "\n".join([head, *rows]) + "\n"
