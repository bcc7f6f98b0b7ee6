"""docs/grading.md walks through every seed claim's grade; it must say what the app computes."""

import pytest

from evidence.management.commands.grading_report import BEGIN, END, replace_walkthrough, report
from evidence.models import Claim
from tests.conftest import REPO


def _published_claims():
    return Claim.objects.published().select_related("category").order_by("category__order", "slug")


def test_the_walkthrough_in_docs_grading_is_what_the_app_computes_for_the_seed(seeded):
    text = (REPO / "docs" / "grading.md").read_text(encoding="utf-8")
    assert replace_walkthrough(text, report(_published_claims())) == text, (
        "docs/grading.md is out of date: run `python manage.py grading_report --write "
        "docs/grading.md` on a freshly seeded database"
    )


def test_the_walkthrough_shows_each_domain_with_its_levels_reason_and_numbers(seeded):
    text = report(_published_claims())
    density = text.split("### Scalp microneedling increases hair density")[1].split("### ")[0]
    assert "| Inconsistency | −1 |" in density
    assert "I² 88%" in density
    assert "SMD 1.32 (95% CI 0.73 to 1.92)" in density


def test_a_file_without_the_markers_is_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        replace_walkthrough(f"no markers, only {BEGIN}", "x")
    assert END in replace_walkthrough(f"a\n{BEGIN}\nold\n{END}\nb", "new")
