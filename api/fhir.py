"""HL7 FHIR R5 resources for the evidence: an `Evidence` per claim, a `Citation` per study, a
`Bundle` per claim holding both. Built from the stored grade (grade_detail) and published rows
only; validated in the tests with fhir.resources (tests/api/test_fhir.py).

Certainty is coded as the EBM-on-FHIR resources code it: `type` from the certainty-type code
system (Overall, RiskOfBias, Inconsistency, Indirectness, Imprecision, PublicationBias,
LargeEffect, DoseResponseGradient, PlausibleConfounding) and `rating` from certainty-rating
(high, moderate, low, very-low for the overall rating; no-concern, serious-concern,
very-serious-concern, extremely-serious-concern for a domain rated down; upcode1, upcode2 for
one rated up).
"""

from typing import Any

from api.serializers import outcome_rows
from evidence.models import Claim
from studies.models import Study

FHIR_JSON = "application/fhir+json"
CERTAINTY_TYPE = "http://hl7.org/fhir/certainty-type"
CERTAINTY_RATING = "http://hl7.org/fhir/certainty-rating"
VARIABLE_ROLE = "http://hl7.org/fhir/variable-role"
PUBLISHER = "Evidence tracker"

_DOMAIN_TYPES = {
    "risk_of_bias": ("RiskOfBias", "Risk of bias"),
    "inconsistency": ("Inconsistency", "Inconsistency"),
    "indirectness": ("Indirectness", "Indirectness"),
    "imprecision": ("Imprecision", "Imprecision"),
    "publication_bias": ("PublicationBias", "Publication bias"),
    "large_effect": ("LargeEffect", "Large effect"),
    "dose_response": ("DoseResponseGradient", "Dose response gradient"),
    "plausible_confounding": ("PlausibleConfounding", "Plausible confounding"),
}
_OVERALL = {
    "high": ("high", "High quality"),
    "moderate": ("moderate", "Moderate quality"),
    "low": ("low", "Low quality"),
    "very_low": ("very-low", "Very low quality"),
}
_RATED_DOWN = {
    0: ("no-concern", "no serious concern"),
    -1: ("serious-concern", "serious concern"),
    -2: ("very-serious-concern", "very serious concern"),
    -3: ("extremely-serious-concern", "extremely serious concern"),
}
_RATED_UP = {
    0: ("no-change", "no change to rating"),
    1: ("upcode1", "increase rating: +1"),
    2: ("upcode2", "increase rating: +2"),
}
_UPGRADING = {"large_effect", "dose_response", "plausible_confounding"}


def _coded(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}]}


def _overall_rating(certainty: str | None) -> dict[str, Any] | None:
    if certainty not in _OVERALL:
        return None
    return _coded(CERTAINTY_RATING, *_OVERALL[certainty])


def _domain(row: dict[str, Any]) -> dict[str, Any] | None:
    kind = _DOMAIN_TYPES.get(row["domain"])
    if kind is None:
        return None
    levels = row["levels"]
    if row["domain"] in _UPGRADING:
        rating = _RATED_UP.get(max(0, min(levels, 2)))
    else:
        rating = _RATED_DOWN.get(max(-3, min(levels, 0)))
    part: dict[str, Any] = {"type": _coded(CERTAINTY_TYPE, *kind)}
    if rating:
        part["rating"] = _coded(CERTAINTY_RATING, *rating)
    if row["reason"]:
        part["description"] = row["reason"]
    return part


def _certainty(description: str, certainty: str | None, domains=()) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "description": description,
        "type": _coded(CERTAINTY_TYPE, "Overall", "Overall certainty"),
        "rater": f"{PUBLISHER} (GRADE, computed from the published studies)",
    }
    rating = _overall_rating(certainty)
    if rating:
        entry["rating"] = rating
    parts = [p for p in (_domain(d) for d in domains) if p]
    if parts:
        entry["subcomponent"] = parts
    return entry


