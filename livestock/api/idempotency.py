"""``Idempotency-Key`` on the API's creates of herder households and lambing
records: the same request sent again under the same key is answered with the
object it created (200), never a second one; the key sent with another request
is a 409. An entry is made safe to resend by its ``uuid`` instead, in the same
way (``services.entries.entry_create``)."""

import hashlib
import json
import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from livestock.models import IdempotentRequest
from livestock.places.names import shown

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
PARAMETER = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    description=(
        "A key of the client's choosing (a UUID, say), 1 to 255 visible ASCII characters. "
        "The same request sent again under it is answered with the object it created (200), "
        "not made twice; under a key already used for another request, a 409."
    ),
)


class Conflict(Exception):
    """The key was used for another request."""


def key_of(request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not (1 <= len(key) <= MAX_KEY_LENGTH and _VISIBLE_ASCII.fullmatch(key)):
        raise ValidationError(
            {
                HEADER: [
                    _("%(header)s is 1 to %(limit)s visible ASCII characters, not %(value)s.")
                    % {
                        "header": HEADER,
                        "limit": MAX_KEY_LENGTH,
                        "value": repr(shown(_as_typed(key))),
                    }
                ]
            }
        )
    return key


def _as_typed(value: str) -> str:
    """A header's value as its client typed it: a WSGI server hands the header's
    bytes over as Latin-1 (PEP 3333), so a key typed 订单17 and sent in UTF-8
    arrives as "è®¢å\x8d\x9517"; read back as UTF-8 when it is that."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


# Visible ASCII: a space is not (a key "a b" and "a  b" looked one key in a log),
# nor a tab or a control character.
_VISIBLE_ASCII = re.compile("[!-~]+")


def _body_hash(data) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class IdempotentCreateMixin:
    """A viewset's ``create`` honouring ``Idempotency-Key``."""

    def create(self, request, *args, **kwargs):
        key = key_of(request)
        if key is None:
            return super().create(request, *args, **kwargs)
        body_hash = _body_hash(request.data)
        stored = IdempotentRequest.objects.filter(user=request.user, key=key).first()
        if stored is not None:
            return self._replay(request, stored, body_hash)
        response = super().create(request, *args, **kwargs)
        if response.status_code != status.HTTP_201_CREATED:
            return response
        try:
            with transaction.atomic():
                IdempotentRequest.objects.create(
                    user=request.user,
                    key=key,
                    path=request.path,
                    body_hash=body_hash,
                    object_id=response.data["id"],
                )
        except IntegrityError:
            # The same key came in at the same moment and was stored first: this
            # create is undone with the request's transaction; sent again, it is
            # answered with the other one's object.
            transaction.set_rollback(True)
            return _conflict(_("This %(header)s is being used by a request sent at the same time."))
        return response

    def _replay(self, request, stored: IdempotentRequest, body_hash: str) -> Response:
        if stored.path != request.path or stored.body_hash != body_hash:
            return _conflict(_("This %(header)s was used for another request; send a new key."))
        instance = self.get_queryset().filter(pk=stored.object_id).first()
        if instance is None:
            return _conflict(_("This %(header)s was used for another request; send a new key."))
        return self.answer(instance, status=status.HTTP_200_OK)  # VersionedMixin's


def _conflict(message: str) -> Response:
    return Response({"detail": message % {"header": HEADER}}, status=status.HTTP_409_CONFLICT)
