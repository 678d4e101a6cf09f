"""Retries and faults (DOMAIN.md, "Nothing is lost"): a client on a poor link
resends after a timeout under the same ``uuid`` and is counted once, however
the resends arrive (one after the other, or racing each other); a request
that fails midway, by an error of the code or of the database, leaves nothing
half-written and tells the client so.

The racing tests need PostgreSQL and run real HTTP against a live server; the
others run on both databases through the test client."""

import datetime
import threading
import time

import pytest
from django.db import OperationalError, connection, connections
from rest_framework.test import APIClient

from livestock.api import views as api_views
from livestock.models import LambingEntry
from livestock.services import entries as entry_services
from livestock.services.entries import entry_create
from livestock.services.places import herder_create
from livestock.services.records import record_create
from tests.conftest import make_user
from tests.live_api import Client, at_once, new_uuid, requires_postgresql
from tests.test_api_base import API, api

URL = API + "entries/"
BULK_URL = URL + "bulk/"
SEASON_END = datetime.date(2025, 2, 28)


def entry(record, **counts) -> dict:
    return {"uuid": new_uuid(), "record": record.pk, "date": "2024-12-12", **counts}


def history_rows() -> int:
    return LambingEntry.history.count()


def failing_client(user) -> APIClient:
    """A client that gets the server's answer to an error instead of the
    exception itself, as a client over the network would."""
    client = api(user)
    client.raise_request_exception = False
    return client


# Resent, one after the other


def test_a_bulk_resent_after_some_of_its_entries_came_singly_counts_each_once(
    fuhai_technician, sailike_record
):
    client = api(fuhai_technician)
    items = [entry(sailike_record, lambs_born=n) for n in (2, 3, 4)]
    assert client.post(URL, items[1]).status_code == 201  # its answer was lost

    response = client.post(BULK_URL, items)

    assert response.status_code == 201
    assert (response.json()["created"], response.json()["unchanged"]) == (2, 1)
    assert sorted(sailike_record.entries.values_list("lambs_born", flat=True)) == [2, 3, 4]
    assert history_rows() == 3


# Faults midway


def raise_on_call(monkeypatch, target, name: str, call: int, error: Exception) -> None:
    """Make ``target.name`` raise ``error`` on its ``call``-th call."""
    original = getattr(target, name)
    calls = 0

    def flaky(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == call:
            raise error
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, flaky)


def test_a_bulk_whose_uuid_was_stored_for_another_record_meanwhile_stores_nothing(
    fuhai_technician, sailike_record, qibaerwoyi, monkeypatch
):
    """The race a bulk loses at its insert: another request stored one of its
    uuids, for another record, after the bulk looked its uuids up. The unique
    index refuses the insert; the bulk names the item as a conflict."""
    other = record_create(
        herder=herder_create(village=qibaerwoyi, name="哈那提", name_latin="Hanati"),
        season=sailike_record.season,
    )
    taken = entry(other, lambs_born=1)
    entry_create(record=other, uuid=taken["uuid"], date=datetime.date(2024, 12, 12))
    items = [entry(sailike_record, lambs_born=2), {**taken, "record": sailike_record.pk}]
    looked_up = entry_services._stored_by_uuid
    calls = 0

    def after_the_first(uuids):
        nonlocal calls
        calls += 1
        return {} if calls == 1 else looked_up(uuids)  # the first: before it was stored

    monkeypatch.setattr(entry_services, "_stored_by_uuid", after_the_first)

    response = api(fuhai_technician).post(BULK_URL, items)

    assert response.status_code == 400, response.content
    assert [(e["index"], list(e["errors"])) for e in response.json()["errors"]] == [(1, ["uuid"])]
    assert not sailike_record.entries.exists()


