from django.core.management.base import BaseCommand

from evidence.seed import seed_load


class Command(BaseCommand):
    help = (
        "Load the seed evidence base (the article, its claims and mentions, the reference "
        "studies, outcomes and evidence links) from fixtures/seed/. Safe to run again: "
        "it changes only what differs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds studies or claims.",
        )

    def handle(self, *args, **options):
        from evidence.models import Claim
        from studies.models import Study

        if options["if_empty"] and (Study.objects.exists() or Claim.objects.exists()):
            self.stdout.write("The database already holds an evidence base; seed not loaded.")
            return
        report = seed_load()
        self.stdout.write(self.style.SUCCESS(str(report)))
