"""The daily rollups the summaries read: kept in step by every way an entry or
record is written (the services, and every surface through them: the API and
its bulk endpoint, imports, the admin's forms), equal to a rebuild from the
entries, exact as of any date, and left as they were when a write is refused."""

import datetime
import random
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from livestock.choices import CheckStage, LossCause
from livestock.counting import rollups
from livestock.models import DailyRollup, Herder, LambingEntry, LambingRecord, Village
from livestock.selectors.records import record_timeline
from livestock.selectors.summaries import place_summary
from livestock.selectors.totals import lambing_totals, lambing_totals_by, losses_by_cause
from livestock.services.entries import (
    NewEntry,
    entries_create,
    entry_create,
    entry_delete,
    entry_update,
)
from livestock.services.places import herder_update, place_update
from livestock.services.records import (
    record_build,
    record_create,
    record_delete,
    record_update,
    records_create,
)
from livestock.services.seasons import season_update
from livestock.spreadsheets import importing
from livestock.spreadsheets.importing import import_counts
from tests.conftest import make_user
from tests.test_admin import add_count, logged_in
from tests.test_api_base import API, api

DEC_10 = datetime.date(2024, 12, 10)
DEC_20 = datetime.date(2024, 12, 20)
JAN_10 = datetime.date(2025, 1, 10)
FEB_28 = datetime.date(2025, 2, 28)


def stored_rollups() -> dict[tuple, tuple]:
    """Every rollup row that counts something, by its key."""
    rows = DailyRollup.objects.values_list(*rollups.row_columns())
    keys = len(rollups.KEY_COLUMNS) + len(rollups.PLACE_COLUMNS)
    return {row[:keys]: row[keys:] for row in rows if any(row[keys:])}


def rebuilt_rollups() -> dict[tuple, tuple]:
    rollups.rebuild()
    return stored_rollups()


class ThroughTheServices:
    """The writes of ``random_writes`` made by the services themselves."""

    entry_create = staticmethod(entry_create)
    entry_update = staticmethod(entry_update)
    entry_delete = staticmethod(entry_delete)
    record_update = staticmethod(record_update)


class ThroughTheAPI:
    """The writes of ``random_writes`` sent through the API, as a technician's
    field app sends them: each entry alone or in a bulk of one, a correction,
    a deletion, new ewes."""

    def __init__(self, user):
        self.client = api(user)

    def entry_create(self, *, record, date, **counts):
        body = {"uuid": str(uuid.uuid4()), "record": record.pk, "date": date.isoformat(), **counts}
        if random.Random(date.toordinal()).random() < 0.5:  # noqa: S311
            return self.answer(self.client.post(API + "entries/bulk/", [body], format="json"))
        return self.answer(self.client.post(API + "entries/", body, format="json"))

    def entry_update(self, *, entry, reason, **changes):
        body = {key: str(value) for key, value in changes.items()}
        url = f"{API}entries/{entry.pk}/"
        return self.answer(self.client.patch(url, {**body, "reason": reason}, format="json"))

    def entry_delete(self, *, entry, reason):
        url = f"{API}entries/{entry.pk}/?reason={reason}"
        return self.answer(self.client.delete(url))

    def record_update(self, *, record, ewes_at_start, reason):
        body = {"ewes_at_start": ewes_at_start, "reason": reason}
        url = f"{API}lambing-records/{record.pk}/"
        return self.answer(self.client.patch(url, body, format="json"))

    @staticmethod
    def answer(response):
        if response.status_code == 400:
            raise ValidationError(str(response.content))
        assert response.status_code < 300, (response.status_code, response.content)


