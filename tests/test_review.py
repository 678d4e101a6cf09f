"""Review and sign-off: a technician submits a township's counts as of a date,
an official of the county approves them or sends them back with a comment,
approved dates are locked on every surface, and a user who may reopen does so
with a reason, the approval staying in the history."""

import datetime
import html
import uuid
from dataclasses import asdict

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from livestock.models import (
    TRANSITIONS,
    Herder,
    LambingEntry,
    Review,
    ReviewState,
    Season,
    actions_allowed,
)
from livestock.selectors.totals import lambing_totals
from livestock.services.entries import entry_create, entry_delete, entry_update
from livestock.services.places import herder_update
from livestock.services.records import record_build, record_create, record_delete, record_update
from livestock.services.reviews import review_approve, review_reopen, review_return, review_submit
from tests.conftest import make_user
from tests.test_admin import (
    CORRECT_URL,
    RECORD_URL,
    add_count,
    correct,
    delete,
    field_errors,
    logged_in,
)
from tests.test_api_base import API, api

ENTRIES_URL = API + "entries/"

DEC_10 = datetime.date(2024, 12, 10)
DEC_15 = datetime.date(2024, 12, 15)
DEC_20 = datetime.date(2024, 12, 20)

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def counted(bieke_record):
    """别克's record with two entries: 10 lambs on 10 December, 4 on 20 December."""
    first, _new = entry_create(record=bieke_record, date=DEC_10, ewes_lambed=8, lambs_born=10)
    second, _new = entry_create(record=bieke_record, date=DEC_20, ewes_lambed=3, lambs_born=4)
    return first, second


@pytest.fixture
def submitted(counted, woyimoke, winter_2024, woyimoke_technician) -> Review:
    return review_submit(
        township=woyimoke, season=winter_2024, as_of=DEC_15, user=woyimoke_technician
    )


@pytest.fixture
def approved(submitted, burqin_official) -> Review:
    return review_approve(review=submitted, user=burqin_official, comment="核对无误")


def states(review: Review) -> list[tuple[str, str, str]]:
    """The review's state changes, oldest first: (state, who, comment)."""
    return [
        (row.state, row.changed_by.username, row.comment)
        for row in review.history.order_by("history_date", "history_id")
    ]


