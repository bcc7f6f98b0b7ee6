"""The regrade service: what it stores, what it never counts, whom it regrades, how many queries.

Expected grades follow the documented rules (evidence/certainty.py, GRADE per outcome):
randomised trials start high; risk of bias is rated down when at most half of the information
is from results at low risk (two levels when most is at high risk); inconsistency needs at
least two studies; indirectness when the comparison's role differs from the claim's, or most of
the body differs on a PICO element; imprecision when the 95% CI crosses the null, or fewer than
400 participants (the optimal-information-size rule of thumb for a continuous outcome), or,
for a body counted by direction (no outcome rows), when the sign test cannot exclude chance;
publication bias when the curator suspects it. SORT A needs moderate or high, consistent,
patient-oriented evidence; B is limited-quality or inconsistent patient-oriented evidence.
A claim's certainty is that of its weakest critical outcome.
"""

import pytest
from django.core.exceptions import ValidationError

from evidence.models import (
    Claim,
    ClaimGradeChange,
    ClaimOutcome,
    Comparison,
    OutcomeMeasure,
    PooledEstimate,
    StudyResult,
)
from evidence.services import (
    REGRADE_CHANGE_REASON,
    claim_override_clear,
    claim_override_set,
    claim_regrade,
    claims_regrade,
    regrade_affected,
)
from studies.models import Study
from tests.factories import ClaimFactory, EvidenceLinkFactory, StudyFactory, UserFactory

pytestmark = pytest.mark.django_db


def linked_claim(*studies, direction="supports", **claim_fields):
    claim = ClaimFactory(**claim_fields)
    for study in studies:
        EvidenceLinkFactory(claim=claim, study=study, direction=direction)
    return claim


# --- Summary-of-Findings rows: a comparison, an outcome, and the published results for it ------

UNPUBLISHED = [
    pytest.param({"status": "draft"}, id="draft"),
    pytest.param({"status": "review"}, id="review"),
    pytest.param(
        {"status": "retracted", "retraction_reason": "Data fabricated (test)."}, id="retracted"
    ),
]


def question(slug="mn-vs-sham", outcome="hair-count"):
    """A comparison of microneedling alone (as the factories' claims speak of it) and a
    patient-important outcome where higher is better, without a MID."""
    comparison, _ = Comparison.objects.get_or_create(
        slug=slug,
        defaults={"label": f"Microneedling vs sham ({slug})", "intervention_role": "alone"},
    )
    measure, _ = OutcomeMeasure.objects.get_or_create(
        slug=outcome,
        defaults={
            "name": f"Hair count ({outcome})",
            "unit": "hairs/cm²",
            "kind": "patient_important",
            "benefit": "higher",
        },
    )
    return comparison, measure


def answered_claim(comparison, outcome, importance="critical", **claim_fields):
    claim = ClaimFactory(**claim_fields)
    ClaimOutcome.objects.create(
        claim=claim, comparison=comparison, outcome=outcome, importance=importance
    )
    return claim


def trial_result(comparison, outcome, *, study=None, estimate=5.0, ci=(3.0, 7.0), arms=(125, 125)):
    """A low-risk trial's mean difference with its 95% CI (by default 250 people, CI clear of 0)."""
    study = study or StudyFactory(participants=sum(arms))
    return StudyResult.objects.create(
        study=study,
        comparison=comparison,
        outcome=outcome,
        measure="MD",
        estimate=estimate,
        ci_low=ci[0],
        ci_high=ci[1],
        n1=arms[0],
        n2=arms[1],
        risk_of_bias="low",
        timepoint_weeks=12,
    )


def review_estimate(comparison, outcome, *, review=None, **values):
    """A review's pooled SMD 0.80 (0.50 to 1.10), 5 trials, 600 people."""
    review = review or StudyFactory(design="systematic_review_meta_analysis", participants=600)
    defaults = {"measure": "SMD", "estimate": 0.8, "ci_low": 0.5, "ci_high": 1.1}
    defaults |= {"k_studies": 5, "participants": 600, "i2": 10.0}
    return PooledEstimate.objects.create(
        review=review, comparison=comparison, outcome=outcome, **(defaults | values)
    )


