"""The editing map tools: add polygon / ring / point, vertex tool, move, split.

Each tool only collects what the user points at and hands a finished
geometry, in the storage CRS, to the :class:`~ecoinv.gui.editor.Editor`,
which turns it into an undoable command.  Positions are kept in both CRSs
from the moment they are taken: the display CRS to draw them, the storage
CRS to store them.  A vertex that was snapped, or that the edit did not
touch, keeps its stored coordinates exactly; only new positions go through
the display→storage transform.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

import numpy as np
import shapely
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF
from shapely import affinity
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from .i18n import translate
from .map_tools import CLICK_TOLERANCE, MapMouseEvent, MapTool
from .snapping import SnapMatch, draw_snap_indicator, rings_of

if TYPE_CHECKING:
    from .editor import Editor

POLYGON_TYPES = frozenset({"MULTIPOLYGON"})
POINT_TYPES = frozenset({"POINT"})
ANY_TYPES = POLYGON_TYPES | POINT_TYPES
# Vertex handles and segment midpoints are hit within this many pixels.
HANDLE_TOLERANCE = 8
HANDLE_SIZE = 7

SKETCH_PEN = QColor(230, 60, 20)
SKETCH_FILL = QColor(255, 120, 60, 60)
EDIT_PEN = QColor(220, 30, 30)


@dataclass(frozen=True)
class MapPoint:
    """A position in both CRSs."""

    display: tuple[float, float]
    storage: tuple[float, float]


def pixels(canvas, xy: np.ndarray) -> np.ndarray:
    """Display-CRS coordinates (n, 2) → widget pixels (n, 2)."""
    cx, cy = canvas.center()
    m = canvas.map_units_per_pixel()
    out = np.empty_like(np.asarray(xy, dtype=float))
    out[:, 0] = canvas.width() / 2 + (xy[:, 0] - cx) / m
    out[:, 1] = canvas.height() / 2 - (xy[:, 1] - cy) / m
    return out


def qpolygon(points: np.ndarray) -> QPolygonF:
    return QPolygonF([QPointF(float(x), float(y)) for x, y in points])


def geometry_path(canvas, display_geom, offset: QPointF | None = None) -> QPainterPath:
    """A display-CRS polygon or multipolygon as a painter path in widget pixels."""
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.OddEvenFill)
    for ring in rings_of(display_geom):
        if len(ring) < 2:
            continue
        px = pixels(canvas, ring)
        if offset is not None:
            px = px + np.array([offset.x(), offset.y()])
        path.addPolygon(qpolygon(px))
        path.closeSubpath()
    return path


# --- the tools' shared part ----------------------------------------------------------------

class EditTool(MapTool):
    """Snapping while hovering and the snap indicator; the editor's target layer."""

    name = "edit"
    cursor_shape = Qt.CursorShape.CrossCursor
    # Geometry types of the layers this tool works on.
    geometry_types: frozenset[str] = ANY_TYPES

    def __init__(self, canvas, editor: "Editor"):
        super().__init__(canvas)
        self.editor = editor
        self.snap_match: SnapMatch | None = None

    @property
    def layer(self) -> str:
        return self.editor.target_layer()

    def snap_exclude(self):
        """Callable (layer, fid) -> bool for features not to snap to, or None."""
        return None

    def snap(self, event: MapMouseEvent) -> SnapMatch | None:
        self.snap_match = self.editor.snap(event.pos, exclude=self.snap_exclude())
        return self.snap_match

    def map_point(self, event: MapMouseEvent) -> MapPoint:
        """Where the event points, snapped when a target is near."""
        m = self.snap(event)
        if m is not None:
            return MapPoint(m.display, m.storage)
        return MapPoint((event.map_x, event.map_y), self.editor.to_storage(event.map_x, event.map_y))

    def move(self, event):
        self.snap(event)
        self.canvas.update()

    def reset(self) -> None:
        """Forget anything half done (target layer changed, tool switched, data reloaded)."""
        self.snap_match = None
        self.canvas.update()

    def deactivate(self):
        self.reset()
        super().deactivate()

    def data_changed(self, changes) -> None:
        """The inventory changed (an edit, an undo, another program)."""

    def paint(self, painter):
        draw_snap_indicator(painter, self.canvas, self.snap_match)


