import pytest
from django.urls import reverse

from evidence.models import ClaimMention, PublicationStatus, SourceDocument
from public.views.documents import GLANCE_PER_CATEGORY
from tests.factories import (
    ClaimCategoryFactory,
    ClaimFactory,
    ClaimMentionFactory,
    SourceDocumentFactory,
)
from tests.public.html_text import read_article

pytestmark = pytest.mark.django_db


def article_html(response_or_html) -> str:
    """The inside of <div class="article-text">…</div> (the article holds no <div>)."""
    html = getattr(response_or_html, "content", response_or_html)
    html = html.decode() if isinstance(html, bytes) else html
    start = html.index('<div class="article-text">') + len('<div class="article-text">')
    return html[start : html.index("</div>", start)]


def document_with_claims(n: int) -> SourceDocument:
    """A document of n sentences, each the one mention of its own published claim."""
    sentences = [f"Sentence number {i} makes claim {i}." for i in range(n)]
    document = SourceDocumentFactory(text="\n".join(sentences))
    for sentence in sentences:
        ClaimMentionFactory(document=document, quote=sentence, claim=ClaimFactory())
    return document


# The seed article: text verbatim, every published mention marked, overlaps kept.


def test_the_seed_article_text_survives_highlighting_unchanged(seeded, client):
    document = SourceDocument.objects.get(slug="scalp-microneedling")
    response = client.get(document.get_absolute_url())
    assert response.status_code == 200
    text, _ = read_article(article_html(response))
    assert text == document.text


def test_every_published_seed_mention_gets_its_mark_at_its_offset(seeded, client):
    document = SourceDocument.objects.get(slug="scalp-microneedling")
    mentions = ClaimMention.objects.filter(
        document=document, claim__status=PublicationStatus.PUBLISHED
    ).select_related("claim")
    assert mentions.count() == 70
    _, marks = read_article(article_html(client.get(document.get_absolute_url())))
    first_marks = {m["id"]: m for m in marks if "id" in m}
    assert len(first_marks) == len([m for m in marks if "id" in m]), "ids are unique"
    for mention in mentions:
        mark = first_marks[f"mention-{mention.pk}"]
        assert int(mark["offset"]) == mention.start
        assert mark["data-claim"] == mention.claim.slug
        assert mark["class"] == f"certainty-{mention.claim.effective_certainty}"


def test_overlapping_seed_mentions_each_cover_their_whole_quote(seeded, client):
    """The seed has identical, nested and crossing mentions (e.g. blood flow and nourished
    follicles share “enhanced blood circulation”): each keeps its own mark, and its quote is
    exactly the text inside its mark plus any continuation of it."""
    document = SourceDocument.objects.get(slug="scalp-microneedling")
    response = client.get(document.get_absolute_url())
    html = article_html(response)
    assert "mention-continued" in html, "the seed has crossing mentions"
    text, marks = read_article(html)
    starts: dict[str, list[int]] = {}
    for mark in marks:
        starts.setdefault(mark["data-mention"], []).append(int(mark["offset"]))
    for mention in ClaimMention.objects.filter(document=document):
        assert min(starts[str(mention.pk)]) == mention.start
        assert text[mention.start : mention.end] == mention.quote


def test_the_sidebar_lists_claims_in_order_of_first_appearance_with_a_link_to_each_place(client):
    document = SourceDocumentFactory(text="Blood flow rises. Collagen grows. Blood flow again.")
    later = ClaimFactory(statement="Collagen grows")
    earlier = ClaimFactory(statement="Blood flow rises")
    ClaimMentionFactory(document=document, claim=later, quote="Collagen grows")
    first = ClaimMentionFactory(document=document, claim=earlier, quote="Blood flow rises")
    ClaimMentionFactory(document=document, claim=earlier, quote="Blood flow again")

    html = client.get(document.get_absolute_url()).content.decode()
    sidebar = html[html.index('<ol id="document-claims">') :]
    assert sidebar.index(earlier.get_absolute_url()) < sidebar.index(later.get_absolute_url())
    assert f'href="#mention-{first.pk}"' in sidebar
    assert "certainty-" in sidebar


# Only what is published


def test_a_draft_claims_mention_is_not_highlighted(client):
    document = SourceDocumentFactory()
    draft = ClaimMentionFactory(
        document=document, claim=ClaimFactory(status=PublicationStatus.DRAFT)
    )
    html = client.get(document.get_absolute_url()).content.decode()
    assert f"mention-{draft.pk}" not in html
    assert draft.claim.slug not in html
    assert read_article(article_html(html))[0] == document.text


