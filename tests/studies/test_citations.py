"""Vancouver references, checked against strings written by hand from seed records.

Pure: the references are plain values, no model and no database.
"""

import dataclasses
from dataclasses import dataclass, field

import pytest

from studies.citations import (
    family_name,
    format_vancouver,
    public_title,
    vancouver_author,
    vancouver_pages,
)


@dataclass(frozen=True)
class Reference:
    """The fields a Vancouver reference reads, as a seed record gives them."""

    title: str
    year: int
    authors: list[str] = field(default_factory=list)
    journal: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    doi: str = ""
    pmid: str = ""


def seed_study(bibliography, key: str) -> Reference:
    r = next(r for r in bibliography if r["short_key"] == key)
    return Reference(
        title=r["title"],
        authors=r["authors"] or [],
        journal=r["journal"] or "",
        year=r["year"],
        volume=r["volume"] or "",
        issue=r["issue"] or "",
        pages=r["pages"] or "",
        doi=(r["doi"] or "").lower(),
        pmid=r["pmid"] or "",
    )


def test_a_six_author_trial_renders_in_vancouver_style(bibliography):
    study = seed_study(bibliography, "dhurat2013")
    assert format_vancouver(study) == (
        "Dhurat R, Sukesh MS, Avhad G, Dandale A, Pal A, Pund P. A Randomized Evaluator "
        "Blinded Study of Effect of Microneedling in Androgenetic Alopecia: A Pilot Study. "
        "International Journal of Trichology. 2013;5(1):6-11. doi:10.4103/0974-7753.114700"
    )


def test_more_than_six_authors_are_cut_to_six_and_et_al(bibliography):
    study = seed_study(bibliography, "ito2007")
    assert format_vancouver(study) == (
        "Ito M, Yang Z, Andl T, Cui C, Kim N, Millar SE, et al. Wnt-dependent de novo hair "
        "follicle regeneration in adult mouse skin after wounding. Nature. "
        "2007;447(7142):316-20. doi:10.1038/nature05766"
    )


def test_a_title_ending_in_a_question_mark_gets_no_extra_full_stop(bibliography):
    study = seed_study(bibliography, "fertig2018")
    assert "Microneedling for the treatment of hair loss? Journal" in format_vancouver(study)
    assert format_vancouver(study).endswith("PMID: 29194786.")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Rachita Dhurat", "Dhurat R"),
        ("MS Sukesh", "Sukesh MS"),
        ("Muriki K. Kumar", "Kumar MK"),
        ("Guang-Ri Jin", "Jin GR"),
        ("Robert S English Jr", "English RS Jr"),
        ("R. M. Fertig", "Fertig RM"),
        # Stored family name first (Vancouver-style already): kept, not turned inside out.
        ("Starace M", "Starace M"),
        ("Liu R", "Liu R"),
        ("Chandrashekar B S", "Chandrashekar BS"),
    ],
)
def test_author_names_become_family_name_and_initials(name, expected):
    assert vancouver_author(name) == expected


@pytest.mark.parametrize(
    ("pages", "expected"),
    [("1553-1563", "1553-63"), ("6-11", "6-11"), ("316-320", "316-20"), ("e8-e17", "e8-e17")],
)
def test_page_ranges_drop_repeated_leading_digits(pages, expected):
    assert vancouver_pages(pages) == expected


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("Rachita Dhurat", "Dhurat"),
        ("Robert S English Jr", "English"),
        ("John Smith III", "Smith"),
        ("Starace M", "Starace"),
        ("Liu R", "Liu"),
        ("Chandrashekar B S", "Chandrashekar"),
        ("MS Sukesh", "Sukesh"),
    ],
)
def test_the_family_name_skips_suffixes_and_reads_family_first_names(name, family):
    assert family_name(name) == family


@pytest.mark.parametrize("title", ["", "  ", "[Title not verified: randomised trial; PMID 1]"])
def test_a_placeholder_title_is_shown_as_not_available_with_the_pmid(title):
    assert public_title(title, "32516497") == "Title not available (PMID 32516497)"
    assert public_title(title) == "Title not available"


def test_a_real_title_is_shown_as_printed():
    assert public_title(" Microneedles for drug delivery ", "22575858") == (
        "Microneedles for drug delivery"
    )


def test_a_vancouver_reference_never_prints_a_placeholder_title_and_keeps_the_pmid(bibliography):
    study = dataclasses.replace(
        seed_study(bibliography, "homeuse2020"),
        title="[Title not verified: randomised controlled trial; PMID 32516497]",
        doi="10.1000/example",
    )

    reference = format_vancouver(study)

    assert "[" not in reference and "Title not available." in reference
    assert reference.endswith("PMID: 32516497.")
