"""History for Django's users and groups, kept in this app: who gave whom an
account, a role or superuser rights, and when. Password hashes and login times
are not copied into the history (``apps.py`` keeps a login from adding a row)."""

from django.contrib.auth.models import Group, User
from simple_history import register

from livestock.audit.attribution import AuditedChange

USER_FIELDS_NOT_KEPT = ["password", "last_login"]

register(
    User,
    app="livestock",
    bases=[AuditedChange],
    excluded_fields=USER_FIELDS_NOT_KEPT,
    m2m_fields=["groups", "user_permissions"],
)
register(Group, app="livestock", bases=[AuditedChange], m2m_fields=["permissions"])
