"""PDF documents for exports and the leaders' briefing (reportlab).

A small builder over reportlab's platypus: headings, paragraphs, bullets, tables (header row repeated on every
page, wrapped cells, per-row colours), a line chart (with an optional shaded band and a target line) and a bar
chart. Text is set in DejaVu Sans, shipped in ioc/core/fonts and embedded, so Vietnamese diacritics render and
extract; every string is normalised to NFC (pypdf and readers expect precomposed letters) and escaped for
reportlab's paragraph mini-markup, so callers pass plain text.
"""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Group, Line, Polygon, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.pagesizes import landscape as to_landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    ListFlowable,
    ListItem,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONTS_DIR = Path(__file__).resolve().parent / "fonts"

# A colour-blind-friendly palette (Okabe–Ito) for series, in order.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
TEXT = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#616e7c")
RULE = colors.HexColor("#cbd2d9")
HEADER_BG = colors.HexColor("#e4e7eb")
BAND = colors.Color(0 / 255, 114 / 255, 178 / 255, alpha=0.15)
TARGET = colors.HexColor("#D55E00")
MARGIN = 16 * mm
HEADING_ROOM = 40 * mm  # below this much room left, a heading starts a new page


def register_fonts() -> None:
    """Register DejaVu Sans (regular, bold) once per process."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    pdfmetrics.registerFont(TTFont(FONT, str(FONTS_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONTS_DIR / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


def clean(text: object) -> str:
    """Plain text → NFC, the form readers and text extraction expect."""
    return unicodedata.normalize("NFC", "" if text is None else str(text))


def markup(text: object) -> str:
    """Plain text → reportlab paragraph markup (escaped; line breaks kept)."""
    return escape(clean(text)).replace("\n", "<br/>")


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13, textColor=TEXT, spaceAfter=4)
    return {
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=17, leading=21, spaceAfter=2),
        "subtitle": ParagraphStyle("subtitle", parent=base, textColor=MUTED, fontSize=10.5, spaceAfter=10),
        "h1": ParagraphStyle("h1", parent=base, fontName=FONT_BOLD, fontSize=13, leading=17, spaceBefore=10),
        "h2": ParagraphStyle("h2", parent=base, fontName=FONT_BOLD, fontSize=11, leading=14, spaceBefore=8),
        "h3": ParagraphStyle("h3", parent=base, fontName=FONT_BOLD, fontSize=10, leading=13, spaceBefore=6),
        "body": base,
        "muted": ParagraphStyle("muted", parent=base, textColor=MUTED, fontSize=9),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=10.5, spaceAfter=0),
        "cell_head": ParagraphStyle("cell_head", parent=base, fontName=FONT_BOLD, fontSize=8.5, leading=10.5),
    }


def _nice_number(value: float) -> str:
    if value is None or math.isnan(value):
        return ""
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):,}".replace(",", " ")
    return f"{value:,.1f}".replace(",", " ")


class _NumberedCanvas(Canvas):
    """Defers page furniture until the page count is known ("page 2 of 5")."""

    furniture: Callable[[Canvas, int, int], None] = staticmethod(lambda canvas, page, total: None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._saved_pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._saved_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._saved_pages)
        for number, state in enumerate(self._saved_pages, start=1):
            self.__dict__.update(state)
            type(self).furniture(self, number, total)
            super().showPage()
        super().save()


class PdfDoc:
    """Collects flowables, then `build()` renders an A4 PDF (bytes)."""

    def __init__(self, title: str, *, subtitle: str = "", landscape: bool = False, author: str = "ioc") -> None:
        register_fonts()
        self.title = clean(title)
        self.subtitle = clean(subtitle)
        self.author = clean(author)
        self.pagesize = to_landscape(A4) if landscape else A4
        self.styles = _styles()
        self.width = self.pagesize[0] - 2 * MARGIN
        self.story: list[Flowable] = [Paragraph(markup(self.title), self.styles["title"])]
        if self.subtitle:
            self.story.append(Paragraph(markup(self.subtitle), self.styles["subtitle"]))
        self.generated_at = timezone.localtime()
        self._headings: set[int] = set()

    # --- text ----------------------------------------------------------------------------------------------

    def heading(self, text: str, level: int = 1) -> None:
        # A heading never ends a page: near the bottom it starts the next one (a chart right after it takes
        # it along, _keep_with_headings). Not keepWithNext: that would move a whole long table with it.
        self.story.append(CondPageBreak(HEADING_ROOM))
        heading = Paragraph(markup(text), self.styles[f"h{min(max(level, 1), 3)}"])
        self._headings.add(id(heading))
        self.story.append(heading)

    def _keep_with_headings(self, flowables: list[Flowable]) -> None:
        """Append `flowables` kept on one page together with the headings just before them."""
        lead: list[Flowable] = []
        while self.story and (id(self.story[-1]) in self._headings or isinstance(self.story[-1], CondPageBreak)):
            lead.insert(0, self.story.pop())
        self.story.append(KeepTogether([f for f in lead if not isinstance(f, CondPageBreak)] + flowables))

    def paragraph(self, text: str, *, muted: bool = False) -> None:
        self.story.append(Paragraph(markup(text), self.styles["muted" if muted else "body"]))

    def bullets(self, items: list[str]) -> None:
        if not items:
            return
        entries = [ListItem(Paragraph(markup(item), self.styles["body"]), leftIndent=12) for item in items]
        self.story.append(ListFlowable(entries, bulletType="bullet", bulletFontName=FONT, leftIndent=12, start="•"))

    def page_break(self) -> None:
        self.story.append(PageBreak())

    # --- tables --------------------------------------------------------------------------------------------

    def table(
        self,
        header: list[str],
        rows: list[list[str]],
        *,
        col_widths: list[float] | None = None,
        row_colours: list[str | None] | None = None,
    ) -> None:
        """A table whose header repeats on each page. `col_widths` are relative (scaled to the page width);
        `row_colours` gives each body row a background ("#rrggbb") or None."""
        columns = len(header) or max((len(row) for row in rows), default=1)
        weights = col_widths if col_widths and len(col_widths) == columns else [1.0] * columns
        total = sum(weights) or 1.0
        widths = [self.width * weight / total for weight in weights]
        head = [Paragraph(markup(cell), self.styles["cell_head"]) for cell in header]
        body = [
            [Paragraph(markup(cell), self.styles["cell"]) for cell in (list(row) + [""] * columns)[:columns]]
            for row in rows
        ]
        data: list[list[Paragraph]] = ([head] if header else []) + body
        if not data:
            return
        offset = 1 if header else 0
        style: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("GRID", (0, 0), (-1, -1), 0.4, RULE),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), HEADER_BG))
        for index, colour in enumerate(row_colours or []):
            if colour and index < len(body):
                style.append(("BACKGROUND", (0, index + offset), (-1, index + offset), colors.HexColor(colour)))
        table = Table(data, colWidths=widths, repeatRows=offset, style=TableStyle(style), hAlign="LEFT")
        self.story.extend([table, Spacer(1, 6)])

    # --- charts --------------------------------------------------------------------------------------------

    def _chart_frame(self, title: str, height: float = 62 * mm) -> tuple[Drawing, float, float, float, float]:
        """A drawing with the title on top; returns it with the plot area (x, y, width, height)."""
        drawing = Drawing(self.width, height)
        drawing.add(String(0, height - 11, clean(title), fontName=FONT_BOLD, fontSize=10, fillColor=TEXT))
        return drawing, 34, 30, self.width - 44, height - 52

    def _legend(self, drawing: Drawing, names: list[tuple[colors.Color, str]]) -> None:
        legend = Legend()
        legend.x, legend.y = 34, 8
        legend.alignment = "right"
        legend.columnMaximum = 1
        legend.fontName, legend.fontSize = FONT, 8
        legend.dx = legend.dy = 7
        legend.deltax = 40
        legend.autoXPadding = 10
        legend.colorNamePairs = names
        drawing.add(legend)

    def _style_axis(self, axis: Any) -> None:
        axis.labels.fontName, axis.labels.fontSize, axis.labels.fillColor = FONT, 7.5, MUTED
        axis.strokeColor = RULE

    def line_chart(
        self,
        title: str,
        categories: list[str],
        series: list[tuple[str, list[float | None]]],
        *,
        band: tuple[list[float | None], list[float | None]] | None = None,
        target: float | None = None,
    ) -> None:
        """Lines over ordered categories; `band` (low, high) is shaded behind them, `target` a dashed line."""
        drawing, x, y, width, height = self._chart_frame(title)
        plot = LinePlot()
        plot.x, plot.y, plot.width, plot.height = x, y, width, height
        labels = [clean(category) for category in categories]
        values = [v for _name, points in series for v in points if v is not None]
        if band:
            values += [v for v in band[0] + band[1] if v is not None]
        if target is not None:
            values.append(target)
        data = [[(i, v) for i, v in enumerate(points) if v is not None] for _name, points in series]
        # The axis is configured from the data only: an invisible series spans the band and the target too.
        low, high = (min(values), max(values)) if values else (0.0, 1.0)
        data.append([(0, low), (0, high if high > low else low + 1)])
        plot.data = [points or [(0, low)] for points in data]
        for index in range(len(series)):
            plot.lines[index].strokeColor = colors.HexColor(PALETTE[index % len(PALETTE)])
            plot.lines[index].strokeWidth = 1.6
        plot.lines[len(series)].strokeColor = None
        last = max(len(labels) - 1, 1)
        plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = 0, last
        # Every label that fits: long ones ("Tháng 12/2025") are thinned out rather than overlapping.
        widest = max((pdfmetrics.stringWidth(label, FONT, 7.5) for label in labels), default=0.0) + 6
        step = max(1, math.ceil(len(labels) * widest / width))
        plot.xValueAxis.valueSteps = list(range(0, len(labels), step))
        plot.xValueAxis.labelTextFormat = lambda i: labels[int(i)] if 0 <= int(i) < len(labels) else ""
        plot.yValueAxis.rangeRound = "both"
        plot.yValueAxis.labelTextFormat = _nice_number
        plot.yValueAxis.visibleGrid, plot.yValueAxis.gridStrokeColor = True, RULE
        self._style_axis(plot.xValueAxis)
        self._style_axis(plot.yValueAxis)
        plot.annotations = [_band_annotation(band), _target_annotation(target)]
        plot.annotations[0].beforeLines = True
        drawing.add(plot)
        names = [(colors.HexColor(PALETTE[i % len(PALETTE)]), clean(name)) for i, (name, _v) in enumerate(series)]
        if target is not None:
            names.append((TARGET, f"{_('Target')}: {_nice_number(target)}"))
        self._legend(drawing, names)
        self._keep_with_headings([drawing, Spacer(1, 8)])

    def bar_chart(self, title: str, categories: list[str], series: list[tuple[str, list[float | None]]]) -> None:
        drawing, x, y, width, height = self._chart_frame(title)
        chart = VerticalBarChart()
        chart.x, chart.y, chart.width, chart.height = x, y, width, height
        chart.data = [list(points) for _name, points in series] or [[0]]
        chart.categoryAxis.categoryNames = [clean(category) for category in categories]
        chart.valueAxis.valueMin = min(0, *(v for _n, p in series for v in p if v is not None), 0)
        chart.valueAxis.rangeRound = "ceiling"
        present = [v for _n, p in series for v in p if v is not None]
        if present and all(float(v).is_integer() for v in present):  # counts: whole-number ticks
            step = max(1, math.ceil(max(present) / 5))
            chart.valueAxis.valueStep = step
            chart.valueAxis.valueMax = step * math.ceil((max(present) + 0.5) / step)  # room for the labels
        chart.valueAxis.labelTextFormat = _nice_number
        chart.valueAxis.visibleGrid, chart.valueAxis.gridStrokeColor = True, RULE
        chart.barSpacing, chart.groupSpacing = 1, 8
        for index in range(len(series)):
            chart.bars[index].fillColor = colors.HexColor(PALETTE[index % len(PALETTE)])
            chart.bars[index].strokeColor = None
        chart.barLabelFormat = _nice_number
        chart.barLabels.fontName, chart.barLabels.fontSize, chart.barLabels.nudge = FONT, 7, 6
        self._style_axis(chart.categoryAxis)
        self._style_axis(chart.valueAxis)
        drawing.add(chart)
        if len(series) > 1:
            self._legend(
                drawing, [(colors.HexColor(PALETTE[i % len(PALETTE)]), clean(n)) for i, (n, _v) in enumerate(series)]
            )
        self._keep_with_headings([drawing, Spacer(1, 8)])

    # --- output --------------------------------------------------------------------------------------------

    def _furniture(self, canvas: Canvas, page: int, total: int) -> None:
        page_width, page_height = self.pagesize
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.setFont(FONT, 8)
        canvas.setFillColor(MUTED)
        if page > 1:  # the first page carries the title in large type already
            canvas.drawString(MARGIN, page_height - MARGIN + 6, self.title[:120])
            canvas.line(MARGIN, page_height - MARGIN + 2, page_width - MARGIN, page_height - MARGIN + 2)
        canvas.line(MARGIN, MARGIN - 4, page_width - MARGIN, MARGIN - 4)
        when = self.generated_at.strftime("%d/%m/%Y %H:%M")
        canvas.drawString(MARGIN, MARGIN - 14, clean(_("Generated at %(when)s") % {"when": when}))
        label = clean(_("Page %(page)d of %(total)d") % {"page": page, "total": total})
        canvas.drawRightString(page_width - MARGIN, MARGIN - 14, label)
        canvas.restoreState()

    def build(self) -> bytes:
        buffer = io.BytesIO()
        document = SimpleDocTemplate(
            buffer,
            pagesize=self.pagesize,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN + 6,
            bottomMargin=MARGIN + 4,
            title=self.title,
            author=self.author,
            subject=self.subtitle,
            creator="ioc",
        )
        furniture = self._furniture
        canvas_class = type("_DocCanvas", (_NumberedCanvas,), {"furniture": staticmethod(furniture)})
        document.build(list(self.story), canvasmaker=canvas_class)
        return buffer.getvalue()


def _band_annotation(band: tuple[list[float | None], list[float | None]] | None) -> Callable[..., Group]:
    def draw(plot: LinePlot, x_scale: Callable[[float], float], y_scale: Callable[[float], float]) -> Group:
        group = Group()
        if not band:
            return group
        # One polygon per run of consecutive points where both bounds are known.
        runs: list[list[tuple[int, float, float]]] = [[]]
        for i, (low, high) in enumerate(zip(band[0], band[1], strict=False)):
            if low is None or high is None:
                runs.append([])
            else:
                runs[-1].append((i, low, high))
        for run in runs:
            if len(run) < 2:
                continue
            upper = [c for i, _low, high in run for c in (x_scale(i), y_scale(high))]
            lower = [c for i, low, _high in reversed(run) for c in (x_scale(i), y_scale(low))]
            group.add(Polygon(upper + lower, fillColor=BAND, strokeColor=None, strokeWidth=0))
        return group

    return draw


def _target_annotation(target: float | None) -> Callable[..., Group]:
    def draw(plot: LinePlot, x_scale: Callable[[float], float], y_scale: Callable[[float], float]) -> Group:
        group = Group()
        if target is not None:
            y = y_scale(target)
            group.add(
                Line(plot.x, y, plot.x + plot.width, y, strokeColor=TARGET, strokeWidth=1.2, strokeDashArray=[4, 3])
            )
        return group

    return draw
