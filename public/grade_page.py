"""What the claim page shows of a stored grade: `Claim.grade_detail` read into page parts.

Pure: no database and no statistics. Grading writes the dict (its schema: the grade_detail
contract, version 1); this module only reads it — it never grades, pools or tests anything.
It numbers the Summary of Findings footnotes (one per domain judgement that moved the
certainty), lays out each row's picture (forest, effect direction, funnel) and tolerates a dict
that is empty, old or partly filled: an unknown shape gives None, and the page falls back to
the stored rationale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from evidence.grading import UNPUBLISHED_NOTE
from public import forest

KINDS = frozenset({"effect", "mechanism", "background", "definitional", "evidence_state"})
CERTAINTIES = frozenset({"high", "moderate", "low", "very_low"})

IMPORTANCE = {"critical": "Critical", "important": "Important", "not_important": "Not important"}
OUTCOME_KIND = {"patient_important": "patient-important", "surrogate": "surrogate outcome"}
_LEVEL_WORDS = {1: "one level", 2: "two levels", 3: "three levels"}
# The effect direction plot (Cochrane Handbook 12.3.3): ▲ favours the intervention, ▼ the
# comparator, ◆ no clear difference.
DIRECTIONS = {
    "favours_intervention": ("▲", "favours the intervention"),
    "favours_comparator": ("▼", "favours the comparator"),
    "no_difference": ("◆", "no clear difference"),
}
UNKNOWN_DIRECTION = ("?", "direction not reported")


@dataclass(frozen=True)
class Footnote:
    number: int
    label: str  # "Risk of bias"
    change: str  # "Downgraded one level"
    reason: str
    numbers: str


@dataclass(frozen=True)
class DirectionRow:
    label: str
    symbol: str
    words: str
    direction: str
    participants: int | None


@dataclass(frozen=True)
class Vote:
    favour_intervention: int
    favour_comparator: int
    no_difference: int
    unknown: int
    p_text: str
    words: str


@dataclass
class Finding:
    """One Summary of Findings row (a comparison × outcome) with its picture."""

    number: int
    data: Mapping[str, Any]
    certainty: str | None
    importance: str
    outcome_kind: str
    footnotes: list[Footnote] = field(default_factory=list)
    forest: forest.Plot | None = None
    direction_rows: list[DirectionRow] = field(default_factory=list)
    vote: Vote | None = None
    funnel: forest.Funnel | None = None
    egger_p: str = ""

    @property
    def comment(self) -> str:
        """The plain-words comment, else the row's bottom-line sentence."""
        return _text(self.data.get("comment")) or _text(self.data.get("statement"))

    @property
    def measured(self) -> bool:
        return self.certainty is not None

    @property
    def has_picture(self) -> bool:
        return bool(self.forest or self.direction_rows or self.funnel)


@dataclass
class ClaimPage:
    kind: str
    kind_label: str
    graded: bool
    verdict: str
    statement: str
    certainty: str | None
    set_by: str
    sort: str
    sort_label: str
    reasons: list[str]
    sources: list[str]
    related: list[dict[str, str]]
    findings: list[Finding]

    @property
    def sort_line(self) -> str:
        """ "B: inconsistent or limited-quality patient-oriented evidence", the letter first."""
        if not self.sort:
            return ""
        if not self.sort_label or self.sort_label.startswith(self.sort):
            return self.sort_label or self.sort
        return f"{self.sort}: {self.sort_label}"

    @property
    def footnotes(self) -> list[Footnote]:
        return [note for finding in self.findings for note in finding.footnotes]

    @property
    def pictures(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.has_picture]


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _texts(values: Any) -> list[str]:
    return [t for v in values if (t := _text(v))] if isinstance(values, list) else []


def _dicts(values: Any) -> list[Mapping[str, Any]]:
    return [v for v in values if isinstance(v, Mapping)] if isinstance(values, list) else []


def _certainty(value: Any) -> str | None:
    return value if value in CERTAINTIES else None


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def change_words(levels: int) -> str:
    """-1 gives "Downgraded one level"; 2 gives "Upgraded two levels"."""
    words = _LEVEL_WORDS.get(abs(levels), f"{abs(levels)} levels")
    return f"{'Downgraded' if levels < 0 else 'Upgraded'} {words}"