def random_writes(
    rng: random.Random, records: list[LambingRecord], villages, steps: int, writer=None
) -> int:
    """Creates, corrections, deletions, new ewes, a season's end moved, moved
    households and villages, at random, through ``writer`` (the services, or a
    surface over them); refused ones included. Returns how many were refused."""
    writer = writer or ThroughTheServices
    refused = 0
    causes = list(LossCause.values)
    for step in range(steps):
        record = rng.choice(records)
        date = datetime.date(2024, 12, 1) + datetime.timedelta(days=rng.randrange(90))
        action = rng.random()
        try:
            if action < 0.45:
                kind = rng.random()
                if kind < 0.5:
                    counts = {"ewes_lambed": rng.randint(0, 5), "lambs_born": rng.randint(0, 7)}
                elif kind < 0.75:
                    counts = {"lambs_lost": rng.randint(1, 3), "loss_cause": rng.choice(causes)}
                else:
                    stage = rng.choice([CheckStage.DAY_7, CheckStage.WEANING])
                    counts = {"lambs_alive": rng.randint(0, 10), "check_stage": stage}
                writer.entry_create(record=record, date=date, **counts)
            elif action < 0.65 and record.entries.exists():
                entry = rng.choice(list(record.entries.all()))
                changes = rng.choice(
                    [{"date": date}, {"lambs_born": rng.randint(0, 9)}, {"ewes_lambed": 1}]
                )
                writer.entry_update(entry=entry, reason="recounted", **changes)
            elif action < 0.8 and record.entries.exists():
                entry = rng.choice(list(record.entries.all()))
                writer.entry_delete(entry=entry, reason="entered twice")
            elif action < 0.88:
                writer.record_update(
                    record=record, ewes_at_start=rng.choice([None, 40, 80]), reason="recounted"
                )
            elif action < 0.9:  # the season's end moved: the flags of its records move along
                end = rng.choice([datetime.date(2025, 2, 28), datetime.date(2025, 3, 9)])
                season_update(record.season, end_date=end)
            else:
                herder_update(record.herder, village=rng.choice(villages))
            if step % 50 == 49:  # a village moved to another township, with its households
                village, other = villages[step // 50 % 2], villages[(step // 50 + 1) % 2]
                place_update(village, township=other.township)
        except ValidationError:
            refused += 1
    return refused


@pytest.mark.django_db
def test_the_rollups_kept_through_a_random_season_equal_a_rebuild_from_the_entries(
    winter_2024, tongke, qibaerwoyi, bieke_record, sailike_record
):
    rng = random.Random(8)  # noqa: S311 (repeatable test data)
    third = record_create(
        herder=Herder.objects.create(village=tongke, name="哈森", name_latin="Hasen"),
        season=winter_2024,
    )
    refused = random_writes(
        rng, [bieke_record, sailike_record, third], [tongke, qibaerwoyi], steps=150
    )

    kept = stored_rollups()

    assert LambingEntry.objects.count() > 20
    assert refused > 0  # some writes broke a rule and changed nothing
    flag_columns = [DailyRollup.COUNTED.index(name) for name in DailyRollup.FLAG_FIELDS]
    assert [any(counts[column] for counts in kept.values()) for column in flag_columns] == [
        True
    ] * len(DailyRollup.FLAG_FIELDS), "each flag kept on some date"
    assert kept == rebuilt_rollups()


def test_the_rollups_kept_through_the_api_equal_a_rebuild_from_the_entries(
    winter_2024, tongke, qibaerwoyi, bieke_record, sailike_record, altay
):
    rng = random.Random(16)  # noqa: S311 (repeatable test data)
    technician = make_user("altay-tech", "technician", altay)

    refused = random_writes(
        rng,
        [bieke_record, sailike_record],
        [tongke, qibaerwoyi],
        steps=80,
        writer=ThroughTheAPI(technician),
    )

    assert LambingEntry.objects.count() > 10
    assert refused > 0
    assert stored_rollups() == rebuilt_rollups()


def random_counts(rng: random.Random) -> dict:
    """An entry's counts of one kind (births, a loss, a survival check), at random."""
    kind = rng.random()
    if kind < 0.5:
        return {"ewes_lambed": rng.randint(0, 5), "lambs_born": rng.randint(0, 7)}
    if kind < 0.75:
        return {"lambs_lost": rng.randint(1, 3), "loss_cause": rng.choice(list(LossCause.values))}
    stage = rng.choice([CheckStage.DAY_7, CheckStage.WEANING])
    return {"lambs_alive": rng.randint(0, 10), "check_stage": stage}


@pytest.mark.parametrize("copy_from_rows", [rollups.COPY_FROM_ROWS, 1])
def test_the_rollups_kept_through_random_bulks_equal_a_rebuild_after_each(
    winter_2024, tongke, bieke_record, sailike_record, copy_from_rows, monkeypatch
):
    """A bulk changes each record's rows by what one walk from its earliest new
    date says, against the same walk of the stored entries, without reading the
    rows back: after each of many bulks of entries on dates before, among and
    after the stored ones (some refused for a rule, the others stored; some
    resent), the rows are those a rebuild makes. (On PostgreSQL a large bulk's
    rows go by COPY and the server sums its places' rows: ``copy_from_rows``.)"""
    monkeypatch.setattr(rollups, "COPY_FROM_ROWS", copy_from_rows)
    rng = random.Random(17)  # noqa: S311 (repeatable test data)
    third = record_create(
        herder=Herder.objects.create(village=tongke, name="哈森", name_latin="Hasen"),
        season=winter_2024,
        ewes_at_start=30,
    )
    records = [bieke_record, sailike_record, third]
    sent: list[NewEntry] = []
    refused = 0
    for _bulk in range(30):
        items = []
        for _item in range(rng.randint(1, 8)):
            if sent and rng.random() < 0.1:
                resent = rng.choice(sent)
                items.append(NewEntry(resent.record, resent.uuid, dict(resent.content)))
                continue
            date = datetime.date(2024, 12, 1) + datetime.timedelta(days=rng.randrange(90))
            content = {"date": date, **random_counts(rng)}
            items.append(NewEntry(rng.choice(records), uuid.uuid4(), content))
        entries_create(items=items)
        sent += [item for item in items if item.is_new]
        refused += sum(item.error is not None for item in items)

        assert stored_rollups() == rebuilt_rollups()
    assert LambingEntry.objects.count() > 40
    assert refused > 0


def test_each_records_rollups_agree_with_its_timeline_on_every_date(
    winter_2024, bieke_record, tongke, qibaerwoyi, sailike_record
):
    rng = random.Random(2025)  # noqa: S311
    random_writes(rng, [bieke_record, sailike_record], [tongke, qibaerwoyi], steps=60)

    for record in (bieke_record, sailike_record):
        record.refresh_from_db()
        for date, totals in record_timeline(record=record):
            assert lambing_totals(season=winter_2024, as_of=date, place=record.herder) == totals


def test_a_deleted_record_takes_its_household_out_of_the_rollups(
    bieke_record, winter_2024, tongke, burqin
):
    """Its rows are found by its household and season (the rollups' key) and
    taken away with their places' sums, as a rebuild leaves them, inside a
    bulk block too."""
    entry_create(record=bieke_record, date=DEC_10, lambs_born=4)
    gone = record_create(
        herder=Herder.objects.create(village=tongke, name="哈森", name_latin="Hasen"),
        season=winter_2024,
    )
    today = timezone.localdate()  # the new record counts from the day it was made
    households = lambing_totals(place=burqin, season=winter_2024, as_of=today).households

    record_delete(record=gone)

    assert households == 2
    assert lambing_totals(place=burqin, season=winter_2024, as_of=today).households == 1
    left = DailyRollup.objects.filter(record_id=gone.pk).values_list(*DailyRollup.COUNTED)
    assert not any(map(any, left))  # a date left without a change keeps a row of zeros
    with rollups.deferred():
        changed = record_create(
            herder=Herder.objects.create(village=tongke, name="叶尔兰", name_latin="Yerlan"),
            season=winter_2024,
        )
        record_delete(record=changed)
    assert stored_rollups() == rebuilt_rollups()


def test_a_refused_entry_leaves_the_rollups_as_they_were(bieke_record):
    entry_create(record=bieke_record, date=DEC_10, ewes_lambed=10, lambs_born=12)
    before = stored_rollups()

    with pytest.raises(ValidationError):
        entry_create(record=bieke_record, date=DEC_20, lambs_lost=50, loss_cause="cold")

    assert stored_rollups() == before


def test_counts_saved_through_the_admins_form_reach_the_summary(bieke_record, winter_2024, burqin):
    technician = make_user("burqin-tech", "technician", burqin)
    response = add_count(
        logged_in(technician), bieke_record, date=DEC_10, ewes_lambed=9, lambs_born=11
    )

    assert response.status_code == 302
    totals = lambing_totals(season=winter_2024, as_of=FEB_28, place=burqin)
    assert (totals.ewes_lambed, totals.lambs_born) == (9, 11)
    assert stored_rollups() == rebuilt_rollups()


def test_entries_stored_in_bulk_reach_the_summary(bieke_record, sailike_record, winter_2024):
    """The path a spreadsheet import and the API's bulk endpoint take:
    ``entries_create``, in a deferred block; each record is summed once."""
    items = [
        NewEntry(bieke_record, uuid.uuid4(), {"date": DEC_10, "lambs_born": 6}),
        NewEntry(sailike_record, uuid.uuid4(), {"date": DEC_20, "lambs_born": 4}),
    ]
    with rollups.deferred():
        entries_create(items=items)

    assert lambing_totals(season=winter_2024, as_of=FEB_28).lambs_born == 10
    assert stored_rollups() == rebuilt_rollups()


# The columns of the two imports below, as a technician's file names them.
IMPORT_HEADER = (
    "村,牧户,牧户拉丁名,产羔季,越冬母羊,日期,产羔母羊,产羔数,死亡羔羊,死亡原因,成活羔羊,成活检查"
)


def test_an_imports_new_households_reach_the_summary_as_a_rebuild_makes_them(
    fuhai_technician, sailike, bieke_record, qibaerwoyi, winter_2024
):
    """An import's new records' rows are added as their walk makes them, with
    their places' sums (summed by the server from 200 rows on, on PostgreSQL),
    not diffed against stored rows: a file of 60 new households, one with only
    its ewes, and a stored household's first record of the season."""
    lines = [IMPORT_HEADER]
    for number in range(60):
        name = f"齐巴尔窝依村,新牧户{number},New {number},2024–2025 冬羔,{50 + number}"
        lines += [
            f"{name},2024-12-{10 + number % 9},10,12,1,冻死,,",
            f"{name},2025-01-{10 + number % 7},5,6,,,,",
            f"{name},2025-01-{20 + number % 5},,,,,15,day7",
        ]
    lines += [
        "齐巴尔窝依村,只有母羊,Only Ewes,2024–2025 冬羔,40,,,,,,,",
        f"齐巴尔窝依村,{sailike.name},{sailike.name_latin},2024–2025 冬羔,70,2024-12-15,3,4,,,,",
    ]
    content = "\n".join(lines).encode("utf-8")
    entry_create(record=bieke_record, date=DEC_10, ewes_lambed=2, lambs_born=2)

    result = import_counts(content=content, user=fuhai_technician)

    assert result.errors == [] and result.applied
    assert result.count("record", "created") == 62
    totals = lambing_totals(season=winter_2024, as_of=FEB_28)
    # The household of ewes only counts from today, after the season.
    assert (totals.households, totals.lambs_born) == (62, 60 * 18 + 4 + 2)
    assert stored_rollups() == rebuilt_rollups()


@pytest.mark.parametrize("batch", [2, 4, 5000])
def test_an_imports_places_summed_over_its_batches_are_what_a_rebuild_makes(
    batch, fuhai_technician, sailike_record, qibaerwoyi, winter_2024, monkeypatch
):
    """On PostgreSQL an import adds its new households' rows batch by batch
    and their places' rows once, summed over the whole file, at its end
    (``rollups.places_summed_later``): a household whose rows fall in two
    batches (its record new in the first, stored in the second), and a stored
    one, count in their places as a rebuild counts them, whatever the batch."""
    monkeypatch.setattr(importing, "ENTRY_BATCH", batch)
    lines = [IMPORT_HEADER]
    for number in range(7):
        name = f"齐巴尔窝依村,分批{number},Batch {number},2024–2025 冬羔,{40 + number}"
        lines += [
            f"{name},2024-12-{10 + number},10,12,,,,",
            f"{name},2025-01-{10 + number},,,1,冻死,,",
            f"{name},2025-01-{20 + number},,,,,11,day7",
        ]
    lines.append(f"齐巴尔窝依村,{sailike_record.herder.name},,,,2024-12-15,3,4,,,,")
    content = "\n".join(lines).encode("utf-8")

    result = import_counts(content=content, user=fuhai_technician)

    assert result.errors == [] and result.applied
    totals = lambing_totals(season=winter_2024, as_of=FEB_28)
    assert (totals.lambs_born, totals.lamb_losses) == (7 * 12 + 4, 7)
    assert stored_rollups() == rebuilt_rollups()


def test_a_new_record_changed_again_in_its_block_is_counted_as_it_ends(sailike, winter_2024):
    """A record made in a ``deferred()`` block has its rows made from the
    entries a bulk hands over (``rollups.made_with``); a later write in the
    same block (a single entry, new ewes) makes them stale, and the record is
    then read and walked again at the block's end, as a rebuild makes it."""
    with rollups.deferred():
        record = records_create(records=[record_build(herder=sailike, season=winter_2024)])[0]
        entries_create(
            items=[
                NewEntry(
                    record.pk, uuid.uuid4(), {"date": DEC_10, "ewes_lambed": 5, "lambs_born": 6}
                ),
                NewEntry(
                    record.pk, uuid.uuid4(), {"date": DEC_20, "lambs_lost": 1, "loss_cause": "cold"}
                ),
            ]
        )
        entry_create(record=record, date=DEC_10, lambs_born=2)
        record_update(record=record, ewes_at_start=40)

    totals = lambing_totals(season=winter_2024, as_of=FEB_28)
    assert (totals.ewes, totals.lambs_born, totals.lamb_losses) == (40, 8, 1)
    assert stored_rollups() == rebuilt_rollups()


def test_no_model_keeps_the_rollups_by_itself(bieke_record, winter_2024):
    """The services say every write they make: a write around them (raw ORM)
    leaves the rollups as they were, until ``rebuild_rollups`` repairs them."""
    LambingEntry.objects.create(record=bieke_record, date=DEC_10, lambs_born=5)
    assert lambing_totals(season=winter_2024, as_of=FEB_28).lambs_born == 0

    call_command("rebuild_rollups", verbosity=0)

    assert lambing_totals(season=winter_2024, as_of=FEB_28).lambs_born == 5


def test_a_bulk_block_brings_each_record_up_to_date_once(bieke_record, winter_2024):
    def rollup_writes_of_entries(deferred: bool) -> int:
        with CaptureQueriesContext(connection) as queries:
            if deferred:
                with rollups.deferred():
                    for day in range(10, 20):
                        date = datetime.date(2024, 12, day)
                        entry_create(record=bieke_record, date=date, lambs_born=1)
            else:
                for day in range(20, 30):
                    date = datetime.date(2024, 12, day)
                    entry_create(record=bieke_record, date=date, lambs_born=1)
        table = DailyRollup._meta.db_table
        # One upsert of the rows a write changes (SQLite logs it as "N times: INSERT …").
        return sum(f"INSERT INTO {table} " in query["sql"] for query in queries.captured_queries)

    one_at_a_time, deferred = rollup_writes_of_entries(False), rollup_writes_of_entries(True)

    assert (one_at_a_time, deferred) == (10, 1)
    assert lambing_totals(season=winter_2024, as_of=FEB_28).lambs_born == 20
    assert stored_rollups() == rebuilt_rollups()


def test_a_household_moved_to_another_county_takes_its_counts_along(
    bieke_record, winter_2024, burqin, fuhai, qibaerwoyi
):
    entry_create(record=bieke_record, date=DEC_10, ewes_lambed=10, lambs_born=12)

    herder_update(bieke_record.herder, village=qibaerwoyi)

    by_county = lambing_totals_by(season=winter_2024, as_of=FEB_28, level=type(burqin))
    assert burqin.pk not in by_county
    assert by_county[fuhai.pk].lambs_born == 12


def test_a_village_moved_to_another_township_takes_its_counts_along(
    bieke_record, winter_2024, tongke, kokeaheshi, fuhai
):
    entry_create(record=bieke_record, date=DEC_10, lambs_born=12)

    place_update(tongke, township=kokeaheshi)

    assert lambing_totals(season=winter_2024, as_of=FEB_28, place=fuhai).lambs_born == 12
    assert stored_rollups() == rebuilt_rollups()


def test_a_county_moved_to_another_prefecture_takes_its_counts_along(
    bieke_record, sailike_record, winter_2024, altay, fuhai
):
    from livestock.models import Prefecture

    entry_create(record=bieke_record, date=DEC_10, lambs_born=12)
    entry_create(record=sailike_record, date=DEC_10, lambs_born=31)
    tacheng = Prefecture.objects.create(name="塔城地区", name_latin="Tacheng Prefecture")

    place_update(fuhai, prefecture=tacheng)

    assert lambing_totals(season=winter_2024, as_of=FEB_28, place=altay).lambs_born == 12
    assert lambing_totals(season=winter_2024, as_of=FEB_28, place=tacheng).lambs_born == 31
    assert stored_rollups() == rebuilt_rollups()


def test_the_overview_of_several_prefectures_sums_their_own_rows(
    bieke_record, sailike_record, winter_2024, fuhai
):
    """Ten prefectures × ninety days, not every county's rows: the overview of a
    region stays as small as a prefecture's page."""
    from livestock.models import Prefecture

    entry_create(record=bieke_record, date=DEC_10, lambs_born=12)
    entry_create(record=sailike_record, date=DEC_10, lambs_born=31)
    tacheng = Prefecture.objects.create(name="塔城地区", name_latin="Tacheng")
    place_update(fuhai, prefecture=tacheng)
    root = make_user("xinjiang", None, superuser=True)

    with CaptureQueriesContext(connection) as queries:
        summary = place_summary(season=winter_2024, as_of=FEB_28, user=root)

    assert [row.totals.lambs_born for row in summary.rows] == [12, 31]
    rollup_reads = [q["sql"] for q in queries if DailyRollup._meta.db_table in q["sql"]]
    assert rollup_reads and all('"level" = 0' in sql for sql in rollup_reads)


def test_losses_by_cause_are_summed_from_the_rollups_as_of_a_date(bieke_record, winter_2024):
    official = make_user("bureau", "official", bieke_record.herder.village.township.county)
    entry_create(record=bieke_record, date=DEC_10, lambs_born=20)
    entry_create(record=bieke_record, date=DEC_20, lambs_lost=3, loss_cause="cold")
    entry_create(record=bieke_record, date=JAN_10, lambs_lost=5, loss_cause="predator")

    def losses(as_of):
        return losses_by_cause(season=winter_2024, as_of=as_of, user=official)

    assert losses(DEC_20) == [("cold", 3)]
    assert losses(FEB_28) == [("predator", 5), ("cold", 3)]


def test_the_overview_reads_the_rollups_not_the_entries(bieke_record, winter_2024, altay):
    official = make_user("bureau", "official", altay)
    entry_create(record=bieke_record, date=DEC_10, lambs_born=7)

    with CaptureQueriesContext(connection) as queries:
        summary = place_summary(season=winter_2024, as_of=FEB_28, user=official)

    assert summary.totals.lambs_born == 7
    entries_table = LambingEntry._meta.db_table
    assert not [query for query in queries if entries_table in query["sql"]]


def test_a_village_technician_reads_only_the_village_rows(
    bieke_record, sailike_record, winter_2024, tongke
):
    """A technician of one village, on the overview, sees their county with only
    their village's counts: rows of village level, narrowed by the grant."""
    Village.objects.create(township=tongke.township, name="别村", name_latin="Other")
    entry_create(record=bieke_record, date=DEC_10, lambs_born=7)
    entry_create(record=sailike_record, date=DEC_10, lambs_born=5)
    technician = make_user("tongke-tech", "technician", tongke)

    summary = place_summary(season=winter_2024, as_of=FEB_28, user=technician)

    assert summary.totals.lambs_born == 7
    assert [row.totals.lambs_born for row in summary.rows] == [7]


def test_the_rebuild_command_makes_the_rollups_again(bieke_record, winter_2024):
    entry_create(record=bieke_record, date=DEC_10, lambs_born=7)
    kept = stored_rollups()
    DailyRollup.objects.all().delete()

    call_command("rebuild_rollups", verbosity=0)

    assert stored_rollups() == kept
    assert lambing_totals(season=winter_2024, as_of=FEB_28).lambs_born == 7
