"""How often one may try: the admin's login is locked after repeated failures
(django-axes), and API requests are limited per token (DRF's throttles), each
with a clear answer saying how long to wait."""

import datetime
import ipaddress

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from config.env import env_rate
from tests.conftest import PASSWORD
from tests.test_api_base import api

LOGIN = "/admin/login/"
HERDERS = "/api/v1/herders/"


def log_in(client: Client, username: str, password: str, address: str = "10.1.2.3"):
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def fail(client: Client, username: str, times: int, address: str = "10.1.2.3") -> None:
    """``times`` wrong passwords; the one that reaches the limit is the lockout page."""
    for attempt in range(1, times + 1):
        response = log_in(client, username, "wrong-guess", address)
        expected = 429 if attempt >= settings.AXES_FAILURE_LIMIT else 200
        assert response.status_code == expected, attempt


@pytest.fixture
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
    return settings


# Logins


def test_a_wrong_password_is_the_login_form_again_below_the_limit(client, limits, fuhai_technician):
    fail(client, "fuhai-tech", 2)
    assert log_in(client, "fuhai-tech", PASSWORD).status_code == 302


def test_after_the_limit_even_the_right_password_is_refused_with_how_long_to_wait(
    client, limits, fuhai_technician
):
    fail(client, "fuhai-tech", 3)
    response = log_in(client, "fuhai-tech", PASSWORD)
    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60)
    page = response.content.decode()
    # Chinese first, English beside it, whatever the chosen language.
    assert page.index("登录已暂停") < page.index("Login paused")
    assert "fuhai-tech" in page
    assert "15 分钟后再试" in page and "Try again in 15 minutes" in page
    assert "python manage.py axes_reset_username fuhai-tech" in page
    assert "_auth_user_id" not in client.session


def test_a_lockout_holds_for_that_username_from_that_address_only(
    client, limits, fuhai_technician, woyimoke_technician
):
    fail(client, "fuhai-tech", 3)
    assert log_in(client, "fuhai-tech", PASSWORD).status_code == 429
    assert log_in(Client(), "woyimoke-tech", PASSWORD).status_code == 302
    assert log_in(Client(), "fuhai-tech", PASSWORD, address="10.9.9.9").status_code == 302


def test_a_successful_login_starts_the_count_again(client, limits, fuhai_technician):
    fail(client, "fuhai-tech", 2)
    assert log_in(client, "fuhai-tech", PASSWORD).status_code == 302
    other = Client()
    fail(other, "fuhai-tech", 2)
    assert log_in(other, "fuhai-tech", PASSWORD).status_code == 302


def test_the_lockout_ends_after_the_wait(client, limits, fuhai_technician):
    fail(client, "fuhai-tech", 3)
    assert log_in(client, "fuhai-tech", PASSWORD).status_code == 429
    sixteen_minutes_ago = timezone.now() - datetime.timedelta(minutes=16)
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time = sixteen_minutes_ago
        attempt.save()
    assert log_in(client, "fuhai-tech", PASSWORD).status_code == 302


def test_an_administrator_unlocks_a_username_with_a_command(client, limits, fuhai_technician):
    fail(client, "fuhai-tech", 3)
    assert log_in(client, "fuhai-tech", PASSWORD).status_code == 429
    call_command("axes_reset_username", "fuhai-tech", verbosity=0)
    assert log_in(client, "fuhai-tech", PASSWORD).status_code == 302


def test_an_administrator_sees_the_attempts_in_the_admin(client, limits, fuhai_technician):
    from tests.conftest import make_user

    fail(Client(), "fuhai-tech", 3)
    client.force_login(make_user("root", None, superuser=True))
    page = client.get("/admin/axes/accessattempt/").content.decode()
    assert "fuhai-tech" in page and "10.1.2.3" in page


def test_guessing_a_username_that_does_not_exist_is_locked_out_too(client, limits, db):
    fail(client, "no-such-user", 3)
    assert log_in(client, "no-such-user", "anything").status_code == 429


