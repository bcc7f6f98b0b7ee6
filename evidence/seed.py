"""Loading the seed evidence base from fixtures/seed/ into the database.

The seed is the article verbatim, the reference bibliography, outcome table and their
December 2026 update exactly as verified (byte-identical copies of shared/reference), and the
curated layer written for this project (evidence.json: categories, claims with the places the
article makes them, study summaries and judgements, evidence links). The literature is the
bibliography merged with the update: its new studies and outcome rows are added, and each of
its corrections replaces a field only while the stored value still equals the correction's
`old` value. Loading is idempotent: a record is created when missing and saved only when a
field differs, so a second run writes nothing and leaves no history.

fixtures/seed/synthesis.json is the per-outcome PICO layer the grades are computed from: each
claim's kind, the comparisons and outcome measures, the Summary-of-Findings rows of each claim,
the trials' results as printed, the reviews' pooled estimates and the benchmark (docs/seed.md).
"""

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models, transaction

from evidence.anchoring import locate
from evidence.models import (
    Claim,
    ClaimCategory,
    ClaimMention,
    ClaimOutcome,
    Comparison,
    EvidenceLink,
    MentionStance,
    OutcomeMeasure,
    PooledEstimate,
    PublicationStatus,
    SourceDocument,
    StudyResult,
)
from evidence.services import RegradeSummary, claims_regrade
from studies.models import Outcome, OutcomeArm, Study, StudyDesign, StudyStatus

SEED_DIR = Path(settings.BASE_DIR) / "fixtures" / "seed"


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    grades: RegradeSummary = field(default_factory=RegradeSummary)
    # Corrections left alone because the stored value no longer equals their `old` value.
    skipped_corrections: list[str] = field(default_factory=list)

    def count(self, kind: str, model: type[models.Model]) -> None:
        bucket = self.created if kind == "created" else self.updated
        name = model._meta.verbose_name_plural
        bucket[name] = bucket.get(name, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.grades.changes)

    def __str__(self) -> str:
        if not self.changed:
            return "Seed evidence base already up to date: nothing changed."
        parts = [f"created {n} {name}" for name, n in sorted(self.created.items())]
        parts += [f"updated {n} {name}" for name, n in sorted(self.updated.items())]
        if self.grades.changes:
            parts.append(f"regraded {self.grades.changed} claims")
        return "Seed evidence base loaded: " + ", ".join(parts) + "."


UPDATE_FILE = "update-2026-12.json"
SYNTHESIS_FILE = "synthesis.json"
ARM_FIELDS = (
    "n1",
    "mean1",
    "sd1",
    "n2",
    "mean2",
    "sd2",
    "events1",
    "total1",
    "events2",
    "total2",
)
BENCHMARK_SLUG = "benchmark-{study}-{outcome}"


