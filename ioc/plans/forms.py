"""The plan editor's forms (plan managers) and the agencies' report forms. They only parse: the services
validate (dates in order, known indicators, an agency's own tasks…) and their errors come back next to the
fields they name (`place_errors`). The evidence file's size is checked here too, before anything is saved."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ioc.accounts.models import Agency
from ioc.core.errors import InvalidInput
from ioc.core.forms import LocalNumberField
from ioc.metadata.models import DataElement, Indicator, ValueType
from ioc.orgunits.models import OrgUnit
from ioc.plans.models import Direction, Plan, SeriesPeriod, Source, TaskStatus
from ioc.plans.services import MAX_ATTACHMENT_BYTES

MAX_EVIDENCE_BYTES = MAX_ATTACHMENT_BYTES  # the services check it again
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def size_text(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".", "," if (get_language() or "vi").startswith("vi") else ".")


class EvidenceFileField(forms.FileField):
    """An attached file of any type, at most MAX_EVIDENCE_BYTES (it is served back only as a download)."""

    def clean(self, data: Any, initial: Any = None) -> Any:
        file = super().clean(data, initial)
        if file and getattr(file, "size", 0) > MAX_EVIDENCE_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; the limit is %(limit)s."),
                params={"size": size_text(file.size), "limit": size_text(MAX_EVIDENCE_BYTES)},
            )
        return file


class AgencyField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"


class AgenciesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"


class UnitField(forms.ModelChoiceField):
    """An org unit by uid, indented by level; closed units say so."""

    def label_from_instance(self, obj: Any) -> str:
        closed = f" ({_('closed')} {obj.closed:%d/%m/%Y})" if obj.closed else ""
        return f"{'— ' * max(0, obj.level - 1)}{obj.name}{closed}"


def _units() -> QuerySet[OrgUnit]:
    return OrgUnit.objects.order_by("path")


def _agencies() -> QuerySet[Agency]:
    return Agency.objects.order_by("code")


class PlanForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=50, help_text=_("letters, digits, '_', '.' and '-'"))
    name_vi = forms.CharField(label=_("Name (Vietnamese)"), max_length=230)
    name_en = forms.CharField(label=_("Name (English)"), max_length=230, required=False)
    decision = forms.CharField(
        label=_("Legal basis"), max_length=200, required=False, help_text=_("e.g. Kế hoạch số 120/KH-UBND")
    )
    org_unit = UnitField(label=_("Organisation unit"), queryset=_units(), to_field_name="uid")
    start = forms.DateField(label=_("Start"), widget=DATE)
    end = forms.DateField(label=_("End"), widget=DATE)
    is_active = forms.BooleanField(label=_("Active (the plan the pages open on)"), required=False)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    @staticmethod
    def initial_for(plan: Plan) -> dict[str, Any]:
        names = ("code", "name_vi", "name_en", "decision", "start", "end", "is_active", "description")
        return {**{n: getattr(plan, n) for n in names}, "org_unit": plan.org_unit.uid}


class PillarForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=50)
    name_vi = forms.CharField(label=_("Name (Vietnamese)"), max_length=230)
    name_en = forms.CharField(label=_("Name (English)"), max_length=230, required=False)
    sort_order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)


class TaskForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=50, help_text=_("e.g. NV01"))
    title_vi = forms.CharField(label=_("Title (Vietnamese)"), max_length=300)
    title_en = forms.CharField(label=_("Title (English)"), max_length=300, required=False)
    pillar: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Pillar"), queryset=None, to_field_name="code", required=False
    )
    lead_agency = AgencyField(label=_("Lead agency"), queryset=_agencies(), to_field_name="code")
    cooperating_agencies = AgenciesField(
        label=_("Cooperating agencies"),
        queryset=_agencies(),
        to_field_name="code",
        required=False,
        help_text=_("hold Ctrl (⌘ on a Mac) to choose several"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    start = forms.DateField(label=_("Start"), required=False, widget=DATE)
    due = forms.DateField(label=_("Due by"), widget=DATE)
    status = forms.ChoiceField(label=_("Status"), choices=TaskStatus.choices, initial=TaskStatus.NOT_STARTED)
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100, initial=0)
    completed = forms.DateField(label=_("Completed on"), required=False, widget=DATE)
    sort_order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, plan: Plan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pillar"].queryset = plan.pillars.order_by("sort_order", "code")  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(task: Any) -> dict[str, Any]:
        names = ("code", "title_vi", "title_en", "start", "due", "status", "progress", "completed", "sort_order")
        return {
            **{n: getattr(task, n) for n in names},
            "description": task.description,
            "pillar": task.pillar.code if task.pillar else None,
            "lead_agency": task.lead_agency.code,
            "cooperating_agencies": [a.code for a in task.cooperating_agencies.all()],
        }


def dx_options() -> list[tuple[str, str]]:
    """The analytics items a live target may follow: indicators, then numeric data elements (an element's
    disaggregation, ELEMENT.COC, may be typed too)."""
    indicators = [(i.code, f"{_('Indicator')}: {i.name}") for i in Indicator.objects.order_by("code")]
    elements = DataElement.objects.exclude(value_type=ValueType.TEXT).order_by("code")
    return indicators + [(e.code, f"{_('Reported data element')}: {e.name}") for e in elements]


TARGET_FIELDS = (
    "code",
    "name_vi",
    "name_en",
    "description",
    "unit",
    "baseline_value",
    "baseline_date",
    "target_value",
    "deadline",
    "direction",
    "mandatory",
    "source",
    "dx",
    "series_period",
    "lower_bound",
    "upper_bound",
    "sort_order",
)


class TargetForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=50, help_text=_("e.g. CT01"))
    name_vi = forms.CharField(label=_("Name (Vietnamese)"), max_length=300)
    name_en = forms.CharField(label=_("Name (English)"), max_length=300, required=False)
    pillar: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Pillar"), queryset=None, to_field_name="code", required=False
    )
    task: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Task"), queryset=None, to_field_name="code", required=False
    )
    responsible_agency = AgencyField(label=_("Responsible agency"), queryset=_agencies(), to_field_name="code")
    mandatory = forms.BooleanField(label=_("Mandatory target"), required=False, initial=True)
    sort_order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)
    unit = forms.CharField(label=_("Unit of measure"), max_length=40, required=False, help_text=_("e.g. %"))
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices, initial=Direction.INCREASE)
    baseline_value = LocalNumberField(label=_("Baseline value"), required=False)
    baseline_date = forms.DateField(label=_("Baseline date"), required=False, widget=DATE)
    target_value = LocalNumberField(label=_("Target value"))
    deadline = forms.DateField(label=_("Deadline"), widget=DATE)
    lower_bound = LocalNumberField(label=_("Lowest possible value"), required=False, help_text=_("for a percentage: 0"))
    upper_bound = LocalNumberField(
        label=_("Highest possible value"),
        required=False,
        help_text=_("for a percentage: 100 (the forecast then fits a curve that cannot pass it)"),
    )
    source = forms.ChoiceField(label=_("Source of values"), choices=Source.choices, initial=Source.MANUAL)
    dx = forms.CharField(
        label=_("Indicator or data element"),
        max_length=120,
        required=False,
        help_text=_("for a live target: type a name or a code and pick from the list"),
        widget=forms.TextInput(attrs={"list": "dx-options", "autocomplete": "off"}),
    )
    org_unit = UnitField(
        label=_("Organisation unit"),
        queryset=_units(),
        to_field_name="uid",
        required=False,
        help_text=_("empty: the plan's unit"),
    )
    series_period = forms.ChoiceField(label=_("History by"), choices=SeriesPeriod.choices, initial=SeriesPeriod.YEARLY)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, plan: Plan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pillar"].queryset = plan.pillars.order_by("sort_order", "code")  # type: ignore[attr-defined]
        self.fields["task"].queryset = plan.tasks.order_by("sort_order", "code")  # type: ignore[attr-defined]

    def clean_dx(self) -> str:
        return str(self.cleaned_data.get("dx") or "").strip()

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if data.get("source") != Source.ANALYTICS:
            data["dx"] = ""  # a manual target keeps no indicator: its values are the reports
        return data

    @staticmethod
    def initial_for(target: Any) -> dict[str, Any]:
        return {
            **{n: getattr(target, n) for n in TARGET_FIELDS},
            "pillar": target.pillar.code if target.pillar else None,
            "task": target.task.code if target.task else None,
            "responsible_agency": target.responsible_agency.code,
            "org_unit": target.org_unit.uid if target.org_unit else None,
        }

    # The groups of fields the page shows, in order.
    GROUPS = (
        (_("The target"), ("code", "name_vi", "name_en", "pillar", "task", "responsible_agency", "mandatory")),
        (
            _("Baseline and target"),
            ("unit", "direction", "baseline_value", "baseline_date", "target_value", "deadline"),
        ),
        (_("Bounds of the quantity"), ("lower_bound", "upper_bound")),
        (_("Where the values come from"), ("source", "dx", "org_unit", "series_period")),
        (_("More"), ("sort_order", "description")),
    )


class MilestoneForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    value = LocalNumberField(label=_("Value"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


MilestoneFormSet = forms.formset_factory(MilestoneForm, extra=2, can_delete=True, max_num=20, validate_max=True)


def milestones_of(formset: Any) -> list[tuple[Any, float, str]]:
    """The kept rows of a valid formset (blank extra rows and rows ticked for removal are left out)."""
    rows = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        rows.append((data["date"], data["value"], data.get("note") or ""))
    return rows


STATUS_UNCHANGED = [("", _("(unchanged)")), *TaskStatus.choices]


class TaskUpdateForm(forms.Form):
    text = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    progress = forms.IntegerField(
        label=_("New progress (%)"), min_value=0, max_value=100, required=False, help_text=_("empty: unchanged")
    )
    status = forms.ChoiceField(label=_("New status"), choices=STATUS_UNCHANGED, required=False)
    link = forms.URLField(label=_("Evidence link"), max_length=500, required=False, assume_scheme="https")
    attachment = EvidenceFileField(label=_("Attached file"), required=False, help_text=_("any type, at most 10 MB"))

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "text": data["text"],
            "link": data.get("link") or "",
            "attachment": data.get("attachment") or None,
            "progress": data.get("progress"),
            "status": data.get("status") or None,
        }


class TargetReportForm(forms.Form):
    date = forms.DateField(
        label=_("As of"), widget=DATE, help_text=_("a value for a date already reported replaces it")
    )
    value = LocalNumberField(label=_("Value"))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    link = forms.URLField(label=_("Evidence link"), max_length=500, required=False, assume_scheme="https")
    attachment = EvidenceFileField(label=_("Attached file"), required=False, help_text=_("any type, at most 10 MB"))

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "date": data["date"],
            "value": data["value"],
            "note": data.get("note") or "",
            "link": data.get("link") or "",
            "attachment": data.get("attachment") or None,
        }


def place_errors(form: forms.Form, exc: InvalidInput, formset: Any = None) -> None:
    """Put each of the service's errors next to the field it names (the milestones' above their rows), or on
    top of the form."""
    for error in exc.errors or [{"field": None, "message": exc.message}]:
        name = str(error.get("field") or "")
        message = str(error.get("message", "")) or exc.message
        key = name.split("[", 1)[0].split(".", 1)[0]
        if key == "milestones" and formset is not None:
            formset.non_form_errors().append(message)
        else:
            form.add_error(key if key in form.fields else None, message)
