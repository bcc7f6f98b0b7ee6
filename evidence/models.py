import hashlib
import math
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Length, NullIf
from django.db.models.lookups import Exact
from django.utils import timezone
from simple_history.models import HistoricalRecords

from evidence import certainty as grade_vocabulary
from evidence import grading, matching, vocabulary
from evidence.anchoring import CONTEXT_CHARS, normalize_text
from evidence.grading import UNPUBLISHED_NOTE
from studies.models import Outcome, ReviewedRecord, RiskOfBias, Study, StudyStatus, text_choices
from studies.reversing import record_url

PublicationStatus = text_choices(vocabulary.PublicationStatus, module=__name__)
Certainty = text_choices(vocabulary.Certainty, module=__name__)
ClaimDirection = text_choices(vocabulary.ClaimDirection, module=__name__)
SortStrength = text_choices(vocabulary.SortStrength, module=__name__)
LinkDirection = text_choices(vocabulary.LinkDirection, module=__name__)
# The GRADE engine's vocabulary (evidence.certainty): claim kinds, outcome importance and kind,
# effect measures, which way is benefit, and how a comparison uses the intervention.
ClaimKind = text_choices(grade_vocabulary.ClaimKind, module=__name__)
Importance = text_choices(grade_vocabulary.Importance, module=__name__)
OutcomeKind = text_choices(grade_vocabulary.OutcomeKind, module=__name__)
Benefit = text_choices(grade_vocabulary.Benefit, module=__name__)
Measure = text_choices(grade_vocabulary.Measure, module=__name__)
InterventionRole = text_choices(grade_vocabulary.InterventionRole, module=__name__)
ResultDirection = text_choices(grade_vocabulary.Direction, module=__name__)
# What a passage does with the claim it makes: the matcher's stances (evidence.matching.Stance).
_STANCE_LABELS = {
    matching.Stance.ASSERTS: "Asserts the claim",
    matching.Stance.DENIES: "Denies the claim",
    matching.Stance.QUALIFIES: "Qualifies the claim",
}
MentionStance = models.TextChoices(
    "MentionStance",
    [(member.name, (member.value, _STANCE_LABELS[member])) for member in matching.Stance],
    module=__name__,
    qualname="MentionStance",
)


