"""Paint a :class:`ecoinv.report.Report` onto any paged device.

One painter for every output: ``write_pdf`` (QPdfWriter), ``print_report``
(a QPrinter from the print dialog or the print-preview dialog) go through
:func:`paint_report`, so the PDF, the preview and the printed pages are the
same pages.

Layout happens once, in device-independent units (1/1200 inch, with fonts
sized in those units), and is then painted with the painter scaled to the
device's resolution.  Page breaks, line wraps and table splits therefore do
not depend on the printer's resolution.
"""
from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import (QColor, QFont, QFontMetricsF, QPageLayout, QPageSize, QPagedPaintDevice,
                           QPainter, QPdfWriter, QPen)

from .. import report as rm
from ..report import BarChart, Cover, KeyValues, MapFrame, Report, Section, Table, Text

# Layout units per inch.  High enough that rounding a font to whole units
# (QFont pixel sizes are integers) changes its size by well under 1 %.
UNITS_PER_INCH = 1200.0
MM = UNITS_PER_INCH / 25.4
PT = UNITS_PER_INCH / 72.0

A4_MM = (210.0, 297.0)

# Margins (mm): generous binding side, room for the running header/footer.
MARGIN_LEFT = 22.0
MARGIN_RIGHT = 18.0
MARGIN_TOP = 24.0
MARGIN_BOTTOM = 22.0

# The bureau's colours: a dark green for structure, greys for rules.
INK = QColor("#1E2A26")
ACCENT = QColor("#1B5E45")
ACCENT_LIGHT = QColor("#E3EEE8")
ZEBRA = QColor("#F5F8F6")
RULE = QColor("#C5CFCA")
MUTED = QColor("#66736D")
WARN = QColor("#B3261E")
GRID = QColor("#E1E6E3")


# The core's: a cancelled report is the same error whether it stopped while
# computing the statistics or while painting.
ReportCancelled = rm.ReportCancelled


ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]


# --- fonts ------------------------------------------------------------------

class Fonts:
    """The report's type scale in the bundled CJK family."""

    def __init__(self, family: str):
        self.family = family
        self.cover_city = self._font(30, bold=True)
        self.cover_title = self._font(24, bold=True)
        self.cover_sub = self._font(13)
        self.h1 = self._font(16, bold=True)
        self.h2 = self._font(12, bold=True)
        self.h3 = self._font(10, bold=True)
        self.body = self._font(10)
        self.note = self._font(8)
        self.table = self._font(8.5)
        self.table_bold = self._font(8.5, bold=True)
        self.chrome = self._font(8)
        self.chart = self._font(8)
        self.kv_label = self._font(10, bold=True)

    def _font(self, pt: float, *, bold: bool = False) -> QFont:
        f = QFont(self.family)
        f.setPixelSize(max(1, round(pt * PT)))
        f.setBold(bold)
        # Hinting snaps glyphs to the layout grid, which is not the device's:
        # without it, measured and painted widths agree on every device.
        f.setHintingPreference(QFont.PreferNoHinting)
        f.setKerning(True)
        # Qt's PDF engine cannot map a ligature glyph back to its letters:
        # with "fi" joined, "figures" would be found and copied as "gures".
        for tag in ("liga", "clig", "dlig"):
            f.setFeature(QFont.Tag(tag), 0)
        return f


def _metrics(font: QFont) -> QFontMetricsF:
    return QFontMetricsF(font)


WRAP = int(Qt.TextWordWrap)


def text_height(font: QFont, text: str, width: float, flags: int = 0) -> float:
    if not text:
        return 0.0
    r = _metrics(font).boundingRect(QRectF(0, 0, max(width, 1.0), 1e7), WRAP | flags, text)
    return r.height()


def elide(font: QFont, text: str, width: float) -> str:
    return _metrics(font).elidedText(text, Qt.ElideRight, width)


# --- layout -------------------------------------------------------------------

@dataclass
class Op:
    kind: str
    rect: QRectF
    data: Any = None


@dataclass
class Page:
    orientation: str
    ops: list[Op] = field(default_factory=list)
    chrome: bool = True  # running header and footer


def page_size_mm(orientation: str) -> tuple[float, float]:
    w, h = A4_MM
    return (h, w) if orientation == "landscape" else (w, h)


def content_rect(orientation: str) -> QRectF:
    w, h = page_size_mm(orientation)
    return QRectF(MARGIN_LEFT * MM, MARGIN_TOP * MM,
                  (w - MARGIN_LEFT - MARGIN_RIGHT) * MM, (h - MARGIN_TOP - MARGIN_BOTTOM) * MM)


