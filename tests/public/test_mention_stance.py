"""Denials and qualifications are said in words beside the passage, on the claim page and on
the annotated article; an asserting passage says nothing more."""

import pytest

from evidence.models import MentionStance
from tests.factories import ClaimFactory, ClaimMentionFactory, SourceDocumentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim():
    claim = ClaimFactory(statement="Microneedling induces collagen.")
    ClaimMentionFactory(claim=claim, document=SourceDocumentFactory(title="One"))
    ClaimMentionFactory(
        claim=claim, document=SourceDocumentFactory(title="Two"), stance=MentionStance.DENIES
    )
    ClaimMentionFactory(
        claim=claim, document=SourceDocumentFactory(title="Three"), stance=MentionStance.QUALIFIES
    )
    return claim


def test_the_claim_page_says_which_places_deny_or_qualify_it(client, claim):
    page = client.get(claim.get_absolute_url()).content.decode()
    assert page.count("This passage denies this claim.") == 1
    assert page.count("This passage qualifies this claim.") == 1
    assert page.count("(denies this claim)") == 1
    assert page.count("(qualifies this claim)") == 1


def test_the_annotated_article_says_a_passage_denies_its_claim(client, claim):
    denial = claim.mentions.get(stance=MentionStance.DENIES)
    page = client.get(denial.document.get_absolute_url()).content.decode()
    assert "This passage denies this claim." in page  # in the passage's note
    assert "The article denies this claim." in page  # beside the claim in the list
    assert 'class="stance stance-denies">denies this claim</span>' in page  # on the mark


def test_an_asserting_passage_carries_no_stance_words(client, claim):
    plain = claim.mentions.get(stance=MentionStance.ASSERTS)
    page = client.get(plain.document.get_absolute_url()).content.decode()
    assert "denies" not in page and "qualifies" not in page
