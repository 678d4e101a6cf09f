"""The benchmark's synthetic region obeys the counting rules: a bench whose
households the rules refuse measures refusals (issue 17: a bulk measured 0
entries/s because 6 % of the generated households had two survival checks on
one day, refused on every later write)."""

import datetime
import importlib
import random
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from livestock.counting import rules, walk
from livestock.models import LambingEntry, LambingRecord

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture
def generate_module():
    sys.path.insert(0, str(BENCH))
    try:
        yield importlib.import_module("generate")
    finally:
        sys.path.remove(str(BENCH))


@pytest.mark.django_db
def test_every_generated_household_is_accepted_by_the_rules(generate_module):
    generate_module.generate(herders=400, seed=2025)

    entries = defaultdict(list)
    for entry in LambingEntry.objects.order_by("date", "id"):
        entries[entry.record_id].append(entry)
    refused = []
    for record in LambingRecord.objects.select_related("season"):
        season = record.season
        violation = walk.first_violation(
            ewes_at_start=record.ewes_at_start, entries=entries[record.pk]
        )
        if violation is not None:
            refused.append((record.pk, violation.rule, violation.date))
        for entry in entries[record.pk]:
            rules.check_entry_date(
                value=entry.date,
                season_start=season.start_date,
                season_end=season.end_date,
                season_name=str(season),
                today=datetime.date.today(),
            )
    assert LambingRecord.objects.count() == 400
    assert sum(map(len, entries.values())) > 3_000
    assert refused == []


def test_no_household_of_a_large_region_has_two_survival_checks_on_one_day(generate_module):
    """The rule the generator broke: at 20,000 households, far more than the
    test above stores, each season's survival checks fall on distinct days."""
    rng = random.Random(2025)  # noqa: S311
    doubled = 0
    for _ in range(20_000):
        season = generate_module.season_of(
            min(max(5, int(rng.lognormvariate(4.6, 0.5))), 5000), rng
        )
        check_dates = [entry[0] for entry in season if entry[5] is not None]
        doubled += len(check_dates) != len(set(check_dates))
    assert doubled == 0
