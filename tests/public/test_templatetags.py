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
