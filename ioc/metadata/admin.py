"""Every metadata model in the Django admin. Saves and deletes go through ioc.metadata.services (validated
and audited with via="admin"); each form first runs the service as a dry run, so an expression that does not
parse, a code that does not exist or a TEXT element aggregated by SUM is shown on the form, never a 500.

Category option combos are generated from their combo: only their uid can be edited.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from ioc.accounts.models import User
from ioc.accounts.permissions import Action, can
from ioc.audit.models import Via
from ioc.core.errors import InvalidInput
from ioc.core.uid import generate_uid
from ioc.metadata import services
from ioc.metadata.models import (
    Category,
    CategoryCombo,
    CategoryOption,
    CategoryOptionCombo,
    DataElement,
    DataSet,
    DataSetElement,
    Indicator,
    Sector,
    ValidationRule,
)


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _detached(obj: models.Model) -> Any:
    """A copy to dry-run a service with, sharing no state with the form's instance."""
    clone = copy.copy(obj)
    clone._state = copy.copy(obj._state)
    clone._state.fields_cache = dict(getattr(obj._state, "fields_cache", {}))
    return clone


def _add_errors(form: forms.BaseForm, errors: list[dict[str, Any]]) -> None:
    for error in errors:
        name = error.get("field")
        form.add_error(name if name in form.fields else None, str(error.get("message", "")))


class ServiceCheckedForm(forms.ModelForm):
    """After the model's own checks, dry-run the service on the edited object and show its errors."""

    def service_check(self, obj: Any) -> None:  # overridden per model
        raise NotImplementedError

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        if not self.errors:
            _add_errors(self, services.dry_run(lambda: self.service_check(_detached(self.instance))))


class MetadataAdmin(admin.ModelAdmin):
    """Viewing needs the view-metadata right, changing the manage-metadata right (operator, admin), as well
    as Django's model permissions. Deleting goes through services.do_delete; an error is a message."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can(request.user, Action.VIEW_METADATA) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can(request.user, Action.VIEW_METADATA) and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return can(request.user, Action.MANAGE_METADATA) and super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can(request.user, Action.MANAGE_METADATA) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can(request.user, Action.MANAGE_METADATA) and super().has_delete_permission(request, obj)

    def save_with_service(self, request: HttpRequest, obj: Any, form: forms.ModelForm, formsets: Any) -> None:
        raise NotImplementedError

    # The object and its relations are written together, by one service call, in save_related.
    def save_model(self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool) -> None:
        pass

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        self.save_with_service(request, form.instance, form, formsets)
        for formset in formsets:  # what the admin's change message reads; the audit entry has the details
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.do_delete(_user(request), obj, via=Via.ADMIN)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            services.do_delete(_user(request), obj, via=Via.ADMIN)

    def _safely(self, request: HttpRequest, view: Callable[[], HttpResponse]) -> HttpResponse:
        """A rule the form could not check (e.g. option combos that hold values) becomes a message; the
        view's transaction has been rolled back."""
        try:
            return view()
        except InvalidInput as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        return self._safely(
            request, lambda: super(MetadataAdmin, self).changeform_view(request, object_id, form_url, extra_context)
        )

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        return self._safely(request, lambda: super(MetadataAdmin, self).delete_view(request, object_id, extra_context))

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        return self._safely(request, lambda: super(MetadataAdmin, self).changelist_view(request, extra_context))


# ----- sectors -------------------------------------------------------------------------------------------


class SectorForm(ServiceCheckedForm):
    class Meta:
        model = Sector
        fields = ["code", "name_vi", "name_en", "sort_order"]

    def service_check(self, obj: Any) -> None:
        services.do_save_sector(None, obj)


@admin.register(Sector)
class SectorAdmin(MetadataAdmin):
    form = SectorForm
    list_display = ("code", "name_vi", "name_en", "sort_order")
    list_editable = ()
    search_fields = ("code", "name_vi", "name_en")

    def save_with_service(self, request: HttpRequest, obj: Any, form: forms.ModelForm, formsets: Any) -> None:
        services.do_save_sector(_user(request), obj, via=Via.ADMIN)


