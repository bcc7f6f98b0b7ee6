"""A URLconf with one view that fails, to see the 500 page the project's handler gives."""

from django.urls import include, path


def fails(request):
    raise RuntimeError("a bug")


urlpatterns = [path("fails/", fails), path("", include("config.urls"))]
handler500 = "config.views.server_error"
