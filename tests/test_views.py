"""Pages a new user opens first."""

import re

import pytest
from django.contrib.staticfiles import finders


def test_the_admin_login_page_is_served_in_chinese(client, db):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_english_can_be_chosen(client, db):
    response = client.get("/admin/login/", headers={"accept-language": "en"})
    assert "Log in" in response.content.decode()


def test_a_user_can_switch_the_admin_to_english(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/admin/login/"})
    assert response.status_code == 302
    assert "Log in" in client.get("/admin/login/").content.decode()


def test_the_language_choice_is_on_every_admin_page(client, db):
    page = client.get("/admin/login/").content.decode()
    assert 'action="/i18n/setlang/"' in page
    assert "English" in page and "简体中文" in page


def test_the_favicon_browsers_ask_for_at_the_sites_root_is_served(client, db):
    """Every page a browser opened without a page's icon (the login page, a PDF, an
    answer in JSON) logged a 404 for /favicon.ico."""
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file


@pytest.mark.parametrize(
    ("url", "logged_in"),
    [("/admin/login/", False), ("/admin/", True), ("/", True), ("/field/", True)],
)
def test_each_kind_of_page_names_its_icon(client, fuhai_technician, url, logged_in):
    """The login page and the admin's, the summary pages and the field app name their
    icon, a file the app serves, so the browser need not guess /favicon.ico."""
    if logged_in:
        client.force_login(fuhai_technician)
    page = client.get(url).content.decode()
    icon = re.search(r'<link rel="icon" href="/static/([^"]+)"', page)
    assert icon, url
    assert finders.find(icon.group(1))
