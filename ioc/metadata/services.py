"""Writing metadata: every create, update and delete goes through a do_* function here.

The functions take the acting user first (None for the command line without --user), validate the whole
object (model checks, codes, value/aggregation types, expressions and the codes they reference), write,
and record one audit entry when something changed. An object whose fields are all as stored is left alone
and reported "unchanged", so loading the same configuration twice writes nothing.

Callers build or change the model instance (the admin form's instance, the config loader's, the API's) and
pass it with its ordered relations; the service compares it with what is stored.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from ioc.accounts.models import User
from ioc.audit.models import Via
from ioc.audit.services import diff, record
from ioc.core.errors import InvalidInput
from ioc.core.uid import is_valid_uid
from ioc.metadata import expressions
from ioc.metadata.models import (
    AggregationType,
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
    ValueType,
)
from ioc.orgunits.models import OrgUnit

CODE_RE = re.compile(r"^[A-Za-z0-9_\-]+$")
DEFAULT_CODE = "default"

ALLOWED_AGGREGATIONS: dict[str, tuple[str, ...]] = {
    ValueType.INTEGER: tuple(AggregationType.values),
    ValueType.NUMBER: tuple(AggregationType.values),
    ValueType.PERCENTAGE: (AggregationType.AVERAGE, AggregationType.LAST, AggregationType.MIN, AggregationType.MAX),
    ValueType.BOOLEAN: (AggregationType.SUM, AggregationType.AVERAGE, AggregationType.LAST),
    ValueType.TEXT: (AggregationType.LAST,),
}

Action = Literal["created", "updated", "unchanged"]
UserOrNone = User | None


@dataclass
class Outcome:
    """What a do_save_* did: the object, created/updated/unchanged, and {field: [old, new]}."""

    obj: models.Model
    action: Action
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OptionData:
    """One option of a category, as given to do_save_category (the list's order is the display order)."""

    code: str
    name_vi: str
    name_en: str = ""
    uid: str | None = None


class Problems:
    """Collects every problem with one object, then raises them together as one InvalidInput."""

    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []

    def add(self, field_name: str | None, message: str) -> None:
        self.errors.append({"field": field_name, "message": message})

    def add_validation_error(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for name, messages in exc.message_dict.items():
                for message in messages:
                    self.add(None if name == NON_FIELD_ERRORS else name, message)
        else:
            for message in exc.messages:
                self.add(None, message)

    def add_invalid(self, exc: InvalidInput, field_name: str | None = None) -> None:
        if exc.errors:
            for error in exc.errors:
                self.add(field_name or error.get("field"), error.get("message", exc.message))
        else:
            self.add(field_name, exc.message)

    def raise_if_any(self) -> None:
        if self.errors:
            message = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in self.errors)
            raise InvalidInput(message, errors=self.errors)


# ----- helpers ----------------------------------------------------------------------------------


_SKIPPED_FIELDS = {"created", "last_updated"}


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The object's own column values, by field name (foreign keys as ids), for diffs and audit."""
    return {
        f.name: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if not f.primary_key and f.name not in _SKIPPED_FIELDS
    }


def _stored(obj: models.Model) -> dict[str, Any]:
    if obj.pk is None:
        return {}
    stored = type(obj)._default_manager.filter(pk=obj.pk).first()
    return snapshot(stored) if stored is not None else {}


def _check_code(problems: Problems, code: str) -> None:
    if not code or not CODE_RE.match(code):
        problems.add("code", _("'{code}' is not a valid code: use letters, digits, '_' and '-'").format(code=code))


def _check_uid(problems: Problems, uid: str | None, field_name: str = "uid") -> None:
    if uid is not None and not is_valid_uid(uid):
        problems.add(
            field_name, _("'{uid}' is not a uid: 11 characters, a letter then letters or digits").format(uid=uid)
        )


def _full_clean(problems: Problems, obj: models.Model, exclude: Iterable[str] = ()) -> None:
    try:
        obj.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        problems.add_validation_error(exc)


def _write(
    user: UserOrNone,
    obj: models.Model,
    *,
    via: str,
    before: dict[str, Any],
    relations: Mapping[str, tuple[Any, Any]] | None = None,
    apply_relations: Any = None,
) -> Outcome:
    """Save obj when new or changed, apply the relation changes, audit once."""
    created = obj.pk is None
    changes = diff(before, snapshot(obj)) if not created else {}
    relation_changes = {name: [old, new] for name, (old, new) in (relations or {}).items() if old != new}
    if created or changes:
        obj.save()
    if apply_relations is not None and (created or relation_changes):
        apply_relations()
    if created:
        after = snapshot(obj)
        after.update({name: new for name, (_old, new) in (relations or {}).items()})
        record(
            user, "create", obj, via=via, changes={k: [None, v] for k, v in after.items() if v not in (None, "", [])}
        )
        return Outcome(obj, "created", after)
    changes.update(relation_changes)
    if not changes:
        return Outcome(obj, "unchanged")
    record(user, "update", obj, via=via, changes=changes)
    return Outcome(obj, "updated", changes)


# ----- sectors ----------------------------------------------------------------------------------


@transaction.atomic
def do_save_sector(user: UserOrNone, sector: Sector, *, via: str = Via.CLI) -> Outcome:
    problems = Problems()
    _check_code(problems, sector.code)
    _full_clean(problems, sector)
    problems.raise_if_any()
    return _write(user, sector, via=via, before=_stored(sector))


# ----- categories, combos, option combos --------------------------------------------------------


def ordered_categories(combo: CategoryCombo) -> list[Category]:
    """The combo's categories in the order they were given (the order of the link rows)."""
    if combo.pk is None:
        return []
    through = CategoryCombo.categories.through
    links = through.objects.filter(categorycombo_id=combo.pk).select_related("category").order_by("id")
    return [link.category for link in links]


def _set_ordered_categories(combo: CategoryCombo, categories: Sequence[Category]) -> None:
    through = CategoryCombo.categories.through
    through.objects.filter(categorycombo_id=combo.pk).delete()
    for category in categories:  # one by one: the link rows' ids keep the order
        through.objects.create(categorycombo_id=combo.pk, category_id=category.pk)


@transaction.atomic
def do_save_category(
    user: UserOrNone, category: Category, options: Sequence[OptionData] | None = None, *, via: str = Via.CLI
) -> Outcome:
    """Create or update a category and (when given) its complete, ordered list of options; the option
    combos of every combo using it are regenerated when the options changed."""
    problems = Problems()
    _check_code(problems, category.code)
    _full_clean(problems, category)
    existing: dict[str, CategoryOption] = {}
    if category.pk is not None:
        existing = {o.code: o for o in category.category_options.all()}
    if options is not None:
        if not options:
            problems.add("options", _("a category needs at least one option"))
        seen: set[str] = set()
        for i, option in enumerate(options):
            where = f"options[{i}]"
            if not CODE_RE.match(option.code or ""):
                problems.add(
                    f"{where}.code",
                    _("'{code}' is not a valid code: use letters, digits, '_' and '-'").format(code=option.code),
                )
            elif option.code in seen:
                problems.add(f"{where}.code", _("option code '{code}' appears twice").format(code=option.code))
            elif CategoryOption.objects.filter(code=option.code).exclude(category_id=category.pk).exists():
                problems.add(
                    f"{where}.code",
                    _("option code '{code}' is already used by another category").format(code=option.code),
                )
            seen.add(option.code)
            if not option.name_vi:
                problems.add(f"{where}.name", _("an option needs a name"))
            _check_uid(problems, option.uid, f"{where}.uid")
            if option.uid and (
                CategoryOption.objects.filter(uid=option.uid)
                .exclude(category_id=category.pk, code=option.code)
                .exists()
            ):
                problems.add(f"{where}.uid", _("uid '{uid}' is already used by another object").format(uid=option.uid))
    problems.raise_if_any()

    before = _stored(category)
    old_options: list[list[str | None]] = [
        [o.code, o.uid, o.name_vi, o.name_en] for o in sorted(existing.values(), key=lambda o: (o.sort_order, o.code))
    ]
    new_options = old_options
    if options is not None:
        new_options = [
            [o.code, o.uid or (existing[o.code].uid if o.code in existing else None), o.name_vi, o.name_en]
            for o in options
        ]
    created = category.pk is None
    changes = {} if created else diff(before, snapshot(category))
    if created or changes:
        category.save()
    if options is not None and new_options != old_options:
        keep = {o.code for o in options}
        for code, stale in existing.items():
            if code not in keep:
                stale.delete()
        for index, data in enumerate(options):
            saved = existing.get(data.code) or CategoryOption(category=category, code=data.code)
            saved.name_vi, saved.name_en, saved.sort_order = data.name_vi, data.name_en, index
            if data.uid:
                saved.uid = data.uid
            saved.save()
        for combo in category.combos.all():
            do_generate_option_combos(user, combo, via=via)
        if not created:
            changes["options"] = [old_options, new_options]
    if created:
        after = {k: v for k, v in snapshot(category).items() if v not in (None, "")}
        after["options"] = [o.code for o in options or ()]
        record(user, "create", category, via=via, changes={k: [None, v] for k, v in after.items()})
        return Outcome(category, "created", after)
    if not changes:
        return Outcome(category, "unchanged")
    record(user, "update", category, via=via, changes=changes)
    return Outcome(category, "updated", changes)


@transaction.atomic
def do_save_category_combo(
    user: UserOrNone,
    combo: CategoryCombo,
    categories: Sequence[Category] | None = None,
    *,
    option_combo_uids: Mapping[str, str] | None = None,
    via: str = Via.CLI,
) -> Outcome:
    """Create or update a combo with its ordered categories, then generate its option combos.
    option_combo_uids pins the uids of generated option combos by their code (export/load round trips)."""
    problems = Problems()
    _check_code(problems, combo.code)
    _full_clean(problems, combo)
    if categories is not None:
        codes = [c.code for c in categories]
        for code in {c for c in codes if codes.count(c) > 1}:
            problems.add("categories", _("category '{code}' appears twice").format(code=code))
        if combo.code == DEFAULT_CODE and categories:
            problems.add("categories", _("the 'default' combo has no categories"))
        if not categories and combo.code != DEFAULT_CODE:
            problems.add("categories", _("a combo needs at least one category"))
    for code, uid in (option_combo_uids or {}).items():
        _check_uid(problems, uid, f"optionCombos[{code}].uid")
    problems.raise_if_any()

    old = [c.code for c in ordered_categories(combo)]
    new = [c.code for c in categories] if categories is not None else old

    def apply() -> None:
        if categories is not None:
            _set_ordered_categories(combo, categories)

    outcome = _write(
        user, combo, via=via, before=_stored(combo), relations={"categories": (old, new)}, apply_relations=apply
    )
    generated = do_generate_option_combos(user, combo, via=via, uids=option_combo_uids)
    if generated.changed and outcome.action == "unchanged":
        outcome = Outcome(combo, "updated", {"optionCombos": generated.summary()})
    elif generated.changed:
        outcome.changes["optionCombos"] = generated.summary()
    return outcome


@dataclass
class Generated:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    option_combos: list[CategoryOptionCombo] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)

    def summary(self) -> dict[str, list[str]]:
        return {k: v for k, v in (("created", self.created), ("updated", self.updated), ("deleted", self.deleted)) if v}


