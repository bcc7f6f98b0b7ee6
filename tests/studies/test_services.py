"""Citation import and the study review workflow, through the services the admin calls."""

from pathlib import Path

import pytest

from studies.importers import CitationFileError
from studies.models import Study, StudyStatus
from studies.services import (
    ImportOutcome,
    WorkflowError,
    citations_import,
    study_publish,
    study_retract,
    study_submit,
    study_unpublish,
)
from tests.factories import OutcomeFactory, StudyFactory

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parent.parent / "data"


def import_file(name: str, **kwargs):
    return citations_import(filename=name, content=(DATA / name).read_bytes(), **kwargs)


def outcomes(report):
    return [line.outcome for line in report.lines]


# Import --------------------------------------------------------------------------------------


def test_imported_records_become_draft_studies_with_their_citation_fields():
    report = import_file("seed_three.ris")
    assert outcomes(report) == [ImportOutcome.CREATED] * 3
    study = Study.objects.get(pmid="23960389")
    assert study.status == StudyStatus.DRAFT
    assert study.doi == "10.4103/0974-7753.114700"
    assert study.authors[1] == "MS Sukesh"
    assert study.citation_key == "dhurat2013"
    assert study.design == ""  # left for the curator; submitting asks for it


def test_a_record_already_in_the_database_is_reported_with_the_study_it_matches():
    existing = StudyFactory(doi="10.4103/jcas.jcas_130_17")
    report = import_file("seed_three.ris")
    line = report.lines[1]
    assert line.outcome == ImportOutcome.PRESENT
    assert line.study == existing
    assert "same DOI" in line.reason
    assert Study.objects.count() == 3


@pytest.mark.parametrize(
    ("existing", "why"),
    [
        ({"pmid": "23960389"}, "same PMID"),
        (
            {
                "title": "A randomized evaluator-blinded study of effect of microneedling in "
                "androgenetic alopecia: a pilot study",
                "year": 2013,
            },
            "same title and year",
        ),
    ],
)
def test_duplicates_are_found_by_pmid_then_by_title_and_year(existing, why):
    StudyFactory(**existing)
    report = import_file("seed_three.ris")
    assert report.lines[0].outcome == ImportOutcome.PRESENT
    assert why in report.lines[0].reason


def test_the_same_record_twice_in_one_file_is_created_once():
    report = import_file("duplicate_in_file.ris")
    assert outcomes(report) == [ImportOutcome.CREATED, ImportOutcome.CREATED, ImportOutcome.SKIPPED]
    assert "duplicate of record 1 (line 1) in this file (same DOI" in report.lines[2].reason
    assert Study.objects.filter(doi="10.1111/jocd.13714").count() == 1


def test_the_same_bibtex_entry_twice_without_a_doi_is_matched_by_title_and_year():
    report = import_file("same_key_twice.bib")
    assert outcomes(report) == [ImportOutcome.CREATED, ImportOutcome.SKIPPED]
    assert "same title and year" in report.lines[1].reason


def test_a_record_without_a_year_or_identifier_is_skipped_and_the_rest_imported():
    report = import_file("missing_fields.bib")
    assert outcomes(report) == [ImportOutcome.SKIPPED, ImportOutcome.CREATED]
    assert report.lines[0].reason == "it has no usable year and no DOI or PMID to look it up by"
    assert Study.objects.get().doi == ""


def test_non_ascii_names_are_stored_as_read():
    import_file("non_ascii_names.ris")
    assert Study.objects.get().authors[0] == "Jürgen Müller"


@pytest.mark.parametrize(
    "name", ["truncated.ris", "truncated.bib", "truncated.xml", "truncated.json", "empty.ris"]
)
def test_a_malformed_file_writes_nothing(name):
    with pytest.raises(CitationFileError):
        import_file(name)
    assert Study.objects.count() == 0
    assert Study.history.count() == 0


def test_a_dry_run_reports_but_writes_nothing():
    report = import_file("seed_three.ris", dry_run=True)
    assert outcomes(report) == [ImportOutcome.CREATED] * 3
    assert "would create 3" in report.summary()
    assert Study.objects.count() == 0


def test_an_import_leaves_history_saying_who_and_from_which_file(curator):
    import_file("seed_two.xml", by=curator)
    record = Study.history.get(pmid="18971740")
    assert record.history_user == curator
    assert record.history_type == "+"
    assert record.history_change_reason == "Imported from seed_two.xml"
    assert record.history_date is not None


def test_an_invalid_doi_is_dropped_and_reported_and_the_record_imported():
    content = b"TY  - JOUR\nTI  - Test record\nPY  - 2020\nDO  - not-a-doi\nER  - \n"
    report = citations_import(filename="t.ris", content=content)
    assert report.lines[0].outcome == ImportOutcome.CREATED
    assert report.lines[0].notes == ["DOI “not-a-doi” dropped: not a DOI (10.NNNN/…)"]
    assert Study.objects.get().doi == ""


