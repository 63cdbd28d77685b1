"""Small painting pieces shared by the map, the legend and the report:
colours, pens, hatching, point symbols and haloed text."""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPaintEngine, QPen

from ..styles import Style
from .qpaths import path_from_xy, polygonf

# mm of dash and gap, so dashes look the same whatever the line width
DASH_PATTERNS_MM: dict[str, tuple[float, ...]] = {
    "dash": (2.2, 1.1),
    "dot": (0.3, 0.9),
    "dashdot": (2.2, 0.8, 0.3, 0.8),
}


def qcolor(hex_colour: str | None, opacity: float = 1.0) -> QColor:
    c = QColor(hex_colour or "#000000")
    c.setAlphaF(max(0.0, min(1.0, float(opacity))))
    return c


def make_pen(colour: str, width: float, *, dash: str | None = None, opacity: float = 1.0,
             units_per_mm: float | None = None, cap=Qt.PenCapStyle.RoundCap,
             join=Qt.PenJoinStyle.RoundJoin) -> QPen:
    """A pen ``width`` units wide; ``units_per_mm`` sizes dash patterns in mm."""
    pen = QPen(qcolor(colour, opacity))
    pen.setWidthF(max(width, 0.0))
    pen.setCapStyle(cap)
    pen.setJoinStyle(join)
    if dash and dash in DASH_PATTERNS_MM and width > 0:
        per_mm = units_per_mm if units_per_mm else width / 0.3
        # Qt measures dashes in pen widths.
        pattern = [max(v * per_mm / width, 0.1) for v in DASH_PATTERNS_MM[dash]]
        pen.setDashPattern(pattern)
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    return pen


def fill_brush(style: Style) -> QBrush:
    if not style.fill:
        return QBrush(Qt.BrushStyle.NoBrush)
    return QBrush(qcolor(style.fill, style.fill_opacity))


# -- hatching ---------------------------------------------------------------------------

def hatch_lines(kind: str, rect: QRectF, spacing: float, anchor: tuple[float, float] = (0.0, 0.0)
                ) -> list[QLineF]:
    """Parallel lines covering ``rect``, ``spacing`` apart, on a grid fixed at ``anchor``.

    Anchoring the pattern to the map (not to the window) keeps hatching from
    sliding across a zone while the map is panned.  Diagonals end at the
    rectangle's sides: a PDF keeps every line drawn, clipped or not, and a
    diagonal through a tall rectangle would otherwise run off the page.
    """
    if spacing <= 0 or rect.isEmpty():
        return []
    x0, y0, x1, y1 = rect.left(), rect.top(), rect.right(), rect.bottom()
    ax, ay = anchor
    lines: list[QLineF] = []

    def run(lo: float, hi: float, step: float, origin: float):
        k0 = math.floor((lo - origin) / step)
        k1 = math.ceil((hi - origin) / step)
        return [origin + k * step for k in range(k0, k1 + 1)]

    if kind in ("diagonal", "cross"):
        # x + y = c ("/" on screen, y pointing down)
        step = spacing * math.sqrt(2)
        for c in run(x0 + y0, x1 + y1, step, ax + ay):
            xa, xb = max(x0, c - y1), min(x1, c - y0)
            if xa < xb:
                lines.append(QLineF(xb, c - xb, xa, c - xa))
    if kind in ("antidiagonal", "cross"):
        # x - y = c
        step = spacing * math.sqrt(2)
        for c in run(x0 - y1, x1 - y0, step, ax - ay):
            xa, xb = max(x0, c + y0), min(x1, c + y1)
            if xa < xb:
                lines.append(QLineF(xa, xa - c, xb, xb - c))
    if kind in ("horizontal", "grid"):
        for c in run(y0, y1, spacing, ay):
            lines.append(QLineF(x0, c, x1, c))
    if kind in ("vertical", "grid"):
        for c in run(x0, x1, spacing, ax):
            lines.append(QLineF(c, y0, c, y1))
    return lines


