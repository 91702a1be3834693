"""`make bench`: run every benchmark script in this folder, each in its own process, and print the
figures of each (the last line of every script is its JSON object)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = 0
    for script in sorted(HERE.glob("*.py")):
        if script.name in {"run_all.py", "common.py"} or script.name.startswith("_"):
            continue
        print(f"=== {script.name} ===", flush=True)
        proc = subprocess.run([sys.executable, str(script), *sys.argv[1:]], capture_output=True, text=True)
        sys.stdout.write(proc.stdout)
        if proc.returncode != 0:
            failed += 1
            sys.stdout.write(proc.stderr[-4000:])
            continue
        last = proc.stdout.strip().splitlines()[-1]
        report = json.loads(last)
        for result in report["results"]:
            baselines = ", ".join(f"{k} {v:,.1f}" for k, v in result.get("baselines", {}).items())
            print(f"  {result['name']}: {result['value']:,.1f} {result['unit']}  (baselines: {baselines})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
