"""Regrading in batches: a few queries per batch of claims however large the evidence base, the
same grades as regrading every claim at once, history only for the claims that changed; a full
regrade recomputes only the claims whose inputs' fingerprint changed."""

import pytest

from evidence import services
from evidence.models import Claim
from evidence.services import GRADE_FIELDS, REGRADE_CHANGE_REASON, claims_regrade
from tests.evidence.test_services import (
    CHECKS,
    RULES_READ,
    RULES_STORED,
    _claims_with_links,
    _claims_with_rows,
)

pytestmark = pytest.mark.django_db

# Per batch: claims, links, outcome rows, related claims.
READS_PER_BATCH = 4
# Once per regrade: the linked studies (here all linked from the first batch: a batch reads only
# the studies not read yet); with outcome rows, their results, pooled estimates, inclusion lists
# and benchmarks (read by the first batch that asks, kept).
READS_ONCE = 1
READS_OF_ROWS = 4
SAVEPOINT = 2
# One UPDATE … FROM (VALUES …) of the grades and fingerprints, one INSERT … SELECT of history.
WRITES_PER_BATCH = 2


@pytest.mark.parametrize("batch", [5, 50])
@pytest.mark.parametrize(
    ("make", "rows"), [(_claims_with_links, 0), (_claims_with_rows, READS_OF_ROWS)]
)
def test_a_first_regrade_in_three_batches_takes_the_same_queries_at_any_batch_size(
    batch, make, rows, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(services, "REGRADE_BATCH_SIZE", batch)
    make(3 * batch)
    expected = CHECKS + READS_ONCE + rows + SAVEPOINT + 3 * (READS_PER_BATCH + WRITES_PER_BATCH)
    expected += RULES_STORED
    with django_assert_num_queries(expected):
        summary = claims_regrade()
    assert (summary.checked, summary.recomputed, summary.changed) == (3 * batch,) * 3


@pytest.mark.parametrize("batch", [5, 50])
def test_a_regrade_that_changes_nothing_reads_and_writes_nothing_at_any_batch_size(
    batch, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(services, "REGRADE_BATCH_SIZE", batch)
    monkeypatch.setattr(services, "FINGERPRINT_RANGE", batch)
    _claims_with_rows(3 * batch)
    claims_regrade()
    # The rules' version, the id bounds, the studies' facts, one fingerprint query per range of
    # claims (three here), the temporary table dropped (no claim about the state of the evidence
    # to compare).
    with django_assert_num_queries(RULES_READ + 1 + 1 + 3 + 1 + SAVEPOINT):
        summary = claims_regrade()
    assert (summary.checked, summary.recomputed, summary.changed) == (3 * batch, 0, 0)


@pytest.mark.parametrize("batch", [5, 50])
def test_a_forced_regrade_that_changes_nothing_writes_nothing_at_any_batch_size(
    batch, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(services, "REGRADE_BATCH_SIZE", batch)
    _claims_with_rows(3 * batch)
    claims_regrade()
    history = Claim.history.count()
    expected = CHECKS + READS_ONCE + READS_OF_ROWS + SAVEPOINT + 3 * READS_PER_BATCH
    with django_assert_num_queries(expected + RULES_STORED) as captured:
        summary = claims_regrade(force=True)
    writes = [q["sql"] for q in captured.captured_queries if q["sql"].startswith(("UPDATE", "INS"))]
    assert all("evidence_gradingrules" in sql for sql in writes)  # no claim is written
    assert (summary.checked, summary.recomputed, summary.changed) == (3 * batch, 3 * batch, 0)
    assert Claim.history.count() == history


def _grades():
    return {
        slug: values
        for slug, *values in Claim.objects.values_list("slug", *GRADE_FIELDS).order_by("slug")
    }


def test_the_seed_graded_one_claim_per_batch_gets_the_grades_it_gets_in_one_batch(
    seeded, monkeypatch
):
    graded = _grades()
    history = Claim.history.count()
    Claim.objects.update(certainty="none", direction="", rationale=[], grade_detail={})
    monkeypatch.setattr(services, "REGRADE_BATCH_SIZE", 1)
    summary = claims_regrade(force=True)
    assert summary.changed == summary.checked == len(graded)
    # The claim about the state of the evidence comes last and reads the others' new grades.
    assert [change.slug for change in summary.changes][-1] == "more-clinical-trials-needed"
    assert _grades() == graded
    assert Claim.history.count() == history + len(graded)


def test_only_the_claims_whose_grade_changed_get_a_history_record(seeded):
    claim = Claim.objects.get(slug="improves-hair-density-thickness")
    Claim.objects.filter(pk=claim.pk).update(certainty="high")
    before = Claim.history.count()
    summary = claims_regrade(force=True)
    assert [change.slug for change in summary.changes] == [claim.slug]
    assert Claim.history.count() == before + 1
    record = claim.history.first()
    assert (record.history_type, record.history_change_reason) == ("~", REGRADE_CHANGE_REASON)
    assert record.certainty == Claim.objects.get(pk=claim.pk).certainty != "high"
