"""The JSON API: the pages' filters, cursor pages, published rows only, conditional GET, rate
limits, the OpenAPI schema and its documentation page, and flat query counts."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from evidence.models import Claim, PublicationStatus, SourceDocument
from public.filters import ClaimFilter, StudyFilter
from studies.models import Study, StudyStatus
from tests.factories import (
    ClaimCategoryFactory,
    ClaimFactory,
    ClaimMentionFactory,
    EvidenceLinkFactory,
    SourceDocumentFactory,
    StudyFactory,
)

pytestmark = pytest.mark.django_db


def _all_pages(client, url, params=None):
    """Every row of a listing, following the cursor's `next` links."""
    rows, response = [], client.get(url, params or {})
    while True:
        assert response.status_code == 200, response.content[:500]
        body = response.json()
        rows += body["results"]
        if not body["next"]:
            return rows
        response = client.get(body["next"])


FILTERS = [
    {},
    {"certainty": "low"},
    {"certainty": "very_low"},
    {"direction": "supported"},
    {"design": "rct"},
    {"category": "density-thickness"},
    {"q": "hair density"},
    {"condition": "androgenetic alopecia"},
]


@pytest.mark.parametrize("params", FILTERS)
def test_the_claims_api_filters_exactly_as_the_claim_list_does(seeded, client, params):
    page = ClaimFilter(params, queryset=Claim.objects.published().for_list())
    rows = _all_pages(client, reverse("api:claim-list"), {**params, "page_size": 3})

    assert sorted(r["slug"] for r in rows) == sorted(c.slug for c in page.qs)


STUDY_FILTERS = [
    {},
    {"design": "rct"},
    {"year_min": 2015, "year_max": 2020},
    {"participants_min": 50},
    {"risk_of_bias": "high"},
    {"category": "density-thickness"},
    {"q": "microneedling"},
]


@pytest.mark.parametrize("params", STUDY_FILTERS)
def test_the_studies_api_filters_exactly_as_the_study_list_does(seeded, client, params):
    page = StudyFilter(params, queryset=Study.objects.published())
    rows = _all_pages(client, reverse("api:study-list"), {**params, "page_size": 7})

    assert sorted(r["id"] for r in rows) == sorted(s.pk for s in page.qs)


def test_a_claim_carries_its_grade_bottom_line_and_outcome_rows(seeded, client):
    claim = Claim.objects.get(slug="improves-hair-density-thickness")
    body = client.get(reverse("api:claim-detail", kwargs={"slug": claim.slug})).json()

    assert body["certainty"] == claim.effective_certainty
    assert body["direction"] == claim.effective_direction
    assert body["kind"] == claim.kind
    assert body["sort_strength"] == claim.sort_strength
    assert body["bottom_line"] == claim.stored_bottom_line != ""
    assert body["outcomes"], "the graded rows"
    assert {d["domain"] for d in body["outcomes"][0]["domains"]} >= {"risk_of_bias", "imprecision"}
    pooled = [row for row in body["outcomes"] if row["effect"]]
    assert pooled and pooled[0]["effect"]["estimate"] is not None
    assert body["links"]["fhir"].endswith(f"/fhir/Evidence/{claim.pk}")


def test_a_filter_value_the_page_would_refuse_is_a_400_not_an_error(client):
    response = client.get(reverse("api:study-list"), {"year_min": "nineteen"})
    assert response.status_code == 400
    assert "year_min" in response.json()


def test_drafts_and_records_in_review_are_never_listed_nor_served(client):
    published = ClaimFactory()
    hidden = [
        ClaimFactory(status=PublicationStatus.DRAFT),
        ClaimFactory(status=PublicationStatus.REVIEW),
    ]
    study = StudyFactory()
    draft_study = StudyFactory(status=StudyStatus.DRAFT)
    retracted = StudyFactory(status=StudyStatus.RETRACTED, retraction_reason="Fabricated.")
    EvidenceLinkFactory(claim=published, study=draft_study)
    EvidenceLinkFactory(claim=hidden[0], study=study)
    draft_document = SourceDocumentFactory(status=PublicationStatus.DRAFT)
    ClaimMentionFactory(claim=hidden[0], document=SourceDocumentFactory())

    claims = _all_pages(client, reverse("api:claim-list"))
    studies = _all_pages(client, reverse("api:study-list"))
    links = _all_pages(client, reverse("api:evidencelink-list"))
    documents = _all_pages(client, reverse("api:document-list"))

    assert [c["slug"] for c in claims] == [published.slug]
    assert [s["id"] for s in studies] == [study.pk]
    assert links == []
    assert all(d["mentions"] == [] for d in documents)
    assert draft_document.slug not in [d["slug"] for d in documents]
    for url in [
        *(reverse("api:claim-detail", kwargs={"slug": c.slug}) for c in hidden),
        reverse("api:study-detail", kwargs={"pk": draft_study.pk}),
        reverse("api:study-detail", kwargs={"pk": retracted.pk}),
        reverse("api:document-detail", kwargs={"slug": draft_document.slug}),
    ]:
        assert client.get(url).status_code == 404, url


