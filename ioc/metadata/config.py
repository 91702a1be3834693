"""Metadata as code: load and export the configuration document (YAML or JSON; docs/metadata.md).

Loading upserts by code, all or nothing: every item is checked (schema, then the services' rules against
the database as it would be after the items before it), every error is collected with its path
(`dataElements[3].valueType: …`), and when there is any error — or on a dry run — the transaction is
rolled back. Loading the same document twice reports everything unchanged and writes nothing.

This module reads and renders the files (YAML or JSON) and is the public API; the work is done in
config_report (the report), config_validate (checking the document), config_load (upserting in dependency
order) and config_export (the document of what is stored).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import IO, Any

import yaml
from django.utils.translation import gettext as _

from ioc.core.errors import InvalidInput
from ioc.metadata.config_export import export_document
from ioc.metadata.config_load import load_document
from ioc.metadata.config_report import ConfigError, ItemResult, LoadReport
from ioc.metadata.config_validate import validate_document

__all__ = [
    "ConfigError",
    "ItemResult",
    "LoadReport",
    "export_document",
    "load_document",
    "load_file",
    "parse_text",
    "read_file",
    "render",
    "validate_document",
]

# ----- reading files ------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """YAML 1.1 reads 0101 as the octal number 65; codes with leading zeros ("08707", "01") stay text."""


_Loader.yaml_implicit_resolvers = {k: list(v) for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
for _first in "+-0123456789":
    _Loader.yaml_implicit_resolvers.setdefault(_first, []).insert(
        0, ("tag:yaml.org,2002:str", re.compile(r"^[-+]?0[0-9_]+$"))
    )


def parse_text(text: str, fmt: str = "yaml") -> Any:
    """The document's data from YAML or JSON text; InvalidInput when it does not parse."""
    try:
        if fmt == "json":
            return json.loads(text)
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            _("not valid JSON: {msg} at line {line}, column {col}").format(msg=exc.msg, line=exc.lineno, col=exc.colno)
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = _(" at line {line}, column {col}").format(line=mark.line + 1, col=mark.column + 1) if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InvalidInput(_("not valid YAML: {problem}{where}").format(problem=problem, where=where)) from None


def read_file(path: str | Path, stdin: IO[str] | None = None) -> Any:
    """Read a document: JSON when the file ends in .json, otherwise YAML; "-" reads `stdin`."""
    if str(path) == "-":
        if stdin is None:
            raise InvalidInput(_("no input"))
        return parse_text(stdin.read(), "yaml")
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(_("file not found: {path}").format(path=path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(_("cannot read {path}: {error}").format(path=path, error=exc)) from None
    return parse_text(text, "json" if p.suffix.lower() == ".json" else "yaml")


def load_file(path: str | Path, **kwargs: Any) -> LoadReport:
    try:
        data = read_file(path)
    except InvalidInput as exc:
        return LoadReport(dry_run=bool(kwargs.get("dry_run")), errors=[ConfigError("", exc.message)])
    return load_document(data, **kwargs)


# ----- rendering ----------------------------------------------------------------------------------


def render(doc: dict[str, Any], fmt: str = "yaml") -> str:
    if fmt == "json":
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=110)