def _quantity(value: float) -> dict[str, Any]:
    return {"value": value}


def _ci(low: float | None, high: float | None) -> list[dict[str, Any]]:
    if low is None or high is None:
        return []
    return [
        {
            "description": "95% confidence interval",
            "type": {"text": "Confidence interval"},
            "level": 0.95,
            "range": {"low": _quantity(low), "high": _quantity(high)},
        }
    ]


def _statistics(claim: Claim, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The pooled (or one review's) effect of each outcome row; without one, each study's."""
    statistics = []
    stored = claim.grade_detail.get("outcomes") if isinstance(claim.grade_detail, dict) else None
    stored = stored if isinstance(stored, list) else []
    for index, row in enumerate(rows):
        question = f"{row['outcome']} ({row['comparison']})"
        effect = row["effect"]
        size: dict[str, Any] = {}
        if row["studies"] is not None:
            size["numberOfStudies"] = row["studies"]
        if row["participants"] is not None:
            size["numberOfParticipants"] = row["participants"]
        if effect and effect["estimate"] is not None:
            statistic: dict[str, Any] = {
                "description": f"{question}: {effect['display'] or row['effect_words']}",
                "statisticType": {"text": row["measure"]},
                "quantity": _quantity(effect["estimate"]),
                "attributeEstimate": _ci(effect["ci_low"], effect["ci_high"]),
            }
            if effect["i2"] is not None:
                statistic["attributeEstimate"].append(
                    {
                        "description": "I-squared (%)",
                        "type": {"text": "I-squared"},
                        "quantity": {"value": effect["i2"], "unit": "%"},
                    }
                )
            if size:
                statistic["sampleSize"] = size
            statistics.append(_clean(statistic))
            continue
        plot = stored[index].get("plot") if index < len(stored) else None
        plotted = plot.get("rows") if isinstance(plot, dict) else None
        per_study = [r for r in plotted or [] if isinstance(r, dict)]
        for study_row in per_study:
            estimate = study_row.get("estimate")
            if not isinstance(estimate, int | float) or isinstance(estimate, bool):
                continue
            statistics.append(
                _clean(
                    {
                        "description": f"{question}: {study_row.get('label', '')}",
                        "statisticType": {"text": row["measure"]},
                        "quantity": _quantity(estimate),
                        "attributeEstimate": _ci(study_row.get("ci_low"), study_row.get("ci_high")),
                        "sampleSize": {"numberOfStudies": 1},
                    }
                )
            )
        if not any(isinstance(r.get("estimate"), int | float) for r in per_study):
            statistics.append(
                _clean(
                    {
                        "description": f"{question}: {row['effect_words'] or 'no effect size'}",
                        "statisticType": {"text": row["measure"] or "direction only"},
                        "sampleSize": size,
                    }
                )
            )
    return statistics


def _clean(value: Any) -> Any:
    """FHIR allows no empty arrays, objects or strings: drop them."""
    if isinstance(value, dict):
        cleaned = {k: _clean(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [v for v in (_clean(v) for v in value) if v not in (None, "", [], {})]
    return value


def evidence_resource(claim: Claim, *, base: str) -> dict[str, Any]:
    """The claim as an R5 `Evidence` (its question, statistics and GRADE certainty)."""
    rows = outcome_rows(claim.grade_detail)
    variables: list[dict[str, Any]] = []
    comparisons = list(dict.fromkeys(row["comparison"] for row in rows))
    outcomes = list(dict.fromkeys(row["outcome"] for row in rows))
    for comparison in comparisons:
        variables.append(
            {
                "description": comparison,
                "variableRole": _coded(VARIABLE_ROLE, "exposure", "exposure"),
            }
        )
    for outcome in outcomes:
        variables.append(
            {
                "description": outcome,
                "variableRole": _coded(VARIABLE_ROLE, "measuredVariable", "measured variable"),
            }
        )
    if not variables:
        variables.append(
            {
                "description": claim.statement,
                "variableRole": _coded(VARIABLE_ROLE, "measuredVariable", "measured variable"),
            }
        )
    certainty = [
        _certainty(
            f"The claim as a whole: {claim.effective_certainty.replace('_', ' ')} certainty"
            + (" (a curator's override)" if claim.certainty_override else ""),
            claim.effective_certainty,
        )
    ]
    for row in rows:
        certainty.append(
            _certainty(f"{row['outcome']} ({row['comparison']})", row["certainty"], row["domains"])
        )
    links = getattr(claim, "published_links", [])
    resource = {
        "resourceType": "Evidence",
        "id": str(claim.pk),
        "url": f"{base}/fhir/Evidence/{claim.pk}",
        "name": f"Claim{claim.pk}",
        "title": claim.statement,
        "status": "active",
        "date": claim.graded_at.isoformat() if claim.graded_at else None,
        "publisher": PUBLISHER,
        "description": claim.stored_bottom_line,
        "assertion": claim.stored_bottom_line,
        "relatedArtifact": [
            {
                "type": "citation",
                "label": link.study.short_label(),
                "resourceReference": {
                    "reference": f"Citation/{link.study_id}",
                    "display": link.study.short_label(),
                },
            }
            for link in sorted(links, key=lambda link: link.study_id)
        ],
        "variableDefinition": variables,
        "statistic": _statistics(claim, rows),
        "certainty": certainty,
    }
    return _clean(resource)


def citation_resource(study: Study, *, base: str) -> dict[str, Any]:
    """A published study as an R5 `Citation` of the article."""
    identifiers = []
    if study.doi:
        identifiers.append({"system": "https://doi.org", "value": study.doi})
    if study.pmid:
        identifiers.append({"system": "https://pubmed.ncbi.nlm.nih.gov", "value": study.pmid})
    if study.pmcid:
        identifiers.append({"system": "https://www.ncbi.nlm.nih.gov/pmc", "value": study.pmcid})
    web = [{"url": study.doi_url}] if study.doi else []
    if study.url:
        web.append({"url": study.url})
    article = {
        "identifier": identifiers,
        "title": [{"text": study.public_title}],
        "abstract": [{"text": study.summary}] if study.summary else [],
        "publicationForm": [
            {
                "publishedIn": {"title": study.journal} if study.journal else None,
                "volume": study.volume,
                "issue": study.issue,
                "publicationDateText": str(study.year) if study.year else None,
                "pageString": study.pages,
            }
        ],
        "webLocation": web,
        "contributorship": {
            "entry": [
                {"contributor": {"display": name}}
                for name in study.authors
                if isinstance(name, str) and name.strip()
            ]
        },
    }
    resource = {
        "resourceType": "Citation",
        "id": str(study.pk),
        "url": f"{base}/fhir/Citation/{study.pk}",
        "title": study.public_title,
        "status": "active",
        "publisher": PUBLISHER,
        "description": study.formatted_reference(),
        "citedArtifact": article,
    }
    return _clean(resource)


def claim_bundle(claim: Claim, *, base: str) -> dict[str, Any]:
    """The claim's Evidence and the Citation of each published study linked to it."""
    entries = [
        {
            "fullUrl": f"{base}/fhir/Evidence/{claim.pk}",
            "resource": evidence_resource(claim, base=base),
        }
    ]
    for link in sorted(getattr(claim, "published_links", []), key=lambda link: link.study_id):
        entries.append(
            {
                "fullUrl": f"{base}/fhir/Citation/{link.study_id}",
                "resource": citation_resource(link.study, base=base),
            }
        )
    return (
        {
            "resourceType": "Bundle",
            "id": f"claim-{claim.pk}",
            "type": "collection",
            "timestamp": claim.graded_at.isoformat() if claim.graded_at else None,
            "entry": entries,
        }
        if claim.graded_at
        else {
            "resourceType": "Bundle",
            "id": f"claim-{claim.pk}",
            "type": "collection",
            "entry": entries,
        }
    )
