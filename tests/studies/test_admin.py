"""The study admin: permission matrix, changelist query counts, import page, history, export."""

from pathlib import Path

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evidence.models import EvidenceLink
from studies.models import Study, StudyStatus
from tests.admin_helpers import run_action, study_form_data
from tests.factories import ClaimFactory, EvidenceLinkFactory, OutcomeFactory, StudyFactory

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parent.parent / "data"
PERSONAS = ["anonymous", "curator", "reviewer", "superuser"]
CHANGELIST = reverse("admin:studies_study_changelist")


@pytest.fixture
def as_persona(client, persona):
    if persona is not None:
        client.force_login(persona)
    return client


def change_url(study):
    return reverse("admin:studies_study_change", args=[study.pk])


# The permission matrix: anonymous, curator, reviewer, superuser × each action. -------------

MATRIX = {
    # action: (anonymous, curator, reviewer, superuser) allowed?
    "open the changelist": (False, True, True, True),
    "open the import page": (False, True, True, True),
    "edit a draft": (False, True, True, True),
    # Published is locked for everyone, the superuser too: only unpublishing unlocks it.
    "edit a published study": (False, False, False, False),
    "submit a draft": (False, True, True, True),
    "publish a study in review": (False, False, True, True),
    "unpublish a published study": (False, False, True, True),
    "retract a published study": (False, False, True, True),
    "delete a draft": (False, False, True, True),
    "delete a published study": (False, False, False, False),
    "export as BibTeX": (False, True, True, True),
}


def attempt(client, action: str) -> bool:
    """Try one action; True when it took effect."""
    if action == "open the changelist":
        return client.get(CHANGELIST).status_code == 200
    if action == "open the import page":
        return client.get(reverse("admin:studies_study_import")).status_code == 200
    if action in ("edit a draft", "edit a published study"):
        status = StudyStatus.DRAFT if action == "edit a draft" else StudyStatus.PUBLISHED
        study = StudyFactory(status=status)
        client.post(change_url(study), study_form_data(study, summary="Edited in the admin."))
        study.refresh_from_db()
        return study.summary == "Edited in the admin."
    if action.startswith(("submit", "publish", "unpublish", "retract")):
        verb, start = {
            "submit a draft": ("submit_for_review", StudyStatus.DRAFT),
            "publish a study in review": ("publish", StudyStatus.REVIEW),
            "unpublish a published study": ("unpublish", StudyStatus.PUBLISHED),
            "retract a published study": ("retract", StudyStatus.PUBLISHED),
        }[action]
        study = StudyFactory(status=start)
        extra = {"apply": "1", "reason": "Retracted by the journal."} if verb == "retract" else {}
        run_action(client, "study", verb, [study], **extra)
        study.refresh_from_db()
        return study.status != start
    if action.startswith("delete"):
        status = StudyStatus.DRAFT if action == "delete a draft" else StudyStatus.PUBLISHED
        study = StudyFactory(status=status)
        url = reverse("admin:studies_study_delete", args=[study.pk])
        client.post(url, {"post": "yes"})
        return not Study.objects.filter(pk=study.pk).exists()
    if action == "export as BibTeX":
        study = StudyFactory(citation_key="tester2020")
        response = run_action(client, "study", "export_bibtex", [study])
        return response.status_code == 200 and b"@article{tester2020" in response.content
    raise AssertionError(action)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("action", list(MATRIX))
def test_permission_matrix(as_persona, request, action):
    who = request.node.callspec.params["persona"]
    expected = MATRIX[action][PERSONAS.index(who)]
    assert attempt(as_persona, action) is expected, f"{who} / {action}"


# Changelist ----------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [5, 50])
def test_the_changelist_query_count_does_not_grow_with_rows(
    client, curator, django_assert_max_num_queries, rows
):
    for study in StudyFactory.create_batch(rows):
        EvidenceLinkFactory.create_batch(2, study=study)
        OutcomeFactory(study=study)
    client.force_login(curator)
    with django_assert_max_num_queries(11):
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert response.content.count(b'class="field-claim_count">2<') == rows


def test_the_changelist_shows_the_columns_a_curator_scans(client, curator):
    StudyFactory(title="Test record shown in the list", participants=77, design="cohort")
    client.force_login(curator)
    page = client.get(CHANGELIST).content.decode()
    for text in [
        "Test record shown in the list",
        "Tester et al.",
        "Cohort study",
        "77",
        "Low",
        "Published",
    ]:
        assert text in page


