"""The home page, the annotated article and the evidence map: the overviews of the evidence."""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from itertools import groupby
from urllib.parse import urlencode

from django.db.models import Count
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from evidence.models import (
    Claim,
    ClaimCategory,
    ClaimKind,
    ClaimMention,
    EvidenceLink,
    LinkDirection,
    PublicationStatus,
    SourceDocument,
)
from public.annotate import Highlight, annotate, usable
from public.facets import counted, counting_every_row, page_of
from public.page_cache import prefetch, versioned
from public.queries import ByCategory, with_link_tallies
from public.summary import headline, passage_why
from public.templatetags.evidence_tags import DIRECTION_SYMBOLS, grade_words
from studies.models import Study, StudyDesign, StudyStatus

# A cell's number of studies in buckets: a class (`shade-N`) for styling; the cell's bold
# number says the count, so no reader has to tell five pale shades apart.
SHADE_BUCKETS = [(0, 0, 0), (1, 1, 1), (2, 2, 2), (3, 3, 4), (4, 5, None)]  # shade, min, max
# Link directions in the order a cell lists them, with the verb its accessible text uses for
# one study and for several ("1 supports", "2 support").
CELL_DIRECTIONS = [
    (LinkDirection.SUPPORTS, "supports", "support"),
    (LinkDirection.CONTRADICTS, "contradicts", "contradict"),
    (LinkDirection.MIXED, "mixed", "mixed"),
    (LinkDirection.NEUTRAL, "neutral", "neutral"),
]
MAX_SHOWN_INPUT = 80
# However many claims there are, the home page shows the first few of each category and the map
# one page of rows: each a bounded read, so the pages cost the same at 50 claims and at a million.
GLANCE_PER_CATEGORY = 12
MAP_PER_PAGE = 50
HOME_DOCUMENTS = 100
HEADLINES = 8


def _headline_order(claim) -> tuple:
    # Claims with an effect size first (the answer a reader came for), then the graded ones.
    line = claim.headline
    return (not (line and line.effect), line is None)


def _home_claims() -> tuple[str, str]:
    """The headline answers and the claims at a glance, rendered: they depend on nothing but
    the published records, so home() keeps them until the next publish."""
    # One bounded read per category (a handful), by the (status, category, slug) index: its
    # first claims, and, until there are enough, its first effect claims for the headline
    # questions (does it work, and is it safe), so those too come in category order without
    # sorting every effect claim (330 ms at 100k claims); those with an effect size first.
    headlines: list = []
    groups = []
    for category in ClaimCategory.objects.all():
        in_category = with_link_tallies(Claim.objects.published().filter(category=category))
        claims = list(in_category.order_by("slug")[: GLANCE_PER_CATEGORY + 1])
        if not claims:
            continue
        more = len(claims) > GLANCE_PER_CATEGORY
        groups.append((category, claims[:GLANCE_PER_CATEGORY], more))
        if len(headlines) < HEADLINES:
            wanted = HEADLINES - len(headlines)
            effects = [c for c in claims if c.kind == ClaimKind.EFFECT][:wanted]
            if len(effects) < wanted and more:
                effects = list(in_category.filter(kind=ClaimKind.EFFECT).order_by("slug")[:wanted])
            for claim in effects:
                claim.category = category
            headlines += effects
    for claim in headlines:
        claim.headline = headline(claim.grade_detail)
    headlines.sort(key=_headline_order)
    return (
        render_to_string("public/_home_headlines.html", {"headlines": headlines}),
        render_to_string("public/_home_glance.html", {"groups": groups}),
    )


def home(request):
    prefetch(["home-claims", "home-links"])
    headlines_html, glance_html = home_claims()
    return render(
        request,
        "public/home.html",
        {
            "headlines_html": mark_safe(headlines_html),  # noqa: S308 -- rendered templates
            "glance_html": mark_safe(glance_html),  # noqa: S308
            "links_html": mark_safe(home_links()),  # noqa: S308
        },
    )


def home_links() -> str:
    """The home page's ways in (the counts of claims and studies, the published documents),
    rendered once per publish: a hundred documents' links cost a query and ~2 ms of
    rendering on every page built."""

    def render_links() -> str:
        documents = SourceDocument.objects.filter(status=PublicationStatus.PUBLISHED).only(
            "title", "slug", "source"
        )[:HOME_DOCUMENTS]
        return render_to_string(
            "public/_home_links.html",
            {
                "claim_count": counted(Claim.objects.published())[1],
                "study_count": counted(Study.objects.published())[1],
                "documents": list(documents),
            },
        )

    return versioned("home-links", render_links)


