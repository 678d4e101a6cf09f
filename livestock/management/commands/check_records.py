"""``python manage.py check_records``: list the records that break a counting
rule they could break before the rule existed."""

from django.core.management.base import BaseCommand

from livestock.selectors.records import records_with_two_checks_a_day


class Command(BaseCommand):
    help = (
        "List the lambing records holding more than one survival check on a day (stored "
        "before the one-check rule): each date, with the lambs alive of each check. Such a "
        "record refuses only a write that adds another check to that day; correct or "
        "delete one of the checks, with a reason. Exits 1 when any is found."
    )

    def handle(self, *args, **options):
        found = records_with_two_checks_a_day()
        for day in found:
            record = day.record
            alive = ", ".join(map(str, day.lambs_alive))
            self.stdout.write(
                f"record {record.pk} · {record.herder} · {record.season}: "
                f"{len(day.lambs_alive)} survival checks on {day.date.isoformat()} "
                f"(lambs alive {alive})"
            )
        if not found:
            self.stdout.write("No record holds more than one survival check on a day.")
            return
        records = len({day.record.pk for day in found})
        self.stdout.write(f"{records} record(s), {len(found)} day(s).")
        raise SystemExit(1)
