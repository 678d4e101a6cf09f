"""/api/v1/entries/: the dated counts of lambing records, written by clients on
links that drop and resend: a client-made ``uuid`` stores a resent entry once,
an ``If-Match`` keeps a stale edit from overwriting a newer one, and a bulk
submission is stored whole or not at all."""

import datetime
import json
import uuid
from urllib.parse import quote

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from livestock.access import roles
from livestock.i18n import shown_languages
from livestock.models import Herder, LambingEntry
from livestock.models.fields import not_a_whole_number
from livestock.services.entries import entry_create, entry_delete, entry_update
from livestock.services.places import herder_create
from livestock.services.records import record_create
from livestock.services.users import user_create
from tests.conftest import PASSWORD, make_user
from tests.test_api_base import (
    API,
    ListQueryTests,
    ReadTests,
    VersionedTests,
    WriteTests,
    api,
    ids,
)

URL = API + "entries/"
BULK_URL = URL + "bulk/"
DEC_10 = datetime.date(2024, 12, 10)
ENTRY_UUID = "5b0c7c1e-8d0a-4c55-9d53-0f3a1f1e2a01"


@pytest.fixture
def sailike_entry(sailike_record):
    entry, _created = entry_create(record=sailike_record, date=DEC_10, ewes_lambed=8, lambs_born=10)
    return entry


@pytest.fixture
def bieke_entry(bieke_record):
    entry, _created = entry_create(record=bieke_record, date=DEC_10, ewes_lambed=5, lambs_born=6)
    return entry


class TestEntries(ReadTests, ListQueryTests, WriteTests, VersionedTests):
    url = URL
    model = LambingEntry
    scope_field = "record"

    @pytest.fixture
    def inside(self, sailike_entry):
        return sailike_entry

    @pytest.fixture
    def outside(self, bieke_entry):
        return bieke_entry

    @pytest.fixture
    def make_inside(self, qibaerwoyi, winter_2024, fuhai_technician):
        """Entries of as many records, each with who made it, so that a query per
        record or per user would show."""

        def make(n: int) -> None:
            start = Herder.objects.count()
            for number in range(start, start + n):
                herder = herder_create(
                    village=qibaerwoyi, name=f"牧户{number}", name_latin=f"Herder {number}"
                )
                record = record_create(herder=herder, season=winter_2024)
                entry_create(record=record, date=DEC_10, lambs_born=2, created_by=fuhai_technician)

        return make

    @pytest.fixture
    def create_data(self, sailike_record):
        return {
            "uuid": ENTRY_UUID,
            "record": sailike_record.pk,
            "date": "2024-12-12",
            "ewes_lambed": 4,
            "lambs_born": 5,
        }

    @pytest.fixture
    def outside_data(self, create_data, bieke_record):
        return {**create_data, "record": bieke_record.pk}

    @pytest.fixture
    def patch_data(self):
        return {"lambs_born": 12, "reason": "recounted the pen"}

    @pytest.fixture
    def put_data(self):
        return {"date": "2024-12-11", "ewes_lambed": 7, "lambs_born": 9, "reason": "recounted"}

    def change_elsewhere(self, obj):
        entry_update(reason="recounted", entry=obj, note="recounted by a colleague")


def new_entry(record, **counts) -> dict:
    return {"uuid": str(uuid.uuid4()), "record": record.pk, "date": "2024-12-12", **counts}


# Creating


def test_a_create_answers_with_the_entry_as_reading_it_shows_it(fuhai_technician, sailike_record):
    """A create's answer is made without the serializer (``bulk.entries_data``):
    it is what the entry's own page says, made or resent, whatever types the
    values were sent in (an id as text, a note trimmed)."""
    client = api(fuhai_technician)
    sent = [
        new_entry(sailike_record, ewes_lambed=3, lambs_born=4, note="第二圈"),
        new_entry(sailike_record, lambs_lost=1, loss_cause="cold"),
        new_entry(sailike_record, lambs_alive=3, check_stage="day7"),
        {**new_entry(sailike_record, lambs_born="2"), "record": str(sailike_record.pk)},
        {**new_entry(sailike_record, lambs_born=1), "note": "  trimmed  "},
    ]
    for item in sent:
        for status in (201, 200):  # made, then resent
            response = client.post(URL, item)
            assert response.status_code == status, response.content
            answer = response.json()
            assert answer == client.get(f"{URL}{answer['id']}/").json()
            assert response.headers["ETag"] == f'"lambingentry-{answer["id"]}-v1"'
    assert answer["note"] == "trimmed"
    assert answer["created_by"] == "fuhai-tech"


def test_a_record_outside_the_scope_reads_as_one_that_does_not_exist(
    fuhai_technician, bieke_record
):
    client = api(fuhai_technician)
    missing = 10**9

    outside = client.post(URL, new_entry(bieke_record, lambs_born=3))
    unknown = client.post(URL, {**new_entry(bieke_record, lambs_born=3), "record": missing})

    assert outside.status_code == unknown.status_code == 400
    message = 'Invalid pk "{}" - object does not exist.'
    assert outside.json() == {"record": [message.format(bieke_record.pk)]}
    assert unknown.json() == {"record": [message.format(missing)]}
    assert not bieke_record.entries.exists()


def test_a_new_entry_is_stored_with_the_user_who_sent_it(fuhai_technician, sailike_record):
    response = api(fuhai_technician).post(URL, new_entry(sailike_record, lambs_born=3))
    assert response.status_code == 201
    entry = LambingEntry.objects.get(pk=response.json()["id"])
    assert entry.created_by == fuhai_technician
    assert response.json()["created_by"] == "fuhai-tech"
    assert response.headers["ETag"]


def test_an_entry_without_a_uuid_is_refused_so_that_a_resend_cannot_store_it_twice(
    fuhai_technician, sailike_record
):
    data = new_entry(sailike_record, lambs_born=3)
    del data["uuid"]
    client = api(fuhai_technician)
    answers = [client.post(URL, data) for _ in range(2)]
    assert [answer.status_code for answer in answers] == [400, 400]
    assert list(answers[0].json()) == ["uuid"]
    assert not LambingEntry.objects.exists()


def test_an_entry_resent_with_the_same_uuid_is_stored_once(fuhai_technician, sailike_record):
    client = api(fuhai_technician)
    data = new_entry(sailike_record, ewes_lambed=4, lambs_born=5, note="第一圈")

    first = client.post(URL, data)
    again = client.post(URL, data)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert LambingEntry.objects.filter(record=sailike_record).count() == 1
    assert LambingEntry.objects.get().lambs_born == 5


