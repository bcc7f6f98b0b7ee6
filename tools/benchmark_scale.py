"""Every public page's server time and query count against a floor view, at whatever scale the
database holds (fill one with `manage.py generate_synthetic`). `make benchmark-scale`.

    DATABASE_URL=... python tools/benchmark_scale.py [--runs 7] [--urls tools/benchmark_urls.txt]
        [--datasette http://127.0.0.1:8001/db] [--markdown]

For each round, every page is fetched right after the floor view (tools/bench_urls.py: the
same middleware, one indexed 25-row query), so both see the same machine load; the medians and
their ratio are printed. The first fetch of each page counts its queries and is not timed.
Times are the server's: Django's test client runs the whole middleware stack in this process,
without HTTP. Each page is measured twice in every round: *cold*, with the whole-page cache off
(PAGE_CACHE_PAGES=False: what a page costs when it has to be built, and what a curator always
gets), and *warm*, with it on (what an anonymous reader gets until the next publish), each
against the same round's floor. Set CACHE_URL=redis://127.0.0.1:6379/1 to measure the shared
Redis cache the deployment uses (else this process's memory). Before each page's first fetch
the cache version is bumped, as a publish does, so "first ms" is the page built from nothing;
the later cold fetches reuse what every page of a list shares (its facet counts, its filter
options) from the cache. --cold-only skips the warm fetches. --worker-warms runs, after each
bump, what the worker does after a publish (public/tasks.py: the unfiltered lists' facet counts
and the other parts it keeps) before the first fetch, and prints how long that took. The API's
rate limit is raised to 1,000,000 a second for the run (the default 120/minute would answer most
fetches with a 429); the throttle still counts every request.

With --datasette, the same questions are asked of a Datasette serving the same SQLite file
(over HTTP on the loopback, which adds about a millisecond to its side): its table page with
two facets, a filtered table, page 50 by its keyset, and a word searched in the app's FTS5
table of claims. Datasette lives in its own venv, never in the app's requirements:

    python3 -m venv .venv-datasette && .venv-datasette/bin/pip install datasette==0.65.1
    .venv-datasette/bin/datasette serve db.sqlite3 -p 8013 --setting num_sql_threads 1 \
        --setting sql_time_limit_ms 60000 --setting facet_time_limit_ms 60000
"""

import argparse
import logging
import os
import statistics
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tools")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")


def load_urls(path: Path) -> list[tuple[str, str]]:
    pages = []
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, url = line.rsplit(None, 1)
            pages.append((name.strip(), url))
    return pages


