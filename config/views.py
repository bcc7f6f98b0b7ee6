"""The health check, and the error pages: a 503 when the database is down, not a bare 500."""

import logging
import sys

from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from config.logs import request_id_var

logger = logging.getLogger("config.health")

# How long a client (or the proxy) should wait before trying again, in seconds.
RETRY_AFTER = "5"


@never_cache
@require_safe
@transaction.non_atomic_requests
def healthz(request):
    """200 and {"status": "ok"} when the database answers a query, else 503 with the reason."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("health check failed", extra={"error": str(error).strip()})
        response = JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
        response["Retry-After"] = RETRY_AFTER
        return response
    return JsonResponse({"status": "ok", "database": "ok"})


def _render(template_name: str, status: int, fallback: str) -> HttpResponse:
    # Rendered without the request: no context processor, no session, nothing that needs the
    # database; if even that fails (a template error), plain text still says what happened.
    try:
        body = loader.get_template(template_name).render({"request_id": request_id_var.get()})
    except Exception:  # noqa: BLE001 - an error page must not raise
        logger.exception("error page %s could not be rendered", template_name)
        return HttpResponse(fallback, status=status, content_type="text/plain; charset=utf-8")
    return HttpResponse(body, status=status)


def server_error(request):
    """handler500: the database being unreachable is a 503 (try again shortly), anything else a
    500 page with the request id to quote."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        response = _render(
            "503.html", 503, "The evidence database is unavailable. Try again in a minute."
        )
        response["Retry-After"] = RETRY_AFTER
        return response
    return _render("500.html", 500, "Something went wrong on our side (500).")