class Layout:
    """Flows the report's blocks onto pages."""

    GAP = 4.0 * MM          # between blocks
    CELL_PAD_X = 1.6 * MM
    CELL_PAD_Y = 1.1 * MM
    BAR_H = 4.2 * MM
    BAR_GAP = 1.6 * MM
    KEEP_ROWS = 3           # least table rows at the foot or head of a page

    def __init__(self, report: Report, fonts: Fonts):
        self.report = report
        self.fonts = fonts
        self.pages: list[Page] = []
        self.y = 0.0
        # section key -> (title, page number) for the contents page
        self.toc: list[tuple[str, str, int]] = []
        self._widths: dict = {}
        self.last_heading = ""

    # -- pages ---------------------------------------------------------------
    @property
    def page(self) -> Page:
        return self.pages[-1]

    def new_page(self, orientation: str = "portrait", chrome: bool = True) -> Page:
        self.pages.append(Page(orientation, chrome=chrome))
        self.y = content_rect(orientation).top()
        return self.page

    @property
    def area(self) -> QRectF:
        return content_rect(self.page.orientation)

    def remaining(self) -> float:
        return self.area.bottom() - self.y

    def fits(self, h: float) -> bool:
        return self.y + h <= self.area.bottom() + 0.01

    # -- the whole report ---------------------------------------------------------
    def run(self) -> list[Page]:
        r = self.report
        if r.cover is not None:
            self.new_page("portrait", chrome=False)
            self.page.ops.append(Op("cover", QRectF(0, 0, A4_MM[0] * MM, A4_MM[1] * MM), r.cover))
        listed = [s for s in r.sections if s.in_contents]
        if r.cover is not None and len(listed) >= 3:
            self.new_page("portrait")
            self.page.ops.append(Op("contents", self.area, None))
        for s in r.sections:
            self.section(s)
        return self.pages

    def section(self, s: Section) -> None:
        if s.new_page or not self.pages or self.page.orientation != s.orientation:
            self.new_page(s.orientation)
        if s.in_contents:
            self.toc.append((s.key, s.title, len(self.pages)))
        blocks = list(s.blocks)
        for i, b in enumerate(blocks):
            rest = blocks[i + 1:]
            self.block(b, rest)

    def block(self, b, rest) -> None:
        if isinstance(b, Text):
            self.text(b, rest)
        elif isinstance(b, Table):
            self.table(b)
        elif isinstance(b, BarChart):
            self.chart(b)
        elif isinstance(b, MapFrame):
            self.map(b, rest)
        elif isinstance(b, KeyValues):
            self.key_values(b)
        else:  # pragma: no cover - a new block type without layout is a bug
            raise TypeError(f"cannot lay out {type(b).__name__}")

    # -- text ----------------------------------------------------------------------
    def font_for(self, style: str) -> QFont:
        return {"h1": self.fonts.h1, "h2": self.fonts.h2, "h3": self.fonts.h3,
                "note": self.fonts.note, "caption": self.fonts.note}.get(style, self.fonts.body)

    def text(self, t: Text, rest) -> None:
        font = self.font_for(t.style)
        w = self.area.width()
        h = text_height(font, t.text, w)
        before = {"h1": 0.0, "h2": 3.0 * MM, "h3": 2.0 * MM}.get(t.style, 0.0)
        after = {"h1": 5.0 * MM, "h2": 2.5 * MM, "h3": 1.5 * MM, "note": 2.0 * MM,
                 "caption": 2.0 * MM}.get(t.style, 3.0 * MM)
        at_top = self.y <= self.area.top() + 0.01
        if at_top:
            before = 0.0
        # A heading never ends a page: keep it with a little of what follows.
        keep = 0.0
        if t.style in ("h1", "h2", "h3"):
            # ... and the paragraphs under a heading do not end one either:
            # keep them all, plus the start of the table or chart they lead to.
            for nxt in rest:
                if isinstance(nxt, Text) and nxt.style == "body":
                    keep += text_height(self.fonts.body, nxt.text, w) + 3.0 * MM
                    continue
                if not (isinstance(nxt, Text) and nxt.style.startswith("h")):
                    keep += self.min_height(nxt)
                break
            keep = min(keep, 70 * MM)
        if not self.fits(before + h + keep):
            self.new_page(self.page.orientation)
            before = 0.0
        self.y += before
        rect = QRectF(self.area.left(), self.y, w, h)
        self.page.ops.append(Op("text", rect, t))
        if t.style in ("h1", "h2"):
            self.last_heading = t.text
        if t.style == "h1":
            self.page.ops.append(Op("h1rule", QRectF(rect.left(), rect.bottom() + 1.2 * MM, w, 0)))
            self.y += 1.2 * MM
        self.y += h + after

    def min_height(self, b) -> float:
        """The least of a block that must follow a heading on the same page."""
        if isinstance(b, Table):
            cols = self.col_widths(b, self.area.width())
            h = self.header_height(b, cols)
            if b.rows:
                h += self.row_height(b, 0, cols)
            if b.title:
                h += text_height(self.fonts.h3, b.title, self.area.width()) + 1.5 * MM
            return h
        if isinstance(b, BarChart):
            return self.chart_height(b)
        if isinstance(b, Text):
            return text_height(self.font_for(b.style), b.text, self.area.width())
        if isinstance(b, MapFrame):
            return 90 * MM
        if isinstance(b, KeyValues):
            return self.kv_height(b, self.area.width())
        return 0.0

    def full_height(self, b) -> float:
        """The whole height of a block laid out unbroken (what a map leaves room for)."""
        w = self.area.width()
        if isinstance(b, Table):
            cols = self.col_widths(b, w)
            h = self.header_height(b, cols) + sum(self.row_height(b, r, cols) for r in range(len(b.rows)))
            if b.title:
                h += text_height(self.fonts.h3, b.title, w) + 1.5 * MM
            if b.note:
                h += text_height(self.fonts.note, b.note, w) + 1.5 * MM
            return h
        if isinstance(b, Text):
            return text_height(self.font_for(b.style), b.text, w) + 5.0 * MM
        return self.min_height(b)

    # -- tables --------------------------------------------------------------------
    def col_widths(self, t: Table, width: float) -> list[float]:
        """Column widths: the model's shares, widened where a word would not
        fit (a clipped "Designated" reads as "signated"), taking the room
        from columns that have some to spare."""
        key = (id(t), width)
        if key in self._widths:
            return self._widths[key]
        total = sum(c.width for c in t.columns) or 1.0
        widths = [width * c.width / total for c in t.columns]
        need = [self._min_width(self.fonts.table_bold, c.title) for c in t.columns]
        for r, row in enumerate(t.rows):
            for c, text in enumerate(row[:len(need)]):
                need[c] = max(need[c], self._min_width(self.cell_font(t, r, c), str(text)))
        need = [n + 2 * self.CELL_PAD_X for n in need]
        deficit = sum(max(n - w, 0.0) for n, w in zip(need, widths))
        slack = [max(w - n, 0.0) for n, w in zip(need, widths)]
        spare = sum(slack)
        if deficit > 0 and spare > 0:
            take = min(deficit, spare)
            widths = [max(w, n) if n > w else w - take * sl / spare
                      for w, n, sl in zip(widths, need, slack)]
            scale = width / sum(widths)
            widths = [w * scale for w in widths]
        self._widths[key] = widths
        return widths

    def _min_width(self, font: QFont, text: str) -> float:
        """The widest piece of ``text`` a line cannot be broken inside."""
        fm = _metrics(font)
        widest = 0.0
        for token in text.split():
            if any(ord(ch) >= 0x2E80 for ch in token):
                # Chinese may break between any two characters, but a short
                # term ("一级保护区", "尚志市") reads badly split; long names
                # wrap anywhere.
                widest = max(widest, fm.horizontalAdvance(token if len(token) <= 6 else "国国"))
                latin = "".join(ch if ord(ch) < 0x2E80 else " " for ch in token).split()
                token_w = max((fm.horizontalAdvance(x) for x in latin), default=0.0)
                widest = max(widest, token_w)
            else:
                widest = max(widest, fm.horizontalAdvance(token))
        return widest

    def cell_font(self, t: Table, r: int, c: int) -> QFont:
        if r in t.total_rows or t.cell_styles.get((r, c)) == "bold":
            return self.fonts.table_bold
        return self.fonts.table

    def header_height(self, t: Table, cols: list[float]) -> float:
        return max(text_height(self.fonts.table_bold, col.title, w - 2 * self.CELL_PAD_X)
                   for col, w in zip(t.columns, cols)) + 2 * self.CELL_PAD_Y + 0.6 * MM

    def row_height(self, t: Table, r: int, cols: list[float]) -> float:
        row = t.rows[r]
        h = 0.0
        for c, (text, w) in enumerate(zip(row, cols)):
            h = max(h, text_height(self.cell_font(t, r, c), str(text), w - 2 * self.CELL_PAD_X))
        if h == 0.0:
            h = _metrics(self.fonts.table).height()
        return h + 2 * self.CELL_PAD_Y

    def table(self, t: Table) -> None:
        w = self.area.width()
        cols = self.col_widths(t, w)
        head_h = self.header_height(t, cols)
        heights = [self.row_height(t, r, cols) for r in range(len(t.rows))]
        title_h = text_height(self.fonts.h3, t.title, w) + 1.5 * MM if t.title else 0.0
        # No orphans: a table starts only where a few of its rows fit.
        first = sum(heights[:self.KEEP_ROWS])
        if not self.fits(title_h + head_h + first):
            self.new_page(self.page.orientation)
        r = 0
        continued = False
        while True:
            # A table without a title of its own is named, where it goes on
            # over a page, by the heading it stands under.
            title = t.title or (self.last_heading if continued else "")
            if title:
                title += rm.tr("continued", self.report.lang) if continued else ""
                th = text_height(self.fonts.h3, title, w) + 1.5 * MM
                self.page.ops.append(Op("title", QRectF(self.area.left(), self.y, w, th), title))
                self.y += th
            top = self.y
            self.y += head_h
            start = r
            while r < len(t.rows) and self.fits(heights[r]):
                self.y += heights[r]
                r += 1
            # No widows: carry a few rows over rather than leave one or two
            # alone under a repeated header on the next page.
            left = len(t.rows) - r
            if 0 < left < self.KEEP_ROWS:
                back = min(self.KEEP_ROWS - left, r - start - self.KEEP_ROWS)
                for _ in range(max(back, 0)):
                    r -= 1
                    self.y -= heights[r]
            if r == start and r < len(t.rows):
                # A single row taller than a page: draw it clipped rather than loop.
                self.y += heights[r]
                r += 1
            self.page.ops.append(Op("table", QRectF(self.area.left(), top, w, self.y - top),
                                    (t, cols, head_h, list(range(start, r)),
                                     [heights[i] for i in range(start, r)], continued)))
            if r >= len(t.rows):
                break
            self.new_page(self.page.orientation)
            continued = True
        if t.note:
            h = text_height(self.fonts.note, t.note, w)
            if not self.fits(1.5 * MM + h):
                self.new_page(self.page.orientation)
            self.y += 1.5 * MM
            self.page.ops.append(Op("text", QRectF(self.area.left(), self.y, w, h), Text(t.note, "note")))
            self.y += h
        self.y += self.GAP

    # -- charts ----------------------------------------------------------------------
    def chart_height(self, c: BarChart) -> float:
        title_h = text_height(self.fonts.h3, c.title, self.area.width()) + 2.0 * MM
        axis_h = _metrics(self.fonts.chart).height() + 2.5 * MM
        n = max(1, len(c.bars))
        return title_h + n * self.BAR_H + (n + 1) * self.BAR_GAP + axis_h

    def chart(self, c: BarChart) -> None:
        h = self.chart_height(c)
        if not self.fits(h):
            self.new_page(self.page.orientation)
        self.page.ops.append(Op("chart", QRectF(self.area.left(), self.y, self.area.width(), h), c))
        self.y += h + self.GAP

    # -- key/value lists -------------------------------------------------------------
    def kv_height(self, kv: KeyValues, width: float) -> float:
        label_w = width * 0.32
        h = text_height(self.fonts.h3, kv.title, width) + 1.5 * MM if kv.title else 0.0
        for label, value in kv.items:
            h += max(text_height(self.fonts.table_bold, label, label_w - self.CELL_PAD_X),
                     text_height(self.fonts.table, value, width - label_w - self.CELL_PAD_X)) \
                + 2 * self.CELL_PAD_Y
        return h

    def key_values(self, kv: KeyValues) -> None:
        w = self.area.width()
        h = self.kv_height(kv, w)
        if not self.fits(h):
            self.new_page(self.page.orientation)
        self.page.ops.append(Op("kv", QRectF(self.area.left(), self.y, w, h), kv))
        self.y += h + self.GAP

    # -- maps --------------------------------------------------------------------------
    def map(self, m: MapFrame, rest) -> None:
        # The map takes what the rest of its section leaves on the page.
        reserve = 0.0
        for b in rest:
            reserve += self.full_height(b) + self.GAP
        note_h = text_height(self.fonts.note, m.note, self.area.width()) + 1.5 * MM if m.note else 0.0
        h = self.remaining() - reserve - note_h - self.GAP
        if h < 80 * MM:
            self.new_page(self.page.orientation)
            h = self.remaining() - reserve - note_h - self.GAP
            h = max(h, 80 * MM)
        rect = QRectF(self.area.left(), self.y, self.area.width(), h)
        self.page.ops.append(Op("map", rect, m))
        self.y += h
        if m.note:
            self.y += 1.5 * MM
            self.page.ops.append(Op("text", QRectF(self.area.left(), self.y, self.area.width(),
                                                   note_h - 1.5 * MM), Text(m.note, "note")))
            self.y += note_h - 1.5 * MM
        self.y += self.GAP