def text_checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class SourceDocument(ReviewedRecord):
    """An article whose claims are tracked, stored verbatim so mentions can anchor to it.

    Reviewed like studies and claims (evidence.workflow.document_submit/publish/unpublish): a
    published document is locked until a reviewer unpublishes it.
    """

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
        help_text="Only published documents are public; set by the review actions.",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "source document"
        verbose_name_plural = "source documents"
        ordering = ["title"]
        permissions = [
            ("publish_sourcedocument", "Can publish and unpublish source documents (Reviewer)")
        ]
        indexes = [
            # The home page's published documents in title order (a sort of 50,000 without it).
            models.Index(fields=["status", "title"], name="evidence_document_status_title"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        self.text = normalize_text(self.text or "")

    def save(self, *args, **kwargs) -> None:
        # The one place the stored text is set: every path (admin, services, seed) saves here.
        self.text = normalize_text(self.text or "")
        self.checksum = text_checksum(self.text)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return record_url("evidence:document_detail", slug=self.slug)


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
        return f"{record_url('evidence:claim_list')}?category={self.slug}"

    def keyword_list(self) -> list[str]:
        return [k.strip().lower() for k in self.keywords.split(",") if k.strip()]


def _sql_literal(value) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"not a constant to inline: {value!r}")
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("'", "''") + "'"


class InlineConstants(models.Func):
    """An expression of constants (no user input) with its parameters written into the SQL as
    literals on SQLite, so the query's expression is the very text of an expression index."""

    template = "%(expressions)s"

    def __init__(self, expression, **extra):
        super().__init__(expression, output_field=expression.output_field, **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = self.as_sql(compiler, connection, **extra_context)
        return sql % tuple(_sql_literal(p) for p in params), ()


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

    @staticmethod
    def certainty_rank_order():
        """`certainty_rank_expression` for ORDER BY, written so SQLite reads it from the
        evidence_claim_certainty_order index: SQLite uses an expression index only for the same
        expression with the same literals, and Django would send the CASE's levels and ranks
        as bound parameters."""
        return InlineConstants(ClaimQuerySet.certainty_rank_expression())

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

    @staticmethod
    def link_outcomes() -> tuple[models.Prefetch, models.Prefetch]:
        """A link's key outcome and its study's outcomes, each with their arms: what the
        Summary of Findings as reported shows (a claim not graded yet)."""
        arms = Outcome.objects.prefetch_related("arms")
        return (
            models.Prefetch("outcome", queryset=arms),
            models.Prefetch("study__outcomes", queryset=arms),
        )

    @staticmethod
    def _detail_links():
        """Links to published studies, each with its study, in no order (the claim page orders
        them by design; Meta.ordering would join claims)."""
        return (
            EvidenceLink.objects.filter(study__status=StudyStatus.PUBLISHED)
            .select_related("study")
            .order_by()
        )

    @staticmethod
    def _detail_mentions(mentions):
        """`mentions` with their documents, without the documents' full text, in reading
        order per document."""
        return (
            mentions.select_related("document")
            .defer("document__text")
            .order_by("document__title", "document_id", "start")
        )

    def for_detail(self, *, outcomes: bool = True):
        """Everything the claim page shows, in a fixed number of queries however many rows:
        `published_links` (links to published studies, each with its study and, with
        `outcomes`, its key outcome and the study's outcomes with their arms: four queries a
        graded claim's page does not use) and `published_mentions` (mentions in published
        documents, without the documents' full text)."""
        links = self._detail_links()
        if outcomes:
            links = links.prefetch_related(*self.link_outcomes())
        mentions = self._detail_mentions(ClaimMention.objects.public())
        return self.select_related("category").prefetch_related(
            models.Prefetch("evidence_links", queryset=links, to_attr="published_links"),
            models.Prefetch("mentions", queryset=mentions, to_attr="published_mentions"),
        )

    def one_for_detail(self, **lookup: Any) -> "Claim | None":
        """The one claim `lookup` names, with `published_links` and `published_mentions` as
        `for_detail(outcomes=False)` gives them, for one published claim's page: three queries,
        each by the claim's key, without the prefetch machinery or a join back to the claim
        (its status is already read). None when no such claim."""
        try:
            claim = self.select_related("category").get(**lookup)
        except self.model.DoesNotExist:
            return None
        claim.published_links = list(self._detail_links().filter(claim_id=claim.pk))
        mentions = ClaimMention.objects.of_published_claim(claim).filter(claim_id=claim.pk)
        claim.published_mentions = list(self._detail_mentions(mentions))
        return claim


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
    kind = models.CharField(
        "kind of claim",
        max_length=20,
        choices=ClaimKind.choices,
        default=ClaimKind.EFFECT,
        help_text="How the claim reaches a verdict: an effect or a mechanism is graded per "
        "outcome; established background is not graded; a definitional claim is checked "
        "against accepted definitions; a claim about the state of the evidence is answered "
        "from the grades of the related claims.",
    )
    intervention_role = models.CharField(
        "the claim speaks of the intervention",
        max_length=20,
        choices=InterventionRole.choices,
        default=InterventionRole.ALONE,
        help_text="“Microneedling increases hair density” speaks of microneedling alone: trials "
        "that add it to minoxidil answer that only indirectly.",
    )
    related_claims = models.ManyToManyField(
        "self",
        verbose_name="related claims",
        symmetrical=False,
        blank=True,
        related_name="+",
        help_text="For a claim about the state of the evidence: the effect claims it speaks of.",
    )
    accepted_definition = models.TextField(
        "accepted definition",
        blank=True,
        help_text="For a definitional claim: the definition the literature uses, in your words.",
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
    grade_detail = models.JSONField(
        "grade detail",
        default=dict,
        blank=True,
        help_text="Filled by grading: per comparison and outcome, the effect, the five GRADE "
        "domains with their reasons and numbers, and what the claim page draws.",
    )

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

    # Kept by the regrade (evidence.services): a digest of everything the stored grade was
    # computed from, so a full regrade recomputes only the claims whose inputs changed since
    # (and every claim when the grading rules changed: GradingRules).
    # NULL until first graded: adding a nullable column is instant on PostgreSQL, needs no
    # table rebuild on SQLite (whose full-text triggers a rebuild would break), and bulk loads
    # that do not name it (generate_synthetic's COPY) leave it NULL.
    grade_input_hash = models.CharField(  # noqa: DJ001
        "grade input fingerprint",
        max_length=32,
        null=True,
        blank=True,
        editable=False,
        help_text="Set by grading: an MD5 of the grade's inputs.",
    )

    history = HistoricalRecords(excluded_fields=["grade_input_hash"])
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
            # The home page's first claims of each category, and the list's pages in its
            # default order. On PostgreSQL the key comes with each entry (INCLUDE), so a page's
            # keys are read from the index alone: page 50 at 1M claims 3.1 -> 0.3 ms (SQLite's
            # index entries always hold the row's key).
            models.Index(
                fields=["status", "category", "slug"],
                name="evidence_claim_status_cat_slug",
                include=["id"],
            ),
            models.Index(fields=["certainty"], name="evidence_claim_certainty"),
            # The public list sorted by certainty, strongest first, then slug: read in order,
            # from the index alone on PostgreSQL (which wants the expression's columns with it).
            models.Index(
                "status",
                models.OrderBy(ClaimQuerySet.certainty_rank_expression(), descending=True),
                "slug",
                name="evidence_claim_certainty_order",
                include=["id", "certainty", "certainty_override"],
            ),
            models.Index(fields=["direction"], name="evidence_claim_direction"),
        ]

    def __str__(self) -> str:
        return self.statement[:120]

    def get_absolute_url(self) -> str:
        return record_url("evidence:claim_detail", slug=self.slug)

    @classmethod
    def from_db(cls, db, field_names, values):
        claim = super().from_db(db, field_names, values)
        if {"status", "category_id", "slug"} <= claim.__dict__.keys():
            claim._loaded_place = claim.list_place()
        return claim

    def list_place(self) -> tuple[bool, int | None, str]:
        """Where the claim sits in the public claim list: published or not, its category, its
        slug (copied into its facet rows, evidence/claim_facets.py)."""
        return (self.status == PublicationStatus.PUBLISHED, self.category_id, self.slug)

    @property
    def is_overridden(self) -> bool:
        return bool(self.certainty_override or self.direction_override)

    @property
    def public_rationale(self) -> list[str]:
        """The grading steps a reader sees: without the curators' count of unpublished studies,
        so not even the existence of a draft is public."""
        return [step for step in self.rationale or [] if not step.startswith(UNPUBLISHED_NOTE)]

    @property
    def effective_certainty(self) -> str:
        return self.certainty_override or self.certainty

    @property
    def effective_direction(self) -> str:
        return self.direction_override or self.direction

    @property
    def stored_bottom_line(self) -> str:
        """The bottom line from the stored grade: the curator's own sentence, else the stored
        statement or verdict ("" for a claim never regraded). No query."""
        detail = self.grade_detail if isinstance(self.grade_detail, dict) else {}
        for text in (self.plain_summary, detail.get("statement"), detail.get("verdict")):
            if isinstance(text, str) and text.strip():
                return text.strip()
        return ""

    def clean(self) -> None:
        super().clean()
        if self.is_overridden and not self.override_justification.strip():
            raise ValidationError(
                {"override_justification": "An override needs a written justification."}
            )


class ClaimMentionQuerySet(models.QuerySet):
    def public(self):
        """Mentions a reader may see: published themselves (reviewed by a second person), of a
        published claim, in a published document, not waiting for a curator to re-anchor them
        after the text changed."""
        return self._shown().filter(claim__status=PublicationStatus.PUBLISHED)

    def of_published_claim(self, claim: "Claim"):
        """`public()` for the mentions of one claim whose status is already read: no join back
        to it (none at all unless it is published)."""
        if claim.status != PublicationStatus.PUBLISHED:
            return self.none()
        return self._shown()

    def _shown(self):
        return self.filter(
            status=PublicationStatus.PUBLISHED,
            document__status=PublicationStatus.PUBLISHED,
            needs_review=False,
        )

    def unpublished(self):
        """Mentions still waiting for a reviewer (drafts and those in review)."""
        return self.exclude(status=PublicationStatus.PUBLISHED)


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
    stance = models.CharField(
        "stance",
        max_length=20,
        choices=MentionStance.choices,
        default=MentionStance.ASSERTS,
        help_text="What the passage does with the claim: asserts it, denies it (“minimally "
        "invasive” against “non-invasive”), or qualifies it (“some studies show a modest "
        "improvement, others none”). Pages say so beside the passage.",
    )
    status = models.CharField(
        "status",
        max_length=20,
        choices=PublicationStatus.choices,
        default=PublicationStatus.DRAFT,
        help_text="A new mention is a draft: it is public only once a reviewer who did not make "
        "it publishes it (on its own, or with its claim or its document), and its claim and "
        "document are published. Set by the review actions.",
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
        permissions = [("publish_claimmention", "Can publish and unpublish mentions (Reviewer)")]
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
            models.CheckConstraint(
                condition=Q(stance__in=[s.value for s in matching.Stance]),
                name="evidence_mention_stance_known",
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


class MentionRejection(models.Model):
    """A curator's "no" to one proposal of the claim matcher: this claim is not made by this
    passage of this document. Anchored like a mention (the quote with the text around it), so
    a re-run of the matcher after an edit elsewhere in the text still knows the passage and
    does not propose the pair again (evidence.workflow.rejected_spans)."""

    document = models.ForeignKey(
        SourceDocument,
        verbose_name="document",
        on_delete=models.CASCADE,
        related_name="rejections",
    )
    claim = models.ForeignKey(
        Claim, verbose_name="claim", on_delete=models.CASCADE, related_name="rejections"
    )
    quote = models.TextField("quote", help_text="The words of the passage proposed.")
    start = models.PositiveIntegerField(
        "start", help_text="Where the passage started when it was rejected."
    )
    prefix = models.CharField(
        "text before", max_length=CONTEXT_CHARS * 2, blank=True, help_text="Context before."
    )
    suffix = models.CharField(
        "text after", max_length=CONTEXT_CHARS * 2, blank=True, help_text="Context after."
    )
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="rejected by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rejected_at = models.DateTimeField("rejected", default=timezone.now)

    class Meta:
        verbose_name = "rejected proposal"
        verbose_name_plural = "rejected proposals"
        ordering = ["document", "start", "claim"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "claim", "start"], name="evidence_rejection_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"not {self.claim_id}: “{self.quote[:60]}” ({self.document_id}:{self.start})"


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

    def as_linked_study(self) -> grading.LinkedStudy:
        """This link and its study as grading sees them (a pure value: reads, never writes)."""
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


# --- The question behind a graded claim: comparisons, outcomes, results, pooled estimates ---


class Comparison(models.Model):
    """Population, intervention and comparator: the P, I and C of a PICO question."""

    slug = models.SlugField("slug", max_length=120, unique=True)
    label = models.CharField(
        "label",
        max_length=300,
        help_text="How pages name it, e.g. microneedling + minoxidil vs minoxidil alone.",
    )
    population = models.TextField("population", blank=True)
    intervention = models.TextField("intervention", blank=True)
    comparator = models.TextField("comparator", blank=True)
    intervention_role = models.CharField(
        "how the intervention is tested",
        max_length=20,
        choices=InterventionRole.choices,
        help_text="Alone, or added to another treatment that both arms get (an add-on trial "
        "says nothing direct about the intervention alone).",
    )
    is_benchmark = models.BooleanField(
        "benchmark",
        default=False,
        help_text="A comparison of an accepted treatment (e.g. 5% minoxidil vs placebo), shown "
        "beside a claim's rows as a yardstick of a clinically accepted effect; never pooled.",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "comparison"
        verbose_name_plural = "comparisons"
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class OutcomeMeasure(models.Model):
    """The O of a PICO question: what is measured, which way is good, and what change matters."""

    slug = models.SlugField("slug", max_length=120, unique=True)
    name = models.CharField("name", max_length=200, help_text="e.g. hair count, adverse events.")
    unit = models.CharField("unit", max_length=100, blank=True)
    kind = models.CharField(
        "kind",
        max_length=20,
        choices=OutcomeKind.choices,
        help_text="Patient-important (what patients feel or see) or a surrogate "
        "(disease-oriented: a lab value, a mechanism).",
    )
    benefit = models.CharField(
        "benefit is", max_length=10, choices=Benefit.choices, default=Benefit.HIGHER
    )
    mid = models.FloatField(
        "minimal important difference",
        null=True,
        blank=True,
        help_text="In the outcome's unit, only when a source gives one.",
    )
    mid_source = models.TextField("source of the MID", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "outcome measure"
        verbose_name_plural = "outcome measures"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(mid__isnull=True) | Q(mid__gt=0), name="evidence_outcome_mid_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})" if self.unit else self.name

    def clean(self) -> None:
        super().clean()
        if self.mid is not None and not self.mid_source.strip():
            raise ValidationError(
                {"mid_source": "Say where the minimal important difference comes from."}
            )


class ClaimOutcome(models.Model):
    """One row of a claim's Summary of Findings: a comparison, an outcome and its importance."""

    claim = models.ForeignKey(
        Claim, verbose_name="claim", on_delete=models.CASCADE, related_name="claim_outcomes"
    )
    comparison = models.ForeignKey(
        Comparison, verbose_name="comparison", on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.ForeignKey(
        OutcomeMeasure, verbose_name="outcome", on_delete=models.PROTECT, related_name="+"
    )
    importance = models.CharField(
        "importance",
        max_length=20,
        choices=Importance.choices,
        help_text="As GRADE rates outcomes: the claim's certainty is set by its critical ones.",
    )
    order = models.PositiveSmallIntegerField("order", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "claim outcome"
        verbose_name_plural = "claim outcomes"
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "comparison", "outcome"], name="evidence_claimoutcome_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outcome} — {self.comparison}"


def _is_finite(value: float | None) -> bool:
    return value is None or math.isfinite(value)


class StudyResultQuerySet(models.QuerySet):
    def published(self):
        return self.filter(study__status=StudyStatus.PUBLISHED)


class StudyResult(models.Model):
    """What one study found for one comparison and one outcome, at one timepoint.

    Either an effect with its 95% CI (or SE) as reported, or the arm-level numbers the effect
    is computed from (n, mean and SD per arm; or events and totals), or, when the source gives
    no usable numbers, only the direction of the effect.
    """

    study = models.ForeignKey(
        Study, verbose_name="study", on_delete=models.CASCADE, related_name="results"
    )
    comparison = models.ForeignKey(
        Comparison, verbose_name="comparison", on_delete=models.PROTECT, related_name="results"
    )
    outcome = models.ForeignKey(
        OutcomeMeasure, verbose_name="outcome", on_delete=models.PROTECT, related_name="results"
    )
    timepoint_weeks = models.PositiveSmallIntegerField("timepoint (weeks)", null=True, blank=True)
    measure = models.CharField(
        "effect measure",
        max_length=20,
        choices=Measure.choices,
        help_text="MD and SMD for continuous outcomes; RR, OR or RD for events; direction only "
        "when the source gives no usable numbers.",
    )
    estimate = models.FloatField("estimate", null=True, blank=True)
    ci_low = models.FloatField("95% CI, lower", null=True, blank=True)
    ci_high = models.FloatField("95% CI, upper", null=True, blank=True)
    se = models.FloatField("standard error", null=True, blank=True)
    n1 = models.PositiveIntegerField("intervention n", null=True, blank=True)
    mean1 = models.FloatField("intervention mean", null=True, blank=True)
    sd1 = models.FloatField("intervention SD", null=True, blank=True)
    n2 = models.PositiveIntegerField("comparator n", null=True, blank=True)
    mean2 = models.FloatField("comparator mean", null=True, blank=True)
    sd2 = models.FloatField("comparator SD", null=True, blank=True)
    events1 = models.PositiveIntegerField("intervention events", null=True, blank=True)
    total1 = models.PositiveIntegerField("intervention total", null=True, blank=True)
    events2 = models.PositiveIntegerField("comparator events", null=True, blank=True)
    total2 = models.PositiveIntegerField("comparator total", null=True, blank=True)
    direction = models.CharField(
        "direction", max_length=30, choices=ResultDirection.choices, blank=True
    )
    p_value = models.CharField("p-value", max_length=120, blank=True, help_text="As printed.")
    source_study = models.ForeignKey(
        Study,
        verbose_name="numbers taken from",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when the numbers come from the paper itself; otherwise the review "
        "whose table they were read from.",
    )
    source_location = models.TextField("where the numbers are", blank=True)
    risk_of_bias = models.CharField(
        "risk of bias for this outcome",
        max_length=20,
        choices=RiskOfBias.choices,
        default=RiskOfBias.NOT_ASSESSED,
        help_text="A study can be at low risk for an objective count and high for a "
        "self-rated outcome.",
    )
    risk_of_bias_note = models.TextField("risk of bias note", blank=True)
    indirect_population = models.BooleanField("indirect population", default=False)
    indirect_intervention = models.BooleanField("indirect intervention", default=False)
    indirect_comparator = models.BooleanField("indirect comparator", default=False)
    indirect_outcome = models.BooleanField("indirect outcome", default=False)
    indirectness_note = models.TextField("indirectness note", blank=True)
    extraction_note = models.TextField(
        "extraction note (curators only)",
        blank=True,
        help_text="How the numbers were read. Never shown on a public page.",
    )

    history = HistoricalRecords()
    objects = StudyResultQuerySet.as_manager()

    class Meta:
        verbose_name = "study result"
        verbose_name_plural = "study results"
        ordering = ["study", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ci_low__isnull=True)
                | Q(ci_high__isnull=True)
                | Q(ci_low__lte=F("ci_high")),
                name="evidence_result_ci_ordered",
            ),
            models.CheckConstraint(
                condition=Q(estimate__isnull=True)
                | Q(ci_low__isnull=True)
                | Q(ci_high__isnull=True)
                | (Q(ci_low__lte=F("estimate")) & Q(estimate__lte=F("ci_high"))),
                name="evidence_result_ci_contains_estimate",
            ),
            models.CheckConstraint(
                condition=(Q(sd1__isnull=True) | Q(sd1__gt=0))
                & (Q(sd2__isnull=True) | Q(sd2__gt=0))
                & (Q(se__isnull=True) | Q(se__gt=0)),
                name="evidence_result_dispersion_positive",
            ),
            models.CheckConstraint(
                condition=(
                    Q(events1__isnull=True) | Q(total1__isnull=True) | Q(events1__lte=F("total1"))
                )
                & (Q(events2__isnull=True) | Q(total2__isnull=True) | Q(events2__lte=F("total2"))),
                name="evidence_result_events_within_total",
            ),
            models.CheckConstraint(
                condition=Q(measure__in=[m.value for m in grade_vocabulary.Measure]),
                name="evidence_result_measure_known",
            ),
        ]
        indexes = [
            models.Index(fields=["comparison", "outcome"], name="evidence_result_question"),
        ]

    def __str__(self) -> str:
        return f"{self.study.short_label()}: {self.outcome} ({self.comparison})"

    def clean(self) -> None:
        super().clean()
        result_problems(self)


MEASURE_VALUES = frozenset(m.value for m in grade_vocabulary.Measure)
RESULT_NUMBER_FIELDS = (
    "estimate",
    "ci_low",
    "ci_high",
    "se",
    "mean1",
    "sd1",
    "mean2",
    "sd2",
)


def result_problems(result: "StudyResult") -> None:
    """Refuse numbers no effect can come from, each with a message a curator understands."""
    errors: dict[str, str] = {}
    for name in RESULT_NUMBER_FIELDS:
        value = getattr(result, name)
        if not _is_finite(value):
            errors[name] = "Enter a finite number."
    if result.measure and result.measure not in MEASURE_VALUES:
        errors["measure"] = f"“{result.measure}” is not an effect measure this app knows."
    est, low, high = result.estimate, result.ci_low, result.ci_high
    if low is not None and high is not None and low > high:
        errors["ci_high"] = "The upper limit of the CI is below the lower limit."
    elif est is not None and low is not None and high is not None and not low <= est <= high:
        errors["estimate"] = (
            f"The estimate {est:g} lies outside its own 95% CI ({low:g} to {high:g}): check "
            "the numbers or their order."
        )
    for name in ("sd1", "sd2", "se"):
        value = getattr(result, name)
        if value is not None and math.isfinite(value) and value <= 0:
            errors[name] = "A standard deviation or error must be greater than zero."
    for events, total in (("events1", "total1"), ("events2", "total2")):
        e, t = getattr(result, events), getattr(result, total)
        if e is not None and t is not None and e > t:
            errors[events] = f"{e} events cannot come from {t} people."
    if result.measure in ("RR", "OR") and est is not None and est <= 0:
        errors["estimate"] = "A ratio is greater than zero."
    if errors:
        raise ValidationError(errors)


class PooledEstimateQuerySet(models.QuerySet):
    def published(self):
        return self.filter(review__status=StudyStatus.PUBLISHED)


class PooledEstimate(models.Model):
    """A pooled effect reported by a published systematic review, for one comparison and outcome."""

    review = models.ForeignKey(
        Study, verbose_name="review", on_delete=models.CASCADE, related_name="pooled_estimates"
    )
    comparison = models.ForeignKey(
        Comparison, verbose_name="comparison", on_delete=models.PROTECT, related_name="pooled"
    )
    outcome = models.ForeignKey(
        OutcomeMeasure, verbose_name="outcome", on_delete=models.PROTECT, related_name="pooled"
    )
    measure = models.CharField("effect measure", max_length=20, choices=Measure.choices)
    estimate = models.FloatField("estimate")
    ci_low = models.FloatField("95% CI, lower", null=True, blank=True)
    ci_high = models.FloatField("95% CI, upper", null=True, blank=True)
    k_studies = models.PositiveIntegerField("studies pooled", null=True, blank=True)
    participants = models.PositiveIntegerField(
        "participants in this analysis",
        null=True,
        blank=True,
        help_text="Only this analysis's own participants, never the review's or a network's total.",
    )
    i2 = models.FloatField("I² (%)", null=True, blank=True)
    tau2 = models.FloatField("τ²", null=True, blank=True)
    model = models.CharField("model", max_length=100, blank=True)
    timepoint = models.CharField("timepoint", max_length=200, blank=True)
    included_studies = models.ManyToManyField(
        Study,
        verbose_name="studies pooled",
        blank=True,
        related_name="+",
        help_text="The primary studies this analysis pooled, when the review says which.",
    )
    note = models.TextField("note", blank=True, help_text="Caveats a reader should see.")
    extraction_note = models.TextField("extraction note (curators only)", blank=True)

    history = HistoricalRecords()
    objects = PooledEstimateQuerySet.as_manager()

    class Meta:
        verbose_name = "pooled estimate"
        verbose_name_plural = "pooled estimates"
        ordering = ["-review__year", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ci_low__isnull=True)
                | Q(ci_high__isnull=True)
                | (Q(ci_low__lte=F("estimate")) & Q(estimate__lte=F("ci_high"))),
                name="evidence_pooled_ci_contains_estimate",
            ),
            models.CheckConstraint(
                condition=Q(i2__isnull=True) | (Q(i2__gte=0) & Q(i2__lte=100)),
                name="evidence_pooled_i2_range",
            ),
            models.CheckConstraint(
                condition=Q(tau2__isnull=True) | Q(tau2__gte=0),
                name="evidence_pooled_tau2_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.review.short_label()}: {self.outcome} ({self.comparison})"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        for name in ("estimate", "ci_low", "ci_high", "i2", "tau2"):
            if not _is_finite(getattr(self, name)):
                errors[name] = "Enter a finite number."
        low, high, est = self.ci_low, self.ci_high, self.estimate
        if not errors and est is not None and low is not None and high is not None:
            if not low <= est <= high:
                errors["estimate"] = (
                    f"The estimate {est:g} lies outside its own 95% CI ({low:g} to {high:g})."
                )
        if errors:
            raise ValidationError(errors)


# --- The public grade history (evidence.history records it; the read side shows it) ---


class ClaimGradeChangeQuerySet(models.QuerySet):
    def public(self):
        """Changes a reader may see: of a published claim, made while it was published."""
        return self.filter(claim__status=PublicationStatus.PUBLISHED, while_published=True)

    def public_of(self, claim: "Claim"):
        """`public()` for one claim whose status is already read: no join back to it."""
        if claim.status != PublicationStatus.PUBLISHED:
            return self.none()
        return self.filter(claim_id=claim.pk, while_published=True)


class ClaimGradeChange(models.Model):
    """One change of what a reader sees of a claim's grade: its certainty, direction or bottom
    line, from → to, when and why. Written by evidence.history.grade_changes_record alone."""

    claim = models.ForeignKey(
        Claim, verbose_name="claim", on_delete=models.CASCADE, related_name="grade_changes"
    )
    changed_at = models.DateTimeField("changed", default=timezone.now, db_index=True)
    certainty_from = models.CharField("certainty before", max_length=20, blank=True)
    certainty_to = models.CharField("certainty after", max_length=20, blank=True)
    direction_from = models.CharField("direction before", max_length=20, blank=True)
    direction_to = models.CharField("direction after", max_length=20, blank=True)
    bottom_line_from = models.TextField("bottom line before", blank=True)
    bottom_line_to = models.TextField("bottom line after", blank=True)
    reason = models.TextField(
        "why", blank=True, help_text="The studies or judgements that changed the grade."
    )
    while_published = models.BooleanField(
        "made while published",
        default=False,
        help_text="Only changes made while the claim was published are public.",
    )

    objects = ClaimGradeChangeQuerySet.as_manager()

    class Meta:
        verbose_name = "grade change"
        verbose_name_plural = "grade changes"
        ordering = ["-changed_at", "-pk"]
        indexes = [
            models.Index(fields=["claim", "changed_at"], name="evidence_gradechange_claim"),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id}: {self.certainty_from or '—'} → {self.certainty_to or '—'}"

    def get_absolute_url(self) -> str:
        return f"{self.claim.get_absolute_url()}#grade-change-{self.pk}"

    @property
    def certainty_changed(self) -> bool:
        return self.certainty_from != self.certainty_to

    @property
    def direction_changed(self) -> bool:
        return self.direction_from != self.direction_to

    @property
    def bottom_line_changed(self) -> bool:
        return self.bottom_line_from != self.bottom_line_to


class ClaimFacetName(models.TextChoices):
    DESIGN = "design", "study design"
    CONDITION = "condition", "condition studied"


class ClaimFacet(models.Model):
    """One design or condition among a claim's *published* linked studies: a summary kept by
    the write path (evidence/claim_facets.py), so the claim list counts and filters its facets
    from one small indexed table instead of joining claims, links and studies with a
    COUNT(DISTINCT) on every request. One row per claim, facet and value."""

    claim = models.ForeignKey(
        Claim, verbose_name="claim", on_delete=models.CASCADE, related_name="facets"
    )
    facet = models.CharField("facet", max_length=20, choices=ClaimFacetName.choices)
    value = models.CharField("value", max_length=200)
    # The claim's own place in the claim list, copied (kept by evidence/claim_facets.py when the
    # claim is saved): a list filtered by a design or condition reads its page in the list's
    # order straight from `evidence_claimfacet_walk`, instead of walking every claim of a
    # category and looking each one's facets up (page 50 of the RCTs at 1M claims: 0.3 ms
    # against 9.4 ms).
    published = models.BooleanField("claim published", default=False)
    category = models.ForeignKey(
        ClaimCategory,
        verbose_name="claim's category",
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        db_index=False,
    )
    slug = models.CharField("claim's slug", max_length=120, blank=True)

    class Meta:
        verbose_name = "claim facet"
        verbose_name_plural = "claim facets"
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "facet", "value"], name="evidence_claimfacet_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["facet", "value", "claim"], name="evidence_claimfacet_lookup"),
            # A page's keys read from the index alone: with the row's own key on PostgreSQL
            # (public.facets.rows_of_page selects it; SQLite's entries hold it anyway).
            models.Index(
                fields=["facet", "value", "published", "category", "slug", "claim"],
                name="evidence_claimfacet_walk",
                include=["id"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id}: {self.facet} = {self.value}"


class GradingRules(models.Model):
    """The version of the grading rules (evidence.services.GRADING_RULES) that the last full
    regrade graded every claim by: one row. A claim's fingerprint covers its inputs alone, so a
    full regrade that finds another version here recomputes every claim and writes only the
    grades that change: an edit of the rules that changes no grade rewrites no claim."""

    version = models.CharField("rules version", max_length=100)
    regraded_at = models.DateTimeField("every claim regraded")

    class Meta:
        verbose_name = "grading rules"
        verbose_name_plural = "grading rules"

    def __str__(self) -> str:
        return self.version
