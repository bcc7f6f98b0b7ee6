"""Request logging with an id, and the security headers django-csp and Django leave out."""

import logging
import re
import time
import uuid

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings

from config.logs import request_id_var

logger = logging.getLogger("config.request")

# An id a proxy passed on is kept when it looks like one; anything else is replaced.
_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestLogMiddleware:
    """One log line per request (method, path, status, duration, id), and the id in the
    X-Request-ID response header so a user's report can be matched to the log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _INCOMING_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            logger.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_id_var.reset(token)


class SecurityHeadersMiddleware(CSPMiddleware):
    """django-csp's Content-Security-Policy (strict everywhere; the admin may use style
    attributes, as its history and import pages do) and a Permissions-Policy header."""

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith("/admin/"):
            parts.update = {**(parts.update or {}), "style-src-attr": ["'unsafe-inline'"]}
        return parts

    def process_response(self, request, response):
        response = super().process_response(request, response)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