# --- painting -----------------------------------------------------------------------

class ReportPainter:
    """Paints laid-out pages; ``map_painter(painter, rect, frame)`` draws maps."""

    def __init__(self, report: Report, fonts: Fonts, layout: Layout,
                 map_painter: Callable[[QPainter, QRectF, MapFrame], None] | None):
        self.report = report
        self.fonts = fonts
        self.layout = layout
        self.map_painter = map_painter

    # -- one page --------------------------------------------------------------------
    def paint_page(self, p: QPainter, index: int) -> None:
        page = self.layout.pages[index]
        if page.chrome:
            self.chrome(p, page, index)
        for op in page.ops:
            getattr(self, "op_" + op.kind)(p, op)

    def chrome(self, p: QPainter, page: Page, index: int) -> None:
        w, h = page_size_mm(page.orientation)
        left, right = MARGIN_LEFT * MM, (w - MARGIN_RIGHT) * MM
        f = self.fonts.chrome
        fm = _metrics(f)
        p.setFont(f)
        p.setPen(MUTED)
        base = (MARGIN_TOP - 9.0) * MM
        p.drawText(QRectF(left, base - fm.height(), (right - left) * 0.7, fm.height()),
                   int(Qt.AlignLeft | Qt.AlignBottom), elide(f, self.report.header, (right - left) * 0.7))
        p.drawText(QRectF(left, base - fm.height(), right - left, fm.height()),
                   int(Qt.AlignRight | Qt.AlignBottom), self.report.report_date)
        p.setPen(QPen(ACCENT, 0.5 * PT))
        p.drawLine(QPointF(left, base + 1.2 * MM), QPointF(right, base + 1.2 * MM))
        foot = (h - MARGIN_BOTTOM + 10.0) * MM
        p.setPen(MUTED)
        text = rm.tr("page_of", self.report.lang, n=index + 1, total=len(self.layout.pages))
        p.drawText(QRectF(left, foot, right - left, fm.height()), int(Qt.AlignHCenter | Qt.AlignTop), text)

    # -- ops ------------------------------------------------------------------------------
    def op_text(self, p: QPainter, op: Op) -> None:
        t: Text = op.data
        font = self.layout.font_for(t.style)
        p.setFont(font)
        p.setPen({"h1": ACCENT, "h2": ACCENT, "note": MUTED, "caption": MUTED}.get(t.style, INK))
        p.drawText(op.rect.adjusted(0, 0, 0, 1), WRAP | int(Qt.AlignLeft | Qt.AlignTop), t.text)

    def op_h1rule(self, p: QPainter, op: Op) -> None:
        p.setPen(QPen(ACCENT, 1.0 * PT))
        p.drawLine(op.rect.topLeft(), op.rect.topRight())

    def op_title(self, p: QPainter, op: Op) -> None:
        p.setFont(self.fonts.h3)
        p.setPen(INK)
        p.drawText(op.rect, WRAP | int(Qt.AlignLeft | Qt.AlignTop), op.data)

    def op_table(self, p: QPainter, op: Op) -> None:
        t, cols, head_h, rows, heights, _continued = op.data
        lay = self.layout
        x0, y = op.rect.left(), op.rect.top()
        width = op.rect.width()
        # header
        p.fillRect(QRectF(x0, y, width, head_h), ACCENT_LIGHT)
        p.setFont(self.fonts.table_bold)
        p.setPen(INK)
        x = x0
        for col, cw in zip(t.columns, cols):
            r = QRectF(x + lay.CELL_PAD_X, y + lay.CELL_PAD_Y, cw - 2 * lay.CELL_PAD_X,
                       head_h - 2 * lay.CELL_PAD_Y)
            p.drawText(r, WRAP | _align(col.align) | int(Qt.AlignVCenter), col.title)
            x += cw
        p.setPen(QPen(ACCENT, 0.8 * PT))
        p.drawLine(QPointF(x0, y), QPointF(x0 + width, y))
        p.drawLine(QPointF(x0, y + head_h), QPointF(x0 + width, y + head_h))
        y += head_h
        for n, (ri, rh) in enumerate(zip(rows, heights)):
            row = t.rows[ri]
            if ri in t.total_rows:
                p.setPen(QPen(ACCENT, 0.6 * PT))
                p.drawLine(QPointF(x0, y), QPointF(x0 + width, y))
            elif ri % 2 == 1:
                p.fillRect(QRectF(x0, y, width, rh), ZEBRA)
            x = x0
            for c, (text, col, cw) in enumerate(zip(row, t.columns, cols)):
                style = t.cell_styles.get((ri, c))
                p.setFont(lay.cell_font(t, ri, c))
                p.setPen(WARN if style == "warn" else MUTED if style == "muted" else INK)
                r = QRectF(x + lay.CELL_PAD_X, y + lay.CELL_PAD_Y, cw - 2 * lay.CELL_PAD_X,
                           rh - 2 * lay.CELL_PAD_Y)
                p.drawText(r.adjusted(0, 0, 0, 1), WRAP | _align(col.align) | int(Qt.AlignTop), str(text))
                x += cw
            y += rh
            p.setPen(QPen(RULE, 0.3 * PT))
            p.drawLine(QPointF(x0, y), QPointF(x0 + width, y))
        p.setPen(QPen(ACCENT, 0.8 * PT))
        p.drawLine(QPointF(x0, y), QPointF(x0 + width, y))

    def op_chart(self, p: QPainter, op: Op) -> None:
        c: BarChart = op.data
        lay = self.layout
        rect = op.rect
        fh3 = self.fonts.h3
        title_h = text_height(fh3, c.title, rect.width())
        p.setFont(fh3)
        p.setPen(INK)
        p.drawText(QRectF(rect.left(), rect.top(), rect.width(), title_h), WRAP | int(Qt.AlignLeft), c.title)
        f = self.fonts.chart
        fm = _metrics(f)
        p.setFont(f)
        top = rect.top() + title_h + 2.0 * MM
        axis_h = fm.height() + 2.5 * MM
        plot_bottom = rect.bottom() - axis_h
        label_w = min(rect.width() * 0.34,
                      max([fm.horizontalAdvance(b.label) for b in c.bars] + [10 * MM]) + 2 * MM)
        value_w = max([fm.horizontalAdvance(b.text) for b in c.bars] + [5 * MM]) + 2 * MM
        x0 = rect.left() + label_w
        plot_w = rect.width() - label_w - value_w
        vmax = max([b.value for b in c.bars] + [c.axis_max or 0.0, 0.0])
        step, top_value = nice_ticks(vmax)
        # grid and axis labels
        p.setPen(QPen(GRID, 0.4 * PT))
        ticks = int(round(top_value / step)) if step > 0 else 0
        for i in range(ticks + 1):
            v = i * step
            x = x0 + plot_w * (v / top_value if top_value else 0)
            p.setPen(QPen(GRID, 0.4 * PT))
            p.drawLine(QPointF(x, top), QPointF(x, plot_bottom))
            p.setPen(MUTED)
            label = _tick_label(v, step)
            p.drawText(QRectF(x - 15 * MM, plot_bottom + 1.0 * MM, 30 * MM, fm.height()),
                       int(Qt.AlignHCenter | Qt.AlignTop), label)
        p.setPen(QPen(INK, 0.6 * PT))
        p.drawLine(QPointF(x0, top), QPointF(x0, plot_bottom))
        y = top + lay.BAR_GAP
        for b in c.bars:
            bw = plot_w * (b.value / top_value) if top_value else 0.0
            p.fillRect(QRectF(x0, y, max(bw, 0.0), lay.BAR_H), QColor(b.color))
            p.setPen(INK)
            p.drawText(QRectF(rect.left(), y - 1 * MM, label_w - 2 * MM, lay.BAR_H + 2 * MM),
                       int(Qt.AlignRight | Qt.AlignVCenter), elide(f, b.label, label_w - 2 * MM))
            p.drawText(QRectF(x0 + bw + 1.2 * MM, y - 1 * MM, value_w + plot_w - bw, lay.BAR_H + 2 * MM),
                       int(Qt.AlignLeft | Qt.AlignVCenter), b.text)
            y += lay.BAR_H + lay.BAR_GAP

    def op_kv(self, p: QPainter, op: Op) -> None:
        kv: KeyValues = op.data
        lay = self.layout
        rect = op.rect
        y = rect.top()
        if kv.title:
            th = text_height(self.fonts.h3, kv.title, rect.width())
            p.setFont(self.fonts.h3)
            p.setPen(INK)
            p.drawText(QRectF(rect.left(), y, rect.width(), th), WRAP, kv.title)
            y += th + 1.5 * MM
        label_w = rect.width() * 0.32
        p.setPen(QPen(ACCENT, 0.8 * PT))
        p.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
        for label, value in kv.items:
            lh = text_height(self.fonts.table_bold, label, label_w - lay.CELL_PAD_X)
            vh = text_height(self.fonts.table, value, rect.width() - label_w - lay.CELL_PAD_X)
            rh = max(lh, vh) + 2 * lay.CELL_PAD_Y
            p.fillRect(QRectF(rect.left(), y, label_w, rh), ACCENT_LIGHT)
            p.setFont(self.fonts.table_bold)
            p.setPen(INK)
            p.drawText(QRectF(rect.left() + lay.CELL_PAD_X, y + lay.CELL_PAD_Y, label_w - lay.CELL_PAD_X,
                              rh), WRAP, label)
            p.setFont(self.fonts.table)
            p.drawText(QRectF(rect.left() + label_w + lay.CELL_PAD_X, y + lay.CELL_PAD_Y,
                              rect.width() - label_w - lay.CELL_PAD_X, rh), WRAP, value)
            y += rh
            p.setPen(QPen(RULE, 0.3 * PT))
            p.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
        p.setPen(QPen(ACCENT, 0.8 * PT))
        p.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))

    def op_map(self, p: QPainter, op: Op) -> None:
        p.save()
        try:
            if self.map_painter is not None:
                self.map_painter(p, op.rect, op.data)
        finally:
            p.restore()
        p.setPen(QPen(INK, 0.6 * PT))
        p.setBrush(Qt.NoBrush)
        p.drawRect(op.rect)

    def op_contents(self, p: QPainter, op: Op) -> None:
        rect = op.rect
        p.setFont(self.fonts.h1)
        p.setPen(ACCENT)
        title = rm.tr("contents", self.report.lang)
        th = text_height(self.fonts.h1, title, rect.width())
        p.drawText(QRectF(rect.left(), rect.top(), rect.width(), th), 0, title)
        y = rect.top() + th + 1.2 * MM
        p.setPen(QPen(ACCENT, 1.0 * PT))
        p.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
        y += 8 * MM
        f = self.fonts.body
        fm = _metrics(f)
        p.setFont(f)
        for _key, stitle, page in self.layout.toc:
            num = str(page)
            nw = fm.horizontalAdvance(num)
            tw = fm.horizontalAdvance(stitle)
            p.setPen(INK)
            p.drawText(QRectF(rect.left(), y, rect.width() - nw - 4 * MM, fm.height()),
                       int(Qt.AlignLeft), stitle)
            p.drawText(QRectF(rect.left(), y, rect.width(), fm.height()), int(Qt.AlignRight), num)
            # dotted leader between title and page number
            p.setPen(QPen(RULE, 0.6 * PT, Qt.DotLine))
            ly = y + fm.ascent()
            p.drawLine(QPointF(rect.left() + tw + 2 * MM, ly), QPointF(rect.right() - nw - 2 * MM, ly))
            y += fm.height() + 4 * MM

    def op_cover(self, p: QPainter, op: Op) -> None:
        c: Cover = op.data
        W, H = A4_MM[0] * MM, A4_MM[1] * MM
        # a band across the top, and a thin accent line under it
        p.fillRect(QRectF(0, 0, W, 16 * MM), ACCENT)
        p.fillRect(QRectF(0, 17.5 * MM, W, 1.2 * MM), QColor("#7FB79A"))
        left = 28 * MM
        width = W - 2 * left
        y = 82 * MM
        p.setPen(ACCENT)
        p.setFont(self.fonts.cover_city)
        h = text_height(self.fonts.cover_city, c.city, width)
        p.drawText(QRectF(left, y, width, h), WRAP, c.city)
        y += h + 4 * MM
        p.setPen(INK)
        p.setFont(self.fonts.cover_title)
        h = text_height(self.fonts.cover_title, c.title, width)
        p.drawText(QRectF(left, y, width, h), WRAP, c.title)
        y += h + 3 * MM
        p.setPen(MUTED)
        p.setFont(self.fonts.cover_sub)
        h = text_height(self.fonts.cover_sub, c.subtitle, width)
        p.drawText(QRectF(left, y, width, h), WRAP, c.subtitle)
        y += h + 8 * MM
        p.setPen(QPen(ACCENT, 1.6 * PT))
        p.drawLine(QPointF(left, y), QPointF(left + 40 * MM, y))
        # facts at the foot of the page
        f_label, f_value = self.fonts.kv_label, self.fonts.body
        fm = _metrics(f_value)
        label_w = max(_metrics(f_label).horizontalAdvance(k) for k, _ in c.facts) + 6 * MM
        rows_h = sum(max(text_height(f_value, v, width - label_w), fm.height()) + 2.5 * MM
                     for _, v in c.facts)
        facts_top = H - 40 * MM - rows_h
        # the city's outline in the room between the title and the facts
        room = QRectF(left, y + 10 * MM, width, facts_top - y - 20 * MM)
        if c.map is not None and self.map_painter is not None and room.height() > 30 * MM:
            side = min(room.height(), room.width() * 0.6)
            box = QRectF(room.right() - side * 1.2, room.top(), side * 1.2, side)
            p.save()
            try:
                self.map_painter(p, box, c.map)
            finally:
                p.restore()
        y = facts_top
        for k, v in c.facts:
            vh = max(text_height(f_value, v, width - label_w), fm.height())
            p.setFont(f_label)
            p.setPen(MUTED)
            p.drawText(QRectF(left, y, label_w, vh), 0, k)
            p.setFont(f_value)
            p.setPen(INK)
            p.drawText(QRectF(left + label_w, y, width - label_w, vh), WRAP, v)
            y += vh + 2.5 * MM
        p.fillRect(QRectF(0, H - 10 * MM, W, 10 * MM), ACCENT)


