"""The fingerprint of a claim's grade inputs: every input the grade reads changes it, and a full
regrade then recomputes that claim; nothing else makes it recompute, write or record history.

Each change below is made behind the services' back (a queryset update, as a bulk load or a
forgotten write path would), so only the fingerprint can notice it.
"""

from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evidence import services
from evidence.models import (
    Claim,
    ClaimCategory,
    ClaimGradeChange,
    ClaimOutcome,
    Comparison,
    EvidenceLink,
    GradingRules,
    OutcomeMeasure,
    PooledEstimate,
    StudyResult,
)
from evidence.services import claims_regrade, regrade_affected
from studies.models import Study
from tests.evidence.test_services import linked_claim, question, review_estimate, trial_result
from tests.factories import ClaimFactory, StudyFactory

pytestmark = pytest.mark.django_db


@dataclass
class World:
    """A claim with every kind of input: links, outcome rows answered by results, a review's
    pooled estimate with its inclusion list and a benchmark; and a claim about the state of
    the evidence that reads its grade."""

    effect: Claim
    state: Claim
    linked: Study
    trial: Study
    result: StudyResult
    pooled: PooledEstimate
    benchmark: StudyResult
    row: ClaimOutcome
    comparison: Comparison
    outcome: OutcomeMeasure


@pytest.fixture
def world():
    comparison, outcome = question()
    _, diameter = question(outcome="hair-diameter")
    linked = StudyFactory(participants=300, design="cohort", risk_of_bias="some_concerns")
    effect = linked_claim(linked, StudyFactory(participants=120))
    trial = StudyFactory(participants=250, year=2019)
    result = trial_result(comparison, outcome, study=trial)
    trial_result(comparison, outcome, estimate=4.0, ci=(2.5, 5.5))
    pooled = review_estimate(comparison, diameter)
    pooled.included_studies.set([trial, linked])
    yardstick = Comparison.objects.create(
        slug="minoxidil-vs-placebo", label="Minoxidil vs placebo", is_benchmark=True
    )
    benchmark = trial_result(yardstick, outcome, estimate=10.0, ci=(8.0, 12.0))
    row = ClaimOutcome.objects.create(
        claim=effect, comparison=comparison, outcome=outcome, importance="critical"
    )
    ClaimOutcome.objects.create(
        claim=effect, comparison=comparison, outcome=diameter, importance="important", order=1
    )
    state = ClaimFactory(kind="evidence_state", statement="More trials are needed.")
    state.related_claims.set([effect])
    claims_regrade()
    return World(effect, state, linked, trial, result, pooled, benchmark, row, comparison, outcome)


def _update(model, pk, **values):
    model.objects.filter(pk=pk).update(**values)


def _claim(**values):
    return lambda w: _update(Claim, w.effect.pk, **values)


def _study(attr, **values):
    return lambda w: _update(Study, getattr(w, attr).pk, **values)


def _result(**values):
    return lambda w: _update(StudyResult, w.result.pk, **values)


def _pooled(**values):
    return lambda w: _update(PooledEstimate, w.pooled.pk, **values)


def _link(**values):
    return lambda w: EvidenceLink.objects.filter(claim=w.effect, study=w.linked).update(**values)


