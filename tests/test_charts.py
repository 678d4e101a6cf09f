"""The SVG charts, read as a reader of the page would: what is drawn where, and what it says.

Each chart is parsed as XML, so a test fails on markup a browser or printer might mangle."""

import datetime
import math
import unicodedata
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from livestock.pages.charts import ReportedPoint, bar_chart, cumulative_chart

SVG = "{http://www.w3.org/2000/svg}"
SCRIPT = "<script>alert(1)</script>"
SEASON_START = datetime.date(2024, 12, 1)
SEASON_END = datetime.date(2025, 3, 31)


def parse(markup: str) -> ET.Element:
    """Our own markup, never a user's file, so the stdlib parser is safe here."""
    return ET.fromstring(markup)  # noqa: S314


def season_chart(series=None, points=(), **overrides) -> ET.Element:
    arguments = {
        "series": series if series is not None else steady_lambing(),
        "points": list(points),
        "start": SEASON_START,
        "end": SEASON_END,
        "title": "布尔津县 累计产羔 Burqin County – lambs born",
        "series_label": "记录 Recorded",
        "points_label": "报道 Reported",
        **overrides,
    }
    return parse(cumulative_chart(**arguments))


def steady_lambing() -> list[tuple[datetime.date, int]]:
    """120 lambs a day from 5 December to 18 February, counted every third day."""
    return [
        (datetime.date(2024, 12, 5) + datetime.timedelta(days=day), 120 * (day + 1))
        for day in range(0, 78, 3)
    ]


def bars(chart_bars, unit: str = "") -> ET.Element:
    return parse(bar_chart(bars=chart_bars, title="羔羊成活率 Lamb survival", unit=unit))


def with_class(root: ET.Element, css_class: str) -> list[ET.Element]:
    return [element for element in root.iter() if css_class in element.get("class", "").split()]


def texts(root: ET.Element) -> list[str]:
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def number(text: str) -> float:
    return float(text.replace(",", "").rstrip("%"))


def polyline_points(root: ET.Element) -> list[tuple[float, float]]:
    (line,) = with_class(root, "series")
    return [tuple(map(float, pair.split(","))) for pair in line.get("points").split()]


def diamond_centre(group: ET.Element) -> tuple[float, float]:
    corners = [
        tuple(map(float, pair.split(",")))
        for pair in group.find(f"{SVG}polygon").get("points").split()
    ]
    return (
        sum(x for x, _ in corners) / len(corners),
        sum(y for _, y in corners) / len(corners),
    )


def plot_area(root: ET.Element) -> tuple[float, float, float, float]:
    """Left, top, right, bottom of the plot, as its gridlines show it."""
    (axis,) = with_class(root, "y-axis")
    gridlines = axis.findall(f"{SVG}line")
    ys = [float(line.get("y1")) for line in gridlines]
    return float(gridlines[0].get("x1")), min(ys), float(gridlines[0].get("x2")), max(ys)


def y_tick_values(root: ET.Element) -> list[float]:
    (axis,) = with_class(root, "y-axis")
    return [number(text) for text in texts(axis)]


def bar_rows(root: ET.Element) -> list[ET.Element]:
    return with_class(root, "bar-row")


def bar_length(row: ET.Element) -> float:
    (bar,) = with_class(row, "bar")
    return float(bar.get("width"))


# --- Both charts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "chart",
    [
        lambda: cumulative_chart(
            series=steady_lambing(),
            points=[],
            start=SEASON_START,
            end=SEASON_END,
            title="累计产羔 Lambs born",
            series_label="记录",
            points_label="报道",
        ),
        lambda: bar_chart(bars=[("福海县 Fuhai County", 12)], title="累计产羔 Lambs born"),
        lambda: bar_chart(bars=[], title="累计产羔 Lambs born"),
    ],
    ids=["cumulative", "bars", "empty"],
)
def test_every_chart_is_a_named_image_that_scales_to_a_phone(chart):
    root = parse(chart())

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label") == "累计产羔 Lambs born"
    assert root[0].tag == f"{SVG}title"
    assert root[0].text == "累计产羔 Lambs born"
    assert root.get("width") == "100%"
    view_width = float(root.get("viewBox").split()[2])
    assert 600 <= view_width <= 800
    assert "Noto Sans CJK SC" in root.get("font-family")
    assert root.get("font-family").endswith("sans-serif")


