"""Management commands a new user meets through `make run`."""

import io

from django.contrib.auth import get_user_model
from django.core.management import call_command


def run(name: str) -> str:
    out = io.StringIO()
    call_command(name, stdout=out)
    return out.getvalue()


def test_ensure_local_admin_creates_an_admin_whose_printed_password_works(db, client):
    output = run("ensure_local_admin")
    password = output.split("password: ")[1].split()[0]
    assert client.login(username="admin", password=password)


def test_ensure_local_admin_leaves_an_existing_superuser_alone(db):
    get_user_model().objects.create_superuser("chief", password="a-long-secret-1")
    output = run("ensure_local_admin")
    assert "exists already" in output
    assert get_user_model().objects.count() == 1
