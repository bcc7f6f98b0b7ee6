"""Curator admin for documents, categories, claims, mentions and evidence links.

Mentions are entered by pasting the quote (evidence.forms.ClaimMentionForm); editing a
document's text re-anchors its mentions (evidence.workflow.document_text_update). A published
claim, with its links and its published mentions, is read-only until a reviewer unpublishes it;
a new mention is a draft, which may be added to a published claim or document and is public
only once another reviewer publishes it (its own buttons and list actions, or with its claim or
document).

The study admin (studies.admin, which knows nothing of claims) gets its links inline and its
"claims" column from here, through StudyAdmin.extend().
"""

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from evidence.admin_matching import propose_urls
from evidence.admin_workflow import (
    ClaimWorkflowMixin,
    MentionWorkflowMixin,
    PartOfClaimMixin,
    SourceDocumentWorkflowMixin,
)
from evidence.forms import ClaimMentionForm, SourceDocumentForm
from evidence.models import (
    Claim,
    ClaimCategory,
    ClaimMention,
    ClaimOutcome,
    Comparison,
    EvidenceLink,
    OutcomeMeasure,
    PooledEstimate,
    PublicationStatus,
    SourceDocument,
    StudyResult,
)
from evidence.services import regrade_affected
from evidence.workflow import (
    claim_publish,
    claim_submit,
    claim_unpublish,
    document_suggestions,
    document_text_update,
    mention_publish,
    mention_submit,
    mention_unpublish,
    sourcedocument_publish,
    sourcedocument_submit,
    sourcedocument_unpublish,
)
from studies.admin import (
    LockedInlineMixin,
    PublicationRuleAdminMixin,
    ReviewedRecordAdminMixin,
    StudyAdmin,
    run_workflow,
)
from studies.models import Study

OVERRIDE_FIELDS = {"certainty_override", "direction_override", "override_justification"}


class StudyEvidenceLinkInline(LockedInlineMixin, admin.TabularInline):
    """On the study page; regrading after the save is evidence.receivers' job."""

    model = EvidenceLink
    extra = 0
    fields = ["claim", "direction", "finding", "indirect", "indirectness_note"]
    autocomplete_fields = ["claim"]
    verbose_name = "claim this study bears on"
    verbose_name_plural = "claims this study bears on"


@admin.display(description="claims", ordering="n_claims")
def claim_count(study: Study) -> int:
    return study.n_claims


class StudyResultInline(LockedInlineMixin, admin.StackedInline):
    """A study's results per comparison and outcome: what the GRADE engine pools and judges."""

    model = StudyResult
    fk_name = "study"
    extra = 0
    autocomplete_fields = ["comparison", "outcome", "source_study"]
    fieldsets = [
        (
            None,
            {"fields": [("comparison", "outcome", "timepoint_weeks"), ("measure", "direction")]},
        ),
        ("Effect as reported", {"fields": [("estimate", "ci_low", "ci_high", "se"), "p_value"]}),
        (
            "Arm-level numbers (the effect is computed from them)",
            {
                "classes": ["collapse"],
                "fields": [
                    ("n1", "mean1", "sd1", "events1", "total1"),
                    ("n2", "mean2", "sd2", "events2", "total2"),
                ],
            },
        ),
        (
            "Source, risk of bias and indirectness for this outcome",
            {
                "fields": [
                    ("source_study", "source_location"),
                    ("risk_of_bias", "risk_of_bias_note"),
                    (
                        "indirect_population",
                        "indirect_intervention",
                        "indirect_comparator",
                        "indirect_outcome",
                    ),
                    "indirectness_note",
                    "extraction_note",
                ]
            },
        ),
    ]


class PooledEstimateInline(LockedInlineMixin, admin.StackedInline):
    """On a review's page: the pooled effects it reports."""

    model = PooledEstimate
    extra = 0
    autocomplete_fields = ["comparison", "outcome", "included_studies"]
    fields = [
        ("comparison", "outcome", "measure"),
        ("estimate", "ci_low", "ci_high"),
        ("k_studies", "participants", "i2", "tau2"),
        ("model", "timepoint"),
        "included_studies",
        "note",
        "extraction_note",
    ]


