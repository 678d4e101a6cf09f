"""Charts drawn on the server as inline SVG.

Officials open the season pages on a 390 px phone, print them, and may have no connection
beyond our own server, so a chart is plain SVG markup computed here: no JavaScript, nothing
fetched from outside, black and grey that survive a printer. The viewBox is 600 units wide and
text is at least 20 units, which keeps it 13 px high when the chart shrinks to a 390 px phone.

Names and labels come from users, so every text goes through ``format_html``; nothing from the
caller reaches the markup unescaped.
"""

import datetime
import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from livestock.i18n import number_text

WIDTH = 600
FONT_SIZE = 20
TITLE_SIZE = 22
LINE_HEIGHT = 26
PAD = 12
PLOT_HEIGHT = 260
BAR_HEIGHT = 24
BAR_GAP = 14
MARKER_RADIUS = 8
LEGEND_SAMPLE = 36
MAX_Y_STEPS = 4
MAX_DATE_TICKS = 6
EMPTY_TEXT = "暂无数据 No data"
NOT_AVAILABLE = "—"
PERCENT_UNITS = ("%", "％")
# Kazakh in the Arabic script first: the pages' own font (site.css), which draws only that
# script (its unicode-range), so Chinese and Latin labels fall through to the CJK fonts.
FONT_FAMILY = (
    "'Noto Naskh Arabic Kazakh', 'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', "
    "'PingFang SC', 'Microsoft YaHei', sans-serif"
)
INK = "#000"
GREY = "#555"
GRID = "#bbb"
# A white outline behind text keeps labels readable where they cross the line or gridlines.
HALO = mark_safe(' stroke="#fff" stroke-width="5" stroke-linejoin="round" paint-order="stroke"')


@dataclass(frozen=True)
class ReportedPoint:
    """A figure from a published report, shown beside our own count so the two can be compared.

    ``qualifier`` is the display text of how the figure was meant (e.g. "多/余（以上）" for
    "more than"), or "" when the report gave an exact number.
    """

    date: datetime.date
    value: Decimal | int
    qualifier: str


@dataclass(frozen=True)
class _Box:
    """The space a label or marker takes, so labels can be kept from covering each other."""

    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: "_Box") -> bool:
        return (
            self.left < other.right
            and other.left < self.right
            and self.top < other.bottom
            and other.top < self.bottom
        )


@dataclass(frozen=True)
class _Plot:
    """The plot area of a date chart and its two scales: a date maps to x, a count to y."""

    left: float
    top: float
    width: float
    height: float
    start: datetime.date
    end: datetime.date
    y_max: int

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height

    def x(self, date: datetime.date) -> float:
        season_days = max(1, (self.end - self.start).days)
        return self.left + (date - self.start).days / season_days * self.width

    def y(self, value: Decimal | int) -> float:
        return self.bottom - float(value) / self.y_max * self.height


def cumulative_chart(
    *,
    series: list[tuple[datetime.date, int]],
    points: list[ReportedPoint],
    start: datetime.date,
    end: datetime.date,
    title: str,
    series_label: str,
    points_label: str,
    empty_text: str = EMPTY_TEXT,
) -> SafeString:
    """Our cumulative count over the season as a step line, with reported figures as diamonds.

    A step line, because the count stays what it was until the next entry. Reported figures
    get a different shape and their own label, so a reader sees at a glance where a report
    says more or less than the records. Anything dated outside the season is left out.
    """
    recorded = sorted((date, count) for date, count in series if start <= date <= end)
    reported = sorted((p for p in points if start <= p.date <= end), key=lambda p: p.date)
    if not recorded and not reported:
        return _empty_chart(title=title, empty_text=empty_text)

    y_ticks = _nice_ticks(max([count for _, count in recorded] + [p.value for p in reported]))
    tick_labels = [number_text(tick) for tick in y_ticks]
    date_ticks = _date_ticks(start, end)
    title_lines = _wrap(title, WIDTH - 2 * PAD, TITLE_SIZE)
    legend, legend_height = _legend(
        top=PAD + len(title_lines) * LINE_HEIGHT,
        series_label=series_label if recorded else None,
        points_label=points_label if reported else None,
    )
    left = PAD + max(_text_width(label, FONT_SIZE) for label in tick_labels) + 10
    right = max(PAD, _text_width("00-00", FONT_SIZE) / 2 + 4)
    plot = _Plot(
        left=left,
        # One free line above the plot, so a label over the highest point stays clear of the legend.
        top=PAD + len(title_lines) * LINE_HEIGHT + legend_height + LINE_HEIGHT,
        width=WIDTH - left - right,
        height=PLOT_HEIGHT,
        start=start,
        end=end,
        y_max=y_ticks[-1],
    )
    corners = _step_corners(plot, recorded)
    body = [
        _title(title_lines),
        legend,
        _y_axis(plot, y_ticks, tick_labels),
        _x_axis(plot, date_ticks),
        _series_line(corners),
        _reported_points(plot, reported, corners, recorded[-1][1] if recorded else None),
    ]
    return _svg(title=title, height=plot.bottom + 2 * LINE_HEIGHT + PAD, body=body)


