"""Every create is safe to send again (issue 18): a herder household or a
lambing record sent again under its ``Idempotency-Key`` is the one it made
(200), never a second; the key with another body is a 409; an entry's key is
its ``uuid``. And every error an operation can answer is in the schema."""

import uuid

import pytest
import yaml

from livestock.models import Herder, LambingRecord
from livestock.services.users import user_create
from tests.test_api_base import API, api


@pytest.fixture
def writer(fuhai):

    return user_create(
        username="fuhai-app", role="integration", places=[fuhai], password="x" * 20, write=True
    ).user


def test_a_herder_sent_again_under_its_key_is_stored_once(writer, qibaerwoyi):
    client = api(writer)
    body = {"village": qibaerwoyi.pk, "name": "哈力木·别克", "name_latin": "Halimu Bieke"}
    key = str(uuid.uuid4())

    first = client.post(API + "herders/", body, HTTP_IDEMPOTENCY_KEY=key)
    again = client.post(API + "herders/", body, HTTP_IDEMPOTENCY_KEY=key)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Herder.objects.filter(name="哈力木·别克").count() == 1


def test_a_record_sent_again_under_its_key_is_stored_once(writer, sailike, winter_2024):
    client = api(writer)
    body = {"herder": sailike.pk, "season": winter_2024.pk, "ewes_at_start": 80}

    first = client.post(API + "lambing-records/", body, HTTP_IDEMPOTENCY_KEY="r-1")
    again = client.post(API + "lambing-records/", body, HTTP_IDEMPOTENCY_KEY="r-1")

    assert (first.status_code, again.status_code) == (201, 200), again.content
    assert again.json()["id"] == first.json()["id"]
    assert LambingRecord.objects.count() == 1


def test_a_key_sent_with_another_body_is_a_409_and_stores_nothing(writer, qibaerwoyi, english):
    client = api(writer)
    body = {"village": qibaerwoyi.pk, "name": "哈力木·别克", "name_latin": "Halimu Bieke"}
    client.post(API + "herders/", body, HTTP_IDEMPOTENCY_KEY="k")

    other = client.post(API + "herders/", {**body, "name": "别的"}, HTTP_IDEMPOTENCY_KEY="k")

    assert other.status_code == 409
    assert "Idempotency-Key was used for another request" in other.json()["detail"]
    assert not Herder.objects.filter(name="别的").exists()


def test_keys_are_each_users_own(writer, fuhai_technician, qibaerwoyi):
    body = {"village": qibaerwoyi.pk, "name": "哈力木·别克", "name_latin": "Halimu Bieke"}

    first = api(writer).post(API + "herders/", body, HTTP_IDEMPOTENCY_KEY="k")
    # the same household's name again: another household, confirmed as such
    again = {**body, "confirm_distinct": True}
    second = api(fuhai_technician).post(API + "herders/", again, HTTP_IDEMPOTENCY_KEY="k")

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]


@pytest.mark.parametrize(
    ("key", "said"),
    [
        ("k" * 256, "'kkkkkkkkkkkkkkkkkkkk…(256)'"),
        ("order 17", "'order 17'"),  # a space: "order 17" and "order  17" read as one key
        ("订单17", "'订单17'"),
        ("k\t1", r"'k\t1'"),
    ],
    ids=["256 characters", "a space", "not ASCII", "a tab"],
)
def test_a_key_that_is_not_visible_ascii_is_a_400_naming_it(key, said, writer, qibaerwoyi, english):
    body = {"village": qibaerwoyi.pk, "name": "x", "name_latin": "x"}

    response = api(writer).post(API + "herders/", body, HTTP_IDEMPOTENCY_KEY=key)

    assert response.status_code == 400
    assert response.json()["Idempotency-Key"] == [
        f"Idempotency-Key is 1 to 255 visible ASCII characters, not {said}."
    ]
    assert not Herder.objects.filter(name="x").exists()


def test_a_key_sent_in_utf8_is_said_back_as_typed_not_as_its_bytes(writer, qibaerwoyi, english):
    # A WSGI server hands a header's bytes over as Latin-1 (PEP 3333): 订单17 sent
    # by a client arrives as è®¢å\x8d\x9517, and was said back so.
    body = {"village": qibaerwoyi.pk, "name": "x", "name_latin": "x"}
    as_received = "订单17".encode().decode("latin-1")

    response = api(writer).post(API + "herders/", body, HTTP_IDEMPOTENCY_KEY=as_received)

    assert response.status_code == 400
    assert response.json()["Idempotency-Key"] == [
        "Idempotency-Key is 1 to 255 visible ASCII characters, not '订单17'."
    ]
    assert not Herder.objects.filter(name="x").exists()


def test_a_refused_create_does_not_use_up_its_key(writer, qibaerwoyi):
    client = api(writer)
    body = {"village": qibaerwoyi.pk, "name": "哈力木·别克", "name_latin": "Halimu Bieke"}

    refused = client.post(API + "herders/", {**body, "name": ""}, HTTP_IDEMPOTENCY_KEY="k")
    stored = client.post(API + "herders/", body, HTTP_IDEMPOTENCY_KEY="k")

    assert (refused.status_code, stored.status_code) == (400, 201)


# The schema


def schema(user) -> dict:
    response = api(user).get("/api/schema/")
    return yaml.safe_load(response.content)


def test_every_operation_documents_the_errors_it_can_answer(writer):
    paths = schema(writer)["paths"]

    for path, operations in paths.items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"400", "401", "403", "404", "429"} <= codes, (method, path)
            if method in ("put", "patch", "delete"):
                assert {"412", "413"} <= codes, (method, path)
            if method == "post":
                assert {"409", "413"} <= codes, (method, path)
            for code, response in operation["responses"].items():
                if code.startswith(("4", "5")):
                    assert "application/json" in response["content"], (method, path, code)


def test_the_creates_document_their_idempotency_key(writer):
    paths = schema(writer)["paths"]

    for path in ("/api/v1/herders/", "/api/v1/lambing-records/"):
        names = [parameter["name"] for parameter in paths[path]["post"]["parameters"]]
        assert "Idempotency-Key" in names
        assert "200" in paths[path]["post"]["responses"]
