"""The full-text index the public search reads, kept in sync by the database itself.

What is indexed is written once, here: per kind of record, the base table and its searched
texts, each with a weight (A > B > C > D: a statement beats a quote beats a study's title and
authors beats its summary). The database keeps the index current on every write, by triggers, so
the admin, the services, bulk loads, COPY and raw SQL can never leave it stale, and the read
side (public/search.py) never writes:

- SQLite: one FTS5 table per kind (`<table>_fts`, rowid = the record's id), porter stemming,
  filled by AFTER INSERT/UPDATE/DELETE triggers on the base table (and on the tables a text is
  looked up in, such as a claim's category name);
- PostgreSQL: a stored `search_vector tsvector` column on the base table, set by a BEFORE
  INSERT/UPDATE trigger from the weighted texts, with a GIN index.

The column and the FTS tables are not model fields (so model state and `makemigrations` do not
see them); migration `evidence/0007_search_full_text` installs them with `install()`.

To index another text (say a study's language): add one line below,
`_text("language", "D", "language")`, then a migration that runs `RunPython(reinstall)` after
the migration adding the column; it drops and rebuilds the triggers and the index from the
current spec.
"""

# Every SQL string here is built from this module's constants (table, column and trigger
# names); nothing from a request or a record ever reaches it.
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass

FTS_CONFIG = "english"  # PostgreSQL text search configuration; equal to public.search's
FTS5_TOKENIZER = "porter unicode61 remove_diacritics 2"
VECTOR_COLUMN = "search_vector"


@dataclass(frozen=True)
class Text:
    """One indexed text: its FTS5 column name, weight, and SQL over a row aliased `{row}`."""

    name: str
    weight: str
    sqlite: str
    postgresql: str = ""  # when the PostgreSQL SQL differs
    reads: tuple[str, ...] = ()  # the base row's columns it reads: their change reindexes

    def sql(self, vendor: str, row: str) -> str:
        template = self.postgresql if vendor == "postgresql" and self.postgresql else self.sqlite
        return template.format(row=row)


@dataclass(frozen=True)
class Dependency:
    """Another table whose change alters an indexed text: `{new}` is its changed row."""

    table: str
    columns: tuple[str, ...]
    affected: str  # SQL selecting the ids of the base rows to reindex


@dataclass(frozen=True)
class Source:
    kind: str
    table: str
    texts: tuple[Text, ...]
    dependencies: tuple[Dependency, ...] = ()

    @property
    def fts_table(self) -> str:
        return f"{self.table}_fts"

    @property
    def watched(self) -> tuple[str, ...]:
        """The base columns whose change reindexes a row (a trigger's UPDATE OF list)."""
        return tuple(dict.fromkeys(c for t in self.texts for c in t.reads))


def _text(name: str, weight: str, column: str) -> Text:
    return Text(name, weight, f"{{row}}.{column}", reads=(column,))


def _json_list(name: str, weight: str, column: str) -> Text:
    """A JSON list of strings (authors, keywords, MeSH terms, registry IDs) as one text."""
    return Text(
        name,
        weight,
        f"(SELECT group_concat(value, ' ') FROM json_each({{row}}.{column}))",
        f"(SELECT string_agg(value, ' ') FROM jsonb_array_elements_text({{row}}.{column}))",
        reads=(column,),
    )


_CATEGORY = "(SELECT name FROM evidence_claimcategory WHERE id = {row}.category_id)"

SOURCES: tuple[Source, ...] = (
    Source(
        kind="claim",
        table="evidence_claim",
        texts=(
            _text("statement", "A", "statement"),
            Text("category", "C", _CATEGORY, reads=("category_id",)),
        ),
        dependencies=(
            Dependency(
                table="evidence_claimcategory",
                columns=("name",),
                affected="SELECT id FROM evidence_claim WHERE category_id = {new}.id",
            ),
        ),
    ),
    Source(
        kind="mention",
        table="evidence_claimmention",
        texts=(_text("quote", "B", "quote"),),
    ),
    Source(
        kind="study",
        table="studies_study",
        texts=(
            _text("title", "C", "title"),
            _json_list("authors", "C", "authors"),
            _text("summary", "D", "summary"),
            _text("abstract", "D", "abstract"),
            _json_list("keywords", "C", "keywords"),
            _json_list("mesh_terms", "C", "mesh_terms"),
            _json_list("registry_ids", "B", "registry_ids"),
        ),
    ),
)
SOURCES_BY_KIND = {source.kind: source for source in SOURCES}


# ---------------------------------------------------------------------------------------------
# SQLite: FTS5 tables and triggers


def _sqlite_insert(source: Source, row: str, where: str) -> str:
    names = ", ".join(t.name for t in source.texts)
    values = ", ".join(f"coalesce({t.sql('sqlite', row)}, '')" for t in source.texts)
    return (
        f"INSERT INTO {source.fts_table}(rowid, {names}) "
        f"SELECT {row}.id, {values} FROM {source.table} AS {row} WHERE {where}"
    )