def bar_chart(
    *,
    bars: list[tuple[str, int | Decimal | None]],
    title: str,
    unit: str = "",
    empty_text: str = EMPTY_TEXT,
) -> SafeString:
    """One horizontal bar per place, in the order given, each with its value written at its end.

    Labels sit above their bars because place names ("阔克阿勒什乡 Kuokealeshi Township") are
    too long to share a phone's width with a bar. A missing value is drawn as no bar and "—",
    never as zero. Percentages are scaled to at least 100 % so a 50 % bar looks half full.
    """
    if not bars:
        return _empty_chart(title=title, empty_text=empty_text)

    is_percent = unit in PERCENT_UNITS
    values = [float(value) for _, value in bars if value is not None]
    scale_max = max(values + [100.0 if is_percent else 0.0]) or 1.0
    value_texts = [_value_text(value, unit) for _, value in bars]
    bar_area = WIDTH - 2 * PAD - 8 - max(_text_width(text, FONT_SIZE) for text in value_texts)
    title_lines = _wrap(title, WIDTH - 2 * PAD, TITLE_SIZE)

    # The 100 % mark is drawn across each bar, not the labels, so it never runs through text.
    reference_x = PAD + 100 / scale_max * bar_area if is_percent else None
    top = PAD + len(title_lines) * LINE_HEIGHT + 8
    rows = []
    for (label, value), value_text in zip(bars, value_texts, strict=True):
        length = None if value is None else max(0.0, float(value)) / scale_max * bar_area
        row, top = _bar_row(label, length, value_text, top=top, reference_x=reference_x)
        rows.append(row)
    reference = (
        _text(
            reference_x,
            top + FONT_SIZE,
            f"100{unit}",
            anchor="middle",
            css_class="reference",
            fill=GREY,
        )
        if reference_x is not None
        else ""
    )
    height = top + (LINE_HEIGHT if is_percent else 0) + PAD
    return _svg(title=title, height=height, body=[_title(title_lines), *rows, reference])


# --- Pieces of the date chart -------------------------------------------------------------


def _legend(
    *, top: float, series_label: str | None, points_label: str | None
) -> tuple[SafeString, float]:
    """Name what is drawn, the line and the diamonds, side by side when they fit, else one
    under the other; returns the legend and its height."""
    entries = [(_line_sample, series_label), (_diamond_sample, points_label)]
    entries = [(sample, label) for sample, label in entries if label is not None]
    widths = [LEGEND_SAMPLE + 8 + _text_width(label, FONT_SIZE) for _, label in entries]
    one_row = sum(widths) + 24 * (len(widths) - 1) <= WIDTH - 2 * PAD
    x, baseline, parts = PAD, top + FONT_SIZE, []
    for (sample, label), width in zip(entries, widths, strict=True):
        parts.append(sample(x, baseline - FONT_SIZE * 0.35))
        parts.append(_text(x + LEGEND_SAMPLE + 8, baseline, label))
        if one_row:
            x += width + 24
        else:
            baseline += LINE_HEIGHT
    markup = format_html('<g class="legend">{}</g>', format_html_join("", "{}", zip(parts)))
    return markup, (1 if one_row else len(entries)) * LINE_HEIGHT


def _line_sample(x: float, y: float) -> SafeString:
    return format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="3"/>',
        _n(x),
        _n(y),
        _n(x + LEGEND_SAMPLE),
        _n(y),
        INK,
    )


def _diamond_sample(x: float, y: float) -> SafeString:
    return _diamond(x + LEGEND_SAMPLE / 2, y)


def _y_axis(plot: _Plot, ticks: list[int], labels: list[str]) -> SafeString:
    """Gridlines at round counts, so a reader can read a level off the chart."""
    return format_html(
        '<g class="y-axis">{}</g>',
        format_html_join(
            "",
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>{}',
            (
                (
                    _n(plot.left),
                    _n(plot.y(tick)),
                    _n(plot.right),
                    _n(plot.y(tick)),
                    INK if tick == 0 else GRID,
                    _text(plot.left - 8, plot.y(tick) + FONT_SIZE * 0.35, label, anchor="end"),
                )
                for tick, label in zip(ticks, labels, strict=True)
            ),
        ),
    )


