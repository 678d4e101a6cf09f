"""``manage.py add_user``: an operator creates a user with a role and places."""

import io

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from livestock.access import roles
from livestock.models import ScopeGrant, Village

STRONG_PASSWORD = "lambs-in-the-snow-2025"


def add_user(*args: str, stdin: str = "") -> str:
    """Run the command as an operator would, with ``stdin`` piped in; return what it printed."""
    out = io.StringIO()
    call_command("add_user", *args, stdin=io.StringIO(stdin), stdout=out)
    return out.getvalue()


def printed(output: str, label: str) -> str:
    """The value printed after ``label``, e.g. the generated password."""
    return output.split(f"{label}: ")[1].split()[0]


def user(username: str):
    """The user as stored, fresh, so that no permission cache hides a change."""
    return get_user_model().objects.get(username=username)


def granted_places(username: str) -> list:
    return [grant.place for grant in ScopeGrant.objects.filter(user__username=username)]


@pytest.fixture
def hongxing_villages(woyimoke, kokeaheshi) -> list[Village]:
    """Two villages of the same name, one in each of two townships of two counties."""
    return [
        Village.objects.create(township=township, name="红星村", name_latin="Hongxing Village")
        for township in (woyimoke, kokeaheshi)
    ]


def test_a_fuhai_technician_gets_the_group_and_the_county_and_can_log_in(fuhai, client):
    output = add_user("aliya", "--role", "technician", "--place", "福海县")

    aliya = user("aliya")
    assert [group.name for group in aliya.groups.all()] == [roles.TECHNICIAN]
    assert granted_places("aliya") == [fuhai]
    assert "福海县 Fuhai County" in output
    assert client.login(username="aliya", password=printed(output, "Password"))


def test_it_prints_the_generated_password_once(fuhai):
    output = add_user("aliya", "--role", "technician", "--place", "福海县")

    assert output.count(printed(output, "Password")) == 1


def test_it_takes_the_password_from_stdin_and_does_not_print_it(fuhai, client):
    output = add_user("aliya", "--role", "technician", "--place", "福海县", stdin=STRONG_PASSWORD)

    assert STRONG_PASSWORD not in output
    assert "Password:" not in output
    assert client.login(username="aliya", password=STRONG_PASSWORD)


def test_it_finds_a_place_by_its_latin_name(kokeaheshi):
    add_user("aliya", "--role", "technician", "--place", "Kuokealeshi Township")

    assert granted_places("aliya") == [kokeaheshi]


def test_it_finds_a_place_by_level_and_id(burqin, fuhai):
    add_user("serik", "--role", "official", "--place", f"county:{burqin.pk}")

    assert granted_places("serik") == [burqin]


def test_it_grants_each_place_given(altay, tongke, qibaerwoyi):
    add_user("serik", "--role", "official", "--place", "通克村", "--place", "Qibaerwoyi Village")

    assert set(granted_places("serik")) == {tongke, qibaerwoyi}


def test_it_refuses_an_unknown_place_and_creates_no_user(fuhai):
    with pytest.raises(CommandError, match="富海县"):
        add_user("aliya", "--role", "technician", "--place", "富海县")

    assert not get_user_model().objects.filter(username="aliya").exists()


def test_an_unknown_place_lists_the_places_whose_name_contains_it(fuhai, kokeaheshi):
    with pytest.raises(CommandError) as refused:
        add_user("aliya", "--role", "technician", "--place", "fuhai")

    assert f"福海县 Fuhai County (county:{fuhai.pk}, in 阿勒泰地区 Altay Prefecture)" in str(
        refused.value
    )


def test_it_refuses_a_level_and_id_that_does_not_exist(fuhai):
    with pytest.raises(CommandError, match="no township with ID 999"):
        add_user("aliya", "--role", "technician", "--place", "township:999")


def test_one_bad_place_among_good_ones_creates_nothing(fuhai):
    with pytest.raises(CommandError, match="nowhere"):
        add_user("aliya", "--role", "technician", "--place", "福海县", "--place", "nowhere")

    assert not get_user_model().objects.filter(username="aliya").exists()
    assert not ScopeGrant.objects.exists()