StudyAdmin.extend(
    inlines=[StudyEvidenceLinkInline, StudyResultInline, PooledEstimateInline],
    list_display=[claim_count],
    annotations={"n_claims": Count("evidence_links")},
)


@admin.register(SourceDocument)
class SourceDocumentAdmin(
    SourceDocumentWorkflowMixin, ReviewedRecordAdminMixin, SimpleHistoryAdmin
):
    list_display = [
        "title",
        "status",
        "mention_count",
        "unpublished_mention_count",
        "needs_review_count",
        "imported_at",
    ]
    list_filter = ["status"]
    search_fields = ["title", "source"]
    prepopulated_fields = {"slug": ["title"]}
    form = SourceDocumentForm
    readonly_fields = [
        "checksum",
        "suggested_claim_places",
        "status",
        "created_at",
        "updated_at",
        "updated_by",
        "published_at",
        "published_by",
    ]
    actions = ["submit_for_review", "publish", "unpublish"]
    # Adds the "Propose mentions" link (evidence.admin_matching) to the change page.
    change_form_template = "admin/evidence/sourcedocument/change_form.html"
    fieldsets = [
        (None, {"fields": ["title", "slug", "source", "source_url", "imported_at"]}),
        (
            "Text",
            {
                "fields": ["text", "checksum"],
                "description": "Editing the text re-anchors every mention by its quote; a "
                "mention whose quote is gone is flagged for review, never deleted.",
            },
        ),
        ("Still uncurated", {"fields": ["suggested_claim_places"]}),
        (
            "Review and publishing",
            {
                "fields": [
                    "status",
                    ("created_at", "updated_at", "updated_by"),
                    ("published_at", "published_by"),
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_mentions=Count("mentions"),
                n_needs_review=Count("mentions", filter=Q(mentions__needs_review=True)),
                n_unpublished=Count(
                    "mentions", filter=~Q(mentions__status=PublicationStatus.PUBLISHED)
                ),
            )
        )

    @admin.display(description="mentions not yet published", ordering="n_unpublished")
    def unpublished_mention_count(self, document: SourceDocument) -> str:
        """Drafts and mentions in review: public only once another reviewer publishes them."""
        if not document.n_unpublished:
            return "0"
        url = reverse("admin:evidence_claimmention_changelist")
        return format_html(
            '<a href="{}?document__id__exact={}">{}</a>', url, document.pk, document.n_unpublished
        )

    @admin.display(description="mentions", ordering="n_mentions")
    def mention_count(self, document: SourceDocument) -> int:
        return document.n_mentions

    @admin.display(description="need review", ordering="n_needs_review")
    def needs_review_count(self, document: SourceDocument) -> int:
        return document.n_needs_review

    @admin.display(description="sentences that look like claims but carry no mention")
    def suggested_claim_places(self, document: SourceDocument) -> str:
        if not document.pk:
            return "—"
        groups = document_suggestions(document=document)
        return render_to_string(
            "admin/evidence/sourcedocument/_suggestions.html", {"groups": groups}
        )

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status != PublicationStatus.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def get_urls(self):
        return propose_urls(self) + super().get_urls()

    def has_publish_permission(self, request):
        return request.user.has_perm("evidence.publish_sourcedocument")

    def save_model(self, request, obj, form, change):
        # The form reads the text as stored (LF, NFC), so a resave of the same text as the
        # browser posts it is no change: nothing is written, no history row.
        if change and not form.has_changed():
            return
        if change and "text" in form.changed_data:
            obj.updated_by = request.user
            report = document_text_update(document=obj, text=obj.text, by=request.user)
            level = messages.WARNING if report.flagged else messages.INFO
            self.message_user(request, f"Text changed: {report}", level)
        else:
            super().save_model(request, obj, form, change)

    @admin.action(description="Submit selected documents for review", permissions=["change"])
    def submit_for_review(self, request, queryset):
        run_workflow(self, request, queryset, sourcedocument_submit, "Submitted for review:")

    @admin.action(description="Publish selected documents (reviewers)", permissions=["publish"])
    def publish(self, request, queryset):
        run_workflow(self, request, queryset, sourcedocument_publish, "Published")

    @admin.action(
        description="Unpublish selected documents (back to draft)", permissions=["publish"]
    )
    def unpublish(self, request, queryset):
        run_workflow(self, request, queryset, sourcedocument_unpublish, "Unpublished")


@admin.register(ClaimCategory)
class ClaimCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "order", "keywords", "claim_count"]
    list_editable = ["order"]
    search_fields = ["name", "keywords"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_claims=Count("claims"))

    @admin.display(description="claims", ordering="n_claims")
    def claim_count(self, category: ClaimCategory) -> int:
        return category.n_claims


class ClaimMentionInline(LockedInlineMixin, admin.StackedInline):
    model = ClaimMention
    form = ClaimMentionForm
    extra = 0
    fields = [
        "document",
        "quote",
        ("context_before", "context_after"),
        ("stance", "status"),
        "placed_at",
        ("needs_review", "review_note"),
    ]
    readonly_fields = ["placed_at", "status"]
    autocomplete_fields = ["document"]

    @admin.display(description="found at")
    def placed_at(self, mention: ClaimMention) -> str:
        if not mention.pk:
            return "—"
        return (
            f"characters {mention.start}–{mention.end}: …{mention.prefix}[quote]{mention.suffix}…"
        )


class ClaimEvidenceLinkInline(LockedInlineMixin, admin.TabularInline):
    model = EvidenceLink
    extra = 0
    fields = ["study", "direction", "finding", "outcome", "indirect", "indirectness_note"]
    autocomplete_fields = ["study", "outcome"]


class ClaimOutcomeInline(LockedInlineMixin, admin.TabularInline):
    """The rows of the claim's Summary of Findings: comparison × outcome, with importance."""

    model = ClaimOutcome
    extra = 0
    autocomplete_fields = ["comparison", "outcome"]
    fields = ["comparison", "outcome", "importance", "order"]
    verbose_name = "outcome graded for this claim"
    verbose_name_plural = "outcomes graded for this claim (the Summary of Findings rows)"


@admin.register(Comparison)
class ComparisonAdmin(PublicationRuleAdminMixin, SimpleHistoryAdmin):
    list_display = ["label", "intervention_role", "slug"]
    list_filter = ["intervention_role"]
    search_fields = ["label", "slug", "population", "intervention", "comparator"]
    prepopulated_fields = {"slug": ["label"]}


@admin.register(OutcomeMeasure)
class OutcomeMeasureAdmin(PublicationRuleAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "unit", "kind", "benefit", "mid"]
    list_filter = ["kind", "benefit"]
    search_fields = ["name", "slug", "unit"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Claim)
class ClaimAdmin(ClaimWorkflowMixin, ReviewedRecordAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "statement_short",
        "category",
        "status",
        "certainty_display",
        "direction_display",
        "study_count",
        "mention_count",
    ]
    list_select_related = ["category"]
    list_filter = ["status", "category", "certainty", "direction", "preclinical_only"]
    search_fields = ["statement", "slug", "plain_summary"]
    autocomplete_fields = ["category", "related_claims"]
    prepopulated_fields = {"slug": ["statement"]}
    inlines = [ClaimOutcomeInline, ClaimMentionInline, ClaimEvidenceLinkInline]
    readonly_fields = [
        "status",
        "certainty",
        "direction",
        "preclinical_only",
        "sort_strength",
        "rationale_steps",
        "graded_at",
        "overridden_by",
        "overridden_at",
        "created_at",
        "updated_at",
        "updated_by",
        "published_at",
        "published_by",
    ]
    fieldsets = [
        (None, {"fields": ["statement", "slug", "category", "kind", "plain_summary"]}),
        (
            "For a definitional claim, or one about the state of the evidence",
            {"classes": ["collapse"], "fields": ["accepted_definition", "related_claims"]},
        ),
        (
            "Computed grade",
            {
                "fields": [
                    ("certainty", "direction"),
                    ("sort_strength", "preclinical_only"),
                    "rationale_steps",
                    "graded_at",
                ],
                "description": "Worked out from the linked published studies; not typed in.",
            },
        ),
        (
            "Judgements that feed the grade",
            {
                "fields": [
                    "publication_bias_suspected",
                    "large_effect",
                    "dose_response",
                    "grading_note",
                ]
            },
        ),
        (
            "Override the computed grade",
            {
                "classes": ["collapse"],
                "fields": [
                    ("certainty_override", "direction_override"),
                    "override_justification",
                    ("overridden_by", "overridden_at"),
                ],
            },
        ),
        (
            "Review and publishing",
            {
                "fields": [
                    "status",
                    ("created_at", "updated_at", "updated_by"),
                    ("published_at", "published_by"),
                ]
            },
        ),
    ]
    actions = ["submit_for_review", "publish", "unpublish"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_studies=Count("evidence_links", distinct=True),
                n_mentions=Count("mentions", distinct=True),
            )
        )

    @admin.display(description="statement", ordering="statement")
    def statement_short(self, claim: Claim) -> str:
        return claim.statement if len(claim.statement) <= 90 else claim.statement[:89] + "…"

    @admin.display(description="certainty", ordering="certainty")
    def certainty_display(self, claim: Claim) -> str:
        label = claim.get_certainty_display()
        if claim.certainty_override:
            return f"{label} → {claim.get_certainty_override_display()} (override)"
        return label

    @admin.display(description="direction", ordering="direction")
    def direction_display(self, claim: Claim) -> str:
        return claim.get_direction_override_display() or claim.get_direction_display() or "—"

    @admin.display(description="studies", ordering="n_studies")
    def study_count(self, claim: Claim) -> int:
        return claim.n_studies

    @admin.display(description="mentions", ordering="n_mentions")
    def mention_count(self, claim: Claim) -> int:
        return claim.n_mentions

    @admin.display(description="rationale")
    def rationale_steps(self, claim: Claim) -> str:
        if not claim.rationale:
            return "Not graded yet."
        return format_html(
            "<ol>{}</ol>", format_html_join("", "<li>{}</li>", ((s,) for s in claim.rationale))
        )

    def has_delete_permission(self, request, obj=None):
        # Only drafts are deleted (published ones are locked for the superuser too).
        if (
            obj is not None
            and obj.status != PublicationStatus.DRAFT
            and not request.user.is_superuser
        ):
            return False
        return super().has_delete_permission(request, obj)

    def has_publish_permission(self, request):
        return request.user.has_perm("evidence.publish_claim")

    def save_model(self, request, obj, form, change):
        if OVERRIDE_FIELDS & set(form.changed_data):
            if obj.is_overridden:
                obj.overridden_by, obj.overridden_at = request.user, timezone.now()
            else:
                obj.overridden_by, obj.overridden_at = None, None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        # The claim's judgement flags and its inline links are saved by now: regrade it once.
        super().save_related(request, form, formsets, change)
        regrade_affected(claims=[form.instance])

    @admin.action(description="Submit selected claims for review", permissions=["change"])
    def submit_for_review(self, request, queryset):
        run_workflow(self, request, queryset, claim_submit, "Submitted for review:")

    @admin.action(description="Publish selected claims (reviewers)", permissions=["publish"])
    def publish(self, request, queryset):
        run_workflow(self, request, queryset, claim_publish, "Published")

    @admin.action(description="Unpublish selected claims (back to draft)", permissions=["publish"])
    def unpublish(self, request, queryset):
        run_workflow(self, request, queryset, claim_unpublish, "Unpublished")