def _align(a: str) -> int:
    return int({"right": Qt.AlignRight, "center": Qt.AlignHCenter}.get(a, Qt.AlignLeft))


def nice_ticks(vmax: float, target: int = 5) -> tuple[float, float]:
    """A round tick step and the axis end for values up to ``vmax``."""
    if vmax <= 0:
        return 1.0, 1.0
    raw = vmax / target
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            step = m * mag
            break
    top = math.ceil(vmax / step - 1e-9) * step
    return step, top


def _tick_label(v: float, step: float) -> str:
    """An axis label with as many decimals as the step needs (0.25 → two)."""
    decimals = 0
    while decimals < 6 and abs(round(step, decimals) - step) > 1e-9:
        decimals += 1
    return f"{v:,.{decimals}f}"


# --- maps ---------------------------------------------------------------------------

class MapPainter:
    """Draws a report's map frames with the map renderer (same as the canvas)."""

    LEGEND_W = 60.0 * MM    # legend panel beside a wide map
    TICK_MARGIN = 5.0 * MM  # room for graticule labels around the map

    def __init__(self, inv, report: Report):
        from .map import MapRenderer

        self.inv = inv
        self.report = report
        self.renderer = MapRenderer(inv)
        self.crs = self.renderer.default_display_crs()
        self._locators: dict = {}

    def close(self) -> None:
        self.renderer.close()

    def settings_for(self, frame: MapFrame, target: QRectF):
        from .settings import LayerSettings, MapSettings
        from .. import styles

        if frame.extent is None:
            extent = self.renderer.full_extent(self.crs)
        else:
            extent = _to_display(frame.extent, self.renderer.storage_crs, self.crs)
        wanted = set(frame.layers)
        # On the city-wide map station names would bury the site names.
        layers = [LayerSettings(name, labels=not (name == "stations" and frame.focus is None))
                  for name in styles.LAYER_ORDER if name in wanted]
        # One unit of the report's layout is one pixel at UNITS_PER_INCH, so
        # millimetre sizes (lines, symbols, text) come out true on paper.
        return MapSettings(extent=extent, width=max(int(target.width()), 1),
                           height=max(int(target.height()), 1), dpi=UNITS_PER_INCH,
                           display_crs=self.crs, layers=layers, labels=frame.labels,
                           lang=self.report.lang,
                           highlight={"assets": {frame.focus}} if frame.focus is not None else {}
                           ).fit_extent()

    def paint(self, p: QPainter, rect: QRectF, frame: MapFrame) -> None:
        from . import decorations as deco
        from .settings import fit_extent

        probe = self.settings_for(frame, rect)
        # Beside a wide frame the legend gets a panel of its own, in the room
        # the map's shape leaves; otherwise it sits in the map's corner.
        map_rect, panel = QRectF(rect), None
        if frame.legend:
            xmin, ymin, xmax, ymax = probe.extent if frame.extent is not None else \
                self.renderer.full_extent(self.crs)
            need_w = rect.height() * (xmax - xmin) / max(ymax - ymin, 1e-9)
            spare = rect.width() - need_w
            if spare >= 45 * MM:
                panel_w = min(spare, 80 * MM)
                map_rect.setRight(rect.right() - panel_w)
                panel = QRectF(map_rect.right(), rect.top(), panel_w, rect.height())
        settings = self.settings_for(frame, map_rect)
        self.renderer.render(p, settings, target=map_rect)
        if frame.graticule:
            deco.draw_graticule(p, settings, map_rect, lang=self.report.lang)
        pad = 4 * MM
        if frame.scale_bar:
            bar = QRectF(map_rect.left() + pad, map_rect.bottom() - 14 * MM, min(60 * MM, map_rect.width() / 3),
                         14 * MM - pad)
            if frame.graticule:
                bar.translate(0, -4 * MM)
            # a quiet ground so labels and symbols under the bar do not show through
            p.fillRect(bar.adjusted(-1.5 * MM, -1.0 * MM, 0, 1.0 * MM), QColor(255, 255, 255, 215))
            deco.draw_scale_bar(p, settings, bar, target=map_rect, lang=self.report.lang,
                                show_ratio=True)
        if frame.north_arrow:
            arrow = QRectF(map_rect.right() - pad - 9 * MM, map_rect.top() + pad, 9 * MM, 16 * MM)
            p.fillRect(arrow.adjusted(-1.0 * MM, -1.0 * MM, 1.0 * MM, 1.0 * MM), QColor(255, 255, 255, 215))
            deco.draw_north_arrow(p, arrow, settings, target=map_rect)
        if frame.focus is not None:
            self.locator(p, settings, map_rect)
        if frame.legend:
            present = self.present_codes(frame)
            if panel is not None:
                p.setPen(QPen(INK, 0.6 * PT))
                p.drawLine(panel.topLeft(), panel.bottomLeft())
                deco.draw_legend(p, panel.adjusted(3 * MM, 3 * MM, -2 * MM, -3 * MM), settings,
                                 self.report.lang, present=present, target=map_rect, font_pt=8.0)
            else:
                corner = QRectF(map_rect.left() + pad, map_rect.top() + pad, map_rect.width() * 0.55,
                                map_rect.height() * 0.5)
                deco.draw_legend(p, corner, settings, self.report.lang, present=present,
                                 target=map_rect, title=False, font_pt=6.5)

    def locator(self, p: QPainter, settings, map_rect: QRectF) -> None:
        """A small map of the whole city in the corner, the page's extent in red
        (as an atlas does), so a reader knows where the site lies."""
        from .settings import LayerSettings, MapSettings, Viewport

        full = self.renderer.full_extent(self.crs)
        aspect = (full[2] - full[0]) / max(full[3] - full[1], 1e-9)
        h = min(32 * MM, map_rect.height() * 0.3)
        w = h * aspect
        pad = 3 * MM
        box = QRectF(map_rect.right() - pad - w, map_rect.bottom() - pad - h, w, h)
        inset = MapSettings(extent=full, width=max(int(w), 1), height=max(int(h), 1),
                            dpi=UNITS_PER_INCH, display_crs=self.crs, labels=False,
                            lang=self.report.lang,
                            layers=[LayerSettings("districts", labels=False),
                                    LayerSettings("boundary", labels=False)]).fit_extent()
        # Rendered once as an image and reused: the PDF stores an image drawn
        # on many pages once, where the same vectors would be stored per page.
        key = (round(w), round(h))
        image = self._locators.get(key)
        if image is None:
            dpi = 300.0
            image = self.renderer.render_image(inset.with_size(round(w / UNITS_PER_INCH * dpi),
                                                               round(h / UNITS_PER_INCH * dpi), dpi))
            self._locators[key] = image
        p.drawImage(box, image)
        vp = Viewport.make(inset, box, p.worldTransform())
        xmin, ymin, xmax, ymax = settings.fitted()
        x0, y0 = vp.to_target(xmin, ymax)
        x1, y1 = vp.to_target(xmax, ymin)
        here = QRectF(QPointF(float(x0), float(y0)), QPointF(float(x1), float(y1)))
        if here.width() < 1.2 * MM or here.height() < 1.2 * MM:  # a tiny site: mark its centre
            here = QRectF(here.center().x() - 0.8 * MM, here.center().y() - 0.8 * MM, 1.6 * MM, 1.6 * MM)
        p.save()
        p.setClipRect(box)
        p.setPen(QPen(WARN, 0.6 * PT))
        p.setBrush(Qt.NoBrush)
        p.drawRect(here)
        p.restore()
        p.setPen(QPen(INK, 0.4 * PT))
        p.drawRect(box)

    def present_codes(self, frame: MapFrame) -> dict[str, list]:
        """Legend entries worth showing: what the data (or the atlas site) has."""
        present = {}
        for layer in frame.layers:
            try:
                present[layer] = list(self.renderer.codes_present(layer, self.crs))
            except Exception:  # a layer the renderer cannot list keeps all entries
                continue
        if frame.focus is not None and frame.extent is not None:
            from .. import schema

            for layer in ("landcover", "stations", "assets"):
                fld = schema.LAYERS[layer].style_field
                rows = self.inv.read_arrays(layer, columns=[fld], bbox=frame.extent, with_geometry=False)
                present[layer] = sorted({c for c in rows[fld] if c is not None})
            site = self.inv.get("assets", frame.focus)
            zones = {z.props.get("zone") for z in self.inv.features("asset_zones",
                                                                     filters={"asset_id": frame.focus})}
            present["asset_zones"] = [z for z in present.get("asset_zones", []) if z in zones]
        return present


