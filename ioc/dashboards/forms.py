"""The editor's forms (/ops/manage/). They only parse: the services validate (config included) and their
errors come back onto the fields they name (`place_errors`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ioc.core.errors import InvalidInput
from ioc.core.forms import LocalNumberField
from ioc.dashboards.config import DEFAULT_PERIODS, MAX_LIMIT, PERIOD_CHOICES
from ioc.dashboards.models import DEFAULT_WIDTH, MAX_ROTATE_SECONDS, MIN_ROTATE_SECONDS, ItemKind
from ioc.metadata.models import Sector

PERIOD_LABELS = {
    "LAST_12_MONTHS": _("Last 12 months"),
    "LAST_3_MONTHS": _("Last 3 months"),
    "MONTHS_THIS_YEAR": _("Months of this year"),
    "LAST_4_QUARTERS": _("Last 4 quarters"),
    "LAST_5_YEARS": _("Last 5 years"),
}
# Which config fields each kind has, in the order the form shows them.
CONFIG_FIELDS: dict[str, tuple[str, ...]] = {
    ItemKind.KPI: ("dx", "target", "higher_is_better"),
    ItemKind.CHART: ("dx", "chart", "by", "periods"),
    ItemKind.MAP: ("dx",),
    ItemKind.TABLE: ("dx", "by", "sort", "limit", "periods"),
}
MULTIPLE = {ItemKind.CHART, ItemKind.TABLE}


class DashboardForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=50, help_text=_("letters, digits, '-' and '_'; the tab's address /ops/<code>/")
    )
    name_vi = forms.CharField(label=_("Name (Vietnamese)"), max_length=230)
    name_en = forms.CharField(label=_("Name (English)"), max_length=230, required=False)
    sector = forms.ModelChoiceField(
        label=_("Sector"), queryset=Sector.objects.all(), to_field_name="code", required=False
    )
    sort_order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, required=False)
    is_overview = forms.BooleanField(label=_("Overview (the screen opens on it)"), required=False)
    rotate_seconds = forms.IntegerField(
        label=_("Seconds on the wall display"),
        min_value=MIN_ROTATE_SECONDS,
        max_value=MAX_ROTATE_SECONDS,
        initial=30,
    )

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if data.get("sort_order") is None:
            data.pop("sort_order", None)
        return data


class ItemForm(forms.Form):
    """One item. The config fields depend on the kind; the others are not on the form at all."""

    title_vi = forms.CharField(
        label=_("Title (Vietnamese)"),
        max_length=200,
        required=False,
        help_text=_("empty: the name of the data item"),
    )
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    width = forms.IntegerField(
        label=_("Width"), min_value=1, max_value=12, help_text=_("columns of 12: 3 = a quarter, 6 = half, 12 = full")
    )

    def __init__(
        self, *args: Any, kind: str, dx_choices: list[tuple[str, list[tuple[str, str]]]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["width"].initial = DEFAULT_WIDTH[ItemKind(kind)]
        multiple = kind in MULTIPLE
        if multiple:
            self.fields["dx"] = forms.MultipleChoiceField(
                label=_("Data items"),
                choices=dx_choices,
                help_text=_("one or more; hold Ctrl (⌘ on a Mac) to choose several"),
                widget=forms.SelectMultiple(attrs={"size": 10}),
            )
        else:
            self.fields["dx"] = forms.ChoiceField(label=_("Data item"), choices=[("", "—"), *dx_choices])
        if kind == ItemKind.KPI:
            self.fields["target"] = LocalNumberField(
                label=_("Target"), required=False, help_text=_("empty: no target, no status colour")
            )
            self.fields["higher_is_better"] = forms.ChoiceField(
                label=_("Direction"),
                required=False,
                choices=[
                    ("", _("as the indicator says")),
                    ("yes", _("higher is better")),
                    ("no", _("lower is better")),
                ],
            )
        if kind == ItemKind.CHART:
            self.fields["chart"] = forms.ChoiceField(
                label=_("Chart type"),
                choices=[("line", _("Line")), ("column", _("Columns")), ("bar", _("Bars")), ("area", _("Area"))],
            )
        if kind in MULTIPLE:
            by_choices = [("period", _("by period (a trend)")), ("unit", _("by unit (a comparison)"))]
            if kind == ItemKind.TABLE:
                by_choices.reverse()
            self.fields["by"] = forms.ChoiceField(label=_("Across"), choices=by_choices)
            self.fields["periods"] = forms.ChoiceField(
                label=_("Periods"),
                choices=[(p, PERIOD_LABELS.get(p, p)) for p in PERIOD_CHOICES],
                initial=DEFAULT_PERIODS,
                help_text=_("for a trend: the range ending with the period chosen on the screen"),
            )
        if kind == ItemKind.TABLE:
            self.fields["sort"] = forms.ChoiceField(
                label=_("Order"), choices=[("desc", _("highest first")), ("asc", _("lowest first"))]
            )
            self.fields["limit"] = forms.IntegerField(label=_("Rows"), min_value=1, max_value=MAX_LIMIT, initial=10)

    @staticmethod
    def initial_for(item_kind: str, title_vi: str, title_en: str, width: int, config: dict[str, Any]) -> dict[str, Any]:
        initial: dict[str, Any] = {"title_vi": title_vi, "title_en": title_en, "width": width}
        for name in CONFIG_FIELDS[item_kind]:
            if name in config:
                initial[name] = config[name]
        hib = config.get("higher_is_better")
        initial["higher_is_better"] = "" if hib is None else ("yes" if hib else "no")
        return initial

    def config(self) -> dict[str, Any]:
        data = self.cleaned_data
        config: dict[str, Any] = {}
        for name in CONFIG_FIELDS[self.kind]:
            value = data.get(name)
            if name == "higher_is_better":
                value = None if not value else value == "yes"
            if name == "periods" and data.get("by") != "period":
                continue
            config[name] = value
        return config

    def values(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title_vi": self.cleaned_data["title_vi"],
            "title_en": self.cleaned_data["title_en"],
            "width": self.cleaned_data["width"],
            "config": self.config(),
        }


def _field_of(form: forms.Form, name: str | None) -> str | None:
    """The form field a service error names: "config.dx[1]" → "dx", "config.target" → "target"."""
    if not name:
        return None
    key = name.removeprefix("config.").split("[", 1)[0].split(".", 1)[0]
    return key if key in form.fields else None


def place_errors(form: forms.Form, exc: InvalidInput) -> None:
    """Put each of the service's errors next to the field it names (or on top of the form)."""
    for error in exc.errors or [{"field": None, "message": exc.message}]:
        form.add_error(_field_of(form, error.get("field")), str(error.get("message", "")))
