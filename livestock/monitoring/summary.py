"""Reporting and the forecast beside a summary's totals: what the summary
pages' "Reporting and forecast" section and the summary API's ``monitoring``
show, for the place and for each place one level down.

Read from the summary's own sums (``selectors.summaries.place_summary(desk=True)``),
so they cost no query of their own but the previous season's lambs born
(when there is one); timeliness, which reads the entries, only when asked.
Each value is named by its metric's code in ``metrics.MONITORING``.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from livestock.counting import metrics
from livestock.counting.totals import RateParts
from livestock.monitoring import completeness, forecast
from livestock.places import scoping
from livestock.selectors.summaries import PlaceSummary


@dataclass(frozen=True)
class PlaceMonitoring:
    """A place's reporting and forecast as of the summary's date. ``forecast``
    is None for a place without records; ``timeliness`` when not asked."""

    households: int
    reporting: completeness.Completeness
    forecast: forecast.Forecast | None
    timeliness: completeness.Timeliness | None = None

    @property
    def completeness(self) -> RateParts:
        return RateParts(
            metric=metrics.get("completeness"),
            value=self.reporting.completeness,
            numerator=self.reporting.households_reporting,
            denominator=self.reporting.households,
            households=self.reporting.households,
            of_households=self.households,
        )

    @property
    def timeliness_parts(self) -> RateParts | None:
        if self.timeliness is None:
            return None
        return RateParts(
            metric=metrics.get("timeliness"),
            value=self.timeliness.timeliness,
            numerator=self.timeliness.counts_on_time,
            denominator=self.timeliness.counts,
            households=self.households,
            of_households=self.households,
        )

    @property
    def lambs_expected(self) -> int | None:
        return self.forecast.lambs_expected if self.forecast else None

    @property
    def share_done(self) -> RateParts | None:
        """Lambs born ÷ lambs expected; None where no lambs can be expected yet
        (no ewes, or no ewes lambed, counted): its divisor is unknown, not 0."""
        if self.forecast is None or self.forecast.lambs_expected is None:
            return None
        totals = self.forecast.totals
        return RateParts(
            metric=metrics.get("share_done"),
            value=self.forecast.share_done,
            numerator=totals.lambs_born_where_ewes_counted,
            denominator=self.forecast.lambs_expected,
            households=totals.households_ewes_counted,
            of_households=totals.households,
        )

    @property
    def previous_share_done(self) -> Decimal | None:
        return self.forecast.previous_share_done if self.forecast else None

    @property
    def finish_date(self) -> datetime.date | None:
        return self.forecast.finish_date if self.forecast else None

    @property
    def on_time(self) -> bool | None:
        return self.forecast.on_time if self.forecast else None

    @property
    def behind_curve(self) -> bool:
        return bool(self.forecast and self.forecast.behind_curve)


@dataclass(frozen=True)
class SummaryMonitoring:
    """The place's own (``whole``) and each place's below it (by id)."""

    whole: PlaceMonitoring
    by_place: dict[int, PlaceMonitoring]


def summary_monitoring(
    summary: PlaceSummary, *, user: scoping.User, timeliness: bool = False
) -> SummaryMonitoring:
    """Completeness and the forecast of the summary's place and of each of its
    rows' places, from the summary's sums (read with ``desk=True``); with
    ``timeliness``, the timeliness of their counts too (one query over the
    entries: the slow part, so only when asked)."""
    reporting = completeness.completeness_of(summary)
    whole_forecast, forecasts = forecast.forecasts_of(
        summary, user=user, previous=forecast.previous_season(summary.season)
    )
    timely: dict = {}
    if timeliness and summary.rows:
        timely = completeness.timeliness_by(
            season=summary.season,
            as_of=summary.as_of,
            user=user,
            place=summary.place,
            level=type(summary.rows[0].place),
        )
    by_place = {
        row.place.pk: PlaceMonitoring(
            households=row.totals.households,
            reporting=reporting.get(row.place.pk, completeness.Completeness()),
            forecast=forecasts.get(row.place.pk),
            timeliness=timely.get(row.place.pk, completeness.Timeliness()) if timeliness else None,
        )
        for row in summary.rows
    }
    whole = PlaceMonitoring(
        households=summary.totals.households,
        reporting=sum(reporting.values(), completeness.Completeness()),
        forecast=whole_forecast,
        timeliness=sum(timely.values(), completeness.Timeliness()) if timeliness else None,
    )
    return SummaryMonitoring(whole=whole, by_place=by_place)
