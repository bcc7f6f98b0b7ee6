"""After a publish, the worker builds the public pages' shared parts that cost seconds from
nothing, so the first reader after it does not pay for them.

A publish (any write the page cache's version follows: public/page_cache.py) makes every kept
part unreachable. The unfiltered claim and study lists' facet counts are then a grouped count
of every published claim and study (4–13 s at 1M claims), paid by whoever asks first. Here a
receiver on the same signals as the version's bump schedules `warm_public_parts` once per
committed transaction, after the transaction's last bump; the worker computes the parts under
the new version (each `versioned` read takes the version before its data, so a part computed
from older rows is never kept under a newer version). A task whose version has already been
replaced by a later publish does nothing: that publish scheduled its own.

Warmed: the claim and study lists' facet totals (public.facet_totals), and the claim list's
every design's and condition's pairs, from which any choice of their faceted filters sums its
counts (every page and sort of a choice shares them), and their filters' options; the evidence
map's claims per category and the home page's claims. A list filtered by its words, a range or
a claim still builds its counts at its first request.

With no broker (CELERY_TASK_ALWAYS_EAGER) the task runs inline right after the commit, so
the writer waits for it; with the parts off (PAGE_CACHE_SECONDS=0) there is nothing to keep
and it does nothing.
"""

import logging
import threading
import time

from celery import shared_task
from django.db import transaction

from public import page_cache, visibility
from public.facets import faceted_filters

logger = logging.getLogger(__name__)

# The last warm scheduled in this thread's transaction: only it runs (after every bump's own
# on-commit callback of the transaction, since each is registered right after its bump).
_scheduled = threading.local()


def warm_public_parts() -> dict[str, float]:
    """Computes, or finds already kept, each warmed part under the current version: seconds
    taken per part."""
    # Imported here: the views import this module's neighbours, not the other way round.
    from public.facet_totals import CLAIMS
    from public.views.claims import claim_filter
    from public.views.documents import home_claims, home_links, map_sizes
    from public.views.studies import study_filter

    parts = {
        "claim list facets": lambda: faceted_filters(claim_filter({})),
        "claim list facet pairs": CLAIMS.keep_all_pairs,
        "study list facets": lambda: faceted_filters(study_filter({})),
        "evidence map sizes": map_sizes,
        "home claims": home_claims,
        "home links": home_links,
    }
    seconds = {}
    for name, compute in parts.items():
        started = time.perf_counter()
        compute()
        seconds[name] = time.perf_counter() - started
    return seconds


@shared_task(name="public.warm_parts", ignore_result=True)
def warm_parts_task(version: int) -> None:
    """Warms the parts for `version`, unless a later publish replaced it or another worker is
    already at it."""
    if not page_cache._seconds() or page_cache.current_version() != version:
        return
    if not page_cache._cache().add(f"public-warm:{version}", 1, timeout=page_cache._seconds()):
        return
    seconds = warm_public_parts()
    logger.info(
        "warmed the public parts of version %d in %.1f s (%s)",
        version,
        sum(seconds.values()),
        ", ".join(f"{name} {s:.2f} s" for name, s in seconds.items()),
    )


def _run_if_last(token: object) -> None:
    if getattr(_scheduled, "token", None) is not token:
        return  # a later write of the same transaction scheduled the warm after its bump
    _scheduled.token = None
    warm_parts_task.delay(page_cache.current_version())


def schedule_warm() -> None:
    """Warm the parts once the current transaction commits (at once outside one)."""
    if not page_cache._seconds():
        return
    token = object()
    _scheduled.token = token
    # Robust: a broker that cannot take the task is logged, never the writer's error (the
    # write is committed; the first reader then builds the parts, as without a worker).
    transaction.on_commit(lambda: _run_if_last(token), robust=True)


def on_change(sender, **kwargs) -> None:
    """Receiver for post_save, post_delete and m2m_changed: a change a reader could see bumps
    the page cache's version and schedules the warm after it (decided once: a child row's
    verdict may take a query, public.visibility)."""
    _seen(page_cache.watched_change(sender, **kwargs))


def on_studies_changed(sender, **kwargs) -> None:
    _seen(visibility.studies_seen(**kwargs))


def on_grades_changed(sender, **kwargs) -> None:
    """A regrade's bulk write sends no post_save: it says how many published claims' grades
    it changed."""
    _seen(visibility.grades_seen(**kwargs))


def _seen(seen: bool) -> None:
    if seen:
        page_cache.bump()
        schedule_warm()
