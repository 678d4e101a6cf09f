"""How often one may try: logins (against password guessing) and API requests
(per token). The limits are settings read from the environment; see README.md,
"Running it for a county".

Logins are counted by django-axes: after ``LOGIN_FAILURE_LIMIT`` failures for
one username from one address, that pair is locked out for
``LOGIN_LOCKOUT_MINUTES`` (each further try restarts the wait), with a page
that says so in Chinese and English and how an administrator unlocks it. API
requests are counted per user (a token is its user's) and per address for
requests without credentials, in fixed windows of the rate's period: one
atomic increment of a row per request (``count_request``), not DRF's list of
timestamps read, rewritten and stored whole in the cache on every request
(three queries and a row held locked under the database cache, which all of
gunicorn's workers must share). A window lets a client send up to twice the
rate across its boundary; the rates are a guard against a runaway client,
not a quota.

Both take a request's address from ``client_address``: behind the proxy
(``BEHIND_TLS_PROXY``) the address the proxy saw, so that one guesser cannot
lock a username out for everyone behind it; never an address the client wrote
into ``X-Forwarded-For`` itself, so that rotating it escapes neither limit.
"""

import functools
import ipaddress
import math
import random
import time

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username, get_cool_off
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.throttling import (
    AnonRateThrottle,
    BaseThrottle,
    SimpleRateThrottle,
    UserRateThrottle,
)

from livestock.access import permissions
from livestock.models import RequestCount
from livestock.models.prepared import PreparedGet, execute
from livestock.places import scoping

LOCKED_OUT = 429


def client_address(request) -> str | None:
    """The address a request comes from, for the login lockout: the same rule
    as the API's throttles (DRF's, from the setting ``NUM_PROXIES``), when that
    gives an IP address; else (a proxy that wrote something else, or a client
    reaching the app around the proxy) the connection's, never a text that the
    lockout's address column would refuse."""
    address = BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return request.META.get("REMOTE_ADDR")


# The longest username django-axes's tables keep (their ``username`` column).
USERNAME_KEPT = 255