def p_text(p: Any) -> str:
    """ "p = 0.125", "p < 0.001"; "" when there is no p."""
    if isinstance(p, bool) or not isinstance(p, int | float):
        return ""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}".rstrip("0").rstrip(".")


def claim_page(detail: Any) -> ClaimPage | None:
    """The page parts of a stored grade, or None when the dict is empty or of an unknown shape
    (a claim not regraded since grade_detail appeared)."""
    if not isinstance(detail, Mapping) or detail.get("kind") not in KINDS:
        return None
    findings: list[Finding] = []
    next_note = 1
    for number, row in enumerate(_dicts(detail.get("outcomes")), start=1):
        finding = _finding(number, row, first_note=next_note)
        next_note += len(finding.footnotes)
        findings.append(finding)
    related = [
        {
            "slug": _text(r.get("slug")),
            "statement": _text(r.get("statement")),
            "certainty": _certainty(r.get("certainty")) or "none",
        }
        for r in _dicts(detail.get("related"))
        if _text(r.get("slug"))
    ]
    return ClaimPage(
        kind=detail["kind"],
        kind_label=_text(detail.get("kind_label")),
        graded=bool(detail.get("graded")),
        verdict=_text(detail.get("verdict")),
        statement=_text(detail.get("statement")),
        certainty=_certainty(detail.get("certainty")),
        set_by=_text(detail.get("set_by")),
        sort=_text(detail.get("sort")),
        sort_label=_text(detail.get("sort_label")),
        # The curators' count of unpublished studies is not public (as Claim.public_rationale).
        reasons=[r for r in _texts(detail.get("reasons")) if not r.startswith(UNPUBLISHED_NOTE)],
        sources=_texts(detail.get("sources")),
        related=related,
        findings=findings,
    )


def _finding(number: int, row: Mapping[str, Any], *, first_note: int) -> Finding:
    certainty = _certainty(row.get("certainty"))
    finding = Finding(
        number=number,
        data=row,
        certainty=certainty,
        importance=IMPORTANCE.get(row.get("importance"), ""),  # type: ignore[arg-type]
        outcome_kind=OUTCOME_KIND.get(row.get("outcome_kind"), ""),  # type: ignore[arg-type]
    )
    if certainty is None:
        return finding  # nobody measured it: no judgements, no picture
    for domain in _dicts(row.get("domains")):
        levels = _int(domain.get("levels"))
        if levels:
            finding.footnotes.append(
                Footnote(
                    number=first_note + len(finding.footnotes),
                    label=_text(domain.get("label")) or _text(domain.get("domain")),
                    change=change_words(levels),
                    reason=_text(domain.get("reason")),
                    numbers=_text(domain.get("numbers")),
                )
            )
    plot = row.get("plot") if isinstance(row.get("plot"), Mapping) else {}
    if plot.get("kind") == "forest":
        finding.forest = forest.layout(plot)
    elif plot.get("kind") == "direction":
        finding.direction_rows = [_direction_row(r) for r in _dicts(plot.get("rows"))]
    vote = row.get("vote")
    if isinstance(vote, Mapping):
        finding.vote = Vote(
            favour_intervention=_int(vote.get("favour_intervention")),
            favour_comparator=_int(vote.get("favour_comparator")),
            no_difference=_int(vote.get("no_difference")),
            unknown=_int(vote.get("unknown")),
            p_text=p_text(vote.get("p")),
            words=_text(vote.get("words")),
        )
    funnel = row.get("funnel")
    if isinstance(funnel, Mapping):
        finding.funnel = forest.funnel_layout(funnel, log=bool(plot.get("log")))
        finding.egger_p = p_text(funnel.get("egger_p"))
    return finding


def _direction_row(row: Mapping[str, Any]) -> DirectionRow:
    direction = _text(row.get("direction"))
    symbol, words = DIRECTIONS.get(direction, UNKNOWN_DIRECTION)
    participants = row.get("participants")
    return DirectionRow(
        label=_text(row.get("label")),
        symbol=symbol,
        words=words,
        direction=direction or "unknown",
        participants=participants if isinstance(participants, int) else None,
    )
