"""The running server of benchmarks/analytics.py: `ioc serve` on 127.0.0.1, the leader's login, warming,
memory from /proc, and the locust load test against it (loopback only)."""

from __future__ import annotations

import csv
import datetime as dt
import http.cookiejar
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LEADER, PASSWORD = "lanhdao", os.environ.get("IOC_DEMO_PASSWORD", "ioc-demo-2025")
HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _months(last: dt.date, count: int) -> list[str]:
    out = []
    y, m = last.year, last.month
    for _ in range(count):
        out.append(f"{y:04d}{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out


class Server:
    def __init__(self, database_url: str, var_dir: str) -> None:
        self.port = _free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.log = Path(var_dir) / "bench-server.log"
        self.env = {**os.environ, "DATABASE_URL": database_url, "IOC_VAR_DIR": var_dir, "IOC_WORKER": "false"}
        self.cookie = ""
        self.plan: dict[str, Any] = {}
        self.proc: subprocess.Popen[bytes] | None = None
        self._jar = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self._jar))

    def __enter__(self) -> Server:
        command = [sys.executable, "-m", "ioc.cli", "serve", "--host", HOST, "--port", str(self.port)]
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(command, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"`ioc serve` stopped: {self.log.read_text()[-2000:]}")
            try:
                with self._opener.open(f"{self.base}/accounts/login/", timeout=5) as r:
                    if r.status == 200:
                        return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("`ioc serve` did not answer within 120 s")
            time.sleep(0.2)

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def rss_mb(self, field: str = "VmRSS") -> float:
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
        raise RuntimeError(f"no {field} in /proc/{self.proc.pid}/status")

    def get(self, path: str, **params: str) -> Any:
        url = f"{self.base}{path}" + (f"?{urllib.parse.urlencode(params)}" if params else "")
        with self._opener.open(url, timeout=120) as r:
            return json.loads(r.read())

    def login(self) -> None:
        with self._opener.open(f"{self.base}/accounts/login/", timeout=10) as r:
            page = r.read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if token is None:
            raise RuntimeError("no CSRF token on the login page")
        form = urllib.parse.urlencode({"username": LEADER, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)})
        login = f"{self.base}/accounts/login/"
        request = urllib.request.Request(login, data=form.encode(), headers={"Referer": login})  # noqa: S310
        with self._opener.open(request, timeout=30):
            pass
        session = [c for c in self._jar if c.name == "sessionid"]
        if not session:
            raise RuntimeError(f"{LEADER} could not log in")
        self.cookie = f"sessionid={session[0].value}"

    def warm(self) -> dict[str, Any]:
        """Log in, load every dashboard once (the first loads the replica), and make the viewers' plan."""
        self.login()
        codes = [d["code"] for d in self.get("/api/v1/dashboards")["items"]]
        if not codes:
            raise RuntimeError("the server lists no dashboards")
        t0 = time.perf_counter()
        today = self.get(f"/api/v1/dashboards/{codes[0]}/data")
        first = time.perf_counter() - t0
        views = [
            self._view(codes[0], today, "TODAY", _months(dt.date.today().replace(day=1) - dt.timedelta(days=1), 12), 4)
        ]
        was = self.get(f"/api/v1/dashboards/{codes[0]}/data", structure="AS_IT_WAS", pe="202506")
        views.append(self._view(codes[0], was, "AS_IT_WAS", _months(dt.date(2025, 6, 1), 12), 1))
        for code in codes:
            self.get(f"/api/v1/dashboards/{code}/data")
        self.plan = {"dashboards": codes, "views": views}
        # VmHWM now: the peak of loading the replica; VmRSS: what the warm server holds.
        return {
            "first_request_s": first,
            "rss_mb": self.rss_mb(),
            "rss_load_peak_mb": self.rss_mb("VmHWM"),
            "dashboards": len(codes),
        }

    def one_viewer(self, requests: int) -> dict[str, float]:
        """Random screens of the plan (as the load test's viewers ask them), one at a time: the time of a
        request over HTTP without any queue — what each request costs the server."""
        rng = random.Random(2025)
        samples = []
        for _ in range(requests):
            view = rng.choices(self.plan["views"], weights=[v["weight"] for v in self.plan["views"]])[0]
            unit = view["units"][0] if rng.random() < 0.25 else rng.choice(view["units"])
            code = rng.choice(self.plan["dashboards"])
            params = {"pe": rng.choice(view["periods"]), "ou": unit, "structure": view["structure"]}
            t0 = time.perf_counter()
            self.get(f"/api/v1/dashboards/{code}/data", **params)
            samples.append((time.perf_counter() - t0) * 1000)
        samples.sort()
        return {"p50": statistics.median(samples), "p95": samples[round(0.95 * (len(samples) - 1))], "n": len(samples)}

    def _view(self, code: str, data: dict[str, Any], structure: str, periods: list[str], weight: int) -> dict[str, Any]:
        """The units a viewer clicks through: the root, the units on its map, and those of the first one's map."""
        units = [data["unit"]["uid"]]
        shown = [u for i in data["items"] if i["kind"] == "map" for u in i.get("units", [])]
        units += [u["uid"] for u in shown if u["uid"] not in units]
        drillable = [u["uid"] for u in shown if u.get("has_children")]
        if drillable:
            below = self.get(f"/api/v1/dashboards/{code}/data", structure=structure, pe=periods[0], ou=drillable[0])
            units += [
                u["uid"]
                for i in below["items"]
                if i["kind"] == "map"
                for u in i.get("units", [])
                if u["uid"] not in units
            ]
        return {"structure": structure, "periods": periods, "units": units, "weight": weight}


