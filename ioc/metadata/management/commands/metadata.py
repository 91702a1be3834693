"""ioc metadata load FILE [--dry-run] [--user USERNAME] | ioc metadata export [FILE] [--format yaml|json]"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ioc.accounts.models import User
from ioc.audit.models import Via
from ioc.core.errors import InvalidInput
from ioc.metadata import config


class Command(BaseCommand):
    help = "Load or export the metadata configuration document (YAML or JSON); see docs/metadata.md."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="load a document: upsert by code, all or nothing, idempotent")
        load.add_argument("file", help="a .yaml/.yml or .json file; '-' reads YAML or JSON from standard input")
        load.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
        load.add_argument("--user", help="username the audit entries are attributed to")
        export = sub.add_parser("export", help="write every metadata object as a document")
        export.add_argument("file", nargs="?", help="output file (default: standard output)")
        export.add_argument("--format", choices=["yaml", "json"], help="default: from FILE's extension, else yaml")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load":
            self._load(options)
        else:
            self._export(options)

    def _load(self, options: dict[str, Any]) -> None:
        user = None
        if options.get("user"):
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"unknown user '{options['user']}'")
        try:
            data = config.read_file(options["file"], stdin=sys.stdin)
        except InvalidInput as exc:
            raise CommandError(exc.message) from None
        report = config.load_document(data, user=user, dry_run=options["dry_run"], via=Via.CLI)
        self.stdout.write(report.as_text())
        if not report.ok:
            raise CommandError(f"{len(report.errors)} error(s) in {options['file']}: nothing written")

    def _export(self, options: dict[str, Any]) -> None:
        path = options.get("file")
        fmt = options.get("format") or ("json" if path and Path(path).suffix.lower() == ".json" else "yaml")
        text = config.render(config.export_document(), fmt)
        if path:
            Path(path).write_text(text, encoding="utf-8")
            self.stderr.write(f"Written {path}")
        else:
            self.stdout.write(text, ending="")
