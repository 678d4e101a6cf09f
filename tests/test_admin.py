"""The technicians' admin, through real HTTP with Django's test client:
scope, read-only officials, entry forms with the rules at their fields,
corrections with reasons, history, and no lost edits."""

import datetime
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from livestock.models import Herder, LambingEntry, LambingRecord
from tests.conftest import PASSWORD

DEC_10 = datetime.date(2024, 12, 10)
DEC_12 = datetime.date(2024, 12, 12)
RECORD_URL = "/admin/livestock/lambingrecord/{}/change/"


def logged_in(user, language: str = "zh-hans") -> Client:
    client = Client(headers={"accept-language": language})
    assert client.login(username=user.username, password=PASSWORD)
    return client


def entry_fields(entry: LambingEntry | None, **values) -> dict:
    fields = {
        "client_uuid": "" if entry else str(uuid.uuid4()),
        "date": entry.date if entry else DEC_12,
        "ewes_lambed": entry.ewes_lambed if entry else 0,
        "lambs_born": entry.lambs_born if entry else 0,
        "lambs_lost": entry.lambs_lost if entry else 0,
        "loss_cause": entry.loss_cause if entry else "",
        "lambs_alive": "" if entry is None or entry.lambs_alive is None else entry.lambs_alive,
        "check_stage": entry.check_stage if entry else "",
        "note": entry.note if entry else "",
        "seen_version": entry.version if entry else "",
    }
    return {**fields, **values}


def record_form(
    record: LambingRecord, *, changed=None, deleted=(), new=(), reason="", seen=None, **fields
) -> dict:
    """The POST a technician's browser sends from the record's change page."""
    changed = changed or {}
    existing = list(record.entries.all())
    data = {
        "herder": record.herder_id,
        "season": record.season_id,
        "ewes_at_start": "" if record.ewes_at_start is None else record.ewes_at_start,
        "seen_version": record.version if seen is None else seen,
        "change_reason": reason,
        "entries-TOTAL_FORMS": len(existing) + len(new),
        "entries-INITIAL_FORMS": len(existing),
        "entries-MIN_NUM_FORMS": 0,
        "entries-MAX_NUM_FORMS": 1000,
        **fields,
    }
    forms = [(entry, changed.get(entry.pk, {})) for entry in existing] + [(None, n) for n in new]
    for index, (entry, values) in enumerate(forms):
        prefix = f"entries-{index}-"
        data[prefix + "record"] = record.pk
        data[prefix + "id"] = entry.pk if entry else ""
        if entry is not None and entry.pk in deleted:
            data[prefix + "DELETE"] = "on"
        for name, value in entry_fields(entry, **values).items():
            data[prefix + name] = value
    return data


def field_errors(response) -> dict:
    """Errors of the record form and of each entry form, by field."""
    errors = dict(response.context["adminform"].form.errors)
    for formset in response.context["inline_admin_formsets"]:
        for form in formset.formset.forms:
            errors.update(form.errors)
        errors.update(
            {"__inline__": formset.formset.non_form_errors()}
            if formset.formset.non_form_errors()
            else {}
        )
    return errors


@pytest.fixture
def two_counties(bieke_record, sailike_record):
    """别克 in 布尔津县 and 赛力克 in 福海县, each with a winter record."""


# Scope


def test_a_fuhai_technician_lists_no_burqin_herder(two_counties, fuhai_technician):
    page = logged_in(fuhai_technician).get("/admin/livestock/herder/").content.decode()
    assert "赛力克·屈克木" in page
    assert "别克·木合亚提" not in page
    assert "布尔津县" not in page  # not even as a filter choice


def test_a_burqin_record_is_a_404_for_a_fuhai_technician(
    two_counties, fuhai_technician, bieke_record
):
    client = logged_in(fuhai_technician)
    assert client.get(RECORD_URL.format(bieke_record.pk)).status_code == 404
    assert (
        client.get(f"/admin/livestock/lambingrecord/{bieke_record.pk}/history/").status_code == 404
    )


def test_a_crafted_post_to_a_burqin_record_changes_nothing(
    two_counties, fuhai_technician, bieke_record
):
    data = record_form(bieke_record, ewes_at_start=1, reason="crafted", new=[{"lambs_born": 9}])
    response = logged_in(fuhai_technician).post(RECORD_URL.format(bieke_record.pk), data)
    assert response.status_code == 404
    bieke_record.refresh_from_db()
    assert bieke_record.ewes_at_start == 150
    assert not bieke_record.entries.exists()


