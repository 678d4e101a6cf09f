"""The rules of DOMAIN.md "Counts make sense" that the models hold: each one is
broken the way a technician or an integration might, and the test checks the
message shown at the field and that nothing of the submission was stored."""

import datetime

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from livestock.choices import CheckStage, LossCause, SeasonKind
from livestock.counting import rules
from livestock.models import LambingEntry, LambingRecord, Season
from livestock.models.lambing import _PLAINLY_VALID
from livestock.services.entries import entry_create, entry_delete, entry_update
from livestock.services.records import record_create, record_update

DEC_5 = datetime.date(2024, 12, 5)
DEC_10 = datetime.date(2024, 12, 10)
DEC_12 = datetime.date(2024, 12, 12)
DEC_15 = datetime.date(2024, 12, 15)
DEC_20 = datetime.date(2024, 12, 20)
DEC_25 = datetime.date(2024, 12, 25)

ENTRY_FIELDS = ("uuid", "record_id", *LambingEntry.CONTENT_FIELDS)

# Messages are compared in English; the site's default language is Chinese.
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def this_season(db) -> Season:
    """A season running around today, so that tomorrow falls within it."""
    today = timezone.localdate()
    return Season.objects.create(
        kind=SeasonKind.SPRING,
        start_date=today - datetime.timedelta(days=60),
        end_date=today + datetime.timedelta(days=60),
    )


def stored_entries(record: LambingRecord) -> list[dict]:
    """The record's entries as the database holds them now."""
    return list(LambingEntry.objects.filter(record=record).order_by("pk").values(*ENTRY_FIELDS))


def add(record: LambingRecord, date: datetime.date, **counts) -> LambingEntry:
    entry, _ = entry_create(record=record, date=date, **counts)
    return entry


def codes_at(error: ValidationError, field: str) -> list[str]:
    return [item.code for item in error.error_dict[field]]


def message_at(error: ValidationError, field: str) -> str:
    return " ".join(error.message_dict[field])


# No negative counts


@pytest.mark.parametrize(
    ("field", "counts"),
    [
        ("ewes_lambed", {"ewes_lambed": -1}),
        ("lambs_born", {"lambs_born": -1}),
        ("lambs_lost", {"lambs_lost": -1, "loss_cause": LossCause.COLD}),
        ("lambs_alive", {"lambs_alive": -1, "check_stage": CheckStage.DAY_7}),
    ],
)
def test_it_refuses_a_negative_count_at_its_field(bieke_record, field, counts):
    add(bieke_record, DEC_10, ewes_lambed=10, lambs_born=12)
    before = stored_entries(bieke_record)

    with pytest.raises(ValidationError) as refused:
        add(bieke_record, DEC_12, **counts)

    assert "min_value" in codes_at(refused.value, field)
    message = message_at(refused.value, field)
    assert "-1 is negative" in message
    assert "rule: no negative counts" in message
    assert stored_entries(bieke_record) == before


@pytest.mark.parametrize(
    ("field", "counts"),
    [
        ("lambs_born", {"lambs_born": -1}),
        ("ewes_lambed", {"ewes_lambed": -1}),
        ("lambs_lost", {"lambs_lost": -1, "loss_cause": LossCause.COLD}),
        ("lambs_alive", {"lambs_alive": -1, "check_stage": CheckStage.DAY_7}),
    ],
)
def test_a_negative_count_gets_only_the_no_negative_counts_message(bieke_record, field, counts):
    with pytest.raises(ValidationError) as refused:
        add(bieke_record, DEC_12, **counts)

    assert codes_at(refused.value, field) == ["min_value"]


def test_it_refuses_negative_ewes_at_the_start(bieke_record):
    with pytest.raises(ValidationError) as refused:
        record_update(reason="recounted", record=bieke_record, ewes_at_start=-1)

    assert "min_value" in codes_at(refused.value, "ewes_at_start")
    assert LambingRecord.objects.get(pk=bieke_record.pk).ewes_at_start == 150


