"""Fill or fix Vietnamese translations in the catalogue: `python scripts/po_fill.py 'msgid=msgstr' …`, or
`python scripts/po_fill.py --json FILE …` with files holding one JSON object {msgid: msgstr}.

Clears the fuzzy flag and msgmerge's previous-msgid comments of the entries it sets. Single-line and
wrapped msgids are matched by their text."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

PO = Path(__file__).resolve().parents[1] / "ioc" / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def _text(block: str, key: str) -> str | None:
    m = re.search(rf'^{key} ((?:".*"\n?)+)', block, re.M)
    if not m:
        return None
    return "".join(re.findall(r'"(.*)"', m.group(1)))


def _wanted(args: list[str]) -> dict[str, str]:
    wanted: dict[str, str] = {}
    it = iter(args)
    for arg in it:
        if arg == "--json":
            wanted.update(json.loads(Path(next(it)).read_text(encoding="utf-8")))
        else:
            key, value = arg.split("=", 1)
            wanted[key] = value
    return wanted


def main(pairs: list[str]) -> int:
    wanted = _wanted(pairs)
    blocks = PO.read_text().split("\n\n")
    for i, block in enumerate(blocks):
        msgid = _text(block, "msgid")
        if msgid is None or msgid not in wanted or "msgid_plural" in block:
            continue
        lines = [ln for ln in block.split("\n") if not ln.startswith("#|") and ln != "#, fuzzy"]
        lines = [ln.replace("#, fuzzy, ", "#, ") for ln in lines]
        head = "\n".join(ln for ln in lines if ln.startswith("#"))
        value = wanted.pop(msgid).replace('"', '\\"')
        body = f'msgid "{msgid}"\nmsgstr "{value}"'
        blocks[i] = f"{head}\n{body}" if head else body
    PO.write_text("\n\n".join(blocks))
    if wanted:
        print("not found:", ", ".join(wanted), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