def test_another_payload_under_a_used_uuid_is_a_409_and_changes_nothing(
    fuhai_technician, sailike_record
):
    client = api(fuhai_technician)
    data = new_entry(sailike_record, ewes_lambed=4, lambs_born=5)
    assert client.post(URL, data).status_code == 201

    response = client.post(URL, {**data, "lambs_born": 50})

    assert response.status_code == 409
    assert data["uuid"] in response.json()["detail"]
    stored = LambingEntry.objects.get()
    assert (stored.lambs_born, stored.version) == (5, 1)


def test_a_used_uuid_sent_for_another_record_is_a_409(fuhai_technician, sailike_record, qibaerwoyi):
    herder = herder_create(village=qibaerwoyi, name="哈那提", name_latin="Hanati")
    other = record_create(herder=herder, season=sailike_record.season)
    client = api(fuhai_technician)
    data = new_entry(sailike_record, lambs_born=5)
    assert client.post(URL, data).status_code == 201
    assert client.post(URL, {**data, "record": other.pk}).status_code == 409
    assert not other.entries.exists()


def test_an_entry_for_a_burqin_record_is_refused_for_a_fuhai_token(fuhai_technician, bieke_record):
    response = api(fuhai_technician).post(URL, new_entry(bieke_record, lambs_born=5))
    assert response.status_code == 400
    assert list(response.json()) == ["record"]
    assert not bieke_record.entries.exists()


@pytest.mark.parametrize(
    ("language", "message"),
    [
        (
            "zh-hans",
            "截至2024-12-12，死亡羔羊累计将达6只，超过产羔数5只（规则：死亡羔羊 ≤ 产羔数）",
        ),
        (
            "en",
            "By 2024-12-12 the lamb losses would total 6, more than the 5 lambs born "
            "(rule: losses ≤ lambs born)",
        ),
    ],
)
def test_a_broken_rule_is_a_400_with_field_rule_and_value_in_the_users_language(
    fuhai_technician, sailike_record, language, message
):
    data = new_entry(sailike_record, lambs_born=5, lambs_lost=6, loss_cause="cold")
    response = api(fuhai_technician, language=language).post(URL, data)
    assert response.status_code == 400
    assert list(response.json()) == ["lambs_lost"]
    assert message in response.json()["lambs_lost"][0]
    assert not sailike_record.entries.exists()


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh-hans", "死亡羔羊5只，须填写死因（规则：每只死亡羔羊都有死因）"),
        ("en", "5 lambs lost need a cause (rule: every loss has a cause)"),
    ],
)
def test_a_loss_without_a_cause_is_refused_at_the_cause(
    fuhai_technician, sailike_record, language, message
):
    data = new_entry(sailike_record, lambs_born=5, lambs_lost=5)
    response = api(fuhai_technician, language=language).post(URL, data)
    assert response.status_code == 400
    assert list(response.json()) == ["loss_cause"]
    assert message in response.json()["loss_cause"][0]
    assert not sailike_record.entries.exists()


def test_an_entry_dated_outside_its_season_is_refused_at_the_date(fuhai_technician, sailike_record):
    data = {**new_entry(sailike_record, lambs_born=1), "date": "2025-03-05"}
    response = api(fuhai_technician).post(URL, data)
    assert response.status_code == 400
    message = response.json()["date"][0]
    assert "2025-03-05" in message and "rule: entries fall within their season" in message
    assert not sailike_record.entries.exists()


@pytest.mark.parametrize(
    ("page_language", "first", "beside"),
    [
        ("zh-hans", "死亡羔羊5只，须填写死因", "5 lambs lost need a cause"),
        ("kk", "5 өлген қозыға себеп керек", "死亡羔羊5只，须填写死因"),
    ],
)
def test_a_refusal_is_said_in_a_field_pages_two_languages_when_it_asks(
    fuhai_technician, sailike_record, sailike_entry, page_language, first, beside
):
    """The field app's script uploads through the API and shows what it refuses
    beside the page's own lines, each in two languages (X-Shown-Languages: the
    page's language): a bulk item's errors and a correction's alike.
    Asked by no such header, the API answers in the request's language alone."""
    client = api(fuhai_technician, language="en")
    item = new_entry(sailike_record, lambs_born=5, lambs_lost=5)
    asked = {"HTTP_X_SHOWN_LANGUAGES": page_language}
    refused = client.post(BULK_URL, [item], format="json", **asked)
    message = refused.json()["errors"][0]["errors"]["loss_cause"][0]
    assert first in message and f" · {beside}" in message, message
    alone = client.post(BULK_URL, [item], format="json")
    assert alone.json()["errors"][0]["errors"]["loss_cause"] == [
        "5 lambs lost need a cause (rule: every loss has a cause)."
    ]
    correction = {"lambs_lost": 5, "reason": "recounted"}
    refused = client.patch(f"{URL}{sailike_entry.pk}/", correction, format="json", **asked)
    assert refused.status_code == 400
    message = refused.json()["loss_cause"][0]
    assert first in message and f" · {beside}" in message, message


def test_a_refusal_is_said_in_each_of_a_field_pages_languages_apart_when_it_asks(
    fuhai_technician, sailike_record
):
    """Joined in one string, "first · beside", the two languages of a refusal could
    not each be laid out in its own direction: on an Arabic-script Kazakh page the
    Chinese half's brackets and full stop went to its wrong end. Asked apart
    (X-Shown-Apart: 1), each message is {language: text}, for the field app to set
    each in its own <bdi>; what reads the same in both stays one text."""
    client = api(fuhai_technician, language="en")
    item = new_entry(sailike_record, lambs_born=5, lambs_lost=5)
    asked = {"HTTP_X_SHOWN_LANGUAGES": "kk-arab", "HTTP_X_SHOWN_APART": "1"}
    refused = client.post(BULK_URL, [item], format="json", **asked).json()["errors"][0]
    [message] = refused["errors"]["loss_cause"]
    assert set(message) == {"kk-arab", "zh-hans"}
    assert "死亡羔羊5只，须填写死因" in message["zh-hans"]
    assert "٥" not in message["kk-arab"] and "5" in message["kk-arab"]  # Western digits
    assert refused["index"] == 0
    joined = client.post(BULK_URL, [item], format="json", HTTP_X_SHOWN_LANGUAGES="kk-arab")
    [said] = joined.json()["errors"][0]["errors"]["loss_cause"]
    assert said == f"{message['kk-arab']} · {message['zh-hans']}"