def _to_display(extent, src: str, dst: str):
    import pyproj

    if pyproj.CRS.from_user_input(src) == pyproj.CRS.from_user_input(dst):
        return tuple(float(v) for v in extent)
    tr = pyproj.Transformer.from_crs(src, dst, always_xy=True)
    return tuple(float(v) for v in tr.transform_bounds(*extent, densify_pts=21))


# --- devices --------------------------------------------------------------------------

def _page_layout(orientation: str) -> QPageLayout:
    return QPageLayout(QPageSize(QPageSize.A4),
                       QPageLayout.Landscape if orientation == "landscape" else QPageLayout.Portrait,
                       QMarginsF(0, 0, 0, 0), QPageLayout.Millimeter)


def _set_orientation(device: QPagedPaintDevice, orientation: str) -> bool:
    """Ask the device for the page's orientation; False if it keeps its own
    (some printer back-ends do), in which case the page is drawn rotated."""
    want = QPageLayout.Landscape if orientation == "landscape" else QPageLayout.Portrait
    state = getattr(device, "printerState", None)
    # A printer (and the print preview's) keeps one page layout per job once
    # printing has begun; asking again only makes Qt complain.
    if state is None or state() != state().__class__.Active:
        # The sheet size stays the device's (the paper chosen in the print
        # dialog); pages are scaled to it in _transform.
        device.setPageOrientation(want)
        device.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Millimeter)
    return device.pageLayout().orientation() == want


