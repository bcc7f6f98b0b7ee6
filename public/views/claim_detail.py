"""The claim page: the bottom line first, then the reasoning and the studies behind it."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from evidence import grading
from evidence.meta_analysis import comparable_groups, effect_from_outcome
from evidence.models import Claim, EvidenceLink, LinkDirection
from public import forest
from public.summary import bottom_line, graded_body, summary_of_findings
from studies.models import Study


def claim_detail(request: HttpRequest, slug: str) -> HttpResponse:
    # Drafts and claims in review are a 404 exactly like a missing slug.
    claim = get_object_or_404(Claim.objects.published().for_detail(), slug=slug)
    links = sorted(claim.published_links, key=_evidence_order)
    body = graded_body(link.as_linked_study() for link in links)
    sentence = claim.plain_summary.strip() or bottom_line(
        certainty=claim.effective_certainty, direction=claim.effective_direction, body=body
    )
    pairs = outcomes_bearing_on(links)
    effects = [
        effect
        for study, outcome in pairs
        if (effect := effect_from_outcome(outcome, label=study.short_label(), study_id=study.pk))
    ]
    plots = [
        {"number": n, "group": group, "plot": forest.layout(group)}
        for n, group in enumerate(comparable_groups(effects), start=1)
    ]
    context = {
        "nav": "claims",
        "claim": claim,
        "sentence": sentence,
        "body": body,
        "links": links,
        "findings": summary_of_findings(pairs, label=Study.short_label),
        "plots": plots,
        "mentions": claim.published_mentions,
        "references": [link.study for link in links],
    }
    return render(request, "public/claim_detail.html", context)


def outcomes_bearing_on(links: list[EvidenceLink]) -> list[tuple]:
    """(study, outcome) pairs for the Summary of Findings and the forest plot.

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
