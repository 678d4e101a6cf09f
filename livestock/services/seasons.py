"""Seasons: added, their kind and dates changed (the flags of their records
follow the dates). The admin's page and the report data's loader write
through these."""

import datetime

from django.db import transaction

from livestock.counting import rollups
from livestock.models import Season
from livestock.services.guards import only_fields


@transaction.atomic
def season_create(*, kind: str, start_date: datetime.date, end_date: datetime.date) -> Season:
    """A new season; its kind and start name it (one season per kind and start)."""
    season = Season(kind=kind, start_date=start_date, end_date=end_date)
    season.full_clean()
    season.save()
    return season


@transaction.atomic
def season_update(season: Season, **changes) -> Season:
    """Change a season's kind or dates. Its records' data-quality flags depend
    on its dates (stale from the start, no final check at the end), so when
    they move their daily rollups are made again."""
    only_fields("season_update", changes, {"kind", "start_date", "end_date"}, verb="change")
    season = Season.objects.select_for_update().get(pk=season.pk)
    before = (season.start_date, season.end_date)
    for field, value in changes.items():
        setattr(season, field, value)
    season.full_clean()
    season.save()
    if (season.start_date, season.end_date) != before:
        rollups.changed(season.lambing_records.values_list("pk", flat=True))
    return season
