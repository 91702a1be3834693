"""The Vietnamese catalogue: every string of the pages translated, and the compiled .mo up to date."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "vi" / "LC_MESSAGES"
PO = LOCALE / "django.po"
MO = LOCALE / "django.mo"


def _unquote(lines: list[str]) -> str:
    text = "".join(re.match(r'^[^"]*"(.*)"$', line.strip()).group(1) for line in lines)  # type: ignore[union-attr]
    return text.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


def _entries() -> list[tuple[list[str], str, str]]:
    """(source references, msgid, msgstr or msgstr[0]) of every entry of the .po file; a fuzzy entry
    (msgmerge's guess, which gettext does not use) counts as untranslated: its msgstr is ""."""
    entries = []
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        refs: list[str] = []
        parts: dict[str, list[str]] = {}
        key = None
        fuzzy = False
        for line in block.strip().splitlines():
            if line.startswith("#:"):
                refs += line[2:].split()
            elif line.startswith("#,"):
                fuzzy = fuzzy or "fuzzy" in line
            elif line.startswith("#"):
                continue
            elif m := re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[0\])?|msgstr\[\d+\])\s", line):
                key = m.group(1)
                parts[key] = [line]
            elif key:
                parts[key].append(line)
        if "msgid" in parts:
            msgstr = parts.get("msgstr") or parts.get("msgstr[0]") or ['""']
            entries.append((refs, _unquote(parts["msgid"]), "" if fuzzy else _unquote(msgstr)))
    return entries


PAGE_SOURCES = ("ioc/templates/", "ioc/web/")


def test_every_string_of_the_pages_is_translated() -> None:
    page_entries = [(refs, msgid, msgstr) for refs, msgid, msgstr in _entries() if msgid]
    page_entries = [e for e in page_entries if any(r.startswith(PAGE_SOURCES) for r in e[0])]
    assert len(page_entries) > 80
    untranslated = [msgid for _, msgid, msgstr in page_entries if not msgstr.strip()]
    assert not untranslated, f"untranslated strings of the pages: {untranslated}"


def test_placeholders_survive_translation() -> None:
    for _, msgid, msgstr in _entries():
        if msgid and msgstr:
            assert sorted(re.findall(r"%\(\w+\)s", msgid)) == sorted(re.findall(r"%\(\w+\)s", msgstr)), msgid


@pytest.mark.parametrize(
    ("english", "vietnamese"),
    [
        ("Log in", "Đăng nhập"),
        ("Username", "Tên đăng nhập"),
        ("Password", "Mật khẩu"),
        ("Log out", "Đăng xuất"),
        ("Home", "Trang chủ"),
        ("Administrative units", "Đơn vị hành chính"),
        ("Data sets", "Bộ dữ liệu"),
        ("Data elements", "Chỉ tiêu dữ liệu"),
        ("Indicators", "Chỉ số"),
        ("Data values", "Giá trị dữ liệu"),
        ("Latest imports", "Lần nhập gần nhất"),
        ("Synthetic data", "Dữ liệu mô phỏng"),
    ],
)
def test_key_words_in_the_compiled_catalogue(english: str, vietnamese: str) -> None:
    with translation.override("vi"):
        assert translation.gettext(english) == vietnamese
    with translation.override("en"):
        assert translation.gettext(english) == english


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="msgfmt (gettext) is not installed")
def test_the_compiled_mo_is_up_to_date(tmp_path: Path) -> None:
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(PO)], check=True)
    assert fresh.read_bytes() == MO.read_bytes(), "django.mo is out of date: run `make messages`"
