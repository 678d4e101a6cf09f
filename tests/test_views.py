"""Pages a new user opens first."""


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
