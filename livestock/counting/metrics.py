"""The registry of what the summaries count and the rates they show: one
definition per metric, read by the summary pages' headers and notes, the
exports' header notes, the API's field descriptions and ``/api/v1/metrics/``.

Why one registry: an official checks a rate with a calculator, and the same
word (产羔率, 成活率) is computed differently by textbooks, by the statistical
reporting forms and by other software. A rate is only trustworthy when every
surface says the same thing about it: which numbers it divides, which
households it counts, and which definition it follows. Writing that once,
here, is what keeps the page, the file and the API from drifting apart.

A metric's ``code`` is the name of its value in ``counting.totals.LambingTotals``
(and in the API's totals), so a value names its metric by its key. A rate's
``numerator`` and ``denominator`` are the ``LambingTotals`` numbers it
divides, and ``households_covered`` the number of households they cover
(``counting.totals.LambingTotals.rate_parts`` holds them together for one place).
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, override

from livestock.i18n import made_in_each


@dataclass(frozen=True)
class MetricDefinition:
    """A count or a rate of the summaries, as every surface describes it."""

    code: str
    name: Promise
    kind: str  # "count" or "rate"
    unit: str  # "head", "households" or "%"
    description: Promise
    households: Promise  # which households the metric counts
    formula: Promise | str = ""
    numerator: str = ""  # a LambingTotals number, for a rate
    denominator: str = ""
    # The LambingTotals number of households a rate, or a count known only for
    # some households (ewes counted, lambs alive at a check), covers.
    households_covered: str = ""
    # What a rate says for itself when none of the households it counts has its
    # numbers (``households_covered`` is 0): unknown, never "0 ÷ 0".
    none_yet: Promise | str = ""
    standard: Promise | str = ""  # the definition it follows
    differences: Promise | str = ""  # where other definitions differ
    on_summary: bool = True  # a column of the summary pages (every metric is in the API)

    @property
    def is_rate(self) -> bool:
        return self.kind == "rate"

    def name_in(self, language: str) -> str:
        """The name in ``language`` ("zh-hans", "en"), whatever the request's."""
        with override(language):
            return str(self.name)

    def formula_in(self, language: str) -> str:
        with override(language):
            return str(self.formula)


ALL_HOUSEHOLDS = _("every household with a lambing record this season")

COUNTS = (
    MetricDefinition(
        code="households",
        name=_("households recorded"),
        kind="count",
        unit="households",
        description=_(
            "Herder households with a lambing record of the season, made on or before the date."
        ),
        households=ALL_HOUSEHOLDS,
    ),
    MetricDefinition(
        code="ewes",
        name=_("ewes at the season's start"),
        kind="count",
        unit="head",
        description=_(
            "Breeding-age ewes (能繁母羊) in the flocks at the season's start, as recorded."
        ),
        households=_("households whose ewes at the season's start were counted"),
        households_covered="households_ewes_counted",
    ),
    MetricDefinition(
        code="ewes_lambed",
        name=_("ewes lambed"),
        kind="count",
        unit="head",
        description=_("Ewes that have given birth so far this season (cumulative)."),
        households=ALL_HOUSEHOLDS,
    ),
    MetricDefinition(
        code="lambs_born",
        name=_("lambs born"),
        kind="count",
        unit="head",
        description=_("Lambs born so far this season (cumulative)."),
        households=ALL_HOUSEHOLDS,
    ),
    MetricDefinition(
        code="lamb_losses",
        name=_("lamb losses"),
        kind="count",
        unit="head",
        description=_("Lambs that died so far this season, each with a date and a cause."),
        households=ALL_HOUSEHOLDS,
    ),
    MetricDefinition(
        code="lambs_alive",
        name=_("lambs alive"),
        kind="count",
        unit="head",
        description=_(
            "Lambs counted alive at each household's latest survival check on or before "
            "the date. Unknown (not 0) where no check was made."
        ),
        households=_("households with a survival check on or before the date"),
        households_covered="households_checked",
    ),
    MetricDefinition(
        code="lambs_alive_at_weaning",
        name=_("lambs alive at weaning"),
        kind="count",
        unit="head",
        description=_(
            "Lambs counted alive at each household's latest weaning check. Unknown (not 0) "
            "where no weaning check was made."
        ),
        households=_("households with a weaning check on or before the date"),
        on_summary=False,
        households_covered="households_weaned",
    ),
)


def _households_with(code: str, name, description) -> MetricDefinition:
    """A count of the households a rate or a partly known count covers."""
    return MetricDefinition(
        code=code,
        name=name,
        kind="count",
        unit="households",
        description=description,
        households=ALL_HOUSEHOLDS,
        on_summary=False,
    )


