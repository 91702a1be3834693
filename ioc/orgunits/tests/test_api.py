"""GET /api/v1/orgunits: filters, the code-at-date rule, scopes, errors."""

from __future__ import annotations

import pytest
from django.test import Client

from ioc.accounts.auth import hash_token
from ioc.accounts.models import ApiToken
from ioc.orgunits.models import OrgUnitLevel, Succession

from .conftest import AFTER

pytestmark = pytest.mark.django_db

URL = "/api/v1/orgunits"


@pytest.fixture
def admin_client(tree, make_user) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(make_user("boss", superuser=True))
    return client


def _codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] >= len(body["items"])
    return [item["code"] for item in body["items"]]


def test_list_all_with_fields(admin_client, tree) -> None:
    Succession.objects.create(predecessor=tree["c1"], successor=tree["new_c"], kind="merge", date=AFTER)
    response = admin_client.get(URL)
    body = response.json()
    assert body["count"] == 9
    item = next(i for i in body["items"] if i["uid"] == tree["c1"].uid)
    assert item["code"] == "08707" and item["name"] == "Phường Tích Sơn"
    assert item["level"] == 3 and item["parent"] == "243" and item["parentUid"] == tree["d1"].uid
    assert item["opened"] is None and item["closed"] == "2025-06-30"
    assert item["successors"] == [
        {
            "uid": tree["new_c"].uid,
            "code": "08707",
            "name": "Phường Vĩnh Yên",
            "kind": "merge",
            "date": "2025-07-01",
            "weight": 1.0,
        }
    ]
    new = next(i for i in body["items"] if i["uid"] == tree["new_c"].uid)
    assert [p["name"] for p in new["predecessors"]] == ["Phường Tích Sơn"]
    assert {"nameEn", "kind", "latitude", "longitude"} <= set(item)
    assert "geometry" not in item


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("level=2", {"243", "244"}),
        ("level=3&date=2025-06-30", {"08707", "08710", "08773", "08776"}),
        ("date=2025-07-01", {"25", "08707"}),
        ("parent=243&date=2025-06-30", {"08707", "08710"}),
        ("parent=25", {"08707"}),  # resolved today: the new province
        ("code=08707", {"08707"}),
        ("q=Tích", {"08707"}),
        ("q=244", {"244"}),
    ],
)
def test_filters(admin_client, query, expected) -> None:
    assert set(_codes(admin_client.get(f"{URL}?{query}"))) == expected


def test_code_at_date(admin_client, tree) -> None:
    both = admin_client.get(f"{URL}?code=08707").json()
    assert both["count"] == 2
    before = admin_client.get(f"{URL}?code=08707&date=2025-06-30").json()
    after = admin_client.get(f"{URL}?code=08707&date=2025-07-01").json()
    assert [i["name"] for i in before["items"]] == ["Phường Tích Sơn"]
    assert [i["name"] for i in after["items"]] == ["Phường Vĩnh Yên"]


def test_paging(admin_client) -> None:
    first = admin_client.get(f"{URL}?limit=4").json()
    rest = admin_client.get(f"{URL}?limit=4&offset=4").json()
    assert first["count"] == rest["count"] == 9
    assert len(first["items"]) == 4 and len(rest["items"]) == 4
    assert not {i["uid"] for i in first["items"]} & {i["uid"] for i in rest["items"]}