class TestStateChanges:
    def test_a_technician_submits_their_townships_counts(self, submitted):
        assert submitted.state == ReviewState.SUBMITTED
        assert states(submitted) == [("submitted", "woyimoke-tech", "")]

    def test_a_technician_cannot_submit_a_township_outside_their_places(
        self, counted, kokeaheshi, winter_2024, woyimoke_technician
    ):
        with pytest.raises(ValidationError) as error:
            review_submit(
                township=kokeaheshi, season=winter_2024, as_of=DEC_15, user=woyimoke_technician
            )
        assert error.value.message_dict == {"township": ["No such township in your places."]}
        assert not Review.objects.exists()

    def test_a_future_date_cannot_be_submitted(self, woyimoke, woyimoke_technician):
        from livestock.models import Season

        season = Season.objects.create(
            kind="spring", start_date=datetime.date(2099, 3, 1), end_date=datetime.date(2099, 5, 31)
        )
        with pytest.raises(ValidationError) as error:
            review_submit(
                township=woyimoke,
                season=season,
                as_of=datetime.date(2099, 3, 10),
                user=woyimoke_technician,
            )
        assert "as_of" in error.value.message_dict

    def test_an_official_approves_and_the_totals_as_of_the_date_are_stored(
        self, approved, burqin_official
    ):
        assert approved.state == ReviewState.APPROVED
        assert approved.approved_by == burqin_official
        # Only the entry of 10 December is on or before 15 December.
        assert approved.approved_totals["lambs_born"] == 10
        assert approved.approved_totals["ewes_lambed"] == 8
        assert states(approved) == [
            ("submitted", "woyimoke-tech", ""),
            ("approved", "burqin-official", "核对无误"),
        ]

    def test_an_official_sends_back_with_a_comment(self, submitted, burqin_official):
        review = review_return(
            review=submitted, user=burqin_official, comment="12月10日产羔数请再核实"
        )
        assert review.state == ReviewState.RETURNED
        assert states(review)[-1] == ("returned", "burqin-official", "12月10日产羔数请再核实")

    def test_sending_back_needs_a_comment(self, submitted, burqin_official):
        with pytest.raises(ValidationError) as error:
            review_return(review=submitted, user=burqin_official, comment=" ")
        assert error.value.message_dict == {"comment": ["Say what the technician should look at."]}
        submitted.refresh_from_db()
        assert submitted.state == ReviewState.SUBMITTED

    def test_counts_sent_back_are_submitted_again(self, submitted, burqin_official):
        review_return(review=submitted, user=burqin_official, comment="请核实")
        review = review_submit(
            township=submitted.township,
            season=submitted.season,
            as_of=DEC_15,
            user=make_user("tech2", "technician", submitted.township),
            comment="已核实",
        )
        assert review.pk == submitted.pk
        assert [state for state, _who, _comment in states(review)] == [
            "submitted",
            "returned",
            "submitted",
        ]

    def test_a_technician_cannot_approve(self, submitted, woyimoke_technician):
        with pytest.raises(ValidationError, match="Your role may not"):
            review_approve(review=submitted, user=woyimoke_technician)
        submitted.refresh_from_db()
        assert submitted.state == ReviewState.SUBMITTED

    def test_an_official_of_another_county_cannot_approve(self, submitted, fuhai):
        fuhai_official = make_user("fuhai-official", "official", fuhai)
        with pytest.raises(ValidationError, match="No such township"):
            review_approve(review=submitted, user=fuhai_official)

    def test_approved_counts_cannot_be_approved_again_or_submitted(
        self, approved, burqin_official, woyimoke_technician
    ):
        with pytest.raises(ValidationError, match="Cannot approve: the counts are approved"):
            review_approve(review=approved, user=burqin_official)
        with pytest.raises(ValidationError, match="Cannot submit: the counts are approved"):
            review_submit(
                township=approved.township,
                season=approved.season,
                as_of=DEC_15,
                user=woyimoke_technician,
            )

    def test_reopening_needs_a_reason_and_keeps_the_approval_in_the_history(
        self, approved, burqin_official
    ):
        with pytest.raises(ValidationError):
            review_reopen(review=approved, user=burqin_official, reason="")
        review = review_reopen(review=approved, user=burqin_official, reason="12月10日漏记2只羔羊")
        assert review.state == ReviewState.REOPENED
        assert states(review) == [
            ("submitted", "woyimoke-tech", ""),
            ("approved", "burqin-official", "核对无误"),
            ("reopened", "burqin-official", "12月10日漏记2只羔羊"),
        ]
        approval = review.history.get(state=ReviewState.APPROVED)
        assert approval.approved_totals["lambs_born"] == 10

    def test_a_technician_may_not_reopen(self, approved, woyimoke_technician):
        with pytest.raises(ValidationError, match="Your role may not"):
            review_reopen(review=approved, user=woyimoke_technician, reason="错了")


LOCKED = "is locked: the counts of 窝依莫克镇 Woyimoke Town up to 2024-12-15 are approved"


@pytest.fixture
def tongke_record_today(tongke):
    """A household of 通克村 recorded today, with 80 ewes and no entry yet, in a
    season running now."""
    today = timezone.localdate()
    season = Season.objects.create(
        kind="winter",
        start_date=today - datetime.timedelta(days=30),
        end_date=today + datetime.timedelta(days=30),
    )
    herder = Herder.objects.create(village=tongke, name="努尔兰·哈力", name_latin="Nurlan Hali")
    return record_create(herder=herder, season=season, ewes_at_start=80)


@pytest.fixture
def approved_today(tongke_record_today, woyimoke, woyimoke_technician, burqin_official):
    """窝依莫克镇's counts of that season approved as of today."""
    review = review_submit(
        township=woyimoke,
        season=tongke_record_today.season,
        as_of=timezone.localdate(),
        user=woyimoke_technician,
    )
    return review_approve(review=review, user=burqin_official)


def lambing_totals_of(review: Review) -> dict:
    """The township's live totals as of the review's date, as an approval stores them."""
    return asdict(lambing_totals(season=review.season, as_of=review.as_of, place=review.township))


