"""/api/v1/reported-figures/: numbers as the reports state them, read-only,
each with its report, date, qualifier and the sentence it came from."""

import datetime
import json
from decimal import Decimal

import pytest

from livestock.models import Report, ReportedFigure
from tests.test_api_base import (
    API,
    ListQueryTests,
    ReadTests,
    api,
    ids,
    results,
)

URL = API + "reported-figures/"
FEB_11 = datetime.date(2025, 2, 11)


@pytest.fixture
def report(db) -> Report:
    return Report.objects.create(
        slug="altay-daily-2025-02-12",
        title="接羔育幼忙",
        publisher="阿勒泰日报",
        published_on=datetime.date(2025, 2, 12),
        source="seeds/000_e8073e5aabd01383.txt",
    )


def figure(report, county, key, *, township=None, season=None, **values) -> ReportedFigure:
    fields = {
        "as_of": FEB_11,
        "metric": "lambs_born",
        "value": Decimal(12000),
        "qualifier": "more_than",
        "quote": "截至2月11日，已产羔1.2万只",
        **values,
    }
    return ReportedFigure.objects.create(
        key=key,
        report=report,
        prefecture=county.prefecture,
        county=county,
        township=township,
        season=season,
        **fields,
    )


@pytest.fixture
def fuhai_figure(report, fuhai):
    return figure(report, fuhai, "fuhai-lambs-born", quote="福海县已产羔1.2万余只")


@pytest.fixture
def burqin_figure(report, burqin):
    return figure(report, burqin, "burqin-lambs-born", value=Decimal(18600))


class TestReportedFigures(ReadTests, ListQueryTests):
    url = URL

    @pytest.fixture
    def inside(self, fuhai_figure):
        return fuhai_figure

    @pytest.fixture
    def outside(self, burqin_figure):
        return burqin_figure

    @pytest.fixture
    def make_inside(self, report, fuhai, kokeaheshi):
        def make(n: int) -> None:
            start = ReportedFigure.objects.count()
            for number in range(start, start + n):
                figure(report, fuhai, f"figure-{number}", township=kokeaheshi, value=number)

        return make


def test_a_figure_keeps_its_report_date_qualifier_and_sentence(fuhai_technician, fuhai_figure):
    body = api(fuhai_technician).get(f"{URL}{fuhai_figure.pk}/").json()
    assert (body["as_of"], body["metric"], body["unit"]) == ("2025-02-11", "lambs_born", "head")
    assert (Decimal(str(body["value"])), body["qualifier"]) == (Decimal(12000), "more_than")
    assert body["quote"] == "福海县已产羔1.2万余只"
    assert body["report"]["title"] == "接羔育幼忙"
    assert body["report"]["published_on"] == "2025-02-12"


def test_figures_cannot_be_written_through_the_api(fuhai_technician, fuhai_figure, fuhai):
    client = api(fuhai_technician)
    created = client.post(
        URL,
        {
            "key": "new",
            "prefecture": fuhai.prefecture_id,
            "county": fuhai.pk,
            "as_of": "2025-02-11",
            "metric": "ewes",
            "value": 1,
            "qualifier": "exact",
            "quote": "q",
        },
    )
    changed = client.patch(f"{URL}{fuhai_figure.pk}/", {"value": 1})
    assert created.status_code in (403, 405)
    assert changed.status_code in (403, 405)
    assert ReportedFigure.objects.count() == 1
    assert ReportedFigure.objects.get().value == 12000


@pytest.fixture
def figures(report, fuhai, burqin, kokeaheshi, winter_2024, prefecture_official):
    """Three 福海县 figures (one of its township, one of the winter season, one
    earlier) and one of 布尔津县, read by an official of the prefecture."""
    township = figure(report, fuhai, "kokeaheshi-ewes", township=kokeaheshi, metric="ewes")
    seasonal = figure(report, fuhai, "fuhai-winter", season=winter_2024, value=Decimal(9000))
    earlier = figure(
        report, fuhai, "fuhai-jan", as_of=datetime.date(2025, 1, 20), value=Decimal(5000)
    )
    burqin_figure = figure(report, burqin, "burqin", value=Decimal(18600), quote="布尔津县产羔")
    return api(prefecture_official), township, seasonal, earlier, burqin_figure


def test_figures_filter_by_county_and_by_township(figures, fuhai, burqin, kokeaheshi):
    client, township, seasonal, earlier, burqin_figure = figures
    assert ids(client.get(URL, {"county": burqin.pk})) == [burqin_figure.pk]
    assert ids(client.get(URL, {"township": kokeaheshi.pk})) == [township.pk]
    assert len(ids(client.get(URL, {"county": fuhai.pk}))) == 3


def test_figures_filter_by_season(figures, winter_2024):
    client, _township, seasonal, *_rest = figures
    assert ids(client.get(URL, {"season": winter_2024.pk})) == [seasonal.pk]


def test_figures_filter_by_metric(figures):
    client, township, *_rest = figures
    assert ids(client.get(URL, {"metric": "ewes"})) == [township.pk]


def test_figures_filter_by_a_range_of_as_of_dates(figures):
    client, _township, _seasonal, earlier, _burqin = figures
    assert ids(client.get(URL, {"as_of_before": "2025-01-31"})) == [earlier.pk]
    assert len(ids(client.get(URL, {"as_of_after": "2025-02-01"}))) == 3
    assert ids(client.get(URL, {"as_of_after": "2025-01-20", "as_of_before": "2025-01-20"})) == [
        earlier.pk
    ]


def test_search_finds_figures_by_the_words_of_their_sentence(figures):
    client, *_rest, burqin_figure = figures
    assert ids(client.get(URL, {"search": "布尔津"})) == [burqin_figure.pk]


def test_figures_are_ordered_by_the_field_asked_for(figures):
    client, *_rest = figures
    values = [figure["value"] for figure in results(client.get(URL, {"ordering": "-value"}))]
    assert values == sorted(values, reverse=True)
    assert values[0] == 18600
    dates = [figure["as_of"] for figure in results(client.get(URL, {"ordering": "as_of"}))]
    assert dates[0] == "2025-01-20"


@pytest.mark.parametrize(
    ("metric", "stored", "sent"),
    [
        ("ewes", "150.00", "150"),
        ("lambs_born", "186000", "186000"),
        ("dairy_ranch_share", "12.35", "12.35"),
        ("dairy_ranch_share", "40.50", "40.5"),
        ("milk_yield_per_cow", "0.07", "0.07"),
        ("ranch_area", "999999999999.99", "999999999999.99"),
    ],
)
def test_a_figures_value_is_sent_as_the_report_wrote_it(
    fuhai_technician, report, fuhai, metric, stored, sent
):
    """A count of head is a whole number, 150: it was sent as 150.0, a number no
    report wrote (and the admin, the field app and the bulletin write 150). A
    fraction keeps its digits exactly. Both stay JSON numbers, as they were."""
    made = figure(report, fuhai, "figure", metric=metric, value=Decimal(stored))
    body = api(fuhai_technician).get(f"{URL}{made.pk}/").content.decode()
    assert f'"value":{sent},' in body
    assert json.loads(body, parse_float=Decimal)["value"] == Decimal(stored)
