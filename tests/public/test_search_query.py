"""public/search_query.py: a reader's words in, a query plan out (pure, no database)."""

import pytest

from public import search_query
from public.search_query import Alternative, parse


def labels(text: str) -> list[str]:
    return [c.label for c in parse(text).positive]


def test_question_and_stop_words_are_dropped_and_named():
    query = parse("does microneedling increase hair density")

    assert labels("does microneedling increase hair density") == [
        "microneedling",
        "increase",
        "hair density",
    ]
    assert query.dropped == ("does",)


def test_a_synonym_phrase_brings_its_group_as_alternatives():
    (concept,) = parse("blood flow").positive

    texts = [a.text for a in concept.alternatives]
    assert texts[0] == "blood flow"
    assert "circulation" in texts
    assert concept.alternatives[0] == Alternative(("blood", "flow"), phrase=False)
    assert Alternative(("blood", "circulation"), phrase=True) in concept.alternatives


def test_a_synonym_with_a_stop_word_in_it_is_left_out():
    (concept,) = parse("hair density").positive

    assert "more hair" not in [a.text for a in concept.alternatives]


def test_the_longest_synonym_phrase_wins():
    assert labels("androgenetic alopecia") == ["androgenetic alopecia"]
    assert labels("micro-needling") == ["micro needling"]


def test_a_quoted_phrase_is_exact_and_has_no_synonyms():
    (concept,) = parse('"blood flow"').positive

    assert concept.alternatives == (Alternative(("blood", "flow"), phrase=True),)


def test_a_leading_minus_leaves_a_word_out_but_a_hyphen_does_not():
    query = parse("needling -density non-invasive")

    assert [c.label for c in query.negative] == ["density"]
    assert labels("needling -density non-invasive") == ["needling", "non invasive"]


def test_or_joins_the_concepts_either_side():
    (concept,) = parse("keratin or derma roller").positive

    assert concept.label == "keratin or derma roller"
    assert Alternative(("keratin",)) in concept.alternatives
    assert Alternative(("dermaroller",)) in concept.alternatives


@pytest.mark.parametrize(
    "text",
    [
        "10.4103/0974-7753.114700",
        "10.4103/0974-7753.114700.",
        "DOI: 10.4103/0974-7753.114700",
        "doi:10.4103/0974-7753.114700",
        "https://doi.org/10.4103/0974-7753.114700",
        "http://dx.doi.org/10.4103/0974-7753.114700",
        "HTTPS://DOI.ORG/10.4103/0974-7753.114700",
    ],
)
def test_a_doi_in_any_form_is_normalised_and_not_searched_as_words(text):
    query = parse(text)

    assert query.doi == "10.4103/0974-7753.114700"
    assert not query.concepts


@pytest.mark.parametrize("text", ["23960389", "PMID: 23960389", "pmid23960389", "PMID 23960389"])
def test_a_pmid_is_a_bare_number_or_labelled(text):
    assert parse(text).pmid == "23960389"


def test_a_number_stays_a_word_too_it_may_be_a_year_or_a_dose():
    assert labels("2013") == ["2013"]


def test_only_the_first_concepts_are_kept_and_that_is_said():
    query = parse(" ".join(f"word{n}" for n in range(12)))

    assert len(query.concepts) == search_query.MAX_CONCEPTS
    assert query.truncated


@pytest.mark.parametrize(
    "text",
    ['NEAR(collagen) * "x -y ^z col:w', "{a b}: c", "a AND b OR NOT c", 'say "hi'],
)
def test_fts5_match_quotes_every_word_so_no_reader_syntax_survives(text):
    import re

    match = search_query.fts5_match(parse(text))

    outside_quotes = re.sub(r'"[^"]*"', "", match)
    assert re.fullmatch(r"[() ]*(?:(?:AND|OR|NOT)[() ]*)*", outside_quotes), match


def test_fts5_match_of_a_question():
    match = search_query.fts5_match(parse("does collagen increase"))

    assert match == (
        '("collagen" OR "collagen production" OR "collagen synthesis") AND ("increase")'
    )


def test_a_relaxed_query_needs_any_concept():
    query = parse("keratin quasars")

    assert query.can_relax
    assert search_query.fts5_match(query.relaxed()) == '(("keratin") OR ("quasars"))'
    assert not query.relaxed().can_relax


def test_tsquery_sql_binds_every_word():
    fragment = search_query.tsquery_sql(parse("keratin -elastin"), "english")

    assert fragment.params == ["keratin", "elastin"]
    assert "keratin" not in fragment.sql
    assert fragment.sql.count("%s") == 2
    assert "!!" in fragment.sql


def test_nothing_to_search_gives_an_empty_plan():
    for text in ["", "   ", "&|!", "the of", "- -", '""']:
        query = parse(text)
        assert not query.searchable
        assert search_query.fts5_match(query) == ""
