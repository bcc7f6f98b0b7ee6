from html.parser import HTMLParser

from public.annotate import Highlight, annotate
from tests.public.html_text import read_article


def span(pk, start, end, *, slug="collagen", certainty="low", number=1):
    return Highlight(
        pk=pk,
        start=start,
        end=end,
        claim_slug=slug,
        claim_url=f"/claims/{slug}/",
        certainty=certainty,
        number=number,
        statement=f"Claim {slug}",
    )


class _Balance(HTMLParser):
    """Fails on a closing tag that does not close the innermost open one."""

    def __init__(self):
        super().__init__()
        self.stack = []

    def handle_starttag(self, tag, attrs):
        self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack}"
        self.stack.pop()


def assert_well_formed(html):
    parser = _Balance()
    parser.feed(html)
    assert parser.stack == []


def test_text_without_mentions_comes_back_unchanged():
    text = "Line one.\n\nLine two, indented:\n    done."
    assert annotate(text, []) == text


def test_a_mention_is_marked_with_its_id_claim_certainty_class_and_a_labelled_link():
    text = "Microneedling induces collagen. Really."
    html = annotate(text, [span(7, 0, 30, certainty="very_low", number=3)])
    assert html.startswith(
        '<mark id="mention-7" class="certainty-very_low" data-claim="collagen" data-mention="7">'
    )
    assert 'href="/claims/collagen/"' in html
    assert "⊕◯◯◯" in html and "very low certainty" in html, "certainty in symbols and words"
    assert "Claim </span>3 " in html, "the claim's number is shown"
    assert read_article(html)[0] == text


def test_an_ungraded_claim_says_so_in_words():
    html = annotate("Some claim here.", [span(1, 0, 10, certainty="none")])
    assert "not graded" in html


def test_the_article_text_is_escaped_and_survives_exactly():
    text = 'Dose <script>alert("x")</script> & more\n<b>bold</b> it\'s'
    html = annotate(text, [span(1, 5, 13), span(2, 34, 45)])
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html
    assert read_article(html)[0] == text


def test_hostile_attribute_values_are_escaped():
    hostile = span(1, 0, 4, slug='x" onmouseover="alert(1)', certainty='low" onclick="x')
    html = annotate("text", [hostile])
    assert 'onmouseover="' not in html and 'onclick="' not in html


def test_spans_outside_the_text_are_skipped_not_fatal():
    html = annotate("short", [span(1, 2, 50), span(2, 0, 5)])
    _, marks = read_article(html)
    assert [m.get("id") for m in marks] == ["mention-2"]


def test_identical_spans_nest_and_both_keep_their_ids():
    text = "abc DEFGH ijk"
    html = annotate(text, [span(2, 4, 9, slug="b"), span(1, 4, 9, slug="a")])
    assert_well_formed(html)
    seen, marks = read_article(html)
    assert seen == text
    assert [m["id"] for m in marks] == ["mention-1", "mention-2"], "lower pk outermost"


def test_a_span_inside_another_nests_inside_it():
    text = "0123456789"
    html = annotate(text, [span(1, 0, 10, slug="outer"), span(2, 3, 6, slug="inner")])
    assert_well_formed(html)
    assert html.index('id="mention-1"') < html.index('id="mention-2"')
    assert html.count("<mark") == 2, "nothing split when spans nest"
    assert read_article(html)[0] == text


def test_crossing_spans_split_the_inner_one_into_a_continuation_without_an_id():
    text = "aaaaBBBBcccc"  # first covers aaaaBBBB, second covers BBBBcccc
    html = annotate(text, [span(1, 0, 8, slug="first"), span(2, 4, 12, slug="second")])
    assert_well_formed(html)
    seen, marks = read_article(html)
    assert seen == text
    assert [(m.get("id"), m["data-mention"], m["offset"]) for m in marks] == [
        ("mention-1", "1", "0"),
        ("mention-2", "2", "4"),
        (None, "2", "8"),
    ]
    assert "mention-continued" in marks[2]["class"]
    assert html.count('id="mention-2"') == 1, "ids stay unique"


def test_every_character_sits_inside_a_mark_for_each_mention_covering_it():
    text = "The quick brown fox jumps over the lazy dog"
    spans = [span(1, 4, 19), span(2, 10, 30), span(3, 10, 15), span(4, 16, 43), span(5, 40, 43)]
    html = annotate(text, spans)
    assert_well_formed(html)

    class Coverage(HTMLParser):
        def __init__(self):
            super().__init__()
            self.open, self.covered, self.label = [], [], 0

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "mark":
                self.open.append(int(attrs["data-mention"]))
            if "mark-label" in (attrs.get("class") or "") or self.label:
                self.label += 1

        def handle_endtag(self, tag):
            if self.label:
                self.label -= 1
            if tag == "mark":
                self.open.pop()

        def handle_data(self, data):
            if not self.label:
                self.covered += [set(self.open)] * len(data)

    reader = Coverage()
    reader.feed(html)
    expected = [{s.pk for s in spans if s.start <= i < s.end} for i in range(len(text))]
    assert reader.covered == expected
