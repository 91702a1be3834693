from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.utils import timezone

from ioc.audit.models import AuditEntry
from ioc.core.errors import InvalidInput
from ioc.metadata import services
from ioc.metadata.models import (
    Category,
    CategoryCombo,
    CategoryOption,
    CategoryOptionCombo,
    DataElement,
    DataSet,
    Indicator,
    Sector,
    ValidationRule,
)
from ioc.metadata.services import OptionData

pytestmark = pytest.mark.django_db


def category(code: str, *options: tuple[str, str, str]) -> Category:
    cat = Category(code=code, name_vi=code, name_en=code)
    services.do_save_category(None, cat, [OptionData(c, vi, en) for c, vi, en in options])
    return cat


@pytest.fixture
def sex_level():
    sex = category("SEX", ("MALE", "Nam", "Male"), ("FEMALE", "Nữ", "Female"))
    level = category("LEVEL", ("PRIMARY", "Tiểu học", "Primary"), ("LOWER", "THCS", "Lower secondary"))
    combo = CategoryCombo(code="SEX_LEVEL", name_vi="Giới tính, cấp học")
    services.do_save_category_combo(None, combo, [sex, level])
    return combo


def cocs(combo: CategoryCombo) -> list[tuple[str, str, str]]:
    return [(c.code, c.name_vi, c.name_en) for c in combo.option_combos.order_by("sort_order")]


# ----- the default combo -------------------------------------------------------------------------------


def test_the_data_migration_created_the_default_combo():
    combo = CategoryCombo.objects.get(code="default")
    assert combo.uid == "bjDvmb4bfuf" and combo.is_default and not combo.categories.exists()
    (coc,) = combo.option_combos.all()
    assert (coc.code, coc.uid, coc.options.count()) == ("default", "HllvX50cXC0", 0)
    assert services.do_generate_option_combos(None, combo).changed is False


def test_default_combo_cannot_get_categories_or_be_deleted():
    sex = category("SEX", ("M", "Nam", "Male"))
    default = CategoryCombo.objects.get(code="default")
    with pytest.raises(InvalidInput, match="'default' combo has no categories"):
        services.do_save_category_combo(None, default, [sex])
    with pytest.raises(InvalidInput, match="cannot be deleted"):
        services.do_delete(None, default)


# ----- option combo generation -------------------------------------------------------------------------


def test_option_combos_are_the_cartesian_product(sex_level):
    assert cocs(sex_level) == [
        ("MALE_PRIMARY", "Nam, Tiểu học", "Male, Primary"),
        ("MALE_LOWER", "Nam, THCS", "Male, Lower secondary"),
        ("FEMALE_PRIMARY", "Nữ, Tiểu học", "Female, Primary"),
        ("FEMALE_LOWER", "Nữ, THCS", "Female, Lower secondary"),
    ]
    female_primary = CategoryOptionCombo.objects.get(code="FEMALE_PRIMARY")
    assert {o.code for o in female_primary.options.all()} == {"FEMALE", "PRIMARY"}
    entry = AuditEntry.objects.filter(action="generate_option_combos", object_id=str(sex_level.pk)).get()
    assert entry.changes["created"] == ["MALE_PRIMARY", "MALE_LOWER", "FEMALE_PRIMARY", "FEMALE_LOWER"]


def test_category_order_in_the_combo_decides_the_names():
    sex = category("SEX", ("MALE", "Nam", "Male"))
    level = category("LEVEL", ("PRIMARY", "Tiểu học", "Primary"))
    combo = CategoryCombo(code="LEVEL_SEX", name_vi="x")
    services.do_save_category_combo(None, combo, [level, sex])
    assert cocs(combo) == [("PRIMARY_MALE", "Tiểu học, Nam", "Primary, Male")]
    assert [c.code for c in services.ordered_categories(combo)] == ["LEVEL", "SEX"]
    # reversing the order renames the cell and keeps its uid
    uid = CategoryOptionCombo.objects.get(code="PRIMARY_MALE").uid
    outcome = services.do_save_category_combo(None, combo, [sex, level])
    assert outcome.action == "updated"
    assert cocs(combo) == [("MALE_PRIMARY", "Nam, Tiểu học", "Male, Primary")]
    assert CategoryOptionCombo.objects.get(code="MALE_PRIMARY").uid == uid


