"""One record's reads: its totals as of a date (from the rollup rows every
summary reads), its timeline (its walk, a row per date), and the records
holding two survival checks on one day."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count

from livestock.counting import walk
from livestock.counting.totals import LambingTotals
from livestock.models import DailyRollup, LambingEntry, LambingRecord, RollupLevel
from livestock.selectors.totals import sum_columns, totals_from_sums


def record_totals(
    records: Iterable[LambingRecord], *, as_of: datetime.date
) -> dict[int, LambingTotals]:
    """Each record's totals as of the end of ``as_of`` (by id), in one query:
    the sums of its household's rollup rows up to the date, the rows every
    summary reads, made by the record's walk. A record asked about a date
    before it counts (made later, with no entry by then) has none: no
    household, no ewes, as in the summaries."""
    records = list(records)
    ids = [record.pk for record in records]
    if not ids:
        return {}
    rows = (
        DailyRollup.objects.filter(
            season__in={record.season_id for record in records},
            level=RollupLevel.HERDER,
            place_id__in={record.herder_id for record in records},
            record__in=ids,
            date__lte=as_of,
        )
        .order_by()
        .values("record")
        .annotate(**sum_columns())
    )
    counted = {row["record"]: totals_from_sums(row) for row in rows}
    return {pk: counted.get(pk, LambingTotals()) for pk in ids}


def record_timeline(*, record: LambingRecord) -> list[tuple[datetime.date, LambingTotals]]:
    """A record's totals and rates as of each date it has entries for, oldest
    first, from one query: the record's walk (``counting/walk.py``), which the
    rollups are made by too, so each row equals
    ``lambing_totals(place=herder, as_of=date)`` (a test holds the two together)."""
    entries = LambingEntry.objects.filter(record=record).order_by("date", "pk")
    facts = walk.RecordFacts(ewes_at_start=record.ewes_at_start)
    return [(day.date, day.totals) for day in walk.timeline(facts, entries)]


@dataclass(frozen=True)
class TwoChecksADay:
    """A record's day holding more than one survival check: its lambs alive, in
    the order they were typed."""

    record: LambingRecord
    date: datetime.date
    lambs_alive: list[int]


def records_with_two_checks_a_day() -> list[TwoChecksADay]:
    """The days of records holding more than one survival check (stored before
    the one-check rule, ``rules.TWO_CHECKS_ONE_DAY``), by record and date: what
    ``manage.py check_records`` lists. Two queries, whatever the number of records."""
    checks = LambingEntry.objects.filter(lambs_alive__isnull=False)
    days = (
        checks.order_by()
        .values("record", "date")
        .annotate(count=Count("pk"))
        .filter(count__gt=1)
        .values_list("record", "date")
    )
    wanted = set(days)
    if not wanted:
        return []
    records = {record_id for record_id, _date in wanted}
    alive: dict[tuple[int, datetime.date], list[int]] = {}
    found = (
        checks.filter(record__in=records)
        .select_related("record__herder", "record__season")
        .order_by("record", "date", "pk")
    )
    by_key = {}
    for entry in found:
        key = (entry.record_id, entry.date)
        if key in wanted:
            alive.setdefault(key, []).append(entry.lambs_alive)
            by_key[key] = entry.record
    return [TwoChecksADay(by_key[key], key[1], alive[key]) for key in sorted(alive)]