def test_a_date_outside_the_season_names_the_season_in_each_language_asked_for(
    fuhai_technician, sailike_record, winter_2024
):
    """The season's name was made once, in the request's language, and put in each
    language asked for: the English half of a Chinese page's refusal read "outside the
    season 2024–2025 冬羔", the Chinese half of a Kazakh page's its Kazakh name."""
    client = api(fuhai_technician, language="zh-hans")
    item = {**new_entry(sailike_record, lambs_born=1), "date": "2024-11-20"}
    asked = {"HTTP_X_SHOWN_LANGUAGES": "zh-hans", "HTTP_X_SHOWN_APART": "1"}
    refused = client.post(BULK_URL, [item], format="json", **asked).json()["errors"][0]
    [message] = refused["errors"]["date"]
    assert "不在2024–2025 冬羔（" in message["zh-hans"]
    assert "outside the season 2024–2025 winter lambing," in message["en"], message["en"]
    client = api(fuhai_technician, language="kk-arab")
    asked["HTTP_X_SHOWN_LANGUAGES"] = "kk-arab"
    refused = client.post(BULK_URL, [item], format="json", **asked).json()["errors"][0]
    [message] = refused["errors"]["date"]
    assert "不在2024–2025 冬羔（" in message["zh-hans"], message["zh-hans"]
    assert not LambingEntry.objects.filter(record=sailike_record).exists()


def drf_message(language: str, msgid: str, **params) -> str:
    """One of DRF's own messages (``{name}`` placeholders) in ``language``."""
    with translation.override(language):
        return translation.gettext(msgid).format(**params)


def said_in(language: str, error: ValidationError) -> str:
    """One of the models' refusals (``models/fields.py``) in ``language``."""
    with translation.override(language):
        return error.message % error.params


@pytest.mark.parametrize("page_language", ["zh-hans", "kk"])
def test_what_the_apis_field_checks_refuse_of_an_upload_is_said_in_both_languages_too(
    fuhai_technician, sailike_record, sailike_entry, page_language
):
    """A correction's fields are read by the serializer, whose messages DRF writes
    out in the request's language as it refuses them: a reason longer than the
    history keeps came back in English alone to a Chinese page that asked for two,
    where a rule's refusal came in both. So did a new entry's field refused alone,
    and a correction of an entry that is gone (404). Each is said in both now,
    from the same checks; asked by no header, in the request's language alone.
    The reason's length is the service's rule, answered by it alone, naming the
    reason's length and the limit, as the field app's form says it."""
    client = api(fuhai_technician, language="en")
    asked = {"HTTP_X_SHOWN_LANGUAGES": page_language}
    first, beside = shown_languages(page_language)
    too_long = {
        "zh-hans": "原因有 101 个字符，历史记录最多保存 100 个。请说得简短些。",
        "en": "The reason is 101 characters long; the history keeps up to 100. Say it more "
        "briefly.",
        "kk": "Себеп 101 таңбадан тұрады; тарих ең көбі 100 таңба сақтайды. Қысқарақ жазыңыз.",
    }
    correction = {"lambs_born": 11, "reason": "数" * 101}
    refused = client.patch(f"{URL}{sailike_entry.pk}/", correction, format="json", **asked)
    assert refused.status_code == 400
    assert refused.json() == {"reason": [f"{too_long[first]} · {too_long[beside]}"]}
    alone = client.patch(f"{URL}{sailike_entry.pk}/", correction, format="json")
    assert alone.json() == {"reason": [too_long["en"]]}
    sailike_entry.refresh_from_db()
    assert sailike_entry.lambs_born == 10

    not_a_number = not_a_whole_number("many")
    item = {**new_entry(sailike_record), "lambs_born": "many"}
    refused = client.post(URL, item, format="json", **asked)
    both = f"{said_in(first, not_a_number)} · {said_in(beside, not_a_number)}"
    assert refused.json() == {"lambs_born": [both]}
    refused = client.post(BULK_URL, [item], format="json", **asked)
    assert refused.json()["errors"][0]["errors"] == {"lambs_born": [both]}

    gone = sailike_entry.pk
    entry_delete(entry=sailike_entry, reason="counted twice")
    refused = client.patch(f"{URL}{gone}/", {"lambs_born": 1, "reason": "recounted"}, **asked)
    assert refused.status_code == 404
    assert refused.json() == {
        "detail": f"{drf_message(first, 'Not found.')} · {drf_message(beside, 'Not found.')}"
    }


PERMISSION_DENIED = "You do not have permission to perform this action."


@pytest.mark.parametrize("page_language", ["zh-hans", "kk-arab"])
def test_a_role_that_may_not_add_or_correct_counts_is_refused_in_a_field_pages_two_languages(
    fuhai_technician, sailike_record, sailike_entry, page_language
):
    """A technician whose role was changed (here to an official's, who may read counts
    but not add or correct them) while their phone held counts and corrections is
    refused their upload with a 403, which the field app shows where the upload waits.
    It came in the request's language alone, where every other refusal comes in the
    page's two, each apart; asked by no such header, it still comes in one."""
    fuhai_technician.groups.set([Group.objects.get(name=roles.OFFICIAL)])
    client = api(fuhai_technician, language="en")
    asked = {"HTTP_X_SHOWN_LANGUAGES": page_language, "HTTP_X_SHOWN_APART": "1"}
    first, beside = shown_languages(page_language)
    said = {language: drf_message(language, PERMISSION_DENIED) for language in (first, beside)}
    assert said[first] != said[beside]
    correction = {"lambs_born": 11, "reason": "recounted"}
    refused = [
        client.post(BULK_URL, [new_entry(sailike_record, lambs_born=5)], format="json", **asked),
        client.patch(f"{URL}{sailike_entry.pk}/", correction, format="json", **asked),
    ]
    assert [(answer.status_code, answer.json()) for answer in refused] == [(403, said)] * 2
    alone = client.patch(f"{URL}{sailike_entry.pk}/", correction, format="json")
    assert (alone.status_code, alone.json()) == (403, {"detail": PERMISSION_DENIED})
    sailike_entry.refresh_from_db()
    assert (sailike_entry.lambs_born, sailike_record.entries.count()) == (10, 1)


# Changing and deleting


def test_a_correction_that_breaks_a_rule_is_refused_and_changes_nothing(
    fuhai_technician, sailike_entry
):
    entry_create(record=sailike_entry.record, date=DEC_10, lambs_lost=9, loss_cause="cold")
    response = api(fuhai_technician).patch(
        f"{URL}{sailike_entry.pk}/", {"lambs_born": 3, "reason": "recounted"}
    )
    assert response.status_code == 400
    assert "lambs_born" in response.json()
    sailike_entry.refresh_from_db()
    assert (sailike_entry.lambs_born, sailike_entry.version) == (10, 1)