def test_regeneration_follows_option_changes_and_keeps_uids(sex_level):
    uids = dict(CategoryOptionCombo.objects.values_list("code", "uid"))
    sex = Category.objects.get(code="SEX")
    outcome = services.do_save_category(
        None,
        sex,
        [OptionData("MALE", "Nam", "Male"), OptionData("FEMALE", "Nữ", "Female"), OptionData("OTHER", "Khác", "Other")],
    )
    assert outcome.action == "updated" and "options" in outcome.changes
    assert [c[0] for c in cocs(sex_level)] == [
        "MALE_PRIMARY", "MALE_LOWER", "FEMALE_PRIMARY", "FEMALE_LOWER", "OTHER_PRIMARY", "OTHER_LOWER",
    ]  # fmt: skip
    assert CategoryOptionCombo.objects.get(code="FEMALE_LOWER").uid == uids["FEMALE_LOWER"]
    # renaming an option renames its cells
    services.do_save_category(None, sex, [OptionData("MALE", "Nam giới", "Male"), OptionData("FEMALE", "Nữ", "Female")])
    assert ("MALE_PRIMARY", "Nam giới, Tiểu học", "Male, Primary") in cocs(sex_level)
    assert not CategoryOptionCombo.objects.filter(code__startswith="OTHER").exists()
    assert not CategoryOption.objects.filter(code="OTHER").exists()
    # the same options again: nothing changes, nothing audited
    rows = AuditEntry.objects.count()
    again = services.do_save_category(
        None, sex, [OptionData("MALE", "Nam giới", "Male"), OptionData("FEMALE", "Nữ", "Female")]
    )
    assert again.action == "unchanged" and AuditEntry.objects.count() == rows


def test_option_combos_with_values_cannot_be_removed(sex_level, tree):
    DataValue = apps.get_model("datavalues", "DataValue")
    element = DataElement(code="PUPILS", name_vi="Học sinh", value_type="INTEGER", category_combo=sex_level)
    services.do_save_data_element(None, element)
    now = timezone.now()
    DataValue.objects.create(
        data_element=element, org_unit=tree["c1"], period="202401", period_type="Monthly",
        start_date=dt.date(2024, 1, 1), end_date=dt.date(2024, 1, 31),
        category_option_combo=CategoryOptionCombo.objects.get(code="FEMALE_LOWER"), value_num=3,
        created=now, last_updated=now,
    )  # fmt: skip
    sex = Category.objects.get(code="SEX")
    with pytest.raises(InvalidInput, match="'FEMALE_LOWER' of 'SEX_LEVEL' has data values"):
        services.do_save_category(None, sex, [OptionData("MALE", "Nam", "Male")])
    assert CategoryOption.objects.filter(code="FEMALE").exists()
    assert CategoryOptionCombo.objects.filter(combo=sex_level).count() == 4
    # and the element's disaggregation or kind of value cannot change any more
    element.category_combo = CategoryCombo.objects.get(code="default")
    element.value_type, element.aggregation_type = "TEXT", "LAST"
    with pytest.raises(InvalidInput) as info:
        services.do_save_data_element(None, element)
    fields = {e["field"] for e in info.value.errors}
    assert fields == {"value_type", "category_combo"}


def test_two_combos_with_the_same_categories_are_refused(sex_level):
    combo = CategoryCombo(code="AGAIN", name_vi="x")
    with pytest.raises(InvalidInput, match="already belongs to combo 'SEX_LEVEL'"):
        services.do_save_category_combo(
            None, combo, [Category.objects.get(code="SEX"), Category.objects.get(code="LEVEL")]
        )
    assert not CategoryCombo.objects.filter(code="AGAIN").exists()