@transaction.atomic
def do_generate_option_combos(
    user: UserOrNone, combo: CategoryCombo, *, via: str = Via.SYSTEM, uids: Mapping[str, str] | None = None
) -> Generated:
    """Make the combo's option combos the cartesian product of its categories' options.

    Code: the option codes joined with "_"; name: the option names joined with ", " ("Nữ, Tiểu học").
    An existing option combo is matched by its set of options, keeps its uid (unless `uids` pins another)
    and is renamed; one that is no longer in the product is deleted unless data values use it."""
    categories = ordered_categories(combo)
    problems = Problems()
    option_lists: list[list[CategoryOption]] = []
    for category in categories:
        options = list(category.category_options.order_by("sort_order", "code"))
        if not options:
            problems.add("categories", _("category '{code}' has no options").format(code=category.code))
        option_lists.append(options)
    problems.raise_if_any()

    desired: list[tuple[frozenset[int], str, str, str, list[CategoryOption]]] = []
    for cell in itertools.product(*option_lists):
        options = list(cell)
        code = "_".join(o.code for o in options) or DEFAULT_CODE
        name_vi = ", ".join(o.name_vi for o in options) or DEFAULT_CODE
        name_en = ", ".join(o.name_en or o.name_vi for o in options) or DEFAULT_CODE
        desired.append((frozenset(o.pk for o in options), code, name_vi, name_en, options))
    codes = [d[1] for d in desired]
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        problems.add("categories", _("two option combos would have the code '{code}'").format(code=code))
    taken = CategoryOptionCombo.objects.filter(code__in=codes).exclude(combo_id=combo.pk).select_related("combo")
    for coc in taken:
        problems.add(
            "categories",
            _(
                "option combo code '{code}' already belongs to combo '{combo}'; two combos cannot have the same categories"
            ).format(code=coc.code, combo=coc.combo.code),
        )
    pinned = dict(uids or {})
    for code in sorted(set(pinned) - set(codes)):
        problems.add(
            "optionCombos",
            _("'{code}' is not an option combo of '{combo}' (it has {codes})").format(
                code=code, combo=combo.code, codes=", ".join(codes)
            ),
        )
    existing = {
        frozenset(o.pk for o in coc.options.all()): coc for coc in combo.option_combos.prefetch_related("options")
    }
    key_of_code = {d[1]: d[0] for d in desired}
    for code, uid in sorted(pinned.items()):
        target = existing.get(key_of_code.get(code, frozenset({-1})))
        clashes = CategoryOptionCombo.objects.filter(uid=uid)
        if target is not None:
            clashes = clashes.exclude(pk=target.pk)
        if clashes.exists():
            problems.add(
                f"optionCombos[{code}].uid", _("uid '{uid}' is already used by another option combo").format(uid=uid)
            )
    problems.raise_if_any()

    result = Generated()
    wanted_keys = {d[0] for d in desired}
    for key, coc in list(existing.items()):
        if key not in wanted_keys:
            try:
                coc.delete()
            except ProtectedError:
                raise InvalidInput(
                    _("option combo '{code}' of '{combo}' has data values and cannot be removed").format(
                        code=coc.code, combo=combo.code
                    ),
                    field="categories",
                ) from None
            result.deleted.append(coc.code)
            del existing[key]
    # free codes that move between cells before renaming (the code column is unique)
    for key, coc in existing.items():
        new_code = next(d[1] for d in desired if d[0] == key)
        if coc.code != new_code and new_code in {c.code for c in existing.values()}:
            CategoryOptionCombo.objects.filter(pk=coc.pk).update(code=f"~{coc.uid}")
            coc.code = f"~{coc.uid}"
    for index, (key, code, name_vi, name_en, options) in enumerate(desired):
        found = existing.get(key)
        pinned_uid = pinned.get(code)
        if found is None:
            coc = CategoryOptionCombo(combo=combo, code=code, name_vi=name_vi, name_en=name_en, sort_order=index)
            if pinned_uid:
                coc.uid = pinned_uid
            coc.save()
            coc.options.set(options)
            result.created.append(code)
        else:
            coc = found
            values = (coc.code, coc.name_vi, coc.name_en, coc.sort_order, coc.uid)
            coc.code, coc.name_vi, coc.name_en, coc.sort_order = code, name_vi, name_en, index
            if pinned_uid:
                coc.uid = pinned_uid
            if values != (coc.code, coc.name_vi, coc.name_en, coc.sort_order, coc.uid):
                coc.save()
                result.updated.append(code)
        result.option_combos.append(coc)
    if result.changed:
        record(user, "generate_option_combos", combo, via=via, changes=dict(result.summary()))
    return result


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


