"""The bureau's bulletin, written from the data:

    截至2月11日，布尔津县已产羔50只（报道1.2万只），产羔率…，成活率…，
    较上周增加…只；进度最慢的乡镇为…

It is a Chinese document whatever the page's language (the bureau files it
as it is), so its sentences are written here in Chinese; the page around it
is translated. Every figure in it is marked **recorded** (the sum of the
herders' records, as of the date, with how it was made) or **reported**
(a report's number with its qualifier, its date and its sentence), and
listed below the text with those. Recorded and reported are never added
together: few herders are recorded one by one, so they are two numbers side
by side.

Totals and the forecast come from ``forecast.forecasts`` (the daily rollups,
the same sums as ``place_summary``), the reported figures from
``reported_for``: a constant number of queries for any place.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import translation

from livestock.choices import Metric, Qualifier
from livestock.counting import metrics
from livestock.counting.totals import LambingTotals
from livestock.models import County, Place, Prefecture, ReportedFigure, Season, Township, Village
from livestock.monitoring import completeness, forecast, official_numbers, places
from livestock.places import scoping
from livestock.selectors.figures import reported_for

RECORDED = "recorded"
REPORTED = "reported"

# What a place's children are called in a bulletin.
CHILD_NOUN = {Prefecture: "地区", County: "县（市）", Township: "乡镇", Village: "村"}


@dataclass(frozen=True)
class Figure:
    """One number of the bulletin, with where it comes from."""

    number: int
    text: str  # as the sentence writes it: 1.2万只, 125.0%
    what: str
    source: str  # RECORDED or REPORTED
    as_of: datetime.date
    exact: str = ""  # the number in full: 12,000
    qualifier: str = ""
    basis: str = ""  # how a recorded figure was made
    quote: str = ""
    report: str = ""

    @property
    def is_reported(self) -> bool:
        return self.source == REPORTED


@dataclass
class Bulletin:
    season: Season
    as_of: datetime.date
    place: Place | None
    place_name: str
    paragraphs: list[list[str | Figure]] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    behind: list[tuple[str, Figure]] = field(default_factory=list)

    def text(self) -> str:
        """The bulletin as plain text (the figures as written)."""
        return "\n".join(
            "".join(part.text if isinstance(part, Figure) else part for part in paragraph)
            for paragraph in self.paragraphs
        )


class _Writer:
    """Numbers the figures in the order the sentences use them."""

    def __init__(self, bulletin: Bulletin):
        self.bulletin = bulletin

    def recorded(self, value: int, what: str, basis: str, unit: str = "只") -> Figure:
        return self._add(
            text=official_numbers.recorded(value, unit),
            what=what,
            source=RECORDED,
            as_of=self.bulletin.as_of,
            exact=f"{value:,}",
            basis=basis,
        )

    def rate(self, value, what: str, basis: str) -> Figure:
        return self._add(
            text=official_numbers.percent(value),
            what=what,
            source=RECORDED,
            as_of=self.bulletin.as_of,
            exact=official_numbers.percent(value),
            basis=basis,
        )

    def metric_rate(self, totals: LambingTotals, code: str) -> Figure:
        """A rate of the metric registry, with its definition, numerator and
        denominator, and the households it counts, in Chinese."""
        metric = metrics.get(code)
        numerator = getattr(totals, metric.numerator)
        denominator = getattr(totals, metric.denominator)
        with translation.override("zh-hans"):
            basis = f"{metric.formula} = {numerator} ÷ {denominator}；{metric.households}"
        return self.rate(getattr(totals, code), metric.name_in("zh-hans"), basis)

    def reported(self, figure: ReportedFigure, what: str) -> Figure:
        qualifier = "" if figure.qualifier == Qualifier.EXACT else figure.get_qualifier_display()
        return self._add(
            text=official_numbers.reported(
                figure.value, qualifier=figure.qualifier, quote=figure.quote
            ),
            what=what,
            source=REPORTED,
            as_of=figure.as_of,
            exact=f"{figure.value.normalize():,f}",
            qualifier=str(qualifier),
            quote=figure.quote,
            report=figure.report.title,
        )

    def _add(self, **values) -> Figure:
        made = Figure(number=len(self.bulletin.figures) + 1, **values)
        self.bulletin.figures.append(made)
        return made


def _latest(figures: list[ReportedFigure]) -> ReportedFigure | None:
    return figures[-1] if figures else None


def write_bulletin(
    *, season: Season, as_of: datetime.date, user: scoping.User, place: Place | None = None
) -> Bulletin:
    """The bulletin of ``place`` (with none: all of ``user``'s places) as of ``as_of``."""
    below, child_model = places.places_below(user=user, place=place)
    children = {child.pk: child for child in below}
    previous = forecast.previous_season(season)
    whole, by_child = forecast.forecasts(
        season=season,
        as_of=as_of,
        user=user,
        place=place,
        level=child_model,
        previous=previous,
    )
    reported = {}
    if place is not None:
        for metric in (Metric.LAMBS_BORN, Metric.EWES):
            reported[metric] = _latest(
                reported_for(season=season, as_of=as_of, place=place, metric=metric, user=user)
            )
    name = str(place.name) if place else "所辖各地"
    bulletin = Bulletin(season=season, as_of=as_of, place=place, place_name=name)
    write = _Writer(bulletin)
    totals = whole.totals

    first: list[str | Figure] = [
        f"截至{official_numbers.month_day(as_of)}，{name}已产羔",
        write.recorded(totals.lambs_born, "产羔数", f"{totals.households}户的记录之和"),
    ]
    if reported.get(Metric.LAMBS_BORN):
        figure = reported[Metric.LAMBS_BORN]
        first += [
            "（报道",
            write.reported(figure, "产羔数（报道）"),
            f"，{official_numbers.month_day(figure.as_of)}）",
        ]
    first += [
        "，产羔率",
        write.metric_rate(totals, "lambing_rate"),
        "，羔羊成活率",
        write.metric_rate(totals, "survival_rate"),
        "，较上周增加",
        write.recorded(
            whole.born_this_week,
            "近7日产羔数",
            f"截至{official_numbers.month_day(as_of)}的产羔数减去"
            f"截至{official_numbers.month_day(whole.week_before)}的",
        ),
    ]
    ranked = sorted(
        (
            (child_forecast.share_done, children[key])
            for key, child_forecast in by_child.items()
            if key in children and child_forecast.share_done is not None
        ),
        key=lambda item: (item[0], item[1].pk),
    )
    if ranked:
        share, slowest = ranked[0]
        first += [
            f"；进度最慢的{CHILD_NOUN[child_model]}为{slowest.name}（已完成",
            write.rate(share, f"{slowest.name}完成比例", "产羔数 ÷ 预计产羔数（方法见下）"),
            "）",
        ]
    first.append("。")
    bulletin.paragraphs.append(first)

    reporting = completeness.completeness_by(
        season=season, as_of=as_of, user=user, place=place
    ).get(None, completeness.Completeness())
    second: list[str | Figure] = [
        f"{name}已建档牧户{totals.households}户，其中近{completeness.RECENT_DAYS}日有计数的",
        write.recorded(
            reporting.households_reporting,
            "近7日有计数的户",
            "建档户中没有“超过7天未计数”标记的户",
            unit="户",
        ),
        "（报告完整率",
        write.rate(
            reporting.completeness,
            "报告完整率",
            f"近7日有计数的户{reporting.households_reporting} ÷ 建档户{reporting.households}",
        ),
        "）；季初越冬母羊",
        write.recorded(totals.ewes, "越冬母羊", "已填季初母羊数的户之和"),
    ]
    if reported.get(Metric.EWES):
        figure = reported[Metric.EWES]
        second += ["（报道", write.reported(figure, "越冬母羊（报道）"), "）"]
    second += [
        "；死亡羔羊",
        write.recorded(totals.lamb_losses, "死亡羔羊", f"{totals.households}户的记录之和"),
        "，死亡率",
        write.metric_rate(totals, "mortality_rate"),
        "。",
    ]
    bulletin.paragraphs.append(second)

    third: list[str | Figure] = []
    if whole.lambs_expected is not None:
        third += [
            "按目前产羔率测算，本季预计产羔",
            write.recorded(
                whole.lambs_expected,
                "预计产羔数",
                f"越冬母羊{totals.ewes} × 产羔率{official_numbers.percent(totals.lambing_rate)}",
            ),
            "，已完成",
            write.rate(
                whole.share_done,
                "完成比例",
                f"已填母羊数的户的产羔数{totals.lambs_born_where_ewes_counted} ÷ 预计产羔数",
            ),
        ]
        finish = whole.finish_date
        end = official_numbers.month_day(season.end_date)
        if finish is None:
            third.append("；近7日无新产羔记录，无法按进度推算完成日期")
        elif whole.on_time:
            third.append(
                f"，按近7日进度预计{official_numbers.month_day(finish)}前后完成，可在{end}前完成"
            )
        else:
            third.append(
                f"，按近7日进度预计{official_numbers.full_date(finish)}前后完成，晚于预计结束日期{end}"
            )
        if whole.previous_share_done is not None and previous is not None:
            third += [
                f"；上一季（{previous.name}）同期已完成全季产羔的",
                write.rate(
                    whole.previous_share_done,
                    "上季同期完成比例",
                    "上季同一天的产羔数 ÷ 上季全季产羔数",
                ),
            ]
        third.append("。")
        bulletin.paragraphs.append(third)

    behind: list[str | Figure] = []
    for key, child_forecast in sorted(by_child.items()):
        if key in children and child_forecast.behind_curve:
            child = children[key].name
            figure = write.rate(
                child_forecast.share_done,
                f"{child}完成比例",
                f"低于{name}整体的{official_numbers.percent(whole.share_done)}"
                f"逾{forecast.BEHIND_BY}个百分点",
            )
            bulletin.behind.append((child, figure))
            behind += [*(["、"] if behind else []), child, "（已完成", figure, "）"]
    if behind:
        noun = CHILD_NOUN[child_model]
        bulletin.paragraphs.append([f"进度落后于{name}整体的{noun}有：", *behind, "。"])
    return bulletin
