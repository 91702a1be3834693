"""ioc quality — data-quality checks from the command line.

ioc quality outliers [--element CODE ...] [--unit CODE] [--start YYYY-MM] [--end YYYY-MM]
                     [--method seasonal|zscore] [--k 6] [--limit N] [--user USERNAME]
    unusual values in the monthly series, with the reason each is flagged
ioc quality validate --start YYYY-MM --end YYYY-MM [--root CODE] [--rules CODE ...] [--data-set CODE]
                     [--dry-run] [--limit N] [--user USERNAME]
    run the validation rules over a unit subtree and keep the results (--dry-run: only print them)
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from ioc.accounts.models import User
from ioc.audit.models import Via
from ioc.core.errors import IocError
from ioc.metadata.models import DataElement
from ioc.orgunits.models import OrgUnit
from ioc.quality import outliers
from ioc.quality.selectors import CONSOLE, SeriesKey, labels_for, monthly_series
from ioc.quality.services import run_validation

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str, option: str, *, end: bool = False) -> dt.date:
    """YYYY-MM as its first day (or its last day with end=True); CommandError naming the option otherwise."""
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise CommandError(
            _("%(option)s: expected a month as YYYY-MM, got %(value)r") % {"option": option, "value": text}
        )
    year, month = int(match.group(1)), int(match.group(2))
    if not end:
        return dt.date(year, month, 1)
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def find_unit(code: str) -> OrgUnit:
    """The unit with this code; when the code was reused after a reorganisation, the one still open."""
    units = list(OrgUnit.objects.filter(code=code).order_by("closed"))
    if not units:
        raise CommandError(_("--unit: no unit has the code %(code)s") % {"code": code})
    open_units = [u for u in units if u.closed is None]
    return open_units[0] if open_units else units[-1]


class Command(BaseCommand):
    help = "Data-quality checks: unusual values of the monthly series (outliers), validation rules (validate)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", metavar="{outliers,validate}")
        check = sub.add_parser("outliers", help="values unusual for their series (seasonal-aware, robust)")
        check.add_argument("--element", nargs="+", action="extend", default=[], metavar="CODE", help="data elements")
        check.add_argument("--unit", metavar="CODE", help="a unit and everything below it")
        check.add_argument("--start", metavar="YYYY-MM", help="first month reported (earlier ones stay the baseline)")
        check.add_argument("--end", metavar="YYYY-MM", help="last month reported")
        check.add_argument("--method", choices=[outliers.SEASONAL, outliers.ZSCORE], default=outliers.SEASONAL)
        check.add_argument(
            "--k", type=float, default=outliers.DEFAULT_K, help="threshold in robust standard deviations (default 6)"
        )
        check.add_argument("--limit", type=int, default=50, help="flags to print, strongest first (0: all)")
        check.add_argument("--user", metavar="USERNAME", help="see only what this user may see")

        val = sub.add_parser("validate", help="run the validation rules and keep the results")
        val.add_argument("--start", metavar="YYYY-MM", required=True, help="first month of the range")
        val.add_argument("--end", metavar="YYYY-MM", required=True, help="last month of the range")
        val.add_argument("--root", metavar="CODE", help="a unit and everything below it (default: every unit)")
        val.add_argument("--rules", nargs="+", action="extend", default=[], metavar="CODE", help="only these rules")
        val.add_argument("--data-set", metavar="CODE", help="only the rules of this data set")
        val.add_argument("--dry-run", action="store_true", help="print the violations, keep nothing")
        val.add_argument("--limit", type=int, default=20, help="violations to print (0: all)")
        val.add_argument("--user", metavar="USERNAME", help="run as this user (their view scope)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options.get("action")
        if action == "outliers":
            self._outliers(options)
        elif action == "validate":
            self._validate(options)
        else:
            self.print_help("ioc", "quality")

    def _user(self, options: dict[str, Any]) -> User | None:
        if not options.get("user"):
            return None
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(_("--user: no user is called %(name)s") % {"name": options["user"]})
        return user

    def _validate(self, options: dict[str, Any]) -> None:
        user = self._user(options)
        start = parse_month(options["start"], "--start")
        end = parse_month(options["end"], "--end", end=True)
        if end < start:
            raise CommandError(_("--end: before --start"))
        if options["limit"] < 0:
            raise CommandError(_("--limit: expected 0 or more"))
        root = None
        if options.get("root"):
            units = list(OrgUnit.objects.filter(code=options["root"]))
            if not units:
                raise CommandError(_("--root: no unit has the code %(code)s") % {"code": options["root"]})
            open_then = [u for u in units if u.is_open_on(start)]
            root = (open_then or sorted(units, key=lambda u: u.closed is not None))[0]
        bar = tqdm(total=0, desc=_("Validation"), unit=_("step"), disable=None)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            summary = run_validation(
                user,
                root_unit=root,
                start=start,
                end=end,
                rules=options["rules"] or None,
                data_set=options.get("data_set"),
                persist=not options["dry_run"],
                progress=progress,
                via=Via.CLI,
            )
        except IocError as exc:
            raise CommandError(exc.message) from None
        finally:
            bar.close()
        for problem in summary.problems:
            self.stderr.write(problem)
        self.stdout.write(
            _(
                "%(rules)d rules, %(evaluated)d evaluations, %(violations)d violations "
                "(%(new)d new, %(cleared)d cleared) in %(seconds).1f s."
            )
            % {
                "rules": summary.rules,
                "evaluated": summary.evaluated,
                "violations": summary.violations,
                "new": summary.new,
                "cleared": summary.cleared,
                "seconds": summary.seconds,
            }
        )
        if summary.run is None:
            self.stdout.write(_("Dry run: nothing kept."))
        violations = summary.violation_list()
        shown = violations if options["limit"] == 0 else violations[: options["limit"]]
        for v in shown:
            self.stdout.write(f"[{v.importance}] {v.period}  {v.org_unit_name}  {v.rule_code}: {v.message}")
        if len(shown) < len(violations):
            self.stdout.write(
                _("… and %(more)d more violations (--limit 0 shows all).") % {"more": len(violations) - len(shown)}
            )

    def _outliers(self, options: dict[str, Any]) -> None:
        user: Any = self._user(options) or CONSOLE
        elements = None
        if options["element"]:
            codes = list(dict.fromkeys(options["element"]))
            known = {e.code: e for e in DataElement.objects.filter(code__in=codes)}
            unknown = [c for c in codes if c not in known]
            if unknown:
                raise CommandError(_("--element: unknown data elements: %(codes)s") % {"codes": ", ".join(unknown)})
            elements = list(known.values())
        root = find_unit(options["unit"]) if options.get("unit") else None
        start = parse_month(options["start"], "--start") if options.get("start") else None
        end = parse_month(options["end"], "--end", end=True) if options.get("end") else None
        if options["limit"] < 0:
            raise CommandError(_("--limit: expected 0 or more"))
        if options["k"] <= 0:
            raise CommandError(_("--k: expected a positive number"))

        # the whole history is the baseline; --start/--end choose the months reported
        series = monthly_series(user, data_elements=elements, root=root)
        labels = labels_for(series)
        checked = sum(len(values) for values in series.values())
        found: list[tuple[SeriesKey, outliers.Flag]] = []
        if options["method"] == outliers.ZSCORE:
            for key, values in tqdm(series.items(), desc=_("Series"), unit=_("series"), disable=None):
                found.extend((key, flag) for flag in outliers.zscore_outliers(values))
        else:

            def where(key: SeriesKey) -> str | None:
                unit = labels.units.get(key[1])
                return unit.name if unit else None

            by_key = outliers.seasonal_outliers_of_groups(
                series, lambda key: (key[0], key[2]), k=options["k"], where=where, progress=True
            )
            found.extend((key, flag) for key, flags in by_key.items() for flag in flags)
        first = f"{start.year:04d}{start.month:02d}" if start else ""
        last = f"{end.year:04d}{end.month:02d}" if end else "9999"
        found = [(key, flag) for key, flag in found if first <= flag.period <= last]
        found.sort(key=lambda item: -item[1].score)
        self.stdout.write(
            _("%(series)d series, %(values)d values checked, %(flags)d flagged (%(method)s).")
            % {"series": len(series), "values": checked, "flags": len(found), "method": options["method"]}
        )
        shown = found if options["limit"] == 0 else found[: options["limit"]]
        for key, flag in shown:
            self.stdout.write(
                f"{flag.period}  {labels.describe(key)}  {outliers.format_number(flag.value)}"
                f" ({_('expected')} {outliers.format_number(flag.expected)}): {flag.reason}"
            )
        if len(shown) < len(found):
            self.stdout.write(_("… and %(more)d more (--limit 0 shows all).") % {"more": len(found) - len(shown)})
