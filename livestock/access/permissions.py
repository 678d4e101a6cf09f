"""How a user's permissions are read: Django's model permissions (a role's,
``roles.py``, and any given to the user), in one query per request.

Every API request asks them (``api.views.RolePermissions``), and a request's
user is read anew, so Django's ``ModelBackend`` read them twice per request:
the user's own permissions, then their groups'. ``RoleBackend`` reads both in
one statement, prepared once per connection on PostgreSQL
(``models/prepared.py``: planning its joins and union cost the server more
than running it); what it answers is ``ModelBackend``'s (a test holds the two
equal), and a user object keeps them for the rest of its request as Django's
does (``_perm_cache``). An API request with a token has them read with the
token, in the same statement (``throttling.ThrottledTokenAuthentication``:
``permission_names`` and ``keep_permissions``).
"""

import functools

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from livestock.models.prepared import execute


class RoleBackend(ModelBackend):
    """``ModelBackend`` (logins, ``has_perm``), reading an active user's
    permissions, their own and their groups', in one query."""

    def get_all_permissions(self, user_obj, obj=None):
        if not _reads_roles(user_obj) or obj is not None:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            with connection.cursor() as cursor:
                execute(
                    cursor,
                    permission_names(user_id="%s"),
                    [user_obj.pk, user_obj.pk],
                    label="user_permissions",
                )
                keep_permissions(user_obj, [name for (name,) in cursor.fetchall()])
        return user_obj._perm_cache


def _reads_roles(user) -> bool:
    """Whether ``RoleBackend`` reads the user's permissions: an active user's,
    not a superuser's (``ModelBackend`` answers the others)."""
    return user.is_active and not user.is_anonymous and not user.is_superuser


def keep_permissions(user, names: list[str]) -> None:
    """Keep the permissions ``permission_names`` read for ``user`` for the rest
    of its request, as ``get_all_permissions`` keeps what it reads (a user it
    does not read them for is left to ``ModelBackend``)."""
    if _reads_roles(user):
        user._perm_cache = set(names)


@functools.cache
def permission_names(*, user_id: str) -> str:
    """The SQL of a user's permissions, their own and their groups', as
    ``ModelBackend`` reads them: one row each, ``app_label.codename``. The
    user is ``user_id``, SQL written twice into it: ``%s`` (a parameter) or a
    column of a statement it is a subquery of. Made once, from the models'
    tables."""
    user_permissions = get_user_model().user_permissions.through._meta
    user_groups = get_user_model().groups.through._meta
    group_permissions = Group.permissions.through._meta
    return (
        f"SELECT t.app_label || '.' || p.codename FROM {Permission._meta.db_table} p "  # noqa: S608
        f"JOIN {ContentType._meta.db_table} t ON t.id = p.content_type_id "
        f"WHERE p.id IN ("
        f"SELECT permission_id FROM {user_permissions.db_table} WHERE user_id = {user_id} "
        f"UNION SELECT g.permission_id FROM {group_permissions.db_table} g "
        f"JOIN {user_groups.db_table} u ON u.group_id = g.group_id WHERE u.user_id = {user_id})"
    )
