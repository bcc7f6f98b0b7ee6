"""Issue 16, the answer in one screen: the home page's headline answers, one phrase for
certainty and direction, tallies, evidence-map links whose lists count what the cell says,
chips, the claim page's parts and the article's notes and headings."""

import re

import pytest
from django.template import Context, Template
from django.urls import reverse

from evidence.models import Claim, PublicationStatus
from public.annotate import Highlight, annotate, heading_spans
from public.summary import headline, passage_why
from public.templatetags.evidence_tags import from_word, grade_words, to_word
from tests.factories import (
    ClaimCategoryFactory,
    ClaimFactory,
    EvidenceLinkFactory,
    StudyFactory,
)
from tests.list_factories import COUNTING
from tests.public.html_text import read_article

DENSITY = "improves-hair-density-thickness"


# --- One phrase for certainty and direction -----------------------------------------------


@pytest.mark.parametrize(
    ("certainty", "direction", "words"),
    [
        ("high", "supported", "High certainty — supported"),
        ("moderate", "supported", "Moderate certainty — probably supported"),
        ("low", "contradicted", "Low certainty — may be contradicted"),
        ("very_low", "supported", "Very low certainty — may be supported"),
        ("very_low", "mixed", "Very low certainty — the studies point both ways"),
        ("low", "inconclusive", "Low certainty — no clear answer either way"),
    ],
)
def test_the_grade_phrase_hedges_the_direction_as_much_as_the_certainty_says(
    certainty, direction, words
):
    assert grade_words(certainty, direction) == words


def test_the_grade_phrase_names_preclinical_evidence_and_is_coloured_by_certainty_only():
    html = Template(
        "{% load evidence_tags %}{% grade_phrase 'very_low' 'supported' True True %}"
    ).render(Context())
    assert "⊕◯◯◯" in html and "Very low certainty — may be supported" in html
    assert "animal or cell studies only" in html
    assert "indirect evidence" not in html, "animal evidence is indirect anyway: said once"
    assert 'class="grade-phrase certainty certainty-very_low"' in html
    assert "direction-supported" not in html, "no green 'supported' badge beside it"


def test_the_stylesheet_never_colours_certainty_green_or_red():
    css = open("static/css/site.css", encoding="utf-8").read()
    tail = css[css.index("issue 16: the answer in one screen") :]
    for level in ["very_low", "low"]:
        fill = re.search(rf"--{level}-bg: (#[0-9a-f]{{6}})", tail).group(1)
        r, g, b = (int(fill[i : i + 2], 16) for i in (1, 3, 5))
        assert not (g > r + 30 and g > b), f"{level} is not green"
        assert not (r > g + 30 and r > b), f"{level} is not red"


# --- Lists: phrase, flags and tallies, no N+1 -----------------------------------------------


@pytest.mark.django_db
def test_each_claim_row_shows_its_tallies_and_its_flags(client):
    claim = ClaimFactory(certainty="very_low", direction="supported", preclinical_only=True)
    for direction in ["supports", "supports", "contradicts", "mixed"]:
        EvidenceLinkFactory(claim=claim, direction=direction)
    EvidenceLinkFactory(claim=claim, direction="supports", study=StudyFactory(status="draft"))
    html = client.get(reverse("evidence:claim_list")).content.decode()
    assert "animal or cell studies only" in html
    tallies = re.search(r'<span class="tallies".*?</span></span></span>', html, flags=re.S)
    shown = re.sub(r'<span class="visually-hidden">[^<]*</span>|<[^>]+>', "", tallies.group(0))
    assert shown.split() == ["▲2", "▼1", "◆1"], "the draft study is not counted"


@pytest.mark.django_db
@pytest.mark.parametrize("n", [5, 50])
def test_tallies_cost_no_extra_query(client, django_assert_max_num_queries, n):
    for _ in range(n):
        EvidenceLinkFactory(claim=ClaimFactory(), direction="supports")
    # The facets and options, then at most three reads of the page's claims' keys (the first
    # and last categories it spans by the index, the ones in between together), then one read
    # of the rows not cached yet (here all of them), tallies included.
    with django_assert_max_num_queries(14 + COUNTING):
        response = client.get(reverse("evidence:claim_list"), {"sort": "category"})
    assert response.status_code == 200


@pytest.mark.django_db
def test_one_match_is_grammatical_in_both_lists(client):
    ClaimFactory(statement="Needling raises blood flow.")
    study = StudyFactory(title="A single trial of needling")
    html = client.get(reverse("evidence:claim_list"), {"q": "blood"}).content.decode()
    assert "1 claim matches your filters" in html
    html = client.get(reverse("studies:list"), {"design": study.design}).content.decode()
    assert "1 study matches your filters" in html


@pytest.mark.django_db
def test_active_filters_are_chips_that_each_remove_one(client):
    ClaimFactory(category=ClaimCategoryFactory(slug="blood-flow", name="Blood flow"))
    html = client.get(
        reverse("evidence:claim_list"), {"category": "blood-flow", "certainty": "low", "page": 1}
    ).content.decode()
    assert "Category: Blood flow" in html and "Certainty: Low" in html
    assert 'href="?certainty=low" data-filter="category"' in html
    assert 'href="?category=blood-flow" data-filter="certainty"' in html


@pytest.mark.django_db
def test_filters_load_a_static_script_and_keep_their_plain_button(client):
    html = client.get(reverse("evidence:claim_list")).content.decode()
    assert '<script src="/static/js/filters.js" defer></script>' in html
    assert "<script>" not in html, "no inline script: the CSP forbids it"
    assert "data-autosubmit" in html and '<button type="submit">Apply filters</button>' in html


# --- Home --------------------------------------------------------------------------------


