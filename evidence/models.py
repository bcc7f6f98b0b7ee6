import hashlib
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Length, NullIf
from django.db.models.lookups import Exact
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from studies.models import Outcome, ReviewedRecord, Study

if TYPE_CHECKING:
    from evidence.grading import LinkedStudy

# How much text either side of a quote is kept as its prefix and suffix (Hypothesis keeps 32).
CONTEXT_CHARS = 32


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"


class Certainty(models.TextChoices):
    HIGH = "high", "High"
    MODERATE = "moderate", "Moderate"
    LOW = "low", "Low"
    VERY_LOW = "very_low", "Very low"
    NONE = "none", "No evidence graded"


class ClaimDirection(models.TextChoices):
    SUPPORTED = "supported", "Supported"
    CONTRADICTED = "contradicted", "Contradicted"
    MIXED = "mixed", "Mixed"
    INCONCLUSIVE = "inconclusive", "Inconclusive"


class SortStrength(models.TextChoices):
    A = "A", "A: consistent, good-quality patient-oriented evidence"
    B = "B", "B: inconsistent or limited-quality patient-oriented evidence"
    C = "C", "C: consensus, disease-oriented or preclinical evidence, case series"


class LinkDirection(models.TextChoices):
    SUPPORTS = "supports", "Supports"
    CONTRADICTS = "contradicts", "Contradicts"
    MIXED = "mixed", "Mixed"
    NEUTRAL = "neutral", "Neutral"


