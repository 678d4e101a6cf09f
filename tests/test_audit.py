"""The audit trail: every write, through any surface, is kept with who made it
and how, and a superuser reads them all in one list, filtered, and as files."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from livestock.admin import audit_trail as admin_audit
from livestock.audit import single_insert
from livestock.audit.attribution import acting_as
from livestock.audit.trail import audited_models
from livestock.models import Herder, LambingEntry, Prefecture, ScopeGrant
from livestock.services.entries import entry_create, entry_delete, entry_update
from livestock.services.places import herder_create, herder_update
from livestock.services.reviews import review_submit
from tests.conftest import make_user
from tests.test_admin import add_count, logged_in
from tests.test_api_base import api

AUDIT_URL = "/admin/audit/"
DEC_5 = datetime.date(2024, 12, 5)


@pytest.fixture
def auditor(db):
    """The superuser who reads the audit trail."""
    return make_user("auditor", None, superuser=True)


def screen_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.content[:2000]
    return [change.as_row() for change in response.context["changes"]]


def audit(auditor, **filters) -> list[list[str]]:
    """The rows of the audit trail's first page, filtered (English)."""
    return screen_rows(logged_in(auditor, "en").get(AUDIT_URL, filters))


def csv_rows(content: bytes) -> list[list[str]]:
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    blank = lines.index([])
    return lines[blank + 2 :]  # after the context lines, the blank one and the headers


def test_writes_inside_acting_as_name_the_user_in_the_history(bieke_record):
    clerk = make_user("clerk", "technician")
    with acting_as(clerk):
        entry, _ = entry_create(
            record=bieke_record, date=datetime.date(2024, 12, 5), ewes_lambed=1, lambs_born=1
        )
    entry_update(entry=entry, reason="typo", lambs_born=2)

    users = [h.history_user for h in entry.history.order_by("history_date")]
    assert users == [clerk, None]


@pytest.mark.parametrize("acting", ["clerk", None])
def test_an_entry_stored_with_its_history_in_one_statement_keeps_what_save_keeps(
    bieke_record, acting
):
    """``audit.single_insert`` (a single create's entry and history row, one
    statement on PostgreSQL) stores the rows ``save()`` and simple-history's
    signal store: every field, who, why, how, '+'."""
    user = make_user("clerk", "technician") if acting else None
    rows = []
    for insert in (single_insert.insert_with_history, LambingEntry.save):
        entry = LambingEntry(
            record=bieke_record, date=DEC_5, lambs_lost=2, loss_cause="cold", created_by=user
        )
        entry._change_reason = "counted twice"
        with acting_as(user, surface="api", source="POST /api/v1/entries/"):
            insert(entry)
        stored = LambingEntry.objects.filter(pk=entry.pk).values().get()
        (history,) = LambingEntry.history.filter(id=entry.pk).values()
        assert entry.created_at == stored["created_at"] == history["created_at"]
        assert history["history_date"] >= entry.created_at
        assert (entry.version, stored["version"]) == (1, 1)
        differing = {"id", "uuid", "created_at", "history_id", "history_date"}
        rows.append(
            (
                {name: value for name, value in stored.items() if name not in differing},
                {name: value for name, value in history.items() if name not in differing},
                {name: stored[name] == history[name] for name in stored},
            )
        )
    assert rows[0] == rows[1]
    assert rows[0][1]["history_user_id"] == (user.pk if user else None)
    assert rows[0][1]["history_change_reason"] == "counted twice"
    assert all(rows[0][2].values())


def test_an_entry_added_through_the_admin_names_its_technician(
    auditor, woyimoke_technician, bieke_record
):
    client = logged_in(woyimoke_technician)
    response = add_count(client, bieke_record, date=DEC_5, ewes_lambed=2, lambs_born=3)
    assert response.status_code == 302

    (row,) = audit(auditor, model="livestock.lambingentry")
    _when, who, surface, source, model, _object, action, changes, _reason = row
    assert (who, surface, model, action) == ("woyimoke-tech", "admin", "lambing entry", "added")
    assert source == f"POST /admin/livestock/lambingrecord/{bieke_record.pk}/entries/add/"
    assert "lambs born: 3" in changes


