"""One answer (issue 15, item 3): a record's totals as of any date are the same
on every surface — the API's record list and detail, the summaries (API and
page), the exports — whatever day the record was made. A record made today
did not exist on an earlier date unless it has entries dated then (DOMAIN.md,
"As-of"): asked about that date, every surface says so the same way."""

import csv
import datetime
import io

import pytest
from django.test import Client

from livestock.counting import metrics
from livestock.models import LambingRecord
from livestock.services.entries import entry_create
from livestock.services.records import record_create
from tests.conftest import PASSWORD
from tests.test_api_base import API, api

FIELDS = ("households", "ewes", "ewes_lambed", "lambs_born", "lambs_alive")
BEFORE_ANY_ENTRY = datetime.date(2024, 12, 5)
AFTER_THE_ENTRY = datetime.date(2024, 12, 20)


@pytest.fixture
def made_today(bieke, winter_2024) -> LambingRecord:
    """别克's record, made today with 150 ewes, and a count dated last season."""
    record = record_create(herder=bieke, season=winter_2024, ewes_at_start=150)
    entry_create(record=record, date=datetime.date(2024, 12, 10), ewes_lambed=8, lambs_born=10)
    return record


def from_the_api_list(user, record, as_of) -> tuple:
    response = api(user).get(
        API + "lambing-records/", {"as_of": as_of.isoformat(), "season": record.season_id}
    )
    [listed] = [row for row in response.json()["results"] if row["id"] == record.pk]
    return tuple(listed["totals"][name] for name in FIELDS)


def from_the_api_detail(user, record, as_of) -> tuple:
    response = api(user).get(f"{API}lambing-records/{record.pk}/", {"as_of": as_of.isoformat()})
    return tuple(response.json()["totals"][name] for name in FIELDS)


def from_the_api_summary(user, record, as_of) -> tuple:
    village = record.herder.village
    response = api(user).get(
        API + "summaries/",
        {"season": record.season_id, "as_of": as_of.isoformat(), "place": f"village:{village.pk}"},
    )
    [row] = [row for row in response.json()["rows"] if row["place"]["id"] == record.herder_id]
    return tuple(row["totals"][name] for name in FIELDS)


def from_the_csv(user, record, as_of) -> tuple:
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    response = client.get(
        "/",
        {
            "season": record.season_id,
            "as_of": as_of.isoformat(),
            "place": f"village:{record.herder.village_id}",
            "export": "csv",
        },
    )
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    headers = lines[lines.index([]) + 1]
    [row] = [line for line in lines if line[:1] == [record.herder.name]]
    labels = ("建档户数", "季初能繁母羊", "产羔母羊", "产羔数", "成活羔羊")
    values = [row[headers.index(label)] for label in labels]
    # Unknown is empty; nothing counted (no household) says so, as the page does.
    return tuple(
        int(value) if value and value != metrics.no_households_text() else None for value in values
    )


SURFACES = [from_the_api_list, from_the_api_detail, from_the_api_summary, from_the_csv]


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        # It did not exist yet: no household, nothing counted (not 0), on every surface.
        (BEFORE_ANY_ENTRY, (0, None, None, None, None)),
        (AFTER_THE_ENTRY, (1, 150, 8, 10, None)),  # no survival check: lambs alive unknown
    ],
)
@pytest.mark.parametrize("surface", SURFACES, ids=lambda surface: surface.__name__)
def test_a_record_made_today_has_the_same_totals_on_every_surface(
    prefecture_official, made_today, surface, as_of, expected
):
    assert surface(prefecture_official, made_today, as_of) == expected


def test_the_admin_record_page_shows_the_walks_totals_for_each_date_as_the_api_does(
    woyimoke_technician, made_today
):
    """The admin's record page lists the record's running totals as of each
    date it has entries for (its walk, ``record_timeline``); each row is what
    the API's record says as of that date."""
    entry_create(
        record=made_today, date=datetime.date(2024, 12, 14), lambs_lost=1, loss_cause="cold"
    )
    client = Client()
    client.login(username=woyimoke_technician.username, password=PASSWORD)
    page = client.get(f"/admin/livestock/lambingrecord/{made_today.pk}/change/").content.decode()
    for date, (ewes_lambed, lambs_born, losses) in {
        datetime.date(2024, 12, 10): (8, 10, 0),
        datetime.date(2024, 12, 14): (8, 10, 1),
    }.items():
        cells = (date.isoformat(), ewes_lambed, lambs_born, losses, "—")  # no survival check
        assert "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) in page
        detail = api(woyimoke_technician).get(
            f"{API}lambing-records/{made_today.pk}/", {"as_of": date.isoformat()}
        )
        totals = detail.json()["totals"]
        assert (totals["ewes_lambed"], totals["lambs_born"], totals["lamb_losses"]) == (
            ewes_lambed,
            lambs_born,
            losses,
        )
