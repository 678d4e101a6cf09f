"""Shared fixtures: the places of Altay named in the reports, a winter season,
and records to count in. Tests ask for what they need by name."""

import datetime
import os

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import settings as hypothesis_settings

from livestock.counting import rollups
from livestock.models import County, Herder, LambingRecord, Prefecture, Season, Township, Village
from livestock.services.records import record_create

# Lines of figures that tests measured, printed at the end of the run. A test
# adds them to its report (``user_properties``), which pytest-xdist carries from
# the worker that ran it to the process that prints the summary.
FIGURE = "figure"
FIGURES: list[str] = []


@pytest.fixture
def print_figures(request):
    """Adds a line to the "figures" section that ends the run's output, shown
    even without ``-s``, so that CI's log carries what a test measured."""

    def add(line: str) -> None:
        request.node.user_properties.append((FIGURE, line))

    return add


def pytest_runtest_logreport(report) -> None:
    if report.when == "teardown":
        FIGURES.extend(line for name, line in report.user_properties if name == FIGURE)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if FIGURES:
        terminalreporter.section("figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture
def altay(db) -> Prefecture:
    return Prefecture.objects.create(name="阿勒泰地区", name_latin="Altay Prefecture")


@pytest.fixture
def burqin(altay) -> County:
    return County.objects.create(prefecture=altay, name="布尔津县", name_latin="Burqin County")


@pytest.fixture
def fuhai(altay) -> County:
    return County.objects.create(prefecture=altay, name="福海县", name_latin="Fuhai County")


@pytest.fixture
def woyimoke(burqin) -> Township:
    return Township.objects.create(county=burqin, name="窝依莫克镇", name_latin="Woyimoke Town")


@pytest.fixture
def tongke(woyimoke) -> Village:
    return Village.objects.create(township=woyimoke, name="通克村", name_latin="Tongke Village")


@pytest.fixture
def kokeaheshi(fuhai) -> Township:
    return Township.objects.create(
        county=fuhai, name="阔克阿勒什乡", name_latin="Kuokealeshi Township"
    )


@pytest.fixture
def qibaerwoyi(kokeaheshi) -> Village:
    return Village.objects.create(
        township=kokeaheshi, name="齐巴尔窝依村", name_latin="Qibaerwoyi Village"
    )


@pytest.fixture
def bieke(tongke) -> Herder:
    return Herder.objects.create(village=tongke, name="别克·木合亚提", name_latin="Bieke Muheyati")


@pytest.fixture
def sailike(qibaerwoyi) -> Herder:
    return Herder.objects.create(
        village=qibaerwoyi, name="赛力克·屈克木", name_latin="Sailike Qukemu"
    )


@pytest.fixture
def winter_2024(db) -> Season:
    """The 2024–2025 winter lambing season of the reports."""
    return Season.objects.create(
        kind="winter", start_date=datetime.date(2024, 12, 1), end_date=datetime.date(2025, 2, 28)
    )


@pytest.fixture
def bieke_record(bieke, winter_2024):
    """别克's winter record with the 150 ewes he reported."""
    return record_create(herder=bieke, season=winter_2024, ewes_at_start=150)


@pytest.fixture
def sailike_record(sailike, winter_2024):
    return record_create(herder=sailike, season=winter_2024, ewes_at_start=120)


@pytest.fixture
def english():
    """Messages compared in English; the site's default language is Chinese."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fresh_cache():
    """The API's throttles count requests per user id in the cache; ids come
    round again from test to test, and the counts must not."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def no_random_pruning(monkeypatch):
    """One API request in a thousand also deletes the throttle's old windows:
    one query more, at random, which would make the query-count tests flaky.
    ``tests/test_throttling.py`` prunes on purpose."""
    from livestock.access import throttling

    monkeypatch.setattr(throttling, "prune_due", lambda: False)


@pytest.fixture(autouse=True)
def quick_passwords(settings):
    """Hashing each test user's password with the production hasher costs about
    half a second; what the tests check does not depend on the hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Users by role and place. Every test user has this password.
PASSWORD = "a-long-test-password-7"


def made_on(day: datetime.date, *records: LambingRecord) -> None:
    """The records as if made on ``day`` (at 9:00, local time), their rollups
    with it: a household's "no count for more than 7 days" counts from the day
    its record was made (within the season), so a test of a household left
    without a count for a week needs one made a week ago, not today."""
    made_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
    with transaction.atomic():  # the rollups lock the records (a browser test has no transaction)
        LambingRecord.objects.filter(pk__in=[record.pk for record in records]).update(
            created_at=made_at
        )
        rollups.changed([record.pk for record in records])
    for record in records:
        record.created_at = made_at


def make_user(username: str, role: str | None, *places, superuser: bool = False):
    """A user in the role's group with a scope grant on each place."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from livestock.models import ScopeGrant

    users = get_user_model()
    if superuser:
        return users.objects.create_superuser(username, password=PASSWORD)
    user = users.objects.create_user(username, password=PASSWORD, is_staff=True)
    if role:
        if not Group.objects.filter(name=role).exists():
            # A transactional test (the browser's live server) flushed the groups
            # that the migration made; make them again as it did.
            from django.apps import apps

            from livestock.access.roles import sync_role_groups

            sync_role_groups(apps)
        user.groups.add(Group.objects.get(name=role))
    for place in places:
        ScopeGrant.objects.create(user=user, **{place._meta.model_name: place})
    return user


@pytest.fixture
def fuhai_technician(fuhai):
    """A technician of 福海县."""
    return make_user("fuhai-tech", "technician", fuhai)


@pytest.fixture
def woyimoke_technician(woyimoke):
    """A technician of 窝依莫克镇, a township of 布尔津县."""
    return make_user("woyimoke-tech", "technician", woyimoke)


@pytest.fixture
def burqin_official(burqin):
    """An official of the 布尔津县 livestock bureau."""
    return make_user("burqin-official", "official", burqin)


@pytest.fixture
def prefecture_official(altay):
    return make_user("altay-official", "official", altay)


@pytest.fixture
def unscoped_technician(db):
    """A technician given no place yet: sees nothing."""
    return make_user("new-tech", "technician")


# Hypothesis (tests/test_rules_properties.py): few examples per test by default,
# so that `make test` stays quick on two cores; HYPOTHESIS_PROFILE=thorough for
# a deeper run. No deadline: a test that reaches the database is as slow as the
# machine is busy, which says nothing about the rules.
hypothesis_settings.register_profile("default", max_examples=30, deadline=None, print_blob=True)
hypothesis_settings.register_profile("thorough", max_examples=1000, deadline=None, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


# A read replica for the router's tests: an alias that mirrors the primary's
# test database (Django's TEST MIRROR). Only a test that names it in its
# databases and lists it in DATABASE_REPLICAS sends reads to it.
REPLICA = "replica_test"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    import copy

    from django.conf import settings

    primary = settings.DATABASES["default"]
    settings.DATABASES[REPLICA] = {
        **copy.deepcopy(primary),
        "TEST": {**primary.get("TEST", {}), "MIRROR": "default"},
    }
