"""A reader asks the site search a question, in a real Chromium, on a desk and on a phone."""

import re

import pytest

from studies.models import Study

DENSITY = "/claims/improves-hair-density-thickness/"


@pytest.mark.parametrize("device", ["page", "phone"])
def test_a_readers_question_finds_the_density_claim_first(site, request, device, screenshot):
    page = request.getfixturevalue(device)
    page.goto(f"{site}/")
    box = page.get_by_role("searchbox", name=re.compile("Search", re.I)).first
    box.fill("Does microneedling increase hair density?")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))
    screenshot(page, f"search-question-{device}")

    first = page.locator("#search-results li.result").first
    assert first.locator("a.result-link").first.get_attribute("href") == DENSITY
    assert first.locator("mark").count() >= 2
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert page.js_errors == []


def test_a_doi_pasted_as_a_link_finds_its_study(site, page):
    study = Study.objects.get(citation_key="dhurat2013")
    page.goto(f"{site}/search/?q=https://doi.org/{study.doi.upper()}")

    first = page.locator("#search-results li.result").first
    assert first.locator("a.result-link").first.get_attribute("href") == study.get_absolute_url()