EFFECT_INPUTS = {
    # The claim's own fields.
    "claim kind": _claim(kind="mechanism"),
    "claim statement": _claim(statement="Microneedling changes something else."),
    "claim intervention role": _claim(intervention_role="add_on"),
    "claim publication bias": _claim(publication_bias_suspected=True),
    "claim large effect": _claim(large_effect=True),
    "claim dose-response": _claim(dose_response=True),
    # Its links and their studies.
    "link direction": _link(direction="contradicts"),
    "link indirectness": _link(indirect=True),
    "link removed": lambda w: EvidenceLink.objects.filter(study=w.linked).delete(),
    "link added": lambda w: EvidenceLink.objects.create(claim=w.effect, study=w.trial),
    "link moved to another study": lambda w: _link(study=StudyFactory())(w),
    "study design": _study("linked", design="case_control"),
    "study participants": _study("linked", participants=301),
    "study participants unknown": _study("linked", participants=None),
    "study risk of bias": _study("linked", risk_of_bias="high"),
    "study status": _study("linked", status="retracted", retraction_reason="Test."),
    "study year": _study("linked", year=2001),
    "study authors (its label)": _study("linked", authors=["Zed Other"], author_names=[]),
    "study structured names": _study("linked", author_names=[{"family": "Berg"}]),
    "study journal": _study("linked", journal="Another Journal"),
    "study PubMed ID": _study("linked", pmid="12345678"),
    # Its outcome rows, their comparison and outcome.
    "row importance": lambda w: _update(ClaimOutcome, w.row.pk, importance="important"),
    "row order": lambda w: _update(ClaimOutcome, w.row.pk, order=5),
    "row removed": lambda w: ClaimOutcome.objects.filter(pk=w.row.pk).delete(),
    "comparison label": lambda w: _update(Comparison, w.comparison.pk, label="MN vs nothing"),
    "comparison intervention role": lambda w: _update(
        Comparison, w.comparison.pk, intervention_role="add_on"
    ),
    "outcome name": lambda w: _update(OutcomeMeasure, w.outcome.pk, name="Hair counted"),
    "outcome unit": lambda w: _update(OutcomeMeasure, w.outcome.pk, unit="hairs"),
    "outcome kind": lambda w: _update(OutcomeMeasure, w.outcome.pk, kind="surrogate"),
    "outcome benefit": lambda w: _update(OutcomeMeasure, w.outcome.pk, benefit="lower"),
    "outcome MID": lambda w: _update(OutcomeMeasure, w.outcome.pk, mid=2.5),
    "outcome MID source": lambda w: _update(OutcomeMeasure, w.outcome.pk, mid_source="A test"),
    # The published results for a row.
    **{
        f"result {name}": _result(**{name: value})
        for name, value in {
            "measure": "SMD",
            "timepoint_weeks": 24,
            "estimate": 5.000000000000001,
            "ci_low": 2.9,
            "ci_high": 7.1,
            "se": 1.02,
            "n1": 126,
            "n2": 124,
            "mean1": 10.5,
            "sd1": 2.5,
            "mean2": 8.5,
            "sd2": 2.4,
            "events1": 3,
            "total1": 125,
            "events2": 4,
            "total2": 125,
            "direction": "favours_comparator",
            "risk_of_bias": "high",
            "indirect_population": True,
            "indirect_intervention": True,
            "indirect_comparator": True,
            "indirect_outcome": True,
        }.items()
    },
    "result removed": lambda w: StudyResult.objects.filter(pk=w.result.pk).delete(),
    "result added": lambda w: trial_result(w.comparison, w.outcome, estimate=1.0, ci=(0.5, 1.5)),
    "result's study unpublished": _study("trial", status="draft"),
    "result's study year": _study("trial", year=2024),
    "result's study design": _study("trial", design="cohort"),
    "result's study participants": _study("trial", participants=251),
    "result's study label": _study("trial", authors=["Yan Other"]),
    # A published review's pooled estimate for a row.
    **{
        f"pooled {name}": _pooled(**{name: value})
        for name, value in {
            "measure": "MD",
            "estimate": 0.81,
            "ci_low": 0.49,
            "ci_high": 1.11,
            "k_studies": 6,
            "participants": 601,
            "i2": 11.0,
            "tau2": 0.02,
            "note": "A caveat.",
        }.items()
    },
    "pooled inclusion list": lambda w: w.pooled.included_studies.remove(w.linked),
    "pooled review unpublished": lambda w: _update(Study, w.pooled.review_id, status="review"),
    "pooled review risk of bias": lambda w: _update(Study, w.pooled.review_id, risk_of_bias="high"),
    "pooled review year": lambda w: _update(Study, w.pooled.review_id, year=2010),
    # The benchmark results of a row's outcome.
    "benchmark estimate": lambda w: _update(StudyResult, w.benchmark.pk, estimate=9.0),
    "benchmark comparison label": lambda w: _update(
        Comparison, w.benchmark.comparison_id, label="Minoxidil 5% vs placebo"
    ),
    "benchmark comparison no longer one": lambda w: _update(
        Comparison, w.benchmark.comparison_id, is_benchmark=False
    ),
}

