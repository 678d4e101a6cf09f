"""The field app's pages (/field/): a technician's Today, a village's batch
entry, a household; the rules description and the roster the phone keeps.
The browser's side (offline, outbox, sync) is in tests/browser/test_field.py."""

import datetime
import html
import json
import re
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from livestock.api.views import etag_of
from livestock.audit.attribution import acting_as
from livestock.counting import rules
from livestock.field import catalogs
from livestock.models import Herder, LambingEntry, Season, Village
from livestock.places.names import lookalike_key
from livestock.services.entries import entry_create, entry_update
from livestock.services.guards import REASON_MAX_LENGTH
from livestock.services.places import herder_create
from livestock.services.records import record_create
from livestock.services.reviews import review_approve, review_submit
from tests.conftest import PASSWORD, made_on, make_user


@pytest.fixture
def season(db) -> Season:
    """A winter season running today, so that entries dated today are inside it."""
    today = timezone.localdate()
    return Season.objects.create(
        kind="winter",
        start_date=today - datetime.timedelta(days=40),
        end_date=today + datetime.timedelta(days=50),
    )


@pytest.fixture
def tech_client(client, fuhai_technician):
    client.login(username=fuhai_technician.username, password=PASSWORD)
    return client


def household(village: Village, name: str, latin: str, season: Season, ewes: int = 100):
    herder = herder_create(village=village, name=name, name_latin=latin)
    return record_create(herder=herder, season=season, ewes_at_start=ewes)


@pytest.fixture
def sailike_now(qibaerwoyi, season):
    return household(qibaerwoyi, "赛力克·屈克木", "Sailike Qukemu", season, ewes=120)


