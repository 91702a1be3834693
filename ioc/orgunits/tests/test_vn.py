"""Reading the vietnamadminunits data (no database)."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from ioc.core.errors import InvalidInput
from ioc.orgunits import vn


def test_vinh_phuc_structure() -> None:
    p = vn.read_province("26")
    assert p.name == "Tỉnh Vĩnh Phúc"
    assert Counter(u.level for u in p.old) == {1: 1, 2: 9, 3: 121}
    assert Counter(u.level for u in p.new) == {1: 1, 3: 36}
    assert not any(u.new for u in p.old) and all(u.new for u in p.new)
    tich_son = next(u for u in p.old if u.code == "08707")
    assert (tich_son.name, tich_son.short_name, tich_son.kind, tich_son.level) == (
        "Phường Tích Sơn",
        "Tích Sơn",
        "Phường",
        3,
    )
    assert tich_son.name_en == "Tích Sơn Ward"
    assert tich_son.latitude == pytest.approx(21.31, abs=0.01)
    assert tich_son.longitude == pytest.approx(105.59, abs=0.01)
    new_p = next(u for u in p.new if u.level == 1)
    assert (new_p.code, new_p.name, new_p.kind) == ("25", "Tỉnh Phú Thọ", "Tỉnh")
    vinh_yen = next(u for u in p.new if u.code == "08707")
    assert vinh_yen.name == "Phường Vĩnh Yên" and vinh_yen.parent_key == new_p.key and vinh_yen.area_km2


def test_every_old_commune_has_a_successor() -> None:
    p = vn.read_province("26")
    linked = {link.predecessor_key for link in p.links}
    assert {u.key for u in p.old if u.level == 3} <= linked
    assert {u.key for u in p.old if u.level == 2}.isdisjoint(linked)  # districts were abolished
    new_keys = {u.key for u in p.new}
    assert {link.successor_key for link in p.links} == new_keys  # only units with a predecessor here


def test_district_kinds_and_province_link() -> None:
    p = vn.read_province(26)
    assert {u.kind for u in p.old if u.level == 2} <= {"Thành phố", "Huyện", "Thị xã", "Quận"}
    assert {u.kind for u in p.old if u.level == 3} == {"Phường", "Xã", "Thị trấn"}
    [plink] = [link for link in p.links if link.predecessor_key == p.old[0].key]
    assert plink.kind == "merge" and "Tỉnh Hòa Bình" in plink.note


def test_split_weights_sum_to_one() -> None:
    p = vn.read_province("01")  # Hà Nội has many communes split over several new ones
    splits: dict[str, float] = {}
    for link in p.links:
        if link.kind == "split":
            splits[link.predecessor_key] = splits.get(link.predecessor_key, 0.0) + link.weight
    assert splits, "Hà Nội has divided communes"
    assert all(math.isclose(total, 1.0) for total in splits.values())


def test_split_weights_fall_back_to_equal_shares() -> None:
    assert vn._split_weights([{"newWardAreaKm2": 30.0}, {"newWardAreaKm2": 10.0}]) == [0.75, 0.25]
    assert vn._split_weights([{"newWardAreaKm2": 30.0}, {"newWardAreaKm2": None}]) == [0.5, 0.5]


def test_island_district_without_communes_links_from_the_district() -> None:
    p = vn.read_province("77")  # Bà Rịa - Vũng Tàu: Côn Đảo had no communes, became a special zone
    con_dao = next(u for u in p.old if u.level == 2 and u.short_name == "Côn Đảo")
    [link] = [link for link in p.links if link.predecessor_key == con_dao.key]
    target = next(u for u in p.new if u.key == link.successor_key)
    assert (target.kind, target.name) == ("Đặc khu", "Đặc khu Côn Đảo")


def test_unknown_province_code() -> None:
    with pytest.raises(InvalidInput, match="unknown province code '99'") as exc:
        vn.read_province("99")
    assert exc.value.errors[0]["field"] == "province"


def test_codes_are_normalised() -> None:
    assert vn.normalise_province_code("1") == "01"
    assert vn.normalise_province_code(26) == "26"
    assert len(vn.province_codes()) == 63


def test_kind_of() -> None:
    assert vn.kind_of("Thành phố Vĩnh Yên") == "Thành phố"
    assert vn.kind_of("Thị trấn Tam Đảo") == "Thị trấn"
    assert vn.kind_of("Xã Thanh Trù") == "Xã"
    assert vn.kind_of("Xãhội") == ""
