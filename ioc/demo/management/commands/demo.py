"""ioc demo — the Vĩnh Phúc demo: real units, synthetic values.

ioc demo [--host H] [--port N]       set up what is missing, print the logins, serve (127.0.0.1:$PORT)
ioc demo setup [--seed S]            set up what is missing, without serving
ioc demo generate --scale N [--seed S] [--replace]
                                     synthetic values: N copies of the demo's elements (benchmarks)
ioc demo users                       print the demo logins
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from ioc.core.errors import IocError
from ioc.demo import agencies, services


def _hidden_slice_options(parser: argparse.ArgumentParser) -> None:
    """A slice of the demo, for tests: months and districts."""
    parser.add_argument("--start", default=None, help=argparse.SUPPRESS)  # first month, 2025-04
    parser.add_argument("--end", default=None, help=argparse.SUPPRESS)  # last month, 2025-09
    parser.add_argument("--districts", default=None, help=argparse.SUPPRESS)  # 243,244 (old district codes)
    parser.add_argument("--no-anomalies-file", action="store_true", help=argparse.SUPPRESS)


class Command(BaseCommand):
    help = "Set up and serve the Vĩnh Phúc demo (real administrative units, synthetic values)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=None, help="address to serve on (default 127.0.0.1, or IOC_HOST)")
        parser.add_argument("--port", type=int, default=None, help="port to serve on (default 8000, or PORT)")
        sub = parser.add_subparsers(dest="action", metavar="{setup,generate,users}")
        setup = sub.add_parser("setup", help="set up whatever is missing, without serving")
        setup.add_argument("--seed", type=int, default=services.DEFAULT_SEED)
        _hidden_slice_options(setup)
        generate = sub.add_parser("generate", help="generate synthetic values (N copies for benchmarks)")
        generate.add_argument("--scale", type=int, default=1, help="copies of the demo's elements (default 1)")
        generate.add_argument("--seed", type=int, default=services.DEFAULT_SEED, help="random seed (default 2025)")
        generate.add_argument("--replace", action="store_true", help="delete every generated value first")
        generate.add_argument("--batch-size", type=int, default=5000, help=argparse.SUPPRESS)
        generate.add_argument("--method", default="auto", help=argparse.SUPPRESS)
        _hidden_slice_options(generate)
        sub.add_parser("users", help="print the demo logins")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options.get("action")
        try:
            if action == "users":
                self._print_logins()
            elif action == "generate":
                self._generate(options)
            elif action == "setup":
                self._setup(options)
            else:
                self._setup(options)
                self._print_logins()
                serve: dict[str, Any] = {}
                if options.get("host"):
                    serve["host"] = options["host"]
                if options.get("port"):
                    serve["port"] = options["port"]
                call_command("serve", **serve)
        except IocError as exc:
            raise CommandError(exc.message) from None

    # --- steps ------------------------------------------------------------------------------------------

    def _migrate(self) -> None:
        call_command("migrate", interactive=False, verbosity=0)

    def _slice(self, options: dict[str, Any]) -> dict[str, Any]:
        districts = options.get("districts")
        return {
            "start": options.get("start"),
            "end": options.get("end"),
            "districts": [d.strip() for d in districts.split(",") if d.strip()] if districts else None,
            "anomalies_path": None if options.get("no_anomalies_file") else self._anomalies_path(),
        }

    @staticmethod
    def _anomalies_path() -> Path:
        return Path(settings.VAR_DIR) / "demo" / "anomalies.json"

    def _setup(self, options: dict[str, Any]) -> None:
        began = time.monotonic()
        self.stdout.write(_("Database: migrations…"))
        self._migrate()
        current = services.status()
        if current.complete:
            self.stdout.write(
                self.style.SUCCESS(_("The demo is set up (%(seconds).1f s).") % {"seconds": time.monotonic() - began})
            )
            return
        bars: dict[str, tqdm[Any]] = {}

        def unit_progress(done: int, total: int) -> None:
            bar = bars.get("units")
            if bar is None:
                bar = bars["units"] = tqdm(total=total, desc="Org units", unit="unit", leave=False)
            bar.update(done - bar.n)

        def on_total(total: int) -> None:
            bars["values"] = tqdm(total=total, desc="Values", unit="value", unit_scale=True, smoothing=0.1)

        def progress(n: int) -> None:
            bars["values"].update(n)

        def phase(name: str) -> None:
            bar = bars.pop("values", None)
            if bar is not None:
                bar.close()
            self.stdout.write("  values    " + _("building the indexes again…"))

        def step_progress(name: str, done: int, total: int) -> None:
            bar = bars.get(name)
            if bar is None:
                bar = bars[name] = tqdm(total=total, desc=name.capitalize(), leave=False)
            bar.update(done - bar.n)

        def report(step: services.SetupStep) -> None:
            for name in ("units", "values", "forecasts"):
                bar = bars.pop(name, None)
                if bar is not None:
                    bar.close()
            state = step.detail if step.done else _("already there")
            self.stdout.write(f"  {step.name:<9} {state}")

        services.do_setup(
            None,
            seed=services.DEFAULT_SEED if options.get("seed") is None else options["seed"],
            report=report,
            unit_progress=unit_progress,
            on_total=on_total,
            progress=progress,
            phase=phase,
            step_progress=step_progress,
            **self._slice(options),
        )
        self.stdout.write(
            self.style.SUCCESS(_("The demo is set up (%(seconds).1f s).") % {"seconds": time.monotonic() - began})
        )

    def _generate(self, options: dict[str, Any]) -> None:
        self._migrate()
        bar: dict[str, tqdm[Any]] = {}

        def on_total(total: int) -> None:
            bar["values"] = tqdm(total=total, desc="Values", unit="value", unit_scale=True, smoothing=0.1)

        def progress(n: int) -> None:
            bar["values"].update(n)

        def phase(name: str) -> None:
            if "values" in bar:
                bar.pop("values").close()
            self.stdout.write(_("Building the indexes again…"))

        try:
            result = services.do_generate(
                None,
                scale=options["scale"],
                seed=options["seed"],
                replace=options["replace"],
                batch_size=options["batch_size"],
                method=options["method"],
                on_total=on_total,
                progress=progress,
                phase=phase,
                **self._slice(options),
            )
        finally:
            if "values" in bar:
                bar["values"].close()
        if result.deleted:
            self.stdout.write(f"Deleted {result.deleted:,} generated values.")
        if result.skipped:
            self.stdout.write(
                f"Copies with values already (use --replace to redo): {', '.join(map(str, result.skipped))}"
            )
        if result.generated:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Generated {result.values:,} values (copies {', '.join(map(str, result.generated))}) in "
                    f"{result.seconds:.1f} s, {result.rate:,.0f} values/s; planted {result.missing_reports} missing "
                    f"reports and {result.outliers} outliers"
                    + (f" (listed in {result.anomalies_file})" if result.anomalies_file else "")
                    + "."
                )
            )

    def _print_logins(self) -> None:
        rows = agencies.logins()
        headers = {"username": _("Username"), "role": _("Role"), "password": _("Password"), "scope": _("Scope")}
        widths = {k: max(len(headers[k]), *(len(r[k]) for r in rows)) for k in headers}
        line = "  ".join(f"{headers[k]:<{widths[k]}}" for k in headers)
        self.stdout.write("")
        self.stdout.write(self.style.WARNING(_("Demo logins — DEMO ONLY: everyone knows these passwords.")))
        self.stdout.write(line)
        self.stdout.write("  ".join("-" * widths[k] for k in headers))
        for row in rows:
            self.stdout.write("  ".join(f"{row[k]:<{widths[k]}}" for k in headers))
        self.stdout.write(
            _("The password is IOC_DEMO_PASSWORD when it was set at creation (default ioc-demo-2025), unless changed.")
            + "\n"
            + _("A real deployment creates its users with `ioc createsuperuser` and the admin pages.")
            + "\n"
            + _("An API token for the integrator: `ioc token create tichhop --scope data:read --scope data:write`.")
            + "\n"
            + _("After logging in you land on the operations screen (/ops/); the wall display is /ops/wall/.")
            + "\n"
            + _(
                "The digital-transformation plan is /plans/: kehoach edits it, soyte (Department of Health) reports "
                "on its own task NV16."
            )
            + "\n"
        )
