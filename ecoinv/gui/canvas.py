"""The map canvas: shows the image a render job made, QGIS-style.

The canvas never draws features itself.  It keeps a view (centre and map
units per pixel in the display CRS), asks a render thread for an image of
that view (:class:`RenderService`, which has its own inventory connection
and :class:`~ecoinv.render.map.MapRenderer`), and paints the last image it
got, shifted and scaled while a pan or zoom waits for the next one.  On
top it draws the decorations (scale bar, north arrow) and the active map
tool's overlay.
"""
from __future__ import annotations

import itertools
import math
import queue
import threading
from pathlib import Path
from typing import Sequence

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import QWidget

from ..crs import transformer
from ..store import Feature, Inventory
from . import i18n
from .identify import LayerFilter, features_in, identify, search_area
from .map_tools import MapMouseEvent, MapTool

# Wheel zoom per notch (120 eighths of a degree): √2, two notches double.
WHEEL_ZOOM = math.sqrt(2.0)
# Wait this long after the last view change before rendering, so a burst
# of wheel events costs one render.
RENDER_DELAY_MS = 40
# Margin around a zoomed-to feature or layer, as a share of its size.
ZOOM_MARGIN = 0.08


def _render_api():
    from ..render import map as render_map

    return render_map


class _RenderThread:
    """The one render thread, shared by every canvas and kept for the program's life.

    A Python thread rather than a QThread, and never ended, for the reason
    given in :mod:`ecoinv.gui.workers`: pyproj ties PROJ objects to the
    thread that made them, and the renderer caches such objects
    module-wide, so a thread that ended would leave them dangling.
    """

    _instance: "_RenderThread | None" = None
    _lock = threading.Lock()

    @classmethod
    def get(cls) -> "_RenderThread":
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def __init__(self):
        self.queue: "queue.Queue[tuple]" = queue.Queue()
        self._renderers: dict[int, tuple] = {}
        self.thread = threading.Thread(target=self._loop, name="ecoinv-render", daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while True:
            item = self.queue.get()
            kind, service = item[0], item[1]
            try:
                if kind == "close":
                    try:
                        self._close(service)
                    finally:
                        item[2].set()  # the UI thread waits for this
                elif kind == "invalidate":
                    entry = self._renderers.get(service.key)
                    if entry is not None:
                        for layer in item[2] or [None]:
                            entry[1].invalidate(layer)
                else:
                    self._render(service, item[2], item[3])
            except Exception:  # the thread must outlive any one bad job
                pass

    def _render(self, service: "RenderService", job: int, settings) -> None:
        if job != service.latest:
            return  # a newer view is waiting; this one would only be thrown away
        try:
            entry = self._renderers.get(service.key)
            if entry is None:
                inv = Inventory.open(service.path)
                entry = (inv, _render_api().MapRenderer(inv))
                self._renderers[service.key] = entry
            image = entry[1].render_image(settings, cancel=lambda: job != service.latest)
        except Exception as exc:  # shown in the status bar; the map keeps its last image
            service.failed.emit(job, str(exc) or type(exc).__name__)
            return
        if job == service.latest:
            service.rendered.emit(job, image)

    def _close(self, service: "RenderService") -> None:
        entry = self._renderers.pop(service.key, None)
        if entry is not None:
            entry[1].close()
            entry[0].close()


class RenderService(QObject):
    """One canvas's link to the render thread; the latest request wins.

    The render thread gives each service its own inventory connection and
    :class:`~ecoinv.render.map.MapRenderer`.  Results come back through
    ``rendered``/``failed``, queued to the UI thread.
    """

    rendered = Signal(int, QImage)
    failed = Signal(int, str)
    _keys = itertools.count(1)

    def __init__(self, path: Path, parent: QObject | None = None):
        super().__init__(parent)
        self.path = Path(path)
        self.key = next(RenderService._keys)  # never reused, unlike id()
        self.latest = 0
        self._ids = itertools.count(1)
        self._thread = _RenderThread.get()

    def request(self, settings) -> int:
        job = next(self._ids)
        self.latest = job
        self._thread.queue.put(("render", self, job, settings))
        return job

    def invalidate(self, layers: Sequence[str] | None = None) -> None:
        self._thread.queue.put(("invalidate", self, list(layers) if layers else None))

    def shutdown(self) -> None:
        """Cancel what is running and close this service's connection (waits for it)."""
        self.latest = -1
        closed = threading.Event()
        self._thread.queue.put(("close", self, closed))
        closed.wait()


class MapCanvas(QWidget):
    """The map view.  Coordinates: ``to_map`` / ``to_pixel`` convert between
    widget pixels and the display CRS."""

    extentChanged = Signal()
    scaleChanged = Signal(float)
    xyCoordinates = Signal(float, float)    # display CRS, under the cursor
    renderStarted = Signal()
    renderFinished = Signal()               # an image arrived and was painted
    renderFailed = Signal(str)
    mapToolChanged = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("mapCanvas")
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(200, 150)
        self.inv: Inventory | None = None
        self.renderer = None  # main-thread renderer: CRS and extent questions only
        self.display_crs = None
        self.storage_crs = None
        self.background = QColor("#f4f6f3")
        self._service: RenderService | None = None
        self._center = (0.0, 0.0)
        self._mupp = 1.0  # map units per pixel
        self._has_view = False
        self._image: QImage | None = None
        self._image_view: tuple[float, float, float, int, int] | None = None
        self._pending = False
        self._pending_job = 0
        self._pending_view = None
        self._panning = False
        self._middle_pan: QPointF | None = None
        self.layers: list = []           # LayerSettings in draw order (bottom first)
        self.selection: dict[str, set[int]] = {}
        self.highlight = None
        self.current_layer = "assets"
        self.show_decorations = True
        self.show_labels = True
        self._tool: MapTool | None = None
        self._render_timer = QTimer(self)
        self._render_timer.setSingleShot(True)
        self._render_timer.setInterval(RENDER_DELAY_MS)
        self._render_timer.timeout.connect(self._start_render)
        self.last_error = ""

    # -- inventory -----------------------------------------------------------------
    def set_inventory(self, inv: Inventory | None) -> None:
        """Show ``inv`` (main-thread connection); the render thread opens its own."""
        self._stop_service()
        if self.renderer is not None:
            self.renderer.close()
            self.renderer = None
        self.inv = inv
        self._image = None
        self._image_view = None
        self._has_view = False
        self.selection = {}
        self.highlight = None
        if inv is None:
            self.renderer = None
            self.update()
            return
        api = _render_api()
        self.renderer = api.MapRenderer(inv)
        self.display_crs = self.renderer.default_display_crs()
        self.storage_crs = inv.crs
        self._service = RenderService(inv.path, self)
        self._service.rendered.connect(self._rendered)
        self._service.failed.connect(self._render_failed)
        self.zoom_to_full()

    def _stop_service(self) -> None:
        if self._service is not None:
            self._service.shutdown()
            self._service.deleteLater()
            self._service = None
        self._pending = False

    def shutdown(self) -> None:
        self._render_timer.stop()
        self._stop_service()
        if self.renderer is not None:
            self.renderer.close()
            self.renderer = None

    def is_rendering(self) -> bool:
        return self._pending or self._render_timer.isActive()

    # -- layers, selection ----------------------------------------------------------
    def set_layers(self, layers: list) -> None:
        self.layers = list(layers)
        self.refresh()

    def set_selection(self, selection: dict[str, set[int]]) -> None:
        self.selection = {k: set(v) for k, v in selection.items() if v}
        self.refresh()

    def set_labels(self, on: bool) -> None:
        self.show_labels = bool(on)
        self.refresh()

    def set_decorations(self, on: bool) -> None:
        self.show_decorations = bool(on)
        self.update()

    def set_highlight(self, highlight) -> None:
        self.highlight = highlight
        self.refresh()

    def invalidate(self, layers: Sequence[str] | None = None) -> None:
        """Data changed: drop cached geometries of ``layers`` (all when None), redraw."""
        if self.renderer is not None:
            for layer in layers or [None]:
                self.renderer.invalidate(layer)
        if self._service is not None:
            self._service.invalidate(layers)
        self.refresh()

    def layer_filters(self) -> list[LayerFilter]:
        """Visible layers, top first, as identify sees them."""
        out = []
        for ls in reversed(self.layers):
            if getattr(ls, "visible", True):
                out.append(LayerFilter(ls.name, frozenset(getattr(ls, "hidden_codes", ()) or ())))
        return out

    # -- the view --------------------------------------------------------------------------
    def map_units_per_pixel(self) -> float:
        return self._mupp

    def center(self) -> tuple[float, float]:
        return self._center

    def extent(self) -> tuple[float, float, float, float]:
        w, h = max(self.width(), 1), max(self.height(), 1)
        cx, cy = self._center
        return (cx - w / 2 * self._mupp, cy - h / 2 * self._mupp,
                cx + w / 2 * self._mupp, cy + h / 2 * self._mupp)

    def to_map(self, pos: QPointF) -> tuple[float, float]:
        cx, cy = self._center
        return (cx + (pos.x() - self.width() / 2) * self._mupp,
                cy - (pos.y() - self.height() / 2) * self._mupp)

    def to_pixel(self, x: float, y: float) -> QPointF:
        cx, cy = self._center
        return QPointF(self.width() / 2 + (x - cx) / self._mupp,
                       self.height() / 2 - (y - cy) / self._mupp)

    def map_settings(self, width: int | None = None, height: int | None = None):
        """The renderer's settings for the current view (or another size of it)."""
        api = _render_api()
        w = int(width or max(self.width(), 1))
        h = int(height or max(self.height(), 1))
        cx, cy = self._center
        ext = (cx - w / 2 * self._mupp, cy - h / 2 * self._mupp,
               cx + w / 2 * self._mupp, cy + h / 2 * self._mupp)
        return api.MapSettings(
            extent=ext, width=w, height=h, dpi=self._dpi(), display_crs=self.display_crs,
            layers=list(self.layers), labels=self.show_labels, lang=i18n.data_lang(),
            background=self.background.name(),
            selection={k: set(v) for k, v in self.selection.items()},
            highlight={k: set(v) for k, v in (self.highlight or {}).items()})

    def _dpi(self) -> float:
        return float(self.logicalDpiX() or 96)

    def scale(self) -> float:
        """The map scale denominator (1 : N) at the screen's resolution."""
        if not self._has_view:
            return 0.0
        return float(self.map_settings().scale_denominator())

    def set_view(self, center: tuple[float, float], mupp: float) -> None:
        if not (math.isfinite(center[0]) and math.isfinite(center[1])
                and math.isfinite(mupp) and mupp > 0):
            return
        self._center = (float(center[0]), float(center[1]))
        self._mupp = float(mupp)
        self._has_view = True
        self.extentChanged.emit()
        self.scaleChanged.emit(self.scale())
        self.refresh()

    def set_extent(self, extent: Sequence[float], margin: float = 0.0) -> None:
        """Show the display-CRS box ``extent`` whole, centred."""
        xmin, ymin, xmax, ymax = (float(v) for v in extent)
        w, h = xmax - xmin, ymax - ymin
        if w <= 0 and h <= 0:
            w = h = 1000.0  # a point: show a square kilometre around it
        w, h = max(w, 1e-9) * (1 + 2 * margin), max(h, 1e-9) * (1 + 2 * margin)
        mupp = max(w / max(self.width(), 1), h / max(self.height(), 1))
        self.set_view(((xmin + xmax) / 2, (ymin + ymax) / 2), mupp)

    def set_storage_extent(self, bbox: Sequence[float], margin: float = ZOOM_MARGIN) -> None:
        """Show a storage-CRS box (a feature's, a layer's)."""
        self.set_extent(self.storage_to_display_bounds(bbox), margin)

    def storage_to_display_bounds(self, bbox: Sequence[float]) -> tuple[float, float, float, float]:
        from ..crs import transform_bounds

        return transform_bounds(tuple(bbox), self.storage_crs, self.display_crs)

    def zoom_to_full(self) -> None:
        if self.renderer is None:
            return
        # The renderer's full extent has its margin already (and for an
        # empty inventory it is a stretch of land in the display CRS).
        self.set_extent(self.renderer.full_extent(self.display_crs))

    def zoom_to_layer(self, layer: str) -> bool:
        if self.inv is None:
            return False
        bbox = self.inv.extent(layer)
        if bbox is None:
            return False
        self.set_storage_extent(bbox)
        return True

    def zoom_to_features(self, layer: str, ids) -> bool:
        bbox = self._features_bbox(layer, ids)
        if bbox is None:
            return False
        self.set_storage_extent(bbox)
        return True

    def pan_to_features(self, layer: str, ids) -> bool:
        bbox = self._features_bbox(layer, ids)
        if bbox is None:
            return False
        xmin, ymin, xmax, ymax = self.storage_to_display_bounds(bbox)
        self.set_view(((xmin + xmax) / 2, (ymin + ymax) / 2), self._mupp)
        return True

    def _features_bbox(self, layer: str, ids):
        if self.inv is None or not ids:
            return None
        boxes = [f.geometry.bounds for f in self.inv.features(layer, ids=list(ids))
                 if f.geometry is not None and not f.geometry.is_empty]
        if not boxes:
            return None
        return (min(b[0] for b in boxes), min(b[1] for b in boxes),
                max(b[2] for b in boxes), max(b[3] for b in boxes))

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Zoom by ``factor`` (<1 zooms in) keeping the point under ``anchor`` still."""
        if not self._has_view:
            return
        anchor = anchor if anchor is not None else QPointF(self.width() / 2, self.height() / 2)
        ax, ay = self.to_map(anchor)
        cx, cy = self._center
        self.set_view((ax + (cx - ax) * factor, ay + (cy - ay) * factor), self._mupp * factor)

    def zoom_to_pixel_rect(self, rect: QRectF) -> None:
        x0, y0 = self.to_map(rect.bottomLeft())
        x1, y1 = self.to_map(rect.topRight())
        self.set_extent((x0, y0, x1, y1))

    def zoom_to_scale(self, denominator: float) -> None:
        current = self.scale()
        if current > 0 and denominator > 0:
            self.zoom_by(denominator / current)

    # -- panning (a drag moves the cached image; one render at the end) -----------------------
    def begin_pan(self) -> None:
        self._panning = True
        self._render_timer.stop()

    def pan_preview(self, delta: QPointF) -> None:
        cx, cy = self._center
        self._center = (cx - delta.x() * self._mupp, cy + delta.y() * self._mupp)
        self.extentChanged.emit()
        self.update()

    def end_pan(self) -> None:
        self._panning = False
        self.extentChanged.emit()
        self.refresh()

    # -- rendering ------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Render the current view again (soon, coalescing bursts)."""
        if self._service is None or not self._has_view or self._panning:
            self.update()
            return
        self._pending = True
        self._render_timer.start()
        self.update()

    def _start_render(self) -> None:
        if self._service is None or not self._has_view:
            self._pending = False
            return
        settings = self.map_settings()
        view = (self._center[0], self._center[1], self._mupp, settings.width, settings.height)
        dpr = self.devicePixelRatioF()
        if dpr != 1.0:
            # Render at the screen's real resolution: same extent, more
            # pixels, millimetre sizes scaled by the higher dpi.
            settings = settings.with_size(round(settings.width * dpr), round(settings.height * dpr),
                                          dpi=settings.dpi * dpr)
        self._pending = True
        self._pending_job = self._service.request(settings)
        self._pending_view = (*view, dpr)
        self.renderStarted.emit()

    @Slot(int, QImage)
    def _rendered(self, job: int, image: QImage) -> None:
        if job != self._pending_job:
            return
        *view, dpr = self._pending_view
        image.setDevicePixelRatio(dpr)
        self._image = image
        self._image_view = tuple(view)
        self._pending = self._render_timer.isActive()
        self.last_error = ""
        self.repaint()
        if not self._pending:
            self.renderFinished.emit()

    @Slot(int, str)
    def _render_failed(self, job: int, message: str) -> None:
        if job != self._pending_job:
            return
        self._pending = self._render_timer.isActive()
        self.last_error = message
        self.renderFailed.emit(message)
        self.update()

    def rendered_image(self) -> QImage | None:
        return self._image

    # -- painting ------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), self.background)
        if self._image is not None and self._image_view is not None:
            icx, icy, imupp, iw, ih = self._image_view
            left = icx - iw / 2 * imupp
            top = icy + ih / 2 * imupp
            x0, y0 = self.to_pixel(left, top).x(), self.to_pixel(left, top).y()
            scale = imupp / self._mupp
            target = QRectF(x0, y0, iw * scale, ih * scale)
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, abs(scale - 1) > 1e-6)
            p.drawImage(target, self._image, QRectF(0, 0, self._image.width(), self._image.height()))
        elif self.inv is None:
            p.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                       self.tr("Open or create an inventory (File menu), or drop a file here."))
        if self.show_decorations and self._has_view and self.inv is not None:
            self._draw_decorations(p)
        if self._tool is not None:
            self._tool.paint(p)
        p.end()

    def _draw_decorations(self, p: QPainter) -> None:
        try:
            from ..render import decorations
        except ImportError:  # the renderer's decorations are not in this build
            return
        settings = self.map_settings()
        w, h = self.width(), self.height()
        try:
            # QGIS places them in the corners: scale bar bottom left, north arrow top right.
            decorations.draw_scale_bar(p, settings, QRectF(12, h - 60, min(260, w / 3), 50))
            decorations.draw_north_arrow(p, QRectF(w - 46, 12, 30, 52), settings)
        except Exception as exc:  # a decoration must never take the map down with it
            self.last_error = str(exc)

    # -- map tools ------------------------------------------------------------------------------
    def map_tool(self) -> MapTool | None:
        return self._tool

    def set_map_tool(self, tool: MapTool | None) -> None:
        if tool is self._tool:
            return
        if self._tool is not None:
            self._tool.deactivate()
        self._tool = tool
        if tool is not None:
            tool.activate()
            self.setCursor(tool.cursor())
        else:
            self.unsetCursor()
        self.mapToolChanged.emit(tool)
        self.update()

    def unset_map_tool(self, tool: MapTool) -> None:
        if self._tool is tool:
            self.set_map_tool(None)

    # -- finding features --------------------------------------------------------------------
    def search_rect(self, pos: QPointF, radius: float) -> tuple[float, float, float, float]:
        x0, y0 = self.to_map(QPointF(pos.x() - radius, pos.y() + radius))
        x1, y1 = self.to_map(QPointF(pos.x() + radius, pos.y() - radius))
        return (x0, y0, x1, y1)

    def _area(self, rect_display):
        return search_area(rect_display, self.display_crs, self.storage_crs)

    def features_at(self, pos: QPointF, radius: float = 4) -> list[tuple[str, list[Feature]]]:
        """Every visible feature within ``radius`` pixels of ``pos``, top layer first."""
        if self.inv is None:
            return []
        return identify(self.inv, self.layer_filters(), self._area(self.search_rect(pos, radius)))

    def _current_filter(self) -> LayerFilter | None:
        for f in self.layer_filters():
            if f.name == self.current_layer:
                return f
        return None

    def current_layer_features_at(self, pos: QPointF, radius: float = 4) -> list[Feature]:
        f = self._current_filter()
        if self.inv is None or f is None:
            return []
        return features_in(self.inv, f, self._area(self.search_rect(pos, radius)))

    def current_layer_features_in(self, rect: QRectF) -> list[Feature]:
        f = self._current_filter()
        if self.inv is None or f is None:
            return []
        x0, y0 = self.to_map(rect.bottomLeft())
        x1, y1 = self.to_map(rect.topRight())
        return features_in(self.inv, f, self._area((x0, y0, x1, y1)))

    def storage_point(self, x: float, y: float) -> tuple[float, float]:
        from shapely.geometry import Point

        pt = transformer(self.display_crs, self.storage_crs)(Point(x, y))
        return (pt.x, pt.y)

    # -- Qt events ------------------------------------------------------------------------------
    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._has_view:
            self.extentChanged.emit()
            self.scaleChanged.emit(self.scale())
        self.refresh()

    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps == 0 or not self._has_view:
            return
        # Ctrl: fine steps, as in QGIS.
        base = 1.1 if event.modifiers() & Qt.KeyboardModifier.ControlModifier else WHEEL_ZOOM
        self.zoom_by(base ** (-steps), event.position())
        event.accept()

    def mousePressEvent(self, event) -> None:
        self.setFocus()
        if event.button() == Qt.MouseButton.MiddleButton:
            self._middle_pan = event.position()
            self.begin_pan()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            return
        if self._tool is not None and self._has_view:
            self._tool.press(MapMouseEvent.from_qt(self, event))

    def mouseMoveEvent(self, event) -> None:
        if self._has_view:
            x, y = self.to_map(event.position())
            self.xyCoordinates.emit(x, y)
        if self._middle_pan is not None:
            self.pan_preview(event.position() - self._middle_pan)
            self._middle_pan = event.position()
            return
        if self._tool is not None and self._has_view:
            self._tool.move(MapMouseEvent.from_qt(self, event))

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.MiddleButton and self._middle_pan is not None:
            self._middle_pan = None
            self.end_pan()
            self.setCursor(self._tool.cursor() if self._tool else Qt.CursorShape.ArrowCursor)
            return
        if self._tool is not None and self._has_view:
            self._tool.release(MapMouseEvent.from_qt(self, event))

    def mouseDoubleClickEvent(self, event) -> None:
        if self._tool is not None and self._has_view:
            self._tool.double_click(MapMouseEvent.from_qt(self, event))

    def event(self, event) -> bool:
        # A key the active tool uses beats a window shortcut on the same key
        # (Delete removes a vertex, not the selected features).
        if (event.type() == QEvent.Type.ShortcutOverride and self._tool is not None
                and self._tool.wants_key(event)):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:
        if self._tool is not None and self._tool.key_press(event):
            return
        key = event.key()
        step = QPointF(self.width() / 4, self.height() / 4)
        pans = {Qt.Key.Key_Left: QPointF(step.x(), 0), Qt.Key.Key_Right: QPointF(-step.x(), 0),
                Qt.Key.Key_Up: QPointF(0, step.y()), Qt.Key.Key_Down: QPointF(0, -step.y())}
        if key in pans and self._has_view:
            self.pan_preview(pans[key])
            self.refresh()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal) and self._has_view:
            self.zoom_by(0.5)
        elif key == Qt.Key.Key_Minus and self._has_view:
            self.zoom_by(2.0)
        else:
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if self._tool is not None and self._tool.key_release(event):
            return
        super().keyReleaseEvent(event)

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.refresh()  # labels and legend follow the language
        super().changeEvent(event)

    def sizeHint(self) -> QSize:
        return QSize(800, 600)
