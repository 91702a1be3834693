"""ioc token create|list|revoke — API tokens from the command line.

ioc token create USERNAME --scope data:read --scope data:write [--name N] [--expires-days D]
ioc token list [USERNAME]
ioc token revoke PREFIX
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ioc.accounts.models import ApiToken
from ioc.accounts.services import do_create_token, do_revoke_token
from ioc.audit.models import Via
from ioc.core.errors import IocError


class Command(BaseCommand):
    help = "Create, list and revoke API tokens (the token is printed once; only its hash is stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{create,list,revoke}")
        create = sub.add_parser("create", help="create a token for USERNAME and print it once")
        create.add_argument("username")
        create.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            default=[],
            metavar="SCOPE",
            help=f"repeat for several: {', '.join(ApiToken.Scope.values)}",
        )
        create.add_argument("--name", default="", help="what the token is for")
        create.add_argument("--expires-days", type=int, default=None, help="days until the token expires")
        listing = sub.add_parser("list", help="list tokens (prefix, scopes, created, last used; never the token)")
        listing.add_argument("username", nargs="?")
        listing.add_argument("--all", action="store_true", help="include revoked and expired tokens")
        revoke = sub.add_parser("revoke", help="revoke the token with this prefix")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except IocError as exc:
            raise CommandError(exc.message) from None

    def _create(self, options: dict[str, Any]) -> None:
        token, plain = do_create_token(
            None,
            options["username"],
            options["scopes"],
            options["name"],
            options["expires_days"],
            via=Via.CLI,
        )
        self.stdout.write(plain)
        expires = f", expires {timezone.localtime(token.expires):%Y-%m-%d %H:%M}" if token.expires else ""
        self.stderr.write(
            f"Token {token.prefix}… for {token.user.username}, scopes {' '.join(token.scopes)}{expires}.\n"
            "Copy it now: it will not be shown again (only its hash is stored)."
        )

    def _list(self, options: dict[str, Any]) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("user__username", "-created")
        if options["username"]:
            tokens = tokens.filter(user__username=options["username"])
        now = timezone.now()
        rows = []
        for t in tokens:
            if t.revoked:
                status = "revoked"
            elif t.expires and t.expires <= now:
                status = "expired"
            else:
                status = "active"
            if status != "active" and not options["all"]:
                continue
            rows.append(
                [
                    t.prefix,
                    t.user.username,
                    ",".join(t.scopes),
                    t.name,
                    f"{timezone.localtime(t.created):%Y-%m-%d %H:%M}",
                    f"{timezone.localtime(t.last_used):%Y-%m-%d %H:%M}" if t.last_used else "never",
                    f"{timezone.localtime(t.expires):%Y-%m-%d}" if t.expires else "-",
                    status,
                ]
            )
        header = ["PREFIX", "USER", "SCOPES", "NAME", "CREATED", "LAST USED", "EXPIRES", "STATUS"]
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            self.stdout.write("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if not rows:
            self.stderr.write("No tokens." if options["all"] else "No active tokens (--all shows revoked and expired).")

    def _revoke(self, options: dict[str, Any]) -> None:
        token = do_revoke_token(None, options["prefix"], via=Via.CLI)
        self.stdout.write(f"Revoked {token.prefix}… of {token.user.username}.")