class TestLockThroughServices:
    def test_an_entry_on_or_before_the_approved_date_cannot_be_added(self, approved, bieke_record):
        with pytest.raises(ValidationError) as error:
            entry_create(record=bieke_record, date=DEC_15, lambs_born=1)
        assert LOCKED in error.value.message_dict["date"][0]
        assert bieke_record.entries.count() == 2

    def test_an_entry_after_the_approved_date_is_added(self, approved, bieke_record):
        entry, created = entry_create(
            record=bieke_record, date=datetime.date(2024, 12, 16), lambs_born=1
        )
        assert created

    def test_a_locked_entry_cannot_be_corrected_or_deleted(self, approved, counted):
        first, _second = counted
        with pytest.raises(ValidationError, match=LOCKED):
            entry_update(entry=first, reason="typo", lambs_born=12)
        with pytest.raises(ValidationError, match=LOCKED):
            entry_delete(entry=first, reason="duplicate")
        first.refresh_from_db()
        assert first.lambs_born == 10

    def test_an_unlocked_entry_cannot_be_moved_into_the_locked_dates(self, approved, counted):
        _first, second = counted
        with pytest.raises(ValidationError, match=LOCKED):
            entry_update(entry=second, reason="wrong day", date=DEC_10)

    def test_the_ewes_at_the_start_are_locked_with_the_approved_counts(
        self, approved, bieke_record
    ):
        with pytest.raises(ValidationError) as error:
            record_update(record=bieke_record, ewes_at_start=160, reason="recount")
        assert "locked" in error.value.message_dict["ewes_at_start"][0]

    def test_a_new_record_with_ewes_cannot_be_added_to_the_approved_counts(
        self, approved, tongke, winter_2024
    ):
        """A household's ewes are part of the township's approved figures, whether
        its record is corrected or new; a new one waits for a reopening too."""
        from livestock.models import Herder, LambingRecord

        herder = Herder.objects.create(village=tongke, name="努尔兰·哈力", name_latin="Nurlan Hali")
        with pytest.raises(ValidationError) as error:
            record_create(herder=herder, season=winter_2024, ewes_at_start=80)
        assert "locked" in error.value.message_dict["ewes_at_start"][0]
        assert not LambingRecord.objects.filter(herder=herder).exists()
        unsaved = Herder(village=tongke, name="阿依古丽", name_latin="Ayiguli")
        with pytest.raises(ValidationError, match="locked"):
            record_build(herder=unsaved, season=winter_2024, ewes_at_start=60)

    def test_a_new_record_is_added_without_ewes_or_outside_the_approved_township(
        self, approved, tongke, qibaerwoyi, winter_2024
    ):
        from livestock.models import Herder

        herder = Herder.objects.create(village=tongke, name="努尔兰·哈力", name_latin="Nurlan Hali")
        assert record_create(herder=herder, season=winter_2024).pk
        elsewhere = Herder.objects.create(village=qibaerwoyi, name="阿山", name_latin="Ashan")
        record = record_create(herder=elsewhere, season=winter_2024, ewes_at_start=80)
        assert record.ewes_at_start == 80

    def test_no_household_is_added_to_counts_approved_as_of_today(
        self, tongke, woyimoke, woyimoke_technician, burqin_official
    ):
        """A record counts from the day it is made: added on a day whose counts
        are approved, it would be one more household in the approved figures."""
        from django.utils import timezone

        from livestock.models import Herder, Season

        today = timezone.localdate()
        season = Season.objects.create(
            kind="winter",
            start_date=today - datetime.timedelta(days=30),
            end_date=today + datetime.timedelta(days=30),
        )
        review = review_submit(
            township=woyimoke, season=season, as_of=today, user=woyimoke_technician
        )
        review_approve(review=review, user=burqin_official)
        herder = Herder.objects.create(village=tongke, name="努尔兰·哈力", name_latin="Nurlan Hali")
        with pytest.raises(ValidationError) as error:
            record_create(herder=herder, season=season)
        assert "is locked: the counts of 窝依莫克镇" in error.value.message_dict["herder"][0]
        assert not herder.lambing_records.exists()

    def test_no_household_is_taken_out_of_counts_approved_as_of_today(
        self, approved_today, tongke_record_today
    ):
        """A record counts from the day it is made: deleted while that day's counts
        are approved, the approved figures would lose a household and its ewes."""
        with pytest.raises(ValidationError) as error:
            record_delete(record=tongke_record_today)
        assert "is locked: the counts of 窝依莫克镇" in error.value.message_dict["herder"][0]
        assert type(tongke_record_today).objects.filter(pk=tongke_record_today.pk).exists()
        assert approved_today.approved_totals == lambing_totals_of(approved_today)

    def test_a_record_is_deleted_once_the_counts_are_reopened(
        self, approved_today, tongke_record_today, burqin_official
    ):
        review_reopen(review=approved_today, user=burqin_official, reason="建错了档")
        record_delete(record=tongke_record_today)
        assert not type(tongke_record_today).objects.filter(pk=tongke_record_today.pk).exists()

    def test_a_sibling_township_is_not_locked(self, approved, sailike_record):
        entry, created = entry_create(record=sailike_record, date=DEC_10, lambs_born=2)
        assert created

    def test_after_reopening_a_correction_with_its_reason_is_kept_in_the_history(
        self, approved, counted, burqin_official
    ):
        first, _second = counted
        review_reopen(review=approved, user=burqin_official, reason="漏记2只")
        entry_update(entry=first, reason="漏记2只羔羊", lambs_born=12)
        change = LambingEntry.history.filter(id=first.pk).latest("history_date")
        assert (change.lambs_born, change.history_change_reason) == (12, "漏记2只羔羊")