def test_an_entry_cannot_be_moved_to_another_record(fuhai_technician, sailike_entry, qibaerwoyi):
    herder = herder_create(village=qibaerwoyi, name="哈那提", name_latin="Hanati")
    other = record_create(herder=herder, season=sailike_entry.record.season)
    response = api(fuhai_technician).patch(f"{URL}{sailike_entry.pk}/", {"record": other.pk})
    assert response.status_code == 400
    assert "record" in response.json()
    sailike_entry.refresh_from_db()
    assert sailike_entry.record_id != other.pk


def test_a_correction_keeps_the_entry_in_the_history_with_who_made_it_and_why(
    fuhai_technician, sailike_entry
):
    response = api(fuhai_technician).patch(
        f"{URL}{sailike_entry.pk}/", {"lambs_born": 11, "reason": "recounted the pen"}
    )
    assert response.status_code == 200
    latest, before = sailike_entry.history.order_by("-history_date")[:2]
    assert (before.lambs_born, latest.lambs_born) == (10, 11)
    assert latest.history_user == fuhai_technician
    assert latest.history_change_reason == "recounted the pen"


@pytest.mark.parametrize("reason", [None, "   "], ids=["none", "spaces"])
@pytest.mark.parametrize("method", ["patch", "delete"])
def test_a_correction_or_deletion_without_a_reason_is_refused(
    fuhai_technician, sailike_entry, method, reason
):
    """No reason, or one of spaces alone: the service's rule, as every surface says it."""
    client = api(fuhai_technician)
    url = f"{URL}{sailike_entry.pk}/"
    given = {} if reason is None else {"reason": reason}
    if method == "patch":
        response = client.patch(url, {"lambs_born": 11, **given})
    else:
        response = client.delete(url + ("" if reason is None else f"?reason={quote(reason)}"))
    assert response.status_code == 400
    assert response.json()["reason"] == [
        "The reason is empty or only spaces; say why the saved counts are corrected or "
        "deleted (rule: a correction needs a reason, kept in the history)."
    ]
    sailike_entry.refresh_from_db()
    assert (sailike_entry.lambs_born, sailike_entry.version) == (10, 1)


def test_delete_with_the_current_etag_removes_the_entry(fuhai_technician, sailike_entry):
    client = api(fuhai_technician)
    etag = client.get(f"{URL}{sailike_entry.pk}/").headers["ETag"]
    response = client.delete(f"{URL}{sailike_entry.pk}/?reason=entered+twice", HTTP_IF_MATCH=etag)
    assert response.status_code == 204
    assert not LambingEntry.objects.filter(pk=sailike_entry.pk).exists()
    assert client.get(f"{URL}{sailike_entry.pk}/").status_code == 404


def test_delete_with_a_stale_if_match_is_a_412_and_keeps_the_entry(fuhai_technician, sailike_entry):
    client = api(fuhai_technician)
    stale = client.get(f"{URL}{sailike_entry.pk}/").headers["ETag"]
    entry_update(reason="recounted", entry=sailike_entry, lambs_born=11)

    response = client.delete(f"{URL}{sailike_entry.pk}/?reason=entered+twice", HTTP_IF_MATCH=stale)

    assert response.status_code == 412
    assert LambingEntry.objects.get(pk=sailike_entry.pk).lambs_born == 11


def test_deleting_an_entry_outside_the_scope_is_a_404(fuhai_technician, bieke_entry):
    assert (
        api(fuhai_technician).delete(f"{URL}{bieke_entry.pk}/?reason=entered+twice").status_code
        == 404
    )
    assert LambingEntry.objects.filter(pk=bieke_entry.pk).exists()


def test_an_official_cannot_delete_an_entry(prefecture_official, sailike_entry):
    assert (
        api(prefecture_official)
        .delete(f"{URL}{sailike_entry.pk}/?reason=entered+twice")
        .status_code
        == 403
    )
    assert LambingEntry.objects.filter(pk=sailike_entry.pk).exists()


def test_deleting_the_births_that_later_losses_count_against_is_refused(
    fuhai_technician, sailike_entry
):
    entry_create(
        record=sailike_entry.record,
        date=datetime.date(2024, 12, 11),
        lambs_lost=2,
        loss_cause="cold",
    )
    response = api(fuhai_technician).delete(f"{URL}{sailike_entry.pk}/?reason=entered+twice")
    assert response.status_code == 400
    assert "rule: losses ≤ lambs born" in str(response.json())
    assert LambingEntry.objects.filter(pk=sailike_entry.pk).exists()


# Reading


@pytest.fixture
def entries_of_both_counties(sailike_record, bieke_record, prefecture_official):
    """赛力克 (福海县) counted on 10 and 20 December, 别克 (布尔津县) on 15 December."""
    first, _ = entry_create(record=sailike_record, date=DEC_10, lambs_born=4)
    second, _ = entry_create(record=sailike_record, date=datetime.date(2024, 12, 20), lambs_born=2)
    bieke, _ = entry_create(record=bieke_record, date=datetime.date(2024, 12, 15), lambs_born=7)
    return api(prefecture_official), first, second, bieke


def test_entries_filter_by_record(entries_of_both_counties, sailike_record):
    client, first, second, _bieke = entries_of_both_counties
    assert ids(client.get(URL, {"record": sailike_record.pk})) == [first.pk, second.pk]


@pytest.mark.parametrize("level", ["county", "township", "village"])
def test_entries_filter_by_place_at_any_level(entries_of_both_counties, tongke, level):
    client, _first, _second, bieke = entries_of_both_counties
    place_id = {"county": tongke.township.county_id, "township": tongke.township_id}.get(
        level, tongke.pk
    )
    assert ids(client.get(URL, {level: place_id})) == [bieke.pk]


def test_entries_filter_by_season(entries_of_both_counties, winter_2024):
    client, *entries = entries_of_both_counties
    assert len(ids(client.get(URL, {"season": winter_2024.pk}))) == 3
    assert ids(client.get(URL, {"season": winter_2024.pk + 1})) == []


def test_entries_filter_by_a_date_range_including_both_ends(entries_of_both_counties):
    client, first, second, bieke = entries_of_both_counties
    within = {"date_after": "2024-12-15", "date_before": "2024-12-20", "ordering": "date"}
    assert ids(client.get(URL, within)) == [bieke.pk, second.pk]
    assert ids(client.get(URL, {"date_before": "2024-12-14"})) == [first.pk]
    assert ids(client.get(URL, {"date_after": "2024-12-21"})) == []


@pytest.mark.parametrize("term", ["赛力克", "屈克木", "sailike", "QUKEMU"])
def test_search_finds_entries_by_the_herders_chinese_or_latin_name(entries_of_both_counties, term):
    client, first, second, _bieke = entries_of_both_counties
    assert sorted(ids(client.get(URL, {"search": term}))) == [first.pk, second.pk]