class SketchTool(EditTool):
    """Click vertices; Backspace removes the last, Enter, double click or a right
    click finishes, Esc cancels."""

    closed = True
    min_points = 3

    def __init__(self, canvas, editor):
        super().__init__(canvas, editor)
        self.points: list[MapPoint] = []
        self.cursor_pos: tuple[float, float] | None = None

    def reset(self) -> None:
        self.points = []
        self.cursor_pos = None
        super().reset()

    def press(self, event):
        if event.button == Qt.MouseButton.RightButton:
            self.finish()
            return
        if event.button == Qt.MouseButton.LeftButton:
            self._add(event)

    def _add(self, event) -> None:
        p = self.map_point(event)
        if self.points:
            last = self.canvas.to_pixel(*self.points[-1].display)
            here = self.canvas.to_pixel(*p.display)
            if abs(last.x() - here.x()) < 1 and abs(last.y() - here.y()) < 1:
                return  # the second press of a double click, or a shaky click
        self.points.append(p)
        self.cursor_pos = p.display
        self.canvas.update()

    def move(self, event):
        m = self.snap(event)
        self.cursor_pos = m.display if m is not None else (event.map_x, event.map_y)
        self.canvas.update()

    def double_click(self, event):
        if event.button == Qt.MouseButton.LeftButton:
            # The first click of the pair has added this vertex already;
            # a double click delivered alone (a synthetic one) adds it here.
            self._add(event)
            self.finish()

    def wants_key(self, event) -> bool:
        # Delete is the window's "delete selected" shortcut; while sketching
        # it removes the last vertex, as in QGIS.
        return bool(self.points) and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)

    def key_press(self, event):
        key = event.key()
        if key in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete) and self.points:
            self.points.pop()
            self.canvas.update()
            return True
        if key == Qt.Key.Key_Escape and self.points:
            self.reset()
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.points:
            self.finish()
            return True
        return False

    def finish(self) -> None:
        if not self.points:
            return
        if len(self.points) < self.min_points:
            self.message.emit(
                translate("EditTools", "A polygon needs at least three vertices.") if self.closed
                else translate("EditTools", "A line needs at least two vertices."))
            return
        points = list(self.points)
        if self.finished(points):
            self.reset()

    def finished(self, points: list[MapPoint]) -> bool:
        """Use the sketch; True when done with it (False keeps it for correction)."""
        raise NotImplementedError

    def storage_polygon(self, points: list[MapPoint]) -> Polygon | None:
        poly = Polygon([p.storage for p in points])
        if not poly.is_valid:
            self.message.emit(translate(
                "EditTools", "The polygon is not valid ({reason}); move or remove a vertex "
                "(Backspace).").format(reason=shapely.is_valid_reason(poly)))
            return None
        return poly

    def paint(self, painter):
        if self.points:
            pts = [p.display for p in self.points]
            if self.cursor_pos is not None:
                pts.append(self.cursor_pos)
            px = pixels(self.canvas, np.array(pts, dtype=float))
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setPen(QPen(SKETCH_PEN, 2.0))
            if self.closed and len(px) >= 3:
                painter.setBrush(SKETCH_FILL)
                painter.drawPolygon(qpolygon(px))
            else:
                painter.drawPolyline(qpolygon(px))
            painter.setBrush(QColor(255, 255, 255))
            painter.setPen(QPen(SKETCH_PEN, 1.5))
            for x, y in px[:len(self.points)]:
                painter.drawEllipse(QPointF(x, y), 3.5, 3.5)
            painter.restore()
        super().paint(painter)


class AddPolygonTool(SketchTool):
    name = "add_polygon"
    geometry_types = POLYGON_TYPES

    def finished(self, points):
        poly = self.storage_polygon(points)
        if poly is None:
            return False
        self.editor.add_feature(self.layer, MultiPolygon([poly]))
        return True


class AddRingTool(SketchTool):
    """Draw a hole: the ring is cut out of the polygon of the target layer it lies in."""

    name = "add_ring"
    geometry_types = POLYGON_TYPES

    def finished(self, points):
        poly = self.storage_polygon(points)
        if poly is None:
            return False
        return self.editor.add_ring(self.layer, poly)