def test_a_correction_through_the_api_shows_before_after_and_reason(
    auditor, fuhai_technician, sailike_record
):
    entry, _ = entry_create(record=sailike_record, date=DEC_5, lambs_born=4)
    response = api(fuhai_technician).patch(
        f"/api/v1/entries/{entry.pk}/", {"lambs_born": 5, "reason": "recounted the pen"}
    )
    assert response.status_code == 200, response.content

    newest = audit(auditor, model="livestock.lambingentry", user="fuhai-tech")
    assert len(newest) == 1
    _when, who, surface, source, _model, obj, action, changes, reason = newest[0]
    assert (who, surface, action, reason) == ("fuhai-tech", "API", "changed", "recounted the pen")
    assert source == f"PATCH /api/v1/entries/{entry.pk}/"
    assert obj == f"#{entry.pk} (2024-12-05)"
    assert changes == "lambs born: 4 → 5"


def test_a_command_run_as_a_user_names_them_and_the_command(auditor, fuhai):
    call_command(
        "add_user",
        *("aliya", "--role", "technician", "--place", "福海县", "--as", "auditor"),
        stdin=io.StringIO(""),
        stdout=io.StringIO(),
    )

    rows = audit(auditor, model="livestock.scopegrant")
    assert len(rows) == 1
    _when, who, surface, source, _model, _obj, action, changes, _reason = rows[0]
    assert (who, surface, action) == ("auditor", "command", "added")
    assert source.startswith("manage.py add_user (OS user ")
    assert "user: aliya" in changes and "county: 福海县 Fuhai County" in changes
    given_a_role, added = audit(auditor, model="auth.user", user="auditor")  # newest first
    assert added[5] == given_a_role[5] == f"#{User.objects.get(username='aliya').pk} aliya"
    assert (given_a_role[6], given_a_role[7]) == ("changed", "groups: — → technician")


def test_an_integration_given_write_access_shows_its_permissions(auditor, altay):
    call_command(
        "add_user",
        *("stats", "--role", "integration", "--place", "阿勒泰地区", "--write", "--as", "auditor"),
        stdin=io.StringIO(""),
        stdout=io.StringIO(),
    )

    changes = [row[7] for row in audit(auditor, model="auth.user", user="auditor")]
    permissions = next(change for change in changes if change.startswith("user permissions"))
    assert "add_lambingentry" in permissions


def test_a_command_run_without_a_user_still_says_which_command_and_os_user(auditor):
    call_command("seed_reports", stdout=io.StringIO())

    rows = audit(auditor, model="livestock.prefecture")
    assert rows
    _when, who, surface, source, *_rest = rows[0]
    assert (who, surface) == ("—", "command")
    assert source.startswith("manage.py seed_reports (OS user ")
    assert not Prefecture.history.filter(history_surface="").exists()


@pytest.mark.parametrize("argv", [["-c"], ["-m"], []])
def test_a_change_made_by_python_code_outside_a_request_is_named_python(argv, monkeypatch, db):
    """``python -c`` (a test runner's worker, a one-line script): the history said
    "-c (OS user root)", and the audit file '-c (…), as a formula made harmless."""
    monkeypatch.setattr("sys.argv", argv)
    Prefecture.objects.create(name="测试地区", name_latin="Test")
    source = Prefecture.history.get(name="测试地区").history_source
    assert source.startswith("python (OS user "), source


def test_a_command_refuses_an_unknown_acting_user(db):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="--as 'nobody'"):
        call_command("seed_reports", acting_username="nobody")
    assert not Prefecture.objects.exists()


