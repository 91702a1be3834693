"""Form fields shared by the apps' editors (dashboards, plans)."""

from __future__ import annotations

import math
import re
from typing import Any

from django import forms
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class LocalNumberField(forms.Field):
    """A number as people type it in the active language: "1.200,5" or "95,5" in Vietnamese, "1,200.5" in
    English; a lone decimal point ("95.5") is read as such in both."""

    def to_python(self, value: Any) -> float | None:
        text = str(value if value is not None else "").strip().replace(" ", "").replace("\u00a0", "")
        if not text:
            return None
        vietnamese = (get_language() or "vi").startswith("vi")
        decimal, thousands = (",", ".") if vietnamese else (".", ",")
        grouped = re.compile(rf"^[+-]?\d{{1,3}}(\{thousands}\d{{3}})+(\{decimal}\d+)?$")
        if grouped.match(text):
            text = text.replace(thousands, "")
        elif thousands in text and not (text.count(".") == 1 and "," not in text):
            raise forms.ValidationError(_("'%(value)s' is not a number"), params={"value": value})
        try:
            number = float(text.replace(decimal, "."))
        except ValueError:
            raise forms.ValidationError(_("'%(value)s' is not a number"), params={"value": value}) from None
        if not math.isfinite(number):
            raise forms.ValidationError(_("'%(value)s' is not a number"), params={"value": value})
        return number

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, float | int) and not isinstance(value, bool):
            # 80 rather than "80,0": a whole number reads as one.
            return number_format(int(value) if float(value).is_integer() else value)
        return value
