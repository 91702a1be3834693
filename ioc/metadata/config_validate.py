"""Checking a configuration document before anything is loaded: every item against its schema on its own,
so that every error is reported with its path, and codes that appear twice in a section. Also the mapping
of model field names in service errors to the document's keys (value_type → valueType)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from pydantic import ValidationError as PydanticValidationError

from ioc.metadata.config_report import ConfigError
from ioc.metadata.config_schema import SECTIONS

_FIELD_NAMES = {
    "name_vi": "name",
    "name_en": "nameEn",
    "elements": "dataElements",
    "org_units": "orgUnits",
    "data_element": "dataElements",
    "compulsory": "compulsoryDataElements",
}


def _doc_field(name: str | None) -> str:
    """The document key for a model field name in a service error (value_type → valueType)."""
    if not name:
        return ""
    head, sep, rest = name.partition(".")
    bracket = ""
    if "[" in head:
        head, bracket = head[: head.index("[")], head[head.index("[") :]
    key = _FIELD_NAMES.get(head) or re.sub(r"_([a-z])", lambda m: m.group(1).upper(), head)
    return key + bracket + (sep + _doc_field(rest) if rest else "")


def _join(path: str, sub: str) -> str:
    if not sub:
        return path
    return f"{path}{sub}" if sub.startswith("[") else f"{path}.{sub}"


def _pydantic_errors(path: str, exc: PydanticValidationError) -> list[ConfigError]:
    out = []
    for error in exc.errors():
        loc = ""
        for part in error["loc"]:
            loc += f"[{part}]" if isinstance(part, int) else (f".{part}" if loc or path else str(part))
        kind = error["type"]
        ctx = error.get("ctx") or {}
        if kind in ("enum", "literal_error"):
            choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
            message = _("{value!r} is not one of {choices}").format(value=error["input"], choices=", ".join(choices))
        elif kind == "extra_forbidden":
            message = _("unknown key (check the spelling; keys are camelCase)")
        elif kind == "missing":
            message = _("required")
        elif kind == "code":
            message = _("'{value}' is not a valid code: letters, digits, '_' and '-', at most 50").format(
                value=ctx.get("value")
            )
        elif kind == "uid":
            message = _("'{value}' is not a uid: 11 characters, a letter then letters or digits").format(
                value=ctx.get("value")
            )
        elif kind == "unit_code":
            message = _("'{value}' is not an org-unit code").format(value=ctx.get("value"))
        elif kind == "name":
            message = _("a name is required")
        else:
            message = error["msg"]
            message = message.removeprefix("Value error, ")
        out.append(ConfigError(path + loc, message))
    return out


@dataclass
class _Parsed:
    section: str
    index: int
    item: Any


def validate_document(data: Any) -> tuple[list[_Parsed], list[ConfigError], dict[str, set[str]]]:
    """Each item validated on its own, so every error is reported; duplicates of codes within a section.
    Returns the valid items, the errors, and the codes of the items that failed, by section."""
    errors: list[ConfigError] = []
    parsed: list[_Parsed] = []
    failed: dict[str, set[str]] = {}
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return (
            [],
            [ConfigError("", _("the document must be a mapping with keys {keys}").format(keys=", ".join(SECTIONS)))],
            failed,
        )
    for key in data:
        if key not in SECTIONS and key != "version":
            errors.append(
                ConfigError(str(key), _("unknown section; use {keys}").format(keys=", ".join(["version", *SECTIONS])))
            )
    if data.get("version", 1) != 1:
        errors.append(ConfigError("version", _("only version 1 is known")))
    for section, model in SECTIONS.items():
        items = data.get(section)
        if items is None:
            continue
        if not isinstance(items, list):
            errors.append(ConfigError(section, _("must be a list")))
            continue
        first_index: dict[str, int] = {}
        for index, raw in enumerate(items):
            path = f"{section}[{index}]"
            if not isinstance(raw, dict):
                errors.append(ConfigError(path, _("must be a mapping")))
                continue
            try:
                item = model.model_validate(raw)
            except PydanticValidationError as exc:
                errors.extend(_pydantic_errors(path, exc))
                if isinstance(raw.get("code"), (str, int)):
                    failed.setdefault(section, set()).add(str(raw["code"]).strip())
                continue
            code = item.code  # type: ignore[attr-defined]
            if code in first_index:
                errors.append(
                    ConfigError(
                        f"{path}.code",
                        _("'{code}' appears twice: also {section}[{i}]").format(
                            code=code, section=section, i=first_index[code]
                        ),
                    )
                )
                continue
            first_index[code] = index
            parsed.append(_Parsed(section, index, item))
    return parsed, errors, failed
