"""How the API answers what goes wrong: never a 500 for a user's input, and
never a bare one for a fault of ours.

Django's ``ValidationError`` (raised by the models' rules and the services)
becomes a 400 keyed by field, like DRF's own; an edit made from an older
version is a 412; each refusal is said here (``Refusal``), in the request's
language or in the two a field page asks for. Too many requests for a token
are a 429 that says how many may be sent and when to try again. A request of
the field app's phone with nobody logged in is told its session has ended
(``access.sessions``). Anything else
that fails a request (a bug, a database that is gone, a deadlock) is answered
in JSON, saying that nothing of the request was stored: every write runs in
one transaction up to its answer, undone when the answer is an error
(``views.ScopedViewSet.dispatch``). A database that could not serve the
request is a 503 with ``Retry-After``, since the same request may well succeed
a moment later; an entry sent again under its ``uuid`` is stored once.
"""

import logging
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from livestock import i18n
from livestock.access import sessions
from livestock.access.throttling import (
    AnonymousRateThrottle,
    TokenGuessing,
    TokenRateThrottle,
    throttled_message,
)
from livestock.api.parsers import NotJSON

STALE_EDIT = "stale_edit"
# Seconds a client waits before sending again a request the database could not complete.
RETRY_AFTER = 5

logger = logging.getLogger(__name__)

T = TypeVar("T")


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


class Refusal(exceptions.APIException):
    """What the API refuses of a request, said by ``exception_handler``: the one place
    that says a refusal in the request's language, or in the two languages a field
    page asks for (``i18n.asked_languages``), "first · beside" (or each apart,
    ``i18n.asked_apart``), each made in its own
    language by ``say()`` (``i18n.in_languages``). ``said``: what ``say()`` made
    already in the active language, answered as it is when no languages are asked for.

    A refusal is made again in each language, never translated once made: DRF writes
    a message out in the active language as it raises it (a serializer's field
    checks), so what its validation refuses is said in another language only by
    validating again (``validated``); Django's ``ValidationError`` (the models' rules,
    the services') keeps its messages lazy and is said again as it is."""

    def __init__(
        self,
        say: Callable[[], dict | list | str],
        *,
        said: dict | list | str | None = None,
        status_code: int = status.HTTP_400_BAD_REQUEST,
    ):
        super().__init__()
        self.say = say
        self.said = said
        self.status_code = status_code

    def answer(self, languages: tuple[str, str] | None, *, apart: bool = False) -> None:
        """Its detail (the answer's body) in ``languages`` (each message's two apart,
        ``apart``), or in the active language."""
        if languages is None and self.said is not None:
            self.detail = self.said
        else:
            self.detail = i18n.in_languages(self.say, languages, apart=apart)


def validated(check: Callable[[], T]) -> T:
    """What ``check()`` returns: a DRF validation, which reads and stores nothing (a
    serializer's ``run_validation``). What it refuses is a ``Refusal`` that checks
    again in each language asked for, a refusal of the whole body keyed as every
    refusal is (``_keyed``)."""
    try:
        return check()
    except exceptions.ValidationError as refused:
        said = _detail(refused)

        def say():
            try:
                check()
            except exceptions.ValidationError as again:
                return _detail(again)
            return said  # accepted now: said as it was refused

        raise Refusal(say, said=said) from refused


def _detail(refused: exceptions.ValidationError) -> dict | list:
    whole = _of_the_whole_body(refused.detail)
    return _keyed(whole) if whole else refused.detail