@pytest.mark.parametrize(
    "counts",
    [
        {"ewes_lambed": -1},
        {"lambs_born": -1},
        {"lambs_alive": -1, "check_stage": CheckStage.DAY_7},
    ],
    ids=["ewes_lambed", "lambs_born", "lambs_alive"],
)
def test_the_database_refuses_a_negative_count_even_without_the_rules(bieke_record, counts):
    with pytest.raises(IntegrityError), transaction.atomic():
        LambingEntry.objects.create(record=bieke_record, date=DEC_10, **counts)

    assert stored_entries(bieke_record) == []


def test_the_database_refuses_negative_ewes_at_the_start_even_without_the_rules(
    sailike, winter_2024
):
    with pytest.raises(IntegrityError), transaction.atomic():
        LambingRecord.objects.create(herder=sailike, season=winter_2024, ewes_at_start=-1)

    assert not LambingRecord.objects.filter(herder=sailike).exists()


# No count above what a household can hold


@pytest.mark.parametrize(
    ("field", "counts"),
    [
        ("ewes_lambed", {"ewes_lambed": rules.MAX_HOUSEHOLD_COUNT + 1}),
        ("lambs_born", {"lambs_born": rules.MAX_HOUSEHOLD_COUNT + 1}),
        ("lambs_lost", {"lambs_lost": rules.MAX_HOUSEHOLD_COUNT + 1, "loss_cause": "cold"}),
        ("lambs_alive", {"lambs_alive": rules.MAX_HOUSEHOLD_COUNT + 1, "check_stage": "day7"}),
        ("lambs_born", {"lambs_born": 10**12}),
    ],
    ids=["ewes_lambed", "lambs_born", "lambs_lost", "lambs_alive", "lambs_born_1e12"],
)
def test_it_refuses_a_count_above_the_household_limit(bieke_record, field, counts):
    with pytest.raises(ValidationError) as refused:
        add(bieke_record, DEC_10, **counts)

    assert "max_value" in codes_at(refused.value, field)
    message = message_at(refused.value, field)
    assert f"{counts[field]} is more than one household could count" in message
    assert f"rule: at most {rules.MAX_HOUSEHOLD_COUNT}" in message
    assert stored_entries(bieke_record) == []


def test_it_accepts_counts_at_the_household_limit(bieke_record):
    limit = rules.MAX_HOUSEHOLD_COUNT
    record_update(reason="recounted", record=bieke_record, ewes_at_start=limit)

    add(bieke_record, DEC_10, ewes_lambed=limit, lambs_born=limit)

    assert LambingEntry.objects.get(record=bieke_record).lambs_born == limit


def test_it_refuses_ewes_at_the_start_above_the_household_limit(sailike, winter_2024):
    with pytest.raises(ValidationError) as refused:
        record_create(
            herder=sailike, season=winter_2024, ewes_at_start=rules.MAX_HOUSEHOLD_COUNT + 1
        )

    assert "max_value" in codes_at(refused.value, "ewes_at_start")
    assert not LambingRecord.objects.filter(herder=sailike).exists()


# Ewes lambed ≤ ewes


def test_it_refuses_more_ewes_lambed_than_ewes_at_the_start(bieke_record):
    add(bieke_record, DEC_10, ewes_lambed=100, lambs_born=120)
    before = stored_entries(bieke_record)

    with pytest.raises(ValidationError) as refused:
        add(bieke_record, DEC_20, ewes_lambed=51, lambs_born=51)

    assert codes_at(refused.value, "ewes_lambed") == [rules.EWES_LAMBED_EXCEED_EWES]
    message = message_at(refused.value, "ewes_lambed")
    assert "2024-12-20" in message
    assert "total 151" in message
    assert "150 ewes" in message
    assert "rule: ewes lambed ≤ ewes" in message
    assert stored_entries(bieke_record) == before


def test_it_accepts_ewes_lambed_up_to_the_ewes_at_the_start(bieke_record):
    add(bieke_record, DEC_10, ewes_lambed=100, lambs_born=120)

    add(bieke_record, DEC_20, ewes_lambed=50, lambs_born=55)

    assert len(stored_entries(bieke_record)) == 2