@admin.register(ClaimMention)
class ClaimMentionAdmin(MentionWorkflowMixin, PublicationRuleAdminMixin, SimpleHistoryAdmin):
    form = ClaimMentionForm
    list_display = [
        "quote_short",
        "claim",
        "document",
        "start",
        "end",
        "stance",
        "status",
        "needs_review",
    ]
    list_select_related = ["claim", "document"]
    list_filter = ["status", "stance", "needs_review", "document"]
    search_fields = ["quote", "claim__statement", "review_note"]
    autocomplete_fields = ["claim", "document"]
    readonly_fields = ["start", "end", "prefix", "suffix", "status"]
    actions = ["submit_for_review", "publish", "unpublish"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "claim",
                    "document",
                    "quote",
                    ("context_before", "context_after"),
                    "stance",
                ]
            },
        ),
        ("Where it was found", {"fields": [("start", "end"), "prefix", "suffix"]}),
        ("Review", {"fields": ["status", "needs_review", "review_note"]}),
    ]

    @admin.display(description="quote", ordering="quote")
    def quote_short(self, mention: ClaimMention) -> str:
        return mention.quote if len(mention.quote) <= 80 else mention.quote[:79] + "…"

    def has_publish_permission(self, request):
        return request.user.has_perm("evidence.publish_claimmention")

    @admin.action(description="Submit selected mentions for review", permissions=["change"])
    def submit_for_review(self, request, queryset):
        run_workflow(self, request, queryset, mention_submit, "Submitted for review:")

    @admin.action(description="Publish selected mentions (reviewers)", permissions=["publish"])
    def publish(self, request, queryset):
        run_workflow(self, request, queryset, mention_publish, "Published")

    @admin.action(
        description="Unpublish selected mentions (back to draft)", permissions=["publish"]
    )
    def unpublish(self, request, queryset):
        run_workflow(self, request, queryset, mention_unpublish, "Unpublished")


