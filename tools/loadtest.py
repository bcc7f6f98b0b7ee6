"""Load, and a PostgreSQL restart in the middle, against a running `make serve`.

    python tools/loadtest.py --clients 16 --duration 20
    python tools/loadtest.py --clients 16 --duration 20 --restart-postgres-at 8

N clients (threads, each with its own keep-alive connection) request a mix of public pages
until the time or the request budget runs out, then it prints throughput, p50/p99 latency and
the errors (any status but 200, or no answer). With --restart-postgres-at it restarts
PostgreSQL at that second and reports the errors from then on and the time until the app served
again, the app itself left running.

Bounded and local on purpose: it stops by itself (--duration, --max-requests, a per-request
timeout) and only ever talks to a loopback address (127.0.0.0/8 or ::1); any other host is
refused before a single request. Standard library only.
"""

import argparse
import http.client
import ipaddress
import json
import random
import re
import shlex
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

RESTART_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main restart"  # noqa: S105
FIXED_PATHS = [
    "/",
    "/claims/",
    "/claims/?certainty=low",
    "/claims.csv",
    "/studies/",
    "/studies/?design=rct",
    "/evidence-map/",
    "/search/?q=collagen",
    "/search/?q=minoxidil",
    "/healthz",
]
DISCOVER = re.compile(r'href="(/(?:claims|studies|documents)/[^"?#]+/)"')


class NotLoopback(ValueError):
    pass