class TestLockInTheAdmin:
    """The record's page writes its entries through the services; the lock
    holds there too, at the field, in Chinese, and locked entries look locked."""

    def test_a_new_entry_on_a_locked_date_is_refused_at_its_date(
        self, approved, bieke_record, woyimoke_technician
    ):
        response = add_count(
            logged_in(woyimoke_technician), bieke_record, date=DEC_15, lambs_born=2
        )
        assert response.status_code == 200
        message = " ".join(field_errors(response)["date"])
        assert "2024-12-15已锁定" in message
        assert bieke_record.entries.count() == 2

    def test_a_locked_entry_cannot_be_corrected_or_deleted(
        self, approved, counted, bieke_record, woyimoke_technician
    ):
        first, _second = counted
        client = logged_in(woyimoke_technician, "en")
        response = correct(client, first, lambs_born=12, reason="typo")
        assert LOCKED in " ".join(field_errors(response)["date"])
        response = delete(client, first, reason="twice")
        assert LOCKED in " ".join(field_errors(response)["__all__"])
        first.refresh_from_db()
        assert first.lambs_born == 10
        # The page of a locked entry offers no form, and says why.
        page = client.get(CORRECT_URL.format(bieke_record.pk, first.pk)).content.decode()
        assert LOCKED in page and 'name="lambs_born"' not in page

    def test_locked_entries_look_locked_on_the_record_page(
        self, approved, counted, bieke_record, woyimoke_technician
    ):
        first, second = counted  # 10 and 20 December; counts approved up to the 15th
        page = logged_in(woyimoke_technician, "en").get(RECORD_URL.format(bieke_record.pk))
        rows = {row["entry"]: row for row in page.context["entry_rows"]}
        assert LOCKED in rows[first]["lock"] and rows[second]["lock"] == ""
        text = page.content.decode()

        def row_of(entry) -> str:
            start = text.index(f'data-entry="{entry.pk}"')
            return text[start : text.index("</tr>", start)]

        assert 'class="entry-locked"' in row_of(first) and "🔒" in row_of(first)
        assert "/correct/" not in row_of(first) and "/delete/" not in row_of(first)
        assert "/correct/" in row_of(second) and "🔒" not in row_of(second)

    def test_an_entry_after_the_approved_date_is_saved_beside_the_locked_ones(
        self, approved, bieke_record, woyimoke_technician
    ):
        response = add_count(
            logged_in(woyimoke_technician), bieke_record, date=DEC_20, lambs_born=2
        )
        assert response.status_code == 302
        assert bieke_record.entries.count() == 3

    def test_the_record_page_shows_the_review_with_its_comment_and_the_locked_dates(
        self, submitted, bieke_record, burqin_official, woyimoke_technician
    ):
        review_return(review=submitted, user=burqin_official, comment="请核实12月10日")
        page = logged_in(woyimoke_technician, "en").get(RECORD_URL.format(bieke_record.pk))
        text = page.content.decode()
        assert "sent back" in text and "请核实12月10日" in text

    def test_the_reviews_list_shows_only_reviews_in_scope(
        self, submitted, fuhai_technician, woyimoke_technician
    ):
        url = "/admin/livestock/review/"
        assert "窝依莫克镇" in logged_in(woyimoke_technician).get(url).content.decode()
        assert "窝依莫克镇" not in logged_in(fuhai_technician).get(url).content.decode()
        assert logged_in(fuhai_technician).get(f"{url}{submitted.pk}/change/").status_code == 404

    def test_deleting_a_record_in_approved_counts_is_refused_with_a_message(
        self, approved_today, tongke_record_today
    ):
        """Django's admin would delete it and answer a server error once the
        service refuses: the page says why, and the record stays, singly or
        with the list's delete action."""
        client = logged_in(make_user("root", None, superuser=True), "en")
        record_id = tongke_record_today.pk
        response = client.post(
            f"/admin/livestock/lambingrecord/{record_id}/delete/", {"post": "yes"}, follow=True
        )
        assert response.status_code == 200
        assert "is locked: the counts of 窝依莫克镇" in response.content.decode()
        response = client.post(
            "/admin/livestock/lambingrecord/",
            {"action": "delete_selected", "_selected_action": [record_id], "post": "yes"},
            follow=True,
        )
        assert response.status_code == 200
        assert "is locked: the counts of 窝依莫克镇" in response.content.decode()
        assert "Successfully deleted" not in response.content.decode()
        assert type(tongke_record_today).objects.filter(pk=record_id).exists()


