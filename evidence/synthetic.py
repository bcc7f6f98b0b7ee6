"""A synthetic evidence base for measuring the app at scale (`manage.py generate_synthetic`).

Everything it writes is marked as made up, so no one can take it for the literature: studies
are titled "Synthetic study 123" by "Synthetic Author 123" in "Synthetic Journal of ...", with
no DOI, PMID or PMC ID at all (never an identifier that looks real); claims read "Synthetic
claim 123: ..." with slugs `synthetic-claim-123`; documents are "Synthetic article 12". Each
document's text is its claims' sentences, and each mention anchors to its sentence exactly
(start, end, prefix, suffix), as a curator's would.

The rows are built as plain tuples in memory and loaded in bulk: `COPY ... FROM STDIN` on
PostgreSQL (psycopg2's copy_expert), batched `executemany` INSERTs on SQLite. Primary keys are
given explicitly (after the highest existing one) so the rows can point at each other without
reading anything back; PostgreSQL's sequences are moved past them at the end. The same seed
gives the same rows. No history rows are written: the records were never edited.

The grade of a synthetic claim is drawn at random, like everything else, and its rationale
says so; `manage.py regrade` computes the real one from the synthetic links and results.
"""

import datetime as dt
import io
import json
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from django.db import connection, models, transaction

from evidence.anchoring import CONTEXT_CHARS
from evidence.claim_facets import claim_facets_refresh
from evidence.models import (
    Certainty,
    Claim,
    ClaimCategory,
    ClaimDirection,
    ClaimFacet,
    ClaimMention,
    Comparison,
    EvidenceLink,
    InterventionRole,
    LinkDirection,
    MentionStance,
    OutcomeKind,
    OutcomeMeasure,
    PublicationStatus,
    SortStrength,
    SourceDocument,
    StudyResult,
    text_checksum,
)
from studies.models import Outcome, OutcomeArm, RiskOfBias, Study, StudyDesign, StudyStatus

SYNTHETIC_SLUG = "synthetic-"
SYNTHETIC_TITLE = "Synthetic study "
CLAIMS_PER_DOCUMENT = 20
BATCH = 5000
EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
SYNTHETIC_RATIONALE = [
    "Synthetic record made by generate_synthetic: this grade was drawn at random, not computed. "
    "Run manage.py regrade to compute it from the synthetic evidence."
]

# Real condition names, so the facets look like the real ones; the studies are still made up.
CONDITIONS = [
    "androgenetic alopecia",
    "alopecia areata",
    "telogen effluvium",
    "female pattern hair loss",
    "acne scars",
    "chemotherapy-induced alopecia",
    "frontal fibrosing alopecia",
    "healthy volunteers",
    "scalp psoriasis",
    "seborrhoeic dermatitis",
    "traction alopecia",
    "lichen planopilaris",
]
# Words claims are made of, drawn with Zipf weights: the first are common, the last are rare,
# so a search benchmark has a common, a rare and a very common term to ask for.
WORDS = (
    "hair density scalp microneedling growth follicle minoxidil collagen thickness shedding "
    "circulation blood flow stem cells wound healing platelet plasma derma roller needle depth "
    "session weekly monthly inflammation dihydrotestosterone keratinocyte dermal papilla wnt "
    "signalling vellus terminal anagen telogen photograph trichoscopy count diameter regrowth "
    "satisfaction pain erythema adverse event tolerability finasteride ketoconazole biotin "
    "caffeine rosemary peppermint pumpkin saw palmetto laser lowlevel cryotherapy exosome "
    "botulinum latanoprost tretinoin spironolactone bicalutamide dutasteride mesotherapy"
).split()
VERBS = ["increases", "reduces", "improves", "does not change", "may raise", "is linked to"]
DESIGN_WEIGHTS = {
    StudyDesign.SYSTEMATIC_REVIEW_META_ANALYSIS: 4,
    StudyDesign.SYSTEMATIC_REVIEW: 3,
    StudyDesign.RCT: 20,
    StudyDesign.NON_RANDOMIZED_CONTROLLED: 8,
    StudyDesign.COHORT: 12,
    StudyDesign.CASE_CONTROL: 6,
    StudyDesign.CASE_SERIES: 12,
    StudyDesign.CASE_REPORT: 8,
    StudyDesign.ANIMAL: 8,
    StudyDesign.IN_VITRO: 8,
    StudyDesign.NARRATIVE_REVIEW: 6,
    StudyDesign.EXPERT_OPINION: 5,
}
STUDY_STATUS_WEIGHTS = {
    StudyStatus.PUBLISHED: 85,
    StudyStatus.DRAFT: 8,
    StudyStatus.REVIEW: 5,
    StudyStatus.RETRACTED: 2,
}
CLAIM_STATUS_WEIGHTS = {
    PublicationStatus.PUBLISHED: 88,
    PublicationStatus.DRAFT: 8,
    PublicationStatus.REVIEW: 4,
}
CERTAINTY_WEIGHTS = {
    Certainty.HIGH: 5,
    Certainty.MODERATE: 15,
    Certainty.LOW: 30,
    Certainty.VERY_LOW: 35,
    Certainty.NONE: 15,
}
SYNTHETIC_CATEGORIES = ["Efficacy", "Mechanism", "Safety", "Practice"]