def exception_handler(exc, context) -> Response | None:
    exc = _as_refusal(exc)
    if isinstance(exc, Refusal):
        request = context.get("request")
        if request is None:
            exc.answer(None)
        else:
            exc.answer(i18n.asked_languages(request), apart=i18n.asked_apart(request))
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge(
            _("The request's body is larger than %(limit)s bytes; send less at once.")
            % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
        )
    elif isinstance(exc, exceptions.ValidationError) and _of_the_whole_body(exc.detail):
        exc = exceptions.ValidationError(_keyed(_of_the_whole_body(exc.detail)))
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = PayloadTooLarge(_("The request sends too many form fields or files."))
    elif isinstance(exc, exceptions.Throttled) and not isinstance(exc, TokenGuessing):
        request = context["request"]
        scope = (
            TokenRateThrottle
            if request.user and request.user.is_authenticated
            else AnonymousRateThrottle
        ).scope
        rate = api_settings.DEFAULT_THROTTLE_RATES[scope]
        wait = exc.wait
        # The message says the wait itself; DRF's would add its own sentence.
        exc = exceptions.Throttled(detail=throttled_message(wait=wait, rate=rate))
        exc.wait = wait  # for the Retry-After header
    response = drf_exception_handler(exc, context)
    if response is None:
        return fault(exc, context)
    request = context.get("request")
    if (
        isinstance(exc, exceptions.NotAuthenticated)
        and request is not None
        and sessions.session_ended(request)
    ):
        # The field app's phone uploading its outbox once the technician's session
        # ended: told as its pages' requests are, it drops what it kept of theirs.
        sessions.told_session_ended(response)
    return response


def _as_refusal(exc: Exception) -> Exception:
    """A rule's refusal (Django's ``ValidationError``: a 400 keyed by field, or a 412
    for an edit made from an older version), a body that is not JSON (``NotJSON``)
    or a 404, as a ``Refusal``; any other exception as it is."""
    if isinstance(exc, DjangoValidationError):
        if getattr(exc, "code", None) == STALE_EDIT:
            return Refusal(lambda: exc.messages[0], status_code=status.HTTP_412_PRECONDITION_FAILED)
        return Refusal(lambda: as_serializer_error(exc))
    if isinstance(exc, NotJSON):
        return Refusal(exc.say)
    if isinstance(exc, Http404):
        return Refusal(
            lambda: str(exceptions.NotFound.default_detail), status_code=status.HTTP_404_NOT_FOUND
        )
    if isinstance(exc, exceptions.PermissionDenied) and _says_the_default(exc):
        # A role that may not (views.RolePermissions): the field app shows it where its
        # upload waits, in its page's two languages as every other refusal.
        return Refusal(
            lambda: str(exceptions.PermissionDenied.default_detail),
            status_code=status.HTTP_403_FORBIDDEN,
        )
    return exc


def _says_the_default(exc: exceptions.APIException) -> bool:
    """Whether ``exc`` says its class's own message (made in the active language as it
    was raised), which can be made again in another; one with a message of its own (a
    CSRF failure's, DRF's English) is said as it is."""
    return str(exc.detail) == str(exc.default_detail)


def _of_the_whole_body(detail) -> list | None:
    """The errors of a refusal of the whole body rather than of its fields: a
    bare list (a serializer's ``run_validation`` of ``null``), or DRF's own
    "No data provided" (``is_valid`` of ``null``)."""
    if isinstance(detail, list):
        return detail
    errors = detail.get(api_settings.NON_FIELD_ERRORS_KEY) if isinstance(detail, dict) else None
    if len(detail) == 1 and errors and [getattr(e, "code", None) for e in errors] == ["null"]:
        return errors
    return None


def _keyed(errors: list) -> dict:
    """A refusal of the whole body, keyed as every refusal is (``non_field_errors``,
    as the schema documents it), not a bare list of no field; a body of
    ``null`` is said to be one ("This field may not be null.", of no field, named
    nothing the sender could find)."""
    if [getattr(error, "code", None) for error in errors] == ["null"]:
        errors = [_("The request's body is null; send a JSON object of the fields.")]
    return {api_settings.NON_FIELD_ERRORS_KEY: errors}


def fault(exc: Exception, context) -> Response:
    """The answer to a request that failed by no fault of its sender."""
    request = context.get("request")
    logger.error(
        "%s %s failed; its transaction is undone",
        getattr(request, "method", "?"),
        getattr(request, "path", "?"),
        exc_info=exc,
        extra={"request": request},
    )
    if isinstance(exc, OperationalError | InterfaceError):
        # The connection dropped, the server is gone or broke a deadlock: not the
        # request's fault, and the same request may well succeed in a moment.
        detail = _(
            "The database could not complete this request, and nothing of it was stored. "
            "Send it again in a moment; an entry sent again under its uuid is stored once."
        )
        return Response(
            {"detail": detail},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER)},
        )
    detail = _(
        "The server failed while handling this request, and nothing of it was stored. "
        "Send it again; if it fails again, tell the service's administrators."
    )
    return Response({"detail": detail}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