def _transform(p: QPainter, device: QPagedPaintDevice, orientation: str, native: bool) -> None:
    """Map layout units (page corner at 0,0) onto the device's page."""
    p.resetTransform()
    dpi = device.logicalDpiX()
    layout = device.pageLayout()
    # QPrinter without full-page mode puts (0, 0) at the printable area's corner.
    paint = layout.paintRectPixels(dpi)
    full = layout.fullRectPixels(dpi)
    p.translate(-paint.left(), -paint.top())
    w, h = page_size_mm(orientation)
    if not native:
        w, h = h, w
    # A4 on A4 is 1:1; other paper (Letter) gets the A4 page scaled to fit.
    s = min(full.width() / (w * MM), full.height() / (h * MM))
    p.scale(s, s)
    if not native:
        # The device kept the other orientation: turn the page a quarter,
        # the way books print a landscape table (its top at the left edge,
        # read by turning the sheet clockwise).
        w, h = page_size_mm(orientation)
        if orientation == "landscape":
            p.translate(0, w * MM)
            p.rotate(-90)
        else:
            p.translate(h * MM, 0)
            p.rotate(90)


def ensure_app():
    """The running QGuiApplication, made if there is none (command-line use).

    Text needs one; set QT_QPA_PLATFORM=offscreen first where there is no
    display.
    """
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance()
    if app is None:
        app = QGuiApplication(["ecoinv"])
    return app


