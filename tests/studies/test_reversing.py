"""Records' URLs, and every template's `{% url %}`, come from memory after the first time, and
are still exactly reverse()'s: under another URL configuration or script prefix a record gets
that one's URL."""

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix

from studies import reversing
from tests.factories import ClaimFactory, SourceDocumentFactory, StudyFactory

pytestmark = pytest.mark.django_db


def test_each_record_url_is_what_reverse_gives():
    claim, study = ClaimFactory(), StudyFactory()
    document = SourceDocumentFactory()
    assert claim.get_absolute_url() == reverse("evidence:claim_detail", args=[claim.slug])
    assert study.get_absolute_url() == reverse("studies:detail", args=[study.pk])
    assert document.get_absolute_url() == reverse("evidence:document_detail", args=[document.slug])
    assert claim.category.get_absolute_url() == (
        f"{reverse('evidence:claim_list')}?category={claim.category.slug}"
    )


def test_a_url_asked_again_is_not_reversed_again(monkeypatch):
    claim = ClaimFactory()
    first = claim.get_absolute_url()
    monkeypatch.setattr(reversing, "reverse", lambda *a, **k: pytest.fail("reversed again"))
    assert claim.get_absolute_url() == first


def test_another_script_prefix_gets_its_own_url():
    claim = ClaimFactory()
    plain = claim.get_absolute_url()
    set_script_prefix("/evidence-db/")
    try:
        assert claim.get_absolute_url() == "/evidence-db" + plain
    finally:
        clear_script_prefix()
        set_script_prefix("/")
    assert claim.get_absolute_url() == plain


def test_another_url_configuration_gets_its_own_url(settings):
    study = StudyFactory()
    plain = study.get_absolute_url()
    settings.ROOT_URLCONF = "tests.studies.prefixed_urls"
    assert study.get_absolute_url() == "/mirror" + plain


# --- {% url %} in templates (studies/templatetags/remembered_urls.py, a builtin) -------------


def _url_tag(text: str, **context) -> str:
    return Template(text).render(Context(context))


def test_the_url_tag_gives_what_reverse_gives_and_asks_reverse_once(monkeypatch):
    claim = ClaimFactory()
    text = "{% url 'evidence:claim_detail' slug %}|{% url 'studies:detail' pk=pk %}"
    expected = reverse("evidence:claim_detail", args=[claim.slug]) + "|"
    expected += reverse("studies:detail", kwargs={"pk": 7})
    assert _url_tag(text, slug=claim.slug, pk=7) == expected
    monkeypatch.setattr(reversing, "reverse", lambda *a, **k: pytest.fail("reversed again"))
    assert _url_tag(text, slug=claim.slug, pk=7) == expected


def test_the_url_tag_reverses_each_time_an_argument_that_is_not_text_or_a_number():
    # Anything else is reversed by its text, which could change while the object stays equal
    # (the memory is keyed by the arguments' values).
    class Key:
        def __init__(self, value):
            self.value = value

        def __str__(self):
            return self.value

        def __eq__(self, other):
            return True

        __hash__ = object.__hash__

    key = Key("first-claim")
    text = "{% url 'evidence:claim_detail' key %}"
    assert _url_tag(text, key=key) == reverse("evidence:claim_detail", args=["first-claim"])
    key.value = "second-claim"
    assert _url_tag(text, key=key) == reverse("evidence:claim_detail", args=["second-claim"])


def test_the_url_tag_under_another_script_prefix_and_into_a_variable():
    plain = reverse("evidence:claim_list")
    assert _url_tag("{% url 'evidence:claim_list' %}") == plain
    set_script_prefix("/evidence-db/")
    try:
        text = "{% url 'evidence:claim_list' as there %}[{{ there }}]"
        assert _url_tag(text) == f"[/evidence-db{plain}]"
    finally:
        clear_script_prefix()
        set_script_prefix("/")


def test_the_url_tag_still_fails_loudly_for_a_name_that_is_not_there():
    with pytest.raises(NoReverseMatch):
        _url_tag("{% url 'evidence:no_such_page' %}")
    assert _url_tag("{% url 'evidence:no_such_page' as there %}[{{ there }}]") == "[]"
