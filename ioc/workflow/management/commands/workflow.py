"""ioc workflow reminders — remind the responsible users of reports due soon or overdue.

ioc workflow reminders [--today YYYY-MM-DD] [--dry-run]
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from ioc.audit.models import Via
from ioc.core.commands import parse_day
from ioc.workflow.reminders import do_send_reminders


class Command(BaseCommand):
    help = "Approval workflow: send the reminders of reports due soon or overdue."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", metavar="{reminders}")
        reminders = sub.add_parser("reminders", help="notify the users responsible for reports due soon or late")
        reminders.add_argument("--today", metavar="YYYY-MM-DD", help="the day to act as (default: today)")
        reminders.add_argument("--dry-run", action="store_true", help="count, send nothing, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("action") != "reminders":
            self.print_help("ioc", "workflow")
            return
        today = parse_day(options["today"]) if options.get("today") else None
        run = do_send_reminders(today, dry_run=options["dry_run"], via=Via.CLI)
        prefix = _("Dry run: ") if options["dry_run"] else ""
        self.stdout.write(
            prefix
            + _(
                "%(day)s: %(reports)s reports due soon or late; %(sent)s notifications, %(emails)s e-mails; "
                "%(skipped)s already sent today"
            )
            % {
                "day": run.today.isoformat(),
                "reports": run.reports,
                "sent": run.notifications,
                "emails": run.emails,
                "skipped": run.already_sent,
            }
        )
        if run.without_anyone:
            self.stdout.write(
                _("No one is responsible for %(n)s reports: %(forms)s")
                % {"n": len(run.without_anyone), "forms": ", ".join(run.without_anyone[:20])}
            )