def test_list_query_count_does_not_grow(admin_client, django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(8):
        admin_client.get(URL)


def test_detail_has_geometry_and_path(admin_client, tree) -> None:
    tree["c3"].geometry = {"type": "Point", "coordinates": [105.7, 21.2]}
    tree["c3"].save()
    body = admin_client.get(f"{URL}/{tree['c3'].uid}").json()
    assert body["geometry"] == {"type": "Point", "coordinates": [105.7, 21.2]}
    assert body["path"] == ["26", "244"]
    assert body["name"] == "Phường Trưng Trắc"


def test_levels(admin_client) -> None:
    OrgUnitLevel.objects.create(level=1, code="province", name_vi="Tỉnh", name_en="Province")
    OrgUnitLevel.objects.create(level=3, code="commune", name_vi="Xã", name_en="Commune")
    body = admin_client.get(f"{URL}/levels").json()
    assert [(lv["level"], lv["name"]) for lv in body] == [(1, "Tỉnh"), (3, "Xã")]


# --- scope: the right user sees, the wrong one does not -------------------------------------------------


def test_district_user_sees_only_the_district(tree, make_user) -> None:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(make_user("vinhyen", view=[tree["d1"]], roles=["leader"]))
    assert set(_codes(client.get(URL))) == {"243", "08707", "08710"}
    assert client.get(URL).json()["count"] == 3
    assert _codes(client.get(f"{URL}?parent=244&date=2025-06-30")) == []
    assert client.get(f"{URL}/{tree['c1'].uid}").status_code == 200
    response = client.get(f"{URL}/{tree['c3'].uid}")  # Phúc Yên: outside the scope, reported as unknown
    assert response.status_code == 404
    assert "unknown org unit uid" in response.json()["message"]


def test_user_without_scope_sees_nothing(tree, make_user) -> None:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(make_user("nobody", roles=["leader"]))
    assert client.get(URL).json() == {"items": [], "count": 0}
    assert client.get(f"{URL}/{tree['p'].uid}").status_code == 404


def test_unauthenticated_is_401(tree) -> None:
    for url in (URL, f"{URL}/levels", f"{URL}/{tree['p'].uid}"):
        response = Client(headers={"Accept-Language": "en"}).get(url)
        assert response.status_code == 401
        assert response.json()["status"] == 401


def _token(user, scopes: list[str]) -> str:
    token = f"ioc_test_{user.username}_{'_'.join(scopes)}"
    ApiToken.objects.create(user=user, prefix=token[:8], token_hash=hash_token(token), scopes=scopes)
    return token


def test_token_needs_a_read_scope(tree, make_user) -> None:
    user = make_user("integrator", view=[tree["d2"]], roles=["integrator"])
    good = _token(user, ["metadata:read"])
    bad = _token(user, ["data:write"])
    response = Client(headers={"Accept-Language": "en"}).get(URL, headers={"Authorization": f"Bearer {good}"})
    assert set(_codes(response)) == {"244", "08773", "08776"}  # the token's user's scope applies
    refused = Client(headers={"Accept-Language": "en"}).get(URL, headers={"Authorization": f"Bearer {bad}"})
    assert refused.status_code == 403 and "scope" in refused.json()["message"]
    assert (
        Client(headers={"Accept-Language": "en"}).get(URL, headers={"Authorization": "Bearer wrong"}).status_code == 401
    )


# --- bad input: 4xx JSON naming the field, never 500 ----------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("date=2025-13-01", "date"),
        ("date=yesterday", "date"),
        ("level=abc", "level"),
        ("level=0", "level"),
        ("limit=0", "limit"),
        ("limit=100000", "limit"),
        ("offset=-1", "offset"),
    ],
)
def test_bad_params_are_422_naming_the_field(admin_client, query, field) -> None:
    response = admin_client.get(f"{URL}?{query}")
    assert response.status_code == 422
    body = response.json()
    assert body["status"] == 422
    assert field in [e["field"] for e in body["errors"]]


def test_unknown_or_closed_parent_is_400(admin_client) -> None:
    response = admin_client.get(f"{URL}?parent=nope")
    assert response.status_code == 400
    assert response.json()["message"] == "unknown org unit code 'nope'"
    assert response.json()["errors"] == [{"field": "parent", "message": "unknown org unit code 'nope'"}]
    closed = admin_client.get(f"{URL}?parent=243&date=2025-07-01")
    assert closed.status_code == 400 and "was closed on 2025-06-30" in closed.json()["message"]


def test_unknown_uid_is_404(admin_client) -> None:
    response = admin_client.get(f"{URL}/NoSuchUnit1")
    assert response.status_code == 404 and response.json()["status"] == 404
