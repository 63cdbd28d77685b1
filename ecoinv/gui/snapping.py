"""Snapping for the editing tools: to vertices and segments of chosen layers.

The search works in screen pixels (the tolerance is what the user sees)
but answers in both CRSs: a snap to a vertex carries that vertex's stored
coordinates unchanged, so a new vertex placed there is bit-for-bit the
neighbour's, not a display→storage round trip of it (which would leave a
sliver gap or overlap of ~1e-9°).  A snap to a segment interpolates the
stored segment at the parameter found on screen.

Geometries are read from the UI thread's connection and kept in a small
cache of (storage, display) coordinate arrays; the window clears it on
every data change.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Iterable

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QPainter, QPen
from PySide6.QtWidgets import QMenu, QSpinBox, QToolBar, QToolButton, QWidget

from .. import schema
from . import i18n
from .edit_icons import edit_icon
from .identify import search_area

DEFAULT_LAYERS = ("assets", "asset_zones")
DEFAULT_TOLERANCE_PX = 12
MAX_TOLERANCE_PX = 50
# Forget cached shapes beyond this many features (a long session over a
# big land-cover layer must not keep all of it in memory).
CACHE_LIMIT = 4000
SNAP_COLOR = QColor(255, 0, 200)


@dataclass
class SnapConfig:
    enabled: bool = True
    layers: tuple[str, ...] = DEFAULT_LAYERS
    tolerance_px: int = DEFAULT_TOLERANCE_PX
    vertex: bool = True
    segment: bool = True

    @classmethod
    def from_settings(cls, settings) -> "SnapConfig":
        raw = settings.snapping()
        layers = raw["layers"]
        layers = DEFAULT_LAYERS if layers is None else tuple(l for l in layers if l in schema.LAYERS)
        tol = raw["tolerance_px"] or DEFAULT_TOLERANCE_PX
        return cls(bool(raw["enabled"]), layers, max(1, min(int(tol), MAX_TOLERANCE_PX)),
                   bool(raw["vertex"]), bool(raw["segment"]))

    def save(self, settings) -> None:
        settings.set_snapping(self.enabled, self.layers, self.tolerance_px, self.vertex, self.segment)

    @property
    def active(self) -> bool:
        return self.enabled and bool(self.layers) and (self.vertex or self.segment)


@dataclass(frozen=True)
class SnapMatch:
    kind: str                       # "vertex" | "segment"
    display: tuple[float, float]    # display CRS
    storage: tuple[float, float]    # storage CRS (exact for a vertex)
    layer: str
    fid: int
    distance_px: float
    # For a segment: the segment's two ends in display CRS (drawn by the indicator).
    segment: tuple[tuple[float, float], tuple[float, float]] | None = None


@dataclass
class Shape:
    """A feature's vertices in both CRSs, and which pairs of them are segments."""

    storage: np.ndarray      # (n, 2)
    display: np.ndarray      # (n, 2)
    seg_a: np.ndarray        # (m,) index of each segment's first vertex
    seg_b: np.ndarray        # (m,) ... and second


def rings_of(geom) -> list[np.ndarray]:
    """Coordinate arrays of every ring (polygons) or of the point, 2D."""
    out = []
    if geom is None or geom.is_empty:
        return out
    if geom.geom_type == "Point":
        return [np.array([[geom.x, geom.y]], dtype=float)]
    polys = geom.geoms if geom.geom_type == "MultiPolygon" else [geom]
    for p in polys:
        for ring in (p.exterior, *p.interiors):
            out.append(np.asarray(ring.coords, dtype=float)[:, :2])
    return out


def make_shape(geom, to_display: Callable) -> Shape:
    rings = rings_of(geom)
    coords, seg_a, seg_b = [], [], []
    start = 0
    for r in rings:
        n = len(r)
        if n > 1 and np.array_equal(r[0], r[-1]):
            r = r[:-1]  # closing vertex: the same point, and the same snap target
            n -= 1
            idx = np.arange(n) + start
            seg_a.append(idx)
            seg_b.append(np.roll(idx, -1))
        coords.append(r)
        start += n
    storage = np.vstack(coords) if coords else np.zeros((0, 2))
    if len(storage):
        dx, dy = to_display(storage[:, 0], storage[:, 1])
        display = np.column_stack([np.asarray(dx, dtype=float), np.asarray(dy, dtype=float)])
    else:
        display = np.zeros((0, 2))
    cat = (lambda parts: np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64))
    return Shape(storage, display, cat(seg_a), cat(seg_b))


