"""Settings come from the environment and refuse values they cannot read."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_list

ROOT = Path(__file__).resolve().parent.parent


def test_a_misspelt_boolean_is_refused_naming_the_variable(monkeypatch):
    monkeypatch.setenv("DEBUG", "flase")
    with pytest.raises(ImproperlyConfigured, match="DEBUG='flase'"):
        env_bool("DEBUG", default=True)


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("0", False), ("Off", False)])
def test_booleans_read_the_usual_words(monkeypatch, value, expected):
    monkeypatch.setenv("DEBUG", value)
    assert env_bool("DEBUG", default=not expected) is expected


def test_lists_are_comma_separated(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "a.example.org, b.example.org,")
    assert env_list("ALLOWED_HOSTS", default=[]) == ["a.example.org", "b.example.org"]


def settings_check(**env: str) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter with only ``env`` set."""
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import config.settings as s; print(s.DATABASES['default']['ENGINE'])",
        ],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
    )


def test_with_nothing_set_it_runs_on_sqlite():
    result = settings_check()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.sqlite3"


def test_a_postgres_url_switches_to_postgresql():
    result = settings_check(DATABASE_URL="postgres://lambing@db.example.org:5432/lambing")
    assert result.stdout.strip() == "django.db.backends.postgresql", result.stderr


def test_an_unsupported_database_is_refused():
    result = settings_check(DATABASE_URL="mysql://root@localhost/lambing")
    assert result.returncode != 0
    assert "DATABASE_URL scheme 'mysql' is not supported" in result.stderr


def test_production_without_a_secret_key_is_refused():
    result = settings_check(DEBUG="false", ALLOWED_HOSTS="lambing.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k" * 20 + "-a-long-random-production-key-for-this-test-only-0123",
    "ALLOWED_HOSTS": "lambing.example.org",
    "BEHIND_TLS_PROXY": "true",
    "CSRF_TRUSTED_ORIGINS": "https://lambing.example.org",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (the test's own arguments)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
    )


def test_the_documented_production_environment_passes_check_deploy():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_the_placeholder_secret_key():
    result = settings_check(**{**PRODUCTION, "SECRET_KEY": "change-me-to-a-long-random-string"})
    assert result.returncode != 0
    assert "SECRET_KEY must be a long random string" in result.stderr


def test_production_is_https_only_by_default():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import config.settings as s; print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, "
            "s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER)",
        ],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **PRODUCTION},
        capture_output=True,
        text=True,
    )
    expected = "True True True 31536000 ('HTTP_X_FORWARDED_PROTO', 'https')"
    assert result.stdout.strip() == expected, result.stderr
