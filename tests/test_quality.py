"""Data-quality flags: each flag trips on the records that break its soft limit
and on no other; a flagged value is stored, not refused; zero is a real value."""

import datetime

import pytest

from livestock import quality, services
from livestock.choices import CheckStage, LossCause
from livestock.models import LambingRecord, Township, Village

DEC_1 = datetime.date(2024, 12, 1)
DEC_10 = datetime.date(2024, 12, 10)
DEC_12 = datetime.date(2024, 12, 12)
DEC_20 = datetime.date(2024, 12, 20)
FEB_20 = datetime.date(2025, 2, 20)
FEB_28 = datetime.date(2025, 2, 28)


def flags(record, as_of) -> list[str]:
    return [flag.key for flag in quality.record_flags(record, as_of=as_of)]


def add(record, date, **counts):
    entry, _created = services.entry_create(record=record, date=date, **counts)
    return entry


class TestEachFlag:
    def test_a_record_counted_recently_and_plausibly_has_no_flag(self, bieke_record):
        add(bieke_record, DEC_10, ewes_lambed=10, lambs_born=12)
        assert flags(bieke_record, DEC_12) == []

    def test_no_count_for_more_than_the_set_days_is_flagged(self, bieke_record):
        add(bieke_record, DEC_10, ewes_lambed=10, lambs_born=12)
        days = quality.STALE_AFTER_DAYS
        assert flags(bieke_record, DEC_10 + datetime.timedelta(days=days)) == []
        assert flags(bieke_record, DEC_10 + datetime.timedelta(days=days + 1)) == ["stale"]

    def test_a_record_never_counted_is_stale_once_the_season_is_that_old(self, bieke_record):
        assert flags(bieke_record, DEC_1 + datetime.timedelta(days=3)) == []
        assert "stale" in flags(bieke_record, DEC_20)

    def test_losses_above_the_share_of_births_are_flagged_and_stored(self, bieke_record):
        add(bieke_record, DEC_10, ewes_lambed=8, lambs_born=10)
        add(bieke_record, DEC_12, lambs_lost=2, loss_cause=LossCause.COLD)  # 20 %: at the limit
        assert "high_losses" not in flags(bieke_record, DEC_12)
        add(bieke_record, DEC_12, lambs_lost=1, loss_cause=LossCause.COLD)  # 30 %
        assert "high_losses" in flags(bieke_record, DEC_12)
        assert bieke_record.entries.count() == 3  # saved and flagged, not refused

    def test_zero_losses_is_a_real_value_and_not_flagged(self, bieke_record):
        add(bieke_record, DEC_10, ewes_lambed=8, lambs_born=10, lambs_lost=0)
        assert "high_losses" not in flags(bieke_record, DEC_12)

    @pytest.mark.parametrize(
        "ewes_lambed, lambs_born, flagged",
        [(10, 8, False), (10, 7, True), (10, 30, False), (10, 31, True), (10, 0, True)],
    )
    def test_a_lambing_rate_outside_the_plausible_range_is_flagged(
        self, bieke_record, ewes_lambed, lambs_born, flagged
    ):
        add(bieke_record, DEC_10, ewes_lambed=ewes_lambed, lambs_born=lambs_born)
        assert ("lambing_rate" in flags(bieke_record, DEC_12)) is flagged

    def test_no_lambing_rate_flag_without_ewes_lambed(self, bieke_record):
        add(bieke_record, DEC_10, lambs_born=5)
        assert "lambing_rate" not in flags(bieke_record, DEC_12)

    def test_a_survival_check_missing_at_the_seasons_end_is_flagged(
        self, bieke_record, sailike_record
    ):
        for record in (bieke_record, sailike_record):
            add(record, FEB_20 - datetime.timedelta(days=1), ewes_lambed=8, lambs_born=10)
        add(sailike_record, FEB_20, lambs_alive=0, check_stage=CheckStage.DAY_30)  # zero is real
        assert "no_final_check" not in flags(bieke_record, FEB_20)  # not over yet
        assert "no_final_check" in flags(bieke_record, FEB_28)
        assert "no_final_check" not in flags(sailike_record, FEB_28)

    def test_a_survival_check_that_goes_backwards_is_flagged(self, bieke_record):
        add(bieke_record, DEC_10, ewes_lambed=8, lambs_born=10)
        add(bieke_record, DEC_10, lambs_alive=10, check_stage=CheckStage.BIRTH)
        add(bieke_record, DEC_12, lambs_lost=2, loss_cause=LossCause.COLD)
        add(bieke_record, DEC_12, lambs_alive=8, check_stage=CheckStage.DAY_7)  # 10 - 2: sound
        assert "backwards" not in flags(bieke_record, DEC_12)
        add(bieke_record, DEC_20, lambs_alive=6, check_stage=CheckStage.DAY_30)  # 2 gone unrecorded
        assert "backwards" in flags(bieke_record, DEC_20)
        assert "backwards" not in flags(bieke_record, DEC_12)  # as of then, it was sound


