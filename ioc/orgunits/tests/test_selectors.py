"""Subtrees, the code-at-date rule, tree navigation, successions, scopes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import models, transaction
from django.db.models import Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ioc.core.errors import InvalidInput, NotFound
from ioc.orgunits.models import OrgUnit, Succession
from ioc.orgunits.selectors import (
    ancestors,
    children,
    current_successors,
    is_within,
    open_on_q,
    predecessors,
    resolve_code,
    resolve_codes,
    resolve_uid,
    scope_q,
    subtree_q,
    successors,
    try_resolve_codes,
    units_at_level,
    view_roots,
    visible_units,
)
from ioc.orgunits.testing import make_unit

from .conftest import AFTER, BEFORE

pytestmark = pytest.mark.django_db


def _link(pred: OrgUnit, succ: OrgUnit, kind: str = "merge", weight: float = 1.0) -> Succession:
    return Succession.objects.create(predecessor=pred, successor=succ, kind=kind, date=AFTER, weight=weight)


# --- subtree_q ------------------------------------------------------------------------------------------


def test_subtree_q_on_the_small_tree(tree) -> None:
    def codes(q: Q) -> set[str]:
        return set(OrgUnit.objects.filter(q).values_list("code", flat=True))

    assert codes(subtree_q(tree["d1"])) == {"243", "08707", "08710"}
    assert codes(subtree_q(tree["p"])) == {"26", "243", "244", "08707", "08710", "08773", "08776"}
    assert codes(subtree_q(tree["c1"])) == {"08707"}
    assert OrgUnit.objects.filter(subtree_q(tree["new_p"])).count() == 2
    # with a prefix: units whose parent is in the subtree of d2
    assert codes(subtree_q(tree["d2"], "parent__")) == {"08773", "08776"}


def test_subtree_q_is_one_range_condition(tree) -> None:
    sql = str(OrgUnit.objects.filter(subtree_q(tree["d1"])).query)
    where = sql.split(" WHERE ")[1].split(" ORDER BY ")[0]
    path = tree["d1"].path
    assert where == f'("orgunits_orgunit"."path" >= {path} AND "orgunits_orgunit"."path" < {path[:-1]}0)'


def test_subtree_q_does_not_confuse_4_and_40(db) -> None:
    root = OrgUnit.objects.create(pk=4, code="A", name_vi="A", level=1)
    other = OrgUnit.objects.create(pk=40, code="B", name_vi="B", level=1)
    child = OrgUnit.objects.create(pk=400, code="C", name_vi="C", level=2, parent=root)
    assert set(OrgUnit.objects.filter(subtree_q(root))) == {root, child}
    assert set(OrgUnit.objects.filter(subtree_q(other))) == {other}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    # small ids make prefixes such as 4 / 40 / 41 frequent; some larger ones mix lengths further
    ids=st.lists(st.one_of(st.integers(1, 50), st.integers(100, 600)), min_size=1, max_size=25, unique=True),
    # small choices make wide, shallow trees (many siblings), large ones deep trees
    parent_choices=st.lists(st.one_of(st.integers(0, 2), st.integers(0, 10**6)), min_size=25, max_size=25),
)
def test_subtree_q_equals_the_prefix_rule_on_random_trees(db, ids, parent_choices) -> None:
    """For any tree (any ids, so 4/40/400-style prefixes happen), subtree_q selects exactly the units below
    the root in the tree we built, which is also the Python prefix check on paths."""
    with transaction.atomic():
        parents: dict[int, int | None] = {}
        units: dict[int, OrgUnit] = {}
        for i, pk in enumerate(ids):
            choice = parent_choices[i] % (i + 1)  # 0: a root, else one of the units made before
            parent = units[ids[choice - 1]] if choice else None
            parents[pk] = parent.pk if parent else None
            units[pk] = OrgUnit.objects.create(
                pk=pk, code=f"U{pk}", name_vi=f"U{pk}", level=(parent.level + 1 if parent else 1), parent=parent
            )

        def below(pk: int) -> set[int]:
            result = {pk}
            for child, parent_pk in parents.items():
                if parent_pk == pk:
                    result |= below(child)
            return result

        for root in units.values():
            root.refresh_from_db()
            selected = set(OrgUnit.objects.filter(subtree_q(root)).values_list("pk", flat=True))
            prefix = {u.pk for u in OrgUnit.objects.all() if u.path.startswith(root.path)}
            assert selected == prefix == below(root.pk)
            assert all(is_within(units[pk], [root]) for pk in selected)
            via_parent = set(OrgUnit.objects.filter(subtree_q(root, "parent__")).values_list("pk", flat=True))
            assert via_parent == below(root.pk) - {root.pk}
        transaction.set_rollback(True)


# --- resolve_code: the reorganisation rule --------------------------------------------------------------


def test_resolve_code_at_date(tree) -> None:
    assert resolve_code("08707", BEFORE) == tree["c1"]
    assert resolve_code("08707", AFTER) == tree["new_c"]
    assert resolve_code(" 08707 ", dt.date(2010, 1, 1)) == tree["c1"]


def test_resolve_code_unknown(tree) -> None:
    with pytest.raises(InvalidInput, match="unknown org unit code 'X9'") as exc:
        resolve_code("X9", AFTER, field="orgUnit")
    assert exc.value.errors == [{"field": "orgUnit", "message": "unknown org unit code 'X9'"}]


def test_resolve_code_closed_names_the_successor(tree) -> None:
    _link(tree["c2"], tree["new_c"])
    with pytest.raises(InvalidInput) as exc:
        resolve_code("08710", AFTER)
    assert exc.value.message == (
        "org unit '08710' (Phường Liên Bảo) was closed on 2025-06-30; "
        "for periods after that use its successor Phường Vĩnh Yên (08707)"
    )
    with pytest.raises(InvalidInput, match="closed on 2025-06-30; it has no successor"):
        resolve_code("243", AFTER)


def test_resolve_code_not_yet_opened_names_the_predecessors(tree) -> None:
    _link(tree["p"], tree["new_p"])
    with pytest.raises(InvalidInput, match=r"'25' \(Tỉnh Phú Thọ\) opened on 2025-07-01; .*Tỉnh Vĩnh Phúc \(26\)"):
        resolve_code("25", BEFORE)


def test_resolve_code_ambiguous(tree) -> None:
    make_unit("08773", "Phường Trưng Trắc (bản sao)", tree["d2"], level=3, opened=dt.date(2020, 1, 1))
    with pytest.raises(InvalidInput, match="'08773' is ambiguous on 2024-01-01: 2 units are open"):
        resolve_code("08773", dt.date(2024, 1, 1))
    assert resolve_code("08773", dt.date(2019, 1, 1)) == tree["c3"]  # only the older one was open then


def test_resolve_codes_in_one_query(tree, django_assert_num_queries) -> None:
    with django_assert_num_queries(1):
        found = resolve_codes(["08707", "08710", "243", "26"], BEFORE)
    assert {c: u.pk for c, u in found.items()} == {
        "08707": tree["c1"].pk,
        "08710": tree["c2"].pk,
        "243": tree["d1"].pk,
        "26": tree["p"].pk,
    }
    assert resolve_codes(["08707"], AFTER) == {"08707": tree["new_c"]}


def test_resolve_codes_reports_every_bad_code(tree) -> None:
    found, errors = try_resolve_codes(["08707", "nope", "243"], AFTER)
    assert found == {"08707": tree["new_c"]}
    assert set(errors) == {"nope", "243"}
    with pytest.raises(InvalidInput) as exc:
        resolve_codes(["08707", "nope", "243"], AFTER, field="orgUnit")
    assert [e["value"] for e in exc.value.errors] == ["243", "nope"]
    assert all(e["field"] == "orgUnit" for e in exc.value.errors)


def test_resolve_uid(tree) -> None:
    assert resolve_uid(tree["c1"].uid) == tree["c1"]
    with pytest.raises(NotFound, match="unknown org unit uid"):
        resolve_uid("Abcdefghijk")


# --- navigation -----------------------------------------------------------------------------------------


def test_children_ancestors_levels(tree) -> None:
    assert children(tree["p"]) == [tree["d1"], tree["d2"]]
    assert children(tree["p"], on=AFTER) == []
    assert children(tree["new_p"], on=AFTER) == [tree["new_c"]]
    assert ancestors(tree["c3"]) == [tree["p"], tree["d2"]]
    assert ancestors(tree["p"]) == []
    assert list(units_at_level(tree["p"], 3)) == [tree["c1"], tree["c2"], tree["c3"], tree["c4"]]
    assert list(units_at_level(tree["p"], 3, on=AFTER)) == []
    assert list(units_at_level(tree["d1"], 3, on=BEFORE)) == [tree["c1"], tree["c2"]]


def test_open_on_q(tree) -> None:
    open_after = set(OrgUnit.objects.filter(open_on_q(AFTER)))
    assert open_after == {tree["new_p"], tree["new_c"]}
    assert len(OrgUnit.objects.filter(open_on_q(BEFORE))) == 7


# --- successions ----------------------------------------------------------------------------------------


def test_successors_predecessors_and_current_successors(tree) -> None:
    later = dt.date(2030, 1, 1)
    east = make_unit("09001", "Phường Đông", tree["new_p"], level=3, opened=later)
    west = make_unit("09002", "Phường Tây", tree["new_p"], level=3, opened=later)
    OrgUnit.objects.filter(pk=tree["new_c"].pk).update(closed=later - dt.timedelta(days=1))
    _link(tree["c1"], tree["new_c"])
    _link(tree["c2"], tree["new_c"])
    Succession.objects.create(predecessor=tree["new_c"], successor=east, kind="split", date=later, weight=0.25)
    Succession.objects.create(predecessor=tree["new_c"], successor=west, kind="split", date=later, weight=0.75)

    assert successors(tree["c1"]) == [tree["new_c"]]
    assert predecessors(tree["new_c"]) == [tree["c1"], tree["c2"]]
    # transitively, only through successions that have happened by `on`
    assert current_successors(tree["c1"], on=dt.date(2026, 1, 1)) == [(tree["new_c"], 1.0)]
    assert current_successors(tree["c1"], on=later) == [(east, 0.25), (west, 0.75)]
    assert current_successors(tree["c3"], on=later) == [(tree["c3"], 1.0)]  # no successor: itself


def test_current_successors_survives_a_cycle(tree) -> None:
    _link(tree["c1"], tree["c2"])
    _link(tree["c2"], tree["c1"])
    # following c1 → c2 → c1 stops where it would come back: it terminates
    assert current_successors(tree["c1"], on=AFTER) == [(tree["c2"], 1.0)]


# --- scopes ---------------------------------------------------------------------------------------------


def test_scope_rule(tree) -> None:
    assert is_within(tree["c1"], [tree["d1"]])
    assert not is_within(tree["c3"], [tree["d1"]])
    assert is_within(tree["c3"], [tree["d1"], tree["d2"]])
    assert is_within(tree["new_c"], None)
    assert not is_within(tree["c1"], [])
    assert set(OrgUnit.objects.filter(scope_q([tree["d1"]]))) == {tree["d1"], tree["c1"], tree["c2"]}
    assert OrgUnit.objects.filter(scope_q([])).count() == 0
    assert OrgUnit.objects.filter(scope_q(None)).count() == 9


def test_view_roots_and_visible_units(tree, make_user) -> None:
    district_user = make_user("district", view=[tree["d2"]])
    admin = make_user("boss", superuser=True)
    nobody = make_user("nobody")
    assert set(visible_units(district_user)) == {tree["d2"], tree["c3"], tree["c4"]}
    assert visible_units(admin).count() == 9
    assert visible_units(nobody).count() == 0
    assert view_roots(AnonymousUser()) == []
    assert view_roots(None) == []


def test_view_roots_without_the_accounts_method(tree) -> None:
    class Plain:
        is_authenticated = True
        is_superuser = False

    class Super(Plain):
        is_superuser = True

    assert view_roots(Plain()) == []
    assert view_roots(Super()) is None


def test_path_compares_bytewise(db) -> None:
    """The subtree range needs '/' < '0' in the path column's collation (PostgreSQL: "C", migration 0002)."""
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT collation_name FROM information_schema.columns"
                " WHERE table_name = 'orgunits_orgunit' AND column_name = 'path'"
            )
            assert cur.fetchone()[0] == "C"
    for path in ("/4/5/", "/40/", "/4/", "/3/", "/5/", "/4/10/"):
        OrgUnit.objects.create(code=path, name_vi=path, level=1)
    OrgUnit.objects.update(path=models.F("code"))  # paths set by hand: only their order matters here
    root = OrgUnit.objects.get(code="/4/")
    assert sorted(OrgUnit.objects.filter(subtree_q(root)).values_list("path", flat=True)) == ["/4/", "/4/10/", "/4/5/"]