def test_pages_are_cursors_that_walk_every_row_once(client):
    claims = ClaimFactory.create_batch(7)
    first = client.get(reverse("api:claim-list"), {"page_size": 3}).json()

    assert "cursor=" in first["next"] and first["previous"] is None
    assert len(_all_pages(client, reverse("api:claim-list"), {"page_size": 3})) == len(claims)


def test_an_unchanged_response_is_a_304_by_etag_and_by_date(client):
    ClaimFactory()
    url = reverse("api:claim-list")
    first = client.get(url)
    etag, modified = first["ETag"], first["Last-Modified"]

    assert client.get(url, headers={"if-none-match": etag}).status_code == 304
    assert client.get(url, headers={"if-modified-since": modified}).status_code == 304
    assert client.get(url, headers={"if-none-match": '"other"'}).status_code == 200


def test_a_change_to_a_published_record_changes_the_etag(client):
    claim = ClaimFactory()
    url = reverse("api:claim-detail", kwargs={"slug": claim.slug})
    etag = client.get(url)["ETag"]
    Claim.objects.filter(pk=claim.pk).update(statement="Reworded.")

    response = client.get(url, headers={"if-none-match": etag})
    assert response.status_code == 200
    assert response.json()["statement"] == "Reworded."


def test_too_many_requests_get_a_429_that_says_when_to_come_back(client, settings):
    settings.API_THROTTLE_RATE = "3/minute"
    cache.clear()
    url = reverse("api:category-list")
    codes = [client.get(url).status_code for _ in range(4)]
    response = client.get(url)
    fhir = client.get(reverse("open:fhir_citation", kwargs={"pk": 1}))
    cache.clear()

    assert codes == [200, 200, 200, 429]
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Try again in" in response.json()["detail"]
    assert fhir.status_code == 429, "the FHIR endpoints count against the same limit"


def test_the_schema_describes_every_endpoint_and_the_pages_filters(client):
    schema = client.get(reverse("api:schema"), {"format": "json"}).json()

    assert schema["openapi"].startswith("3.")
    assert {"/api/claims/", "/api/studies/", "/api/documents/", "/api/categories/"} <= set(
        schema["paths"]
    )
    claim_params = {p["name"] for p in schema["paths"]["/api/claims/"]["get"]["parameters"]}
    study_params = {p["name"] for p in schema["paths"]["/api/studies/"]["get"]["parameters"]}
    assert {"category", "certainty", "direction", "design", "condition", "q", "cursor"} <= (
        claim_params
    )
    assert {"year_min", "year_max", "participants_min", "risk_of_bias"} <= study_params
    assert "sort" not in claim_params, "a cursor pages in one fixed order"


def test_the_documentation_page_is_drawn_on_the_server_with_no_outside_assets(client):
    response = client.get(reverse("api:docs"))
    page = response.content.decode()

    assert response.status_code == 200
    assert "GET /api/claims/" in page and "year_min" in page
    assert "cdn" not in page.lower() and "<script" not in page


@pytest.mark.parametrize(
    ("url", "api_url"),
    [
        ("/claims/?certainty=low", "/api/claims/?certainty=low"),
        ("/studies/?design=rct", "/api/studies/?design=rct"),
    ],
)
def test_every_list_page_links_to_its_api_twin_with_its_filters(seeded, client, url, api_url):
    page = client.get(url).content.decode()
    assert f'<link rel="alternate" type="application/json" href="{api_url}">' in page
    assert f'href="{api_url}" type="application/json">JSON</a>' in page


def test_every_record_page_links_to_its_api_twin(seeded, client):
    claim = Claim.objects.published().first()
    study = Study.objects.published().first()
    pages = {
        claim.get_absolute_url(): reverse("api:claim-detail", kwargs={"slug": claim.slug}),
        study.get_absolute_url(): reverse("api:study-detail", kwargs={"pk": study.pk}),
        "/documents/scalp-microneedling/": reverse(
            "api:document-detail", kwargs={"slug": "scalp-microneedling"}
        ),
    }
    for url, api_url in pages.items():
        page = client.get(url).content.decode()
        assert f'rel="alternate" type="application/json" href="{api_url}"' in page, url
        assert f'href="{api_url}" type="application/json">JSON</a>' in page, url


# --- Query counts: pinned, and the same for 5 rows as for 50 ---


def _claims(n):
    study = StudyFactory()
    document = SourceDocumentFactory()
    for _ in range(n):
        claim = ClaimFactory()
        EvidenceLinkFactory(claim=claim, study=study)
        ClaimMentionFactory(claim=claim, document=document)


def _studies(n):
    claim = ClaimFactory()
    for _ in range(n):
        EvidenceLinkFactory(claim=claim, study=StudyFactory())


def _documents(n):
    claim = ClaimFactory()
    for _ in range(n):
        ClaimMentionFactory(claim=claim, document=SourceDocumentFactory())


def _categories(n):
    ClaimCategoryFactory.create_batch(n)


