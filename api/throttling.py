"""Rate limits for the open endpoints, counted in Django's cache: Redis when CACHE_URL names
one (every worker shares the count), local memory otherwise (each process counts alone)."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class ClientRateThrottle(SimpleRateThrottle):
    """settings.API_THROTTLE_RATE (e.g. "120/minute") per client address; empty means none.

    The rate is read at each request rather than once at import (DRF's default), so a
    deployment's environment and the tests' settings both take effect.
    """

    scope = "api"

    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_RATE or None

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
