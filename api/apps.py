from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "Open evidence (JSON API, FHIR, annotations, feeds, badges)"
