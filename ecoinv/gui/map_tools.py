"""Map tools: what the mouse does on the map, one tool active at a time.

As in QGIS, the canvas owns no mouse behaviour beyond wheel zoom and
middle-button pan: it forwards events to the active :class:`MapTool`,
which may draw an overlay (rubber band, vertex markers) on top of the
cached map image through :meth:`MapTool.paint`.  Editing tools (added by
the editing work) subclass :class:`MapTool` the same way.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QKeyEvent, QMouseEvent, QPainter, QPen

from ..errors import EcoinvError
from .selection import SelectMode

if TYPE_CHECKING:
    from .canvas import MapCanvas

# Moves shorter than this (pixels) count as a click, not a drag.
CLICK_TOLERANCE = 4
# Identify and click-select search this far around the cursor (pixels).
SEARCH_RADIUS = 4


@dataclass
class MapMouseEvent:
    """A mouse event with the map position (display CRS) already worked out."""

    pos: QPointF              # widget pixels
    map_x: float
    map_y: float
    button: Qt.MouseButton
    buttons: Qt.MouseButton
    modifiers: Qt.KeyboardModifier

    @classmethod
    def from_qt(cls, canvas: "MapCanvas", event: QMouseEvent) -> "MapMouseEvent":
        pos = event.position()
        x, y = canvas.to_map(pos)
        return cls(pos, x, y, event.button(), event.buttons(), event.modifiers())


class MapTool(QObject):
    """Base class: override what the tool needs; the defaults do nothing.

    ``activate``/``deactivate`` are called by the canvas when the tool is
    set or replaced; a tool keeps no state across activations unless it
    wants to.  ``key_press`` returns True when it used the key.
    """

    #: machine name, used by actions, settings and tests
    name = "tool"
    cursor_shape = Qt.CursorShape.ArrowCursor

    #: something the user should read (the window shows it in the status bar)
    message = Signal(str)

    def __init__(self, canvas: "MapCanvas"):
        super().__init__(canvas)
        self.canvas = canvas
        self.action = None  # the QAction that selects the tool (set by the window)
        self.active = False

    def cursor(self) -> QCursor:
        return QCursor(self.cursor_shape)

    def activate(self) -> None:
        self.active = True
        if self.action is not None:
            self.action.setChecked(True)

    def deactivate(self) -> None:
        self.active = False
        if self.action is not None:
            self.action.setChecked(False)

    def press(self, event: MapMouseEvent) -> None: ...
    def move(self, event: MapMouseEvent) -> None: ...
    def release(self, event: MapMouseEvent) -> None: ...
    def double_click(self, event: MapMouseEvent) -> None: ...

    def key_press(self, event: QKeyEvent) -> bool:
        return False

    def wants_key(self, event: QKeyEvent) -> bool:
        """True to get a key that is also a window shortcut (Delete while editing)."""
        return False

    def key_release(self, event: QKeyEvent) -> bool:
        return False

    def paint(self, painter: QPainter) -> None:
        """Draw the tool's overlay in widget coordinates (above the map)."""


class _DragTool(MapTool):
    """Shared press/drag/release bookkeeping: click or rectangle."""

    def __init__(self, canvas):
        super().__init__(canvas)
        self._start: QPointF | None = None
        self._current: QPointF | None = None
        self._dragging = False

    def deactivate(self) -> None:
        self._start = self._current = None
        self._dragging = False
        super().deactivate()

    def press(self, event):
        if event.button != Qt.MouseButton.LeftButton:
            return
        self._start = QPointF(event.pos)
        self._current = QPointF(event.pos)
        self._dragging = False

    def move(self, event):
        if self._start is None:
            return
        self._current = QPointF(event.pos)
        delta = self._current - self._start
        if not self._dragging and max(abs(delta.x()), abs(delta.y())) >= CLICK_TOLERANCE:
            self._dragging = True
        if self._dragging:
            self.dragged(self._start, self._current, event)
            self.canvas.update()

    def release(self, event):
        if self._start is None or event.button != Qt.MouseButton.LeftButton:
            return
        start, end, dragging = self._start, QPointF(event.pos), self._dragging
        self._start = self._current = None
        self._dragging = False
        if dragging:
            self.drag_finished(start, end, event)
        else:
            self.clicked(event)
        self.canvas.update()

    def rubber_band(self) -> QRectF | None:
        if self._start is None or self._current is None or not self._dragging:
            return None
        return QRectF(self._start, self._current).normalized()

    def dragged(self, start: QPointF, current: QPointF, event: MapMouseEvent) -> None: ...
    def drag_finished(self, start: QPointF, end: QPointF, event: MapMouseEvent) -> None: ...
    def clicked(self, event: MapMouseEvent) -> None: ...

    def paint(self, painter):
        rect = self.rubber_band()
        if rect is None:
            return
        painter.save()
        painter.setPen(QPen(QColor(230, 120, 0), 1.5, Qt.PenStyle.DashLine))
        painter.setBrush(QColor(255, 200, 0, 50))
        painter.drawRect(rect)
        painter.restore()