@dataclass
class Plan:
    claims: int
    studies: int
    links_per_claim: int
    seed: int = 1
    documents: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.documents = max(1, -(-self.claims // CLAIMS_PER_DOCUMENT)) if self.claims else 0


def real_records() -> dict[str, int]:
    """How many records are not synthetic: a database holding any is not ours to fill."""
    found = {
        "studies": Study.objects.exclude(title__startswith=SYNTHETIC_TITLE).count(),
        "claims": Claim.objects.exclude(slug__startswith=SYNTHETIC_SLUG).count(),
        "documents": SourceDocument.objects.exclude(slug__startswith=SYNTHETIC_SLUG).count(),
    }
    return {name: n for name, n in found.items() if n}


def _weighted(rng: random.Random, weights: dict) -> Callable[[], object]:
    values, cum = list(weights), []
    total = 0
    for v in weights.values():
        total += v
        cum.append(total)

    def draw():
        return rng.choices(values, cum_weights=cum)[0]

    return draw


def _zipf_words(rng: random.Random) -> Callable[[int], list[str]]:
    cum, total = [], 0.0
    for rank in range(1, len(WORDS) + 1):
        total += 1 / rank**1.1
        cum.append(total)

    def draw(k: int) -> list[str]:
        return rng.choices(WORDS, cum_weights=cum, k=k)

    return draw


class Loader:
    """Writes rows of one model in bulk: COPY on PostgreSQL, batched INSERTs elsewhere."""

    def __init__(self, model: type[models.Model], names: Sequence[str]):
        self.model = model
        self.fields = [model._meta.get_field(n) for n in names]
        self.columns = [f.column for f in self.fields]
        self.postgres = connection.vendor == "postgresql"
        self.rows: list[tuple] = []
        self.written = 0

    def add(self, *values) -> None:
        self.rows.append(values)
        if len(self.rows) >= BATCH:
            self.flush()

    def _db(self, value):
        if isinstance(value, dt.datetime):
            return connection.ops.adapt_datetimefield_value(value)
        if isinstance(value, dict | list):
            return json.dumps(value)
        return value

    def flush(self) -> None:
        if not self.rows:
            return
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        with connection.cursor() as cursor:
            if self.postgres:
                buffer = io.StringIO()
                for row in self.rows:
                    buffer.write("\t".join(_copy_text(self._db(v)) for v in row))
                    buffer.write("\n")
                buffer.seek(0)
                raw = cursor.cursor
                while hasattr(raw, "cursor") and not hasattr(raw, "copy_expert"):
                    raw = raw.cursor
                raw.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608 -- our names
                    [tuple(self._db(v) for v in row) for row in self.rows],
                )
        self.written += len(self.rows)
        self.rows = []


def _copy_text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _next_id(model: type[models.Model]) -> int:
    top = model.objects.aggregate(top=models.Max("pk"))["top"]
    return (top or 0) + 1


def _reset_sequences(model_list: list[type[models.Model]]) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite's rowid picks the next free id by itself
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), model_list):
            cursor.execute(sql)