def hatch_dots(rect: QRectF, spacing: float, anchor: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    if spacing <= 0 or rect.isEmpty():
        return np.empty((0, 2))
    ax, ay = anchor
    xs = ax + spacing * np.arange(math.floor((rect.left() - ax) / spacing),
                                  math.ceil((rect.right() - ax) / spacing) + 1)
    ys = ay + spacing * np.arange(math.floor((rect.top() - ay) / spacing),
                                  math.ceil((rect.bottom() - ay) / spacing) + 1)
    gx, gy = np.meshgrid(xs, ys)
    # Offset every other row: a staggered dot screen reads as texture, not grid.
    gx = gx + (np.arange(len(ys))[:, None] % 2) * spacing / 2
    return np.column_stack([gx.ravel(), gy.ravel()])


def draw_hatch(painter: QPainter, kind: str, rect: QRectF, colour: str, spacing: float,
               width: float, anchor: tuple[float, float] = (0.0, 0.0), opacity: float = 1.0) -> None:
    """Hatch ``rect`` (current coordinates; clip to the shape beforehand)."""
    if kind == "dots":
        pts = hatch_dots(rect, spacing, anchor)
        if len(pts):
            pen = make_pen(colour, width * 2.2, opacity=opacity)
            painter.setPen(pen)
            painter.drawPoints(polygonf(pts))
        return
    lines = hatch_lines(kind, rect, spacing, anchor)
    if lines:
        painter.setPen(make_pen(colour, width, opacity=opacity, cap=Qt.PenCapStyle.FlatCap))
        painter.drawLines(lines)


# -- point symbols -------------------------------------------------------------------

def _regular(n: int, start_deg: float = 90.0, radius: float = 0.5) -> np.ndarray:
    a = np.radians(start_deg + np.arange(n + 1) * 360.0 / n)
    return np.column_stack([radius * np.cos(a), -radius * np.sin(a)])


def _star() -> np.ndarray:
    a = np.radians(90.0 + np.arange(11) * 36.0)
    r = np.where(np.arange(11) % 2 == 0, 0.55, 0.23)
    return np.column_stack([r * np.cos(a), -r * np.sin(a)])


_CROSS = np.array([[-0.15, -0.5], [0.15, -0.5], [0.15, -0.15], [0.5, -0.15], [0.5, 0.15],
                   [0.15, 0.15], [0.15, 0.5], [-0.15, 0.5], [-0.15, 0.15], [-0.5, 0.15],
                   [-0.5, -0.15], [-0.15, -0.15], [-0.15, -0.5]])

# Outlines of size 1 centred on (0, 0), y down, closed.  Areas are roughly
# equal so that no kind of station looks more important than another.
SYMBOL_SHAPES: dict[str, np.ndarray] = {
    "circle": _regular(32, radius=0.5),
    "square": np.array([[-0.44, -0.44], [0.44, -0.44], [0.44, 0.44], [-0.44, 0.44], [-0.44, -0.44]]),
    "triangle": _regular(3, radius=0.62) + np.array([0.0, 0.1]),
    "diamond": _regular(4, radius=0.6),
    "star": _star(),
    "cross": _CROSS,
}


def symbol_outline(symbol: str | None) -> np.ndarray:
    return SYMBOL_SHAPES.get(symbol or "circle", SYMBOL_SHAPES["circle"])


def symbols_path(xy: np.ndarray, symbol: str | None, size: float) -> QPainterPath:
    """One path holding ``symbol`` (``size`` units across) at every point of ``xy``."""
    shape = symbol_outline(symbol) * size
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    k = len(shape)
    pts = (xy[:, None, :] + shape[None, :, :]).reshape(-1, 2)
    starts = np.arange(len(xy), dtype=np.int64) * k
    return path_from_xy(pts, starts, Qt.FillRule.WindingFill)


def draw_symbols(painter: QPainter, xy: np.ndarray, style: Style, size: float, stroke_width: float,
                 opacity: float = 1.0) -> None:
    if len(xy) == 0:
        return
    path = symbols_path(xy, style.symbol, size)
    painter.setBrush(QBrush(qcolor(style.fill or "#777777", style.fill_opacity * opacity)))
    if style.stroke and stroke_width > 0:
        painter.setPen(make_pen(style.stroke, stroke_width, opacity=style.stroke_opacity * opacity))
    else:
        painter.setPen(Qt.PenStyle.NoPen)
    painter.drawPath(path)


# -- text ----------------------------------------------------------------------------------

def draw_text_halo(painter: QPainter, baseline: QPointF, text: str, font: QFont, colour: str,
                   halo: str | None, halo_width: float) -> None:
    """Text with a halo.

    On raster devices (QImage) the halo is the text drawn in the halo colour
    at offsets around a circle: glyphs come from Qt's glyph cache, ten times
    faster than stroking the glyph outlines.  On vector devices (PDF,
    printers) it is the outlines stroked as a path, so the document holds
    each label once as real, extractable text.
    """
    if halo and halo_width > 0:
        engine = painter.paintEngine()
        raster = engine is not None and engine.type() == QPaintEngine.Type.Raster
        if raster and halo_width * painter.worldTransform().m11() <= 12:
            painter.setFont(font)
            painter.setPen(QPen(qcolor(halo)))
            scale = math.sqrt(abs(painter.worldTransform().determinant())) or 1.0
            steps = max(8, math.ceil(2 * math.pi * halo_width * scale / 1.2))
            for radius in (halo_width, halo_width * 0.5):
                for k in range(steps if radius == halo_width else 8):
                    a = 2 * math.pi * k / (steps if radius == halo_width else 8)
                    painter.drawText(baseline + QPointF(radius * math.cos(a), radius * math.sin(a)), text)
        else:
            outline = QPainterPath()
            # addText sizes a point-sized font at the screen's dpi unless the
            # font is bound to the device; drawText uses the device's.
            device = painter.device()
            outline.addText(baseline, QFont(font, device) if device is not None else font, text)
            pen = make_pen(halo, 2 * halo_width, join=Qt.PenJoinStyle.MiterJoin)
            painter.strokePath(outline, pen)
    painter.setFont(font)
    painter.setPen(QPen(qcolor(colour)))
    painter.drawText(baseline, text)
