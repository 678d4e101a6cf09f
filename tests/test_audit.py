import datetime

from livestock import services
from livestock.audit import acting_as
from tests.conftest import make_user


def test_writes_inside_acting_as_name_the_user_in_the_history(bieke_record):
    clerk = make_user("clerk", "technician")
    with acting_as(clerk):
        entry, _ = services.entry_create(
            record=bieke_record, date=datetime.date(2024, 12, 5), ewes_lambed=1, lambs_born=1
        )
    services.entry_update(entry=entry, reason="typo", lambs_born=2)

    users = [h.history_user for h in entry.history.order_by("history_date")]
    assert users == [clerk, None]
