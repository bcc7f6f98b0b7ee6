"""Writes to claims' grades: regrading from linked studies, and curator overrides.

Every write path that changes something a grade depends on (a study's design, participants,
risk of bias or status; an evidence link added, changed or deleted; a claim's judgement flags)
calls `regrade_affected()` once after its change, inside the same transaction. Grading itself is
pure (evidence.assessment); these functions fetch its inputs in a fixed number of queries per
batch of claims and save only the claims whose stored grade actually changes, with a history
record for each, set-based (one statement per batch, not one per claim).

Each claim stores, with its grade, a fingerprint of everything the grade was computed from
(`grade_input_hash`, computed in SQL by `_fingerprints_sql`). A full regrade (`claims_regrade()`,
`manage.py regrade`, the worker's `evidence.regrade` task) compares it in a few set-based
queries and grades again only the claims whose inputs changed, so it also catches a change no
write path announced (a bulk load, a fix in SQL); and every claim when the grading rules'
version differs from the one the last full regrade stored (`GradingRules`), writing only the
grades that change.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import multiprocessing
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.db.models import Exists, Max, Min, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from evidence import assessment, grading, synthesis, vocabulary
from evidence import certainty as certainty_engine
from evidence.grading import UNPUBLISHED_NOTE
from evidence.history import grade_changes_record, snapshot
from evidence.models import (
    Certainty,
    Claim,
    ClaimDirection,
    ClaimKind,
    ClaimOutcome,
    EvidenceLink,
    GradingRules,
    PooledEstimate,
    PublicationStatus,
    StudyResult,
)
from evidence.signals import grades_changed
from studies import citations
from studies import vocabulary as study_vocabulary
from studies.models import Study, StudyStatus

# The stored fields grading computes; a claim is saved only when one of them differs.
GRADE_FIELDS = (
    "certainty",
    "direction",
    "preclinical_only",
    "sort_strength",
    "rationale",
    "grade_detail",
)
REGRADE_CHANGE_REASON = "Regraded from its linked published studies"


@dataclass(frozen=True)
class GradeChange:
    """One claim whose stored grade changed."""

    slug: str
    old_certainty: str
    new_certainty: str
    old_direction: str
    new_direction: str

    def __str__(self) -> str:
        def words(certainty: str, direction: str) -> str:
            return f"{certainty.replace('_', ' ')}/{direction or '—'}"

        old = words(self.old_certainty, self.old_direction)
        new = words(self.new_certainty, self.new_direction)
        if old == new:
            return f"{self.slug}: {new} (rationale updated)"
        return f"{self.slug}: {old} → {new}"


# A summary lists at most this many changes (the first by claim order); it counts them all.
CHANGES_LISTED = 1000


@dataclass
class RegradeSummary:
    """What a regrade looked at and what it changed.

    `checked` claims had their inputs' fingerprint compared, `recomputed` of them were graded
    again (their inputs changed since their last grade, or the regrade was forced), `changed`
    of those got a new stored grade, `published_changed` of them published claims (what a
    reader can see change); `changes` lists the first CHANGES_LISTED of them. `rules_changed`:
    the grading rules changed since the last full regrade stored them, so every claim was
    recomputed."""

    checked: int = 0
    changes: list[GradeChange] = field(default_factory=list)
    recomputed: int = 0
    changed: int = 0
    published_changed: int = 0
    rules_changed: bool = False
    seconds: float = 0.0

    @property
    def unchanged(self) -> int:
        return self.checked - self.changed

    def __str__(self) -> str:
        claims = "claim" if self.checked == 1 else "claims"
        if not self.changed:
            return f"Regraded {self.checked} {claims}: nothing changed."
        lines = [
            f"Regraded {self.checked} {claims}: {self.changed} changed, {self.unchanged} unchanged."
        ]
        lines += [f"  {change}" for change in self.changes]
        if self.changed > len(self.changes):
            lines.append(f"  … and {self.changed - len(self.changes)} more.")
        return "\n".join(lines)


# Claims are read, graded and written in batches of this many (by id): a few queries per batch,
# each bounded, whatever the size of the evidence base.
REGRADE_BATCH_SIZE = 2000


@dataclass(frozen=True, slots=True)
class _StudyFacts:
    """What a grade reads of a linked study."""

    label: str
    year: int | None  # None only on a draft, which no grade counts (published ones have one)
    design: str
    participants: int | None
    risk_of_bias: str
    published: bool


@dataclass(slots=True)
class _ClaimRow:
    """One claim as its grade reads it, with its stored grade to compare against."""

    pk: int
    slug: str
    kind: str
    statement: str
    intervention_role: str
    publication_bias_suspected: bool
    large_effect: bool
    dose_response: bool
    category_order: int
    # The stored grade, its two JSON fields as their text: decoded where it is compared
    # (`_graded`, possibly in a worker process) and for the changed claims' history.
    stored: tuple[Any, ...]  # GRADE_FIELDS' values
    shown: dict[str, Any]  # what a reader's view of the grade needs besides it (_SHOWN_FIELDS)
    links: list[tuple[int, str, bool]] = field(default_factory=list)  # study, direction, indirect
    questions: list[assessment.QuestionRow] = field(default_factory=list)
    related: list[tuple[int, str, str, str]] = field(default_factory=list)  # pk, slug, …, certainty

    @property
    def order(self) -> tuple[bool, int, str]:
        # Claims about the state of the evidence are answered from the others' fresh grades.
        return (self.kind == ClaimKind.EVIDENCE_STATE, self.category_order, self.slug)

    def stored_grade(self) -> dict[str, Any]:
        return _decoded(self.stored)


@dataclass
class _Evidence:
    """What a regrade has read so far, kept across its batches: many claims share studies and
    ask the same comparison and outcome, and those are read once."""

    studies: dict[int, _StudyFacts] = field(default_factory=dict)
    results: dict[tuple[int, int], tuple[assessment.ResultRow, ...]] = field(default_factory=dict)
    pooled: dict[tuple[int, int], tuple[assessment.PooledRow, ...]] = field(default_factory=dict)
    benchmarks: dict[int, tuple[tuple[str, assessment.ResultRow], ...]] = field(
        default_factory=dict
    )
    questions: dict[tuple[Any, ...], assessment.QuestionRow] = field(default_factory=dict)


def _result_row(result: StudyResult) -> assessment.ResultRow:
    study = result.study
    return assessment.ResultRow(
        study_id=study.pk,
        label=study.short_label(),
        design=study.design,
        participants=study.participants,
        measure=result.measure,
        timepoint_weeks=result.timepoint_weeks,
        estimate=result.estimate,
        ci_low=result.ci_low,
        ci_high=result.ci_high,
        se=result.se,
        n1=result.n1,
        mean1=result.mean1,
        sd1=result.sd1,
        n2=result.n2,
        mean2=result.mean2,
        sd2=result.sd2,
        events1=result.events1,
        total1=result.total1,
        events2=result.events2,
        total2=result.total2,
        direction=result.direction,
        risk_of_bias=result.risk_of_bias,
        indirect_population=result.indirect_population,
        indirect_intervention=result.indirect_intervention,
        indirect_comparator=result.indirect_comparator,
        indirect_outcome=result.indirect_outcome,
    )


@dataclass(slots=True)
class _StudyLabel:
    """The fields a study's label is made of, labelled by the study's own method: the same
    words as `Study.short_label()`, without building a model instance per study."""

    authors: Any
    author_names: Any
    journal: str
    pmid: str
    year: int

    names = Study.names
    short_label = Study.short_label


# What the public grade history needs of a claim besides its grade: overrides, the curator's
# bottom line, whether it is published, and whether it was ever graded (a first grade is no change).
_SHOWN_FIELDS = ("certainty_override", "direction_override", "plain_summary", "status", "graded_at")


# The stored grade as a batch reads it: the JSON fields as text, decoded only where compared
# (a tenth of a batch's read time at 100,000 claims went to Django's decoding of them).
_JSON_GRADE_FIELDS = ("rationale", "grade_detail")
_STORED_GRADE = tuple(
    Cast(name, TextField()) if name in _JSON_GRADE_FIELDS else name for name in GRADE_FIELDS
)


def _decoded(stored: Sequence[Any]) -> dict[str, Any]:
    """A stored grade (GRADE_FIELDS' values, the JSON ones as text) as JSONField reads it."""
    return {
        name: json.loads(value) if name in _JSON_GRADE_FIELDS and value is not None else value
        for name, value in zip(GRADE_FIELDS, stored, strict=True)
    }


def _read_batch(ids: list[int], evidence: _Evidence) -> list[_ClaimRow]:
    """A batch of claims with all their grade reads: claims, links, the linked studies not read
    yet, outcome rows, related claims (five queries), and the results, pooled estimates with
    their inclusion lists and benchmarks of the questions not read yet (up to four more)."""
    claims: dict[int, _ClaimRow] = {}
    for pk, slug, kind, statement, role, bias, large, dose, order, *rest in (
        Claim.objects.filter(pk__in=ids)
        .order_by()
        .values_list(
            "pk",
            "slug",
            "kind",
            "statement",
            "intervention_role",
            "publication_bias_suspected",
            "large_effect",
            "dose_response",
            "category__order",
            *_SHOWN_FIELDS,
            *_STORED_GRADE,
        )
    ):
        shown, grade = rest[: len(_SHOWN_FIELDS)], rest[len(_SHOWN_FIELDS) :]
        claims[pk] = _ClaimRow(
            pk,
            slug,
            kind,
            statement,
            role,
            bias,
            large,
            dose,
            order,
            tuple(grade),
            dict(zip(_SHOWN_FIELDS, shown, strict=True)),
        )
    if not claims:
        return []
    for claim_id, study_id, direction, indirect in (
        EvidenceLink.objects.filter(claim_id__in=claims)
        .order_by()
        .values_list("claim_id", "study_id", "direction", "indirect")
    ):
        claims[claim_id].links.append((study_id, direction, indirect))
    missing = {s for c in claims.values() for s, _, _ in c.links} - evidence.studies.keys()
    if missing:
        for pk, authors, names, journal, pmid, year, design, people, risk, status in (
            Study.objects.filter(pk__in=missing)
            .order_by()
            .values_list(
                "pk",
                "authors",
                "author_names",
                "journal",
                "pmid",
                "year",
                "design",
                "participants",
                "risk_of_bias",
                "status",
            )
        ):
            evidence.studies[pk] = _StudyFacts(
                label=_StudyLabel(authors, names, journal, pmid, year).short_label(),
                year=year,
                design=design,
                participants=people,
                risk_of_bias=risk,
                published=status == StudyStatus.PUBLISHED,
            )
    pairs: dict[int, list[tuple[int, int, str, tuple[Any, ...]]]] = {}
    for claim_id, comparison_id, outcome_id, importance, *rest in (
        ClaimOutcome.objects.filter(claim_id__in=claims)
        .order_by("order", "pk")
        .values_list(
            "claim_id",
            "comparison_id",
            "outcome_id",
            "importance",
            "comparison__label",
            "comparison__intervention_role",
            "outcome__name",
            "outcome__unit",
            "outcome__kind",
            "outcome__benefit",
            "outcome__mid",
            "outcome__mid_source",
        )
    ):
        pairs.setdefault(claim_id, []).append((comparison_id, outcome_id, importance, tuple(rest)))
    for claim_id, to_id, slug, statement, certainty in (
        Claim.related_claims.through.objects.filter(from_claim_id__in=claims)
        .order_by("to_claim__category__order", "to_claim__slug")
        .values_list(
            "from_claim_id",
            "to_claim_id",
            "to_claim__slug",
            "to_claim__statement",
            "to_claim__certainty",
        )
    ):
        claims[claim_id].related.append((to_id, slug, statement, certainty))
    _read_evidence({(c, o) for rows in pairs.values() for c, o, *_ in rows}, evidence)
    for claim_id, rows in pairs.items():
        for comparison_id, outcome_id, importance, facts in rows:
            label, role, name, unit, kind, benefit, mid, mid_source = facts
            key = (comparison_id, outcome_id)
            # One object per distinct question: the assessment grades each once.
            question = evidence.questions.get((*key, importance, facts))
            if question is None:
                question = evidence.questions[(*key, importance, facts)] = assessment.QuestionRow(
                    comparison=label,
                    comparison_role=role,
                    outcome=name,
                    unit=unit,
                    outcome_kind=kind,
                    benefit=benefit,
                    importance=importance,
                    mid=mid,
                    mid_source=mid_source,
                    results=evidence.results[key],
                    pooled=evidence.pooled[key],
                    benchmarks=evidence.benchmarks[outcome_id],
                )
            claims[claim_id].questions.append(question)
    return sorted(claims.values(), key=lambda c: c.order)


def _read_evidence(pairs: set[tuple[int, int]], evidence: _Evidence) -> None:
    """The published results, pooled estimates and benchmarks of the questions not read yet:
    three queries (four with pooled estimates' inclusion lists), none when all are known."""
    pairs = pairs - evidence.results.keys()
    if not pairs:
        return
    comparisons = {c for c, _ in pairs}
    outcomes = {o for _, o in pairs}
    results: dict[tuple[int, int], list[assessment.ResultRow]] = {key: [] for key in pairs}
    for result in (
        StudyResult.objects.published()
        .filter(comparison_id__in=comparisons, outcome_id__in=outcomes)
        .select_related("study")
        .order_by("study__year", "study_id", "pk")
    ):
        key = (result.comparison_id, result.outcome_id)
        if key in pairs:
            results[key].append(_result_row(result))
    pooled: dict[tuple[int, int], list[assessment.PooledRow]] = {key: [] for key in pairs}
    for estimate in (
        PooledEstimate.objects.published()
        .filter(comparison_id__in=comparisons, outcome_id__in=outcomes)
        .select_related("review")
        .prefetch_related("included_studies")
    ):
        key = (estimate.comparison_id, estimate.outcome_id)
        if key in pairs:
            pooled[key].append(
                assessment.PooledRow(
                    review_id=estimate.review_id,
                    label=estimate.review.short_label(),
                    year=estimate.review.year,
                    measure=estimate.measure,
                    estimate=estimate.estimate,
                    ci_low=estimate.ci_low,
                    ci_high=estimate.ci_high,
                    k=estimate.k_studies,
                    participants=estimate.participants,
                    i2=estimate.i2,
                    tau2=estimate.tau2,
                    risk_of_bias=estimate.review.risk_of_bias,
                    included_ids=tuple(s.pk for s in estimate.included_studies.all()),
                    note=estimate.note,
                )
            )
    for key in pairs:
        evidence.results[key] = tuple(results[key])
        evidence.pooled[key] = tuple(pooled[key])
    new_outcomes = outcomes - evidence.benchmarks.keys()
    if not new_outcomes:
        return
    benchmarks: dict[int, list[tuple[str, assessment.ResultRow]]] = {o: [] for o in new_outcomes}
    for result in (
        StudyResult.objects.published()
        .filter(comparison__is_benchmark=True, outcome_id__in=new_outcomes)
        .select_related("study", "comparison")
    ):
        benchmarks[result.outcome_id].append((result.comparison.label, _result_row(result)))
    for outcome_id, rows in benchmarks.items():
        evidence.benchmarks[outcome_id] = tuple(rows)


def _claim_input(
    claim: _ClaimRow, evidence: _Evidence, fresh: dict[int, str]
) -> assessment.ClaimInput:
    graded = sorted(
        (
            (evidence.studies[s], s, d, i)
            for s, d, i in claim.links
            if evidence.studies[s].published
        ),
        key=lambda link: (link[0].year, link[1]),
    )
    return assessment.ClaimInput(
        kind=claim.kind,
        statement=claim.statement,
        intervention_role=claim.intervention_role,
        questions=tuple(claim.questions),
        links=tuple(
            assessment.LinkRow(
                study_id=study_id,
                label=study.label,
                design=study.design,
                participants=study.participants,
                risk_of_bias=study.risk_of_bias,
                direction=direction,
                indirect=indirect,
            )
            for study, study_id, direction, indirect in graded
        ),
        related=tuple(
            assessment.RelatedClaim(
                slug=slug, statement=statement, certainty=fresh.get(pk, certainty)
            )
            for pk, slug, statement, certainty in claim.related
        ),
        publication_bias_suspected=claim.publication_bias_suspected,
        large_effect=claim.large_effect,
        dose_response=claim.dose_response,
    )


# What grading one claim needs, all plain values (a worker process can be handed it): its
# inputs, how many of its linked studies are not published, its stored grade.
_GradingInput = tuple[assessment.ClaimInput, int, tuple[Any, ...]]
# What grading one claim gives: its new certainty, and its new grade fields when they differ
# from the stored ones (None when they are the same).
_Graded = tuple[str, dict[str, Any] | None]


def _grading_input(claim: _ClaimRow, evidence: _Evidence, fresh: dict[int, str]) -> _GradingInput:
    unpublished = sum(1 for s, _, _ in claim.links if not evidence.studies[s].published)
    return _claim_input(claim, evidence, fresh), unpublished, claim.stored


def _graded(given: _GradingInput) -> _Graded:
    """Grade one claim and compare the result with its stored grade (pure: no query)."""
    claim_input, unpublished, stored = given
    result = _compute(claim_input, unpublished)
    new: dict[str, Any] = {
        "certainty": result.certainty,
        "direction": result.direction,
        "preclinical_only": result.preclinical_only,
        "sort_strength": result.sort_strength,
        "rationale": list(result.rationale),
        "grade_detail": result.detail,
    }
    return result.certainty, None if new == _decoded(stored) else new


def _graded_all(given: list[_GradingInput]) -> list[_Graded]:
    return [_graded(one) for one in given]


def _compute(claim_input: assessment.ClaimInput, unpublished: int) -> assessment.Assessment:
    try:
        result = assessment.assess(claim_input)
    except (ArithmeticError, ValueError) as error:
        # Numbers no engine can work with (say an SD of 1e200) must not stop the other claims'
        # regrade nor reach a page as an error: the claim says it could not be graded, and why.
        result = assessment.Assessment(
            certainty=Certainty.NONE,
            direction="",
            preclinical_only=False,
            sort_strength="",
            rationale=(
                f"Could not be graded: the numbers of its results cannot be used ({error}).",
            ),
            detail={},
        )
    n = unpublished
    if n:
        note = (
            f"{UNPUBLISHED_NOTE} {n} linked {'study is' if n == 1 else 'studies are'} not "
            "published (draft, in review or retracted)."
        )
        result = dataclasses.replace(result, rationale=(*result.rationale, note))
    return result


def _change_reason(studies: Collection[int], evidence: _Evidence) -> str:
    """Why a regrade ran, for the public grade history: the studies whose change set it off
    (named from the study facts already read; no query), else the general reason."""
    if not studies:
        return REGRADE_CHANGE_REASON
    facts = {pk: evidence.studies[pk] for pk in studies if pk in evidence.studies}
    words = [facts[pk].label for pk in sorted(facts) if facts[pk].published]
    hidden = sum(1 for f in facts.values() if not f.published)
    if hidden:
        words.append(f"{hidden} {'study' if hidden == 1 else 'studies'} no longer published")
    return f"{REGRADE_CHANGE_REASON}, after a change to: {', '.join(words)}"


def _record_grade_changes(
    rows: dict[int, _ClaimRow], changed: dict[int, dict[str, Any]], reason: str
) -> None:
    """The public grade history of a batch: what a reader saw of each changed claim before the
    write and what they will see after it, in one bulk insert. No read: the claims are built in
    memory from the batch's own rows (a claim never graded before has no "before")."""

    def shown(pk: int, grade: dict[str, Any]) -> Claim:
        return Claim(pk=pk, **rows[pk].shown, **grade)

    graded = [pk for pk in changed if rows[pk].shown["graded_at"] is not None]
    if graded:
        grade_changes_record(
            before=snapshot(shown(pk, rows[pk].stored_grade()) for pk in graded),
            after=snapshot(shown(pk, changed[pk]) for pk in graded),
            reason=reason,
        )


def _rows_per_statement(params_per_row: int) -> int:
    """How many rows one statement can carry: SQLite caps a statement's parameters."""
    limit = connection.features.max_query_params
    return REGRADE_BATCH_SIZE if limit is None else max(1, (limit - 8) // params_per_row)


def _write_grades(changed: dict[int, dict[str, Any]], now: Any) -> None:
    """Store the new grades (and the fingerprints they were computed from) in one
    `UPDATE … FROM (VALUES …)` per batch (split on SQLite by its parameter cap), then their
    history rows in one `INSERT … SELECT` from the updated claims."""
    fields = [Claim._meta.get_field(name) for name in (*GRADE_FIELDS, "grade_input_hash")]
    graded_at = Claim._meta.get_field("graded_at").get_db_prep_save(now, connection)
    _update_from_values(changed, fields, extra=("graded_at", graded_at))
    _write_history(list(changed), now)


def _write_fingerprints(hashes: dict[int, str]) -> None:
    """Store the fingerprints of claims regraded without a change: one `UPDATE … FROM (VALUES
    …)` (split on SQLite by its parameter cap), no history (nothing a reader sees changed)."""
    field = Claim._meta.get_field("grade_input_hash")
    _update_from_values({pk: {field.name: h} for pk, h in hashes.items()}, [field])


def _update_from_values(
    rows: dict[int, dict[str, Any]], fields: list[Any], extra: tuple[str, Any] | None = None
) -> None:
    if not rows:
        return
    table = connection.ops.quote_name(Claim._meta.db_table)
    q = connection.ops.quote_name
    columns = ", ".join(q(f.column) for f in fields)
    sets = ", ".join(f"{q(f.column)} = v.{q(f.column)}" for f in fields)
    tail: list[Any] = []
    if extra:
        sets += f", {q(extra[0])} = %s"
        tail = [extra[1]]
    items = list(rows.items())
    step = _rows_per_statement(1 + len(fields))
    row = f"({', '.join(['%s'] * (1 + len(fields)))})"
    with connection.cursor() as cursor:
        for start in range(0, len(items), step):
            chunk = items[start : start + step]
            params: list[Any] = []
            for pk, values in chunk:
                params.append(pk)
                params += [f.get_db_prep_save(values[f.name], connection) for f in fields]
            cursor.execute(
                f"WITH v (id, {columns}) AS (VALUES {', '.join([row] * len(chunk))}) "  # noqa: S608
                f"UPDATE {table} SET {sets} FROM v WHERE {table}.{q('id')} = v.id",
                [*params, *tail],
            )


def _write_history(pks: list[int], now: Any) -> None:
    """One history record per regraded claim, as `bulk_update_with_history` would write it (the
    request's user when there is one, the regrade's reason), copied from the stored rows."""
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True) or not pks:
        return
    history = Claim.history.model
    q = connection.ops.quote_name
    tracked = ", ".join(q(f.column) for f in history.tracked_fields)
    user = history.get_default_history_user(object())
    date = history._meta.get_field("history_date").get_db_prep_save(now, connection)
    step = _rows_per_statement(1)
    with connection.cursor() as cursor:
        for start in range(0, len(pks), step):
            chunk = pks[start : start + step]
            cursor.execute(
                f"INSERT INTO {q(history._meta.db_table)} ({tracked}, history_date, "  # noqa: S608
                "history_change_reason, history_type, history_user_id) "
                f"SELECT {tracked}, %s, %s, %s, %s FROM {q(Claim._meta.db_table)} "
                f"WHERE id IN ({', '.join(['%s'] * len(chunk))})",
                [date, REGRADE_CHANGE_REASON, "~", getattr(user, "pk", None), *chunk],
            )


# --- The fingerprint of a grade's inputs -------------------------------------------------------

# Stored once by a full regrade (GradingRules), so a change of the rules recomputes every claim:
# this number (bump it when the regrade reads its inputs differently: `_read_batch`,
# `_claim_input`, `_compute`) and a digest of the pure modules that compute a grade, so an edit
# there cannot be forgotten. Not part of any claim's fingerprint: an edit that changes no grade
# writes no claim.
GRADING_RULES_VERSION = 1
_RULES_MODULES = (assessment, certainty_engine, synthesis, grading, vocabulary, study_vocabulary)
# How a study is named in a rationale: the functions, not their modules (which change often).
_LABEL_FUNCTIONS = (
    Study.short_label,
    Study.names,
    citations.parse_name,
    citations.family_with_particle,
)


def _rules_version() -> str:
    digest = hashlib.md5(usedforsecurity=False)
    for module in _RULES_MODULES:
        digest.update(Path(str(module.__file__)).read_bytes())
    for function in _LABEL_FUNCTIONS:
        digest.update(inspect.getsource(function).encode())
    return f"{GRADING_RULES_VERSION}:{digest.hexdigest()}"


GRADING_RULES = _rules_version()
_RULES_ROW = 1  # GradingRules holds one row, this one


def _stored_rules() -> str | None:
    """The grading rules' version the last full regrade stored, if any (one query)."""
    stored = GradingRules.objects.filter(pk=_RULES_ROW).values_list("version", flat=True)
    return stored.first()


def _store_rules(now: Any) -> None:
    """The rules every claim was just graded by (one statement)."""
    GradingRules.objects.bulk_create(
        [GradingRules(pk=_RULES_ROW, version=GRADING_RULES, regraded_at=now)],
        update_conflicts=True,
        unique_fields=["pk"],
        update_fields=["version", "regraded_at"],
    )


# A full regrade checks fingerprints for this many claims (by id) per query.
FINGERPRINT_RANGE = 100_000
FINGERPRINT_WORK_MEM = "64MB"


def _t(expr: str) -> str:
    """A value as text in a fingerprint: NULL reads "~"."""
    return f"COALESCE(CAST({expr} AS TEXT), '~')"


def _f(expr: str) -> str:
    """A float as text, exactly (PostgreSQL prints floats round-trip; SQLite needs 17 digits,
    which its printf gives only with the "!" flag)."""
    if connection.vendor == "sqlite":
        return f"(CASE WHEN {expr} IS NULL THEN '~' ELSE printf('%%!.17g', {expr}) END)"
    return _t(expr)


def _s(expr: str) -> str:
    """Free text (or JSON) in a fingerprint, length-prefixed so no separator inside it can make
    two different inputs read the same."""
    text = f"COALESCE(CAST({expr} AS TEXT), '')"
    return f"(CAST(LENGTH({text}) AS TEXT) || '=' || {text})"


def _row(*parts: str) -> str:
    return " || ':' || ".join(parts)


def _digest(text: str) -> str:
    """A short digest of a row (a study's facts, a title), nested in the claim's fingerprint."""
    if connection.vendor == "postgresql":
        return f"CAST(hashtextextended({text}, 0) AS TEXT)"
    return f"SUBSTR(MD5({text}), 1, 16)"


def _agg(keys: Sequence[str], row: str, order: str, source: str) -> str:
    """`SELECT k0[, k1], v`: v stands for the rows of each key. On PostgreSQL it is their count
    and the sum of their 64-bit hashes, which needs no sort: each row carries the values that
    order it (`order`), so the set of rows fixes their order too. SQLite (before 3.44, no
    ORDER BY in an aggregate) concatenates them from an ordered subquery."""
    aliased = ", ".join(f"{key} AS k{i}" for i, key in enumerate(keys))
    if connection.vendor == "postgresql":
        group = ", ".join(keys)
        return (
            f"SELECT {aliased}, COUNT(*) || ':' || "
            f"SUM(CAST(hashtextextended({row}, 0) AS NUMERIC)) AS v {source} GROUP BY {group}"
        )
    names = ", ".join(f"k{i}" for i in range(len(keys)))
    return (
        f"SELECT {names}, GROUP_CONCAT(r, ',') AS v FROM (SELECT {aliased}, {row} AS r "  # noqa: S608
        f"{source} ORDER BY {', '.join(keys)}, {order}) GROUP BY {names}"
    )


def _result_facts(r: str, st: str) -> str:
    """What a grade reads of one study result (assessment.ResultRow), its study's facts in st."""
    return _row(
        _t(f"{r}.id"),
        _t(f"{r}.study_id"),
        f"{st}.h",
        _t(f"{r}.measure"),
        _t(f"{r}.timepoint_weeks"),
        *(_f(f"{r}.{n}") for n in ("estimate", "ci_low", "ci_high", "se", "mean1", "sd1")),
        *(_f(f"{r}.{n}") for n in ("mean2", "sd2")),
        *(_t(f"{r}.{n}") for n in ("n1", "n2", "events1", "total1", "events2", "total2")),
        _t(f"{r}.direction"),
        _t(f"{r}.risk_of_bias"),
        *(_t(f"{r}.indirect_{n}") for n in ("population", "intervention", "comparator", "outcome")),
    )


def _study_facts_sql() -> str:
    """Each study's id, year, status, `h`: a digest of what a grade reads of it (its label's
    parts: authors, structured names, journal, PubMed ID, year; design, participants, risk of
    bias, status) and `th`, a digest of its title (it orders benchmark rows and a pooled
    estimate's inclusion list)."""
    facts = _row(
        _s("s.authors"),
        _s("s.author_names"),
        _s("s.journal"),
        _s("s.pmid"),
        _t("s.year"),
        _t("s.design"),
        _t("s.participants"),
        _t("s.risk_of_bias"),
        _t("s.status"),
    )
    return (
        f"SELECT s.id, s.year, s.status, {_digest(facts)} AS h, {_digest(_s('s.title'))} AS th "  # noqa: S608
        "FROM studies_study s"
    )


def _fingerprints_sql(scope: str, studies: str) -> str:
    """One statement: `id, kind, stored, fingerprint` of the claims `scope` (a condition on a
    claim id column, written with `{id}`) selects; `studies` is a table or subquery of
    `_study_facts_sql()`. The fingerprint is an MD5 over everything the grade reads (see
    `_read_batch` and `_claim_input`): the claim's kind, statement, intervention role and
    judgement flags; each link's study, direction and indirectness with its study's facts;
    each outcome row (order, importance) with its comparison and outcome, and for each of
    those questions the published results, the published reviews' pooled estimates with their
    inclusion lists, and the benchmark results of its outcome; the related claims' slug,
    statement and stored certainty. Not the grading rules' version: a full regrade compares it
    once (`_stored_rules`). Rows carry what orders them, so an order that changes a grade
    changes the fingerprint."""
    published = f"'{StudyStatus.PUBLISHED}'"
    links = _agg(
        ["l.claim_id"],
        _row(_t("l.study_id"), _t("l.direction"), _t("l.indirect"), "st.h"),
        "l.study_id, l.id",
        f"FROM evidence_evidencelink l JOIN st ON st.id = l.study_id "
        f"WHERE {scope.format(id='l.claim_id')}",
    )
    results = _agg(
        ["r.comparison_id", "r.outcome_id"],
        _result_facts("r", "st"),
        "st.year, r.study_id, r.id",
        "FROM evidence_studyresult r JOIN st ON st.id = r.study_id "
        "JOIN pairs p ON p.c = r.comparison_id AND p.o = r.outcome_id "
        f"WHERE st.status = {published}",
    )
    included = _agg(
        ["i.pooledestimate_id"],
        _row(_t("i.study_id"), _t("st.year"), "st.th"),
        "st.year DESC, st.th, st.id",
        "FROM evidence_pooledestimate_included_studies i JOIN st ON st.id = i.study_id "
        "WHERE i.pooledestimate_id IN (SELECT pe.id FROM evidence_pooledestimate pe "
        "JOIN pairs p ON p.c = pe.comparison_id AND p.o = pe.outcome_id)",
    )
    pooled = _agg(
        ["pe.comparison_id", "pe.outcome_id"],
        _row(
            _t("pe.id"),
            _t("pe.review_id"),
            "st.h",
            _t("pe.measure"),
            *(_f(f"pe.{n}") for n in ("estimate", "ci_low", "ci_high", "i2", "tau2")),
            _t("pe.k_studies"),
            _t("pe.participants"),
            _s("pe.note"),
            _s("inc.v"),
        ),
        "st.year DESC, pe.id",
        "FROM evidence_pooledestimate pe JOIN st ON st.id = pe.review_id "
        "JOIN pairs p ON p.c = pe.comparison_id AND p.o = pe.outcome_id "
        "LEFT JOIN inc ON inc.k0 = pe.id "
        f"WHERE st.status = {published}",
    )
    benchmarks = _agg(
        ["r.outcome_id"],
        _row(_s("cm.label"), "st.th", _result_facts("r", "st")),
        "st.year DESC, st.th, r.id",
        "FROM evidence_studyresult r JOIN st ON st.id = r.study_id "  # noqa: S608
        "JOIN evidence_comparison cm ON cm.id = r.comparison_id "
        f"WHERE cm.is_benchmark AND st.status = {published} "
        "AND r.outcome_id IN (SELECT o FROM pairs)",
    )
    questions = _agg(
        ["co.claim_id"],
        _row(
            _t('co."order"'),
            _t("co.id"),
            _t("co.comparison_id"),
            _t("co.outcome_id"),
            _t("co.importance"),
            _s("cm.label"),
            _t("cm.intervention_role"),
            _s("om.name"),
            _s("om.unit"),
            _t("om.kind"),
            _t("om.benefit"),
            _f("om.mid"),
            _s("om.mid_source"),
            _s("res.v"),
            _s("pool.v"),
            _s("bench.v"),
        ),
        'co."order", co.id',
        "FROM evidence_claimoutcome co "
        "JOIN evidence_comparison cm ON cm.id = co.comparison_id "
        "JOIN evidence_outcomemeasure om ON om.id = co.outcome_id "
        "LEFT JOIN res ON res.k0 = co.comparison_id AND res.k1 = co.outcome_id "
        "LEFT JOIN pool ON pool.k0 = co.comparison_id AND pool.k1 = co.outcome_id "
        "LEFT JOIN bench ON bench.k0 = co.outcome_id "
        f"WHERE {scope.format(id='co.claim_id')}",
    )
    related = _agg(
        ["rc.from_claim_id"],
        _row(_t('cat."order"'), _s("t.slug"), _t("t.id"), _s("t.statement"), _t("t.certainty")),
        'cat."order", t.slug, t.id',
        "FROM evidence_claim_related_claims rc JOIN evidence_claim t ON t.id = rc.to_claim_id "
        "JOIN evidence_claimcategory cat ON cat.id = t.category_id "
        f"WHERE {scope.format(id='rc.from_claim_id')}",
    )
    claim = _row(
        _t("c.kind"),
        _s("c.statement"),
        _t("c.intervention_role"),
        _t("c.publication_bias_suspected"),
        _t("c.large_effect"),
        _t("c.dose_response"),
    )
    return (
        f"WITH st AS NOT MATERIALIZED (SELECT * FROM {studies}), "  # noqa: S608
        f"pairs AS (SELECT DISTINCT co.comparison_id AS c, co.outcome_id AS o "
        f"FROM evidence_claimoutcome co WHERE {scope.format(id='co.claim_id')}), "
        f"lk AS ({links}), res AS ({results}), inc AS ({included}), pool AS ({pooled}), "
        f"bench AS ({benchmarks}), qs AS ({questions}), rel AS ({related}) "
        f"SELECT c.id, c.kind, c.grade_input_hash, MD5({claim} || '|' || "
        "COALESCE(lk.v, '') || '|' || COALESCE(qs.v, '') || '|' || COALESCE(rel.v, '')) "
        "FROM evidence_claim c LEFT JOIN lk ON lk.k0 = c.id LEFT JOIN qs ON qs.k0 = c.id "
        f"LEFT JOIN rel ON rel.k0 = c.id WHERE {scope.format(id='c.id')}"
    )


# One claim to grade again: its primary key, its stored fingerprint and its inputs' fingerprint.
_Stale = tuple[int, str, str]
# A claim about the state of the evidence reads the grades of its related claims, which may be
# such claims too: their fingerprints are compared again after each round, this many at most.
EVIDENCE_STATE_ROUNDS = 5


# A full regrade reads each study's facts once, into this temporary table.
_STUDY_FACTS_TABLE = "regrade_study_facts"


def _fingerprints(scope: str, studies: str | None = None) -> list[tuple[int, str, str, str]]:
    """(pk, kind, stored fingerprint, inputs' fingerprint) of the claims in `scope`: one query.
    The studies' facts come from `studies` (a table), else are computed for the linked ones."""
    source = studies or f"({_study_facts_sql()}) s"
    with connection.cursor() as cursor:
        # No parameter, but a list: both drivers then read "%%" as "%".
        cursor.execute(_fingerprints_sql(scope, source), [])
        return cursor.fetchall()


def _ids_scope(ids: Iterable[int]) -> str:
    return f"{{id}} IN ({', '.join(str(int(pk)) for pk in ids)})"


def _chunks(items: list[_Stale]) -> Iterator[list[_Stale]]:
    for start in range(0, len(items), REGRADE_BATCH_SIZE):
        yield items[start : start + REGRADE_BATCH_SIZE]


def _stale_everywhere(summary: RegradeSummary, *, force: bool) -> Iterator[list[_Stale]]:
    """Batches of the claims whose inputs changed since their last grade (every claim when
    forced): fingerprints compared FINGERPRINT_RANGE claims (by id) per query, the claims
    about the state of the evidence last, once the others' new grades are written."""
    bounds = Claim.objects.order_by().aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        return
    create = f"CREATE TEMPORARY TABLE {_STUDY_FACTS_TABLE} AS {_study_facts_sql()}"
    if connection.vendor == "postgresql":
        # A range's links are grouped by claim in memory, not spilled to disk, with the
        # parallel workers a page's queries go without (config.routers.SERIAL_PLANS), for this
        # transaction only; the planner is told the temporary table's size.
        workers = int(settings.PARALLEL_WORKERS)
        create = (
            f"SET LOCAL work_mem = '{FINGERPRINT_WORK_MEM}'; "
            f"SET LOCAL max_parallel_workers_per_gather = {workers}; "
            f"{create}; ANALYZE {_STUDY_FACTS_TABLE}"
        )
    with connection.cursor() as cursor:
        cursor.execute(create)
    pending: list[_Stale] = []
    # The claims about the state of the evidence, met in the ranges: compared again by their
    # ids once the others are written (not by their kind, which no index holds: four scans of
    # every claim, 2.6 s at 1M, even when there is none).
    states: list[int] = []
    for start in range(bounds["lo"], bounds["hi"] + 1, FINGERPRINT_RANGE):
        scope = f"{{id}} BETWEEN {start} AND {start + FINGERPRINT_RANGE - 1}"
        for pk, kind, stored, fingerprint in _fingerprints(scope, _STUDY_FACTS_TABLE):
            if kind == ClaimKind.EVIDENCE_STATE:
                states.append(pk)
                continue
            summary.checked += 1
            if force or stored != fingerprint:
                pending.append((pk, stored, fingerprint))
        while len(pending) >= REGRADE_BATCH_SIZE:
            yield pending[:REGRADE_BATCH_SIZE]
            del pending[:REGRADE_BATCH_SIZE]
    if pending:
        yield pending
    if states:
        yield []  # what follows reads the grades written so far
        yield from _stale_evidence_state(
            _ids_scope(states), summary, force=force, studies=_STUDY_FACTS_TABLE
        )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {_STUDY_FACTS_TABLE}")


def _stale_evidence_state(
    scope: str, summary: RegradeSummary, *, force: bool, studies: str | None = None
) -> Iterator[list[_Stale]]:
    for round_ in range(EVIDENCE_STATE_ROUNDS):
        rows = _fingerprints(scope, studies)
        if round_ == 0:
            summary.checked += len(rows)
        stale = [(pk, old, new) for pk, _, old, new in rows if (force and not round_) or old != new]
        if not stale:
            return
        yield from _chunks(stale)


def _stale_among(
    claims: list[tuple[int, str]], summary: RegradeSummary, *, force: bool
) -> Iterator[list[_Stale]]:
    """Batches of the given claims (pk, kind) whose inputs changed (all of them when forced),
    one fingerprint query per batch; the claims about the state of the evidence last."""
    others = sorted(pk for pk, kind in claims if kind != ClaimKind.EVIDENCE_STATE)
    states = sorted(pk for pk, kind in claims if kind == ClaimKind.EVIDENCE_STATE)
    for start in range(0, len(others), REGRADE_BATCH_SIZE):
        rows = _fingerprints(_ids_scope(others[start : start + REGRADE_BATCH_SIZE]))
        summary.checked += len(rows)
        stale = [(pk, old, new) for pk, _, old, new in rows if force or old != new]
        if stale:
            yield sorted(stale)
    if states:
        yield []  # what follows reads the grades written so far
    for start in range(0, len(states), REGRADE_BATCH_SIZE):
        scope = _ids_scope(states[start : start + REGRADE_BATCH_SIZE])
        yield from _stale_evidence_state(scope, summary, force=force)


# What grades a list of claims: it starts grading them and returns what waits for the results.
_Grader = Callable[[list[_GradingInput]], Callable[[], list[_Graded]]]


def _graded_here(given: list[_GradingInput]) -> Callable[[], list[_Graded]]:
    results = _graded_all(given)
    return lambda: results


def _regrade(
    batches: Iterator[list[_Stale]],
    summary: RegradeSummary,
    watch: Collection[int] = (),
    studies: Collection[int] = (),
    grader: _Grader = _graded_here,
    read_ahead: bool = False,
    store_rules: bool = False,
) -> dict[int, dict[str, Any]]:
    """Regrade the claims of each batch, batch by batch inside one transaction (the claims about
    the state of the evidence come last, so they read the others' new grades), and store with
    each new grade the fingerprint it was computed from. Returns the new grade fields of the
    `watch`ed claims that changed. `studies` names the studies whose change set the regrade
    off, for the public grade history's reason. With `read_ahead` (only when no claim reads
    another's grade but those about the state of the evidence) the next batch is read and
    handed to the `grader` before this one is written, until an empty batch says that what
    follows reads what came before. With `store_rules` (a full regrade that recomputed every
    claim) the grading rules' version is stored, in the same transaction."""
    watched: dict[int, dict[str, Any]] = {}
    changes: list[tuple[tuple[bool, int, str], GradeChange]] = []
    now = timezone.now()
    evidence = _Evidence()

    def start(stale: list[_Stale]) -> tuple[Any, ...]:
        fingerprints = {pk: (old, new) for pk, old, new in stale}
        rows = {claim.pk: claim for claim in _read_batch(list(fingerprints), evidence)}
        # A claim with related claims reads the certainties graded before it in this batch
        # (`fresh`), so it is graded in `finish`, in order; the others read nothing another
        # claim's grade gives, and are graded first, together (by `grader`: in worker
        # processes on a parallel regrade).
        alone = [claim.pk for claim in rows.values() if not claim.related]
        waiting = grader([_grading_input(rows[pk], evidence, {}) for pk in alone])
        return fingerprints, rows, alone, waiting

    def finish(
        fingerprints: dict[int, tuple[str, str]],
        rows: dict[int, _ClaimRow],
        alone: list[int],
        waiting: Callable[[], list[_Graded]],
    ) -> None:
        fresh: dict[int, str] = {}
        changed: dict[int, dict[str, Any]] = {}
        refreshed: dict[int, str] = {}
        graded = dict(zip(alone, waiting(), strict=True))
        for claim in rows.values():
            summary.recomputed += 1
            old_fingerprint, fingerprint = fingerprints[claim.pk]
            if claim.pk in graded:
                certainty, new = graded[claim.pk]
            else:
                certainty, new = _graded(_grading_input(claim, evidence, fresh))
            fresh[claim.pk] = certainty
            if new is None:
                if old_fingerprint != fingerprint:
                    refreshed[claim.pk] = fingerprint
                continue
            summary.changed += 1
            summary.published_changed += claim.shown["status"] == PublicationStatus.PUBLISHED
            if len(changes) < CHANGES_LISTED:
                changes.append(
                    (
                        claim.order,
                        GradeChange(
                            slug=claim.slug,
                            old_certainty=claim.stored[GRADE_FIELDS.index("certainty")],
                            new_certainty=new["certainty"],
                            old_direction=claim.stored[GRADE_FIELDS.index("direction")],
                            new_direction=new["direction"],
                        ),
                    )
                )
            changed[claim.pk] = {**new, "grade_input_hash": fingerprint}
            if claim.pk in watch:
                watched[claim.pk] = {**changed[claim.pk], "graded_at": now}
        if changed:
            # Written before a later batch's claims about the state of the evidence are read:
            # they read these new grades.
            _record_grade_changes(rows, changed, _change_reason(studies, evidence))
            _write_grades(changed, now)
        _write_fingerprints(refreshed)

    with transaction.atomic():
        pending: tuple[Any, ...] | None = None
        for stale in batches:
            if not stale:
                read_ahead = False
            else:
                started = start(stale)
                if pending:
                    finish(*pending)
                pending = started
            if pending and not read_ahead:
                finish(*pending)
                pending = None
        if pending:
            finish(*pending)
        if store_rules:
            _store_rules(now)
    changes.sort(key=lambda change: change[0])
    summary.changes = [change for _, change in changes]
    return watched


# A parallel regrade hands each worker process this many claims at a time, about.
_WORKER_CHUNK = 250


@contextmanager
def _grader(workers: int) -> Iterator[tuple[_Grader, bool]]:
    """What grades a batch's claims, and whether it is parallel: this process, or `workers`
    processes forked here when there are several and the regrade is on PostgreSQL outside any
    transaction (a test's, a write path's). Grading is pure, so the workers get plain values
    and query nothing; they are forked with no database connection open, and the regrade's
    reads and writes stay in this process, in its one transaction."""
    if workers < 2 or connection.vendor != "postgresql" or connection.in_atomic_block:
        yield _graded_here, False
        return
    connections.close_all()
    with multiprocessing.get_context("fork").Pool(workers) as pool:

        def graded(given: list[_GradingInput]) -> Callable[[], list[_Graded]]:
            if len(given) < 2 * _WORKER_CHUNK:
                return _graded_here(given)
            size = max(_WORKER_CHUNK, -(-len(given) // (4 * workers)))
            parts = [given[start : start + size] for start in range(0, len(given), size)]
            waiting = pool.map_async(_graded_all, parts, chunksize=1)
            return lambda: [one for part in waiting.get() for one in part]

        yield graded, True


def _only_states_read_grades() -> bool:
    """Whether no claim reads another claim's grade but those about the state of the evidence
    (no other claim has related claims), so batches can be read ahead of the writes."""
    return not (
        Claim.related_claims.through.objects.exclude(from_claim__kind=ClaimKind.EVIDENCE_STATE)
        .order_by()
        .exists()
    )


def _refresh_given(given: Iterable[Any], changed: dict[int, dict[str, Any]]) -> None:
    """Copy new grades onto claim instances the caller holds, so they are not stale."""
    for obj in given:
        if isinstance(obj, Claim) and obj.pk in changed:
            for name, value in changed[obj.pk].items():
                setattr(obj, name, value)


def _pks(objs: Iterable[Any]) -> set[int]:
    return {obj if isinstance(obj, int) else obj.pk for obj in objs}


def claims_regrade(
    *,
    claims: Iterable[Claim] | QuerySet[Claim] | None = None,
    force: bool = False,
    workers: int = 1,
) -> RegradeSummary:
    """Regrade claims from their published studies; None means every claim.

    Only the claims whose inputs changed since their last grade are graded again (every one
    with `force`, or when the grading rules changed since the last full regrade, which then
    stores the new version): each claim's fingerprint of its inputs (`_fingerprints_sql`) is
    computed in SQL, FINGERPRINT_RANGE claims per query for a full
    regrade (one query per batch of given claims), and compared with the one stored with its
    grade, so an unchanged claim costs no Python work. The others are regraded in batches of
    REGRADE_BATCH_SIZE (the claims about the state of the evidence last), each read in a fixed
    number of queries (see `_read_batch`; what many claims share, studies and each question's
    results, is read once) and graded in Python; only the claims whose stored grade changed
    are written, with one `UPDATE … FROM (VALUES …)` and one `INSERT … SELECT` of history
    records per batch, and the fingerprints of the others in one more `UPDATE` (each split on
    SQLite by its parameter cap). All in one transaction. `graded_at` is set on the changed
    claims alone, so a second run writes nothing. Claim instances passed in are updated in
    place. With `workers` > 1, on PostgreSQL and outside a transaction, the claims are graded
    in that many worker processes (see `_grader`), with the same results.
    """
    began = time.perf_counter()
    stored_rules = _stored_rules()
    # None: no full regrade has stored a version yet (a new database, or one graded before the
    # version was stored apart from the fingerprints): every claim is recomputed once.
    summary = RegradeSummary(rules_changed=stored_rules not in (None, GRADING_RULES))
    force = force or stored_rules != GRADING_RULES
    given: list[Any] = []
    if claims is None:
        batches = _stale_everywhere(summary, force=force)
    else:
        if isinstance(claims, QuerySet):
            queryset = claims
        else:
            given = list(claims)
            if not given:
                return summary
            queryset = Claim.objects.filter(pk__in=_pks(given))
        batches = _stale_among(_ids_and_kinds(queryset), summary, force=force)
    with _grader(workers) as (grader, parallel):
        ahead = parallel and _only_states_read_grades()
        changed = _regrade(
            batches,
            summary,
            _pks(given),
            grader=grader,
            read_ahead=ahead,
            store_rules=claims is None and force,
        )
    _refresh_given(given, changed)
    if summary.changed:
        # A bulk write sends no post_save: the read side is told here (public bumps its cache
        # when a published claim's grade changed).
        grades_changed.send(
            sender=Claim, changed=summary.changed, published=summary.published_changed
        )
    summary.seconds = time.perf_counter() - began
    return summary


def _ids_and_kinds(claims: QuerySet[Claim]) -> list[tuple[int, str]]:
    return list(claims.order_by().values_list("pk", "kind"))


def claim_regrade(*, claim: Claim) -> bool:
    """Regrade one claim, whether or not its inputs changed; True when its stored grade
    changed (and was saved)."""
    return bool(claims_regrade(claims=[claim], force=True).changed)


def regrade_affected(
    *, studies: Iterable[Study | int] = (), claims: Iterable[Claim | int] = ()
) -> RegradeSummary:
    """Regrade the given claims plus every claim linked to the given studies.

    The one call every write path makes after a change that feeds a grade: a study's design,
    participants, risk of bias or status changed (pass `studies`); an evidence link added,
    changed or deleted (pass its claim in `claims`); a claim's judgement flags changed (pass the
    claim). Accepts instances or primary keys. Links to the studies are followed whatever the
    studies' status, so retracting or unpublishing a study regrades its claims too.
    """
    claims = list(claims)
    study_pks, claim_pks = _pks(studies), _pks(claims)
    if not study_pks and not claim_pks:
        return RegradeSummary()
    answered_by_results = ClaimOutcome.objects.filter(
        Exists(
            StudyResult.objects.filter(
                study__in=study_pks,
                comparison=OuterRef("comparison"),
                outcome=OuterRef("outcome"),
            )
        )
        | Exists(
            PooledEstimate.objects.filter(
                review__in=study_pks,
                comparison=OuterRef("comparison"),
                outcome=OuterRef("outcome"),
            )
        )
    ).values("claim_id")
    base = (
        Q(pk__in=claim_pks)
        | Q(pk__in=EvidenceLink.objects.filter(study__in=study_pks).values("claim_id"))
        | Q(pk__in=answered_by_results)
    )
    # A claim about the state of the evidence is answered from its related claims' grades.
    related = Claim.related_claims.through.objects.filter(
        to_claim__in=Claim.objects.filter(base)
    ).values("from_claim_id")
    affected = Claim.objects.filter(base | Q(pk__in=related))
    began = time.perf_counter()
    summary = RegradeSummary()
    # Forced: the caller changed something the grade reads, so the grade is computed again
    # from what is stored now (and its fingerprint stored with it).
    batches = _stale_among(_ids_and_kinds(affected), summary, force=True)
    changed = _regrade(batches, summary, watch=claim_pks, studies=study_pks)
    _refresh_given(claims, changed)
    summary.seconds = time.perf_counter() - began
    return summary


@transaction.atomic
def claim_override_set(
    *,
    claim: Claim,
    certainty: str = "",
    direction: str = "",
    justification: str,
    by: AbstractBaseUser | None,
) -> Claim:
    """Overrule the computed certainty and/or direction, with a written justification.

    Refuses (ValidationError, nothing saved) an override without a justification, without a
    certainty or direction, or with a value that is not a valid choice. The computed grade is
    kept as it is beside the override; the change is recorded in the claim's history.
    """
    errors: dict[str, str] = {}
    if certainty and certainty not in Certainty.values:
        errors["certainty_override"] = f"“{certainty}” is not a certainty level."
    if direction and direction not in ClaimDirection.values:
        errors["direction_override"] = f"“{direction}” is not a direction."
    if not certainty and not direction:
        errors["certainty_override"] = (
            "Choose the certainty or the direction to override (or clear the override)."
        )
    if not justification.strip():
        errors["override_justification"] = (
            "An override needs a written justification: say why the computed grade is wrong."
        )
    if errors:
        raise ValidationError(errors)
    return _override_save(
        claim,
        by=by,
        certainty_override=certainty,
        direction_override=direction,
        override_justification=justification.strip(),
        overridden_by=by,
        overridden_at=timezone.now(),
    )


@transaction.atomic
def claim_override_clear(*, claim: Claim, by: AbstractBaseUser | None) -> Claim:
    """Remove a curator override; the computed grade applies again. Recorded in history."""
    return _override_save(
        claim,
        by=by,
        certainty_override="",
        direction_override="",
        override_justification="",
        overridden_by=None,
        overridden_at=None,
    )


def _override_save(claim: Claim, *, by: AbstractBaseUser | None, **values: Any) -> Claim:
    """Write the override fields (and who changed the claim) and nothing else."""
    before = snapshot([claim])
    for name, value in values.items():
        setattr(claim, name, value)
    claim.updated_by = by
    if by is not None:
        claim._history_user = by  # otherwise the request's user, as for any save
    claim.save(update_fields=[*values, "updated_by", "updated_at"])
    reason = claim.override_justification or "A curator's override of the grade was removed"
    grade_changes_record(before=before, after=snapshot([claim]), reason=reason)
    return claim
