"""How the API answers what goes wrong: never a 500 for a user's input, and
never a bare one for a fault of ours.

Django's ``ValidationError`` (raised by the models' rules and the services)
becomes a 400 keyed by field, like DRF's own; an edit made from an older
version is a 412; too many requests for a token are a 429 that says how many
may be sent and when to try again. Anything else that fails a request (a bug, a database that
is gone, a deadlock) is answered in JSON, saying that nothing of the request
was stored: every write runs in one transaction up to its answer, undone
when the answer is an error (``views.ScopedViewSet.dispatch``). A database
that could not serve the request is a 503 with ``Retry-After``, since the
same request may well succeed a moment later; an entry sent again under its
``uuid`` is stored once.
"""

import logging

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
from livestock.access.throttling import (
    AnonymousRateThrottle,
    TokenGuessing,
    TokenRateThrottle,
    throttled_message,
)

STALE_EDIT = "stale_edit"
# How DRF's JSON parser starts its (untranslated) message.
JSON_PARSE_ERROR = "JSON parse error - "
# Seconds a client waits before sending again a request the database could not complete.
RETRY_AFTER = 5

logger = logging.getLogger(__name__)


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"


def exception_handler(exc, context) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        # A rule's refusal, in the two languages a field page asks for (i18n.asked_languages).
        request = context.get("request")
        languages = i18n.asked_languages(request) if request is not None else None
        refusal = exc
        if getattr(exc, "code", None) == STALE_EDIT:
            exc = PreconditionFailed(
                detail=i18n.in_languages(lambda: refusal.messages[0], languages)
            )
        else:
            exc = exceptions.ValidationError(
                detail=i18n.in_languages(lambda: as_serializer_error(refusal), languages)
            )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge(
            _("The request's body is larger than %(limit)s bytes; send less at once.")
            % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
        )
    elif isinstance(exc, exceptions.ParseError) and str(exc.detail).startswith(JSON_PARSE_ERROR):
        # DRF writes this one without gettext: in the request's language instead, with
        # what the JSON decoder said (technical, as it is).
        error = str(exc.detail).removeprefix(JSON_PARSE_ERROR)
        exc = exceptions.ParseError(
            _("The request's body is not valid JSON (%(error)s); nothing was stored.")
            % {"error": error}
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
    if response is not None:
        return response
    return fault(exc, context)


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
