"""The public "Check an article" page: paste a text, get it back marked by the claims' grades."""

import time

import pytest
from django.core.cache import cache
from django.urls import reverse

from evidence.matching_index import clear_cache
from evidence.models import PublicationStatus
from tests.factories import ClaimFactory, ClaimMentionFactory, SourceDocumentFactory

pytestmark = pytest.mark.django_db
URL = reverse("evidence:check_article")


@pytest.fixture(autouse=True)
def fresh_caches():
    cache.clear()
    clear_cache()
    yield
    cache.clear()
    clear_cache()


@pytest.fixture
def claims():
    """Three published claims and a draft, with a published document quoting two of them."""
    document = SourceDocumentFactory(
        text="Microneedling improves blood circulation in the scalp. It is non-invasive."
    )
    flow = ClaimFactory(
        slug="increases-scalp-blood-flow",
        statement="Scalp microneedling increases blood circulation in the scalp.",
        certainty="low",
        plain_summary="Low-certainty evidence that it increases scalp blood flow.",
    )
    invasive = ClaimFactory(
        slug="is-non-invasive", statement="Scalp microneedling is a non-invasive procedure."
    )
    density = ClaimFactory(
        slug="improves-hair-density",
        statement="Scalp microneedling increases hair density and hair thickness.",
        certainty="moderate",
    )
    ClaimFactory(
        slug="draft-claim",
        statement="Microneedling cures baldness in every patient.",
        status=PublicationStatus.DRAFT,
    )
    ClaimMentionFactory(
        document=document,
        claim=flow,
        quote="Microneedling improves blood circulation in the scalp.",
    )
    ClaimMentionFactory(document=document, claim=invasive, quote="It is non-invasive.")
    return {"flow": flow, "invasive": invasive, "density": density}


ARTICLE = (
    "Derma rollers: what the science says\n"
    "Regular rolling improves circulation in the scalp, clinics say. "
    "Some studies show a modest improvement in hair density, others none. "
    "Microneedling is a minimally invasive procedure. "
    "It also blocks DHT and wakes dormant stem cells in the follicles. "
    "Clean the roller with alcohol after use; a good one costs $20."
)


def check(client, text, **extra):
    return client.post(URL, {"text": text}, **extra)


def test_anyone_can_open_the_page_and_it_is_in_the_navigation(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert b'aria-current="page">Check an article' in response.content
    assert b"csrfmiddlewaretoken" in response.content


def test_a_pasted_article_comes_back_with_each_known_claim_marked_by_its_grade(client, claims):
    response = check(client, ARTICLE)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-claim="increases-scalp-blood-flow"' in html
    assert 'class="certainty-low"' in html
    # A card per claim: its statement, bottom line and a link to its page.
    assert claims["flow"].get_absolute_url() in html
    assert "Low-certainty evidence that it increases scalp blood flow." in html
    cards = response.context["cards"]
    assert [c.claim.slug for c in cards] == [
        "increases-scalp-blood-flow",
        "improves-hair-density",
        "is-non-invasive",
    ]


def test_denials_and_qualifications_are_shown_as_such(client, claims):
    response = check(client, ARTICLE)
    cards = {c.claim.slug: c for c in response.context["cards"]}
    assert cards["is-non-invasive"].stances == {"denies": 1}
    assert cards["improves-hair-density"].stances == {"qualifies": 1}
    html = response.content.decode()
    assert "denies this claim" in html and "qualifies this claim" in html
    assert "<strong>Denied:</strong>" in html and "minimally invasive" in html


def test_sentences_with_claims_the_base_has_not_graded_are_listed(client, claims):
    response = check(client, ARTICLE)
    candidates = [c.sentence.text for c in response.context["candidates"]]
    assert candidates == ["It also blocks DHT and wakes dormant stem cells in the follicles."]
    # The cleaning and price sentence is neither a match nor a candidate.
    assert "costs" not in " ".join(candidates)


def test_draft_claims_are_never_matched_or_shown(client, claims):
    response = check(client, "Microneedling cures baldness in every patient, the clinic says.")
    assert response.context["cards"] == []
    assert b"draft-claim" not in response.content


def test_the_text_is_escaped_everywhere(client, claims):
    hostile = (
        '<script>alert("x")</script> Microneedling improves blood circulation in the scalp.'
        '\x00\x07 <img src=x onerror=alert(1)> It blocks DHT in the follicles and scalp, "yes".'
    )
    response = check(client, hostile)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html
    assert "\x00" not in html and "\x07" not in html


def test_an_empty_text_is_refused_with_a_message(client, claims):
    response = check(client, "   \n ")
    assert response.status_code == 400
    assert b"Paste the text of an article" in response.content


def test_a_text_over_the_limit_is_refused_with_a_message(client, claims, settings):
    settings.CHECK_ARTICLE_MAX_CHARS = 1000
    response = check(client, "Microneedling improves circulation. " * 100)
    assert response.status_code == 413
    assert b"the most we check at once is 1,000" in response.content


def test_too_many_checks_from_one_client_get_a_429_page(client, claims, settings):
    settings.CHECK_ARTICLE_RATE = (2, 60)
    assert check(client, ARTICLE).status_code == 200
    assert check(client, ARTICLE).status_code == 200
    response = check(client, ARTICLE)
    assert response.status_code == 429
    assert b"You have checked 2 texts in the last 60 seconds" in response.content
    wait = int(response["Retry-After"])
    assert 0 < wait <= 60
    assert f"try again in {wait} seconds".encode() in response.content
    # Another client is not held back.
    assert check(client, ARTICLE, REMOTE_ADDR="10.0.0.9").status_code == 200


def test_the_post_needs_the_csrf_token():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(URL, {"text": ARTICLE}).status_code == 403


def test_nothing_is_stored(client, claims):
    from evidence.models import ClaimMention, SourceDocument

    before = (SourceDocument.objects.count(), ClaimMention.objects.count())
    check(client, ARTICLE)
    assert (SourceDocument.objects.count(), ClaimMention.objects.count()) == before


def test_queries_stay_fixed_however_many_claims_the_text_makes(
    client, claims, django_assert_max_num_queries
):
    check(client, ARTICLE)  # builds the index
    long_text = "\n".join([ARTICLE] * 40)
    # The index fingerprint (2) and the matched claims with their categories (1), inside the
    # request's savepoint (2).
    with django_assert_max_num_queries(5):
        response = check(client, long_text)
    assert response.status_code == 200


def test_the_seed_article_is_checked_in_under_two_seconds(seeded, client):
    from evidence.models import SourceDocument

    text = SourceDocument.objects.get(slug="scalp-microneedling").text
    check(client, "warm the index up")
    started = time.perf_counter()
    response = check(client, text)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert len(response.context["cards"]) >= 10
    assert elapsed < 2 * 3  # 2 s on an idle machine; the test box is shared
