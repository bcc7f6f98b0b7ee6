"""The import_citations and setup_roles commands."""

import io
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.utils import timezone

from studies.models import Study

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parent.parent / "data"


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_citations", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_reports_each_record_and_a_summary():
    out, _ = run(str(DATA / "duplicate_in_file.ris"))
    assert "record 1 (line 1), Faghihi 2021: Microneedling" in out
    assert "created as a draft" in out
    assert "record 3 (line 34)" in out and "skipped, a duplicate of record 1" in out
    assert "3 records; created 2, 0 already present, 1 skipped." in out


def test_a_second_run_finds_everything_already_present():
    run(str(DATA / "seed_three.ris"))
    out, _ = run(str(DATA / "seed_three.ris"))
    assert "created 0, 3 already present" in out
    assert Study.objects.count() == 3


def test_a_malformed_file_exits_non_zero_and_writes_nothing_while_good_files_import():
    with pytest.raises(CommandError, match="1 file\\(s\\) could not be imported"):
        call_command(
            "import_citations",
            str(DATA / "seed_two.json"),
            str(DATA / "truncated.ris"),
            stdout=io.StringIO(),
            stderr=(err := io.StringIO()),
        )
    assert "truncated.ris: not imported, nothing written. Record 2 starting at line 19" in (
        err.getvalue()
    )
    assert set(Study.objects.values_list("pmid", flat=True)) == {"36693328", "35899211"}


def test_dry_run_writes_nothing():
    out, _ = run(str(DATA / "seed_two.xml"), "--dry-run")
    assert "would create 2" in out
    assert Study.objects.count() == 0


def test_the_command_records_who_and_when_in_the_history(curator):
    before = timezone.now()
    run(str(DATA / "seed_two.json"), "--user", "curator")
    records = list(Study.history.all())
    assert len(records) == 2
    assert {r.history_user for r in records} == {curator}
    assert all(before <= r.history_date <= timezone.now() for r in records)


def test_a_published_status_cannot_be_asked_for():
    with pytest.raises(CommandError, match="invalid choice"):
        run(str(DATA / "seed_two.json"), "--status", "published")


def test_an_unknown_user_is_refused():
    with pytest.raises(CommandError, match="no user “nobody”"):
        run(str(DATA / "seed_two.json"), "--user", "nobody")


def test_setup_roles_is_idempotent_and_gives_only_reviewers_publishing():
    call_command("setup_roles", stdout=io.StringIO())
    first = {
        g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()
    }
    call_command("setup_roles", stdout=io.StringIO())
    again = {
        g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()
    }
    assert first == again
    assert Group.objects.count() == 2
    assert "change_study" in first["Curator"]
    assert not {"publish_study", "delete_study", "publish_claim"} & first["Curator"]
    assert {"publish_study", "retract_study", "publish_claim", "delete_study"} <= first["Reviewer"]
