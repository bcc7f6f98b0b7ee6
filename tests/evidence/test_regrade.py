"""`manage.py regrade`: regrades every claim and says what changed."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.factories import ClaimFactory, EvidenceLinkFactory, StudyFactory

pytestmark = pytest.mark.django_db


def regrade(*args) -> str:
    out = StringIO()
    call_command("regrade", *args, stdout=out)
    return out.getvalue()


def test_regrade_prints_what_changed_and_a_second_run_reports_nothing_changed():
    trial = StudyFactory(participants=500)
    EvidenceLinkFactory(claim=ClaimFactory(slug="density"), study=trial)
    ClaimFactory(slug="unlinked")

    first = regrade()
    second = regrade()

    # A claim never graded gets its rationale written, though its certainty stays none.
    assert first.splitlines() == [
        "Regraded 2 claims: 2 changed, 0 unchanged.",
        "  density: none/— → moderate/supported",
        "  unlinked: none/— (rationale updated)",
    ]
    assert second.strip() == "Regraded 2 claims: nothing changed."


def test_regrade_works_on_an_empty_database():
    assert regrade().strip() == "Regraded 0 claims: nothing changed."


def test_regrade_can_be_limited_to_named_claims():
    for slug in ("one", "two"):
        EvidenceLinkFactory(claim=ClaimFactory(slug=slug))
    assert regrade("two").splitlines()[0] == "Regraded 1 claim: 1 changed, 0 unchanged."


def test_regrade_refuses_an_unknown_slug_clearly():
    with pytest.raises(CommandError, match="No claim with slug: nope."):
        regrade("nope")