@pytest.mark.parametrize(
    "chart",
    [
        lambda: season_chart(points=[ReportedPoint(datetime.date(2025, 1, 10), 5000, "左右")]),
        lambda: bars(
            [("阔克阿勒什乡 Kuokealeshi Township", Decimal("92.5")), ("通克村", None)], "%"
        ),
    ],
    ids=["cumulative", "bars"],
)
def test_text_stays_readable_on_a_390_px_phone_and_nothing_is_fetched(chart):
    root = chart()
    scale = 390 / float(root.get("viewBox").split()[2])

    for text in root.iter(f"{SVG}text"):
        assert float(text.get("font-size")) * scale >= 12
    for element in root.iter():
        assert not element.tag.endswith("script")
        assert not element.tag.endswith(("image", "use", "foreignObject"))
        assert not any(name.endswith("href") for name in element.attrib)


def test_colours_are_black_white_and_grey_so_they_print():
    roots = [
        season_chart(points=[ReportedPoint(datetime.date(2025, 1, 10), 5000, "")]),
        bars([("福海县", 90), ("布尔津县", None)], "%"),
    ]

    colours = {
        element.get(attribute)
        for root in roots
        for element in root.iter()
        for attribute in ("fill", "stroke")
        if element.get(attribute) not in (None, "none")
    }
    for colour in colours:
        digits = colour.removeprefix("#")
        step = len(digits) // 3
        red, green, blue = (digits[index : index + step] for index in range(0, len(digits), step))
        assert red == green == blue, colour


# --- The cumulative chart -----------------------------------------------------------------


def test_the_line_runs_in_date_order_inside_the_plot():
    shuffled = list(reversed(steady_lambing()))
    root = season_chart(series=shuffled)
    left, top, right, bottom = plot_area(root)

    points = polyline_points(root)
    xs = [x for x, _ in points]
    assert xs == sorted(xs)
    for x, y in points:
        assert left <= x <= right
        assert top <= y <= bottom


def test_a_later_date_is_further_right_and_a_larger_count_higher():
    root = season_chart(
        series=[(datetime.date(2024, 12, 10), 1000), (datetime.date(2025, 2, 10), 9000)]
    )

    (first_x, first_y), *_, (last_x, last_y) = polyline_points(root)
    assert last_x > first_x
    assert last_y < first_y


def test_the_count_holds_between_entries_and_then_steps_up():
    root = season_chart(
        series=[(datetime.date(2024, 12, 10), 1000), (datetime.date(2025, 1, 10), 3000)]
    )

    (x1, y1), (x2, y2), (x3, y3) = polyline_points(root)
    assert (y2, x3) == (y1, x2)
    assert y3 < y2


def test_reported_figures_are_diamonds_labelled_with_value_and_qualifier():
    root = season_chart(
        points=[
            ReportedPoint(datetime.date(2025, 1, 10), 4500, "多/余（以上）"),
            ReportedPoint(datetime.date(2025, 2, 18), Decimal("12000"), ""),
        ]
    )

    groups = with_class(root, "reported-point")
    assert [texts(group) for group in groups] == [
        ["4,500 多/余（以上）"],
        ["12,000"],
    ]
    assert all(group.find(f"{SVG}polygon") is not None for group in groups)


def test_a_later_and_larger_report_sits_right_of_and_above_an_earlier_one():
    root = season_chart(
        points=[
            ReportedPoint(datetime.date(2025, 2, 18), 12000, ""),
            ReportedPoint(datetime.date(2025, 1, 10), 4500, ""),
        ]
    )

    earlier, later = (diamond_centre(group) for group in with_class(root, "reported-point"))
    assert later[0] > earlier[0]
    assert later[1] < earlier[1]


def test_the_highest_report_still_fits_under_the_top_gridline():
    root = season_chart(points=[ReportedPoint(datetime.date(2025, 2, 18), 31000, "多")])
    _, top, _, _ = plot_area(root)

    assert max(y_tick_values(root)) >= 31000
    (group,) = with_class(root, "reported-point")
    assert diamond_centre(group)[1] >= top


def test_figures_dated_outside_the_season_are_left_out():
    root = season_chart(
        series=[
            (datetime.date(2024, 11, 20), 50),
            (datetime.date(2024, 12, 10), 1000),
            (datetime.date(2025, 4, 2), 99999),
        ],
        points=[
            ReportedPoint(datetime.date(2024, 11, 30), 777, ""),
            ReportedPoint(datetime.date(2025, 1, 10), 4500, ""),
            ReportedPoint(datetime.date(2025, 5, 1), 88888, ""),
        ],
    )

    assert [texts(group) for group in with_class(root, "reported-point")] == [["4,500"]]
    assert len(polyline_points(root)) == 1
    assert max(y_tick_values(root)) < 88888


def test_the_latest_recorded_count_is_written_at_the_end_of_the_line():
    root = season_chart()

    (latest,) = with_class(root, "latest")
    assert texts(latest) == ["9,120"]