def test_a_bulk_item_the_database_refuses_for_a_rule_is_named_with_the_rule(
    fuhai_technician, sailike_record, monkeypatch
):
    """Were the model's rules ever to miss one the database's check constraints
    hold, a bulk still answers 400 naming the item and the rule, not 500."""
    monkeypatch.setattr(LambingEntry, "_pairing_errors", lambda entry: {})
    items = [entry(sailike_record, lambs_born=5), entry(sailike_record, lambs_lost=1)]

    response = api(fuhai_technician).post(BULK_URL, items)

    assert response.status_code == 400, response.content
    assert response.json()["errors"] == [
        {"index": 1, "errors": ["Lambs lost need a cause, and a cause needs lambs lost."]}
    ]
    assert not LambingEntry.objects.exists()
    assert history_rows() == 0


class FailingStatement:
    """A database error on the ``nth`` statement that contains ``sql``, as if
    the connection dropped or the server refused it there."""

    def __init__(self, sql: str, nth: int):
        self.sql, self.nth, self.seen = sql, nth, 0

    def __call__(self, execute, sql, params, many, context):
        if self.sql in sql:
            self.seen += 1
            if self.seen == self.nth:
                raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)


def test_a_bulk_whose_third_entry_fails_stores_nothing_and_says_so(
    fuhai_technician, sailike_record, monkeypatch
):
    items = [entry(sailike_record, ewes_lambed=1, lambs_born=n) for n in (1, 2, 3, 4)]
    # The bulk checks its entries one by one before inserting them together.
    raise_on_call(monkeypatch, LambingEntry, "clean_new", 3, RuntimeError("injected fault"))

    response = failing_client(fuhai_technician).post(BULK_URL, items)

    assert response.status_code == 500
    assert "nothing of it was stored" in response.json()["detail"]
    assert "injected fault" not in response.content.decode()
    assert not LambingEntry.objects.exists()
    assert history_rows() == 0


def test_a_bulk_cut_by_a_database_error_midway_stores_nothing_and_asks_for_a_resend(
    fuhai_technician, sailike_record
):
    items = [entry(sailike_record, lambs_born=n) for n in (1, 2, 3, 4)]
    client = failing_client(fuhai_technician)
    # The daily rollups' upsert fails: the entries and their history rows are
    # already written in the transaction by then (a bulk inserts them
    # together, on PostgreSQL by COPY, which no execute wrapper sees).
    with connection.execute_wrapper(FailingStatement("INSERT INTO livestock_dailyrollup", 1)):
        response = client.post(BULK_URL, items)

    assert response.status_code == 503
    assert "nothing of it was stored" in response.json()["detail"]
    assert int(response.headers["Retry-After"]) > 0
    assert not LambingEntry.objects.exists()
    assert history_rows() == 0

    resent = client.post(BULK_URL, items)
    assert resent.status_code == 201
    assert resent.json()["created"] == 4
    assert history_rows() == 4


def test_a_single_entry_cut_by_a_database_error_is_stored_once_when_resent(
    fuhai_technician, sailike_record
):
    item = entry(sailike_record, lambs_born=3)
    client = failing_client(fuhai_technician)
    # The daily rollups' upsert fails: the entry and its history row are
    # written in the transaction by then (in one statement on PostgreSQL).
    with connection.execute_wrapper(FailingStatement("INSERT INTO livestock_dailyrollup", 1)):
        assert client.post(URL, item).status_code == 503
    assert not LambingEntry.objects.exists()

    assert client.post(URL, item).status_code == 201
    assert client.post(URL, item).status_code == 200
    assert sailike_record.entries.count() == 1
    assert history_rows() == 1


@pytest.mark.django_db(transaction=True)
def test_a_write_whose_commit_fails_is_a_503_and_stores_nothing(
    monkeypatch, fuhai_technician, sailike_record, english
):
    """SQLite answers "database is locked" at COMMIT when another writer holds
    the database; the client is told to send again, not given a 500."""
    item = entry(sailike_record, lambs_born=3)
    client = failing_client(fuhai_technician)
    database = connections["default"]

    def locked():
        database.rollback()
        raise OperationalError("database is locked")

    with monkeypatch.context() as patch:
        patch.setattr(database, "commit", locked)
        response = client.post(URL, item)

    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert "nothing of it was stored" in response.json()["detail"]
    assert not LambingEntry.objects.exists()
    assert client.post(URL, item).status_code == 201
    assert sailike_record.entries.count() == 1