# What the annotated article reads of a mention and its claim (`_highlight`, the claims beside
# the article): not the claim's rationale, notes or override's justification.
ARTICLE_MENTION_FIELDS = [
    "claim_id",
    "document_id",
    "start",
    "end",
    "quote",
    "stance",
    "claim__slug",
    "claim__statement",
    "claim__plain_summary",
    "claim__certainty",
    "claim__certainty_override",
    "claim__direction",
    "claim__direction_override",
    "claim__preclinical_only",
    "claim__grade_detail",
]


def _public_mentions(document: SourceDocument) -> list[ClaimMention]:
    """The document's mentions of published claims, in reading order, claims fetched alongside
    with only what the page shows of them (18 mentions: 1.8 ms whole, 1.5 ms so)."""
    return list(
        ClaimMention.objects.public()
        .filter(document=document)
        .select_related("claim")
        .only(*ARTICLE_MENTION_FIELDS)
    )


def document_detail(request, slug: str):
    document = get_object_or_404(SourceDocument, slug=slug, status=PublicationStatus.PUBLISHED)
    # A mention whose quote no longer sits at its offsets waits for a curator: not highlighted.
    mentions = {m.pk: m for m in _public_mentions(document) if m.is_anchored(document.text)}
    urls = {m.claim_id: m.claim.get_absolute_url() for m in mentions.values()}

    # Claims numbered in order of first appearance; each mark carries its claim's number.
    claims: dict[int, dict] = {}
    highlights = []
    for h in usable((_highlight(m, urls[m.claim_id]) for m in mentions.values()), document.text):
        claim = mentions[h.pk].claim
        entry = claims.setdefault(
            claim.pk,
            {
                "claim": claim,
                "number": len(claims) + 1,
                "first_mention": h.pk,
                "mentions": 0,
                "denies": 0,
                "qualifies": 0,
            },
        )
        entry["mentions"] += 1
        if h.stance in ("denies", "qualifies"):
            entry[h.stance] += 1
        entry.setdefault("why", h.why)
        highlights.append(replace(h, number=entry["number"]))
    return render(
        request,
        "public/document_detail.html",
        {
            "document": document,
            "annotated": annotate(document.text, highlights),
            "claims": list(claims.values()),
            "mention_count": len(highlights),
        },
    )


def _highlight(mention: ClaimMention, claim_url: str) -> Highlight:
    claim = mention.claim
    detail = claim.grade_detail if isinstance(claim.grade_detail, dict) else {}
    return Highlight(
        pk=mention.pk,
        start=mention.start,
        end=mention.end,
        stance=mention.stance,
        claim_slug=claim.slug,
        claim_url=claim_url,
        certainty=claim.effective_certainty,
        number=0,
        statement=claim.statement,
        phrase=grade_words(claim.effective_certainty, claim.effective_direction),
        bottom_line=claim.plain_summary.strip()
        or str(detail.get("statement") or detail.get("verdict") or ""),
        why=passage_why(
            certainty=claim.effective_certainty,
            direction=claim.effective_direction,
            preclinical=claim.preclinical_only,
            grade_detail=detail,
        ),
    )


@dataclass
class Cell:
    count: int = 0
    directions: dict[str, int] = field(default_factory=dict)
    href: str = ""  # the study list filtered to this claim and design
    label: str = ""  # the design's name, which a phone shows beside the count

    @property
    def shade(self) -> int:
        for shade, low, high in SHADE_BUCKETS:
            if self.count >= low and (high is None or self.count <= high):
                return shade
        return 0

    @property
    def parts(self) -> list[dict]:
        """Each direction present: its symbol, count and accessible words, in a fixed order."""
        return [
            {
                "direction": direction,
                "symbol": DIRECTION_SYMBOLS.get(direction, ""),
                "n": self.directions[direction],
                "words": singular if self.directions[direction] == 1 else plural,
            }
            for direction, singular, plural in CELL_DIRECTIONS
            if self.directions.get(direction)
        ]

    def html(self) -> str:
        """The cell's <td>, built here rather than in the template: a map page has a hundred
        rows of a dozen cells, and the template language took three quarters of its time."""
        head = f'<td class="cell shade-{self.shade}" data-label="{escape(self.label)}">'
        if not self.count:
            body = (
                '<span aria-hidden="true">·</span><span class="visually-hidden">no studies</span>'
            )
            return mark_safe(f"{head}{body}</td>")  # noqa: S308 -- every value escaped
        parts = self.parts
        shown = "".join(
            f' <span class="cell-part dir-{escape(p["direction"])}">{p["n"]}{escape(p["symbol"])}'
            "</span>"
            for p in parts
        )
        said = ",".join(f" {p['n']} {escape(p['words'])}" for p in parts)
        studies = "study" if self.count == 1 else "studies"
        body = (
            f'<span aria-hidden="true"><span class="cell-count">{self.count}</span>:{shown}</span>'
            f'<span class="visually-hidden">{self.count} {studies}:{said}</span>'
        )
        if self.href:
            body = f'<a class="cell-link" href="{escape(self.href)}">{body}</a>'
        return mark_safe(f"{head}{body}</td>")  # noqa: S308 -- every value escaped