def test_search_finds_a_study_by_doi_author_and_pmid(client, curator):
    StudyFactory(
        title="Test record Alpha", doi="10.5555/test.9", authors=["Zelda Findme"], pmid="1"
    )
    StudyFactory(title="Test record Beta")
    client.force_login(curator)
    for term in ["10.5555/test.9", "Findme", "Alpha", "1"]:
        page = client.get(CHANGELIST, {"q": term}).content.decode()
        assert "Test record Alpha" in page and "Test record Beta" not in page, term


def test_the_changelist_links_to_the_import_page_for_curators(client, curator):
    client.force_login(curator)
    assert reverse("admin:studies_study_import") in client.get(CHANGELIST).content.decode()


# Editing -------------------------------------------------------------------------------------


def test_authors_are_typed_one_per_line(client, curator):
    study = StudyFactory(status=StudyStatus.DRAFT)
    client.force_login(curator)
    data = study_form_data(study, authors="Ada Tester\n\n  Ben Example  \nCé Accent")
    response = client.post(change_url(study), data)
    assert response.status_code == 302
    study.refresh_from_db()
    assert study.authors == ["Ada Tester", "Ben Example", "Cé Accent"]
    assert study.updated_by == curator


def test_a_duplicate_doi_in_the_form_is_refused_and_nothing_is_saved(client, curator):
    StudyFactory(doi="10.5555/test.1")
    study = StudyFactory(status=StudyStatus.DRAFT, title="Test record before")
    client.force_login(curator)
    data = study_form_data(study, title="Test record after", doi="https://doi.org/10.5555/TEST.1")
    response = client.post(change_url(study), data)
    assert response.status_code == 200
    assert "Another study already has this DOI" in response.content.decode()
    study.refresh_from_db()
    assert study.title == "Test record before"


def test_an_invalid_inline_row_saves_nothing_of_the_study(client, curator):
    study = StudyFactory(status=StudyStatus.DRAFT, title="Test record before")
    client.force_login(curator)
    data = study_form_data(study, title="Test record after")
    data.update(
        {
            "outcomes-TOTAL_FORMS": "1",
            "outcomes-0-measure": "hair count",
            "outcomes-0-ci_low": "5",
            "outcomes-0-ci_high": "1",
            "outcomes-0-order": "0",
        }
    )
    response = client.post(change_url(study), data)
    assert response.status_code == 200
    assert "The upper CI limit is below the lower one" in response.content.decode()
    study.refresh_from_db()
    assert study.title == "Test record before"
    assert not study.outcomes.exists()


def test_links_added_on_a_study_record_who_added_them(client, curator):
    study = StudyFactory(status=StudyStatus.DRAFT)
    claim = ClaimFactory(status="draft")  # a published claim's links are locked
    client.force_login(curator)
    data = study_form_data(study)
    data.update(
        {
            "evidence_links-TOTAL_FORMS": "1",
            "evidence_links-0-claim": str(claim.pk),
            "evidence_links-0-direction": "supports",
        }
    )
    assert client.post(change_url(study), data).status_code == 302
    link = EvidenceLink.objects.get()
    assert link.updated_by == curator
    assert link.history.get().history_user == curator


def test_the_change_page_shows_the_vancouver_reference(client, curator):
    study = StudyFactory(
        status=StudyStatus.DRAFT, title="Test record", authors=["Ada Tester"], pages="1-9"
    )
    client.force_login(curator)
    assert "Tester A. Test record. Journal of Tests. 2020;1–9." in (
        client.get(change_url(study)).content.decode()
    )


# Workflow messages ---------------------------------------------------------------------------


def test_a_reviewer_publishing_their_own_change_sees_why_it_was_refused(client, reviewer):
    study = StudyFactory(status=StudyStatus.REVIEW, updated_by=reviewer)
    client.force_login(reviewer)
    response = run_action(client, "study", "publish", [study])
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("another reviewer must publish it" in m for m in messages)
    study.refresh_from_db()
    assert study.status == StudyStatus.REVIEW


def test_the_retract_action_asks_for_a_reason_first(client, reviewer):
    study = StudyFactory(status=StudyStatus.PUBLISHED)
    client.force_login(reviewer)
    response = run_action(client, "study", "retract", [study])
    assert response.status_code == 200
    assert "retraction reason" in response.content.decode()
    study.refresh_from_db()
    assert study.status == StudyStatus.PUBLISHED
    response = run_action(client, "study", "retract", [study], apply="1", reason="")
    assert "This field is required" in response.content.decode()
    assert Study.objects.get().status == StudyStatus.PUBLISHED


