"""The project rule of docs/architecture.md, enforced: a lower layer never imports a higher one.

Application modules only (tests and `testing.py` helpers may build worlds from any app). Apps on one layer
use each other in the listed direction only.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "ioc"

LAYERS: list[set[str]] = [
    {"core", "audit"},
    {"orgunits"},
    {"accounts", "metadata"},
    {"jobs"},
    {"datavalues"},
    {"quality", "workflow", "ingest", "entry"},
    {"analytics"},
    {"dashboards", "plans"},
    {"briefings"},
    {"demo"},
    {"web"},
]
SAME_LAYER = {
    ("core", "audit"),
    ("metadata", "accounts"),
    ("ingest", "quality"),
    ("entry", "quality"),
    ("entry", "workflow"),
    ("dashboards", "plans"),
}
RANK = {app: i for i, layer in enumerate(LAYERS) for app in layer}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if len(parts) > 1 and parts[0] == "ioc" and parts[1] in RANK:
                found.add(parts[1])
    return found


def test_every_app_is_on_a_layer() -> None:
    apps = {p.parent.name for p in PACKAGE.glob("*/apps.py")}
    assert apps == set(RANK), "add the new app to LAYERS here and to docs/architecture.md"


def test_no_app_imports_a_higher_layer() -> None:
    wrong: list[str] = []
    for app in RANK:
        for path in (PACKAGE / app).rglob("*.py"):
            if "tests" in path.parts or path.name == "testing.py" or "migrations" in path.parts:
                continue
            for other in _imports(path) - {app}:
                if RANK[other] > RANK[app] or (RANK[other] == RANK[app] and (app, other) not in SAME_LAYER):
                    wrong.append(f"{path.relative_to(PACKAGE.parent)} imports ioc.{other}")
    assert not wrong, "\n".join(sorted(wrong))