def test_a_headline_names_what_set_the_grade_from_the_stored_grade():
    detail = {
        "set_by": "Hair count: A vs B",
        "outcomes": [
            {"outcome": "Other", "comparison": "C vs D", "certainty": "low", "effect": None},
            {
                "outcome": "Hair count",
                "comparison": "A vs B",
                "certainty": "very_low",
                "participants": 40,
                "effect": {"display": "MD 3 (95% CI 1 to 5)"},
            },
        ],
    }
    line = headline(detail)
    assert (line.outcome, line.comparison, line.effect, line.people) == (
        "Hair count",
        "A vs B",
        "MD 3 (95% CI 1 to 5)",
        40,
    )
    assert headline({}) is None and headline(None) is None
    assert headline({"outcomes": [{"outcome": "X", "certainty": None}]}) is None


def test_the_density_claim_is_answered_first_on_the_home_page(client, seeded):
    html = client.get(reverse("evidence:home")).content.decode()
    answers = html[
        html.index('id="headline-answers"') : html.index(
            "</ul>", html.index('id="headline-answers"')
        )
    ]
    assert answers.index(f"headline-{DENSITY}") < 600, "the density answer comes first"
    assert html.index('id="headline-answers"') < html.index('id="certainty-legend"')
    claim = Claim.objects.get(slug=DENSITY)
    line = headline(claim.grade_detail)
    assert line.effect and line.effect in answers
    assert line.comparison in answers


# --- Evidence map --------------------------------------------------------------------------


def test_every_evidence_map_cell_links_to_a_list_whose_count_is_the_cell_number(client, seeded):
    html = client.get(reverse("evidence:evidence_map")).content.decode()
    cells = re.findall(
        r'<a class="cell-link" href="([^"]+)"><span aria-hidden="true">'
        r'<span class="cell-count">(\d+)</span>',
        html,
    )
    numbered = re.findall(r'<span class="cell-count">(\d+)</span>', html)
    assert cells and len(cells) == len(numbered), "every numbered cell is a link"
    for href, number in cells:
        listed = client.get(href.replace("&amp;", "&"))
        assert listed.context["page_obj"].paginator.count == int(number), href


# --- Claim page ----------------------------------------------------------------------------


def test_the_claim_page_has_contents_and_studies_collapsed_by_design(client, seeded):
    html = client.get(reverse("evidence:claim_detail", args=[DENSITY])).content.decode()
    contents = html[
        html.index('class="claim-contents"') : html.index(
            "</nav>", html.index('class="claim-contents"')
        )
    ]
    for target in ["#bottom-line", "#summary-of-findings", "#evidence", "#mentions"]:
        assert f'href="{target}"' in contents
        assert f'id="{target[1:]}"' in html
    evidence = html[html.index('<section id="evidence"') :]
    assert '<details class="design-group">' in evidence, "a long list starts closed"
    assert html.count('<a class="mention-link"') == len(
        Claim.objects.get(slug=DENSITY).mentions.all()
    )
    assert html.count('In <a href="/documents/') == 1, "the document is named once"


@pytest.mark.django_db
def test_a_claim_with_nothing_linked_says_so_in_one_line(client):
    claim = ClaimFactory()
    html = client.get(claim.get_absolute_url()).content.decode()
    assert (
        "No published study is linked to this claim yet, and no published article makes it." in html
    )
    assert 'id="references"' not in html and 'id="mentions"' not in html


def test_snippets_start_and_end_at_word_boundaries():
    assert from_word("ting the scalp ") == "the scalp "
    assert from_word(" whole words") == "whole words"
    assert to_word(", which is cruc") == ", which is"
    assert to_word(" and so on ") == " and so on"


# --- The annotated article -------------------------------------------------------------------


def _span(pk, start, end, **extra):
    return Highlight(
        pk=pk,
        start=start,
        end=end,
        claim_slug="c",
        claim_url="/claims/c/",
        certainty="very_low",
        number=1,
        statement="Claim c",
        **extra,
    )


def test_heading_lines_become_headings_and_the_text_survives():
    text = "Intro line that is long enough.\nMechanism of Action\nNeedles pierce the skin.\n"
    html = annotate(text, [_span(1, 52, 76)])
    assert '<h3 class="article-heading">Mechanism of Action</h3>' in html
    assert read_article(html)[0] == text
    assert heading_spans(text, [_span(1, 33, 45)]) == [], "a line a mention touches is no heading"


def test_each_passage_has_a_popover_note_with_claim_bottom_line_and_why():
    html = annotate(
        "Microneedling heals hair.",
        [
            _span(
                7, 0, 24, phrase="Very low certainty — may be supported", bottom_line="B.", why="W."
            )
        ],
    )
    assert 'popovertarget="note-7"' in html and 'id="note-7" popover' in html
    for part in ["Claim 1: Claim c", "Very low certainty — may be supported", "B.", "W."]:
        assert part in html
    assert read_article(html)[0] == "Microneedling heals hair."


def test_why_says_what_makes_a_passage_overstated():
    detail = {
        "outcomes": [
            {"domains": [{"domain": "indirectness", "levels": -1, "reason": "serious: mice"}]}
        ]
    }
    why = passage_why(
        certainty="very_low", direction="supported", preclinical=True, grade_detail=detail
    )
    assert why == (
        "The evidence is of very low certainty; only animal or cell studies test it; mice."
    )
    assert (
        passage_why(certainty="high", direction="supported", preclinical=False, grade_detail={})
        == ""
    )


@pytest.mark.django_db
def test_unpublished_claims_get_no_headline(client):
    ClaimFactory(status=PublicationStatus.DRAFT, statement="Secret effect.")
    assert "Secret effect." not in client.get(reverse("evidence:home")).content.decode()
