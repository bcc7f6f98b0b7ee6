"""Accessibility, checked by axe-core (the engine behind Lighthouse's audit) in Chromium.

Every main page, on a desktop and on a phone, must have no WCAG 2.1 A/AA violations and none of
axe's best-practice ones: labels, landmarks, contrast, headings, names for links and images.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

RULES = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    }
}
PAGES = [
    "/",
    "/claims/",
    "/claims/?certainty=bogus&page=99",
    "/claims/improves-hair-density-thickness/",
    "/documents/scalp-microneedling/",
    "/evidence-map/",
    "/search/?q=colagen",
    "/studies/",
]


def _violations(page) -> list[str]:
    results = Axe().run(page, options=RULES)
    return [
        f"{v['id']} ({v['impact']}): {len(v['nodes'])}× e.g. {v['nodes'][0]['target']}"
        for v in results.response["violations"]
    ]


@pytest.mark.parametrize("viewport", ["page", "phone"])
def test_main_pages_have_no_accessibility_violations(site, request, viewport):
    browser_page = request.getfixturevalue(viewport)
    from studies.models import Study

    study = Study.objects.published().order_by("pk").first()
    found = {}
    for path in [*PAGES, study.get_absolute_url()]:
        browser_page.goto(f"{site}{path}")
        if problems := _violations(browser_page):
            found[path] = problems
    assert found == {}