def test_it_refuses_lowering_ewes_at_the_start_below_the_ewes_already_lambed(bieke_record):
    add(bieke_record, DEC_10, ewes_lambed=100, lambs_born=120)

    with pytest.raises(ValidationError) as refused:
        record_update(reason="recounted", record=bieke_record, ewes_at_start=99)

    assert codes_at(refused.value, "ewes_at_start") == [rules.EWES_LAMBED_EXCEED_EWES]
    message = message_at(refused.value, "ewes_at_start")
    assert "total 100" in message
    assert "99 ewes" in message
    assert "rule: ewes lambed ≤ ewes" in message
    assert LambingRecord.objects.get(pk=bieke_record.pk).ewes_at_start == 150


def test_it_allows_lowering_ewes_at_the_start_to_the_ewes_already_lambed(bieke_record):
    add(bieke_record, DEC_10, ewes_lambed=100, lambs_born=120)

    record_update(reason="recounted", record=bieke_record, ewes_at_start=100)

    assert LambingRecord.objects.get(pk=bieke_record.pk).ewes_at_start == 100


def test_it_refuses_counting_fewer_ewes_than_lambed_before_the_ewes_were_counted(
    sailike, winter_2024
):
    record = record_create(herder=sailike, season=winter_2024)
    add(record, DEC_10, ewes_lambed=80, lambs_born=90)

    with pytest.raises(ValidationError) as refused:
        record_update(reason="recounted", record=record, ewes_at_start=79)

    assert codes_at(refused.value, "ewes_at_start") == [rules.EWES_LAMBED_EXCEED_EWES]
    assert LambingRecord.objects.get(pk=record.pk).ewes_at_start is None


# Losses ≤ lambs born


def test_it_refuses_losses_above_lambs_born(bieke_record):
    add(bieke_record, DEC_10, ewes_lambed=8, lambs_born=10)
    before = stored_entries(bieke_record)

    with pytest.raises(ValidationError) as refused:
        add(bieke_record, DEC_12, lambs_lost=11, loss_cause=LossCause.COLD)

    assert codes_at(refused.value, "lambs_lost") == [rules.LOSSES_EXCEED_BORN]
    message = message_at(refused.value, "lambs_lost")
    assert "2024-12-12" in message
    assert "total 11" in message
    assert "10 lambs born" in message
    assert "rule: losses ≤ lambs born" in message
    assert stored_entries(bieke_record) == before


def test_it_refuses_a_loss_dated_before_the_births_it_would_be_counted_against(bieke_record):
    add(bieke_record, DEC_10, ewes_lambed=8, lambs_born=10)
    before = stored_entries(bieke_record)

    with pytest.raises(ValidationError) as refused:
        add(bieke_record, DEC_5, lambs_lost=1, loss_cause=LossCause.COLD)

    assert codes_at(refused.value, "lambs_lost") == [rules.LOSSES_EXCEED_BORN]
    assert "2024-12-05" in message_at(refused.value, "lambs_lost")
    assert stored_entries(bieke_record) == before


def test_it_refuses_editing_a_back_dated_birth_entry_below_the_losses_counted_since(
    bieke_record,
):
    births = add(bieke_record, DEC_10, ewes_lambed=8, lambs_born=10)
    add(bieke_record, DEC_20, lambs_lost=8, loss_cause=LossCause.DISEASE)
    before = stored_entries(bieke_record)

    with pytest.raises(ValidationError) as refused:
        entry_update(reason="recounted", entry=births, lambs_born=5)

    assert codes_at(refused.value, "lambs_born") == [rules.LOSSES_EXCEED_BORN]
    message = message_at(refused.value, "lambs_born")
    assert "2024-12-20" in message
    assert "total 8" in message
    assert "5 lambs born" in message
    assert stored_entries(bieke_record) == before


