"""A property (Hypothesis) of the rates every surface shows: for random
households, entries and dates, each rate the summary API and the page's
cells show equals its shown numerator ÷ denominator, and those numbers and the
households they cover are what ``livestock.counting.metrics`` says, recomputed here
from the entries as plainly as possible (a household counts as of a date once
it has an entry dated on or before it)."""

import contextlib
import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from livestock.models import Herder
from livestock.pages import summary_table
from livestock.selectors.summaries import place_summary
from livestock.services.entries import entry_create
from livestock.services.records import record_create
from tests.test_api_base import API, api

DEC_1 = datetime.date(2024, 12, 1)
DAYS = 20
STAGES = ("birth", "day7", "day30", "weaning")


@dataclass(frozen=True)
class Day:
    """One day's entry of a household, before it is made to obey the rules."""

    offset: int
    ewes_lambed: int
    lambs_born: int
    lambs_lost: int
    lambs_alive: int | None
    stage: str


days = st.builds(
    Day,
    offset=st.integers(0, DAYS - 1),
    ewes_lambed=st.integers(0, 12),
    lambs_born=st.integers(0, 15),
    lambs_lost=st.integers(0, 4),
    lambs_alive=st.none() | st.integers(0, 30),
    stage=st.sampled_from(STAGES),
)
households = st.lists(
    st.tuples(
        st.none() | st.integers(0, 40), st.lists(days, max_size=5, unique_by=lambda d: d.offset)
    ),
    min_size=1,
    max_size=4,
)


@dataclass
class Stored:
    """A stored entry, as the model below reads it."""

    date: datetime.date
    ewes_lambed: int
    lambs_born: int
    lambs_lost: int
    lambs_alive: int | None
    stage: str


def store(record, ewes: int | None, drawn: list[Day]) -> list[Stored]:
    """The drawn days, clamped to the rules (ewes lambed ≤ ewes, losses ≤ born,
    lambs alive ≤ born − losses), stored through the services."""
    stored, lambed, born, lost = [], 0, 0, 0
    for day in sorted(drawn, key=lambda d: d.offset):
        ewes_lambed = day.ewes_lambed if ewes is None else min(day.ewes_lambed, ewes - lambed)
        lambs_born = day.lambs_born
        lambs_lost = min(day.lambs_lost, born + lambs_born - lost)
        alive = day.lambs_alive
        if alive is not None:
            alive = min(alive, born + lambs_born - lost - lambs_lost)
        entry = Stored(
            DEC_1 + datetime.timedelta(days=day.offset),
            ewes_lambed,
            lambs_born,
            lambs_lost,
            alive,
            day.stage if alive is not None else "",
        )
        entry_create(
            record=record,
            date=entry.date,
            ewes_lambed=entry.ewes_lambed,
            lambs_born=entry.lambs_born,
            lambs_lost=entry.lambs_lost,
            loss_cause="cold" if entry.lambs_lost else "",
            lambs_alive=entry.lambs_alive,
            check_stage=entry.stage,
        )
        stored.append(entry)
        lambed, born, lost = lambed + ewes_lambed, born + lambs_born, lost + lambs_lost
    return stored


