"""The forms of the import page: the upload (file and options) and the template download."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ioc.ingest.rows import max_bytes

ACCEPTED = (".xlsx", ".csv", ".json", ".xml", ".adx")
ACCEPT_ATTR = ",".join(ACCEPTED)

STRATEGY_CHOICES = [
    ("CREATE_AND_UPDATE", gettext_lazy("Add new values and update stored ones")),
    ("CREATE", gettext_lazy("Only add new values (keep stored ones)")),
    ("UPDATE", gettext_lazy("Only update stored values")),
    ("DELETE", gettext_lazy("Delete the values listed in the file")),
]
ID_SCHEME_CHOICES = [
    ("", gettext_lazy("Codes or uids (automatic)")),
    ("code", gettext_lazy("Codes")),
    ("uid", gettext_lazy("Uids")),
    ("name", gettext_lazy("Names")),
]


def size_text(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("Excel template (.xlsx), CSV, JSON (dataValueSets) or ADX (.xml)"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTR}),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run: check the file and report, write nothing"), required=False
    )
    strategy = forms.ChoiceField(
        label=gettext_lazy("What to do"), choices=STRATEGY_CHOICES, initial="CREATE_AND_UPDATE"
    )
    partial = forms.BooleanField(
        label=gettext_lazy("Write the valid rows even if some rows are bad"),
        help_text=gettext_lazy("Without this, one bad row means nothing is written."),
        required=False,
    )
    id_scheme = forms.ChoiceField(
        label=gettext_lazy("Identifiers in the file"), choices=ID_SCHEME_CHOICES, required=False
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        limit = max_bytes()
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size)s; the limit is %(limit)s. Split it into smaller files.")
                % {"size": size_text(upload.size), "limit": size_text(limit)}
            )
        if name.endswith(".xls"):
            raise forms.ValidationError(_("Old Excel files (.xls) cannot be read; save the file as .xlsx"))
        if not name.endswith(ACCEPTED):
            raise forms.ValidationError(
                _("Unknown kind of file '%(name)s'; upload an .xlsx, .csv, .json or .xml (ADX) file")
                % {"name": upload.name}
            )
        return upload


class TemplateForm(forms.Form):
    """The template download (GET): the choices are filled in by the view from the user's scope."""

    data_set = forms.ChoiceField(label=gettext_lazy("Data set"))
    org_unit = forms.ChoiceField(label=gettext_lazy("Unit (with the units under it)"))
    period = forms.CharField(
        label=gettext_lazy("Period"),
        max_length=30,
        help_text=gettext_lazy("e.g. 202503 (month), 2025Q1 (quarter), 2025 (year)"),
    )
    with_values = forms.BooleanField(label=gettext_lazy("Fill in the values already entered"), required=False)

    def __init__(self, *args: Any, data_sets: Any = (), units: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["data_set"]).choices = [
            (ds.code, f"{ds.name} ({ds.code})") for ds in data_sets
        ]
        cast(forms.ChoiceField, self.fields["org_unit"]).choices = [
            (u.uid, f"{'— ' * max(0, u.level - min((x.level for x in units), default=u.level))}{u.name} ({u.code})")
            for u in units
        ]
