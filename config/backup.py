"""Backing up and restoring the database, whichever it is: what `make backup` / `make restore`
run (through `manage.py backup_db` / `restore_db`).

PostgreSQL: pg_dump's custom format (-Fc), put back with pg_restore in one transaction, dropping
what is there first. SQLite: SQLite's online backup API, which copies a consistent snapshot even
while the app is serving, and copies it back page by page the same way.
"""

import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from django.core.management.base import CommandError
from django.db import connection

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


def suffix() -> str:
    return ".dump" if connection.vendor == "postgresql" else ".sqlite3"


def default_name() -> str:
    name = Path(str(connection.settings_dict["NAME"])).stem or "db"
    return f"{name}-{datetime.now(tz=UTC):%Y%m%d-%H%M%S}{suffix()}"


def _pg_args_env() -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict
    args = ["--dbname", str(db["NAME"])]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise CommandError(
            f"{name} is not installed (on Debian: apt-get install postgresql-client)."
        )
    return path


def _run(command: list[str], env: dict[str, str]) -> None:
    # Our own fixed command line; the database's name and address come from the settings.
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise CommandError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")


def backup(path: Path) -> Path:
    """Write a consistent copy of the default database to PATH (readable by its owner only)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    if connection.vendor == "postgresql":
        args, env = _pg_args_env()
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(path), *args], env)
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    else:
        raise CommandError(f"No backup for a {connection.vendor} database.")
    return path


def restore(path: Path) -> None:
    """Replace the default database's contents with the backup at PATH."""
    if not path.is_file():
        raise CommandError(f"No backup file at {path}.")
    head = path.read_bytes()[:16]
    if connection.in_atomic_block:
        raise CommandError("Cannot restore inside a transaction.")
    if connection.vendor == "postgresql":
        if not head.startswith(PGDUMP_MAGIC):
            raise CommandError(f"{path} is not a pg_dump custom-format file (make backup's).")
        args, env = _pg_args_env()
        connection.close()  # our own open connection would hold locks pg_restore waits for
        _run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                *args,
                str(path),
            ],
            env,
        )
    elif connection.vendor == "sqlite":
        if head != SQLITE_MAGIC:
            raise CommandError(f"{path} is not an SQLite database (make backup's).")
        connection.ensure_connection()
        source = sqlite3.connect(path)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        raise CommandError(f"No restore for a {connection.vendor} database.")
