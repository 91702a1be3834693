"""Parsing and formatting values by value type. The one place that knows how a value is stored."""

from __future__ import annotations

import math

from ioc.core.errors import InvalidInput
from ioc.metadata.models import ValueType

_TRUE = {"true", "1", "yes", "có", "co", "x"}
_FALSE = {"false", "0", "no", "không", "khong"}


def parse_value(value_type: str, raw: object, *, field: str = "value") -> tuple[float | None, str | None]:
    """Return (value_num, value_text) or raise InvalidInput naming the field and why."""
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        raise InvalidInput(f"{field}: empty value", field=field)
    if value_type == ValueType.TEXT:
        text = str(raw)
        if len(text) > 50000:
            raise InvalidInput(f"{field}: text longer than 50,000 characters", field=field)
        return None, text
    if value_type == ValueType.BOOLEAN:
        if isinstance(raw, bool):
            return (1.0 if raw else 0.0), None
        key = str(raw).strip().lower()
        if key in _TRUE:
            return 1.0, None
        if key in _FALSE:
            return 0.0, None
        raise InvalidInput(f"{field}: '{raw}' is not yes/no (true/false)", field=field)
    if isinstance(raw, bool):
        raise InvalidInput(f"{field}: '{raw}' is not a number", field=field)
    try:
        number = float(str(raw).strip().replace(" ", "")) if not isinstance(raw, int | float) else float(raw)
    except ValueError:
        raise InvalidInput(f"{field}: '{raw}' is not a number", field=field) from None
    if math.isnan(number) or math.isinf(number):
        raise InvalidInput(f"{field}: '{raw}' is not a finite number", field=field)
    if value_type == ValueType.INTEGER and not number.is_integer():
        raise InvalidInput(f"{field}: '{raw}' is not a whole number", field=field)
    if value_type == ValueType.PERCENTAGE and not 0 <= number <= 100:
        raise InvalidInput(f"{field}: '{raw}' is not a percentage between 0 and 100", field=field)
    return number, None


def format_value(value_type: str, value_num: float | None, value_text: str | None) -> str | None:
    if value_type == ValueType.TEXT:
        return value_text
    if value_num is None:
        return None
    if value_type == ValueType.BOOLEAN:
        return "true" if value_num else "false"
    if value_type == ValueType.INTEGER or float(value_num).is_integer():
        return str(int(value_num))
    return repr(float(value_num))