def test_a_username_longer_than_any_is_a_wrong_username_and_counted(client, limits, db):
    """A login posted with a username of 100,000 characters (no form sends one: the
    box takes 150) was a 500 on PostgreSQL, whose lockout table keeps 255: it is the
    login form again, saying the username or password is wrong, and the attempt is
    counted under the username's first 255 characters, locking it out as any other."""
    typed = "x" * 100_000
    response = log_in(client, typed, "anything")
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()
    [attempt] = AccessAttempt.objects.all()
    assert attempt.username == typed[:255]
    assert log_in(client, typed, "anything").status_code == 200
    assert log_in(client, typed, "anything").status_code == 429  # the third: the limit


# The API, per token


@pytest.fixture
def rates(settings, db, monkeypatch):
    """Small rates, set the way settings.py sets them from the environment, and
    the clock stopped in the middle of a minute: a test's requests all fall in
    one window of the throttles' counts."""
    from livestock.access.throttling import (
        AnonymousRateThrottle,
        FixedWindowCount,
        TokenRateThrottle,
    )

    monkeypatch.setattr(FixedWindowCount, "timer", lambda self: 1_000_000 * 60 + 30.0)

    throttles = (TokenRateThrottle, AnonymousRateThrottle)
    # DRF reads the rates once, into the class; follow the setting for the test.
    original = [throttle.THROTTLE_RATES for throttle in throttles]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "3/minute", "anonymous": "2/minute"},
    }
    for throttle in throttles:
        throttle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    yield
    for throttle, rates in zip(throttles, original, strict=True):
        throttle.THROTTLE_RATES = rates


@pytest.mark.parametrize(
    ("language", "said"), [("en", "at most 3/minute"), ("zh-hans", "3/minute")]
)
def test_a_token_past_its_rate_gets_a_429_saying_when_to_try_again(
    rates, fuhai_technician, language, said
):
    client = api(fuhai_technician, language=language)
    for _ in range(3):
        assert client.get(HERDERS).status_code == 200
    response = client.get(HERDERS)
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert 0 < wait <= 60
    detail = response.json()["detail"]
    assert said in detail and str(wait) in detail


def test_the_rate_is_per_token(rates, fuhai_technician, woyimoke_technician):
    busy = api(fuhai_technician)
    for _ in range(3):
        busy.get(HERDERS)
    assert busy.get(HERDERS).status_code == 429
    assert api(woyimoke_technician).get(HERDERS).status_code == 200


def test_writes_count_against_the_rate_too_and_a_throttled_write_stores_nothing(
    rates, fuhai_technician, qibaerwoyi
):
    from livestock.models import Herder

    client = api(fuhai_technician)
    for index in range(3):
        data = {"village": qibaerwoyi.pk, "name": f"新牧户{index}", "name_latin": "New"}
        assert client.post(HERDERS, data).status_code == 201
    refused = client.post(HERDERS, {"village": qibaerwoyi.pk, "name": "第四户", "name_latin": "x"})
    assert refused.status_code == 429
    assert not Herder.objects.filter(name="第四户").exists()


def test_a_token_may_send_again_when_the_next_window_begins(rates, fuhai_technician, monkeypatch):
    from livestock.access.throttling import FixedWindowCount

    now = [1_000_000 * 60 + 59.5]  # half a second before a minute ends
    monkeypatch.setattr(FixedWindowCount, "timer", lambda self: now[0])
    client = api(fuhai_technician)
    for _ in range(3):
        assert client.get(HERDERS).status_code == 200
    refused = client.get(HERDERS)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "1"
    now[0] += 1
    assert client.get(HERDERS).status_code == 200