def row(claim, n=0):
    return claim.grade_detail["outcomes"][n]


def levels(outcome_row):
    return {d["domain"]: d["levels"] for d in outcome_row["domains"]}


NOT_RATED = {
    "risk_of_bias": 0,
    "inconsistency": 0,
    "indirectness": 0,
    "imprecision": 0,
    "publication_bias": 0,
}


# --- What a regrade stores ----------------------------------------------------------------------


def test_regrading_stores_the_grade_its_time_and_a_history_record():
    comparison, outcome = question()
    claim = answered_claim(comparison, outcome)
    trial_result(comparison, outcome)
    trial_result(comparison, outcome)

    assert claim_regrade(claim=claim) is True

    # Two low-risk RCTs, 500 people, both MD 5 (3 to 7): pooled MD 5 with I² 0 and a CI clear
    # of the null, 500 >= 400 → high, no domain rated down; patient-important, consistent,
    # high → SORT A; the CI above 0 for a higher-is-better outcome → supported.
    claim.refresh_from_db()
    assert (claim.certainty, claim.direction, claim.sort_strength) == ("high", "supported", "A")
    assert claim.rationale[0] == (
        f"Certainty set by {outcome.name[:1].lower()}{outcome.name[1:]} (high), the lowest of 1 "
        "critical outcome(s)."
    )
    assert not any(step.startswith("  \N{MINUS SIGN}") for step in claim.rationale)
    sof = row(claim)
    assert (sof["certainty"], sof["studies"], sof["participants"]) == ("high", 2, 500)
    assert levels(sof) == NOT_RATED
    # Two equal estimates pool to themselves; the SE shrinks by √2: 5 ± 1.96 × (2 / 1.96) / √2.
    assert sof["effect"]["estimate"] == pytest.approx(5.0)
    assert sof["effect"]["ci_low"] == pytest.approx(5 - 2 / 2**0.5)
    assert sof["effect"]["source"] == "Pooled in this app (REML random effects)"
    assert claim.grade_detail["certainty"] == "high"
    assert claim.graded_at is not None
    latest = claim.history.first()
    assert (latest.certainty, latest.grade_detail["certainty"]) == ("high", "high")
    assert latest.history_change_reason == REGRADE_CHANGE_REASON


def test_a_claim_without_outcome_rows_is_graded_from_its_links_by_direction():
    claim = linked_claim(
        StudyFactory(participants=84, risk_of_bias="high"),
        StudyFactory(participants=84, risk_of_bias="high"),
    )
    claim_regrade(claim=claim)

    # Two RCTs (start high) both at high risk → −2; counting directions gives no CI and
    # 168 < 400 people → −2 imprecision; no study the other way, none indirect → very low.
    # Both point for the claim → supported; very low patient-oriented evidence → SORT B.
    claim.refresh_from_db()
    assert (claim.certainty, claim.direction, claim.sort_strength) == ("very_low", "supported", "B")
    sof = row(claim)
    assert sof["measure"] == "direction_only"
    assert levels(sof) == NOT_RATED | {"risk_of_bias": -2, "imprecision": -2}
    assert (sof["vote"]["favour_intervention"], sof["vote"]["p"]) == (2, 0.5)


def test_regrading_twice_writes_nothing_the_second_time():
    comparison, outcome = question()
    answered_claim(comparison, outcome)
    trial_result(comparison, outcome)
    claim = linked_claim(StudyFactory(), StudyFactory())
    claim_regrade(claim=claim)
    claims_regrade()
    claim.refresh_from_db()
    graded_at, versions = claim.graded_at, claim.history.count()

    assert claim_regrade(claim=claim) is False
    summary = claims_regrade()

    claim.refresh_from_db()
    assert summary.changed == 0
    assert claim.graded_at == graded_at
    assert claim.history.count() == versions


