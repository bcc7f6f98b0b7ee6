"""Does a worker's memory stay flat while it serves? One process serves many different public
pages, one after another, and its resident memory is read every so often.

    DATABASE_URL=... python tools/memory_soak.py [--requests 3000] [--every 250] [--seed 1]

The pages are drawn at random from every kind `make benchmark-scale` times (tools/
benchmark_urls.txt): different claims, studies and documents, deep pages of the lists, searches
for different words, so that nothing is served twice from one warm object. The whole-page cache
is off, so every request builds its page (the parts a list's pages share, its facet counts,
come from the cache until a publish, as in `make benchmark-scale`). Python keeps memory it has
freed for reuse rather than handing it back, so the first requests raise the resident size once
(imports, the template and connection caches); after that a worker whose memory is flat stays
within a few MB, and one that holds on to something per request grows with the count. The last
line says which.
"""

import argparse
import logging
import os
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tools")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

WORDS = ["hair", "minoxidil", "collagen", "needle", "density", "scalp", "blood", "alopecia"]


def resident_mb() -> float:
    """This process's resident set size, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status: this tool needs Linux")


def random_rows(queryset, rng: random.Random):
    """Rows near random primary keys: cheap at any size (no ORDER BY random())."""
    from django.db.models import Max, Min

    bounds = queryset.aggregate(low=Min("pk"), high=Max("pk"))
    while True:
        if bounds["low"] is None:
            yield None
            continue
        pivot = rng.randint(bounds["low"], bounds["high"])
        yield (
            queryset.filter(pk__gte=pivot).order_by("pk").first() or queryset.order_by("pk").first()
        )


def urls(rng: random.Random):
    """An endless stream of public URLs of every kind, each for a different record or page."""
    from evidence.models import Claim, PublicationStatus, SourceDocument
    from studies.models import Study

    claims = random_rows(Claim.objects.published().only("slug"), rng)
    studies = random_rows(Study.objects.published().only("pk"), rng)
    published = SourceDocument.objects.filter(status=PublicationStatus.PUBLISHED)
    documents = random_rows(published.only("slug"), rng)
    while True:
        kind = rng.randrange(9)
        if kind in (0, 1):
            claim = next(claims)
            yield f"/claims/{claim.slug}/" if claim else "/claims/"
        elif kind in (2, 3):
            study = next(studies)
            yield f"/studies/{study.pk}/" if study else "/studies/"
        elif kind == 4:
            yield f"/claims/?page={rng.randint(1, 60)}"
        elif kind == 5:
            yield f"/studies/?page={rng.randint(1, 60)}"
        elif kind == 6:
            yield f"/search/?q={rng.choice(WORDS)}+{rng.choice(WORDS)}"
        elif kind == 7:
            document = next(documents)
            yield f"/documents/{document.slug}/" if document else "/"
        else:
            claim = next(claims)
            yield f"/api/claims/{claim.slug}/" if claim else "/api/claims/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--every", type=int, default=250)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import override_settings

    from evidence.models import Claim

    logging.getLogger("config.request").setLevel(logging.WARNING)
    logging.getLogger("django.request").setLevel(logging.ERROR)
    rng = random.Random(args.seed)  # noqa: S311 -- a reproducible sample, not a secret
    client = Client(raise_request_exception=False)
    stream = urls(rng)
    readings: list[tuple[int, float]] = [(0, resident_mb())]
    statuses: dict[int, int] = {}
    began = time.perf_counter()
    print("| requests served | resident MB | seconds |\n|---|---|---|", flush=True)
    # As the benchmark measures: pages built every time, the parts all pages of a list share
    # (facet counts, filter options) from the cache until the next publish.
    overrides = {
        "ALLOWED_HOSTS": ["testserver"],
        "PAGE_CACHE_SECONDS": 300,
        "PAGE_CACHE_PAGES": False,
        "DEBUG": False,
    }
    with override_settings(**overrides):
        for served in range(1, args.requests + 1):
            status = client.get(next(stream)).status_code
            statuses[status] = statuses.get(status, 0) + 1
            reset_queries()  # DEBUG=1 would keep every query's SQL: that is not a worker
            if served % args.every == 0:
                readings.append((served, resident_mb()))
                seconds = time.perf_counter() - began
                print(f"| {served:,} | {readings[-1][1]:.1f} | {seconds:.0f} |", flush=True)

    load = os.getloadavg()
    print(
        f"\n{connection.vendor}, {Claim.objects.count():,} claims; {args.requests:,} requests; "
        f"statuses {dict(sorted(statuses.items()))}; load average {load[0]:.1f}; "
        f"{readings[0][1]:.1f} MB before the first request"
    )
    settle = len(readings) // 4
    after_warmup, last = readings[settle], readings[-1]
    per_thousand = (last[1] - after_warmup[1]) / max(last[0] - after_warmup[0], 1) * 1000
    print(
        f"\nAfter the first {after_warmup[0]:,} requests: {after_warmup[1]:.1f} MB → "
        f"{last[1]:.1f} MB at {last[0]:,} ({per_thousand:+.2f} MB per 1,000 requests)."
    )


if __name__ == "__main__":
    main()