def test_the_answer_to_a_fault_is_in_the_users_language(fuhai_technician, sailike_record):
    client = api(fuhai_technician, language="zh-hans")
    client.raise_request_exception = False
    with connection.execute_wrapper(FailingStatement("INSERT INTO livestock_dailyrollup", 1)):
        response = client.post(URL, entry(sailike_record, lambs_born=3))
    assert response.status_code == 503
    assert "请求的内容均未保存" in response.json()["detail"]


def test_a_failure_while_answering_an_edit_undoes_the_edit(
    fuhai_technician, sailike_record, monkeypatch
):
    """The edit was saved when the answer failed: the client cannot know it
    was, so it is undone, and the client's resend is not a stale edit."""
    stored, _new = entry_create(record=sailike_record, date=SEASON_END, lambs_born=4)
    client = failing_client(fuhai_technician)
    etag = client.get(f"{URL}{stored.pk}/").headers["ETag"]
    change = {"lambs_born": 5, "reason": "recounted"}
    from livestock.api import views

    # The second ETag of the request is the answer's, made after the edit was saved.
    raise_on_call(monkeypatch, views, "etag_of", 2, RuntimeError("injected fault"))

    response = client.patch(f"{URL}{stored.pk}/", change, HTTP_IF_MATCH=etag)

    assert response.status_code == 500
    stored.refresh_from_db()
    assert (stored.lambs_born, stored.version) == (4, 1)
    assert client.patch(f"{URL}{stored.pk}/", change, HTTP_IF_MATCH=etag).status_code == 200


def test_a_create_whose_answer_failed_is_stored_and_its_resend_answers_with_it(
    fuhai_technician, sailike_record, monkeypatch
):
    """A single entry's create is its service's transaction, committed before
    the answer is made (the rows it locks are held for the write alone): an
    answer that fails leaves the entry stored, and the client's resend under
    its uuid is answered with it, not stored twice."""
    item = entry(sailike_record, lambs_born=3)
    client = failing_client(fuhai_technician)
    from livestock.api import views

    raise_on_call(monkeypatch, views, "etag_of", 1, RuntimeError("injected fault"))

    assert client.post(URL, item).status_code == 500
    resent = client.post(URL, item)
    assert resent.status_code == 200
    assert resent.json()["uuid"] == item["uuid"]
    assert sailike_record.entries.count() == 1
    assert history_rows() == 1


# Resent while the first is still on its way: real HTTP, PostgreSQL


@pytest.fixture
def live_technician(transactional_db, sailike_record):
    """A technician of 福海县 on a live server whose data is committed, as
    another connection sees it."""
    return make_user("fuhai-tech-live", "technician", sailike_record.herder.village)


def assert_stored_once(uuid: str, replies) -> None:
    """Every reply is the one entry: one 201, the others 200, all the same id."""
    statuses = sorted(reply.status for reply in replies)
    assert statuses == [200] * (len(replies) - 1) + [201], [r.body for r in replies]
    assert len({reply.body["id"] for reply in replies}) == 1
    assert LambingEntry.objects.filter(uuid=uuid).count() == 1
    assert LambingEntry.history.filter(uuid=uuid).count() == 1


@requires_postgresql
def test_identical_resends_racing_each_other_store_one_entry(
    live_server, live_technician, sailike_record
):
    clients = [Client(live_server.url, live_technician) for _ in range(8)]
    for _round in range(5):
        item = entry(sailike_record, ewes_lambed=1, lambs_born=2)
        replies = at_once(*(lambda c=c, i=item: c.send("POST", "entries/", i) for c in clients))
        assert_stored_once(item["uuid"], replies)
    assert sailike_record.entries.count() == 5