# The households each rate, or a count known only for some, covers.
HOUSEHOLDS_COVERED = (
    _households_with(
        "households_ewes_counted",
        _("households with ewes counted"),
        _("Households whose ewes at the season's start were counted."),
    ),
    _households_with(
        "households_ewes_lambed_counted",
        _("households with ewes lambed counted"),
        _("Households with at least one ewe lambed counted on or before the date."),
    ),
    _households_with(
        "households_checked",
        _("households checked"),
        _("Households with a survival check on or before the date."),
    ),
    _households_with(
        "households_weaned",
        _("households with a weaning check"),
        _("Households with a weaning check on or before the date."),
    ),
    _households_with(
        "households_weaned_ewes_counted",
        _("households with a weaning check and ewes counted"),
        _(
            "Households with a weaning check on or before the date whose ewes at the "
            "season's start were counted."
        ),
    ),
)

RATES = (
    MetricDefinition(
        code="lambing_rate",
        name=_("lambing rate"),
        kind="rate",
        unit="%",
        description=_("Lambs born per ewe that has lambed, in %."),
        formula=_("lambs born ÷ ewes lambed"),
        numerator="lambs_born_where_ewes_lambed_counted",
        denominator="ewes_lambed",
        households_covered="households_ewes_lambed_counted",
        none_yet=_("no ewes lambed counted yet"),
        households=_(
            "households with ewes lambed counted: lambs born where no ewe lambed was "
            "counted are left out of the numerator"
        ),
        standard=_(
            "Chinese animal-husbandry textbooks: 产羔率 = lambs born ÷ ewes that gave birth "
            "(分娩母羊) × 100%."
        ),
        differences=_(
            "Some statistical reports divide lambs born by the breeding ewes instead; that "
            "is the reproduction rate (繁殖率) here. Western tools count per ewe joined or "
            "scanned."
        ),
    ),
    MetricDefinition(
        code="reproduction_rate",
        name=_("reproduction rate"),
        kind="rate",
        unit="%",
        description=_("Lambs born per breeding ewe at the season's start, in %."),
        formula=_("lambs born ÷ ewes at the season's start"),
        numerator="lambs_born_where_ewes_counted",
        denominator="ewes",
        households_covered="households_ewes_counted",
        none_yet=_("no ewes at the season's start counted yet"),
        households=_(
            "households whose ewes at the season's start were counted: lambs born where "
            "the ewes were not counted are left out of the numerator"
        ),
        standard=_(
            "Chinese animal-husbandry textbooks: 繁殖率 = lambs born ÷ breeding ewes "
            "(能繁母羊) × 100%."
        ),
        differences=_(
            "Textbooks take the breeding ewes (适繁母羊) at the end of the previous year; "
            "this service takes the ewes recorded at the season's start."
        ),
    ),
    MetricDefinition(
        code="survival_rate",
        name=_("lamb survival rate"),
        kind="rate",
        unit="%",
        description=_(
            "Lambs alive at each household's latest survival check per lamb born by that "
            "check, in %."
        ),
        formula=_("lambs alive at the latest check ÷ lambs born by then"),
        numerator="lambs_alive",
        denominator="lambs_born_by_latest_check",
        households_covered="households_checked",
        none_yet=_("no survival checks yet"),
        households=_(
            "households with a survival check; lambs born after a household's latest "
            "check are left out, since the check could not count them"
        ),
        standard=_(
            "Chinese animal-husbandry textbooks: 羔羊成活率 = lambs alive at weaning ÷ lambs "
            "born × 100%."
        ),
        differences=_(
            "Textbooks count at weaning; during the season this service counts at each "
            "household's latest check (at birth, day 7, day 30 or weaning). Statistical "
            "reports count the young surviving at the year's end."
        ),
    ),
    MetricDefinition(
        code="reproductive_survival_rate",
        name=_("reproductive survival rate"),
        kind="rate",
        unit="%",
        description=_("Lambs alive at weaning per breeding ewe at the season's start, in %."),
        formula=_("lambs alive at weaning ÷ ewes at the season's start"),
        numerator="lambs_alive_at_weaning_where_ewes_counted",
        denominator="ewes_where_weaned",
        households_covered="households_weaned_ewes_counted",
        none_yet=_("no weaning checks yet in the households with their ewes counted"),
        households=_(
            "households with a weaning check whose ewes at the season's start were counted"
        ),
        standard=_(
            "Chinese animal-husbandry textbooks: 繁殖成活率 = lambs alive at weaning ÷ "
            "breeding ewes (适繁母羊) × 100%."
        ),
        differences=_(
            "Textbooks divide by the breeding ewes (适繁母羊) at the end of the previous "
            "year; this service by the ewes recorded at the season's start. Western tools "
            "count per ewe joined or scanned."
        ),
    ),
    MetricDefinition(
        code="mortality_rate",
        name=_("mortality"),
        kind="rate",
        unit="%",
        description=_("Lambs that died per lamb born so far, in %."),
        formula=_("lamb losses ÷ lambs born"),
        numerator="lamb_losses",
        denominator="lambs_born",
        households_covered="households",
        households=ALL_HOUSEHOLDS,
        standard=_("羔羊死亡率 = lamb losses ÷ lambs born × 100%."),
        differences=_(
            "Statistical reports count deaths of young animals over the year against the "
            "stock at its start; this service counts the season's lamb losses against its "
            "lambs born."
        ),
    ),
)

