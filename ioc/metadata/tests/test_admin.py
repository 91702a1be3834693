from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from ioc.audit.models import AuditEntry
from ioc.metadata import services
from ioc.metadata.models import (
    Category,
    CategoryCombo,
    CategoryOptionCombo,
    DataElement,
    DataSet,
    Indicator,
    Sector,
    ValidationRule,
)

pytestmark = pytest.mark.django_db


class _FormFields(HTMLParser):
    """The values a browser would submit for the page's main form (inputs, selects, textareas)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._multiple = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value") or ("on" if a.get("type") == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.data[self._textarea][0] = self.data[self._textarea][0].lstrip("\n")
            self._textarea = None


def form_data(client: Client, url: str, **changes) -> dict:
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    parser = _FormFields()
    parser.feed(page.content.decode())
    data: dict = {k: (v if len(v) != 1 else v[0]) for k, v in parser.data.items() if k != "csrfmiddlewaretoken"}
    for k in [k for k, v in data.items() if v == []]:
        data[k] = ""
    data.update(changes)
    return data


@pytest.fixture
def admin_client(db):
    from ioc.accounts.models import User

    user = User.objects.create_superuser("md_super", "s@example.org", "x-Test-12345")
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.user = user  # type: ignore[attr-defined]
    return client


@pytest.fixture
def staff_client(db):
    """A staff user with Django's model permissions on metadata, but whose role decides the rest."""

    def make(roles: list[str]) -> Client:
        from ioc.accounts.models import User

        user = User.objects.create_user(f"staff_{'_'.join(roles) or 'none'}", password="x-Test-12345", roles=roles)
        user.is_staff = True
        user.save()
        user.user_permissions.set(Permission.objects.filter(content_type__app_label="metadata"))
        client = Client()
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


def test_every_changelist_and_add_page_opens(admin_client, sex_combo, make_element):
    make_element("PUPILS", combo=sex_combo)
    for model in ("sector", "category", "categorycombo", "categoryoptioncombo", "dataelement", "dataset",
                  "indicator", "validationrule"):  # fmt: skip
        assert admin_client.get(f"/admin/metadata/{model}/").status_code == 200, model
        assert admin_client.get(f"/admin/metadata/{model}/?q=a").status_code == 200, model
        if model != "categoryoptioncombo":
            assert admin_client.get(f"/admin/metadata/{model}/add/").status_code == 200, model
    coc = CategoryOptionCombo.objects.get(code="FEMALE")
    assert admin_client.get(f"/admin/metadata/categoryoptioncombo/{coc.pk}/change/").status_code == 200
    assert admin_client.get(f"/admin/metadata/categorycombo/{sex_combo.pk}/change/").status_code == 200
    assert admin_client.get("/admin/metadata/dataelement/?value_type__exact=INTEGER").status_code == 200


def test_add_data_element_is_validated_and_audited(admin_client):
    url = "/admin/metadata/dataelement/add/"
    data = form_data(admin_client, url, code="NOTE", name_vi="Ghi chú", value_type="TEXT", aggregation_type="SUM")
    page = admin_client.post(url, data)
    assert page.status_code == 200  # the form again, with the error
    assert "a TEXT element cannot aggregate by SUM" in page.content.decode()
    assert not DataElement.objects.exists()

    data["aggregation_type"] = "LAST"
    assert admin_client.post(url, data).status_code == 302
    element = DataElement.objects.get(code="NOTE")
    assert element.category_combo.code == "default"
    entry = AuditEntry.objects.get(object_type="metadata.dataelement", action="create")
    assert entry.via == "admin" and entry.user == admin_client.user

    change = f"/admin/metadata/dataelement/{element.pk}/change/"
    assert admin_client.post(change, form_data(admin_client, change, unit="chữ")).status_code == 302
    assert AuditEntry.objects.get(object_type="metadata.dataelement", action="update").changes == {"unit": ["", "chữ"]}


