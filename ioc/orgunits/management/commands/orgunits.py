"""`ioc orgunits load-vn …` and `ioc orgunits import-geojson …`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from tqdm import tqdm

from ioc.core.errors import IocError
from ioc.orgunits import vn
from ioc.orgunits.services import GeoJsonReport, LoadSummary, do_import_geojson, do_load_vn

PROGRESS_THRESHOLD = 500  # units: show a progress bar for loads larger than this
LEVEL_NAMES = {1: gettext_lazy("province"), 2: gettext_lazy("district"), 3: gettext_lazy("commune")}
SHOW_MAX = 20  # unmatched / ambiguous features listed one by one (unless --verbosity 2)


def _date(text: str) -> dt.date:
    import argparse

    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


class Command(BaseCommand):
    help = "Org units: load Vietnam's administrative units, import GeoJSON geometry."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{load-vn,import-geojson}")

        load = sub.add_parser(
            "load-vn",
            help="load a province as before the 2025 reorganisation and the units that replaced it",
            description=(
                "Load an old province (code as before 2025-07-01, e.g. 26 Vĩnh Phúc) with its districts and "
                "communes (closed on the day before IOC_REORGANISATION_DATE), the new province and communes "
                "they went into (opened on that date) and the successions between them. Idempotent."
            ),
        )
        load.add_argument(
            "--province", action="append", default=[], metavar="CODE", help="old province code; repeatable"
        )
        load.add_argument("--all", action="store_true", help="load all 63 old provinces")
        load.add_argument("--list", action="store_true", help="list the old province codes and exit")
        load.add_argument("--no-progress", action="store_true", help="never show a progress bar")

        geo = sub.add_parser(
            "import-geojson",
            help="store GeoJSON geometries on the units they name",
            description=(
                "Read a GeoJSON FeatureCollection and store each feature's geometry on the unit it names, "
                "among the units open at --date. Reports matched, unmatched and ambiguous features; writes "
                "nothing when the file is invalid."
            ),
        )
        geo.add_argument("file", type=Path, metavar="FILE")
        geo.add_argument("--match", choices=["code", "name"], default="code", help="match by code or name")
        geo.add_argument("--property", dest="prop", metavar="PROP", help="feature property (default: --match)")
        geo.add_argument("--date", type=_date, metavar="YYYY-MM-DD", help="units open on this date (default: today)")
        geo.add_argument("--level", type=int, choices=[1, 2, 3], help="only units of this level")
        geo.add_argument("--dry-run", action="store_true", help="report only, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["subcommand"] == "load-vn":
                self._load_vn(options)
            else:
                self._import_geojson(options)
        except IocError as exc:
            raise CommandError(exc.message) from exc

    # --- load-vn --------------------------------------------------------------------------------------

    def _load_vn(self, options: dict[str, Any]) -> None:
        if options["list"]:
            for code, name in vn.province_codes():
                self.stdout.write(f"{code}  {name}")
            return
        codes = [vn.normalise_province_code(c) for c in options["province"]]
        if options["all"]:
            codes = [code for code, _name in vn.province_codes()]
        if not codes:
            raise CommandError(_("give --province CODE (e.g. --province 26), --all or --list"))
        bar: tqdm[Any] | None = None
        quiet = options["no_progress"] or options["verbosity"] == 0

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if quiet or total <= PROGRESS_THRESHOLD:
                return
            if bar is None:
                bar = tqdm(total=total, unit="unit", desc=_("loading units"))
            bar.update(done - bar.n)

        try:
            summary = do_load_vn(None, codes, via="cli", progress=progress)
        finally:
            if bar is not None:
                bar.close()
        self._print_summary(summary)

    def _print_summary(self, summary: LoadSummary) -> None:
        w = self.stdout.write
        names = ", ".join(f"{code} {name}" for code, name in summary.provinces)
        w(_("Loaded %(names)s from %(source)s.") % {"names": names, "source": summary.source})
        start = summary.reorganisation.isoformat() if summary.reorganisation else "?"
        created, updated, unchanged = _("created (count)"), _("updated (count)"), _("unchanged (count)")
        header = f"  {'':28}{created:>9}{updated:>9}{unchanged:>11}"
        for title, table in ((_("before %s") % start, summary.old), (_("from %s") % start, summary.new)):
            w(f"  {title}")
            w(header)
            for level, c in sorted(table.items()):
                label = _("level %(level)s (%(name)s)") % {"level": level, "name": LEVEL_NAMES.get(level, "?")}
                w(f"    {label:26}{c.created:>9}{c.updated:>9}{c.unchanged:>11}")
        s = summary.successions
        successions = _("successions")
        w(f"  {successions:28}{s.created:>9}{s.updated:>9}{s.unchanged:>11}")
        if summary.levels_created:
            w(_("  org-unit levels created: %d") % summary.levels_created)
        self.stdout.write(self.style.SUCCESS(_("Done.")))

    # --- import-geojson -------------------------------------------------------------------------------

    def _import_geojson(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror or exc}") from exc
        report = do_import_geojson(
            None,
            data,
            match=options["match"],
            prop=options["prop"],
            on=options["date"],
            level=options["level"],
            dry_run=options["dry_run"],
            source=str(path),
            via="cli",
        )
        self._print_report(path, report, options["verbosity"])

    def _print_report(self, path: Path, report: GeoJsonReport, verbosity: int) -> None:
        w = self.stdout.write
        limit = None if verbosity >= 2 else SHOW_MAX
        w(_("%(file)s: %(n)d features") % {"file": path, "n": report.features})
        w(_("  matched:    %d") % len(report.matched))
        w(_("  unmatched:  %d") % len(report.unmatched))
        for index, value in report.unmatched[:limit]:
            w(f"    #{index}: {value!r}")
        w(_("  ambiguous:  %d") % len(report.ambiguous))
        for index, value, units in report.ambiguous[:limit]:
            w(f"    #{index}: {value!r} → {'; '.join(units)}")
        if report.duplicates:
            w(_("  several features for one unit (not written): %d") % len(report.duplicates))
            for uid, indexes in report.duplicates[:limit]:
                w(f"    {uid}: #" + ", #".join(map(str, indexes)))
        if report.skipped:
            w(_("  skipped:    %d") % len(report.skipped))
            for index, why in report.skipped[:limit]:
                w(f"    #{index}: {why}")
        if report.dry_run:
            w(self.style.WARNING(_("Dry run: nothing written.")))
        else:
            w(self.style.SUCCESS(_("Geometry stored on %d units.") % report.written))
