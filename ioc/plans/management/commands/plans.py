"""ioc plans refresh — recompute the targets' forecasts (of one plan, or all) with a progress bar.

ioc plans refresh [--plan CODE] [--force] [--today YYYY-MM-DD]
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from ioc.core.commands import parse_day
from ioc.plans.models import Plan
from ioc.plans.refresh import refresh_all


class Command(BaseCommand):
    help = "Plans: recompute the targets' forecasts."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", metavar="{refresh}")
        refresh = sub.add_parser("refresh", help="recompute the forecasts whose inputs changed (all with --force)")
        refresh.add_argument("--plan", metavar="CODE", help="only this plan's targets (default: every plan)")
        refresh.add_argument("--force", action="store_true", help="fit every forecast again, changed or not")
        refresh.add_argument("--today", metavar="YYYY-MM-DD", help="the day to compute as (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("action") != "refresh":
            self.print_help("ioc", "plans")
            return
        plan = None
        if options.get("plan"):
            plan = Plan.objects.filter(code=options["plan"]).first()
            if plan is None:
                codes = ", ".join(Plan.objects.values_list("code", flat=True)) or _("none")
                raise CommandError(
                    _("--plan: no plan has the code %(code)s (plans: %(codes)s)")
                    % {"code": options["plan"], "codes": codes}
                )
        today = parse_day(options["today"]) if options.get("today") else None
        bar = tqdm(total=0, desc=_("Forecasts"), unit=_("target"), disable=None)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            result = refresh_all(plan=plan, today=today, progress=progress, force=options["force"])
        finally:
            bar.close()
        self.stdout.write(_("%(checked)d targets checked, %(recomputed)d forecasts recomputed.") % result)
        if result.get("failed"):
            self.stderr.write(_("%(failed)d could not be computed (see the log).") % result)
