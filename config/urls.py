"""The service's URLs: the officials' summary pages, the technicians' admin, the API."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from livestock.views import ReviewAction, SummaryPage

urlpatterns = [
    path("", SummaryPage.as_view(), name="summary"),
    path("review/", ReviewAction.as_view(), name="review"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("livestock.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
