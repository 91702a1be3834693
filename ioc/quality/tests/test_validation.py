"""validate_form (the form's "Run validation"), validate_values (after an import), the rules of a data set."""

from __future__ import annotations

import pytest
from django.utils import translation

from ioc.core.errors import InvalidInput, NotAllowed, NotFound
from ioc.metadata.models import ValidationRule
from ioc.quality.rules import compile_rules
from ioc.quality.validation import rules_for_data_set, validate_form, validate_values
from ioc.quality.violations import format_number

pytestmark = pytest.mark.django_db


def test_the_rules_of_a_data_set_are_those_whose_elements_it_all_holds(vworld):
    w = vworld
    assert [r.code for r in rules_for_data_set(w.health)] == ["R_IMM", "R_IMM_F", "R_RATIO"]
    assert [r.code for r in rules_for_data_set(w.edu)] == ["R_POP"]
    # an element of another data set: not a rule of either form
    ValidationRule.objects.create(code="R_MIX", name_vi="x", left="#{U1}", operator="<=", right="#{POP}")
    assert "R_MIX" not in [r.code for r in rules_for_data_set(w.health)]


def test_a_form_with_a_violation(vworld, django_assert_max_num_queries):
    w = vworld
    w.put(w.imm, "c1", "202501", 60, w.male)
    w.put(w.imm, "c1", "202501", 60, w.female)
    w.put(w.u1, "c1", "202501", 100)
    w.put(w.u1, "c2", "202501", 10)  # another unit: not this form
    with django_assert_max_num_queries(10):
        found = validate_form(w.officer_a, "HEALTH", w.units["c1"].uid, "202501")
    assert [v.rule_code for v in found] == ["R_IMM", "R_IMM_F"]  # HIGH before MEDIUM
    high, medium = found
    assert high.importance == "HIGH" and high.operator == "≤"
    assert (high.left, high.right) == (120.0, 100.0)
    assert high.message == "Children fully immunised (120) ≤ Children under 1 (100)"
    assert high.instruction == "Check R_IMM" and high.rule_name == "Immunised at most children"
    assert [(v.element, v.coc, v.value, v.data_set) for v in high.values] == [
        ("IMM", "SEX_F", 60.0, "HEALTH"),
        ("IMM", "SEX_M", 60.0, "HEALTH"),
        ("U1", None, 100.0, "HEALTH"),
    ]
    assert medium.message == "Children fully immunised (Female) (60) ≤ Children under 1 × 0.5 (50)"
    assert [(v.element, v.coc) for v in medium.values] == [("IMM", "SEX_F"), ("U1", None)]


def test_the_message_follows_the_active_language(vworld):
    w = vworld
    w.put(w.imm, "c1", "202501", 120, w.male)
    w.put(w.u1, "c1", "202501", 100)
    with translation.override("vi"):
        found = validate_form(w.officer_a, w.health, w.units["c1"], "202501")
    assert found[0].message == "Trẻ được tiêm đủ (120) ≤ Trẻ dưới 1 tuổi (100)"
    assert found[0].rule_name == "Tiêm đủ không vượt số trẻ"


def test_a_clean_form_and_a_form_without_values(vworld):
    w = vworld
    w.put(w.imm, "c1", "202501", 40, w.male)
    w.put(w.imm, "c1", "202501", 40, w.female)
    w.put(w.u1, "c1", "202501", 100)
    assert validate_form(w.officer_a, "HEALTH", w.units["c1"].uid, "202501") == []
    assert validate_form(w.officer_a, "HEALTH", w.units["c2"].uid, "202501") == []


def test_missing_values_and_division_by_zero_on_the_form(vworld):
    w = vworld
    # only the left side has values: the right side (U1) has none at all → the rule is not checked
    w.put(w.imm, "c1", "202501", 500, w.male)
    # VISITS / DOCTORS with no doctors: a division by zero → not checked either
    w.put(w.visits, "c1", "202501", 5000)
    w.put(w.doctors, "c1", "202501", 0)
    assert validate_form(w.officer_a, "HEALTH", w.units["c1"].uid, "202501") == []
    w.put(w.doctors, "c2", "202501", 10)
    w.put(w.visits, "c2", "202501", 1500)
    found = validate_form(w.officer_a, "HEALTH", w.units["c2"].uid, "202501")
    assert [(v.rule_code, v.left, v.right) for v in found] == [("R_RATIO", 150.0, 100.0)]
    assert found[0].message == "Visits / Doctors (150) ≤ 100 (100)"


def test_the_form_checks_scope_period_and_names(vworld):
    w = vworld
    with pytest.raises(NotAllowed, match="outside your view scope"):
        validate_form(w.officer_b, "HEALTH", w.units["c1"].uid, "202501")
    with pytest.raises(NotAllowed):
        validate_form(w.nobody, "HEALTH", w.units["c1"].uid, "202501")
    with pytest.raises(InvalidInput, match="not a Monthly period of data set HEALTH"):
        validate_form(w.officer_a, "HEALTH", w.units["c1"].uid, "2025")
    with pytest.raises(NotFound):
        validate_form(w.officer_a, "NOPE", w.units["c1"].uid, "202501")
    with pytest.raises(InvalidInput):
        validate_form(w.officer_a, "HEALTH", "99999", "202501")
    # a code is the unit open during the period
    w.put(w.imm, "c1", "202501", 120, w.male)
    w.put(w.u1, "c1", "202501", 100)
    assert [v.org_unit_uid for v in validate_form(w.leader, "HEALTH", "08707", "202501")] == [w.units["c1"].uid]


def test_validate_values_after_an_import(vworld):
    w = vworld
    w.put(w.imm, "c1", "202501", 120, w.male)
    w.put(w.u1, "c1", "202501", 100)
    w.put(w.imm, "c3", "202501", 120, w.male)
    w.put(w.u1, "c3", "202501", 100)
    w.put(w.pop15, "c1", "2025", 900)
    w.put(w.pop, "c1", "2025", 800)
    keys = [(w.units["c1"], "202501"), (w.units["c3"].pk, "202501"), (w.units["c1"], "2025")]
    found = validate_values(w.admin, keys)
    assert sorted((v.rule_code, v.org_unit_uid, v.period) for v in found) == sorted(
        [
            ("R_IMM", w.units["c1"].uid, "202501"),
            ("R_IMM", w.units["c3"].uid, "202501"),
            ("R_POP", w.units["c1"].uid, "2025"),
        ]
    )
    # pairs outside the user's view scope are left out
    assert {v.org_unit_uid for v in validate_values(w.officer_a, keys)} == {w.units["c1"].uid}
    assert validate_values(w.admin, [(w.units["c2"], "202501")]) == []
    assert validate_values(w.admin, []) == []


def test_a_rule_that_no_longer_parses_is_reported_not_fatal(vworld):
    w = vworld
    ValidationRule.objects.filter(pk=w.r_imm.pk).update(left="#{IMM} +")
    compiled, problems = compile_rules(ValidationRule.objects.order_by("code"))
    assert [c.rule.code for c in compiled] == ["R_IMM_F", "R_POP", "R_RATIO"]
    assert len(problems) == 1 and problems[0].startswith("Rule R_IMM: unexpected end of expression")


def test_numbers_in_messages():
    with translation.override("en"):
        assert format_number(120.0) == "120"
        assert format_number(1234.0) == "1,234"
        assert format_number(0.5) == "0.5"
        assert format_number(110.00000000000001) == "110"
        assert format_number(2.345) in ("2.35", "2.34")
    with translation.override("vi"):
        assert format_number(1234.5) == "1.234,5"
