"""`ioc restore FILE --yes`: replace the whole database with a backup. Stop the server first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ioc.audit.services import record
from ioc.core import backup
from ioc.core.errors import IocError


class Command(BaseCommand):
    help = "Restore the database from a backup made by `ioc backup` (replaces everything)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--yes", action="store_true", help="confirm that the current data will be replaced")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"]:
            raise CommandError("restore replaces every row of the database: add --yes to confirm")
        source = Path(options["file"])
        try:
            backup.restore(source)
        except IocError as exc:
            raise CommandError(exc.message) from None
        record(None, "core.restore", via="cli", object_type="database", object_repr=str(source))
        self.stdout.write(self.style.SUCCESS(f"Restored from {source}"))
