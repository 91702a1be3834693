"""Categories, category combos and their generated option combos (the cartesian product of the options)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from ioc.audit.models import Via
from ioc.audit.services import diff, record
from ioc.core.errors import InvalidInput
from ioc.metadata.models import Category, CategoryCombo, CategoryOption, CategoryOptionCombo
from ioc.metadata.services_common import (
    CODE_RE,
    DEFAULT_CODE,
    Outcome,
    Problems,
    UserOrNone,
    _check_code,
    _check_uid,
    _full_clean,
    _stored,
    _write,
    snapshot,
)


@dataclass(frozen=True)
class OptionData:
    """One option of a category, as given to do_save_category (the list's order is the display order)."""

    code: str
    name_vi: str
    name_en: str = ""
    uid: str | None = None


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


def default_combo() -> CategoryCombo:
    combo = CategoryCombo.objects.filter(code=DEFAULT_CODE).first()
    if combo is None:  # the data migration creates it; a flushed test database may not have it
        combo = CategoryCombo.objects.create(
            code=DEFAULT_CODE, uid="bjDvmb4bfuf", name_vi=DEFAULT_CODE, name_en=DEFAULT_CODE
        )
        do_generate_option_combos(None, combo, uids={DEFAULT_CODE: "HllvX50cXC0"})
    return combo


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
