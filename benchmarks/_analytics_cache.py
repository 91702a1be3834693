"""The demo databases of benchmarks/analytics.py, built once and kept between runs.

Generating 10 M values takes minutes, so the built database is kept: for SQLite a folder under the cache
directory (IOC_BENCH_CACHE, default var/bench-analytics/) holding the database file and its IOC_VAR_DIR; for
PostgreSQL a database `ioc_bench_analytics_s<N>_<key>` (with its IOC_VAR_DIR folder in the same cache
directory). The key is a hash of what decides the values: the demo's generator, metadata, agencies, users and
submissions (VALUE_SOURCES), the bulk loader, the version of vietnamadminunits, the seed, the scale and the last complete month (the demo runs to
last month). A key that changed means a rebuild; older builds of the same scale are removed (a 10 M SQLite
file takes about 3 GB). The schema is brought up to date by `migrate` on every use, and `ioc demo setup`
runs again (it only adds what is missing, such as the demo dashboards of a newer version).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("IOC_BENCH_CACHE", str(ROOT / "var" / "bench-analytics")))
PREFIX = "ioc_bench_analytics"
SEED = 2025


# What decides the demo's units, metadata, users, values and submissions. Not the rest of ioc/demo (the
# command, the orchestration, the demo's dashboards): `ioc demo setup` adds what a newer version makes.
VALUE_SOURCES = [
    *(f"ioc/demo/{name}.py" for name in ("generate", "series", "places", "noise", "anomalies", "months")),
    *(f"ioc/demo/{name}.py" for name in ("metadata", "agencies", "submissions")),
    "ioc/demo/data/vinhphuc.yaml",
    "ioc/datavalues/bulk.py",
]


def code_key(scale: int) -> str:
    digest = hashlib.sha256()
    for path in [ROOT / p for p in VALUE_SOURCES]:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    today = dt.date.today()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y%m")
    try:
        units = metadata.version("vietnamadminunits")
    except metadata.PackageNotFoundError:
        units = "?"
    digest.update(f"{units}|{SEED}|{scale}|{last_month}".encode())
    return digest.hexdigest()[:10]


def _ioc(args: list[str], env: dict[str, str]) -> None:
    """An `ioc` command on the database of `env`; its output goes to our stderr (progress bars)."""
    # --skip-checks: the system checks import every URL module, which is beside the point of building data.
    skip = [] if args[0] == "shell" else ["--skip-checks"]  # (shell runs none)
    command = [sys.executable, "-m", "ioc.cli", args[0], *skip, *args[1:]]
    proc = subprocess.run(command, env={**os.environ, **env}, cwd=ROOT, stdout=sys.stderr, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"`ioc {' '.join(args)}` failed (exit {proc.returncode})")


def _build(env: dict[str, str], scale: int) -> float:
    began = time.perf_counter()
    _ioc(["demo", "setup", "--seed", str(SEED)], env)
    if scale > 1:
        _ioc(["demo", "generate", "--scale", str(scale), "--seed", str(SEED)], env)
    return time.perf_counter() - began


def _refresh(env: dict[str, str]) -> None:
    """A kept database with today's code: new migrations, and whatever `ioc demo setup` adds when missing."""
    _ioc(["migrate", "--verbosity", "0"], env)
    _ioc(["demo", "setup", "--seed", str(SEED)], env)


def _dashboards(env: dict[str, str]) -> None:
    """The demo's dashboards (the operations screen), created when missing (does nothing once they are there,
    e.g. when `ioc demo setup` made them)."""
    install = "from ioc.dashboards.demo import install_demo_dashboards; install_demo_dashboards(None)"
    _ioc(["shell", "--command", install], env)


def sqlite_database(scale: int, rebuild: bool) -> tuple[str, str, float | None]:
    """(DATABASE_URL, IOC_VAR_DIR, seconds spent building or None when the kept one was used)."""
    key = code_key(scale)
    CACHE.mkdir(parents=True, exist_ok=True)
    final = CACHE / f"sqlite-s{scale}-{key}"
    for old in CACHE.glob(f"sqlite-s{scale}-*"):
        if old != final or rebuild:
            shutil.rmtree(old, ignore_errors=True)
    url = f"sqlite:///{final / 'ioc.sqlite3'}"
    env = {"DATABASE_URL": url, "IOC_VAR_DIR": str(final)}
    if (final / "built.json").exists():
        _refresh(env)
        _dashboards(env)
        return url, str(final), None
    building = CACHE / f"sqlite-s{scale}-{key}.building"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir()
    print(f"building the SQLite demo at scale {scale} (kept in {final} for the next runs)…", flush=True)
    seconds = _build({"DATABASE_URL": f"sqlite:///{building / 'ioc.sqlite3'}", "IOC_VAR_DIR": str(building)}, scale)
    (building / "built.json").write_text(json.dumps({"key": key, "scale": scale, "seconds": round(seconds)}))
    building.rename(final)
    _dashboards(env)
    return url, str(final), seconds


def postgres_database(scale: int, rebuild: bool, server_url: str) -> tuple[str, str, float | None] | None:
    """The kept PostgreSQL database (built when missing), or None when the server cannot be reached."""
    try:
        import psycopg
        from psycopg import sql
    except ImportError:
        print("PostgreSQL not measured: psycopg is not installed", file=sys.stderr)
        return None
    key = code_key(scale)
    base = server_url.rsplit("/", 1)[0]
    admin = base + "/postgres"
    name = f"{PREFIX}_s{scale}_{key}"
    building = f"{name}_building"
    var_dir = CACHE / f"postgresql-s{scale}-{key}"
    CACHE.mkdir(parents=True, exist_ok=True)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            names = [
                r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [PREFIX + "%"])
            ]
            # Earlier builds of this scale (another key, or a build that did not finish) go.
            for old in names:
                if old.startswith(f"{PREFIX}_s{scale}_") and (old != name or rebuild):
                    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(old)))
            exists = name in names and not rebuild
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(building)))
    except psycopg.Error as exc:
        print(f"PostgreSQL not measured: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
        return None
    for old in CACHE.glob(f"postgresql-s{scale}-*"):
        if old != var_dir or not exists:
            shutil.rmtree(old, ignore_errors=True)
    var_dir.mkdir(exist_ok=True)
    url = f"{base}/{name}"
    env = {"DATABASE_URL": url, "IOC_VAR_DIR": str(var_dir)}
    if exists:
        _refresh(env)
        _dashboards(env)
        return url, str(var_dir), None
    print(f"building the PostgreSQL demo at scale {scale} (kept as database {name})…", flush=True)
    seconds = _build({"DATABASE_URL": f"{base}/{building}", "IOC_VAR_DIR": str(var_dir)}, scale)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(building), sql.Identifier(name)))
    _dashboards(env)
    return url, str(var_dir), seconds