class Snapper:
    """Finds the snap target under a cursor position on a canvas."""

    def __init__(self, canvas, config: SnapConfig | None = None):
        self.canvas = canvas
        self.config = config or SnapConfig()
        self._cache: dict[tuple[str, int, str], Shape] = {}

    def clear(self) -> None:
        self._cache.clear()

    def shape(self, layer: str, fid: int, geometry) -> Shape:
        key = (layer, int(fid), str(self.canvas.display_crs))
        s = self._cache.get(key)
        if s is None:
            if len(self._cache) > CACHE_LIMIT:
                self._cache.clear()
            s = self._cache[key] = make_shape(geometry, self.to_display)
        return s

    def to_display(self, x, y):
        r = self.canvas.renderer
        return r.to_display(x, y, self.canvas.display_crs)

    def _visible(self, layer: str):
        for f in self.canvas.layer_filters():
            if f.name == layer:
                return f
        return None

    def candidates(self, pos: QPointF, radius: float, layers: Iterable[str]
                   ) -> list[tuple[str, int, Shape]]:
        """Visible features of ``layers`` whose box is within ``radius`` pixels of ``pos``."""
        canvas = self.canvas
        inv = canvas.inv
        if inv is None or canvas.renderer is None:
            return []
        area = search_area(canvas.search_rect(pos, radius), canvas.display_crs, canvas.storage_crs)
        crs_key = str(canvas.display_crs)
        out = []
        for layer in layers:
            flt = self._visible(layer)
            if flt is None:
                continue  # nothing to snap to that the user cannot see
            code_field = schema.LAYERS[layer].style_field
            # Ids (and the code that decides visibility) first: a feature
            # already cached, like the city boundary that every search box
            # hits, is not read again.
            rows = inv.read_arrays(layer, columns=[code_field] if code_field else [],
                                   bbox=area.bounds, with_geometry=False)
            ids = [int(i) for i in rows["id"]]
            codes = rows.get(code_field) if code_field else None
            wanted = [i for k, i in enumerate(ids)
                      if codes is None or codes[k] not in flt.hidden_codes]
            missing = [i for i in wanted if (layer, i, crs_key) not in self._cache]
            if missing:
                for f in inv.features(layer, ids=missing):
                    self.shape(layer, f.id, f.geometry)
            for i in wanted:
                shape = self._cache.get((layer, i, crs_key))
                if shape is not None:
                    out.append((layer, i, shape))
        return out

    def snap(self, pos: QPointF, *, exclude: Callable[[str, int], bool] | None = None,
             config: SnapConfig | None = None) -> SnapMatch | None:
        """The nearest vertex within the tolerance, else the nearest segment, else None."""
        cfg = config or self.config
        if not cfg.active:
            return None
        return self.nearest(pos, cfg.layers, cfg.tolerance_px, vertex=cfg.vertex,
                            segment=cfg.segment, exclude=exclude)

    def nearest(self, pos: QPointF, layers: Iterable[str], tolerance_px: float, *,
                vertex: bool = True, segment: bool = True,
                exclude: Callable[[str, int], bool] | None = None) -> SnapMatch | None:
        canvas = self.canvas
        mupp = canvas.map_units_per_pixel()
        mx, my = canvas.to_map(pos)
        p = np.array([mx, my])
        best_v: SnapMatch | None = None
        best_s: SnapMatch | None = None
        for layer, fid, shape in self.candidates(pos, tolerance_px, layers):
            if exclude is not None and exclude(layer, fid):
                continue
            if not len(shape.display):
                continue
            if vertex:
                d = np.hypot(*(shape.display - p).T) / mupp
                i = int(np.argmin(d))
                if d[i] <= tolerance_px and (best_v is None or d[i] < best_v.distance_px):
                    best_v = SnapMatch("vertex", tuple(shape.display[i]), tuple(shape.storage[i]),
                                       layer, fid, float(d[i]))
            if segment and best_v is None and len(shape.seg_a):
                a, b = shape.display[shape.seg_a], shape.display[shape.seg_b]
                ab = b - a
                ll = (ab * ab).sum(axis=1)
                t = np.where(ll > 0, ((p - a) * ab).sum(axis=1) / np.where(ll > 0, ll, 1), 0.0)
                t = np.clip(t, 0.0, 1.0)
                q = a + ab * t[:, None]
                d = np.hypot(*(q - p).T) / mupp
                i = int(np.argmin(d))
                if d[i] <= tolerance_px and (best_s is None or d[i] < best_s.distance_px):
                    sa, sb = shape.storage[shape.seg_a[i]], shape.storage[shape.seg_b[i]]
                    # The same parameter along the stored segment: the point
                    # is on the stored straight edge, whatever the projection.
                    st = sa + (sb - sa) * t[i]
                    best_s = SnapMatch("segment", tuple(q[i]), (float(st[0]), float(st[1])),
                                       layer, fid, float(d[i]),
                                       (tuple(a[i]), tuple(b[i])))
        return best_v or best_s


def draw_snap_indicator(painter: QPainter, canvas, match: SnapMatch | None) -> None:
    """QGIS's marker: a square on a vertex, a cross on a segment (with the segment drawn)."""
    if match is None:
        return
    c = canvas.to_pixel(*match.display)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    pen = QPen(SNAP_COLOR, 2.0)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    if match.kind == "vertex":
        painter.drawRect(QRectF(c.x() - 6, c.y() - 6, 12, 12))
    else:
        if match.segment is not None:
            a, b = (canvas.to_pixel(*xy) for xy in match.segment)
            painter.setPen(QPen(SNAP_COLOR, 1.0, Qt.PenStyle.DashLine))
            painter.drawLine(a, b)
            painter.setPen(pen)
        painter.drawLine(QPointF(c.x() - 6, c.y() - 6), QPointF(c.x() + 6, c.y() + 6))
        painter.drawLine(QPointF(c.x() - 6, c.y() + 6), QPointF(c.x() + 6, c.y() - 6))
    painter.restore()