# Beside the recorded numbers: how much of a reported figure the records hold.
COVERAGE = MetricDefinition(
    code="coverage",
    name=_("coverage"),
    kind="rate",
    unit="%",
    description=_(
        "How much of the latest reported lambs born on or before the date the records hold, in %."
    ),
    formula=_("recorded lambs born ÷ reported lambs born"),
    households=ALL_HOUSEHOLDS,
    standard=_("This service's own measure: reports and records are counted apart."),
)

# What the officials' desk shows beside the totals (``livestock.monitoring``):
# reporting completeness and timeliness, and the forecast. In the summaries'
# ``monitoring`` (API), on the pages' "Reporting and forecast" and the bulletin.
FORECAST_METHOD = _(
    "Lambs expected by the season's end = ewes at the season's start × lambing rate so far "
    "(lambs born ÷ ewes lambed), households with their ewes counted. Share done = lambs born "
    "÷ lambs expected. A place is behind the curve when its share done is more than 10 "
    "points below that of the whole place on the same day. The finish date carries on at the "
    "pace of the last 7 days. The previous season's share is that of its final lambs born "
    "reached on the same day of the season."
)
NOT_PAST_100 = _(
    "DHIS2's reporting rates, counted so that they cannot pass 100 %: the numerator is a "
    "part of the denominator (DHIS2 divides by the forms expected and counts the forms "
    "received, which need not be among them)."
)
FORECAST_STANDARD = _("This service's own forecast, from the season's own counts so far.")

MONITORING = (
    MetricDefinition(
        code="completeness",
        name=_("Completeness"),
        kind="rate",
        unit="%",
        description=_(
            "Households with a count dated in the last 7 days, of the households recorded, in %."
        ),
        formula=_("households with a count in the last 7 days ÷ households recorded"),
        numerator="households_reporting",
        denominator="households",
        households_covered="households",
        households=ALL_HOUSEHOLDS,
        standard=NOT_PAST_100,
        on_summary=False,
    ),
    MetricDefinition(
        code="timeliness",
        name=_("Timeliness"),
        kind="rate",
        unit="%",
        description=_(
            "Counts dated on or before the date that were entered within the season's days "
            "of the day they count, of all those counts, in %."
        ),
        formula=_("counts entered on time ÷ counts"),
        numerator="counts_on_time",
        denominator="counts",
        households_covered="households",
        households=ALL_HOUSEHOLDS,
        standard=NOT_PAST_100,
        on_summary=False,
    ),
    MetricDefinition(
        code="lambs_expected",
        name=_("Lambs expected by the season's end"),
        kind="count",
        unit="head",
        description=FORECAST_METHOD,
        households=_("households with ewes counted"),
        households_covered="households_ewes_counted",
        standard=FORECAST_STANDARD,
        on_summary=False,
    ),
    MetricDefinition(
        code="share_done",
        name=_("share done"),
        kind="rate",
        unit="%",
        description=FORECAST_METHOD,
        formula=_("lambs born ÷ lambs expected"),
        numerator="lambs_born_where_ewes_counted",
        denominator="lambs_expected",
        households_covered="households_ewes_counted",
        households=_("households with ewes counted"),
        standard=FORECAST_STANDARD,
        on_summary=False,
    ),
    MetricDefinition(
        code="previous_share_done",
        name=_("previous season on the same day"),
        kind="rate",
        unit="%",
        description=FORECAST_METHOD,
        formula=_("lambs born by the same day of the season ÷ lambs born in the whole season"),
        households=_("the previous season's households"),
        standard=FORECAST_STANDARD,
        on_summary=False,
    ),
)

# What a place with no household recorded shows beside each of its counts and
# rates ("—"): nothing was counted there, which is not a count of 0
# (``LambingTotals.nothing_counted``).
NO_HOUSEHOLDS = _("no households")


def households_text(covered: int, households: int) -> str:
    """Which of a place's ``households`` a value covers: "from 1 of 2
    households", or "from all 2 households" when it covers them all."""
    numbers = {"covered": f"{covered:,}", "all": f"{households:,}"}
    if covered < households:
        return (
            ngettext(
                "from %(covered)s of %(all)s household",
                "from %(covered)s of %(all)s households",
                households,
            )
            % numbers
        )
    return (
        ngettext("from the %(all)s household", "from all %(all)s households", households) % numbers
    )


def in_shown_languages(text: Promise | str) -> str:
    """A note beside a "—" (why a number is unknown: ``NO_HOUSEHOLDS``, a rate's
    ``none_yet``) in the two languages the pages write such a note in
    (``i18n.shown_languages``): "无牧户 no households", or Kazakh with the Chinese
    beside it, so that an official reads it whatever the page's language."""
    return " ".join(made_in_each(lambda: str(text)))


def no_households_text() -> str:
    """``NO_HOUSEHOLDS`` as the pages write it: "无牧户 no households"."""
    return in_shown_languages(NO_HOUSEHOLDS)


METRICS: dict[str, MetricDefinition] = {
    metric.code: metric for metric in (*COUNTS, *HOUSEHOLDS_COVERED, *RATES, COVERAGE, *MONITORING)
}


def get(code: str) -> MetricDefinition:
    return METRICS[code]