def test_a_records_household_cannot_be_changed_on_its_page(
    fuhai_technician, sailike_record, qibaerwoyi
):
    """A record and its counts stay with their household (as through the API):
    changing the herder would hand every entry to another household, past any
    approval of the first one's township, without a reason."""
    from livestock import services

    services.entry_create(record=sailike_record, date=DEC_10, ewes_lambed=2, lambs_born=3)
    other = services.herder_create(village=qibaerwoyi, name="哈那提", name_latin="Hanati")
    client = logged_in(fuhai_technician, "en")
    page = client.get(RECORD_URL.format(sailike_record.pk)).content.decode()
    assert 'name="herder"' not in page and 'name="season"' not in page
    client.post(RECORD_URL.format(sailike_record.pk), record_form(sailike_record, herder=other.pk))
    sailike_record.refresh_from_db()
    assert sailike_record.herder.name == "赛力克·屈克木"
    assert not LambingRecord.objects.filter(herder=other).exists()


def test_a_records_household_and_season_are_kept_by_the_model(sailike_record, qibaerwoyi):
    from django.core.exceptions import ValidationError

    from livestock import services
    from livestock.models import Season

    other = services.herder_create(village=qibaerwoyi, name="哈那提", name_latin="Hanati")
    spring = Season.objects.create(
        kind="spring", start_date=datetime.date(2025, 3, 1), end_date=datetime.date(2025, 5, 31)
    )
    for field, value in (("herder", other), ("season", spring)):
        record = LambingRecord.objects.get(pk=sailike_record.pk)
        setattr(record, field, value)
        with pytest.raises(ValidationError) as refused:
            record.full_clean()
        assert field in refused.value.message_dict