def _x_axis(plot: _Plot, ticks: list[datetime.date]) -> SafeString:
    """Month-day under each tick, and the year under the first tick and where the year turns,
    since a lambing season runs across New Year."""
    years_shown = {
        tick: index == 0 or tick.year != ticks[index - 1].year for index, tick in enumerate(ticks)
    }
    return format_html(
        '<g class="x-axis">{}</g>',
        format_html_join(
            "",
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>{}{}',
            (
                (
                    _n(plot.x(tick)),
                    _n(plot.bottom),
                    _n(plot.x(tick)),
                    _n(plot.bottom + 6),
                    INK,
                    _text(
                        plot.x(tick), plot.bottom + LINE_HEIGHT, f"{tick:%m-%d}", anchor="middle"
                    ),
                    _text(
                        plot.x(tick),
                        plot.bottom + 2 * LINE_HEIGHT,
                        str(tick.year),
                        anchor="middle",
                        css_class="year",
                        fill=GREY,
                    )
                    if years_shown[tick]
                    else "",
                )
                for tick in ticks
            ),
        ),
    )


def _step_corners(
    plot: _Plot, recorded: list[tuple[datetime.date, int]]
) -> list[tuple[float, float]]:
    """The count holds until the next entry, then steps up: a step line, not a slope."""
    corners = []
    for index, (date, count) in enumerate(recorded):
        if index:
            corners.append((plot.x(date), plot.y(recorded[index - 1][1])))
        corners.append((plot.x(date), plot.y(count)))
    return corners


def _series_line(corners: list[tuple[float, float]]) -> SafeString:
    if not corners:
        return SafeString()
    # A single entry would be an invisible line; a dot shows it is there.
    dot = (
        format_html(
            '<circle cx="{}" cy="{}" r="4" fill="{}"/>', _n(corners[0][0]), _n(corners[0][1]), INK
        )
        if len(corners) == 1
        else ""
    )
    return format_html(
        '<polyline class="series" points="{}" fill="none" stroke="{}" stroke-width="3" '
        'stroke-linejoin="round"/>{}',
        " ".join(f"{_n(x)},{_n(y)}" for x, y in corners),
        INK,
        dot,
    )


def _reported_points(
    plot: _Plot,
    reported: list[ReportedPoint],
    corners: list[tuple[float, float]],
    latest_count: int | None,
) -> SafeString:
    """Diamonds with value and qualifier, plus the latest recorded count at the line's end,
    the two numbers an official compares."""
    centres = [(plot.x(p.date), plot.y(p.value)) for p in reported]
    texts = [_point_text(p) for p in reported]
    markers = [
        _Box(x - MARKER_RADIUS, y - MARKER_RADIUS, x + MARKER_RADIUS, y + MARKER_RADIUS)
        for x, y in centres
    ]
    line = [
        _Box(min(ax, bx) - 2, min(ay, by) - 2, max(ax, bx) + 2, max(ay, by) + 2)
        for (ax, ay), (bx, by) in zip(corners, corners[1:], strict=False)
    ]
    if latest_count is not None:
        texts.append(number_text(latest_count))
    placed = _place_labels(plot, centres + corners[-1:], texts, markers, line)
    point_marks = format_html_join(
        "",
        '<g class="reported-point">{}{}</g>',
        (
            (_diamond(x, y), label)
            for (x, y), label in zip(centres, placed[: len(reported)], strict=True)
        ),
    )
    latest = format_html('<g class="latest">{}</g>', placed[-1]) if latest_count is not None else ""
    return format_html("{}{}", point_marks, latest)


def _point_text(point: ReportedPoint) -> str:
    value = number_text(point.value)
    return f"{value} {point.qualifier}" if point.qualifier else value


