"""The technicians' admin, through real HTTP with Django's test client:
scope, read-only officials, entry forms with the rules at their fields,
corrections with reasons, history, and no lost edits."""

import datetime
import re
import uuid
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils import timezone

from livestock.admin.entries import SENT_ONCE
from livestock.models import Herder, LambingEntry, LambingRecord
from livestock.services.entries import NewEntry, entries_create, entry_create
from livestock.services.places import herder_create
from livestock.services.records import record_create
from livestock.services.reviews import review_return, review_submit
from tests.conftest import PASSWORD

DEC_10 = datetime.date(2024, 12, 10)
DEC_12 = datetime.date(2024, 12, 12)
RECORD_URL = "/admin/livestock/lambingrecord/{}/change/"
ENTRY_ADD_URL = "/admin/livestock/lambingrecord/{}/entries/add/"
CORRECT_URL = "/admin/livestock/lambingrecord/{}/entries/{}/correct/"
DELETE_URL = "/admin/livestock/lambingrecord/{}/entries/{}/delete/"


def logged_in(user, language: str = "zh-hans") -> Client:
    client = Client(headers={"accept-language": language})
    assert client.login(username=user.username, password=PASSWORD)
    return client


class PageForms(HTMLParser):
    """The forms of a page as a browser sends them: each form's action and its
    fields with the values the page put in them."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: dict | None = None
        self._textarea: list | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {"action": attrs.get("action") or "", "fields": {}}
            self.forms.append(self._form)
        elif tag == "option" and self._select is not None:
            # The selected option, else the first.
            if self._select["value"] is None or "selected" in attrs:
                self._select["value"] = attrs.get("value", "")
        elif self._form is None or not attrs.get("name"):
            return
        elif tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            checkable = kind in ("checkbox", "radio")
            if checkable and "checked" not in attrs:
                return
            self._form["fields"][attrs["name"]] = attrs.get("value", "on" if checkable else "")
        elif tag == "select":
            self._select = {"name": attrs["name"], "value": None}
        elif tag == "textarea":
            self._textarea = [attrs["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            if self._form is not None:
                self._form["fields"][self._select["name"]] = self._select["value"] or ""
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            if self._form is not None:
                self._form["fields"][name] = text.removeprefix("\n")
            self._textarea = None


def page_form(client: Client, url: str, *, holding: str) -> tuple[str, dict, str]:
    """Open ``url`` and find the form a technician types today's count into:
    the form holding a field named ``holding`` (or ``…-holding``, as an inline
    formset names it; its last one is the blank one). Returns where the form
    is sent, its fields as the page drew them, and the prefix of the blank
    count's fields."""
    response = client.get(url)
    assert response.status_code == 200
    parser = PageForms()
    parser.feed(response.content.decode())
    for form in parser.forms:
        names = [
            n
            for n in form["fields"]
            if (n == holding or n.endswith("-" + holding)) and "__prefix__" not in n
        ]
        if names:
            return form["action"] or url, dict(form["fields"]), names[-1].removesuffix(holding)
    raise AssertionError(f"no form on {url} holds {holding}")


def send_page_form(client: Client, url: str, *, holding: str, **values):
    """Type ``values`` into the form of ``url`` that holds ``holding`` and send
    it, with every other field as the page drew it, as a browser does."""
    action, fields, prefix = page_form(client, url, holding=holding)
    fields.update({prefix + name: value for name, value in values.items()})
    return client.post(action, fields)


def record_form(record: LambingRecord, *, reason="", seen=None, **fields) -> dict:
    """The POST of the record's own form (its ewes at the season's start)."""
    return {
        "ewes_at_start": "" if record.ewes_at_start is None else record.ewes_at_start,
        "seen_version": record.version if seen is None else seen,
        "change_reason": reason,
        **fields,
    }


def todays_count(**values) -> dict:
    """Today's count as the record's page sends it, drawn with a new form."""
    fields = {
        "sent_once": SENT_ONCE.sign(str(uuid.uuid4())),
        "date": DEC_12,
        "ewes_lambed": 0,
        "lambs_born": 0,
        "lambs_lost": 0,
        "loss_cause": "",
        "lambs_alive": "",
        "check_stage": "",
        "note": "",
    }
    return {**fields, **values}


def add_count(client: Client, record: LambingRecord, **values):
    return client.post(ENTRY_ADD_URL.format(record.pk), todays_count(**values))


