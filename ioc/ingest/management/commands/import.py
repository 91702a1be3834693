# ruff: noqa: N999  (the command is `ioc import`: its module must be called import)
"""ioc import FILE [FILE…] --user USERNAME [--dry-run] [--strategy …] [--id-scheme …] [--partial] [--format …]

Imports data values from DHIS2 CSV, dataValueSets JSON, ADX or the XLSX template (ioc.ingest.formats), with
every rule of the web form (ioc.ingest.importer.do_import), as one import: all files or nothing unless
--partial. Prints the summary (counts, the first conflicts, how many more); the exit code is 1 when the
import failed (status ERROR), 0 otherwise.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from ioc.accounts.models import User
from ioc.audit.models import Via
from ioc.core.errors import IocError
from ioc.ingest.formats import FORMATS, parse_file
from ioc.ingest.importer import do_import, record_failure
from ioc.ingest.rows import FileError, IdSchemes, ParseResult
from ioc.ingest.summary import ERROR, STRATEGIES, ImportSummary


class Command(BaseCommand):
    help = "Import data values from CSV, JSON (dataValueSets), ADX or XLSX files; see docs/ingest.md."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="files to import, as one import")
        parser.add_argument("--user", required=True, help="the user the values are entered as (roles and scope apply)")
        parser.add_argument("--dry-run", action="store_true", help="check everything and report, write nothing")
        parser.add_argument("--strategy", default="CREATE_AND_UPDATE", choices=STRATEGIES, type=str.upper)
        parser.add_argument("--id-scheme", choices=["uid", "code", "name"], help="idScheme for every reference")
        parser.add_argument("--partial", action="store_true", help="write the good rows even when some are bad")
        parser.add_argument("--format", choices=FORMATS, help="the files' format (default: from the extension)")
        parser.add_argument("--show", type=int, default=20, help="conflicts to print (default 20)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None or not user.is_active:
            raise CommandError(_("unknown or inactive user '%(user)s'") % {"user": options["user"]})
        schemes = IdSchemes.from_options({"idScheme": options["id_scheme"]}) if options["id_scheme"] else None
        names = ", ".join(Path(f).name for f in options["files"])
        parsed: list[ParseResult] = []
        try:
            for path in options["files"]:
                try:
                    with open(path, "rb") as handle:
                        self.stderr.write(_("Reading %(file)s") % {"file": path})
                        parsed.append(parse_file(handle, Path(path).name, fmt=options["format"], schemes=schemes))
                except OSError as exc:
                    raise CommandError(_("%(file)s: %(why)s") % {"file": path, "why": exc.strerror}) from None
        except FileError as exc:
            summary = record_failure(
                user,
                names,
                Via.CLI,
                exc,
                strategy=options["strategy"],
                dry_run=options["dry_run"],
                all_or_nothing=not options["partial"],
            )
            self._report(summary, options["show"])
            raise CommandError(exc.message) from None
        bar = tqdm(total=0, desc=_("Import"), unit=_("step"), disable=None)

        def progress(done: int, total: int) -> None:
            if bar.total != total:
                bar.total = total
            bar.n = done
            bar.refresh()

        try:
            summary = do_import(
                user,
                parsed,
                strategy=options["strategy"],
                dry_run=options["dry_run"],
                all_or_nothing=not options["partial"],
                via=Via.CLI,
                source=names,
                progress=progress,
            )
        except IocError as exc:
            raise CommandError(exc.message) from None
        finally:
            bar.close()
        self._report(summary, options["show"])
        if summary.status == ERROR:
            raise CommandError(_("nothing was imported"))

    def _report(self, summary: ImportSummary, show: int) -> None:
        self.stdout.write(f"{summary.status}: {summary.description}")
        counts = summary.import_count
        self.stdout.write(
            _("imported %(imported)s, updated %(updated)s, ignored %(ignored)s, deleted %(deleted)s")
            % {k: f"{v:,}" for k, v in counts.items()}
        )
        if summary.validation.get("message"):
            self.stdout.write(str(summary.validation["message"]))
            for example in summary.validation.get("examples", [])[:show]:
                self.stdout.write(f"  {example}")
        for conflict in summary.conflicts[:show]:
            self.stdout.write("  " + conflict.as_dict()["message"])
        more = len(summary.conflicts) - show
        if more > 0:
            self.stdout.write(_("  … and %(n)s more conflicts") % {"n": f"{more:,}"})
        if summary.import_run:
            self.stdout.write(
                _("Import run %(id)s (%(seconds).1f s)") % {"id": summary.import_run, "seconds": summary.seconds}
            )