class TestLockInTheApi:
    def test_every_write_to_a_locked_date_is_a_400_naming_the_rule(
        self, approved, counted, bieke_record, woyimoke_technician
    ):
        first, _second = counted
        client = api(woyimoke_technician)
        created = client.post(
            ENTRIES_URL,
            {
                "uuid": str(uuid.uuid4()),
                "record": bieke_record.pk,
                "date": "2024-12-15",
                "lambs_born": 1,
            },
        )
        changed = client.patch(f"{ENTRIES_URL}{first.pk}/", {"lambs_born": 12, "reason": "recount"})
        deleted = client.delete(f"{ENTRIES_URL}{first.pk}/?reason=twice")
        bulk = client.post(
            ENTRIES_URL + "bulk/",
            [
                {
                    "uuid": str(uuid.uuid4()),
                    "record": bieke_record.pk,
                    "date": "2024-12-11",
                    "lambs_born": 1,
                }
            ],
            format="json",
        )
        for response in (created, changed, deleted, bulk):
            assert response.status_code == 400, response.content
            assert LOCKED in response.content.decode()
        assert sorted(bieke_record.entries.values_list("lambs_born", flat=True)) == [4, 10]


class TestSummaryPages:
    def test_an_official_approves_from_the_townships_page_and_sees_the_approved_figures(
        self, submitted, burqin_official, woyimoke, winter_2024
    ):
        client = logged_in(burqin_official, "en")
        page = f"/?season={winter_2024.pk}&as_of=2024-12-15&place=township:{woyimoke.pk}"
        assert "Approve" in client.get(page).content.decode()
        response = client.post(
            "/review/",
            {
                "action": "approve",
                "review": submitted.pk,
                "township": woyimoke.pk,
                "season": winter_2024.pk,
                "as_of": "2024-12-15",
                "comment": "",
            },
            follow=True,
        )
        text = response.content.decode()
        assert "Approved: the counts up to this date are locked." in text
        assert "Approved by burqin-official" in text
        assert "The live figures are the approved ones." in text
        submitted.refresh_from_db()
        assert submitted.state == ReviewState.APPROVED

    def test_a_date_of_four_thousand_characters_is_said_back_by_its_start_and_length(
        self, submitted, burqin_official, woyimoke, winter_2024
    ):
        """The form's date was said back whole: 4,000 characters across the page."""
        as_of = "2024-12-" + "x" * 4000
        response = logged_in(burqin_official, "en").post(
            "/review/",
            {
                "action": "approve",
                "review": submitted.pk,
                "township": woyimoke.pk,
                "season": winter_2024.pk,
                "as_of": as_of,
                "comment": "",
            },
            follow=True,
        )
        text = html.unescape(response.content.decode())
        assert "2024-12-xxxxxxxxxxxx…(4008) is not a date (YYYY-MM-DD)." in text
        assert "x" * 100 not in text
        submitted.refresh_from_db()
        assert submitted.state == ReviewState.SUBMITTED

    def test_a_date_still_to_come_is_refused_on_the_townships_page(
        self, burqin_official, woyimoke, winter_2024
    ):
        """Submitted as of tomorrow: refused naming today, as every as-of date is, and
        the official was sent to the overview, away from the township's page."""
        today = timezone.localdate()
        tomorrow = today + datetime.timedelta(days=1)
        client = logged_in(burqin_official, "en")
        response = client.post(
            "/review/",
            {
                "action": "submit",
                "township": woyimoke.pk,
                "season": winter_2024.pk,
                "as_of": tomorrow.isoformat(),
                "comment": "",
            },
        )
        assert response.status_code == 302
        assert response["Location"] == (f"/?season={winter_2024.pk}&place=township%3A{woyimoke.pk}")
        text = html.unescape(client.get(response["Location"]).content.decode())
        assert f"{tomorrow} is still to come; counts are known up to today, {today}" in text
        assert not Review.objects.filter(township=woyimoke).exists()

    def test_a_comment_with_a_direction_control_is_refused_naming_it_visibly(
        self, submitted, burqin_official, woyimoke, winter_2024
    ):
        """A comment sending the counts back, read by the technician on the record's
        page and in the review's history, was stored with a RIGHT-TO-LEFT OVERRIDE
        that turned round the text shown after it."""
        response = logged_in(burqin_official, "en").post(
            "/review/",
            {
                "action": "return",
                "review": submitted.pk,
                "township": woyimoke.pk,
                "season": winter_2024.pk,
                "as_of": "2024-12-15",
                "comment": "请核实\u202e日01月21",
            },
            follow=True,
        )
        assert (
            "请核实[U+202E]日01月21 holds U+202E, a control of text direction that reorders "
            "how the text around it is shown; remove it (rule: no direction controls in text)."
        ) in html.unescape(response.content.decode())
        submitted.refresh_from_db()
        assert (submitted.state, submitted.comment) == (ReviewState.SUBMITTED, "")

    def test_the_page_says_when_the_live_figures_changed_since_the_approval(
        self, approved, counted, burqin_official, woyimoke, winter_2024
    ):
        first, _second = counted
        review_reopen(review=approved, user=burqin_official, reason="漏记")
        entry_update(entry=first, reason="漏记2只", lambs_born=12)
        page = f"/?season={winter_2024.pk}&as_of=2024-12-15&place=township:{woyimoke.pk}"
        text = logged_in(burqin_official, "en").get(page).content.decode()
        assert "The live figures have changed since the approval." in text
        assert "<td>10</td><td>12</td>" in text  # lambs born approved, live

    def test_a_review_is_acted_on_only_from_its_own_townships_page(
        self, submitted, burqin, woyimoke, winter_2024
    ):
        """The form names the township whose page it was posted from; a review of
        another township is refused, not changed behind a page showing another."""
        from livestock.models import Township

        other = Township.objects.create(county=burqin, name="冲乎尔镇", name_latin="Chonghur")
        response = logged_in(make_user("burqin-2", "official", burqin), "en").post(
            "/review/",
            {
                "action": "approve",
                "review": submitted.pk,
                "township": other.pk,
                "season": winter_2024.pk,
                "as_of": "2024-12-15",
            },
            follow=True,
        )
        assert "No such review in your places." in response.content.decode()
        submitted.refresh_from_db()
        assert submitted.state == ReviewState.SUBMITTED

    def test_an_empty_post_names_each_missing_field(self, submitted, burqin_official):
        response = logged_in(burqin_official, "en").post("/review/", {}, follow=True)
        text = response.content.decode()
        assert response.status_code == 200
        for label in ("action", "township", "season", "as of"):
            assert f"{label}: This field is required." in text
        submitted.refresh_from_db()
        assert submitted.state == ReviewState.SUBMITTED

    def test_a_technician_cannot_approve_through_a_crafted_post(
        self, submitted, woyimoke_technician, woyimoke, winter_2024
    ):
        response = logged_in(woyimoke_technician, "en").post(
            "/review/",
            {
                "action": "approve",
                "review": submitted.pk,
                "township": woyimoke.pk,
                "season": winter_2024.pk,
                "as_of": "2024-12-15",
            },
            follow=True,
        )
        assert "Your role may not" in response.content.decode()
        submitted.refresh_from_db()
        assert submitted.state == ReviewState.SUBMITTED

    def test_a_technician_submits_from_the_townships_page(
        self, counted, woyimoke_technician, woyimoke, winter_2024
    ):
        response = logged_in(woyimoke_technician, "en").post(
            "/review/",
            {
                "action": "submit",
                "township": woyimoke.pk,
                "season": winter_2024.pk,
                "as_of": "2024-12-15",
                "comment": "已核对",
            },
            follow=True,
        )
        assert "submitted for review" in response.content.decode()
        assert Review.objects.get().comment == "已核对"

    def test_the_county_page_counts_flagged_households_and_shows_review_states(
        self, approved, burqin_official, burqin, winter_2024
    ):
        page = f"/?season={winter_2024.pk}&as_of=2024-12-15&place=county:{burqin.pk}"
        response = logged_in(burqin_official, "en").get(page)
        text = response.content.decode()
        assert "households flagged" in text
        state = 'class="review-state col-review">approved <bdi dir="ltr">2024-12-15</bdi>'
        assert f"{state} · burqin-official" in text

    def test_the_county_page_takes_as_many_queries_for_more_townships(
        self, approved, burqin_official, burqin, winter_2024, django_assert_max_num_queries
    ):
        from livestock.models import Township

        client = logged_in(burqin_official, "en")
        page = f"/?season={winter_2024.pk}&as_of=2024-12-15&place=county:{burqin.pk}"
        client.get(page)
        with CaptureQueriesContext(connection) as before:
            client.get(page)
        for number in range(4):
            Township.objects.create(county=burqin, name=f"乡{number}", name_latin=f"T{number}")
        with django_assert_max_num_queries(len(before.captured_queries)):
            client.get(page)

    def test_the_township_page_takes_as_many_queries_for_more_approvals(
        self,
        approved,
        counted,
        burqin_official,
        woyimoke,
        winter_2024,
        django_assert_max_num_queries,
    ):
        """Each approval is shown beside the live figures as of its date; a season
        of daily approvals must not cost a query per approval."""
        client = logged_in(burqin_official, "en")
        page = f"/?season={winter_2024.pk}&as_of=2024-12-31&place=township:{woyimoke.pk}"
        client.get(page)
        with CaptureQueriesContext(connection) as before:
            client.get(page)
        for day in (16, 20, 21, 25):
            Review.objects.create(
                township=woyimoke,
                season=winter_2024,
                as_of=datetime.date(2024, 12, day),
                state=ReviewState.APPROVED,
                approved_by=burqin_official,
                approved_totals={"households": 1, "lambs_born": 10},
            )
        with django_assert_max_num_queries(len(before.captured_queries)):
            text = client.get(page).content.decode()
        # Live lambs born as of each date: 10 up to 19 December, 14 from the 20th.
        assert text.count("<td>10</td><td>10</td>") == 2  # 15 and 16 December
        assert text.count("<td>10</td><td>14</td>") == 3  # 20, 21, 25 December


