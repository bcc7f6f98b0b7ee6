"""Only a write a reader could see moves the public version (public/visibility.py): a curator
writing drafts all day leaves every cached page and every kept part where it was, and the worker
counts nothing; a publish, an unpublish or an edit of anything published still moves it at once.
"""

import pytest
from django.urls import reverse

from evidence.models import ClaimGradeChange, PublicationStatus
from evidence.services import claims_regrade
from evidence.signals import grades_changed
from evidence.workflow import claim_unpublish
from public import page_cache
from studies.models import ImportJob, Study, StudyStatus
from studies.services import study_publish, study_submit, study_unpublish
from tests.admin_helpers import study_form_data
from tests.factories import (
    ClaimCategoryFactory,
    ClaimFactory,
    ClaimMentionFactory,
    EvidenceLinkFactory,
    OutcomeArmFactory,
    OutcomeFactory,
    SourceDocumentFactory,
    StudyFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pages_cached")]


@pytest.fixture
def version():
    """Whether the public version moved since the last call."""
    last = [page_cache.current_version()]

    def moved() -> bool:
        now = page_cache.current_version()
        changed, last[0] = now != last[0], now
        return changed

    return moved


def draft_study(**fields) -> Study:
    return StudyFactory(status=StudyStatus.DRAFT, **fields)


def test_a_draft_study_its_outcomes_and_arms_are_written_without_a_new_version(version):
    study = draft_study(title="A trial still being entered")
    study.title = "A trial still being entered, corrected"
    study.save()
    outcome = OutcomeFactory(study=study)
    outcome.name = "Hair count at 12 weeks"
    outcome.save()
    OutcomeArmFactory(outcome=outcome)
    assert not version()


def test_every_write_of_a_published_study_and_its_rows_makes_a_new_version(version):
    study = StudyFactory()
    assert version()
    study.title = "A published title, corrected"
    study.save()
    assert version()
    outcome = OutcomeFactory(study=study)
    assert version()
    OutcomeArmFactory(outcome=outcome)
    assert version()


def test_publishing_and_unpublishing_a_study_make_a_new_version_each(version, curator, reviewer):
    study = draft_study(year=2020)
    study_submit(study=study, by=curator)
    assert not version()  # in review: still not public
    study_publish(study=Study.objects.get(pk=study.pk), by=reviewer)
    assert version()
    study_unpublish(study=Study.objects.get(pk=study.pk), by=reviewer)
    assert version()
    # Its draft again: edits are unseen once more.
    study = Study.objects.get(pk=study.pk)
    study.summary = "Back to work on it."
    study.save()
    assert not version()


def test_a_link_is_seen_only_while_its_claim_and_its_study_are_published(version):
    claim, study = ClaimFactory(), draft_study()
    version()
    link = EvidenceLinkFactory(claim=claim, study=study)
    link.finding = "Still a draft study."
    link.save()
    assert not version()
    # The same link moved from a draft claim's study to a published one is seen...
    link.study = StudyFactory()
    version()
    link.save()
    assert version()
    # ...and moved away from it again (its stored row was shown) too.
    link.study = study
    link.save()
    assert version()


def test_a_draft_claim_and_its_passage_are_written_without_a_new_version(version):
    document, category = SourceDocumentFactory(), ClaimCategoryFactory()
    version()
    claim = ClaimFactory(
        status=PublicationStatus.DRAFT, statement="Rollers may help.", category=category
    )
    claim.statement = "Rollers may help a little."
    claim.save()
    ClaimMentionFactory(claim=claim, document=document, status=PublicationStatus.PUBLISHED)
    assert not version()
    claim.status = PublicationStatus.PUBLISHED
    claim.save()
    assert version()


def test_rows_no_page_reads_never_make_a_new_version(version, curator):
    study = StudyFactory()
    version()
    # The admin's history of every save, and an import job's progress.
    study.history.first().save()
    job = ImportJob.objects.create(filename="refs.ris", created_by=curator, total=20)
    job.processed = 10
    job.save()
    assert not version()


def test_a_regrade_makes_a_new_version_only_for_a_published_claims_grade(version, reviewer):
    draft = ClaimFactory(status=PublicationStatus.DRAFT)
    EvidenceLinkFactory(claim=draft)
    version()
    assert claims_regrade(claims=[draft]).changed == 1
    assert not version()
    published = ClaimFactory()
    EvidenceLinkFactory(claim=published)
    version()
    summary = claims_regrade(claims=[published])
    assert (summary.changed, summary.published_changed) == (1, 1)
    assert version()
    # A sender that does not say how many were published is seen.
    grades_changed.send(sender=ClaimGradeChange, changed=1)
    assert version()


def test_a_cached_page_outlives_a_curators_draft_but_not_an_edit_of_what_it_shows(
    client, admin_client, django_assert_max_num_queries
):
    shown = StudyFactory(title="A trial every reader sees")
    url = reverse("studies:detail", args=[shown.pk])
    client.get(url)
    draft = draft_study(title="A trial nobody sees yet")
    response = admin_client.post(
        reverse("admin:studies_study_change", args=[draft.pk]),
        study_form_data(draft, title="A trial nobody sees yet, corrected"),
    )
    assert response.status_code == 302
    assert Study.objects.get(pk=draft.pk).title == "A trial nobody sees yet, corrected"
    with django_assert_max_num_queries(2) as queries:  # the request's savepoint at most
        assert client.get(url).status_code == 200
    assert not [q for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    shown.title = "A trial every reader sees, retitled"
    shown.save()
    assert b"A trial every reader sees, retitled" in client.get(url).content


def test_an_unpublished_claim_leaves_the_cached_pages_at_once(client, reviewer):
    claim = ClaimFactory(statement="Rollers regrow hair.")
    assert client.get(claim.get_absolute_url()).status_code == 200
    claim_unpublish(claim=claim, by=reviewer)
    assert client.get(claim.get_absolute_url()).status_code == 404
