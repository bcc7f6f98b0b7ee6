"""The claim page drawn from a stored grade, in a real Chromium: on a 390px phone the Summary of
Findings stacks as cards and nothing makes the page scroll sideways."""

import pytest

from tests import grade_detail as gd

PHONE_390 = {"width": 390, "height": 844}


def _graded_claim():
    from tests.factories import ClaimFactory

    rows = [
        gd.study_row("Trial A 2019", 10.0, 4.0, 16.0, weight=55.0),
        gd.study_row("Trial B 2021", 14.0, 2.0, 26.0, weight=45.0),
    ]
    forest = gd.forest(
        rows,
        pooled={"label": "Pooled (REML)", "estimate": 11.0, "ci_low": 5.0, "ci_high": 17.0},
        pi=[-2.0, 24.0],
    )
    funnel = {
        "points": [
            {"label": "Trial A 2019", "estimate": 10.0, "se": 3.0},
            {"label": "Trial B 2021", "estimate": 14.0, "se": 6.0},
        ],
        "egger_p": 0.3,
        "pooled": 11.0,
    }
    risk = gd.domain("risk_of_bias", levels=-1, reason="Assessors not blinded.", numbers="2 of 2")
    outcomes = [
        gd.outcome(plot=forest, funnel=funnel, domains=[risk]),
        gd.outcome(
            outcome="Global photographic assessment",
            plot=gd.direction([("Trial A 2019", "favours_intervention")]),
            vote={
                "favour_intervention": 1,
                "favour_comparator": 0,
                "no_difference": 0,
                "unknown": 0,
                "p": 1.0,
                "words": "",
            },
        ),
        gd.unmeasured(),
    ]
    return ClaimFactory(grade_detail=gd.grade_detail(outcomes=outcomes))


@pytest.fixture
def phone_390(browser):
    context = browser.new_context(viewport=PHONE_390)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_on_a_390px_phone_the_summary_of_findings_is_cards_and_the_page_never_scrolls_sideways(
    transactional_db, live_server, phone_390, screenshot
):
    claim = _graded_claim()
    phone_390.goto(f"{live_server.url}{claim.get_absolute_url()}")
    screenshot(phone_390, "claim-graded-phone")

    assert phone_390.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    row = phone_390.locator("#sof-row-1")
    assert row.evaluate("el => getComputedStyle(el).display") == "block"
    assert row.bounding_box()["width"] <= PHONE_390["width"]
    assert phone_390.locator("svg.forest-plot").count() == 1
    assert phone_390.locator("svg.funnel-plot").count() == 1
