"""The curator's day in a real browser: import, finish, submit, review, publish, with the
buttons and the work queue only (no changelist action); and the admin at a laptop's width."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.test import Client

from studies.models import Study, StudyStatus

expect = pytest.importorskip("playwright.sync_api").expect
DATA = Path(__file__).resolve().parent.parent / "data"
LAPTOP = {"width": 1366, "height": 900}


def signed_in(browser, base_url: str, user, viewport=LAPTOP):
    """A browser context signed in as `user` (the session cookie of a test client's login)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=viewport)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def staff(username: str, group: str):
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def people(transactional_db, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("setup_roles", stdout=io.StringIO())
    return staff("carla", "Curator"), staff("rui", "Reviewer")


def test_a_curator_goes_from_import_to_submitted_and_a_reviewer_publishes_from_the_queue(
    browser, live_server, people, screenshot
):
    curator, reviewer = people
    base = live_server.url
    context, page = signed_in(browser, base, curator)

    # Import: a dry run first, then "Import these 3" without choosing the file again.
    page.goto(f"{base}/admin/studies/study/import/")
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("No file was chosen").first).to_be_visible()
    page.set_input_files("input[name=files]", str(DATA / "seed_three.ris"))
    page.check("input[name=dry_run]")
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("would create 3")).to_be_visible()
    page.get_by_role("button", name="Import these 3").click()
    page.wait_for_selector("text=created as a draft")
    assert Study.objects.filter(status=StudyStatus.DRAFT, design="").count() == 3
    screenshot(page, "admin-import-confirmed")

    # The work queue has them under "Imports waiting for a design".
    page.goto(f"{base}/admin/")
    page.get_by_role("link", name="My work queue").click()
    design = page.locator("#queue-design")
    assert "(3)" in design.locator("h2").inner_text()
    screenshot(page, "admin-work-queue")
    design.locator("li a").first.click()

    # Finish the study and submit it with the button on its page.
    page.select_option("select[name=design]", "rct")
    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_selector("text=was changed successfully")
    page.locator("#step-submit").click()
    expect(page.get_by_text("Submitted for review").first).to_be_visible()
    assert "In review" in page.locator(".workflow-status").inner_text()
    assert page.locator("#step-publish").count() == 0  # a curator cannot publish
    submitted = Study.objects.get(status=StudyStatus.REVIEW)
    screenshot(page, "admin-study-submitted")
    context.close()

    # The reviewer finds it in their queue and publishes it there and then.
    context, page = signed_in(browser, base, reviewer)
    page.goto(f"{base}/admin/queue/")
    waiting = page.locator("#queue-review")
    assert "(1)" in waiting.locator("h2").inner_text()
    waiting.locator("li a").first.click()
    page.locator("#step-publish").click()
    expect(page.get_by_text("Published:").first).to_be_visible()
    submitted.refresh_from_db()
    assert (submitted.status, submitted.published_by) == (StudyStatus.PUBLISHED, reviewer)
    screenshot(page, "admin-study-published")
    context.close()


def overflow(page) -> dict:
    return page.evaluate(
        """() => { document.querySelectorAll('details').forEach(d => { d.open = true; });
        return {
            page: document.documentElement.scrollWidth,
            viewport: window.innerWidth,
            widest: Math.max(0, ...[...document.querySelectorAll('#content *')]
                .filter(e => e.offsetParent !== null)
                .map(e => Math.round(e.getBoundingClientRect().right))),
            scrolled: Math.max(0, ...[...document.querySelectorAll('#content *')]
                .filter(e => getComputedStyle(e).overflowX === 'auto')
                .map(e => e.scrollWidth - e.clientWidth)),
            cause: [...document.querySelectorAll('#content *')]
                .filter(e => e.offsetParent !== null && e.getBoundingClientRect().right > 1340)
                .slice(0, 3).map(e => e.tagName + '.' + e.className + '#' + e.id),
        }; }"""
    )


def test_at_1366px_the_evidence_links_list_and_the_study_form_fit_the_screen(
    browser, site, screenshot
):
    from tests.factories import UserFactory

    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    # The studies with the most rows hanging off them: the longest and widest forms.
    busiest = Study.objects.annotate(
        n=Count("evidence_links", distinct=True)
        + Count("results", distinct=True)
        + Count("outcomes", distinct=True)
    ).order_by("-n")
    study, review = busiest[0], busiest.filter(design__startswith="systematic_review")[0]
    context, page = signed_in(browser, site, admin_user)
    found = {}
    for name, path in (
        ("evidence links", "/admin/evidence/evidencelink/"),
        ("study form", f"/admin/studies/study/{study.pk}/change/"),
        ("review form", f"/admin/studies/study/{review.pk}/change/"),
        ("study add form", "/admin/studies/study/add/"),
        ("claim form", "/admin/evidence/claim/1/change/"),
        ("claims", "/admin/evidence/claim/"),
        ("studies", "/admin/studies/study/"),
    ):
        page.goto(site + path)
        found[name] = overflow(page)
        screenshot(page, f"admin-1366-{name.replace(' ', '-')}")
    context.close()
    print(found)  # noqa: T201 (the measured widths, in the test's output)
    for name, width in found.items():
        assert width["page"] <= width["viewport"], f"{name} scrolls sideways: {width}"
        assert width["widest"] <= width["viewport"], f"{name} is wider than the screen: {width}"
        assert width["scrolled"] == 0, f"{name} has a box that scrolls sideways: {width}"
