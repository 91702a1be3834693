from __future__ import annotations

from typing import Any

import pytest

from ioc.core.errors import InvalidInput
from ioc.dashboards.config import parse_config, validate_config
from ioc.dashboards.tests.conftest import DashWorld


def fields(exc: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    return {e["field"]: e["message"] for e in exc.value.errors}


def invalid(kind: str, config: Any) -> dict[str, str]:
    with pytest.raises(InvalidInput) as exc:
        validate_config(kind, config)
    return fields(exc)


def test_defaults_are_filled_in(world: DashWorld) -> None:
    assert validate_config("kpi", {"dx": "OPD"}) == {"dx": "OPD", "target": None, "higher_is_better": None}
    assert validate_config("chart", {"dx": ["OPD", "PUPILS_PER_VISIT"]}) == {
        "dx": ["OPD", "PUPILS_PER_VISIT"],
        "by": "period",
        "chart": "line",
        "periods": "LAST_12_MONTHS",
    }
    assert validate_config("table", {"dx": ["OPD"]}) == {
        "dx": ["OPD"],
        "by": "unit",
        "sort": "desc",
        "limit": 10,
        "periods": "LAST_12_MONTHS",
    }
    assert validate_config("map", {"dx": " OPD "}) == {"dx": "OPD"}


def test_references_of_every_kind_are_accepted(world: DashWorld) -> None:
    config = {"dx": ["OPD", "PUPILS.SEX_M", "PUPILS_PER_VISIT", "HEALTH.REPORTING_RATE"]}
    assert validate_config("table", config)["dx"] == config["dx"]


def test_unknown_codes_are_named_by_position(world: DashWorld) -> None:
    errors = invalid("chart", {"dx": ["OPD", "NOPE", "PUPILS.SEX_X", "HEALTH.NOT_A_METRIC"]})
    assert set(errors) == {"config.dx[1]", "config.dx[2]", "config.dx[3]"}
    assert "'NOPE' is not a data element, indicator or reporting metric" in errors["config.dx[1]"]
    assert "config.dx" in invalid("kpi", {"dx": "NOPE"})


@pytest.mark.parametrize(
    ("kind", "config", "field", "message"),
    [
        ("kpi", {}, "config.dx", "required"),
        ("kpi", {"dx": "OPD", "colour": "red"}, "config.colour", "unknown key"),
        ("kpi", {"dx": "OPD", "target": "much"}, "config.target", "'much' is not a number"),
        ("kpi", {"dx": "OPD", "target": float("inf")}, "config.target", "finite"),
        ("kpi", {"dx": "OPD", "higher_is_better": "perhaps"}, "config.higher_is_better", "not true or false"),
        ("kpi", {"dx": ["OPD"]}, "config.dx", "must be text"),
        ("kpi", {"dx": "OPD;DROP"}, "config.dx", "not a data item code"),
        ("chart", {"dx": []}, "config.dx", "at least one"),
        ("chart", {"dx": "OPD"}, "config.dx", "list"),
        ("chart", {"dx": ["OPD"], "chart": "pie"}, "config.chart", "'pie' is not one of line, bar, column, area"),
        ("chart", {"dx": ["OPD"], "by": "agency"}, "config.by", "is not one of"),
        ("table", {"dx": ["OPD"], "limit": 0}, "config.limit", "at least 1"),
        ("table", {"dx": ["OPD"], "limit": 501}, "config.limit", "at most 500"),
        ("table", {"dx": ["OPD"], "sort": "up"}, "config.sort", "is not one of"),
    ],
)
def test_shape_errors_name_the_field(kind: str, config: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_config(kind, config)
    errors = fields(exc)
    assert field in errors, errors
    assert message in errors[field]
    assert field in exc.value.message  # the one-line message names it too


def test_bad_periods_are_named(world: DashWorld) -> None:
    errors = invalid("chart", {"dx": ["OPD"], "periods": "LAST_12_MONTHS;SOMETIME"})
    assert "SOMETIME" in errors["config.periods"]
    assert validate_config("chart", {"dx": ["OPD"], "periods": " 2024 ; LAST_4_QUARTERS "})["periods"] == (
        "2024;LAST_4_QUARTERS"
    )


def test_a_code_twice_is_an_error(world: DashWorld) -> None:
    assert "appears twice" in invalid("table", {"dx": ["OPD", "OPD"]})["config.dx"]


def test_kind_and_shape_of_the_whole_config() -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_config("pie", {"dx": "OPD"})
    assert fields(exc) == {"kind": "kind: 'pie' is not one of kpi, chart, map, table"}
    with pytest.raises(InvalidInput) as exc:
        parse_config("kpi", ["OPD"])
    assert "config" in fields(exc)
