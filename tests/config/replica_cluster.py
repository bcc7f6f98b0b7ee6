"""A real streaming replica of the test database's PostgreSQL server, on this machine.

`StreamingReplica` copies the running primary with `pg_basebackup -R` (which writes the standby
settings) into a temporary directory, starts it with `pg_ctl` on a free port, and stops and
removes it afterwards. PostgreSQL refuses to run as root, so as root the commands run as the
`postgres` system user (`runuser`). `unavailable()` says why no replica can be made here (not
PostgreSQL, a remote primary, binaries missing, replication refused), for a skip message.

Also usable by hand: `python tests/config/replica_cluster.py 5432` starts one and waits.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN_DIRS = [Path("/usr/lib/postgresql/15/bin"), *sorted(Path("/usr/lib/postgresql").glob("*/bin"))]
TOOLS = ("pg_basebackup", "pg_ctl")
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "")
HBA_LINE = "host replication postgres 127.0.0.1/32 trust"


def _tool(name: str) -> str | None:
    for directory in BIN_DIRS:
        if (directory / name).exists():
            return str(directory / name)
    return shutil.which(name)


def _as_server_user(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


def unavailable(database: dict, cursor=None) -> str | None:
    """Why no streaming replica of `database` (a Django DATABASES entry) can be made, or None.

    `cursor`, on the primary, checks that it accepts replication connections from this machine.
    """
    if database["ENGINE"] != "django.db.backends.postgresql":
        return "a streaming replica needs PostgreSQL (DATABASE_URL is not PostgreSQL)"
    if str(database.get("HOST") or "") not in LOCAL_HOSTS:
        return f"the primary ({database['HOST']}) is not on this machine"
    missing = [name for name in TOOLS if _tool(name) is None]
    if missing:
        return f"{' and '.join(missing)} not found (Debian: apt-get install postgresql)"
    if os.geteuid() == 0 and (shutil.which("runuser") is None or not _user_exists("postgres")):
        return "running as root without runuser or a postgres user: PostgreSQL refuses root"
    if cursor is not None:
        cursor.execute("SHOW wal_level")
        if cursor.fetchone()[0] not in ("replica", "logical"):
            return "the primary's wal_level is minimal: set it to replica (needs a restart)"
        cursor.execute("SHOW max_wal_senders")
        if int(cursor.fetchone()[0]) < 1:
            return "the primary's max_wal_senders is 0 (needs a restart)"
        cursor.execute(
            "SELECT count(*) FROM pg_hba_file_rules "
            "WHERE 'replication' = ANY(database) AND error IS NULL"
        )
        if not cursor.fetchone()[0]:
            return (
                "the primary refuses replication connections: add "
                f"'{HBA_LINE}' to its pg_hba.conf and reload it (SELECT pg_reload_conf())"
            )
    return None


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _free_port(preferred: int = 5433) -> int:
    for port in (preferred, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError("no free port")


class StreamingReplica:
    """A hot standby of the primary at host:port, streaming its WAL, while the block runs."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 5432, user: str = "postgres"):
        self.primary = (host or "127.0.0.1", int(port or 5432), user or "postgres")
        self.port = 0
        self.directory: Path | None = None

    @property
    def data(self) -> Path:
        assert self.directory is not None
        return self.directory / "data"

    def start(self, timeout: float = 300) -> StreamingReplica:
        host, port, user = self.primary
        self.directory = Path(tempfile.mkdtemp(prefix="evidence-replica-"))
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self.directory.chmod(0o700)
        self._run(
            [
                _tool("pg_basebackup") or "pg_basebackup",
                *("-h", host, "-p", str(port), "-U", user),
                *("-D", str(self.data), "-R", "-X", "stream", "-c", "fast"),
            ],
            timeout=timeout,
        )
        self.port = _free_port()
        # Debian keeps the primary's configuration outside its data directory: the copy gets
        # its own. A throwaway standby: no fsync, small buffers.
        self._write(
            "postgresql.conf",
            f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.directory}'\nhot_standby = on\n"
            "shared_buffers = 32MB\nfsync = off\nrecovery_init_sync_method = syncfs\n",
        )
        self._write("pg_hba.conf", "local all all trust\nhost all all 127.0.0.1/32 trust\n")
        self._write("pg_ident.conf", "")
        self._run(
            [
                _tool("pg_ctl") or "pg_ctl",
                *("-D", str(self.data), "-l", str(self.directory / "server.log")),
                *("-w", "-t", "120", "start"),
            ],
            timeout=180,
        )
        return self

    def stop(self) -> None:
        if self.directory is None:
            return
        if (self.data / "postmaster.pid").exists():
            self._run(
                [_tool("pg_ctl") or "pg_ctl", "-D", str(self.data), "-m", "immediate", "stop"],
                timeout=60,
                check=False,
            )
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory = None

    def log(self) -> str:
        path = self.directory / "server.log" if self.directory else None
        return path.read_text(errors="replace")[-2000:] if path and path.exists() else ""

    def _write(self, name: str, text: str) -> None:
        path = self.data / name
        path.write_text(text)
        if os.geteuid() == 0:
            shutil.chown(path, "postgres", "postgres")

    def _run(self, args: list[str], *, timeout: float, check: bool = True) -> None:
        done = subprocess.run(  # noqa: S603 - our own arguments, no shell
            _as_server_user(args), capture_output=True, text=True, timeout=timeout, check=False
        )
        if check and done.returncode:
            raise RuntimeError(
                f"{Path(args[0]).name} failed ({done.returncode}): {done.stderr.strip()}\n"
                f"{self.log()}"
            )

    def __enter__(self) -> StreamingReplica:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


if __name__ == "__main__":
    with StreamingReplica(port=int(sys.argv[1]) if len(sys.argv) > 1 else 5432) as replica:
        print(f"replica streaming on 127.0.0.1:{replica.port} ({replica.data}); Ctrl-C stops it")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
