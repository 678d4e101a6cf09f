"""Users: one role's group and a scope grant on each place, all or nothing."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.db import IntegrityError, transaction

from livestock.access import roles
from livestock.models import Place, ScopeGrant


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
                ScopeGrant.objects.create(user=user, **{place._meta.model_name: place})
            token = None
            if role == roles.INTEGRATION:
                from rest_framework.authtoken.models import Token

                token = Token.objects.create(user=user).key
    except IntegrityError as error:
        # Another operator created the same username between the caller's check and now.
        raise UserNotCreated(f"Could not create user {username!r}: {error}") from error
    return CreatedUser(user=user, token=token)
