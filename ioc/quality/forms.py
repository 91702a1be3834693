"""Forms of the quality pages: filters (data set, unit subtree, months), a run, the outliers' selection."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ioc.accounts.models import User
from ioc.metadata.models import DataElement, DataSet, PeriodType, ValidationRule
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import visible_units
from ioc.quality.selectors import NUMERIC_TYPES

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_start(text: str) -> dt.date | None:
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def month_end(start: dt.date) -> dt.date:
    following = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


class MonthField(forms.CharField):
    """A month as YYYY-MM (the browser's month input); cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2025-01", "pattern": r"\d{4}-\d{2}"})

    def to_python(self, value: Any) -> dt.date | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        start = month_start(text)
        if start is None:
            raise forms.ValidationError(_("Expected a month as YYYY-MM, got '%(value)s'") % {"value": text})
        return start


def unit_choices(user: User) -> list[tuple[str, str]]:
    """The units the user sees, as a tree (indented by level), by uid; closed units say so."""
    units = visible_units(user).order_by("path")
    roots_level = min((u.level for u in units), default=1)
    out = []
    for unit in units:
        indent = "\u2003" * max(0, unit.level - roots_level)
        label = f"{indent}{unit.name} ({unit.code})"
        if unit.closed:
            label += " — " + _("closed %(date)s") % {"date": unit.closed.strftime("%d/%m/%Y")}
        out.append((unit.uid, label))
    return out


class _ScopeForm(forms.Form):
    """The unit subtree and months common to the pages; `user` fills the unit choices."""

    org_unit = forms.ChoiceField(label=gettext_lazy("Unit and everything below it"), required=False)
    data_set = forms.ModelChoiceField(
        DataSet.objects.order_by("code"), label=gettext_lazy("Data set"), required=False, to_field_name="code"
    )
    start = MonthField(label=gettext_lazy("From month"), required=False)
    end = MonthField(label=gettext_lazy("To month"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = unit_choices(user)
        field = self.fields["org_unit"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All the units you see")), *choices]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The last month is before the first"))
        return data

    def unit(self) -> OrgUnit | None:
        uid = self.cleaned_data.get("org_unit")
        return OrgUnit.objects.filter(uid=uid).first() if uid else None

    def end_date(self) -> dt.date | None:
        end = self.cleaned_data.get("end")
        return month_end(end) if end else None


class ResultFilterForm(_ScopeForm):
    importance = forms.ChoiceField(
        label=gettext_lazy("Importance"),
        required=False,
        choices=[("", gettext_lazy("All")), *ValidationRule.Importance.choices],
    )
    show_resolved = forms.BooleanField(label=gettext_lazy("Include resolved"), required=False)


class FollowUpFilterForm(_ScopeForm):
    pass


class RunForm(_ScopeForm):
    start = MonthField(label=gettext_lazy("From month"))
    end = MonthField(label=gettext_lazy("To month"))
    rules = forms.ModelMultipleChoiceField(
        ValidationRule.objects.order_by("code"),
        label=gettext_lazy("Rules (none chosen: every rule)"),
        required=False,
        to_field_name="code",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=2000)


class OutlierForm(forms.Form):
    element = forms.ModelChoiceField(
        DataElement.objects.none(), label=gettext_lazy("Data element"), to_field_name="code"
    )
    org_unit = forms.ChoiceField(label=gettext_lazy("Unit and everything below it"), required=False)
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=1900, max_value=2199)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        element = self.fields["element"]
        assert isinstance(element, forms.ModelChoiceField)
        element.queryset = (
            DataElement.objects.filter(value_type__in=NUMERIC_TYPES, data_sets__period_type=PeriodType.MONTHLY)
            .distinct()
            .order_by("code")
        )
        unit = self.fields["org_unit"]
        assert isinstance(unit, forms.ChoiceField)
        unit.choices = [("", _("All the units you see")), *unit_choices(user)]

    def unit(self) -> OrgUnit | None:
        uid = self.cleaned_data.get("org_unit")
        return OrgUnit.objects.filter(uid=uid).first() if uid else None
