"""The claim page: the bottom line first, then the reasoning and the studies behind it.

Everything graded comes from the stored grade (`Claim.grade_detail`, read by
public.grade_page): the page never grades, pools or tests at request time. A claim not yet
regraded (an empty or old grade_detail) falls back to its stored rationale and the outcomes as
the studies reported them.
"""

from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from evidence import grading
from evidence.models import Claim, ClaimQuerySet, EvidenceLink, LinkDirection
from public.grade_page import claim_page
from public.summary import bottom_line, by_design, graded_body, summary_of_findings
from studies.models import Study


def claim_detail(request: HttpRequest, slug: str) -> HttpResponse:
    # Drafts and claims in review are a 404 exactly like a missing slug.
    claim = Claim.objects.published().one_for_detail(slug=slug)
    if claim is None:
        raise Http404("No such published claim.")
    links = sorted(claim.published_links, key=_evidence_order)
    page = claim_page(claim.grade_detail)
    context = {
        "nav": "claims",
        "claim": claim,
        "page": page,
        "links": links,
        "design_groups": by_design(links),
        "has_indirect": any(link.indirect for link in links),
        "mentions": claim.published_mentions,
        "references": [link.study for link in links],
    }
    if page is None:
        # Not graded yet: the outcomes as the studies reported them (read only here).
        prefetch_related_objects(links, *ClaimQuerySet.link_outcomes())
        body = graded_body(link.as_linked_study() for link in links)
        context["sentence"] = claim.plain_summary.strip() or bottom_line(
            certainty=claim.effective_certainty, direction=claim.effective_direction, body=body
        )
        context["body"] = body
        context["findings"] = summary_of_findings(
            outcomes_bearing_on(links), label=Study.short_label
        )
    else:
        context["sentence"] = claim.plain_summary.strip() or page.statement or page.verdict
        context["related"] = _published_related(page.related)
        # A curator's override is what a reader sees; the computed grade stays beside it.
        context["computed_certainty"] = page.certainty or "none"
        context["shown_certainty"] = claim.certainty_override or page.certainty or "none"
    return render(request, "public/claim_detail.html", context)


def _published_related(related: list[dict[str, str]]) -> list[dict[str, str]]:
    """The related claims a reader may follow: published ones only (a draft's statement is not
    public), in the stored order. One query, and only for claims that have related ones."""
    if not related:
        return []
    public = set(
        Claim.objects.published()
        .filter(slug__in=[r["slug"] for r in related])
        .values_list("slug", flat=True)
    )
    return [r for r in related if r["slug"] in public]


def outcomes_bearing_on(links: list[EvidenceLink]) -> list[tuple]:
    """(study, outcome) pairs for the fallback Summary of Findings (outcomes as reported).

    A link whose curator named a key outcome contributes that outcome only; otherwise every
    outcome its study reported. Neutral links contribute nothing: their study does not test the
    claim (it measured something else, or its results are not available).
    """
    pairs = []
    for link in links:
        if link.direction == LinkDirection.NEUTRAL:
            continue
        outcomes = [link.outcome] if link.outcome else link.study.outcomes.all()
        pairs.extend((link.study, outcome) for outcome in outcomes)
    return pairs


_TIER_ORDER = {design: i for i, tier in enumerate(grading.TIERS) for design in tier.designs}


def _evidence_order(link: EvidenceLink) -> tuple:
    """Best designs first (the order grading weighs them), newest first within a design."""
    study = link.study
    return (_TIER_ORDER.get(study.design, len(grading.TIERS)), study.design, -study.year, study.pk)
