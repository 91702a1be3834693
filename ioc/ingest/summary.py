"""What an import reports: ImportSummary (counts, conflicts, status), and its DHIS2 shape.

A conflict is a RowIssue (ioc.ingest.rows): the file, the position (CSV line, JSON dataValues index, ADX
line), the field, the value given and why. In DHIS2's shape (`as_dhis2`) a conflict is {"object": the
offending reference or value, "value": the reason, "property": the field, "indexes": [position]} as
DHIS2 writes it (the reason in "value" is DHIS2's convention), plus ioc's own keys "file", the position
under its kind ("row", "line" or "value") and "message" (the full sentence with the place).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from ioc.ingest.rows import RowIssue

STRATEGIES = ("CREATE_AND_UPDATE", "CREATE", "UPDATE", "DELETE")
SUCCESS, WARNING, ERROR = "SUCCESS", "WARNING", "ERROR"
# Conflicts kept in an ImportRun row and in a response; the counts always cover all of them.
MAX_STORED_CONFLICTS = 1000


def conflict_dict(issue: RowIssue) -> dict[str, Any]:
    """ioc's form of a conflict (file, position, field, value, message)."""
    return issue.as_dict()


def dhis2_conflict(issue: RowIssue) -> dict[str, Any]:
    """DHIS2's form of a conflict, with ioc's keys added. `indexes`: the 0-based index in dataValues for
    JSON (as DHIS2), the 1-based line number for CSV and ADX."""
    own = issue.as_dict()
    value = issue.value
    index = issue.position - 1 if issue.kind == "value" else issue.position
    out: dict[str, Any] = {
        "object": "" if value is None else str(value),
        "value": issue.message,
        "property": issue.field,
        "indexes": [index],
    }
    out.update({k: v for k, v in own.items() if k not in ("value", "field")})
    return out


@dataclass
class ImportSummary:
    status: str = SUCCESS
    description: str = ""
    imported: int = 0
    updated: int = 0
    ignored: int = 0
    deleted: int = 0
    conflicts: list[RowIssue] = field(default_factory=list)
    dry_run: bool = False
    strategy: str = "CREATE_AND_UPDATE"
    all_or_nothing: bool = True
    import_run: int | None = None
    options: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    # Seconds per phase (resolve, check, stage, classify, write, commit): for benchmarks and the CLI.
    timings: dict[str, float] = field(default_factory=dict)
    # The validation rules run on what the import changed (ioc.ingest.importer.validate_after_import).
    validation: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.imported + self.updated + self.ignored + self.deleted

    @property
    def import_count(self) -> dict[str, int]:
        return {"imported": self.imported, "updated": self.updated, "ignored": self.ignored, "deleted": self.deleted}

    def stored_conflicts(self, limit: int = MAX_STORED_CONFLICTS) -> list[dict[str, Any]]:
        """The first `limit` conflicts, then one entry saying how many more there are."""
        out = [conflict_dict(c) for c in self.conflicts[:limit]]
        more = len(self.conflicts) - limit
        if more > 0:
            out.append({"message": _("… and %(n)s more conflicts") % {"n": f"{more:,}"}, "more": more})
        return out

    def as_dict(self, limit: int = MAX_STORED_CONFLICTS) -> dict[str, Any]:
        """ioc's own shape (the CLI, background jobs, pages)."""
        return {
            "status": self.status,
            "description": self.description,
            "importCount": self.import_count,
            "conflictCount": len(self.conflicts),
            "conflicts": self.stored_conflicts(limit),
            "dryRun": self.dry_run,
            "importStrategy": self.strategy,
            "atomic": self.all_or_nothing,
            "importRun": self.import_run,
            "validation": self.validation,
        }

    def as_dhis2(self, limit: int = MAX_STORED_CONFLICTS) -> dict[str, Any]:
        """DHIS2's ImportSummary: responseType, status, description, importOptions, importCount, conflicts."""
        conflicts = [dhis2_conflict(c) for c in self.conflicts[:limit]]
        out: dict[str, Any] = {
            "responseType": "ImportSummary",
            "status": self.status,
            "description": self.description,
            "importOptions": {
                "dryRun": self.dry_run,
                "importStrategy": self.strategy,
                "atomicMode": "ALL" if self.all_or_nothing else "NONE",
                **self.options,
            },
            "importCount": self.import_count,
            "conflicts": conflicts,
            "conflictCount": len(self.conflicts),
            "dataSetComplete": "false",
            "importRun": self.import_run,
            "validation": self.validation,
        }
        if len(self.conflicts) > limit:
            out["conflictsOmitted"] = len(self.conflicts) - limit
        return out
