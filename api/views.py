"""The read-only JSON API: published records only, filtered by the public pages' own
FilterSets (public/filters.py), paged by a cursor, conditional, rate-limited."""

from django.db.models import F, Prefetch, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, viewsets
from rest_framework.response import Response

from api import serializers
from evidence.models import (
    Claim,
    ClaimCategory,
    ClaimMention,
    EvidenceLink,
    PublicationStatus,
    SourceDocument,
)
from public.filters import ClaimFilter, StudyFilter
from public.page_cache import (
    conditional,
    one_version,
    parts_kept,
    shared_answer_get,
    shared_answer_key,
    shared_answer_set,
    signed_in,
    versioned_rows_of,
)
from public.queries import built_once, with_published_claim_count
from studies.models import Study, StudyStatus


def _without_sort(filterset: type[filters.FilterSet]) -> type[filters.FilterSet]:
    """The page's FilterSet less its `sort`: a cursor pages in one fixed order."""
    api_filterset = type(f"Api{filterset.__name__}", (filterset,), {"__module__": __name__})
    api_filterset.base_filters.pop("sort", None)
    return api_filterset


ApiClaimFilter = _without_sort(ClaimFilter)
ApiStudyFilter = _without_sort(StudyFilter)


class OpenViewSet(viewsets.ReadOnlyModelViewSet):
    """GET only, anonymous, conditional, with a 429 that says what the limit is."""

    # (Not in the docstring: drf-spectacular publishes it as every operation's description.)
    # An anonymous reader's whole answer comes from the shared cache until the next publish
    # (`page_cache.shared_answer_*`); it is looked up in `list` and `retrieve`, so authentication
    # and the rate limit (in `initial`) apply to it as to a built one.

    lookup_value_regex = "[0-9]+"
    answer_key: str | None = None  # where this request's built answer is stored, if anywhere
    session_signed_in = False
    # A listing whose records are each serialized once per publish (page_cache.versioned_rows_of,
    # under this name and the origin its absolute links name), like the HTML lists' rows: the
    # page is found by the records' keys alone (`key_queryset`), and only the records the cache
    # lacks are read and serialized. None: every page read and serialized whole.
    rows_name: str | None = None

    def dispatch(self, request, *args, **kwargs):
        # Before the framework's authentication sets request.user to its own (none here).
        self.session_signed_in = signed_in(request)
        with one_version():
            return super().dispatch(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        return self._shared(self._list, request, *args, **kwargs)

    def key_queryset(self):
        """The records a listing filters and pages through, without what only their
        representation needs (annotations, prefetches)."""
        return self.get_queryset()

    def _list(self, request, *args, **kwargs):
        if self.rows_name is None or not parts_kept():
            return super().list(request, *args, **kwargs)
        page = self.paginate_queryset(self.filter_queryset(self.key_queryset()).values("pk"))
        serializer = self.get_serializer()  # one for the page: its fields built once
        rows = versioned_rows_of(
            f"api-{self.rows_name}:{request.build_absolute_uri('/')}",
            [row["pk"] for row in page],
            lambda pks: self.get_queryset().filter(pk__in=pks),
            serializer.to_representation,
        )
        return self.get_paginated_response(rows)

    def retrieve(self, request, *args, **kwargs):
        return self._shared(super().retrieve, request, *args, **kwargs)

    def _shared(self, build, request, *args, **kwargs):
        authenticated = request.user is not None and request.user.is_authenticated
        if not (self.session_signed_in or authenticated):
            key = shared_answer_key(request._request, variant=request.accepted_media_type)
            answer = shared_answer_get(request._request, key) if key else None
            if answer is not None:
                return answer
            self.answer_key = key
        return build(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            request.method in ("GET", "HEAD")
            and isinstance(response, Response)
            and response.status_code == 200
        ):
            response.render()
            answer = conditional(request, response)  # the validators set on `response` too
            if self.answer_key:
                shared_answer_set(self.answer_key, response)
            return answer
        return response

    def throttled(self, request, wait):
        seconds = int(wait) if wait is not None else None
        detail = "Too many requests from this address for the API's rate limit."
        if seconds is not None:
            detail += f" Try again in {max(seconds, 1)} seconds."
        raise exceptions.Throttled(wait=wait, detail=detail)


@extend_schema_view(
    list=extend_schema(summary="Published claims, with the claim list's filters"),
    retrieve=extend_schema(summary="One published claim"),
)
class ClaimViewSet(OpenViewSet):
    serializer_class = serializers.ClaimSerializer
    filterset_class = ApiClaimFilter
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    rows_name = "claim"

    def get_queryset(self):
        return _claims()

    def key_queryset(self):
        return Claim.objects.published()


@extend_schema_view(
    list=extend_schema(summary="Published studies, with the study list's filters"),
    retrieve=extend_schema(summary="One published study"),
)
class StudyViewSet(OpenViewSet):
    serializer_class = serializers.StudySerializer
    filterset_class = ApiStudyFilter
    rows_name = "study"

    def get_queryset(self):
        return _studies().prefetch_related(_published_links())

    def key_queryset(self):
        return Study.objects.published()


# The listings' querysets are built once per process (public.queries.built_once); each
# request's prefetches are its own (Django writes hints into a prefetch's queryset as it runs).


@built_once
def _claims() -> QuerySet[Claim]:
    return Claim.objects.published().for_list()


@built_once
def _studies() -> QuerySet[Study]:
    return with_published_claim_count(Study.objects.published())


@built_once
def _study_links() -> QuerySet[EvidenceLink]:
    return (
        EvidenceLink.objects.filter(claim__status=PublicationStatus.PUBLISHED)
        .annotate(claim_slug=F("claim__slug"))
        .only("study", "direction")
        .order_by("claim__category__order", "claim__slug")
    )


def _published_links() -> Prefetch:
    """Each study's links to published claims, in the claims' category order (as the study
    page lists them): only what the API shows of a link, its claim's slug and its direction."""
    return Prefetch("evidence_links", queryset=_study_links(), to_attr="published_links")


@built_once
def _document_mentions() -> QuerySet[ClaimMention]:
    return (
        ClaimMention.objects.public()
        .annotate(claim_slug=F("claim__slug"))
        .only("document", "quote", "start", "end", "prefix", "suffix", "stance")
        .order_by("start", "pk")
    )


def _public_mentions() -> Prefetch:
    """A document's public mentions in reading order: only the columns the API shows, and the
    claim's slug (not the whole claim, with its stored grade)."""
    return Prefetch("mentions", queryset=_document_mentions(), to_attr="published_mentions")


@built_once
def _document_whole() -> QuerySet[SourceDocument]:
    return SourceDocument.objects.filter(status=PublicationStatus.PUBLISHED)


@built_once
def _documents() -> QuerySet[SourceDocument]:
    """Without their text, which only one document's record shows."""
    return _document_whole().defer("text")


@extend_schema_view(
    list=extend_schema(summary="Published source documents with their mentions"),
    retrieve=extend_schema(summary="One published document, with its text and mentions"),
)
class DocumentViewSet(OpenViewSet):
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    filter_backends: list = []

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.DocumentDetailSerializer
        return serializers.DocumentSerializer

    rows_name = "document"

    def get_queryset(self):
        documents = _document_whole() if self.action == "retrieve" else _documents()
        return documents.prefetch_related(_public_mentions())

    def key_queryset(self):
        return SourceDocument.objects.filter(status=PublicationStatus.PUBLISHED)


@extend_schema_view(
    list=extend_schema(summary="Claim categories"),
    retrieve=extend_schema(summary="One claim category"),
)
class CategoryViewSet(OpenViewSet):
    serializer_class = serializers.CategorySerializer
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    filter_backends: list = []
    queryset = ClaimCategory.objects.all()


@built_once
def _links() -> QuerySet[EvidenceLink]:
    return EvidenceLink.objects.filter(
        claim__status=PublicationStatus.PUBLISHED, study__status=StudyStatus.PUBLISHED
    ).select_related("claim")


@extend_schema_view(
    list=extend_schema(summary="Evidence links between published claims and studies"),
    retrieve=extend_schema(summary="One evidence link"),
)
class EvidenceLinkViewSet(OpenViewSet):
    serializer_class = serializers.EvidenceLinkSerializer
    filter_backends: list = []
    rows_name = "evidence-link"

    def get_queryset(self):
        return _links()

    def key_queryset(self):
        return EvidenceLink.objects.filter(
            claim__status=PublicationStatus.PUBLISHED, study__status=StudyStatus.PUBLISHED
        )
