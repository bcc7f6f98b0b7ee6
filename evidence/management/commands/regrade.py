import os
from collections import deque
from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from evidence.models import Claim
from evidence.services import claims_regrade
from evidence.tasks import regrade_task


@contextmanager
def sql_not_kept():
    """With DEBUG on (as `make regrade` runs), Django keeps the text of the last 9,000 queries;
    a regrade's batch writes are megabytes each, so a full regrade at a million claims held
    4.3 GB. Not kept here, unless something is counting queries (a test's capture)."""
    saved = {}
    for connection in connections.all():
        if not connection.force_debug_cursor:
            saved[connection] = connection.queries_log
            connection.queries_log = deque(maxlen=0)
    try:
        yield
    finally:
        for connection, log in saved.items():
            connection.queries_log = log


class Command(BaseCommand):
    help = (
        "Regrade claims from their linked published studies and print what changed. Only the "
        "claims whose grade inputs (or the grading rules) changed since their last grade are "
        "graded again, unless --force; only claims whose grade changed are saved, so running "
        "it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "slugs",
            nargs="*",
            metavar="SLUG",
            help="Only these claims (by slug). Default: every claim.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Grade every claim again, even those whose inputs did not change.",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=len(os.sched_getaffinity(0)),
            help="Grade in this many worker processes on PostgreSQL (default: one per CPU; "
            "1: in this process). The reads and writes stay in one transaction here.",
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help="Queue a regrade of every claim for the task worker instead of running it here "
            "(runs here when no CELERY_BROKER_URL is set).",
        )

    def handle(self, *args, **options):
        slugs, force = options["slugs"], options["force"]
        if options["background"]:
            if slugs:
                raise CommandError("--background regrades every claim: give no slugs.")
            regrade_task.delay(force=force)
            self.stdout.write("Queued a regrade of every claim for the task worker.")
            return
        claims = None
        if slugs:
            claims = Claim.objects.filter(slug__in=slugs)
            missing = sorted(set(slugs) - set(claims.values_list("slug", flat=True)))
            if missing:
                raise CommandError(f"No claim with slug: {', '.join(missing)}.")
        with sql_not_kept():
            summary = claims_regrade(claims=claims, force=force, workers=options["workers"])
        style = self.style.SUCCESS if summary.changed else self.style.NOTICE
        if summary.rules_changed:
            self.stdout.write(
                "The grading rules changed since the last full regrade: each claim is "
                "recomputed, and only the grades that change are written."
            )
        self.stdout.write(style(str(summary)))
        self.stdout.write(
            f"Checked {summary.checked}, recomputed {summary.recomputed} (inputs changed"
            f"{' or forced' if force or summary.rules_changed else ''}), "
            f"changed {summary.changed}, in {summary.seconds:.1f} s."
        )
