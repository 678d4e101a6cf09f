"""``manage.py import_counts``: a township's spreadsheet in, all or nothing,
through the same services and rules as every other surface, with real files
from ``tests/data/``."""

import datetime
import gc
import re
import signal
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import DataError, IntegrityError, connection, transaction
from django.utils import translation
from openpyxl import Workbook, load_workbook

from livestock.audit import bulk_insert
from livestock.counting import rollups
from livestock.models import (
    DailyRollup,
    Herder,
    LambingEntry,
    LambingRecord,
    Township,
    Village,
)
from livestock.services import threads
from livestock.services.collector import COLLECT_AFTER, collected_rarely
from livestock.services.reviews import review_approve, review_submit
from livestock.spreadsheets import importing
from livestock.spreadsheets.exporting import herder_rows, write_csv
from livestock.spreadsheets.importing import ENTRY_BATCH, import_counts
from tests.conftest import make_user

DATA = Path(__file__).parent / "data"
GOOD_FILES = ["counts_good.csv", "counts_gb18030.csv", "counts_utf8_no_bom.csv", "counts.xlsx"]


def run(path: Path, user, *args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_counts", str(path), "--user", user.username, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def stored() -> tuple[int, int, int]:
    return Herder.objects.count(), LambingRecord.objects.count(), LambingEntry.objects.count()


@pytest.mark.parametrize("name", GOOD_FILES)
def test_a_good_file_stores_herders_records_and_entries(
    name, fuhai_technician, sailike, winter_2024, english
):
    out, err = run(DATA / name, fuhai_technician)

    assert "herder households: 2 created, 0 changed, 1 unchanged" in out
    assert "lambing records: 2 created, 0 changed, 0 unchanged" in out
    assert "lambing entries: 4 created, 0 changed, 0 unchanged" in out
    assert "rows/s" in out
    halimu = Herder.objects.get(name="哈力木·别克")
    assert (halimu.name_latin, halimu.village.name) == ("Halimu Bieke", "齐巴尔窝依村")
    record = halimu.lambing_records.get()
    assert record.ewes_at_start == 80
    assert [
        (e.date, e.ewes_lambed, e.lambs_born, e.lambs_lost, e.loss_cause, e.note)
        for e in record.entries.all()
    ] == [
        (datetime.date(2024, 12, 20), 5, 6, 0, "", ""),
        (datetime.date(2025, 1, 5), 10, 12, 1, "cold", "夜里降温"),
    ]
    sailike_entries = LambingEntry.objects.filter(record__herder=sailike)
    assert [(e.lambs_born, e.lambs_alive, e.check_stage) for e in sailike_entries] == [
        (9, None, ""),
        (0, 9, "day7"),
    ]
    assert Herder.objects.filter(name="努尔兰·托合塔尔", lambing_records=None).exists()
    # The history names who imported.
    assert {h.history_user for h in LambingEntry.history.all()} == {fuhai_technician}
    assert {e.created_by for e in LambingEntry.objects.all()} == {fuhai_technician}


def test_a_dry_run_lists_the_households_it_would_create(
    fuhai_technician, sailike, winter_2024, english
):
    out, _err = run(DATA / "counts_good.csv", fuhai_technician, "--dry-run")

    assert "new: line 2, 福海县 阔克阿勒什乡 齐巴尔窝依村: 哈力木·别克 Halimu Bieke" in out
    assert "new: line 6, 福海县 阔克阿勒什乡 齐巴尔窝依村: 努尔兰·托合塔尔 Nuerlan Tuohetaer" in out
    assert "赛力克" not in out
    assert stored() == (1, 0, 0)


def test_the_same_file_twice_stores_nothing_new(fuhai_technician, sailike, winter_2024, english):
    run(DATA / "counts_good.csv", fuhai_technician)
    before = stored()

    out, _err = run(DATA / "counts_good.csv", fuhai_technician)

    assert stored() == before
    assert "lambing entries: 0 created, 0 changed, 4 unchanged" in out
    assert "herder households: 0 created, 0 changed, 3 unchanged" in out
    # The same counts in another encoding and format are the same rows too.
    run(DATA / "counts.xlsx", fuhai_technician)
    assert stored() == before


def test_a_file_with_bad_rows_stores_nothing_and_names_every_one(
    fuhai_technician, sailike, bieke, winter_2024, english
):
    before = stored()

    with pytest.raises(CommandError, match="7 rows refused; nothing was stored"):
        run(DATA / "counts_bad_rows.csv", fuhai_technician)

    assert stored() == before
    result = import_counts(
        content=(DATA / "counts_bad_rows.csv").read_bytes(), user=fuhai_technician
    )
    refused = {(e.line, e.column, e.value): e.message for e in result.errors}
    assert "rule: no future dates" in refused[(3, "日期", "2099-01-05")]
    assert "rule: losses ≤ lambs born" in refused[(4, "死亡羔羊", "30")]
    assert "not a whole number" in refused[(5, "产羔数", "十二")]
    # Outside the technician's places is the same answer as not there at all.
    assert "no such village in your places" in refused[(6, "村", "通克村")]
    assert "no such village in your places" in refused[(7, "村", "红星村")]
    assert "not one of" in refused[(8, "成活检查", "第三天")]
    assert "not a date" in refused[(9, "日期", "1月9日")]
    # The second file line is sound: it stored nothing because the others are not.
    assert 2 not in {line for line, _c, _v in refused}
    assert not result.applied
    assert stored() == before


def test_a_code_not_on_the_list_is_answered_with_the_list_in_the_user_s_language(
    fuhai_technician, sailike, winter_2024
):
    """A Chinese technician who typed 冷 for the cause is shown the causes as
    the template writes them (冻死 …), each with its code; they were shown
    the codes alone (accident, cold, …). A cause in Kazakh, as a Kazakh page
    lists them, is read as the Chinese or English one is."""
    content = (
        "村,牧户,日期,产羔数,死亡羔羊,死亡原因\n"
        "齐巴尔窝依村,赛力克·屈克木,2025-01-05,2,1,冷\n"
        "齐巴尔窝依村,赛力克·屈克木,2025-01-06,2,1,Суық\n"
        "齐巴尔窝依村,赛力克·屈克木,2025-01-07,2,1,سۋىق\n"
    )

    with translation.override("zh-hans"):
        [error] = import_counts(content=content.encode(), user=fuhai_technician).errors
    assert (error.line, error.column, error.value) == (2, "死亡原因", "冷")
    assert "冻死 (cold), 饿死 (starvation), 疾病 (disease)" in error.message

    with translation.override("kk"):
        [error] = import_counts(content=content.encode(), user=fuhai_technician).errors
    assert "суық (cold), аштық (starvation)" in error.message


@pytest.mark.parametrize("typed", ["1" * 70, "x" * 70])
def test_a_long_cell_is_said_back_alike_whatever_rule_refuses_it(
    fuhai_technician, sailike, winter_2024, english, typed
):
    """A count of 70 characters: its column says its first 60 and its length, its
    message its first 20 and its length, as every refusal says a value back. Seventy
    digits were said with 60 in the message and seventy letters with 20."""
    content = f"村,牧户,日期,产羔数\n齐巴尔窝依村,赛力克·屈克木,2025-01-05,{typed}\n"

    [error] = import_counts(content=content.encode(), user=fuhai_technician).errors

    assert (error.line, error.column, error.value) == (2, "产羔数", f"{typed[:60]}…(70)")
    assert f"{typed[:20]}…(70)" in error.message
    assert typed[:21] not in error.message


def test_the_command_prints_each_refused_row_with_line_column_value_and_rule(
    fuhai_technician, sailike, winter_2024, english
):
    err = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_counts",
            str(DATA / "counts_bad_rows.csv"),
            "--user",
            fuhai_technician.username,
            stdout=StringIO(),
            stderr=err,
        )
    assert "line 4, column '死亡羔羊', value '30': By 2025-01-06 the lamb losses" in err.getvalue()


def test_a_dry_run_counts_what_would_be_stored_and_stores_nothing(
    fuhai_technician, sailike, winter_2024, english
):
    out, _err = run(DATA / "counts_good.csv", fuhai_technician, "--dry-run")

    assert "lambing entries: 4 created" in out
    assert "Dry run: nothing was stored." in out
    assert stored() == (1, 0, 0)


def test_an_error_midway_leaves_nothing_half_written(
    fuhai_technician, sailike, winter_2024, monkeypatch
):
    """A crash (say, the database going away) after the herders, records and
    entries were written rolls back every one of them."""
    real_insert = bulk_insert.insert_with_history
    inserted = []

    def crash_after_inserting(objs, model, *args, **kwargs):
        saved = real_insert(objs, model, *args, **kwargs)
        if model is not LambingEntry:  # the herders and records, written first
            return saved
        inserted.extend(saved)
        assert stored() == (3, 2, 4)  # written, inside the transaction
        raise RuntimeError("connection lost")

    monkeypatch.setattr(bulk_insert, "insert_with_history", crash_after_inserting)

    with pytest.raises(RuntimeError, match="connection lost"):
        run(DATA / "counts_good.csv", fuhai_technician)

    assert len(inserted) == 4
    assert stored() == (1, 0, 0)
    assert not LambingEntry.history.exists() and Herder.history.count() == 1  # sailike


def test_an_error_between_the_records_and_the_entries_leaves_nothing_half_written(
    fuhai_technician, sailike, winter_2024, monkeypatch
):
    def crash(**kwargs):
        assert stored() == (3, 2, 0)  # herders and records written
        raise RuntimeError("disk full")

    monkeypatch.setattr(importing, "entries_create", crash)  # the import's call

    with pytest.raises(RuntimeError, match="disk full"):
        run(DATA / "counts_good.csv", fuhai_technician)

    assert stored() == (1, 0, 0)
    assert not LambingRecord.history.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's 1/0 is NULL, not an error")
