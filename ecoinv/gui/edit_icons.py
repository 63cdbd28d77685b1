"""Icons of the editing tools, drawn with QPainter.

Drawn in code rather than shipped as SVG so that the editing tools do not
depend on files another engineer maintains; each is a small line drawing
in the style of the toolbar's other icons (dark outline, one accent).
"""
from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

INK = QColor(50, 60, 70)
GREEN = QColor(60, 150, 80)
FILL = QColor(120, 190, 130, 140)
RED = QColor(200, 50, 50)
MAGENTA = QColor(220, 0, 180)


def _poly(points) -> QPolygonF:
    return QPolygonF([QPointF(x, y) for x, y in points])


def _plus(p: QPainter, x: float, y: float, color=GREEN) -> None:
    p.setPen(QPen(color, 3, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
    p.drawLine(QPointF(x - 5, y), QPointF(x + 5, y))
    p.drawLine(QPointF(x, y - 5), QPointF(x, y + 5))


def _handles(p: QPainter, points, color=RED) -> None:
    p.setPen(QPen(color, 1.2))
    p.setBrush(QColor(255, 255, 255))
    for x, y in points:
        p.drawRect(QRectF(x - 2.5, y - 2.5, 5, 5))


SHAPE = [(4, 22), (8, 6), (20, 4), (26, 14), (18, 26)]


def _draw(name: str, p: QPainter) -> None:
    p.setPen(QPen(INK, 1.6))
    p.setBrush(FILL)
    if name == "add_polygon":
        p.drawPolygon(_poly(SHAPE))
        _plus(p, 24, 24)
    elif name == "add_ring":
        path = QPainterPath()
        path.addPolygon(_poly(SHAPE))
        path.closeSubpath()
        path.addEllipse(QRectF(10, 10, 8, 8))
        p.drawPath(path)
        _plus(p, 24, 24)
    elif name == "add_point":
        p.setBrush(GREEN)
        p.drawEllipse(QRectF(6, 6, 12, 12))
        _plus(p, 24, 24)
    elif name == "vertex":
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPolygon(_poly(SHAPE))
        _handles(p, SHAPE)
    elif name == "move":
        p.drawPolygon(_poly([(8, 10), (16, 6), (22, 12), (16, 20), (9, 18)]))
        p.setPen(QPen(INK, 2))
        for (x1, y1, x2, y2) in ((3, 26, 11, 26), (3, 26, 3, 18)):
            p.drawLine(QPointF(x1, y1), QPointF(x2, y2))
        p.drawLine(QPointF(3, 26), QPointF(11, 18))
    elif name == "split":
        p.drawPolygon(_poly(SHAPE))
        p.setPen(QPen(RED, 2.4))
        p.drawLine(QPointF(2, 12), QPointF(29, 19))
    elif name == "merge":
        p.drawPolygon(_poly([(3, 8), (15, 5), (15, 24), (5, 26)]))
        p.drawPolygon(_poly([(15, 5), (28, 9), (26, 25), (15, 24)]))
        p.setPen(QPen(GREEN, 2.4))
        p.drawLine(QPointF(15, 4), QPointF(15, 26))
    elif name == "delete":
        p.drawPolygon(_poly(SHAPE))
        p.setPen(QPen(RED, 3.2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        p.drawLine(QPointF(16, 16), QPointF(28, 28))
        p.drawLine(QPointF(28, 16), QPointF(16, 28))
    elif name == "snapping":
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(RED, 5, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
        path = QPainterPath(QPointF(8, 4))
        path.lineTo(8, 16)
        path.arcTo(QRectF(8, 8, 16, 16), 180, 180)
        path.lineTo(24, 4)
        p.drawPath(path)
        p.setPen(QPen(QColor(200, 200, 200), 5, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
        p.drawLine(QPointF(8, 4), QPointF(8, 8))
        p.drawLine(QPointF(24, 4), QPointF(24, 8))
    elif name == "snap_vertex":
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPolyline(_poly([(3, 26), (15, 10), (28, 20)]))
        p.setPen(QPen(MAGENTA, 2))
        p.drawRect(QRectF(10, 5, 10, 10))
    elif name == "snap_segment":
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPolyline(_poly([(3, 26), (15, 10), (28, 20)]))
        p.setPen(QPen(MAGENTA, 2))
        p.drawLine(QPointF(17, 10), QPointF(25, 18))
        p.drawLine(QPointF(17, 18), QPointF(25, 10))
    elif name == "history":
        p.setBrush(QColor(255, 255, 255))
        p.drawEllipse(QRectF(4, 4, 24, 24))
        p.setPen(QPen(INK, 2))
        p.drawLine(QPointF(16, 16), QPointF(16, 8))
        p.drawLine(QPointF(16, 16), QPointF(22, 19))
    elif name == "undo_history":
        p.setBrush(Qt.BrushStyle.NoBrush)
        for i, y in enumerate((8, 15, 22)):
            p.setPen(QPen(GREEN if i == 1 else INK, 2.2))
            p.drawLine(QPointF(6, y), QPointF(26, y))
    elif name == "clean":
        p.setPen(QPen(GREEN, 3, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        p.drawPolyline(_poly([(6, 17), (13, 24), (26, 8)]))


@lru_cache(maxsize=None)
def edit_icon(name: str) -> QIcon:
    icon = QIcon()
    for size in (32, 64):
        pm = QPixmap(size, size)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.scale(size / 32, size / 32)
        _draw(name, p)
        p.end()
        icon.addPixmap(pm)
    return icon