def test_pinned_option_combo_uids(sex_level):
    services.do_save_category_combo(
        None,
        sex_level,
        list(services.ordered_categories(sex_level)),
        option_combo_uids={"FEMALE_PRIMARY": "AbCdEfGhIj1"},
    )
    assert CategoryOptionCombo.objects.get(code="FEMALE_PRIMARY").uid == "AbCdEfGhIj1"
    with pytest.raises(InvalidInput, match="'NOPE' is not an option combo of 'SEX_LEVEL'"):
        services.do_save_category_combo(
            None, sex_level, list(services.ordered_categories(sex_level)), option_combo_uids={"NOPE": "AbCdEfGhIj2"}
        )
    with pytest.raises(InvalidInput, match="already used by another option combo"):
        services.do_save_category_combo(
            None,
            sex_level,
            list(services.ordered_categories(sex_level)),
            option_combo_uids={"MALE_LOWER": "HllvX50cXC0"},
        )


def test_category_rules():
    with pytest.raises(InvalidInput) as info:
        services.do_save_category(
            None,
            Category(code="BAD CODE", name_vi="x"),
            [OptionData("A", "a"), OptionData("A", "b"), OptionData("b c", ""), OptionData("D", "d", uid="1")],
        )
    fields = [e["field"] for e in info.value.errors]
    assert fields == ["code", "options[1].code", "options[2].code", "options[2].name", "options[3].uid"]
    with pytest.raises(InvalidInput, match="at least one option"):
        services.do_save_category(None, Category(code="EMPTY", name_vi="x"), [])
    category("SEX", ("MALE", "Nam", "Male"))
    with pytest.raises(InvalidInput, match="option code 'MALE' is already used by another category"):
        category("OTHER", ("MALE", "Nam", "Male"))
    assert not Category.objects.filter(code__in=["BAD CODE", "EMPTY", "OTHER"]).exists()


# ----- data elements -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value_type", "aggregation", "ok"),
    [
        ("INTEGER", "SUM", True),
        ("NUMBER", "MAX", True),
        ("PERCENTAGE", "AVERAGE", True),
        ("PERCENTAGE", "SUM", False),
        ("BOOLEAN", "SUM", True),
        ("BOOLEAN", "MIN", False),
        ("TEXT", "LAST", True),
        ("TEXT", "SUM", False),
        ("TEXT", "AVERAGE", False),
    ],
)
def test_value_and_aggregation_types_must_agree(value_type, aggregation, ok):
    element = DataElement(code="E", name_vi="e", value_type=value_type, aggregation_type=aggregation)
    if ok:
        assert services.do_save_data_element(None, element).action == "created"
        assert element.category_combo.code == "default"
    else:
        with pytest.raises(InvalidInput) as info:
            services.do_save_data_element(None, element)
        assert info.value.errors[0]["field"] == "aggregation_type"
        assert f"a {value_type} element cannot aggregate by {aggregation}" in info.value.message
        assert not DataElement.objects.exists()


def test_element_checks_collect_every_problem():
    element = DataElement(
        code="x y", name_vi="", value_type="TEXT", aggregation_type="SUM", min_value=5, max_value=1, uid="nope"
    )
    with pytest.raises(InvalidInput) as info:
        services.do_save_data_element(None, element)
    fields = {e["field"] for e in info.value.errors}
    assert {"code", "name_vi", "uid", "aggregation_type", "min_value", "max_value"} <= fields


def test_element_create_update_unchanged_are_audited_once(operator):
    element = DataElement(code="BEDS", name_vi="Giường bệnh", value_type="INTEGER")
    assert services.do_save_data_element(operator, element, via="form").action == "created"
    created = AuditEntry.objects.get(action="create", object_type="metadata.dataelement")
    assert created.user == operator and created.via == "form" and created.changes["code"] == [None, "BEDS"]
    element.unit = "giường"
    outcome = services.do_save_data_element(operator, element)
    assert outcome.action == "updated" and outcome.changes == {"unit": ["", "giường"]}
    assert AuditEntry.objects.get(action="update").changes == {"unit": ["", "giường"]}
    same = DataElement.objects.get(code="BEDS")
    assert services.do_save_data_element(operator, same).action == "unchanged"
    assert AuditEntry.objects.filter(object_type="metadata.dataelement").count() == 2