def correction(entry: LambingEntry, *, reason: str = "", seen=None, **values) -> dict:
    """The correction page's POST for ``entry``, with ``values`` typed in."""
    fields = {name: getattr(entry, name) for name in LambingEntry.CONTENT_FIELDS}
    fields["lambs_alive"] = "" if entry.lambs_alive is None else entry.lambs_alive
    seen_version = entry.version if seen is None else seen
    return {**fields, "reason": reason, "seen_version": seen_version, **values}


def correct(client: Client, entry: LambingEntry, *, reason: str = "", **values):
    url = CORRECT_URL.format(entry.record_id, entry.pk)
    return client.post(url, correction(entry, reason=reason, **values))


def delete(client: Client, entry: LambingEntry, *, reason: str = "", seen=None):
    url = DELETE_URL.format(entry.record_id, entry.pk)
    seen_version = entry.version if seen is None else seen
    return client.post(url, {"reason": reason, "seen_version": seen_version})


def field_errors(response) -> dict:
    """The errors a page shows, by field: the record's form, today's count, or
    the correction or deletion of an entry (``__all__``: at the form's top)."""
    errors = {}
    context = response.context
    if "adminform" in context:
        errors.update(context["adminform"].form.errors)
    for name in ("entry_form", "form"):
        form = context.get(name)
        if hasattr(form, "errors"):
            errors.update(form.errors)
    return errors


def many_entries(record: LambingRecord, count: int) -> None:
    """``count`` entries of a lamb each across the season, made as an import makes them."""
    start = record.season.start_date
    entries_create(
        items=[
            NewEntry(
                record=record,
                uuid=uuid.uuid4(),
                content={"date": start + datetime.timedelta(days=i % 80), "lambs_born": 1},
            )
            for i in range(count)
        ]
    )


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
    client = logged_in(fuhai_technician)
    data = record_form(bieke_record, ewes_at_start=1, reason="crafted")
    assert client.post(RECORD_URL.format(bieke_record.pk), data).status_code == 404
    assert add_count(client, bieke_record, lambs_born=9).status_code == 404
    bieke_record.refresh_from_db()
    assert bieke_record.ewes_at_start == 150
    assert not bieke_record.entries.exists()


def test_a_records_household_cannot_be_changed_on_its_page(
    fuhai_technician, sailike_record, qibaerwoyi
):
    """A record and its counts stay with their household (as through the API):
    changing the herder would hand every entry to another household, past any
    approval of the first one's township, without a reason."""
    entry_create(record=sailike_record, date=DEC_10, ewes_lambed=2, lambs_born=3)
    other = herder_create(village=qibaerwoyi, name="哈那提", name_latin="Hanati")
    client = logged_in(fuhai_technician, "en")
    page = client.get(RECORD_URL.format(sailike_record.pk)).content.decode()
    assert 'name="herder"' not in page and 'name="season"' not in page
    client.post(RECORD_URL.format(sailike_record.pk), record_form(sailike_record, herder=other.pk))
    sailike_record.refresh_from_db()
    assert sailike_record.herder.name == "赛力克·屈克木"
    assert not LambingRecord.objects.filter(herder=other).exists()


def test_a_records_household_and_season_are_kept_by_the_model(sailike_record, qibaerwoyi):
    from django.core.exceptions import ValidationError

    from livestock.models import Season

    other = herder_create(village=qibaerwoyi, name="哈那提", name_latin="Hanati")
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
    data = record_form(bieke_record, ewes_at_start=10, reason="r")
    assert client.post(RECORD_URL.format(bieke_record.pk), data).status_code == 403
    assert add_count(client, bieke_record, lambs_born=3).status_code == 403
    assert "todays-count" not in client.get(RECORD_URL.format(bieke_record.pk)).content.decode()
    assert client.get("/admin/livestock/herder/add/").status_code == 403
    bieke_record.refresh_from_db()
    assert (bieke_record.ewes_at_start, bieke_record.entries.count()) == (150, 0)


# Entering counts


def test_a_technician_adds_todays_count_on_the_record_page(
    two_counties, woyimoke_technician, bieke_record
):
    url = RECORD_URL.format(bieke_record.pk)
    client = logged_in(woyimoke_technician)
    response = send_page_form(
        client, url, holding="lambs_born", date=DEC_12, ewes_lambed=8, lambs_born=11
    )
    assert response.status_code == 302, field_errors(response)
    entry = bieke_record.entries.get()
    assert (entry.lambs_born, entry.created_by) == (11, woyimoke_technician)
    page = client.get(url).content.decode()
    assert "137.5%" in page  # lambing rate 11 ÷ 8 in the running totals


