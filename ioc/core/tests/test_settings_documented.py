"""Datasette's rule: a setting that is not documented is a bug."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
READS = re.compile(r"""env(?:_bool)?\(\s*"([A-Z_]+)"|os\.environ\.get\(\s*"([A-Z_]+)\"""")


def _names(*paths: Path) -> set[str]:
    names: set[str] = set()
    for path in paths:
        for a, b in READS.findall(path.read_text()):
            names.add(a or b)
    return names


def test_every_environment_setting_is_in_the_operators_guide():
    sources = [ROOT / "ioc" / "settings.py", *ROOT.glob("ioc/*/management/commands/*.py")]
    doc = (ROOT / "docs" / "operations.md").read_text()
    names = _names(*sources)
    assert "DATABASE_URL" in names
    missing = sorted(n for n in names if f"`{n}`" not in doc)
    assert missing == [], f"document these settings in docs/operations.md: {missing}"
