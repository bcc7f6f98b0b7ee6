"""`manage.py generate_synthetic --claims N --studies M --links-per-claim K [--seed S]`."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from evidence.synthetic import Plan, generate, real_records


class Command(BaseCommand):
    help = (
        "Fill the database with a synthetic evidence base for measuring the app at scale: "
        "documents with anchored mentions, claims, studies of every design with outcomes and "
        "results, links of every direction, a share of drafts. Every record says it is "
        "synthetic and has no DOI or PMID. The same --seed gives the same rows. Refuses a "
        "database that holds real records unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--claims", type=int, required=True)
        parser.add_argument("--studies", type=int, required=True)
        parser.add_argument("--links-per-claim", type=int, default=3)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--force",
            "--i-know",
            action="store_true",
            dest="force",
            help="Add synthetic records even beside real ones (never on a real database).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, claims, studies, links_per_claim, seed, force, no_progress, **options):
        if min(claims, studies, links_per_claim) < 0:
            raise CommandError("--claims, --studies and --links-per-claim cannot be negative.")
        if claims and links_per_claim and not studies:
            raise CommandError("Claims with links need studies: give --studies.")
        real = real_records()
        if real and not force:
            found = ", ".join(f"{n} {name}" for name, n in real.items())
            raise CommandError(
                f"This database holds real records ({found}): refusing to mix synthetic ones "
                "into it. Use an empty database, or --force if you really mean it."
            )

        def progress(label, total):
            return tqdm(
                range(total), desc=label, unit="rows", disable=no_progress, file=self.stderr
            )

        began = time.perf_counter()
        plan = generate(
            Plan(claims=claims, studies=studies, links_per_claim=links_per_claim, seed=seed),
            progress,
        )
        # The planner's statistics for what was just loaded: without them SQLite reads a page
        # of 20 claims through the (status, category) index, ~90,000 rows at 100k, instead of
        # 20 look-ups by primary key. On PostgreSQL VACUUM as well: it sets the rows' hint bits
        # and the visibility map (else the first reader of every page writes it back, and no
        # index-only scan is possible) instead of waiting for autovacuum; VACUUM cannot run
        # inside a transaction (a test's), where ANALYZE alone does.
        vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
        took = time.perf_counter() - began
        written = ", ".join(f"{n} {name}" for name, n in plan.counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {written} on {connection.vendor} in {took:.1f} s.")
        )