def load_synthesis(
    report: "SeedReport",
    synthesis: dict[str, Any],
    *,
    claims: dict[str, Claim],
    studies: dict[str, Study],
) -> None:
    """The PICO layer: claim kinds, comparisons, outcome measures, each claim's Summary-of-Findings
    rows, results as printed, reviews' pooled estimates and benchmarks. Idempotent like the rest."""
    for slug, kind in synthesis["claim_kinds"].items():
        values: dict[str, Any] = {"kind": kind}
        definition = synthesis.get("definitional", {}).get(slug)
        if definition:
            values["accepted_definition"] = definition["accepted_definition"]
        claims[slug] = _upsert(report, Claim, {"slug": slug}, values)
    for slug, related in synthesis.get("evidence_state_related", {}).items():
        claim = claims[slug]
        wanted = {claims[r].pk for r in related}
        if set(claim.related_claims.values_list("pk", flat=True)) != wanted:
            claim.related_claims.set(wanted)
            report.count("updated", Claim)

    comparisons = {
        spec["slug"]: _upsert(
            report,
            Comparison,
            {"slug": spec["slug"]},
            {k: spec[k] for k in ("label", "population", "intervention", "comparator")}
            | {"intervention_role": spec["intervention_role"]},
        )
        for spec in synthesis["comparisons"]
    }
    outcomes = {
        spec["slug"]: _upsert(
            report,
            OutcomeMeasure,
            {"slug": spec["slug"]},
            {
                "name": spec["name"],
                "unit": spec.get("unit") or "",
                "kind": spec["kind"],
                "benefit": spec["benefit"],
                "mid": spec.get("mid"),
                "mid_source": spec.get("mid_source") or "",
            },
        )
        for spec in synthesis["outcomes"]
    }
    for order, row in enumerate(synthesis["claim_outcomes"]):
        _upsert(
            report,
            ClaimOutcome,
            {
                "claim": claims[row["claim"]],
                "comparison": comparisons[row["comparison"]],
                "outcome": outcomes[row["outcome"]],
            },
            {"importance": row["importance"], "order": order},
        )
    for row in synthesis["study_results"]:
        indirect = row.get("indirectness") or {}
        source = row.get("source") or row["study"]
        _upsert(
            report,
            StudyResult,
            {
                "study": studies[row["study"]],
                "comparison": comparisons[row["comparison"]],
                "outcome": outcomes[row["outcome"]],
                "timepoint_weeks": row.get("timepoint_weeks"),
            },
            {
                "measure": row["measure"],
                **{k: row.get(k) for k in ("estimate", "ci_low", "ci_high", "se")},
                **{k: (row.get("arms") or {}).get(k) for k in ARM_FIELDS},
                "direction": row.get("direction") or "",
                "p_value": _text(row.get("p_value")),
                "source_study": None if source == row["study"] else studies[source],
                "source_location": _text(row.get("source_location")),
                "risk_of_bias": row.get("risk_of_bias") or "not_assessed",
                "risk_of_bias_note": _text(row.get("risk_of_bias_note")),
                "indirect_population": bool(indirect.get("population")),
                "indirect_intervention": bool(indirect.get("intervention")),
                "indirect_comparator": bool(indirect.get("comparator")),
                "indirect_outcome": bool(indirect.get("outcome")),
                "indirectness_note": _text(indirect.get("note")),
                "extraction_note": _text(row.get("extraction_note")),
            },
        )
    for row in synthesis["pooled_estimates"]:
        pooled = _upsert(
            report,
            PooledEstimate,
            {
                "review": studies[row["source"]],
                "comparison": comparisons[row["comparison"]],
                "outcome": outcomes[row["outcome"]],
                "measure": row["measure"],
                # One review may report several estimates for one question (Pei 2024's MDs).
                "estimate": row["estimate"],
            },
            {
                "ci_low": row.get("ci_low"),
                "ci_high": row.get("ci_high"),
                "k_studies": row.get("k_studies"),
                "participants": row.get("n_participants"),
                "i2": row.get("i2_percent"),
                "tau2": row.get("tau2"),
                "model": _text(row.get("model")),
                "timepoint": _text(row.get("timepoint")),
                "note": _text(row.get("note")),
            },
        )
        wanted = {studies[k].pk for k in row.get("included") or []}
        if set(pooled.included_studies.values_list("pk", flat=True)) != wanted:
            pooled.included_studies.set(wanted)
    for row in synthesis.get("benchmarks", []):
        comparison = _upsert(
            report,
            Comparison,
            {"slug": BENCHMARK_SLUG.format(study=row["study"], outcome=row["outcome"])},
            {
                "label": row["comparison_label"],
                "intervention_role": "alone",
                "is_benchmark": True,
            },
        )
        arms = row.get("arms") or {}
        _upsert(
            report,
            StudyResult,
            {
                "study": studies[row["study"]],
                "comparison": comparison,
                "outcome": outcomes[row["outcome"]],
                "timepoint_weeks": row.get("timepoint_weeks"),
            },
            {
                "measure": "MD",
                **{k: arms.get(k) for k in ARM_FIELDS},
                "extraction_note": _text(row.get("note")),
            },
        )


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def read_seed(seed_dir: Path = SEED_DIR) -> dict[str, Any]:
    curated = _json(seed_dir / "evidence.json")
    return {
        "curated": curated,
        "bibliography": _json(seed_dir / "bibliography.json"),
        "outcomes": _json(seed_dir / "outcomes.json"),
        "update": _json(seed_dir / UPDATE_FILE),
        "texts": {
            doc["slug"]: (seed_dir / doc["text_file"]).read_text(encoding="utf-8")
            for doc in curated["documents"]
        },
    }


