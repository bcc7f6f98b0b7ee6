"""Content-Security-Policy, Permissions-Policy and HSTS on the responses, and pages that keep to
the policy (no inline script or style, nothing from another origin)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "/",
    "/claims/",
    "/studies/",
    "/evidence-map/",
    "/search/?q=collagen",
]


def csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_public_pages_get_a_strict_content_security_policy(client):
    policy = csp(client.get("/"))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "style-src-attr" not in policy
    assert not any("unsafe" in source for sources in policy.values() for source in sources)


def test_the_admin_may_use_style_attributes_but_no_inline_script(client):
    policy = csp(client.get(reverse("admin:login")))
    assert policy["style-src-attr"] == ["'unsafe-inline'"]
    assert policy["script-src"] == ["'self'"]


def test_every_response_says_which_browser_features_are_off(client):
    header = client.get("/")["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in header


def test_hsts_leaves_out_subdomains_and_preload_unless_asked(settings):
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = False
    settings.SECURE_HSTS_PRELOAD = False
    assert Client().get("/", secure=True)["Strict-Transport-Security"] == "max-age=3600"
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    assert (
        Client().get("/", secure=True)["Strict-Transport-Security"]
        == "max-age=3600; includeSubDomains; preload"
    )


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
FOREIGN = re.compile(
    r"""<(?:script|link|img|iframe|source)[^>]+(?:src|href)=["']?(?:https?:)?//""", re.I
)


def policy_breaches(html: str) -> list[str]:
    found = []
    for name, pattern in [
        ("inline <script>", INLINE_SCRIPT),
        ("<style> element", re.compile(r"<style[\s>]", re.I)),
        ("style attribute", re.compile(r"<[^>]+\sstyle\s*=", re.I)),
        ("event handler attribute", EVENT_HANDLER),
        ("javascript: URL", re.compile(r"javascript:", re.I)),
        ("file from another origin", FOREIGN),
    ]:
        found += [f"{name}: {m.group(0)[:80]}" for m in pattern.finditer(html)]
    return found


def test_the_policy_check_finds_what_the_policy_would_block():
    html = '<p style="color:red" onclick="x()"><script>alert(1)</script><img src="https://x.org/a">'
    kinds = {breach.split(":")[0] for breach in policy_breaches(html)}
    assert kinds == {
        "inline <script>",
        "style attribute",
        "event handler attribute",
        "file from another origin",
    }


def test_every_main_public_page_keeps_to_the_policy(seeded, client):
    from evidence.models import Claim, SourceDocument
    from studies.models import Study

    claim = Claim.objects.published().first()
    study = Study.objects.published().first()
    document = SourceDocument.objects.first()
    pages = [*PUBLIC_PAGES, claim.get_absolute_url(), study.get_absolute_url()]
    pages.append(document.get_absolute_url())
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert policy_breaches(response.content.decode()) == [], url
