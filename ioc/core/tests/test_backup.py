import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from ioc.orgunits.models import OrgUnit
from ioc.orgunits.testing import make_unit


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_brings_back_the_data(tmp_path):
    make_unit("26", "Tỉnh Vĩnh Phúc")
    target = tmp_path / ("b.sqlite3" if connection.vendor == "sqlite" else "b.pgdump")
    call_command("backup", str(target))
    assert target.stat().st_size > 0

    OrgUnit.objects.all().delete()
    make_unit("99", "Không có trong bản sao lưu")
    call_command("restore", str(target), "--yes")

    assert list(OrgUnit.objects.values_list("code", "name_vi")) == [("26", "Tỉnh Vĩnh Phúc")]


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_without_confirmation_and_bad_files(tmp_path):
    bogus = tmp_path / "not-a-backup.bin"
    bogus.write_bytes(b"hello world, this is not a database")
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(bogus))
    with pytest.raises(CommandError, match="wrong file header"):
        call_command("restore", str(bogus), "--yes")
    with pytest.raises(CommandError, match="no such backup file"):
        call_command("restore", str(tmp_path / "missing"), "--yes")