def test_regrading_updates_the_claim_instance_the_caller_holds():
    claim = linked_claim(StudyFactory(participants=500))
    claim_regrade(claim=claim)
    # One low-risk RCT of 500: only the sign test of one study (p = 1) rates it down → moderate.
    assert claim.certainty == "moderate"
    assert claim.graded_at is not None


# --- What never counts --------------------------------------------------------------------------


@pytest.mark.parametrize("unpublished", UNPUBLISHED)
def test_unpublished_studies_never_count(unpublished):
    claim = linked_claim(StudyFactory(**unpublished))
    claim_regrade(claim=claim)
    claim.refresh_from_db()
    assert claim.certainty == "none"
    assert claim.direction == ""
    assert claim.rationale == [
        "No published study bears on this claim, so there is nothing to grade.",
        "Not counted: 1 linked study is not published (draft, in review or retracted).",
    ]
    assert claim.grade_detail["outcomes"] == []


@pytest.mark.parametrize("unpublished", UNPUBLISHED)
def test_an_unpublished_studys_result_is_not_pooled(unpublished):
    comparison, outcome = question()
    claim = answered_claim(comparison, outcome)
    published = trial_result(comparison, outcome)
    # Had it counted, the opposite effect would pool to a CI across the null.
    hidden = StudyFactory(participants=250, authors=["Hidden Author"], **unpublished)
    trial_result(comparison, outcome, study=hidden, estimate=-5.0, ci=(-7.0, -3.0))

    claim_regrade(claim=claim)

    # Left: one low-risk RCT of 250 with a CI clear of the null. A single study has nothing to be
    # inconsistent with; 250 < 400 → −1 imprecision: moderate, supported.
    sof = row(claim)
    assert (claim.certainty, claim.direction) == ("moderate", "supported")
    assert (sof["studies"], sof["participants"]) == (1, 250)
    assert levels(sof) == NOT_RATED | {"imprecision": -1}
    assert [r["label"] for r in sof["plot"]["rows"]] == [published.study.short_label()]
    assert published.study.short_label() != hidden.short_label()
    assert sof["effect"]["estimate"] == pytest.approx(5.0)


@pytest.mark.parametrize("unpublished", UNPUBLISHED)
def test_an_unpublished_reviews_pooled_estimate_is_not_used(unpublished):
    comparison, outcome = question()
    claim = answered_claim(comparison, outcome)
    trial = trial_result(comparison, outcome)
    review = StudyFactory(design="systematic_review_meta_analysis", **unpublished)
    review_estimate(comparison, outcome, review=review)

    claim_regrade(claim=claim)

    # A published review's pool would stand in for the trial (source "… (systematic review)",
    # measure SMD); unpublished, the trial alone is graded, as above: moderate, MD 5.
    sof = row(claim)
    assert claim.certainty == "moderate"
    assert (sof["measure"], sof["studies"]) == ("MD", 1)
    assert sof["effect"]["source"] == trial.study.short_label()
    assert sof["other_reviews"] == []


def test_a_published_reviews_pooled_estimate_stands_in_for_the_trials():
    comparison, outcome = question()
    claim = answered_claim(comparison, outcome)
    trial = trial_result(comparison, outcome)
    review = StudyFactory(design="systematic_review_meta_analysis", risk_of_bias="low")
    review_estimate(comparison, outcome, review=review)

    claim_regrade(claim=claim)

    # The counterpart of the test above: the review's SMD 0.8 (0.5 to 1.1), 5 trials, 600
    # people, I² 10%, is used and the trial left out so that it is not counted twice. A review
    # with a meta-analysis starts high; its RoB is the review study's (low) → 0; I² below 50%
    # → 0; CI clear of the null, 600 >= 400 → 0: high.
    sof = row(claim)
    assert claim.certainty == "high"
    assert (sof["measure"], sof["studies"], sof["participants"]) == ("SMD", 5, 600)
    assert sof["effect"]["source"] == f"{review.short_label()} (systematic review)"
    assert [lo["label"] for lo in sof["left_out"]] == [trial.study.short_label()]


