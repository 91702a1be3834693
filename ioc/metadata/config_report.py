"""The report of loading a configuration document: one result per item, and every error with its path."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from ioc.metadata.config_schema import SECTIONS


@dataclass
class ItemResult:
    section: str
    index: int
    code: str
    action: str  # created | updated | unchanged
    changed_fields: list[str] = field(default_factory=list)


@dataclass
class ConfigError:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass
class LoadReport:
    dry_run: bool = False
    items: list[ItemResult] = field(default_factory=list)
    errors: list[ConfigError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run and any(i.action != "unchanged" for i in self.items)

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for section in SECTIONS:
            results = [i for i in self.items if i.section == section]
            if results:
                out[section] = {
                    a: sum(1 for i in results if i.action == a) for a in ("created", "updated", "unchanged")
                }
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.ok else "error",
            "dryRun": self.dry_run,
            "written": self.written,
            "counts": self.counts(),
            "items": [
                {"section": i.section, "index": i.index, "code": i.code, "action": i.action, "fields": i.changed_fields}
                for i in self.items
            ],
            "errors": [{"field": e.path, "message": e.message} for e in self.errors],
        }

    def as_text(self) -> str:
        lines: list[str] = []
        for section, counts in self.counts().items():
            lines.append(
                f"{section:<16} " + _("{created} created, {updated} updated, {unchanged} unchanged").format(**counts)
            )
        for item in self.items:
            if item.action != "unchanged":
                fields = (
                    f" ({', '.join(item.changed_fields)})" if item.changed_fields and item.action == "updated" else ""
                )
                lines.append(f"{item.section}[{item.index}] {item.code}: {item.action}{fields}")
        for error in self.errors:
            lines.append(f"ERROR {error}")
        if self.errors:
            lines.append(_("{n} error(s): nothing written.").format(n=len(self.errors)))
        elif self.dry_run:
            lines.append(_("Dry run: nothing written."))
        elif self.written:
            lines.append(_("Written."))
        else:
            lines.append(_("Nothing to change."))
        return "\n".join(lines)
