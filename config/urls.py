from django.contrib import admin
from django.urls import include, path

from config import views
from evidence.admin_workflow import work_queue_view

admin.site.site_header = "Evidence tracker — curation"
admin.site.site_title = "Evidence tracker"
admin.site.index_title = "Studies, claims and evidence"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/queue/", admin.site.admin_view(work_queue_view), name="work_queue"),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("", include("api.open_urls")),
    path("", include("public.urls")),
]

handler500 = "config.views.server_error"