def test_a_retracted_trial_beside_published_ones_is_left_out():
    published = [StudyFactory(participants=250), StudyFactory(participants=250)]
    retracted = StudyFactory(status="retracted", retraction_reason="Test retraction.")
    claim = linked_claim(*published)
    EvidenceLinkFactory(claim=claim, study=retracted, direction="contradicts")
    claim_regrade(claim=claim)
    # Counted, the retracted trial would make the split 2-1: −1 inconsistency and a mixed
    # direction. Left out: two low-risk RCTs, 500 people, 2-0 (sign test p = 0.5, −1
    # imprecision) → moderate, supported.
    assert (claim.certainty, claim.direction) == ("moderate", "supported")
    assert levels(row(claim)) == NOT_RATED | {"imprecision": -1}
    assert any(step.startswith("Not counted: 1 linked study") for step in claim.rationale)


def test_a_retracted_trials_result_beside_published_ones_is_left_out_of_the_pool():
    comparison, outcome = question()
    claim = answered_claim(comparison, outcome)
    trial_result(comparison, outcome)
    trial_result(comparison, outcome)
    retracted = StudyFactory(
        authors=["Zed Retracted"], status="retracted", retraction_reason="Test retraction."
    )
    trial_result(comparison, outcome, study=retracted, estimate=-5.0, ci=(-7.0, -3.0))

    claim_regrade(claim=claim)

    # The two published trials alone, as in the first test: high, k = 2, 500 people.
    sof = row(claim)
    assert (claim.certainty, sof["effect"]["k"], sof["participants"]) == ("high", 2, 500)
    assert retracted.short_label() not in [r["label"] for r in sof["plot"]["rows"]]


def test_a_claim_without_links_is_graded_none():
    claim = ClaimFactory()
    claim_regrade(claim=claim)
    assert claim.certainty == "none"
    assert claim.sort_strength == ""


# --- Whom regrade_affected regrades -------------------------------------------------------------


def test_regrade_affected_regrades_exactly_the_claims_of_the_changed_studies_and_claims():
    study = StudyFactory(participants=250)
    other_study = StudyFactory(participants=250)
    via_study_a = linked_claim(study, other_study)
    via_study_b = linked_claim(study)
    unrelated = linked_claim(other_study)
    named = ClaimFactory()
    claims_regrade()
    # Change what feeds the grades behind every service's back, then regrade the affected.
    Study.objects.update(risk_of_bias="high")
    Claim.objects.filter(pk=named.pk).update(certainty="high")

    summary = regrade_affected(studies=[study], claims=[named.pk])

    assert summary.checked == 3
    assert {c.slug for c in summary.changes} == {via_study_a.slug, via_study_b.slug, named.slug}
    unrelated.refresh_from_db()
    assert "risk of bias" not in " ".join(unrelated.rationale)
    named.refresh_from_db()
    assert named.certainty == "none"


def test_regrade_affected_follows_a_studys_results_to_the_claims_whose_rows_they_answer():
    comparison, outcome = question()
    _, other_outcome = question(outcome="hair-diameter")
    study = StudyFactory(participants=500)
    trial_result(comparison, outcome, study=study, arms=(250, 250))
    trial_result(comparison, other_outcome, study=StudyFactory())
    answered = answered_claim(comparison, outcome)  # no link to the study: only its row
    other_row = answered_claim(comparison, other_outcome)
    state = ClaimFactory(kind="evidence_state")
    state.related_claims.add(answered)
    other_state = ClaimFactory(kind="evidence_state")
    other_state.related_claims.add(other_row)
    claims_regrade()
    Study.objects.filter(pk=study.pk).update(status="retracted", retraction_reason="Test.")

    summary = regrade_affected(studies=[study])

    # The answered claim loses its only result (high → none) and the evidence-state claim that
    # relates to it is answered anew; the other outcome's claim and its state claim are not
    # read at all.
    assert summary.checked == 2
    assert {c.slug for c in summary.changes} == {answered.slug, state.slug}
    state.refresh_from_db()
    assert state.grade_detail["related"][0]["certainty"] == "none"
    assert state.grade_detail["verdict"] == "cannot be answered: no related effect claim is graded"