def test_an_error_of_rollups_left_running_while_the_next_rows_are_read_stores_nothing(
    tmp_path, fuhai_technician, qibaerwoyi, winter_2024, monkeypatch
):
    """A batch is written while the next rows are read (``BatchWriter``, in a
    second thread); when the database fails its rollups, the import fails
    and nothing of it is kept."""
    real = rollups.add_statement
    monkeypatch.setattr(rollups, "_add_statements", {})
    monkeypatch.setattr(
        rollups, "add_statement", lambda *args, **kwargs: real(*args, **kwargs) + " RETURNING 1/0"
    )
    monkeypatch.setattr(importing, "ENTRY_BATCH", 2)
    path = tmp_path / "counts.csv"
    path.write_text(
        "村,牧户,牧户拉丁名,产羔季,越冬母羊,日期,产羔数\n"
        + "".join(
            f"齐巴尔窝依村,牧户{n},H {n},2024–2025 冬羔,9,2024-12-1{n},{n}\n" for n in range(6)
        ),
        encoding="utf-8",
    )

    with pytest.raises(DataError, match="division by zero"):
        import_counts(content=path.read_bytes(), user=fuhai_technician)

    assert stored() == (0, 0, 0)
    assert not DailyRollup.objects.exists()


def test_a_crash_while_rows_are_read_with_rollups_still_running_stores_nothing(
    tmp_path, fuhai_technician, qibaerwoyi, winter_2024, monkeypatch
):
    """A crash in Python while a batch is still being written (on PostgreSQL,
    in a second thread) leaves nothing of the import, and the connection as
    usable as before."""
    real_import_row = importing._Importer.import_row

    def crash_at_line_6(self, line, row):
        if line == 6:
            raise RuntimeError("out of memory")
        return real_import_row(self, line, row)

    monkeypatch.setattr(importing._Importer, "import_row", crash_at_line_6)
    monkeypatch.setattr(importing, "ENTRY_BATCH", 2)
    path = tmp_path / "counts.csv"
    rows = [f"齐巴尔窝依村,牧户{n},H {n},2024–2025 冬羔,9,2024-12-1{n},{n}" for n in range(6)]
    path.write_text("村,牧户,牧户拉丁名,产羔季,越冬母羊,日期,产羔数\n" + "\n".join(rows), "utf-8")

    with pytest.raises(RuntimeError, match="out of memory"):
        import_counts(content=path.read_bytes(), user=fuhai_technician)

    assert stored() == (0, 0, 0)
    assert not DailyRollup.objects.exists()
    monkeypatch.setattr(importing._Importer, "import_row", real_import_row)
    assert import_counts(content=path.read_bytes(), user=fuhai_technician).applied
    assert stored() == (6, 6, 6)


def test_an_import_leaves_the_garbage_collector_as_it_found_it(
    fuhai_technician, sailike, winter_2024, monkeypatch
):
    """Collected rarely while a file is imported, as before after it, whether
    the import worked or failed."""
    before = gc.get_threshold()
    during = []

    def crash(**kwargs):
        during.append(gc.get_threshold())
        raise RuntimeError("disk full")

    run(DATA / "counts_good.csv", fuhai_technician)
    assert gc.get_threshold() == before
    monkeypatch.setattr(importing, "entries_create", crash)
    with pytest.raises(RuntimeError, match="disk full"):
        run(DATA / "counts_good.csv", fuhai_technician)

    assert during[0][0] >= COLLECT_AFTER > before[0]
    assert gc.get_threshold() == before


def test_an_import_leaves_the_switch_interval_as_it_found_it(
    fuhai_technician, sailike, winter_2024, monkeypatch
):
    """Shorter while batches are written in a thread (on PostgreSQL), as
    before after it."""
    before = sys.getswitchinterval()
    during = []
    real = importing.entries_create

    def recording(**kwargs):
        during.append(sys.getswitchinterval())
        return real(**kwargs)

    monkeypatch.setattr(importing, "entries_create", recording)
    monkeypatch.setattr(importing, "ENTRY_BATCH", 1)
    run(DATA / "counts_good.csv", fuhai_technician)

    assert sys.getswitchinterval() == before
    if connection.vendor == "postgresql":
        assert min(during) == min(before, threads.SWITCH_INTERVAL) < before
    else:
        assert set(during) == {before}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the place sums are PostgreSQL's")
