"""Whole public pages for anonymous readers, from the shared cache, with conditional GET.

A page is stored under the *version* of the public data and its full path (query string
included). Every write that can change what a reader sees bumps the version, so a publish,
an unpublish, a retraction or an edit makes every stored page unreachable at once: no page
outlives the data it was built from. The version is bumped by a save, delete or many-to-many
change of a studies or evidence model and by `studies_changed` (the literature's own hook)
and a regrade's `grades_changed`, unless public.visibility shows no reader could see it (a
draft's save, a row of the admin's history), at once and again when the transaction commits
(a request that read the old rows between the two stores them under a version nobody asks for
any more). Bulk writes that send no signal (a
`QuerySet.update`, a bulk regrade) are bounded by PAGE_CACHE_SECONDS, and can call `bump()`.

Only anonymous GET and HEAD requests are served from or stored in the cache; a signed-in user
(a curator) always gets a freshly built page, and a response that sets a cookie or is not a 200
is never stored. Each anonymous response carries an ETag and a Last-Modified from the version,
and `Cache-Control: no-cache`, so a browser asks again each time and gets a 304 while nothing
changed.

The cache is CACHES[PAGE_CACHE_ALIAS]: Redis when CACHE_URL is set (several app servers
share it, and the version), local memory otherwise. A process-local version cannot see another
process's bump, so there it lasts PAGE_CACHE_SECONDS only: each worker's pages and 304s are at
most that old. PAGE_CACHE_SECONDS=0 turns the whole thing off; PAGE_CACHE_PAGES=False keeps only
the shared parts (`versioned`, and `versioned_rows_of` for a list's rows one record at a time), as
the benchmark's cold pages measure. The parts hold published data only (what any reader may
see), so a curator's freshly built page uses them too.

`conditional` gives any other response (the JSON API, FHIR, annotations) the same headers: an
ETag from its body, a Last-Modified from the version, a 304 when the client's copy is current,
with no query. The JSON API's whole answers are kept too, under the same version and rules
(`shared_answer_*`, at the end of this module).
"""

import contextlib
import contextvars
import functools
import hashlib
import time
from datetime import datetime

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, parse_http_date, quote_etag

from public import visibility

VERSION_KEY = "public-pages:version"
WATCHED_APPS = frozenset({"studies", "evidence"})
# The version one request read first: its shared parts are all read under it (one round trip
# to the cache fewer per part; what a request built under an old version nobody asks for).
_request_version: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "public_request_version", default=None
)


def _cache():
    return caches[getattr(settings, "PAGE_CACHE_ALIAS", "default")]


def _version_timeout() -> int | None:
    """Forever in a shared cache; in a process's own memory, as long as a page is kept."""
    if isinstance(_cache(), LocMemCache):
        return max(_seconds(), 60)
    return None


def current_version() -> int:
    """The version of the public data: nanoseconds since the epoch at the last bump."""
    cache = _cache()
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, time.time_ns(), timeout=_version_timeout())
        version = cache.get(VERSION_KEY) or time.time_ns()
    return int(version)


def _this_request_version() -> int:
    """The version the current request read first, or the current one outside a request."""
    return _request_version.get() or current_version()


def _set_version() -> None:
    _cache().set(VERSION_KEY, time.time_ns(), timeout=_version_timeout())


def bump() -> None:
    """A new version now and another when the current transaction commits."""
    _set_version()
    transaction.on_commit(_set_version)


def _modified(version: int) -> int:
    """The version's time in whole seconds, never before the bump: a Last-Modified."""
    return version // 1_000_000_000 + 1


def _with_validators(response: HttpResponse, *, etag: str, modified: int) -> HttpResponse:
    response["ETag"] = etag
    response["Last-Modified"] = http_date(modified)
    return response


