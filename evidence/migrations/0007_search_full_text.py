"""The search's full-text index, kept current by the database: see evidence/search_index.py.

SQLite: FTS5 tables with porter stemming, filled by triggers. PostgreSQL: a stored, weighted
`search_vector` column per searched table, set by a trigger, with a GIN index; the expression
full-text indexes of 0003 are dropped (the search no longer computes to_tsvector per row), its
trigram indexes stay (they serve the typo fallback).
"""

from django.db import migrations

from evidence import search_index

OLD_EXPRESSION_INDEXES = [
    ("evidence_claim", "evidence_claim_statement_fts"),
    ("evidence_claimmention", "evidence_mention_quote_fts"),
    ("studies_study", "studies_study_title_fts"),
    ("studies_study", "studies_study_summary_fts"),
]


def install(apps, schema_editor):
    search_index.install(apps, schema_editor)
    if schema_editor.connection.vendor == "postgresql":
        for _table, index in OLD_EXPRESSION_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {index}")


def uninstall(apps, schema_editor):
    search_index.uninstall(apps, schema_editor)
    if schema_editor.connection.vendor == "postgresql":
        for table, index in OLD_EXPRESSION_INDEXES:
            column = index.rsplit("_", 2)[-2]
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {index} ON {table} "
                f"USING gin (to_tsvector('english'::regconfig, COALESCE({column}, '')))"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0006_claim_grade_history"),
        ("studies", "0007_study_abstract_and_names"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