def test_scope_grants_and_users_changed_in_the_admin_are_kept(auditor, fuhai, burqin):
    technician = make_user("tech", "technician", fuhai)
    grant = ScopeGrant.objects.get(user=technician)
    client = logged_in(auditor, "en")
    response = client.post(
        f"/admin/auth/user/{technician.pk}/change/",
        {
            "username": "tech",
            "is_active": "on",
            "is_staff": "on",
            "date_joined_0": "2025-01-01",
            "date_joined_1": "08:00:00",
            "groups": [Group.objects.get(name="official").pk],
            "scope_grants-TOTAL_FORMS": 1,
            "scope_grants-INITIAL_FORMS": 1,
            "scope_grants-0-id": grant.pk,
            "scope_grants-0-user": technician.pk,
            "scope_grants-0-county": burqin.pk,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors

    # The admin sets the groups: the old one is removed, then the new one added.
    user_changes = [row[7] for row in audit(auditor, model="auth.user", user="auditor")]
    assert "groups: technician → —" in user_changes
    assert "groups: — → official" in user_changes
    (row,) = audit(auditor, model="livestock.scopegrant", user="auditor")
    assert row[6] == "changed"
    assert row[7] == "county: 福海县 Fuhai County → 布尔津县 Burqin County"
    assert audit(auditor, place=f"county:{burqin.pk}", user="auditor")[0][4] == "scope grant"


def test_logging_in_adds_no_change(auditor):
    before = User.history.count()
    logged_in(auditor)
    assert User.history.count() == before


def test_only_a_superuser_may_open_the_audit_trail(fuhai_technician, prefecture_official, db):
    for user in (fuhai_technician, prefecture_official):
        assert logged_in(user).get(AUDIT_URL).status_code == 403
        assert logged_in(user).get(AUDIT_URL, {"format": "csv"}).status_code == 403
    response = logged_in(fuhai_technician).get("/admin/")
    assert AUDIT_URL not in response.content.decode()

    anonymous = api().get(AUDIT_URL)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/admin/login/")


def test_the_list_filters_by_date_user_model_and_place(
    auditor, woyimoke_technician, fuhai_technician, bieke_record, sailike_record
):
    with acting_as(woyimoke_technician):
        entry_create(record=bieke_record, date=DEC_5, lambs_born=1)
    with acting_as(fuhai_technician):
        entry_create(record=sailike_record, date=DEC_5, lambs_born=2)
    burqin = bieke_record.herder.village.township.county
    today = datetime.date.today().isoformat()

    by_user = audit(auditor, user="woyimoke-tech")
    assert [row[1] for row in by_user] == ["woyimoke-tech"]
    by_place = audit(auditor, place=f"county:{burqin.pk}", model="livestock.lambingentry")
    assert [row[1] for row in by_place] == ["woyimoke-tech"]
    by_township = audit(auditor, place=f"township:{bieke_record.herder.village.township_id}")
    assert {row[4] for row in by_township} == {
        "township",
        "village",
        "herder household",
        "lambing record",
        "lambing entry",
        "scope grant",  # the technician's grant on 窝依莫克镇
    }
    assert audit(auditor, date_from="2020-01-01", date_to="2020-12-31") == []
    assert len(audit(auditor, date_from=today, date_to=today, model="livestock.lambingentry")) == 2
    bad = logged_in(auditor, "en").get(AUDIT_URL, {"user": "nobody", "date_from": "x"})
    assert bad.status_code == 400
    assert "No user is named nobody" in bad.content.decode()


def test_the_files_hold_the_rows_of_the_screen(auditor, fuhai_technician, sailike_record):
    with acting_as(fuhai_technician):
        entry, _ = entry_create(record=sailike_record, date=DEC_5, lambs_born=3)
        entry_update(entry=entry, reason="=1+1 typo", lambs_born=4)
        entry_delete(entry=entry, reason="double count")
    client = logged_in(auditor, "en")
    filters = {"model": "livestock.lambingentry"}
    shown = screen_rows(client.get(AUDIT_URL, filters))
    assert [row[6] for row in shown] == ["deleted", "changed", "added"]

    as_csv = client.get(AUDIT_URL, {**filters, "format": "csv"})
    assert as_csv["Content-Type"].startswith("text/csv")
    rows = csv_rows(as_csv.content)
    assert "kind of object,lambing entry" in as_csv.content.decode("utf-8-sig")
    assert rows[1][8] == "'=1+1 typo"  # stays text in a spreadsheet
    rows[1][8] = rows[1][8][1:]
    assert rows == shown

    as_xlsx = client.get(AUDIT_URL, {**filters, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    values = [["" if cell is None else str(cell) for cell in row] for row in sheet.values]
    header = next(index for index, row in enumerate(values) if row[0] == "when")
    table = values[header + 1 :]
    table[1][8] = table[1][8][1:]
    assert table == shown


def test_pages_hold_fifty_changes_newest_first_and_the_file_all_of_them(
    auditor, fuhai_technician, sailike_record, qibaerwoyi, monkeypatch
):
    with acting_as(fuhai_technician):
        for day in range(40):
            entry_create(
                record=sailike_record, date=datetime.date(2024, 12, 1) + datetime.timedelta(day)
            )
            if day % 2:
                herder_create(village=qibaerwoyi, name=f"牧民{day}", name_latin="H")
    client = logged_in(auditor, "en")
    first = client.get(AUDIT_URL, {"user": "fuhai-tech"})
    second = client.get(AUDIT_URL, {"user": "fuhai-tech", "page": 2})

    assert len(screen_rows(first)) == 50 and len(screen_rows(second)) == 10
    shown = screen_rows(first) + screen_rows(second)
    assert shown[0][5].endswith(" 牧民39") and shown[1][5].endswith("(2025-01-09)")
    assert shown[-1][5].endswith("(2024-12-01)")
    assert "page 1 of 2" in first.content.decode()
    # The file reads the changes a chunk at a time; none is lost or repeated.
    monkeypatch.setattr(admin_audit, "EXPORT_CHUNK", 7)
    as_csv = client.get(AUDIT_URL, {"user": "fuhai-tech", "format": "csv"})
    assert csv_rows(as_csv.content) == shown


def test_a_page_takes_as_many_queries_with_many_changes_as_with_few(
    auditor, fuhai_technician, sailike_record, qibaerwoyi
):
    def queries_for_a_page() -> int:
        """A page of changes to herders and entries, added and changed: each
        model on the page costs its own queries, each change none."""
        client = logged_in(auditor, "en")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(AUDIT_URL, {"user": "fuhai-tech"}).status_code == 200
        return len(queries)

    def add_changes(count: int, first: int = 0) -> None:
        with acting_as(fuhai_technician):
            for number in range(first, first + count):
                herder = herder_create(
                    village=qibaerwoyi, name=f"牧民{number}", name_latin=f"Herder {number}"
                )
                entry, _ = entry_create(record=sailike_record, date=DEC_5, lambs_born=number)
                entry_update(entry=entry, reason="recount", lambs_born=number + 1)
                herder_update(herder, name=f"牧民{number}号")

    add_changes(3)
    few = queries_for_a_page()
    add_changes(20, first=3)  # other names: a household is not renamed like another
    many = queries_for_a_page()

    assert many == few
    # The session, the user, the form's places, the count, the newest rows of
    # each history table, then for the page: each model's rows, their earlier
    # versions, the users, the names referred to.
    assert many <= len(audited_models()) + 16
    assert LambingEntry.history.count() == 46 and Herder.history.count() > 40


def test_a_review_of_a_township_is_in_the_trail_under_its_township(
    auditor, woyimoke, winter_2024, woyimoke_technician, bieke_record
):
    entry_create(record=bieke_record, date=DEC_5, lambs_born=1)
    with acting_as(woyimoke_technician):
        review_submit(
            township=woyimoke,
            season=winter_2024,
            as_of=datetime.date(2024, 12, 15),
            user=woyimoke_technician,
        )

    (row,) = audit(auditor, place=f"township:{woyimoke.pk}", model="livestock.review")
    assert (row[1], row[6]) == ("woyimoke-tech", "added")
    assert "review state: submitted" in row[7]


def test_an_import_is_in_the_trail_with_its_user_and_file(
    auditor, fuhai_technician, sailike, winter_2024, english
):
    from pathlib import Path

    data = Path(__file__).parent / "data" / "counts_good.csv"
    call_command(
        "import_counts",
        str(data),
        "--user",
        "fuhai-tech",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )

    rows = audit(auditor, user="fuhai-tech", model="livestock.lambingentry")
    assert len(rows) == 4
    assert {(row[1], row[2], row[6]) for row in rows} == {("fuhai-tech", "import", "added")}
    assert all("counts_good.csv" in row[3] for row in rows)
    herders = audit(auditor, user="fuhai-tech", surface="import", model="livestock.herder")
    assert {row[5].split(" ", 1)[1] for row in herders} == {"哈力木·别克", "努尔兰·托合塔尔"}