def test_it_sends_a_visitor_to_log_in(client, db):
    response = client.get("/field/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_an_official_is_told_the_pages_are_for_technicians(client, burqin_official):
    client.login(username=burqin_official.username, password=PASSWORD)
    response = client.get("/field/")
    assert response.status_code == 403
    assert "仅限技术员" in response.content.decode()


def test_today_lists_the_households_of_my_villages_with_their_totals(
    tech_client, sailike_now, season, bieke
):
    entry_create(record=sailike_now, date=timezone.localdate(), lambs_born=7)
    record_create(herder=bieke, season=season, ewes_at_start=10)  # 布尔津县: not mine
    page = tech_client.get("/field/").content.decode()
    assert f'data-record="{sailike_now.pk}"' in page
    assert "赛力克·屈克木" in page and "Sailike Qukemu" in page
    assert '<b data-total="lambs_born">7</b>' in page
    assert "别克" not in page


def test_today_puts_a_household_without_a_count_for_a_week_first(
    tech_client, sailike_now, qibaerwoyi, season
):
    made_on(season.start_date, sailike_now)  # recorded since the season's start, never counted
    counted = household(qibaerwoyi, "阿依古丽", "Ayiguli", season)
    entry_create(record=counted, date=timezone.localdate(), lambs_born=2)
    page = tech_client.get("/field/").content.decode()
    visit_first = page.split('class="visit"')[1].split("</nav>")[0]
    assert f'href="#record-{sailike_now.pk}"' in visit_first
    assert f'href="#record-{counted.pk}"' not in visit_first
    assert page.index(f'data-record="{sailike_now.pk}"') < page.index(f'data-record="{counted.pk}"')
    assert page.count(f'data-record="{sailike_now.pk}"') == 1


def test_a_household_added_today_is_not_put_first_until_a_week_without_a_count(
    tech_client, sailike_now, qibaerwoyi, season
):
    """The season started 40 days ago. A household added today has had no
    chance to be counted: it is not to visit first, nor flagged "no count for
    more than 7 days". One added 8 days ago and not counted since is."""
    added_a_week_ago = household(qibaerwoyi, "阿依古丽", "Ayiguli", season)
    made_on(timezone.localdate() - datetime.timedelta(days=8), added_a_week_ago)
    week = household(qibaerwoyi, "努尔兰", "Nurlan", season)
    made_on(timezone.localdate() - datetime.timedelta(days=7), week)
    page = tech_client.get("/field/").content.decode()
    visit_first = page.split('class="visit"')[1].split("</nav>")[0]
    assert f'href="#record-{added_a_week_ago.pk}"' in visit_first
    assert f'href="#record-{sailike_now.pk}"' not in visit_first
    assert f'href="#record-{week.pk}"' not in visit_first
    assert "(<span data-visit-count>1</span>)" in visit_first
    row = page.split(f'data-record="{sailike_now.pk}"')[1].split("</form>")[0]
    assert "超过7天未计数" not in row
    late_row = page.split(f'data-record="{added_a_week_ago.pk}"')[1].split("</form>")[0]
    assert "超过7天未计数" in late_row
    roster = tech_client.get("/field/roster.json").json()
    needs_visit = {h["record"]: h["needs_visit"] for h in roster["households"]}
    assert needs_visit == {sailike_now.pk: False, added_a_week_ago.pk: True, week.pk: False}


def test_today_finds_a_household_by_its_latin_name(tech_client, sailike_now, qibaerwoyi, season):
    other = household(qibaerwoyi, "阿依古丽", "Ayiguli", season)
    page = tech_client.get("/field/", {"q": "sailike"}).content.decode()
    assert f'data-record="{sailike_now.pk}"' in page
    assert f'data-record="{other.pk}"' not in page
    page = tech_client.get("/field/", {"q": "阿依"}).content.decode()
    assert f'data-record="{other.pk}"' in page
    assert f'data-record="{sailike_now.pk}"' not in page


@pytest.mark.parametrize(
    "typed",
    [
        "赛力克・屈克木",
        "赛力克屈克木",
        "赛力克 · 屈克木",
        "\u200b赛力克",
        "ＳＡＩＬＩＫＥ",
        "sailike  qukemu",
    ],
    ids=["katakana dot", "no dot", "spaced dot", "zero-width space", "full-width", "two spaces"],
)
def test_today_finds_a_household_whose_name_is_typed_with_another_dot_or_none(
    tech_client, sailike_now, qibaerwoyi, season, typed
):
    """A Kazakh name in Chinese characters has a dot between its parts (赛力克·屈克木);
    a phone's keyboard types another one (・), or none, and the household was not
    found; nor with full-width letters, a zero-width space pasted in, or two spaces."""
    other = household(qibaerwoyi, "阿依古丽·努尔", "Ayiguli Nuer", season)
    page = tech_client.get("/field/", {"q": typed}).content.decode()
    assert f'data-record="{sailike_now.pk}"' in page
    assert f'data-record="{other.pk}"' not in page


def test_what_is_typed_in_a_search_is_not_kept_by_the_server(tech_client, sailike_now):
    """The look-alike keys of names are cached (an import reads thousands); a search's
    key is not: searches of anything typed would fill the cache, a process's memory."""
    kept = lookalike_key.cache_info().currsize
    for number in range(3):
        tech_client.get("/field/", {"q": f"赛力克・{number}" * 50})
    assert lookalike_key.cache_info().currsize == kept


@pytest.mark.parametrize("where", ["today", "village", "household"])
def test_each_household_takes_todays_count_in_fields_named_as_the_api(
    tech_client, sailike_now, qibaerwoyi, where
):
    url = {
        "today": "/field/",
        "village": f"/field/village/{qibaerwoyi.pk}/",
        "household": f"/field/record/{sailike_now.pk}/",
    }[where]
    page = tech_client.get(url).content.decode()
    assert page.count(f'data-record="{sailike_now.pk}"') == 1
    row = page.split(f'data-record="{sailike_now.pk}"')[1].split("</form>")[0]
    for name in (
        "date",
        "ewes_lambed",
        "lambs_born",
        "lambs_lost",
        "loss_cause",
        "lambs_alive",
        "check_stage",
    ):
        assert f'name="{name}"' in row
    assert f'value="{timezone.localdate().isoformat()}"' in row


def test_a_village_outside_my_places_is_not_found(tech_client, tongke):
    assert tech_client.get(f"/field/village/{tongke.pk}/").status_code == 404


def test_a_row_saved_without_the_script_is_stored_once_with_its_new_total(
    tech_client, sailike_now, qibaerwoyi
):
    today = timezone.localdate().isoformat()
    row = {"record": sailike_now.pk, "nonce": "6f1c1a52-0000-4000-8000-000000000001"}
    row.update(date=today, ewes_lambed="3", lambs_born="4", lambs_lost="")
    url = f"/field/village/{qibaerwoyi.pk}/"
    first = tech_client.post(url, row, follow=True)
    tech_client.post(url, row)  # a double tap sends it again
    assert LambingEntry.objects.filter(record=sailike_now).count() == 1
    assert "已保存：产羔数 4，死亡羔羊 0 · 赛力克·屈克木 saved: lambs born 4, lambs lost 0." in (
        first.content.decode()
    )


def test_a_row_sent_again_with_other_counts_is_refused_in_the_pages_two_languages(
    tech_client, sailike_now, qibaerwoyi
):
    """A page sent again with other counts typed (back in the browser, a count
    changed, saved again: the page's nonce names the same entry) was refused in
    Chinese alone, where every other refusal has the English beside it."""
    today = timezone.localdate().isoformat()
    row = {"record": sailike_now.pk, "nonce": "6f1c1a52-0000-4000-8000-000000000002"}
    row.update(date=today, lambs_born="4")
    url = f"/field/village/{qibaerwoyi.pk}/"
    tech_client.post(url, row)
    response = tech_client.post(url, {**row, "lambs_born": "5"})
    assert response.status_code == 400
    assert (
        "<li>这条计数已用其他数字保存过。 · "
        "<bdi>This entry was already saved with other counts.</bdi></li>"
    ) in response.content.decode()
    assert list(LambingEntry.objects.values_list("lambs_born", flat=True)) == [4]


def test_a_refused_row_says_which_field_and_rule(tech_client, sailike_now, qibaerwoyi):
    today = timezone.localdate().isoformat()
    row = {"record": sailike_now.pk, "date": today, "lambs_born": "1", "lambs_lost": "2"}
    row["loss_cause"] = "cold"
    response = tech_client.post(f"/field/village/{qibaerwoyi.pk}/", row, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-error-for="lambs_lost"' in page
    assert "rule: losses ≤ lambs born" in page
    assert not LambingEntry.objects.filter(record=sailike_now).exists()


def error_shown(page: str, field: str) -> str:
    """The text of the error a page shows at ``field`` (its label, then the message)."""
    item = page.split(f'data-error-for="{field}">')[1].split("</li>")[0]
    return html.unescape(re.sub(r"<[^>]+>", "", item))


NOT_WHOLE = (
    "{value}不是整数；数量须为0或以上的整数（规则：数量为整数）。 · "
    "{value} is not a whole number; a count is a whole number, 0 or more "
    "(rule: counts are whole numbers)."
)
CAUSES_ZH = (
    "冻死 (cold), 饿死 (starvation), 疾病 (disease), 母羊弃羔 (mismothering), "
    "兽害 (predator), 意外 (accident), 原因不明 (unknown)"
)
CAUSES_EN = "cold, starvation, disease, mismothering, predator, accident, unknown"


@pytest.mark.parametrize(
    ("typed", "field", "said"),
    [
        (
            {"lambs_born": "abc"},
            "lambs_born",
            "产羔数 Lambs born: " + NOT_WHOLE.format(value="abc"),
        ),
        (
            {"lambs_born": "1.5"},
            "lambs_born",
            "产羔数 Lambs born: " + NOT_WHOLE.format(value="1.5"),
        ),
        (
            {"ewes_lambed": "-"},
            "ewes_lambed",
            "产羔母羊 Ewes lambed: " + NOT_WHOLE.format(value="-"),
        ),
        (
            {"date": "2026-13-45"},
            "date",
            "日期 Date: 2026-13-45不是日期；日期写作YYYY-MM-DD，如2025-02-11"
            "（规则：日期须为日历上真实的一天）。 · 2026-13-45 is not a date; write a day of "
            "the calendar as YYYY-MM-DD, such as 2025-02-11 (rule: a date is a real day).",
        ),
        (
            {"lambs_lost": "1", "loss_cause": "xx"},
            "loss_cause",
            f"死亡原因 Cause of loss: xx不是可选项；可选：{CAUSES_ZH}（规则：须从列表中选择）。 · "
            f"xx is not one of the choices: {CAUSES_EN} (rule: choose one of the list).",
        ),
        (
            {"lambs_born": "5", "lambs_alive": "3"},
            "check_stage",
            "成活检查 Survival check: "
            "成活羔羊3只，须填写成活检查阶段（规则：成活检查须注明阶段）。 · "
            "3 lambs alive need the stage of the survival check "
            "(rule: a survival check has a stage).",
        ),
    ],
)
def test_a_row_refused_without_the_script_names_the_field_the_rule_and_the_value(
    tech_client, sailike_now, qibaerwoyi, typed, field, said
):
    """Django's own messages named neither the value nor the rule ("输入整数。 · Enter a
    whole number.", "输入一个有效的日期。"), and the rule of a check's stage had no 规则."""
    row = {"record": sailike_now.pk, "date": timezone.localdate().isoformat(), **typed}
    response = tech_client.post(f"/field/village/{qibaerwoyi.pk}/", row)
    assert response.status_code == 400
    assert error_shown(response.content.decode(), field) == said
    assert not LambingEntry.objects.filter(record=sailike_now).exists()


def test_a_correction_needs_a_reason_and_the_version_seen(tech_client, sailike_now):
    entry, _ = entry_create(record=sailike_now, date=timezone.localdate(), lambs_born=5)
    url = f"/field/record/{sailike_now.pk}/"
    fields = {"entry": entry.pk, "version": entry.version, "action": "correct"}
    fields.update(date=entry.date.isoformat(), lambs_born="6")
    assert tech_client.post(url, fields).status_code == 400  # no reason
    entry.refresh_from_db()
    assert entry.lambs_born == 5
    assert tech_client.post(url, {**fields, "reason": "miscounted"}).status_code == 302
    entry.refresh_from_db()
    assert entry.lambs_born == 6
    stale = tech_client.post(url, {**fields, "lambs_born": "9", "reason": "again"})
    assert stale.status_code == 400  # made from the version before the correction
    entry.refresh_from_db()
    assert entry.lambs_born == 6


ARABIC_LETTERS = re.compile("[\u0600-\u06ff]")


def halves(said: str) -> tuple[str, str]:
    """A message shown in a page's two languages, "first · beside", as its two halves."""
    first, beside = said.split(" · ")
    return first, beside


def test_a_date_outside_the_season_refused_without_the_script_names_the_season_in_each_language(
    tech_client, sailike_now, qibaerwoyi, season
):
    """The season's name was made once, in the page's language, and put in both halves:
    a Kazakh page's Chinese half named the season in Kazakh, 2026-06-04不在 2026–2027
    قىسقى قوزى الۋ（…）之内, and a Chinese page's English half named it 冬羔."""
    before = (season.start_date - datetime.timedelta(days=5)).isoformat()
    row = {"record": sailike_now.pk, "date": before, "lambs_born": "1"}
    url = f"/field/village/{qibaerwoyi.pk}/"
    with translation.override("zh-hans"):
        chinese_name = season.name
    with translation.override("en"):
        english_name = season.name

    said = error_shown(tech_client.post(url, row).content.decode(), "date")
    chinese, english = halves(said.removeprefix("日期 Date: "))
    assert f"不在{chinese_name}（" in chinese, chinese
    assert f"outside the season {english_name}, which" in english, english
    assert "冬羔" not in english

    tech_client.post("/i18n/setlang/", {"language": "kk-arab", "next": "/field/"})
    said = error_shown(tech_client.post(url, row).content.decode(), "date")
    _kazakh, chinese = halves(said)
    assert f"不在{chinese_name}（" in chinese, chinese
    assert not ARABIC_LETTERS.search(chinese), chinese
    assert not LambingEntry.objects.filter(record=sailike_now).exists()


def test_a_correction_made_meanwhile_is_dated_in_each_of_the_pages_languages(
    tech_client, sailike_now
):
    """Who changed an entry meanwhile, and when: the time was written once, in the page's
    first language, 在您编辑期间，他人于2026年12月8日 07:30修改了此内容 · Changed by
    someone at 2026年12月8日 07:30 while you were editing."""
    entry, _ = entry_create(record=sailike_now, date=timezone.localdate(), lambs_born=5)
    stale = entry.version
    entry_update(entry=entry, reason="recounted", lambs_born=6)
    url = f"/field/record/{sailike_now.pk}/"
    fields = {"entry": entry.pk, "version": stale, "action": "correct", "reason": "again"}
    fields.update(date=entry.date.isoformat(), lambs_born="9")
    response = tech_client.post(url, fields)
    assert response.status_code == 400
    page = html.unescape(re.sub(r"<[^>]+>", "", response.content.decode()))
    chinese, english = halves(re.search(r"在您编辑期间[^\n]*?make yours again\.", page).group())
    assert "年" in chinese
    assert "Changed by someone at " in english and "年" not in english, english
    entry.refresh_from_db()
    assert entry.lambs_born == 6


REASON_BLANK_ZH = (
    "原因为空或只有空格；请写明更正或删除已保存数量的原因"
    "（规则：更正须写明原因，原因记入历史记录）。"
)
REASON_BLANK_EN = (
    "The reason is empty or only spaces; say why the saved counts are corrected or deleted "
    "(rule: a correction needs a reason, kept in the history)."
)


@pytest.mark.parametrize("action", ["correct", "delete"])
def test_a_reason_of_spaces_alone_is_refused_by_the_rule_in_the_pages_two_languages(
    tech_client, sailike_now, action
):
    """Posted without the script, a correction or deletion whose reason was spaces
    was refused with the form's own "This field is required.", naming no rule, where
    the admin, the API and an import say the service's rule: now the field app says
    it too, at the reason, Chinese with the English beside it, and nothing changes."""
    entry, _ = entry_create(record=sailike_now, date=timezone.localdate(), lambs_born=5)
    url = f"/field/record/{sailike_now.pk}/"
    fields = {"entry": entry.pk, "version": entry.version, "action": action, "reason": "   "}
    fields.update(date=entry.date.isoformat(), lambs_born="6")

    refused = tech_client.post(url, fields)

    assert refused.status_code == 400
    message = refused.content.decode().split('data-error-for="reason"')[1].split("</li>")[0]
    assert message == (
        f">原因 <small>reason</small>: {REASON_BLANK_ZH} · <bdi>{REASON_BLANK_EN}</bdi>"
    )
    entry.refresh_from_db()
    assert (entry.lambs_born, entry.version) == (5, 1)


@pytest.mark.parametrize("action", ["correct", "delete"])
def test_a_reason_is_as_long_as_the_history_keeps_whichever_way_it_is_sent(
    tech_client, sailike_now, action
):
    """The reason's input took 100 characters, the form 200, the history keeps 100:
    posted without the script, a reason of 201 characters was refused as longer
    than 200, a limit nothing keeps. One limit, the service's, in the input and in
    the message."""
    entry, _ = entry_create(record=sailike_now, date=timezone.localdate(), lambs_born=5)
    url = f"/field/record/{sailike_now.pk}/"
    page = tech_client.get(url).content.decode()
    assert page.count(f'name="reason" required maxlength="{REASON_MAX_LENGTH}"') == 1
    fields = {"entry": entry.pk, "version": entry.version, "action": action}
    fields.update(date=entry.date.isoformat(), lambs_born="6", reason="数" * 201)
    refused = tech_client.post(url, fields)
    assert refused.status_code == 400
    message = refused.content.decode().split('data-error-for="reason"')[1].split("</li>")[0]
    assert f"原因有 201 个字符，历史记录最多保存 {REASON_MAX_LENGTH} 个" in message, message
    assert "200" not in message
    fields["reason"] = "数" * REASON_MAX_LENGTH
    assert tech_client.post(url, fields).status_code == 302


def test_a_deleted_entry_is_said_deleted_not_saved(tech_client, sailike_now):
    """A deletion was confirmed with 已保存 · Saved., as a correction is."""
    entry, _ = entry_create(record=sailike_now, date=timezone.localdate(), lambs_born=5)
    url = f"/field/record/{sailike_now.pk}/"
    fields = {"entry": entry.pk, "version": entry.version, "reason": "录错了"}
    page = tech_client.post(url, {**fields, "action": "delete"}, follow=True).content.decode()
    assert "计数已删除 · Entry deleted." in page and "已保存" not in page
    assert not LambingEntry.objects.filter(pk=entry.pk).exists()


def test_a_new_household_gets_a_record_for_the_season_without_a_latin_name_yet(
    tech_client, qibaerwoyi, season
):
    response = tech_client.post(
        f"/field/village/{qibaerwoyi.pk}/",
        {"action": "new_household", "name": "努尔兰", "name_latin": "", "ewes_at_start": 80},
    )
    herder = Herder.objects.get(name="努尔兰")
    record = herder.lambing_records.get(season=season)
    assert response["Location"] == f"/field/record/{record.pk}/"


@pytest.mark.parametrize(
    ("language", "said"),
    [
        (
            "zh-hans",
            "季初能繁母羊 <small>Ewes at the season&#x27;s start</small>: "
            "-5是负数；数量须为0或以上（规则：不得为负数）。 · "
            "<bdi>-5 is negative; a count is 0 or more (rule: no negative counts).</bdi>",
        ),
        (
            "kk",
            "Маусым басындағы саулықтар <small>季初能繁母羊</small>: "
            "-5 теріс сан; сан 0 не одан көп болады (ереже: теріс сан болмайды). · "
            "<bdi>-5是负数；数量须为0或以上（规则：不得为负数）。</bdi>",
        ),
    ],
)
def test_a_new_household_with_negative_ewes_is_refused_by_the_counts_rule(
    tech_client, qibaerwoyi, season, language, said
):
    """Its ewes are a count, refused as every count is (models.HOUSEHOLD_COUNT_LIMIT):
    the form answered with Django's own "Ensure this value is greater than or equal to
    0", naming no rule, in one language."""
    tech_client.post("/i18n/setlang/", {"language": language, "next": "/field/"})
    response = tech_client.post(
        f"/field/village/{qibaerwoyi.pk}/",
        {"action": "new_household", "name": "努尔兰", "ewes_at_start": "-5"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert f'<li data-error-for="ewes_at_start">{said}</li>' in page
    assert 'value="努尔兰"' in page  # as typed
    assert not Herder.objects.filter(name="努尔兰").exists()


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        (
            "kk",
            ["Атауы <small>名称</small>", "Маусым басындағы саулықтар <small>季初能繁母羊</small>"],
        ),
        (
            "kk-arab",
            # Chinese beside Arabic-script Kazakh in its own <bdi>, laid out left to right.
            [
                'اتاۋى <small><bdi lang="zh-hans" dir="ltr">名称</bdi></small>',
                "ماۋسىم باسىنداعى ساۋلىقتار "
                '<small><bdi lang="zh-hans" dir="ltr">季初能繁母羊</bdi></small>',
            ],
        ),
        ("zh-hans", ["名称 <small>Name</small>", "季初能繁母羊 <small>Ewes at the season"]),
    ],
)
def test_a_new_households_labels_show_the_chinese_beside_the_kazakh(
    tech_client, qibaerwoyi, season, language, labels
):
    """On a Kazakh page the new household's labels were in Kazakh alone, where every
    other label of the field app has the Chinese beside it."""
    tech_client.post("/i18n/setlang/", {"language": language, "next": "/field/"})
    page = tech_client.get(f"/field/village/{qibaerwoyi.pk}/").content.decode()
    form = page.split('<details class="new-household"')[1]
    for label in labels:
        assert f"<label>{label}" in form


def test_the_record_page_shows_the_totals_as_of_each_date(tech_client, sailike_now):
    today = timezone.localdate()
    entry_create(record=sailike_now, date=today - datetime.timedelta(days=2), lambs_born=3)
    entry_create(record=sailike_now, date=today, lambs_born=4)
    page = tech_client.get(f"/field/record/{sailike_now.pk}/").content.decode()
    timeline = page.split('class="timeline"')[1].split("</table>")[0]
    assert "<td>7</td>" in timeline and "<td>3</td>" in timeline


def test_the_record_page_shows_lambs_alive_as_a_dash_until_a_check_even_one_of_none(
    tech_client, sailike_now
):
    """Unknown is never 0; a check that found no lamb alive is 0, not unknown."""
    today = timezone.localdate()
    entry_create(record=sailike_now, date=today - datetime.timedelta(days=3), lambs_born=2)
    entry_create(
        record=sailike_now, date=today - datetime.timedelta(days=2), lambs_lost=2, loss_cause="cold"
    )
    entry_create(record=sailike_now, date=today, lambs_alive=0, check_stage="day7")
    page = tech_client.get(f"/field/record/{sailike_now.pk}/").content.decode()
    timeline = page.split('class="timeline"')[1].split("</table>")[0]
    rows = re.findall(r"<tr><th>[^<]*</th>(.*?)</tr>", timeline)
    alive = [re.findall(r"<td>(.*?)</td>", row)[-1] for row in rows]
    assert alive == ["0", "—", "—"]  # newest first


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_today_and_a_village_cost_the_same_queries_for_3_or_30_households(
    tech_client, qibaerwoyi, season
):
    for number in range(3):
        record = household(qibaerwoyi, f"牧户{number}", f"Herder {number}", season)
        entry_create(record=record, date=timezone.localdate(), lambs_born=1)
    few = (
        _queries(tech_client, "/field/"),
        _queries(tech_client, f"/field/village/{qibaerwoyi.pk}/"),
    )
    other = Village.objects.create(township=qibaerwoyi.township, name="二村", name_latin="Second")
    for number in range(27):
        village = qibaerwoyi if number % 2 else other
        record = household(village, f"新牧户{number}", f"New {number}", season)
        entry_create(record=record, date=timezone.localdate(), lambs_lost=0, lambs_born=2)
    many = (
        _queries(tech_client, "/field/"),
        _queries(tech_client, f"/field/village/{qibaerwoyi.pk}/"),
    )
    assert many == few


def test_the_rules_description_is_the_servers_own(tech_client, season):
    rules = tech_client.get("/field/rules.json").json()
    born = rules["fields"]["lambs_born"]
    assert born["min"]["value"] == 0 and born["max"]["value"] == 50_000
    assert [c["value"] for c in rules["fields"]["loss_cause"]["choices"]][:2] == [
        "cold",
        "starvation",
    ]
    together = {tuple(sorted(rule["fields"])) for rule in rules["together"]}
    assert together == {("lambs_lost", "loss_cause"), ("check_stage", "lambs_alive")}
    assert rules["date"]["season"]["end"] == season.end_date.isoformat()
    assert rules["date"]["today"] == timezone.localdate().isoformat()
    # What a correction carries beside the entry's fields, named as its form names it.
    reason = rules["correction_fields"]["reason"]["label"]
    assert (reason["zh"], reason["en"], reason["kk"]) == ("原因", "reason", "себебі")
    # And the service's message for a reason empty or of spaces, which the phone shows.
    blank = rules["correction_fields"]["reason"]["blank"]
    assert blank["code"] == "reason_required"
    assert (blank["message"]["zh"], blank["message"]["en"]) == (REASON_BLANK_ZH, REASON_BLANK_EN)


def test_a_limit_changed_in_rules_changes_the_description_and_the_api_alike(
    tech_client, sailike_now, monkeypatch
):
    """The description reads the validator the models enforce, which reads
    ``rules.MAX_HOUSEHOLD_COUNT``: lowering it to 900 lowers the served
    maximum, and the API then refuses 901."""
    assert tech_client.get("/field/rules.json").json()["fields"]["lambs_born"]["max"]["value"] == (
        rules.MAX_HOUSEHOLD_COUNT
    )
    monkeypatch.setattr(rules, "MAX_HOUSEHOLD_COUNT", 900)
    described = tech_client.get("/field/rules.json").json()
    assert described["fields"]["lambs_born"]["max"]["value"] == 900
    assert "900" not in json.dumps(described["fields"]["lambs_born"]["max"]["message"])
    response = tech_client.post(
        "/api/v1/entries/",
        {"record": sailike_now.pk, "date": timezone.localdate().isoformat(), "lambs_born": 901},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "lambs_born" in response.json()


@pytest.mark.parametrize("ended_days_ago", [None, 3])
def test_the_date_picker_offers_the_seasons_days_up_to_today(
    tech_client, sailike_now, qibaerwoyi, season, ended_days_ago
):
    """A season that had ended (counts of its last days typed late): the phone's date
    picker still offered every day up to today, each refused on Save as outside the
    season. It offers the season's days, up to today or the season's last day."""
    today = timezone.localdate()
    if ended_days_ago is not None:
        season.end_date = today - datetime.timedelta(days=ended_days_ago)
        season.save()
    latest = min(today, season.end_date).isoformat()
    for url in ("/field/", f"/field/village/{qibaerwoyi.pk}/", f"/field/record/{sailike_now.pk}/"):
        page = tech_client.get(url).content.decode()
        row = page.split(f'data-record="{sailike_now.pk}"')[1].split("</form>")[0]
        date_input = row.split('name="date"')[1].split(">")[0]
        assert f'min="{season.start_date.isoformat()}"' in date_input, url
        assert f'max="{latest}"' in date_input, url


def test_a_season_moved_moves_the_dates_described(tech_client, season):
    season.end_date = season.end_date + datetime.timedelta(days=3)
    season.save()
    rules = tech_client.get("/field/rules.json").json()
    assert rules["date"]["season"]["end"] == season.end_date.isoformat()


def test_the_roster_since_a_refresh_holds_only_what_changed(
    tech_client, sailike_now, qibaerwoyi, season
):
    other = household(qibaerwoyi, "阿依古丽", "Ayiguli", season)
    first = tech_client.get("/field/roster.json").json()
    assert first["full"] is True
    assert {h["record"] for h in first["households"]} == {sailike_now.pk, other.pk}
    entry_create(record=other, date=timezone.localdate(), lambs_born=3)
    second = tech_client.get("/field/roster.json", {"since": first["refreshed"]}).json()
    assert second["full"] is False
    changed = {h["record"]: h for h in second["households"]}
    assert other.pk in changed and changed[other.pk]["totals"]["lambs_born"] == 3
    assert set(second["record_ids"]) == {sailike_now.pk, other.pk}


def test_a_household_without_a_record_this_season_gets_one_from_its_village(
    tech_client, qibaerwoyi, season
):
    herder = herder_create(village=qibaerwoyi, name="哈力克", name_latin="Halike")
    page = tech_client.get(f"/field/village/{qibaerwoyi.pk}/").content.decode()
    assert "哈力克" in page.split('class="without-record"')[1]
    response = tech_client.post(
        f"/field/village/{qibaerwoyi.pk}/",
        {"action": "new_record", "herder": herder.pk, "ewes_at_start": "60"},
    )
    record = herder.lambing_records.get(season=season)
    assert record.ewes_at_start == 60
    assert response["Location"] == f"/field/record/{record.pk}/"


NEGATIVE_EWES = (
    "季初能繁母羊 <small>Ewes at the season&#x27;s start</small>: "
    "-3是负数；数量须为0或以上（规则：不得为负数）。 · "
    "<bdi>-3 is negative; a count is 0 or more (rule: no negative counts).</bdi>"
)


def test_a_new_record_with_negative_ewes_is_refused_at_its_household(
    tech_client, qibaerwoyi, season
):
    """The village's households without a record this season each take one. Ewes
    typed negative were answered with the form's errors as an escaped list of
    markup (&lt;ul class="errorlist"…) at the page's top, in one language."""
    herder = herder_create(village=qibaerwoyi, name="哈力克", name_latin="Halike")
    other = herder_create(village=qibaerwoyi, name="努尔兰", name_latin="Nurlan")
    response = tech_client.post(
        f"/field/village/{qibaerwoyi.pk}/",
        {"action": "new_record", "herder": herder.pk, "ewes_at_start": "-3"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    refused, untouched = (
        page.split(f'<input type="hidden" name="herder" value="{pk}">')[1].split("</form>")[0]
        for pk in (herder.pk, other.pk)
    )
    assert f'<li data-error-for="ewes_at_start">{NEGATIVE_EWES}</li>' in refused
    assert 'name="ewes_at_start" value="-3"' in refused
    assert "errorlist" not in untouched and "&lt;ul" not in page
    assert not herder.lambing_records.exists()


def test_a_new_record_from_a_households_page_says_why_it_is_refused(
    tech_client, qibaerwoyi, season, winter_2024
):
    """A household counted in an earlier season takes a record for this one from
    its page: ewes typed negative led back to the page with nothing said."""
    herder = herder_create(village=qibaerwoyi, name="哈力克", name_latin="Halike")
    earlier = record_create(herder=herder, season=winter_2024, ewes_at_start=50)
    url = f"/field/record/{earlier.pk}/"
    response = tech_client.post(url, {"action": "new_record", "ewes_at_start": "-3"})
    assert response.status_code == 400
    page = response.content.decode()
    assert f'<li data-error-for="ewes_at_start">{NEGATIVE_EWES}</li>' in page
    assert not herder.lambing_records.filter(season=season).exists()
    made = tech_client.post(url, {"action": "new_record", "ewes_at_start": "60"})
    record = herder.lambing_records.get(season=season)
    assert made["Location"] == f"/field/record/{record.pk}/" and record.ewes_at_start == 60


@pytest.mark.parametrize("ewes_again", ["60", "70"])
def test_a_new_record_sent_twice_leads_to_the_record_made_the_first_time(
    tech_client, qibaerwoyi, season, ewes_again
):
    """A household's new record sent twice (a double tap without the script, two
    phones): the second was a 400 with nothing said, since the page no longer offers
    the form that was refused. It leads to the record, and says it was there when the
    ewes typed are not its own."""
    herder = herder_create(village=qibaerwoyi, name="哈力克", name_latin="Halike")
    url = f"/field/village/{qibaerwoyi.pk}/"
    tech_client.post(url, {"action": "new_record", "herder": herder.pk, "ewes_at_start": "60"})
    again = tech_client.post(
        url, {"action": "new_record", "herder": herder.pk, "ewes_at_start": ewes_again}
    )
    record = herder.lambing_records.get(season=season)
    assert again.status_code == 302 and again["Location"] == f"/field/record/{record.pk}/"
    assert record.ewes_at_start == 60
    page = tech_client.get(again["Location"]).content.decode()
    said = "该牧户本季已有产羔档案。 · This household already has a record for this season."
    assert (said in page) == (ewes_again != "60")


def test_an_entry_locked_by_an_approval_is_shown_locked_with_nothing_to_correct(
    tech_client, sailike_now, fuhai, kokeaheshi, season, fuhai_technician
):
    """The household's page offered every entry its correction and deletion, those of
    days the township's counts were approved for too (the admin shows them 🔒 with no
    links): changed offline, they went to the outbox and came back refused, under
    需要处理, once the signal returned."""
    today = timezone.localdate()
    before, after = today - datetime.timedelta(days=3), today - datetime.timedelta(days=1)
    approved_entry, _new = entry_create(record=sailike_now, date=before, lambs_born=2)
    open_entry, _new = entry_create(record=sailike_now, date=after, lambs_born=3)
    official = make_user("fuhai-official", "official", fuhai)
    submitted = review_submit(
        township=kokeaheshi, season=season, as_of=before, user=fuhai_technician
    )
    review_approve(review=submitted, user=official)

    page = tech_client.get(f"/field/record/{sailike_now.pk}/").content.decode()
    locked = page.split(f'id="entry-{approved_entry.pk}"')[1].split("</li>")[0]
    still_open = page.split(f'id="entry-{open_entry.pk}"')[1].split("</li>")[0]
    assert "🔒 已锁定（已批准） <small>locked (approved)</small>" in locked
    assert "data-correction-form" not in locked and 'value="delete"' not in locked
    assert "data-correction-form" in still_open and "🔒" not in still_open


def test_a_households_entries_name_a_cause_and_a_stage_with_the_chinese_beside(
    tech_client, sailike_now
):
    """On a Kazakh page an entry's cause of loss and its check's stage were in Kazakh
    alone (суық), beside labels that each have the Chinese beside them."""
    today = timezone.localdate()
    entry_create(record=sailike_now, date=today, lambs_born=3, lambs_lost=1, loss_cause="cold")
    entry_create(record=sailike_now, date=today, lambs_alive=2, check_stage="birth")
    tech_client.post("/i18n/setlang/", {"language": "kk", "next": "/field/"})
    page = tech_client.get(f"/field/record/{sailike_now.pk}/").content.decode()
    assert "өлген <small>死亡</small> 1 (суық <small>冻死</small>)" in page
    assert "тірі <small>成活</small> 2 (туғанда <small>出生时</small>)" in page


def test_the_app_is_installable_from_its_manifest_and_worker(client, db):
    manifest = json.loads(client.get("/field/manifest.webmanifest").content)
    assert manifest["start_url"] == "/field/" and manifest["scope"] == "/field/"
    for icon in manifest["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon["src"]
    worker = client.get("/field/sw.js")
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == "/field/"


@pytest.mark.parametrize(
    "since",
    [
        "2024-13-45T00:00:00+00:00",
        "2024-02-30T00:00:00+00:00",
        "0001-01-01T00:00:00+00:00",
        "9999-12-31T23:59:59+00:00",
        "garbage",
    ],
)
def test_a_roster_since_a_time_that_cannot_be_is_the_whole_roster(tech_client, sailike_now, since):
    answer = tech_client.get("/field/roster.json", {"since": since})
    assert answer.status_code == 200
    assert answer.json()["full"] is True
    assert [h["record"] for h in answer.json()["households"]] == [sailike_now.pk]


@pytest.mark.parametrize(
    "posted", ["abc", "", "1e5", "\x00", "99999999999999999999999", "9" * 5000, "²"]
)
def test_an_id_posted_that_names_nothing_is_not_found(tech_client, sailike_now, qibaerwoyi, posted):
    entry, _ = entry_create(record=sailike_now, date=timezone.localdate(), lambs_born=1)
    village = f"/field/village/{qibaerwoyi.pk}/"
    today = timezone.localdate().isoformat()
    posts = [
        (village, {"record": posted, "date": today, "lambs_born": "1"}),
        (village, {"action": "new_record", "herder": posted, "ewes_at_start": "5"}),
        (f"/field/record/{sailike_now.pk}/", {"action": "delete", "entry": posted, "reason": "x"}),
    ]
    for url, data in posts:
        assert tech_client.post(url, data).status_code == 404, (url, data)
    assert LambingEntry.objects.filter(record=sailike_now).get() == entry


def test_another_countys_record_or_entry_posted_is_not_found(
    tech_client, sailike_now, qibaerwoyi, bieke, season
):
    theirs = record_create(herder=bieke, season=season, ewes_at_start=10)
    entry, _ = entry_create(record=theirs, date=timezone.localdate(), lambs_born=2)
    today = timezone.localdate().isoformat()
    village = f"/field/village/{qibaerwoyi.pk}/"
    posts = [
        (village, {"record": theirs.pk, "date": today, "lambs_born": "1"}),
        (village, {"action": "new_record", "herder": bieke.pk, "ewes_at_start": "5"}),
        (
            f"/field/record/{sailike_now.pk}/",
            {"action": "delete", "entry": entry.pk, "reason": "x"},
        ),
        (f"/field/record/{theirs.pk}/", {"action": "delete", "entry": entry.pk, "reason": "x"}),
    ]
    for url, data in posts:
        assert tech_client.post(url, data).status_code == 404, (url, data)
    assert LambingEntry.objects.filter(record=theirs).get() == entry


def test_a_search_holding_a_nul_character_finds_nothing(tech_client, sailike_now):
    answer = tech_client.get("/field/", {"q": "赛力克\x00"})
    assert answer.status_code == 200
    assert f'data-record="{sailike_now.pk}"' not in answer.content.decode()


# What the field app's script writes, in each language a page can be in: the first
# language's text and the one beside it (Kazakh and Chinese, or Chinese and English).
SCRIPT_TEXTS = [
    ("kk-arab", "تەلەفوندا ساقتالدى", "已保存在手机上"),
    ("kk", "Телефонда сақталды", "已保存在手机上"),
    ("zh-hans", "已保存在手机上", None),
    ("en", "已保存在手机上", None),
]


@pytest.mark.parametrize(("language", "first", "beside"), SCRIPT_TEXTS)
def test_the_scripts_texts_are_served_in_the_two_languages_of_a_page(
    client, db, language, first, beside
):
    """Not logged in: the texts are no secret, and the worker keeps them for offline."""
    response = client.get(f"/field/i18n/{language}.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    script = response.content.decode()
    catalog = json.loads(re.search(r"const newcatalog = (\{.*?\n  \});", script, re.S)[1])
    beside_catalog = json.loads(re.search(r"besideCatalog = (\{.*\});", script)[1])
    waiting = "Saved on this phone, waiting to upload: %(count)s"
    assert catalog[waiting].startswith(first)
    if beside:
        assert beside_catalog[waiting].startswith(beside)
    else:  # English beside Chinese: the msgids themselves
        assert beside_catalog == {}


def test_a_language_the_app_does_not_speak_has_no_catalog(client, db):
    assert client.get("/field/i18n/fr.js").status_code == 404


def test_each_field_page_loads_the_catalog_of_its_own_language(tech_client, season):
    tech_client.post("/i18n/setlang/", {"language": "kk-arab", "next": "/field/"})
    page = tech_client.get("/field/").content.decode()
    assert f'<script src="/field/i18n/kk-arab.js?v={catalogs.version()}" defer></script>' in page
    assert 'data-languages="{&quot;first&quot;: &quot;kk_arab&quot;' in page
    assert "<title>بۇگىن · " in page


def test_the_app_is_named_in_the_language_it_is_installed_from(client, db):
    client.post("/i18n/setlang/", {"language": "kk-arab", "next": "/field/"})
    manifest = json.loads(client.get("/field/manifest.webmanifest").content)
    assert manifest["lang"] == "kk-arab" and manifest["dir"] == "rtl"
    assert manifest["name"].endswith(" · 产羔季跟踪 · 外业")
    assert "قوزى" in manifest["name"]


def test_the_roster_holds_each_kazakh_name_and_how_names_are_written(
    tech_client, qibaerwoyi, season
):
    herder = herder_create(
        village=qibaerwoyi, name="阿依古丽", name_latin="Ayiguli", name_kazakh="ايگۇل"
    )
    record_create(herder=herder, season=season, ewes_at_start=10)
    roster = tech_client.get("/field/roster.json").json()
    assert [h["name_kazakh"] for h in roster["households"]] == ["ايگۇل"]
    assert roster["spelling"]["high_hamza"] == "\u0674"
    assert roster["spelling"]["legacy_letters"]["\u0676"] == "\u0648"


def test_the_worker_keeps_every_languages_catalog_when_it_is_installed(client, db):
    worker = client.get("/field/sw.js").content.decode()
    kept = json.loads(re.search(r"const CATALOGS = (\[.*\]);", worker)[1])
    assert kept == [
        f"/field/i18n/{code}.js?v={catalogs.version()}"
        for code in ("zh-hans", "kk-arab", "kk", "en")
    ]
    for url in kept:
        assert client.get(url).status_code == 200


def test_a_catalogs_address_changes_with_the_texts_it_holds(
    tech_client, season, tmp_path, monkeypatch
):
    """The worker answers a catalog from its kept copy at once: under one address,
    the first page after a deploy that changed the app's texts got the copy of
    before, and showed the new lines untranslated. A page and the worker now ask
    for the catalog under its texts' version, which changes with a compiled catalog."""
    for mo in catalogs.LOCALE.glob("*/LC_MESSAGES/djangojs.mo"):
        copy = tmp_path / mo.relative_to(catalogs.LOCALE)
        copy.parent.mkdir(parents=True)
        copy.write_bytes(mo.read_bytes())
    monkeypatch.setattr(catalogs, "LOCALE", tmp_path)
    catalogs.version.cache_clear()
    before = tech_client.get("/field/").content.decode()
    worker_before = tech_client.get("/field/sw.js").content.decode()
    # A deploy: a text of the app's script translated again.
    (tmp_path / "zh_Hans/LC_MESSAGES/djangojs.mo").write_bytes(b"another catalog")
    catalogs.version.cache_clear()
    after = tech_client.get("/field/").content.decode()
    worker_after = tech_client.get("/field/sw.js").content.decode()
    catalogs.version.cache_clear()

    script = re.compile(r'<script src="(/field/i18n/zh-hans\.js\?v=[0-9a-f]{12})" defer>')
    assert script.search(before)[1] != script.search(after)[1]
    assert script.search(after)[1] in worker_after
    assert script.search(before)[1] in worker_before
    assert script.search(before)[1] not in worker_after


def test_a_households_reported_figure_is_written_as_a_whole_number(tech_client, sailike_now):
    """A reported head count was shown as stored, 150.00 ewes: written as the
    report wrote it, 150, as the bulletin and the admin's record page write it."""
    from livestock.models import Report, ReportedFigure

    herder = sailike_now.herder
    village = herder.village
    ReportedFigure.objects.create(
        key="sailike-ewes",
        report=Report.objects.create(slug="r", title="接羔育幼忙", source="test"),
        prefecture=village.township.county.prefecture,
        county=village.township.county,
        township=village.township,
        village=village,
        herder=herder,
        as_of=timezone.localdate(),
        metric="ewes",
        value=150,
        qualifier="more_than",
        quote="母羊150多只",
    )
    page = tech_client.get(f"/field/record/{sailike_now.pk}/").content.decode()
    figure = page.split('<ul class="figures">')[1].split("</li>")[0]
    assert ": 150 (" in figure and "150.00" not in figure


def test_the_rules_description_names_the_season_in_each_language_whatever_language_asks(
    tech_client, season
):
    """The description named the season once, in the language of the page that asked
    (the Kazakh name on a Kazakh page), and the phone filled that one name into the
    date's message in every language: the Chinese half of a Kazakh page's refusal said
    the Kazakh name, and a copy kept for offline work, fetched on a Kazakh page, said
    it on a Chinese one. It now names the season in each language, and is the same
    whatever language it is asked in."""
    described = {}
    for language in ("zh-hans", "kk-arab"):
        tech_client.post("/i18n/setlang/", {"language": language, "next": "/field/"})
        described[language] = tech_client.get("/field/rules.json").json()
    assert described["zh-hans"] == described["kk-arab"]
    name = described["zh-hans"]["date"]["season"]["name"]
    span = f"{season.start_date.year}–{season.end_date.year}"
    assert name["zh"] == f"{span} 冬羔"
    assert name["en"] == f"{span} winter lambing"
    assert name["kk_arab"].startswith(f"\u2066{span}\u2069 ")  # its years kept in order


def test_a_field_page_says_whose_it_is_for_the_phone_to_keep_it_as_theirs(
    tech_client, fuhai_technician, sailike_now
):
    """The phone keeps a field page for offline work as the user's it was drawn for
    (static/field/kept.js); the app's own files are anyone's."""
    for url in ("/field/", f"/field/record/{sailike_now.pk}/", "/field/rules.json"):
        assert tech_client.get(url)["X-Field-User"] == str(fuhai_technician.pk), url
    for url in ("/field/offline/", "/field/i18n/zh-hans.js", "/field/manifest.webmanifest"):
        assert "X-Field-User" not in tech_client.get(url), url


def test_the_page_shown_offline_in_place_of_one_not_kept_says_so_in_every_language(client, db):
    """Kept by the worker for anyone, it names no household and asks to log in."""
    page = client.get("/field/offline/")
    assert page.status_code == 200
    text = page.content.decode()
    for said in ("离线时不能查看", "Not available offline", "Желісіз қолжетімсіз"):
        assert said in text
    assert '<section lang="kk-arab" dir="rtl">' in text
    assert f'href="{reverse("admin:login")}?next=/field/"' in text
    worker = client.get("/field/sw.js").content.decode()
    assert 'importScripts("/static/field/kept.js");' in worker


def test_logging_out_answers_with_the_page_that_drops_what_the_phone_kept(tech_client, sailike_now):
    """The field app's footer logs out (through the admin's logout); the page a logout
    answers with runs the script that drops the pages and households the phone kept
    for offline work, and says how many counts typed on it still wait to upload."""
    page = tech_client.get("/field/").content.decode()
    assert f'<form class="logout" method="post" action="{reverse("admin:logout")}">' in page
    logged_out = tech_client.post(reverse("admin:logout")).content.decode()
    assert '<script src="/static/field/kept.js" defer></script>' in logged_out
    assert '<script src="/static/field/logged_out.js" defer></script>' in logged_out
    assert "这部手机为离线工作保存的页面和牧户已清除" in logged_out
    assert tech_client.get("/field/").status_code == 302


def test_a_request_of_the_phones_script_with_no_session_is_told_nobody_is_logged_in(
    client, tech_client, sailike_now
):
    """The phone's script asks for its pages and JSON stopping at a redirect, which it
    cannot read: once the technician's session had ended without a logout, the login
    page's redirect told the phone nothing, and it kept showing their pages offline.
    Asked by a script (a fetch) with no session, the server now says so in an answer
    the phone reads (static/field/kept.js drops what it kept), and sets no cookie; a
    page opened (a navigation) is sent to the login page as before."""
    entry, _new = entry_create(record=sailike_now, date=timezone.localdate(), lambs_born=2)
    urls = (
        "/field/",
        f"/field/village/{sailike_now.herder.village.pk}/",
        f"/field/record/{sailike_now.pk}/",
        f"/field/entry/{entry.pk}/",
        "/field/rules.json",
        "/field/roster.json",
    )
    fetched = {"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"}
    for url in urls:
        assert tech_client.get(url, headers=fetched).status_code == 200, url
        assert "X-Field-Logged-Out" not in tech_client.get(url, headers=fetched), url
    tech_client.logout()
    for url in urls:
        answer = client.get(url, headers=fetched)
        assert (answer.status_code, answer["X-Field-Logged-Out"]) == (403, "1"), url
        assert not answer.cookies, url
        for opened in ({"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}, {}):
            answer = client.get(url, headers=opened)
            assert answer.status_code == 302, url
            assert answer["Location"] == f"{reverse('admin:login')}?next={url}"
            assert "X-Field-Logged-Out" not in answer, url


def test_the_apis_answer_to_the_phones_upload_with_no_session_says_the_session_ended(
    client, fuhai_technician, burqin_official, sailike_now, bieke, season
):
    """The phone uploads its outbox to the API (a bulk of counts, an entry's
    correction). Once the technician's session had ended on the server, the API's
    not-authenticated answer said nothing the phone took for it: a technician who only
    uploaded kept their pages readable offline. Asked by the phone's script with the
    session gone, the API now says so as the field pages do (X-Field-Logged-Out: 1),
    and stores nothing. Someone logged in and refused (a role that may not add or
    correct counts, a household outside the technician's places) is not told so, nor
    an integration asking with no credentials."""
    outside = record_create(herder=bieke, season=season, ewes_at_start=50)  # 布尔津县
    entry, _new = entry_create(record=sailike_now, date=timezone.localdate(), lambs_born=2)
    # What field.js sends its uploads with (request()), and a browser's fetch adds.
    phone = {
        "Accept": "application/json",
        "X-Shown-Languages": "zh-hans",
        "X-Shown-Apart": "1",
        "Sec-Fetch-Mode": "cors",
        "Sec-Fetch-Dest": "empty",
    }

    def upload(record, lambs_born: int, headers=phone):
        count = {
            "uuid": str(uuid.uuid4()),
            "record": record.pk,
            "date": timezone.localdate().isoformat(),
            "lambs_born": lambs_born,
        }
        body = json.dumps([count])
        return client.post(
            "/api/v1/entries/bulk/", body, content_type="application/json", headers=headers
        )

    def correct():
        body = json.dumps({"lambs_born": 3, "reason": "数错了"})
        headers = {**phone, "If-Match": etag_of(entry)}
        return client.patch(
            f"/api/v1/entries/{entry.pk}/", body, "application/json", headers=headers
        )

    def told(answer) -> bool:
        return answer.headers.get("X-Field-Logged-Out") == "1"

    client.login(username=burqin_official.username, password=PASSWORD)
    refused = [upload(sailike_now, 5), correct()]
    assert [(answer.status_code, told(answer)) for answer in refused] == [(403, False)] * 2
    client.login(username=fuhai_technician.username, password=PASSWORD)
    refused = upload(outside, 5)
    assert (refused.status_code, told(refused)) == (400, False)
    assert LambingEntry.objects.count() == 1

    Session.objects.all().delete()  # the session ends on the server; the phone keeps its cookie
    refused = [upload(sailike_now, 5), correct()]
    assert [(answer.status_code, told(answer)) for answer in refused] == [(401, True)] * 2
    integration = upload(sailike_now, 5, headers={"Accept": "application/json"})
    assert (integration.status_code, told(integration)) == (401, False)
    assert [(e.record, e.lambs_born) for e in LambingEntry.objects.all()] == [(sailike_now, 2)]


def test_the_login_page_drawn_for_nobody_drops_what_the_phone_kept(client, db):
    """A field page opened once the session ended without a logout is sent to the login
    page: drawn for nobody logged in, it runs the logout page's script, which drops the
    pages and households the phone kept and says how many counts wait to upload. Drawn
    for someone logged in (a user the admin does not let in), it drops nothing."""
    page = client.get(f"{reverse('admin:login')}?next=/field/").content.decode()
    assert 'id="login-form"' in page
    assert '<script src="/static/field/kept.js" defer></script>' in page
    assert '<script src="/static/field/logged_out.js" defer></script>' in page
    assert "这部手机为离线工作保存的页面和牧户已清除" in page
    assert "尚未上传的计数仍保存在这部手机上" in page
    get_user_model().objects.create_user("no-staff", password=PASSWORD)
    client.login(username="no-staff", password=PASSWORD)
    page = client.get(reverse("admin:login")).content.decode()
    assert 'id="login-form"' in page
    assert "logged_out.js" not in page and "data-kept-cleared" not in page


def test_who_last_changed_an_entry_is_told_within_the_technicians_places(
    tech_client, sailike_now, bieke, season
):
    """What the phone says of a correction that met a change made meanwhile: who made
    the change, when and why, in place of the API's ETag."""
    entry, _new = entry_create(record=sailike_now, date=timezone.localdate(), lambs_born=5)
    vet = make_user("fuhai-vet", "technician", sailike_now.herder.village.township.county)
    with acting_as(vet):
        entry = entry_update(entry=entry, reason="recounted at dawn", lambs_born=7)
    changed = tech_client.get(f"/field/entry/{entry.pk}/").json()
    at = timezone.localtime(entry.history.first().history_date).strftime("%Y-%m-%d %H:%M")
    assert changed == {"changed_by": "fuhai-vet", "changed_at": at, "reason": "recounted at dawn"}
    elsewhere = record_create(herder=bieke, season=season, ewes_at_start=10)  # 布尔津县
    theirs, _new = entry_create(record=elsewhere, date=timezone.localdate(), lambs_born=1)
    assert tech_client.get(f"/field/entry/{theirs.pk}/").status_code == 404
