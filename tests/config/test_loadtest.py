"""tools/loadtest.py: loopback only, bounded, and it reports what it measured."""

import importlib.util
import sys

import pytest

from tests.config.production import REPO


@pytest.fixture(scope="module")
def loadtest():
    spec = importlib.util.spec_from_file_location("loadtest", REPO / "tools" / "loadtest.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["loadtest"] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules["loadtest"]


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.5:8000/",
        "http://192.168.1.20/",
        "http://172.16.0.1/",
        "http://8.8.8.8/",
        "http://example.org/",
        "https://127.0.0.1/",
        "http://[2001:db8::1]/",
    ],
)
def test_any_host_but_a_loopback_one_is_refused(loadtest, url):
    with pytest.raises(loadtest.NotLoopback):
        loadtest.loopback_target(url)


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("http://127.0.0.1:8765", ("127.0.0.1", 8765)),
        ("http://127.1.2.3/", ("127.1.2.3", 80)),
        ("http://[::1]:8000/", ("::1", 8000)),
        ("http://localhost:8000", ("localhost", 8000)),
    ],
)
def test_loopback_hosts_are_accepted(loadtest, url, target):
    assert loadtest.loopback_target(url) == target


def test_a_short_run_against_the_app_reports_throughput_latency_and_no_errors(
    loadtest, seeded, live_server, capsys
):
    # One client: the test server shares one SQLite connection between its threads; the
    # concurrent figures are measured against `make serve` on PostgreSQL (docs/deploy.md).
    report = loadtest.main(
        ["--url", live_server.url, "--clients", "1", "--duration", "3", "--max-requests", "40"]
    )
    assert 0 < report["requests"] <= 40
    assert report["pages_in_mix"] > len(loadtest.FIXED_PATHS)  # claims and studies found
    assert report["errors"] == 0, report["errors_by_status"]
    assert report["p50_ms"] <= report["p99_ms"]
    assert report["throughput_per_s"] > 0
    assert "requests" in capsys.readouterr().out


def test_a_restart_in_the_middle_is_timed_and_the_errors_after_it_counted(loadtest, live_server):
    # A stand-in for the PostgreSQL restart that takes half a second and breaks nothing.
    report = loadtest.main(
        [
            "--url", live_server.url, "--clients", "1", "--duration", "2", "--max-requests", "60",
            "--restart-postgres-at", "0.5", "--restart-command", "sleep 0.5",
        ]
    )  # fmt: skip
    restart = report["restart"]
    assert restart["restart_exit_code"] == 0
    assert 0.4 <= restart["postgres_restart_took_s"] < 2
    assert restart["errors_from_restart_on"] == 0