@admin.register(EvidenceLink)
class EvidenceLinkAdmin(PartOfClaimMixin, PublicationRuleAdminMixin, SimpleHistoryAdmin):
    # Short labels, so the list fits a laptop (the full statement is on the claim's page).
    list_display = ["claim_short", "study_short", "direction", "indirect", "outcome"]
    list_select_related = ["claim", "study", "outcome"]
    list_filter = ["direction", "indirect", "claim__category", "study__design"]
    search_fields = ["claim__statement", "study__title", "study__citation_key", "finding"]
    autocomplete_fields = ["claim", "study", "outcome"]
    readonly_fields = ["created_at", "updated_at", "updated_by"]

    @admin.display(description="claim", ordering="claim__statement")
    def claim_short(self, link: EvidenceLink) -> str:
        statement = link.claim.statement
        return statement if len(statement) <= 80 else statement[:79] + "…"

    @admin.display(description="study", ordering="study__year")
    def study_short(self, link: EvidenceLink) -> str:
        return link.study.short_label()

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        # A link moved to another claim leaves its old claim with one study less.
        previous_claim = (
            EvidenceLink.objects.filter(pk=obj.pk).values_list("claim_id", flat=True).first()
        )
        super().save_model(request, obj, form, change)
        regrade_affected(claims=[obj.claim_id, *([previous_claim] if previous_claim else [])])

    def delete_model(self, request, obj):
        claim_id = obj.claim_id
        super().delete_model(request, obj)
        regrade_affected(claims=[claim_id])

    def delete_queryset(self, request, queryset):
        claim_ids = list(queryset.values_list("claim_id", flat=True).distinct())
        super().delete_queryset(request, queryset)
        regrade_affected(claims=claim_ids)