def text_checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class SourceDocument(models.Model):
    """An article whose claims are tracked, stored verbatim so mentions can anchor to it."""

    title = models.CharField("title", max_length=300)
    slug = models.SlugField("slug", max_length=120, unique=True)
    text = models.TextField(
        "text", help_text="The article verbatim. Mentions point at character offsets in it."
    )
    source = models.CharField(
        "source", max_length=500, blank=True, help_text="Where the article comes from."
    )
    source_url = models.URLField("source URL", max_length=500, blank=True)
    imported_at = models.DateTimeField("imported", default=timezone.now)
    checksum = models.CharField(
        "checksum", max_length=64, editable=False, help_text="SHA-256 of the text."
    )
    status = models.CharField(
        "status",
        max_length=20,
        choices=PublicationStatus.choices,
        default=PublicationStatus.DRAFT,
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "source document"
        verbose_name_plural = "source documents"
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.checksum = text_checksum(self.text)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("evidence:document_detail", kwargs={"slug": self.slug})


class ClaimCategory(models.Model):
    name = models.CharField("name", max_length=120, unique=True)
    slug = models.SlugField("slug", max_length=120, unique=True)
    description = models.TextField("description", blank=True)
    keywords = models.TextField(
        "keywords",
        blank=True,
        help_text="Comma-separated words or phrases that suggest a sentence makes a claim of "
        "this category (used to point curators at uncurated sentences).",
    )
    order = models.PositiveSmallIntegerField("order", default=0)

    class Meta:
        verbose_name = "claim category"
        verbose_name_plural = "claim categories"
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"{reverse('evidence:claim_list')}?category={self.slug}"

    def keyword_list(self) -> list[str]:
        return [k.strip().lower() for k in self.keywords.split(",") if k.strip()]


class ClaimQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=PublicationStatus.PUBLISHED)

    # Public lists (issue 5): the effective grade and published counts, computed in SQL.

    @staticmethod
    def effective_certainty_expression():
        """The certainty a reader sees: the override when a curator set one, else the computed."""
        return Coalesce(NullIf("certainty_override", Value("")), "certainty")

    @staticmethod
    def effective_direction_expression():
        return Coalesce(NullIf("direction_override", Value("")), "direction")

    @staticmethod
    def certainty_rank_expression():
        """4 for high down to 0 for none: sorts strongest first with a descending order."""
        ranks = {
            Certainty.HIGH: 4,
            Certainty.MODERATE: 3,
            Certainty.LOW: 2,
            Certainty.VERY_LOW: 1,
        }
        return Case(
            *(
                When(Exact(ClaimQuerySet.effective_certainty_expression(), level), then=rank)
                for level, rank in ranks.items()
            ),
            default=0,
            output_field=models.IntegerField(),
        )

    def with_effective_grade(self):
        """Annotates `certainty_shown` and `direction_shown` (override-aware)."""
        return self.annotate(
            certainty_shown=self.effective_certainty_expression(),
            direction_shown=self.effective_direction_expression(),
        )

    def with_public_counts(self):
        """Annotates `published_study_count` (linked published studies) and `mention_count`
        (mentions in published documents), each a correlated subquery so they never multiply."""
        from studies.models import StudyStatus

        studies = (
            EvidenceLink.objects.filter(claim=OuterRef("pk"), study__status=StudyStatus.PUBLISHED)
            .order_by()
            .values("claim")
            .annotate(n=Count("pk"))
            .values("n")
        )
        mentions = (
            ClaimMention.objects.public()
            .filter(claim=OuterRef("pk"))
            .order_by()
            .values("claim")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(
            published_study_count=Coalesce(Subquery(studies), 0),
            mention_count=Coalesce(Subquery(mentions), 0),
        )

    def for_list(self):
        """One bundle for the public claim list and its CSV."""
        return self.select_related("category").with_effective_grade().with_public_counts()

    # Overview pages (home, evidence map): published claims with their category, by category.
    def for_overview(self):
        return (
            self.published()
            .select_related("category")
            .order_by("category__order", "category__name", "slug")
        )

    # --- The claim page (public/views/claim_detail.py) ---

    def for_detail(self):
        """Everything the claim page shows, in a fixed number of queries however many rows:
        `published_links` (links to published studies, each with its study, its key outcome
        and the study's outcomes with their arms) and `published_mentions` (mentions in
        published documents, without the documents' full text)."""
        from studies.models import StudyStatus

        arms = Outcome.objects.prefetch_related("arms")
        links = (
            EvidenceLink.objects.filter(study__status=StudyStatus.PUBLISHED)
            .select_related("study")
            .order_by()  # the view orders them by design; Meta.ordering would join claims
            .prefetch_related(
                models.Prefetch("outcome", queryset=arms),
                models.Prefetch("study__outcomes", queryset=arms),
            )
        )
        mentions = (
            ClaimMention.objects.public()
            .select_related("document")
            .defer("document__text")
            .order_by("document__title", "document_id", "start")
        )
        return self.select_related("category").prefetch_related(
            models.Prefetch("evidence_links", queryset=links, to_attr="published_links"),
            models.Prefetch("mentions", queryset=mentions, to_attr="published_mentions"),
        )


class Claim(ReviewedRecord):
    statement = models.TextField(
        "statement", help_text="The claim in neutral wording, as a testable proposition."
    )
    slug = models.SlugField("slug", max_length=120, unique=True)
    category = models.ForeignKey(
        ClaimCategory, verbose_name="category", on_delete=models.PROTECT, related_name="claims"
    )
    status = models.CharField(
        "status",
        max_length=20,
        choices=PublicationStatus.choices,
        default=PublicationStatus.DRAFT,
        help_text="Only published claims are public.",
    )
    plain_summary = models.TextField(
        "plain-language bottom line",
        blank=True,
        help_text="Optional: one sentence for readers. Left empty, it is written from the grade.",
    )

    # The computed grade (filled by grading; never typed in by hand).
    certainty = models.CharField(
        "certainty", max_length=20, choices=Certainty.choices, default=Certainty.NONE
    )
    direction = models.CharField(
        "direction", max_length=20, choices=ClaimDirection.choices, blank=True
    )
    preclinical_only = models.BooleanField(
        "preclinical only",
        default=False,
        help_text="Set by grading when the only evidence is from animals or cells.",
    )
    sort_strength = models.CharField(
        "SORT strength", max_length=1, choices=SortStrength.choices, blank=True
    )
    rationale = models.JSONField(
        "rationale", default=list, blank=True, help_text="The grading steps, in order."
    )
    graded_at = models.DateTimeField("graded", null=True, blank=True)

    # Curator judgements at the level of the body of evidence, which feed the grade.
    publication_bias_suspected = models.BooleanField(
        "publication bias suspected",
        default=False,
        help_text="Downgrades one level: e.g. only small positive studies, industry funding.",
    )
    large_effect = models.BooleanField(
        "large effect",
        default=False,
        help_text="Upgrades observational evidence one level when the effect is large.",
    )
    dose_response = models.BooleanField(
        "dose-response gradient",
        default=False,
        help_text="Upgrades observational evidence one level when a dose-response is shown.",
    )
    grading_note = models.TextField("grading note", blank=True)

    # A curator may overrule the computed grade, in writing; the computed one stays beside it.
    certainty_override = models.CharField(
        "certainty (override)",
        max_length=20,
        choices=Certainty.choices,
        blank=True,
        help_text="Leave empty to use the computed certainty.",
    )
    direction_override = models.CharField(
        "direction (override)",
        max_length=20,
        choices=ClaimDirection.choices,
        blank=True,
        help_text="Leave empty to use the computed direction.",
    )
    override_justification = models.TextField(
        "override justification",
        blank=True,
        help_text="Required with any override: why the computed grade is wrong.",
    )
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="overridden by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    overridden_at = models.DateTimeField("overridden", null=True, blank=True)

    history = HistoricalRecords()
    objects = ClaimQuerySet.as_manager()

    class Meta:
        verbose_name = "claim"
        verbose_name_plural = "claims"
        ordering = ["category__order", "slug"]
        permissions = [("publish_claim", "Can publish and unpublish claims (Reviewer)")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(certainty_override="") & Q(direction_override=""))
                | ~Q(override_justification=""),
                name="evidence_claim_override_justified",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "category"], name="evidence_claim_status_cat"),
            models.Index(fields=["certainty"], name="evidence_claim_certainty"),
            models.Index(fields=["direction"], name="evidence_claim_direction"),
        ]

    def __str__(self) -> str:
        return self.statement[:120]

    def get_absolute_url(self) -> str:
        return reverse("evidence:claim_detail", kwargs={"slug": self.slug})

    @property
    def is_overridden(self) -> bool:
        return bool(self.certainty_override or self.direction_override)

    @property
    def public_rationale(self) -> list[str]:
        """The grading steps a reader sees: without the curators' count of unpublished studies,
        so not even the existence of a draft is public."""
        from evidence.grading import UNPUBLISHED_NOTE

        return [step for step in self.rationale or [] if not step.startswith(UNPUBLISHED_NOTE)]

    @property
    def effective_certainty(self) -> str:
        return self.certainty_override or self.certainty

    @property
    def effective_direction(self) -> str:
        return self.direction_override or self.direction

    def clean(self) -> None:
        super().clean()
        if self.is_overridden and not self.override_justification.strip():
            raise ValidationError(
                {"override_justification": "An override needs a written justification."}
            )


