"""Where the season is heading: lambs expected by its end, per place.

The method, as the pages write it (``METHOD``):

1. **Lambs expected** = the ewes at the season's start × the lambing rate so
   far (lambs born ÷ ewes lambed, ``LambingTotals.lambing_rate``): every
   over-wintering ewe lambs once by the season's end, as many lambs each as
   the ewes that lambed so far. Only households with their ewes counted
   enter it.
2. **Share done** = lambs born so far in those households ÷ lambs expected.
3. **The season's birth curve**: the share done of the whole place on the
   page, on the same day. A place more than ``BEHIND_BY`` percentage points
   below it is **behind the curve**.
4. **Finish**: the lambs still expected at the pace of the last 7 days
   (lambs born in them ÷ 7 a day) give the day the place should be done;
   compared with the season's expected end.
5. **Previous season**: the share of its final lambs born that the previous
   season of the same kind had reached on the same day of the season.

Everything is summed from the daily rollups (``selectors.totals.rollups_within``),
one query for this season and one for the previous one, grouped by the places
one level down.
"""

import datetime
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, Sum

from livestock.counting import metrics
from livestock.counting.totals import LambingTotals, percent
from livestock.models import DailyRollup, Place, Season
from livestock.places import scoping
from livestock.selectors.summaries import PlaceSummary
from livestock.selectors.totals import WEEK, rollups_within

PACE_DAYS = WEEK.days  # the same week as the cards' change
BEHIND_BY = Decimal(10)  # percentage points below the place's own share done

METHOD = metrics.FORECAST_METHOD


@dataclass(frozen=True)
class Forecast:
    """A place's totals as of the date and a week before, and what they say of the end."""

    place: Place | None
    as_of: datetime.date
    season_end: datetime.date
    totals: LambingTotals
    totals_week_before: LambingTotals
    # The previous season's lambs born by the same day and in the whole season.
    previous_lambs_born: tuple[int, int] | None = None
    curve_share_done: Decimal | None = None

    @property
    def previous_share_done(self) -> Decimal | None:
        """The share of its lambs the previous season had born by the same day."""
        if self.previous_lambs_born is None:
            return None
        return percent(*self.previous_lambs_born)

    @property
    def lambs_expected(self) -> int | None:
        """The ewes × the lambing rate as shown (to 0.1 %), rounded to a whole
        lamb as a calculator rounds (407 × 111.3 % = 452.99 is 453, not 452):
        what the bulletin and the pages say it is made of."""
        rate = self.totals.lambing_rate
        if rate is None or not self.totals.ewes:
            return None
        born = self.totals.lambs_born_where_ewes_counted
        expected = (Decimal(self.totals.ewes) * rate / 100).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
        return max(born, int(expected))

    @property
    def share_done(self) -> Decimal | None:
        expected = self.lambs_expected
        if expected is None:
            return None
        return percent(self.totals.lambs_born_where_ewes_counted, expected)

    @property
    def week_before(self) -> datetime.date:
        return self.as_of - datetime.timedelta(days=PACE_DAYS)

    @property
    def born_this_week(self) -> int | None:
        """Lambs born in the last 7 days (recorded): the week-on-week change;
        None where no household is recorded (``LambingTotals.change_since``)."""
        return self.totals.change_since(self.totals_week_before, "lambs_born")

    @property
    def finish_date(self) -> datetime.date | None:
        """The day the lambs still expected are born at the last 7 days' pace;
        None when nothing is expected or nothing was born in them."""
        expected = self.lambs_expected
        if expected is None:
            return None
        left = expected - self.totals.lambs_born_where_ewes_counted
        if left <= 0:
            return self.as_of
        pace = (
            self.totals.lambs_born_where_ewes_counted
            - self.totals_week_before.lambs_born_where_ewes_counted
        ) / PACE_DAYS
        if pace <= 0:
            return None
        days = math.ceil(left / pace)
        return self.as_of + datetime.timedelta(days=min(days, 3650))

    @property
    def on_time(self) -> bool | None:
        """Done by the season's expected end, at the last week's pace."""
        finish = self.finish_date
        return None if finish is None else finish <= self.season_end

    @property
    def behind_curve(self) -> bool:
        share, curve = self.share_done, self.curve_share_done
        return share is not None and curve is not None and curve - share > BEHIND_BY


FIELDS = DailyRollup.COUNT_FIELDS


def _sums(*, until: datetime.date | None = None, prefix: str) -> dict[str, Sum]:
    condition = Q(date__lte=until) if until else None
    return {prefix + name: Sum(name, filter=condition) for name in FIELDS}


def _totals(row: dict, prefix: str) -> LambingTotals:
    return LambingTotals.from_row({name: row[prefix + name] for name in FIELDS})


def _grouped_sums(rows, group: str | None, sums: dict) -> dict[int | None, dict]:
    if group is None:
        return {None: rows.aggregate(**sums)}
    return {row[group]: row for row in rows.values(group).annotate(**sums).order_by()}