def middle(queryset):
    n = queryset.count()
    return queryset.order_by("pk")[n // 2 : n // 2 + 1].first() if n else None


def placeholders() -> dict[str, str]:
    from evidence.models import Claim, PublicationStatus, SourceDocument
    from studies.models import Study

    claim = middle(Claim.objects.published())
    study = middle(Study.objects.published())
    document = middle(SourceDocument.objects.filter(status=PublicationStatus.PUBLISHED))
    return {
        "claim": claim.slug if claim else "none",
        "study": str(study.pk) if study else "0",
        "document": document.slug if document else "none",
        "rare": claim.slug.rsplit("-", 1)[-1] if claim else "none",
    }


NOUNS = {
    "claim": ("claim", "claims"),
    "mention": ("passage", "passages"),
    "study": ("study", "studies"),
}


def search_matches(url: str) -> str:
    """How many published claims, passages and studies a /search/ URL's words match in the
    index (every match, not only the CANDIDATES a search ranks): what makes a term rare."""
    from urllib.parse import parse_qs, urlsplit

    from django.db import connection
    from django.db.models.expressions import RawSQL

    from evidence import search_index
    from public import search, search_query

    query = search_query.parse(parse_qs(urlsplit(url).query).get("q", [""])[0])
    if not query.searchable:
        return "no words"
    counts = []
    for kind in search.KINDS:
        source = search_index.SOURCES_BY_KIND[kind]
        if connection.vendor == "postgresql":
            fragment = search_query.tsquery_sql(query, search.FTS_CONFIG)
            sql = f"SELECT id FROM {source.table} WHERE {search_index.VECTOR_COLUMN} @@ {fragment.sql}"  # noqa: S608, E501
            params = list(fragment.params)
        else:
            sql = f"SELECT rowid FROM {source.fts_table} WHERE {source.fts_table} MATCH %s"  # noqa: S608
            params = [search_query.fts5_match(query)]
        public = search.PUBLIC_ROWS[kind]().filter(pk__in=RawSQL(sql, params))  # noqa: S611
        n = public.count()
        counts.append(f"{n:,} {NOUNS[kind][n != 1]}")
    return ", ".join(counts)


def timed(client, url: str) -> tuple[float, int]:
    began = time.perf_counter()
    status = client.get(url).status_code
    return (time.perf_counter() - began) * 1000, status


def datasette_questions(base: str, rare: str) -> list[tuple[str, str]]:
    from django.db import connection

    table = "evidence_claim"
    # page 50 of 20 rows: Datasette's keyset is the last pk of page 49
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table} WHERE status = 'published' ORDER BY id LIMIT 1 OFFSET 979"  # noqa: S608
        )
        row = cursor.fetchone()
    after = row[0] if row else 0
    facets = "_size=20&_facet=category_id&_facet=certainty"
    # Datasette's full-text search over the app's own FTS5 table of claims (rowid = claim id),
    # in table order (unranked): its best case (a LIKE over every statement is far slower).
    search = "status=published&_size=20&_fts_table=evidence_claim_fts&_fts_pk=id&_search="
    return [
        ("claim list", f"{base}/{table}?status=published&{facets}"),
        ("claim list, filtered", f"{base}/{table}?status=published&certainty=low&{facets}"),
        ("claim list, page 50", f"{base}/{table}?status=published&_size=20&_next={after}"),
        ("search, rare term", f"{base}/{table}?{search}{rare}"),
        ("search, uncommon term", f"{base}/{table}?{search}mesotherapy"),
        ("search, common term", f"{base}/{table}?{search}collagen"),
        ("search, very common term", f"{base}/{table}?{search}hair"),
    ]  # fmt: skip


