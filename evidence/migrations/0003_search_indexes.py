"""Indexes for the public search: full-text (GIN over to_tsvector) and trigram (GIN, gin_trgm_ops).

PostgreSQL only. On any other database this migration does nothing, which is why the indexes
are built here with RunPython and are *not* declared in model Meta: a GinIndex in Meta would be
part of the migration state on every database and could not be created on SQLite.
RunPython leaves the state untouched, so `makemigrations --check` stays clean.

The index expressions are built with the same Django expressions the search issues
(SearchVector(field, config="english") compiles to
`to_tsvector('english'::regconfig, COALESCE(field, ''))`), so the planner can match them.
The text search configuration must stay equal to public.search.FTS_CONFIG.

Creating the pg_trgm extension needs a role allowed to create extensions (a superuser, or on
PostgreSQL 13+ a database owner, since pg_trgm is a trusted extension).
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVector
from django.db import migrations

FTS_CONFIG = "english"

# (app label, model, field, index name prefix, trigram too?). Summaries get no trigram index:
# the search does not trigram-match them (see public/search.py for why).
SEARCHED_COLUMNS = [
    ("evidence", "Claim", "statement", "evidence_claim_statement", True),
    ("evidence", "ClaimMention", "quote", "evidence_mention_quote", True),
    ("studies", "Study", "title", "studies_study_title", True),
    ("studies", "Study", "summary", "studies_study_summary", False),
]


def _indexes(apps):
    for app_label, model_name, field, prefix, trigram in SEARCHED_COLUMNS:
        model = apps.get_model(app_label, model_name)
        yield model, GinIndex(SearchVector(field, config=FTS_CONFIG), name=f"{prefix}_fts")
        if trigram:
            yield model, GinIndex(OpClass(field, name="gin_trgm_ops"), name=f"{prefix}_trgm")


def create_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for model, index in _indexes(apps):
        schema_editor.add_index(model, index)


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, index in _indexes(apps):
        schema_editor.remove_index(model, index)
    # The extension stays: other database objects may have come to rely on it.


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0002_curator_permissions"),
        ("studies", "0003_design_set_unless_draft"),
    ]

    operations = [
        migrations.RunPython(create_search_indexes, drop_search_indexes, elidable=False),
    ]
