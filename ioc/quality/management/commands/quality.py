"""ioc quality outliers — unusual values in the monthly series, with the reason each is flagged.

ioc quality outliers [--element CODE ...] [--unit CODE] [--start YYYY-MM] [--end YYYY-MM]
                     [--method seasonal|zscore] [--k 6] [--limit N] [--user USERNAME]
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from ioc.accounts.models import User
from ioc.metadata.models import DataElement
from ioc.orgunits.models import OrgUnit
from ioc.quality import outliers
from ioc.quality.selectors import CONSOLE, SeriesKey, labels_for, monthly_series

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
    help = "Data-quality checks: list the unusual values of the monthly series."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", metavar="{outliers}")
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

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("action") != "outliers":
            self.print_help("ioc", "quality")
            return
        self._outliers(options)

    def _outliers(self, options: dict[str, Any]) -> None:
        user: Any = CONSOLE
        if options.get("user"):
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(_("--user: no user is called %(name)s") % {"name": options["user"]})
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
