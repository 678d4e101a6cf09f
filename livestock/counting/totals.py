"""A set of records' totals and rates as of a date, by name: what a record's
walk yields per date (``walk.py``), what a daily rollup row holds the change
of (``DailyRollup.COUNT_FIELDS`` are these fields' names) and what every
summary, page, export and API response shows."""

from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal

from django.utils.functional import Promise

from livestock.counting import metrics


def percent(numerator: int, denominator: int) -> Decimal | None:
    """numerator ÷ denominator × 100, to one decimal; None (not available) for 0."""
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


@dataclass(frozen=True)
class RateParts:
    """A rate as an official checks it with a calculator: the numbers it
    divides (``value`` is ``numerator ÷ denominator``, rounded to 0.1 %), and
    how many of the place's households they cover. ``metric`` says which
    numbers of ``LambingTotals`` these are and why (``livestock.counting.metrics``)."""

    metric: metrics.MetricDefinition
    value: Decimal | None
    numerator: int | Decimal
    denominator: int | Decimal
    households: int
    of_households: int

    @property
    def numbers_known(self) -> bool:
        """Whether its numerator and denominator are numbers at all, the one
        answer every surface asks before it shows them. A rate of the records'
        counts (its numerator a ``LambingTotals`` number) has them only from
        the households its metric covers (``households_covered``): where none
        of them has (no survival check made yet, no ewes lambed counted, no
        household at all) they are unknown as its value is, "—", empty or
        null, never 0 ÷ 0 (0 lambs alive would read as lambs counted dead).
        A rate whose households have its numbers but divide by 0 (0 lambs born
        by the latest check) has known numbers and no value; and what the
        service counts itself (households reporting, counts entered on time)
        is known when it is 0 of 0 in a place with households (no count yet),
        but not in a place with none, where no rate has numbers."""
        if not self.of_households:
            return False
        return bool(self.households) or self.metric.numerator not in NUMBERS

    @property
    def why_unknown(self) -> Promise | str:
        """Why its numbers are unknown, said where they would be ("—", or a
        bulletin's basis): none of its households has them yet (the metric's
        ``none_yet``: no survival checks yet), or there is no household at all;
        "" when they are known. A lazy text, written by each surface in its
        language: the bulletin's sentence in the page's, a page's "—" in the two
        it writes its notes in (``metrics.in_shown_languages``)."""
        if self.numbers_known:
            return ""
        if not self.of_households:
            return metrics.NO_HOUSEHOLDS
        return self.metric.none_yet or metrics.NO_HOUSEHOLDS

    @property
    def partial(self) -> bool:
        """The rate leaves out some of the households the counts beside it hold."""
        return self.households < self.of_households

    def households_text(self) -> str:
        """Which of the place's households the numbers cover, as the summary's
        cells and the bulletin write it: "按2户中的1户计算", "按全部2户计算"."""
        return metrics.households_text(self.households, self.of_households)