class TestMovingAHousehold:
    def test_a_household_in_approved_counts_cannot_move_to_another_village(
        self, approved, bieke, qibaerwoyi
    ):
        with pytest.raises(ValidationError) as error:
            herder_update(bieke, village=qibaerwoyi)
        assert "cannot move" in error.value.message_dict["village"][0]
        bieke.refresh_from_db()
        assert bieke.village.name == "通克村"

    def test_a_household_moves_within_its_township_or_once_reopened(
        self, approved, bieke, woyimoke, qibaerwoyi, burqin_official
    ):
        from livestock.models import Village

        other = Village.objects.create(township=woyimoke, name="另一村", name_latin="Other")
        assert herder_update(bieke, village=other).village == other
        review_reopen(review=approved, user=burqin_official, reason="牧户搬迁")
        assert herder_update(bieke, village=qibaerwoyi).village == qibaerwoyi

    def test_a_village_in_approved_counts_cannot_move_to_another_township(
        self, approved, tongke, kokeaheshi, winter_2024
    ):
        """Moving the village would take its households' counts out of the
        township's approved totals: the admin's village form refuses it."""
        client = logged_in(make_user("root", None, superuser=True), "en")
        response = client.post(
            f"/admin/livestock/village/{tongke.pk}/change/",
            {"name": tongke.name, "name_latin": tongke.name_latin, "township": kokeaheshi.pk},
        )
        assert response.status_code == 200
        assert "cannot move" in " ".join(response.context["adminform"].form.errors["township"])
        tongke.refresh_from_db()
        assert tongke.township.name == "窝依莫克镇"


