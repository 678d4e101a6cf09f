"""A client generated from ``/api/schema/`` by a common generator
(openapi-python-client, pinned in requirements-dev.txt) works against the API
(issue 18): it lists, creates, sends the same entry again, edits with
``If-Match``, and reads a 412 and a 400 as the schema's error types, not as
undocumented answers, and a 412 asked for in a field page's two languages apart
(``X-Shown-Languages``, ``X-Shown-Apart``) as the schema's ``ErrorInEachLanguage``.
Generated into a temporary folder, offline, and sent through Django's WSGI
application (the whole stack, without a socket)."""

import datetime
import importlib
import json
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from rest_framework.authtoken.models import Token

GENERATOR = shutil.which("openapi-python-client") or str(
    Path(sys.executable).with_name("openapi-python-client")
)


@pytest.fixture
def wsgi_app():
    """Django's WSGI application, without closing the database connection at each
    request's start and end, as Django's test client does: the test's data lives in
    a transaction that the connection must keep (on PostgreSQL a connection not in
    autocommit is closed by ``close_old_connections``)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def generated(tmp_path, monkeypatch, db):
    """The client package, generated from the schema this server serves."""
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(schema.json()), encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text("package_name_override: lambing_client\npost_hooks: []\n")
    result = subprocess.run(  # noqa: S603 (the test's own arguments)
        [
            GENERATOR,
            "generate",
            "--path",
            str(path),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / "lambing_client"),
            "--config",
            str(config),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [name for name in sys.modules if name.startswith("lambing_client")]:
        del sys.modules[name]
    return importlib.import_module("lambing_client")


def test_a_generated_client_lists_creates_resends_edits_and_reads_a_412_and_a_400(
    generated, wsgi_app, fuhai_technician, sailike_record
):
    from lambing_client import AuthenticatedClient
    from lambing_client.api.v1 import (
        v1_entries_create,
        v1_entries_list,
        v1_entries_partial_update,
        v1_entries_retrieve,
        v1_herders_create,
    )
    from lambing_client.models import (
        Error,
        ErrorInEachLanguage,
        HerderRequest,
        LambingEntryRequest,
        LossCauseEnum,
        PatchedLambingEntryUpdateRequest,
        ShownApartEnum,
        ShownLanguagesEnum,
        ValidationError,
    )

    token, _created = Token.objects.get_or_create(user=fuhai_technician)
    client = AuthenticatedClient(
        base_url="http://testserver",
        token=token.key,
        prefix="Token",
        headers={"Accept-Language": "en"},
        raise_on_unexpected_status=True,  # an undocumented answer fails the test
        httpx_args={"transport": httpx.WSGITransport(app=wsgi_app)},
    )

    listed = v1_entries_list.sync_detailed(client=client)
    assert listed.status_code == 200 and listed.parsed.count == 0

    entry = LambingEntryRequest(
        uuid=uuid.uuid4(),
        record=sailike_record.pk,
        date=datetime.date(2024, 12, 10),
        ewes_lambed=2,
        lambs_born=3,
    )
    created = v1_entries_create.sync_detailed(client=client, body=entry)
    resent = v1_entries_create.sync_detailed(client=client, body=entry)
    assert (created.status_code, resent.status_code) == (201, 200)
    assert resent.parsed.id == created.parsed.id

    read = v1_entries_retrieve.sync_detailed(client=client, id=created.parsed.id)
    etag = read.headers["ETag"]
    change = PatchedLambingEntryUpdateRequest(lambs_born=4, reason="recounted")
    edited = v1_entries_partial_update.sync_detailed(
        client=client, id=created.parsed.id, body=change, if_match=etag
    )
    assert edited.status_code == 200 and edited.parsed.lambs_born == 4

    stale = v1_entries_partial_update.sync_detailed(
        client=client, id=created.parsed.id, body=change, if_match=etag
    )
    assert stale.status_code == 412
    assert isinstance(stale.parsed, Error) and "ETag" in stale.parsed.detail
    apart = v1_entries_partial_update.sync_detailed(
        client=client,
        id=created.parsed.id,
        body=change,
        if_match=etag,
        x_shown_languages=ShownLanguagesEnum.KK_ARAB,
        x_shown_apart=ShownApartEnum.APART,
    )
    assert apart.status_code == 412
    assert isinstance(apart.parsed, ErrorInEachLanguage)
    assert "ETag" in apart.parsed.kk_arab and "ETag" in apart.parsed.zh_hans

    broken = LambingEntryRequest(
        uuid=uuid.uuid4(),
        record=sailike_record.pk,
        date=datetime.date(2024, 12, 11),
        lambs_born=1,
        lambs_lost=50,
        loss_cause=LossCauseEnum.COLD,
    )
    refused = v1_entries_create.sync_detailed(client=client, body=broken)
    assert refused.status_code == 400
    assert isinstance(refused.parsed, ValidationError)
    assert "lambs_lost" in refused.parsed.additional_properties

    herder = HerderRequest(
        village=sailike_record.herder.village_id, name="哈力木·别克", name_latin="Halimu Bieke"
    )
    key = str(uuid.uuid4())
    first = v1_herders_create.sync_detailed(client=client, body=herder, idempotency_key=key)
    again = v1_herders_create.sync_detailed(client=client, body=herder, idempotency_key=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.parsed.id == first.parsed.id
