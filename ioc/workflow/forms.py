"""The filters of the workflow pages, parsed from the query string, and the action form."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ioc.core.errors import InvalidInput
from ioc.core.periods import MONTHLY, Period, parse_period, period_for_date
from ioc.metadata.models import DataSet
from ioc.orgunits.models import OrgUnit
from ioc.workflow.completeness import GROUPS, check_sort

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

GROUP_LABELS = {
    "data_set": gettext_lazy("Data set"),
    "agency": gettext_lazy("Agency"),
    "child": gettext_lazy("Unit below the root"),
    "unit": gettext_lazy("Reporting unit"),
    "period": gettext_lazy("Period"),
}


def last_period(period_type: str, today: dt.date | None = None) -> Period:
    """The latest period of the type that has ended."""
    return period_for_date(period_type, today or timezone.localdate()).previous()


def parse_month(text: str, field: str) -> dt.date:
    match = _MONTH.match((text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise forms.ValidationError(
            _("%(field)s: expected a month as YYYY-MM, got '%(value)s'") % {"field": field, "value": text}
        )
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


class DataSetChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        closed = _(" (closed %(day)s)") % {"day": obj.closed.strftime("%d/%m/%Y")} if obj.closed else ""
        return f"{'— ' * max(obj.level - 1, 0)}{obj.name} ({obj.code}){closed}"


class ApprovalFilter(forms.Form):
    ds = DataSetChoice(
        queryset=DataSet.objects.none(),
        required=False,
        label=gettext_lazy("Data set"),
        to_field_name="code",
        empty_label=gettext_lazy("All data sets"),
    )
    pe = forms.CharField(required=False, label=gettext_lazy("Period"), max_length=20)

    def __init__(self, data: Any, *, data_sets: list[DataSet]) -> None:
        super().__init__(data)
        field = self.fields["ds"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = DataSet.objects.filter(pk__in=[d.pk for d in data_sets]).order_by("code")

    def clean_pe(self) -> Period | None:
        text = (self.cleaned_data.get("pe") or "").strip()
        if not text:
            return None
        try:
            return parse_period(text)
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message) from None


class TreeFilter(ApprovalFilter):
    root = UnitChoice(
        queryset=OrgUnit.objects.none(),
        required=False,
        label=gettext_lazy("From unit"),
        to_field_name="uid",
        empty_label=gettext_lazy("All my units"),
    )

    def __init__(self, data: Any, *, data_sets: list[DataSet], units: Any) -> None:
        super().__init__(data, data_sets=data_sets)
        ds_field = self.fields["ds"]
        assert isinstance(ds_field, forms.ModelChoiceField)
        ds_field.empty_label = None  # one data set at a time: the first unless chosen
        field = self.fields["root"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = units


class CompletenessFilter(forms.Form):
    ds = DataSetChoice(
        queryset=DataSet.objects.none(),
        required=False,
        label=gettext_lazy("Data set"),
        to_field_name="code",
        empty_label=gettext_lazy("All data sets"),
    )
    start = forms.CharField(required=False, label=gettext_lazy("From month"), max_length=7)
    end = forms.CharField(required=False, label=gettext_lazy("To month"), max_length=7)
    root = UnitChoice(
        queryset=OrgUnit.objects.none(),
        required=False,
        label=gettext_lazy("Unit"),
        to_field_name="uid",
        empty_label=gettext_lazy("All my units"),
    )
    group = forms.ChoiceField(
        choices=[(g, GROUP_LABELS[g]) for g in GROUPS], required=False, label=gettext_lazy("Rates by")
    )
    sort = forms.CharField(required=False, max_length=20)

    def __init__(self, data: Any, *, data_sets: list[DataSet], units: Any) -> None:
        super().__init__(data)
        ds_field, root_field = self.fields["ds"], self.fields["root"]
        assert isinstance(ds_field, forms.ModelChoiceField) and isinstance(root_field, forms.ModelChoiceField)
        ds_field.queryset = DataSet.objects.filter(pk__in=[d.pk for d in data_sets]).order_by("code")
        root_field.queryset = units

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        last = last_period(MONTHLY)
        try:
            start = parse_month(data["start"], _("From month")) if data.get("start") else last.shift(-11).start
        except forms.ValidationError as exc:
            self.add_error("start", exc)
            return data
        try:
            end_month = parse_month(data["end"], _("To month")) if data.get("end") else last.start
        except forms.ValidationError as exc:
            self.add_error("end", exc)
            return data
        end = period_for_date(MONTHLY, end_month).end
        if end < start:
            self.add_error("end", _("To month: before the first month"))
            return data
        data["start_date"], data["end_date"] = start, end
        data["group"] = data.get("group") or "data_set"
        data["sort"] = check_sort(data.get("sort"))
        return data


class ActionForm(forms.Form):
    """A transition asked for on a page: which, on which form, and the reason when one is needed."""

    ACTIONS = ("complete", "reopen", "approve", "return", "unapprove")

    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    ds = forms.CharField(max_length=50)
    pe = forms.CharField(max_length=20)
    ou = forms.CharField(max_length=50)
    reason = forms.CharField(required=False, max_length=2000, widget=forms.Textarea)
    next = forms.CharField(required=False, max_length=1000)
