"""Hand-made `Claim.grade_detail` dicts in the shape grading stores (the grade_detail contract,
version 1), for tests of the pages that read them. Study labels here are fictional ("Trial A
2019") and the numbers are test values, not results of any real study."""

from typing import Any


def domain(name: str = "risk_of_bias", *, levels: int = 0, **fields: Any) -> dict[str, Any]:
    labels = {
        "risk_of_bias": "Risk of bias",
        "inconsistency": "Inconsistency",
        "indirectness": "Indirectness",
        "imprecision": "Imprecision",
        "publication_bias": "Publication bias",
        "large_effect": "Large effect",
    }
    return {
        "domain": name,
        "label": labels.get(name, name),
        "levels": levels,
        "reason": "",
        "numbers": "",
        "assessable": True,
        **fields,
    }


def study_row(label: str, estimate: float, low: float, high: float, **fields: Any) -> dict:
    return {
        "label": label,
        "estimate": estimate,
        "ci_low": low,
        "ci_high": high,
        "weight": None,
        "direction": None,
        "row_kind": "study",
        "participants": None,
        **fields,
    }


def forest(rows: list[dict], **fields: Any) -> dict[str, Any]:
    return {
        "kind": "forest",
        "log": False,
        "null": 0.0,
        "favours_left": "Favours the comparator",
        "favours_right": "Favours the intervention",
        "rows": rows,
        "pooled": None,
        "pi": None,
        **fields,
    }


def direction(rows: list[tuple[str, str]], **fields: Any) -> dict[str, Any]:
    """rows: (label, direction) pairs."""
    return {
        "kind": "direction",
        "log": False,
        "null": 0.0,
        "favours_left": "",
        "favours_right": "",
        "rows": [
            {
                "label": label,
                "estimate": None,
                "ci_low": None,
                "ci_high": None,
                "weight": None,
                "direction": way,
                "row_kind": "study",
                "participants": None,
            }
            for label, way in rows
        ],
        "pooled": None,
        "pi": None,
        **fields,
    }


def outcome(**fields: Any) -> dict[str, Any]:
    """One Summary of Findings row, measured, low certainty, with no picture unless given."""
    row = {
        "comparison": "Device plus cream vs cream alone",
        "comparison_role": "add_on",
        "outcome": "Hair count",
        "unit": "hairs/cm²",
        "importance": "critical",
        "outcome_kind": "patient_important",
        "certainty": "low",
        "starting_level": "high",
        "domains": [domain("risk_of_bias"), domain("imprecision")],
        "studies": 2,
        "participants": 120,
        "participants_note": "",
        "measure": "MD",
        "measure_label": "Mean difference",
        "effect": {
            "estimate": 12.0,
            "ci_low": 4.0,
            "ci_high": 20.0,
            "pi_low": None,
            "pi_high": None,
            "i2": 10.0,
            "tau2": None,
            "k": 2,
            "source": "Pooled in this app (REML random effects)",
            "display": "MD 12 hairs/cm² (95% CI 4 to 20)",
        },
        "absolute": None,
        "effect_words": "about 12 more hairs per cm²",
        "statement": "Device plus cream may increase hair count compared with cream alone.",
        "comment": "May increase hair count.",
        "fragility": [],
        "notes": [],
        "left_out": [],
        "other_reviews": [],
        "vote": None,
        "benchmark": None,
        "plot": {
            "kind": "none",
            "log": False,
            "null": 0.0,
            "rows": [],
            "pooled": None,
            "pi": None,
            "favours_left": "",
            "favours_right": "",
        },
        "funnel": None,
    }
    row.update(fields)
    return row


def unmeasured(**fields: Any) -> dict[str, Any]:
    return outcome(
        outcome="Patient satisfaction",
        certainty=None,
        starting_level=None,
        domains=[],
        studies=0,
        participants=None,
        measure="direction_only",
        effect=None,
        effect_words="",
        statement="",
        comment="",
        **fields,
    )


def grade_detail(kind: str = "effect", **fields: Any) -> dict[str, Any]:
    graded = kind in ("effect", "mechanism")
    detail = {
        "version": 1,
        "kind": kind,
        "kind_label": {
            "effect": "Effect of an intervention",
            "mechanism": "Mechanism (disease-oriented)",
            "background": "Established background",
            "definitional": "Definition",
            "evidence_state": "State of the evidence",
        }[kind],
        "graded": graded,
        "verdict": "Low certainty: may increase hair count" if graded else "",
        "statement": (
            "Device plus cream may increase hair count compared with cream alone "
            "(about 12 more hairs per cm²)."
            if graded
            else ""
        ),
        "certainty": "low" if graded else None,
        "set_by": "Hair count: device plus cream vs cream alone" if graded else "",
        "sort": "B" if graded else None,
        "sort_label": "B: inconsistent or limited-quality patient-oriented evidence"
        if graded
        else "",
        "reasons": ["Start: high (randomised trials)."] if graded else [],
        "sources": [],
        "related": [],
        "outcomes": [outcome()] if graded else [],
    }
    detail.update(fields)
    return detail