def test_regrade_affected_follows_a_reviews_pooled_estimates_to_the_claims_they_answer():
    comparison, outcome = question()
    _, other_outcome = question(outcome="hair-diameter")
    review = StudyFactory(design="systematic_review_meta_analysis", risk_of_bias="low")
    review_estimate(comparison, outcome, review=review)
    answered = answered_claim(comparison, outcome)
    answered_claim(comparison, other_outcome)
    claims_regrade()
    assert answered.__class__.objects.get(pk=answered.pk).certainty == "high"
    Study.objects.filter(pk=review.pk).update(status="draft")

    summary = regrade_affected(studies=[review.pk])

    assert summary.checked == 1
    assert [str(c) for c in summary.changes] == [f"{answered.slug}: high/supported → none/—"]


def test_regrade_affected_regrades_the_evidence_state_claims_of_a_changed_claim():
    comparison, outcome = question()
    trial_result(comparison, outcome, arms=(250, 250))
    effect = answered_claim(comparison, outcome)
    unrelated = answered_claim(comparison, outcome)
    state = ClaimFactory(kind="evidence_state")
    state.related_claims.add(effect)
    claims_regrade()
    state.refresh_from_db()
    # One low-risk trial of 500 with a CI clear of the null: high. "More trials are needed" is
    # then not borne out.
    assert state.grade_detail["verdict"] == (
        "not borne out: the related effect claims are moderate or high certainty"
    )
    ClaimOutcome.objects.filter(claim=effect).update(importance="important")
    Claim.objects.filter(pk=effect.pk).update(publication_bias_suspected=True)

    summary = regrade_affected(claims=[effect])

    # Suspected publication bias: −1 → moderate, still "not borne out", but the state claim's
    # detail shows the related claim's new certainty, so it is checked and rewritten.
    assert summary.checked == 2
    assert {c.slug for c in summary.changes} == {effect.slug, state.slug}
    assert unrelated.slug not in {c.slug for c in summary.changes}
    state.refresh_from_db()
    assert state.grade_detail["related"] == [
        {"slug": effect.slug, "statement": effect.statement, "certainty": "moderate"}
    ]


def test_retracting_a_study_and_regrading_the_affected_drops_it_from_the_grade():
    study = StudyFactory(participants=500)
    claim = linked_claim(study)
    claim_regrade(claim=claim)
    assert claim.certainty == "moderate"

    study.status = "retracted"
    study.retraction_reason = "Test retraction."
    study.save()
    regrade_affected(studies=[study])

    claim.refresh_from_db()
    assert claim.certainty == "none"


def test_a_deleted_link_regrades_its_claim_through_the_claim():
    link = EvidenceLinkFactory()
    claim = link.claim
    claim_regrade(claim=claim)
    link.delete()

    summary = regrade_affected(claims=[claim])

    # The factory's one low-risk RCT of 50: −2 imprecision (counted by direction, so no CI,
    # and 50 < 400 people) → low; without it, nothing to grade.
    assert [str(c) for c in summary.changes] == [f"{claim.slug}: low/supported → none/—"]
    assert claim.certainty == "none"


def test_changed_judgement_flags_regrade_through_the_claim():
    comparison, outcome = question()
    claim = answered_claim(comparison, outcome)
    trial_result(comparison, outcome)
    trial_result(comparison, outcome)
    claim_regrade(claim=claim)
    assert claim.certainty == "high"
    claim.publication_bias_suspected = True
    claim.save()

    regrade_affected(claims=[claim])

    # The curator's suspicion rates publication bias down one level: high → moderate.
    assert claim.certainty == "moderate"
    assert levels(row(claim)) == NOT_RATED | {"publication_bias": -1}
    assert "  −1 publication bias: strongly suspected: suspected by the curator" in claim.rationale


def test_regrade_affected_with_nothing_given_does_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        summary = regrade_affected()
    assert summary.checked == 0


