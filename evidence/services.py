"""Writes to claims' grades: regrading from linked studies, and curator overrides.

Every write path that changes something a grade depends on (a study's design, participants,
risk of bias or status; an evidence link added, changed or deleted; a claim's judgement flags)
calls `regrade_affected()` once after its change, inside the same transaction. Grading itself is
pure (evidence.grading); these functions fetch its inputs in a fixed number of queries and save
only the claims whose stored grade actually changes, with a history record for each.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from evidence import assessment
from evidence.grading import UNPUBLISHED_NOTE
from evidence.history import GradeSnapshot, grade_changes_record, snapshot
from evidence.models import (
    Certainty,
    Claim,
    ClaimDirection,
    ClaimKind,
    ClaimOutcome,
    EvidenceLink,
    PooledEstimate,
    StudyResult,
)
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


@dataclass
class RegradeSummary:
    """What a regrade looked at and what it changed."""

    checked: int = 0
    changes: list[GradeChange] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return len(self.changes)

    @property
    def unchanged(self) -> int:
        return self.checked - self.changed

    def __str__(self) -> str:
        claims = "claim" if self.checked == 1 else "claims"
        if not self.changes:
            return f"Regraded {self.checked} {claims}: nothing changed."
        lines = [
            f"Regraded {self.checked} {claims}: {self.changed} changed, {self.unchanged} unchanged."
        ]
        lines += [f"  {change}" for change in self.changes]
        return "\n".join(lines)


def _claims_for_grading(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """The claims with their published links and studies, their Summary-of-Findings rows and
    their related claims prefetched: four queries in all."""
    published_links = (
        EvidenceLink.objects.filter(study__status=StudyStatus.PUBLISHED)
        .select_related("study")
        .order_by("study__year", "study_id")
    )
    return (
        claims.annotate(
            links_not_counted=Count(
                "evidence_links",
                filter=~Q(evidence_links__study__status=StudyStatus.PUBLISHED),
            )
        )
        # Meta.ordering is dropped from aggregate queries; keep the summary in a stable order.
        .order_by("category__order", "slug")
        .prefetch_related(
            Prefetch("evidence_links", queryset=published_links, to_attr="_graded"),
            Prefetch(
                "claim_outcomes",
                queryset=ClaimOutcome.objects.select_related("comparison", "outcome"),
                to_attr="_questions",
            ),
            Prefetch(
                "related_claims",
                queryset=Claim.objects.only("pk", "slug", "statement", "certainty"),
                to_attr="_related",
            ),
        )
    )


@dataclass
class _Evidence:
    """The published results and pooled estimates behind a set of claims' questions."""

    results: dict[tuple[int, int], list[assessment.ResultRow]] = field(default_factory=dict)
    pooled: dict[tuple[int, int], list[assessment.PooledRow]] = field(default_factory=dict)
    benchmarks: dict[int, list[tuple[str, assessment.ResultRow]]] = field(default_factory=dict)


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


