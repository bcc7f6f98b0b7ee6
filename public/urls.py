"""The public pages. Two namespaces, kept from when each app had its own pages: `evidence:`
(home, claims, documents, the evidence map, search) and `studies:` (the study list and pages).
Models' get_absolute_url() reverse these names."""

from django.urls import include, path

from public import views
from public.page_cache import cached_page

evidence_patterns = [
    path("", cached_page(views.home), name="home"),
    path("claims/", cached_page(views.claim_list), name="claim_list"),
    path("claims.csv", views.claim_list_csv, name="claim_list_csv"),
    path("claims/<slug:slug>/", cached_page(views.claim_detail), name="claim_detail"),
    path("documents/<slug:slug>/", cached_page(views.document_detail), name="document_detail"),
    path("evidence-map/", cached_page(views.evidence_map), name="evidence_map"),
    path("search/", views.search, name="search"),
    path("check/", views.check_article, name="check_article"),
]

study_patterns = [
    path("", cached_page(views.study_list), name="list"),
    path("studies.csv", views.study_list_csv, name="list_csv"),
    path("studies.xlsx", views.study_list_xlsx, name="list_xlsx"),
    path("<int:pk>/", cached_page(views.study_detail), name="detail"),
    path("<int:pk>/reference.bib", views.study_bibtex, name="bibtex"),
    path("<int:pk>/reference.ris", views.study_ris, name="ris"),
    path("<int:pk>/reference.json", views.study_csljson, name="csljson"),
]

urlpatterns = [
    path("studies/", include((study_patterns, "studies"))),
    path("", include((evidence_patterns, "evidence"))),
]