@dataclass(frozen=True)
class LambingTotals:
    """A season's recorded counts for a set of records as of a date, and the
    rates of DOMAIN.md. Each rate counts only the records that have both of its
    numbers, so a household not yet counted does not drag a rate down; the
    ``*_where_*`` sums are those restricted numbers, and the ``households_*``
    counts the households each covers (``rate_parts`` shows them together)."""

    households: int = 0
    ewes: int = 0
    ewes_lambed: int = 0
    lambs_born: int = 0
    lamb_losses: int = 0
    lambs_alive: int = 0
    lambs_alive_at_weaning: int = 0
    lambs_born_where_ewes_lambed_counted: int = 0
    lambs_born_where_ewes_counted: int = 0
    lambs_born_by_latest_check: int = 0
    lambs_alive_at_weaning_where_ewes_counted: int = 0
    ewes_where_weaned: int = 0
    households_ewes_counted: int = 0
    households_ewes_lambed_counted: int = 0
    households_checked: int = 0
    households_weaned: int = 0
    households_weaned_ewes_counted: int = 0

    @property
    def nothing_counted(self) -> bool:
        """No household has a record here (a village, a township or a county with
        none yet, or any place before its first record was made): there is
        nothing to count, which is not a count of 0."""
        return not self.households

    def shown(self, code: str) -> int | Decimal | None:
        """The value of the metric ``code`` as every surface shows it: a rate, or
        a count; None (unknown, never 0) for a rate with nothing to divide by,
        for a count known only for some households (ewes counted, lambs alive at
        a check) when none of them has it, and for every count of head and every
        rate where ``nothing_counted`` (the surfaces say why:
        ``metrics.NO_HOUSEHOLDS``). Counts of households stay numbers: 0 of 0."""
        metric = metrics.get(code)
        if self.nothing_counted and metric.unit != "households":
            return None
        if metric.is_rate:
            return self.rate_parts(code).value
        covered = metric.households_covered
        if covered and not getattr(self, covered):
            return None
        return getattr(self, code)

    def change_since(self, before: "LambingTotals", code: str) -> int | Decimal | None:
        """How far the value of ``code`` moved from ``before`` (the same place's
        totals at an earlier date): None when either side is unknown, but a
        count rises from a place with nothing counted yet as from 0 (its first
        households' lambs are all new)."""
        now, then = self.shown(code), before.shown(code)
        if then is None and before.nothing_counted and not metrics.get(code).is_rate:
            then = 0 if now is not None else None
        return None if now is None or then is None else now - then

    def count_parts(self, code: str) -> RateParts:
        """The count ``code``, known only for some households (its metric's
        ``households_covered``: ewes counted, lambs alive at a check), with the
        households it covers, as parts with no division: what the summary's
        cell and the bulletin say beside it ("from 1 of 2 households"), so that
        3,000 ewes read as the whole village's or a third of it."""
        metric = metrics.get(code)
        return RateParts(
            metric=metric,
            value=None,
            numerator=0,
            denominator=0,
            households=getattr(self, metric.households_covered),
            of_households=self.households,
        )

    def rate_parts(self, code: str) -> RateParts:
        """The rate ``code`` (``metrics.RATES``) with the numbers it divides."""
        metric = metrics.get(code)
        numerator = getattr(self, metric.numerator)
        denominator = getattr(self, metric.denominator)
        return RateParts(
            metric=metric,
            value=percent(numerator, denominator),
            numerator=numerator,
            denominator=denominator,
            households=getattr(self, metric.households_covered),
            of_households=self.households,
        )

    @property
    def lambing_rate(self) -> Decimal | None:
        """产羔率 = lambs born ÷ ewes lambed × 100%."""
        return percent(self.lambs_born_where_ewes_lambed_counted, self.ewes_lambed)

    @property
    def reproduction_rate(self) -> Decimal | None:
        """繁殖率 = lambs born ÷ breeding ewes at the season's start × 100%."""
        return percent(self.lambs_born_where_ewes_counted, self.ewes)

    @property
    def survival_rate(self) -> Decimal | None:
        """羔羊成活率 = lambs alive at the latest check ÷ lambs born × 100%; lambs born
        are counted up to each record's latest check, since a check cannot count
        lambs born after it."""
        return percent(self.lambs_alive, self.lambs_born_by_latest_check)

    @property
    def reproductive_survival_rate(self) -> Decimal | None:
        """繁殖成活率 = lambs alive at weaning ÷ breeding ewes at the season's start × 100%."""
        return percent(self.lambs_alive_at_weaning_where_ewes_counted, self.ewes_where_weaned)

    @property
    def mortality_rate(self) -> Decimal | None:
        """Lamb mortality = lamb losses ÷ lambs born × 100%."""
        return percent(self.lamb_losses, self.lambs_born)

    def __add__(self, other: "LambingTotals") -> "LambingTotals":
        """Every field is a sum over records, so two disjoint sets of records add up."""
        return LambingTotals(
            **{
                field.name: getattr(self, field.name) + getattr(other, field.name)
                for field in fields(self)
            }
        )

    @classmethod
    def from_row(cls, row: dict) -> "LambingTotals":
        return cls(**{field.name: row[field.name] or 0 for field in fields(cls)})


# The names of the numbers a ``LambingTotals`` holds (every one a sum over records).
NUMBERS = tuple(field.name for field in fields(LambingTotals))
