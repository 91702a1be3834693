"""The "default" category combo (no categories) and its one option combo "default", with DHIS2's uids so
that DHIS2 payloads naming them map one to one. Uses the historical models (apps.get_model)."""

from django.db import migrations

DEFAULT_COMBO_UID = "bjDvmb4bfuf"
DEFAULT_COC_UID = "HllvX50cXC0"


def create_default(apps, schema_editor):
    CategoryCombo = apps.get_model("metadata", "CategoryCombo")
    CategoryOptionCombo = apps.get_model("metadata", "CategoryOptionCombo")
    combo, _created = CategoryCombo.objects.get_or_create(
        code="default", defaults={"uid": DEFAULT_COMBO_UID, "name_vi": "default", "name_en": "default"}
    )
    CategoryOptionCombo.objects.get_or_create(
        code="default",
        defaults={"uid": DEFAULT_COC_UID, "combo": combo, "name_vi": "default", "name_en": "default"},
    )


def remove_default(apps, schema_editor):
    CategoryCombo = apps.get_model("metadata", "CategoryCombo")
    CategoryOptionCombo = apps.get_model("metadata", "CategoryOptionCombo")
    CategoryOptionCombo.objects.filter(code="default", combo__code="default").delete()
    CategoryCombo.objects.filter(code="default", data_elements__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("metadata", "0001_initial")]

    operations = [migrations.RunPython(create_default, remove_default)]
