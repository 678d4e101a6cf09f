"""Concurrent writers (DOMAIN.md, "Nothing is lost" and "Counts make sense"),
on PostgreSQL, over real HTTP against a live server.

Twelve clients at once, technicians and integrations each with their own
token, add entries to the same three records (singly, in bulks, and again
after a lost answer) until the running-total rules refuse some of them, and
edit the same herders, records and entries from the ETag they read. Then:

- every accepted entry is stored once, as sent, and counted once in the
  totals, which the selectors and the API give alike; every refused one is
  absent;
- every accepted edit is in the history, under its own version; the versions
  run without a gap, so none was silently overwritten; each object is as its
  last accepted edit left it; every refused edit was told why (412 naming who
  changed it, or 400 naming the field and the rule);
- every rule holds on every record at the end;
- no request failed with a 5xx.

The figures are printed in the run's summary (``print_figures``), so CI's log
shows them.
"""

import datetime
import random
import re
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection

from livestock.audit import single_insert
from livestock.counting import walk
from livestock.models import Herder, LambingEntry, LambingRecord
from livestock.selectors.totals import lambing_totals
from livestock.services.entries import entry_create
from livestock.services.places import herder_create
from livestock.services.records import record_create
from livestock.services.reviews import review_approve, review_submit
from livestock.services.users import user_create
from tests.conftest import PASSWORD, make_user
from tests.live_api import AdminSession, Client, Reply, at_once, new_uuid, requires_postgresql

WRITERS = 12
OPERATIONS_PER_WRITER = 16
SEED = 20250211
SEASON_START = datetime.date(2024, 12, 1)
SEASON_END = datetime.date(2025, 2, 28)
# Few ewes, so that the writers soon reach "ewes lambed ≤ ewes" and are refused.
EWES = (40, 30, 24)
TOTALS = ("ewes", "ewes_lambed", "lambs_born", "lamb_losses")
COUNTS = ("ewes_lambed", "lambs_born", "lambs_lost")


@dataclass
class Log:
    """What one writer sent and was answered. Lists are only appended to."""

    # uuid -> (content sent, status of the answer the client kept)
    entries: dict = field(default_factory=dict)
    # (model, id, status, version answered or None, values sent, answer body)
    edits: list = field(default_factory=list)
    # Herders' changes saved in the admin: (id, saved?, values sent)
    admin_edits: list = field(default_factory=list)
    resends: int = 0
    failures: list = field(default_factory=list)  # 5xx answers: never allowed


def random_entry(rng: random.Random, record_id: int) -> dict:
    """Births, losses or a survival check on a random day of the season."""
    date = SEASON_START + datetime.timedelta(days=rng.randrange((SEASON_END - SEASON_START).days))
    item = {"uuid": new_uuid(), "record": record_id, "date": date.isoformat()}
    kind = rng.random()
    if kind < 0.6:
        ewes_lambed = rng.randint(1, 3)
        item.update(ewes_lambed=ewes_lambed, lambs_born=ewes_lambed + rng.randint(0, 1))
    elif kind < 0.85:
        item.update(lambs_lost=rng.randint(1, 4), loss_cause=rng.choice(["cold", "disease"]))
    else:
        item.update(lambs_alive=rng.randint(0, 30), check_stage="day7")
    return item


