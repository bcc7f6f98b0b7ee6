"""/api/: the JSON API, its OpenAPI schema and its documentation page."""

from django.http import JsonResponse
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from api import views
from api.docs import api_docs

app_name = "api"

router = DefaultRouter()
router.register("claims", views.ClaimViewSet, basename="claim")
router.register("studies", views.StudyViewSet, basename="study")
router.register("documents", views.DocumentViewSet, basename="document")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("evidence-links", views.EvidenceLinkViewSet, basename="evidencelink")


def not_found(request, path=""):
    """Any other URL under /api/ is the API's own 404, in JSON like its others."""
    return JsonResponse({"detail": "Not found."}, status=404)


urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", api_docs, name="docs"),
    path("", include(router.urls)),
    # Ending in a slash only: /api/claims still redirects to /api/claims/ (APPEND_SLASH).
    re_path(r"^(?P<path>.*/)$", not_found),
]
