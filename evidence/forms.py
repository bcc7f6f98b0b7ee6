"""Admin forms for evidence: a mention is entered by pasting its quote, not by offsets."""

from django import forms

from evidence.anchoring import AnchorError, locate, normalize_text
from evidence.models import ClaimMention, SourceDocument
from evidence.workflow import mention_place


class DocumentTextField(forms.CharField):
    """The text as it will be stored (LF line endings, NFC), so the CRLF a browser posts for
    unchanged text is no change."""

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_text(value) if value else value


class SourceDocumentForm(forms.ModelForm):
    text = DocumentTextField(
        label="text",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 20, "cols": 100}),
        help_text=SourceDocument._meta.get_field("text").help_text,
    )

    class Meta:
        model = SourceDocument
        fields = ["title", "slug", "source", "source_url", "imported_at", "text"]


class ClaimMentionForm(forms.ModelForm):
    """Paste the quote; the offsets and the text around it are found in the document."""

    context_before = forms.CharField(
        label="words just before",
        required=False,
        help_text="Only needed when the quote appears more than once: a few words from just "
        "before it.",
    )
    context_after = forms.CharField(
        label="words just after",
        required=False,
        help_text="Or a few words from just after it.",
    )

    class Meta:
        model = ClaimMention
        fields = ["claim", "document", "quote", "stance", "needs_review", "review_note"]
        widgets = {
            "quote": forms.Textarea(attrs={"rows": 2, "cols": 60}),
            "review_note": forms.Textarea(attrs={"rows": 2, "cols": 60}),
        }

    def clean(self):
        cleaned = super().clean()
        document, quote = cleaned.get("document"), cleaned.get("quote")
        if document is None or not quote:
            return cleaned
        before, after = cleaned.get("context_before", ""), cleaned.get("context_after", "")
        mention = self.instance
        try:
            if (
                mention.pk
                and not (before or after)
                and quote == mention.quote
                and document.pk == mention.document_id
            ):
                # Re-saving a placed mention keeps its place among repeats of the same quote.
                anchor = locate(
                    document.text,
                    quote,
                    prefix=mention.prefix,
                    suffix=mention.suffix,
                    near=mention.start,
                )
            else:
                anchor = mention_place(document=document, quote=quote, before=before, after=after)
        except AnchorError as error:
            self.add_error("quote", str(error))
            return cleaned
        mention.start, mention.end = anchor.start, anchor.end
        mention.prefix, mention.suffix = anchor.prefix, anchor.suffix
        return cleaned