class TestCountsPerPlace:
    def test_flagged_households_are_counted_per_township_and_per_flag(
        self, bieke_record, sailike_record, winter_2024, altay
    ):
        add(bieke_record, DEC_10, ewes_lambed=10, lambs_born=50)  # lambing rate 500 %
        add(sailike_record, DEC_10, ewes_lambed=10, lambs_born=12)
        woyimoke = Township.objects.get(name="窝依莫克镇")
        counts = quality.flag_counts(season=winter_2024, as_of=DEC_12, level=Township, place=altay)
        assert counts.by_place == {woyimoke.pk: 1}
        assert counts.by_flag == {
            "stale": 0,
            "high_losses": 0,
            "lambing_rate": 1,
            "no_final_check": 0,
            "backwards": 0,
        }

    def test_only_households_in_the_users_places_are_counted(
        self, bieke_record, sailike_record, winter_2024, fuhai_technician
    ):
        add(bieke_record, DEC_10, ewes_lambed=10, lambs_born=50)
        add(sailike_record, DEC_10, ewes_lambed=10, lambs_born=12)
        counts = quality.flag_counts(season=winter_2024, as_of=DEC_12, user=fuhai_technician)
        assert counts.by_flag["lambing_rate"] == 0

    def test_the_counts_take_one_query_however_many_households(
        self, bieke_record, winter_2024, altay, django_assert_num_queries
    ):
        village = Village.objects.get(name="通克村")
        for number in range(5):
            herder = services.herder_create(village=village, name=f"牧民{number}", name_latin="x")
            record = services.record_create(herder=herder, season=winter_2024, ewes_at_start=20)
            add(record, DEC_10, ewes_lambed=10, lambs_born=1)
        with django_assert_num_queries(1):
            counts = quality.flag_counts(
                season=winter_2024, as_of=DEC_12, level=Township, place=altay
            )
        assert sum(counts.by_place.values()) == 5
        assert counts.by_flag["lambing_rate"] == 5
        assert LambingRecord.objects.count() == 6


class TestInTheAdmin:
    def test_a_technician_lists_the_flagged_records_of_their_places_only(
        self, bieke_record, sailike_record, woyimoke_technician
    ):
        from tests.test_admin import logged_in

        add(bieke_record, DEC_10, ewes_lambed=10, lambs_born=50)  # lambing rate 500 %
        add(sailike_record, DEC_10, ewes_lambed=10, lambs_born=50)  # the same, in 福海县
        client = logged_in(woyimoke_technician)
        url = "/admin/livestock/lambingrecord/"
        flagged = client.get(url, {"flag": "lambing_rate"}).content.decode()
        assert "别克·木合亚提" in flagged and "赛力克·屈克木" not in flagged
        assert "产羔率不在80%–300%之间" in flagged  # the filter's choice, in Chinese
        other_flag = client.get(url, {"flag": "high_losses"}).content.decode()
        assert "别克·木合亚提" not in other_flag

    def test_the_records_page_shows_a_badge_per_flag(self, bieke_record, woyimoke_technician):
        from tests.test_admin import RECORD_URL, logged_in

        add(bieke_record, DEC_10, ewes_lambed=10, lambs_born=50)
        add(bieke_record, DEC_12, lambs_lost=20, loss_cause=LossCause.COLD)
        page = logged_in(woyimoke_technician, "en").get(RECORD_URL.format(bieke_record.pk))
        text = page.content.decode()
        assert "⚠ lambing rate outside 80%–300%" in text
        assert "⚠ lamb losses above 20% of lambs born" in text
