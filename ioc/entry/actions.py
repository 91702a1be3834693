"""The form's two buttons beyond the cells, as the page needs their answers: "Run validation" (the quality
app's validate_form, a read) and "Complete" / "Withdraw" (the workflow app's do_complete / do_reopen, writes
with their own checks and audit). Nothing here decides a rule; it calls the apps that do and shapes what they
answer (violations grouped by importance, the cells to highlight, the message to show).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ioc.accounts.models import User
from ioc.audit.models import Via
from ioc.core.errors import IocError
from ioc.entry import selectors
from ioc.metadata.models import ValidationRule
from ioc.quality.validation import validate_form
from ioc.quality.violations import Violation
from ioc.workflow.services import do_complete, do_reopen

# The field of do_complete's errors that name an empty compulsory cell.
MISSING_FIELD = "dataValues"


@dataclass
class ImportanceGroup:
    importance: str
    label: str
    violations: list[Violation]


@dataclass
class ValidationResult:
    groups: list[ImportanceGroup] = field(default_factory=list)
    error: str = ""
    status: int = 200
    ran: bool = True

    @property
    def count(self) -> int:
        return sum(len(g.violations) for g in self.groups)

    @property
    def cells(self) -> list[str]:
        """The cells involved, as "ELEMENT.COC" keys of the grid (a total names every cell of its element)."""
        out: list[str] = []
        for group in self.groups:
            for violation in group.violations:
                out.extend(cell_keys(violation))
        return sorted(set(out))


def cell_keys(violation: Violation) -> list[str]:
    return [f"{v.element}.{v.coc or 'default'}" for v in violation.values]


def run_validation(user: User, params: Mapping[str, str]) -> ValidationResult:
    """The form's values checked against the data set's validation rules, most important group first."""
    try:
        data_set = selectors.entry_data_set(user, params.get("data_set", ""))
        unit = selectors.entry_unit(user, data_set, params.get("org_unit", ""))
        period = selectors.parse_form_period(data_set, params.get("period", ""))
        violations = validate_form(user, data_set, unit, period)
    except IocError as exc:
        return ValidationResult(error=exc.message, status=exc.status)
    groups = []
    for importance, label in ValidationRule.Importance.choices:
        found = [v for v in violations if v.importance == importance]
        if found:
            groups.append(ImportanceGroup(importance, str(label), found))
    return ValidationResult(groups)


@dataclass
class CompletionResult:
    ok: bool
    message: str
    problems: list[str] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)  # the empty compulsory cells, "ELEMENT.COC"
    status: int = 200


def complete_form(user: User, params: Mapping[str, str]) -> CompletionResult:
    """Submit the form for approval; when refused, the service's reasons and the empty compulsory cells."""
    try:
        data_set = selectors.entry_data_set(user, params.get("data_set", ""))
        unit = selectors.entry_unit(user, data_set, params.get("org_unit", ""))
        period = selectors.parse_form_period(data_set, params.get("period", ""))
    except IocError as exc:
        return CompletionResult(False, exc.message, status=exc.status)
    try:
        do_complete(user, data_set, unit, period, via=Via.FORM)
    except IocError as exc:
        problems = [e["message"] for e in exc.errors if e.get("field") == MISSING_FIELD and e.get("message")]
        # Which cells: the grid's empty compulsory cells (the rule the service applied), to highlight them.
        cells = (
            [c.key for c in selectors.form_grid(user, data_set, unit, period).compulsory_missing] if problems else []
        )
        return CompletionResult(False, exc.message, problems, cells, status=exc.status)
    return CompletionResult(True, _("The form is submitted for approval. It is read-only until an approver decides."))


def reopen_form(user: User, params: Mapping[str, str]) -> CompletionResult:
    """Withdraw a submission that no approver has decided yet; the form opens for entry again."""
    try:
        data_set = selectors.entry_data_set(user, params.get("data_set", ""))
        unit = selectors.entry_unit(user, data_set, params.get("org_unit", ""))
        period = selectors.parse_form_period(data_set, params.get("period", ""))
        do_reopen(user, data_set, unit, period, via=Via.FORM)
    except IocError as exc:
        return CompletionResult(False, exc.message, status=exc.status)
    return CompletionResult(True, _("The submission is withdrawn; the form is open for entry again."))
