"""Seasons: their kind and dates (the flags of their records follow the dates)."""

from django.db import transaction

from livestock.counting import rollups
from livestock.models import Season


@transaction.atomic
def season_update(season: Season, **changes) -> Season:
    """Change a season's kind or dates. Its records' data-quality flags depend
    on its dates (stale from the start, no final check at the end), so when
    they move their daily rollups are made again."""
    unknown = set(changes) - {"kind", "start_date", "end_date"}
    if unknown:
        raise TypeError(f"season_update() cannot change {sorted(unknown)}")
    season = Season.objects.select_for_update().get(pk=season.pk)
    before = (season.start_date, season.end_date)
    for field, value in changes.items():
        setattr(season, field, value)
    season.full_clean()
    season.save()
    if (season.start_date, season.end_date) != before:
        rollups.changed(season.lambing_records.values_list("pk", flat=True))
    return season