def context_around(text: str, start: int, end: int) -> tuple[str, str]:
    """The prefix and suffix of a span: up to CONTEXT_CHARS characters either side."""
    return text[max(0, start - CONTEXT_CHARS) : start], text[end : end + CONTEXT_CHARS]


class ClaimMentionQuerySet(models.QuerySet):
    def public(self):
        """Mentions a reader may see: of a published claim, in a published document, not
        waiting for a curator to re-anchor them after the text changed."""
        return self.filter(
            claim__status=PublicationStatus.PUBLISHED,
            document__status=PublicationStatus.PUBLISHED,
            needs_review=False,
        )


class ClaimMention(models.Model):
    """One place a document makes a claim: a W3C text-quote plus text-position selector."""

    claim = models.ForeignKey(
        Claim, verbose_name="claim", on_delete=models.CASCADE, related_name="mentions"
    )
    document = models.ForeignKey(
        SourceDocument, verbose_name="document", on_delete=models.PROTECT, related_name="mentions"
    )
    quote = models.TextField("quote", help_text="The exact words of the document.")
    start = models.PositiveIntegerField(
        "start", help_text="Character offset where the quote starts in the document text."
    )
    end = models.PositiveIntegerField("end", help_text="Character offset just after the quote.")
    prefix = models.CharField(
        "text before", max_length=CONTEXT_CHARS * 2, blank=True, help_text="Context before."
    )
    suffix = models.CharField(
        "text after", max_length=CONTEXT_CHARS * 2, blank=True, help_text="Context after."
    )
    needs_review = models.BooleanField(
        "needs review",
        default=False,
        help_text="Set when the document changed and the quote could not be re-anchored.",
    )
    review_note = models.TextField("review note", blank=True)
    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("updated", auto_now=True)

    history = HistoricalRecords()
    objects = ClaimMentionQuerySet.as_manager()

    class Meta:
        verbose_name = "claim mention"
        verbose_name_plural = "claim mentions"
        ordering = ["document", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="evidence_mention_span_valid"
            ),
            models.CheckConstraint(
                condition=Q(end=F("start") + Length("quote")),
                name="evidence_mention_span_matches_quote",
            ),
            models.UniqueConstraint(
                fields=["claim", "document", "start"], name="evidence_mention_unique_place"
            ),
        ]
        indexes = [
            models.Index(fields=["document", "start"], name="evidence_mention_doc_start"),
        ]

    def __str__(self) -> str:
        return f"“{self.quote[:60]}” ({self.document_id}:{self.start}-{self.end})"

    def get_absolute_url(self) -> str:
        return f"{self.document.get_absolute_url()}#mention-{self.pk}"

    def is_anchored(self, text: str | None = None) -> bool:
        text = self.document.text if text is None else text
        return text[self.start : self.end] == self.quote

    def clean(self) -> None:
        super().clean()
        if self.document_id is None or self.start is None or self.end is None:
            return
        if not self.is_anchored():
            found = self.document.text[self.start : self.end]
            raise ValidationError(
                {
                    "quote": f"The quote is not at characters {self.start}–{self.end} of the "
                    f"document; the text there reads “{found[:80]}”."
                }
            )