# --- Queries: set-based, the same at any number of claims --------------------------------------
#
# services._claims_for_grading reads the claims (with a count of unpublished links) and
# prefetches their published links with studies, their Summary-of-Findings rows with comparison
# and outcome, and their related claims: 4 SELECTs. services._evidence_for adds nothing when no
# claim has an outcome row; otherwise the published results of those comparisons and outcomes,
# the published pooled estimates (plus one for their inclusion lists when there are any) and the
# benchmark results: 3 SELECTs, or 4. The writes sit in a savepoint (SAVEPOINT and RELEASE),
# with one bulk UPDATE and the history INSERT when something changed.

# A regrade first reads the grading rules' version the last full regrade stored; a full one then
# compares each claim's fingerprint of its inputs with the stored one: the claims' id bounds,
# the studies' facts into a temporary table, one query per FINGERPRINT_RANGE claims, the
# temporary table dropped; and one for the claims about the state of the evidence when there
# are any (STATE_CHECK: the factories' claims here are all about effects).
RULES_READ = 1
CHECKS = RULES_READ + 4
STATE_CHECK = 1
# A full regrade that recomputed every claim (forced, or the rules' version changed: a test
# database starts with none) stores the version it graded by: one statement.
RULES_STORED = 1
# Then per batch of claims whose inputs changed: claims, links, linked studies, outcome rows,
# related claims; with outcome rows, their results, pooled estimates, inclusion lists and
# benchmarks.
READS_WITHOUT_ROWS = 5
READS_WITH_ROWS = 5 + 4
SAVEPOINT = 2


def _claims_with_links(n):
    studies = StudyFactory.create_batch(3, participants=150)
    for i in range(n):
        linked_claim(*studies[: 1 + i % 3])


def _claims_with_rows(n):
    """n claims answered by results and a review's pool, as well as linked studies."""
    comparison, outcome = question()
    _, diameter = question(outcome="hair-diameter")
    studies = StudyFactory.create_batch(3, participants=150)
    for study in studies:
        trial_result(comparison, outcome, study=study, arms=(75, 75))
    review_estimate(comparison, diameter).included_studies.set(studies)
    for i in range(n):
        claim = linked_claim(*studies[: 1 + i % 3])
        ClaimOutcome.objects.create(
            claim=claim, comparison=comparison, outcome=outcome, importance="critical"
        )
        ClaimOutcome.objects.create(
            claim=claim, comparison=comparison, outcome=diameter, importance="important"
        )


BASES = [
    pytest.param(_claims_with_links, READS_WITHOUT_ROWS, id="links-only"),
    pytest.param(_claims_with_rows, READS_WITH_ROWS, id="with-outcome-rows"),
]


@pytest.mark.parametrize("n", [5, 50])
@pytest.mark.parametrize(("make", "reads"), BASES)
def test_regrading_everything_after_one_change_takes_the_same_queries_at_any_size(
    n, make, reads, django_assert_num_queries
):
    make(n)
    claims_regrade()
    Claim.objects.filter(pk=Claim.objects.last().pk).update(publication_bias_suspected=True)
    # The reads, a savepoint around the writes, one bulk update, one bulk history insert and
    # one insert into the public grade history (the certainty a reader sees changed).
    with django_assert_num_queries(CHECKS + reads + SAVEPOINT + 3):
        summary = claims_regrade()
    assert (summary.checked, summary.recomputed, summary.changed) == (n, 1, 1)
    assert ClaimGradeChange.objects.count() == 1


@pytest.mark.parametrize("n", [5, 50])
@pytest.mark.parametrize(("make", "reads"), BASES)
def test_a_regrade_that_changes_nothing_takes_the_same_queries_at_any_size(
    n, make, reads, django_assert_num_queries
):
    make(n)
    claims_regrade()
    # No claim's inputs changed: no claim is read, let alone graded.
    with django_assert_num_queries(CHECKS + SAVEPOINT):
        summary = claims_regrade()
    assert (summary.checked, summary.recomputed, summary.changed) == (n, 0, 0)