def writer(
    client: Client, admin: AdminSession | None, rng: random.Random, ids: dict, log: Log
) -> None:
    """One client's session: a random mix of adds and edits, all to the same
    few objects as every other writer; a technician edits herders in the admin
    too."""

    def answered(reply: Reply) -> Reply:
        if reply.status >= 500:
            log.failures.append((reply.status, reply.body))
        return reply

    def edit(model: str, path: str, change: dict) -> None:
        read = answered(client.send("GET", path))
        reply = answered(client.send("PATCH", path, change, if_match=read.etag))
        version = reply.body.get("version") if reply.status == 200 else None
        log.edits.append(
            (model, int(path.rstrip("/").split("/")[-1]), reply.status, version, change, reply.body)
        )

    for number in range(OPERATIONS_PER_WRITER):
        choice = rng.random()
        record_id = rng.choice(ids["records"])
        if choice < 0.40:
            item = random_entry(rng, record_id)
            reply = answered(client.send("POST", "entries/", item))
            if rng.random() < 0.25:
                # The answer was lost on the way: the client sends it again.
                log.resends += 1
                again = answered(client.send("POST", "entries/", item))
                if reply.status == 201:
                    assert (again.status, again.body["id"]) == (200, reply.body["id"]), again
                reply = again
            log.entries[item["uuid"]] = (item, reply.status)
        elif choice < 0.55:
            items = [
                random_entry(rng, rng.choice(ids["records"])) for _ in range(rng.randint(2, 4))
            ]
            reply = answered(client.send("POST", "entries/bulk/", items))
            for item in items:
                log.entries[item["uuid"]] = (item, reply.status)
        elif choice < 0.75:
            entry_id = rng.choice(ids["hot_entries"])
            change = {
                "lambs_born": rng.randint(3, 9),
                "note": f"writer {client.name} edit {number}",
                "reason": "recounted the pen",
            }
            edit("entry", f"entries/{entry_id}/", change)
        elif choice < 0.88:
            herder_id = rng.choice(ids["herders"])
            change = {"name_latin": f"Herder edited by {client.name} #{number}"}
            if admin is not None and rng.random() < 0.5:
                admin_edit(admin, herder_id, ids["herder_forms"][herder_id], change, log)
            else:
                edit("herder", f"herders/{herder_id}/", change)
        else:
            change = {"ewes_at_start": rng.randint(12, 40), "reason": "counted again"}
            edit("record", f"lambing-records/{record_id}/", change)


def admin_edit(admin: AdminSession, herder_id: int, form: dict, change: dict, log: Log) -> None:
    """Opens the herder's page in the admin and saves it with ``change``."""
    path = f"/admin/livestock/herder/{herder_id}/change/"
    page = admin.get(path)
    assert page.status_code == 200, page.status_code
    seen_version = re.search(r'name="seen_version" value="(\d+)"', page.text).group(1)
    reply = admin.post(path, {**form, **change, "seen_version": seen_version, "_save": "Save"})
    if reply.status_code >= 500:
        log.failures.append((reply.status_code, path))
    elif reply.status_code != 302:
        # Refused: the form is shown again, saying who changed the herder meanwhile.
        assert reply.status_code == 200 and "Changed by " in reply.text, reply.status_code
    log.admin_edits.append((herder_id, reply.status_code == 302, change))


