from django.urls import path

from livestock.field import views

app_name = "field"

urlpatterns = [
    path("", views.TodayPage.as_view(), name="today"),
    path("village/<int:pk>/", views.VillagePage.as_view(), name="village"),
    path("record/<int:pk>/", views.RecordPage.as_view(), name="record"),
    path("entry/<int:pk>/", views.EntryChange.as_view(), name="entry-change"),
    path("offline/", views.offline_page, name="offline"),
    path("rules.json", views.RulesDescription.as_view(), name="rules"),
    path("roster.json", views.Roster.as_view(), name="roster"),
    path("sw.js", views.service_worker, name="service-worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("i18n/<str:language>.js", views.FieldCatalog.as_view(), name="catalog"),
]