def layout_report(report: Report, family: str | None = None) -> Layout:
    """Pages of the report (no painting): tests and the GUI's page count use it."""
    from . import fonts as _fonts

    fam = family or _fonts.register_fonts()
    lay = Layout(report, Fonts(fam))
    lay.run()
    return lay


def paint_report(report: Report, device: QPagedPaintDevice, *, progress: ProgressFn | None = None,
                 cancel: CancelFn | None = None, inv=None) -> int:
    """Paint every page of ``report`` on ``device``; returns the number of pages.

    ``inv`` is the open inventory for the maps; without it the painter opens
    ``report.inventory_path`` itself (read-only use).
    """
    from . import fonts as _fonts

    family = _fonts.register_fonts()
    fonts = Fonts(family)
    lay = Layout(report, fonts)
    pages = lay.run()
    total = len(pages)
    own_inv = None
    if inv is None and report.inventory_path:
        from ..store import Inventory
        own_inv = inv = Inventory.open(report.inventory_path, migrate=False)
    maps = None
    try:
        maps = MapPainter(inv, report) if inv is not None else None
        rp = ReportPainter(report, fonts, lay, maps.paint if maps else None)
        native = _set_orientation(device, pages[0].orientation)
        p = QPainter()
        if not p.begin(device):
            raise rm.ReportError("cannot paint on the output device (is the file writable?)")
        try:
            p.setRenderHint(QPainter.Antialiasing, True)
            p.setRenderHint(QPainter.TextAntialiasing, True)
            for i, page in enumerate(pages):
                if cancel is not None and cancel():
                    raise ReportCancelled("report cancelled")
                if i > 0:
                    native = _set_orientation(device, page.orientation)
                    if not device.newPage():
                        raise rm.ReportError("the output device refused a new page")
                _transform(p, device, page.orientation, native)
                rp.paint_page(p, i)
                if progress is not None:
                    progress(i + 1, total)
        finally:
            p.end()
    finally:
        if maps is not None:
            maps.close()
        if own_inv is not None:
            own_inv.close()
    return total