def _cells(claim_ids: list[int]) -> dict[tuple[int, str], Cell]:
    """Published studies per (claim, design), by link direction: one grouped query."""
    rows = (
        EvidenceLink.objects.filter(claim_id__in=claim_ids, study__status=StudyStatus.PUBLISHED)
        .values("claim_id", "study__design", "direction")
        .annotate(n=Count("study_id", distinct=True))
        .order_by()
    )
    cells: dict[tuple[int, str], Cell] = defaultdict(Cell)
    for row in rows:
        cell = cells[(row["claim_id"], row["study__design"])]
        cell.count += row["n"]
        cell.directions[row["direction"]] = cell.directions.get(row["direction"], 0) + row["n"]
    return cells


def map_sizes() -> dict[int, int]:
    """{category pk: published claims}, counted once per publish (a grouped count of every
    published claim: 0.3 s at 1M with parallel workers, 0.5 s without)."""

    def count() -> dict[int, int]:
        rows = (
            Claim.objects.published()
            .order_by()
            .values_list("category_id")
            .annotate(n=Count("pk"))
            .values_list("category_id", "n")
        )
        with counting_every_row(Claim):
            return dict(rows)

    return versioned("map-sizes", count)


def home_claims() -> tuple[str, str]:
    """The home page's headline answers and claims at a glance, rendered once per publish."""
    return versioned("home-claims", _home_claims)


def _map_table(request, categories: list, selected) -> tuple[str, list[str]]:
    """The map's table (one page of rows) and pagination, rendered, and the page's problems
    (a page that is not a number or past the end)."""
    problems: list[str] = []
    # In category order, one category at a time by the (status, category, slug) index; the
    # claims per category counted once per publish.
    listed = [selected] if selected else categories
    sizes = map_sizes()
    in_order = ByCategory(
        with_link_tallies(Claim.objects.published().select_related("category")),
        [(c.pk, sizes.get(c.pk, 0)) for c in listed],
    )
    page_obj = page_of(request, in_order, per_page=MAP_PER_PAGE, problems=problems)
    claims = list(page_obj.object_list)

    cells = _cells([c.pk for c in claims])
    present = {design for _, design in cells}
    designs = [(d.value, d.label) for d in StudyDesign if d.value in present]
    designs += [(d, d or "Design not set") for d in sorted(present - set(StudyDesign.values))]

    studies = reverse("studies:list")
    slugs = {claim.pk: claim.slug for claim in claims}
    for (claim_pk, design), cell in cells.items():
        if design in StudyDesign.values:  # the list can filter by a set design only
            cell.href = f"{studies}?{urlencode({'claim': slugs[claim_pk], 'design': design})}"
    rows = [
        {
            "claim": claim,
            "cells": [
                replace(cells.get((claim.pk, design), Cell()), label=label)
                for design, label in designs
            ],
        }
        for claim in claims
    ]
    groups = [
        (category, list(group))
        for category, group in groupby(rows, key=lambda row: row["claim"].category)
    ]
    html = render_to_string(
        "public/_map_table.html",
        {
            "request": request,
            "selected": selected,
            "designs": designs,
            "groups": groups,
            "claim_count": page_obj.paginator.count,
            "claim_count_text": page_obj.paginator.count_text,
            "page_obj": page_obj,
        },
    )
    return html, problems


def evidence_map(request):
    problems = []
    categories = versioned("map-categories", lambda: list(ClaimCategory.objects.all()))
    wanted = request.GET.get("category", "").strip()
    selected = None
    if wanted:
        selected = next((c for c in categories if c.slug == wanted), None)
        if selected is None:
            shown = wanted[:MAX_SHOWN_INPUT]
            problems.append(f"There is no category “{shown}”, so every category is shown.")
    # The table holds published data only and depends on nothing but the query string (its
    # page, its category, and the parameters its pagination links keep): rendered once per
    # publish for each, so a map read after the first costs one cache read.
    query = urlencode(sorted(request.GET.lists()), doseq=True)
    table_html, page_problems = versioned(
        f"map-table:{query}", lambda: _map_table(request, categories, selected)
    )
    return render(
        request,
        "public/evidence_map.html",
        {
            "nav": "map",
            "problems": problems + page_problems,
            "categories": categories,
            "selected": selected,
            "map_html": mark_safe(table_html),  # noqa: S308 -- a rendered template
            "direction_key": [(d, DIRECTION_SYMBOLS[d], word) for d, word, _ in CELL_DIRECTIONS],
        },
    )
