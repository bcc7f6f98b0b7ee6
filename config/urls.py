from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Evidence tracker — curation"
admin.site.site_title = "Evidence tracker"
admin.site.index_title = "Studies, claims and evidence"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("public.urls")),
]