def running_totals_rows(page: str) -> list[list[str]]:
    """The running totals' table of a record page, row by row, by its headers."""
    start = page.index("<th>成活羔羊</th><th>产羔率</th>")
    table = page[page.rindex("<table>", 0, start) : page.index("</table>", start)]
    body = table[table.index("<tbody>") :]
    return [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body)]


def test_the_running_totals_show_lambs_alive_as_a_dash_until_a_survival_check(
    two_counties, woyimoke_technician, bieke_record
):
    entry_create(record=bieke_record, date=DEC_12, ewes_lambed=8, lambs_born=11)
    client = logged_in(woyimoke_technician)
    page = client.get(RECORD_URL.format(bieke_record.pk)).content.decode()
    (row,) = running_totals_rows(page)
    # as of, ewes lambed, lambs born, lamb losses, lambs alive, then the rates
    assert row[:5] == ["2024-12-12", "8", "11", "0", "—"]
    assert row[6] == "—"  # survival rate: nothing to divide
    entry_create(
        record=bieke_record,
        date=DEC_12 + datetime.timedelta(days=7),
        lambs_alive=10,
        check_stage="day7",
    )
    rows = running_totals_rows(client.get(RECORD_URL.format(bieke_record.pk)).content.decode())
    assert rows[0][4] == "—" and rows[1][4] == "10"


def test_a_new_entry_form_is_dated_today(two_counties, woyimoke_technician, bieke_record):
    response = logged_in(woyimoke_technician).get(RECORD_URL.format(bieke_record.pk))
    assert response.context["entry_form"]["date"].initial == timezone.localdate()


def test_a_broken_rule_shows_at_its_field_in_chinese_and_stores_nothing(
    two_counties, woyimoke_technician, bieke_record
):
    client = logged_in(woyimoke_technician)
    assert add_count(client, bieke_record, lambs_born=5).status_code == 302
    response = add_count(client, bieke_record, lambs_lost=6, loss_cause="cold")
    assert response.status_code == 200
    message = " ".join(field_errors(response)["lambs_lost"])
    assert "死亡羔羊累计将达6只，超过产羔数5只" in message
    assert list(bieke_record.entries.values_list("lambs_born", "lambs_lost")) == [(5, 0)]
    # The page again, with the count as typed at the top and the error at its field.
    page = response.content.decode()
    assert page.index('id="todays-count"') < page.index('id="entries"')
    row = page[page.index("field-lambs_lost") : page.index("field-loss_cause")]
    assert "errorlist" in row and 'value="6"' in row


def test_a_future_date_is_refused_at_the_date(two_counties, woyimoke_technician, bieke_record):
    client = logged_in(woyimoke_technician, "en")
    response = add_count(client, bieke_record, date=datetime.date(2025, 3, 5), lambs_born=1)
    assert "outside the season" in " ".join(field_errors(response)["date"])
    assert not bieke_record.entries.exists()


def test_a_count_typed_as_a_word_is_refused_at_its_field(
    two_counties, woyimoke_technician, bieke_record
):
    response = add_count(logged_in(woyimoke_technician, "en"), bieke_record, lambs_born="many")
    assert response.status_code == 200
    assert "whole number" in " ".join(field_errors(response)["lambs_born"])
    assert not bieke_record.entries.exists()


def test_a_form_not_drawn_by_the_page_is_refused(two_counties, woyimoke_technician, bieke_record):
    """The form's id for a count sent twice is the server's: a crafted one
    (another county's entry's uuid, say) is refused as any forged form is."""
    client = logged_in(woyimoke_technician, "en")
    response = add_count(client, bieke_record, sent_once=str(uuid.uuid4()), lambs_born=1)
    assert response.status_code == 200
    assert "reload the page" in " ".join(field_errors(response)["sent_once"])
    assert not bieke_record.entries.exists()


# Corrections, history, no lost edits


@pytest.fixture
def counted(bieke_record):
    entry, _ = entry_create(record=bieke_record, date=DEC_10, ewes_lambed=8, lambs_born=10)
    return entry


def test_past_entries_are_read_only_with_links_to_correct_or_delete_them(
    two_counties, woyimoke_technician, bieke_record, counted
):
    page = logged_in(woyimoke_technician).get(RECORD_URL.format(bieke_record.pk)).content.decode()
    entries = page[page.index('id="entries"') :]
    start = entries.index(f'data-entry="{counted.pk}"')
    row = entries[start : entries.index("</tr>", start)]
    assert "<td>2024-12-10</td>" in row and "<td>10</td>" in row
    assert CORRECT_URL.format(bieke_record.pk, counted.pk) in row
    assert DELETE_URL.format(bieke_record.pk, counted.pk) in row
    assert "<input" not in entries[: entries.index("</table>")]  # nothing to change by accident