def sqlite_install(source: Source) -> list[str]:
    table, fts = source.table, source.fts_table
    names = ", ".join(t.name for t in source.texts)
    watched = source.watched
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in watched)
    statements = [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, tokenize='{FTS5_TOKENIZER}')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
        f"{_sqlite_insert(source, 'r', 'r.id = NEW.id')}; END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "
        f"DELETE FROM {fts} WHERE rowid = OLD.id; END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {', '.join(watched)} ON {table} "
        f"WHEN {changed} BEGIN DELETE FROM {fts} WHERE rowid = OLD.id; "
        f"{_sqlite_insert(source, 'r', 'r.id = NEW.id')}; END",
    ]
    for n, dependency in enumerate(source.dependencies):
        affected = dependency.affected.format(new="NEW")
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in dependency.columns)
        statements.append(
            f"CREATE TRIGGER {fts}_dependency_{n} AFTER UPDATE OF "
            f"{', '.join(dependency.columns)} ON {dependency.table} WHEN {changed} BEGIN "
            f"DELETE FROM {fts} WHERE rowid IN ({affected}); "
            f"{_sqlite_insert(source, 'r', f'r.id IN ({affected})')}; END"
        )
    statements.append(_sqlite_insert(source, "r", "1"))
    return statements


def sqlite_uninstall(source: Source) -> list[str]:
    fts = source.fts_table
    triggers = ["insert", "delete", "update"] + [
        f"dependency_{n}" for n in range(len(source.dependencies))
    ]
    return [f"DROP TRIGGER IF EXISTS {fts}_{t}" for t in triggers] + [f"DROP TABLE IF EXISTS {fts}"]


# ---------------------------------------------------------------------------------------------
# PostgreSQL: a stored tsvector column, a trigger and a GIN index


def postgresql_vector(source: Source, row: str) -> str:
    """The weighted tsvector of one row, as SQL."""
    return " || ".join(
        f"setweight(to_tsvector('{FTS_CONFIG}'::regconfig, coalesce({t.sql('postgresql', row)}, "
        f"'')), '{t.weight}')"
        for t in source.texts
    )


def postgresql_install(source: Source) -> list[str]:
    table, column = source.table, VECTOR_COLUMN
    function = f"{table}_{column}"
    watched = ", ".join(source.watched)
    statements = [
        f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} tsvector",
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql "
        f"SET search_path FROM CURRENT AS $$ BEGIN "
        f"NEW.{column} := {postgresql_vector(source, 'NEW')}; RETURN NEW; END $$",
        f"CREATE TRIGGER {function} BEFORE INSERT OR UPDATE OF {watched} ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {function}()",
    ]
    for n, dependency in enumerate(source.dependencies):
        name = f"{function}_dependency_{n}"
        affected = dependency.affected.format(new="NEW")
        statements += [
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql "
            f"SET search_path FROM CURRENT AS $$ BEGIN "
            f"UPDATE {table} AS r SET {column} = {postgresql_vector(source, 'r')} "
            f"WHERE r.id IN ({affected}); RETURN NULL; END $$",
            f"CREATE TRIGGER {name} AFTER UPDATE OF {', '.join(dependency.columns)} "
            f"ON {dependency.table} FOR EACH ROW EXECUTE FUNCTION {name}()",
        ]
    # The index before the backfill: an index built after an UPDATE of the same rows may be
    # unusable (pg_index.indcheckxmin) until every older snapshot in the cluster is gone.
    statements += [
        f"CREATE INDEX IF NOT EXISTS {table}_{column} ON {table} USING gin ({column})",
        f"UPDATE {table} AS r SET {column} = {postgresql_vector(source, 'r')}",
    ]
    return statements


def postgresql_uninstall(source: Source) -> list[str]:
    table, column = source.table, VECTOR_COLUMN
    function = f"{table}_{column}"
    statements = []
    for n, dependency in enumerate(source.dependencies):
        name = f"{function}_dependency_{n}"
        statements += [
            f"DROP TRIGGER IF EXISTS {name} ON {dependency.table}",
            f"DROP FUNCTION IF EXISTS {name}()",
        ]
    return statements + [
        f"DROP TRIGGER IF EXISTS {function} ON {table}",
        f"DROP FUNCTION IF EXISTS {function}()",
        f"DROP INDEX IF EXISTS {table}_{column}",
        f"ALTER TABLE {table} DROP COLUMN IF EXISTS {column}",
    ]


# ---------------------------------------------------------------------------------------------
# Installing (from migrations)


def statements(vendor: str, *, install: bool) -> list[str]:
    """Every statement that installs (or removes) the index on this database vendor."""
    out: list[str] = []
    for source in SOURCES:
        if vendor == "sqlite":
            out += sqlite_install(source) if install else sqlite_uninstall(source)
        elif vendor == "postgresql":
            out += postgresql_install(source) if install else postgresql_uninstall(source)
    return out


def install(apps, schema_editor) -> None:
    for sql in statements(schema_editor.connection.vendor, install=True):
        schema_editor.execute(sql, params=None)


def uninstall(apps, schema_editor) -> None:
    for sql in statements(schema_editor.connection.vendor, install=False):
        schema_editor.execute(sql, params=None)


def reinstall(apps, schema_editor) -> None:
    """Drop and rebuild from the current spec: what a migration adding a text runs."""
    uninstall(apps, schema_editor)
    install(apps, schema_editor)