def test_entries_are_ordered_by_the_field_asked_for(entries_of_both_counties):
    client, first, second, bieke = entries_of_both_counties
    assert ids(client.get(URL, {"ordering": "-date"})) == [second.pk, bieke.pk, first.pk]
    assert ids(client.get(URL, {"ordering": "date"})) == [first.pk, bieke.pk, second.pk]


# What a create costs

# Queries of one entry created through the API: the wrong tokens counted for
# the request's address, the token with its user, the user's permissions and
# the user's scope (one statement on PostgreSQL; three on SQLite), the
# throttle's count (one atomic increment); the record read once, locked, within
# that scope, with its places, season and approval; the record's entries (read
# once, for the rules and the rollups); the insert and its history row (its
# uuid is the unique index's to refuse: a resend is looked up only then), one
# statement on PostgreSQL; one upsert of the daily rollup rows the entry
# changes; the service's transaction (begun and committed; a savepoint and its
# release in the tests' transaction), the whole write's. It was 22 until
# 2026-12-06, then 13 (and the wrong tokens read from the cache, a database
# table in production), then 10 on PostgreSQL (the permissions and the scope
# each a statement of their own).
CREATE_QUERIES = 8 if connection.vendor == "postgresql" else 12


def test_a_create_takes_as_many_queries_with_many_entries_stored_as_with_none(
    fuhai_technician, sailike_record, django_assert_num_queries
):
    client = api(fuhai_technician)
    client.get(URL)  # the token's user, once
    with django_assert_num_queries(CREATE_QUERIES) as first:
        assert client.post(URL, new_entry(sailike_record, lambs_born=2)).status_code == 201
    queries = len(first.captured_queries)  # read before the next request clears the log
    client.post(BULK_URL, [new_entry(sailike_record, lambs_born=1) for _ in range(30)])
    with django_assert_num_queries(queries):
        assert client.post(URL, new_entry(sailike_record, lambs_born=2)).status_code == 201
    assert sailike_record.entries.count() == 32


def test_an_entry_the_database_refuses_for_a_rule_is_a_400_naming_the_rule(
    fuhai_technician, sailike_record, monkeypatch
):
    """A create leaves the single-row rules to ``clean()`` and the database's
    check constraints, not to a query per constraint: were ``clean()`` ever to
    miss one, the database's refusal is still a 400 with the rule, not a 500."""
    monkeypatch.setattr(LambingEntry, "clean", lambda entry: None)
    data = new_entry(sailike_record, lambs_born=5, lambs_lost=2)  # a loss without a cause

    response = api(fuhai_technician).post(URL, data)

    assert response.status_code == 400, response.content
    assert response.json() == {
        "non_field_errors": ["Lambs lost need a cause, and a cause needs lambs lost."]
    }
    assert not sailike_record.entries.exists()


# Many at once


def test_a_bulk_of_good_entries_is_stored_whole_with_counts(fuhai_technician, sailike_record):
    items = [
        new_entry(sailike_record, ewes_lambed=3, lambs_born=4),
        new_entry(sailike_record, lambs_lost=1, loss_cause="cold"),
        new_entry(sailike_record, lambs_alive=3, check_stage="day7"),
    ]
    response = api(fuhai_technician).post(BULK_URL, items)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["created"], body["unchanged"], body["errors"]) == (3, 0, [])
    assert [entry["uuid"] for entry in body["entries"]] == [item["uuid"] for item in items]
    assert sailike_record.entries.count() == 3


def test_a_bulk_listing_a_days_losses_before_its_births_is_stored_as_the_day_adds_up(
    fuhai_technician, sailike_record
):
    items = [
        new_entry(sailike_record, lambs_lost=1, loss_cause="cold"),
        new_entry(sailike_record, ewes_lambed=3, lambs_born=4),
    ]
    response = api(fuhai_technician).post(BULK_URL, items)
    assert response.status_code == 201, response.content
    assert response.json()["created"] == 2
    totals = api(fuhai_technician).get(f"{API}lambing-records/{sailike_record.pk}/").json()
    assert (totals["totals"]["lambs_born"], totals["totals"]["lamb_losses"]) == (4, 1)


def test_a_second_survival_check_on_one_day_is_refused_at_lambs_alive_naming_the_rule(
    fuhai_technician, sailike_record
):
    client = api(fuhai_technician, language="zh-hans")
    assert client.post(URL, new_entry(sailike_record, lambs_born=5)).status_code == 201
    check = new_entry(sailike_record, lambs_alive=5, check_stage="birth")
    assert client.post(URL, check).status_code == 201
    response = client.post(URL, new_entry(sailike_record, lambs_alive=4, check_stage="birth"))
    assert response.status_code == 400
    message = response.json()["lambs_alive"][0]
    assert "2024-12-12已有成活检查记录" in message and "每户每天一次成活检查" in message
    assert sailike_record.entries.count() == 2


def test_a_bulk_answers_each_entry_as_the_api_shows_it_alone(fuhai_technician, sailike_record):
    """The bulk's answer is made without the serializer per entry: each entry
    in it is what ``GET /entries/ID/`` answers, new or sent before."""
    client = api(fuhai_technician)
    sent_before = new_entry(sailike_record, lambs_born=2, note="点数于上午")
    assert client.post(URL, sent_before).status_code == 201
    items = [
        new_entry(sailike_record, ewes_lambed=3, lambs_born=4, note="第二圈"),
        sent_before,
        new_entry(sailike_record, lambs_lost=1, loss_cause="cold"),
        new_entry(sailike_record, lambs_alive=3, check_stage="day7"),
        {**new_entry(sailike_record, lambs_born=1), "note": "  trimmed  "},  # the serializer's
    ]
    response = client.post(BULK_URL, items)
    assert response.status_code == 201, response.content

    answered = response.json()["entries"]
    assert [entry["uuid"] for entry in answered] == [item["uuid"] for item in items]
    assert answered[-1]["note"] == "trimmed"
    for entry in answered:
        assert entry == client.get(f"{URL}{entry['id']}/").json()


def test_a_bulk_resent_is_a_200_with_every_entry_unchanged(fuhai_technician, sailike_record):
    client = api(fuhai_technician)
    items = [new_entry(sailike_record, lambs_born=2), new_entry(sailike_record, lambs_born=3)]
    assert client.post(BULK_URL, items).status_code == 201

    response = client.post(BULK_URL, items)

    assert response.status_code == 200
    assert (response.json()["created"], response.json()["unchanged"]) == (0, 2)
    assert sailike_record.entries.count() == 2