def test_it_refuses_moving_births_after_the_losses_counted_against_them(bieke_record):
    births = add(bieke_record, DEC_10, ewes_lambed=8, lambs_born=10)
    add(bieke_record, DEC_20, lambs_lost=8, loss_cause=LossCause.DISEASE)
    before = stored_entries(bieke_record)

    with pytest.raises(ValidationError) as refused:
        entry_update(reason="recounted", entry=births, date=DEC_25)

    assert codes_at(refused.value, "lambs_born") == [rules.LOSSES_EXCEED_BORN]
    assert stored_entries(bieke_record) == before


def test_it_refuses_deleting_the_births_that_later_losses_were_counted_against(bieke_record):
    births = add(bieke_record, DEC_10, ewes_lambed=8, lambs_born=10)
    add(bieke_record, DEC_20, lambs_lost=8, loss_cause=LossCause.DISEASE)
    before = stored_entries(bieke_record)

    with pytest.raises(ValidationError) as refused:
        entry_delete(entry=births, reason="entered twice")

    assert refused.value.code == "delete_breaks_totals"
    message = " ".join(refused.value.messages)
    assert "cannot be deleted" in message
    assert "2024-12-20" in message
    assert "rule: losses ≤ lambs born" in message
    assert stored_entries(bieke_record) == before


# Lambs alive ≤ lambs born − losses


def test_it_refuses_more_lambs_alive_than_born_less_losses(bieke_record):
    add(bieke_record, DEC_10, ewes_lambed=8, lambs_born=10)
    add(bieke_record, DEC_12, lambs_lost=2, loss_cause=LossCause.COLD)
    before = stored_entries(bieke_record)

    with pytest.raises(ValidationError) as refused:
        add(bieke_record, DEC_15, lambs_alive=9, check_stage=CheckStage.DAY_7)

    assert codes_at(refused.value, "lambs_alive") == [rules.ALIVE_EXCEED_SURVIVORS]
    message = message_at(refused.value, "lambs_alive")
    assert "2024-12-15" in message
    assert "9 lambs alive" in message
    assert "10 lambs born" in message
    assert "2 losses" in message
    assert "rule: lambs alive ≤ lambs born − losses" in message
    assert stored_entries(bieke_record) == before


def test_it_accepts_a_survival_check_counting_every_surviving_lamb(bieke_record):
    add(bieke_record, DEC_10, ewes_lambed=8, lambs_born=10)
    add(bieke_record, DEC_12, lambs_lost=2, loss_cause=LossCause.COLD)

    check = add(bieke_record, DEC_15, lambs_alive=8, check_stage=CheckStage.DAY_7)

    assert LambingEntry.objects.get(pk=check.pk).lambs_alive == 8


def test_it_refuses_a_back_dated_loss_that_a_later_survival_check_contradicts(bieke_record):
    add(bieke_record, DEC_10, ewes_lambed=8, lambs_born=10)
    add(bieke_record, DEC_20, lambs_alive=10, check_stage=CheckStage.DAY_7)
    before = stored_entries(bieke_record)

    with pytest.raises(ValidationError) as refused:
        add(bieke_record, DEC_15, lambs_lost=2, loss_cause=LossCause.COLD)

    assert codes_at(refused.value, "lambs_lost") == [rules.ALIVE_EXCEED_SURVIVORS]
    assert "2024-12-20" in message_at(refused.value, "lambs_lost")
    assert stored_entries(bieke_record) == before


# Each loss has a cause; each survival check has a stage


