"""Admin forms for studies: authors one per line, citation files to upload, a retraction reason."""

from django import forms

from studies.models import Study


class AuthorsField(forms.CharField):
    """A list of author names typed one per line (stored as a JSON list)."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 60})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value):
        if isinstance(value, list):
            return value
        text = super().to_python(value)
        return [line.strip() for line in text.splitlines() if line.strip()]


class StudyForm(forms.ModelForm):
    authors = AuthorsField(
        label="authors",
        required=False,
        help_text="One author per line, given name first, in the order printed: Rachita Dhurat.",
    )

    class Meta:
        model = Study
        fields = [
            "title",
            "authors",
            "journal",
            "year",
            "volume",
            "issue",
            "pages",
            "doi",
            "pmid",
            "pmcid",
            "url",
            "citation_key",
            "design",
            "condition",
            "population",
            "participants",
            "intervention",
            "comparator",
            "follow_up_weeks",
            "summary",
            "adverse_events",
            "funding",
            "risk_of_bias",
            "risk_of_bias_note",
            "included_studies",
        ]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            if not data and self.required:
                # A browser posts an empty list when no file was chosen.
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class CitationImportForm(forms.Form):
    files = MultipleFileField(
        label="citation files",
        error_messages={"required": "No file was chosen: choose one or more citation files."},
        help_text="RIS (.ris), BibTeX (.bib), PubMed XML (.xml, from efetch or “Save → XML”) "
        "or CSL-JSON (.json). Several at once is fine; each file is imported all or nothing.",
    )
    dry_run = forms.BooleanField(
        label="dry run",
        required=False,
        help_text="Show what would be created and what is already present; write nothing.",
    )


class RetractForm(forms.Form):
    reason = forms.CharField(
        label="retraction reason",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Shown wherever the study is cited, e.g. the retraction notice and its DOI.",
    )
