"""On PostgreSQL, compare org-unit paths bytewise (collation "C").

selectors.subtree_q selects a subtree with the range path >= '/1/4/' AND path < '/1/40', which relies on
'/' sorting before the digits. A linguistic collation (e.g. en_US.UTF-8 of older glibc) may ignore
punctuation and break that, so the column uses "C" there; the btree index then serves the range too.
SQLite compares text bytewise (BINARY) already.
"""

from django.db import migrations


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('ALTER TABLE orgunits_orgunit ALTER COLUMN path TYPE varchar(255) COLLATE "C"')


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('ALTER TABLE orgunits_orgunit ALTER COLUMN path TYPE varchar(255) COLLATE "default"')


class Migration(migrations.Migration):
    dependencies = [("orgunits", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
