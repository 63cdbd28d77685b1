"""numpy coordinates → Qt paths and polygons without a Python call per vertex.

Building a QPainterPath point by point costs a Python→C++ call per vertex
(~1 µs each, seconds for a city's land cover).  Instead the path is written
in QDataStream's serialised form with numpy and read back in one call
(QPainterPath's stream format: int32 element count, then per element an
int32 type and two doubles, then int32 cStart and int32 fill rule, all
big-endian).  QPolygonF is filled through its data pointer.
"""
from __future__ import annotations

import numpy as np
import shapely
import shiboken6
from PySide6.QtCore import QByteArray, QDataStream, QIODevice, Qt
from PySide6.QtGui import QPainterPath, QPolygonF

_ELEMENT = np.dtype([("type", ">i4"), ("x", ">f8"), ("y", ">f8")])
_MOVE_TO, _LINE_TO = 0, 1


def path_from_xy(xy: np.ndarray, starts: np.ndarray,
                 fill_rule: Qt.FillRule = Qt.FillRule.WindingFill) -> QPainterPath:
    """One QPainterPath of several subpaths.

    ``xy`` is (n, 2) float; ``starts`` the indices where a subpath (ring)
    begins (a MoveTo), the first being 0.  Rings are drawn as given: pass
    them closed (last point = first) when they will be stroked.
    """
    n = len(xy)
    path = QPainterPath()
    path.setFillRule(fill_rule)
    if n == 0:
        return path
    elems = np.empty(n, dtype=_ELEMENT)
    elems["type"] = _LINE_TO
    elems["type"][starts] = _MOVE_TO
    elems["x"] = xy[:, 0]
    elems["y"] = xy[:, 1]
    head = np.array([n], dtype=">i4").tobytes()
    last_start = int(starts[-1]) if len(starts) else 0
    fill = 1 if fill_rule == Qt.FillRule.WindingFill else 0
    tail = np.array([last_start, fill], dtype=">i4").tobytes()
    data = QByteArray(head + elems.tobytes() + tail)
    stream = QDataStream(data, QIODevice.OpenModeFlag.ReadOnly)
    stream >> path
    del stream, data
    # QPainterPath computes its bounds lazily into shared data; doing it now,
    # in the thread that built the path, keeps later concurrent readers
    # (a render thread and the GUI thread) from racing to fill that cache.
    path.boundingRect()
    path.controlPointRect()
    return path


def _starts(counts: np.ndarray) -> np.ndarray:
    starts = np.zeros(len(counts), dtype=np.int64)
    if len(counts) > 1:
        np.cumsum(counts[:-1], out=starts[1:])
    return starts


def rings_xy(geoms) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates and ring starts of every ring of (multi)polygons, vectorised."""
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) == 0:
        return np.empty((0, 2)), np.empty(0, dtype=np.int64)
    parts = shapely.get_parts(geoms)
    parts = parts[shapely.get_type_id(parts) == 3]  # polygons only
    if len(parts) == 0:
        return np.empty((0, 2)), np.empty(0, dtype=np.int64)
    rings = shapely.get_rings(parts)
    counts = shapely.get_num_coordinates(rings)
    keep = counts >= 3
    rings, counts = rings[keep], counts[keep]
    return shapely.get_coordinates(rings), _starts(counts)


def snapped_rings_xy(geoms, grid: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rings with every vertex snapped to a ``grid`` and repeats dropped.

    A vertex shared by two polygons snaps to the same place in both, so a
    mosaic simplified this way keeps no gaps between neighbours (Douglas-
    Peucker simplifies each polygon on its own and opens hairline cracks).
    Returns (xy, ring starts, mask of the geometries that kept a ring):
    those that collapsed are too small to show a shape.
    """
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    empty = (np.empty((0, 2)), np.empty(0, dtype=np.int64), np.zeros(n, dtype=bool))
    if n == 0:
        return empty
    parts, part_owner = shapely.get_parts(geoms, return_index=True)
    is_poly = shapely.get_type_id(parts) == 3
    parts, part_owner = parts[is_poly], part_owner[is_poly]
    if len(parts) == 0:
        return empty
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    counts = shapely.get_num_coordinates(rings)
    xy = np.round(shapely.get_coordinates(rings) / grid) * grid
    ring_of = np.repeat(np.arange(len(rings)), counts)
    keep = np.ones(len(xy), dtype=bool)
    keep[1:] = (xy[1:] != xy[:-1]).any(axis=1) | (ring_of[1:] != ring_of[:-1])
    new_counts = np.bincount(ring_of[keep], minlength=len(rings))
    ring_ok = new_counts >= 4  # three corners and the closing point
    # A part whose exterior (its first ring) collapsed goes, holes and all.
    first = np.ones(len(rings), dtype=bool)
    first[1:] = ring_part[1:] != ring_part[:-1]
    part_ok = np.zeros(len(parts), dtype=bool)
    part_ok[ring_part[first]] = ring_ok[first]
    ring_ok &= part_ok[ring_part]
    keep &= ring_ok[ring_of]
    shown = np.zeros(n, dtype=bool)
    shown[part_owner[part_ok]] = True
    return xy[keep], _starts(new_counts[ring_ok]), shown


