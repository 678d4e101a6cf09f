"""/api/v1/reviews/: townships' counts under review, read only, within the
user's places: the state, the totals approved and every state change, so that
an integration can read a published figure again."""

import datetime

import pytest

from livestock.models import Review, ReviewState
from livestock.services.entries import entry_create
from livestock.services.reviews import review_approve, review_reopen, review_submit
from tests.test_api_base import API, ListQueryTests, ReadTests, api

URL = API + "reviews/"
DEC_15 = datetime.date(2024, 12, 15)


def review(township, season, as_of=DEC_15) -> Review:
    return Review.objects.create(
        township=township, season=season, as_of=as_of, state=ReviewState.SUBMITTED
    )


class TestReviews(ReadTests, ListQueryTests):
    url = URL

    @pytest.fixture
    def inside(self, kokeaheshi, winter_2024):
        return review(kokeaheshi, winter_2024)

    @pytest.fixture
    def outside(self, woyimoke, winter_2024):
        return review(woyimoke, winter_2024)

    @pytest.fixture
    def make_inside(self, kokeaheshi, winter_2024):
        def make(n: int) -> None:
            start = Review.objects.count()
            for number in range(start, start + n):
                made = review(kokeaheshi, winter_2024, DEC_15 - datetime.timedelta(days=number))
                made.comment = f"第{number}次"
                made.save()  # a second history row

        return make


def test_an_approval_is_read_with_its_totals_and_every_state_change(
    bieke_record, woyimoke, winter_2024, woyimoke_technician, burqin_official
):
    entry_create(record=bieke_record, date=datetime.date(2024, 12, 10), lambs_born=10)
    submitted = review_submit(
        township=woyimoke, season=winter_2024, as_of=DEC_15, user=woyimoke_technician
    )
    approved = review_approve(review=submitted, user=burqin_official, comment="核对无误")
    review_reopen(review=approved, user=burqin_official, reason="漏记")

    body = api(woyimoke_technician).get(f"{URL}{approved.pk}/").json()

    assert (body["state"], body["approved_by"], body["comment"]) == (
        "reopened",
        "burqin-official",
        "漏记",
    )
    assert body["approved_totals"]["lambs_born"] == 10
    assert [
        (change["state"], change["changed_by"], change["comment"]) for change in body["history"]
    ] == [
        ("submitted", "woyimoke-tech", ""),
        ("approved", "burqin-official", "核对无误"),
        ("reopened", "burqin-official", "漏记"),
    ]
    assert body["history"][0]["approved_totals"] is None
    assert body["history"][1]["approved_totals"]["lambs_born"] == 10


def test_reviews_cannot_be_written_through_the_api(woyimoke_technician, woyimoke, winter_2024):
    made = review(woyimoke, winter_2024)
    client = api(woyimoke_technician)
    assert client.post(URL, {"township": woyimoke.pk}).status_code in (403, 405)
    assert client.patch(f"{URL}{made.pk}/", {"state": "approved"}).status_code in (403, 405)
    assert Review.objects.count() == 1
    made.refresh_from_db()
    assert made.state == ReviewState.SUBMITTED


def test_the_list_filters_by_state(woyimoke_technician, woyimoke, winter_2024):
    review(woyimoke, winter_2024)
    client = api(woyimoke_technician)
    assert client.get(URL, {"state": "submitted"}).json()["count"] == 1
    assert client.get(URL, {"state": "approved"}).json()["count"] == 0
