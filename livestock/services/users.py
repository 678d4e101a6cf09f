"""Users: made with one role's group and a scope grant on each place, all or
nothing; changed (names, flags, groups, permissions, password); and the
places they may work in granted, moved and taken back. ``manage.py add_user``
and the admin's user pages write through these."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction

from livestock.access import roles
from livestock.models import SCOPE_LEVELS, Place, ScopeGrant
from livestock.services.guards import only_fields


class UserNotCreated(Exception):
    """A user could not be created; the message says why. Nothing was stored."""


@dataclass(frozen=True)
class CreatedUser:
    user: AbstractBaseUser
    token: str | None


def user_create(
    *, username: str, role: str, places: list[Place], password: str, write: bool = False
) -> CreatedUser:
    """A user with one role's group and a scope grant on each place, all or
    nothing. Technicians and officials work in the admin, so they are staff;
    an integration works through the API with the token made here, and may
    add and change counts only with ``write``."""
    group = Group.objects.filter(name=role).first()
    if group is None:
        raise UserNotCreated(f"The group {role!r} does not exist; run 'manage.py migrate' first.")
    write_permissions = []
    if write:
        write_permissions = list(
            Permission.objects.filter(
                content_type__app_label="livestock", codename__in=roles.WRITE_COUNTS
            )
        )
        if len(write_permissions) != len(roles.WRITE_COUNTS):
            raise UserNotCreated("Some write permissions are missing; run 'manage.py migrate'.")
    try:
        with transaction.atomic():
            user = get_user_model().objects.create_user(
                username=username, password=password, is_staff=role != roles.INTEGRATION
            )
            user.groups.add(group)
            user.user_permissions.add(*write_permissions)
            for place in places:  # one by one, so that each grant is in the history
                scope_grant_create(user=user, **{place._meta.model_name: place})
            token = None
            if role == roles.INTEGRATION:
                from rest_framework.authtoken.models import Token

                token = Token.objects.create(user=user).key
    except IntegrityError as error:
        # Another operator created the same username between the caller's check and now.
        raise UserNotCreated(f"Could not create user {username!r}: {error}") from error
    return CreatedUser(user=user, token=token)


# What a change of a user may set besides its groups and permissions.
USER_FIELDS = {
    "username",
    "first_name",
    "last_name",
    "email",
    "is_active",
    "is_staff",
    "is_superuser",
    "last_login",
    "date_joined",
}


@transaction.atomic
def user_update(
    user: AbstractBaseUser,
    *,
    groups: Iterable[Group] | None = None,
    user_permissions: Iterable[Permission] | None = None,
    **changes,
) -> AbstractBaseUser:
    """Change a user's names, flags, groups or permissions (each group or
    permission removed or added is kept in the history, with who and when)."""
    only_fields("user_update", changes, USER_FIELDS, verb="change")
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    for field, value in changes.items():
        setattr(user, field, value)
    user.full_clean(exclude=["password"])
    user.save()
    if groups is not None:
        user.groups.set(groups)
    if user_permissions is not None:
        user.user_permissions.set(user_permissions)
    return user


@transaction.atomic
def user_set_password(user: AbstractBaseUser, *, password: str | None) -> AbstractBaseUser:
    """A new password, checked by the validators of ``AUTH_PASSWORD_VALIDATORS``;
    ``None``: no password that can log in (an integration's token still works)."""
    if password is None:
        user.set_unusable_password()
    else:
        validate_password(password, user)
        user.set_password(password)
    user.save(update_fields=["password"])
    return user


def _one_place(grant: ScopeGrant, places: dict) -> None:
    unknown = set(places) - set(SCOPE_LEVELS)
    if unknown:
        raise TypeError(f"a scope grant names no {sorted(unknown)}")
    for level in SCOPE_LEVELS:
        setattr(grant, level, places.get(level))


@transaction.atomic
def scope_grant_create(*, user: AbstractBaseUser, **place) -> ScopeGrant:
    """Let ``user`` work in one place: a prefecture, county, township or village."""
    grant = ScopeGrant(user=user)
    _one_place(grant, place)
    grant.full_clean()
    grant.save()
    return grant


@transaction.atomic
def scope_grant_update(grant: ScopeGrant, **place) -> ScopeGrant:
    """Move a grant to another place (its level may change too)."""
    grant = ScopeGrant.objects.select_for_update().get(pk=grant.pk)
    _one_place(grant, place)
    grant.full_clean()
    grant.save()
    return grant


@transaction.atomic
def scope_grant_delete(grant: ScopeGrant) -> None:
    """Take a place back from a user; the grant stays in the history."""
    grant.delete()