@pytest.mark.parametrize("reason", ["", "   "], ids=["none", "spaces"])
def test_correcting_a_saved_count_needs_a_reason(
    two_counties, woyimoke_technician, bieke_record, counted, reason
):
    client = logged_in(woyimoke_technician)
    response = correct(client, counted, lambs_born=12, reason=reason)
    assert response.status_code == 200
    assert "原因为空或只有空格" in str(field_errors(response)["reason"])
    assert LambingEntry.objects.get(pk=counted.pk).lambs_born == 10


def test_the_correction_page_shows_the_entry_as_saved(
    two_counties, woyimoke_technician, bieke_record, counted
):
    client = logged_in(woyimoke_technician)
    url = CORRECT_URL.format(bieke_record.pk, counted.pk)
    action, fields, _prefix = page_form(client, url, holding="lambs_born")
    assert (fields["lambs_born"], fields["date"], fields["seen_version"]) == (
        "10",
        "2024-12-10",
        "1",
    )
    response = client.post(action, {**fields, "lambs_born": 12, "reason": "recounted"})
    assert response.status_code == 302, field_errors(response)
    assert LambingEntry.objects.get(pk=counted.pk).lambs_born == 12


def test_a_correction_is_kept_in_the_history_with_who_and_why(
    two_counties, woyimoke_technician, bieke_record, counted
):
    client = logged_in(woyimoke_technician)
    response = correct(client, counted, lambs_born=12, reason="recounted the pen")
    assert response.status_code == 302, field_errors(response)
    latest, before = counted.history.order_by("-history_date")[:2]
    assert (before.lambs_born, latest.lambs_born) == (10, 12)
    assert latest.history_user == woyimoke_technician
    assert latest.history_change_reason == "recounted the pen"


def test_a_correction_that_breaks_a_running_total_is_refused_at_its_field(
    two_counties, woyimoke_technician, bieke_record, counted
):
    entry_create(record=bieke_record, date=DEC_12, lambs_lost=4, loss_cause="cold", lambs_born=0)
    response = correct(logged_in(woyimoke_technician), counted, lambs_born=3, reason="typo")
    assert response.status_code == 200
    assert "死亡羔羊累计将达4只，超过产羔数3只" in " ".join(field_errors(response)["lambs_born"])
    assert LambingEntry.objects.get(pk=counted.pk).lambs_born == 10


@pytest.mark.parametrize("reason", ["", "   "], ids=["none", "spaces"])
def test_deleting_an_entry_needs_a_reason(
    two_counties, woyimoke_technician, bieke_record, counted, reason
):
    response = delete(logged_in(woyimoke_technician), counted, reason=reason)
    assert response.status_code == 200
    assert "原因为空或只有空格" in str(field_errors(response)["reason"])
    assert LambingEntry.objects.filter(pk=counted.pk).exists()


def test_a_deleted_entry_stays_in_the_history(
    two_counties, woyimoke_technician, bieke_record, counted
):
    response = delete(logged_in(woyimoke_technician), counted, reason="entered twice")
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


@pytest.mark.parametrize("second_edit", ["correct", "delete"])
def test_an_entry_changed_meanwhile_is_not_overwritten_and_says_by_whom(
    two_counties, woyimoke_technician, bieke_record, counted, second_edit
):
    from tests.conftest import make_user

    colleague = make_user("colleague", "technician", bieke_record.herder.village)
    opened = LambingEntry.objects.get(pk=counted.pk)  # both pages show version 1
    saved = correct(logged_in(woyimoke_technician), opened, lambs_born=12, reason="recount")
    assert saved.status_code == 302, field_errors(saved)
    client = logged_in(colleague)
    if second_edit == "correct":
        refused = correct(client, opened, lambs_born=14, reason="recount")
    else:
        refused = delete(client, opened, reason="twice")
    assert refused.status_code == 200
    message = " ".join(field_errors(refused)["__all__"])
    assert "woyimoke-tech" in message and "重新加载" in message
    assert LambingEntry.objects.get(pk=counted.pk).lambs_born == 12


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


