"""/api/: the JSON API, its OpenAPI schema and its documentation page."""

from django.urls import include, path
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

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", api_docs, name="docs"),
    path("", include(router.urls)),
]
