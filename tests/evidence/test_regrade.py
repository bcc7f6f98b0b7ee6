"""`manage.py regrade`: regrades the claims whose inputs changed and says what it did."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from evidence.models import Claim
from tests.factories import ClaimFactory, EvidenceLinkFactory, StudyFactory

pytestmark = pytest.mark.django_db


def regrade(*args) -> str:
    out = StringIO()
    call_command("regrade", *args, stdout=out)
    return out.getvalue()


def _without_seconds(lines):
    return [line.rsplit(", in ", 1)[0] for line in lines]


def test_regrade_prints_what_changed_and_a_second_run_reports_nothing_changed():
    trial = StudyFactory(participants=500)
    EvidenceLinkFactory(claim=ClaimFactory(slug="density"), study=trial)
    ClaimFactory(slug="unlinked")

    first = regrade()
    second = regrade()

    # A claim never graded gets its rationale written, though its certainty stays none.
    assert _without_seconds(first.splitlines()) == [
        "Regraded 2 claims: 2 changed, 0 unchanged.",
        "  density: none/— → moderate/supported",
        "  unlinked: none/— (rationale updated)",
        "Checked 2, recomputed 2 (inputs changed), changed 2",
    ]
    assert _without_seconds(second.splitlines()) == [
        "Regraded 2 claims: nothing changed.",
        "Checked 2, recomputed 0 (inputs changed), changed 0",
    ]
    assert second.rstrip().endswith(" s.")


def test_regrade_force_grades_every_claim_again_and_saves_only_what_changed():
    EvidenceLinkFactory(claim=ClaimFactory(slug="density"), study=StudyFactory())
    regrade()
    Claim.objects.filter(slug="density").update(certainty="high")  # behind the services' back
    assert _without_seconds(regrade().splitlines())[-1] == (
        "Checked 1, recomputed 0 (inputs changed), changed 0"
    )
    out = _without_seconds(regrade("--force").splitlines())
    assert out[0] == "Regraded 1 claim: 1 changed, 0 unchanged."
    assert out[-1] == "Checked 1, recomputed 1 (inputs changed or forced), changed 1"


def test_regrade_in_the_background_queues_the_task_which_runs_inline_without_a_broker():
    EvidenceLinkFactory(claim=ClaimFactory(slug="density"), study=StudyFactory())
    assert regrade("--background").strip() == "Queued a regrade of every claim for the task worker."
    assert Claim.objects.get(slug="density").grade_input_hash


def test_regrade_in_the_background_refuses_slugs():
    with pytest.raises(CommandError, match="--background regrades every claim"):
        regrade("--background", "density")


def test_regrade_works_on_an_empty_database():
    assert regrade().splitlines()[0] == "Regraded 0 claims: nothing changed."


def test_regrade_can_be_limited_to_named_claims():
    for slug in ("one", "two"):
        EvidenceLinkFactory(claim=ClaimFactory(slug=slug))
    assert regrade("two").splitlines()[0] == "Regraded 1 claim: 1 changed, 0 unchanged."


def test_regrade_refuses_an_unknown_slug_clearly():
    with pytest.raises(CommandError, match="No claim with slug: nope."):
        regrade("nope")


def test_regrade_keeps_no_sql_text_with_debug_on_but_still_lets_a_test_count_queries(settings):
    # `make regrade` runs with DEBUG on; Django would keep every batch's megabytes of SQL (4.3 GB
    # for a full regrade at a million claims).
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from evidence.services import claims_regrade

    settings.DEBUG = True
    EvidenceLinkFactory(claim=ClaimFactory(slug="density"), study=StudyFactory(participants=500))
    reset_queries()
    claims_regrade(force=True)
    assert len(connection.queries) > 0  # what the command stops
    reset_queries()
    call_command("regrade", "--force", stdout=StringIO())
    assert connection.queries == []
    with CaptureQueriesContext(connection) as captured:
        call_command("regrade", "--force", stdout=StringIO())
    assert len(captured.captured_queries) > 0


def test_regrade_says_when_the_grading_rules_changed_and_recomputes_every_claim(monkeypatch):
    from evidence import services

    EvidenceLinkFactory(claim=ClaimFactory(slug="density"), study=StudyFactory())
    regrade()
    monkeypatch.setattr(services, "GRADING_RULES", services.GRADING_RULES + "-next")
    out = _without_seconds(regrade().splitlines())
    assert out[0].startswith("The grading rules changed since the last full regrade")
    assert out[-1] == "Checked 1, recomputed 1 (inputs changed or forced), changed 0"
    assert _without_seconds(regrade().splitlines())[-1] == (
        "Checked 1, recomputed 0 (inputs changed), changed 0"
    )