class TestVillageScope:
    """A user whose places are one village sees the township's name (read only)
    but not the other villages' counts, and cannot sign off or lock them."""

    @pytest.fixture
    def other_village(self, woyimoke, winter_2024):
        """A second village of 窝依莫克镇 with 7 ewes lambed, 9 lambs born."""
        from livestock.models import Herder, Village

        village = Village.objects.create(township=woyimoke, name="阔斯阿热勒村", name_latin="Kosi")
        herder = Herder.objects.create(village=village, name="马合沙提", name_latin="Mahshat")
        record = record_create(herder=herder, season=winter_2024, ewes_at_start=40)
        entry_create(record=record, date=DEC_10, ewes_lambed=7, lambs_born=9)
        return village

    @pytest.fixture
    def tongke_official(self, tongke):
        return make_user("tongke-official", "official", tongke)

    def test_a_village_official_cannot_approve_the_whole_township(
        self, other_village, submitted, tongke_official
    ):
        with pytest.raises(ValidationError, match="No such township"):
            review_approve(review=submitted, user=tongke_official)
        submitted.refresh_from_db()
        assert submitted.state == ReviewState.SUBMITTED

    def test_a_village_technician_cannot_submit_the_whole_township(
        self, counted, other_village, woyimoke, winter_2024, tongke
    ):
        technician = make_user("tongke-tech", "technician", tongke)
        with pytest.raises(ValidationError, match="No such township"):
            review_submit(township=woyimoke, season=winter_2024, as_of=DEC_15, user=technician)
        assert not Review.objects.exists()

    def test_a_village_user_reads_no_township_wide_totals_through_a_review(
        self, other_village, approved, tongke_official
    ):
        # The township approved 19 lambs born: 10 of 通克村 and 9 of the other village.
        assert approved.approved_totals["lambs_born"] == 19
        listed = api(tongke_official).get(ENTRIES_URL.replace("entries/", "reviews/"))
        assert listed.status_code == 200
        assert listed.json()["results"] == []
        page = logged_in(tongke_official, "en").get(
            f"/?season={approved.season_id}&as_of=2024-12-15&place=township:{approved.township_id}"
        )
        assert page.status_code == 200
        text = page.content.decode()
        assert "通克村" in text and "阔斯阿热勒村" not in text
        assert "Review and sign-off" not in text and "<td>19</td>" not in text


