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


class NamesField(forms.JSONField):
    """The structured names as JSON; left empty, they are read from the authors on save."""

    def to_python(self, value):
        if value in (None, ""):
            return []
        return super().to_python(value)

    def prepare_value(self, value):
        # Text is already the JSON a curator typed or the form showed: shown as it is, never
        # quoted once more (a second rendering would turn the list into one string).
        if isinstance(value, str):
            return value
        return super().prepare_value(value)


class StudyForm(forms.ModelForm):
    authors = AuthorsField(
        label="authors",
        required=False,
        help_text="One author per line, in the order printed: Rachita Dhurat, or "
        "van der Berg J. Each is read once into the structured names below.",
    )
    author_names = NamesField(
        label="author names (structured)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text='CSL name objects: [{"family": "Berg", "non-dropping-particle": "van der", '
        '"given": "Jan"}]. Correct a name here; empty them to read the authors again.',
    )
    keywords = AuthorsField(label="keywords", required=False, help_text="One a line.")
    mesh_terms = AuthorsField(label="MeSH headings", required=False, help_text="One a line.")
    publication_types = AuthorsField(
        label="publication types", required=False, help_text="One a line."
    )
    registry_ids = AuthorsField(
        label="trial registry IDs", required=False, help_text="One a line, e.g. NCT01234567."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "record_type" in self.fields:
            self.fields["record_type"].required = False

    def clean_record_type(self):
        return self.cleaned_data.get("record_type") or Study._meta.get_field("record_type").default

    class Meta:
        model = Study
        fields = [
            "title",
            "record_type",
            "authors",
            "author_names",
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
            "abstract",
            "keywords",
            "mesh_terms",
            "publication_types",
            "language",
            "registry_ids",
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
