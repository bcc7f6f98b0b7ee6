from django.core.management.base import BaseCommand, CommandError

from evidence.models import Claim
from evidence.services import claims_regrade


class Command(BaseCommand):
    help = (
        "Regrade claims from their linked published studies and print what changed. "
        "Saves only claims whose grade changed, so running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "slugs",
            nargs="*",
            metavar="SLUG",
            help="Only these claims (by slug). Default: every claim.",
        )

    def handle(self, *args, **options):
        slugs = options["slugs"]
        claims = None
        if slugs:
            claims = Claim.objects.filter(slug__in=slugs)
            missing = sorted(set(slugs) - set(claims.values_list("slug", flat=True)))
            if missing:
                raise CommandError(f"No claim with slug: {', '.join(missing)}.")
        summary = claims_regrade(claims=claims)
        style = self.style.SUCCESS if summary.changes else self.style.NOTICE
        self.stdout.write(style(str(summary)))