@pytest.mark.parametrize("highest", [7, 87, 950, 4100, 11234, 123456])
def test_gridlines_are_at_round_numbers_from_zero(highest):
    root = season_chart(series=[(datetime.date(2025, 1, 1), highest)])

    ticks = y_tick_values(root)
    step = ticks[1] - ticks[0]
    leading_digits = step / 10 ** math.floor(math.log10(step))
    assert ticks[0] == 0
    assert 4 <= len(ticks) <= 5
    assert leading_digits in (1, 2, 2.5, 5)
    assert ticks == [step * index for index in range(len(ticks))]
    assert ticks[-1] >= highest


def test_thousands_are_set_apart_by_a_thin_space():
    root = season_chart(series=[(datetime.date(2025, 1, 1), 11234)])

    (axis,) = with_class(root, "y-axis")
    assert texts(axis) == ["0", "5,000", "10,000", "15,000"]


def test_months_are_marked_across_new_year():
    root = season_chart()

    (axis,) = with_class(root, "x-axis")
    dates = [text for text in texts(axis) if "-" in text]
    assert dates == ["12-01", "01-01", "02-01", "03-01"]
    assert [text for text in texts(axis) if "-" not in text] == ["2024", "2025"]
    xs = [float(text.get("x")) for text in axis.iter(f"{SVG}text") if "-" in text.text]
    assert xs == sorted(xs)


def test_the_legend_names_the_line_and_the_diamonds():
    root = season_chart(points=[ReportedPoint(datetime.date(2025, 1, 10), 4500, "")])

    (legend,) = with_class(root, "legend")
    assert texts(legend) == ["记录 Recorded", "报道 Reported"]
    assert legend.find(f"{SVG}line") is not None
    assert legend.find(f"{SVG}polygon") is not None


def test_labels_of_reports_close_together_do_not_cover_each_other():
    root = season_chart(
        points=[
            ReportedPoint(datetime.date(2025, 1, 10), 4500, "多/余（以上）"),
            ReportedPoint(datetime.date(2025, 1, 11), 4700, "左右"),
            ReportedPoint(datetime.date(2025, 1, 12), 4900, ""),
        ]
    )

    boxes = [least_box(text) for text in with_class(root, "value")]
    for index, box in enumerate(boxes):
        for other in boxes[index + 1 :]:
            assert not overlapping(box, other)


def least_box(text: ET.Element) -> tuple[float, float, float, float]:
    """The least room a text takes: half an em for a Latin character, one em for Chinese."""
    size = float(text.get("font-size"))
    content = "".join(text.itertext())
    width = sum(size if unicodedata.east_asian_width(c) in "WF" else size / 2 for c in content)
    x, y = float(text.get("x")), float(text.get("y"))
    left = x - width if text.get("text-anchor") == "end" else x
    return left, y - size * 0.7, left + width, y