@pytest.mark.parametrize(
    ("counts", "field", "code", "words"),
    [
        ({"lambs_lost": 3}, "loss_cause", "loss_without_cause", "3 lambs lost need a cause"),
        (
            {"loss_cause": LossCause.COLD},
            "lambs_lost",
            "cause_without_loss",
            "rule: a cause needs losses",
        ),
        (
            {"lambs_alive": 9},
            "check_stage",
            "alive_without_stage",
            "9 lambs alive need the stage",
        ),
        (
            {"check_stage": CheckStage.WEANING},
            "lambs_alive",
            "stage_without_alive",
            "needs the number of lambs alive",
        ),
    ],
    ids=["loss_without_cause", "cause_without_loss", "alive_without_stage", "stage_without_alive"],
)
def test_it_refuses_half_a_loss_or_half_a_survival_check(bieke_record, counts, field, code, words):
    add(bieke_record, DEC_10, ewes_lambed=8, lambs_born=10)
    before = stored_entries(bieke_record)

    with pytest.raises(ValidationError) as refused:
        add(bieke_record, DEC_12, **counts)

    assert codes_at(refused.value, field) == [code]
    assert words in message_at(refused.value, field)
    assert stored_entries(bieke_record) == before


@pytest.mark.parametrize(
    "counts",
    [
        {"lambs_born": 5, "lambs_lost": 3},
        {"lambs_born": 5, "loss_cause": LossCause.COLD},
        {"lambs_born": 5, "lambs_alive": 5},
        {"lambs_born": 5, "check_stage": CheckStage.WEANING},
    ],
    ids=["loss_without_cause", "cause_without_loss", "alive_without_stage", "stage_without_alive"],
)
def test_the_database_refuses_half_a_loss_or_half_a_survival_check_even_without_the_rules(
    bieke_record, counts
):
    with pytest.raises(IntegrityError), transaction.atomic():
        LambingEntry.objects.create(record=bieke_record, date=DEC_10, **counts)

    assert stored_entries(bieke_record) == []


# Dates: not in the future, within the season


def test_it_refuses_an_entry_dated_tomorrow(bieke, this_season):
    record = record_create(herder=bieke, season=this_season, ewes_at_start=150)
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)

    with pytest.raises(ValidationError) as refused:
        add(record, tomorrow, ewes_lambed=1, lambs_born=1)

    assert codes_at(refused.value, "date") == ["future_date"]
    message = message_at(refused.value, "date")
    assert tomorrow.isoformat() in message
    assert today.isoformat() in message
    assert "rule: no future dates" in message
    assert stored_entries(record) == []


def test_it_accepts_an_entry_dated_today(bieke, this_season):
    record = record_create(herder=bieke, season=this_season, ewes_at_start=150)

    add(record, timezone.localdate(), ewes_lambed=1, lambs_born=1)

    assert [entry["date"] for entry in stored_entries(record)] == [timezone.localdate()]


@pytest.mark.parametrize(
    "date", [datetime.date(2024, 11, 30), datetime.date(2025, 3, 1)], ids=["before", "after"]
)
def test_it_refuses_an_entry_dated_outside_its_season(bieke_record, date):
    with pytest.raises(ValidationError) as refused:
        add(bieke_record, date, ewes_lambed=1, lambs_born=1)

    assert codes_at(refused.value, "date") == ["outside_season"]
    message = message_at(refused.value, "date")
    assert date.isoformat() in message
    assert bieke_record.season.name in message
    assert "2024-12-01" in message
    assert "2025-02-28" in message
    assert "rule: entries fall within their season" in message
    assert stored_entries(bieke_record) == []


@pytest.mark.parametrize(
    "date", [datetime.date(2024, 12, 1), datetime.date(2025, 2, 28)], ids=["first", "last"]
)
def test_it_accepts_an_entry_on_the_first_and_last_day_of_its_season(bieke_record, date):
    add(bieke_record, date, ewes_lambed=1, lambs_born=1)

    assert [entry["date"] for entry in stored_entries(bieke_record)] == [date]


def test_it_refuses_moving_an_entry_out_of_its_season(bieke_record):
    births = add(bieke_record, DEC_10, ewes_lambed=8, lambs_born=10)
    before = stored_entries(bieke_record)

    with pytest.raises(ValidationError) as refused:
        entry_update(reason="recounted", entry=births, date=datetime.date(2025, 3, 1))

    assert codes_at(refused.value, "date") == ["outside_season"]
    assert stored_entries(bieke_record) == before


# One record per household and season


