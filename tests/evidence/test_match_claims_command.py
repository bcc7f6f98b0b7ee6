"""`manage.py match_claims FILE` and `manage.py match_claims_benchmark`."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from evidence.matching_index import clear_cache
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_index():
    clear_cache()
    yield
    clear_cache()


def run(*args) -> str:
    out = io.StringIO()
    call_command("match_claims", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def article(tmp_path):
    ClaimFactory(
        slug="increases-scalp-blood-flow",
        statement="Scalp microneedling increases blood circulation in the scalp.",
    )
    ClaimFactory(
        slug="is-non-invasive", statement="Scalp microneedling is a non-invasive procedure."
    )
    path = tmp_path / "article.txt"
    path.write_text(
        "Microneedling increases blood flow in the scalp, dermatologists say.\r\n"
        "Microneedling is a minimally invasive procedure.\n"
        "A roller costs $20.\n",
        encoding="utf-8",
    )
    return path


def test_json_is_a_list_of_objects_with_exactly_the_six_keys(article):
    rows = json.loads(run(str(article)))
    assert [r["claim"] for r in rows] == ["increases-scalp-blood-flow", "is-non-invasive"]
    assert all(set(r) == {"start", "end", "sentence", "claim", "stance", "score"} for r in rows)
    assert rows[1]["stance"] == "denies"
    # Offsets count characters of the text as stored (line endings LF).
    text = article.read_text(encoding="utf-8").replace("\r\n", "\n")
    for row in rows:
        assert text[row["start"] : row["end"]] in row["sentence"]
        assert 0 < row["score"] <= 1


def test_min_score_leaves_out_weaker_matches(article):
    assert json.loads(run(str(article), "--min-score", "1")) == []


def test_text_format_prints_one_line_per_match(article):
    lines = run(str(article), "--format", "text").splitlines()
    assert lines[0].split("\t")[1:3] == ["increases-scalp-blood-flow", "asserts"]


def test_drafts_are_not_matched(article):
    ClaimFactory(slug="draft", statement="A roller costs twenty dollars.", status="draft")
    assert "draft" not in {r["claim"] for r in json.loads(run(str(article)))}


def test_an_unreadable_file_and_a_bad_score_are_clear_errors(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run(str(tmp_path / "missing.txt"))
    with pytest.raises(CommandError, match="between 0 and 1"):
        run(str(tmp_path / "missing.txt"), "--min-score", "3")


def test_a_database_without_the_claims_table_is_a_clear_error_not_a_traceback(article):
    # A fresh checkout before `make run`: the tables do not exist yet. (The rename is undone
    # with the test's transaction.)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE evidence_claim RENAME TO evidence_claim_elsewhere")
    with pytest.raises(CommandError, match="make run"):
        run(str(article))


def test_an_empty_file_gives_an_empty_list(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("", encoding="utf-8")
    assert json.loads(run(str(path))) == []


def test_the_benchmark_prints_the_development_set_figures():
    out = io.StringIO()
    call_command("match_claims_benchmark", "--no-speed", stdout=out)
    text = out.getvalue()
    assert "precision" in text and "F1" in text
    assert "written denials and qualifications right: 6/6" in text