def test_indicator_expression_errors_show_on_the_form(admin_client, make_element):
    make_element("BEDS")
    url = "/admin/metadata/indicator/add/"
    data = form_data(admin_client, url, code="IND", name_vi="Chỉ số", numerator="#{BEDS} * (2", denominator="#{BED}")
    page = admin_client.post(url, data)
    text = page.content.decode()
    assert page.status_code == 200
    assert "unexpected end of expression" in text
    assert "unknown data element &#x27;BED&#x27;" in text
    assert not Indicator.objects.exists()
    data.update(numerator="#{BEDS} * 2", denominator="1")
    assert admin_client.post(url, data).status_code == 302
    assert Indicator.objects.get(code="IND").numerator == "#{BEDS} * 2"


def test_validation_rule_form(admin_client, make_element):
    make_element("A")
    url = "/admin/metadata/validationrule/add/"
    data = form_data(admin_client, url, code="R", name_vi="r", left="#{A}", operator=">=", right="max(#{A},")
    assert "unexpected end of expression" in admin_client.post(url, data).content.decode()
    data["right"] = "0"
    assert admin_client.post(url, data).status_code == 302
    assert ValidationRule.objects.get(code="R").right == "0"
    assert AuditEntry.objects.filter(object_type="metadata.validationrule", via="admin").count() == 1


def test_category_with_inline_options_and_combo_generation(admin_client):
    url = "/admin/metadata/category/add/"
    data = form_data(admin_client, url, code="SEX", name_vi="Giới tính")
    data.update({
        "category_options-TOTAL_FORMS": "2",
        "category_options-0-sort_order": "1", "category_options-0-code": "FEMALE",
        "category_options-0-name_vi": "Nữ", "category_options-0-name_en": "Female",
        "category_options-1-sort_order": "0", "category_options-1-code": "MALE",
        "category_options-1-name_vi": "Nam", "category_options-1-name_en": "Male",
    })  # fmt: skip
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    sex = Category.objects.get(code="SEX")
    assert [o.code for o in sex.category_options.order_by("sort_order")] == ["MALE", "FEMALE"]
    level = Category(code="LEVEL", name_vi="Cấp học")
    services.do_save_category(None, level, [services.OptionData("PRIMARY", "Tiểu học", "Primary")])

    url = "/admin/metadata/categorycombo/add/"
    data = form_data(admin_client, url, code="LVL_SEX", name_vi="Cấp học, giới tính", category_codes="LEVEL, NOPE")
    assert "Unknown category code(s): NOPE" in admin_client.post(url, data).content.decode()
    data["category_codes"] = "LEVEL, SEX"
    assert admin_client.post(url, data).status_code == 302
    combo = CategoryCombo.objects.get(code="LVL_SEX")
    assert [(c.code, c.name_vi) for c in combo.option_combos.order_by("sort_order")] == [
        ("PRIMARY_MALE", "Tiểu học, Nam"),
        ("PRIMARY_FEMALE", "Tiểu học, Nữ"),
    ]
    change = f"/admin/metadata/categorycombo/{combo.pk}/change/"
    assert form_data(admin_client, change)["category_codes"] == "LEVEL, SEX"


def test_removing_an_option_whose_cells_hold_values_is_refused_on_the_form(admin_client, sex_combo, tree):
    element = DataElement(code="PUPILS", name_vi="Học sinh", value_type="INTEGER", category_combo=sex_combo)
    services.do_save_data_element(None, element)
    now = timezone.now()
    apps.get_model("datavalues", "DataValue").objects.create(
        data_element=element, org_unit=tree["c1"], period="202401", period_type="Monthly",
        start_date=dt.date(2024, 1, 1), end_date=dt.date(2024, 1, 31),
        category_option_combo=CategoryOptionCombo.objects.get(code="FEMALE"), value_num=3,
        created=now, last_updated=now,
    )  # fmt: skip
    sex = Category.objects.get(code="SEX")
    url = f"/admin/metadata/category/{sex.pk}/change/"
    data = form_data(admin_client, url)
    female = next(k for k, v in data.items() if k.endswith("-code") and v == "FEMALE")
    data[female.replace("-code", "-DELETE")] = "on"
    page = admin_client.post(url, data)
    assert page.status_code == 200
    assert "option combo &#x27;FEMALE&#x27; of &#x27;SEX_C&#x27; has data values" in page.content.decode()
    assert sex.category_options.filter(code="FEMALE").exists()