def test_it_refuses_an_ambiguous_name_and_names_both_places(hongxing_villages):
    first, second = hongxing_villages

    with pytest.raises(CommandError) as refused:
        add_user("aliya", "--role", "technician", "--place", "红星村")

    message = str(refused.value)
    assert "ambiguous" in message
    assert f"village:{first.pk}, in 窝依莫克镇 Woyimoke Town" in message
    assert f"village:{second.pk}, in 阔克阿勒什乡 Kuokealeshi Township" in message
    assert not get_user_model().objects.filter(username="aliya").exists()


def test_an_ambiguous_name_can_be_given_as_level_and_id(hongxing_villages):
    first, _second = hongxing_villages

    add_user("aliya", "--role", "technician", "--place", f"village:{first.pk}")

    assert granted_places("aliya") == [first]


def test_it_refuses_an_existing_username(fuhai, burqin):
    add_user("aliya", "--role", "technician", "--place", "福海县")

    with pytest.raises(CommandError, match="'aliya' exists already"):
        add_user("aliya", "--role", "official", "--place", "布尔津县")

    assert granted_places("aliya") == [fuhai]
    assert [group.name for group in user("aliya").groups.all()] == [roles.TECHNICIAN]


def test_it_refuses_a_weak_password_from_stdin(fuhai):
    with pytest.raises(CommandError, match="password from stdin was refused.*too common"):
        add_user("aliya", "--role", "technician", "--place", "福海县", stdin="password\n")

    assert not get_user_model().objects.filter(username="aliya").exists()


def test_it_refuses_an_official_who_would_write(fuhai):
    with pytest.raises(CommandError, match="--write is only for --role integration"):
        add_user("serik", "--role", "official", "--place", "福海县", "--write")

    assert not get_user_model().objects.filter(username="serik").exists()


def test_an_integration_that_writes_gets_exactly_the_write_permissions(altay):
    add_user("stats-platform", "--role", "integration", "--place", "阿勒泰地区", "--write")

    integration = user("stats-platform")
    assert {p.codename for p in integration.user_permissions.all()} == roles.WRITE_COUNTS
    assert integration.get_all_permissions() == {
        f"livestock.{codename}" for codename in roles.READ_EVERYTHING | roles.WRITE_COUNTS
    }


def test_an_integration_without_write_only_reads(altay):
    add_user("stats-platform", "--role", "integration", "--place", "阿勒泰地区")

    integration = user("stats-platform")
    assert not integration.user_permissions.exists()
    assert integration.get_all_permissions() == {
        f"livestock.{codename}" for codename in roles.READ_EVERYTHING
    }


@pytest.mark.skipif(
    not apps.is_installed("rest_framework.authtoken"),
    reason="'rest_framework.authtoken' is not in INSTALLED_APPS yet, so there is no token model",
)
def test_an_integration_gets_its_token_printed_once(altay):
    from rest_framework.authtoken.models import Token

    output = add_user("stats-platform", "--role", "integration", "--place", "阿勒泰地区")

    token = Token.objects.get(user__username="stats-platform")
    assert printed(output, "Token") == token.key
    assert output.count(token.key) == 1


@pytest.mark.parametrize(
    ("role", "extra", "may_change_entries"),
    [
        ("technician", [], True),
        ("official", [], False),
        ("integration", [], False),
        ("integration", ["--write"], True),
    ],
)
def test_the_role_decides_whether_the_user_may_change_entries(
    fuhai, role, extra, may_change_entries
):
    add_user("someone", "--role", role, "--place", "福海县", *extra)

    assert user("someone").has_perm("livestock.change_lambingentry") is may_change_entries


def test_a_technician_and_an_official_can_open_the_admin_but_an_integration_cannot(fuhai, client):
    for username, role in [
        ("aliya", "technician"),
        ("serik", "official"),
        ("stats", "integration"),
    ]:
        output = add_user(username, "--role", role, "--place", "福海县")
        client.login(username=username, password=printed(output, "Password"))
        response = client.get("/admin/")
        assert response.status_code == (302 if role == "integration" else 200), role
        client.logout()
