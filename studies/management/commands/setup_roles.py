"""Create or update the Curator and Reviewer groups (safe to run again at any time)."""

from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction

# Curators enter and change everything that makes up the evidence base, but cannot publish
# it or delete it; reviewers also publish, unpublish (studies, claims, source documents), retract
# and delete drafts.
CURATED_MODELS = [
    ("studies", "study"),
    ("studies", "outcome"),
    ("studies", "outcomearm"),
    ("evidence", "claim"),
    ("evidence", "claimmention"),
    ("evidence", "evidencelink"),
    ("evidence", "sourcedocument"),
    ("evidence", "comparison"),
    ("evidence", "outcomemeasure"),
    ("evidence", "claimoutcome"),
    ("evidence", "studyresult"),
    ("evidence", "pooledestimate"),
]
READ_ONLY_MODELS = [("evidence", "claimcategory")]


def _codenames(actions: list[str], models: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(app, f"{action}_{model}") for app, model in models for action in actions]


ROLES = {
    "Curator": _codenames(["view", "add", "change"], CURATED_MODELS)
    + _codenames(["view"], READ_ONLY_MODELS),
    "Reviewer": _codenames(["view", "add", "change", "delete"], CURATED_MODELS)
    + _codenames(["view"], READ_ONLY_MODELS)
    + [
        ("studies", "publish_study"),
        ("studies", "retract_study"),
        ("evidence", "publish_claim"),
        ("evidence", "publish_sourcedocument"),
        ("evidence", "publish_claimmention"),
    ],
}


class Command(BaseCommand):
    help = "Create the Curator and Reviewer groups with exactly their permissions."

    @transaction.atomic
    def handle(self, *args, **options):
        for name, wanted in ROLES.items():
            group, created = Group.objects.get_or_create(name=name)
            permissions = []
            for app, codename in wanted:
                permissions.append(
                    Permission.objects.get(content_type__app_label=app, codename=codename)
                )
            group.permissions.set(permissions)
            verb = "Created" if created else "Updated"
            self.stdout.write(f"{verb} group {name} with {len(permissions)} permissions.")