def test_it_refuses_a_second_record_for_a_household_in_one_season(bieke_record):
    with pytest.raises(ValidationError) as refused:
        record_create(herder=bieke_record.herder, season=bieke_record.season)

    assert refused.value.message_dict[NON_FIELD_ERRORS] == [
        "This household already has a record for this season."
    ]
    stored = LambingRecord.objects.get(herder=bieke_record.herder)
    assert (stored.pk, stored.ewes_at_start) == (bieke_record.pk, 150)


def test_the_database_refuses_a_second_record_even_without_the_rules(bieke_record):
    with pytest.raises(IntegrityError), transaction.atomic():
        LambingRecord.objects.create(herder=bieke_record.herder, season=bieke_record.season)

    assert LambingRecord.objects.filter(herder=bieke_record.herder).count() == 1


def test_a_household_has_a_record_in_each_season(bieke_record, this_season):
    record_create(herder=bieke_record.herder, season=this_season)

    seasons = LambingRecord.objects.filter(herder=bieke_record.herder).values_list(
        "season", flat=True
    )
    assert sorted(seasons) == sorted([bieke_record.season.pk, this_season.pk])


# An entry stays with its record


def test_it_refuses_moving_an_entry_to_another_record(bieke_record, sailike_record):
    births = add(bieke_record, DEC_10, ewes_lambed=8, lambs_born=10)
    births.record = sailike_record

    with pytest.raises(ValidationError) as refused:
        births.full_clean()

    assert codes_at(refused.value, "record") == ["record_changed"]
    assert "cannot move to another record" in message_at(refused.value, "record")
    assert LambingEntry.objects.get(pk=births.pk).record_id == bieke_record.pk


def test_the_update_service_cannot_move_an_entry_to_another_record(bieke_record, sailike_record):
    births = add(bieke_record, DEC_10, ewes_lambed=8, lambs_born=10)
    before = stored_entries(bieke_record)

    with pytest.raises(TypeError):
        entry_update(reason="recounted", entry=births, record=sailike_record)

    assert stored_entries(bieke_record) == before
    assert stored_entries(sailike_record) == []


# The user's language


def test_it_explains_a_broken_rule_in_chinese_to_a_chinese_user(bieke_record):
    add(bieke_record, DEC_10, ewes_lambed=8, lambs_born=10)
    with pytest.raises(ValidationError) as in_english:
        add(bieke_record, DEC_12, lambs_lost=11, loss_cause=LossCause.COLD)
    english_message = message_at(in_english.value, "lambs_lost")

    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as in_chinese:
            add(bieke_record, DEC_12, lambs_lost=11, loss_cause=LossCause.COLD)
        chinese_message = message_at(in_chinese.value, "lambs_lost")

    assert chinese_message != english_message
    assert any("\u4e00" <= character <= "\u9fff" for character in chinese_message)
    assert "11" in chinese_message
    assert "10" in chinese_message


@pytest.mark.parametrize("name", LambingEntry.CONTENT_FIELDS)
def test_a_value_a_batch_takes_as_plainly_valid_is_one_its_field_accepts(name):
    """``LambingEntry.clean_new`` checks a plainly valid value quickly and any
    other by its field: for each content field, what it takes as plainly valid
    its field's ``clean()`` accepts as it is, and values at and past the limits
    are left to the field."""
    field = LambingEntry._meta.get_field(name)
    limit = rules.MAX_HOUSEHOLD_COUNT
    samples = [
        None,
        True,
        0,
        1,
        -1,
        limit,
        limit + 1,
        2.0,
        "3",
        "",
        " ",
        "cold",
        "day7",
        "weaning",
        "x" * 1000,
        "x" * 1001,
        datetime.date(2025, 1, 1),
        datetime.datetime(2025, 1, 1),
        "2025-01-01",
    ]
    taken = [value for value in samples if _PLAINLY_VALID[name](value)]
    assert taken, "some value is plainly valid"
    for value in taken:
        assert field.clean(value, LambingEntry()) == value
    assert set(_PLAINLY_VALID) == set(LambingEntry.CONTENT_FIELDS)