# Workflow ------------------------------------------------------------------------------------


def test_a_draft_goes_to_review_then_to_published(curator, reviewer):
    study = StudyFactory(status=StudyStatus.DRAFT, updated_by=curator)
    study_submit(study=study, by=curator)
    study_publish(study=study, by=reviewer)
    study.refresh_from_db()
    assert study.status == StudyStatus.PUBLISHED
    assert study.published_by == reviewer
    assert study.history.first().history_user == reviewer


def test_a_study_without_a_design_cannot_be_submitted(curator):
    study = StudyFactory(status=StudyStatus.DRAFT, design="")
    with pytest.raises(WorkflowError, match="Set the study design"):
        study_submit(study=study, by=curator)


def test_a_curator_cannot_publish(curator):
    study = StudyFactory(status=StudyStatus.REVIEW)
    with pytest.raises(WorkflowError, match="Only a reviewer"):
        study_publish(study=study, by=curator)
    assert Study.objects.get().status == StudyStatus.REVIEW


def test_a_reviewer_cannot_publish_their_own_change(reviewer, second_reviewer):
    study = StudyFactory(status=StudyStatus.REVIEW, updated_by=reviewer)
    with pytest.raises(WorkflowError, match="another reviewer must publish it"):
        study_publish(study=study, by=reviewer)
    study_publish(study=study, by=second_reviewer)
    assert study.status == StudyStatus.PUBLISHED


def test_a_reviewer_who_edited_a_draft_earlier_cannot_publish_it(curator, reviewer):
    study = StudyFactory(status=StudyStatus.DRAFT)
    study.summary = "Reviewer's own words."
    study._history_user = reviewer
    study.save()
    study.updated_by = curator
    study._history_user = curator
    study.save()
    study_submit(study=study, by=curator)
    with pytest.raises(WorkflowError, match="another reviewer"):
        study_publish(study=study, by=reviewer)


def test_only_a_study_in_review_can_be_published(reviewer):
    study = StudyFactory(status=StudyStatus.DRAFT)
    with pytest.raises(WorkflowError, match="Submit it for review first"):
        study_publish(study=study, by=reviewer)


def test_unpublishing_returns_a_study_to_draft(reviewer):
    study = StudyFactory(status=StudyStatus.PUBLISHED)
    study_unpublish(study=study, by=reviewer)
    study.refresh_from_db()
    assert study.status == StudyStatus.DRAFT
    assert study.published_at is None


def test_retracting_needs_a_reason_and_keeps_it(reviewer, curator):
    study = StudyFactory(status=StudyStatus.PUBLISHED)
    with pytest.raises(WorkflowError, match="Say why"):
        study_retract(study=study, by=reviewer, reason="  ")
    with pytest.raises(WorkflowError, match="Only a reviewer"):
        study_retract(study=study, by=curator, reason="Retracted by the journal.")
    study_retract(study=study, by=reviewer, reason="Retracted by the journal.")
    study.refresh_from_db()
    assert study.status == StudyStatus.RETRACTED
    assert study.retraction_reason == "Retracted by the journal."


def test_a_reviewer_who_changed_an_outcome_of_the_study_cannot_publish_it(
    reviewer, second_reviewer
):
    study = StudyFactory(status=StudyStatus.REVIEW)
    outcome = OutcomeFactory.build(study=study, measure="Test measure")
    outcome._history_user = reviewer
    outcome.save()
    with pytest.raises(WorkflowError, match="another reviewer"):
        study_publish(study=study, by=reviewer)
    study_publish(study=study, by=second_reviewer)


def test_edits_before_the_last_publication_do_not_block_a_later_publish(reviewer, curator):
    study = StudyFactory(status=StudyStatus.REVIEW)
    outcome = OutcomeFactory.build(study=study)
    outcome._history_user = reviewer
    outcome.save()
    study.status = StudyStatus.PUBLISHED
    study.save()  # published by someone else after the reviewer's edit
    study_unpublish(study=study, by=reviewer)
    study_submit(study=study, by=curator)
    study_publish(study=study, by=reviewer)
    assert study.status == StudyStatus.PUBLISHED


def test_a_large_file_shows_a_progress_bar_when_asked(capsys):
    ris = "".join(
        f"TY  - JOUR\nTI  - Test record {i}\nPY  - 2020\nDO  - 10.5555/test.{i}\nER  - \n"
        for i in range(150)
    )
    citations_import(filename="big.ris", content=ris.encode(), progress=True)
    assert "150/150" in capsys.readouterr().err
