"""Work a server does once, in the background, as it starts (so the first visitor does not wait for it).

Higher apps register a task in their AppConfig.ready() (the analytics replica loads its values); `ioc serve`
runs them in a thread beside the web server. Lower layers never need to know who registered what.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.db import connection

log = logging.getLogger(__name__)

_tasks: list[tuple[str, Callable[[], None]]] = []


def register(name: str, task: Callable[[], None]) -> None:
    if all(n != name for n, _t in _tasks):
        _tasks.append((name, task))


def start() -> threading.Thread:
    """Run every registered task, one after the other, in a daemon thread; errors are logged, not raised
    (the same work happens again on demand)."""

    def run() -> None:
        try:
            for name, task in _tasks:
                try:
                    task()
                except Exception:
                    log.exception("warm-up %s failed; it will run on demand", name)
        finally:
            connection.close()

    thread = threading.Thread(target=run, name="ioc-warmup", daemon=True)
    thread.start()
    return thread