def _place_labels(
    plot: _Plot,
    anchors: list[tuple[float, float]],
    texts: list[str],
    markers: list[_Box],
    line: list[_Box],
) -> list[SafeString]:
    """Put each label next to its mark, covering no other label or mark.

    Close to the mark matters more than keeping the line clear: a label far from its diamond
    is read as belonging to something else, while the white halo keeps a crossed line legible.
    Among equally close places, one clear of the line wins.
    """
    taken = list(markers)
    labels = []
    for (x, y), text in zip(anchors, texts, strict=True):
        options = list(_label_candidates(plot, x, y, _text_width(text, FONT_SIZE)))
        candidates = [option for option in options if _fits_plot(plot, option[2])] or options[:1]
        _, on_left, box = min(
            candidates,
            key=lambda candidate: (
                sum(candidate[2].overlaps(other) for other in taken),
                candidate[0],
                sum(candidate[2].overlaps(segment) for segment in line),
            ),
        )
        taken.append(box)
        labels.append(
            _text(
                box.right if on_left else box.left,
                box.bottom - 4,
                text,
                anchor="end" if on_left else "start",
                css_class="value",
                halo=True,
            )
        )
    return labels


def _label_candidates(
    plot: _Plot, x: float, y: float, width: float
) -> Iterable[tuple[int, bool, _Box]]:
    """Places for a label, nearest first: above and below, right and left of the mark, then a
    line further out. Left comes first in the right half of the plot, away from the edge."""
    left_first = x > plot.left + plot.width / 2
    for step in range(5):
        for on_left in (left_first, not left_first):
            left = x - 10 - width if on_left else x + 10
            for baseline in (y - 10 - step * LINE_HEIGHT, y + 10 + FONT_SIZE + step * LINE_HEIGHT):
                yield step, on_left, _Box(left, baseline - FONT_SIZE, left + width, baseline + 4)


def _fits_plot(plot: _Plot, box: _Box) -> bool:
    """Inside the plot, or in the free line above it; never over the axis labels."""
    return (
        box.top >= plot.top - LINE_HEIGHT
        and box.bottom <= plot.bottom - 2
        and box.left >= plot.left
        and box.right <= WIDTH
    )


def _diamond(x: float, y: float) -> SafeString:
    """Reported figures get a hollow diamond, unlike anything on the line, even in grey print."""
    r = MARKER_RADIUS
    return format_html(
        '<polygon points="{}" fill="#fff" stroke="{}" stroke-width="2.5"/>',
        " ".join(
            f"{_n(px)},{_n(py)}" for px, py in ((x, y - r), (x + r, y), (x, y + r), (x - r, y))
        ),
        INK,
    )


# --- Pieces of the bar chart --------------------------------------------------------------


def _bar_row(
    label: str,
    length: float | None,
    value_text: str,
    *,
    top: float,
    reference_x: float | None,
) -> tuple[SafeString, float]:
    """A label over its bar, the value at the bar's end; returns the row and where the next
    row starts. No bar at all when the value is missing (``length`` None)."""
    label_lines = _wrap(label, WIDTH - 2 * PAD, FONT_SIZE)
    bar_top = top + len(label_lines) * LINE_HEIGHT
    bar = (
        ""
        if length is None
        else format_html(
            '<rect class="bar" x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="{}"/>',
            _n(PAD),
            _n(bar_top),
            _n(length),
            BAR_HEIGHT,
            GREY,
            INK,
        )
    )
    value_x = PAD + (length or 0) + 8
    # White behind the value, so the 100 % mark does not run through "92.5%".
    value = format_html(
        '<rect x="{}" y="{}" width="{}" height="{}" fill="#fff"/>{}',
        _n(value_x - 4),
        _n(bar_top - 2),
        _n(_text_width(value_text, FONT_SIZE) + 8),
        BAR_HEIGHT + 4,
        _text(value_x, bar_top + BAR_HEIGHT / 2 + FONT_SIZE * 0.35, value_text, css_class="value"),
    )
    return format_html(
        '<g class="bar-row">{}{}{}{}</g>',
        _lines(PAD, top + FONT_SIZE, label_lines, css_class="label"),
        _reference_mark(reference_x, bar_top),
        bar,
        value,
    ), bar_top + BAR_HEIGHT + BAR_GAP


def _reference_mark(x: float | None, bar_top: float) -> SafeString:
    """A dashed stroke at 100 % across the bar, the mark a rate is judged against."""
    if x is None:
        return SafeString()
    return format_html(
        '<line class="reference" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" '
        'stroke-width="1.5" stroke-dasharray="4 3"/>',
        _n(x),
        _n(bar_top - 6),
        _n(x),
        _n(bar_top + BAR_HEIGHT + 6),
        GREY,
    )


def _value_text(value: int | Decimal | None, unit: str) -> str:
    if value is None:
        return NOT_AVAILABLE
    # "92.5%", "1 200只", but "1 200 head": only a word unit needs a space.
    separator = " " if unit[:1].isascii() and unit[:1].isalpha() else ""
    return f"{number_text(value)}{separator}{unit}"


