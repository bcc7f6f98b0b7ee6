from django.db import migrations

from evidence import search_index


def restore_search_on_sqlite(apps, schema_editor):
    """SQLite makes a study's year optional (studies 0009) by rebuilding the studies' table,
    which drops the full-text triggers on it (evidence/search_index.py): put the index back,
    refilled from the rows. PostgreSQL alters the column in place and keeps them."""
    if schema_editor.connection.vendor == "sqlite":
        search_index.reinstall(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("evidence", "0011_page_indexes"),
        ("studies", "0009_study_year_optional"),
    ]

    operations = [
        migrations.RunPython(restore_search_on_sqlite, migrations.RunPython.noop),
    ]
