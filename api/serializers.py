"""What the API shows of each published record: the fields the public pages show, never a
curator's notes (extraction notes, citation keys, who changed what)."""

import re
from typing import Any

from django.urls import NoReverseMatch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from evidence.models import Claim, ClaimCategory, ClaimMention, EvidenceLink, SourceDocument
from studies.models import Study


class DomainSerializer(serializers.Serializer):
    domain = serializers.CharField(help_text="risk_of_bias, inconsistency, indirectness, ...")
    label = serializers.CharField()
    levels = serializers.IntegerField(help_text="-2 to +2: levels rated down or up.")
    reason = serializers.CharField()


class EffectSerializer(serializers.Serializer):
    estimate = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    i2 = serializers.FloatField(allow_null=True)
    source = serializers.CharField(help_text="Pooled here, or the review it comes from.")
    display = serializers.CharField()


class OutcomeSerializer(serializers.Serializer):
    """One Summary of Findings row, as stored by the last regrade."""

    comparison = serializers.CharField()
    outcome = serializers.CharField()
    unit = serializers.CharField()
    importance = serializers.CharField()
    outcome_kind = serializers.CharField()
    certainty = serializers.CharField(allow_null=True)
    measure = serializers.CharField()
    effect = EffectSerializer(allow_null=True)
    effect_words = serializers.CharField()
    studies = serializers.IntegerField(allow_null=True)
    participants = serializers.IntegerField(allow_null=True)
    statement = serializers.CharField()
    domains = DomainSerializer(many=True)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _number(value: Any) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def outcome_rows(detail: Any) -> list[dict[str, Any]]:
    """The stored Summary of Findings rows in a fixed shape (missing keys filled), so the
    response matches its schema whatever version of the grade is stored."""
    rows = detail.get("outcomes") if isinstance(detail, dict) else None
    result = []
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, dict):
            continue
        effect = row.get("effect") if isinstance(row.get("effect"), dict) else None
        domains = [d for d in row.get("domains") or [] if isinstance(d, dict)]
        result.append(
            {
                "comparison": _text(row.get("comparison")),
                "outcome": _text(row.get("outcome")),
                "unit": _text(row.get("unit")),
                "importance": _text(row.get("importance")),
                "outcome_kind": _text(row.get("outcome_kind")),
                "certainty": row.get("certainty")
                if isinstance(row.get("certainty"), str)
                else None,
                "measure": _text(row.get("measure")),
                "effect": None
                if effect is None
                else {
                    "estimate": _number(effect.get("estimate")),
                    "ci_low": _number(effect.get("ci_low")),
                    "ci_high": _number(effect.get("ci_high")),
                    "i2": _number(effect.get("i2")),
                    "source": _text(effect.get("source")),
                    "display": _text(effect.get("display")),
                },
                "effect_words": _text(row.get("effect_words")),
                "studies": _whole(row.get("studies")),
                "participants": _whole(row.get("participants")),
                "statement": _text(row.get("statement")),
                "domains": [
                    {
                        "domain": _text(d.get("domain")),
                        "label": _text(d.get("label")),
                        "levels": _whole(d.get("levels")) or 0,
                        "reason": _text(d.get("reason")),
                    }
                    for d in domains
                ],
            }
        )
    return result


def _absolute(serializer: serializers.Serializer | serializers.Field, path: str) -> str:
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


# A value no route's pattern rejects for being digits, resolved once per response in its place.
_MARK = "98765432109876543210"
_PLAIN = re.compile(r"[-a-zA-Z0-9_]+")  # written into a URL as it is: nothing to quote
_DIGITS = re.compile(r"[0-9]+")


def _route(serializer: serializers.Serializer | serializers.Field, name: str, kwarg: str, value):
    """`reverse(name, kwargs={kwarg: value}, request=...)`, the route resolved once per response
    (a list shows it for every record) and the value written into it, when the value is plain
    enough for reverse to write it unchanged; anything else goes through reverse itself."""
    request = serializer.context.get("request")
    templates = serializer.context.setdefault("route_templates", {})
    template = templates.get((name, kwarg))
    if template is None:
        url = reverse(name, kwargs={kwarg: _MARK}, request=request)
        try:
            reverse(name, kwargs={kwarg: "a"})
            plain = _PLAIN
        except NoReverseMatch:
            plain = _DIGITS  # a number's route
        template = (*url.split(_MARK), plain) if url.count(_MARK) == 1 else ()
        templates[(name, kwarg)] = template
    text = str(value)
    if template and template[2].fullmatch(text):
        return f"{template[0]}{text}{template[1]}"
    return reverse(name, kwargs={kwarg: value}, request=request)