@pytest.mark.parametrize("status", [PublicationStatus.DRAFT, PublicationStatus.REVIEW])
def test_an_unpublished_document_is_a_404_like_a_missing_one(client, status):
    document = SourceDocumentFactory(status=status)
    assert client.get(document.get_absolute_url()).status_code == 404
    missing = reverse("evidence:document_detail", kwargs={"slug": "no-such-article"})
    assert client.get(missing).status_code == 404


def test_a_mention_whose_quote_moved_is_left_unmarked_rather_than_misplaced(client):
    document = SourceDocumentFactory()
    mention = ClaimMentionFactory(document=document)
    SourceDocument.objects.filter(pk=document.pk).update(text="Completely rewritten text here.")
    response = client.get(document.get_absolute_url())
    assert response.status_code == 200
    assert f"mention-{mention.pk}" not in response.content.decode()


def test_html_in_the_article_text_is_shown_as_text_not_run(client):
    text = 'Before <script>alert("owned")</script> <img src=x onerror=alert(1)> after & done.'
    document = SourceDocumentFactory(text=text)
    ClaimMentionFactory(document=document, quote="<script>alert")
    html = client.get(document.get_absolute_url()).content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert read_article(article_html(html))[0] == text


# Queries do not grow with the article's mentions


@pytest.mark.parametrize("n", [5, 50])
def test_the_article_page_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries, n):
    document = document_with_claims(n)
    with django_assert_max_num_queries(4):
        response = client.get(document.get_absolute_url())
    assert response.content.decode().count('<mark id="mention-') == n


# Home


def test_home_lists_only_published_claims_grouped_by_category_with_badges(client):
    blood = ClaimCategoryFactory(name="Blood flow", order=1)
    collagen = ClaimCategoryFactory(name="Collagen induction", order=0)
    shown = ClaimFactory(category=blood, statement="Needling raises blood flow.")
    ClaimFactory(category=collagen, statement="Needling makes collagen.", certainty="low")
    hidden = ClaimFactory(category=blood, status=PublicationStatus.DRAFT, statement="Secret.")

    html = client.get(reverse("evidence:home")).content.decode()
    assert shown.get_absolute_url() in html
    assert hidden.get_absolute_url() not in html and "Secret." not in html
    assert html.index("Collagen induction") < html.index("Blood flow<")
    assert "⊕⊕◯◯" in html and "Low" in html


def test_home_explains_the_badges_and_offers_a_labelled_search_and_the_ways_in(client):
    document = SourceDocumentFactory(title="The needling article")
    SourceDocumentFactory(title="An unpublished one", status=PublicationStatus.DRAFT)
    html = client.get(reverse("evidence:home")).content.decode()
    assert 'id="certainty-legend"' in html
    for level in ["⊕⊕⊕⊕", "⊕⊕⊕◯", "⊕⊕◯◯", "⊕◯◯◯"]:
        assert level in html
    assert f'action="{reverse("evidence:search")}" method="get"' in html
    assert '<label for="home-search-q">' in html and 'id="home-search-q"' in html
    for url in [reverse("evidence:claim_list"), reverse("studies:list")]:
        assert f'href="{url}"' in html
    assert f'href="{reverse("evidence:evidence_map")}"' in html
    assert f'href="{document.get_absolute_url()}"' in html
    assert "An unpublished one" not in html


@pytest.mark.parametrize("n", [5, 50])
def test_home_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries, n):
    categories = ClaimCategoryFactory.create_batch(3)
    for i in range(n):
        ClaimFactory(category=categories[i % 3])
    document_with_claims(2)
    # categories, a few claims of each (4 categories here), the headline answers, the two counts
    # (on PostgreSQL each asks the planner's estimate first), the documents
    with django_assert_max_num_queries(14):
        response = client.get(reverse("evidence:home"))
    per_category = [len(range(i, n, 3)) for i in range(3)]
    shown = sum(min(k, GLANCE_PER_CATEGORY) for k in per_category) + 2
    assert response.content.decode().count('class="claim-link"') == shown


def test_home_shows_the_first_claims_of_a_large_category_and_links_to_the_rest(client):
    category = ClaimCategoryFactory(name="Big category")
    for _ in range(GLANCE_PER_CATEGORY + 3):
        ClaimFactory(category=category)
    html = client.get(reverse("evidence:home")).content.decode()
    assert html.count('class="claim-link"') == GLANCE_PER_CATEGORY
    assert "Every claim in Big category" in html
    assert f"All {GLANCE_PER_CATEGORY + 3} claims" in html
