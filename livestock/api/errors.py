"""How the API answers what goes wrong: never a 500 for a user's input.

Django's ``ValidationError`` (raised by the models' rules and the services)
becomes a 400 keyed by field, like DRF's own; an edit made from an older
version is a 412.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

STALE_EDIT = "stale_edit"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"


def exception_handler(exc, context) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        if getattr(exc, "code", None) == STALE_EDIT:
            exc = PreconditionFailed(detail=exc.messages[0])
        else:
            exc = exceptions.ValidationError(detail=as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)