class EvidenceLink(models.Model):
    """What one study shows about one claim."""

    claim = models.ForeignKey(
        Claim, verbose_name="claim", on_delete=models.CASCADE, related_name="evidence_links"
    )
    study = models.ForeignKey(
        Study, verbose_name="study", on_delete=models.PROTECT, related_name="evidence_links"
    )
    direction = models.CharField(
        "direction",
        max_length=20,
        choices=LinkDirection.choices,
        help_text="What this study's results say about this claim.",
    )
    finding = models.TextField(
        "finding", blank=True, help_text="What this study shows about this claim, in your words."
    )
    outcome = models.ForeignKey(
        Outcome,
        verbose_name="key outcome",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evidence_links",
        help_text="Optional: the outcome of this study that bears on the claim.",
    )
    indirect = models.BooleanField(
        "indirect",
        default=False,
        help_text="The population, intervention or outcome differs from the claim's "
        "(e.g. facial skin, not the scalp). Animal and in-vitro studies are always indirect.",
    )
    indirectness_note = models.TextField("indirectness note", blank=True)
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

    history = HistoricalRecords()

    class Meta:
        verbose_name = "evidence link"
        verbose_name_plural = "evidence links"
        ordering = ["claim", "study"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "study"], name="evidence_link_unique_claim_study"
            ),
        ]
        indexes = [
            models.Index(fields=["study", "claim"], name="evidence_link_study_claim"),
        ]

    def __str__(self) -> str:
        return f"{self.study} {self.get_direction_display().lower()} {self.claim.slug}"

    def get_absolute_url(self) -> str:
        return self.claim.get_absolute_url()

    def as_linked_study(self) -> "LinkedStudy":
        """This link and its study as grading sees them (a pure value: reads, never writes)."""
        from evidence import grading  # grading reads this module's choices

        return grading.LinkedStudy(
            design=self.study.design,
            participants=self.study.participants,
            risk_of_bias=self.study.risk_of_bias,
            direction=self.direction,
            indirect=self.indirect,
            label=self.study.short_label(),
        )

    def clean(self) -> None:
        super().clean()
        if self.outcome_id and self.study_id and self.outcome.study_id != self.study_id:
            raise ValidationError({"outcome": "This outcome belongs to another study."})
