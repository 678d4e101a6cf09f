"""Running it for a county (issue 18): with production settings an unexpected
exception leaves its traceback, request and user id in the server's log (and
no secret); the throttles' cache needs no step beyond ``migrate``; and
``runserver`` keeps no database connection per request thread."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOST = "lambing.example.org"

# One worker of `make test` runs them all: the production run is made once.
pytestmark = pytest.mark.xdist_group("production_run")

# Run in a fresh interpreter with production settings, on a database made by
# ``migrate`` alone: a page and an API request are each forced to fail.
SCRIPT = f"""
import django
django.setup()
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.urls import clear_url_caches, path
from rest_framework.authtoken.models import Token

call_command("migrate", verbosity=0)
from config import urls
from livestock.api import views


def page_that_fails(request):
    raise RuntimeError("forced on a page")


def list_that_fails(self, request, *args, **kwargs):
    raise RuntimeError("forced in the API")


urls.urlpatterns.insert(0, path("fails/", page_that_fails))
clear_url_caches()
views.HerderViewSet.list = list_that_fails
user = get_user_model().objects.create_user("aliya", password="a-long-password-77")
user.groups.add(Group.objects.get(name="technician"))
token = Token.objects.create(user=user)
print("USER", user.pk, "TOKEN", token.key)
anonymous = Client(raise_request_exception=False)
print("STATUS schema", anonymous.get("/api/schema/", secure=True, HTTP_HOST="{HOST}").status_code)
page = Client(raise_request_exception=False)
page.force_login(user)
response = page.get("/fails/?password=hunter2-in-query", secure=True, HTTP_HOST="{HOST}")
print("STATUS page", response.status_code)
response = Client(raise_request_exception=False).get(
    "/api/v1/herders/",
    secure=True,
    HTTP_HOST="{HOST}",
    HTTP_AUTHORIZATION="Token " + token.key,
)
print("STATUS api", response.status_code)
"""


def production(tmp_path: Path, script: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    return subprocess.run(  # noqa: S603 (the test's own script)
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def production_run(tmp_path_factory) -> subprocess.CompletedProcess:
    """The script run once for the module's tests (a migrate takes a while)."""
    return production(tmp_path_factory.mktemp("production"), SCRIPT)


def test_with_production_settings_a_forced_exception_leaves_its_traceback_in_the_log(
    production_run,
):
    result = production_run

    out = result.stdout
    assert result.returncode == 0, result.stderr[-3000:]
    user_id = out.split("USER ")[1].split()[0]
    token = out.split("TOKEN ")[1].split()[0]
    assert "STATUS page 500" in out and "STATUS api 500" in out
    log = result.stderr
    # The page: Django's own record of it, with the traceback, path and user.
    assert "Traceback (most recent call last)" in log
    assert "RuntimeError: forced on a page" in log
    assert f"[GET /fails/ user={user_id}]" in log
    # The API answers such a request itself (JSON), and logs it the same way.
    assert "RuntimeError: forced in the API" in log
    assert f"[GET /api/v1/herders/ user={user_id}]" in log
    # No secret: not the query string, not the token, not the SECRET_KEY.
    assert "hunter2" not in log and token not in log


def test_with_production_settings_migrate_alone_makes_what_the_throttles_need(production_run):
    """No createcachetable: the first request after ``migrate`` is answered."""
    result = production_run

    assert "STATUS schema 200" in result.stdout, result.stderr[-3000:]


def test_development_keeps_no_connection_per_request_thread_and_production_does():
    """runserver starts a thread per request; a connection kept by each one
    outlived it. gunicorn's few long-lived workers keep theirs a minute."""

    def conn_max_age(**env: str) -> str:
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                "import config.settings as s; print(s.DATABASES['default']['CONN_MAX_AGE'])",
            ],
            cwd=ROOT,
            env={"PATH": "/usr/bin:/bin", **env},
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    postgres = "postgres://lambing@127.0.0.1:5432/lambing"
    assert conn_max_age(DATABASE_URL=postgres) == "0"
    production_env = {"DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50)}
    assert conn_max_age(DATABASE_URL=postgres, **production_env) == "60"
    assert conn_max_age(DATABASE_URL=postgres, DATABASE_CONN_MAX_AGE="5") == "5"