def _evidence_for(claims: list[Claim]) -> _Evidence:
    """Three queries (four with pooled estimates' inclusion lists) for any number of claims."""
    pairs = {(q.comparison_id, q.outcome_id) for c in claims for q in c._questions}
    evidence = _Evidence()
    if not pairs:
        return evidence
    comparisons = {c for c, _ in pairs}
    outcomes = {o for _, o in pairs}
    results = (
        StudyResult.objects.published()
        .filter(comparison_id__in=comparisons, outcome_id__in=outcomes)
        .select_related("study")
        .order_by("study__year", "study_id", "pk")
    )
    for result in results:
        key = (result.comparison_id, result.outcome_id)
        if key in pairs:
            evidence.results.setdefault(key, []).append(_result_row(result))
    pooled = (
        PooledEstimate.objects.published()
        .filter(comparison_id__in=comparisons, outcome_id__in=outcomes)
        .select_related("review")
        .prefetch_related("included_studies")
    )
    for estimate in pooled:
        key = (estimate.comparison_id, estimate.outcome_id)
        if key in pairs:
            evidence.pooled.setdefault(key, []).append(
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
    benchmarks = (
        StudyResult.objects.published()
        .filter(comparison__is_benchmark=True, outcome_id__in=outcomes)
        .select_related("study", "comparison")
    )
    for result in benchmarks:
        evidence.benchmarks.setdefault(result.outcome_id, []).append(
            (result.comparison.label, _result_row(result))
        )
    return evidence


def _claim_input(claim: Claim, evidence: _Evidence, fresh: dict[int, str]) -> assessment.ClaimInput:
    questions = []
    for q in claim._questions:
        key = (q.comparison_id, q.outcome_id)
        questions.append(
            assessment.QuestionRow(
                comparison=q.comparison.label,
                comparison_role=q.comparison.intervention_role,
                outcome=q.outcome.name,
                unit=q.outcome.unit,
                outcome_kind=q.outcome.kind,
                benefit=q.outcome.benefit,
                importance=q.importance,
                mid=q.outcome.mid,
                mid_source=q.outcome.mid_source,
                results=tuple(evidence.results.get(key, ())),
                pooled=tuple(evidence.pooled.get(key, ())),
                benchmarks=tuple(evidence.benchmarks.get(q.outcome_id, ())),
            )
        )
    links = tuple(
        assessment.LinkRow(
            study_id=link.study_id,
            label=link.study.short_label(),
            design=link.study.design,
            participants=link.study.participants,
            risk_of_bias=link.study.risk_of_bias,
            direction=link.direction,
            indirect=link.indirect,
        )
        for link in claim._graded
    )
    related = tuple(
        assessment.RelatedClaim(
            slug=r.slug, statement=r.statement, certainty=fresh.get(r.pk, r.certainty)
        )
        for r in claim._related
    )
    return assessment.ClaimInput(
        kind=claim.kind,
        statement=claim.statement,
        intervention_role=claim.intervention_role,
        questions=tuple(questions),
        links=links,
        related=related,
        publication_bias_suspected=claim.publication_bias_suspected,
        large_effect=claim.large_effect,
        dose_response=claim.dose_response,
    )


def _compute(claim: Claim, evidence: _Evidence, fresh: dict[int, str]) -> assessment.Assessment:
    try:
        result = assessment.assess(_claim_input(claim, evidence, fresh))
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
    if claim.links_not_counted:
        n = claim.links_not_counted
        note = (
            f"{UNPUBLISHED_NOTE} {n} linked {'study is' if n == 1 else 'studies are'} not "
            "published (draft, in review or retracted)."
        )
        result = dataclasses.replace(result, rationale=(*result.rationale, note))
    return result


def _change_reason(batch: list[Claim], studies: set[int]) -> str:
    """Why a regrade ran, for the public grade history: the studies whose change set it off
    (named from the published links already fetched; no query), else the general reason."""
    if not studies:
        return REGRADE_CHANGE_REASON
    labels = {
        link.study_id: link.study.short_label()
        for claim in batch
        for link in claim._graded
        if link.study_id in studies
    }
    words = [labels[pk] for pk in sorted(labels)]
    hidden = len(studies - labels.keys())
    if hidden:
        words.append(f"{hidden} {'study' if hidden == 1 else 'studies'} no longer published")
    return f"{REGRADE_CHANGE_REASON}, after a change to: {', '.join(words)}"


def _regrade(
    claims: QuerySet[Claim], *, studies: set[int] | None = None
) -> tuple[RegradeSummary, dict[int, Claim]]:
    summary = RegradeSummary()
    changed: dict[int, Claim] = {}
    before: dict[int, GradeSnapshot] = {}
    now = timezone.now()
    with transaction.atomic():
        batch = list(_claims_for_grading(claims))
        evidence = _evidence_for(batch)
        # Claims about the state of the evidence are answered from the others' fresh grades.
        batch.sort(key=lambda c: c.kind == ClaimKind.EVIDENCE_STATE)
        fresh: dict[int, str] = {}
        for claim in batch:
            summary.checked += 1
            result = _compute(claim, evidence, fresh)
            fresh[claim.pk] = result.certainty
            new: dict[str, Any] = {
                "certainty": result.certainty,
                "direction": result.direction,
                "preclinical_only": result.preclinical_only,
                "sort_strength": result.sort_strength,
                "rationale": list(result.rationale),
                "grade_detail": result.detail,
            }
            if all(getattr(claim, name) == value for name, value in new.items()):
                continue
            summary.changes.append(
                GradeChange(
                    slug=claim.slug,
                    old_certainty=claim.certainty,
                    new_certainty=result.certainty,
                    old_direction=claim.direction,
                    new_direction=result.direction,
                )
            )
            if claim.graded_at is not None:  # a first grade is not a change
                before.update(snapshot([claim]))
            for name, value in new.items():
                setattr(claim, name, value)
            claim.graded_at = now
            changed[claim.pk] = claim
        if changed:
            bulk_update_with_history(
                list(changed.values()),
                Claim,
                [*GRADE_FIELDS, "graded_at"],
                default_change_reason=REGRADE_CHANGE_REASON,
            )
            grade_changes_record(
                before=before,
                after=snapshot(changed.values()),
                reason=_change_reason(batch, studies or set()),
            )
    return summary, changed


def _refresh_given(given: Iterable[Any], changed: dict[int, Claim]) -> None:
    """Copy new grades onto claim instances the caller holds, so they are not stale."""
    for obj in given:
        if isinstance(obj, Claim) and obj.pk in changed:
            for name in (*GRADE_FIELDS, "graded_at"):
                setattr(obj, name, getattr(changed[obj.pk], name))


def _pks(objs: Iterable[Any]) -> set[int]:
    return {obj if isinstance(obj, int) else obj.pk for obj in objs}


def claims_regrade(*, claims: Iterable[Claim] | QuerySet[Claim] | None = None) -> RegradeSummary:
    """Regrade claims from their published studies; None means every claim.

    Reads in two queries however many claims there are (the claims with a count of their
    unpublished links; their published links with studies, in one prefetch) and writes only
    the claims whose stored grade changed, in one bulk update plus one bulk insert of history
    records (SQLite's 999-parameter limit makes Django split that insert into batches of 33
    claims; PostgreSQL does it in one). `graded_at` is set on the changed claims alone, so a
    second run writes nothing. Claim instances passed in are updated in place.
    """
    if claims is None:
        queryset = Claim.objects.all()
        given: list[Any] = []
    elif isinstance(claims, QuerySet):
        queryset, given = claims, []
    else:
        given = list(claims)
        if not given:
            return RegradeSummary()
        queryset = Claim.objects.filter(pk__in=_pks(given))
    summary, changed = _regrade(queryset)
    _refresh_given(given, changed)
    return summary


def claim_regrade(*, claim: Claim) -> bool:
    """Regrade one claim; True when its stored grade changed (and was saved)."""
    return bool(claims_regrade(claims=[claim]).changes)


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
    summary, changed = _regrade(affected, studies=study_pks)
    _refresh_given(claims, changed)
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