def test_a_fuhai_technician_cannot_pick_a_burqin_village(two_counties, fuhai_technician, tongke):
    response = logged_in(fuhai_technician, "en").post(
        "/admin/livestock/herder/add/",
        {"name": "新牧户", "name_latin": "New Herder", "village": tongke.pk},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in str(response.context["adminform"].form.errors["village"])
    assert not Herder.objects.filter(name="新牧户").exists()


def test_autocomplete_offers_only_villages_in_scope(two_counties, fuhai_technician):
    response = logged_in(fuhai_technician).get(
        "/admin/autocomplete/",
        {"app_label": "livestock", "model_name": "herder", "field_name": "village", "term": ""},
    )
    assert [result["text"] for result in response.json()["results"]] == [
        "齐巴尔窝依村 Qibaerwoyi Village"
    ]


def test_a_technician_with_no_place_sees_no_herder(two_counties, unscoped_technician):
    page = logged_in(unscoped_technician).get("/admin/livestock/herder/").content.decode()
    assert "赛力克" not in page and "别克" not in page


# Officials read


def test_an_official_can_read_a_record_of_the_county(two_counties, burqin_official, bieke_record):
    response = logged_in(burqin_official).get(RECORD_URL.format(bieke_record.pk))
    assert response.status_code == 200
    assert "别克·木合亚提" in response.content.decode()
    assert not response.context["has_change_permission"]


def test_an_official_cannot_change_or_add(two_counties, burqin_official, bieke_record):
    client = logged_in(burqin_official)
    data = record_form(bieke_record, ewes_at_start=10, reason="r", new=[{"lambs_born": 3}])
    assert client.post(RECORD_URL.format(bieke_record.pk), data).status_code == 403
    assert client.get("/admin/livestock/herder/add/").status_code == 403
    bieke_record.refresh_from_db()
    assert (bieke_record.ewes_at_start, bieke_record.entries.count()) == (150, 0)


# Entering counts


def test_a_technician_adds_todays_count_on_the_record_page(
    two_counties, woyimoke_technician, bieke_record
):
    url = RECORD_URL.format(bieke_record.pk)
    client = logged_in(woyimoke_technician)
    response = client.post(
        url, record_form(bieke_record, new=[{"ewes_lambed": 8, "lambs_born": 11}])
    )
    assert response.status_code == 302, field_errors(response)
    entry = bieke_record.entries.get()
    assert (entry.lambs_born, entry.created_by) == (11, woyimoke_technician)
    page = client.get(url).content.decode()
    assert "137.5%" in page  # lambing rate 11 ÷ 8 in the running totals


def test_a_new_entry_form_is_dated_today(two_counties, woyimoke_technician, bieke_record):
    response = logged_in(woyimoke_technician).get(RECORD_URL.format(bieke_record.pk))
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.forms[-1]["date"].initial == timezone.localdate()


def test_a_broken_rule_shows_at_its_field_in_chinese_and_stores_nothing(
    two_counties, woyimoke_technician, bieke_record
):
    data = record_form(
        bieke_record, new=[{"lambs_born": 5}, {"lambs_lost": 6, "loss_cause": "cold"}]
    )
    response = logged_in(woyimoke_technician).post(RECORD_URL.format(bieke_record.pk), data)
    assert response.status_code == 200
    message = " ".join(field_errors(response)["lambs_lost"])
    assert "死亡羔羊累计将达6只，超过产羔数5只" in message
    assert not bieke_record.entries.exists()


def test_a_future_date_is_refused_at_the_date(two_counties, woyimoke_technician, bieke_record):
    data = record_form(bieke_record, new=[{"date": datetime.date(2025, 3, 5), "lambs_born": 1}])
    response = logged_in(woyimoke_technician, "en").post(RECORD_URL.format(bieke_record.pk), data)
    assert "outside the season" in " ".join(field_errors(response)["date"])
    assert not bieke_record.entries.exists()


# Corrections, history, no lost edits


@pytest.fixture
def counted(bieke_record):
    from livestock import services

    entry, _ = services.entry_create(record=bieke_record, date=DEC_10, ewes_lambed=8, lambs_born=10)
    return entry


def test_correcting_a_saved_count_needs_a_reason(
    two_counties, woyimoke_technician, bieke_record, counted
):
    client = logged_in(woyimoke_technician)
    data = record_form(bieke_record, changed={counted.pk: {"lambs_born": 12}})
    response = client.post(RECORD_URL.format(bieke_record.pk), data)
    assert response.status_code == 200
    assert "更正" in str(field_errors(response)["__inline__"])
    assert LambingEntry.objects.get(pk=counted.pk).lambs_born == 10


def test_a_correction_is_kept_in_the_history_with_who_and_why(
    two_counties, woyimoke_technician, bieke_record, counted
):
    data = record_form(
        bieke_record, changed={counted.pk: {"lambs_born": 12}}, reason="recounted the pen"
    )
    response = logged_in(woyimoke_technician).post(RECORD_URL.format(bieke_record.pk), data)
    assert response.status_code == 302, field_errors(response)
    latest, before = counted.history.order_by("-history_date")[:2]
    assert (before.lambs_born, latest.lambs_born) == (10, 12)
    assert latest.history_user == woyimoke_technician
    assert latest.history_change_reason == "recounted the pen"


def test_a_deleted_entry_stays_in_the_history(
    two_counties, woyimoke_technician, bieke_record, counted
):
    data = record_form(bieke_record, deleted=[counted.pk], reason="entered twice")
    response = logged_in(woyimoke_technician).post(RECORD_URL.format(bieke_record.pk), data)
    assert response.status_code == 302, field_errors(response)
    assert not LambingEntry.objects.filter(pk=counted.pk).exists()
    deletion = LambingEntry.history.filter(id=counted.pk).latest("history_date")
    assert (deletion.history_type, deletion.lambs_born) == ("-", 10)
    assert deletion.history_change_reason == "entered twice"
    page = logged_in(woyimoke_technician).get(RECORD_URL.format(bieke_record.pk)).content.decode()
    deleted_row = page[
        page.index("<td>删除</td>") : page.index("</tr>", page.index("<td>删除</td>"))
    ]
    assert "<td>10</td>" in deleted_row and "entered twice" in deleted_row


def test_the_second_of_two_concurrent_edits_is_refused_and_the_first_kept(
    two_counties, woyimoke_technician, bieke_record
):
    from tests.conftest import make_user

    colleague = make_user("colleague", "technician", bieke_record.herder.village)
    url = RECORD_URL.format(bieke_record.pk)
    first, second = logged_in(woyimoke_technician), logged_in(colleague)
    both_opened = record_form(bieke_record)  # both pages show version 1
    assert first.get(url).status_code == second.get(url).status_code == 200

    saved = first.post(url, {**both_opened, "ewes_at_start": 160, "change_reason": "recount"})
    refused = second.post(url, {**both_opened, "ewes_at_start": 140, "change_reason": "recount"})

    assert saved.status_code == 302
    assert refused.status_code == 200
    message = str(refused.context["adminform"].form.non_field_errors())
    assert "woyimoke-tech" in message and "重新加载" in message
    bieke_record.refresh_from_db()
    assert bieke_record.ewes_at_start == 160


def test_the_record_page_shows_the_herders_reported_figures_as_written(
    two_counties, woyimoke_technician, bieke_record
):
    from livestock.models import Report, ReportedFigure

    report = Report.objects.create(slug="r", title="接羔育幼忙", source="test")
    herder = bieke_record.herder
    ReportedFigure.objects.create(
        key="bieke-ewes",
        report=report,
        prefecture=herder.village.township.county.prefecture,
        county=herder.village.township.county,
        township=herder.village.township,
        village=herder.village,
        herder=herder,
        as_of=DEC_10,
        metric="ewes",
        value=150,
        qualifier="more_than",
        quote="母羊150多只",
    )
    page = logged_in(woyimoke_technician).get(RECORD_URL.format(bieke_record.pk)).content.decode()
    assert "越冬母羊 多/余（以上） 150" in page
    assert "“母羊150多只”" in page


def test_an_old_version_cannot_be_saved_back_from_the_history_page(
    two_counties, burqin_official, woyimoke_technician, bieke_record
):
    old_version = bieke_record.history.earliest("history_date")
    url = f"/admin/livestock/lambingrecord/{bieke_record.pk}/history/{old_version.history_id}/"
    data = record_form(bieke_record, ewes_at_start=999, reason="revert")
    for user in (burqin_official, woyimoke_technician):
        client = logged_in(user)
        assert client.get(url).status_code == 200  # reading the old version is fine
        assert client.post(url, data).status_code == 403
    bieke_record.refresh_from_db()
    assert bieke_record.ewes_at_start == 150


@pytest.mark.parametrize("model", ["county", "village", "reportedfigure"])
def test_the_history_button_of_a_place_or_figure_works(two_counties, burqin_official, model):
    from livestock.models import County, Report, ReportedFigure, Village

    if model == "reportedfigure":
        county = County.objects.get(name="布尔津县")
        report = Report.objects.create(slug="r", title="r", source="test")
        obj = ReportedFigure.objects.create(
            key="k",
            report=report,
            prefecture=county.prefecture,
            county=county,
            as_of=DEC_10,
            metric="ewes",
            value=1,
            qualifier="exact",
            quote="q",
        )
    else:
        obj = {"county": County, "village": Village}[model].objects.first()
    response = logged_in(burqin_official).get(f"/admin/livestock/{model}/{obj.pk}/history/")
    assert response.status_code == 200


def test_a_count_sent_twice_is_stored_once(two_counties, woyimoke_technician, bieke_record):
    client = logged_in(woyimoke_technician, "en")
    url = RECORD_URL.format(bieke_record.pk)
    data = record_form(bieke_record, new=[{"lambs_born": 4}])  # one form, one uuid
    assert client.post(url, data).status_code == 302
    resent = client.post(url, data)  # a double click, or a resend after a timeout
    assert resent.status_code == 200
    assert "sent twice" in str(field_errors(resent)["__inline__"])
    assert list(bieke_record.entries.values_list("lambs_born", flat=True)) == [4]


@pytest.mark.parametrize("url", ["/admin/livestock/lambingrecord/", "/admin/livestock/herder/"])
def test_a_change_list_takes_as_many_queries_for_25_households_as_for_2(
    url, woyimoke_technician, tongke, winter_2024
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from livestock import services

    client = logged_in(woyimoke_technician)
    counts = []
    for total in (2, 25):
        while Herder.objects.count() < total:
            number = Herder.objects.count()
            herder = services.herder_create(village=tongke, name=f"牧户{number}", name_latin="H")
            services.record_create(herder=herder, season=winter_2024, ewes_at_start=100)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_review_list_takes_as_many_queries_for_12_reviews_as_for_2(
    woyimoke_technician, woyimoke, winter_2024
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from livestock import services
    from livestock.models import Review

    client = logged_in(woyimoke_technician)
    counts = []
    for total in (2, 12):
        for day in range(Review.objects.count(), total):
            services.review_submit(
                township=woyimoke,
                season=winter_2024,
                as_of=datetime.date(2024, 12, 1) + datetime.timedelta(days=day),
                user=woyimoke_technician,
            )
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/admin/livestock/review/")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