@requires_postgresql
def test_concurrent_writers_lose_nothing_and_break_no_rule(
    live_server, transactional_db, fuhai, qibaerwoyi, winter_2024, print_figures
):
    # Three households, each with a first entry that the writers edit.
    herders, records, hot_entries = [], [], []
    for number, ewes in enumerate(EWES):
        herder = herder_create(
            village=qibaerwoyi, name=f"牧户{number}·阿勒泰", name_latin=f"Herder {number}"
        )
        record = record_create(herder=herder, season=winter_2024, ewes_at_start=ewes)
        hot, _new = entry_create(record=record, date=SEASON_START, ewes_lambed=3, lambs_born=5)
        herders.append(herder)
        records.append(record)
        hot_entries.append(hot)
    ids = {
        "herders": [herder.pk for herder in herders],
        "records": [record.pk for record in records],
        "hot_entries": [entry.pk for entry in hot_entries],
        "herder_forms": {
            herder.pk: {"village": herder.village_id, "name": herder.name} for herder in herders
        },
    }
    users = [make_user(f"fuhai-tech-{n}", "technician", fuhai) for n in range(WRITERS // 2)]
    users += [
        user_create(
            username=f"platform-{n}",
            role="integration",
            places=[fuhai],
            password=PASSWORD,
            write=True,
        ).user
        for n in range(WRITERS - len(users))
    ]
    clients = [Client(live_server.url, user) for user in users]
    admins = [
        AdminSession(live_server.url, user.username, PASSWORD) if user.is_staff else None
        for user in users
    ]
    logs = [Log() for _ in clients]

    at_once(
        *(
            lambda c=client, a=admin, n=n, log=log: writer(
                c,
                a,
                random.Random(SEED + n),  # noqa: S311 (test data, not a secret)
                ids,
                log,
            )
            for n, (client, admin, log) in enumerate(zip(clients, admins, logs, strict=True))
        )
    )

    # No request failed.
    failures = [failure for log in logs for failure in log.failures]
    assert not failures, failures

    # Every accepted entry stored once, as sent; every refused one absent.
    sent = {uuid: outcome for log in logs for uuid, outcome in log.entries.items()}
    accepted = {uuid: item for uuid, (item, status) in sent.items() if status in (200, 201)}
    refused = {uuid: item for uuid, (item, status) in sent.items() if 400 <= status < 500}
    assert set(accepted) | set(refused) == set(sent)
    stored = {
        str(entry.uuid): entry for entry in LambingEntry.objects.exclude(pk__in=ids["hot_entries"])
    }
    assert set(stored) == set(accepted)
    for uuid, item in accepted.items():
        entry = stored[uuid]
        for name in (*COUNTS, "loss_cause", "lambs_alive", "check_stage"):
            assert getattr(entry, name) == item.get(
                name, LambingEntry._meta.get_field(name).get_default()
            ), (name, item)
        assert entry.date.isoformat() == item["date"]
        assert LambingEntry.history.filter(uuid=uuid, history_type="+").count() == 1

    # Every accepted edit kept, under its own version, none lost; the last one stands;
    # nothing of a refused edit stored.
    edits = [edit for log in logs for edit in log.edits]
    edits_accepted = [edit for edit in edits if edit[2] == 200]
    edits_refused = [edit for edit in edits if edit[2] != 200]
    admin_edits = [edit for log in logs for edit in log.admin_edits]
    kept = defaultdict(list)  # (model, id) -> [(version, change)] of the accepted edits
    for name, pk, _status, version, change, _body in edits_accepted:
        kept[name, pk].append((version, change))
    for pk, saved, change in admin_edits:
        rows = Herder.history.filter(id=pk, name_latin=change["name_latin"])
        assert rows.count() == (1 if saved else 0), (pk, saved, change)
        if saved:
            kept["herder", pk].append((rows.get().version, change))
    models = {"entry": LambingEntry, "herder": Herder, "record": LambingRecord}
    for (name, pk), changes in kept.items():
        obj = models[name].objects.get(pk=pk)
        changes.sort(key=lambda kept_change: kept_change[0])
        versions = [version for version, _change in changes]
        assert versions == list(range(2, obj.version + 1)), (name, pk, versions, obj.version)
        history = {row.version: row for row in obj.history.all()}
        assert sorted(history) == list(range(1, obj.version + 1)), (name, pk)
        for version, change in changes:
            for field_name, value in change.items():
                stored_as = "history_change_reason" if field_name == "reason" else field_name
                assert getattr(history[version], stored_as) == value, (name, pk, version)
        for field_name, value in changes[-1][1].items():
            if field_name != "reason":
                assert getattr(obj, field_name) == value, (name, pk, field_name)
    for name, pk, _status, _version, change, _body in edits_refused:
        if name == "entry":
            assert not LambingEntry.history.filter(id=pk, note=change["note"]).exists()
        if name == "herder":
            assert not Herder.history.filter(id=pk, name_latin=change["name_latin"]).exists()
    refusals = Counter(edit[2] for edit in edits_refused)
    assert set(refusals) <= {400, 412}, refusals
    for _model, _id, status, _version, _change, body in edits_refused:
        if status == 412:
            assert "Changed by " in body["detail"] or "ETag" in body["detail"], body
        else:
            fields_named = set(body)
            assert fields_named & {"ewes_at_start", "lambs_born", "lambs_lost", "lambs_alive"}, body
            assert "(rule:" in str(body), body

    # Counted exactly once: the totals are the sums of what was accepted.
    expected = defaultdict(Counter)
    for record in LambingRecord.objects.all():
        expected[record.pk]["ewes"] = record.ewes_at_start
    for item in accepted.values():
        for name in COUNTS:
            expected[item["record"]][name] += item.get(name, 0)
    for hot in LambingEntry.objects.filter(pk__in=ids["hot_entries"]):
        for name in COUNTS:
            expected[hot.record_id][name] += getattr(hot, name)
    totals_checked = 0
    reader = clients[0]
    for record in LambingRecord.objects.select_related("herder", "season"):
        want = {
            "ewes": expected[record.pk]["ewes"],
            "ewes_lambed": expected[record.pk]["ewes_lambed"],
            "lambs_born": expected[record.pk]["lambs_born"],
            "lamb_losses": expected[record.pk]["lambs_lost"],
        }
        from_selectors = lambing_totals(season=record.season, as_of=SEASON_END, place=record.herder)
        from_api = reader.send(
            "GET", f"lambing-records/{record.pk}/", params={"as_of": SEASON_END.isoformat()}
        ).body["totals"]
        for name in TOTALS:
            assert getattr(from_selectors, name) == want[name] == from_api[name], (record, name)
            totals_checked += 2
    county = lambing_totals(season=winter_2024, as_of=SEASON_END, place=fuhai)
    for name in TOTALS:
        assert getattr(county, name) == sum(
            expected[pk][name if name != "lamb_losses" else "lambs_lost"] for pk in expected
        )
        totals_checked += 1

    # Every rule holds on every record.
    for record in LambingRecord.objects.prefetch_related("entries"):
        entries = list(record.entries.all())
        assert walk.first_violation(ewes_at_start=record.ewes_at_start, entries=entries) is None, (
            record
        )
        for entry in entries:
            entry.full_clean()

    for client in clients:
        client.close()
    resends = sum(log.resends for log in logs)
    print_figures(
        f"concurrent writers: {WRITERS} writers, {WRITERS * OPERATIONS_PER_WRITER} operations, "
        f"seed {SEED}"
    )
    print_figures(
        f"  entries sent {len(sent)} (and {resends} resent after a lost answer): "
        f"accepted {len(accepted)}, refused {len(refused)}"
    )
    print_figures(
        f"  totals checked {totals_checked} (selectors and API against the accepted entries), "
        f"all equal"
    )
    print_figures(
        f"  edits sent through the API {len(edits)}: accepted {len(edits_accepted)}, "
        f"refused {len(edits_refused)} "
        f"({', '.join(f'{count}× {status}' for status, count in sorted(refusals.items()))})"
    )
    admin_saved = sum(saved for _pk, saved, _change in admin_edits)
    print_figures(
        f"  edits saved in the admin {len(admin_edits)}: accepted {admin_saved}, "
        f"refused {len(admin_edits) - admin_saved} (changed meanwhile); "
        f"{sum(len(changes) for changes in kept.values())} accepted edits of "
        f"{len(kept)} objects, each in the history, none lost"
    )


@requires_postgresql
def test_an_entry_racing_an_approval_is_in_the_approved_totals_or_refused(
    transactional_db,
    bieke_record,
    woyimoke,
    winter_2024,
    woyimoke_technician,
    burqin_official,
    monkeypatch,
):
    """A technician's entry dated before the approved date, checked against the
    lock just before an official approves: it must not be stored outside the
    totals the approval froze (DOMAIN.md, "As-of": the approved figure is the
    figure as of that date)."""
    approved_date = datetime.date(2024, 12, 15)
    entry_create(record=bieke_record, date=approved_date, ewes_lambed=8, lambs_born=10)
    review = review_submit(
        township=woyimoke, season=winter_2024, as_of=approved_date, user=woyimoke_technician
    )
    checked = threading.Event()
    original_insert = single_insert.insert_with_history

    def insert_slowly(entry):
        # The entry passed its checks, the lock among them; the official acts now.
        checked.set()
        time.sleep(1)
        return original_insert(entry)

    monkeypatch.setattr(single_insert, "insert_with_history", insert_slowly)
    outcome = {}

    def add_entry():
        try:
            entry_create(record=bieke_record, date=approved_date, lambs_born=3)
            outcome["entry"] = "stored"
        except ValidationError as error:
            outcome["entry"] = error.message_dict
        finally:
            connection.close()

    def approve():
        try:
            assert checked.wait(10)
            review_approve(review=review, user=burqin_official)
        finally:
            connection.close()

    threads = [threading.Thread(target=add_entry), threading.Thread(target=approve)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    review.refresh_from_db()
    assert review.state == "approved"
    totals = lambing_totals(season=winter_2024, as_of=approved_date, place=woyimoke)
    assert review.approved_totals["lambs_born"] == totals.lambs_born, outcome