@requires_postgresql
def test_one_uuid_racing_into_two_records_is_stored_once_and_the_other_is_a_409(
    live_server, live_technician, sailike_record
):
    other_record = record_create(
        herder=herder_create(
            village=sailike_record.herder.village, name="阿依努尔", name_latin="Aynur"
        ),
        season=sailike_record.season,
    )
    clients = [Client(live_server.url, live_technician) for _ in range(2)]
    for _round in range(10):
        first = entry(sailike_record, lambs_born=2)
        second = {**first, "record": other_record.pk}
        replies = at_once(
            lambda f=first: clients[0].send("POST", "entries/", f),
            lambda s=second: clients[1].send("POST", "entries/", s),
        )
        assert sorted(reply.status for reply in replies) == [201, 409], [r.body for r in replies]
        conflict = next(reply for reply in replies if reply.status == 409)
        assert first["uuid"] in conflict.body["detail"]
        assert LambingEntry.objects.filter(uuid=first["uuid"]).count() == 1


@requires_postgresql
def test_identical_bulks_racing_each_other_store_each_entry_once(
    live_server, live_technician, sailike_record
):
    clients = [Client(live_server.url, live_technician) for _ in range(4)]
    items = [entry(sailike_record, ewes_lambed=1, lambs_born=n) for n in (1, 2, 3)]
    replies = at_once(*(lambda c=c: c.send("POST", "entries/bulk/", items) for c in clients))
    assert sorted(reply.status for reply in replies) == [200, 200, 200, 201]
    assert sorted((r.body["created"], r.body["unchanged"]) for r in replies) == [
        (0, 3),
        (0, 3),
        (0, 3),
        (3, 0),
    ]
    assert sailike_record.entries.count() == 3
    assert history_rows() == 3


@requires_postgresql
def test_bulks_naming_the_same_records_in_opposite_orders_both_succeed(
    live_server, live_technician, sailike_record
):
    """Each bulk holds the records it writes to until it ends; taken in the
    order of their items, two bulks would each wait for the other's record."""
    village = sailike_record.herder.village
    records = [sailike_record] + [
        record_create(
            herder=herder_create(village=village, name=f"牧户{n}", name_latin=f"H{n}"),
            season=sailike_record.season,
        )
        for n in range(3)
    ]
    clients = [Client(live_server.url, live_technician) for _ in range(2)]
    for _round in range(5):
        forward = [entry(record, lambs_born=1) for record in records]
        backward = [entry(record, lambs_born=1) for record in reversed(records)]
        replies = at_once(
            lambda f=forward: clients[0].send("POST", "entries/bulk/", f),
            lambda b=backward: clients[1].send("POST", "entries/bulk/", b),
        )
        assert [reply.status for reply in replies] == [201, 201], [r.body for r in replies]
    assert LambingEntry.objects.count() == 5 * 2 * len(records)


@requires_postgresql
def test_a_resend_after_a_timeout_is_stored_once(
    live_server, live_technician, sailike_record, monkeypatch
):
    """The server is slow; the client gives up waiting and sends again while the
    first request is still being handled."""
    import requests

    original = entry_create
    first_arrived, first_done = threading.Event(), threading.Event()

    def slow_entry_create(**kwargs):
        if first_arrived.is_set():
            return original(**kwargs)
        first_arrived.set()
        try:
            time.sleep(1.5)
            return original(**kwargs)
        finally:
            first_done.set()

    monkeypatch.setattr(api_views, "entry_create", slow_entry_create)  # the API's call
    client = Client(live_server.url, live_technician)
    item = entry(sailike_record, ewes_lambed=2, lambs_born=3)

    with pytest.raises(requests.Timeout):
        client.send("POST", "entries/", item, timeout=0.5)
    resent = client.send("POST", "entries/", item)

    assert resent.status in (200, 201)
    assert sailike_record.entries.count() == 1
    assert first_done.wait(10)
    assert client.send("POST", "entries/", item).status == 200
    assert sailike_record.entries.count() == 1
    assert history_rows() == 1
