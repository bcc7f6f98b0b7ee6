import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from evidence.models import Claim
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


def test_regrading_stores_the_grade_its_time_and_a_history_record():
    claim = linked_claim(
        StudyFactory(participants=84, risk_of_bias="high"),
        StudyFactory(participants=84, risk_of_bias="high"),
    )
    assert claim_regrade(claim=claim) is True

    claim.refresh_from_db()
    assert (claim.certainty, claim.direction, claim.sort_strength) == ("low", "supported", "B")
    assert claim.rationale[0] == "Start: high — 2 randomised trials"
    assert "−1 risk of bias: both trials at high risk" in claim.rationale
    assert "−1 imprecision: 168 participants in all, fewer than 400" in claim.rationale
    assert claim.graded_at is not None
    latest = claim.history.first()
    assert latest.certainty == "low"
    assert latest.history_change_reason == REGRADE_CHANGE_REASON


def test_regrading_twice_writes_nothing_the_second_time():
    claim = linked_claim(StudyFactory(), StudyFactory())
    claim_regrade(claim=claim)
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
    assert claim.certainty == "moderate"
    assert claim.graded_at is not None


@pytest.mark.parametrize("status", ["draft", "review", "retracted"])
def test_unpublished_studies_never_count(status):
    study = StudyFactory(status=status, retraction_reason="Data fabricated (test).")
    claim = linked_claim(study)
    claim_regrade(claim=claim)
    claim.refresh_from_db()
    assert claim.certainty == "none"
    assert claim.direction == ""
    assert claim.rationale == [
        "No published study is linked to this claim, so there is nothing to grade.",
        "Not counted: 1 linked study is not published (draft, in review or retracted).",
    ]


def test_a_retracted_trial_beside_published_ones_is_left_out():
    published = [StudyFactory(participants=250), StudyFactory(participants=250)]
    retracted = StudyFactory(status="retracted", retraction_reason="Test retraction.")
    claim = linked_claim(*published)
    EvidenceLinkFactory(claim=claim, study=retracted, direction="contradicts")
    claim_regrade(claim=claim)
    assert (claim.certainty, claim.direction) == ("high", "supported")
    assert any(step.startswith("Not counted: 1 linked study") for step in claim.rationale)


def test_a_claim_without_links_is_graded_none():
    claim = ClaimFactory()
    claim_regrade(claim=claim)
    assert claim.certainty == "none"
    assert claim.sort_strength == ""


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
    assert "−1 risk of bias" not in " ".join(unrelated.rationale)
    named.refresh_from_db()
    assert named.certainty == "none"


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

    assert [str(c) for c in summary.changes] == [f"{claim.slug}: low/supported → none/—"]
    assert claim.certainty == "none"


def test_changed_judgement_flags_regrade_through_the_claim():
    claim = linked_claim(StudyFactory(participants=250), StudyFactory(participants=250))
    claim_regrade(claim=claim)
    assert claim.certainty == "high"
    claim.publication_bias_suspected = True
    claim.save()

    regrade_affected(claims=[claim])

    assert claim.certainty == "moderate"
    assert "−1 publication bias: suspected by the curator" in claim.rationale


def test_regrade_affected_with_nothing_given_does_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        summary = regrade_affected()
    assert summary.checked == 0


def _claims_with_links(n):
    studies = StudyFactory.create_batch(3, participants=150)
    for i in range(n):
        linked_claim(*studies[: 1 + i % 3])


@pytest.mark.parametrize("n", [5, 50])
def test_regrading_everything_after_one_change_takes_the_same_queries_at_any_size(
    n, django_assert_num_queries
):
    _claims_with_links(n)
    claims_regrade()
    Claim.objects.filter(pk=Claim.objects.last().pk).update(publication_bias_suspected=True)
    # Read claims (with a count of unpublished links), read published links with their studies,
    # a savepoint around the writes, one bulk update and one bulk history insert.
    with django_assert_num_queries(6):
        summary = claims_regrade()
    assert (summary.checked, summary.changed) == (n, 1)


@pytest.mark.parametrize("n", [5, 50])
def test_a_regrade_that_changes_nothing_takes_the_same_queries_at_any_size(
    n, django_assert_num_queries
):
    _claims_with_links(n)
    claims_regrade()
    with django_assert_num_queries(4):
        summary = claims_regrade()
    assert (summary.checked, summary.changed) == (n, 0)


@pytest.mark.parametrize("n", [5, 50])
def test_a_first_regrade_of_every_claim_reads_in_two_queries_at_any_size(
    n, django_assert_num_queries
):
    _claims_with_links(n)
    # The history insert is one statement on PostgreSQL; SQLite caps a statement at 999
    # parameters, so Django splits it there into batches (33 claims each today).
    history_fields = [f for f in Claim.history.model._meta.concrete_fields if not f.primary_key]
    batch = connection.ops.bulk_batch_size(history_fields, [None] * n)
    inserts = -(-n // batch)
    with django_assert_num_queries(5 + inserts) as captured:
        summary = claims_regrade()
    selects = [q for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    assert len(selects) == 2
    assert summary.changed == n


def test_the_summary_says_what_changed_from_what_to_what():
    claim = linked_claim(StudyFactory(participants=500), slug="density")
    summary = claims_regrade(claims=Claim.objects.filter(pk=claim.pk))
    assert str(summary) == (
        "Regraded 1 claim: 1 changed, 0 unchanged.\n  density: none/— → moderate/supported"
    )
    assert str(claims_regrade()) == "Regraded 1 claim: nothing changed."


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