def _vocabulary() -> tuple[list[int], list[int], list[int]]:
    """Categories, comparisons and outcome measures the synthetic rows point at: the ones there
    are, or a few synthetic ones on an empty database."""
    if not ClaimCategory.objects.exists():
        for order, name in enumerate(SYNTHETIC_CATEGORIES):
            ClaimCategory.objects.create(
                name=f"Synthetic {name.lower()}",
                slug=f"{SYNTHETIC_SLUG}{name.lower()}",
                order=order,
            )
    for n in range(1, 4):
        Comparison.objects.get_or_create(
            slug=f"{SYNTHETIC_SLUG}comparison-{n}",
            defaults={
                "label": f"Synthetic comparison {n}: intervention vs control",
                "intervention_role": InterventionRole.ALONE,
            },
        )
        OutcomeMeasure.objects.get_or_create(
            slug=f"{SYNTHETIC_SLUG}outcome-{n}",
            defaults={"name": f"Synthetic outcome {n}", "kind": OutcomeKind.PATIENT_IMPORTANT},
        )
    return (
        list(ClaimCategory.objects.values_list("pk", flat=True)),
        list(
            Comparison.objects.filter(slug__startswith=SYNTHETIC_SLUG).values_list("pk", flat=True)
        ),
        list(
            OutcomeMeasure.objects.filter(slug__startswith=SYNTHETIC_SLUG).values_list(
                "pk", flat=True
            )
        ),
    )