def model_parts(flocks: list[tuple[int | None, list[Stored]]], as_of) -> dict[str, tuple]:
    """Per rate code: (numerator, denominator, households covered, households);
    the two numbers None (unknown, not 0) where no household is covered."""
    parts = {
        code: [0, 0, 0]
        for code in (
            "lambing_rate",
            "reproduction_rate",
            "survival_rate",
            "reproductive_survival_rate",
            "mortality_rate",
        )
    }
    counted = 0
    for ewes, entries in flocks:
        until = [entry for entry in entries if entry.date <= as_of]
        if not until:
            continue  # made today: it did not exist yet
        counted += 1
        lambed = sum(entry.ewes_lambed for entry in until)
        born = sum(entry.lambs_born for entry in until)
        lost = sum(entry.lambs_lost for entry in until)
        checks = [entry for entry in until if entry.lambs_alive is not None]
        weanings = [entry for entry in checks if entry.stage == "weaning"]

        def add(code, numerator, denominator):
            parts[code][0] += numerator
            parts[code][1] += denominator
            parts[code][2] += 1

        if lambed:
            add("lambing_rate", born, lambed)
        if ewes is not None:
            add("reproduction_rate", born, ewes)
        if checks:
            latest = checks[-1]
            born_by_then = sum(e.lambs_born for e in until if e.date <= latest.date)
            add("survival_rate", latest.lambs_alive, born_by_then)
        if weanings and ewes is not None:
            add("reproductive_survival_rate", weanings[-1].lambs_alive, ewes)
        add("mortality_rate", lost, born)
    return {
        code: (numerator, denominator, covered, counted)
        if covered
        else (None, None, covered, counted)
        for code, (numerator, denominator, covered) in parts.items()
    }


def percent(numerator, denominator):
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


@contextlib.contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.mark.django_db
@settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
    max_examples=25,
)
@given(drawn=households, as_of_offset=st.integers(-1, DAYS))
def test_every_shown_rate_is_its_numerator_over_its_denominator(
    prefecture_official, tongke, winter_2024, drawn, as_of_offset
):
    as_of = DEC_1 + datetime.timedelta(days=as_of_offset)
    with rolled_back():
        flocks = []
        for number, (ewes, days_drawn) in enumerate(drawn):
            herder = Herder.objects.create(village=tongke, name=f"牧户{number}")
            record = record_create(herder=herder, season=winter_2024, ewes_at_start=ewes)
            flocks.append((ewes, store(record, ewes, days_drawn)))
        expected = model_parts(flocks, as_of)

        response = api(prefecture_official).get(
            API + "summaries/",
            {"season": winter_2024.pk, "as_of": as_of.isoformat(), "place": f"village:{tongke.pk}"},
        )
        assert response.status_code == 200, response.content
        totals = response.json()["totals"]
        summary = place_summary(
            season=winter_2024, as_of=as_of, place=tongke, user=prefecture_official
        )
        page_cells = {
            column.key: summary_table.cell(column, summary.total)
            for column in summary_table.COLUMNS
        }
        for code, (numerator, denominator, covered, of) in expected.items():
            shown = totals["rates"][code]
            assert (shown["numerator"], shown["denominator"]) == (numerator, denominator), code
            assert (shown["households"], shown["of_households"]) == (covered, of), code
            assert covered <= of
            value = None if numerator is None else percent(numerator, denominator)
            assert totals[code] == (None if value is None else float(value)), code
            cell = page_cells[code]
            if value is None:
                assert cell.text == "—", code
            else:
                assert cell.text == f"{value}%", code
                assert cell.parts == f"{numerator:,} ÷ {denominator:,}", code
                assert cell.partial == (covered < of), code
        assert totals["households"] == expected["mortality_rate"][3]
        # Unknown, not 0: no household checked, or no household at all (nothing counted).
        unknown = expected["survival_rate"][2] == 0
        assert (totals["lambs_alive"] is None) == unknown
        # Completeness and the forecast's share done beside them: numerator ÷
        # denominator too, completeness never past 100 % (its numerator is a part).
        monitoring = response.json()["monitoring"]
        for code in ("completeness", "share_done"):
            shown = monitoring[code]
            if shown is None:  # no lambs expected (no household, no ewes counted): no forecast
                assert code == "share_done" and monitoring["lambs_expected"] is None
                continue
            value = percent(shown["numerator"], shown["denominator"])
            assert shown["value"] == (None if value is None else float(value)), code
        reporting = monitoring["completeness"]
        if totals["households"]:
            assert 0 <= reporting["numerator"] <= reporting["denominator"] == totals["households"]
        else:  # no household at all: unknown, as every rate's there, not 0 of 0
            assert reporting["numerator"] is reporting["denominator"] is None
