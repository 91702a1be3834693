"""Backup and restore of the whole database, for SQLite and PostgreSQL.

SQLite: SQLite's online backup API (a consistent copy while the server runs). PostgreSQL: pg_dump's custom
format and pg_restore (the PostgreSQL client programs must be installed). Restoring replaces everything:
stop the server first.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connection

from ioc.core.errors import InvalidInput

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


def _pg_env() -> dict[str, str]:
    """libpq's variables from Django's settings, so no password appears on a command line."""
    params = connection.settings_dict
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if params.get(key):
            env[var] = str(params[key])
    env["PGDATABASE"] = str(params["NAME"])
    return env


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise InvalidInput(f"'{name}' was not found: install the PostgreSQL client programs (e.g. postgresql-client)")
    return path


def backup(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        dest = sqlite3.connect(target)
        try:
            connection.connection.backup(dest)
        finally:
            dest.close()
        return target
    if connection.vendor == "postgresql":
        subprocess.run(
            [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(target)],
            env=_pg_env(),
            check=True,
            capture_output=True,
        )
        return target
    raise InvalidInput(f"backup is not supported for the '{connection.vendor}' database")


def restore(source: Path) -> None:
    if not source.is_file():
        raise InvalidInput(f"{source}: no such backup file")
    head = source.read_bytes()[:16]
    if connection.vendor == "sqlite":
        if head != SQLITE_MAGIC:
            raise InvalidInput(f"{source}: not an SQLite backup (wrong file header)")
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            if src.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise InvalidInput(f"{source}: the backup is damaged (integrity check failed)")
            has_schema = src.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
            ).fetchone()[0]
            if not has_schema:
                raise InvalidInput(f"{source}: not an ioc database (no migrations table)")
            connection.ensure_connection()
            src.backup(connection.connection)
        finally:
            src.close()
        return
    if connection.vendor == "postgresql":
        if not head.startswith(PGDUMP_MAGIC):
            raise InvalidInput(f"{source}: not a pg_dump custom-format backup (wrong file header)")
        connection.close()  # pg_restore --clean drops tables; hold no locks on them
        result = subprocess.run(
            [
                _pg_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--dbname",
                str(connection.settings_dict["NAME"]),
                str(source),
            ],
            env=_pg_env(),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise InvalidInput(f"{source}: pg_restore failed: {result.stderr.strip()[:500]}")
        return
    raise InvalidInput(f"restore is not supported for the '{connection.vendor}' database")