# ----- categories ----------------------------------------------------------------------------------------


class OptionFormSet(forms.BaseInlineFormSet):
    """Dry-runs do_save_category with the options as they will be, so that removing an option whose
    option combos hold values is refused on the form."""

    def options(self) -> list[services.OptionData]:
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("code"):
                continue
            rows.append((data.get("sort_order") or 0, data))
        rows.sort(key=lambda r: r[0])
        return [
            services.OptionData(d["code"], d.get("name_vi") or "", d.get("name_en") or "", d.get("uid") or None)
            for _order, d in rows
        ]

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        category = _detached(self.instance)
        if category.pk is None and Category.objects.filter(code=category.code).exists():
            return  # the category form reports the duplicate code
        errors = services.dry_run(lambda: services.do_save_category(None, category, self.options()))
        if errors:
            raise forms.ValidationError([str(e.get("message")) for e in errors])


class OptionForm(forms.ModelForm):
    """The uid may be left empty on a new row (rows added in the browser would otherwise share one)."""

    class Meta:
        model = CategoryOption
        fields = ["sort_order", "code", "name_vi", "name_en", "uid"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["uid"].required = False
        self.fields["uid"].show_hidden_initial = False
        if self.instance.pk is None:
            self.initial["uid"] = ""

    def clean_uid(self) -> str:
        return self.cleaned_data.get("uid") or (self.instance.uid if self.instance.pk else generate_uid())


class OptionInline(admin.TabularInline):
    model = CategoryOption
    form = OptionForm
    formset = OptionFormSet
    fields = ("sort_order", "code", "name_vi", "name_en", "uid")
    extra = 1
    ordering = ("sort_order", "code")


class CategoryForm(ServiceCheckedForm):
    class Meta:
        model = Category
        fields = ["code", "name_vi", "name_en", "uid"]

    def service_check(self, obj: Any) -> None:
        services.do_save_category(None, obj)


@admin.register(Category)
class CategoryAdmin(MetadataAdmin):
    form = CategoryForm
    inlines = [OptionInline]
    list_display = ("code", "name_vi", "name_en", "option_list")
    search_fields = ("code", "name_vi", "name_en", "uid", "category_options__code", "category_options__name_vi")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        return super().get_queryset(request).prefetch_related("category_options")

    @admin.display(description=_("options"))
    def option_list(self, obj: Category) -> str:
        return ", ".join(o.name_vi for o in sorted(obj.category_options.all(), key=lambda o: (o.sort_order, o.code)))

    def save_with_service(self, request: HttpRequest, obj: Any, form: forms.ModelForm, formsets: Any) -> None:
        options = next((fs.options() for fs in formsets if isinstance(fs, OptionFormSet)), None)
        services.do_save_category(_user(request), obj, options, via=Via.ADMIN)


class OptionComboInline(admin.TabularInline):
    model = CategoryOptionCombo
    fields = ("sort_order", "code", "name_vi", "name_en", "uid")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ("sort_order",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CategoryComboForm(ServiceCheckedForm):
    category_codes = forms.CharField(
        label=_("categories"),
        required=False,
        help_text=_(
            "Category codes in order, separated by commas (e.g. SEX, SCHOOL_LEVEL); the order decides the "
            "option combos' names. Empty only for 'default'."
        ),
    )

    class Meta:
        model = CategoryCombo
        fields = ["code", "name_vi", "name_en", "uid"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["category_codes"] = ", ".join(c.code for c in services.ordered_categories(self.instance))

    def clean_category_codes(self) -> list[Category]:
        codes = [c.strip() for c in (self.cleaned_data.get("category_codes") or "").split(",") if c.strip()]
        found = {c.code: c for c in Category.objects.filter(code__in=codes)}
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise forms.ValidationError(_("Unknown category code(s): %(codes)s") % {"codes": ", ".join(unknown)})
        return [found[c] for c in codes]

    def service_check(self, obj: Any) -> None:
        services.do_save_category_combo(None, obj, self.cleaned_data.get("category_codes") or [])


@admin.register(CategoryCombo)
class CategoryComboAdmin(MetadataAdmin):
    form = CategoryComboForm
    inlines = [OptionComboInline]
    list_display = ("code", "name_vi", "name_en", "category_list")
    search_fields = ("code", "name_vi", "name_en", "uid")

    @admin.display(description=_("categories"))
    def category_list(self, obj: CategoryCombo) -> str:
        return ", ".join(c.code for c in services.ordered_categories(obj))

    def save_with_service(self, request: HttpRequest, obj: Any, form: forms.ModelForm, formsets: Any) -> None:
        categories = form.cleaned_data.get("category_codes") or []
        services.do_save_category_combo(_user(request), obj, categories, via=Via.ADMIN)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.code == services.DEFAULT_CODE:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(CategoryOptionCombo)
class CategoryOptionComboAdmin(MetadataAdmin):
    fields = ("code", "name_vi", "name_en", "combo", "option_list", "sort_order", "uid")
    readonly_fields = ("code", "name_vi", "name_en", "combo", "option_list", "sort_order")
    list_display = ("code", "name_vi", "name_en", "combo", "uid")
    list_filter = ("combo",)
    list_select_related = ("combo",)
    search_fields = ("code", "name_vi", "name_en", "uid")

    @admin.display(description=_("options"))
    def option_list(self, obj: CategoryOptionCombo) -> str:
        return ", ".join(o.code for o in obj.options.all())

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # generated from their combo

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # removed by changing the combo's categories or options

    def save_with_service(self, request: HttpRequest, obj: Any, form: forms.ModelForm, formsets: Any) -> None:
        services.do_set_option_combo_uid(_user(request), obj, obj.uid, via=Via.ADMIN)


# ----- data elements -------------------------------------------------------------------------------------


class DataElementForm(ServiceCheckedForm):
    class Meta:
        model = DataElement
        fields = [
            "code", "uid", "name_vi", "name_en", "short_name", "description", "value_type", "aggregation_type",
            "unit", "sector", "category_combo", "min_value", "max_value", "zero_is_significant", "synthetic",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        combo = self.fields["category_combo"]
        combo.required = False
        combo.help_text = _("Empty: no disaggregation (the 'default' combo).")
        if self.instance.pk is None:
            combo.initial = (
                CategoryCombo.objects.filter(code=services.DEFAULT_CODE).values_list("pk", flat=True).first()
            )

    def clean_category_combo(self) -> CategoryCombo:
        return self.cleaned_data.get("category_combo") or services.default_combo()

    def service_check(self, obj: Any) -> None:
        services.do_save_data_element(None, obj)


@admin.register(DataElement)
class DataElementAdmin(MetadataAdmin):
    form = DataElementForm
    list_display = (
        "code",
        "name_vi",
        "value_type",
        "aggregation_type",
        "unit",
        "sector",
        "category_combo",
        "synthetic",
    )
    list_filter = ("value_type", "aggregation_type", "sector", "category_combo", "synthetic")
    list_select_related = ("sector", "category_combo")
    search_fields = ("code", "uid", "name_vi", "name_en", "short_name")

    def save_with_service(self, request: HttpRequest, obj: Any, form: forms.ModelForm, formsets: Any) -> None:
        services.do_save_data_element(_user(request), obj, via=Via.ADMIN)


# ----- data sets -----------------------------------------------------------------------------------------


class DataSetElementInline(admin.TabularInline):
    model = DataSetElement
    fields = ("sort_order", "data_element", "compulsory")
    autocomplete_fields = ("data_element",)
    extra = 1
    ordering = ("sort_order", "id")


class DataSetForm(ServiceCheckedForm):
    class Meta:
        model = DataSet
        fields = [
            "code", "uid", "name_vi", "name_en", "description", "period_type", "sector", "agency", "expiry_days",
            "timely_days", "open_future_periods", "synthetic", "org_units",
        ]  # fmt: skip

    def service_check(self, obj: Any) -> None:
        services.do_save_data_set(None, obj)


@admin.register(DataSet)
class DataSetAdmin(MetadataAdmin):
    form = DataSetForm
    inlines = [DataSetElementInline]
    list_display = ("code", "name_vi", "period_type", "sector", "agency", "synthetic")
    list_filter = ("period_type", "sector", "synthetic")
    list_select_related = ("sector", "agency")
    search_fields = ("code", "uid", "name_vi", "name_en")
    autocomplete_fields = ("org_units", "agency")

    def save_with_service(self, request: HttpRequest, obj: Any, form: forms.ModelForm, formsets: Any) -> None:
        rows: list[tuple[int, int, DataElement]] = []
        compulsory: list[DataElement] = []
        for formset in formsets:
            if formset.model is not DataSetElement:
                continue
            for f in formset.forms:
                data = getattr(f, "cleaned_data", None)
                if data and not data.get("DELETE") and data.get("data_element") is not None:
                    rows.append((data.get("sort_order") or 0, len(rows), data["data_element"]))
                    if data.get("compulsory"):
                        compulsory.append(data["data_element"])
        elements = [element for _order, _i, element in sorted(rows, key=lambda r: (r[0], r[1]))]
        services.do_save_data_set(
            _user(request),
            obj,
            elements=elements,
            org_units=list(form.cleaned_data.get("org_units") or []),
            compulsory=compulsory,
            via=Via.ADMIN,
        )


# ----- indicators, validation rules ----------------------------------------------------------------------


class IndicatorForm(ServiceCheckedForm):
    class Meta:
        model = Indicator
        fields = [
            "code", "uid", "name_vi", "name_en", "short_name", "description", "numerator", "numerator_description",
            "denominator", "denominator_description", "factor", "decimals", "unit", "sector", "higher_is_better",
            "synthetic",
        ]  # fmt: skip
        widgets = {"numerator": forms.Textarea(attrs={"rows": 2}), "denominator": forms.Textarea(attrs={"rows": 2})}

    def service_check(self, obj: Any) -> None:
        services.do_save_indicator(None, obj)


@admin.register(Indicator)
class IndicatorAdmin(MetadataAdmin):
    form = IndicatorForm
    list_display = ("code", "name_vi", "numerator", "denominator", "factor", "sector", "synthetic")
    list_filter = ("sector", "higher_is_better", "synthetic")
    list_select_related = ("sector",)
    search_fields = ("code", "uid", "name_vi", "name_en", "numerator", "denominator")

    def save_with_service(self, request: HttpRequest, obj: Any, form: forms.ModelForm, formsets: Any) -> None:
        services.do_save_indicator(_user(request), obj, via=Via.ADMIN)


class ValidationRuleForm(ServiceCheckedForm):
    class Meta:
        model = ValidationRule
        fields = [
            "code", "uid", "name_vi", "name_en", "description", "instruction", "left", "operator", "right",
            "importance", "period_type",
        ]  # fmt: skip
        widgets = {"left": forms.Textarea(attrs={"rows": 2}), "right": forms.Textarea(attrs={"rows": 2})}

    def service_check(self, obj: Any) -> None:
        services.do_save_validation_rule(None, obj)


@admin.register(ValidationRule)
class ValidationRuleAdmin(MetadataAdmin):
    form = ValidationRuleForm
    list_display = ("code", "name_vi", "left", "operator", "right", "importance", "period_type")
    list_filter = ("importance", "period_type", "operator")
    search_fields = ("code", "uid", "name_vi", "name_en", "left", "right")

    def save_with_service(self, request: HttpRequest, obj: Any, form: forms.ModelForm, formsets: Any) -> None:
        services.do_save_validation_rule(_user(request), obj, via=Via.ADMIN)
