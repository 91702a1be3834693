"""ioc.core.pdf: Vietnamese text, tables and charts come out of the PDF as text a reader (and pypdf) extracts."""

from __future__ import annotations

import io
import unicodedata

import pytest
from django.utils import translation
from pypdf import PdfReader

from ioc.core.pdf import PdfDoc, markup

KPI = "Tỷ lệ hồ sơ trực tuyến toàn trình"


def _text(pdf: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, [unicodedata.normalize("NFC", page.extract_text() or "") for page in reader.pages]


def _document(rows: int = 80, *, landscape: bool = False) -> bytes:
    doc = PdfDoc("Bản tin lãnh đạo tuần", subtitle="Tỉnh Vĩnh Phúc · 02/06/2025 – 08/06/2025", landscape=landscape)
    doc.heading("Chỉ số chính")
    # A decomposed string (NFD) must come out precomposed.
    doc.paragraph(unicodedata.normalize("NFD", KPI) + " tăng 3,2 điểm & <đạt> mục tiêu")
    doc.bullets(["Đạt", "Có nguy cơ không đạt"])
    doc.table(
        ["Mã", "Chỉ tiêu", "Trạng thái"],
        [[f"CT-{i:02d}", f"{KPI} — dòng số {i} với một tên rất dài để xuống dòng trong ô", "Đạt"] for i in range(rows)],
        col_widths=[1, 4, 1.5],
        row_colours=["#e3f9e5" if i % 2 else None for i in range(rows)],
    )
    doc.line_chart(
        KPI,
        ["T1", "T2", "T3", "T4", "T5"],
        [("Thực tế", [40.0, 45.5, None, 52.0, 55.0])],
        band=([38.0, 42.0, 46.0, 49.0, 51.0], [42.0, 48.0, 53.0, 56.0, 60.0]),
        target=80.0,
    )
    doc.page_break()
    doc.bar_chart("Chỉ tiêu theo trạng thái", ["Đạt", "Đúng tiến độ", "Có nguy cơ"], [("Số chỉ tiêu", [3, 5, None])])
    return doc.build()


@pytest.fixture(autouse=True)
def _vietnamese() -> object:
    with translation.override("vi"):
        yield


def test_vietnamese_text_tables_and_charts_extract() -> None:
    reader, pages = _text(_document())
    whole = "\n".join(pages)
    assert KPI in whole
    assert "Đạt" in whole and "Có nguy cơ không đạt" in whole
    assert "& <đạt>" in whole  # escaped for the mini-markup, shown literally
    assert "Chỉ tiêu theo trạng thái" in whole  # the bar chart's title (a drawing string)
    assert reader.metadata is not None and reader.metadata.title == "Bản tin lãnh đạo tuần"
    assert reader.metadata.author == "ioc"


def test_long_tables_repeat_the_header_and_pages_are_numbered() -> None:
    # English furniture: the Vietnamese one depends on the catalogue being compiled.
    with translation.override("en"):
        _reader, pages = _text(_document(rows=120))
    assert len(pages) >= 4
    total = len(pages)
    table_pages = [page for page in pages if "CT-" in page]
    assert len(table_pages) >= 2
    assert all("Trạng thái" in page for page in table_pages)  # the header row on each page of the table
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in page
    assert "Generated at" in pages[0]
    assert "Bản tin lãnh đạo tuần" in pages[1]  # the running title from the second page on


def test_landscape_pages_are_wider_than_tall() -> None:
    reader, _pages = _text(_document(rows=3, landscape=True))
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)
    reader, _pages = _text(_document(rows=3))
    assert float(reader.pages[0].mediabox.width) < float(reader.pages[0].mediabox.height)


def test_markup_escapes_and_normalises() -> None:
    assert markup("a < b & c\nd") == "a &lt; b &amp; c<br/>d"
    assert markup(unicodedata.normalize("NFD", "Đạt")) == "Đạt"