def generate(plan: Plan, progress: Callable[[str, int], Iterator[int]] | None = None) -> Plan:
    """Writes the synthetic evidence base `plan` describes, in one transaction; returns the plan
    with the number of rows written per table in `counts`.

    `progress(label, total)` wraps the loop over each table's rows (a progress bar); by default
    a plain range.
    """
    progress = progress or (lambda label, total: iter(range(total)))
    rng = random.Random(plan.seed)  # noqa: S311 -- reproducible test data, not secrets
    words = _zipf_words(rng)
    design = _weighted(rng, DESIGN_WEIGHTS)
    study_status = _weighted(rng, STUDY_STATUS_WEIGHTS)
    claim_status = _weighted(rng, CLAIM_STATUS_WEIGHTS)
    certainty = _weighted(rng, CERTAINTY_WEIGHTS)
    link_direction = _weighted(rng, dict.fromkeys(LinkDirection.values, 1))
    risk = _weighted(rng, dict.fromkeys(RiskOfBias.values, 1))
    claim_direction = list(ClaimDirection.values)
    sorts = list(SortStrength.values)

    with transaction.atomic():
        categories, comparisons, measures = _vocabulary()
        offset = Study.objects.filter(title__startswith=SYNTHETIC_TITLE).count()
        claim_offset = Claim.objects.filter(slug__startswith=SYNTHETIC_SLUG).count()
        doc_offset = SourceDocument.objects.filter(slug__startswith=SYNTHETIC_SLUG).count()
        now = EPOCH

        # --- Studies, each with one reported outcome (two arms) and one result ---
        studies = Loader(
            Study,
            [
                "id", "title", "authors", "journal", "year", "volume", "issue", "pages", "doi",
                "pmid", "pmcid", "url", "citation_key", "design", "condition", "population",
                "participants", "intervention", "comparator", "follow_up_weeks", "summary",
                "adverse_events", "funding", "risk_of_bias", "risk_of_bias_note", "status",
                "retraction_reason", "created_at", "updated_at", "published_at",
                "author_names", "record_type", "abstract", "keywords", "mesh_terms",
                "publication_types", "language", "registry_ids",
            ],
        )  # fmt: skip
        outcomes = Loader(
            Outcome,
            [
                "id", "study", "measure", "unit", "timepoint_weeks", "effect_type", "estimate",
                "ci_low", "ci_high", "p_value", "baseline_note", "source_location", "order",
            ],
        )  # fmt: skip
        arms = Loader(OutcomeArm, ["id", "outcome", "label", "n", "mean", "sd", "note", "order"])
        results = Loader(
            StudyResult,
            [
                "id", "study", "comparison", "outcome", "timepoint_weeks", "measure", "estimate",
                "ci_low", "ci_high", "n1", "n2", "direction", "p_value", "source_location",
                "risk_of_bias", "risk_of_bias_note", "indirect_population",
                "indirect_intervention", "indirect_comparator", "indirect_outcome",
                "indirectness_note", "extraction_note",
            ],
        )  # fmt: skip
        study_id, outcome_id = _next_id(Study), _next_id(Outcome)
        arm_id, result_id = _next_id(OutcomeArm), _next_id(StudyResult)
        study_ids, study_outcome = [], {}
        for i in progress("studies", plan.studies):
            n = offset + i + 1
            status = study_status()
            kind = design()
            if status == StudyStatus.DRAFT and rng.random() < 0.3:
                kind = ""  # an imported citation waiting for its design
            people = None if kind in (StudyDesign.ANIMAL, StudyDesign.IN_VITRO) else (
                rng.randint(8, 600)
            )  # fmt: skip
            topic = " ".join(words(3))
            studies.add(
                study_id, f"{SYNTHETIC_TITLE}{n}: {topic}", [f"Synthetic Author {n}"],
                f"Synthetic Journal of {rng.choice(WORDS).title()}", rng.randint(1995, 2026),
                "", "", "", "", "", "", "", "", kind, rng.choice(CONDITIONS),
                "Synthetic participants", people, f"Synthetic {topic}", "Synthetic control",
                rng.choice([None, 12, 24, 26, 52]),
                f"Synthetic summary of synthetic study {n} about {topic}.", "", "",
                risk(), "", status,
                "Synthetic retraction." if status == StudyStatus.RETRACTED else "",
                now, now, now if status == StudyStatus.PUBLISHED else None,
                [{"family": f"Author {n}", "given": "Synthetic"}], "article",
                f"Synthetic abstract of synthetic study {n} about {topic}.", [], [], [], "", [],
            )  # fmt: skip
            estimate = round(rng.gauss(0.3, 0.6), 2)
            half = round(abs(rng.gauss(0.4, 0.15)) + 0.05, 2)
            outcomes.add(
                outcome_id, study_id, f"Synthetic outcome measure {n}", "units", 24, "MD",
                estimate, estimate - half, estimate + half, "", "", "Synthetic", 0,
            )  # fmt: skip
            for order, label in enumerate(("Synthetic intervention", "Synthetic control")):
                arms.add(arm_id, outcome_id, label, rng.randint(4, 300), 10.0, 2.0, "", order)
                arm_id += 1
            results.add(
                result_id, study_id, rng.choice(comparisons), rng.choice(measures), 24, "MD",
                estimate, estimate - half, estimate + half, people, people, "", "",
                "Synthetic", risk(), "", False, False, False, False, "", "",
            )  # fmt: skip
            study_ids.append(study_id)
            study_outcome[study_id] = outcome_id
            study_id, outcome_id, result_id = study_id + 1, outcome_id + 1, result_id + 1
        for loader in (studies, outcomes, arms, results):
            loader.flush()

        # --- Documents and their claims: each document is its claims' sentences ---
        documents = Loader(
            SourceDocument,
            [
                "id", "title", "slug", "text", "source", "source_url", "imported_at",
                "checksum", "status", "created_at", "updated_at", "published_at",
            ],
        )  # fmt: skip
        claims = Loader(
            Claim,
            [
                "id", "statement", "slug", "category", "status", "kind", "intervention_role",
                "accepted_definition", "plain_summary", "certainty", "direction",
                "preclinical_only", "sort_strength", "rationale", "graded_at", "grade_detail",
                "publication_bias_suspected", "large_effect", "dose_response", "grading_note",
                "certainty_override", "direction_override", "override_justification",
                "created_at", "updated_at", "published_at",
            ],
        )  # fmt: skip
        mentions = Loader(
            ClaimMention,
            [
                "id", "claim", "document", "quote", "start", "end", "prefix", "suffix",
                "needs_review", "review_note", "created_at", "updated_at", "stance", "status",
            ],
        )  # fmt: skip
        links = Loader(
            EvidenceLink,
            ["id", "claim", "study", "direction", "finding", "outcome", "indirect",
             "indirectness_note", "created_at", "updated_at"],
        )  # fmt: skip
        doc_id, claim_id = _next_id(SourceDocument), _next_id(Claim)
        mention_id, link_id = _next_id(ClaimMention), _next_id(EvidenceLink)
        k = min(plan.links_per_claim, len(study_ids))
        made = 0
        bar = iter(progress("claims", plan.claims))
        for d in range(plan.documents):
            dn = doc_offset + d + 1
            sentences, pending = [], []
            for _ in range(min(CLAIMS_PER_DOCUMENT, plan.claims - made)):
                next(bar, None)
                n = claim_offset + made + 1
                made += 1
                subject = " ".join(words(2))
                statement = (
                    f"Synthetic claim {n}: {subject} {rng.choice(VERBS)} "
                    f"{' '.join(words(3))} in {rng.choice(CONDITIONS)}."
                )
                status = claim_status()
                grade = certainty()
                claims.add(
                    claim_id, statement, f"{SYNTHETIC_SLUG}claim-{n}", rng.choice(categories),
                    status, "effect", InterventionRole.ALONE, "", "", grade,
                    "" if grade == Certainty.NONE else rng.choice(claim_direction), False,
                    rng.choice(sorts), SYNTHETIC_RATIONALE, None, {}, False, False, False, "",
                    "", "", "", now, now, now if status == PublicationStatus.PUBLISHED else None,
                )  # fmt: skip
                for study in rng.sample(study_ids, k):
                    links.add(
                        link_id, claim_id, study, link_direction(), "Synthetic finding.",
                        study_outcome[study] if rng.random() < 0.5 else None,
                        rng.random() < 0.15, "", now, now,
                    )  # fmt: skip
                    link_id += 1
                sentences.append(statement)
                pending.append(claim_id)
                claim_id += 1
            text = " ".join(sentences)
            position = 0
            for statement, cid in zip(sentences, pending, strict=True):
                start, end = position, position + len(statement)
                mentions.add(
                    mention_id, cid, doc_id, statement, start, end,
                    text[max(0, start - CONTEXT_CHARS) : start], text[end : end + CONTEXT_CHARS],
                    False, "", now, now, MentionStance.ASSERTS, PublicationStatus.PUBLISHED,
                )  # fmt: skip
                mention_id += 1
                position = end + 1
            status = PublicationStatus.PUBLISHED if rng.random() < 0.95 else PublicationStatus.DRAFT
            documents.add(
                doc_id, f"Synthetic article {dn}", f"{SYNTHETIC_SLUG}article-{dn}", text,
                "Synthetic: made by generate_synthetic", "", now, text_checksum(text), status,
                now, now, now if status == PublicationStatus.PUBLISHED else None,
            )  # fmt: skip
            doc_id += 1
        for loader in (documents, claims, mentions, links):
            loader.flush()

        all_loaders = [studies, outcomes, arms, results, documents, claims, mentions, links]
        _reset_sequences([loader.model for loader in all_loaders])
        # COPY sends no signal: the claim list's facet summary is rebuilt in one statement.
        claim_facets_refresh()
        # The planner's statistics before the commit: what the commit sets off (the worker's
        # warm of the public parts, inline without a broker) already reads with them. SQLite
        # without them joins every study with every claim (over 5 minutes at 100k claims).
        with connection.cursor() as cursor:
            for model in [ClaimFacet, *(loader.model for loader in all_loaders)]:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        plan.counts = {
            loader.model._meta.verbose_name_plural: loader.written for loader in all_loaders
        }
    return plan
