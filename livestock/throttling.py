"""How often one may try: logins (against password guessing) and API requests
(per token). The limits are settings read from the environment; see README.md,
"Running it for a county".

Logins are counted by django-axes: after ``LOGIN_FAILURE_LIMIT`` failures for
one username from one address, that pair is locked out for
``LOGIN_LOCKOUT_MINUTES`` (each further try restarts the wait), with a page
that says so in Chinese and English and how an administrator unlocks it. API
requests are counted by DRF's throttles, per user (a token is its user's) and
per address for requests without credentials.

Both take a request's address from ``client_address``: behind the proxy
(``BEHIND_TLS_PROXY``) the address the proxy saw, so that one guesser cannot
lock a username out for everyone behind it; never an address the client wrote
into ``X-Forwarded-For`` itself, so that rotating it escapes neither limit.
"""

import ipaddress
import math

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username, get_cool_off
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework.throttling import AnonRateThrottle, BaseThrottle, UserRateThrottle

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


class TokenRateThrottle(UserRateThrottle):
    """API requests per user, so per token: ``API_RATE_PER_TOKEN``."""

    scope = "token"


class AnonymousRateThrottle(AnonRateThrottle):
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