@extend_schema_field(OpenApiTypes.URI)
class PageUrlField(serializers.Field):
    """The absolute address of the record's public page."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value) -> str:
        return _absolute(self, value.get_absolute_url())


@extend_schema_field(OpenApiTypes.URI)
class RouteUrlField(serializers.Field):
    """The absolute address of a named route for the record (`kwarg` from its `attribute`)."""

    def __init__(self, route: str, *, kwarg: str, attribute: str, **kwargs):
        self.route, self.kwarg, self.attribute = route, kwarg, attribute
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value) -> str:
        return _route(self, self.route, self.kwarg, getattr(value, self.attribute))


class CategorySerializer(serializers.ModelSerializer):
    url = PageUrlField(help_text="The claim list of this category.")

    class Meta:
        model = ClaimCategory
        fields = ["slug", "name", "description", "order", "url"]


class ClaimSerializer(serializers.ModelSerializer):
    category = CategorySerializer(read_only=True)
    certainty = serializers.CharField(
        source="certainty_shown", help_text="What a reader sees: a curator's override wins."
    )
    computed_certainty = serializers.CharField(source="certainty")
    direction = serializers.CharField(source="direction_shown")
    computed_direction = serializers.CharField(source="direction")
    sort_strength = serializers.CharField(help_text="SORT letter (A, B, C) or empty.")
    bottom_line = serializers.CharField(source="stored_bottom_line")
    published_study_count = serializers.IntegerField()
    mention_count = serializers.IntegerField()
    outcomes = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = [
            "slug",
            "statement",
            "category",
            "kind",
            "certainty",
            "computed_certainty",
            "direction",
            "computed_direction",
            "sort_strength",
            "preclinical_only",
            "bottom_line",
            "graded_at",
            "published_study_count",
            "mention_count",
            "outcomes",
            "links",
        ]

    @extend_schema_field(OutcomeSerializer(many=True))
    def get_outcomes(self, claim: Claim) -> list[dict[str, Any]]:
        return outcome_rows(claim.grade_detail)

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                name: {"type": "string", "format": "uri"}
                for name in ("page", "api", "fhir", "badge", "history")
            },
        }
    )
    def get_links(self, claim: Claim) -> dict[str, str]:
        return {
            "page": _absolute(self, claim.get_absolute_url()),
            "api": _route(self, "api:claim-detail", "slug", claim.slug),
            "fhir": _route(self, "open:fhir_evidence", "pk", claim.pk),
            "badge": _route(self, "open:badge", "slug", claim.slug),
            "history": _route(self, "open:claim_feed", "slug", claim.slug),
        }


class StudyClaimSerializer(serializers.Serializer):
    claim = serializers.CharField(source="claim_slug")  # annotated: the claim is not loaded
    direction = serializers.CharField()


class StudySerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="public_title")
    authors = serializers.ListField(child=serializers.CharField())
    author_names = serializers.ListField(
        source="names", child=serializers.DictField(child=serializers.CharField())
    )
    keywords = serializers.ListField(child=serializers.CharField())
    mesh_terms = serializers.ListField(child=serializers.CharField())
    publication_types = serializers.ListField(child=serializers.CharField())
    registry_ids = serializers.ListField(child=serializers.CharField())
    reference = serializers.CharField(source="formatted_reference")
    published_claim_count = serializers.IntegerField()
    claims = StudyClaimSerializer(source="published_links", many=True, read_only=True)
    page = PageUrlField()
    fhir = RouteUrlField("open:fhir_citation", kwarg="pk", attribute="pk")

    class Meta:
        model = Study
        fields = [
            "id",
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
            "reference",
            "published_claim_count",
            "claims",
            "page",
            "fhir",
        ]


class MentionSerializer(serializers.ModelSerializer):
    claim = serializers.CharField(source="claim_slug")  # annotated: the claim is not loaded

    class Meta:
        model = ClaimMention
        fields = ["id", "claim", "quote", "start", "end", "prefix", "suffix", "stance"]

    def to_representation(self, instance: ClaimMention) -> dict[str, Any]:
        """The fields above, written directly (what the generic walk gives, without its cost per
        field: a page of documents holds hundreds of mentions)."""
        return {
            "id": instance.pk,
            "claim": str(instance.claim_slug),
            "quote": str(instance.quote),
            "start": int(instance.start),
            "end": int(instance.end),
            "prefix": str(instance.prefix),
            "suffix": str(instance.suffix),
            "stance": str(instance.stance),
        }


class DocumentSerializer(serializers.ModelSerializer):
    mentions = MentionSerializer(source="published_mentions", many=True, read_only=True)
    page = PageUrlField()
    annotations = RouteUrlField("open:annotations", kwarg="slug", attribute="slug")

    class Meta:
        model = SourceDocument
        fields = [
            "slug",
            "title",
            "source",
            "source_url",
            "imported_at",
            "checksum",
            "mentions",
            "page",
            "annotations",
        ]


class DocumentDetailSerializer(DocumentSerializer):
    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "text"]


class EvidenceLinkSerializer(serializers.ModelSerializer):
    claim = serializers.CharField(source="claim.slug")
    study = serializers.IntegerField(source="study_id")

    class Meta:
        model = EvidenceLink
        fields = ["id", "claim", "study", "direction", "finding", "indirect", "indirectness_note"]