def test_delete_is_audited_and_refused_while_used():
    sector = Sector(code="HEALTH", name_vi="Y tế")
    services.do_save_sector(None, sector)
    element = DataElement(code="BEDS", name_vi="Giường bệnh", sector=sector)
    services.do_save_data_element(None, element)
    with pytest.raises(InvalidInput, match="still used"):
        services.do_delete(None, sector)
    services.do_delete(None, element)
    services.do_delete(None, sector)
    deleted = AuditEntry.objects.filter(action="delete").order_by("id")
    assert [e.object_type for e in deleted] == ["metadata.dataelement", "metadata.sector"]
    assert deleted[0].changes["code"] == ["BEDS", None]
    assert not Sector.objects.exists()


# ----- data sets, indicators, rules ----------------------------------------------------------------------


def test_data_set_elements_keep_their_order_and_units(tree):
    a = DataElement(code="A", name_vi="a")
    b = DataElement(code="B", name_vi="b")
    services.do_save_data_element(None, a)
    services.do_save_data_element(None, b)
    ds = DataSet(code="DS", name_vi="Bộ", period_type="Monthly")
    assert services.do_save_data_set(None, ds, elements=[b, a], org_units=[tree["c1"], tree["c2"]]).action == "created"
    assert list(ds.data_set_elements.values_list("data_element__code", flat=True)) == ["B", "A"]
    outcome = services.do_save_data_set(None, ds, elements=[a, b], org_units=[tree["c2"], tree["c1"]])
    assert outcome.action == "updated" and set(outcome.changes) == {"elements"}
    assert list(ds.data_set_elements.values_list("data_element__code", flat=True)) == ["A", "B"]
    assert (
        services.do_save_data_set(None, ds, elements=[a, b], org_units=[tree["c1"], tree["c2"]]).action == "unchanged"
    )
    with pytest.raises(InvalidInput, match="'A' appears twice"):
        services.do_save_data_set(None, ds, elements=[a, a])
    ds.period_type = "Fortnightly"
    with pytest.raises(InvalidInput) as info:
        services.do_save_data_set(None, ds)
    assert info.value.errors[0]["field"] == "period_type"


def test_indicator_expressions_are_checked(sex_combo, make_element):
    make_element("PUPILS", combo=sex_combo)
    good = Indicator(
        code="SHARE", name_vi="Tỷ lệ nữ", numerator="#{PUPILS.FEMALE}", denominator="#{PUPILS}", factor=100
    )
    assert services.do_save_indicator(None, good).action == "created"
    bad = Indicator(code="BAD", name_vi="x", numerator="#{PUPILS.FEMALE} +", denominator="#{NOPE}", factor=0)
    with pytest.raises(InvalidInput) as info:
        services.do_save_indicator(None, bad)
    errors = {e["field"]: e["message"] for e in info.value.errors}
    assert errors["numerator"].startswith("unexpected end of expression")
    assert errors["denominator"] == "unknown data element 'NOPE' in #{NOPE}"
    assert errors["factor"] == "the factor cannot be 0"
    assert not Indicator.objects.filter(code="BAD").exists()


def test_validation_rule_expressions_are_checked(make_element):
    make_element("A")
    rule = ValidationRule(code="R", name_vi="r", left="#{A}", operator=">=", right="0")
    assert services.do_save_validation_rule(None, rule).action == "created"
    rule.right = "#{B}"
    rule.operator = "=>"
    with pytest.raises(InvalidInput) as info:
        services.do_save_validation_rule(None, rule)
    assert {e["field"] for e in info.value.errors} == {"right", "operator"}
    assert ValidationRule.objects.get(code="R").right == "0"
