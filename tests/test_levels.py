"""The place ladder (``models.LADDER``): declared once, next to the place
models, and read by scoping, the rollups, the summaries, the forms, the report
data and ``add_user``."""

from livestock.counting import rollups
from livestock.models import (
    LADDER,
    LEVEL_NAMED,
    LEVEL_OF,
    County,
    DailyRollup,
    Herder,
    RollupLevel,
    ScopeGrant,
    Village,
)
from livestock.models.scopes import SCOPE_LEVELS


def test_the_ladder_runs_from_the_prefecture_down_to_the_household():
    assert [level.name for level in LADDER] == [
        "prefecture",
        "county",
        "township",
        "village",
        "herder",
    ]
    for level in LADDER[1:]:
        parent = level.model._meta.get_field(level.parent_field)
        assert parent.related_model is level.parent.model
        assert parent.remote_field.related_name == level.parent.children


def test_a_level_is_the_level_of_its_daily_rollup_rows():
    assert [level.depth for level in LADDER] == list(RollupLevel.values)
    assert rollups.HERDER_LEVEL == RollupLevel.HERDER
    assert rollups.PLACE_COLUMNS[: len(LADDER)] == tuple(
        DailyRollup._meta.get_field(level.name).column for level in LADDER
    )


def test_the_paths_between_levels_go_up_through_parents_and_down_through_children():
    herder, county, village = LEVEL_OF[Herder], LEVEL_OF[County], LEVEL_OF[Village]
    assert herder.path_to(county) == "village__township__county"
    assert county.path_to(village) == "townships__villages"
    assert village.path_to(village) == "pk"
    for level in LADDER[:-1]:
        assert herder.path_to(level) == level.herder_path


def test_a_grant_names_a_place_of_each_level_but_the_household():
    assert tuple(level.name for level in LADDER[:-1]) == SCOPE_LEVELS
    for name in SCOPE_LEVELS:
        assert ScopeGrant._meta.get_field(name).related_model is LEVEL_NAMED[name].model