def test_data_set_with_ordered_elements_and_units(admin_client, make_element, tree):
    a, b = make_element("A"), make_element("B")
    url = "/admin/metadata/dataset/add/"
    data = form_data(admin_client, url, code="DS", name_vi="Bộ", period_type="Monthly")
    data.update({
        "data_set_elements-TOTAL_FORMS": "2",
        "data_set_elements-0-sort_order": "2", "data_set_elements-0-data_element": str(a.pk),
        "data_set_elements-1-sort_order": "1", "data_set_elements-1-data_element": str(b.pk),
        "org_units": [str(tree["c1"].pk), str(tree["c2"].pk)],
    })  # fmt: skip
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    ds = DataSet.objects.get(code="DS")
    assert list(ds.data_set_elements.values_list("data_element__code", flat=True)) == ["B", "A"]
    assert set(ds.org_units.all()) == {tree["c1"], tree["c2"]}
    entry = AuditEntry.objects.get(object_type="metadata.dataset")
    assert entry.via == "admin" and entry.changes["elements"] == [None, ["B", "A"]]


def test_delete_through_the_admin_is_audited_and_refusal_is_a_message(admin_client, make_element):
    sector = Sector(code="HEALTH", name_vi="Y tế")
    services.do_save_sector(None, sector)
    make_element("BEDS", sector=sector)
    url = f"/admin/metadata/sector/{sector.pk}/delete/"
    page = admin_client.post(url, {"post": "yes"})
    assert page.status_code in (200, 302)  # Django lists the protected objects, or our message
    assert Sector.objects.filter(pk=sector.pk).exists()

    element = DataElement.objects.get(code="BEDS")
    assert admin_client.post(f"/admin/metadata/dataelement/{element.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not DataElement.objects.exists()
    entry = AuditEntry.objects.get(action="delete")
    assert entry.via == "admin" and entry.object_type == "metadata.dataelement"
    default = CategoryCombo.objects.get(code="default")
    assert admin_client.get(f"/admin/metadata/categorycombo/{default.pk}/delete/").status_code == 403


def test_deleting_a_category_in_use_is_a_message_not_an_error(admin_client, sex_combo):
    sex = Category.objects.get(code="SEX")
    response = admin_client.post(f"/admin/metadata/category/{sex.pk}/delete/", {"post": "yes"}, follow=True)
    assert response.status_code == 200
    assert "ategory &#x27;SEX&#x27; is used by SEX_C" in response.content.decode()
    assert Category.objects.filter(pk=sex.pk).exists()
    # the bulk action too
    response = admin_client.post(
        "/admin/metadata/category/",
        {"action": "delete_selected", "_selected_action": [sex.pk], "post": "yes"},
        follow=True,
    )
    assert "is used by SEX_C" in response.content.decode()
    assert Category.objects.filter(pk=sex.pk).exists()


def test_option_combo_uid_is_the_only_edit(admin_client, sex_combo):
    coc = CategoryOptionCombo.objects.get(code="MALE")
    url = f"/admin/metadata/categoryoptioncombo/{coc.pk}/change/"
    response = admin_client.post(url, form_data(admin_client, url, uid="Abcdefghij1", code="HACKED"))
    assert response.status_code == 302
    coc.refresh_from_db()
    assert (coc.uid, coc.code) == ("Abcdefghij1", "MALE")
    assert AuditEntry.objects.get(object_type="metadata.categoryoptioncombo").changes["uid"][1] == "Abcdefghij1"


# ----- permissions ---------------------------------------------------------------------------------------


def test_operator_may_edit_metadata_in_the_admin(staff_client):
    client = staff_client(["operator"])
    url = "/admin/metadata/sector/add/"
    assert client.post(url, form_data(client, url, code="HEALTH", name_vi="Y tế")).status_code == 302
    assert Sector.objects.filter(code="HEALTH").exists()


def test_leader_may_look_but_not_edit(staff_client):
    client = staff_client(["leader"])
    assert client.get("/admin/metadata/sector/").status_code == 200
    assert client.get("/admin/metadata/sector/add/").status_code == 403
    assert client.post("/admin/metadata/sector/add/", {"code": "X", "name_vi": "x", "sort_order": 0}).status_code == 403
    assert not Sector.objects.exists()


def test_user_without_role_sees_nothing(staff_client):
    client = staff_client([])
    assert client.get("/admin/metadata/sector/").status_code == 403
