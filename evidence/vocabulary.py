"""The evidence side's vocabulary: publication status, certainty, directions and SORT letters.

Pure: no Django. Grading returns these values, and `evidence.models` builds its choices from
them, so the grade a function computes and the choice a form offers are the same list.
"""

from __future__ import annotations

from studies.vocabulary import Vocabulary


class PublicationStatus(Vocabulary):
    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"


class Certainty(Vocabulary):
    HIGH = "high", "High"
    MODERATE = "moderate", "Moderate"
    LOW = "low", "Low"
    VERY_LOW = "very_low", "Very low"
    NONE = "none", "No evidence graded"


class ClaimDirection(Vocabulary):
    SUPPORTED = "supported", "Supported"
    CONTRADICTED = "contradicted", "Contradicted"
    MIXED = "mixed", "Mixed"
    INCONCLUSIVE = "inconclusive", "Inconclusive"


class SortStrength(Vocabulary):
    A = "A", "A: consistent, good-quality patient-oriented evidence"
    B = "B", "B: inconsistent or limited-quality patient-oriented evidence"
    C = "C", "C: consensus, disease-oriented or preclinical evidence, case series"


class LinkDirection(Vocabulary):
    SUPPORTS = "supports", "Supports"
    CONTRADICTS = "contradicts", "Contradicts"
    MIXED = "mixed", "Mixed"
    NEUTRAL = "neutral", "Neutral"