def test_an_import_leaves_postgresql_s_work_mem_as_it_found_it(
    fuhai_technician, sailike, winter_2024, monkeypatch
):
    """The place sums at the end of an import have memory of their own
    (``rollups.SUMS_WORK_MEM``), for that statement only: what the same
    transaction does after it (a request's other writes) has the server's."""
    during = []
    real = rollups.add_statement

    def recording(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SHOW work_mem")
            during.append(cursor.fetchone()[0])
        return real(*args, **kwargs)

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        (before,) = cursor.fetchone()
        monkeypatch.setattr(rollups, "add_statement", recording)
        run(DATA / "counts_good.csv", fuhai_technician)
        cursor.execute("SHOW work_mem")
        (after,) = cursor.fetchone()
        transaction.set_rollback(True)

    assert rollups.SUMS_WORK_MEM in during and before != rollups.SUMS_WORK_MEM
    assert after == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite checks references at once")
def test_a_village_removed_while_the_file_is_imported_refuses_it_before_the_import_returns(
    monkeypatch, fuhai, fuhai_technician, winter_2024, english
):
    """A new household's village removed by another request after the import
    read it: the import is refused as its batch is written, with nothing
    stored, not left to fail at the commit after the last row, when the
    references of 100,000 rows were all checked while nothing else ran
    (``importing.checked_as_written``). The transaction it ran in checks its
    own references at its commit again afterwards; a preview checks none."""
    removed = another_township_s_village(fuhai)
    village = Village.objects.create(township=removed.township, name="2号村", name_latin="Cun 2")
    real = importing.herders_create

    def removed_then_create(**kwargs):
        Village.objects.filter(pk=removed.pk).delete()
        return real(**kwargs)

    def file_of(village: Village) -> bytes:
        return f"村,牧户,牧户拉丁名,日期,产羔数\n{village.pk},牧户甲,Jia,2025-01-10,3\n".encode()

    monkeypatch.setattr(importing, "herders_create", removed_then_create)
    with transaction.atomic():
        with pytest.raises(importing.FileRefused, match="nothing was stored"):
            import_counts(content=file_of(removed), user=fuhai_technician)
        assert stored() == (0, 0, 0)
        monkeypatch.setattr(importing, "herders_create", real)
        preview = import_counts(content=file_of(village), user=fuhai_technician, dry_run=True)
        kept = import_counts(content=file_of(village), user=fuhai_technician)
        # What the transaction writes after the import is checked at its commit.
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO livestock_herder (name, name_latin, name_kazakh, version, village_id,"
                " name_key, name_latin_key, name_kazakh_key) VALUES ('甲', 'Jia', '', 1, %s,"
                " '', '', '')",
                [village.pk + 1000],
            )
        transaction.set_rollback(True)

    assert preview.errors == kept.errors == [] and kept.applied


def moved_meanwhile(monkeypatch, herder: Herder, to: Village) -> None:
    """Another request moves ``herder`` to ``to``, and commits, after the import
    read the household and before its batch is written."""
    real = importing.records_create

    def moved_then_create(**kwargs):
        Herder.objects.filter(pk=herder.pk).update(village=to)
        return real(**kwargs)

    monkeypatch.setattr(importing, "records_create", moved_then_create)


def another_township_s_village(county) -> Village:
    township = Township.objects.create(county=county, name="解特阿热勒镇", name_latin="Jiete")
    return Village.objects.create(township=township, name="1号村", name_latin="Cun 1")


def test_a_household_moved_while_the_file_is_imported_is_counted_where_it_is_now(
    monkeypatch, fuhai, fuhai_technician, sailike, winter_2024, english
):
    """Its new record's rollup rows are its new village's and township's, as
    a rebuild from the records makes them, not those the import read first."""
    village = another_township_s_village(fuhai)
    moved_meanwhile(monkeypatch, sailike, village)

    content = f"牧户编号,日期,产羔数\n{sailike.pk},2025-01-10,3\n".encode()
    result = import_counts(content=content, user=fuhai_technician)

    assert not result.errors, result.errors
    columns = ("level", "place_id", "date", "village_id", "township_id", "lambs_born")
    stored = sorted(DailyRollup.objects.values_list(*columns))
    assert {row[3] for row in stored if row[0] == rollups.HERDER_LEVEL} == {village.pk}
    rollups.rebuild()
    assert sorted(DailyRollup.objects.values_list(*columns)) == stored


def test_a_household_moved_into_an_approved_township_while_the_file_is_imported_is_refused(
    monkeypatch, fuhai, fuhai_technician, sailike, winter_2024, english
):
    """Its counts fall under the approval of the township it is in now."""
    village = another_township_s_village(fuhai)
    submitted = review_submit(
        township=village.township,
        season=winter_2024,
        as_of=datetime.date(2025, 1, 15),
        user=fuhai_technician,
    )
    review_approve(review=submitted, user=make_user("fuhai-official", "official", fuhai))
    moved_meanwhile(monkeypatch, sailike, village)

    content = f"牧户编号,日期,产羔数\n{sailike.pk},2025-01-10,3\n".encode()
    result = import_counts(content=content, user=fuhai_technician)

    assert [error.line for error in result.errors] == [2]
    assert not result.applied
    assert not LambingEntry.objects.exists()


def test_an_official_may_not_import(burqin_official, fuhai, winter_2024, english):
    with pytest.raises(CommandError, match="needs the technician's right"):
        run(DATA / "counts_good.csv", burqin_official)
    assert stored() == (0, 0, 0)


def test_an_unknown_column_refuses_the_file(tmp_path, fuhai_technician, english):
    path = tmp_path / "counts.csv"
    path.write_text("村,牧户,羊毛\n齐巴尔窝依村,哈力木·别克,3\n", encoding="utf-8")

    err = StringIO()
    with pytest.raises(CommandError, match="columns that the import does not know"):
        call_command(
            "import_counts", str(path), "--user", "fuhai-tech", stdout=StringIO(), stderr=err
        )
    assert "line 1, column '羊毛', value '羊毛': unknown column" in err.getvalue()


def test_an_ambiguous_village_is_refused_with_its_candidates(
    tmp_path, fuhai_technician, kokeaheshi, qibaerwoyi, winter_2024, english
):
    from livestock.models import Township

    other = Township.objects.create(county=kokeaheshi.county, name="解特阿热勒镇", name_latin="Jie")
    Village.objects.create(township=other, name="齐巴尔窝依村", name_latin="Qibaerwoyi 2")
    path = tmp_path / "counts.csv"
    path.write_text("村,牧户,牧户拉丁名\n齐巴尔窝依村,哈力木·别克,Halimu\n", encoding="utf-8")

    result = import_counts(content=path.read_bytes(), user=fuhai_technician)

    [error] = result.errors
    assert (error.line, error.column, error.value) == (2, "村", "齐巴尔窝依村")
    assert "ambiguous" in error.message and "解特阿热勒镇" in error.message
    # Naming the township settles it.
    path.write_text(
        "乡镇,村,牧户,牧户拉丁名\n解特阿热勒镇,齐巴尔窝依村,哈力木·别克,Halimu\n", encoding="utf-8"
    )
    result = import_counts(content=path.read_bytes(), user=fuhai_technician)
    assert result.errors == [] and Herder.objects.get().village.township == other


def test_rows_naming_several_villages_each_find_their_own(
    tmp_path, fuhai_technician, kokeaheshi, qibaerwoyi, winter_2024, english
):
    """A file's villages are read at once and each row matched to its own: by
    Chinese name, by Latin name in any case and by id, in any order."""
    others = [
        Village.objects.create(township=kokeaheshi, name=f"{n}号村", name_latin=f"Cun {n}")
        for n in (1, 2)
    ]
    path = tmp_path / "counts.csv"
    path.write_text(
        "村,牧户,牧户拉丁名\n"
        f"{others[1].name},牧户甲,Jia\n"
        "qibaerwoyi village,牧户乙,Yi\n"
        f"{others[0].pk},牧户丙,Bing\n"
        f"{others[1].name_latin.upper()},牧户丁,Ding\n",
        encoding="utf-8",
    )

    result = import_counts(content=path.read_bytes(), user=fuhai_technician)

    assert result.errors == []
    villages = dict(Herder.objects.values_list("name_latin", "village"))
    assert villages == {
        "Jia": others[1].pk,
        "Yi": qibaerwoyi.pk,
        "Bing": others[0].pk,
        "Ding": others[1].pk,
    }


def test_stored_households_are_found_by_each_of_their_names_and_only_in_their_village(
    tmp_path, fuhai_technician, kokeaheshi, qibaerwoyi, sailike, winter_2024, english
):
    """Only the households a file names are read, but each is found as before:
    by its Chinese name, its Kazakh name, its Latin name in any case (beyond
    ASCII too: Ä and ä, İ), never in another village; two of one name are
    refused, naming both."""
    other = Village.objects.create(township=kokeaheshi, name="1号村", name_latin="Cun 1")
    aigul = Herder.objects.create(village=qibaerwoyi, name="阿依古丽", name_latin="Äigül İsa")
    kazakh = Herder.objects.create(
        village=qibaerwoyi, name="努尔兰", name_latin="Nurlan", name_kazakh="نۇرلان"
    )
    twins = [
        Herder.objects.create(village=other, name="双胞胎", name_latin=f"Twin {n}") for n in (1, 2)
    ]
    elsewhere = Herder.objects.create(village=other, name="赛力克·屈克木", name_latin="Sailike 2")
    path = tmp_path / "counts.csv"
    path.write_text(
        "村,牧户,产羔季,越冬母羊\n"
        "齐巴尔窝依村,sAILIKE qUKEMU,2024–2025 冬羔,10\n"
        "齐巴尔窝依村,äigül i̇sa,2024–2025 冬羔,11\n"
        "齐巴尔窝依村,نۇرلان,2024–2025 冬羔,12\n"
        "1号村,赛力克·屈克木,2024–2025 冬羔,13\n",
        encoding="utf-8",
    )

    result = import_counts(content=path.read_bytes(), user=fuhai_technician)

    assert result.errors == []
    assert result.count("herder", "created") == 0
    ewes = dict(LambingRecord.objects.values_list("herder", "ewes_at_start"))
    assert ewes == {sailike.pk: 10, aigul.pk: 11, kazakh.pk: 12, elsewhere.pk: 13}

    path.write_text("村,牧户,产羔季,越冬母羊\n1号村,双胞胎,2024–2025 冬羔,14\n", encoding="utf-8")
    [error] = import_counts(content=path.read_bytes(), user=fuhai_technician).errors
    listed = f"双胞胎 Twin 1 (id {twins[0].pk}), 双胞胎 Twin 2 (id {twins[1].pk})"
    assert (error.column, error.message) == (
        "牧户",
        f"有歧义：1号村 Cun 1 有多户同名：{listed}；请给出牧户编号 · "
        f"ambiguous: several households of 1号村 Cun 1 have this name: {listed}; "
        "give the herder id",
    )


def test_a_village_is_found_by_its_latin_name_in_any_case_beyond_ascii_too(
    tmp_path, fuhai_technician, kokeaheshi, sailike, winter_2024, english
):
    """A row names its village by the Latin name in any case, as a household's: by the
    one rule of a name's case (places/names.py ``folded``), where SQLite's UPPER
    upper-cased ASCII only and the file's KÖKTOGAY named no village Köktogay."""
    koktogay = Village.objects.create(township=kokeaheshi, name="可可托海村", name_latin="Köktogay")
    path = tmp_path / "counts.csv"
    path.write_text(
        "村,牧户,牧户拉丁名,产羔季,越冬母羊\n"
        "KÖKTOGAY,阿丽娅,Aliya,2024–2025 冬羔,10\n"
        "qibaerwoyi village,赛力克·屈克木,,2024–2025 冬羔,11\n",
        encoding="utf-8",
    )

    result = import_counts(content=path.read_bytes(), user=fuhai_technician)

    assert result.errors == []
    assert Herder.objects.get(name="阿丽娅").village == koktogay
    assert LambingRecord.objects.get(herder=sailike).ewes_at_start == 11


@pytest.mark.parametrize(
    "header", ["季初能繁母羊 ewes at start", "季初能繁母羊", "越冬母羊", "越冬母羊 ewes at start"]
)
def test_the_ewes_column_is_read_by_its_name_and_by_the_one_it_had_before(
    header, tmp_path, fuhai_technician, sailike, winter_2024
):
    """The ewes' column is headed 季初能繁母羊, as the app names the number
    (docs/glossary.md); files made before, headed 越冬母羊, still import."""
    path = tmp_path / "counts.csv"
    path.write_text(
        f"村,牧户,产羔季,{header}\n齐巴尔窝依村,赛力克·屈克木,2024–2025 冬羔,130\n",
        encoding="utf-8",
    )

    result = import_counts(content=path.read_bytes(), user=fuhai_technician)

    assert result.errors == []
    assert LambingRecord.objects.get(herder=sailike).ewes_at_start == 130


def test_a_value_beyond_the_named_columns_refuses_its_row(
    tmp_path, fuhai_technician, sailike, winter_2024, english
):
    """1,200 ewes typed unquoted in a CSV is two cells, 1 and 200: the 200
    lies beyond the columns the header names. The row is refused, naming
    the cell; it was imported as 1 ewe, the 200 dropped without a word."""
    path = tmp_path / "counts.csv"
    path.write_text(
        "村,牧户,产羔季,越冬母羊\n"
        "齐巴尔窝依村,赛力克·屈克木,2024–2025 冬羔,1,200\n"
        "# a comment, 1,2,3,4,5\n",
        encoding="utf-8",
    )

    result = import_counts(content=path.read_bytes(), user=fuhai_technician)

    [error] = result.errors
    assert (error.line, error.column, error.value) == (2, "5", "200")
    assert "names no column here" in error.message
    assert not result.applied and LambingRecord.objects.count() == 0


def test_an_exported_entry_edited_and_imported_again_is_refused_not_counted_twice(
    fuhai_technician, sailike, winter_2024, english
):
    """An export's row with its uuid, its lambs born changed from 4 to 5 and
    imported again: refused, saying to correct the entry on its record's page
    (a file does not change a saved entry). The message told them to send it
    under a new uuid, which would add a second entry beside the first: 9
    lambs born where 5 were."""
    header = "条目编号,村,牧户,日期,产羔母羊,产羔数\n"
    row = "6f1c54a2-3e5b-4c1d-9a7e-2b8f0d4c6e11,齐巴尔窝依村,赛力克·屈克木,2025-01-05,4,{}\n"
    assert import_counts(content=(header + row.format(4)).encode(), user=fuhai_technician).applied

    result = import_counts(content=(header + row.format(5)).encode(), user=fuhai_technician)

    [error] = result.errors
    assert (error.line, error.column) == (2, "条目编号")
    assert "correct it on its record's page, with a reason" in error.message
    assert "new uuid" not in error.message and "other counts" not in error.message
    assert list(LambingEntry.objects.values_list("lambs_born", flat=True)) == [4]


def test_two_identical_rows_of_one_file_are_refused_not_merged(
    tmp_path, fuhai_technician, sailike, winter_2024, english
):
    path = tmp_path / "counts.csv"
    row = "齐巴尔窝依村,赛力克·屈克木,2025-01-10,3\n"
    path.write_text("村,牧户,日期,产羔数\n" + row + row, encoding="utf-8")

    result = import_counts(content=path.read_bytes(), user=fuhai_technician)

    [error] = result.errors
    assert (error.line, error.column) == (3, "日期")
    assert "the same entry as line 2" in error.message
    assert LambingEntry.objects.count() == 0


def test_correcting_ewes_at_start_needs_a_reason(
    tmp_path, fuhai_technician, sailike_record, english
):
    path = tmp_path / "counts.csv"
    season = sailike_record.season_id
    path.write_text(
        f"村,牧户,产羔季,越冬母羊\n齐巴尔窝依村,赛力克·屈克木,{season},130\n", encoding="utf-8"
    )

    for reason in ("", "   "):  # spaces alone are no reason, as on every surface
        result = import_counts(content=path.read_bytes(), user=fuhai_technician, reason=reason)
        assert [e.column for e in result.errors] == ["越冬母羊"]
        assert "The reason is empty or only spaces" in result.errors[0].message

    result = import_counts(
        content=path.read_bytes(), user=fuhai_technician, reason="recounted in March"
    )
    assert result.errors == [] and result.count("record", "changed") == 1
    sailike_record.refresh_from_db()
    assert sailike_record.ewes_at_start == 130
    assert sailike_record.history.first().history_change_reason == "recounted in March"


@pytest.mark.parametrize("batch", [1, ENTRY_BATCH])
def test_a_later_row_changes_a_new_household_s_ewes_as_a_stored_one_s(
    batch, fuhai_technician, qibaerwoyi, winter_2024, english, monkeypatch
):
    """A household the file makes, given other ewes at start by a later row:
    corrected as a stored one is (it needs a reason), whether its batch is
    stored already, being written meanwhile (``ENTRY_BATCH`` 1) or not yet;
    the history keeps both counts."""
    monkeypatch.setattr(importing, "ENTRY_BATCH", batch)
    content = (
        "村,牧户,牧户拉丁名,产羔季,越冬母羊,日期,产羔数\n"
        "齐巴尔窝依村,新牧户1,H 1,2024–2025 冬羔,9,2024-12-11,1\n"
        "齐巴尔窝依村,新牧户1,H 1,2024–2025 冬羔,10,,\n"
    ).encode()

    result = import_counts(content=content, user=fuhai_technician)
    assert [(e.line, e.column, e.value) for e in result.errors] == [(3, "越冬母羊", "10")]
    assert "The reason is empty or only spaces" in result.errors[0].message
    assert stored() == (0, 0, 0)

    result = import_counts(content=content, user=fuhai_technician, reason="recounted")
    assert result.errors == [] and result.applied
    assert stored() == (1, 1, 1)
    assert (result.count("record", "created"), result.count("record", "changed")) == (1, 0)
    record = LambingRecord.objects.get()
    assert [(h.ewes_at_start, h.history_change_reason) for h in record.history.all()] == [
        (10, "recounted"),
        (9, None),
    ]


@pytest.mark.parametrize("batch", [1, ENTRY_BATCH])
def test_a_later_row_renames_a_new_household_as_a_stored_one(
    batch, fuhai_technician, qibaerwoyi, winter_2024, english, monkeypatch
):
    """A household the file makes, found by a later row by its Latin name and
    given another: renamed as a stored one is, one household counted once."""
    monkeypatch.setattr(importing, "ENTRY_BATCH", batch)
    content = (
        "村,牧户,牧户拉丁名,产羔季,越冬母羊,日期,产羔数\n"
        "齐巴尔窝依村,新牧户1,H 1,2024–2025 冬羔,9,2024-12-11,1\n"
        "齐巴尔窝依村,H 1,H 2,2024–2025 冬羔,9,2024-12-12,2\n"
    ).encode()

    result = import_counts(content=content, user=fuhai_technician)

    assert result.errors == [] and result.applied
    assert stored() == (1, 1, 2)
    assert (result.count("herder", "created"), result.count("herder", "changed")) == (1, 0)
    assert Herder.objects.get().name_latin == "H 2"


@pytest.mark.parametrize("batch", [1, ENTRY_BATCH])
def test_a_later_row_giving_a_new_household_another_latin_name_renames_it(
    batch, fuhai_technician, qibaerwoyi, winter_2024, english, monkeypatch
):
    """Row 2 names the household row 1 made by the same Chinese name with
    another Latin name: the household ends with row 2's name, its history
    keeps both, and the preview counts one household created. (The rows
    were matched by the Chinese name alone, and row 2's name was lost.)
    Row 3 finds it by its new Latin name, as it would a stored household."""
    monkeypatch.setattr(importing, "ENTRY_BATCH", batch)
    content = (
        "村,牧户,牧户拉丁名,日期,产羔数\n"
        "齐巴尔窝依村,张三,Zhang San,2024-12-11,1\n"
        "齐巴尔窝依村,张三,Zhang Sanr,2024-12-12,2\n"
        "齐巴尔窝依村,zhang sanr,,2024-12-13,3\n"
    ).encode()

    preview = import_counts(content=content, user=fuhai_technician, dry_run=True)
    assert preview.errors == [] and stored() == (0, 0, 0)
    assert [row[:5] for row in preview.kinds] == [
        ("herder", "herder households", 1, 0, 0),
        ("record", "lambing records", 1, 0, 0),
        ("entry", "lambing entries", 3, 0, 0),
    ]

    result = import_counts(content=content, user=fuhai_technician)

    assert result.errors == [] and result.applied
    assert result.kinds == preview.kinds
    herder = Herder.objects.get()
    assert (herder.name, herder.name_latin) == ("张三", "Zhang Sanr")
    assert [h.name_latin for h in herder.history.all()] == ["Zhang Sanr", "Zhang San"]


def test_each_row_s_latin_or_kazakh_name_for_a_stored_household_is_applied_in_turn(
    fuhai_technician, sailike, winter_2024, english
):
    """Rows naming a stored household by its Chinese name with other Latin or
    Kazakh names: each row's names are applied in the file's order, even a
    name an earlier row gave and a later one changed (a row was matched by
    the Chinese name alone, and only the first row's names were applied)."""
    content = (
        "村,牧户,牧户拉丁名,牧户哈萨克文名,日期,产羔数\n"
        "齐巴尔窝依村,赛力克·屈克木,Sailike Qukemu,,2024-12-11,1\n"
        "齐巴尔窝依村,赛力克·屈克木,Saylik Qukemu,,2024-12-12,1\n"
        "齐巴尔窝依村,赛力克·屈克木,Sailike Qukemu,,2024-12-13,1\n"
        "齐巴尔窝依村,赛力克·屈克木,,سەيلىك,2024-12-14,1\n"
        "齐巴尔窝依村,Sailike Qukemu,,,2024-12-15,1\n"
    ).encode()

    result = import_counts(content=content, user=fuhai_technician)

    assert result.errors == [] and result.applied
    assert stored() == (1, 1, 5)
    assert (result.count("herder", "unchanged"), result.count("herder", "changed")) == (0, 1)
    sailike.refresh_from_db()
    assert (sailike.name_latin, sailike.name_kazakh) == ("Sailike Qukemu", "سەيلىك")
    assert [(h.name_latin, h.name_kazakh) for h in sailike.history.all()] == [
        ("Sailike Qukemu", "سەيلىك"),
        ("Sailike Qukemu", ""),
        ("Saylik Qukemu", ""),
        ("Sailike Qukemu", ""),
    ]


def test_rows_read_while_a_batch_is_written_change_stored_records_in_turn(
    tmp_path, fuhai_technician, sailike_record, english, monkeypatch
):
    """A batch is written in a second thread while the next rows are read
    (``BatchWriter``); a row that changes a stored record meanwhile waits for
    it, and one refused (its savepoint rolled back) takes nothing of the
    batch with it: the file is stored whole, or, refused, not at all."""
    monkeypatch.setattr(importing, "ENTRY_BATCH", 1)
    season = sailike_record.season_id
    path = tmp_path / "counts.csv"
    path.write_text(
        "村,牧户,牧户拉丁名,产羔季,越冬母羊,日期,产羔数\n"
        + "".join(f"齐巴尔窝依村,新牧户{n},H {n},{season},9,2024-12-1{n},{n}\n" for n in (1, 2))
        + f"齐巴尔窝依村,赛力克·屈克木,,{season},130,,\n"
        + "齐巴尔窝依村,新牧户3,H 3,2024–2025 冬羔,9,2024-12-13,3\n",
        encoding="utf-8",
    )

    result = import_counts(content=path.read_bytes(), user=fuhai_technician)
    assert [(e.line, e.column) for e in result.errors] == [(4, "越冬母羊")]
    assert stored() == (1, 1, 0)

    result = import_counts(content=path.read_bytes(), user=fuhai_technician, reason="recounted")
    assert result.errors == [] and result.applied
    assert stored() == (4, 4, 3)
    sailike_record.refresh_from_db()
    assert sailike_record.ewes_at_start == 130
    assert LambingEntry.history.filter(history_user=fuhai_technician).count() == 3


def test_a_batch_refused_by_the_database_fails_the_import_not_a_row_read_meanwhile(
    fuhai_technician, qibaerwoyi, winter_2024, monkeypatch, english
):
    """A batch written while the next rows are read (``BatchWriter``) whose
    record another request saved meanwhile fails the import with
    ``records_create``'s error, as a batch written at once does; it is not
    taken for the error of the row read when it failed (a change of that
    record, which waited for the batch), nor is the import reported as
    refused rows."""
    real_insert = bulk_insert.insert_with_history

    def saved_meanwhile(objs, model, **kwargs):
        if model is LambingRecord:
            raise IntegrityError("duplicate key value violates unique constraint")
        return real_insert(objs, model, **kwargs)

    monkeypatch.setattr(bulk_insert, "insert_with_history", saved_meanwhile)
    monkeypatch.setattr(importing, "ENTRY_BATCH", 1)
    content = (
        "村,牧户,牧户拉丁名,产羔季,越冬母羊,日期,产羔数\n"
        "齐巴尔窝依村,新牧户1,H 1,2024–2025 冬羔,9,2024-12-11,1\n"
        "齐巴尔窝依村,新牧户1,H 1,2024–2025 冬羔,10,,\n"
    ).encode()

    with pytest.raises(ValidationError, match="already has a record for this season"):
        import_counts(content=content, user=fuhai_technician, reason="recounted")

    assert stored() == (0, 0, 0)


def waiting_for_a_thread(frame) -> bool:
    """Whether the thread of ``frame`` is waiting for a thread to end."""
    while frame is not None:
        if frame.f_code.co_qualname in ("WriteThread.wait", "Thread._wait_for_tstate_lock"):
            return True
        frame = frame.f_back
    return False


@contextmanager
def ctrl_c_while_waiting(started: threading.Event, release: threading.Event) -> Iterator[None]:
    """Ctrl-C sent to the main thread once ``started`` is set and it waits for
    a thread to end, ``release`` set soon after; the block
    raises KeyboardInterrupt, and the threads are waited for on the way out."""

    def send() -> None:
        started.wait(10)
        main = threading.main_thread().ident
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if waiting_for_a_thread(sys._current_frames()[main]):
                signal.pthread_kill(main, signal.SIGINT)
                break
            time.sleep(0.01)
        time.sleep(0.2)
        release.set()

    # Ctrl-C raises KeyboardInterrupt, also where a shell started the tests with SIGINT ignored.
    handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    helper = threading.Thread(target=send)
    helper.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            yield
    finally:
        signal.signal(signal.SIGINT, handler)
        release.set()
        helper.join()
        for thread in threading.enumerate():
            if thread.name in ("import-batch-writer", "bulk-entries-insert"):
                thread.join()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite writes each batch at once")
@pytest.mark.django_db(transaction=True)
def test_ctrl_c_while_a_batch_is_written_ends_the_import_with_nothing_stored(
    fuhai_technician, qibaerwoyi, winter_2024, monkeypatch
):
    """Ctrl-C (``manage.py import_counts``) while the reading thread waits for
    the batch being written in the second thread (``BatchWriter``) ends the
    import once that batch has, with nothing of it stored. Interrupted,
    Python 3.11's ``Thread.join`` takes the thread for ended and waits no
    more: the transaction was rolled back under the batch, which then wrote
    on in autocommit and kept its households."""
    started, release = threading.Event(), threading.Event()
    real_store = importing._Importer._store

    def held_store(self, *batch):
        if threading.current_thread() is not threading.main_thread():
            started.set()
            release.wait(10)
        return real_store(self, *batch)

    monkeypatch.setattr(importing._Importer, "_store", held_store)
    monkeypatch.setattr(importing, "ENTRY_BATCH", 1)
    rows = [f"齐巴尔窝依村,牧户{n},H {n},2024–2025 冬羔,9,2024-12-1{n},{n}\n" for n in range(3)]
    content = ("村,牧户,牧户拉丁名,产羔季,越冬母羊,日期,产羔数\n" + "".join(rows)).encode()

    with ctrl_c_while_waiting(started, release):
        try:
            import_counts(content=content, user=fuhai_technician)
        finally:
            assert not any(thread.name == "import-batch-writer" for thread in threading.enumerate())

    assert stored() == (0, 0, 0)
    assert not DailyRollup.objects.exists()
    assert import_counts(content=content, user=fuhai_technician).applied
    assert stored() == (3, 3, 3)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite inserts the entries at once")
@pytest.mark.django_db(transaction=True)
def test_ctrl_c_while_a_batch_s_entries_are_inserted_beside_its_walks_stores_nothing(
    fuhai_technician, sailike_record, monkeypatch
):
    """Ctrl-C while the batch's entries are inserted in a second thread beside
    their records' walks (``entries_create``'s ``_InsertedMeanwhile``): the
    import ends once the insert has, with nothing stored. Interrupted, Python
    3.11's ``Thread.join`` took the thread for ended; the transaction was
    rolled back under the insert, whose entries of a stored household and
    their history rows were then kept, in autocommit, without their rollups."""
    started, release = threading.Event(), threading.Event()
    real_insert = bulk_insert.insert_with_history

    def held_insert(objs, model, **kwargs):
        if threading.current_thread().name == "bulk-entries-insert":
            started.set()
            release.wait(10)
        return real_insert(objs, model, **kwargs)

    monkeypatch.setattr(bulk_insert, "insert_with_history", held_insert)
    season = sailike_record.season_id
    rows = [f"齐巴尔窝依村,赛力克·屈克木,{season},2024-12-1{n},{n}\n" for n in range(3)]
    content = ("村,牧户,产羔季,日期,产羔数\n" + "".join(rows)).encode()

    with ctrl_c_while_waiting(started, release):
        try:
            import_counts(content=content, user=fuhai_technician)
        finally:
            assert not any(thread.name == "bulk-entries-insert" for thread in threading.enumerate())

    assert not LambingEntry.objects.exists()
    assert not LambingEntry.history.exists()
    assert import_counts(content=content, user=fuhai_technician).applied
    assert LambingEntry.objects.count() == 3


def test_counts_of_an_approved_township_are_locked_to_the_import(
    tmp_path, fuhai_technician, sailike_record, kokeaheshi, fuhai, english
):
    from tests.conftest import make_user

    official = make_user("fuhai-official", "official", fuhai)
    submitted = review_submit(
        township=kokeaheshi,
        season=sailike_record.season,
        as_of=datetime.date(2025, 1, 15),
        user=fuhai_technician,
    )
    review_approve(review=submitted, user=official)
    path = tmp_path / "counts.csv"
    path.write_text(
        "村,牧户,日期,产羔数\n齐巴尔窝依村,赛力克·屈克木,2025-01-10,3\n"
        "齐巴尔窝依村,赛力克·屈克木,2025-01-20,4\n",
        encoding="utf-8",
    )

    result = import_counts(content=path.read_bytes(), user=fuhai_technician)

    [error] = result.errors
    assert (error.line, error.column) == (2, "日期")
    assert "rule: approved counts are locked" in error.message
    assert LambingEntry.objects.count() == 0


def test_a_new_households_ewes_are_locked_only_in_its_own_approved_township(
    tmp_path, fuhai_technician, kokeaheshi, qibaerwoyi, winter_2024, fuhai, english
):
    """The approvals of every township a file names are read at once; each new
    record is checked against its own township's."""
    from livestock.models import Township
    from tests.conftest import make_user

    other = Township.objects.create(county=fuhai, name="解特阿热勒镇", name_latin="Jiete")
    Village.objects.create(township=other, name="1号村", name_latin="Cun 1")
    submitted = review_submit(
        township=kokeaheshi,
        season=winter_2024,
        as_of=datetime.date(2025, 1, 15),
        user=fuhai_technician,
    )
    review_approve(review=submitted, user=make_user("fuhai-official", "official", fuhai))
    path = tmp_path / "counts.csv"
    path.write_text(
        "村,牧户,牧户拉丁名,产羔季,越冬母羊\n"
        "1号村,牧户甲,Jia,2024–2025 冬羔,30\n"
        "齐巴尔窝依村,牧户乙,Yi,2024–2025 冬羔,40\n",
        encoding="utf-8",
    )

    result = import_counts(content=path.read_bytes(), user=fuhai_technician)

    assert [(error.line, error.column) for error in result.errors] == [(3, "越冬母羊")]
    assert LambingRecord.objects.count() == 0


@pytest.mark.parametrize("batch", [1, ENTRY_BATCH])
def test_entries_that_break_a_running_total_together_are_refused(
    batch, tmp_path, fuhai_technician, sailike_record, english, monkeypatch
):
    """Each row alone is within the 120 ewes; together they are not. The row
    that tips the total over is refused, whether stored in one batch or two."""
    monkeypatch.setattr(importing, "ENTRY_BATCH", batch)
    path = tmp_path / "counts.csv"
    path.write_text(
        "村,牧户,日期,产羔母羊,产羔数\n"
        "齐巴尔窝依村,赛力克·屈克木,2024-12-10,70,70\n"
        "齐巴尔窝依村,赛力克·屈克木,2024-12-20,60,60\n",
        encoding="utf-8",
    )

    result = import_counts(content=path.read_bytes(), user=fuhai_technician)

    [error] = result.errors
    assert (error.line, error.column, error.value) == (3, "产羔母羊", "60")
    assert "rule: ewes lambed ≤ ewes" in error.message
    assert LambingEntry.objects.count() == 0


@pytest.mark.parametrize("batch", [1, ENTRY_BATCH])
def test_the_history_says_the_counts_came_from_an_import(
    batch, fuhai_technician, sailike, winter_2024, monkeypatch
):
    """Also of batches written while the next rows are read (``BatchWriter``),
    in a second thread."""
    monkeypatch.setattr(importing, "ENTRY_BATCH", batch)
    run(DATA / "counts_good.csv", fuhai_technician)

    assert not LambingEntry.history.exclude(history_user=fuhai_technician).exists()

    for model in (Herder, LambingRecord, LambingEntry):
        rows = model.history.filter(history_user=fuhai_technician)
        assert rows.exists()
        assert {(r.history_surface, r.history_source) for r in rows} == {
            ("import", next(iter(rows)).history_source)
        }
        assert "import_counts counts_good.csv" in rows.first().history_source


def test_a_kazakh_name_column_is_optional_stored_as_names_are_and_exported_back(
    tmp_path, fuhai_technician, qibaerwoyi, sailike, winter_2024, english
):
    path = tmp_path / "counts.csv"
    # Өміржан typed with a legacy letter (ٶ), as an older keyboard writes it.
    path.write_text(
        "村,牧户,牧户拉丁名,牧户哈萨克文名\n"
        "齐巴尔窝依村,哈力木·别克,Halimu,\u0676مىرجان\n"
        f"齐巴尔窝依村,{sailike.name},{sailike.name_latin},سەرىك\n",
        encoding="utf-8",
    )
    assert import_counts(content=path.read_bytes(), user=fuhai_technician).errors == []
    halimu = Herder.objects.get(name="哈力木·别克")
    assert halimu.name_kazakh == "\u0674ومىرجان"  # one spelling, as names.py stores it
    sailike.refresh_from_db()
    assert sailike.name_kazakh == "سەرىك"

    # A file without the column leaves the Kazakh names as they are.
    path.write_text(
        f"村,牧户,牧户拉丁名\n齐巴尔窝依村,{sailike.name},{sailike.name_latin}\n", encoding="utf-8"
    )
    assert import_counts(content=path.read_bytes(), user=fuhai_technician).errors == []
    sailike.refresh_from_db()
    assert sailike.name_kazakh == "سەرىك"

    # Exported in the column, and imported back unchanged.
    exported = write_csv(herder_rows(Herder.objects.all()))
    header, *rows = exported.decode("utf-8-sig").splitlines()
    assert "牧户哈萨克文名 herder kazakh name" in header.split(",")
    assert any("\u0674ومىرجان" in row for row in rows)
    before = list(Herder.history.values_list("history_id", flat=True))
    result = import_counts(content=exported, user=fuhai_technician)
    assert result.errors == []
    assert list(Herder.history.values_list("history_id", flat=True)) == before


def test_a_household_is_found_in_its_village_by_its_kazakh_name(
    tmp_path, fuhai_technician, qibaerwoyi, sailike, winter_2024, english
):
    sailike.name_kazakh = "سەرىك"
    sailike.save()
    path = tmp_path / "counts.csv"
    path.write_text(
        "村,牧户,产羔季,越冬母羊\n齐巴尔窝依村,سەرىك,2024–2025 冬羔,90\n", encoding="utf-8"
    )
    assert import_counts(content=path.read_bytes(), user=fuhai_technician).errors == []
    assert Herder.objects.count() == 1
    assert sailike.lambing_records.get().ewes_at_start == 90


def test_imports_at_once_in_one_process_leave_its_garbage_collector_as_it_was():
    """The collector's thresholds are the process's: with two imports in its
    threads at once, the one ending first leaves them raised for the other,
    and the last puts back what was there before (not the raised ones)."""
    before = gc.get_threshold()
    first, second = collected_rarely(), collected_rarely()
    first.__enter__()
    second.__enter__()
    assert gc.get_threshold()[0] >= COLLECT_AFTER
    first.__exit__(None, None, None)
    assert gc.get_threshold()[0] >= COLLECT_AFTER  # the second import still runs
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before


@pytest.mark.django_db(transaction=True)
def test_an_interrupt_out_of_a_writer_s_start_is_waited_through_and_stores_nothing(
    fuhai_technician, qibaerwoyi, winter_2024, monkeypatch
):
    """Ctrl-C (or gunicorn's SystemExit) may come while ``Thread.start`` waits
    for the new thread to say it started: the writer runs then, and the
    interrupt comes out of ``start``. Modelled by raising it after the real
    start. The import ends in it, with nothing stored and no thread left;
    it hung for ever (the writer's end of sharing the connection failed,
    given back twice, and its end was never told)."""
    if connection.vendor != "postgresql":
        pytest.skip("batches are written in a thread on PostgreSQL only")
    monkeypatch.setattr(importing, "ENTRY_BATCH", 1)
    real_start = threading.Thread.start
    writers, thread_errors, outcome = [], [], []

    def start(self):
        real_start(self)
        if self.name == "import-batch-writer" and not writers:
            writers.append(self)
            raise KeyboardInterrupt

    monkeypatch.setattr(threading.Thread, "start", start)
    monkeypatch.setattr(threading, "excepthook", lambda args: thread_errors.append(args.exc_value))
    rows = [f"齐巴尔窝依村,牧户{n},H {n},2024–2025 冬羔,9,2024-12-1{n},{n}\n" for n in range(3)]
    content = ("村,牧户,牧户拉丁名,产羔季,越冬母羊,日期,产羔数\n" + "".join(rows)).encode()

    def run_import():
        try:
            import_counts(content=content, user=fuhai_technician)
        except BaseException as error:  # noqa: BLE001 (what the import ended in)
            outcome.append(error)
        finally:
            connection.close()

    importer = threading.Thread(target=run_import, daemon=True)
    importer.start()
    importer.join(10)
    hung = importer.is_alive()
    if hung:  # let it go, so that the test's flush is not stuck behind its locks
        writers[0].ended.set()
        importer.join(10)
    assert not hung, "the import waits for ever for its writer"
    assert thread_errors == []
    assert not writers[0].is_alive()
    assert isinstance(outcome[0], KeyboardInterrupt)
    assert (Herder.objects.count(), LambingEntry.objects.count()) == (0, 0)


LOOKALIKE_HEADER = "村,牧户,牧户拉丁名,产羔季,越冬母羊\n"


@pytest.mark.parametrize(
    ("written", "differences"),
    [
        ("赛力克·屈克木\u200b", "U+200B ZERO WIDTH SPACE"),
        ("赛力克・屈克木", "U+30FB KATAKANA MIDDLE DOT; U+00B7 MIDDLE DOT"),
        ("赛力克 · 屈克木", "U+0020 SPACE"),
        ("S\u0430ilike Qukemu", "U+0430 CYRILLIC SMALL LETTER A; U+0061 LATIN SMALL LETTER A"),
        ("Sailike  Qukemu", "spaces"),  # two spaces
    ],
)
@pytest.mark.parametrize("dry_run", [True, False])
def test_a_new_household_whose_name_looks_like_a_stored_ones_is_refused_saying_how_to_mean_it(
    written, differences, dry_run, fuhai_technician, qibaerwoyi, sailike, winter_2024, english
):
    content = f"{LOOKALIKE_HEADER}齐巴尔窝依村,{written},,2024–2025 冬羔,10\n".encode()

    result = import_counts(content=content, user=fuhai_technician, dry_run=dry_run)

    [error] = result.errors
    assert (error.line, error.column, error.value) == (2, "牧户", written)
    assert error.message == (
        f"looks like the household 赛力克·屈克木 Sailike Qukemu (id {sailike.pk}) of 齐巴尔窝依村 "
        f"but is written with other characters ({differences}), and a file does not add a "
        "household beside one whose name looks like it: to mean that household, write "
        f"{'Sailike Qukemu' if 'S' in written else '赛力克·屈克木'} or give the herder id "
        f"{sailike.pk}"
    )
    [listed] = result.new_herders
    assert (listed.line, listed.name, listed.resembles) == (
        2,
        written,
        f"赛力克·屈克木 Sailike Qukemu (id {sailike.pk})",
    )
    assert stored() == (1, 0, 0)


def test_a_new_household_whose_name_looks_like_another_new_one_of_the_file_is_refused(
    fuhai_technician, qibaerwoyi, winter_2024, english
):
    content = (
        f"{LOOKALIKE_HEADER}"
        "齐巴尔窝依村,哈力木·别克,Halimu,2024–2025 冬羔,10\n"
        "齐巴尔窝依村,努尔兰,Nurlan,2024–2025 冬羔,10\n"
        "齐巴尔窝依村,哈力木·别克\u200b\u200b,,2024–2025 冬羔,10\n"
        "齐巴尔窝依村,NURL\u0410N,,2024–2025 冬羔,10\n"
        "齐巴尔窝依村,NURL\u0410N,,,\n"
    ).encode()

    result = import_counts(content=content, user=fuhai_technician)

    assert [(error.line, error.message) for error in result.errors] == [
        (
            4,
            "looks like 哈力木·别克, a new household on line 2 of this file, but is written "
            "with other characters (U+200B ZERO WIDTH SPACE): write both alike",
        ),
        (
            5,
            "looks like Nurlan, a new household on line 3 of this file, but is written with "
            "other characters (U+0055 LATIN CAPITAL LETTER U; U+0052 LATIN CAPITAL LETTER R; "
            "U+004C LATIN CAPITAL LETTER L; U+0410 CYRILLIC CAPITAL LETTER A): write both alike",
        ),
        (6, result.errors[1].message),  # each of its rows, listed once below
    ]
    assert [(h.line, h.resembles) for h in result.new_herders] == [
        (2, ""),
        (3, ""),
        (4, "哈力木·别克 Halimu, new on line 2"),
        (5, "努尔兰 Nurlan, new on line 3"),
    ]
    assert result.new_herders_not_listed == 0
    assert stored() == (0, 0, 0)


def test_a_look_alike_name_in_another_village_or_the_exact_name_is_no_look_alike(
    fuhai_technician, kokeaheshi, qibaerwoyi, sailike, winter_2024, english
):
    """Only a household of the same village is taken for the one meant; a row
    naming a household exactly finds it, as before."""
    Village.objects.create(township=kokeaheshi, name="1号村", name_latin="Cun 1")
    content = (
        f"{LOOKALIKE_HEADER}"
        "1号村,赛力克・屈克木,Sailike 2,2024–2025 冬羔,10\n"
        "齐巴尔窝依村,赛力克·屈克木,,2024–2025 冬羔,11\n"
    ).encode()

    result = import_counts(content=content, user=fuhai_technician)

    assert result.errors == [] and result.applied
    assert result.count("herder", "created") == 1
    new = Herder.objects.get(village__name="1号村")
    assert (new.name, new.name_key) == ("赛力克・屈克木", "赛力克·屈克木")  # its key, as stored
    assert sailike.lambing_records.get().ewes_at_start == 11


def test_the_command_names_a_refused_look_alike_household(
    tmp_path, fuhai_technician, qibaerwoyi, sailike, winter_2024, english
):
    path = tmp_path / "counts.csv"
    path.write_text(f"{LOOKALIKE_HEADER}齐巴尔窝依村,赛力克·屈克木\u200b,,,\n", encoding="utf-8")

    with pytest.raises(CommandError, match="1 rows refused"):
        run(path, fuhai_technician, "--dry-run")


RENAME_HEADER = "牧户编号,村,牧户,牧户拉丁名,产羔季,越冬母羊\n"


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_row_renaming_a_household_like_another_of_its_village_refuses_the_file(
    dry_run, fuhai_technician, qibaerwoyi, sailike, winter_2024, english
):
    """A row giving 哈力木's id with 赛力克's name, spaces typed around its dot:
    stored, 哈力木 would be taken for 赛力克 by every file and search after.
    The row is refused, naming 赛力克 and the characters that differ, and the
    whole file stores nothing, its sound row neither."""
    halimu = Herder.objects.create(village=qibaerwoyi, name="哈力木·别克", name_latin="Halimu")
    content = (
        f"{RENAME_HEADER}"
        f"{sailike.pk},,,,2024–2025 冬羔,10\n"
        f"{halimu.pk},,赛力克 · 屈克木,,2024–2025 冬羔,11\n"
    ).encode()

    result = import_counts(content=content, user=fuhai_technician, dry_run=dry_run)

    [error] = result.errors
    assert (error.line, error.column, error.value) == (3, "牧户", "赛力克 · 屈克木")
    assert error.message == (
        f"与本村牧户赛力克·屈克木 Sailike Qukemu（id {sailike.pk}）的名字相似，不同之处："
        "U+0020 SPACE。文件无法确认是另一户：如确为另一户，请在管理后台改名并勾选“确为另一户”"
        "（API 中：confirm_distinct: true）。 · "
        f"looks like the name of the household 赛力克·屈克木 Sailike Qukemu (id {sailike.pk}) "
        "of this village; they differ in: U+0020 SPACE. A file cannot confirm that it is "
        "another household: if it truly is, rename it in the admin, ticking “This is another "
        "household” (in the API: confirm_distinct: true)."
    )
    assert not result.applied
    halimu.refresh_from_db()
    assert (halimu.name, halimu.version, halimu.history.count()) == ("哈力木·别克", 1, 1)
    assert stored() == (2, 0, 0)


@pytest.mark.parametrize("batch", [1, ENTRY_BATCH])
@pytest.mark.parametrize("change", ["rename", "move"])
def test_a_row_renaming_or_moving_a_household_like_one_new_on_an_earlier_line_names_it_by_line(
    change, batch, fuhai_technician, kokeaheshi, qibaerwoyi, winter_2024, english, monkeypatch
):
    """Line 3 renames 哈力木 (by his herder id) with a zero-width space after the name
    of the household line 2 adds, or moves a namesake from another village beside it.
    The refusal named that household "努尔兰 Nurlan (id 7)": the id it held inside the
    import, stored first to be checked against, which the file's author never saw
    and which named nothing once the file was refused. It names it by its line, in
    Chinese with the English beside it, whether its batch was stored already
    (``ENTRY_BATCH`` 1) or not."""
    monkeypatch.setattr(importing, "ENTRY_BATCH", batch)
    halimu = Herder.objects.create(village=qibaerwoyi, name="哈力木·别克", name_latin="Halimu")
    other = Village.objects.create(township=kokeaheshi, name="1号村", name_latin="Cun 1")
    namesake = Herder.objects.create(village=other, name="努尔兰", name_latin="Nurlan 2")
    header = "牧户编号,村,牧户,牧户拉丁名,产羔季,越冬母羊,日期,产羔数\n"
    new_on_line_2 = ",齐巴尔窝依村,努尔兰,Nurlan,2024–2025 冬羔,10,2024-12-11,1\n"
    if change == "rename":
        line_3, value, differ = (
            f"{halimu.pk},,努尔兰\u200b",
            "努尔兰\u200b",
            "U+200B ZERO WIDTH SPACE",
        )
    else:
        line_3, value, differ = f"{namesake.pk},齐巴尔窝依村,", "", None
    content = f"{header}{new_on_line_2}{line_3},,2024–2025 冬羔,11,2024-12-11,2\n".encode()

    result = import_counts(content=content, user=fuhai_technician)

    [error] = result.errors
    assert (error.line, error.column, error.value) == (3, "牧户", value)
    assert error.message == (
        f"与本文件第 2 行新建的牧户努尔兰 Nurlan的名字相似，不同之处：{differ or '无，名字相同'}。"
        "如两行指的是同一户，请在第 2 行也填写其牧户编号；文件无法确认是另一户：如确为另一户，"
        "请在管理后台改名并勾选“确为另一户”（API 中：confirm_distinct: true）。 · "
        "looks like the name of the household 努尔兰 Nurlan, new on line 2 of this file; they "
        f"differ in: {differ or 'nothing, the same name'}. If both lines mean this household, "
        "give its herder id on line 2 too; a file cannot confirm that it is another household: "
        "if it truly is, rename it in the admin, ticking “This is another household” (in the "
        "API: confirm_distinct: true)."
    )
    assert "(id " not in error.message and "（id" not in error.message
    assert stored() == (2, 0, 0)
    halimu.refresh_from_db()
    namesake.refresh_from_db()
    assert (halimu.name, namesake.village) == ("哈力木·别克", other)


@pytest.mark.parametrize("batch", [1, ENTRY_BATCH])
def test_a_household_new_on_an_earlier_line_is_named_by_its_line_once_its_batch_is_stored(
    batch, fuhai_technician, qibaerwoyi, sailike, winter_2024, english, monkeypatch
):
    """A new household like one line 2 adds, and a name two households answer to
    (one line 2 adds): the refusals named line 2's household by the id it held
    once its batch was stored (``ENTRY_BATCH`` 1: "… (id 9) … or give the herder id
    9"), or by none ("(id None)"). They name it by its line."""
    monkeypatch.setattr(importing, "ENTRY_BATCH", batch)
    content = (
        "牧户编号,村,牧户,牧户拉丁名,日期,产羔数\n"
        ",齐巴尔窝依村,努尔兰,Nurlan,2024-12-11,1\n"
        ",齐巴尔窝依村,努尔兰\u200b,,2024-12-11,1\n"
        ",齐巴尔窝依村,阿依古丽,Sailike Qukemu,2024-12-11,1\n"
        ",齐巴尔窝依村,Sailike Qukemu,,2024-12-12,1\n"
    ).encode()

    result = import_counts(content=content, user=fuhai_technician)

    assert [(error.line, error.message) for error in result.errors] == [
        (
            3,
            "looks like 努尔兰, a new household on line 2 of this file, but is written with "
            "other characters (U+200B ZERO WIDTH SPACE): write both alike",
        ),
        (
            5,
            "有歧义：齐巴尔窝依村 Qibaerwoyi Village 有多户同名：赛力克·屈克木 Sailike Qukemu "
            f"(id {sailike.pk}), 阿依古丽 Sailike Qukemu（第 4 行新建）。本文件新建的牧户还没有"
            "牧户编号，只能凭名字区分：如指第 4 行新建的那户，请照该行写作 阿依古丽；如指已有"
            "的牧户，请给出其牧户编号 · "
            "ambiguous: several households of 齐巴尔窝依村 Qibaerwoyi Village have this name: "
            f"赛力克·屈克木 Sailike Qukemu (id {sailike.pk}), 阿依古丽 Sailike Qukemu, new on "
            "line 4. A household new in this file has no herder id yet and is told apart by "
            "its name alone: to mean the one new on line 4, write 阿依古丽 as that line does; "
            "to mean a stored one, give its herder id",
        ),
    ]
    assert [(h.line, h.resembles) for h in result.new_herders][:2] == [
        (2, ""),
        (3, "努尔兰 Nurlan, new on line 2"),
    ]
    assert stored() == (1, 0, 0)


COUNTS_HEADER = ["村", "牧户", "牧户编号", "牧户拉丁名", "产羔季", "越冬母羊", "日期", "产羔数"]


def counts_file(tmp_path: Path, kind: str, rows: list[list]) -> Path:
    """A counts file of ``rows`` (the header first), as a technician saves one: CSV in
    UTF-8, or a workbook (an empty cell left empty)."""
    path = tmp_path / f"counts.{kind}"
    if kind == "csv":
        path.write_text("".join(",".join(map(str, row)) + "\n" for row in rows), encoding="utf-8")
    else:
        workbook = Workbook()
        for row in rows:
            workbook.active.append([None if cell == "" else cell for cell in row])
        workbook.save(path)
    return path


def counts_row(name: str, latin: str = "", *, herder_id="", date="2024-12-12", born=2) -> list:
    return ["齐巴尔窝依村", name, herder_id, latin, "2024–2025 冬羔", "", date, born]


@pytest.mark.parametrize("batch", [1, ENTRY_BATCH])
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_name_a_stored_household_and_one_new_in_the_file_answer_to_says_how_to_mean_each(
    kind, batch, tmp_path, fuhai_technician, qibaerwoyi, sailike, winter_2024, english, monkeypatch
):
    """Line 2 adds 萨力克, whose Latin name is the stored 赛力克·屈克木's; line 3
    names SAILIKE QUKEMU, which both answer to. The refusal said "give the herder
    id", of line 2's household too, which has none anyone could give: its id is
    made inside the import and rolled back with it. It says to write 萨力克 as line
    2 does to mean that one, and to give the stored one's herder id; each way, the
    file is then imported with line 3's counts on the household meant. Whether
    line 2's batch was stored already (``ENTRY_BATCH`` 1) or not."""
    monkeypatch.setattr(importing, "ENTRY_BATCH", batch)
    new_on_line_2 = counts_row("萨力克", "Sailike Qukemu", date="2024-12-11", born=1)

    path = counts_file(tmp_path, kind, [COUNTS_HEADER, new_on_line_2, counts_row("SAILIKE QUKEMU")])
    result = import_counts(content=path.read_bytes(), user=fuhai_technician)

    [error] = result.errors
    assert (error.line, error.column, error.value) == (3, "牧户", "SAILIKE QUKEMU")
    assert error.message == (
        "有歧义：齐巴尔窝依村 Qibaerwoyi Village 有多户同名：赛力克·屈克木 Sailike Qukemu "
        f"(id {sailike.pk}), 萨力克 Sailike Qukemu（第 2 行新建）。本文件新建的牧户还没有牧户"
        "编号，只能凭名字区分：如指第 2 行新建的那户，请照该行写作 萨力克；如指已有的牧户，"
        "请给出其牧户编号 · "
        "ambiguous: several households of 齐巴尔窝依村 Qibaerwoyi Village have this name: "
        f"赛力克·屈克木 Sailike Qukemu (id {sailike.pk}), 萨力克 Sailike Qukemu, new on line 2. "
        "A household new in this file has no herder id yet and is told apart by its name "
        "alone: to mean the one new on line 2, write 萨力克 as that line does; to mean a "
        "stored one, give its herder id"
    )
    assert not result.applied and stored() == (1, 0, 0)

    # The stored one by its herder id (a preview: line 2's household stays new) ...
    by_id = counts_row("", herder_id=sailike.pk)
    path = counts_file(tmp_path, kind, [COUNTS_HEADER, new_on_line_2, by_id])
    preview = import_counts(content=path.read_bytes(), user=fuhai_technician, dry_run=True)
    assert preview.errors == []
    assert [row[:5] for row in preview.kinds] == [
        ("herder", "herder households", 1, 0, 1),
        ("record", "lambing records", 2, 0, 0),
        ("entry", "lambing entries", 2, 0, 0),
    ]
    assert stored() == (1, 0, 0)
    # ... and line 2's household by the name line 2 gives it.
    path = counts_file(tmp_path, kind, [COUNTS_HEADER, new_on_line_2, counts_row("萨力克")])
    result = import_counts(content=path.read_bytes(), user=fuhai_technician)
    assert result.errors == [] and result.applied
    new = Herder.objects.get(name="萨力克")
    born = LambingEntry.objects.filter(record__herder=new).values_list("lambs_born", flat=True)
    assert sorted(born) == [1, 2]
    assert stored() == (2, 1, 2)


@pytest.mark.parametrize(
    ("line_2", "advice"),
    [
        (
            ["别克", "Bek"],
            "to mean the one new on line 2, write 别克 as that line does",
        ),
        (  # line 2's name is line 3's Latin name: no name of line 2's is its own
            ["Bek", "Bek"],
            "the name of the one new on line 2, Bek, is another household's too: write "
            "their names so that they differ",
        ),
    ],
)
def test_a_name_two_households_new_in_the_file_answer_to_names_their_lines_and_no_herder_id(
    line_2, advice, tmp_path, fuhai_technician, qibaerwoyi, winter_2024, english
):
    """Lines 2 and 3 add two households whose Latin name is Bek; line 4 names
    BEK. Neither has a herder id to give: the refusal names their lines and says
    to write each one's own name, or, where one has none of its own, to write
    the names so that they differ. Nothing is stored."""
    rows = [
        COUNTS_HEADER,
        counts_row(*line_2, date="2024-12-11"),
        counts_row("拜克", "Bek", date="2024-12-11"),
        counts_row("BEK"),
    ]
    path = counts_file(tmp_path, "csv", rows)

    result = import_counts(content=path.read_bytes(), user=fuhai_technician)

    [error] = result.errors
    assert (error.line, error.column, error.value) == (4, "牧户", "BEK")
    _chinese, english_message = error.message.split(" · ")
    assert english_message == (
        "ambiguous: several households of 齐巴尔窝依村 Qibaerwoyi Village have this name: "
        f"{' '.join(line_2)}, new on line 2, 拜克 Bek, new on line 3. A household new in this "
        f"file has no herder id yet and is told apart by its name alone: {advice}; to mean "
        "the one new on line 3, write 拜克 as that line does"
    )
    assert "give" not in english_message and "请给出" not in error.message
    assert stored() == (0, 0, 0)

    # On a Kazakh page, in Kazakh with the Chinese beside it.
    with translation.override("kk-arab"):
        [error] = import_counts(content=path.read_bytes(), user=fuhai_technician).errors
    kazakh, chinese = error.message.split(" · ")
    assert kazakh.startswith("انىق ەمەس") and "⁨3⁩-جولدا" in kazakh
    assert chinese.startswith("有歧义") and "如指第 3 行新建的那户，请照该行写作 拜克" in chinese

    # As it says: line 3's household by its own name.
    rows[3] = counts_row("拜克")
    result = import_counts(
        content=counts_file(tmp_path, "csv", rows).read_bytes(), user=fuhai_technician
    )
    assert result.errors == [] and result.applied
    born = LambingEntry.objects.filter(record__herder__name="拜克").values_list(
        "lambs_born", flat=True
    )
    assert sorted(born) == [2, 2]


def test_a_row_moving_a_household_to_a_village_with_one_of_its_name_is_refused(
    fuhai_technician, kokeaheshi, qibaerwoyi, sailike, winter_2024, english
):
    other = Village.objects.create(township=kokeaheshi, name="1号村", name_latin="Cun 1")
    namesake = Herder.objects.create(village=other, name="赛力克·屈克木", name_latin="Sailike 2")
    content = f"{RENAME_HEADER}{namesake.pk},齐巴尔窝依村,,,2024–2025 冬羔,10\n".encode()

    [error] = import_counts(content=content, user=fuhai_technician).errors

    assert (error.line, error.column, error.value) == (2, "牧户", "")
    assert f"(id {sailike.pk}) of this village; they differ in: nothing, the same name." in (
        error.message
    )
    namesake.refresh_from_db()
    assert namesake.village == other
    assert stored() == (2, 0, 0)


def test_a_row_renaming_a_household_in_traditional_characters_renames_it(
    fuhai_technician, qibaerwoyi, sailike, winter_2024, english
):
    """賽力克·屈克木 looks like 赛力克·屈克木 alone, the household renamed: no
    household is its own look-alike."""
    content = f"{RENAME_HEADER}{sailike.pk},,賽力克·屈克木,,2024–2025 冬羔,10\n".encode()

    result = import_counts(content=content, user=fuhai_technician)

    assert result.errors == [] and result.applied
    assert result.count("herder", "changed") == 1
    sailike.refresh_from_db()
    assert sailike.name == "賽力克·屈克木"


def test_a_later_row_finds_a_household_by_the_name_an_earlier_row_gave_it(
    fuhai_technician, qibaerwoyi, winter_2024, english
):
    """The village's households were read for line 2, before line 3 renamed
    哈力木 阿依古丽: line 4 naming 阿依古丽 was taken for a new household beside
    him (refused for want of a Latin name, or added with one), and line 5's
    look-alike was not refused."""
    halimu = Herder.objects.create(village=qibaerwoyi, name="哈力木·别克", name_latin="Halimu")
    content = (
        f"{RENAME_HEADER}"
        ",齐巴尔窝依村,努尔兰,Nurlan,2024–2025 冬羔,10\n"
        f"{halimu.pk},,阿依古丽,Aigul,2024–2025 冬羔,11\n"
        ",齐巴尔窝依村,阿依古丽,,2024–2025 冬羔,11\n"
    )
    lookalike = f"{content},齐巴尔窝依村,阿依古丽\u200b,A2,2024–2025 冬羔,13\n"

    [error] = import_counts(content=lookalike.encode(), user=fuhai_technician).errors

    assert (error.line, error.column) == (5, "牧户")
    assert error.message.startswith(
        f"looks like the household 阿依古丽 Aigul (id {halimu.pk}) of 齐巴尔窝依村 but is written "
        "with other characters (U+200B ZERO WIDTH SPACE)"
    )
    assert stored() == (1, 0, 0)

    result = import_counts(content=content.encode(), user=fuhai_technician)

    assert result.errors == [] and result.applied
    assert (result.count("herder", "created"), result.count("herder", "changed")) == (1, 1)
    assert stored() == (2, 2, 0)  # 哈力木, now 阿依古丽, and 努尔兰
    assert halimu.lambing_records.get().ewes_at_start == 11


@pytest.mark.parametrize(
    ("herder_id", "said"),
    [("-5", "-5"), ("0", "0"), ("5.0", "5.0"), ("9" * 30, "9" * 30), ("abc", "abc")],
)
def test_a_herder_id_no_household_can_have_is_refused_as_an_id(
    herder_id, said, tmp_path, fuhai_technician, qibaerwoyi, sailike, winter_2024, english
):
    """An id of −5 was refused with the counts' message ("not a whole number …
    counts are whole numbers"): the column is an id."""
    path = counts_file(tmp_path, "csv", [COUNTS_HEADER, counts_row("", herder_id=herder_id)])
    before = stored()

    result = import_counts(content=path.read_bytes(), user=fuhai_technician)

    [error] = result.errors
    assert (error.line, error.column) == (2, "牧户编号")
    assert error.message == (
        f"{said} is not a herder household's id: a whole number from 1, as the template or "
        "an export gives it"
    )
    assert not result.applied and stored() == before


def test_a_formula_saved_without_its_value_is_refused_not_read_as_empty(
    tmp_path, fuhai_technician, qibaerwoyi, sailike, winter_2024, english
):
    """A workbook written by a program, not a spreadsheet, keeps a formula without
    the value it computes. Its lambs born, =1+3, was read as an empty cell and the
    entry stored without them. A formula whose value was saved (every spreadsheet
    saves it) is read as that value, and one that computed "" as an empty cell."""
    path = counts_file(
        tmp_path, "xlsx", [[*COUNTS_HEADER, "备注"], [*counts_row("赛力克·屈克木"), "x"]]
    )
    workbook = load_workbook(path)
    workbook.active["H2"] = "=1+3"
    workbook.save(path)

    result = import_counts(content=path.read_bytes(), user=fuhai_technician)

    [error] = result.errors
    assert (error.line, error.column, error.value) == (2, "产羔数", "=1+3")
    assert stored() == (1, 0, 0)

    # As a spreadsheet saves them: =1+3 with its 4, and a note that computed "".
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    saved = members[sheet].replace(b"<f>1+3</f><v /></c>", b"<f>1+3</f><v>4</v></c>")
    saved = re.sub(
        rb'<c r="I2"[^>]*>.*?</c>', b'<c r="I2" t="str"><f>IF(1,"","x")</f><v></v></c>', saved
    )
    assert b"<v>4</v>" in saved and b'IF(1,"","x")' in saved
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in {**members, sheet: saved}.items():
            archive.writestr(name, data)

    result = import_counts(content=path.read_bytes(), user=fuhai_technician)

    assert not result.errors
    entry = LambingEntry.objects.get()
    assert (entry.lambs_born, entry.note) == (4, "")
