"""Locust viewers of the operations screen, for the load test of benchmarks/analytics.py (which starts the
server and runs `locust -f` on this file; not a benchmark of its own, hence the leading underscore).

Each viewer is the demo leader, already logged in (the session cookie in IOC_BENCH_COOKIE: the benchmark logs
in once — 200 simultaneous argon2 logins would measure the password hash, not the screen). A viewer opens a
random tab for a random unit (the root or one of the units on its map, as a click on the map would) and a
random month, in today's structure or as it was (IOC_BENCH_PLAN, a JSON file of those choices), then reads
it for a while (IOC_BENCH_THINK, "min,max" seconds, 5–15 by default: a leader reading a screen) before the next
click. Viewers start after a random part of that time, as people arrive at their own moments (without it,
every viewer's first request lands in the same second that locust spawns them).
"""

from __future__ import annotations

import heapq
import json
import os
import random
import time
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

PLAN: dict[str, Any] = json.loads(Path(os.environ["IOC_BENCH_PLAN"]).read_text())
THINK = [float(x) for x in os.environ.get("IOC_BENCH_THINK", "5,15").split(",")]
COOKIE = os.environ["IOC_BENCH_COOKIE"]
SLOWEST: list[tuple[float, str]] = []  # the ten slowest requests, for the report


@events.request.add_listener
def _keep_slowest(response_time: float, url: str | None = None, **_kw: Any) -> None:
    item = (response_time, url or "")
    if len(SLOWEST) < 10:
        heapq.heappush(SLOWEST, item)
    else:
        heapq.heappushpop(SLOWEST, item)


@events.quitting.add_listener
def _write_slowest(**_kw: Any) -> None:
    if os.environ.get("IOC_BENCH_SLOW"):
        Path(os.environ["IOC_BENCH_SLOW"]).write_text(json.dumps(sorted(SLOWEST, reverse=True)))


class Viewer(HttpUser):
    wait_time = between(THINK[0], THINK[1])

    def on_start(self) -> None:
        name, _eq, value = COOKIE.partition("=")
        self.client.cookies.set(name, value)
        # Viewers arrive at their own moments, not all in the second locust spawns them.
        time.sleep(random.uniform(0, THINK[1]))

    @task
    def open_screen(self) -> None:
        view = random.choices(PLAN["views"], weights=[v["weight"] for v in PLAN["views"]])[0]
        units = view["units"]
        unit = units[0] if random.random() < 0.25 else random.choice(units)
        params = {"pe": random.choice(view["periods"]), "ou": unit, "structure": view["structure"]}
        code = random.choice(PLAN["dashboards"])
        with self.client.get(
            f"/api/v1/dashboards/{code}/data", params=params, name="dashboard data", catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
            elif not response.json().get("items"):
                response.failure("no items in the answer")