class SplitTool(SketchTool):
    """Draw a line across polygons: each one it divides is split (the selected ones, if any)."""

    name = "split"
    closed = False
    min_points = 2
    geometry_types = POLYGON_TYPES

    def finished(self, points):
        self.editor.split_features(self.layer, LineString([p.storage for p in points]))
        return True


class AddPointTool(EditTool):
    name = "add_point"
    geometry_types = POINT_TYPES

    def press(self, event):
        if event.button == Qt.MouseButton.LeftButton:
            p = self.map_point(event)
            self.editor.add_feature(self.layer, Point(p.storage))


# --- the vertex tool -----------------------------------------------------------------------

Address = tuple[int, int, int]  # part, ring, vertex


class EditableGeometry:
    """A feature's vertices, ring by ring, in both CRSs.

    A polygon's rings are kept open (no closing vertex); a point is one
    ring of one vertex.  Operations return a new geometry in the storage
    CRS and leave this object as it is (the stored feature is the truth;
    the tool reloads it after the edit).
    """

    def __init__(self, geom, to_display):
        self.is_point = geom.geom_type == "Point"
        self.parts: list[list[list[MapPoint]]] = []
        polys = [geom] if self.is_point else list(getattr(geom, "geoms", [geom]))
        for poly in polys:
            rings = []
            for ring in rings_of(poly):
                if not self.is_point and len(ring) > 1 and np.array_equal(ring[0], ring[-1]):
                    ring = ring[:-1]
                dx, dy = to_display(ring[:, 0], ring[:, 1])
                disp = np.column_stack([np.atleast_1d(dx), np.atleast_1d(dy)])
                rings.append([MapPoint((float(d[0]), float(d[1])), (float(s[0]), float(s[1])))
                              for d, s in zip(disp, ring)])
            self.parts.append(rings)
        self.addresses: list[Address] = [a for a, _ in self.vertices()]
        self.display = np.array([p.display for _, p in self.vertices()], dtype=float).reshape(-1, 2)

    def vertices(self) -> Iterator[tuple[Address, MapPoint]]:
        for pi, rings in enumerate(self.parts):
            for ri, ring in enumerate(rings):
                for vi, p in enumerate(ring):
                    yield (pi, ri, vi), p

    def segments(self) -> Iterator[tuple[Address, MapPoint, MapPoint]]:
        """(address of the first vertex, first, second) of every edge."""
        if self.is_point:
            return
        for pi, rings in enumerate(self.parts):
            for ri, ring in enumerate(rings):
                for vi, p in enumerate(ring):
                    yield (pi, ri, vi), p, ring[(vi + 1) % len(ring)]

    def vertex(self, addr: Address) -> MapPoint:
        return self.parts[addr[0]][addr[1]][addr[2]]

    def has(self, addr: Address | None) -> bool:
        if addr is None:
            return False
        pi, ri, vi = addr
        return pi < len(self.parts) and ri < len(self.parts[pi]) and vi < len(self.parts[pi][ri])

    def _copy(self) -> list[list[list[MapPoint]]]:
        return [[list(r) for r in rings] for rings in self.parts]

    def _build(self, parts) -> shapely.Geometry:
        if self.is_point:
            return Point(parts[0][0][0].storage)
        polys = []
        for rings in parts:
            shell, *holes = [[p.storage for p in r] for r in rings]
            polys.append(Polygon(shell, holes))
        return MultiPolygon(polys)

    def moved(self, addr: Address, to: MapPoint):
        parts = self._copy()
        parts[addr[0]][addr[1]][addr[2]] = to
        return self._build(parts)

    def inserted(self, after: Address, point: MapPoint):
        """A vertex added on the edge that starts at ``after``."""
        parts = self._copy()
        parts[after[0]][after[1]].insert(after[2] + 1, point)
        return self._build(parts)

    def deleted(self, addr: Address):
        """None when the ring would have fewer than three vertices."""
        if self.is_point or len(self.parts[addr[0]][addr[1]]) <= 3:
            return None
        parts = self._copy()
        del parts[addr[0]][addr[1]][addr[2]]
        return self._build(parts)


