"""The report data: every livestock figure of the source report, kept as
reported, loaded by `seed_reports`, idempotent and all-or-nothing."""

import datetime
import io
import json
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from livestock.models import (
    County,
    Herder,
    LambingEntry,
    LambingRecord,
    ReportedFigure,
    Township,
    Village,
)
from livestock.places.report_data import DEFAULT_DATA_FILE
from livestock.selectors.totals import lambing_totals
from livestock.services.entries import entry_update
from livestock.services.records import record_update

SOURCE = DEFAULT_DATA_FILE.parent / "sources" / "000_e8073e5aabd01383.txt"


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_reports", *args, stdout=out)
    return out.getvalue()


def database_dump() -> str:
    out = io.StringIO()
    call_command("dumpdata", "livestock", "--indent", "0", stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db):
    seed()


def figure(key: str) -> ReportedFigure:
    return ReportedFigure.objects.select_related("report").get(key=key)


def test_it_loads_all_seven_county_level_units_of_altay(seeded):
    names = set(County.objects.values_list("name", flat=True))
    assert names == {"阿勒泰市", "布尔津县", "富蕴县", "福海县", "哈巴河县", "青河县", "吉木乃县"}


def test_every_place_has_a_latin_name(seeded):
    for model in (County, Township, Village, Herder):
        assert not model.objects.filter(name_latin="").exists(), model


def test_kazakh_names_keep_their_middle_dot(seeded):
    herders = set(Herder.objects.values_list("name", flat=True))
    assert herders == {"别克·木合亚提", "赛力克·屈克木", "朱马尔提·亚汗"}


def test_the_townships_and_villages_named_in_the_report_are_loaded(seeded):
    assert Village.objects.get(name="通克村").township.name == "窝依莫克镇"
    assert Village.objects.get(name="齐巴尔窝依村").township.county.name == "福海县"
    assert set(Township.objects.filter(county__name="布尔津县").values_list("name", flat=True)) == {
        "窝依莫克镇",
        "阔斯特克镇",
        "格孜托别乡",
    }


@pytest.mark.parametrize(
    ("key", "place", "value", "qualifier", "as_of"),
    [
        ("burqin-ewes-2024-2025-winter", "布尔津县", "186000", "more_than", "2024-12-01"),
        ("burqin-lambs-born-2025-02-11", "布尔津县", "12000", "exact", "2025-02-11"),
        ("fuhai-lambs-born-2025-02-05", "福海县", "50000", "exact", "2025-02-05"),
        ("bieke-sheep-2025-02-07", "别克·木合亚提", "200", "more_than", "2025-02-07"),
        ("bieke-ewes-2025-02-07", "别克·木合亚提", "150", "more_than", "2025-02-07"),
        ("sailike-lambs-born-2025-02-05", "赛力克·屈克木", "60", "more_than", "2025-02-05"),
        ("zhumaerti-milk-yield-2025-02-08", "朱马尔提·亚汗", "20", "about", "2025-02-08"),
        ("burqin-family-ranches-2025-02-08", "布尔津县", "55", "exact", "2025-02-08"),
        ("burqin-dairy-ranch-share-2025-02-08", "布尔津县", "80", "exact", "2025-02-08"),
    ],
)
def test_a_reported_figure_keeps_its_place_value_qualifier_and_date(
    seeded, key, place, value, qualifier, as_of
):
    reported = figure(key)
    assert reported.place.name == place
    assert reported.value == Decimal(value)
    assert reported.qualifier == qualifier
    assert reported.as_of == datetime.date.fromisoformat(as_of)


def test_every_figure_quotes_a_sentence_of_the_source_report(seeded):
    # The source text breaks sentences across lines where the page did.
    source = re.sub(r"\s+", "", SOURCE.read_text(encoding="utf-8"))
    figures = ReportedFigure.objects.all()
    assert figures.count() == 17
    for reported in figures:
        assert re.sub(r"\s+", "", reported.quote) in source, reported.key
        assert reported.report.source.endswith(SOURCE.name)


