"""Shared helpers of the benchmark scripts: the machine description, the JSON report line, a throwaway
PostgreSQL database, and running a script's measuring half in a child process on a chosen database."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import subprocess
import sys
from typing import Any


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gb = 0.0
    with contextlib.suppress(ValueError, OSError):
        mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return f"{cpu}, {os.cpu_count()} cores, {mem_gb:.0f} GB, Python {platform.python_version()}"


def report(name: str, results: list[dict[str, Any]]) -> None:
    """Print the one JSON line every benchmark ends with."""
    print(json.dumps({"benchmark": name, "machine": machine(), "results": results}, ensure_ascii=False))


PG_URL = os.environ.get("IOC_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/ioc")


def postgres_database(prefix: str = "ioc_bench") -> tuple[str, str] | None:
    """(url of a fresh database, admin conninfo) or None, with the reason on stderr, when the server is not
    reachable."""
    try:
        import psycopg
    except ImportError:
        print("PostgreSQL not measured: psycopg is not installed", file=sys.stderr)
        return None
    admin = PG_URL.rsplit("/", 1)[0] + "/postgres"
    name = f"{prefix}_{os.getpid()}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        print(f"PostgreSQL not measured: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
        return None
    return PG_URL.rsplit("/", 1)[0] + "/" + name, admin


def drop_database(admin: str, url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_child(
    script: str, database_url: str, var_dir: str, args: list[str], *, keep_stderr: bool = False
) -> dict[str, Any]:
    """Run `script --child ARGS` with DATABASE_URL and IOC_VAR_DIR set (Django is configured once per process,
    so each database gets its own); its last line of output is the JSON result. With keep_stderr the child's
    stderr (a profile, progress) goes to ours; otherwise it is shown only when the child fails."""
    env = {**os.environ, "DATABASE_URL": database_url, "IOC_VAR_DIR": var_dir}
    command = [sys.executable, script, "--child", *args]
    stderr = None if keep_stderr else subprocess.PIPE
    proc = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True, check=False)
    if proc.returncode != 0:
        detail = (proc.stderr or "")[-3000:] if not keep_stderr else ""
        raise RuntimeError(f"benchmark child failed ({database_url.split(':')[0]}) {detail}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result