class VertexTool(EditTool):
    """Click a feature of the target layer to edit its vertices.

    Drag a vertex handle to move it (snapping to other features), drag or
    click a segment's midpoint handle, or double-click a segment, to add a
    vertex; click a vertex and press Delete (or Backspace) to remove it.
    Each change is committed on release; consecutive vertex drags of one
    feature are one undo step (an added or removed vertex is a step of its own).
    """

    name = "vertex"

    def __init__(self, canvas, editor):
        super().__init__(canvas, editor)
        self.target: tuple[str, int] | None = None
        self.geom: EditableGeometry | None = None
        self.base_wkb: bytes | None = None
        self.current: Address | None = None
        self.hover_handle: tuple[str, Address] | None = None
        self._drag: tuple[str, Address] | None = None
        self._press: QPointF | None = None
        self._dragging = False
        self.drag_point: MapPoint | None = None

    # -- which feature -------------------------------------------------------------------
    def activate(self):
        super().activate()
        sel = self.editor.selected_ids(self.layer)
        if len(sel) == 1:
            self.edit_feature(self.layer, next(iter(sel)))

    def reset(self):
        self.target = self.geom = self.base_wkb = None
        self.current = self.hover_handle = self._drag = self._press = None
        self._dragging = False
        self.drag_point = None
        super().reset()

    def edit_feature(self, layer: str, fid: int, keep_vertex: Address | None = None) -> bool:
        feat = self.editor.read_feature(layer, fid)
        if feat is None or feat.geometry is None:
            self.reset()
            return False
        self.target = (layer, int(fid))
        self.geom = EditableGeometry(feat.geometry, self.editor.to_display)
        self.base_wkb = shapely.to_wkb(feat.geometry)
        self.current = keep_vertex if self.geom.has(keep_vertex) else None
        self.hover_handle = None  # its address may not exist in the reloaded outline
        self.canvas.update()
        return True

    def data_changed(self, changes):
        if self.target is None:
            return
        layer, fid = self.target
        if changes and layer not in changes:
            return
        if not self.edit_feature(layer, fid, self.current):
            self.message.emit(translate("EditTools", "The feature being edited no longer exists."))

    def snap_exclude(self):
        target = self.target
        return (lambda layer, fid: (layer, fid) == target) if target else None

    # -- hit tests -----------------------------------------------------------------------
    def _vertex_at(self, pos: QPointF) -> Address | None:
        if self.geom is None or not len(self.geom.display):
            return None
        px = pixels(self.canvas, self.geom.display)
        d = np.hypot(px[:, 0] - pos.x(), px[:, 1] - pos.y())
        i = int(np.argmin(d))
        return self.geom.addresses[i] if d[i] <= HANDLE_TOLERANCE else None

    def _segments_px(self):
        segs = list(self.geom.segments()) if self.geom is not None else []
        if not segs:
            return segs, None, None
        a = pixels(self.canvas, np.array([s[1].display for s in segs]))
        b = pixels(self.canvas, np.array([s[2].display for s in segs]))
        return segs, a, b

    def _midpoint_at(self, pos: QPointF) -> Address | None:
        segs, a, b = self._segments_px()
        if not segs:
            return None
        mid = (a + b) / 2
        d = np.hypot(mid[:, 0] - pos.x(), mid[:, 1] - pos.y())
        i = int(np.argmin(d))
        # Only where the segment is long enough on screen for a third handle.
        long_enough = np.hypot(*(b[i] - a[i])) > 3 * HANDLE_TOLERANCE
        return segs[i][0] if d[i] <= HANDLE_TOLERANCE and long_enough else None

    def _segment_at(self, pos: QPointF) -> tuple[Address, float] | None:
        """The edge under ``pos`` and where along it (0..1), within the handle tolerance."""
        segs, a, b = self._segments_px()
        if not segs:
            return None
        p = np.array([pos.x(), pos.y()])
        ab = b - a
        ll = (ab * ab).sum(axis=1)
        t = np.clip(((p - a) * ab).sum(axis=1) / np.where(ll > 0, ll, 1), 0, 1)
        d = np.hypot(*(a + ab * t[:, None] - p).T)
        i = int(np.argmin(d))
        return (segs[i][0], float(t[i])) if d[i] <= HANDLE_TOLERANCE else None

    def _point_on_segment(self, addr: Address, t: float) -> MapPoint:
        ring = self.geom.parts[addr[0]][addr[1]]
        a, b = ring[addr[2]], ring[(addr[2] + 1) % len(ring)]
        lerp = lambda u, v: (u[0] + (v[0] - u[0]) * t, u[1] + (v[1] - u[1]) * t)  # noqa: E731
        return MapPoint(lerp(a.display, b.display), lerp(a.storage, b.storage))

    # -- mouse ------------------------------------------------------------------------------
    def press(self, event):
        if event.button != Qt.MouseButton.LeftButton:
            return
        if self.geom is not None:
            v = self._vertex_at(event.pos)
            if v is not None:
                self._drag = ("vertex", v)
            else:
                m = self._midpoint_at(event.pos)
                if m is not None:
                    self._drag = ("insert", m)
            if self._drag is not None:
                self._press = QPointF(event.pos)
                self._dragging = False
                self.drag_point = None
                return
            if self._segment_at(event.pos) is not None:
                return  # on the feature's own edge: a double click there adds a vertex
        feat = self.editor.feature_at(self.layer, event.pos)
        if feat is None:
            if self.target is not None:
                self.reset()
            else:
                self.message.emit(translate(
                    "EditTools", "Click a feature of the editing layer to edit its vertices."))
            return
        if self.target != (self.layer, feat.id):
            self.edit_feature(self.layer, feat.id)
            self.message.emit(translate(
                "EditTools", "Drag a vertex to move it; double-click an edge to add one; "
                "click a vertex and press Delete to remove it."))

    def move(self, event):
        if self._drag is not None:
            delta = event.pos - self._press
            if not self._dragging and max(abs(delta.x()), abs(delta.y())) >= CLICK_TOLERANCE:
                self._dragging = True
            if self._dragging:
                m = self.snap(event)
                self.drag_point = (MapPoint(m.display, m.storage) if m is not None
                                   else MapPoint((event.map_x, event.map_y), (math.nan, math.nan)))
            self.canvas.update()
            return
        hover = None
        v = self._vertex_at(event.pos)
        if v is not None:
            hover = ("vertex", v)
        else:
            m = self._midpoint_at(event.pos)
            if m is not None:
                hover = ("insert", m)
        self.snap_match = None
        if hover != self.hover_handle:
            self.hover_handle = hover
            self.canvas.update()

    def release(self, event):
        if event.button != Qt.MouseButton.LeftButton or self._drag is None:
            return
        kind, addr = self._drag
        dragging = self._dragging
        self._drag = self._press = None
        self._dragging = False
        if dragging:
            # The release position decides (the last move may have been earlier).
            m = self.snap(event)
            to = (MapPoint(m.display, m.storage) if m is not None else
                  MapPoint((event.map_x, event.map_y), self.editor.to_storage(event.map_x, event.map_y)))
        elif kind == "insert":
            to = self._point_on_segment(addr, 0.5)
        else:
            self.current = addr  # a click selects the vertex (for Delete)
            self.canvas.update()
            return
        self.drag_point = None
        self.snap_match = None
        if kind == "vertex":
            self._commit(self.geom.moved(addr, to), addr, translate("EditTools", "Move vertex of {feature}"),
                         mergeable=True)
        else:
            new_addr = (addr[0], addr[1], addr[2] + 1)
            self._commit(self.geom.inserted(addr, to), new_addr,
                         translate("EditTools", "Add vertex to {feature}"))

    def double_click(self, event):
        if event.button != Qt.MouseButton.LeftButton or self.geom is None or self.geom.is_point:
            return
        if self._vertex_at(event.pos) is not None:
            return
        hit = self._segment_at(event.pos)
        if hit is None:
            return
        addr, t = hit
        m = self.snap(event)
        to = MapPoint(m.display, m.storage) if m is not None else self._point_on_segment(addr, t)
        self.snap_match = None
        self._commit(self.geom.inserted(addr, to), (addr[0], addr[1], addr[2] + 1),
                     translate("EditTools", "Add vertex to {feature}"))

    def wants_key(self, event) -> bool:
        return self.current is not None and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)

    def key_press(self, event):
        key = event.key()
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.current is not None:
            self.delete_current()
            return True
        if key == Qt.Key.Key_Escape:
            if self._drag is not None:
                self._drag = self._press = None
                self._dragging = False
                self.drag_point = None
                self.snap_match = None
                self.canvas.update()
                return True
            if self.current is not None:
                self.current = None
                self.canvas.update()
                return True
            if self.target is not None:
                self.reset()
                return True
        return False

    def delete_current(self) -> bool:
        if self.geom is None or self.current is None:
            return False
        geom = self.geom.deleted(self.current)
        if geom is None:
            self.message.emit(translate(
                "EditTools", "A ring keeps at least three vertices; a point cannot lose its "
                "only one."))
            return False
        return self._commit(geom, None, translate("EditTools", "Delete vertex of {feature}"))

    def _commit(self, geom, keep: Address | None, text: str, mergeable: bool = False) -> bool:
        layer, fid = self.target
        ok = self.editor.change_geometry(layer, fid, geom, self.base_wkb, mergeable=mergeable,
                                         text=text.format(feature=self.editor.feature_label(layer, fid)))
        # The stack's signal has reloaded the feature; keep the vertex the user works on.
        if self.target is not None:
            self.edit_feature(layer, fid, keep if ok else self.current)
        return ok

    # -- drawing ------------------------------------------------------------------------------
    def paint(self, painter):
        if self.geom is None:
            return
        canvas = self.canvas
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        px = pixels(canvas, self.geom.display) if len(self.geom.display) else np.zeros((0, 2))
        if not self.geom.is_point:
            painter.setPen(QPen(EDIT_PEN, 1.6))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            k = 0
            for rings in self.geom.parts:
                for ring in rings:
                    painter.drawPolygon(qpolygon(px[k:k + len(ring)]))
                    k += len(ring)
            # Midpoint handles: where a click or drag adds a vertex.
            painter.setPen(QPen(EDIT_PEN, 1.0))
            painter.setBrush(QColor(255, 255, 255, 200))
            segs, a, b = self._segments_px()
            if segs:
                mids = (a + b) / 2
                long_enough = np.hypot(*(b - a).T) > 3 * HANDLE_TOLERANCE
                for i in np.flatnonzero(long_enough & self._on_screen(mids)):
                    x, y = mids[i]
                    painter.drawEllipse(QPointF(x, y), 2.5, 2.5)
        # Vertex handles.
        h = HANDLE_SIZE
        painter.setPen(QPen(EDIT_PEN, 1.2))
        for i in np.flatnonzero(self._on_screen(px)):
            addr = self.geom.addresses[i]
            hot = addr == self.current or self.hover_handle == ("vertex", addr)
            painter.setBrush(EDIT_PEN if hot else QColor(255, 255, 255))
            x, y = px[i]
            painter.drawRect(QRectF(x - h / 2, y - h / 2, h, h))
        if self.hover_handle and self.hover_handle[0] == "insert":
            segs, a, b = self._segments_px()
            idx = [s[0] for s in segs].index(self.hover_handle[1])
            painter.setBrush(EDIT_PEN)
            painter.drawEllipse(QPointF(*((a[idx] + b[idx]) / 2)), 4, 4)
        # The edit under way: rubber lines from the neighbours to the cursor.
        if self.drag_point is not None and self._drag is not None:
            kind, addr = self._drag
            ring = self.geom.parts[addr[0]][addr[1]]
            if kind == "vertex":
                nb = [] if self.geom.is_point else [ring[addr[2] - 1], ring[(addr[2] + 1) % len(ring)]]
            else:
                nb = [ring[addr[2]], ring[(addr[2] + 1) % len(ring)]]
            c = canvas.to_pixel(*self.drag_point.display)
            painter.setPen(QPen(EDIT_PEN, 1.4, Qt.PenStyle.DashLine))
            for n in nb:
                painter.drawLine(canvas.to_pixel(*n.display), c)
            painter.setBrush(EDIT_PEN)
            painter.drawRect(QRectF(c.x() - h / 2, c.y() - h / 2, h, h))
        painter.restore()
        super().paint(painter)

    def _on_screen(self, px: np.ndarray) -> np.ndarray:
        w, hgt = self.canvas.width(), self.canvas.height()
        return (px[:, 0] >= -10) & (px[:, 0] <= w + 10) & (px[:, 1] >= -10) & (px[:, 1] <= hgt + 10)


