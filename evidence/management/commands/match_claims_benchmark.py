"""The claim matcher's figures: `python manage.py match_claims_benchmark`.

Reads the seed files (fixtures/seed), not the database, so it gives the same figures anywhere:
the leave-one-version-out development set (evidence.matching_devset) and the speed of matching
1,000 sentences against 10,000 synthetic claims. docs/matching.md carries its output.
"""

import json
import random
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from evidence.anchoring import normalize_text
from evidence.matching import DEFAULT_MIN_SCORE, ClaimIndex, KnownClaim
from evidence.matching_devset import SeedClaim, SeedMention, evaluate

SEED = Path(settings.BASE_DIR) / "fixtures" / "seed"


def seed_claims() -> list[SeedClaim]:
    data = json.loads((SEED / "evidence.json").read_text(encoding="utf-8"))
    return [
        SeedClaim(
            claim["slug"],
            claim["statement"],
            tuple(
                SeedMention(claim["slug"], m["quote"], m.get("occurrence", 1))
                for m in claim.get("mentions", [])
            ),
        )
        for claim in data["claims"]
    ]


def speed(n_claims: int = 10_000, n_sentences: int = 1000) -> tuple[float, float]:
    """Seconds to build an index of `n_claims` synthetic claims and to match `n_sentences`."""
    rng = random.Random(12)  # noqa: S311 - test text, not security
    vocab = [f"term{i}" for i in range(6000)]
    claims = [
        KnownClaim(
            f"claim-{i}",
            " ".join(rng.choice(vocab) for _ in range(14)),
            tuple(" ".join(rng.choice(vocab) for _ in range(10)) for _ in range(3)),
        )
        for i in range(n_claims)
    ]
    started = time.perf_counter()
    index = ClaimIndex(claims)
    built = time.perf_counter() - started
    sentences = [" ".join(rng.choice(vocab) for _ in range(16)) + "." for _ in range(n_sentences)]
    text = "\n".join(" ".join(sentences[i : i + 5]) for i in range(0, n_sentences, 5))
    started = time.perf_counter()
    index.match_text(text)
    return built, time.perf_counter() - started


class Command(BaseCommand):
    help = "Score the claim matcher on the seed's development set and time it."

    def add_arguments(self, parser):
        parser.add_argument("--min-score", type=float, default=DEFAULT_MIN_SCORE)
        parser.add_argument("--errors", action="store_true", help="List every wrong pair.")
        parser.add_argument("--no-speed", action="store_true", help="Skip the timing.")

    def handle(self, *args, min_score, errors, no_speed, **options):
        text = normalize_text((SEED / "scalp-microneedling-article.txt").read_text("utf-8"))
        f = evaluate(text, seed_claims(), min_score=min_score)
        out = self.stdout.write
        out(f"Development set (seed, leave one version out), min score {min_score}:")
        out(
            f"  pairs: {f.true_positives} right, {f.false_positives} wrong, "
            f"{f.false_negatives} missed"
        )
        out(f"  precision {f.precision:.3f}  recall {f.recall:.3f}  F1 {f.f1:.3f}")
        out(f"  stance right on matched seed pairs: {f.stance_right}/{f.stance_total}")
        out(f"  written denials and qualifications right: {f.denials_right}/{f.denials_total}")
        if errors:
            for line in f.errors:
                out(f"  - {line}")
        if not no_speed:
            built, matched = speed()
            out(f"Speed: index of 10,000 synthetic claims built in {built:.2f} s;")
            out(f"  1,000 sentences matched in {matched:.2f} s.")
