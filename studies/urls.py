from django.urls import path

from studies import views

app_name = "studies"

urlpatterns = [
    path("", views.study_list, name="list"),
    path("<int:pk>/", views.study_detail, name="detail"),
    path("<int:pk>/reference.bib", views.study_bibtex, name="bibtex"),
    path("<int:pk>/reference.ris", views.study_ris, name="ris"),
]
