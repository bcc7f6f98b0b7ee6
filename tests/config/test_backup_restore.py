"""`make backup` / `make restore`: a restored database serves the same public pages."""

import re
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)

LINK = re.compile(r'href="(/[^"#?]*)"')
NOT_PAGES = ("/admin/", "/static/")


# A form's CSRF token (the "Check an article" page) is new on every request, whatever the data.
CSRF_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')


def without_csrf_token(content: bytes) -> bytes:
    return CSRF_TOKEN.sub(b'name="csrfmiddlewaretoken"', content)


def public_pages(client, limit: int = 400) -> dict[str, tuple[int, bytes]]:
    """Every public page reachable by links from the home page: its status and its bytes."""
    seen: dict[str, tuple[int, bytes]] = {}
    queue = ["/", "/search/?q=collagen", "/claims.csv"]
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = (response.status_code, without_csrf_token(response.getvalue()))
        if response.get("Content-Type", "").startswith("text/html"):
            for link in LINK.findall(response.getvalue().decode()):
                if not link.startswith(NOT_PAGES) and link not in seen:
                    queue.append(link)
    return seen


def skip_without_pg_tools():
    if connection.vendor == "postgresql" and not (
        shutil.which("pg_dump") and shutil.which("pg_restore")
    ):
        pytest.skip("pg_dump/pg_restore are not installed: cannot back up PostgreSQL")


def test_a_restored_database_serves_every_public_page_byte_for_byte(seeded, client, tmp_path):
    skip_without_pg_tools()
    before = public_pages(client)
    assert len(before) > 50  # the seed's claims, studies, the article, their downloads
    assert all(status == 200 for status, _ in before.values()), [
        url for url, (status, _) in before.items() if status != 200
    ]

    backup = tmp_path / "evidence.backup"
    call_command("backup_db", "--output", str(backup), verbosity=0, stdout=open("/dev/null", "w"))
    assert backup.stat().st_size > 0
    assert backup.stat().st_mode & 0o077 == 0  # it holds password hashes: owner only

    call_command("flush", "--noinput", verbosity=0)
    lost = public_pages(client, limit=len(before))
    assert lost != before  # the restore has something to put back

    call_command("restore_db", "--noinput", str(backup), stdout=open("/dev/null", "w"))
    after = {url: public_pages_one(client, url) for url in before}
    different = [url for url in before if after[url] != before[url]]
    assert different == []


def public_pages_one(client, url: str) -> tuple[int, bytes]:
    response = client.get(url)
    return response.status_code, without_csrf_token(response.getvalue())


def test_backup_writes_a_dated_file_in_the_directory_it_is_given(tmp_path, capsys):
    skip_without_pg_tools()
    call_command("backup_db", "--directory", str(tmp_path))
    [written] = list(tmp_path.iterdir())
    expected_suffix = ".dump" if connection.vendor == "postgresql" else ".sqlite3"
    assert written.suffix == expected_suffix
    assert re.search(r"-\d{8}-\d{6}$", written.stem)
    assert str(written) in capsys.readouterr().out


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    wrong = tmp_path / "notes.txt"
    wrong.write_text("not a database")
    with pytest.raises(CommandError, match="is not"):
        call_command("restore_db", "--noinput", str(wrong))


def test_restore_refuses_a_file_that_is_not_there(tmp_path):
    with pytest.raises(CommandError, match="No backup file"):
        call_command("restore_db", "--noinput", str(Path(tmp_path) / "missing.dump"))