def login_username(request, credentials: dict | None = None) -> str | None:
    """The username a login is counted under by the lockout: as typed (django-axes's
    own rule, ``AXES_USERNAME_FORM_FIELD`` of the credentials or of the post), cut
    to what its tables keep. A login posted with a username of thousands of
    characters was a 500 on PostgreSQL (the failure could not be written down);
    no user has such a name (150 characters at most), so it is a wrong username,
    said as any other, and counted under its first 255 characters."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        username = credentials.get(field)
    else:
        username = getattr(request, "data", request.POST).get(field)
    return username[:USERNAME_KEPT] if isinstance(username, str) else username


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes's check of a login against the lockouts. Every login over the
    network comes with its request (the admin's login form); an authentication
    without one is code on this machine (a test's ``client.login()``, a script),
    not a guess, and passes to the next backend unchecked."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def lockout_response(request, original_response=None, credentials=None):
    """The page shown instead of the login form while locked out: a 429 that
    says for whom, how long, and how an administrator unlocks it, in Chinese
    and English whichever language is chosen; ``Retry-After`` says how long
    to machines."""
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else None
    context = {"username": get_client_username(request, credentials) or "", "minutes": minutes}
    response = render(request, "registration/locked_out.html", context, status=LOCKED_OUT)
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response


# One request in this many also deletes the counts of windows long over (of
# addresses seen once, mostly), so that the table holds about one row per
# client active today.
PRUNE_ONE_IN = 1000
PRUNE_AFTER_SECONDS = 2 * 24 * 3600


def prune_due() -> bool:
    """Whether this request also prunes: one in ``PRUNE_ONE_IN``, at random."""
    return random.randrange(PRUNE_ONE_IN) == 0  # noqa: S311 (spreading work, not a secret)


def count_request(key: str, *, window_start: int) -> int:
    """Count one request of ``key`` in the window starting at ``window_start``
    and return how many it has made in that window, this one included. One
    statement, atomic on PostgreSQL and SQLite: two workers counting the same
    key at once each get their own number."""
    table = RequestCount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, window_start, count) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (key) DO UPDATE SET count = CASE WHEN {table}.window_start = "
            f"excluded.window_start THEN {table}.count + 1 ELSE 1 END, "
            f"window_start = excluded.window_start RETURNING count",
            [key, window_start],
        )
        (count,) = cursor.fetchone()
        if prune_due():
            cursor.execute(
                f"DELETE FROM {table} WHERE window_start < %s",  # noqa: S608
                [window_start - PRUNE_AFTER_SECONDS],
            )
    return count


def requests_counted(key: str, *, window_start: int) -> int:
    """How many requests ``count_request`` counted for ``key`` in the window
    starting at ``window_start`` (none in a later window)."""
    with connection.cursor() as cursor:
        execute(cursor, _COUNTED, [key, window_start], label="request_count")
        row = cursor.fetchone()
    return 0 if row is None else row[0]


# ``requests_counted``' read: a key's count in a window (none in a later one).
_COUNTED = (
    f"SELECT count FROM {RequestCount._meta.db_table} "  # noqa: S608
    "WHERE key = %s AND window_start = %s"
)


class FixedWindowCount:
    """DRF's rate throttle, counting each key's requests in fixed windows of
    the rate's period with ``count_request`` instead of keeping the time of
    every request in the cache."""

    timer = time.time

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window_start = int(now // self.duration * self.duration)
        self.window_ends = window_start + self.duration
        self.now = now
        return count_request(self.key, window_start=window_start) <= self.num_requests

    def wait(self) -> float:
        """Seconds until the window ends and the key may send again."""
        return max(self.window_ends - self.now, 1)


class TokenRateThrottle(FixedWindowCount, UserRateThrottle):
    """API requests per user, so per token: ``API_RATE_PER_TOKEN``."""

    scope = "token"


class AnonymousRateThrottle(FixedWindowCount, AnonRateThrottle):
    """API requests without credentials, per address: ``API_RATE_ANONYMOUS``.
    They are all refused (401), but each still costs a look-up."""

    scope = "anonymous"


def throttled_message(*, wait: float | None, rate: str) -> str:
    seconds = math.ceil(wait) if wait is not None else None
    if seconds is None:
        return _("Too many requests: at most %(rate)s. Try again later.") % {"rate": rate}
    return _(
        "Too many requests: at most %(rate)s. Try again in %(seconds)s seconds "
        "(the Retry-After header says the same)."
    ) % {"rate": rate, "seconds": seconds}


class TokenGuessing(Throttled):
    """Too many wrong tokens from one address: every token from it waits."""

    default_code = "token_failures"


class ThrottledTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, counting the wrong tokens sent from each
    address: past ``API_TOKEN_FAILURE_RATE`` every token request from that
    address is a 429 until the period ends, the right token too (else the
    answer would still tell a guesser when a guess was right).

    A wrong token fails while the request is authenticated, before any throttle
    is asked, so the per-token and per-address rates never counted it. The
    count is one number per address and period, counted as the rates count
    (``count_request``) when a token is wrong, and read by one prepared
    statement on every token request (``requests_counted``): the cache's read
    was a query compiled anew each time, 5 % of a single create's CPU. On
    PostgreSQL the same statement reads the token the header names, with its
    user and what every API request asks of that user next, their
    permissions and their scope's grants (``_FailuresAndToken``): one query
    where there were four."""

    # The token the header names, read with the count: (its key, the token or
    # None, its user's permissions and grants).
    _named: tuple[str, object, list, list] | None = None

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        key, window_start, seconds_left = _failure_window(request)
        limit, _period = _failure_rate()
        if self._failures(header, key, window_start) >= limit:
            raise TokenGuessing(
                detail=_(
                    "Too many wrong tokens from your address: at most %(rate)s. Try again in "
                    "%(seconds)s seconds (the Retry-After header says the same)."
                )
                % {"rate": settings.API_TOKEN_FAILURE_RATE, "seconds": seconds_left},
                wait=seconds_left,
            )
        try:
            return super().authenticate(request)
        except AuthenticationFailed:
            count_request(key, window_start=window_start)
            raise

    def _failures(self, header: list[bytes], key: str, window_start: int) -> int:
        """The wrong tokens counted for ``key`` in the window; on PostgreSQL,
        with the token a well-formed header names, in one statement."""
        if connection.vendor == "postgresql" and len(header) == 2:
            try:
                token_key = header[1].decode()
            except UnicodeError:  # DRF refuses it, in its words
                token_key = None
            if token_key is not None:
                failures, *named = _failures_and_token(self.get_model()).read(
                    key, window_start, token_key
                )
                self._named = (token_key, *named)
                return failures
        return requests_counted(key, window_start=window_start)

    def authenticate_credentials(self, key):
        """DRF's, the token and its user read by a query compiled and planned
        once (``PreparedGet``), or with the count of wrong tokens: every API
        request makes it. A token refused is refused by DRF's own code, in
        its words."""
        if self._named is not None and self._named[0] == key:
            token = self._named[1]
        else:
            try:
                token = _tokens_of(self.get_model()).get(key)
            except ObjectDoesNotExist:
                token = None
        if token is None or not token.user.is_active:
            return super().authenticate_credentials(key)
        if self._named is not None and self._named[0] == key:
            permissions.keep_permissions(token.user, self._named[2])
            scoping.keep_grants(token.user, self._named[3])
        return (token.user, token)


