"""Reading the annotated article back: its text without tags and labels, and its marks."""

from html.parser import HTMLParser


class _ArticleReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.marks: list[dict[str, str]] = []
        self._label_depth = 0
        self._stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._stack.append(tag)
        if "mark-label" in (attrs.get("class") or "").split() or self._label_depth:
            self._label_depth += 1
        if tag == "mark":
            self.marks.append({**attrs, "offset": str(len("".join(self.text)))})

    def handle_endtag(self, tag):
        self._stack.pop()
        if self._label_depth:
            self._label_depth -= 1

    def handle_data(self, data):
        if not self._label_depth:
            self.text.append(data)


def read_article(html: str) -> tuple[str, list[dict[str, str]]]:
    """The text a reader sees in the article (labels left out) and every <mark>'s attributes,
    with "offset": where in that text the mark opens."""
    reader = _ArticleReader()
    reader.feed(html)
    reader.close()
    return "".join(reader.text), reader.marks
