"""Real-browser tests: Playwright driving Chromium from Debian's packages against a live server.

No browser is ever downloaded. When Chromium is not on the machine (CHROMIUM_PATH, default
/usr/bin/chromium) or Playwright cannot start it, every test here skips and says why.
Set SCREENSHOT_DIR (`make screenshots` does: docs/screenshots/) to save full-page screenshots.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}

# Playwright's sync API runs an event loop in this thread; the tests' own ORM calls (loading
# the seed) are still plain synchronous code, which Django would otherwise refuse here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(
            f"no Chromium at {CHROMIUM}: install Debian's package (apt-get install chromium) "
            "or set CHROMIUM_PATH"
        )
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:  # pragma: no cover - playwright is pinned in requirements.txt
        pytest.skip("playwright is not installed")
    try:
        manager = sync_playwright().start()
    except Error as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"Playwright could not start: {exc}")
    try:
        launched = manager.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
    except Error as exc:  # pragma: no cover - depends on the machine
        manager.stop()
        pytest.skip(f"Chromium at {CHROMIUM} would not start: {exc}")
    yield launched
    launched.close()
    manager.stop()


@pytest.fixture
def site(transactional_db, live_server):
    """The live server over the whole seed evidence base, committed so its thread sees it."""
    from evidence.seed import seed_load

    seed_load()
    return live_server.url


def _page(browser, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    return context, page


@pytest.fixture
def page(browser):
    context, page = _page(browser, DESKTOP)
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    context, page = _page(browser, PHONE)
    yield page
    context.close()


@pytest.fixture
def screenshot():
    """screenshot(page, "claims") saves docs/screenshots/claims.png when SCREENSHOT_DIR is set:
    what the screen shows (the first screen is what a reader sees first), or one element."""
    folder = os.environ.get("SCREENSHOT_DIR")

    def take(page, name: str, element=None) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            (element or page).screenshot(path=str(Path(folder) / f"{name}.png"))

    return take
