"""The Qt binding must not corrupt the interpreter during long sessions.

PySide6 6.12.0 under Python 3.11 drops a reference to None on every call of
a Qt method returning void; after some thousands of calls (a few map
redraws) CPython aborts with "Fatal Python error: none_dealloc".
pyproject.toml pins a binding without the bug; this keeps it that way.
"""
from __future__ import annotations

import sys

from PySide6.QtCore import QObject
from PySide6.QtGui import QImage, QPainter, QPainterPath, QPen, QPolygonF


def test_void_qt_calls_keep_none_alive(qapp):
    image = QImage(8, 8, QImage.Format_ARGB32)
    painter = QPainter(image)
    pen, obj, path = QPen(), QObject(), QPainterPath()
    calls = 20_000
    before = sys.getrefcount(None)
    for _ in range(calls):
        painter.setPen(pen)
        obj.setObjectName("x")
        painter.drawPath(path)
        path.addPolygon(QPolygonF())
    after = sys.getrefcount(None)
    painter.end()
    # Unrelated code may hold or release a few hundred references; a binding
    # with the bug loses one per call (80,000 here).
    assert after - before > -calls // 10
