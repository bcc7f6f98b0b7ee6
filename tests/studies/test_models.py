import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from studies.citations import normalize_doi, normalize_title
from studies.models import Study, StudyStatus
from tests.factories import OutcomeFactory, StudyFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "raw",
    [
        "10.1111/jocd.13714",
        "10.1111/JOCD.13714",
        "https://doi.org/10.1111/jocd.13714",
        "http://dx.doi.org/10.1111/JOCD.13714",
        "doi:10.1111/jocd.13714",
        "DOI: 10.1111/jocd.13714.",
        " https://doi.org/doi:10.1111/jocd.13714 ",
    ],
)
def test_every_form_of_a_doi_normalises_to_the_same_key(raw):
    assert normalize_doi(raw) == "10.1111/jocd.13714"


def test_titles_compare_without_case_accents_or_punctuation():
    assert normalize_title("Müller: A Study — of Hair!") == normalize_title(
        "muller a study of hair"
    )
    assert normalize_title("A study of hair") != normalize_title("A study of hairs")


def test_a_study_is_saved_with_its_doi_normalised():
    study = StudyFactory(doi="https://doi.org/10.4103/JCAS.JCAS_130_17", pmid="PMID: 30886475")
    study.refresh_from_db()
    assert study.doi == "10.4103/jcas.jcas_130_17"
    assert study.pmid == "30886475"


@pytest.mark.parametrize(
    "duplicate",
    ["10.1111/JOCD.13714", "https://doi.org/10.1111/jocd.13714", "doi:10.1111/jocd.13714"],
)
def test_a_duplicate_doi_in_any_case_or_prefix_form_is_refused_by_the_form(duplicate):
    existing = StudyFactory(doi="10.1111/jocd.13714")
    study = StudyFactory.build(doi=duplicate)
    with pytest.raises(ValidationError) as error:
        study.full_clean()
    assert "Another study already has this DOI" in str(error.value.message_dict["doi"])
    assert str(existing.year) in str(error.value.message_dict["doi"])


@pytest.mark.parametrize(
    "duplicate",
    ["10.1111/JOCD.13714", "https://doi.org/10.1111/jocd.13714", "doi:10.1111/jocd.13714"],
)
def test_a_duplicate_doi_in_any_form_is_refused_by_the_database(duplicate):
    StudyFactory(doi="10.1111/jocd.13714")
    with pytest.raises(IntegrityError), transaction.atomic():
        StudyFactory(doi=duplicate)
    assert Study.objects.count() == 1


def test_an_unnormalised_doi_written_past_the_model_is_refused_by_the_database():
    study = StudyFactory(doi="10.1/abc")
    with pytest.raises(IntegrityError), transaction.atomic():
        Study.objects.filter(pk=study.pk).update(doi="HTTPS://DOI.ORG/10.1/ABC")


def test_studies_without_a_doi_or_pmid_can_coexist():
    StudyFactory(doi="", pmid="")
    StudyFactory(doi="", pmid="")
    assert Study.objects.count() == 2


def test_a_duplicate_pmid_is_refused_by_form_and_database():
    StudyFactory(pmid="23960389")
    with pytest.raises(ValidationError) as error:
        StudyFactory.build(pmid="23960389").full_clean()
    assert "pmid" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        StudyFactory(pmid="23960389")


def test_a_malformed_doi_or_pmid_gets_a_clear_message():
    with pytest.raises(ValidationError) as error:
        StudyFactory.build(doi="not a doi", pmid="12ab").full_clean()
    assert "is not a DOI" in error.value.message_dict["doi"][0]
    assert "digits only" in error.value.message_dict["pmid"][0]


def test_a_negative_participant_count_is_refused_by_form_and_database():
    with pytest.raises(ValidationError) as error:
        StudyFactory.build(participants=-3).full_clean()
    assert "participants" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        StudyFactory(participants=-3)
    assert not Study.objects.exists()


