import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_benchmark_pages_reports_every_public_page_on_the_seed(seeded):
    out = io.StringIO()
    call_command("benchmark_pages", runs=1, stdout=out)
    lines = {line.split("  ")[0]: line.split() for line in out.getvalue().splitlines()}
    for page in ["home", "claim", "study", "annotated", "evidence", "search"]:
        assert any(name.startswith(page) for name in lines), f"{page} missing"
    for name, url in [
        ("home", "/"),
        ("annotated article", "/documents/scalp-microneedling/"),
        ("evidence map", "/evidence-map/"),
    ]:
        row = lines[name]
        assert url in row
        assert row[row.index(url) + 1] == "200", f"{name} did not answer 200"
    assert "/search/?q=collagen" in out.getvalue()


def test_benchmark_pages_says_when_nothing_is_published(db):
    out = io.StringIO()
    call_command("benchmark_pages", runs=1, stdout=out)
    assert "(nothing published)" in out.getvalue()