# --- move ---------------------------------------------------------------------------------------

class MoveFeatureTool(EditTool):
    """Drag a feature of the target layer (a selected one first) to move it.

    The shift is applied in the display CRS, where the user sees it, and
    the moved geometry is transformed back to the storage CRS.
    """

    name = "move"
    cursor_shape = Qt.CursorShape.SizeAllCursor

    def __init__(self, canvas, editor):
        super().__init__(canvas, editor)
        self.feature = None
        self.base_wkb: bytes | None = None
        self.display_geom = None
        self.start: MapPoint | None = None
        self.end: tuple[float, float] | None = None
        self._dragging = False
        self._press: QPointF | None = None

    def reset(self):
        self.feature = self.display_geom = self.start = self.end = self._press = None
        self.base_wkb = None
        self._dragging = False
        super().reset()

    def snap_exclude(self):
        f = self.feature
        return (lambda layer, fid: (layer, fid) == (f.layer, f.id)) if f is not None else None

    def press(self, event):
        if event.button != Qt.MouseButton.LeftButton:
            return
        feat = self.editor.feature_at(self.layer, event.pos)
        if feat is None:
            self.message.emit(translate("EditTools", "Press on a feature of the editing layer and drag it."))
            return
        self.feature = feat
        self.base_wkb = shapely.to_wkb(feat.geometry)
        self.display_geom = self.editor.geometry_to_display(feat.geometry)
        m = self.editor.snap(event.pos)  # the start may snap to the feature's own vertex
        self.start = MapPoint(m.display, m.storage) if m is not None else MapPoint(
            (event.map_x, event.map_y), (math.nan, math.nan))
        self._press = QPointF(event.pos)
        self._dragging = False

    def move(self, event):
        if self.feature is None:
            super().move(event)
            return
        delta = event.pos - self._press
        if not self._dragging and max(abs(delta.x()), abs(delta.y())) >= CLICK_TOLERANCE:
            self._dragging = True
        m = self.snap(event)
        self.end = m.display if m is not None else (event.map_x, event.map_y)
        self.canvas.update()

    def release(self, event):
        if event.button != Qt.MouseButton.LeftButton or self.feature is None:
            return
        feat, dragging = self.feature, self._dragging
        m = self.snap(event)
        end = m.display if m is not None else (event.map_x, event.map_y)
        dx, dy = end[0] - self.start.display[0], end[1] - self.start.display[1]
        base, shown = self.base_wkb, self.display_geom
        self.reset()
        if not dragging or (dx == 0 and dy == 0):
            return
        moved = self.editor.geometry_to_storage(affinity.translate(shown, dx, dy))
        self.editor.change_geometry(feat.layer, feat.id, moved, base,
                                    text=translate("EditTools", "Move {feature}").format(
                                        feature=self.editor.feature_label(feat.layer, feat.id)))

    def key_press(self, event):
        if event.key() == Qt.Key.Key_Escape and self.feature is not None:
            self.reset()
            return True
        return False

    def paint(self, painter):
        if self.feature is not None and self._dragging and self.end is not None:
            a = self.canvas.to_pixel(*self.start.display)
            b = self.canvas.to_pixel(*self.end)
            offset = b - a
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setPen(QPen(SKETCH_PEN, 2.0))
            painter.setBrush(SKETCH_FILL)
            g = self.display_geom
            if g.geom_type == "Point":
                c = self.canvas.to_pixel(g.x, g.y) + offset
                painter.drawEllipse(c, 6, 6)
            else:
                painter.drawPath(geometry_path(self.canvas, g, offset))
            painter.restore()
        super().paint(painter)
