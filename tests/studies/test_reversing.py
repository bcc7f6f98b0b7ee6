"""Records' URLs come from memory after the first time, and are still exactly reverse()'s:
under another URL configuration or script prefix a record gets that one's URL."""

import pytest
from django.urls import clear_script_prefix, reverse, set_script_prefix

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