def test_the_list_of_reported_figures_writes_each_value_as_the_report_did(
    two_counties, burqin_official
):
    """150 ewes, not the stored 150.00; 1.5 stays 1.5."""
    from livestock.models import County, Report, ReportedFigure

    county = County.objects.get(name="布尔津县")
    report = Report.objects.create(slug="r", title="r", source="test")
    for key, metric, value in (("ewes", "ewes", 150), ("milk", "milk_yield_per_cow", "1.5")):
        ReportedFigure.objects.create(
            key=key,
            report=report,
            prefecture=county.prefecture,
            county=county,
            as_of=DEC_10,
            metric=metric,
            value=value,
            qualifier="exact",
            quote="q",
        )
    page = logged_in(burqin_official).get("/admin/livestock/reportedfigure/").content.decode()
    cells = re.findall(r'<td class="field-value_shown">([^<]*)</td>', page)
    assert sorted(cells) == ["1.5", "150"]


def test_a_count_sent_twice_is_stored_once(two_counties, woyimoke_technician, bieke_record):
    client = logged_in(woyimoke_technician, "en")
    data = todays_count(lambs_born=4)  # one form, drawn once
    assert client.post(ENTRY_ADD_URL.format(bieke_record.pk), data).status_code == 302
    resent = client.post(ENTRY_ADD_URL.format(bieke_record.pk), data)  # a double tap, a resend
    assert resent.status_code == 200
    assert "sent twice" in str(field_errors(resent)["__all__"])
    changed = client.post(ENTRY_ADD_URL.format(bieke_record.pk), {**data, "lambs_born": 5})
    assert "sent twice" in str(field_errors(changed)["__all__"])
    assert list(bieke_record.entries.values_list("lambs_born", flat=True)) == [4]


