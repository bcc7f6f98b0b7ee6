from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Prefetch, Q
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

from studies import vocabulary
from studies.citations import (
    NO_DATE,
    REFERENCE_STYLES,
    csl_name,
    family_with_particle,
    is_valid_doi,
    name_text,
    normalize_doi,
    normalize_pmid,
    parse_name,
    public_title,
    render_reference,
)
from studies.reversing import record_url
from studies.vocabulary import Vocabulary

YEAR_MIN = 1800
YEAR_MAX = 2100


def text_choices(enum_cls: type[Vocabulary], *, module: str) -> type[models.TextChoices]:
    """The model choices for a pure vocabulary: the same names, values and labels.

    Built with Django's functional API so `StudyDesign.RCT`, `.choices`, `.label` and
    `get_<field>_display()` work as with a hand-written TextChoices, while the list itself
    lives in a pure vocabulary module, where code without Django reads it. `module` is the
    models module that names the result, so the choices pickle by that name.
    """
    return models.TextChoices(
        enum_cls.__name__,
        [(member.name, (member.value, member.label)) for member in enum_cls],
        module=module,
        qualname=enum_cls.__name__,
    )


StudyDesign = text_choices(vocabulary.StudyDesign, module=__name__)
RiskOfBias = text_choices(vocabulary.RiskOfBias, module=__name__)
StudyStatus = text_choices(vocabulary.StudyStatus, module=__name__)
RecordType = text_choices(vocabulary.RecordType, module=__name__)

# How each record type goes out as CSL-JSON (and so to citeproc).
CSL_TYPES = {
    "article": "article-journal",
    "review": "article-journal",
    "book": "book",
    "chapter": "chapter",
    "thesis": "thesis",
    "preprint": "article",
}


class ReviewedRecord(models.Model):
    """Who changed a record last and who published it: what review before publishing needs.

    Shared by studies and claims; `updated_by` is what the "a reviewer cannot publish their own
    change" rule reads, alongside the history.
    """

    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("updated", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="last changed by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField("published", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="published by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True


class StudyQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=StudyStatus.PUBLISHED)

    def for_detail(self):
        """The study page's own records: outcomes in order, each with its arms in order."""
        return self.prefetch_related(
            Prefetch("outcomes", queryset=Outcome.objects.order_by("order", "pk")),
            Prefetch("outcomes__arms", queryset=OutcomeArm.objects.order_by("order", "pk")),
        )


