"""The registry of metric definitions (``livestock.counting.metrics``) and
/api/v1/metrics/: every count and rate a summary shows is defined once, with
its formula, the numbers it divides and the households it counts, and every
surface names it the same way."""

from livestock.api.serializers import MonitoringSerializer, TotalsSerializer
from livestock.counting import metrics
from livestock.counting.totals import LambingTotals, RateParts
from livestock.pages import summary_table
from tests.test_api_base import API, api

URL = API + "metrics/"


def test_the_metrics_endpoint_lists_every_value_of_the_summaries_totals(prefecture_official):
    response = api(prefecture_official).get(URL)
    assert response.status_code == 200, response.content
    codes = {metric["code"] for metric in response.json()}
    summary_values = set(TotalsSerializer().fields) - {"rates"} | {"coverage"}
    assert summary_values <= codes
    # Completeness, timeliness and the forecast beside them; the rest are dates and yes/no.
    monitoring = set(MonitoringSerializer().fields) - {"finish_date", "on_time", "behind_curve"}
    assert monitoring <= codes
    assert {"completeness", "timeliness", "lambs_expected", "share_done"} <= monitoring


def test_every_column_of_the_summary_table_is_a_metric_or_a_reported_figure():
    for column in summary_table.COLUMNS:
        assert column.kind == "reported" or column.key in metrics.METRICS, column.key


def test_each_metric_has_its_chinese_and_english_name(prefecture_official):
    by_code = {metric["code"]: metric for metric in api(prefecture_official).get(URL).json()}
    assert by_code["lambing_rate"]["name_zh"] == "产羔率"
    assert by_code["lambing_rate"]["name_en"] == "lambing rate"
    assert by_code["survival_rate"]["name_zh"] == "羔羊成活率"
    assert by_code["reproductive_survival_rate"]["name_zh"] == "繁殖成活率"
    assert by_code["lambs_alive"]["name_zh"] == "成活羔羊"
    assert by_code["completeness"]["name_zh"] == "报告完整率"
    assert by_code["timeliness"]["name_zh"] == "报告及时率"


def test_a_rate_names_the_totals_it_divides_and_the_definition_it_follows(prefecture_official):
    by_code = {metric["code"]: metric for metric in api(prefecture_official).get(URL).json()}
    lambing = by_code["lambing_rate"]
    assert lambing["kind"] == "rate"
    assert lambing["unit"] == "%"
    assert lambing["formula"] == "lambs born ÷ ewes lambed"
    assert lambing["numerator"] == "lambs_born_where_ewes_lambed_counted"
    assert lambing["denominator"] == "ewes_lambed"
    assert "分娩母羊" in lambing["standard"]
    assert "适繁母羊" in by_code["reproductive_survival_rate"]["differences"]


def test_every_rates_numerator_and_denominator_are_numbers_of_the_totals():
    totals = LambingTotals()
    for metric in metrics.RATES:
        assert isinstance(getattr(totals, metric.numerator), int), metric.code
        assert isinstance(getattr(totals, metric.denominator), int), metric.code
        assert metric.standard and metric.formula and metric.households
        assert isinstance(getattr(totals, metric.households_covered), int), metric.code
        assert metric.households_covered in metrics.METRICS, metric.code


def test_the_metrics_answer_in_the_language_asked_for_but_keep_both_names(prefecture_official):
    response = api(prefecture_official, language="zh-hans").get(URL)
    lambing = next(metric for metric in response.json() if metric["code"] == "lambing_rate")
    assert lambing["formula"] == "产羔数 ÷ 产羔母羊"
    assert lambing["name_en"] == "lambing rate"


def test_an_anonymous_request_for_the_metrics_is_a_401(db):
    from rest_framework.test import APIClient

    assert APIClient().get(URL).status_code == 401


def test_a_place_with_no_household_shows_nothing_counted_not_0():
    """No household recorded: every count of head and every rate is unknown
    (None, "—"), not 0; the households counted stay numbers (0 of 0)."""
    nothing = LambingTotals()
    assert nothing.nothing_counted
    for metric in (*metrics.COUNTS, *metrics.HOUSEHOLDS_COVERED, *metrics.RATES):
        expected = 0 if metric.unit == "households" else None
        assert nothing.shown(metric.code) == expected, metric.code
    one = LambingTotals(households=1, ewes=150, households_ewes_counted=1)
    assert not one.nothing_counted
    assert (one.shown("ewes"), one.shown("lambs_born"), one.shown("lambs_alive")) == (150, 0, None)


def test_a_rates_numbers_are_unknown_where_none_of_its_households_has_them():
    """One answer every surface asks (``RateParts.numbers_known``): a rate none
    of whose households has its numbers (no survival check yet, no household)
    has no numbers, not 0 ÷ 0; one whose households have them but divide by 0
    (a check made before any lamb was born) has 0 ÷ 0 and no value; the counts
    entered on time of a place with households but no count yet are counted,
    0 of 0, but those of a place with no household are unknown, as every rate's
    there, and say so (``why_unknown``)."""
    nothing = LambingTotals()
    assert not any(nothing.rate_parts(metric.code).numbers_known for metric in metrics.RATES)
    unchecked = LambingTotals(
        households=1,
        ewes_lambed=4,
        lambs_born=5,
        lambs_born_where_ewes_lambed_counted=5,
        households_ewes_lambed_counted=1,
    )
    assert not unchecked.rate_parts("survival_rate").numbers_known
    assert unchecked.rate_parts("lambing_rate").numbers_known
    assert unchecked.rate_parts("mortality_rate").numbers_known  # 0 lost of 5 born
    checked_before_any_lamb = LambingTotals(households=1, households_checked=1)
    survival = checked_before_any_lamb.rate_parts("survival_rate")
    assert survival.numbers_known
    assert (survival.value, survival.numerator, survival.denominator) == (None, 0, 0)
    no_count_yet = RateParts(
        metric=metrics.get("timeliness"),
        value=None,
        numerator=0,
        denominator=0,
        households=1,
        of_households=1,
    )
    assert no_count_yet.numbers_known and no_count_yet.why_unknown == ""
    for code in ("completeness", "timeliness"):
        no_household = RateParts(
            metric=metrics.get(code),
            value=None,
            numerator=0,
            denominator=0,
            households=0,
            of_households=0,
        )
        assert not no_household.numbers_known
        assert str(no_household.why_unknown) == str(metrics.NO_HOUSEHOLDS)
    assert str(nothing.rate_parts("survival_rate").why_unknown) == str(metrics.NO_HOUSEHOLDS)


def test_a_count_rises_from_a_place_with_nothing_counted_as_from_0():
    before = LambingTotals()
    now = LambingTotals(households=1, lambs_born=12, ewes_lambed=10)
    assert now.change_since(before, "lambs_born") == 12
    assert now.change_since(before, "lambing_rate") is None  # no rate a week before
    assert before.change_since(before, "lambs_born") is None  # nothing either side
    assert now.change_since(now, "lambs_born") == 0


def test_no_households_is_written_chinese_first_with_english_beside():
    from django.utils import translation

    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert metrics.no_households_text() == "无牧户 no households"
    with translation.override("kk"):
        assert metrics.no_households_text() == "отбасы жоқ 无牧户"