def test_every_number_of_a_figure_appears_in_its_quote(seeded):
    for reported in ReportedFigure.objects.all():
        digits = set(re.findall(r"\d+(?:\.\d+)?", reported.quote))
        value = reported.value.normalize()
        in_wan = (reported.value / 10_000).normalize()  # 18.6万 is 186000
        assert f"{value:f}" in digits or f"{in_wan:f}" in digits, reported.key


def test_report_provenance_names_the_authors(seeded):
    assert "加孜拉" in figure("burqin-lambs-born-2025-02-11").report.authors
    assert "哈丽亚·铁可斯别克" in figure("burqin-family-ranches-2025-02-08").report.authors


def test_herders_lambing_figures_become_their_winter_records(seeded):
    record = LambingRecord.objects.get(herder__name="别克·木合亚提")
    assert record.season.name.startswith("2024–2025")
    assert record.ewes_at_start == 150
    entry = record.entries.get()
    assert (entry.date, entry.lambs_born) == (datetime.date(2025, 2, 7), 50)
    totals = lambing_totals(
        season=record.season,
        as_of=datetime.date(2025, 2, 11),
        place=County.objects.get(name="福海县"),
    )
    assert totals.lambs_born == 60
    assert totals.households == 1


def test_a_second_run_changes_nothing(seeded):
    before = database_dump()
    output = seed()
    assert database_dump() == before
    assert "created" not in output
    assert LambingEntry.objects.count() == 2


def write_data(tmp_path, *lines: str):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        "\n".join(DEFAULT_DATA_FILE.read_text(encoding="utf-8").splitlines() + list(lines)),
        encoding="utf-8",
    )
    return path, len(DEFAULT_DATA_FILE.read_text(encoding="utf-8").splitlines()) + len(lines)


GOOD_FIGURE = {
    "kind": "figure",
    "key": "new-figure",
    "report": "altay-lambing-2025-02",
    "place": ["阿勒泰地区"],
    "as_of": "2025-02-01",
    "metric": "lambs_born",
    "value": "1",
    "qualifier": "exact",
    "quote": "已产羔1只",
}


def bad_figure(**changes) -> str:
    return json.dumps({**GOOD_FIGURE, **changes}, ensure_ascii=False)


@pytest.mark.parametrize(
    ("line", "says"),
    [
        (json.dumps({"kind": "county", "within": ["阿勒泰地区"], "name": "新县"}), "name_latin"),
        (bad_figure(place=["阿勒泰地区", "不存在县"]), "不存在县"),
        (bad_figure(as_of="2025-02-30"), "2025-02-30"),
        (bad_figure(metric="goats"), "goats"),
        (bad_figure(value="-5"), "value"),
        (bad_figure(season="2030-winter"), "2030-winter"),
        ("{not json", "not valid JSON"),
    ],
)
def test_a_bad_line_stops_the_load_naming_the_line_and_loads_nothing(tmp_path, db, line, says):
    path, line_number = write_data(tmp_path, line)
    with pytest.raises(CommandError) as refused:
        seed(str(path))
    message = str(refused.value)
    assert f"line {line_number}" in message
    assert says in message
    assert County.objects.count() == 0
    assert ReportedFigure.objects.count() == 0


def test_a_bad_line_leaves_a_seeded_database_as_it_was(tmp_path, seeded):
    before = database_dump()
    path, _ = write_data(
        tmp_path,
        json.dumps({"kind": "county", "within": ["阿勒泰地区"], "name": "新县", "name_latin": "X"}),
        json.dumps({"kind": "village", "within": ["阿勒泰地区", "新县", "无"], "name": "村"}),
    )
    with pytest.raises(CommandError):
        seed(str(path))
    assert database_dump() == before


def test_loading_again_leaves_a_technicians_corrections_standing(seeded):

    record = LambingRecord.objects.get(herder__name="别克·木合亚提")
    record_update(reason="recounted", record=record, ewes_at_start=148)
    entry = record.entries.get()
    entry_update(reason="recounted", entry=entry, lambs_born=52)

    seed()

    record.refresh_from_db()
    assert record.ewes_at_start == 148
    assert record.entries.get().lambs_born == 52
