"""Writing metadata: every create, update and delete goes through a do_* function here.

The functions take the acting user first (None for the command line without --user), validate the whole
object (model checks, codes, value/aggregation types, expressions and the codes they reference), write,
and record one audit entry when something changed. An object whose fields are all as stored is left alone
and reported "unchanged", so loading the same configuration twice writes nothing.

Callers build or change the model instance (the admin form's instance, the config loader's, the API's) and
pass it with its ordered relations; the service compares it with what is stored.

The shared helpers (Outcome, Problems, the audited write) are in services_common; categories, combos and
option combos in services_categories. Both are re-exported here, so callers import ioc.metadata.services.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from ioc.audit.models import Via
from ioc.audit.services import record
from ioc.core.errors import InvalidInput
from ioc.metadata import expressions
from ioc.metadata.models import (
    AggregationType,
    Category,
    CategoryCombo,
    CategoryOptionCombo,
    DataElement,
    DataSet,
    DataSetElement,
    Indicator,
    Sector,
    ValidationRule,
    ValueType,
)
from ioc.metadata.services_categories import (
    Generated,
    OptionData,
    default_combo,
    do_generate_option_combos,
    do_save_category,
    do_save_category_combo,
    do_set_option_combo_uid,
    ordered_categories,
)
from ioc.metadata.services_common import (
    CODE_RE,
    DEFAULT_CODE,
    Action,
    Outcome,
    Problems,
    UserOrNone,
    _check_code,
    _full_clean,
    _stored,
    _write,
    dry_run,
    snapshot,
)
from ioc.orgunits.models import OrgUnit

__all__ = [
    "ALLOWED_AGGREGATIONS",
    "CODE_RE",
    "DEFAULT_CODE",
    "Action",
    "Generated",
    "OptionData",
    "Outcome",
    "Problems",
    "UserOrNone",
    "default_combo",
    "do_delete",
    "do_generate_option_combos",
    "do_save_category",
    "do_save_category_combo",
    "do_save_data_element",
    "do_save_data_set",
    "do_save_indicator",
    "do_save_sector",
    "do_save_validation_rule",
    "do_set_option_combo_uid",
    "dry_run",
    "ordered_categories",
    "snapshot",
]

ALLOWED_AGGREGATIONS: dict[str, tuple[str, ...]] = {
    ValueType.INTEGER: tuple(AggregationType.values),
    ValueType.NUMBER: tuple(AggregationType.values),
    ValueType.PERCENTAGE: (AggregationType.AVERAGE, AggregationType.LAST, AggregationType.MIN, AggregationType.MAX),
    ValueType.BOOLEAN: (AggregationType.SUM, AggregationType.AVERAGE, AggregationType.LAST),
    ValueType.TEXT: (AggregationType.LAST,),
}


# ----- sectors ----------------------------------------------------------------------------------


@transaction.atomic
def do_save_sector(user: UserOrNone, sector: Sector, *, via: str = Via.CLI) -> Outcome:
    problems = Problems()
    _check_code(problems, sector.code)
    _full_clean(problems, sector)
    problems.raise_if_any()
    return _write(user, sector, via=via, before=_stored(sector))


# ----- data elements ----------------------------------------------------------------------------


def _check_data_element(problems: Problems, element: DataElement) -> None:
    allowed = ALLOWED_AGGREGATIONS.get(element.value_type)
    if allowed is not None and element.aggregation_type not in allowed:
        problems.add(
            "aggregation_type",
            _("a {value_type} element cannot aggregate by {aggregation}; use one of {allowed}").format(
                value_type=element.value_type, aggregation=element.aggregation_type, allowed=", ".join(allowed)
            ),
        )
    if element.value_type == ValueType.TEXT and (element.min_value is not None or element.max_value is not None):
        problems.add("min_value", _("a TEXT element has no minimum or maximum"))
    if element.min_value is not None and element.max_value is not None and element.min_value > element.max_value:
        problems.add(
            "max_value",
            _("the maximum {max} is below the minimum {min}").format(max=element.max_value, min=element.min_value),
        )
    if element.pk is None:
        return
    stored = DataElement.objects.filter(pk=element.pk).values("value_type", "category_combo_id").first()
    if stored is None:
        return
    type_changes_kind = (stored["value_type"] == ValueType.TEXT) != (element.value_type == ValueType.TEXT)
    combo_changes = stored["category_combo_id"] != element.category_combo_id
    if (type_changes_kind or combo_changes) and element.values.exists():
        if type_changes_kind:
            problems.add(
                "value_type",
                _("the element has values: it cannot change from {old} to {new}").format(
                    old=stored["value_type"], new=element.value_type
                ),
            )
        if combo_changes:
            problems.add("category_combo", _("the element has values: its disaggregation cannot change"))


@transaction.atomic
def do_save_data_element(user: UserOrNone, element: DataElement, *, via: str = Via.CLI) -> Outcome:
    problems = Problems()
    _check_code(problems, element.code)
    if element.category_combo_id is None:
        element.category_combo = default_combo()
    _full_clean(problems, element)
    _check_data_element(problems, element)
    problems.raise_if_any()
    return _write(user, element, via=via, before=_stored(element))


# ----- data sets --------------------------------------------------------------------------------


@transaction.atomic
def do_save_data_set(
    user: UserOrNone,
    data_set: DataSet,
    *,
    elements: Sequence[DataElement] | None = None,
    org_units: Iterable[OrgUnit] | None = None,
    compulsory: Iterable[DataElement | str] | None = None,
    via: str = Via.CLI,
) -> Outcome:
    """Create or update a data set; `elements` (ordered) and `org_units`, when given, replace the stored ones.

    `compulsory`: the elements (or their codes) whose every cell must be filled before the form can be
    completed; each must be one of the data set's elements. None keeps the stored flags of the elements
    that stay."""
    problems = Problems()
    _check_code(problems, data_set.code)
    _full_clean(problems, data_set)
    element_list = list(elements) if elements is not None else None
    if element_list is not None:
        codes = [e.code for e in element_list]
        for code in sorted({c for c in codes if codes.count(c) > 1}):
            problems.add("elements", _("data element '{code}' appears twice").format(code=code))

    old_elements: list[str] = []
    old_units: list[int] = []
    old_compulsory: list[str] = []
    if data_set.pk is not None:
        links = list(
            DataSetElement.objects.filter(data_set_id=data_set.pk)
            .order_by("sort_order", "id")
            .values_list("data_element__code", "compulsory")
        )
        old_elements = [code for code, _flag in links]
        old_compulsory = sorted(code for code, flag in links if flag)
        old_units = sorted(data_set.org_units.values_list("pk", flat=True))
    unit_list = list(org_units) if org_units is not None else None
    new_elements = [e.code for e in element_list] if element_list is not None else old_elements
    new_units = sorted({u.pk for u in unit_list}) if unit_list is not None else old_units
    if compulsory is None:
        new_compulsory = [code for code in old_compulsory if code in new_elements]
    else:
        new_compulsory = sorted({c if isinstance(c, str) else c.code for c in compulsory})
        for code in new_compulsory:
            if code not in new_elements:
                problems.add(
                    "compulsory",
                    _("data element '{code}' is marked compulsory but is not an element of the data set").format(
                        code=code
                    ),
                )
    problems.raise_if_any()

    def apply() -> None:
        if element_list is not None and new_elements != old_elements:
            DataSetElement.objects.filter(data_set_id=data_set.pk).delete()
            DataSetElement.objects.bulk_create(
                [
                    DataSetElement(data_set=data_set, data_element=e, sort_order=i, compulsory=e.code in new_compulsory)
                    for i, e in enumerate(element_list)
                ]
            )
        elif new_compulsory != old_compulsory:
            links = DataSetElement.objects.filter(data_set_id=data_set.pk)
            links.filter(data_element__code__in=new_compulsory).update(compulsory=True)
            links.exclude(data_element__code__in=new_compulsory).update(compulsory=False)
        if unit_list is not None and new_units != old_units:
            data_set.org_units.set(unit_list)

    return _write(
        user,
        data_set,
        via=via,
        before=_stored(data_set),
        relations={
            "elements": (old_elements, new_elements),
            "org_units": (old_units, new_units),
            "compulsory": (old_compulsory, new_compulsory),
        },
        apply_relations=apply,
    )


# ----- indicators, validation rules -------------------------------------------------------------


def _check_expression(problems: Problems, field_name: str, text: str) -> None:
    if text is None or not str(text).strip():
        problems.add(field_name, _("the expression is empty"))
        return
    try:
        expressions.check(text)
    except InvalidInput as exc:
        problems.add(field_name, exc.message)


@transaction.atomic
def do_save_indicator(user: UserOrNone, indicator: Indicator, *, via: str = Via.CLI) -> Outcome:
    problems = Problems()
    _check_code(problems, indicator.code)
    _full_clean(problems, indicator, exclude=["numerator", "denominator"])
    _check_expression(problems, "numerator", indicator.numerator)
    _check_expression(problems, "denominator", indicator.denominator)
    if indicator.factor == 0:
        problems.add("factor", _("the factor cannot be 0"))
    if indicator.decimals is not None and indicator.decimals > 10:
        problems.add("decimals", _("at most 10 decimals"))
    problems.raise_if_any()
    return _write(user, indicator, via=via, before=_stored(indicator))


@transaction.atomic
def do_save_validation_rule(user: UserOrNone, rule: ValidationRule, *, via: str = Via.CLI) -> Outcome:
    problems = Problems()
    _check_code(problems, rule.code)
    _full_clean(problems, rule, exclude=["left", "right"])
    _check_expression(problems, "left", rule.left)
    _check_expression(problems, "right", rule.right)
    problems.raise_if_any()
    return _write(user, rule, via=via, before=_stored(rule))


# ----- deleting ---------------------------------------------------------------------------------


@transaction.atomic
def do_delete(user: UserOrNone, obj: models.Model, *, via: str = Via.CLI) -> None:
    """Delete a metadata object, audited; refused (InvalidInput) while other objects or values use it."""
    if isinstance(obj, (CategoryCombo, CategoryOptionCombo)) and getattr(obj, "code", None) == DEFAULT_CODE:
        raise InvalidInput(_("the 'default' combo and option combo cannot be deleted"), field="code")
    before = snapshot(obj)
    label = obj._meta.label_lower
    object_id, text = str(obj.pk), str(obj)
    combos: list[CategoryCombo] = list(obj.combos.all()) if isinstance(obj, Category) else []
    if isinstance(obj, Category) and combos:
        raise InvalidInput(
            _("category '{code}' is used by {combos}").format(code=obj.code, combos=", ".join(c.code for c in combos)),
            field="code",
        )
    try:
        obj.delete()
    except ProtectedError as exc:
        users = sorted({str(o) for o in exc.protected_objects})[:5]
        raise InvalidInput(
            _("'{obj}' is still used ({users}) and cannot be deleted").format(obj=text, users=", ".join(users)),
            field="code",
        ) from None
    record(
        user,
        "delete",
        None,
        via=via,
        object_type=label,
        object_id=object_id,
        object_repr=text,
        changes={k: [v, None] for k, v in before.items() if v not in (None, "")},
    )
