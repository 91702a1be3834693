from ioc.ingest.adx import ComboCell, export_adx, map_disaggregations, parse_adx
from ioc.ingest.lookups import coc_disaggregations, element_combos
from ioc.ingest.rows import ExchangeValue
from ioc.metadata import services
from ioc.metadata.models import Category, CategoryCombo, CategoryOptionCombo, DataElement


def _setup():
    sex = Category(code="SEX", name_vi="Giới tính")
    services.do_save_category(
        None, sex, [services.OptionData("M", "Nam", "Male"), services.OptionData("F", "Nữ", "Female")]
    )
    combo = CategoryCombo(code="SEX_C", name_vi="Giới tính")
    services.do_save_category_combo(None, combo, [sex])
    pop = DataElement(code="DE_POP", name_vi="Dân số", category_combo=combo)
    services.do_save_data_element(None, pop)
    total = DataElement(code="DE_TOTAL", name_vi="Tổng", category_combo=services.default_combo())
    services.do_save_data_element(None, total)
    return pop, total


def test_element_combos_and_adx_round_trip_through_the_metadata(db):
    pop, total = _setup()
    female = CategoryOptionCombo.objects.get(combo=pop.category_combo, options__code="F")
    default = CategoryOptionCombo.objects.get(combo=total.category_combo)
    combos = element_combos(["DE_POP", total.uid, "NOPE", " "])
    assert set(combos) == {"DE_POP", total.uid}
    assert ComboCell(female.code, frozenset({("SEX", "F")})) in combos["DE_POP"]
    assert combos[total.uid] == [ComboCell(default.code, frozenset())]

    rows = [
        ExchangeValue("DE_POP", "202501", "VP_01", female.code, "5", "Nữ"),
        ExchangeValue("DE_TOTAL", "202501", "VP_01", default.code, "9"),
    ]
    disagg = coc_disaggregations([female.code, default.code])
    assert disagg == {female.code: {"SEX": "F"}, default.code: {}}
    result = parse_adx(export_adx(rows, disagg), "rt.xml")
    mapped = map_disaggregations(result, element_combos(r.data.data_element for r in result.rows))
    assert mapped.ok
    assert [r.data for r in mapped.rows] == rows
