"""Every write of the admin goes through the service every other surface
writes with (the API, the field app, the imports, the report data's loader):
seasons, places, reports and their figures, users and the places they may
work in. A service's refusal is shown at the field it names, and nothing is
stored; what a service accepts is stored with its history."""

import datetime

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from livestock.admin.base import WrittenByServiceAdmin
from livestock.admin.users import UserWithScopeAdmin
from livestock.models import County, Report, ReportedFigure, ScopeGrant, Season, Village
from tests.conftest import make_user
from tests.test_admin import field_errors, logged_in

NO_GRANTS = {
    "scope_grants-TOTAL_FORMS": 0,
    "scope_grants-INITIAL_FORMS": 0,
}


@pytest.fixture
def root(db):
    return make_user("root", None, superuser=True)


@pytest.fixture
def report(db) -> Report:
    return Report.objects.create(slug="altay-news", title="接羔育幼忙", source="test")


def season_data(**changes) -> dict:
    return {"kind": "spring", "start_date": "2025-03-01", "end_date": "2025-05-31", **changes}


def figure_data(report: Report, county: County, **changes) -> dict:
    return {
        "key": "burqin-lambs",
        "report": report.pk,
        "prefecture": county.prefecture_id,
        "county": county.pk,
        "as_of": "2025-02-10",
        "metric": "lambs_born",
        "value": "1500",
        "qualifier": "more_than",
        "quote": "产羔1500多只",
        **changes,
    }


def user_data(**changes) -> dict:
    return {
        "username": "new-tech",
        "role": "technician",
        "usable_password": "true",
        "password1": "a long enough pass phrase 7",
        "password2": "a long enough pass phrase 7",
        **NO_GRANTS,
        **changes,
    }


# (what, the page, the service the admin's module calls, the field it names)
WRITES = {
    "season added": ("/admin/livestock/season/add/", "livestock.admin.seasons.season_create"),
    "place added": ("/admin/livestock/village/add/", "livestock.admin.places.place_create"),
    "report added": ("/admin/livestock/report/add/", "livestock.admin.reports.report_create"),
    "figure added": (
        "/admin/livestock/reportedfigure/add/",
        "livestock.admin.reports.figure_create",
    ),
    "user added": ("/admin/auth/user/add/", "livestock.admin.users.user_create"),
}


@pytest.mark.parametrize("what", list(WRITES))
def test_the_admin_adds_through_the_service_and_shows_its_refusal_at_its_field(
    what, root, report, burqin, woyimoke, monkeypatch
):
    url, service = WRITES[what]
    data = {
        "season added": season_data(),
        "place added": {"township": woyimoke.pk, "name": "冲乎尔村", "name_latin": "Chonghur"},
        "report added": {"slug": "bulletin", "title": "简报", "source": "test"},
        "figure added": figure_data(report, burqin),
        "user added": user_data(),
    }[what]
    field = {"place added": "name", "user added": "username"}.get(what, "key")
    field = "start_date" if what == "season added" else "slug" if what == "report added" else field
    before = {model: model.objects.count() for model in MODELS}

    def refuse(*args, **kwargs):
        raise ValidationError({field: ValidationError("refused by the service", code="test")})

    monkeypatch.setattr(service, refuse)
    response = logged_in(root, "en").post(url, data)
    assert response.status_code == 200
    assert field_errors(response)[field] == ["refused by the service"]
    assert {model: model.objects.count() for model in MODELS} == before

    monkeypatch.undo()
    response = logged_in(root, "en").post(url, data)
    assert response.status_code == 302, field_errors(response)
    assert {model: model.objects.count() for model in MODELS} != before


MODELS = [Season, Village, Report, ReportedFigure, get_user_model()]


def test_a_seasons_dates_changed_in_the_admin_move_through_season_update(root, winter_2024):
    response = logged_in(root, "en").post(
        f"/admin/livestock/season/{winter_2024.pk}/change/",
        season_data(kind="winter", start_date="2024-12-01", end_date="2025-03-09"),
    )
    assert response.status_code == 302, field_errors(response)
    winter_2024.refresh_from_db()
    assert winter_2024.end_date == datetime.date(2025, 3, 9)
    assert winter_2024.history.latest("history_date").history_type == "~"