@functools.cache
def _tokens_of(model) -> PreparedGet:
    """A token with its user, by its key (compiled once)."""
    return PreparedGet(model.objects.select_related("user"))


class _FailuresAndToken:
    """One statement: the wrong tokens counted for an address in the current
    period (``requests_counted``'s read), the token a request names with its
    user (``_tokens_of``' query, joined to the count so that a token that
    does not exist still reads the count), and that user's permissions
    (``permissions.permission_names``) and scope's grants
    (``scoping.grant_rows``), which the request's permission check and its
    scope ask next: each was a statement of its own on every API request (a
    round trip, and the server's work of a statement, for a few rows)."""

    def __init__(self, tokens: PreparedGet):
        self.tokens = tokens
        user_id = f"named.{tokens.model._meta.get_field('user').column}"
        self.sql = (
            f"SELECT ({_COUNTED}), named.*, "  # noqa: S608
            f"ARRAY({permissions.permission_names(user_id=user_id)}), "
            f"{scoping.grant_rows(user_id=user_id)} "
            f"FROM (SELECT 1) AS one LEFT JOIN ({tokens.sql}) AS named ON true"
        )

    def read(
        self, key: str, window_start: int, token_key: str
    ) -> tuple[int, object, list[str], list[list]]:
        """The count (0 when none); the token with its user, or None; the
        user's permissions (``app_label.codename``) and grants (rows)."""
        params = list(self.tokens.params)
        params[self.tokens.id_at] = token_key
        with connection.cursor() as cursor:
            execute(cursor, self.sql, [key, window_start, *params], label="token_and_failures")
            count, *row, permission_names, grant_rows = cursor.fetchone()
        if row[self.tokens.start] is None:  # no such token
            return count or 0, None, [], []
        return count or 0, self.tokens.object_from(row), permission_names, grant_rows


@functools.cache
def _failures_and_token(model) -> _FailuresAndToken:
    return _FailuresAndToken(_tokens_of(model))


def _failure_rate() -> tuple[int, int]:
    return SimpleRateThrottle.parse_rate(None, settings.API_TOKEN_FAILURE_RATE)


def _failure_window(request) -> tuple[str, int, int]:
    """The key the request's address counts wrong tokens under, the start of
    the current period and the seconds left in it."""
    _limit, period = _failure_rate()
    now = time.time()
    window = int(now // period)
    seconds_left = max(1, math.ceil((window + 1) * period - now))
    return f"token-failures:{client_address(request)}", window * period, seconds_left