STATE_INPUTS = {
    "related claim's slug": _claim(slug="renamed-claim"),
    "related claim's statement": _claim(statement="Microneedling changes hair."),
    "related claim removed": lambda w: w.state.related_claims.clear(),
    "related claim added": lambda w: w.state.related_claims.add(ClaimFactory()),
    "related claims' order": lambda w: ClaimCategory.objects.filter(pk=w.effect.category_id).update(
        order=9
    ),
}


def _fingerprint(claim):
    [(_, _, stored, fingerprint)] = services._fingerprints(services._ids_scope([claim.pk]))
    return stored, fingerprint


@pytest.mark.parametrize("change", EFFECT_INPUTS.values(), ids=EFFECT_INPUTS.keys())
def test_each_input_of_a_grade_changes_its_fingerprint_and_a_full_regrade_recomputes_it(
    world, change
):
    stored, fingerprint = _fingerprint(world.effect)
    assert stored == fingerprint
    change(world)
    assert _fingerprint(world.effect)[1] != fingerprint
    summary = claims_regrade()
    assert summary.recomputed >= 1
    # What it left is what a forced regrade of everything computes.
    assert claims_regrade(force=True).changed == 0
    assert claims_regrade().recomputed == 0


@pytest.mark.parametrize("change", STATE_INPUTS.values(), ids=STATE_INPUTS.keys())
def test_each_related_claim_input_changes_the_state_claims_fingerprint(world, change):
    stored, fingerprint = _fingerprint(world.state)
    assert stored == fingerprint
    change(world)
    assert _fingerprint(world.state)[1] != fingerprint
    claims_regrade()
    assert claims_regrade(force=True).changed == 0


def test_a_state_claim_is_regraded_in_the_same_run_when_a_related_claims_certainty_changes(world):
    _, fingerprint = _fingerprint(world.state)
    Claim.objects.filter(pk=world.effect.pk).update(certainty="very_low")
    assert _fingerprint(world.state)[1] != fingerprint  # the stored certainty is an input
    Claim.objects.filter(pk=world.effect.pk).update(
        certainty=world.effect.certainty, publication_bias_suspected=True
    )
    summary = claims_regrade()
    assert Claim.objects.get(pk=world.effect.pk).certainty != world.effect.certainty
    # The effect claim first, then the claim about the state of the evidence, which reads it.
    assert (summary.recomputed, [c.slug for c in summary.changes][-1]) == (2, world.state.slug)
    assert claims_regrade(force=True).changed == 0


def _claim_writes(captured) -> list[str]:
    return [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith(("UPDATE", "INSERT")) and "evidence_gradingrules" not in q["sql"]
    ]


def test_a_change_of_the_grading_rules_recomputes_every_claim_and_rewrites_none_it_leaves(
    world, monkeypatch
):
    n = Claim.objects.count()
    stored = dict(Claim.objects.values_list("pk", "grade_input_hash"))
    monkeypatch.setattr(services, "GRADING_RULES", services.GRADING_RULES + "-next")
    with CaptureQueriesContext(connection) as captured:
        summary = claims_regrade()
    assert (summary.checked, summary.recomputed, summary.changed) == (n, n, 0)
    assert summary.rules_changed
    # No grade changed, so no claim row is written: the fingerprints cover the inputs alone.
    assert _claim_writes(captured) == []
    assert dict(Claim.objects.values_list("pk", "grade_input_hash")) == stored
    assert GradingRules.objects.get().version == services.GRADING_RULES
    # Stored once: the next regrade finds nothing to recompute.
    summary = claims_regrade()
    assert (summary.recomputed, summary.rules_changed) == (0, False)