def test_counting_a_request_is_one_statement_not_a_list_of_times_rewritten(rates, fuhai_technician):
    """DRF's throttle read the token's list of request times from the cache and
    wrote it back whole: three queries and a row rewritten per request under
    the database cache. A count is one atomic increment."""
    from rest_framework.test import APIRequestFactory

    from livestock.access.throttling import TokenRateThrottle

    request = APIRequestFactory().get(HERDERS)
    request.user = fuhai_technician
    with CaptureQueriesContext(connection) as queries:
        allowed = [TokenRateThrottle().allow_request(request, None) for _ in range(4)]
    assert allowed == [True, True, True, False]
    assert len(queries) == 4
    assert all(query["sql"].startswith("INSERT INTO") for query in queries)


def test_a_pruning_request_deletes_the_windows_long_over_and_keeps_todays(
    rates, fuhai_technician, monkeypatch
):
    """One request in a thousand also deletes the counts of windows over two
    days ago (of addresses seen once, mostly): the table holds about one row
    per client active today, and today's counts stay as they were."""
    from livestock.access import throttling
    from livestock.models import RequestCount

    now = 1_000_000 * 60
    old = now - throttling.PRUNE_AFTER_SECONDS - 60
    throttling.count_request("gone-since-the-day-before-yesterday", window_start=old)
    throttling.count_request("seen-today", window_start=now - 3600)
    monkeypatch.setattr(throttling, "prune_due", lambda: True)
    assert throttling.count_request("this-request", window_start=now) == 1
    assert set(RequestCount.objects.values_list("key", flat=True)) == {"seen-today", "this-request"}
    assert RequestCount.objects.get(key="seen-today").count == 1