def path_from_polygons(geoms, fill_rule: Qt.FillRule = Qt.FillRule.WindingFill) -> QPainterPath:
    xy, starts = rings_xy(geoms)
    return path_from_xy(xy, starts, fill_rule)


def lines_xy(geoms) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates and starts of every line string (or ring) in ``geoms``."""
    geoms = np.asarray(geoms, dtype=object)
    parts = shapely.get_parts(geoms) if len(geoms) else geoms
    if len(parts) == 0:
        return np.empty((0, 2)), np.empty(0, dtype=np.int64)
    kinds = shapely.get_type_id(parts)
    lines = list(parts[(kinds == 1) | (kinds == 2)])
    polys = parts[kinds == 3]
    if len(polys):
        lines += list(shapely.get_rings(polys))
    if not lines:
        return np.empty((0, 2)), np.empty(0, dtype=np.int64)
    lines = np.asarray(lines, dtype=object)
    counts = shapely.get_num_coordinates(lines)
    return shapely.get_coordinates(lines), _starts(counts)


def transform_xy(xy: np.ndarray, sx: float, sy: float, dx: float, dy: float) -> np.ndarray:
    out = np.empty_like(xy, dtype=np.float64)
    out[:, 0] = xy[:, 0] * sx + dx
    out[:, 1] = xy[:, 1] * sy + dy
    return out


def polygonf(xy: np.ndarray) -> QPolygonF:
    """A QPolygonF holding the (n, 2) points, filled through its data pointer."""
    xy = np.ascontiguousarray(xy, dtype=np.float64).reshape(-1, 2)
    poly = QPolygonF()
    n = len(xy)
    if n == 0:
        return poly
    poly.resize(n)
    ptr = poly.data()
    buf = shiboken6.VoidPtr(ptr, n * 16, True)
    np.frombuffer(buf, dtype=np.float64).reshape(n, 2)[:] = xy
    return poly


def hilbert_key(x: np.ndarray, y: np.ndarray, bounds, order: int = 16) -> np.ndarray:
    """Position along a Hilbert curve over ``bounds``: nearby keys, nearby places.

    Features sorted by it fall into spatially compact chunks, so a chunk's
    bounding box is small and culling and rasterising stay cheap.
    """
    n = 1 << order
    x0, y0, x1, y1 = bounds
    w = (x1 - x0) or 1.0
    h = (y1 - y0) or 1.0
    xi = np.clip(((np.asarray(x) - x0) / w * (n - 1)).astype(np.int64), 0, n - 1)
    yi = np.clip(((np.asarray(y) - y0) / h * (n - 1)).astype(np.int64), 0, n - 1)
    d = np.zeros(len(xi), dtype=np.int64)
    s = n >> 1
    while s > 0:
        rx = (xi & s) > 0
        ry = (yi & s) > 0
        d += s * s * ((3 * rx.astype(np.int64)) ^ ry.astype(np.int64))
        # Rotate the quadrant so the curve stays continuous.
        flip = ~ry & rx
        xi = np.where(flip, n - 1 - xi, xi)
        yi = np.where(flip, n - 1 - yi, yi)
        swap = ~ry
        xi, yi = np.where(swap, yi, xi), np.where(swap, xi, yi)
        s >>= 1
    return d
