"""The project's URLs under /mirror/ (tests/studies/test_reversing.py)."""

from django.urls import include, path

urlpatterns = [path("mirror/", include("config.urls"))]