def load_test(server: Server, viewers: int, spawn_rate: int, duration: int, think: str, tmp: str) -> dict[str, Any]:
    """`locust --headless` against the server; the figures of the dashboard data requests."""
    plan = Path(tmp) / "plan.json"
    plan.write_text(json.dumps(server.plan))
    prefix = str(Path(tmp) / "locust")
    command = [
        sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("_analytics_locustfile.py")),
        "--headless", "-u", str(viewers), "-r", str(spawn_rate), "-t", f"{duration}s", "--host", server.base,
        "--csv", prefix, "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING",
    ]  # fmt: skip
    slow = Path(tmp) / "slowest.json"
    env = {
        **os.environ,
        "IOC_BENCH_PLAN": str(plan),
        "IOC_BENCH_COOKIE": server.cookie,
        "IOC_BENCH_THINK": think,
        "IOC_BENCH_SLOW": str(slow),
    }
    # The server's memory during the test, sampled.
    peak = [server.rss_mb()]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.5):
            peak.append(server.rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    # Locust exits with 1 when a request failed: the failures are counted below, not an error of the run.
    try:
        proc = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    finally:
        done.set()
        sampler.join()
    stats = Path(prefix + "_stats.csv")
    if not stats.exists():
        raise RuntimeError(f"locust failed: {proc.stderr[-3000:]}")
    with stats.open() as f:
        rows = {r["Name"]: r for r in csv.DictReader(f)}
    row = rows.get("dashboard data")
    if row is None:
        raise RuntimeError(f"locust made no dashboard request: {proc.stderr[-3000:]}")
    failures = Path(prefix + "_failures.csv")
    if int(row["Failure Count"]) and failures.exists():
        print(f"load test failures:\n{failures.read_text()[:2000]}", file=sys.stderr)
    return {
        "viewers": viewers,
        "duration": duration,
        "think": think,
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": float(row["Requests/s"]),
        "p50": float(row["50%"]),
        "p95": float(row["95%"]),
        "p99": float(row["99%"]),
        "max": float(row["Max Response Time"]),
        "rss_peak_mb": max(peak),
        "slowest": json.loads(slow.read_text()) if slow.exists() else [],
    }