def _links(n):
    claim = ClaimFactory()
    for _ in range(n):
        EvidenceLinkFactory(claim=claim, study=StudyFactory())


# The reads: the listing (counts as subqueries), its prefetch where it has one (a study's
# published claims, a document's public mentions); the Last-Modified comes from the publish
# version (no query). Plus the request's savepoint and its release (ATOMIC_REQUESTS).
SAVEPOINT = 2
PINNED = {
    "api:claim-list": (_claims, 1),
    "api:study-list": (_studies, 2),
    "api:document-list": (_documents, 2),
    "api:category-list": (_categories, 1),
    "api:evidencelink-list": (_links, 1),
}


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize("name", list(PINNED))
def test_each_api_listing_takes_the_same_pinned_queries_at_5_and_50_rows(
    client, django_assert_num_queries, name, rows
):
    make, reads = PINNED[name]
    make(rows)
    with django_assert_num_queries(reads + SAVEPOINT):
        response = client.get(reverse(name), {"page_size": 100})
    assert response.status_code == 200
    assert len(response.json()["results"]) >= rows


def test_an_unknown_address_under_the_api_is_a_json_404(client):
    response = client.get("/api/categories/not%20a%20slug/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert client.get("/api/claims").status_code == 301, "a missing slash is still added"


def _document_with(n):
    document = SourceDocumentFactory()
    for _ in range(n):
        ClaimMentionFactory(claim=ClaimFactory(), document=document)
    return reverse("api:document-detail", kwargs={"slug": document.slug})


def _study_with(n):
    study = StudyFactory()
    for _ in range(n):
        EvidenceLinkFactory(claim=ClaimFactory(), study=study)
    return reverse("api:study-detail", kwargs={"pk": study.pk})


# The record and its prefetch; the savepoint and its release.
DETAILS = {"document": (_document_with, 2), "study": (_study_with, 2)}


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize("name", list(DETAILS))
def test_each_api_record_takes_the_same_pinned_queries_at_5_and_50_rows(
    client, django_assert_num_queries, name, rows
):
    make, reads = DETAILS[name]
    url = make(rows)
    with django_assert_num_queries(reads + SAVEPOINT):
        assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_a_study_in_the_api_carries_its_abstract_indexing_and_structured_names(client):
    study = StudyFactory(
        authors=["Jan van der Berg"],
        abstract="METHODS: Twelve weeks of needling.",
        keywords=["dermoscopy"],
        mesh_terms=["Alopecia"],
        registry_ids=["NCT01234567"],
    )

    body = client.get(reverse("api:study-detail", kwargs={"pk": study.pk})).json()

    assert body["abstract"] == "METHODS: Twelve weeks of needling."
    assert (body["keywords"], body["mesh_terms"], body["registry_ids"]) == (
        ["dermoscopy"],
        ["Alopecia"],
        ["NCT01234567"],
    )
    assert body["author_names"][0]["family"] == "Berg"
    assert body["author_names"][0]["non-dropping-particle"] == "van der"


def test_a_route_resolved_once_per_response_writes_what_reverse_writes(rf, settings):
    from django.urls import NoReverseMatch
    from rest_framework.reverse import reverse as drf_reverse

    from api.serializers import ClaimSerializer, _route

    settings.ALLOWED_HOSTS = ["a.example"]
    serializer = ClaimSerializer(context={"request": rf.get("/api/claims/", HTTP_HOST="a.example")})
    request = serializer.context["request"]
    cases = [
        ("api:claim-detail", "slug", "some-claim_2"),
        ("open:fhir_evidence", "pk", 12345),
        ("open:badge", "slug", "x"),
        ("api:study-detail", "pk", "007"),
    ]
    for name, kwarg, value in cases:
        expected = drf_reverse(name, kwargs={kwarg: value}, request=request)
        assert _route(serializer, name, kwarg, value) == expected
        assert _route(serializer, name, kwarg, value) == expected, "the second, from the template"
    assert expected.startswith("http://a.example/api/studies/007/")
    # A value reverse would refuse is refused the same way, not written into the template.
    for name, kwarg, value in [
        ("open:fhir_evidence", "pk", "abc"),
        ("api:claim-detail", "slug", "a b"),
    ]:
        with pytest.raises(NoReverseMatch):
            _route(serializer, name, kwarg, value)


def test_a_mention_written_directly_is_what_the_serializer_fields_give(rf):
    from api.serializers import MentionSerializer
    from api.views import _public_mentions

    mention = ClaimMentionFactory(prefix="before ", suffix=" after")
    document = SourceDocument.objects.prefetch_related(_public_mentions()).get(
        pk=mention.document_id
    )
    [shown] = document.published_mentions
    serializer = MentionSerializer(context={"request": rf.get("/")})
    generic = super(MentionSerializer, serializer).to_representation(shown)

    assert serializer.to_representation(shown) == generic
    assert list(serializer.to_representation(shown)) == list(generic), "in the same order"
    assert generic["claim"] == mention.claim.slug