def test_a_bulk_resending_a_survival_check_beside_new_entries_stores_only_the_new_ones(
    fuhai_technician, sailike_record
):
    """A bulk's uuids are looked up only when something in it is refused: here
    the resent check, counted as new, makes two checks on its day, and the bulk
    is checked again knowing it is stored, so that it is the stored one."""
    client = api(fuhai_technician)
    check = new_entry(sailike_record, lambs_born=3, lambs_alive=3, check_stage="day7")
    assert client.post(URL, check).status_code == 201  # its answer was lost

    response = client.post(BULK_URL, [new_entry(sailike_record, lambs_born=1), check])

    assert response.status_code == 201, response.content
    assert (response.json()["created"], response.json()["unchanged"]) == (1, 1)
    assert sorted(sailike_record.entries.values_list("lambs_born", flat=True)) == [1, 3]


def test_a_bulk_with_one_bad_item_stores_nothing_and_names_its_index_and_errors(
    fuhai_technician, sailike_record
):
    items = [
        new_entry(sailike_record, lambs_born=2),
        new_entry(sailike_record, lambs_born=-1),
        new_entry(sailike_record, lambs_born=3),
    ]
    response = api(fuhai_technician).post(BULK_URL, items)
    assert response.status_code == 400
    body = response.json()
    assert (body["created"], body["unchanged"], body["entries"]) == (0, 0, [])
    assert [error["index"] for error in body["errors"]] == [1]
    assert list(body["errors"][0]["errors"]) == ["lambs_born"]
    assert not sailike_record.entries.exists()


def test_a_bulk_item_whose_note_holds_a_lone_surrogate_is_refused_at_its_note(
    fuhai_technician, sailike_record
):
    """JSON may carry half of a UTF-16 pair ("\\ud800"), which no database
    stores: the item is refused at its note, as a single create refuses it,
    not a 500."""
    good = new_entry(sailike_record, lambs_born=2)
    bad = {**new_entry(sailike_record, lambs_born=3), "note": "a\ud800b"}
    body = json.dumps([good, bad])  # "\ud800" escaped, as a client sends it
    response = api(fuhai_technician).post(BULK_URL, body, content_type="application/json")
    assert response.status_code == 400
    assert [(error["index"], list(error["errors"])) for error in response.json()["errors"]] == [
        (1, ["note"])
    ]
    assert not sailike_record.entries.exists()


def test_a_bulk_breaking_a_rule_across_its_items_stores_nothing(fuhai_technician, sailike_record):
    items = [
        new_entry(sailike_record, lambs_born=5),
        new_entry(sailike_record, lambs_lost=6, loss_cause="cold"),
    ]
    response = api(fuhai_technician, language="zh-hans").post(BULK_URL, items)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["index"] == 1
    assert "死亡羔羊累计将达6只，超过产羔数5只" in error["errors"]["lambs_lost"][0]
    assert not sailike_record.entries.exists()


def test_a_bulk_with_an_item_for_another_county_stores_nothing(
    fuhai_technician, sailike_record, bieke_record
):
    items = [new_entry(sailike_record, lambs_born=2), new_entry(bieke_record, lambs_born=2)]
    response = api(fuhai_technician).post(BULK_URL, items)
    assert response.status_code == 400
    assert response.json()["errors"][0]["index"] == 1
    assert list(response.json()["errors"][0]["errors"]) == ["record"]
    assert not LambingEntry.objects.exists()


def test_a_bulk_with_a_used_uuid_under_other_content_stores_nothing(
    fuhai_technician, sailike_record
):
    client = api(fuhai_technician)
    used = new_entry(sailike_record, lambs_born=2)
    assert client.post(URL, used).status_code == 201
    items = [new_entry(sailike_record, lambs_born=1), {**used, "lambs_born": 20}]
    response = client.post(BULK_URL, items)
    assert response.status_code == 400
    assert [(e["index"], list(e["errors"])) for e in response.json()["errors"]] == [(1, ["uuid"])]
    assert list(sailike_record.entries.values_list("lambs_born", flat=True)) == [2]


def test_an_entry_sent_twice_in_one_bulk_is_stored_once(fuhai_technician, sailike_record):
    item = new_entry(sailike_record, lambs_born=2)
    response = api(fuhai_technician).post(BULK_URL, [item, new_entry(sailike_record), item])
    assert response.status_code == 201, response.content
    assert (response.json()["created"], response.json()["unchanged"]) == (2, 1)
    assert [entry["uuid"] for entry in response.json()["entries"]][::2] == [item["uuid"]] * 2
    assert sailike_record.entries.filter(uuid=item["uuid"]).count() == 1


def test_one_uuid_under_two_contents_in_one_bulk_stores_nothing(fuhai_technician, sailike_record):
    item = new_entry(sailike_record, lambs_born=2)
    response = api(fuhai_technician).post(BULK_URL, [item, {**item, "lambs_born": 3}])
    assert response.status_code == 400
    assert [(e["index"], list(e["errors"])) for e in response.json()["errors"]] == [(1, ["uuid"])]
    assert not sailike_record.entries.exists()


