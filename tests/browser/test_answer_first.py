"""Issue 16 in a real Chromium, at the sizes a reader uses: 1366×900 and 390×844."""

import re

import pytest

from evidence.models import Claim
from public.summary import headline
from studies.models import Study

DESK = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
DENSITY = "improves-hair-density-thickness"
DOCUMENT = "/documents/scalp-microneedling/"

# Every table on the page fits its box: nothing inside a table's scroll box (or the page)
# is wider than the box. Returns the tables that do not.
SIDEWAYS_TABLES = """() => [...document.querySelectorAll('main table')].filter(t => {
  let box = t.parentElement;
  const wide = t.getBoundingClientRect().right > window.innerWidth + 1;
  return wide || (box && box.scrollWidth > box.clientWidth + 1);
}).map(t => (t.className || 'table') + ' ' + t.scrollWidth)"""


@pytest.fixture(params=["desk", "phone"])
def sized(request, browser):
    context = browser.new_context(viewport=DESK if request.param == "desk" else PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    yield page
    context.close()


@pytest.fixture
def small(browser):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _in_first_screen(locator) -> bool:
    return locator.evaluate(
        "el => { const r = el.getBoundingClientRect(); return r.top >= 0 && "
        "r.bottom <= window.innerHeight; }"
    )


def test_the_density_answer_is_in_the_first_screen(site, sized, screenshot):
    sized.goto(f"{site}/")
    if sized.viewport_size["width"] < 600:  # the desktop home is taken by test_public_site
        screenshot(sized, "home-390")
    answer = sized.locator(f"#headline-{DENSITY}")
    assert _in_first_screen(answer), "the density question is answered without scrolling"
    text = answer.inner_text()
    assert "⊕◯◯◯" in text and "Very low certainty — may be supported" in text
    line = headline(Claim.objects.get(slug=DENSITY).grade_detail)
    assert line.effect in text and f"{line.people} people" in text
    assert re.search(r"▲\d+", text) and re.search(r"▼\d+", text)
    assert sized.js_errors == []


def test_no_table_on_any_public_page_scrolls_sideways_on_a_phone(site, small):
    paths = ["/", "/claims/", "/studies/", "/evidence-map/", DOCUMENT, "/search/?q=collagen"]
    paths += [c.get_absolute_url() for c in Claim.objects.published()]
    paths += [s.get_absolute_url() for s in Study.objects.published()]
    found = {}
    for path in paths:
        small.goto(f"{site}{path}")
        wide = small.evaluate(SIDEWAYS_TABLES)
        if wide or small.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"):
            found[path] = wide or "the page"
    assert found == {}


def test_a_map_cell_opens_the_list_of_its_studies(site, sized):
    sized.goto(f"{site}/evidence-map/")
    cells = sized.locator("a.cell-link")
    assert cells.count() > 10
    for index in [0, cells.count() // 2, cells.count() - 1]:
        sized.goto(f"{site}/evidence-map/")
        cell = sized.locator("a.cell-link").nth(index)
        number = int(cell.locator(".cell-count").inner_text())
        cell.click()
        sized.wait_for_url(re.compile(r"/studies/\?claim="))
        count = sized.locator(".result-count").inner_text()
        assert count.startswith(f"{number} stud")
        assert sized.locator("#study-results > li").count() == min(number, 20)


def test_filters_apply_on_change_and_chips_remove_them(site, sized):
    sized.goto(f"{site}/claims/")
    assert not sized.locator("#claim-filters .filter-actions button").is_visible()
    sized.locator("#claim-filters select[name=category]").select_option("blood-flow")
    sized.wait_for_url(re.compile(r"category=blood-flow"))
    assert "q=" not in sized.url, "empty fields stay out of the address"
    chip = sized.locator(".chip a[data-filter=category]")
    assert "Blood flow" in chip.inner_text()
    chip.click()
    sized.wait_for_url(lambda url: "category=" not in url)
    assert sized.locator(".chip").count() == 0
    assert sized.js_errors == []


def test_without_scripting_the_filters_submit_with_their_button(site, browser):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site}/claims/")
    page.locator("#claim-filters select[name=category]").select_option("blood-flow")
    page.locator("#claim-filters .filter-actions button").click()
    page.wait_for_url(re.compile(r"category=blood-flow"))
    context.close()


def test_the_claim_page_leads_with_the_answer_and_folds_the_studies(site, sized):
    sized.goto(f"{site}/claims/{DENSITY}/")
    assert _in_first_screen(sized.locator("#bottom-line h2"))
    assert "Very low certainty" in sized.locator("#bottom-line").inner_text()
    sized.locator(".claim-contents a[href='#evidence']").click()
    assert sized.url.endswith("#evidence")
    groups = sized.locator("details.design-group")
    assert groups.count() >= 3
    first = groups.first
    assert not first.locator("table").is_visible()
    first.locator("summary").click()
    assert first.locator("table").is_visible()
    sized.emulate_media(media="print")
    assert not sized.locator(".claim-contents").is_visible()
    sized.emulate_media(media="screen")


def test_the_annotated_article_is_calm_has_headings_and_a_note_per_passage(site, sized, screenshot):
    sized.goto(f"{site}{DOCUMENT}")
    if sized.viewport_size["width"] < 600:
        screenshot(sized, "article-390")
    shaded = sized.evaluate(
        "[...document.querySelectorAll('.article-text mark')]"
        ".filter(m => getComputedStyle(m).backgroundColor !== 'rgba(0, 0, 0, 0)').length"
    )
    assert shaded == 0, "no passage is shaded"
    headings = sized.locator(".article-text h3.article-heading").all_inner_texts()
    assert "Mechanism of Action" in headings and "Clinical Evidence" in headings
    sizes = sized.evaluate(
        "[...document.querySelectorAll('.note-toggle, .first-mention')].map(b => "
        "{ const r = b.getBoundingClientRect(); return Math.min(r.width, r.height); })"
    )
    assert min(sizes) >= 24, "touch targets are at least 24×24 CSS px"
    toggle = sized.locator(".note-toggle").first
    note_id = toggle.get_attribute("popovertarget")
    toggle.click()
    note = sized.locator(f"#{note_id}")
    assert note.is_visible()
    assert "Claim 1:" in note.inner_text() and "Why:" in note.inner_text()
    sized.keyboard.press("Escape")
    assert not note.is_visible()
    if sized.viewport_size["width"] < 600:
        jump = sized.locator(".jump-to-claims a")
        assert _in_first_screen(jump)
        jump.click()
        assert _in_first_screen(sized.locator("#document-claims-title"))