# Import page ---------------------------------------------------------------------------------


def upload(client, *names, dry_run=False):
    files = [SimpleUploadedFile(n, (DATA / n).read_bytes()) for n in names]
    data = {"files": files}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(reverse("admin:studies_study_import"), data, follow=True)


def test_uploading_a_file_creates_drafts_and_shows_each_record(client, curator):
    client.force_login(curator)
    response = upload(client, "duplicate_in_file.ris")
    page = response.content.decode()
    assert response.status_code == 200
    assert "3 records; created 2, 0 already present, 1 skipped." in page
    assert "skipped: a duplicate of record 1 (line 1) in this file" in page
    assert set(Study.objects.values_list("status", flat=True)) == {StudyStatus.DRAFT}
    assert {r.history_user for r in Study.history.all()} == {curator}


def test_an_upload_reports_already_present_studies_with_a_link(client, curator):
    existing = StudyFactory(pmid="23960389")
    client.force_login(curator)
    page = upload(client, "seed_two.xml").content.decode()
    assert "already present (same PMID 23960389)" in page
    assert change_url(existing) in page


def test_a_malformed_upload_writes_nothing_and_other_files_still_import(client, curator):
    client.force_login(curator)
    page = upload(client, "truncated.bib", "seed_two.json").content.decode()
    assert "truncated.bib: not imported" in page
    assert "starting at line 8 cannot be read" in page
    assert set(Study.objects.values_list("pmid", flat=True)) == {"36693328", "35899211"}


def test_a_dry_run_upload_writes_nothing(client, curator):
    client.force_login(curator)
    page = upload(client, "seed_three.ris", dry_run=True).content.decode()
    assert "would create 3" in page
    assert not Study.objects.exists()


# History -------------------------------------------------------------------------------------


def test_an_admin_change_leaves_history_with_who_and_when(client, curator):
    study = StudyFactory(status=StudyStatus.DRAFT, summary="Before.")
    client.force_login(curator)
    client.post(change_url(study), study_form_data(study, summary="After."))
    record = study.history.first()
    assert record.history_user == curator
    assert record.history_date is not None
    assert record.summary == "After."
    page = client.get(reverse("admin:studies_study_history", args=[study.pk])).content.decode()
    assert "curator" in page and "Summary" in page  # the changed field is listed


def test_a_reviewer_can_revert_a_draft_to_an_earlier_version(client, curator, reviewer):
    study = StudyFactory(status=StudyStatus.DRAFT, summary="The first words.")
    client.force_login(curator)
    client.post(change_url(study), study_form_data(study, summary="Vandalised."))
    first = study.history.earliest()
    client.force_login(reviewer)
    url = reverse("admin:studies_study_simple_history", args=[study.pk, first.history_id])
    assert client.get(url).status_code == 200
    study.refresh_from_db()
    response = client.post(url, study_form_data(study, summary="The first words."))
    assert response.status_code == 302
    study.refresh_from_db()
    assert study.summary == "The first words."
    assert study.history.first().history_user == reviewer


# Export --------------------------------------------------------------------------------------


def test_exporting_selected_studies_as_ris_downloads_a_file(client, curator):
    chosen = StudyFactory(title="Test record chosen")
    StudyFactory(title="Test record not chosen")
    client.force_login(curator)
    response = run_action(client, "study", "export_ris", [chosen])
    assert response["Content-Disposition"] == 'attachment; filename="studies.ris"'
    text = response.content.decode()
    assert "TI  - Test record chosen" in text and "not chosen" not in text


def test_bulk_delete_is_not_offered_to_reviewers(client, reviewer):
    study = StudyFactory(status=StudyStatus.PUBLISHED)
    client.force_login(reviewer)
    client.post(
        CHANGELIST, {"action": "delete_selected", ACTION_CHECKBOX_NAME: [study.pk], "post": "yes"}
    )
    assert Study.objects.filter(pk=study.pk).exists()


def test_a_curator_may_clear_a_draft_s_year_in_the_form(client, curator):
    draft = StudyFactory(status=StudyStatus.DRAFT, year=2013)
    client.force_login(curator)
    assert client.post(change_url(draft), study_form_data(draft, year="")).status_code == 302
    draft.refresh_from_db()
    assert draft.year is None
