"""A full regrade in worker processes (PostgreSQL, `manage.py regrade --workers N`) stores the
same grades, fingerprints and history as one in a single process; inside a transaction (a
write path's, a test's) it stays in one process."""

import pytest
from django.db import connection

from evidence import services
from evidence.models import Claim, ClaimGradeChange
from evidence.services import GRADE_FIELDS, claims_regrade
from tests.evidence.test_services import _claims_with_rows
from tests.factories import ClaimFactory

GRADE = (*GRADE_FIELDS, "grade_input_hash")


def _grades():
    return {slug: rest for slug, *rest in Claim.objects.values_list("slug", *GRADE)}


def _blank():
    Claim.objects.update(
        certainty="none", direction="", rationale=[], grade_detail={}, grade_input_hash=""
    )


def test_a_regrade_inside_a_transaction_grades_in_this_process(db):
    with services._grader(2) as (grader, parallel):
        assert (grader, parallel) == (services._graded_here, False)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="workers only on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_the_seed_regraded_in_worker_processes_gets_the_grades_of_one_process(seeded, monkeypatch):
    # Every batch split among the workers, however small, so the pool grades nearly every claim;
    # the claims with related claims (the one about the state of the evidence among them) are
    # graded in this process, in order.
    monkeypatch.setattr(services, "_WORKER_CHUNK", 1)
    with services._grader(2) as (_, parallel):
        assert parallel
    _blank()
    public_before = ClaimGradeChange.objects.count()
    alone = claims_regrade(force=True, workers=1)
    graded, history = _grades(), Claim.history.count()
    public_history = ClaimGradeChange.objects.count()
    _blank()
    parallel = claims_regrade(force=True, workers=2)
    assert _grades() == graded
    assert (parallel.checked, parallel.recomputed, parallel.changed) == (
        alone.checked,
        alone.recomputed,
        alone.changed,
    )
    assert [str(change) for change in parallel.changes] == [str(c) for c in alone.changes]
    # Every changed grade got its history record, in both runs.
    assert Claim.history.count() == history + parallel.changed
    assert ClaimGradeChange.objects.count() - public_history == public_history - public_before > 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="workers only on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_batches_read_ahead_of_the_writes_get_the_grades_of_one_process(monkeypatch):
    # No claim reads another's grade but one about the state of the evidence: the next batch is
    # read and graded while this one is written, and that claim is graded after all the others.
    monkeypatch.setattr(services, "_WORKER_CHUNK", 1)
    monkeypatch.setattr(services, "REGRADE_BATCH_SIZE", 10)
    _claims_with_rows(45)
    state = ClaimFactory(kind="evidence_state", slug="a-first-slug-graded-last")
    state.related_claims.set(Claim.objects.exclude(pk=state.pk)[:5])
    assert services._only_states_read_grades()
    alone = claims_regrade(workers=1)
    graded, history = _grades(), Claim.history.count()
    _blank()
    parallel = claims_regrade(workers=2)
    assert _grades() == graded
    assert (parallel.checked, parallel.recomputed, parallel.changed) == (46, 46, 46)
    assert [str(change) for change in parallel.changes] == [str(c) for c in alone.changes]
    assert Claim.history.count() == history + 46
