"""The open formats beside the JSON API: FHIR R5, W3C Web Annotations, the grade-history Atom
feeds and the embeddable badges. Included before the public pages (config/urls.py)."""

from django.urls import path

from api import feeds, open_views

app_name = "open"

urlpatterns = [
    path("fhir/Evidence/<int:pk>", open_views.fhir_evidence, name="fhir_evidence"),
    path("fhir/Citation/<int:pk>", open_views.fhir_citation, name="fhir_citation"),
    path("fhir/Bundle/claim-<int:pk>", open_views.fhir_bundle, name="fhir_bundle"),
    path("annotations/<slug:slug>/", open_views.annotation_collection, name="annotations"),
    path("annotations/<slug:slug>/<int:pk>", open_views.annotation_detail, name="annotation"),
    path("claims/history.atom", feeds.AllClaimsFeed(), name="claims_feed"),
    path("claims/<slug:slug>/history.atom", feeds.ClaimFeed(), name="claim_feed"),
    path("claims/<slug:slug>/badge.svg", open_views.badge, name="badge"),
]
