"""FHIR, Web Annotation and badge endpoints: plain Django views, each conditional (ETag and
Last-Modified) and rate-limited like the JSON API, each serving published records only (a
draft is the same 404 as a missing row)."""

import json

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from api import annotations, badges, fhir
from evidence.models import Claim, ClaimMention, PublicationStatus, SourceDocument
from public.page_cache import conditional
from public.rate_limit import ClientRateThrottle
from studies.models import Study


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _throttled(request: HttpRequest) -> HttpResponse | None:
    throttle = ClientRateThrottle()
    if throttle.allow_request(request, None):
        return None
    wait = throttle.wait()
    seconds = max(int(wait or 1), 1)
    response = JsonResponse(
        {
            "detail": "Too many requests from this address for the API's rate limit "
            f"({settings.API_THROTTLE_RATE}). Try again in {seconds} seconds."
        },
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


def _json(request: HttpRequest, data: dict, *, content_type: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type=content_type
    )
    return conditional(request, response)


def _published_claim(pk: int) -> Claim:
    return get_object_or_404(Claim.objects.published().for_detail(), pk=pk)


@require_safe
def fhir_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    if limited := _throttled(request):
        return limited
    claim = _published_claim(pk)
    resource = fhir.evidence_resource(claim, base=_base(request))
    return _json(request, resource, content_type=fhir.FHIR_JSON)


@require_safe
def fhir_citation(request: HttpRequest, pk: int) -> HttpResponse:
    if limited := _throttled(request):
        return limited
    study = get_object_or_404(Study.objects.published(), pk=pk)
    resource = fhir.citation_resource(study, base=_base(request))
    return _json(request, resource, content_type=fhir.FHIR_JSON)


@require_safe
def fhir_bundle(request: HttpRequest, pk: int) -> HttpResponse:
    if limited := _throttled(request):
        return limited
    claim = _published_claim(pk)
    return _json(
        request, fhir.claim_bundle(claim, base=_base(request)), content_type=fhir.FHIR_JSON
    )


def _published_document(slug: str) -> SourceDocument:
    return get_object_or_404(
        SourceDocument.objects.defer("text"), slug=slug, status=PublicationStatus.PUBLISHED
    )


def _mentions(document: SourceDocument):
    return ClaimMention.objects.public().filter(document=document).select_related("claim")


@require_safe
def annotation_collection(request: HttpRequest, slug: str) -> HttpResponse:
    if limited := _throttled(request):
        return limited
    document = _published_document(slug)
    data = annotations.collection(document, list(_mentions(document)), base=_base(request))
    return _json(request, data, content_type=annotations.ANNO_JSONLD)


@require_safe
def annotation_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    if limited := _throttled(request):
        return limited
    document = _published_document(slug)
    mention = _mentions(document).filter(pk=pk).first()
    if mention is None:
        raise Http404("No such annotation.")
    data = {
        "@context": annotations.ANNO_CONTEXT,
        **annotations.annotation(mention, document=document, base=_base(request)),
    }
    return _json(request, data, content_type=annotations.ANNO_JSONLD)


@require_safe
def badge(request: HttpRequest, slug: str) -> HttpResponse:
    claim = get_object_or_404(Claim.objects.published().only(*badges.FIELDS), slug=slug)
    svg = badges.badge_svg(claim, url=request.build_absolute_uri(claim.get_absolute_url()))
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    patch_cache_control(response, public=True, max_age=badges.MAX_AGE)
    # Embeddable on any site: the page's frame-ancestors rule is for pages, not an image.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    stamp = max(d for d in (claim.graded_at, claim.updated_at) if d is not None)
    return conditional(request, response, stamp=stamp)
