"""The service's URLs: the officials' summary pages, the technicians' admin, the API."""

from django.contrib import admin
from django.urls import include, path

from livestock.admin.audit_trail import audit_view
from livestock.api.docs import DocsView, SchemaView
from livestock.monitoring.views import BulletinPage, OutliersPage, ReportingPage
from livestock.pages.views import MetricsPage, ReviewAction, SummaryPage

urlpatterns = [
    path("", SummaryPage.as_view(), name="summary"),
    path("review/", ReviewAction.as_view(), name="review"),
    path("bulletin/", BulletinPage.as_view(), name="bulletin"),
    path("outliers/", OutliersPage.as_view(), name="outliers"),
    path("reporting/", ReportingPage.as_view(), name="reporting"),
    path("metrics/", MetricsPage.as_view(), name="metrics-page"),
    # Before the admin's own URLs, which would take it for an app's.
    path("admin/audit/", admin.site.admin_view(audit_view), name="audit-trail"),
    path("admin/", admin.site.urls),
    path("field/", include("livestock.field.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("livestock.api.urls")),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    # Swagger UI with its start-up script served from its own URL and its page
    # styles from a static file, so that it runs under the CSP (no inline code).
    path(
        "api/docs/",
        DocsView.as_view(url_name="schema", template_name="api_docs.html"),
        name="api-docs",
    ),
]