def test_a_bulk_takes_as_many_queries_for_200_entries_of_20_households_as_for_2(
    fuhai_technician, sailike_record, qibaerwoyi, django_assert_max_num_queries
):
    """A bulk is checked and stored in batches: the records locked together,
    their entries, approvals and UUIDs read together, the entries and their
    history inserted together, the daily rollups made again once."""
    records = [sailike_record] + [
        record_create(
            herder=herder_create(village=qibaerwoyi, name=f"牧户{n}", name_latin=f"H{n}"),
            season=sailike_record.season,
        )
        for n in range(19)
    ]
    client = api(fuhai_technician)
    client.post(BULK_URL, [new_entry(record, lambs_born=3) for record in records])  # caches
    with CaptureQueriesContext(connection) as for_two:
        response = client.post(
            BULK_URL, [new_entry(records[0], lambs_born=1), new_entry(records[1], lambs_born=1)]
        )
    assert response.status_code == 201, response.content

    # As many, but for the inserts that SQLite's limit of 999 values per
    # statement splits (a few); a query per entry would be 200 more.
    with django_assert_max_num_queries(len(for_two) + 200 // 20):
        response = client.post(
            BULK_URL,
            [
                new_entry(record, lambs_born=2, lambs_lost=1, loss_cause="cold")
                for _round in range(10)
                for record in records
            ],
        )
    assert response.status_code == 201, response.content
    assert response.json()["created"] == 200


def test_a_bulk_of_1000_entries_takes_as_many_queries_as_a_bulk_of_2(
    fuhai_technician, sailike_record, qibaerwoyi
):
    """The largest bulk the endpoint takes costs a fixed number of queries:
    on PostgreSQL exactly those of a bulk of 2 (its entries and their history
    rows each go in one COPY, the rollups in one upsert); on SQLite, its
    inserts split by its limit of values per statement."""
    records = [sailike_record] + [
        record_create(
            herder=herder_create(village=qibaerwoyi, name=f"牧户{n}", name_latin=f"H{n}"),
            season=sailike_record.season,
        )
        for n in range(19)
    ]
    client = api(fuhai_technician)
    client.post(BULK_URL, [new_entry(record, lambs_born=3) for record in records])  # caches
    with CaptureQueriesContext(connection) as for_two:
        response = client.post(
            BULK_URL, [new_entry(records[0], lambs_born=1), new_entry(records[1], lambs_born=1)]
        )
    assert response.status_code == 201, response.content

    with CaptureQueriesContext(connection) as for_1000:
        response = client.post(
            BULK_URL,
            [new_entry(record, lambs_born=1) for _round in range(50) for record in records],
        )
    assert response.status_code == 201, response.content
    assert response.json()["created"] == 1000
    if connection.vendor == "postgresql":
        assert len(for_1000) == len(for_two)
    else:
        # 1,000 entries of 13 columns and their history rows of 21, at most 999
        # values a statement: 14 and 22 inserts where a bulk of 2 takes 1 and 1.
        assert len(for_1000) <= len(for_two) + 13 + 21


def test_a_bulk_refusing_items_for_rules_of_every_kind_names_each_with_its_rule(
    fuhai_technician, sailike_record
):
    """Each refused item keeps its field, rule and value, as when sent alone."""
    items = [
        new_entry(sailike_record, lambs_born=4),
        new_entry(sailike_record, lambs_lost=2),  # no cause
        {**new_entry(sailike_record, lambs_born=1), "date": "2026-01-05"},  # outside the season
        new_entry(sailike_record, lambs_alive=9, check_stage="day7"),  # more than born
    ]
    response = api(fuhai_technician).post(BULK_URL, items)
    assert response.status_code == 400
    errors = {error["index"]: error["errors"] for error in response.json()["errors"]}
    assert list(errors) == [1, 2, 3]
    assert "2 lambs lost need a cause" in errors[1]["loss_cause"][0]
    assert "2026-01-05" in errors[2]["date"][0]
    assert "(rule: lambs alive ≤ lambs born − losses)" in errors[3]["lambs_alive"][0]
    assert not sailike_record.entries.exists()


@pytest.mark.parametrize("body", [[], {"record": 1}, "entries"], ids=["empty", "object", "text"])
def test_a_bulk_that_is_not_a_list_of_entries_is_a_400(fuhai_technician, sailike_record, body):
    response = api(fuhai_technician).post(BULK_URL, body)
    assert response.status_code == 400
    assert not LambingEntry.objects.exists()


@pytest.mark.parametrize(
    ("page_language", "said"),
    [
        (
            "zh-hans",
            "无效数据。期待为字典类型，得到的是 {} 。 · "
            "Invalid data. Expected a dictionary, but got {}.",
        ),
        (
            "kk",
            "Деректер қате. Күтілгені - сөздік түрі, берілгені - {}. · "
            "无效数据。期待为字典类型，得到的是 {} 。",
        ),
    ],
)
def test_a_bulk_item_of_null_is_refused_keyed_as_any_item_that_is_no_entry(
    fuhai_technician, sailike_record, page_language, said
):
    """An item of JSON null was refused with a bare list ("该字段不能为 null。", "This field
    may not be null." of no field), where every other item's errors are keyed by field
    and an item of text is said to be no object: a client reading the errors by field
    found none."""
    client = api(fuhai_technician, language="en")
    items = [new_entry(sailike_record, lambs_born=1), None, "entry"]
    asked = {"HTTP_X_SHOWN_LANGUAGES": page_language}
    refused = client.post(BULK_URL, items, format="json", **asked)
    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        {"index": 1, "errors": {"non_field_errors": [said.format("null", "null")]}},
        {"index": 2, "errors": {"non_field_errors": [said.format("str", "str")]}},
    ]
    alone = client.post(BULK_URL, [None], format="json")
    assert alone.json()["errors"] == [
        {
            "index": 0,
            "errors": {"non_field_errors": ["Invalid data. Expected a dictionary, but got null."]},
        }
    ]
    assert not LambingEntry.objects.exists()


def test_a_bulk_of_more_than_1000_entries_is_refused_whole(fuhai_technician, sailike_record):
    items = [new_entry(sailike_record, lambs_born=1) for _ in range(1001)]
    response = api(fuhai_technician).post(BULK_URL, items)
    assert response.status_code == 400
    assert "1000" in str(response.json())
    assert not LambingEntry.objects.exists()


@pytest.mark.parametrize(
    ("page_language", "said"),
    [
        (
            "zh-hans",
            [
                "请求内容是含1001条登记的列表（规则：每次1到1000条登记）。 · The request's body "
                "is a list of 1001 entries (rule: 1 to 1000 entries at once).",
                '请求内容是{"record": 1}，不是登记列表（规则：每次1到1000条登记）。 · The '
                'request\'s body is {"record": 1}, not a list of entries (rule: 1 to 1000 '
                "entries at once).",
            ],
        ),
        (
            "kk",
            [
                "Сұраудың мазмұны 1001 жазбадан тұратын тізім (ереже: бір жолы 1-ден 1000-ге "
                "дейін жазба). · 请求内容是含1001条登记的列表（规则：每次1到1000条登记）。",
                'Сұраудың мазмұны {"record": 1}, жазбалар тізімі емес (ереже: бір жолы 1-ден '
                '1000-ге дейін жазба). · 请求内容是{"record": 1}，不是登记列表（规则：每次1到1000'
                "条登记）。",
            ],
        ),
    ],
)
def test_a_bulk_refused_whole_says_what_it_held_and_the_rule_in_both_languages(
    fuhai_technician, sailike_record, page_language, said
):
    """A bulk of 1,001 entries, or a body that is no list, is refused whole with
    what it holds and the rule, in the field page's two languages as every other
    refusal (X-Shown-Languages), where it came in the request's language alone;
    asked by no such header, in the request's language."""
    client = api(fuhai_technician, language="en")
    asked = {"HTTP_X_SHOWN_LANGUAGES": page_language}
    too_many = [new_entry(sailike_record, lambs_born=1) for _ in range(1001)]
    for body, message in zip([too_many, {"record": 1}], said, strict=True):
        refused = client.post(BULK_URL, body, format="json", **asked)
        assert refused.status_code == 400
        assert refused.json() == {
            "created": 0,
            "unchanged": 0,
            "errors": [{"index": None, "errors": {"non_field_errors": [message]}}],
            "entries": [],
        }
    alone = client.post(BULK_URL, [], format="json")
    assert alone.json()["errors"][0]["errors"]["non_field_errors"] == [
        "The request's body is a list of 0 entries (rule: 1 to 1000 entries at once)."
    ]
    assert not LambingEntry.objects.exists()


