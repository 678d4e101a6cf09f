"""Real HTTP against pytest-django's live server, for the tests where requests
must arrive at once from many clients (threads), each on its own connection,
as an integration's or a phone's would: ``requests`` sessions with a token.

PostgreSQL only: SQLite's test database is one connection shared by the live
server's threads, which cannot take concurrent writers."""

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import requests
from django.db import connection
from rest_framework.authtoken.models import Token

requires_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent writers need PostgreSQL (row locks, one connection per request): "
    "run with DATABASE_URL=postgres://…, as .ci/run does",
)


@dataclass(frozen=True)
class Reply:
    """What a client got back: the status, the JSON body (None if not JSON) and
    the headers."""

    status: int
    body: object
    headers: dict

    @property
    def etag(self) -> str:
        return self.headers["ETag"]


class Client:
    """One API client: a user's token, a connection pool of its own, answers in
    English. Made in the test's thread (it reads the token from the database)."""

    def __init__(self, base_url: str, user, *, timeout: float = 60):
        token, _created = Token.objects.get_or_create(user=user)
        self.name = user.username
        self.base_url = base_url.rstrip("/") + "/api/v1/"
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers.update(
            {"Authorization": f"Token {token.key}", "Accept-Language": "en"}
        )

    def send(
        self,
        method: str,
        path: str,
        body=None,
        *,
        if_match: str | None = None,
        params: dict | None = None,
        timeout: float | None = None,
    ) -> Reply:
        headers = {"If-Match": if_match} if if_match else {}
        response = self.session.request(
            method,
            self.base_url + path,
            json=body,
            params=params,
            headers=headers,
            timeout=timeout or self.timeout,
        )
        try:
            content = response.json()
        except ValueError:
            content = None
        return Reply(response.status_code, content, dict(response.headers))

    def close(self) -> None:
        self.session.close()


class AdminSession:
    """A technician logged in to the admin over real HTTP, as a phone's browser
    would be: a session cookie and the CSRF token of each form."""

    def __init__(self, base_url: str, username: str, password: str, *, timeout: float = 60):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["Accept-Language"] = "en"
        login = self.base_url + "/admin/login/"
        self.session.get(login, timeout=timeout)
        reply = self.session.post(
            login,
            data={"username": username, "password": password, "next": "/admin/"},
            headers={"X-CSRFToken": self.session.cookies["csrftoken"]},
            timeout=timeout,
            allow_redirects=False,
        )
        assert reply.status_code == 302, f"{username} could not log in to the admin"

    def get(self, path: str) -> requests.Response:
        return self.session.get(self.base_url + path, timeout=self.timeout)

    def post(self, path: str, data: dict) -> requests.Response:
        """Sends a form as the browser would; a saved form answers with a redirect."""
        data = {**data, "csrfmiddlewaretoken": self.session.cookies["csrftoken"]}
        return self.session.post(
            self.base_url + path, data=data, timeout=self.timeout, allow_redirects=False
        )

    def close(self) -> None:
        self.session.close()


def at_once(*calls: Callable[[], object]) -> list[object]:
    """Run each call in its own thread, all released at the same moment, and
    return their results in order (an exception is re-raised here)."""
    start = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)
    failures: list[BaseException] = []

    def run(index: int, call: Callable[[], object]) -> None:
        start.wait()
        try:
            results[index] = call()
        except BaseException as error:  # reported in the test's thread
            failures.append(error)

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return results


def new_uuid() -> str:
    return str(uuid.uuid4())
