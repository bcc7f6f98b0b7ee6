"""/search/?q=: one search over published claims, article passages and studies.

Most tests hold on both databases (CI runs them on SQLite and on PostgreSQL): the index is
FTS5 on SQLite and a stored tsvector on PostgreSQL, but what a reader finds is the same. Tests
marked `postgresql_only` exercise trigram typos and the GIN indexes; `sqlite_only` the FTS5
tables and the spelling suggestion. Reader-query parsing is tested in test_search_query.py.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evidence.models import Claim, ClaimMention, PublicationStatus
from public import search as search_logic
from studies.models import Study, StudyStatus
from tests.factories import (
    ClaimCategoryFactory,
    ClaimFactory,
    ClaimMentionFactory,
    SourceDocumentFactory,
    StudyFactory,
)

URL = reverse("evidence:search")

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: full-text search, pg_trgm and the GIN indexes exist only there",
)
sqlite_only = pytest.mark.skipif(
    connection.vendor == "postgresql",
    reason="tests the simple fallback, which runs only when the database is not PostgreSQL",
)


def results(response) -> list[tuple[str, str]]:
    """(kind, first link href) of each result, in order."""
    html = response.content.decode()
    items = re.findall(r'<li class="result result-(\w+)">(.*?)</li>', html, re.DOTALL)
    return [
        (kind, re.search(r'class="result-link" href="([^"]+)"', body)[1]) for kind, body in items
    ]


def result_links(response, kind: str) -> list[str]:
    return [href for k, href in results(response) if k == kind]


def problems(response) -> list[str]:
    return [str(p) for p in response.context["problems"]]


# ----------------------------------------------------------------------------------------------
# Finding, on both databases


def test_a_search_finds_claims_passages_and_studies_with_links_to_each(client, db):
    claim = ClaimFactory(statement="Microneedling induces collagen in the scalp.")
    document = SourceDocumentFactory()
    mention = ClaimMentionFactory(claim=claim, document=document)
    study = StudyFactory(title="Collagen after needling", summary="Collagen rose.")

    response = client.get(URL, {"q": "collagen"})

    assert response.status_code == 200
    assert result_links(response, "claim") == [claim.get_absolute_url()]
    assert result_links(response, "mention") == [
        f"/documents/{document.slug}/#mention-{mention.pk}"
    ]
    assert result_links(response, "study") == [f"/studies/{study.pk}/"]
    assert b'<ol id="search-results"' in response.content
    assert response.content.count(b'<p class="snippet') == 3


def test_the_header_search_box_keeps_the_query(client, db):
    response = client.get(URL, {"q": "collagen"})

    assert re.search(rb'id="site-search-q"[^>]*value="collagen"', response.content)


def test_a_statement_hit_ranks_above_a_quote_above_a_title_above_a_summary(client, db):
    summary_hit = StudyFactory(title="Needling trial", summary="Keratin levels were measured.")
    title_hit = StudyFactory(title="Keratin and needling", summary="Nothing else.")
    document = SourceDocumentFactory(text="Needling raises keratin, they say.")
    quote_hit = ClaimMentionFactory(
        document=document, quote="raises keratin", claim=ClaimFactory(statement="Other words.")
    )
    statement_hit = ClaimFactory(statement="Microneedling raises keratin.")

    response = client.get(URL, {"q": "keratin"})

    assert results(response) == [
        ("claim", statement_hit.get_absolute_url()),
        ("mention", quote_hit.get_absolute_url()),
        ("study", title_hit.get_absolute_url()),
        ("study", summary_hit.get_absolute_url()),
    ]


def test_every_word_must_match_somewhere(client, db):
    both = ClaimFactory(statement="Needling improves scalp blood flow.")
    ClaimFactory(statement="Needling improves hair density.")

    response = client.get(URL, {"q": "scalp blood"})

    assert results(response) == [("claim", both.get_absolute_url())]


def test_drafts_retracted_studies_and_unpublished_documents_are_never_found(client, db):
    word = "zebrafish"
    ClaimFactory(statement=f"A draft {word} claim.", status=PublicationStatus.DRAFT)
    ClaimFactory(statement=f"A {word} claim in review.", status=PublicationStatus.REVIEW)
    StudyFactory(title=f"Draft {word} study", status=StudyStatus.DRAFT)
    StudyFactory(
        title=f"Retracted {word} study",
        status=StudyStatus.RETRACTED,
        retraction_reason="Data fabricated.",
    )
    StudyFactory(title="Study in review", summary=f"About {word}.", status=StudyStatus.REVIEW)
    text = f"Here a {word} quote sits."
    hidden_document = SourceDocumentFactory(text=text, status=PublicationStatus.DRAFT)
    ClaimMentionFactory(document=hidden_document, quote=f"{word} quote")
    draft_claim = ClaimFactory(statement="Unrelated.", status=PublicationStatus.DRAFT)
    ClaimMentionFactory(document=SourceDocumentFactory(text=text), quote=f"{word} quote",
                        claim=draft_claim)  # fmt: skip
    visible = ClaimFactory(statement=f"A published {word} claim.")

    response = client.get(URL, {"q": word})

    assert results(response) == [("claim", visible.get_absolute_url())]
    assert response.context["outcome"].counts == {"claim": 1, "mention": 0, "study": 0}


def test_snippets_escape_html_from_the_data_and_mark_only_the_matched_words(client, db):
    ClaimFactory(statement="Collagen <img src=x onerror=alert(1)> rises & falls.")
    StudyFactory(title="<b>Collagen</b> study", summary="<script>alert('collagen')</script>")
    document = SourceDocumentFactory(text="Before <i>collagen</i> after.")
    ClaimMentionFactory(document=document, quote="<i>collagen</i>")

    response = client.get(URL, {"q": "collagen"})
    html = response.content.decode()

    assert len(results(response)) == 3
    assert "<img src=x" not in html
    assert "<script>alert" not in html
    assert "<i>collagen" not in html
    assert "<b>Collagen" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;script&gt;" in html
    assert html.count("<mark>") >= 4


def test_a_kind_filter_keeps_one_kind_and_the_counts_of_all(client, db):
    ClaimFactory(statement="Collagen claim.")
    study = StudyFactory(title="Collagen study")

    response = client.get(URL, {"q": "collagen", "kind": "study"})

    assert results(response) == [("study", study.get_absolute_url())]
    assert response.context["outcome"].counts["claim"] == 1
    assert 'Claims <span class="count">(1)</span>' in response.content.decode()


def test_results_are_paginated_and_a_page_out_of_range_shows_the_last(client, db):
    for n in range(25):
        ClaimFactory(statement=f"Collagen claim {n}.")

    first = client.get(URL, {"q": "collagen"})
    second = client.get(URL, {"q": "collagen", "page": "2"})
    beyond = client.get(URL, {"q": "collagen", "page": "99"})

    assert len(results(first)) == 20
    assert len(results(second)) == 5
    assert beyond.status_code == 200
    assert results(beyond) == results(second)
    assert "Page: there is no page 99. Showing page 2, the last." in problems(beyond)


def test_words_are_found_in_any_case_and_any_order(client, db):
    claim = ClaimFactory(statement="Needling improves SCALP Blood flow.")

    response = client.get(URL, {"q": "blood scalp"})

    assert results(response) == [("claim", claim.get_absolute_url())]


def test_stemming_finds_other_forms_of_a_word(client, db):
    claim = ClaimFactory(statement="Microneedling stimulates follicles.")

    response = client.get(URL, {"q": "stimulating follicle"})

    assert result_links(response, "claim") == [claim.get_absolute_url()]


def test_a_quoted_phrase_must_be_exact_and_a_minus_word_is_left_out(client, db):
    phrase = ClaimFactory(statement="Needling improves blood flow in the scalp.")
    ClaimFactory(statement="Flow of blood is not measured here.")
    ClaimFactory(statement="Blood flow and hair density both rise.")

    response = client.get(URL, {"q": '"blood flow" -density'})

    assert result_links(response, "claim") == [phrase.get_absolute_url()]


def test_or_accepts_either_word(client, db):
    keratin = ClaimFactory(statement="Needling raises keratin.")
    elastin = ClaimFactory(statement="Needling raises elastin.")
    ClaimFactory(statement="Needling raises nothing.")

    response = client.get(URL, {"q": "keratin or elastin"})

    assert set(result_links(response, "claim")) == {
        keratin.get_absolute_url(),
        elastin.get_absolute_url(),
    }


def test_a_synonym_finds_a_claim_in_other_words(client, db):
    circulation = ClaimFactory(statement="Needling increases circulation in the scalp.")
    flow = ClaimFactory(statement="More blood flow feeds the follicles.")
    ClaimFactory(statement="Needling thickens hair.")

    response = client.get(URL, {"q": "blood flow"})

    assert set(result_links(response, "claim")) == {
        circulation.get_absolute_url(),
        flow.get_absolute_url(),
    }
    assert "<mark>circulation</mark>" in response.content.decode()


def test_a_claim_is_found_by_its_category_name(client, db):
    category = ClaimCategoryFactory(name="Zygomatic outcomes", slug="zygomatic")
    claim = ClaimFactory(statement="Needling helps.", category=category)

    response = client.get(URL, {"q": "zygomatic"})

    assert results(response) == [("claim", claim.get_absolute_url())]


def test_a_study_is_found_by_an_authors_name(client, db):
    study = StudyFactory(authors=["Zelda Quortimer", "Ben Example"])
    StudyFactory(authors=["Ada Tester"])

    response = client.get(URL, {"q": "Quortimer"})

    assert results(response) == [("study", study.get_absolute_url())]


def test_a_study_is_found_by_a_word_of_its_abstract_keywords_mesh_or_registry_id(client, db):
    study = StudyFactory(
        abstract="BACKGROUND: Trichoscopy of the vertex was repeated weekly.",
        keywords=["dermoscopy"],
        mesh_terms=["Alopecia"],
        registry_ids=["NCT01234567"],
    )
    StudyFactory(abstract="Nothing of interest here.")

    for query in ("trichoscopy", "dermoscopy", "NCT01234567"):
        response = client.get(URL, {"q": query})
        assert results(response) == [("study", study.get_absolute_url())], query


def test_when_no_record_has_every_word_the_search_relaxes_and_says_so(client, db):
    claim = ClaimFactory(statement="Needling raises keratin.")

    response = client.get(URL, {"q": "keratin quasars"})

    assert results(response) == [("claim", claim.get_absolute_url())]
    assert response.context["outcome"].relaxed
    assert b'id="search-relaxed"' in response.content


def test_a_query_of_only_common_words_says_so(client, db):
    ClaimFactory(statement="The claim of the day.")

    response = client.get(URL, {"q": "the of"})

    assert results(response) == []
    assert "only common words" in problems(response)[0]


def test_candidates_per_kind_are_bounded(client, db, monkeypatch):
    monkeypatch.setattr(search_logic, "CANDIDATES", 3)
    for n in range(6):
        ClaimFactory(statement=f"Collagen claim {n}.")

    response = client.get(URL, {"q": "collagen"})

    assert len(results(response)) == 3


# ----------------------------------------------------------------------------------------------
# The seed: what readers ask, on both databases

DENSITY = "/claims/improves-hair-density-thickness/"
BLOOD_FLOW = {"/claims/increases-scalp-blood-flow/", "/claims/blood-flow-nourishes-follicles/"}


@pytest.mark.parametrize(
    "q",
    [
        "does microneedling increase hair density",
        "Does microneedling increase hair density?",
        "can a derma roller increase hair density",
    ],
)
def test_a_readers_question_finds_the_density_claim_first(client, seeded, q):
    response = client.get(URL, {"q": q})

    assert results(response)[0] == ("claim", DENSITY)


def test_blood_flow_finds_both_blood_flow_claims_first(client, seeded):
    response = client.get(URL, {"q": "blood flow"})

    assert {href for _, href in results(response)[:2]} == BLOOD_FLOW


def _seed_study(citation_key: str):
    from studies.models import Study

    return Study.objects.get(citation_key=citation_key)


@pytest.mark.parametrize(
    "form", ["{doi}", "{DOI}", "doi:{doi}", "DOI: {DOI}", "https://doi.org/{DOI}", "doi.org/{doi}"]
)
def test_a_doi_in_any_form_finds_its_study_first(client, seeded, form):
    study = _seed_study("dhurat2013")

    response = client.get(URL, {"q": form.format(doi=study.doi, DOI=study.doi.upper())})

    assert results(response)[0] == ("study", study.get_absolute_url())


@pytest.mark.parametrize("form", ["{pmid}", "PMID: {pmid}", "pmid{pmid}"])
def test_a_pmid_finds_its_study_first(client, seeded, form):
    study = _seed_study("dhurat2013")

    response = client.get(URL, {"q": form.format(pmid=study.pmid)})

    assert results(response)[0] == ("study", study.get_absolute_url())


def test_an_authors_family_name_finds_their_seed_studies(client, seeded):
    study = _seed_study("dhurat2013")
    family = study.authors[0].split()[-1]

    response = client.get(URL, {"q": family})

    assert ("study", study.get_absolute_url()) in results(response)


def test_a_category_name_finds_its_claims(client, seeded):
    response = client.get(URL, {"q": "blood flow"})

    assert BLOOD_FLOW <= set(result_links(response, "claim"))


# ----------------------------------------------------------------------------------------------
# The index follows every write (database triggers), on both databases


def test_an_edited_statement_is_found_by_its_new_words_only(client, db):
    claim = ClaimFactory(statement="Needling raises keratin.")
    claim.statement = "Needling raises elastin."
    claim.save()

    assert results(client.get(URL, {"q": "elastin"})) == [("claim", claim.get_absolute_url())]
    assert results(client.get(URL, {"q": "keratin"})) == []


def test_a_deleted_record_leaves_the_index(client, db):
    study = StudyFactory(title="Keratin after needling")
    study.delete()

    assert results(client.get(URL, {"q": "keratin"})) == []


def test_a_renamed_category_is_found_by_its_new_name(client, db):
    category = ClaimCategoryFactory(name="Zygomatic outcomes", slug="zygomatic")
    claim = ClaimFactory(statement="Needling helps.", category=category)
    category.name = "Quizzical outcomes"
    category.save()

    assert results(client.get(URL, {"q": "quizzical"})) == [("claim", claim.get_absolute_url())]
    assert results(client.get(URL, {"q": "zygomatic"})) == []


def test_bulk_writes_reach_the_index_too(client, db):
    from studies.models import Study

    study = StudyFactory(title="Plain title")
    Study.objects.filter(pk=study.pk).update(authors=["Zelda Quortimer"])

    assert results(client.get(URL, {"q": "quortimer"})) == [("study", study.get_absolute_url())]


# ----------------------------------------------------------------------------------------------
# Bad input, on both databases


def test_an_empty_search_shows_hints_and_no_results(client, db):
    response = client.get(URL)

    assert response.status_code == 200
    assert b'id="search-results"' not in response.content
    assert b"What you can search" in response.content
    assert problems(response) == []


def test_a_very_long_query_is_cut_to_200_characters_and_says_so(client, db):
    ClaimFactory(statement="Collagen rises.")

    response = client.get(URL, {"q": "collagen " + "x" * 500})

    assert response.status_code == 200
    assert len(response.context["q"]) <= 200
    assert "longer than 200 characters" in problems(response)[0]


@pytest.mark.parametrize(
    "q",
    [
        '"collagen',
        "collagen'",
        "&|!:*()",
        "collagen & | ! : * ( )",
        "'; DROP TABLE evidence_claim; --",
        "' OR 1=1 --",
        "<script>alert(1)</script>",
        "colla\x00gen",
        "\x00",
        "collagen:* | !blood",
        "-",
        '""',
        "%_\\",
        "NEAR(collagen rises)",
        "NEAR(collagen rises, 2) AND",
        "collagen*",
        "^collagen",
        "statement:collagen",
        "{statement quote}: collagen",
        "-collagen",
        "- - -",
        "collagen OR",
        "OR AND NOT",
        '"collagen" "',
        "collagen + rises",
        "10.1111/",
        "doi:",
        "pmid: 0",
        "99999999999999999999999",
        "collagen or " * 40,
        "\u202e\u200bcollagen\ufeff",
        "colla\x07gen\x1b[31m",
        "ⓒⓞⓛⓛⓐⓖⓔⓝ ﬁbre Ǆ",
    ],
)
def test_hostile_queries_give_a_normal_page(client, db, q):
    ClaimFactory(statement="Collagen rises.")

    response = client.get(URL, {"q": q})

    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content
    assert "\x00" not in response.context["q"]


def test_a_nul_byte_is_dropped_and_the_words_still_found(client, db):
    claim = ClaimFactory(statement="Collagen rises.")

    response = client.get(URL, {"q": "\x00collagen\x00"})

    assert results(response) == [("claim", claim.get_absolute_url())]


def test_a_query_without_letters_or_digits_says_there_is_nothing_to_search(client, db):
    response = client.get(URL, {"q": "&|!:*()"})

    assert response.status_code == 200
    assert "has no letters or digits to search for" in problems(response)[0]


@pytest.mark.parametrize(("kind", "page"), [("drug", "1"), ("claim", "abc"), ("", "-3")])
def test_unknown_kinds_and_malformed_pages_are_named_as_problems(client, db, kind, page):
    ClaimFactory(statement="Collagen rises.")

    response = client.get(URL, {"q": "collagen", "kind": kind, "page": page})

    assert response.status_code == 200
    assert len(problems(response)) == 1
    assert len(results(response)) == 1


# ----------------------------------------------------------------------------------------------
# Query counts


# On PostgreSQL a ranking query comes with the planner's estimates before it (which way to
# take each kind's candidates) and its switches set back after it.
RANKING_EXTRA = 2 if connection.vendor == "postgresql" else 0


def _matching_rows(n: int) -> None:
    for i in range(n):
        claim = ClaimFactory(statement=f"Needling induces collagen, finding {i}.")
        ClaimMentionFactory(claim=claim)
        StudyFactory(title=f"Collagen study {i}", summary="Collagen was measured.")


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize("kind", ["", "claim", "mention", "study"])
def test_the_number_of_queries_does_not_grow_with_the_results(
    client, db, django_assert_max_num_queries, rows, kind
):
    _matching_rows(rows)

    # 1 ranking query (all kinds; on PostgreSQL after its estimates, and followed by the
    # planner's switches set back) + at most 3 to load the page's records, inside the
    # savepoint and release of ATOMIC_REQUESTS.
    with django_assert_max_num_queries(6 + RANKING_EXTRA):
        response = client.get(URL, {"q": "collagen", "kind": kind})

    assert len(results(response)) == min(20, rows * (1 if kind else 3))


@pytest.mark.parametrize("rows", [5, 50])
def test_a_search_that_finds_nothing_at_first_has_a_bounded_number_of_queries(
    client, db, django_assert_max_num_queries, rows
):
    _matching_rows(rows)

    # Everything at once: a DOI look-up, the strict ranking, the typo round (PostgreSQL: one
    # trigram query between setting and restoring the planner's switches; SQLite: 3
    # vocabulary queries and a ranking), the relaxed ranking, the page's records (3), and the
    # savepoint and its release; on PostgreSQL each of its two rankings' estimates and
    # switches set back.
    with django_assert_max_num_queries(12 + 2 * RANKING_EXTRA):
        response = client.get(URL, {"q": "10.1234/zz collagen qqqqqq"})

    assert response.status_code == 200
    assert response.context["outcome"].relaxed


# ----------------------------------------------------------------------------------------------
# Highlighting (pure functions)


def test_highlight_escapes_text_and_marks_exact_partial_and_misspelt_words():
    html = search_logic.highlight("Collagen <b> & minoxidil-based Collagens", ["colagen", "minox"])

    assert html == (
        "<mark>Collagen</mark> &lt;b&gt; &amp; <mark>minoxidil</mark>-based <mark>Collagens</mark>"
    )


def test_highlight_keeps_a_window_around_the_first_match():
    text = (
        " ".join(f"w{i}" for i in range(100)) + " collagen " + " ".join("tail" for _ in range(50))
    )

    html = search_logic.highlight(text, ["collagen"], max_words=20)

    assert html.startswith("…w95 ")
    assert "<mark>collagen</mark>" in html
    assert html.endswith("…")


def test_a_headline_is_escaped_before_its_markers_become_marks():
    start, stop = search_logic.START_SEL, search_logic.STOP_SEL
    html = search_logic.headline_html(f"<i>{start}collagen{stop}</i> {start}unclosed")

    assert html == "&lt;i&gt;<mark>collagen</mark>&lt;/i&gt; unclosed"


# ----------------------------------------------------------------------------------------------
# PostgreSQL: full-text ranking, trigram typos, indexes


@postgresql_only
@pytest.mark.parametrize(
    ("typo", "claim_slugs"),
    [
        ("colagen", {"microneedling-induces-collagen-elastin", "collagen-gives-skin-and-follicles-structure"}),  # noqa: E501
        ("minoxidl", {"improves-topical-absorption"}),
    ],
)  # fmt: skip
def test_misspelt_words_still_find_on_postgresql(client, seeded, typo, claim_slugs):
    response = client.get(URL, {"q": typo})

    assert response.context["outcome"].corrected_from == ""  # found by trigram, not a suggestion
    found = {href.split("/")[2] for href in result_links(response, "claim")}
    assert claim_slugs <= found
    assert results(response)[0][0] == "claim"
    assert "<mark>" in response.content.decode()


@postgresql_only
def test_a_misspelt_drug_finds_its_claim_passage_and_studies_on_postgresql(client, seeded):
    response = client.get(URL, {"q": "minoxidl", "kind": ""})
    counts = response.context["outcome"].counts

    assert counts["claim"] >= 1
    assert counts["mention"] >= 1
    assert counts["study"] >= 1


@postgresql_only
@pytest.mark.parametrize("table", ["evidence_claim", "evidence_claimmention", "studies_study"])
def test_the_full_text_condition_uses_the_stored_vectors_gin_index(db, table):
    with connection.cursor() as cursor:
        # On a near-empty table the planner rightly prefers a scan; forbid the plain scans so
        # the plan shows whether the condition can use the GIN index (only via bitmap scans).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(
            f"EXPLAIN SELECT id FROM {table} "  # noqa: S608
            "WHERE search_vector @@ plainto_tsquery('english', 'collagen')"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert re.search(rf"Bitmap Index Scan on {table}_search_vector\b", plan), plan


@postgresql_only
@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("evidence_claim", "statement"),
        ("evidence_claimmention", "quote"),
        ("studies_study", "title"),
    ],
)
def test_the_typo_condition_uses_the_trigram_gin_index(db, table, column):
    from evidence.models import Claim, ClaimMention
    from studies.models import Study

    model = {"evidence_claim": Claim, "evidence_claimmention": ClaimMention}.get(table, Study)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        queryset = model.objects.filter(**{f"{column}__trigram_word_similar": "x"}).order_by()
        sql, params = queryset.values("pk").query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert re.search(rf"Bitmap Index Scan on \w+_{column}_trgm\b", plan), plan


# ----------------------------------------------------------------------------------------------
# SQLite: FTS5 and the spelling suggestion


@sqlite_only
def test_sqlite_searches_fts5_tables_with_porter_stemming(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'evidence_claim_fts'")
        (sql,) = cursor.fetchone()
    assert "fts5" in sql
    assert "porter" in sql


@sqlite_only
def test_the_fallback_suggests_a_spelling_and_searches_it(client, seeded):
    response = client.get(URL, {"q": "colagen"})

    outcome = response.context["outcome"]
    assert outcome.corrected_from == "colagen"
    assert outcome.q == "collagen"
    assert "Showing results for" in response.content.decode()
    found = {href.split("/")[2] for href in result_links(response, "claim")}
    assert {
        "microneedling-induces-collagen-elastin",
        "collagen-gives-skin-and-follicles-structure",
    } <= found  # noqa: E501
    assert "<mark>collagen</mark>" in response.content.decode().lower()


@sqlite_only
def test_the_fallback_says_nothing_when_no_word_is_close(client, seeded):
    response = client.get(URL, {"q": "qwxyzzy"})

    assert response.status_code == 200
    assert results(response) == []
    assert response.context["outcome"].corrected_from == ""
    assert b"Try another search" in response.content


# ----------------------------------------------------------------------------------------------
# Bounded work and unchanged results, on both databases

WORDS = "collagen scalp hair density keratin elastin blood flow needling follicle".split()


def _generated_base(seed: int = 7) -> None:
    """A small base of mixed claims, passages and studies (some unpublished), its words drawn
    so that records match a word once, twice or not at all: ranks differ and ties occur."""
    import random

    rng = random.Random(seed)
    for n in range(36):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6)))
        draft = n % 7 == 3
        status = PublicationStatus.DRAFT if draft else PublicationStatus.PUBLISHED
        claim = ClaimFactory(statement=f"Claim {n}: {words}.", status=status)
        quote = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))
        document = SourceDocumentFactory(text=f"Before. {quote} after.")
        ClaimMentionFactory(claim=claim, document=document, quote=quote)
        StudyFactory(
            title=f"Study {n} of {rng.choice(WORDS)}",
            summary=f"We measured {words}.",
            status=StudyStatus.DRAFT if n % 5 == 1 else StudyStatus.PUBLISHED,
        )


def _reference_ranking(q: str) -> list[tuple[str, int]]:
    """Every public match, ranked as the search promises, computed the plain way: each kind's
    index relevance (no bound: fewer matches than CANDIDATES here), public rows only, best
    first and then by id, at most MAX_PER_KIND per kind, claims before passages before studies."""
    from public import search_query

    query = search_query.parse(q)
    backend = search_logic._backend()
    ranked = []
    for kind in search_logic.KINDS:
        source = search_logic.search_index.SOURCES_BY_KIND[kind]
        sql, params = backend.candidates_sql(source, query, walk=False)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        assert len(rows) < search_logic.CANDIDATES
        public = set(search_logic.PUBLIC_ROWS[kind]().values_list("pk", flat=True))
        kept = sorted((row for row in rows if row[0] in public), key=lambda r: (-r[1], r[0]))
        ranked += [(kind, pk) for pk, _ in kept[: search_logic.MAX_PER_KIND]]
    return ranked


SAME_RESULTS_QUERIES = [
    "collagen",
    "scalp hair",
    "keratin or elastin",
    '"blood flow"',
    "collagen -scalp",
    "what about hair density and collagen?",
    "follicle",
]


@pytest.mark.parametrize("q", SAME_RESULTS_QUERIES)
def test_the_ranking_is_every_public_match_best_first_by_kind(client, db, q):
    _generated_base()

    outcome = search_logic.search(q, search_logic.search_query.parse(q))
    response = client.get(URL, {"q": q})

    expected = _reference_ranking(q)
    assert expected, q
    assert [(hit.kind, hit.pk) for hit in outcome.hits] == expected
    page = [hit for hit in outcome.hits[:20]]
    loaded = search_logic.load_results(page, outcome)
    assert [(r.kind, r.obj.pk) for r in loaded] == expected[:20]
    assert [href for _, href in results(response)] == [r.url for r in loaded]


def _ranking_sql(q: str) -> str:
    with CaptureQueriesContext(connection) as queries:
        search_logic.search(q, search_logic.search_query.parse(q))
    (sql,) = [
        x["sql"]
        for x in queries.captured_queries
        if "UNION ALL" in x["sql"] and not x["sql"].startswith("EXPLAIN")
    ]
    return sql


def test_the_ranking_reads_at_most_candidates_per_kind_and_keeps_the_best_few(db, monkeypatch):
    monkeypatch.setattr(search_logic, "MAX_PER_KIND", 4)
    _matching_rows(7)

    sql = _ranking_sql("collagen")
    outcome = search_logic.search("collagen", search_logic.search_query.parse("collagen"))

    assert sql.count(f"LIMIT {search_logic.CANDIDATES})") == 3  # each kind's index matches
    assert sql.count("LIMIT 4)") == 3  # each kind's best, all a page can show of it
    assert outcome.counts == {"claim": 4, "mention": 4, "study": 4}
    assert len(outcome.hits) == 12


@pytest.mark.parametrize("rows", [5, 50])
def test_a_page_reads_only_its_own_records_and_the_columns_shown(client, db, rows):
    from django.test.utils import CaptureQueriesContext

    _matching_rows(rows)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"q": "collagen", "page": "2"})

    loads = [x["sql"] for x in queries.captured_queries if " IN (" in x["sql"]]
    ids = [len(re.search(r" IN \(([^)]*)\)", sql)[1].split(",")) for sql in loads]
    # 150 matches: page 2 is 20 of them; 15: page 2 is past the end and the last page is shown
    assert sum(ids) == len(results(response)) == (20 if rows == 50 else 15)
    for sql in loads:  # not an article's whole text, nor a claim's grade details
        assert '"evidence_sourcedocument"."text"' not in sql
        assert '"rationale"' not in sql
        assert '"grade_detail"' not in sql
        assert '"abstract"' not in sql


@postgresql_only
def test_the_ranking_turns_synchronized_and_sequential_scans_off_for_itself_only(
    transactional_db,
):
    # A LIMIT-ed scan of a large table would otherwise start where the last one stopped (the
    # same search ranking other candidates on the next request), or read a regraded table's
    # empty first pages; the request's later queries plan as usual.
    from django.db import transaction

    def settings() -> tuple[str, str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('synchronize_seqscans'), current_setting('enable_seqscan')"
            )
            return cursor.fetchone()

    with transaction.atomic():  # as a request runs (ATOMIC_REQUESTS)
        with CaptureQueriesContext(connection) as captured:
            search_logic.search("collagen", search_logic.search_query.parse("collagen"))
        inside = settings()
    search_logic.search("collagen", search_logic.search_query.parse("collagen"))  # autocommit

    ranking = [q["sql"] for q in captured.captured_queries if "ts_rank" in q["sql"]]
    assert ranking and all(
        "set_config('synchronize_seqscans', 'off', true)" in sql
        and "set_config('enable_seqscan', 'off', true)" in sql
        for sql in ranking
    )
    assert inside == ("on", "on")
    assert settings() == ("on", "on")


@postgresql_only
@pytest.mark.parametrize("q", SAME_RESULTS_QUERIES)
def test_the_ranking_is_the_same_whether_candidates_come_by_bitmap_or_by_key(db, monkeypatch, q):
    # Fewer matches than CANDIDATES here: either way every match is ranked.
    _generated_base()
    backend = search_logic._backend()
    query = search_logic.search_query.parse(q)
    by_bitmap = backend.rank(query)
    monkeypatch.setattr(
        type(backend), "walks", lambda self, query: dict.fromkeys(search_logic.KINDS, True)
    )
    by_key = backend.rank(query)
    assert by_bitmap and by_key == by_bitmap


@postgresql_only
def test_each_kind_is_judged_by_its_own_tables_estimates(db, monkeypatch):
    _generated_base()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    judged = []
    monkeypatch.setattr(search_logic, "walks_key", lambda m, n: judged.append((m, n)) or False)
    backend = search_logic._backend()
    walks = backend.walks(search_logic.search_query.parse("collagen"))
    assert walks == dict.fromkeys(search_logic.KINDS, False)
    counts = [Claim.objects.count(), ClaimMention.objects.count(), Study.objects.count()]
    assert [n for _, n in judged] == counts  # the rows, kind by kind, in KINDS' order
    assert all(0 < m <= n for m, n in judged)


def test_a_common_word_is_walked_to_and_a_rare_one_taken_from_the_index():
    # The two costs measured at 1M claims (see WALK_COST): a word in 10% or 69% of the rows is
    # cheaper to walk to, one in 1% (or fewer) cheaper from the bitmap; at 100k rows, 10% too.
    rows = 1_000_000
    assert search_logic.walks_key(685_625, rows) and search_logic.walks_key(105_217, rows)
    assert not search_logic.walks_key(10_376, rows) and not search_logic.walks_key(1, rows)
    assert not search_logic.walks_key(10_570, 100_000)
    assert search_logic.walks_key(68_703, 100_000)