def test_zero_and_empty_participant_counts_are_allowed():
    StudyFactory(participants=0)
    StudyFactory(participants=None)
    assert Study.objects.count() == 2


@pytest.mark.parametrize("year", [1799, 2101])
def test_a_year_outside_the_sane_range_is_refused_by_form_and_database(year):
    with pytest.raises(ValidationError) as error:
        StudyFactory.build(year=year).full_clean()
    assert "year" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        StudyFactory(year=year)


def test_only_title_and_design_are_required_and_a_year_unless_draft():
    study = Study(title="A minimal record", year=2001, design="case_report")
    study.full_clean()
    study.save()
    assert study.status == StudyStatus.DRAFT
    with pytest.raises(ValidationError) as error:
        Study().full_clean()
    assert set(error.value.message_dict) == {"title", "design"}
    with pytest.raises(ValidationError) as error:
        Study(title="In review", design="case_report", status=StudyStatus.REVIEW).full_clean()
    assert set(error.value.message_dict) == {"year"}


def test_only_a_draft_may_be_without_a_year_in_the_database():
    StudyFactory(year=None, status=StudyStatus.DRAFT)
    for status in (StudyStatus.REVIEW, StudyStatus.PUBLISHED):
        with pytest.raises(IntegrityError), transaction.atomic():
            StudyFactory(year=None, status=status)


def test_a_retracted_study_needs_a_reason_in_form_and_database():
    with pytest.raises(ValidationError) as error:
        StudyFactory.build(status=StudyStatus.RETRACTED).full_clean()
    assert "retraction_reason" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        StudyFactory(status=StudyStatus.RETRACTED, retraction_reason="")


def test_an_outcome_ci_must_be_ordered():
    with pytest.raises(IntegrityError), transaction.atomic():
        OutcomeFactory(ci_low=2.0, ci_high=1.0)


def test_a_study_reads_as_first_author_year_and_title():
    study = StudyFactory.build(authors=["Rachita Dhurat", "MS Sukesh"], year=2013, title="Pilot")
    assert str(study) == "Dhurat 2013: Pilot"


@pytest.mark.parametrize(
    ("authors", "journal", "pmid", "label"),
    [
        (["Robert S English Jr", "Sophia Ruiz"], "", "", "English 2024"),
        (["Starace M", "Alessandrini A"], "", "", "Starace 2024"),
        (["Liu R"], "", "", "Liu 2024"),
        ([], "Dermatology Reports", "12345678", "Dermatology Reports 2024"),
        ([], "", "12345678", "Untitled trial, PMID 12345678"),
    ],
)
def test_a_study_label_is_family_name_and_year_never_the_citation_key(
    authors, journal, pmid, label
):
    study = StudyFactory.build(
        authors=authors, journal=journal, pmid=pmid, year=2024, citation_key="internal2024"
    )
    assert study.short_label() == label


def test_a_study_with_a_placeholder_title_reads_as_title_not_available():
    study = StudyFactory.build(
        authors=[], journal="", pmid="32516497", year=2020, title="[Title not verified: x]"
    )
    assert str(study) == ("Untitled trial, PMID 32516497: Title not available (PMID 32516497)")


def test_a_study_gives_its_vancouver_reference_from_its_own_fields():
    study = StudyFactory.build(
        authors=["Rachita Dhurat", "MS Sukesh"],
        title="Pilot",
        journal="International Journal of Trichology",
        year=2013,
        volume="5",
        issue="1",
        pages="6-11",
        doi="10.4103/0974-7753.114700",
    )
    assert study.formatted_reference() == (
        "Dhurat R, Sukesh MS. Pilot. International Journal of Trichology. 2013;5(1):6–11. "
        "doi:10.4103/0974-7753.114700"
    )


def test_only_a_draft_may_wait_without_a_design():
    StudyFactory(design="", status=StudyStatus.DRAFT)
    with pytest.raises(IntegrityError), transaction.atomic():
        StudyFactory(design="", status=StudyStatus.PUBLISHED)
