"""`ioc backup [FILE]`: a consistent copy of the whole database (SQLite or PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from ioc.audit.services import record
from ioc.core import backup
from ioc.core.errors import IocError


class Command(BaseCommand):
    help = "Back up the database to FILE (default: var/backups/ioc-<time>.sqlite3 or .pgdump)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?")

    def handle(self, *args: Any, **options: Any) -> None:
        suffix = "sqlite3" if connection.vendor == "sqlite" else "pgdump"
        default = Path(settings.VAR_DIR) / "backups" / f"ioc-{timezone.now():%Y%m%d-%H%M%S}.{suffix}"
        target = Path(options["file"]) if options["file"] else default
        try:
            backup.backup(target)
        except IocError as exc:
            raise CommandError(exc.message) from None
        record(None, "core.backup", via="cli", object_type="database", object_repr=str(target))
        self.stdout.write(self.style.SUCCESS(f"Backed up to {target} ({target.stat().st_size:,} bytes)"))
