"""The template a township centre fills in: the columns' headers and example rows."""

from django.utils.translation import gettext as _

from livestock.choices import CheckStage, LossCause
from livestock.spreadsheets.columns import COLUMNS


def template_rows() -> list[list]:
    """The template's one example row, a comment (``#``) that the import skips:
    a household of Burqin with one day's count."""
    example = {
        "uuid": "# " + _("example, delete this row"),
        "county": "布尔津县",
        "township": "窝依莫克镇",
        "village": "通克村",
        "herder": "别克·木合亚提",
        "herder_latin": "Bieke Muheyati",
        "herder_kazakh": "بەكە",
        "season": "2024–2025 冬羔",
        "ewes_at_start": 150,
        "date": "2025-02-11",
        "ewes_lambed": 12,
        "lambs_born": 14,
        "lambs_lost": 1,
        "loss_cause": str(LossCause.COLD.label),
        "lambs_alive": 13,
        "check_stage": str(CheckStage.DAY_7.label),
        "note": "",
    }
    return [[example.get(column.key, "") for column in COLUMNS]]