# --- Shared helpers -----------------------------------------------------------------------


def _svg(*, title: str, height: float, body: Iterable[SafeString | str]) -> SafeString:
    """The frame every chart shares: accessible name, scaling to the page's width, CJK fonts."""
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{}" '
        'viewBox="0 0 {} {}" width="100%" font-family="{}" font-size="{}" fill="{}">'
        "<title>{}</title>{}</svg>",
        title,
        WIDTH,
        _n(height),
        FONT_FAMILY,
        FONT_SIZE,
        INK,
        title,
        format_html_join("", "{}", ((part,) for part in body)),
    )


def _empty_chart(*, title: str, empty_text: str) -> SafeString:
    """Say plainly that there is nothing yet, rather than draw empty axes that look like zero."""
    title_lines = _wrap(title, WIDTH - 2 * PAD, TITLE_SIZE)
    height = PAD + len(title_lines) * LINE_HEIGHT + 120
    return _svg(
        title=title,
        height=height,
        body=[
            _title(title_lines),
            _text(
                WIDTH / 2, height - 60, empty_text, anchor="middle", css_class="empty", fill=GREY
            ),
        ],
    )


def _title(lines: list[str]) -> SafeString:
    return _lines(PAD, PAD + TITLE_SIZE, lines, css_class="title", size=TITLE_SIZE, bold=True)


def _lines(
    x: float,
    y: float,
    lines: list[str],
    *,
    css_class: str,
    size: int = FONT_SIZE,
    bold: bool = False,
) -> SafeString:
    """Several lines of text; SVG does not wrap text by itself."""
    return format_html_join(
        "",
        "{}",
        (
            (_text(x, y + index * LINE_HEIGHT, line, css_class=css_class, size=size, bold=bold),)
            for index, line in enumerate(lines)
        ),
    )


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "start",
    css_class: str = "",
    size: int = FONT_SIZE,
    bold: bool = False,
    fill: str = INK,
    halo: bool = False,
) -> SafeString:
    return format_html(
        '<text class="{}" x="{}" y="{}" text-anchor="{}" font-size="{}" font-weight="{}" '
        'fill="{}"{}>{}</text>',
        css_class,
        _n(x),
        _n(y),
        anchor,
        size,
        "bold" if bold else "normal",
        fill,
        HALO if halo else "",
        text,
    )


def _nice_ticks(maximum: Decimal | int | float) -> list[int]:
    """0 and up to four round steps (1, 2, 2.5 or 5 times a power of ten) reaching the maximum,
    so gridlines read 0, 2 500, 5 000 … and not 0, 2 371, 4 742."""
    if maximum <= 0:
        return [0, 1]
    magnitude = 10 ** max(0, math.floor(math.log10(float(maximum) / MAX_Y_STEPS)))
    for multiplier in (1, 2, 2.5, 5, 10):
        step = magnitude * multiplier
        if float(step).is_integer() and math.ceil(float(maximum) / step) <= MAX_Y_STEPS:
            break
    return [int(step * index) for index in range(math.ceil(float(maximum) / step) + 1)]


def _date_ticks(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The first of each month in the season (every second or third month in a long one);
    a season shorter than that gets its first and last day."""
    month = datetime.date(start.year, start.month, 1)
    firsts = []
    while month <= end:
        if month >= start:
            firsts.append(month)
        month = datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    if len(firsts) < 2:
        return sorted({start, end})
    return firsts[:: math.ceil(len(firsts) / MAX_DATE_TICKS)]


def _text_width(text: str, size: float) -> float:
    """A generous guess of the drawn width: a Chinese character is a full em, the rest about
    0.6 em. The server cannot measure fonts, and a guess on the wide side keeps text unclipped."""
    ems = sum(
        1.0 if unicodedata.east_asian_width(char) in ("W", "F") else 0.25 if char.isspace() else 0.6
        for char in text
    )
    return ems * size


def _wrap(text: str, width: float, size: float) -> list[str]:
    """Break text into lines that fit ``width``: at spaces where possible, else between
    characters, which is where Chinese breaks anyway."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if _text_width(candidate, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
            line = ""
        for char in word:
            if line and _text_width(line + char, size) > width:
                lines.append(line)
                line = ""
            line += char
    if line or not lines:
        lines.append(line)
    return lines


def _n(number: float) -> str:
    """Coordinates to one decimal place: exact enough for a screen, and short markup."""
    return f"{number:.1f}".removesuffix(".0")