class SnappingToolBar(i18n.Retranslating, QToolBar):
    """Snapping on/off, the layers to snap to, vertices/segments and the tolerance.

    Every change is saved in the settings at once and announced by
    ``configChanged``.
    """

    configChanged = Signal(object)

    def __init__(self, config: SnapConfig, settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("toolbarSnapping")
        self.settings = settings
        self.config = replace(config)
        self.enable_action = QAction(edit_icon("snapping"), "", self)
        self.enable_action.setObjectName("action_snapping")
        self.enable_action.setCheckable(True)
        self.addAction(self.enable_action)
        self.layers_button = QToolButton(self)
        self.layers_button.setObjectName("snappingLayers")
        self.layers_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.layers_menu = QMenu(self.layers_button)
        self.layer_actions: dict[str, QAction] = {}
        for name in schema.LAYERS:
            a = self.layers_menu.addAction("")
            a.setCheckable(True)
            a.setObjectName(f"snap_layer_{name}")
            self.layer_actions[name] = a
        self.layers_button.setMenu(self.layers_menu)
        self.addWidget(self.layers_button)
        self.vertex_action = QAction(edit_icon("snap_vertex"), "", self)
        self.vertex_action.setCheckable(True)
        self.segment_action = QAction(edit_icon("snap_segment"), "", self)
        self.segment_action.setCheckable(True)
        self.addAction(self.vertex_action)
        self.addAction(self.segment_action)
        self.tolerance = QSpinBox(self)
        self.tolerance.setObjectName("snappingTolerance")
        self.tolerance.setRange(1, MAX_TOLERANCE_PX)
        self.addWidget(self.tolerance)
        self._show(self.config)
        self.enable_action.toggled.connect(self._changed)
        self.vertex_action.toggled.connect(self._changed)
        self.segment_action.toggled.connect(self._changed)
        self.tolerance.valueChanged.connect(self._changed)
        for a in self.layer_actions.values():
            a.toggled.connect(self._changed)
        self.retranslate()

    def _show(self, cfg: SnapConfig) -> None:
        widgets = [self.enable_action, self.vertex_action, self.segment_action, self.tolerance,
                   *self.layer_actions.values()]
        for w in widgets:
            w.blockSignals(True)
        self.enable_action.setChecked(cfg.enabled)
        self.vertex_action.setChecked(cfg.vertex)
        self.segment_action.setChecked(cfg.segment)
        self.tolerance.setValue(cfg.tolerance_px)
        for name, a in self.layer_actions.items():
            a.setChecked(name in cfg.layers)
        for w in widgets:
            w.blockSignals(False)
        self._enable_parts()

    def set_config(self, cfg: SnapConfig) -> None:
        self._show(cfg)
        self._changed()

    def _enable_parts(self) -> None:
        on = self.enable_action.isChecked()
        for w in (self.layers_button, self.vertex_action, self.segment_action, self.tolerance):
            w.setEnabled(on)

    def _changed(self, *_) -> None:
        self.config = SnapConfig(
            self.enable_action.isChecked(),
            tuple(n for n, a in self.layer_actions.items() if a.isChecked()),
            self.tolerance.value(), self.vertex_action.isChecked(), self.segment_action.isChecked())
        self._enable_parts()
        self.config.save(self.settings)
        self._update_button_text()
        self.configChanged.emit(replace(self.config))

    def _update_button_text(self) -> None:
        n = len(self.config.layers)
        self.layers_button.setText(self.tr("Snap to: {n} layers").format(n=n) if n != 1 else
                                   self.tr("Snap to: {layer}").format(
                                       layer=schema.LAYERS[self.config.layers[0]].label(i18n.data_lang())))


    def retranslate(self) -> None:
        lang = i18n.data_lang()
        self.setWindowTitle(self.tr("Snapping"))
        self.enable_action.setText(self.tr("Snapping"))
        self.enable_action.setToolTip(self.tr("Snap new and moved vertices to nearby features"))
        self.layers_button.setToolTip(self.tr("Layers to snap to"))
        for name, a in self.layer_actions.items():
            a.setText(schema.LAYERS[name].label(lang))
        self.vertex_action.setText(self.tr("Snap to Vertices"))
        self.vertex_action.setToolTip(self.tr("Snap to vertices"))
        self.segment_action.setText(self.tr("Snap to Segments"))
        self.segment_action.setToolTip(self.tr("Snap to segments (edges)"))
        self.tolerance.setSuffix(self.tr(" px"))
        self.tolerance.setToolTip(self.tr("Snapping tolerance in screen pixels"))
        self._update_button_text()
