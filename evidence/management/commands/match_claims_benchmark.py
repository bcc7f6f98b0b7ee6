"""The claim matcher's figures: `python manage.py match_claims_benchmark`.

Reads the seed files (fixtures/seed), not the database, so it gives the same figures anywhere:
the leave-one-version-out development set (evidence.matching_devset) and the speed of matching
1,000 sentences against 10,000 synthetic claims (medians, with the load average). `--errors` (or
`-v 2`) lists every wrong pair; `--semantic` also scores the semantic re-ranker and its cost per
article. docs/matching.md carries its output.
"""

import json
import os
import random
import statistics
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from evidence import matching_semantic
from evidence.anchoring import normalize_text
from evidence.matching import DEFAULT_MIN_SCORE, ClaimIndex, KnownClaim, split_sentences
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


def synthetic(n_claims: int = 10_000, n_sentences: int = 1000) -> tuple[list[KnownClaim], str]:
    """`n_claims` synthetic claims and a text of `n_sentences` synthetic sentences."""
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
    sentences = [" ".join(rng.choice(vocab) for _ in range(16)) + "." for _ in range(n_sentences)]
    text = "\n".join(" ".join(sentences[i : i + 5]) for i in range(0, n_sentences, 5))
    return claims, text


def speed(repeat: int = 3) -> tuple[float, list[float], list[float]]:
    """Seconds to build an index of 10,000 synthetic claims, and for each of `repeat` runs
    the seconds to split 1,000 synthetic sentences and to match them (splitting included)."""
    claims, text = synthetic()
    started = time.perf_counter()
    index = ClaimIndex(claims)
    built = time.perf_counter() - started
    split, matched = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        split_sentences(text)
        split.append(time.perf_counter() - started)
        started = time.perf_counter()
        index.match_text(text)
        matched.append(time.perf_counter() - started)
    return built, split, matched


def _load() -> str:
    return "load average " + " / ".join(f"{x:.1f}" for x in os.getloadavg())


class Command(BaseCommand):
    help = "Score the claim matcher on the seed's development set and time it."

    def add_arguments(self, parser):
        parser.add_argument("--min-score", type=float, default=DEFAULT_MIN_SCORE)
        parser.add_argument(
            "--errors", action="store_true", help="List every wrong pair (also at -v 2)."
        )
        parser.add_argument("--no-speed", action="store_true", help="Skip the timing.")
        parser.add_argument("--repeat", type=int, default=3, help="Timing runs (median shown).")
        parser.add_argument(
            "--semantic",
            action="store_true",
            help="Also score lexical + the semantic re-ranker (needs requirements-semantic.txt).",
        )

    def handle(self, *args, min_score, errors, no_speed, repeat, semantic, **options):
        errors = errors or options["verbosity"] >= 2
        text = normalize_text((SEED / "scalp-microneedling-article.txt").read_text("utf-8"))
        claims = seed_claims()
        embed = None
        if semantic:
            try:
                embed = matching_semantic.embedder()
            except matching_semantic.SemanticUnavailable as error:
                raise CommandError(str(error)) from error
        runs = [("lexical", None)] + ([("lexical + semantic", embed)] if embed else [])
        out = self.stdout.write
        for name, embedder in runs:
            f = evaluate(text, claims, min_score=min_score, embed=embedder)
            out(f"Development set (seed, leave one version out), {name}, min score {min_score}:")
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
        if embed is not None:
            self._semantic_cost(text, claims, embed)
        if not no_speed:
            built, split, matched = speed(max(1, repeat))
            out(f"Speed ({_load()}): index of 10,000 synthetic claims built in {built:.2f} s;")
            out(
                f"  1,000 sentences matched in {statistics.median(matched):.2f} s median "
                f"(runs {', '.join(f'{t:.2f}' for t in matched)}), of which sentence splitting "
                f"{statistics.median(split):.2f} s."
            )

    def _semantic_cost(self, text, claims, embed):
        """What the re-ranker costs on the seed article (83 sentences against 14 claims)."""
        known = [
            KnownClaim(c.slug, c.statement, tuple(dict.fromkeys(m.quote for m in c.mentions)))
            for c in claims
        ]
        timings = {}
        for name, embedder in (("lexical", None), ("lexical + semantic", embed)):
            index = ClaimIndex(known, embed=embedder)
            index.match_text(text)  # the claims' units are embedded once, on first use
            runs = []
            for _ in range(3):
                started = time.perf_counter()
                index.match_text(text)
                runs.append(time.perf_counter() - started)
            timings[name] = statistics.median(runs)
        self.stdout.write(
            f"Cost per article ({_load()}): the seed article (8,657 characters) in "
            f"{timings['lexical']:.3f} s lexical, {timings['lexical + semantic']:.3f} s "
            "with the semantic re-ranker (median of 3, model loaded, claims embedded)."
        )
