from django.contrib import admin
from django.urls import include, path

from ioc.api import api

admin.site.site_header = "ioc — Trung tâm Điều hành thông minh"
admin.site.site_title = "ioc"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("entry/", include("ioc.entry.urls")),
    path("workflow/", include("ioc.workflow.urls")),
    path("imports/", include("ioc.ingest.urls")),
    path("quality/", include("ioc.quality.urls")),
    path("jobs/", include("ioc.jobs.urls")),
    path("ops/", include("ioc.dashboards.urls")),
    path("plans/", include("ioc.plans.urls")),
    path("briefings/", include("ioc.briefings.urls")),
    path("", include("ioc.web.urls")),
]