def previous_season(season: Season) -> Season | None:
    """The season of the same kind that started last before this one."""
    return (
        Season.objects.filter(kind=season.kind, start_date__lt=season.start_date)
        .order_by("-start_date")
        .first()
    )


def forecasts(
    *,
    season: Season,
    as_of: datetime.date,
    user: scoping.User,
    place: Place | None = None,
    level: type[Place] | None = None,
    previous: Season | None = None,
) -> tuple["Forecast", dict[int, "Forecast"]]:
    """The place's own forecast and, with ``level``, each of its places of that
    level (by id; places without records are absent), within ``user``'s scope.
    ``previous`` (found with ``previous_season``) adds that season's share
    done on the same day."""
    week_before = as_of - datetime.timedelta(days=PACE_DAYS)
    group = level._meta.model_name if level else None
    rows = rollups_within(season=season, as_of=as_of, level=level, place=place, user=user)
    sums = {**_sums(prefix="now_"), **_sums(until=week_before, prefix="before_")}
    by_group = {
        key: (_totals(row, "now_"), _totals(row, "before_"))
        for key, row in _grouped_sums(rows, group, sums).items()
    }
    asked = {"season": season, "as_of": as_of, "user": user, "place": place, "level": level}
    return _forecasts(by_group, previous_born=_previous_born(previous, **asked), **asked)


def forecasts_of(
    summary: PlaceSummary, *, user: scoping.User, previous: Season | None = None
) -> tuple["Forecast", dict[int, "Forecast"]]:
    """``forecasts`` per place of a summary read with ``desk=True``, whose rows
    hold their totals now and a week before (``PACE_DAYS``, the summary's
    ``WEEK``): a query only for the previous season's, when there is one."""
    by_group = {
        row.place.pk: (row.totals, row.week_before) for row in summary.rows if row.totals.households
    }
    level = type(summary.rows[0].place) if summary.rows else None
    asked = {
        "season": summary.season,
        "as_of": summary.as_of,
        "user": user,
        "place": summary.place,
        "level": level,
    }
    if level is None:
        by_group = {None: (summary.totals, summary.total.week_before)}
    return _forecasts(by_group, previous_born=_previous_born(previous, **asked), **asked)


def _previous_born(
    previous: Season | None,
    *,
    season: Season,
    as_of: datetime.date,
    user: scoping.User,
    place: Place | None,
    level: type[Place] | None,
) -> dict[int | None, tuple[int, int]] | None:
    """The previous season's lambs born by the same day and by its end, per
    place of ``level`` (None with no previous season), in one query."""
    if previous is None:
        return None
    group = level._meta.model_name if level else None
    same_day = previous.start_date + (as_of - season.start_date)
    earlier = rollups_within(
        season=previous, as_of=previous.end_date, level=level, place=place, user=user
    )
    final = {
        "final": Sum("lambs_born"),
        "then": Sum("lambs_born", filter=Q(date__lte=same_day)),
    }
    return {
        key: (row["then"] or 0, row["final"] or 0)
        for key, row in _grouped_sums(earlier, group, final).items()
    }


def _forecasts(
    by_group: dict[int | None, tuple[LambingTotals, LambingTotals]],
    *,
    previous_born: dict[int | None, tuple[int, int]] | None,
    season: Season,
    as_of: datetime.date,
    place: Place | None,
    level: type[Place] | None,
    user: scoping.User,
) -> tuple["Forecast", dict[int, "Forecast"]]:
    """The forecasts from each place's totals now and a week before (the key
    None alone: the whole place) and the previous season's lambs born."""

    def previous_lambs(*keys) -> tuple[int, int] | None:
        if previous_born is None:
            return None
        born = [previous_born.get(key, (0, 0)) for key in keys]
        return sum(then for then, _ in born), sum(final for _, final in born)

    def made(key, now, before, curve=None) -> Forecast:
        return Forecast(
            place=None,
            as_of=as_of,
            season_end=season.end_date,
            totals=now,
            totals_week_before=before,
            previous_lambs_born=previous_lambs(key),
            curve_share_done=curve,
        )

    if level is None:
        whole = made(None, *by_group[None])
        return _placed(whole, place), {}
    children = {
        key: made(key, now, before) for key, (now, before) in by_group.items() if now.households
    }
    # Each record lies in one place below, so the whole is the sum of its places.
    whole_totals = sum((child.totals for child in children.values()), LambingTotals())
    before_totals = sum((child.totals_week_before for child in children.values()), LambingTotals())
    whole = Forecast(
        place=place,
        as_of=as_of,
        season_end=season.end_date,
        totals=whole_totals,
        totals_week_before=before_totals,
        previous_lambs_born=previous_lambs(*(previous_born or {})),
    )
    curve = whole.share_done
    return whole, {
        key: Forecast(**{**child.__dict__, "curve_share_done": curve})
        for key, child in children.items()
    }


def _placed(forecast: Forecast, place: Place | None) -> Forecast:
    return Forecast(**{**forecast.__dict__, "place": place})
