"""ioc briefing generate — gather and store the leaders' briefing (as the schedule does).

ioc briefing generate --kind weekly|monthly [--today YYYY-MM-DD]
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from ioc.audit.models import Via
from ioc.briefings.models import Kind
from ioc.briefings.services import do_generate_briefing
from ioc.core.commands import parse_day
from ioc.core.errors import IocError


class Command(BaseCommand):
    help = "Leaders' briefings: generate the weekly or monthly briefing now."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", metavar="{generate}")
        generate = sub.add_parser("generate", help="gather the briefing of the last week or month and store it")
        generate.add_argument("--kind", choices=Kind.values, default=Kind.WEEKLY, help="weekly (default) or monthly")
        generate.add_argument("--today", metavar="YYYY-MM-DD", help="the day to act as (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("action") != "generate":
            self.print_help("ioc", "briefing")
            return
        today = parse_day(options["today"]) if options.get("today") else None
        began = time.monotonic()
        with tqdm(total=0, desc=_("Briefing"), unit=_("part"), disable=None) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.n = done
                bar.refresh()

            try:
                briefing = do_generate_briefing(None, options["kind"], today=today, progress=progress, via=Via.CLI)
            except IocError as exc:
                raise CommandError(exc.message) from None
        self.stdout.write(
            _("%(briefing)s: generated in %(seconds).1f s (id %(id)s)")
            % {"briefing": briefing, "seconds": time.monotonic() - began, "id": briefing.pk}
        )