class Study(ReviewedRecord):
    title = models.CharField(
        "title", max_length=1000, help_text="The article title as printed on the record."
    )
    authors = models.JSONField(
        "authors",
        default=list,
        blank=True,
        help_text='Author names in the order printed, as a list: ["Rachita Dhurat", "MS Sukesh"].',
    )
    author_names = models.JSONField(
        "author names (structured)",
        default=list,
        blank=True,
        help_text="Each author's family name, given name, particle and suffix, as CSL name "
        'objects: [{"family": "Berg", "non-dropping-particle": "van der", "given": "Jan"}]. '
        "Read from the authors above when they are typed in; correct them here.",
    )
    journal = models.CharField("journal", max_length=300, blank=True)
    year = models.PositiveSmallIntegerField(
        "year",
        null=True,
        blank=True,
        validators=[MinValueValidator(YEAR_MIN), MaxValueValidator(YEAR_MAX)],
        help_text="Year of publication. Empty only on a draft whose record gave none (an "
        "imported citation with a DOI or PMID but no date): set it before submitting for review.",
    )
    volume = models.CharField("volume", max_length=50, blank=True)
    issue = models.CharField("issue", max_length=50, blank=True)
    pages = models.CharField(
        "pages",
        max_length=50,
        blank=True,
        help_text="Page range or e-locator, e.g. 6-11 or e0204318.",
    )
    doi = models.CharField(
        "DOI",
        max_length=255,
        blank=True,
        help_text="Paste it in any form (https://doi.org/…, doi:…); it is stored in lower case "
        "without the resolver prefix. Leave empty when the study has none.",
    )
    pmid = models.CharField(
        "PubMed ID", max_length=20, blank=True, help_text="Digits only, e.g. 23960389."
    )
    pmcid = models.CharField("PMC ID", max_length=20, blank=True, help_text="e.g. PMC3746236.")
    url = models.URLField("URL", max_length=500, blank=True)
    record_type = models.CharField(
        "record type",
        max_length=20,
        choices=RecordType.choices,
        default=RecordType.ARTICLE,
        help_text="What was published: a journal article, a review, a book, a chapter…",
    )
    abstract = models.TextField(
        "abstract",
        blank=True,
        help_text="As published; labelled sections one a paragraph (“METHODS: …”).",
    )
    keywords = models.JSONField("keywords", default=list, blank=True)
    mesh_terms = models.JSONField(
        "MeSH headings", default=list, blank=True, help_text="As indexed by PubMed."
    )
    publication_types = models.JSONField(
        "publication types",
        default=list,
        blank=True,
        help_text="As the database lists them, e.g. Randomized Controlled Trial.",
    )
    language = models.CharField(
        "language", max_length=50, blank=True, help_text="As given, e.g. eng or en."
    )
    registry_ids = models.JSONField(
        "trial registry IDs",
        default=list,
        blank=True,
        help_text="e.g. NCT01234567, ISRCTN12345678.",
    )
    citation_key = models.SlugField(
        "citation key",
        max_length=100,
        blank=True,
        help_text="Short stable key, first author and year, e.g. dhurat2013. Used in BibTeX.",
    )

    design = models.CharField(
        "study design",
        max_length=40,
        choices=StudyDesign.choices,
        help_text="The design as the study reports it; it sets where GRADE starts.",
    )
    condition = models.CharField(
        "condition",
        max_length=200,
        blank=True,
        help_text="Who or what was studied, e.g. androgenetic alopecia, alopecia areata.",
    )
    population = models.TextField(
        "population", blank=True, help_text="Who was studied, in the study's own terms."
    )
    participants = models.PositiveIntegerField(
        "participants",
        null=True,
        blank=True,
        help_text="People randomised or enrolled (pooled for reviews). Empty for animal or "
        "in-vitro work, or when not stated.",
    )
    intervention = models.TextField("intervention", blank=True)
    comparator = models.TextField(
        "comparator", blank=True, help_text="The control arm(s); empty when uncontrolled."
    )
    follow_up_weeks = models.PositiveSmallIntegerField("follow-up (weeks)", null=True, blank=True)
    summary = models.TextField(
        "summary", blank=True, help_text="What the study did and found, in your own words."
    )
    adverse_events = models.TextField("adverse events", blank=True)
    funding = models.TextField("funding", blank=True)
    risk_of_bias = models.CharField(
        "risk of bias",
        max_length=20,
        choices=RiskOfBias.choices,
        default=RiskOfBias.NOT_ASSESSED,
        help_text="Overall risk of bias of the study (RoB 2 / ROBINS-I style judgement).",
    )
    risk_of_bias_note = models.TextField(
        "risk of bias note", blank=True, help_text="Why you judged the risk of bias as you did."
    )

    status = models.CharField(
        "status",
        max_length=20,
        choices=StudyStatus.choices,
        default=StudyStatus.DRAFT,
        help_text="Only published studies are public and count towards grades.",
    )
    included_studies = models.ManyToManyField(
        "self",
        verbose_name="primary studies included",
        symmetrical=False,
        blank=True,
        related_name="included_in_reviews",
        help_text="For a systematic review: the primary studies it included, when it says "
        "which. A study inside a review is not counted again beside the review's estimate.",
    )
    retraction_reason = models.TextField(
        "retraction reason", blank=True, help_text="Required when a study is retracted."
    )

    history = HistoricalRecords()
    objects = StudyQuerySet.as_manager()

    class Meta:
        verbose_name = "study"
        verbose_name_plural = "studies"
        ordering = ["-year", "title"]
        permissions = [
            ("publish_study", "Can publish and unpublish studies (Reviewer)"),
            ("retract_study", "Can retract studies (Reviewer)"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["doi"], condition=~Q(doi=""), name="studies_study_doi_unique"
            ),
            models.CheckConstraint(
                condition=Q(doi=Lower("doi"))
                & ~Q(doi__startswith="http")
                & ~Q(doi__startswith="doi:"),
                name="studies_study_doi_normalised",
            ),
            models.UniqueConstraint(
                fields=["pmid"], condition=~Q(pmid=""), name="studies_study_pmid_unique"
            ),
            models.UniqueConstraint(
                fields=["citation_key"],
                condition=~Q(citation_key=""),
                name="studies_study_citation_key_unique",
            ),
            models.CheckConstraint(
                condition=Q(year__isnull=True) | (Q(year__gte=YEAR_MIN) & Q(year__lte=YEAR_MAX)),
                name="studies_study_year_range",
            ),
            # An imported record may have no date; it waits as a draft for a curator to set it,
            # so every study a grade, a label on a public page or a sort reads has a year.
            models.CheckConstraint(
                condition=Q(status=StudyStatus.DRAFT) | Q(year__isnull=False),
                name="studies_study_year_set_unless_draft",
            ),
            models.CheckConstraint(
                condition=Q(participants__isnull=True) | Q(participants__gte=0),
                name="studies_study_participants_non_negative",
            ),
            models.CheckConstraint(
                condition=~Q(status=StudyStatus.RETRACTED) | ~Q(retraction_reason=""),
                name="studies_study_retraction_has_reason",
            ),
            # An imported citation cannot tell its design; it waits as a draft for a curator.
            models.CheckConstraint(
                condition=Q(status=StudyStatus.DRAFT) | ~Q(design=""),
                name="studies_study_design_set_unless_draft",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-year"], name="studies_study_status_year"),
            # The public list's default order, read from the index however deep the page: on
            # PostgreSQL with the key in each entry (INCLUDE), so a page's keys come from the
            # index alone (SQLite's index entries hold the key anyway).
            models.Index(
                fields=["status", "-year", "title"],
                name="studies_study_list_order",
                include=["id"],
            ),
            # The list filtered by design and condition (the evidence map's cells, a reader
            # narrowing the list): its exact count and its page, newest first, from one index.
            models.Index(
                fields=["status", "design", "condition", "-year", "title"],
                name="studies_study_list_design_cond",
                include=["id"],
            ),
            models.Index(fields=["design"], name="studies_study_design"),
            models.Index(fields=["condition"], name="studies_study_condition"),
            models.Index(fields=["risk_of_bias"], name="studies_study_rob"),
            models.Index(fields=["participants"], name="studies_study_participants"),
        ]

    def __str__(self) -> str:
        return f"{self.short_label()}: {self.public_title[:80]}"

    def save(self, *args, **kwargs) -> None:
        self.normalize_identifiers()
        update_fields = kwargs.get("update_fields")
        names = {"authors", "author_names"}
        if not names & self.get_deferred_fields() and (
            update_fields is None or names & set(update_fields)
        ):
            self.sync_author_names()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return record_url("studies:detail", pk=self.pk)

    @classmethod
    def from_db(cls, db, field_names, values):
        study = super().from_db(db, field_names, values)
        study._loaded_authors = list(study.__dict__.get("authors") or [])
        study._loaded_names = list(study.__dict__.get("author_names") or [])
        return study

    def sync_author_names(self) -> None:
        """Keep the structured names and the typed authors in step.

        Typed authors (new, or changed since loaded) are read once into structured names;
        corrected structured names (or names without typed authors) give the authors' text.
        """
        authors = [a for a in (self.authors or []) if isinstance(a, str)]
        typed_changed = authors != getattr(self, "_loaded_authors", authors)
        names_changed = self.author_names != getattr(self, "_loaded_names", self.author_names)
        if self.author_names and ((names_changed and not typed_changed) or not authors):
            self.authors = [name_text(n) for n in self.author_names]
        elif authors and (typed_changed or not self.author_names):
            self.author_names = [n for n in (parse_name(a) for a in authors) if n]
        self._loaded_authors = list(self.authors or [])
        self._loaded_names = list(self.author_names or [])

    def names(self) -> list[dict[str, str]]:
        """The structured names, read from the typed authors when none are stored yet."""
        if self.author_names:
            return list(self.author_names)
        return [n for n in (parse_name(a) for a in self.authors or [] if isinstance(a, str)) if n]

    def short_label(self) -> str:
        """How the rationale, the claim page and the forest plot name a study: "Dhurat 2013".

        Never the citation key (a curator's handle): without authors, the journal and year
        ("Dermatology Reports 2024"), else "Untitled trial, PMID 12345678". A draft without a
        year says so as CSL's APA style does: "Dhurat n.d.".
        """
        names = self.names()
        family = family_with_particle(names[0]) if names else ""
        year = self.year or NO_DATE
        if family:
            return f"{family} {year}"
        if self.journal.strip():
            return f"{self.journal.strip()} {year}"
        if self.pmid:
            return f"Untitled trial, PMID {self.pmid}"
        return f"Untitled trial, {year}"

    @property
    def public_title(self) -> str:
        """The title as printed, or "Title not available (PMID …)" for a placeholder."""
        return public_title(self.title, self.pmid)

    @property
    def is_published(self) -> bool:
        return self.status == StudyStatus.PUBLISHED

    def formatted_reference(self, style: str = "nlm") -> str:
        """The reference rendered by CSL: NLM (Vancouver) by default, or "apa".

        A record without its title (a placeholder) prints "Title not available"; the styles
        print the PMID, which is then how a reader finds it.
        """
        item = self.csl_item()
        item["author"] = [csl_name(n) for n in self.names()]
        item["title"] = public_title(self.title)
        return render_reference(item, style)

    def references(self) -> list[tuple[str, str]]:
        """[(style label, reference)] for each style the study page offers."""
        return [
            (label, self.formatted_reference(key)) for key, (label, _) in REFERENCE_STYLES.items()
        ]

    @property
    def abstract_sections(self) -> list[tuple[str, str]]:
        """[(label, text)]: "METHODS: We…" gives ("Methods", "We…"); unlabelled text ("", …)."""
        sections = []
        for paragraph in self.abstract.split("\n\n"):
            label, colon, text = paragraph.partition(": ")
            if colon and label.isupper() and len(label) <= 40:
                sections.append((label.capitalize(), text))
            elif paragraph.strip():
                sections.append(("", paragraph))
        return sections

    def csl_item(self) -> dict[str, object]:
        """The study as a CSL-JSON item: what citeproc renders and the CSL-JSON export writes."""
        item: dict[str, object] = {
            "id": self.citation_key or f"study-{self.pk}",
            "type": CSL_TYPES.get(self.record_type, "article-journal"),
            "title": self.public_title,
            "author": self.names(),
        }
        if self.year:  # no date: CSL-JSON leaves "issued" out, and the styles print none
            item["issued"] = {"date-parts": [[self.year]]}
        container = "container-title"
        values = {
            container: self.journal,
            "volume": self.volume,
            "issue": self.issue,
            "page": self.pages,
            "DOI": self.doi,
            "PMID": self.pmid,
            "PMCID": self.pmcid,
            "URL": self.url,
            "abstract": self.abstract,
            "language": self.language,
            "keyword": ", ".join(self.keywords or []),
            "genre": "review" if self.record_type == RecordType.REVIEW else "",
        }
        if self.record_type == RecordType.BOOK:
            values["publisher"] = values.pop(container)
        item.update({key: value for key, value in values.items() if value})
        return item

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def pubmed_url(self) -> str:
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/" if self.pmid else ""

    def normalize_identifiers(self) -> None:
        self.doi = normalize_doi(self.doi)
        self.pmid = normalize_pmid(self.pmid)
        self.pmcid = (self.pmcid or "").strip().upper()

    def clean(self) -> None:
        super().clean()
        self.normalize_identifiers()
        errors: dict[str, str] = {}
        if self.doi and not is_valid_doi(self.doi):
            errors["doi"] = f"“{self.doi}” is not a DOI: a DOI looks like 10.1111/jocd.13714."
        elif self.doi:
            clash = Study.objects.filter(doi=self.doi).exclude(pk=self.pk).first()
            if clash:
                errors["doi"] = f"Another study already has this DOI: {clash}."
        if self.pmid and not self.pmid.isdigit():
            errors["pmid"] = "A PubMed ID is digits only, e.g. 23960389."
        elif self.pmid:
            clash = Study.objects.filter(pmid=self.pmid).exclude(pk=self.pk).first()
            if clash:
                errors["pmid"] = f"Another study already has this PubMed ID: {clash}."
        if not isinstance(self.authors, list) or not all(
            isinstance(name, str) and name.strip() for name in self.authors
        ):
            errors["authors"] = 'Authors must be a list of names, e.g. ["Rachita Dhurat"].'
        if not isinstance(self.author_names, list) or not all(
            isinstance(name, dict) and all(isinstance(v, str) for v in name.values())
            for name in self.author_names
        ):
            errors["author_names"] = (
                'Each structured name is an object of texts, e.g. {"family": "Dhurat", '
                '"given": "Rachita"}.'
            )
        for name in ("keywords", "mesh_terms", "publication_types", "registry_ids"):
            value = getattr(self, name)
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                errors[name] = 'A list of texts, e.g. ["alopecia", "microneedling"].'
        if self.year is None and self.status not in ("", StudyStatus.DRAFT):
            errors["year"] = "Set the year of publication: only a draft may be without one."
        if self.status == StudyStatus.RETRACTED and not self.retraction_reason.strip():
            errors["retraction_reason"] = "Say why the study is retracted."
        if errors:
            raise ValidationError(errors)


class Outcome(models.Model):
    """One measure a study reported at one timepoint, with its arms and between-group effect."""

    study = models.ForeignKey(
        Study, verbose_name="study", on_delete=models.CASCADE, related_name="outcomes"
    )
    measure = models.CharField(
        "measure",
        max_length=500,
        help_text="What was measured, e.g. hair count, change from baseline, per cm².",
    )
    unit = models.CharField(
        "unit",
        max_length=100,
        blank=True,
        help_text="As reported (hairs/cm2, µm, %). Never convert.",
    )
    timepoint_weeks = models.PositiveSmallIntegerField(
        "timepoint (weeks)",
        null=True,
        blank=True,
        help_text="Only when the source states it in weeks; otherwise leave empty and say it in "
        "the measure or source note.",
    )
    effect_type = models.CharField(
        "effect type",
        max_length=120,
        blank=True,
        help_text="MD, SMD, RR… or 'p-value only' when only a p-value was reported.",
    )
    estimate = models.FloatField("effect estimate", null=True, blank=True)
    ci_low = models.FloatField("95% CI, lower", null=True, blank=True)
    ci_high = models.FloatField("95% CI, upper", null=True, blank=True)
    p_value = models.CharField(
        "p-value",
        max_length=120,
        blank=True,
        help_text="As reported: 0.039, <0.0001, or 'not significant'.",
    )
    i2 = models.FloatField(
        "I² (%)",
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    k_studies = models.PositiveIntegerField("studies pooled", null=True, blank=True)
    participants = models.PositiveIntegerField("participants", null=True, blank=True)
    baseline_note = models.TextField("baseline", blank=True)
    source_location = models.TextField(
        "where the numbers come from",
        blank=True,
        help_text="Abstract, a named table, a later review… with any caveat.",
    )
    order = models.PositiveSmallIntegerField("order", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "outcome"
        verbose_name_plural = "outcomes"
        ordering = ["study", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ci_low__isnull=True)
                | Q(ci_high__isnull=True)
                | Q(ci_low__lte=F("ci_high")),
                name="studies_outcome_ci_ordered",
            ),
            models.CheckConstraint(
                condition=Q(i2__isnull=True) | (Q(i2__gte=0) & Q(i2__lte=100)),
                name="studies_outcome_i2_range",
            ),
        ]

    def __str__(self) -> str:
        when = f" at {self.timepoint_weeks} weeks" if self.timepoint_weeks else ""
        return f"{self.measure}{when}"

    def get_absolute_url(self) -> str:
        return self.study.get_absolute_url()

    def clean(self) -> None:
        super().clean()
        if self.ci_low is not None and self.ci_high is not None and self.ci_low > self.ci_high:
            raise ValidationError({"ci_high": "The upper CI limit is below the lower one."})


class OutcomeArm(models.Model):
    """One compared group of an outcome, with the numbers the source printed for it."""

    outcome = models.ForeignKey(
        Outcome, verbose_name="outcome", on_delete=models.CASCADE, related_name="arms"
    )
    label = models.CharField("arm", max_length=300)
    n = models.PositiveIntegerField("n", null=True, blank=True)
    mean = models.FloatField("mean", null=True, blank=True)
    sd = models.FloatField("SD", null=True, blank=True)
    se = models.FloatField("SE", null=True, blank=True)
    ci_low = models.FloatField("95% CI, lower", null=True, blank=True)
    ci_high = models.FloatField("95% CI, upper", null=True, blank=True)
    note = models.TextField("note", blank=True)
    order = models.PositiveSmallIntegerField("order", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "outcome arm"
        verbose_name_plural = "outcome arms"
        ordering = ["outcome", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(sd__isnull=True) | Q(sd__gte=0)) & (Q(se__isnull=True) | Q(se__gte=0)),
                name="studies_outcomearm_dispersion_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class Revision(models.Model):
    """A correction to a published record, waiting for a reviewer (studies.revisions).

    Holds the proposed values of the record's own fields; the record, and so the public page,
    keeps its published values until a reviewer who did not propose it publishes the revision,
    which writes them into the record and deletes this row. One pending revision per record.
    """

    content_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name="kind of record", on_delete=models.CASCADE
    )
    object_id = models.PositiveBigIntegerField("record")
    record = GenericForeignKey("content_type", "object_id")
    values = models.JSONField(
        "proposed values",
        encoder=DjangoJSONEncoder,
        help_text="The changed fields only, by name, as the record's form saves them.",
    )
    note = models.TextField("why", blank=True, help_text="What was wrong, for the reviewer.")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="proposed by",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    proposed_at = models.DateTimeField("proposed", auto_now_add=True)

    class Meta:
        verbose_name = "pending correction"
        verbose_name_plural = "pending corrections"
        ordering = ["-proposed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"], name="studies_revision_one_per_record"
            )
        ]

    def __str__(self) -> str:
        return f"Correction of {self.content_type.model} {self.object_id}"


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", "queued"
    RUNNING = "running", "running"
    DONE = "done", "done"
    FAILED = "failed", "failed"


