"""`ioc serve`: the production-grade WSGI server (waitress), static files by WhiteNoise."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ioc.core import warmup


class Command(BaseCommand):
    help = "Serve ioc over HTTP (waitress). PORT and IOC_HOST set the defaults."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("IOC_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("IOC_THREADS", "8")))
        # waitress refuses new connections beyond its limit (100 by default): a wall screen and a room of
        # leaders on phones keep connections open, so allow more; requests still queue for the threads.
        parser.add_argument("--connection-limit", type=int, default=int(os.environ.get("IOC_CONNECTION_LIMIT", "1000")))
        parser.add_argument(
            "--no-worker",
            action="store_true",
            default=os.environ.get("IOC_WORKER", "true").lower() in ("0", "false", "no", "off"),
            help="do not start the background-job worker (run `ioc run_huey` yourself); IOC_WORKER=false",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress import serve

        from ioc.wsgi import application

        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("The database has unapplied migrations: run `ioc migrate` first.")
        host, port = options["host"], options["port"]
        shown = f"[{host}]" if ":" in host else host
        self.stdout.write(self.style.SUCCESS(f"ioc is serving on http://{shown}:{port}/  (Ctrl+C stops it)"))
        worker = None if options["no_worker"] else self._start_worker()
        warmup.start()
        # A service manager stops us with SIGTERM: leave through `finally`, so the worker stops with us.
        signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
        try:
            serve(
                application,
                host=host,
                port=port,
                threads=options["threads"],
                connection_limit=options["connection_limit"],
                ident="ioc",
                _quiet=True,
            )
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()

    def _start_worker(self) -> subprocess.Popen[bytes] | None:
        """The background-job worker (huey's consumer) as a child process: imports, validation runs and the
        schedules run there, and jobs left unfinished by a stopped server are queued again when it starts."""
        from django.conf import settings

        if settings.JOBS_IMMEDIATE:
            return None
        worker = subprocess.Popen([sys.executable, "-m", "ioc.cli", "run_huey"])
        self.stdout.write(f"background-job worker started (pid {worker.pid})")
        return worker