@pytest.mark.parametrize("url", ["/admin/livestock/lambingrecord/", "/admin/livestock/herder/"])
def test_a_change_list_takes_as_many_queries_for_25_households_as_for_2(
    url, woyimoke_technician, tongke, winter_2024
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = logged_in(woyimoke_technician)
    counts = []
    for total in (2, 25):
        while Herder.objects.count() < total:
            number = Herder.objects.count()
            herder = herder_create(village=tongke, name=f"牧户{number}", name_latin="H")
            record_create(herder=herder, season=winter_2024, ewes_at_start=100)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_review_list_takes_as_many_queries_for_12_reviews_as_for_2(
    woyimoke_technician, woyimoke, winter_2024
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from livestock.models import Review

    client = logged_in(woyimoke_technician)
    counts = []
    for total in (2, 12):
        for day in range(Review.objects.count(), total):
            review_submit(
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


# A season of entries (issue 14): every save carries one entry's fields


def test_a_record_of_81_entries_takes_todays_count_as_its_page_sends_it(
    two_counties, woyimoke_technician, bieke_record
):
    """The page used to be one form of every entry (twelve fields each): the
    81st entry took it past Django's cap of 1,000 fields a request, and every
    save of the record was a 400 (TooManyFieldsSent). The page's form is sent
    as the page draws it, so this fails on that page."""
    many_entries(bieke_record, 81)
    client = logged_in(woyimoke_technician)
    response = send_page_form(
        client,
        RECORD_URL.format(bieke_record.pk),
        holding="lambs_born",
        date="2024-12-20",
        ewes_lambed=2,
        lambs_born=3,
    )
    assert response.status_code == 302, response.status_code
    assert bieke_record.entries.count() == 82
    assert bieke_record.entries.filter(ewes_lambed=2, lambs_born=3).exists()


def test_a_record_of_500_entries_takes_a_new_count_and_a_correction(
    two_counties, woyimoke_technician, bieke_record
):
    many_entries(bieke_record, 500)
    client = logged_in(woyimoke_technician)
    url = RECORD_URL.format(bieke_record.pk)
    added = send_page_form(
        client, url, holding="lambs_born", date="2025-02-20", ewes_lambed=4, lambs_born=6
    )
    assert added.status_code == 302, field_errors(added)
    assert bieke_record.entries.count() == 501

    # The newest entry is first in the list; its link opens its correction.
    page = client.get(url)
    newest = page.context["entry_rows"][0]["entry"]
    assert (newest.date, newest.lambs_born) == (datetime.date(2025, 2, 20), 6)
    corrected = send_page_form(
        client,
        CORRECT_URL.format(bieke_record.pk, newest.pk),
        holding="lambs_born",
        lambs_born=7,
        reason="recounted",
    )
    assert corrected.status_code == 302, field_errors(corrected)
    assert LambingEntry.objects.get(pk=newest.pk).lambs_born == 7
    assert bieke_record.entries.count() == 501
    assert sum(bieke_record.entries.values_list("lambs_born", flat=True)) == 500 + 7


def test_past_entries_are_listed_newest_first_a_page_at_a_time(
    two_counties, woyimoke_technician, bieke_record
):
    from livestock.admin.entries import ENTRIES_PER_PAGE

    many_entries(bieke_record, 60)
    client = logged_in(woyimoke_technician)
    url = RECORD_URL.format(bieke_record.pk)
    first = client.get(url)
    dates = [row["entry"].date for row in first.context["entry_rows"]]
    assert len(dates) == ENTRIES_PER_PAGE and dates == sorted(dates, reverse=True)
    last = client.get(url, {"entries_page": 3})
    older = [row["entry"].date for row in last.context["entry_rows"]]
    assert len(older) == 60 - 2 * ENTRIES_PER_PAGE and max(older) <= min(dates)
    assert "entries_page=2" in last.content.decode()
    assert client.get(url, {"entries_page": "abc"}).status_code == 200


def test_the_record_page_takes_as_many_queries_for_150_entries_as_for_3(
    two_counties, woyimoke_technician, bieke_record
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = logged_in(woyimoke_technician)
    url = RECORD_URL.format(bieke_record.pk)
    # A process's first page reads what it then keeps (the content types): run
    # alone, the test's first count held that query and the second did not.
    assert client.get(url).status_code == 200
    counts = []
    for total in (3, 150):
        many_entries(bieke_record, total - bieke_record.entries.count())
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# Side doors (issue 18)


def test_a_technician_of_one_village_does_not_see_the_townships_review(
    two_counties, woyimoke_technician, burqin_official, bieke_record
):
    """A review holds the whole township's totals and the official's comment;
    a technician granted only 别克's village reads neither on his record."""
    from tests.conftest import make_user

    review = review_submit(
        township=bieke_record.herder.village.township,
        season=bieke_record.season,
        as_of=DEC_10,
        user=woyimoke_technician,
    )
    review_return(review=review, user=burqin_official, comment="请核实全乡的数字")
    village_technician = make_user("tongke-tech", "technician", bieke_record.herder.village)
    url = RECORD_URL.format(bieke_record.pk)

    township_page = logged_in(woyimoke_technician).get(url).content.decode()
    assert "请核实全乡的数字" in township_page and "burqin-official" in township_page
    village_page = logged_in(village_technician).get(url).content.decode()
    assert "请核实全乡的数字" not in village_page
    assert "burqin-official" not in village_page and "退回" not in village_page


def test_an_entry_of_another_county_answers_as_one_that_does_not_exist(
    two_counties, woyimoke_technician, bieke_record, sailike_record
):
    """Naming another county's entry (in a crafted correction, deletion, or an
    old page's inline form) and naming no entry at all get the same answer,
    and nothing changes."""
    others, _ = entry_create(record=sailike_record, date=DEC_10, lambs_born=5)
    mine, _ = entry_create(record=bieke_record, date=DEC_10, lambs_born=5)
    missing = others.pk + 1000
    client = logged_in(woyimoke_technician)

    def answers(entry_id: int) -> list:
        correction_data = {**correction(others, reason="x"), "lambs_born": 1}
        inline = {
            **record_form(bieke_record, reason="x"),
            "entries-TOTAL_FORMS": 2,
            "entries-INITIAL_FORMS": 2,
            "entries-0-id": mine.pk,
            "entries-0-record": bieke_record.pk,
            "entries-1-id": entry_id,
            "entries-1-record": bieke_record.pk,
            "entries-1-lambs_born": 1,
            "entries-1-DELETE": "on",
        }
        responses = [
            client.post(CORRECT_URL.format(bieke_record.pk, entry_id), correction_data),
            client.post(DELETE_URL.format(bieke_record.pk, entry_id), {"reason": "x"}),
            client.get(CORRECT_URL.format(bieke_record.pk, entry_id)),
            client.post(RECORD_URL.format(bieke_record.pk), inline),
        ]
        return [(r.status_code, r.headers.get("Location")) for r in responses]

    assert answers(others.pk) == answers(missing)
    assert answers(others.pk)[:3] == [(404, None)] * 3
    others.refresh_from_db()
    assert (others.lambs_born, others.version) == (5, 1)
    assert LambingEntry.objects.count() == 2


# The index


def test_the_index_lists_what_a_technician_does_first(woyimoke_technician):
    """Grouped by the day's work, in that order, not ten models by code point."""
    response = logged_in(woyimoke_technician).get("/admin/")
    groups = [
        (str(app["name"]), [model["object_name"] for model in app["models"]])
        for app in response.context["app_list"]
    ]
    assert groups == [
        ("日常计数", ["LambingRecord", "Herder"]),
        ("审核与报告", ["Review", "ReportedFigure", "Report"]),
        ("地点", ["Village", "Township", "County", "Prefecture"]),
        ("产羔季", ["Season"]),
    ]
    page = response.content.decode()
    assert page.index("产羔档案") < page.index("牧户") < page.index("审核") < page.index("地区")


def test_a_record_is_added_through_the_service_and_a_second_one_refused_at_the_form(
    woyimoke_technician, tongke, winter_2024
):
    herder = herder_create(village=tongke, name="哈那提", name_latin="Hanati")
    client = logged_in(woyimoke_technician, "en")
    data = {"herder": herder.pk, "season": winter_2024.pk, "ewes_at_start": 120}
    response = client.post("/admin/livestock/lambingrecord/add/", data)
    assert response.status_code == 302, field_errors(response)
    record = LambingRecord.objects.get(herder=herder)
    assert record.ewes_at_start == 120
    assert record.history.get().history_user == woyimoke_technician

    again = client.post("/admin/livestock/lambingrecord/add/", {**data, "ewes_at_start": 99})
    assert again.status_code == 200
    assert "already has a record" in " ".join(field_errors(again)["__all__"])
    assert LambingRecord.objects.filter(herder=herder).count() == 1


def test_a_herder_changed_meanwhile_is_not_overwritten_in_the_admin(
    two_counties, woyimoke_technician, bieke
):
    from tests.conftest import make_user

    colleague = make_user("colleague", "technician", bieke.village)
    url = f"/admin/livestock/herder/{bieke.pk}/change/"
    opened = {"village": bieke.village_id, "name": bieke.name, "seen_version": bieke.version}
    saved = logged_in(woyimoke_technician).post(url, {**opened, "name_latin": "Bieke M."})
    assert saved.status_code == 302, field_errors(saved)
    refused = logged_in(colleague).post(url, {**opened, "name_latin": "Bieke Mukhiyat"})
    assert refused.status_code == 200
    assert "woyimoke-tech" in " ".join(field_errors(refused)["__all__"])
    bieke.refresh_from_db()
    assert bieke.name_latin == "Bieke M."


@pytest.mark.parametrize("seen_version", [None, ""])
def test_a_change_that_does_not_say_the_version_it_was_made_from_is_refused(
    two_counties, woyimoke_technician, bieke, seen_version
):
    """Without it the version was not checked: a POST made some other way than
    from the page saved over the colleague's newer edit."""
    from tests.conftest import make_user

    colleague = make_user("colleague", "technician", bieke.village)
    url = f"/admin/livestock/herder/{bieke.pk}/change/"
    opened = {"village": bieke.village_id, "name": bieke.name}
    saved = logged_in(woyimoke_technician).post(
        url, {**opened, "seen_version": bieke.version, "name_latin": "Bieke M."}
    )
    assert saved.status_code == 302, field_errors(saved)
    version = {} if seen_version is None else {"seen_version": seen_version}

    refused = logged_in(colleague, "en").post(
        url, {**opened, **version, "name_latin": "Bieke Mukhiyat"}
    )

    assert refused.status_code == 200
    assert field_errors(refused)["seen_version"] == ["This field is required."]
    bieke.refresh_from_db()
    assert (bieke.name_latin, bieke.version) == ("Bieke M.", 2)


@pytest.mark.parametrize(
    "url, field",
    [
        ("/admin/livestock/lambingrecord/add/", "herder"),
        ("/admin/livestock/herder/add/", "village"),
    ],
)
@pytest.mark.parametrize("posted", ["abc", "1e5", "99999999999999999999999", "9" * 5000, "²"])
def test_a_chosen_place_or_household_that_is_no_id_is_refused_at_its_field(
    fuhai_technician, url, field, posted
):
    client = logged_in(fuhai_technician, "en")
    answer = client.post(url, {field: posted})
    assert answer.status_code == 200
    assert field in answer.context["adminform"].form.errors


def test_a_household_named_like_one_of_its_village_is_added_only_once_confirmed(
    fuhai_technician, sailike, qibaerwoyi
):
    """A zero-width space pasted into the name: refused, naming the household it
    looks like and the character; the box to confirm is offered then, not before."""
    client = logged_in(fuhai_technician)
    url = "/admin/livestock/herder/add/"
    assert 'type="checkbox" name="confirm_distinct"' not in client.get(url).content.decode()
    typed = {
        "village": qibaerwoyi.pk,
        "name": "赛力克\u200b·屈克木",
        "name_latin": "Sailike Qukemu",
        "name_kazakh": "",
        "seen_version": "",
    }
    response = client.post(url, typed)
    assert response.status_code == 200
    [error] = field_errors(response)["name"]
    assert error.startswith(
        f"与本村牧户赛力克·屈克木 Sailike Qukemu（id {sailike.pk}）的名字相似，"
        "不同之处：U+200B ZERO WIDTH SPACE。如确为另一户，请勾选“确为另一户”"
    )
    assert (
        f" · looks like the name of the household 赛力克·屈克木 Sailike Qukemu (id {sailike.pk})"
        in error
    )
    page = response.content.decode()
    assert 'type="checkbox" name="confirm_distinct"' in page
    assert Herder.objects.count() == 1

    parser = PageForms()
    parser.feed(page)
    [form] = [form for form in parser.forms if "name_latin" in form["fields"]]
    response = client.post(url, {**form["fields"], "confirm_distinct": "on"})
    assert response.status_code == 302
    assert Herder.objects.filter(village=qibaerwoyi).count() == 2


def test_a_household_renamed_like_another_of_its_village_is_refused_until_confirmed(
    fuhai_technician, sailike, qibaerwoyi
):
    """哈力木·别克 renamed 賽力克·屈克木 (赛力克·屈克木 in traditional characters) on
    its change page, as a browser sends the page's form: refused at the name,
    naming 赛力克 and the characters that differ, in Chinese with English beside
    it; nothing stored changes, and the box to confirm is offered then. Ticked,
    the rename is saved."""
    halimu = herder_create(village=qibaerwoyi, name="哈力木·别克", name_latin="Halimu Bieke")
    client = logged_in(fuhai_technician)
    url = f"/admin/livestock/herder/{halimu.pk}/change/"
    assert 'type="checkbox" name="confirm_distinct"' not in client.get(url).content.decode()
    _action, fields, _prefix = page_form(client, url, holding="name_latin")

    response = client.post(url, {**fields, "name": "賽力克·屈克木"})

    assert response.status_code == 200
    [error] = field_errors(response)["name"]
    chinese, english = error.split(" · ")
    assert chinese == (
        f"与本村牧户赛力克·屈克木 Sailike Qukemu（id {sailike.pk}）的名字相似，不同之处："
        "U+8CFD CJK UNIFIED IDEOGRAPH-8CFD; U+8D5B CJK UNIFIED IDEOGRAPH-8D5B。"
        "如确为另一户，请勾选“确为另一户”（API 中：confirm_distinct: true）后再保存。"
    )
    assert english == (
        f"looks like the name of the household 赛力克·屈克木 Sailike Qukemu (id {sailike.pk}) "
        "of this village; they differ in: U+8CFD CJK UNIFIED IDEOGRAPH-8CFD; "
        "U+8D5B CJK UNIFIED IDEOGRAPH-8D5B. If it truly is another household, tick "
        "“This is another household” (in the API: confirm_distinct: true) and save it again."
    )
    page = response.content.decode()
    assert 'type="checkbox" name="confirm_distinct"' in page
    halimu.refresh_from_db()
    assert (halimu.name, halimu.version, halimu.history.count()) == ("哈力木·别克", 1, 1)

    parser = PageForms()
    parser.feed(page)
    [form] = [form for form in parser.forms if "name_latin" in form["fields"]]
    assert form["fields"]["name"] == "賽力克·屈克木"
    confirmed = client.post(url, {**form["fields"], "confirm_distinct": "on"})
    assert confirmed.status_code == 302, field_errors(confirmed)
    halimu.refresh_from_db()
    assert (halimu.name, halimu.version) == ("賽力克·屈克木", 2)


def test_a_household_is_not_its_own_look_alike_renamed_in_traditional_characters_or_not(
    fuhai_technician, sailike
):
    """赛力克·屈克木 written 賽力克·屈克木 looks like one household alone: itself."""
    client = logged_in(fuhai_technician)
    url = f"/admin/livestock/herder/{sailike.pk}/change/"
    unchanged = send_page_form(client, url, holding="name_latin")
    assert unchanged.status_code == 302, field_errors(unchanged)

    renamed = send_page_form(client, url, holding="name_latin", name="賽力克·屈克木")

    assert renamed.status_code == 302, field_errors(renamed)
    sailike.refresh_from_db()
    assert sailike.name == "賽力克·屈克木"
    assert Herder.objects.count() == 1
