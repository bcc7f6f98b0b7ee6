from django.urls import path

from evidence import views

app_name = "evidence"

urlpatterns = [
    path("", views.home, name="home"),
    path("claims/", views.claim_list, name="claim_list"),
    path("claims.csv", views.claim_list_csv, name="claim_list_csv"),
    path("claims/<slug:slug>/", views.claim_detail, name="claim_detail"),
    path("documents/<slug:slug>/", views.document_detail, name="document_detail"),
    path("evidence-map/", views.evidence_map, name="evidence_map"),
    path("search/", views.search, name="search"),
]
