"""The literature's vocabulary: study designs, risk of bias, publication status, record types.

Pure: no Django. The pure domain modules (grading, the importers) compare against these enums,
and the models build their choices from them (`studies.models.text_choices`), so one list of
values and labels serves both. Each member is its stored value (a `str`) and carries the label
a reader sees.
"""

from __future__ import annotations

import enum
from typing import Self, overload


class Vocabulary(enum.StrEnum):
    """A closed list of stored values, each with a human label.

    Members are defined as ``RCT = "rct", "Randomised controlled trial"``: the value first,
    then the label.
    """

    _value_: str
    label: str

    # Two ways in: the class body defines a member from (value, label); once the class exists,
    # `StudyDesign("rct")` looks a member up by its value (the enum machinery does that, never
    # reaching this method). The overloads tell a type checker about both.
    @overload
    def __new__(cls, value: str) -> Self: ...
    @overload
    def __new__(cls, value: str, label: str) -> Self: ...
    def __new__(cls, value: str, label: str | None = None) -> Self:
        if label is None:
            raise TypeError(f"{cls.__name__} {value!r} needs a label: NAME = value, label")
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


class StudyDesign(Vocabulary):
    SYSTEMATIC_REVIEW_META_ANALYSIS = (
        "systematic_review_meta_analysis",
        "Systematic review with meta-analysis",
    )
    SYSTEMATIC_REVIEW = "systematic_review", "Systematic review"
    RCT = "rct", "Randomised controlled trial"
    NON_RANDOMIZED_CONTROLLED = "non_randomized_controlled", "Non-randomised controlled study"
    COHORT = "cohort", "Cohort study"
    CASE_CONTROL = "case_control", "Case-control study"
    CASE_SERIES = "case_series", "Case series"
    CASE_REPORT = "case_report", "Case report"
    ANIMAL = "animal", "Animal study"
    IN_VITRO = "in_vitro", "In-vitro / laboratory study"
    NARRATIVE_REVIEW = "narrative_review", "Narrative review"
    EXPERT_OPINION = "expert_opinion", "Expert opinion"


class RiskOfBias(Vocabulary):
    LOW = "low", "Low"
    SOME_CONCERNS = "some_concerns", "Some concerns"
    HIGH = "high", "High"
    NOT_ASSESSED = "not_assessed", "Not assessed"


class StudyStatus(Vocabulary):
    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"
    RETRACTED = "retracted", "Retracted"


class RecordType(Vocabulary):
    """What kind of publication a record is, as the reference managers tell it apart."""

    ARTICLE = "article", "Journal article"
    REVIEW = "review", "Review article"
    BOOK = "book", "Book"
    CHAPTER = "chapter", "Book chapter"
    THESIS = "thesis", "Thesis"
    PREPRINT = "preprint", "Preprint"
