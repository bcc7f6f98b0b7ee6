import pytest
from django.template import Context, Template
from django.test import RequestFactory

from public.templatetags.evidence_tags import certainty_symbols


@pytest.mark.parametrize(
    ("certainty", "symbols"),
    [("high", "⊕⊕⊕⊕"), ("moderate", "⊕⊕⊕◯"), ("low", "⊕⊕◯◯"), ("very_low", "⊕◯◯◯"), ("none", "")],
)
def test_certainty_is_drawn_with_grade_symbols(certainty, symbols):
    assert certainty_symbols(certainty) == symbols


def test_certainty_badge_carries_a_word_not_only_a_colour():
    html = Template("{% load evidence_tags %}{% certainty_badge 'very_low' %}").render(Context())
    assert "certainty-very_low" in html
    assert "⊕◯◯◯" in html
    assert "Very low" in html


def test_query_replace_keeps_other_filters_and_drops_emptied_ones():
    request = RequestFactory().get("/claims/", {"category": "blood-flow", "page": "2", "q": "x"})
    html = Template("{% load evidence_tags %}{% query_replace page=3 q='' %}").render(
        Context({"request": request})
    )
    assert html == "category=blood-flow&amp;page=3"


@pytest.mark.parametrize(
    "tag",
    [
        "{% certainty_badge value %}",
        "{% direction_badge value %}",
        "{% grade_phrase 'low' 'supported' value %}{% certainty_badge value %}",
    ],
)
def test_the_badges_built_in_python_escape_what_they_are_given(tag):
    # Built as HTML by hand (not by a template): a value that is not one of ours is text.
    value = '"><script>alert(1)</script>'
    html = Template("{% load evidence_tags %}" + tag).render(Context({"value": value}))
    assert "<script>" not in html
    assert "&quot;&gt;&lt;script&gt;" in html


def test_the_tallies_say_every_direction_a_claim_has_and_nothing_when_none():
    class Claim:
        tally_supports, tally_contradicts, tally_mixed, tally_neutral = 3, 0, 1, 0

    html = Template("{% load evidence_tags %}{% tallies claim %}").render(
        Context({"claim": Claim()})
    )
    assert html.count('class="tally ') == 3, "supports, contradicts (a ▼0 says something), mixed"
    assert "▲</span>3<span" in html and "▼</span>0<span" in html and "◆</span>1<span" in html
    assert "tally-neutral" not in html, "no neutral tally when there is none"
    empty = Template("{% load evidence_tags %}{% tallies claim %}").render(
        Context({"claim": object()})
    )
    assert empty.strip() == ""