def loopback_target(url: str) -> tuple[str, int]:
    """(host, port) of URL if every address the host stands for is a loopback one; else raise."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise NotLoopback(f"{url}: only http://<loopback address>[:port] is allowed")
    host = parts.hostname
    try:
        addresses = {ipaddress.ip_address(host)}
    except ValueError:
        if host != "localhost":
            raise NotLoopback(f"{host}: only a loopback address or localhost is allowed") from None
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        addresses = {ipaddress.ip_address(info[4][0]) for info in infos}
    if not addresses or not all(address.is_loopback for address in addresses):
        raise NotLoopback(f"{host} is not a loopback address: refusing to send it load")
    return host, parts.port or 80


@dataclass
class Result:
    started: float  # seconds since the run began
    seconds: float
    status: int  # 0: no answer (connection refused, reset, timeout)
    path: str


@dataclass
class Run:
    results: list[Result] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    issued: int = 0

    def take_ticket(self, budget: int) -> bool:
        with self.lock:
            if self.issued >= budget:
                return False
            self.issued += 1
            return True


def fetch(connection: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    connection.request("GET", path, headers={"Accept": "text/html"})
    response = connection.getresponse()
    return response.status, response.read()


def discover_paths(host: str, port: int, timeout: float) -> list[str]:
    """The fixed pages plus every claim, study and document linked from the lists."""
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    found = set()
    for page in ("/claims/", "/studies/", "/"):
        status, body = fetch(connection, page)
        if status != 200:
            raise SystemExit(f"{page} answered {status}: is `make serve` running on {host}:{port}?")
        found.update(DISCOVER.findall(body.decode("utf-8", "replace")))
    connection.close()
    return FIXED_PATHS + sorted(found)


def client_loop(host, port, paths, run, deadline, budget, timeout, seed, t0):
    rng = random.Random(seed)  # noqa: S311 - picking pages, not secrets
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    while time.monotonic() < deadline and run.take_ticket(budget):
        path = rng.choice(paths)
        started = time.monotonic()
        try:
            status, _ = fetch(connection, path)
        except (OSError, http.client.HTTPException):
            status = 0
            connection.close()
            connection = http.client.HTTPConnection(host, port, timeout=timeout)
            time.sleep(0.05)  # a refused connection returns at once: do not spin
        elapsed = time.monotonic() - started
        with run.lock:
            run.results.append(Result(started - t0, elapsed, status, path))
    connection.close()


def restart_postgres(command: str, at: float, t0: float, marks: dict) -> None:
    time.sleep(max(0.0, at - (time.monotonic() - t0)))
    marks["restart_began"] = time.monotonic() - t0
    # A fixed command of our own (or the operator's --restart-command), run through the shell
    # for the $(ls /etc/postgresql) in it.
    done = subprocess.run(command, shell=True, capture_output=True, text=True, check=False)  # noqa: S602
    marks["restart_ended"] = time.monotonic() - t0
    marks["restart_rc"] = done.returncode
    marks["restart_output"] = (done.stdout + done.stderr).strip()[-300:]


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def summarise(run: Run, wall: float, marks: dict) -> dict:
    results = sorted(run.results, key=lambda r: r.started)
    ok = [r for r in results if r.status == 200]
    errors = [r for r in results if r.status != 200]
    by_status: dict[str, int] = {}
    for r in errors:
        key = "no answer" if r.status == 0 else str(r.status)
        by_status[key] = by_status.get(key, 0) + 1
    report = {
        "requests": len(results),
        "seconds": round(wall, 2),
        "throughput_per_s": round(len(results) / wall, 1) if wall else 0.0,
        "p50_ms": round(percentile([r.seconds for r in ok], 0.50) * 1000, 1),
        "p99_ms": round(percentile([r.seconds for r in ok], 0.99) * 1000, 1),
        "max_ms": round(max((r.seconds for r in ok), default=0) * 1000, 1),
        "errors": len(errors),
        "errors_by_status": by_status,
    }
    if "restart_began" in marks:
        began = marks["restart_began"]
        after = [r for r in results if r.started + r.seconds >= began]
        failed = [r for r in after if r.status != 200]
        last_failure_end = max((r.started + r.seconds for r in failed), default=None)
        # Serving again: the first request that succeeded after the last one that failed.
        recovered = None
        if last_failure_end is not None:
            recovered = min(
                (r.started + r.seconds for r in ok if r.started + r.seconds > last_failure_end),
                default=None,
            )
        report["restart"] = {
            "began_at_s": round(began, 2),
            "postgres_restart_took_s": round(marks["restart_ended"] - began, 2),
            "restart_exit_code": marks["restart_rc"],
            "errors_from_restart_on": len(failed),
            "errors_by_status": {
                ("no answer" if s == 0 else str(s)): sum(1 for r in failed if r.status == s)
                for s in sorted({r.status for r in failed})
            },
            "last_error_at_s": round(last_failure_end, 2) if last_failure_end else None,
            "serving_again_s_after_restart_began": (
                round(recovered - began, 2) if recovered is not None else 0.0
            ),
            "serving_again_s_after_postgres_was_back": (
                round(max(0.0, recovered - marks["restart_ended"]), 2)
                if recovered is not None
                else 0.0
            ),
        }
        if marks["restart_rc"] != 0:
            report["restart"]["restart_output"] = marks["restart_output"]
    return report


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="a loopback address only")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds, at most 300")
    parser.add_argument("--max-requests", type=int, default=50_000, help="at most 200000")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    parser.add_argument("--restart-postgres-at", type=float, default=None, metavar="SECONDS")
    parser.add_argument("--restart-command", default=RESTART_POSTGRES)
    parser.add_argument("--json", action="store_true", help="print the report as JSON only")
    args = parser.parse_args(argv)

    host, port = loopback_target(args.url)
    duration = min(max(args.duration, 0.1), 300.0)
    budget = min(max(args.max_requests, 1), 200_000)
    clients = min(max(args.clients, 1), 256)
    paths = discover_paths(host, port, args.timeout)

    run, marks = Run(), {}
    t0 = time.monotonic()
    deadline = t0 + duration
    threads = [
        threading.Thread(
            target=client_loop,
            args=(host, port, paths, run, deadline, budget, args.timeout, n, t0),
            daemon=True,
        )
        for n in range(clients)
    ]
    if args.restart_postgres_at is not None:
        threads.append(
            threading.Thread(
                target=restart_postgres,
                args=(args.restart_command, args.restart_postgres_at, t0, marks),
                daemon=True,
            )
        )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration + args.timeout + 120)
    report = {
        "target": f"http://{host}:{port}",
        "clients": clients,
        "pages_in_mix": len(paths),
        **summarise(run, time.monotonic() - t0, marks),
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(
            f"{clients} clients for {report['seconds']} s over {len(paths)} pages at {host}:{port}"
        )
        print(
            f"  {report['requests']} requests, {report['throughput_per_s']} per second; "
            f"p50 {report['p50_ms']} ms, p99 {report['p99_ms']} ms, max {report['max_ms']} ms"
        )
        print(f"  errors: {report['errors']} {report['errors_by_status'] or ''}")
        if "restart" in report:
            r = report["restart"]
            print(
                f"  PostgreSQL restarted at {r['began_at_s']} s "
                f"({shlex.quote(args.restart_command)}: {r['postgres_restart_took_s']} s, "
                f"exit {r['restart_exit_code']})"
            )
            print(
                f"  errors from then on: {r['errors_from_restart_on']} {r['errors_by_status']}; "
                f"serving again {r['serving_again_s_after_restart_began']} s after the restart "
                f"began, {r['serving_again_s_after_postgres_was_back']} s after PostgreSQL was back"
            )
    return report


if __name__ == "__main__":
    try:
        main()
    except NotLoopback as refused:
        sys.exit(f"loadtest: {refused}")