def write_pdf(report: Report, path, progress: ProgressFn | None = None,
              cancel: CancelFn | None = None, *, inv=None) -> int:
    """Write the report as a PDF (fonts embedded); returns the page count.

    The file appears only when complete: a cancelled or failed run leaves
    nothing (and an existing file at ``path`` untouched).
    """
    path = Path(path)
    if not path.parent.exists():
        raise rm.ReportError(f"{path.parent}: folder does not exist")
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        writer = QPdfWriter(tmp)
        writer.setResolution(int(UNITS_PER_INCH))
        writer.setTitle(f"{report.city} {report.title}")
        writer.setCreator("ecoinv")
        writer.setPageLayout(_page_layout("portrait"))
        n = paint_report(report, writer, progress=progress, cancel=cancel, inv=inv)
        del writer  # flushes and closes the file
        # mkstemp makes the file private; a report is an ordinary document.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
        return n
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def print_report(report: Report, printer, progress: ProgressFn | None = None,
                 cancel: CancelFn | None = None, *, inv=None) -> int:
    """Paint the report on a QPrinter (print dialog, print preview)."""
    printer.setFullPage(True)
    printer.setDocName(f"{report.city} {report.title}")
    return paint_report(report, printer, progress=progress, cancel=cancel, inv=inv)