def overlapping(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_a_script_in_a_name_is_shown_as_text_not_run():
    markup = cumulative_chart(
        series=steady_lambing(),
        points=[ReportedPoint(datetime.date(2025, 1, 10), 4500, SCRIPT)],
        start=SEASON_START,
        end=SEASON_END,
        title=SCRIPT,
        series_label=SCRIPT,
        points_label=SCRIPT,
    )
    root = parse(markup)

    assert "<script" not in markup
    assert not [element for element in root.iter() if element.tag.endswith("script")]
    assert root.get("aria-label") == SCRIPT
    assert SCRIPT in texts(root)


def test_no_entries_and_no_reports_say_so():
    root = season_chart(series=[], points=[], empty_text="暂无数据")

    assert texts(root)[-1] == "暂无数据"
    assert not with_class(root, "series")


def test_reports_only_from_outside_the_season_count_as_no_data():
    root = season_chart(series=[], points=[ReportedPoint(datetime.date(2025, 6, 1), 10, "")])

    assert texts(root)[-1] == "暂无数据 No data"


def test_reports_without_entries_still_show_the_reports():
    root = season_chart(series=[], points=[ReportedPoint(datetime.date(2025, 1, 10), 4500, "")])

    assert len(with_class(root, "reported-point")) == 1
    assert not with_class(root, "series")
    (legend,) = with_class(root, "legend")
    assert texts(legend) == ["报道 Reported"]


# --- The bar chart ------------------------------------------------------------------------


def test_bars_keep_the_order_given():
    root = bars([("福海县 Fuhai", 30), ("布尔津县 Burqin", 90), ("吉木乃县 Jeminay", 60)])

    rows = bar_rows(root)
    assert [texts(row)[0] for row in rows] == [
        "福海县 Fuhai",
        "布尔津县 Burqin",
        "吉木乃县 Jeminay",
    ]
    tops = [float(with_class(row, "bar")[0].get("y")) for row in rows]
    assert tops == sorted(tops)


def test_each_label_sits_above_its_bar():
    root = bars([("福海县 Fuhai", 30), ("布尔津县 Burqin", 90)])

    for row in bar_rows(root):
        (label,) = with_class(row, "label")
        (bar,) = with_class(row, "bar")
        assert float(label.get("y")) <= float(bar.get("y"))


def test_counts_scale_to_the_largest_and_show_their_unit():
    root = bars([("福海县", 300), ("布尔津县", 1200)], unit="只")

    short, long = bar_rows(root)
    assert bar_length(short) == pytest.approx(bar_length(long) / 4, abs=0.1)
    assert texts(short)[-1] == "300只"
    assert texts(long)[-1] == "1,200只"


def test_each_value_is_written_just_past_the_end_of_its_bar():
    root = bars([("福海县", Decimal("92.5")), ("布尔津县", 40)], unit="%")

    for row in bar_rows(root):
        (bar,) = with_class(row, "bar")
        (value,) = with_class(row, "value")
        bar_end = float(bar.get("x")) + float(bar.get("width"))
        assert 0 < float(value.get("x")) - bar_end <= 12
    assert [texts(with_class(row, "value")[0]) for row in bar_rows(root)] == [["92.5%"], ["40%"]]


def test_percentages_scale_to_100_so_half_looks_half():
    root = bars([("福海县", 50), ("布尔津县", 25)], unit="%")

    half, quarter = bar_rows(root)
    (mark, *_) = with_class(root, "reference")
    full = float(mark.get("x1")) - float(with_class(half, "bar")[0].get("x"))
    assert bar_length(half) == pytest.approx(full / 2, abs=0.1)
    assert bar_length(quarter) == pytest.approx(full / 4, abs=0.1)
    assert "100%" in texts(root)


def test_percentages_over_100_scale_to_the_largest():
    root = bars([("福海县", 150), ("布尔津县", 75)], unit="%")

    most, half = bar_rows(root)
    (mark, *_) = with_class(root, "reference")
    assert bar_length(half) == pytest.approx(bar_length(most) / 2, abs=0.1)
    to_mark = float(mark.get("x1")) - float(with_class(most, "bar")[0].get("x"))
    assert to_mark == pytest.approx(bar_length(most) * 2 / 3, abs=0.1)


def test_a_missing_value_has_no_bar_and_a_dash():
    root = bars([("通克村 Tongke", None), ("福海县 Fuhai", 0)], unit="%")

    missing, zero = bar_rows(root)
    assert not with_class(missing, "bar")
    assert texts(with_class(missing, "value")[0]) == ["—"]
    assert bar_length(zero) == 0
    assert texts(with_class(zero, "value")[0]) == ["0%"]


def test_only_missing_values_still_list_every_place():
    root = bars([("通克村", None), ("红星村", None)])

    assert [texts(row) for row in bar_rows(root)] == [["通克村", "—"], ["红星村", "—"]]


def test_a_long_place_name_wraps_onto_lines_instead_of_being_cut():
    name = "布尔津县冲乎尔镇合孜勒哈英村 Hezilehaying Village, Chonghu'er Town, Burqin County"
    root = bars([(name, 10)])

    lines = texts(with_class(root, "bar-row")[0])[:-1]
    assert len(lines) >= 2
    assert " ".join(lines) == name


def test_a_script_in_a_place_name_is_shown_as_text_not_run():
    markup = bar_chart(bars=[(SCRIPT, 10)], title=SCRIPT, unit=SCRIPT)
    root = parse(markup)

    assert "<script" not in markup
    assert not [element for element in root.iter() if element.tag.endswith("script")]
    assert SCRIPT in texts(root)


def test_no_bars_say_so():
    root = parse(bar_chart(bars=[], title="成活率", empty_text="暂无数据"))

    assert texts(root) == ["成活率", "暂无数据"]


def test_labels_crowded_at_the_end_of_the_season_stay_inside_the_plot():
    root = season_chart(
        points=[
            ReportedPoint(SEASON_END - datetime.timedelta(days=day), 20000 - 100 * day, "多")
            for day in range(5)
        ]
    )
    left, top, _, bottom = plot_area(root)
    (legend,) = with_class(root, "legend")
    legend_bottom = max(float(text.get("y")) for text in legend.iter(f"{SVG}text"))
    view_width = float(root.get("viewBox").split()[2])

    for label in with_class(root, "value"):
        label_left, label_top, label_right, label_bottom = least_box(label)
        assert left <= label_left and label_right <= view_width
        assert legend_bottom < label_top and label_bottom <= bottom