class PanTool(MapTool):
    """Drag the map; a click does nothing (QGIS's pan tool)."""

    name = "pan"
    cursor_shape = Qt.CursorShape.OpenHandCursor

    def __init__(self, canvas):
        super().__init__(canvas)
        self._last: QPointF | None = None

    def press(self, event):
        if event.button == Qt.MouseButton.LeftButton:
            self._last = QPointF(event.pos)
            self.canvas.setCursor(Qt.CursorShape.ClosedHandCursor)
            self.canvas.begin_pan()

    def move(self, event):
        if self._last is not None:
            self.canvas.pan_preview(event.pos - self._last)
            self._last = QPointF(event.pos)

    def release(self, event):
        if self._last is not None and event.button == Qt.MouseButton.LeftButton:
            self._last = None
            self.canvas.setCursor(self.cursor())
            self.canvas.end_pan()

    def deactivate(self):
        if self._last is not None:
            self._last = None
            self.canvas.end_pan()
        super().deactivate()


class ZoomTool(_DragTool):
    """Click to zoom in (out) by two at the point; drag a box to zoom to it."""

    name = "zoom_in"
    cursor_shape = Qt.CursorShape.CrossCursor
    zoom_out = False

    def clicked(self, event):
        self.canvas.zoom_by(2.0 if self.zoom_out else 0.5, event.pos)

    def drag_finished(self, start, end, event):
        rect = QRectF(start, end).normalized()
        if rect.width() < 2 or rect.height() < 2:
            return
        if self.zoom_out:
            factor = max(self.canvas.width() / rect.width(), self.canvas.height() / rect.height())
            self.canvas.zoom_by(factor, rect.center())
        else:
            self.canvas.zoom_to_pixel_rect(rect)


class ZoomOutTool(ZoomTool):
    name = "zoom_out"
    zoom_out = True


class IdentifyTool(MapTool):
    """Click: every visible feature under the cursor, in every visible layer."""

    name = "identify"
    cursor_shape = Qt.CursorShape.WhatsThisCursor

    identified = Signal(float, float, object)  # map x, map y, [(layer, [Feature])]

    def release(self, event):
        if event.button != Qt.MouseButton.LeftButton:
            return
        try:
            results = self.canvas.features_at(event.pos, SEARCH_RADIUS)
        except EcoinvError as exc:
            self.message.emit(str(exc))
            return
        self.identified.emit(event.map_x, event.map_y, results)


class SelectTool(_DragTool):
    """Select features of the current layer: click or drag a rectangle.

    Shift adds to the selection and Ctrl removes from it (QGIS); a click on
    empty map clears it.
    """

    name = "select"
    cursor_shape = Qt.CursorShape.CrossCursor

    selectRequested = Signal(object, object)  # found ids (set), SelectMode

    @staticmethod
    def mode(modifiers) -> SelectMode:
        if modifiers & Qt.KeyboardModifier.ShiftModifier:
            return SelectMode.ADD
        if modifiers & Qt.KeyboardModifier.ControlModifier:
            return SelectMode.REMOVE
        return SelectMode.REPLACE

    def clicked(self, event):
        try:
            found = self.canvas.current_layer_features_at(event.pos, SEARCH_RADIUS)
        except EcoinvError as exc:
            self.message.emit(str(exc))
            return
        # One click picks one feature: the most specific (smallest) under the cursor.
        ids = {found[0].id} if found else set()
        self.selectRequested.emit(ids, self.mode(event.modifiers))

    def drag_finished(self, start, end, event):
        try:
            found = self.canvas.current_layer_features_in(QRectF(start, end).normalized())
        except EcoinvError as exc:
            self.message.emit(str(exc))
            return
        self.selectRequested.emit({f.id for f in found}, self.mode(event.modifiers))

    def key_press(self, event):
        if event.key() == Qt.Key.Key_Escape and self._start is not None:
            self._start = self._current = None
            self._dragging = False
            self.canvas.update()
            return True
        return False
