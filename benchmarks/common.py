"""Shared helpers of the benchmark scripts: the machine description and the JSON report line."""

from __future__ import annotations

import contextlib
import json
import os
import platform
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
