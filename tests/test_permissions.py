"""A user's permissions, read in one query (livestock/access/permissions.py), are the
ones Django's own ModelBackend reads in two."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from livestock.access.permissions import RoleBackend
from tests.conftest import make_user


def fresh(user):
    return type(user).objects.get(pk=user.pk)


def test_a_users_own_permissions_and_their_roles_are_read_in_one_query(fuhai):
    user = make_user("fuhai-integration", "integration", fuhai)
    user.user_permissions.add(Permission.objects.get(codename="add_lambingentry"))

    read_again = fresh(user)
    with CaptureQueriesContext(connection) as queries:
        permissions = RoleBackend().get_all_permissions(read_again)

    assert len(queries) == 1
    assert permissions == ModelBackend().get_all_permissions(fresh(user))
    assert {"livestock.add_lambingentry", "livestock.view_lambingrecord"} <= permissions
    assert "livestock.change_lambingentry" not in permissions


def test_a_user_may_do_what_their_role_allows_and_nothing_else(fuhai):
    official = fresh(make_user("fuhai-official", "official", fuhai))

    assert official.has_perm("livestock.approve_review")
    assert official.has_perm("livestock.view_lambingentry")
    assert not official.has_perm("livestock.add_lambingentry")


def test_an_inactive_user_and_a_user_without_a_role_may_do_nothing(fuhai):
    inactive = make_user("gone", "technician", fuhai)
    inactive.is_active = False
    inactive.save()
    without_role = make_user("nobody", None, fuhai)

    assert RoleBackend().get_all_permissions(fresh(inactive)) == set()
    assert RoleBackend().get_all_permissions(fresh(without_role)) == set()
    assert not fresh(inactive).has_perm("livestock.view_lambingentry")