def test_after_a_change_of_the_rules_a_grade_they_change_is_written(world, monkeypatch):
    graded = Claim.objects.get(pk=world.effect.pk).rationale
    # A stored rationale the rules no longer give, its inputs unchanged (so its fingerprint too).
    Claim.objects.filter(pk=world.effect.pk).update(rationale=["An older rule's wording."])
    assert claims_regrade().recomputed == 0
    monkeypatch.setattr(services, "GRADING_RULES", services.GRADING_RULES + "-next")
    summary = claims_regrade()
    assert (summary.changed, [c.slug for c in summary.changes]) == (1, [world.effect.slug])
    assert Claim.objects.get(pk=world.effect.pk).rationale == graded


def test_regrading_some_claims_after_a_change_of_the_rules_leaves_the_rest_for_a_full_regrade(
    world, monkeypatch
):
    n = Claim.objects.count()
    monkeypatch.setattr(services, "GRADING_RULES", services.GRADING_RULES + "-next")
    some = claims_regrade(claims=Claim.objects.filter(pk=world.effect.pk))
    assert (some.recomputed, some.rules_changed) == (1, True)
    # Only a full regrade stores the version: every claim is still recomputed by the next one.
    assert claims_regrade().recomputed == n


def test_the_rules_version_covers_the_pure_grading_modules():
    # An edit of any module a grade is computed by changes the version without a bump by hand.
    names = {module.__name__ for module in services._RULES_MODULES}
    assert {"evidence.assessment", "evidence.certainty", "evidence.synthesis"} <= names
    assert str(services.GRADING_RULES_VERSION) in services.GRADING_RULES


def test_what_a_grade_does_not_read_does_not_recompute_it(world):
    Study.objects.filter(pk=world.linked.pk).update(abstract="A new abstract.", doi="10.1/x")
    Claim.objects.filter(pk=world.effect.pk).update(grading_note="A note.", plain_summary="Hi.")
    EvidenceLink.objects.filter(study=world.linked).update(finding="Reworded finding.")
    StudyResult.objects.filter(pk=world.result.pk).update(p_value="0.01", extraction_note="x")
    assert claims_regrade().recomputed == 0


def test_a_regrade_after_no_change_writes_nothing_and_records_no_history(
    world, django_assert_num_queries
):
    history, changes = Claim.history.count(), ClaimGradeChange.objects.count()
    graded = dict(Claim.objects.values_list("pk", "graded_at"))
    with django_assert_num_queries(services_checks() + 2) as captured:
        summary = claims_regrade()
    assert (summary.recomputed, summary.changed) == (0, 0)
    writes = [q["sql"] for q in captured.captured_queries if q["sql"].startswith(("UPDATE", "INS"))]
    assert writes == []
    assert (Claim.history.count(), ClaimGradeChange.objects.count()) == (history, changes)
    assert dict(Claim.objects.values_list("pk", "graded_at")) == graded


def services_checks():
    from tests.evidence.test_services import CHECKS, STATE_CHECK

    return CHECKS + STATE_CHECK  # the world holds a claim about the state of the evidence


def test_a_targeted_regrade_stores_the_same_fingerprints_as_a_full_one(world):
    Claim.objects.update(grade_input_hash=None)
    regrade_affected(claims=list(Claim.objects.values_list("pk", flat=True)))
    assert claims_regrade().recomputed == 0


def test_a_regrade_whose_grade_is_unchanged_stores_only_the_new_fingerprint(world):
    # A PubMed ID is part of a study's label only when it has no authors: this one has some.
    Study.objects.filter(pk=world.linked.pk).update(pmid="99999999")
    before = Claim.objects.get(pk=world.effect.pk)
    history = Claim.history.count()
    summary = claims_regrade()
    after = Claim.objects.get(pk=world.effect.pk)
    assert (summary.recomputed, summary.changed) == (1, 0)
    assert after.grade_input_hash != before.grade_input_hash
    assert (after.graded_at, after.rationale) == (before.graded_at, before.rationale)
    assert Claim.history.count() == history