def default_combo() -> CategoryCombo:
    combo = CategoryCombo.objects.filter(code=DEFAULT_CODE).first()
    if combo is None:  # the data migration creates it; a flushed test database may not have it
        combo = CategoryCombo.objects.create(
            code=DEFAULT_CODE, uid="bjDvmb4bfuf", name_vi=DEFAULT_CODE, name_en=DEFAULT_CODE
        )
        do_generate_option_combos(None, combo, uids={DEFAULT_CODE: "HllvX50cXC0"})
    return combo


# ----- data sets --------------------------------------------------------------------------------


@transaction.atomic
def do_save_data_set(
    user: UserOrNone,
    data_set: DataSet,
    *,
    elements: Sequence[DataElement] | None = None,
    org_units: Iterable[OrgUnit] | None = None,
    via: str = Via.CLI,
) -> Outcome:
    """Create or update a data set; `elements` (ordered) and `org_units`, when given, replace the stored ones."""
    problems = Problems()
    _check_code(problems, data_set.code)
    _full_clean(problems, data_set)
    element_list = list(elements) if elements is not None else None
    if element_list is not None:
        codes = [e.code for e in element_list]
        for code in sorted({c for c in codes if codes.count(c) > 1}):
            problems.add("elements", _("data element '{code}' appears twice").format(code=code))
    problems.raise_if_any()

    old_elements: list[str] = []
    old_units: list[int] = []
    if data_set.pk is not None:
        old_elements = list(
            DataSetElement.objects.filter(data_set_id=data_set.pk)
            .order_by("sort_order", "id")
            .values_list("data_element__code", flat=True)
        )
        old_units = sorted(data_set.org_units.values_list("pk", flat=True))
    unit_list = list(org_units) if org_units is not None else None
    new_elements = [e.code for e in element_list] if element_list is not None else old_elements
    new_units = sorted({u.pk for u in unit_list}) if unit_list is not None else old_units

    def apply() -> None:
        if element_list is not None and new_elements != old_elements:
            DataSetElement.objects.filter(data_set_id=data_set.pk).delete()
            DataSetElement.objects.bulk_create(
                [DataSetElement(data_set=data_set, data_element=e, sort_order=i) for i, e in enumerate(element_list)]
            )
        if unit_list is not None and new_units != old_units:
            data_set.org_units.set(unit_list)

    return _write(
        user,
        data_set,
        via=via,
        before=_stored(data_set),
        relations={"elements": (old_elements, new_elements), "org_units": (old_units, new_units)},
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


@transaction.atomic
def do_set_option_combo_uid(user: UserOrNone, coc: CategoryOptionCombo, uid: str, *, via: str = Via.CLI) -> Outcome:
    """Option combos are generated; only their uid may be set by hand (to match another system's)."""
    problems = Problems()
    _check_uid(problems, uid)
    if CategoryOptionCombo.objects.filter(uid=uid).exclude(pk=coc.pk).exists():
        problems.add("uid", _("uid '{uid}' is already used by another option combo").format(uid=uid))
    problems.raise_if_any()
    stored = CategoryOptionCombo.objects.get(pk=coc.pk)
    if stored.uid == uid:
        return Outcome(coc, "unchanged")
    coc.uid = uid
    CategoryOptionCombo.objects.filter(pk=coc.pk).update(uid=uid)
    changes = {"uid": [stored.uid, uid]}
    record(user, "update", coc, via=via, changes=changes)
    return Outcome(coc, "updated", changes)


class _DryRun(Exception):
    pass


def dry_run(write: Any) -> list[dict[str, Any]]:
    """Run `write()` (a do_* call) and roll it back: the errors it would raise, [] when it would succeed.
    The admin's forms use it so that they check exactly what the services check."""
    try:
        with transaction.atomic():
            write()
            raise _DryRun
    except _DryRun:
        return []
    except InvalidInput as exc:
        return exc.errors or [{"field": None, "message": exc.message}]
