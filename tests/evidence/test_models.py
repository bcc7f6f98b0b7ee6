import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from evidence.models import ClaimMention
from tests.factories import (
    ClaimFactory,
    ClaimMentionFactory,
    EvidenceLinkFactory,
    OutcomeFactory,
    SourceDocumentFactory,
    StudyFactory,
)

pytestmark = pytest.mark.django_db


def test_a_mention_at_its_quote_is_valid():
    mention = ClaimMentionFactory()
    mention.full_clean()
    assert mention.document.text[mention.start : mention.end] == mention.quote


def test_a_mention_whose_quote_is_not_at_its_offsets_is_refused_with_what_is_there():
    document = SourceDocumentFactory()
    mention = ClaimMention(
        claim=ClaimFactory(), document=document, quote="improves blood flow", start=0, end=19
    )
    with pytest.raises(ValidationError) as error:
        mention.full_clean()
    message = error.value.message_dict["quote"][0]
    assert "not at characters 0–19" in message
    assert "“Microneedling induc”" in message


def test_the_database_refuses_a_span_that_does_not_fit_the_quote():
    document = SourceDocumentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimMention.objects.create(
            claim=ClaimFactory(), document=document, quote="Microneedling", start=0, end=40
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimMention.objects.create(
            claim=ClaimFactory(), document=document, quote="", start=5, end=5
        )
    assert not ClaimMention.objects.exists()


def test_a_document_keeps_a_checksum_of_its_text():
    document = SourceDocumentFactory(text="abc")
    assert document.checksum == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_a_claim_links_to_a_study_only_once():
    link = EvidenceLinkFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        EvidenceLinkFactory(claim=link.claim, study=link.study, direction="contradicts")


def test_a_link_outcome_must_belong_to_the_linked_study():
    link = EvidenceLinkFactory.build(
        claim=ClaimFactory(), study=StudyFactory(), outcome=OutcomeFactory()
    )
    with pytest.raises(ValidationError) as error:
        link.full_clean()
    assert "another study" in error.value.message_dict["outcome"][0]


def test_an_override_without_justification_is_refused_by_form_and_database():
    claim = ClaimFactory.build(certainty_override="low")
    with pytest.raises(ValidationError) as error:
        claim.full_clean()
    assert "justification" in error.value.message_dict["override_justification"][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimFactory(direction_override="mixed", override_justification="")


def test_a_study_cited_by_a_claim_cannot_be_deleted_out_from_under_it():
    from django.db.models import ProtectedError

    link = EvidenceLinkFactory()
    with pytest.raises(ProtectedError):
        link.study.delete()


def test_a_link_hands_grading_its_study_design_size_bias_and_its_own_direction():
    study = StudyFactory(
        authors=["Ada Tester", "Ben Example"],
        year=2013,
        design="cohort",
        participants=100,
        risk_of_bias="high",
    )
    link = EvidenceLinkFactory(study=study, direction="contradicts", indirect=True)

    linked = link.as_linked_study()

    assert (linked.design, linked.participants, linked.risk_of_bias) == ("cohort", 100, "high")
    assert (linked.direction, linked.indirect) == ("contradicts", True)
    assert linked.label == "Tester 2013"
