"""The public grade history: a grade change made through review is recorded (from → to, when,
why), shown on the claim page and in both Atom feeds; nothing unpublished ever appears."""

import xml.etree.ElementTree as ET  # noqa: S405 (our own feed)

import pytest
from django.urls import reverse

from evidence.history import grade_changes_record, snapshot
from evidence.models import Claim, ClaimGradeChange, PublicationStatus
from evidence.services import claim_override_set, claims_regrade
from evidence.workflow import claim_publish, claim_submit
from studies.models import StudyStatus
from studies.services import study_publish
from tests.factories import ClaimFactory, EvidenceLinkFactory, StudyFactory

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def graded_claim(claim_status=PublicationStatus.PUBLISHED) -> Claim:
    """A claim with one linked trial still in review: graded, with nothing to grade yet."""
    claim = ClaimFactory(status=claim_status)
    study = StudyFactory(participants=500, risk_of_bias="low", status=StudyStatus.REVIEW)
    EvidenceLinkFactory(claim=claim, study=study, direction="supports")
    claims_regrade()
    claim.refresh_from_db()
    return claim


def _feed_entries(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314
    return [entry.findtext(f"{ATOM}title") for entry in root.iter(f"{ATOM}entry")]


def test_publishing_a_study_through_review_records_the_change_and_why(reviewer):
    claim = graded_claim()
    study = claim.evidence_links.get().study
    study_publish(study=study, by=reviewer)
    claim.refresh_from_db()

    change = ClaimGradeChange.objects.public().get(claim=claim)
    assert (change.certainty_from, change.certainty_to) == ("none", claim.certainty)
    assert change.certainty_to != "none"
    assert study.short_label() in change.reason
    assert change.bottom_line_to == claim.stored_bottom_line


def test_the_change_shows_on_the_claim_page_and_in_both_feeds(client, reviewer):
    claim = graded_claim()
    study_publish(study=claim.evidence_links.get().study, by=reviewer)
    claim.refresh_from_db()
    change = ClaimGradeChange.objects.get(claim=claim)

    page = client.get(claim.get_absolute_url()).content.decode()
    own = _feed_entries(client, reverse("open:claim_feed", kwargs={"slug": claim.slug}))
    every = _feed_entries(client, reverse("open:claims_feed"))

    assert f'id="grade-change-{change.pk}"' in page
    assert len(own) == 1 and own[0].startswith("No evidence graded / —")
    assert own == every


def test_an_override_is_a_change_with_its_justification_as_the_reason(curator):
    claim = ClaimFactory()
    claim_override_set(
        claim=claim, certainty="low", justification="Two trials, same lab.", by=curator
    )
    change = ClaimGradeChange.objects.public().get(claim=claim)
    assert (change.certainty_from, change.certainty_to) == ("none", "low")
    assert change.reason == "Two trials, same lab."


def test_a_regrade_that_changes_nothing_a_reader_sees_records_nothing():
    claim = graded_claim()
    claims_regrade()
    Claim.objects.filter(pk=claim.pk).update(rationale=["reworded step"])
    claims_regrade(force=True)
    assert not ClaimGradeChange.objects.exists()


def test_changes_to_a_draft_never_appear_even_once_it_is_published(
    client, reviewer, curator, second_reviewer
):
    claim = graded_claim(claim_status=PublicationStatus.DRAFT)
    study_publish(study=claim.evidence_links.get().study, by=reviewer)
    assert ClaimGradeChange.objects.filter(claim=claim).count() == 1

    assert _feed_entries(client, reverse("open:claims_feed")) == []
    feed = reverse("open:claim_feed", kwargs={"slug": claim.slug})
    assert client.get(feed).status_code == 404

    claim_submit(claim=claim, by=curator)
    claim_publish(claim=claim, by=second_reviewer)
    assert _feed_entries(client, feed) == []
    assert _feed_entries(client, reverse("open:claims_feed")) == []
    assert "grade-change-" not in client.get(claim.get_absolute_url()).content.decode()


def test_recording_is_one_bulk_insert_for_any_number_of_claims(django_assert_num_queries):
    claims = ClaimFactory.create_batch(20)
    before = snapshot(claims)
    for claim in claims:
        claim.certainty = "low"
    with django_assert_num_queries(1):
        rows = grade_changes_record(before=before, after=snapshot(claims), reason="test")
    assert len(rows) == 20
