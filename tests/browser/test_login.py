"""A technician logs in to the admin on a phone, in Chinese."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import page_width

PASSWORD = "lamb-season-2025"


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(username="admin", password=PASSWORD)


def test_a_superuser_logs_in_on_a_phone_and_sees_the_admin_in_chinese(
    superuser, live_server, new_page, log_in, results_dir
):
    page = new_page(width=390)

    log_in(page, "admin", PASSWORD)

    expect(page).to_have_url(f"{live_server.url}/admin/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_text("认证和授权")).to_be_visible()
    expect(page.get_by_role("heading", name="最近动作")).to_be_visible()
    page.screenshot(path=results_dir / "admin-index-phone.png", full_page=True)
    # Nothing sticks out sideways: no horizontal scrollbar on a phone.
    assert page_width(page) <= 390


def test_a_wrong_password_is_refused_with_a_chinese_message(superuser, new_page, log_in):
    page = new_page(width=390)

    log_in(page, "admin", "not-the-password")

    expect(page.locator(".errornote")).to_have_text(
        "请输入一个正确的工作人员账户 用户名 和密码. 注意他们都是区分大小写的."
    )