def apply_corrections(
    records: list[dict[str, Any]], corrections: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[str]]:
    """The records with each correction applied where the field still holds `old`.

    Returns new records (the input is left as it is) and a line for every correction that was
    not applied: its study is unknown, or its field no longer holds `old` (someone fixed it
    another way, or the reference file moved on), so replacing it could undo a newer value.
    """
    corrected = copy.deepcopy(records)
    by_key = {record["short_key"]: record for record in corrected}
    skipped = []
    for correction in corrections:
        key, name = correction["short_key"], correction["field"]
        record = by_key.get(key)
        if record is None:
            skipped.append(f"{key}.{name}: no such study")
        elif record.get(name) != correction["old"]:
            skipped.append(f"{key}.{name}: stored value is no longer the one corrected")
        else:
            record[name] = copy.deepcopy(correction["new"])
    return corrected, skipped


def literature(
    seed: dict[str, Any],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """The bibliography merged with the update: (study records, outcome rows, skipped).

    Update rows come after the existing ones, so a study's existing outcome rows keep their
    order (and their stored rows) and its new rows are numbered after them.
    """
    update = seed["update"]
    records, skipped = apply_corrections(seed["bibliography"], update["corrections"])
    known = {record["short_key"] for record in records}
    clashes = sorted(known & {record["short_key"] for record in update["add_studies"]})
    if clashes:
        raise ValueError(f"update adds studies that already exist: {', '.join(clashes)}")
    return records + update["add_studies"], seed["outcomes"] + update["add_outcomes"], skipped


def _upsert(report: SeedReport, model, lookup: dict[str, Any], values: dict[str, Any]):
    """Create the row, or save it only when one of `values` differs from what is stored."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean()
        obj.save()
        report.count("created", model)
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.full_clean()
        obj.save()
        report.count("updated", model)
    return obj


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def unverified_title(record: dict[str, Any]) -> str:
    """A plainly bracketed description for a record whose title could not be verified."""
    design = StudyDesign(record["design"]).label
    where = record.get("population_condition") or "population not stated"
    ident = f"PMID {record['pmid']}" if record.get("pmid") else "no identifier"
    return f"[Title not verified: {design.lower()}, {where}; {ident}]"


def study_values(record: dict[str, Any], curated: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": record["title"] or unverified_title(record),
        "authors": record["authors"] or [],
        "journal": _text(record["journal"]),
        "year": record["year"],
        "volume": _text(record["volume"]),
        "issue": _text(record["issue"]),
        "pages": _text(record["pages"]),
        "doi": _text(record["doi"]).lower(),
        "pmid": _text(record["pmid"]),
        "pmcid": _text(record["pmcid"]).upper(),
        "design": record["design"],
        "condition": curated.get("condition", ""),
        "population": _text(record["population_condition"]),
        "participants": record["n_participants"],
        "intervention": _text(record["intervention"]),
        "comparator": _text(record["comparator"]),
        "follow_up_weeks": curated.get("follow_up_weeks"),
        "summary": curated["summary"],
        "adverse_events": _text(record["adverse_events"]),
        "funding": curated.get("funding", ""),
        "risk_of_bias": curated.get("risk_of_bias", "not_assessed"),
        "risk_of_bias_note": curated.get("risk_of_bias_note", ""),
        "status": StudyStatus.PUBLISHED,
    }


def outcome_values(row: dict[str, Any]) -> dict[str, Any]:
    effect = row.get("reported_effect") or {}
    p = effect.get("p")
    return {
        "measure": row["measure"],
        "unit": _text(row["unit"]),
        "timepoint_weeks": row["timepoint_weeks"],
        "effect_type": _text(effect.get("type")),
        "estimate": effect.get("estimate"),
        "ci_low": effect.get("ci_low"),
        "ci_high": effect.get("ci_high"),
        "p_value": _text(p),
        "i2": effect.get("i2"),
        "k_studies": effect.get("k_studies"),
        "participants": effect.get("participants"),
        "baseline_note": _text(row.get("baseline_note")),
        "source_location": _text(row.get("source_location")),
    }


def arm_values(arm: dict[str, Any]) -> dict[str, Any]:
    return {
        "label": arm["label"],
        "n": arm.get("n"),
        "mean": arm.get("mean"),
        "sd": arm.get("sd"),
        "se": arm.get("se"),
        "ci_low": arm.get("ci_low"),
        "ci_high": arm.get("ci_high"),
        "note": _text(arm.get("note")),
    }


@transaction.atomic
def seed_load(seed_dir: Path = SEED_DIR) -> SeedReport:
    """Load (or bring up to date) the seed evidence base. All or nothing."""
    seed = read_seed(seed_dir)
    curated = seed["curated"]
    report = SeedReport()

    documents = {}
    for doc in curated["documents"]:
        documents[doc["slug"]] = _upsert(
            report,
            SourceDocument,
            {"slug": doc["slug"]},
            {
                "title": doc["title"],
                "text": seed["texts"][doc["slug"]],
                "source": doc.get("source", ""),
                "source_url": doc.get("source_url", ""),
                "status": PublicationStatus.PUBLISHED,
            },
        )

    categories = {}
    for order, cat in enumerate(curated["categories"]):
        categories[cat["slug"]] = _upsert(
            report,
            ClaimCategory,
            {"slug": cat["slug"]},
            {
                "name": cat["name"],
                "description": cat.get("description", ""),
                "keywords": ", ".join(cat.get("keywords", [])),
                "order": order,
            },
        )

    (default_document,) = documents.values() if len(documents) == 1 else (None,)
    claims = {}
    for spec in curated["claims"]:
        claim = _upsert(
            report,
            Claim,
            {"slug": spec["slug"]},
            {
                "statement": spec["statement"],
                "category": categories[spec["category"]],
                "status": PublicationStatus.PUBLISHED,
            },
        )
        claims[spec["slug"]] = claim
        for mention in spec["mentions"]:
            document = documents[mention["document"]] if "document" in mention else default_document
            anchor = locate(
                document.text, mention["quote"], occurrence=mention.get("occurrence", 1)
            )
            _upsert(
                report,
                ClaimMention,
                {"claim": claim, "document": document, "start": anchor.start},
                {
                    "quote": mention["quote"],
                    "end": anchor.end,
                    "prefix": anchor.prefix,
                    "suffix": anchor.suffix,
                    "stance": mention.get("stance", MentionStance.ASSERTS),
                    "status": PublicationStatus.PUBLISHED,
                },
            )

    records, outcome_rows, report.skipped_corrections = literature(seed)
    studies = {}
    for record in records:
        key = record["short_key"]
        studies[key] = _upsert(
            report,
            Study,
            {"citation_key": key},
            study_values(record, curated["studies"][key]),
        )

    orders: dict[str, int] = {}
    for row in outcome_rows:
        study = studies[row["short_key"]]
        order = orders.get(row["short_key"], 0)
        orders[row["short_key"]] = order + 1
        outcome = _upsert(report, Outcome, {"study": study, "order": order}, outcome_values(row))
        for arm_order, arm in enumerate(row["arms"]):
            _upsert(
                report,
                OutcomeArm,
                {"outcome": outcome, "order": arm_order},
                arm_values(arm),
            )

    for link in curated["links"]:
        _upsert(
            report,
            EvidenceLink,
            {"claim": claims[link["claim"]], "study": studies[link["study"]]},
            {
                "direction": link["direction"],
                "finding": link.get("finding", ""),
                "indirect": bool(link.get("indirect")),
                "indirectness_note": link.get("indirectness_note", ""),
            },
        )
    load_synthesis(report, _json(seed_dir / SYNTHESIS_FILE), claims=claims, studies=studies)
    # Writes only grades that differ, so a second load still writes nothing.
    report.grades = claims_regrade()
    return report