# The question layer's rows on their own lists: the same rule as on their parent's page.


@admin.register(StudyResult)
class StudyResultAdmin(PublicationRuleAdminMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "study", "comparison", "outcome", "measure", "estimate"]
    list_select_related = ["study", "comparison", "outcome"]
    list_filter = ["measure", "study__status"]
    search_fields = ["study__title", "study__citation_key", "comparison__label", "outcome__name"]
    autocomplete_fields = ["study", "comparison", "outcome", "source_study"]
    fieldsets = [(None, {"fields": ["study"]}), *StudyResultInline.fieldsets]


@admin.register(PooledEstimate)
class PooledEstimateAdmin(PublicationRuleAdminMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "review", "comparison", "outcome", "measure", "estimate"]
    list_select_related = ["review", "comparison", "outcome"]
    list_filter = ["measure"]
    search_fields = ["review__title", "comparison__label", "outcome__name"]
    autocomplete_fields = ["review", "comparison", "outcome", "included_studies"]
    fields = ["review", *PooledEstimateInline.fields]


@admin.register(ClaimOutcome)
class ClaimOutcomeAdmin(PublicationRuleAdminMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "claim", "importance", "order"]
    list_select_related = ["claim", "comparison", "outcome"]
    list_filter = ["importance"]
    search_fields = ["claim__statement", "comparison__label", "outcome__name"]
    autocomplete_fields = ["claim", "comparison", "outcome"]
    fields = ["claim", *ClaimOutcomeInline.fields]
