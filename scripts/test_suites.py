"""Run the pytest suite on SQLite, then on PostgreSQL.

PostgreSQL: IOC_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/ioc; pytest-django creates and
drops the test database `test_<name>`). With CI=true an unreachable server fails the run; otherwise the
PostgreSQL suite is skipped with a message saying so. Extra arguments go to both pytest runs.
"""

from __future__ import annotations

import os
import subprocess
import sys

PG_URL = os.environ.get("IOC_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/ioc")


def postgres_reachable(url: str) -> str | None:
    """None when reachable, else why not."""
    import psycopg

    conninfo = url.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(conninfo, connect_timeout=5) as conn:
            conn.execute("select 1")
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]
    return None


def run(label: str, env: dict[str, str], args: list[str]) -> int:
    print(f"\n=== pytest on {label} ===", flush=True)
    return subprocess.call([sys.executable, "-m", "pytest", *args], env=env)


def main() -> int:
    extra = sys.argv[1:]
    ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}

    status = run("SQLite", base, extra)

    why = postgres_reachable(PG_URL)
    if why is not None:
        message = f"PostgreSQL at {PG_URL} is not reachable ({why})."
        if ci:
            print(f"\nFAILED: {message} CI requires the PostgreSQL suite.", file=sys.stderr)
            return 1
        print(f"\nSKIPPED the PostgreSQL suite: {message} Start PostgreSQL or set IOC_TEST_POSTGRES_URL.")
        return status

    # The browser tests check pages, not the database: once, on SQLite, is enough.
    pg_status = run("PostgreSQL", {**base, "DATABASE_URL": PG_URL}, ["-m", "not browser", *extra])
    return status or pg_status


if __name__ == "__main__":
    sys.exit(main())
