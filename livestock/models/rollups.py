"""Daily rollups: what the lambing records of a place added to each total on
each date, so that a summary reads a small table instead of every entry.

A total as of a date is the sum of the rollup rows dated on or before it, so
any past date stays exact. Rows are kept by ``livestock/counting/rollups.py`` in the
same transaction as every write of an entry or record; nothing else writes
them, and ``manage.py rebuild_rollups`` makes them again from the entries.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from livestock.counting.flags import ANY_FLAG_COLUMN, FLAG_COLUMN, REPORTING_COLUMN
from livestock.counting.totals import NUMBERS
from livestock.counting.walk import CAUSES
from livestock.models.lambing import LambingRecord, Season
from livestock.models.places import County, Herder, Prefecture, Township, Village


class RollupLevel(models.IntegerChoices):
    """From the coarsest to the finest: a summary grouped by a level, within a
    place, for a user with grants, reads the finest level any of them needs."""

    PREFECTURE = 0, _("prefecture")
    COUNTY = 1, _("county")
    TOWNSHIP = 2, _("township")
    VILLAGE = 3, _("village")
    HERDER = 4, _("herder household")


# The rows of places, not of households: those the prefecture's, counties' and
# townships' indexes hold.
PLACES_ABOVE_HOUSEHOLDS = models.Q(level__lt=RollupLevel.HERDER)


def _place(model, null: bool = True):
    """A place column: no database constraint or single-column index (the rows
    are derived data, found through the composite indexes below)."""
    return models.ForeignKey(
        model,
        models.DO_NOTHING,
        null=null,
        related_name="+",
        db_constraint=False,
        db_index=False,
        verbose_name=model._meta.verbose_name,
    )


class DailyRollup(models.Model):
    """The change of every ``counting.totals.LambingTotals`` number (and of the
    households with each data-quality flag) on one date, for
    one place of one level: a county, township, village or one herder
    household's record (the ledger the others are summed from). Counts are
    changes, so they may be negative (a later survival check counts fewer
    lambs alive). The place columns above the row's level are filled, those
    below it empty, so that a row is found by any place it lies in.

    On PostgreSQL the table leaves 30 % of each page free (migration 0020,
    ``fillfactor``): most writes add to existing rows, and an updated row's
    new version then fits on its page without an entry in each index."""

    # What a row counts, named by the counting core: the numbers of
    # ``LambingTotals``, lambs lost by cause (for the losses chart), then the
    # households with each data-quality flag and with any (kept as changes too,
    # since each flag of a record is a step function of the date), and the
    # households reporting (a count in the last 7 days: completeness).
    COUNT_FIELDS = NUMBERS
    CAUSE_FIELDS = tuple(f"lost_{cause}" for cause in CAUSES)
    FLAG_FIELDS = (*FLAG_COLUMN.values(), ANY_FLAG_COLUMN)
    REPORTING_FIELDS = (REPORTING_COLUMN,)
    COUNTED = COUNT_FIELDS + CAUSE_FIELDS + FLAG_FIELDS + REPORTING_FIELDS

    season = models.ForeignKey(
        Season,
        models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
        verbose_name=_("season"),
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=RollupLevel.choices)
    place_id = models.BigIntegerField(_("place"))
    date = models.DateField(_("date"))
    prefecture = _place(Prefecture, null=False)
    county = _place(County)  # none on a prefecture's rows
    township = _place(Township)
    village = _place(Village)
    herder = _place(Herder)
    record = models.ForeignKey(
        LambingRecord,
        models.DO_NOTHING,
        null=True,
        related_name="+",
        db_constraint=False,
        # No index: a record's rows are found by the rollups' key (its
        # season, the household level, its herder: one record per herder and
        # season), which every read of them has; an index of its own was
        # written for every new row of a write, at a random place.
        db_index=False,
        verbose_name=_("lambing record"),
    )
    households = models.IntegerField(default=0)
    ewes = models.IntegerField(default=0)
    ewes_lambed = models.IntegerField(default=0)
    lambs_born = models.IntegerField(default=0)
    lamb_losses = models.IntegerField(default=0)
    lambs_alive = models.IntegerField(default=0)
    lambs_alive_at_weaning = models.IntegerField(default=0)
    lambs_born_where_ewes_lambed_counted = models.IntegerField(default=0)
    lambs_born_where_ewes_counted = models.IntegerField(default=0)
    lambs_born_by_latest_check = models.IntegerField(default=0)
    lambs_alive_at_weaning_where_ewes_counted = models.IntegerField(default=0)
    ewes_where_weaned = models.IntegerField(default=0)
    households_ewes_counted = models.IntegerField(default=0)
    households_ewes_lambed_counted = models.IntegerField(default=0)
    households_checked = models.IntegerField(default=0)
    households_weaned = models.IntegerField(default=0)
    households_weaned_ewes_counted = models.IntegerField(default=0)
    lost_cold = models.IntegerField(default=0)
    lost_starvation = models.IntegerField(default=0)
    lost_disease = models.IntegerField(default=0)
    lost_mismothering = models.IntegerField(default=0)
    lost_predator = models.IntegerField(default=0)
    lost_accident = models.IntegerField(default=0)
    lost_unknown = models.IntegerField(default=0)
    flagged_stale = models.IntegerField(default=0)
    flagged_high_losses = models.IntegerField(default=0)
    flagged_lambing_rate = models.IntegerField(default=0)
    flagged_no_final_check = models.IntegerField(default=0)
    flagged_backwards = models.IntegerField(default=0)
    flagged_any = models.IntegerField(default=0)
    households_reporting = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("daily rollup")
        verbose_name_plural = _("daily rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["season", "level", "place_id", "date"], name="rollup_one_row_per_day"
            )
        ]
        indexes = [
            # A drill-down: the rows of one level within a prefecture, county, township
            # or village. The households' own rows (nineteen in twenty of the table)
            # are in the village's index only: a read of them within a larger place
            # names its villages (``selectors.totals.rollups_within``), and each new
            # household row was an entry in three more indexes (migration 0025).
            models.Index(
                fields=["prefecture", "level", "date"],
                name="rollup_prefecture_level_date",
                condition=PLACES_ABOVE_HOUSEHOLDS,
            ),
            models.Index(
                fields=["county", "level", "date"],
                name="rollup_county_level_date",
                condition=PLACES_ABOVE_HOUSEHOLDS,
            ),
            models.Index(
                fields=["township", "level", "date"],
                name="rollup_township_level_date",
                condition=PLACES_ABOVE_HOUSEHOLDS,
            ),
            models.Index(fields=["village", "level", "date"], name="rollup_village_level_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.place_id} · {self.date}"
