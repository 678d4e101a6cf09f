"""A record's entries walked a day at a time: the one place that says what a
record's counts are as of each of its dates.

Fed a record's facts (its ewes at the season's start, the day it counts
from, its season's dates) and its entries, ``walk`` yields per date the
record's running totals by name (``LambingTotals``), its lambs lost by
cause, the first counting rule the day's totals break (``rules``) and its
data-quality flags (``flags.FlagWalk``). Everything that needs a record's
totals reads them here: the daily rollups (and through them every summary,
export, approval and the API's record totals), the services' and models'
rule checks (``first_violation``), the quality flags and the record's
timeline on its pages.

Pure: no model or query; entries are any objects with the entry's fields.
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import product
from typing import NamedTuple, Protocol

from livestock.choices import CheckStage, LossCause
from livestock.counting import rules
from livestock.counting.flags import (
    ANY_FLAG_COLUMN,
    FLAG_COLUMN,
    FLAG_KEYS,
    REPORTING_COLUMN,
    FlagWalk,
    flag_dates,
)
from livestock.counting.totals import NUMBERS, LambingTotals

CAUSES = tuple(LossCause.values)
NO_FLAGS: Mapping[str, bool] = {}


class Counted(Protocol):
    """What the walk reads of an entry (``LambingEntry``'s fields)."""

    date: datetime.date
    ewes_lambed: int
    lambs_born: int
    lambs_lost: int
    lambs_alive: int | None
    check_stage: str
    loss_cause: str


@dataclass(frozen=True)
class EntryFacts:
    """An entry as the walk reads it, for code that has its values, not the model."""

    date: datetime.date
    ewes_lambed: int = 0
    lambs_born: int = 0
    lambs_lost: int = 0
    lambs_alive: int | None = None
    check_stage: str = ""
    loss_cause: str = ""


@dataclass(frozen=True)
class RecordFacts:
    """What a walk reads of a record besides its entries.

    ``counts_from``: the day the record was made. A record counts (is one
    household, with its ewes) from then, or from its first entry if earlier:
    asked about an earlier date, it did not exist yet, and the answer given
    then stays the answer (DOMAIN.md, "As-of"). None: from its first entry.
    With the season's dates the flags are walked too, on the dates they may
    change (``flags.flag_dates``) as well as the entries' dates; "no count for
    more than 7 days" counts from the same first day (or the season's start,
    if later): a household added mid-season is not late the day it is added."""

    ewes_at_start: int | None
    counts_from: datetime.date | None = None
    season_start: datetime.date | None = None
    season_end: datetime.date | None = None


class _Sums(NamedTuple):
    """The running sums the rules read of a day's totals (``rules.running_total_violation``)."""

    ewes_lambed: int
    lambs_born: int
    lamb_losses: int


# What a walk counts of a record on a date, by name, in the order of its
# ``values`` (``counted_days``): its totals (``LambingTotals``' fields), its
# lambs lost by cause, whether it has each data-quality flag and any, whether
# it is reporting (1 or 0). The daily rollups' columns (``rollups.COUNTED``).
VALUES = (
    *NUMBERS,
    *(f"lost_{cause}" for cause in CAUSES),
    *(FLAG_COLUMN[key] for key in FLAG_KEYS),
    ANY_FLAG_COLUMN,
    REPORTING_COLUMN,
)
_CAUSES_AT = len(NUMBERS)
_FLAGS_AT = _CAUSES_AT + len(CAUSES)
_FLAGS_END = _FLAGS_AT + len(FLAG_KEYS)
_CAUSE_INDEX = {cause: index for index, cause in enumerate(CAUSES)}
# A day's flags (``FlagWalk.values``) and whether it is reporting
# (``FlagWalk.reporting``) as they are counted: 1 or 0 each flag, then any
# flag, then reporting. Looked up, not made, for every date walked: there are
# 64 of them.
_FLAG_VALUES = {
    (flags, reporting): (*map(int, flags), int(any(flags)), int(reporting))
    for flags in product((False, True), repeat=len(FLAG_KEYS))
    for reporting in (False, True)
}
_NO_FLAG_VALUES = _FLAG_VALUES[(False,) * len(FLAG_KEYS), False]


class Day(NamedTuple):
    """A record as of the end of ``date``. (A named tuple, read by name: made
    for every date of every record a rebuild walks, it is cheaper to make
    than a frozen dataclass.)"""

    date: datetime.date
    totals: LambingTotals
    lost_by_cause: Mapping[str, int]
    # By flag key (``flags.FLAGS``); empty when the walk was given no season.
    flags: Mapping[str, bool]
    # The first running-total rule the day's totals break, if any.
    violation: rules.Violation | None
    has_entries: bool


# A day of ``counted_days``: (date, values in ``VALUES`` order, violation, has entries).
CountedDay = tuple[datetime.date, tuple[int, ...], rules.Violation | None, bool]


def walk(
    record: RecordFacts,
    entries: Iterable[Counted],
    *,
    checks_stored: Mapping[datetime.date, int] | None = None,
    since: datetime.date | None = None,
) -> Iterator[Day]:
    """The record as of each of its dates, oldest first, by name: the days of
    ``counted_days`` (which see), their values as ``LambingTotals``, lambs lost
    by cause and flags by key."""
    with_flags = record.season_start is not None and record.season_end is not None
    for date, values, violation, has_entries in counted_days(
        record, entries, checks_stored=checks_stored, since=since
    ):
        totals = _new(LambingTotals)  # see _new
        totals.__dict__.update(zip(NUMBERS, values, strict=False))
        flags = NO_FLAGS
        if with_flags:
            flags = {
                key: bool(value)
                for key, value in zip(FLAG_KEYS, values[_FLAGS_AT:_FLAGS_END], strict=True)
            }
        lost_by_cause = dict(zip(CAUSES, values[_CAUSES_AT:_FLAGS_AT], strict=True))
        yield Day(date, totals, lost_by_cause, flags, violation, has_entries)


def counted_days(
    record: RecordFacts,
    entries: Iterable[Counted],
    *,
    checks_stored: Mapping[datetime.date, int] | None = None,
    since: datetime.date | None = None,
) -> Iterator[CountedDay]:
    """The record as of each of its dates, oldest first: from the day it counts
    from, each date with entries and, with a season, each date its flags may
    change on; per date what it counts (``VALUES``, as a tuple of numbers: what
    its rollup rows hold the changes of, made without an object per day, for
    the thousands of days a bulk or a rebuild walks), the first rule the day's
    totals break (``rules``) and whether it has entries. Entries may come in
    any order; those of one day are read in the order given (the order they
    were typed, for "the latest check"). ``checks_stored``: per date, the
    survival checks stored before the write being checked
    (``rules.running_total_violation``).

    ``since``: a write adds entries from this date on, so the days before it are
    what they were; they are summed but not yielded, but for the last of them
    (the state the later days change from: its counts, and no rule asked of
    it), when there is one."""
    by_date: dict[datetime.date, list[Counted]] = defaultdict(list)
    for entry in entries:
        by_date[entry.date].append(entry)
    entry_dates = sorted(by_date)
    first = record.counts_from
    if entry_dates and (first is None or entry_dates[0] < first):
        first = entry_dates[0]
    if first is None:
        return
    dates = {first, *entry_dates}
    flag_walk = None
    if record.season_start is not None and record.season_end is not None:
        span = {
            "season_start": record.season_start,
            "season_end": record.season_end,
            "counts_from": first,
        }
        flag_walk = FlagWalk(**span)
        dates.update([date for date in flag_dates(entry_dates, **span) if date > first])

    ewes_at_start = record.ewes_at_start
    ewes = ewes_at_start or 0
    ewes_counted = ewes_at_start is not None
    ewes_lambed = born = lost = alive = born_by_check = 0
    weaned: int | None = None
    checked = False  # a survival check made: lambs alive are known
    lost_by_cause = [0] * len(CAUSES)
    # The day's totals and lambs lost by cause (``VALUES`` up to the flags),
    # made again on a day with entries only.
    counts: tuple[int, ...] | None = None
    flag_values = _NO_FLAG_VALUES
    before: datetime.date | None = None  # the last date before ``since`` walked
    for date in sorted(dates):
        same_day = by_date.get(date)
        if before is not None and date >= since:
            running = (ewes, ewes_counted, ewes_lambed, born, lost, alive, born_by_check)
            counts = (*_totals(*running, weaned, checked), *lost_by_cause)
            yield _day_before(before, counts, flag_walk)
            before = None
        if same_day:
            checks = []
            for entry in same_day:
                ewes_lambed += entry.ewes_lambed
                born += entry.lambs_born
                if entry.lambs_lost:
                    lost += entry.lambs_lost
                    cause = _CAUSE_INDEX.get(entry.loss_cause)
                    if cause is not None:
                        lost_by_cause[cause] += entry.lambs_lost
                if entry.lambs_alive is not None:
                    checks.append(entry.lambs_alive)
                    alive = entry.lambs_alive
                    if entry.check_stage == CheckStage.WEANING:
                        weaned = entry.lambs_alive
            if checks:
                checked = True
                born_by_check = born  # lambs born up to the end of the latest check's day
            if flag_walk is not None:
                flag_walk.add_day(date, checks, ewes_lambed, born, lost)
        if since is not None and date < since:  # summed, not yielded
            before = date
            continue
        violation = None
        if same_day or counts is None:
            running = (ewes, ewes_counted, ewes_lambed, born, lost, alive, born_by_check)
            counts = (*_totals(*running, weaned, checked), *lost_by_cause)
        if same_day:
            violation = rules.running_total_violation(
                date=date,
                ewes_at_start=ewes_at_start,
                totals=_Sums(ewes_lambed, born, lost),
                checks=checks,
                checks_stored=None if checks_stored is None else checks_stored.get(date, 0),
            )
        if flag_walk is not None:
            flag_values = _FLAG_VALUES[flag_walk.values(date), flag_walk.reporting(date)]
        yield date, counts + flag_values, violation, bool(same_day)
    if before is not None:  # nothing from ``since`` on
        running = (ewes, ewes_counted, ewes_lambed, born, lost, alive, born_by_check)
        yield _day_before(before, (*_totals(*running, weaned, checked), *lost_by_cause), flag_walk)


def _day_before(
    date: datetime.date, counts: tuple[int, ...], flag_walk: FlagWalk | None
) -> CountedDay:
    """The last day before a walk's ``since``, from its counts (``VALUES`` up to
    the flags): the state the later days change from, no rule asked of it."""
    flag_values = (
        _NO_FLAG_VALUES
        if flag_walk is None
        else _FLAG_VALUES[flag_walk.values(date), flag_walk.reporting(date)]
    )
    return date, counts + flag_values, None, False


def _totals(
    ewes: int,
    ewes_counted: bool,
    ewes_lambed: int,
    born: int,
    lost: int,
    alive: int,
    born_by_check: int,
    weaned: int | None,
    checked: bool,
) -> tuple[int, ...]:
    """A record's totals, as one household, from its walk's running sums: the
    values of ``LambingTotals``' fields (``NUMBERS``), in their order."""
    weaned_or_0 = weaned or 0
    return (
        1,  # households
        ewes,
        ewes_lambed,
        born,  # lambs_born
        lost,  # lamb_losses
        alive,  # lambs_alive
        weaned_or_0,  # lambs_alive_at_weaning
        born if ewes_lambed > 0 else 0,  # lambs_born_where_ewes_lambed_counted
        born if ewes_counted else 0,  # lambs_born_where_ewes_counted
        born_by_check,  # lambs_born_by_latest_check
        weaned_or_0 if ewes_counted else 0,  # lambs_alive_at_weaning_where_ewes_counted
        ewes if weaned is not None else 0,  # ewes_where_weaned
        int(ewes_counted),  # households_ewes_counted
        int(ewes_lambed > 0),  # households_ewes_lambed_counted
        int(checked),  # households_checked
        int(weaned is not None),  # households_weaned
        int(weaned is not None and ewes_counted),  # households_weaned_ewes_counted
    )


# A Day's ``LambingTotals`` is filled from ``_totals``' values without its
# frozen dataclass's ``__init__`` (a setattr per field: 2.1 µs a day walked,
# 0.7 µs so).
_new = object.__new__


def first_violation(
    *,
    ewes_at_start: int | None,
    entries: Iterable[Counted],
    stored: Iterable[Counted] | None = None,
) -> rules.Violation | None:
    """The first date on which the record's running totals, with ``entries``,
    break a counting rule (its violation), or None when every date is sound.

    ``stored``: the record's entries as they were before the write being
    checked, when there were any; a day that already broke the one-check rule
    then refuses only a write that adds a check to it."""
    checks_stored = None
    if stored is not None:
        checks_stored = Counter(entry.date for entry in stored if entry.lambs_alive is not None)
    facts = RecordFacts(ewes_at_start=ewes_at_start)
    for _date, _values, violation, _has_entries in counted_days(
        facts, entries, checks_stored=checks_stored
    ):
        if violation is not None:
            return violation
    return None


def timeline(record: RecordFacts, entries: Iterable[Counted]) -> list[Day]:
    """The record as of each date it has entries for, oldest first."""
    return [day for day in walk(record, entries) if day.has_entries]