@pytest.fixture
def shared_cache(settings, db):
    """The throttles' counts in a table of the database, as in production
    (settings.py: what gunicorn's workers share), not in this process's memory."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "throttle_test_cache",
        }
    }
    call_command("createcachetable", verbosity=0)


def test_refused_writes_count_against_the_rate_too(rates, shared_cache, fuhai_technician):
    """A write answered 400 is undone whole, but not its count: a client
    sending bad writes is slowed like any other."""
    client = api(fuhai_technician)
    for _ in range(3):
        assert client.post(HERDERS, {"name": "no village"}).status_code == 400
    assert client.post(HERDERS, {"name": "no village"}).status_code == 429


def test_requests_without_credentials_are_limited_per_address(rates):
    client = Client()
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/schema/").status_code == 200
    response = client.get("/api/schema/")
    assert response.status_code == 429
    assert "Retry-After" in response


def test_the_default_rates_come_from_the_environment():
    assert api_settings.DEFAULT_THROTTLE_RATES == {"token": "600/minute", "anonymous": "60/minute"}


@pytest.mark.parametrize("value", ["600", "600/min", "0/minute", "many/hour", "600 / minute"])
def test_a_rate_that_cannot_be_read_stops_the_server_at_start(monkeypatch, value):
    monkeypatch.setenv("API_RATE_PER_TOKEN", value)
    with pytest.raises(ImproperlyConfigured, match="API_RATE_PER_TOKEN"):
        env_rate("API_RATE_PER_TOKEN", default="600/minute")


def test_a_rate_from_the_environment_is_used(monkeypatch):
    monkeypatch.setenv("API_RATE_PER_TOKEN", "20/second")
    assert env_rate("API_RATE_PER_TOKEN", default="600/minute") == "20/second"


# Which address: the connection's, or behind our proxy the one it saw


def test_an_address_written_by_the_client_does_not_escape_the_login_lockout(
    client, limits, fuhai_technician
):
    for attempt in range(1, 4):
        forged = {"HTTP_X_FORWARDED_FOR": f"203.0.113.{attempt}"}
        response = client.post(
            LOGIN, {"username": "fuhai-tech", "password": "wrong-guess"}, **forged
        )
        assert response.status_code == (429 if attempt == 3 else 200)
    response = client.post(
        LOGIN,
        {"username": "fuhai-tech", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.99",
    )
    assert response.status_code == 429


def test_an_address_written_by_the_client_does_not_escape_the_api_limit(rates):
    client = Client()
    codes = [
        client.get("/api/schema/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(3)
    ]
    assert codes == [200, 200, 429]


@pytest.fixture
def behind_proxy(settings):
    """As settings.py sets it for ``BEHIND_TLS_PROXY=true``, the proxy at 10.0.0.1
    (``TRUSTED_PROXIES=10.0.0.1``)."""
    settings.BEHIND_TLS_PROXY = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.1")]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    return settings


def through_proxy(client: Client, username: str, password: str, forwarded_for: str):
    return client.post(
        LOGIN,
        {"username": username, "password": password},
        REMOTE_ADDR="10.0.0.1",  # the proxy
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_behind_the_proxy_a_guesser_locks_out_only_their_own_address(
    limits, behind_proxy, fuhai_technician
):
    guesser = Client()
    for attempt in range(1, 4):
        response = through_proxy(guesser, "fuhai-tech", "wrong-guess", "203.0.113.7")
        assert response.status_code == (429 if attempt == 3 else 200)
    # Addresses the guesser writes before the proxy's entry change nothing.
    forged = "198.51.100.20, 203.0.113.7"
    assert through_proxy(guesser, "fuhai-tech", PASSWORD, forged).status_code == 429
    # The technician, at another address behind the same proxy, logs in.
    technician = through_proxy(Client(), "fuhai-tech", PASSWORD, "198.51.100.20")
    assert technician.status_code == 302


def test_behind_the_proxy_the_api_limit_is_per_client_address(rates, behind_proxy):
    first, second = Client(), Client()
    for _ in range(2):
        ok = first.get("/api/schema/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
        assert ok.status_code == 200
    limited = first.get("/api/schema/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert limited.status_code == 429
    other = second.get("/api/schema/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert other.status_code == 200


@pytest.mark.parametrize(
    ("variable", "value"),
    [("LOGIN_FAILURE_LIMIT", "0"), ("LOGIN_FAILURE_LIMIT", "-3"), ("LOGIN_LOCKOUT_MINUTES", "-15")],
)
def test_a_login_limit_below_one_stops_the_server_at_start(variable, value):
    """0 failures allowed would lock every user out at their first typo; a
    negative wait is no lockout at all. Neither is taken silently."""
    from tests.test_settings import settings_check

    result = settings_check(**{variable: value})
    assert result.returncode != 0
    assert f"{variable}={value!r} is less than 1" in result.stderr


@pytest.mark.parametrize("forwarded_for", ["not-an-ip", "203.0.113.7:4444", "", "203.0.113.7, "])
def test_behind_the_proxy_an_entry_that_is_not_an_address_counts_the_connections(
    limits, behind_proxy, fuhai_technician, forwarded_for
):
    response = through_proxy(Client(), "fuhai-tech", "wrong-guess", forwarded_for)
    assert response.status_code == 200  # the login form again, not a 500
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["10.0.0.1"]


def test_behind_the_proxy_a_client_reaching_the_server_directly_cannot_choose_its_address(
    rates, behind_proxy
):
    """Only the proxy's connection is believed: around it, X-Forwarded-For is dropped."""
    client = Client()
    codes = [
        client.get(
            "/api/schema/", REMOTE_ADDR="198.51.100.50", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"
        ).status_code
        for n in range(3)
    ]
    assert codes == [200, 200, 429]


def test_behind_the_proxy_a_direct_client_cannot_say_it_came_over_https(behind_proxy):
    behind_proxy.SECURE_SSL_REDIRECT = True
    direct = Client().get("/", REMOTE_ADDR="198.51.100.50", HTTP_X_FORWARDED_PROTO="https")
    proxied = Client().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_PROTO="https")

    assert direct.status_code == 301 and direct["Location"].startswith("https://")
    assert proxied.status_code == 302  # to the login page: HTTPS as the proxy says


