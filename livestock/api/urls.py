from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from livestock.api import views
from livestock.api.filtering import KnownParametersMixin


class APIRootView(KnownParametersMixin, DefaultRouter.APIRootView):
    """The API's index, which takes no parameter but ``format`` either."""


router = DefaultRouter()
router.APIRootView = APIRootView
router.register("prefectures", views.PrefectureViewSet)
router.register("counties", views.CountyViewSet)
router.register("townships", views.TownshipViewSet)
router.register("villages", views.VillageViewSet)
router.register("herders", views.HerderViewSet)
router.register("seasons", views.SeasonViewSet)
router.register("lambing-records", views.LambingRecordViewSet)
router.register("entries", views.LambingEntryViewSet)
router.register("reported-figures", views.ReportedFigureViewSet)
router.register("reviews", views.ReviewViewSet)

urlpatterns = [
    path("summaries/", views.SummaryView.as_view(), name="summaries"),
    path("metrics/", views.MetricListView.as_view(), name="metrics"),
    path("", include(router.urls)),
    # Last: any other path under the API is a 404 in JSON, not Django's HTML page.
    re_path(r"^", views.NotFoundView.as_view()),
]