def time_http(url: str, runs: int) -> float:
    urllib.request.urlopen(url).read()  # noqa: S310 -- a loopback URL we were given
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        urllib.request.urlopen(url).read()  # noqa: S310
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--urls", type=Path, default=REPO / "tools" / "benchmark_urls.txt")
    parser.add_argument(
        "--only", default="", help="Only pages whose name contains one of these (separated by |)."
    )
    parser.add_argument("--datasette", default="", help="Base URL of a Datasette database.")
    parser.add_argument("--cold-only", action="store_true", help="Skip the warm (cached) fetches.")
    parser.add_argument(
        "--worker-warms",
        action="store_true",
        help="After each bump, warm the parts as the worker does after a publish.",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from evidence.management.commands.benchmark_pages import counting_queries
    from evidence.models import Claim
    from public import page_cache
    from public.tasks import warm_public_parts
    from studies.models import Study

    logging.getLogger("config.request").setLevel(logging.WARNING)
    logging.getLogger("django.request").setLevel(logging.ERROR)
    values = placeholders()
    pages = [
        (name, url.format(**values))
        for name, url in load_urls(args.urls)
        if any(part.strip() in name for part in args.only.split("|"))
    ]
    overrides = {
        "ROOT_URLCONF": "bench_urls",
        "ALLOWED_HOSTS": ["testserver"],
        "PAGE_CACHE_SECONDS": 300,
        "PAGE_CACHE_PAGES": False,
        # The API's own limit (120/minute by default) would answer most of the benchmark's
        # fetches from one address with a 429; a rate it never reaches keeps the throttle's
        # work (its count in the cache) in every API time.
        "API_THROTTLE_RATE": "1000000/second",
    }
    warm = not args.cold_only
    client = Client(raise_request_exception=False)

    def fetch(url: str, *, cached: bool) -> tuple[float, int]:
        with override_settings(PAGE_CACHE_PAGES=cached):
            return timed(client, url)

    with override_settings(**overrides):
        counts, statuses, first, warm_counts = {}, {}, {}, {}
        worker: list[float] = []
        for name, url in [("floor", "/__floor__/"), *pages]:
            page_cache.bump()  # as after a publish: nothing of this page is cached
            if args.worker_warms:
                started = time.perf_counter()
                warm_public_parts()
                worker.append(time.perf_counter() - started)
            with counting_queries() as queries:
                first[name], statuses[name] = fetch(url, cached=False)
            counts[name] = queries[0]
            if warm and name != "floor":
                fetch(url, cached=True)  # stores the page
                with counting_queries() as queries:
                    fetch(url, cached=True)
                warm_counts[name] = queries[0]
        floor_times: list[float] = []
        cold_times: dict[str, list[float]] = {name: [] for name, _ in pages}
        warm_times: dict[str, list[float]] = {name: [] for name, _ in pages}
        for _ in range(max(1, args.runs)):
            for name, url in pages:
                floor_times.append(fetch("/__floor__/", cached=False)[0])
                cold_times[name].append(fetch(url, cached=False)[0])
                if warm:
                    warm_times[name].append(fetch(url, cached=True)[0])

    floor = statistics.median(floor_times)
    claims = Claim.objects.count()
    studies = Study.objects.count()
    load = os.getloadavg()
    backend = settings.CACHES[getattr(settings, "PAGE_CACHE_ALIAS", "default")]["BACKEND"]
    print(
        f"\n{connection.vendor}, {claims:,} claims, {studies:,} studies; {args.runs} interleaved "
        f"runs per page (floor, cold, warm), medians; load average {load[0]:.1f} {load[1]:.1f} "
        f"{load[2]:.1f} on {os.cpu_count()} cores; cache {backend.rsplit('.', 1)[-1]}. "
        "'first' is the first fetch after a publish (nothing cached); 'cold' is the page built "
        "(whole-page cache off; a list's facet counts and filter options from the shared "
        "cache); 'warm' is the whole-page cache on, as an anonymous reader gets it\n"
    )
    if worker:
        print(
            f"The worker's warm after each bump (before 'first'): median "
            f"{statistics.median(worker):.1f} s, {min(worker):.1f}–{max(worker):.1f} s\n"
        )
    for name, url in pages:
        if url.startswith("/search/"):
            print(f"{name}, `{url}`: matches {search_matches(url)}")
    if any(url.startswith("/search/") for _, url in pages):
        print()
    ds = {}
    if args.datasette:
        for name, url in datasette_questions(args.datasette.rstrip("/"), values["rare"]):
            ds[name] = time_http(url, args.runs)
    header = "| page | URL | status | queries | first ms | cold ms | × floor |"
    if warm:
        header += " warm queries | warm ms | × floor |"
    if ds:
        header += " Datasette ms |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    blanks = " |" * (header.count("|") - 8)
    print(
        f"| floor | /__floor__/ | {statuses['floor']} | {counts['floor']} | "
        f"{first['floor']:.0f} | {floor:.1f} | 1.0 |" + blanks
    )
    for name, url in pages:
        cold = statistics.median(cold_times[name])
        row = (
            f"| {name} | `{url}` | {statuses[name]} | {counts[name]} | {first[name]:.0f} | "
            f"{cold:.1f} | {cold / floor:.1f} |"
        )
        if warm:
            hot = statistics.median(warm_times[name])
            row += f" {warm_counts[name]} | {hot:.1f} | {hot / floor:.1f} |"
        if ds:
            row += f" {ds[name]:.1f} |" if name in ds else " |"
        print(row)


if __name__ == "__main__":
    main()