def test_a_figure_outside_its_county_is_refused_at_the_field_and_not_stored(
    root, report, burqin, fuhai, woyimoke
):
    data = figure_data(report, fuhai, township=woyimoke.pk)  # 窝依莫克镇 is in 布尔津县
    response = logged_in(root, "en").post("/admin/livestock/reportedfigure/add/", data)
    assert "county" in field_errors(response)
    assert not ReportedFigure.objects.exists()


def test_a_user_added_in_the_admin_has_the_roles_group_and_the_places_granted(root, burqin):
    data = user_data(
        **{
            "scope_grants-TOTAL_FORMS": 1,
            "scope_grants-0-county": burqin.pk,
        }
    )
    response = logged_in(root, "en").post("/admin/auth/user/add/", data)
    assert response.status_code == 302, field_errors(response)
    user = get_user_model().objects.get(username="new-tech")
    assert [group.name for group in user.groups.all()] == ["technician"]
    assert user.is_staff and user.check_password("a long enough pass phrase 7")
    assert [grant.place for grant in ScopeGrant.objects.filter(user=user)] == [burqin]


@pytest.mark.parametrize("posted", ["abc", "1e5", "9" * 5000, "²"])
def test_a_place_granted_that_is_no_id_is_refused_at_its_field_and_no_user_stored(root, posted):
    """The place a new user may work in, chosen in the admin's autocomplete: a value
    posted that is no id was a 500 (Django's widget looked it up to draw it again)."""
    data = user_data(**{"scope_grants-TOTAL_FORMS": 1, "scope_grants-0-county": posted})
    response = logged_in(root, "en").post("/admin/auth/user/add/", data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not get_user_model().objects.filter(username="new-tech").exists()


def test_a_user_changed_with_a_place_refused_is_not_changed(root, burqin):
    """The user's own fields were saved (by its service, as the form was checked)
    though the page showed the place refused and said nothing was saved."""
    user = make_user("tech", "technician")
    data = {
        "username": "tech-renamed",
        "is_active": "on",
        "is_staff": "on",
        "groups": [group.pk for group in user.groups.all()],
        "date_joined_0": "2025-01-01",
        "date_joined_1": "08:00:00",
        "scope_grants-TOTAL_FORMS": 1,
        "scope_grants-INITIAL_FORMS": 0,
        "scope_grants-0-county": "9" * 30,
    }
    response = logged_in(root, "en").post(f"/admin/auth/user/{user.pk}/change/", data)
    assert response.status_code == 200
    assert field_errors(response) == {}  # the user's own fields were accepted
    assert "Select a valid choice" in response.content.decode()  # the place was not
    user.refresh_from_db()
    assert user.username == "tech"


def test_a_password_set_in_the_admin_is_checked_by_the_validators(root):
    user = make_user("tech", "technician")
    url = f"/admin/auth/user/{user.pk}/password/"
    client = logged_in(root, "en")
    refused = client.post(url, {"password1": "123", "password2": "123"})
    assert refused.status_code == 200
    phrase = "another pass phrase 9"
    changed = client.post(url, {"password1": phrase, "password2": phrase})
    assert changed.status_code == 302
    user.refresh_from_db()
    assert user.check_password(phrase)


def test_every_admin_page_that_adds_or_changes_saves_through_a_service(rf, root):
    """No page of the service's admin saves its own form: each is one whose
    form's save is a service's write (or, the user's page, whose forms and
    places go to the services); the rest only read."""
    request = rf.get("/admin/")
    request.user = root
    saving_itself = [
        type(model_admin).__name__
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label == "livestock" or model is get_user_model()
        if model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
        if not isinstance(model_admin, WrittenByServiceAdmin | UserWithScopeAdmin)
    ]
    assert saving_itself == []
