"""What another county holds is not confirmed through a side door (issue 18):
an entry uuid stored in another county is answered exactly as any uuid the
user may not use, on every write surface; an imported entry's derived uuid
cannot be computed by others; an entry's note is bounded."""

import datetime
import hashlib
import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.crypto import salted_hmac

from livestock.models import LambingEntry, LambingRecord
from livestock.services.entries import entry_create
from livestock.services.users import user_create
from livestock.spreadsheets.columns import ENTRY_KEYS, HEADERS
from livestock.spreadsheets.importing import ROW_SALT, derived_uuid
from tests.test_api_base import API, api

DEC_10 = datetime.date(2024, 12, 10)


@pytest.fixture
def writer(fuhai):
    return user_create(
        username="fuhai-app", role="integration", places=[fuhai], password="x" * 20, write=True
    ).user


@pytest.fixture
def taken(sailike_record, bieke_record, sailike):
    """Two stored uuids the 福海县 writer may not use: one on 别克's record in 布尔津县
    (outside its places), one on a second 福海县 record of its own."""
    outside, _new = entry_create(record=bieke_record, date=DEC_10, lambs_born=2, uuid=uuid.uuid4())
    inside, _new = entry_create(record=sailike_record, date=DEC_10, lambs_born=3, uuid=uuid.uuid4())
    return outside.uuid, inside.uuid


def _without(text: str, *uuids) -> str:
    for value in uuids:
        text = text.replace(str(value), "UUID")
    return text


def test_a_single_entry_under_another_countys_uuid_is_answered_as_any_used_uuid(
    writer, taken, sailike_record, english
):
    outside, inside = taken
    body = {"record": sailike_record.pk, "date": "2024-12-11", "lambs_born": 1}
    answers = [api(writer).post(API + "entries/", {**body, "uuid": str(u)}) for u in taken]

    assert [a.status_code for a in answers] == [409, 409]
    assert _without(answers[0].content.decode(), outside) == _without(
        answers[1].content.decode(), inside
    )


def test_a_bulk_under_another_countys_uuid_is_answered_as_any_used_uuid(
    writer, taken, sailike_record, english
):
    outside, inside = taken
    item = {"record": sailike_record.pk, "date": "2024-12-11", "lambs_born": 1}
    answers = [api(writer).post(API + "entries/bulk/", [{**item, "uuid": str(u)}]) for u in taken]

    assert [a.status_code for a in answers] == [400, 400]
    assert _without(answers[0].content.decode(), outside) == _without(
        answers[1].content.decode(), inside
    )
    assert "other content" not in answers[0].content.decode()


def test_an_import_under_another_countys_uuid_is_answered_as_any_used_uuid(
    writer, taken, sailike, winter_2024, english
):
    def imported(value):
        row = [str(value), "", "", "", str(sailike.pk), "", "", "", "", "2024-12-11", "", "1"]
        content = ",".join(HEADERS) + "\n" + ",".join(row) + "\n"
        upload = SimpleUploadedFile("c.csv", content.encode())
        return api(writer).post(
            API + "entries/bulk/", {"file": upload, "dry_run": "true"}, format="multipart"
        )

    answers = [imported(value) for value in taken]

    assert [a.status_code for a in answers] == [400, 400]
    outside, inside = taken
    assert _without(answers[0].content.decode(), outside) == _without(
        answers[1].content.decode(), inside
    )
    assert "other counts" not in answers[0].content.decode()


def test_a_derived_uuid_cannot_be_computed_from_the_record_and_counts(sailike_record, settings):
    content = dict.fromkeys(ENTRY_KEYS)
    content.update(date=DEC_10, lambs_born=3, ewes_lambed=2, lambs_lost=0)
    derived = derived_uuid(sailike_record, content)
    parts = [str(sailike_record.pk)] + [
        "" if content[key] is None else str(content[key]) for key in ENTRY_KEYS
    ]
    public = uuid.uuid5(
        uuid.uuid5(uuid.NAMESPACE_URL, "lambing-tracker:import-row"), "|".join(parts)
    )

    assert derived != public
    assert derived == derived_uuid(sailike_record, content)  # stable: stored once
    settings.SECRET_KEY = hashlib.sha256(b"another deployment").hexdigest()
    assert derived_uuid(sailike_record, content) != derived


def test_a_derived_uuid_is_the_one_earlier_versions_derived(settings):
    """A file imported again after an upgrade finds its entries: the uuid of a
    row (record 7, these counts, this SECRET_KEY) as it was first derived."""
    settings.SECRET_KEY = "pinned-secret-key-for-a-test-of-derived-uuids"
    content = dict.fromkeys(ENTRY_KEYS)
    content.update(
        date=DEC_10, lambs_born=3, ewes_lambed=2, lambs_lost=1, loss_cause="cold", note="夜里降温"
    )

    derived = derived_uuid(LambingRecord(pk=7), content)

    assert derived == uuid.UUID("887e86ff-c6ff-5576-8c60-4ec07c934f9a")


@pytest.mark.parametrize("secret", ["pinned-secret-key-for-a-test-of-derived-uuids", "键" * 80])
def test_a_derived_uuid_is_django_s_salted_hmac_of_its_record_and_counts(settings, secret):
    """However it is computed, a row's uuid is ``salted_hmac``'s digest of its
    record and counts (SHA-256, the import's salt): any key, any counts."""
    settings.SECRET_KEY = secret
    for pk, lambs in ((7, 3), (123456789, 0), (1, None)):
        content = dict.fromkeys(ENTRY_KEYS)
        content.update(date=DEC_10, lambs_born=lambs, note="夜里降温"[: pk % 5])
        parts = [str(pk), *("" if (v := content[key]) is None else str(v) for key in ENTRY_KEYS)]
        keyed = salted_hmac(ROW_SALT, "|".join(parts), secret=secret, algorithm="sha256")

        derived = derived_uuid(LambingRecord(pk=pk), content)

        assert derived == uuid.UUID(bytes=keyed.digest()[:16], version=5)


def test_a_note_longer_than_the_limit_is_a_400_naming_it(writer, sailike_record, english):
    body = {
        "uuid": str(uuid.uuid4()),
        "record": sailike_record.pk,
        "date": "2024-12-11",
        "note": "记" * 1001,
    }

    response = api(writer).post(API + "entries/", body)

    assert response.status_code == 400
    assert "1000" in response.json()["note"][0]
    assert not LambingEntry.objects.exists()


def test_a_note_of_the_limit_is_kept_whole(writer, sailike_record):
    body = {
        "uuid": str(uuid.uuid4()),
        "record": sailike_record.pk,
        "date": "2024-12-11",
        "note": "记" * 1000,
    }

    response = api(writer).post(API + "entries/", body)

    assert response.status_code == 201
    assert LambingEntry.objects.get().note == "记" * 1000


def test_the_note_limit_holds_in_the_import_too(writer, sailike, winter_2024, english, settings):
    settings.IMPORT_MAX_CELL_CHARACTERS = 5000  # the note reaches the model's rule
    row = ["", "", "", "", str(sailike.pk), "", "", "", "", "2024-12-11", "", "1", "", "", ""]
    row += ["", "记" * 1001]
    content = ",".join(HEADERS) + "\n" + ",".join(row) + "\n"
    upload = SimpleUploadedFile("c.csv", io.BytesIO(content.encode()).getvalue())

    response = api(writer).post(API + "entries/bulk/", {"file": upload}, format="multipart")

    assert response.status_code == 400
    assert "1000" in response.content.decode()