@pytest.mark.parametrize("n", [5, 50])
@pytest.mark.parametrize(("make", "reads"), BASES)
def test_a_first_regrade_of_every_claim_reads_in_a_fixed_number_of_queries_at_any_size(
    n, make, reads, django_assert_num_queries
):
    make(n)
    # One `UPDATE … FROM (VALUES …)` and one `INSERT … SELECT` of history rows, on both databases.
    with django_assert_num_queries(CHECKS + reads + SAVEPOINT + 2 + RULES_STORED) as captured:
        summary = claims_regrade()
    selects = [q for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    assert len(selects) == 2 + reads  # the rules' version, the id bounds, the batch's reads
    assert summary.changed == n


def test_the_summary_says_what_changed_from_what_to_what():
    # One low-risk RCT of 500 by direction: moderate (the sign test of one study), supported.
    claim = linked_claim(StudyFactory(participants=500), slug="density")
    summary = claims_regrade(claims=Claim.objects.filter(pk=claim.pk))
    assert str(summary) == (
        "Regraded 1 claim: 1 changed, 0 unchanged.\n  density: none/— → moderate/supported"
    )
    assert str(claims_regrade()) == "Regraded 1 claim: nothing changed."


def test_the_summary_says_when_only_the_rationale_changed():
    claim = linked_claim(StudyFactory(participants=500), slug="density")
    claims_regrade()
    Claim.objects.filter(pk=claim.pk).update(rationale=["stale"])
    # Its inputs did not change, so only a forced regrade looks at it again.
    assert str(claims_regrade(force=True)) == (
        "Regraded 1 claim: 1 changed, 0 unchanged.\n"
        "  density: moderate/supported (rationale updated)"
    )


# --- Overrides -------------------------------------------------------------------------------


@pytest.mark.parametrize("justification", ["", "   \n"])
def test_an_override_without_a_justification_is_refused_and_nothing_is_saved(justification):
    claim = linked_claim(StudyFactory())
    with pytest.raises(ValidationError) as error:
        claim_override_set(
            claim=claim, certainty="high", justification=justification, by=UserFactory()
        )
    assert error.value.message_dict["override_justification"] == [
        "An override needs a written justification: say why the computed grade is wrong."
    ]
    claim.refresh_from_db()
    assert claim.certainty_override == ""
    assert not claim.is_overridden


def test_an_override_must_change_something_valid():
    claim = ClaimFactory()
    with pytest.raises(ValidationError) as error:
        claim_override_set(claim=claim, justification="Because.", by=None)
    assert "certainty_override" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        claim_override_set(claim=claim, certainty="certain", justification="Because.", by=None)
    assert error.value.message_dict["certainty_override"] == ["“certain” is not a certainty level."]


def test_an_override_keeps_the_computed_grade_beside_it_and_survives_regrading():
    curator = UserFactory()
    claim = linked_claim(StudyFactory(participants=84, risk_of_bias="high"))
    claim_regrade(claim=claim)
    computed = (claim.certainty, claim.direction)

    claim_override_set(
        claim=claim,
        certainty="low",
        justification="The trial's bias is in an outcome this claim does not use.",
        by=curator,
    )
    claim_regrade(claim=claim)

    claim.refresh_from_db()
    assert (claim.certainty, claim.direction) == computed
    assert (claim.effective_certainty, claim.effective_direction) == ("low", "supported")
    assert claim.overridden_by == curator
    assert claim.overridden_at is not None
    assert claim.history.first().history_user == curator


def test_clearing_an_override_brings_back_the_computed_grade():
    curator = UserFactory()
    claim = linked_claim(StudyFactory(participants=500))
    claim_regrade(claim=claim)
    claim_override_set(
        claim=claim, direction="mixed", justification="A newer trial is unlinked yet.", by=curator
    )

    claim_override_clear(claim=claim, by=curator)

    claim.refresh_from_db()
    assert not claim.is_overridden
    assert (claim.effective_certainty, claim.effective_direction) == ("moderate", "supported")
    assert claim.override_justification == ""
    assert claim.history.count() >= 3
