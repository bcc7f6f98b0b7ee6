"""Rate limits per client address, counted in Django's cache: Redis when CACHE_URL names one
(every worker shares the count), local memory otherwise (each process counts alone). One
limiter, Django REST framework's sliding window, serves the JSON API, the open endpoints
(FHIR, annotations, feeds) and the "Check an article" page."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class ClientRateThrottle(SimpleRateThrottle):
    """settings.API_THROTTLE_RATE (e.g. "120/minute") per client address; empty means none.

    The rate is read at each request rather than once at import (DRF's default), so a
    deployment's environment and the tests' settings both take effect.
    """

    scope = "api"

    def get_rate(self) -> str | tuple[int, int] | None:
        return settings.API_THROTTLE_RATE or None

    def parse_rate(self, rate):
        if isinstance(rate, tuple):  # (requests, seconds), as CHECK_ARTICLE_RATE is written
            return int(rate[0]), int(rate[1])
        return super().parse_rate(rate)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class CheckArticleThrottle(ClientRateThrottle):
    """settings.CHECK_ARTICLE_RATE = (checks, seconds) per client address for "Check an article",
    counted apart from the API's requests."""

    scope = "check-article"

    def get_rate(self) -> tuple[int, int]:
        limit, window = getattr(settings, "CHECK_ARTICLE_RATE", (20, 60))
        return int(limit), int(window)
