"""Creates sent with an ``Idempotency-Key``: what each key created, so that the
same request sent again (after a timeout, a lost answer) is answered with the
object it made instead of making a second one."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotentRequest(models.Model):
    """One create of a herder household or a lambing record through the API,
    under the key its client chose: the key is the user's own (two users' keys
    never meet), and holds for the request it first came with, by its path and
    the hash of its body. Entries need none: their ``uuid`` is their key."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, verbose_name=_("user"))
    key = models.CharField(_("idempotency key"), max_length=255)
    path = models.CharField(_("path"), max_length=200)
    body_hash = models.CharField(_("hash of the body"), max_length=64)
    object_id = models.BigIntegerField(_("id of the object created"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotent_request_user_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.path}{self.object_id}"