# Each state a review can be in, and the actions that bring it there.
PATHS = {
    None: [],
    ReviewState.SUBMITTED: ["submit"],
    ReviewState.APPROVED: ["submit", "approve"],
    ReviewState.RETURNED: ["submit", "return"],
    ReviewState.REOPENED: ["submit", "approve", "reopen"],
}


def act(action: str, review, *, user, township, season) -> Review:
    """``action`` through its service, as the summary page's form posts it."""
    if action == "submit":
        return review_submit(township=township, season=season, as_of=DEC_15, user=user)
    if action == "approve":
        return review_approve(review=review, user=user)
    if action == "return":
        return review_return(review=review, user=user, comment="再核对一下")
    return review_reopen(review=review, user=user, reason="漏记")


@pytest.fixture
def signs_everything(burqin):
    """A user of 布尔津县 in both roles: every review permission there is."""
    from django.contrib.auth.models import Group

    user = make_user("burqin-both", "official", burqin)
    user.groups.add(Group.objects.get(name="technician"))
    return user


class TestTransitionTable:
    """One table of allowed transitions (``models.TRANSITIONS``): the services
    take exactly its transitions, and the township's page offers exactly them."""

    @pytest.mark.parametrize("state", list(PATHS), ids=str)
    @pytest.mark.parametrize("action", list(TRANSITIONS))
    def test_the_services_take_exactly_the_tables_transitions(
        self, state, action, counted, signs_everything, woyimoke, winter_2024
    ):
        where = {"user": signs_everything, "township": woyimoke, "season": winter_2024}
        review = None
        for step in PATHS[state]:
            review = act(step, review, **where)
        allowed = state in TRANSITIONS[action].from_states
        if action != "submit" and review is None:
            assert not allowed  # nothing to approve, send back or reopen
            return
        if allowed:
            changed = act(action, review, **where)
            assert changed.state == TRANSITIONS[action].to_state
        else:
            with pytest.raises(ValidationError) as error:
                act(action, review, **where)
            assert "Cannot" in str(error.value)
            review.refresh_from_db()
            assert review.state == state

    @pytest.mark.parametrize("state", [state for state in PATHS if state], ids=str)
    @pytest.mark.parametrize("role", ["technician", "official"])
    def test_the_townships_page_offers_the_tables_actions_for_the_role(
        self, state, role, counted, signs_everything, woyimoke, winter_2024
    ):
        where = {"user": signs_everything, "township": woyimoke, "season": winter_2024}
        review = None
        for step in PATHS[state]:
            review = act(step, review, **where)
        user = make_user(f"burqin-{role}", role, woyimoke)
        page = f"/?season={winter_2024.pk}&as_of=2024-12-15&place=township:{woyimoke.pk}"
        text = logged_in(user, "en").get(page).content.decode()
        offered = [action for action in TRANSITIONS if f'name="action" value="{action}"' in text]
        assert offered == actions_allowed(user, state)