def test_an_official_cannot_send_a_bulk(prefecture_official, sailike_record):
    response = api(prefecture_official).post(BULK_URL, [new_entry(sailike_record, lambs_born=1)])
    assert response.status_code == 403
    assert not LambingEntry.objects.exists()


def test_an_integration_token_without_write_cannot_add_entries(fuhai, sailike_record):
    created = user_create(
        username="vet-system", role="integration", places=[fuhai], password=PASSWORD
    )
    client = api(created.user)
    assert client.post(URL, new_entry(sailike_record, lambs_born=1)).status_code == 403
    assert client.post(BULK_URL, [new_entry(sailike_record, lambs_born=1)]).status_code == 403
    assert not LambingEntry.objects.exists()


def test_a_township_technician_adds_in_their_township_only(sailike_record, bieke_record, woyimoke):
    technician = make_user("woyimoke-tech-2", "technician", woyimoke)
    client = api(technician)
    assert client.post(URL, new_entry(bieke_record, lambs_born=1)).status_code == 201
    assert client.post(URL, new_entry(sailike_record, lambs_born=1)).status_code == 400
    assert not sailike_record.entries.exists()


def test_records_one_user_named_do_not_become_nameable_by_another(
    altay, fuhai_technician, sailike_record, bieke_record
):
    """The serializers' fields are built once per class and copied: the records
    a bulk read for a prefecture's technician stay theirs."""
    altay_technician = make_user("altay-tech", "technician", altay)
    sent = api(altay_technician).post(BULK_URL, [new_entry(bieke_record, lambs_born=1)])
    assert sent.status_code == 201, sent.content

    response = api(fuhai_technician).post(URL, new_entry(bieke_record, lambs_born=1))

    assert response.status_code == 400
    assert list(response.json()) == ["record"]
    assert bieke_record.entries.count() == 1


def test_a_bulk_request_that_is_not_json_is_refused_in_the_bulk_answers_shape(fuhai_technician):
    response = api(fuhai_technician).post(BULK_URL, data="\x00", content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert (body["created"], body["unchanged"], body["entries"]) == (0, 0, [])
    assert body["errors"][0]["errors"]["non_field_errors"] == [
        "The request's body is not valid JSON at line 1, column 1 (Expecting value); nothing "
        "was stored."
    ]


NOT_JSON = {
    "zh-hans": "请求内容在第 2 行第 89 列处不是有效的 JSON（Expecting ',' delimiter），"
    "什么都没有保存。",
    "en": "The request's body is not valid JSON at line 2, column 89 (Expecting ',' delimiter); "
    "nothing was stored.",
    "kk": "Сұраудың мазмұны 2-жолдың 89-бағанында жарамды JSON емес (Expecting ',' delimiter); "
    "ештеңе сақталмады.",
}


@pytest.mark.parametrize("page_language", ["zh-hans", "kk"])
def test_a_body_that_is_not_json_is_refused_saying_where_in_both_languages(
    fuhai_technician, sailike_record, page_language
):
    """An entry written by hand with a comma left out, sent alone or in a bulk, is
    refused saying the line and column where the body stops being JSON, in the
    field page's two languages as every other refusal (X-Shown-Languages), where it
    came in the request's language alone (the bulk's in the decoder's English, with
    DRF's "JSON parse error - "); asked by no such header, in the request's
    language. Nothing is stored."""
    client = api(fuhai_technician, language="en")
    asked = {"HTTP_X_SHOWN_LANGUAGES": page_language}
    first, beside = shown_languages(page_language)
    both = f"{NOT_JSON[first]} · {NOT_JSON[beside]}"
    entry = f'  "uuid": "{ENTRY_UUID}", "date": "2024-12-12", "lambs_born": 1 "record": '
    assert entry.index('"record"') + 1 == 89  # the column of the field after the missing comma
    single = f"{{\n{entry}{sailike_record.pk}\n}}"
    bulk = f"[{{\n{entry}{sailike_record.pk}}}\n]"

    refused = client.post(URL, single, content_type="application/json", **asked)
    assert refused.status_code == 400
    assert refused.json() == {"detail": both}
    refused = client.post(BULK_URL, bulk, content_type="application/json", **asked)
    assert refused.status_code == 400
    assert refused.json() == {
        "created": 0,
        "unchanged": 0,
        "errors": [{"index": None, "errors": {"non_field_errors": [both]}}],
        "entries": [],
    }
    alone = client.post(BULK_URL, bulk, content_type="application/json")
    assert alone.json()["errors"][0]["errors"]["non_field_errors"] == [NOT_JSON["en"]]
    alone = client.post(URL, single, content_type="application/json")
    assert alone.json() == {"detail": NOT_JSON["en"]}
    assert not LambingEntry.objects.exists()


NESTED_TOO_DEEP = {
    "zh-hans": "请求内容的 JSON 嵌套过深（列表和对象最多 32 层），什么都没有保存。",
    "en": "The request's body is JSON nested too deep (at most 32 levels of lists and "
    "objects); nothing was stored.",
    "kk": "Сұраудың мазмұнындағы JSON тым терең ұяланған (тізімдер мен нысандар ең көбі "
    "32 деңгей); ештеңе сақталмады.",
}


@pytest.mark.parametrize("page_language", ["zh-hans", "kk"])
def test_a_body_nested_too_deep_is_refused_saying_nothing_was_stored_in_both_languages(
    fuhai_technician, page_language
):
    """A body of lists in lists deeper than any request of the API, sent alone or as
    a bulk, is refused as a body that is not JSON is: in the field page's two
    languages, saying that nothing was stored, where it said "JSON parse
    error - nested too deep: at most 32 levels." and left its sender to wonder
    whether part of it was; asked by no such header, in the request's language."""
    client = api(fuhai_technician, language="en")
    asked = {"HTTP_X_SHOWN_LANGUAGES": page_language}
    first, beside = shown_languages(page_language)
    both = f"{NESTED_TOO_DEEP[first]} · {NESTED_TOO_DEEP[beside]}"
    body = "[" * 33 + "]" * 33

    refused = client.post(URL, body, content_type="application/json", **asked)
    assert refused.status_code == 400
    assert refused.json() == {"detail": both}
    refused = client.post(BULK_URL, body, content_type="application/json", **asked)
    assert refused.status_code == 400
    assert refused.json()["errors"] == [{"index": None, "errors": {"non_field_errors": [both]}}]
    alone = client.post(URL, body, content_type="application/json")
    assert alone.json() == {"detail": NESTED_TOO_DEEP["en"]}
    assert not LambingEntry.objects.exists()