class ImportJob(models.Model):
    """One uploaded citation file imported in the background, with its progress and report.

    The admin stores the file's bytes here and hands the job's id to the task queue
    (studies.tasks); the worker reads them, imports, and writes the counts and the report back
    as it goes, so the curator's status page shows how far it is and, at the end, the result.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="uploaded by",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    filename = models.CharField("file name", max_length=255)
    # On the file storage (MEDIA_ROOT), not in a database row: writing 20 MB as a bytea
    # parameter takes seconds, a file milliseconds. The worker needs the same storage.
    upload = models.FileField(
        "file",
        upload_to="citation-imports/%Y/%m/",
        max_length=300,
        blank=True,
        help_text="The uploaded file, deleted once the import has run.",
    )
    size = models.PositiveBigIntegerField("size (bytes)", default=0)
    dry_run = models.BooleanField("dry run", default=False)
    status = models.CharField(
        "status", max_length=10, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED
    )
    stage = models.CharField(
        "stage", max_length=200, blank=True, help_text="What the import is doing right now."
    )
    total = models.PositiveIntegerField("records in the file", default=0)
    processed = models.PositiveIntegerField("records checked", default=0)
    created = models.PositiveIntegerField("studies created", default=0)
    present = models.PositiveIntegerField("already present", default=0)
    skipped = models.PositiveIntegerField("skipped", default=0)
    summary = models.TextField("summary", blank=True)
    error = models.TextField(
        "error", blank=True, help_text="Why the file was not imported (nothing was written)."
    )
    lines = models.JSONField(
        "report", default=list, blank=True, help_text="One row per record: what happened to it."
    )
    created_at = models.DateTimeField("uploaded at", auto_now_add=True)
    started_at = models.DateTimeField("started at", null=True, blank=True)
    finished_at = models.DateTimeField("finished at", null=True, blank=True)

    class Meta:
        verbose_name = "citation import"
        verbose_name_plural = "citation imports"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(processed__lte=F("total")),
                name="studies_importjob_processed_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (ImportJobStatus.DONE, ImportJobStatus.FAILED)

    @property
    def percent(self) -> int:
        return round(100 * self.processed / self.total) if self.total else 0
