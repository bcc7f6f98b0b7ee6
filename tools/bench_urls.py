"""The benchmark's own URL map (tools/benchmark_scale.py): the app's, plus the floor view.

The floor is what a page cannot beat: the same middleware, one indexed query of 25 published
claims, a few lines of HTML. It is only reachable while the benchmark runs.
"""

from django.http import HttpResponse
from django.urls import path
from django.utils.html import escape

from config.urls import urlpatterns as app_patterns
from evidence.models import Claim


def floor(request):
    rows = Claim.objects.published().order_by("pk").values_list("slug", "statement")[:25]
    items = "".join(f"<li><a href='/claims/{s}/'>{escape(t)}</a></li>" for s, t in rows)
    return HttpResponse(f"<!doctype html><title>floor</title><ul>{items}</ul>")


urlpatterns = [path("__floor__/", floor, name="benchmark_floor"), *app_patterns]
handler500 = "config.views.server_error"
