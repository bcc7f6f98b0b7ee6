"""`reverse()` remembered, for the records' own URLs and every template's `{% url %}`.

A page asks for many records' URLs (a claim page two dozen, an annotated article one per
claim it mentions), and Django's `reverse()` takes about 22 µs each on this machine: it walks
the resolver and quotes the arguments every time. A URL depends only on the URL
configuration, the script prefix, the arguments and (for the tag) the current application, so
it is kept under all of them in one cache; a test that swaps ROOT_URLCONF gets its own.
"""

import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

# A few hundred bytes each: tens of megabytes at most, whatever the number of records.
KEPT = 100_000


def record_url(viewname: str, **kwargs: object) -> str:
    """`reverse(viewname, kwargs=kwargs)`, from memory after the first time."""
    return remembered_reverse(viewname, [], kwargs, None)


def remembered_reverse(viewname: str, args: list, kwargs: dict, current_app: str | None) -> str:
    """`reverse()` as the `{% url %}` tag calls it, from memory after the first time when every
    argument is a string or a number (anything else, whose text could change, is reversed
    each time)."""
    values = [*args, *kwargs.values()]
    if not all(type(value) in (str, int) for value in values):
        return reverse(viewname, args=args, kwargs=kwargs, current_app=current_app)
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return _reversed(
        get_script_prefix(),
        urlconf,
        viewname,
        tuple(args),
        tuple(sorted(kwargs.items())),
        current_app,
    )


@functools.lru_cache(maxsize=KEPT)
def _reversed(
    prefix: str,
    urlconf: str,
    viewname: str,
    args: tuple,
    kwargs: tuple,
    current_app: str | None,
) -> str:
    return reverse(
        viewname, urlconf=urlconf, args=list(args), kwargs=dict(kwargs), current_app=current_app
    )