def conditional(
    request: HttpRequest, response: HttpResponse, *, stamp: datetime | None = None
) -> HttpResponse:
    """A rendered 200 with an ETag (from its body) and a Last-Modified (the record's own
    `stamp` when it has one, else the version's time), or a 304 when the client's copy (by
    If-None-Match, else If-Modified-Since) is current."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    etag = quote_etag(hashlib.sha256(response.content).hexdigest()[:32])
    modified = int(stamp.timestamp()) if stamp else _modified(_this_request_version())
    _with_validators(response, etag=etag, modified=modified)
    return get_conditional_response(request, etag=etag, last_modified=modified, response=response)


def watched_change(sender, **kwargs) -> bool:
    """Whether a post_save, post_delete or m2m_changed (done: an m2m's post_*) of a watched
    app's model could change what a reader sees (public.visibility: a draft's save cannot)."""
    meta = getattr(sender, "_meta", None)
    return (
        meta is not None
        and meta.app_label in WATCHED_APPS
        and kwargs.get("action", "post_").startswith("post_")
        and visibility.change_seen(sender, **kwargs)
    )


def _seconds() -> int:
    return int(getattr(settings, "PAGE_CACHE_SECONDS", 0) or 0)


# The shared parts one request asked for ahead (`prefetch`): key → value, None when the cache
# had none. Only inside `cached_page`, which starts each request with an empty one.
_request_parts: contextvars.ContextVar[dict[str, object] | None] = contextvars.ContextVar(
    "public_request_parts", default=None
)
_MISSING = object()


def parts_kept() -> bool:
    """Whether the shared parts are kept at all (PAGE_CACHE_SECONDS is not 0)."""
    return bool(_seconds())


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _part_key(name: str, version: int | None = None) -> str:
    if version is None:
        version = _this_request_version()
    return "public-part:" + _digest(f"{version}:{name}")


def prefetch(names: list[str]) -> None:
    """Read the shared parts `names` in one round trip, for the `versioned` calls of this
    request that follow (a list asks for four or five: its facet counts, each filter's options,
    its selects), instead of one round trip each. Outside a request, or with the cache off,
    nothing."""
    parts = _request_parts.get()
    if parts is None or not _seconds():
        return
    keys = {_part_key(name): name for name in names}
    found = _cache().get_many(list(keys))
    for key in keys:
        parts.setdefault(key, found.get(key, _MISSING))


def versioned(name: str, compute):
    """`compute()`, kept in the shared cache until the next bump: for the parts of a page that
    many URLs share (a list's facet counts are the same on every page and sort of it, its
    filter's options on every list). Computed afresh when the cache is off."""
    seconds = _seconds()
    if not seconds:
        return compute()
    key = _part_key(name)
    parts = _request_parts.get()
    value = _stored(key, parts)
    if value is None:
        value = compute()
        _cache().set(key, value, seconds)
    if parts is not None:
        parts[key] = value
    return value


def kept(name: str):
    """The shared part `name` if the cache holds it, else None (or with the cache off): for a
    part worth reading but not computing where it is missing."""
    if not _seconds():
        return None
    key = _part_key(name)
    parts = _request_parts.get()
    value = _stored(key, parts)
    if parts is not None:
        parts[key] = _MISSING if value is None else value
    return value


def _stored(key: str, parts: dict[str, object] | None):
    """The part under `key` from this request's prefetch (`parts`), else from the cache when
    it was not prefetched; None when neither holds it."""
    value = parts.get(key) if parts is not None else None
    if value is _MISSING:  # prefetched and not there
        return None
    if value is None:  # not prefetched: ask the cache
        value = _cache().get(key)
    return value


def versioned_many(compute) -> None:
    """Keeps each part of `compute()`'s {name: value} as `versioned` would, in one round trip,
    under the version read before it ran (the worker's warm, for parts one query gives
    together). With the cache off, nothing."""
    seconds = _seconds()
    if not seconds:
        return
    version = _this_request_version()
    values = compute()
    _cache().set_many({_part_key(name, version): value for name, value in values.items()}, seconds)


def versioned_rows_of(name: str, pks: list, fetch, render) -> list[str]:
    """`render(row)` for the rows of a page known by their primary keys, each kept in the
    shared cache until the next bump under (name, row pk): one round trip for a whole page of
    rows, and a row is rendered once per publish however many lists, filters, sorts and pages
    show it. For rows that depend on nothing but the published record. Only the rows the cache
    lacks are read, `fetch(pks)` giving their instances in any order, so a page whose rows
    are all cached costs no read of them at all (a claim row's seven correlated subqueries and
    its model instance: about 8 ms of a 15 ms cold claim list at 1M claims)."""
    seconds = _seconds()
    if not seconds or not pks:
        found = {row.pk: row for row in fetch(pks)} if pks else {}
        return [render(found[pk]) for pk in pks if pk in found]
    version = _this_request_version()
    keys = {pk: "public-row:" + _digest(f"{version}:{name}:{pk}") for pk in pks}
    cached = _cache().get_many(list(keys.values()))
    wanted = [pk for pk in pks if keys[pk] not in cached]
    fresh = {}
    if wanted:
        for row in fetch(wanted):
            fresh[keys[row.pk]] = render(row)
        _cache().set_many(fresh, seconds)
    out = []
    for pk in pks:
        key = keys[pk]
        html = cached.get(key, fresh.get(key))
        if html is not None:  # a row gone between the two reads is left out
            out.append(html)
    return out


def cached_page(view):
    """The view's page from the cache for anonymous readers (see the module's docstring)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _seconds():
            return view(request, *args, **kwargs)
        with one_version():
            return _cached(request, *args, **kwargs)

    def _cached(request, *args, **kwargs):
        seconds = _seconds()
        pages = getattr(settings, "PAGE_CACHE_PAGES", True)
        if not pages or request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        version = _this_request_version()
        path = request.get_full_path()
        digest = _digest(f"{version}:{path}")
        etag = f'"{digest[:32]}"'
        modified = _modified(version)
        not_modified = get_conditional_response(request, etag=etag, last_modified=modified)
        if not_modified is not None:
            response = not_modified
        else:
            key = f"public-page:{digest}"
            stored = _cache().get(key)
            if stored is not None:
                content, content_type = stored
                response = HttpResponse(content, content_type=content_type)
            else:
                response = view(request, *args, **kwargs)
                if response.status_code == 200 and not response.streaming and not response.cookies:
                    _cache().set(key, (response.content, response["Content-Type"]), seconds)
        if response.status_code in (200, 304):
            _with_validators(response, etag=etag, modified=modified)
            patch_cache_control(response, no_cache=True)
        return response

    return wrapper


# --- Whole answers of the JSON API (api/views.py) ---
#
# An anonymous GET's rendered answer is stored under the version, its absolute URL (scheme, host
# and query: a cursor's `next` link names them) and the negotiated media type: its bytes, its
# content type and its validators, never Python objects. The API's views look it up after
# authentication and throttling, so a cached answer still counts against the rate limit. Off
# with the whole-page cache (PAGE_CACHE_SECONDS=0 or PAGE_CACHE_PAGES=False).


@contextlib.contextmanager
def one_version():
    """The current request reads the version once, and its prefetched parts are its own
    (`cached_page`, the API's views), while the cache is on."""
    if not _seconds():
        yield
        return
    token = _request_version.set(current_version())
    parts = _request_parts.set({})
    try:
        yield
    finally:
        _request_parts.reset(parts)
        _request_version.reset(token)


def signed_in(request: HttpRequest) -> bool:
    """Whether the request carries a signed-in session: without a session cookie it cannot, and
    is answered without reading the session (or adding `Vary: Cookie`). Django REST framework
    replaces `request.user` by its own authentication's user, so the API asks this first."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def shared_answer_key(request: HttpRequest, *, variant: str) -> str | None:
    """The cache key of this anonymous GET's whole answer in the `variant` (its media type), or
    None when the answer must be built and not stored: the cache or whole answers off, another
    method, a signed-in user."""
    if not _seconds() or not getattr(settings, "PAGE_CACHE_PAGES", True):
        return None
    if request.method not in ("GET", "HEAD") or signed_in(request):
        return None
    version = _this_request_version()
    url = request.build_absolute_uri()
    digest = _digest(f"{version}:{variant}:{url}")
    return f"public-answer:{digest}"


def shared_answer_get(request: HttpRequest, key: str) -> HttpResponse | None:
    """The stored answer with its validators, or a 304 when the client's copy is current; None
    when nothing is stored under `key`."""
    stored = _cache().get(key)
    if stored is None:
        return None
    content, content_type, etag, modified = stored
    response = _with_validators(
        HttpResponse(content, content_type=content_type), etag=etag, modified=modified
    )
    return get_conditional_response(request, etag=etag, last_modified=modified, response=response)


def shared_answer_set(key: str, response: HttpResponse) -> None:
    """Store a rendered 200 that carries its validators (see `conditional`) under `key`; any
    other answer, or one setting a cookie, is not stored."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return
    etag, modified = response.get("ETag"), response.get("Last-Modified")
    if not etag or not modified:
        return
    stored = (response.content, response["Content-Type"], etag, parse_http_date(modified))
    _cache().set(key, stored, _seconds())