def test_a_trusted_proxy_that_is_not_an_address_stops_the_server_at_start():
    from tests.test_settings import settings_check

    result = settings_check(TRUSTED_PROXIES="10.0.0.1,proxy.example.org")
    assert result.returncode != 0
    assert "'proxy.example.org' is not an IP address or network" in result.stderr


# Wrong API tokens


@pytest.fixture
def token_failures(settings):
    """A rate of 3 wrong tokens a minute, and the clock stopped in the middle of
    a minute: a test's wrong tokens all fall in one period of the count (run
    across a minute's end, the fourth would start a new count and pass)."""
    settings.API_TOKEN_FAILURE_RATE = "3/minute"
    with freeze_seconds(30):
        yield settings


def test_wrong_tokens_past_the_rate_get_a_429_and_so_does_the_right_one(
    token_failures, fuhai_technician
):
    guesser = APIClient()
    codes = []
    for n in range(4):
        guesser.credentials(HTTP_AUTHORIZATION=f"Token {n:040x}")
        codes.append(guesser.get(HERDERS).status_code)
    right = api(fuhai_technician).get(HERDERS)

    assert codes == [401, 401, 401, 429]
    assert right.status_code == 429
    assert 0 < int(right["Retry-After"]) <= 60
    assert "wrong tokens" in right.json()["detail"]


def test_each_kind_of_wrong_token_is_refused_in_drfs_words_and_counted(
    token_failures, fuhai_technician
):
    """The count and the token are read together (one statement on
    PostgreSQL): a header naming no token, a token with a space, an unknown
    token and an inactive user's token are each refused as DRF refuses them,
    and each counts against the address."""
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    inactive = api(fuhai_technician)
    fuhai_technician.is_active = False
    fuhai_technician.save()
    guesser = APIClient()
    answers = []
    for header in ("Token", "Token a b", "Token " + "0" * 40):
        guesser.credentials(HTTP_AUTHORIZATION=header)
        answers.append(guesser.get(HERDERS, **english))
    answers.append(inactive.get(HERDERS, **english))

    assert [answer.status_code for answer in answers] == [401, 401, 401, 429]
    assert [answer.json()["detail"] for answer in answers[:3]] == [
        "Invalid token header. No credentials provided.",
        "Invalid token header. Token string should not contain spaces.",
        "Invalid token.",
    ]
    fuhai_technician.is_active = True
    fuhai_technician.save()
    with freeze_seconds(61):
        assert inactive.get(HERDERS).status_code == 200


def test_an_inactive_users_token_is_refused(fuhai_technician):
    client = api(fuhai_technician)
    fuhai_technician.is_active = False
    fuhai_technician.save()
    response = client.get(HERDERS, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.json()["detail"] == "User inactive or deleted."


def test_wrong_tokens_from_another_address_do_not_stop_a_token(token_failures, fuhai_technician):
    guesser = APIClient()
    guesser.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    for _ in range(4):
        guesser.get(HERDERS, REMOTE_ADDR="198.51.100.7")

    assert api(fuhai_technician).get(HERDERS).status_code == 200


def test_wrong_tokens_are_counted_only_until_the_period_ends(token_failures, fuhai_technician):
    guesser = APIClient()
    guesser.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    with freeze_seconds(0):
        for _ in range(3):
            guesser.get(HERDERS)
        assert api(fuhai_technician).get(HERDERS).status_code == 429
    with freeze_seconds(61):
        assert api(fuhai_technician).get(HERDERS).status_code == 200


def freeze_seconds(offset: float):
    """``time.time()`` of the throttling module, ``offset`` seconds after a fixed moment."""
    from unittest import mock

    return mock.patch("livestock.access.throttling.time.time", return_value=1_800_000_000 + offset)


# After logging in


def test_a_login_with_a_next_page_on_another_site_lands_on_the_home_page(client, fuhai_technician):
    response = client.post(
        LOGIN + "?next=https://evil.example.org/",
        {"username": "fuhai-tech", "password": PASSWORD, "next": "https://evil.example.org/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/"
