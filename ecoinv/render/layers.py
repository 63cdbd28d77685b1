"""In-memory, display-ready copies of the inventory's layers.

A layer is read from the store once, transformed to the display CRS in one
vectorised call, and split into *chunks*: runs of up to a few hundred
features of one style code that lie close together (sorted along a Hilbert
curve).  A redraw then

* picks the chunks whose bounding box meets the view (the per-extent
  spatial query; a chunk box test is cheaper than a tree for ~1,000 boxes),
* takes each chunk's QPainterPath at the current level of detail from a
  cache, building it on first use: geometry simplified to ~0.5 device
  pixel, features smaller than a pixel replaced by a one-pixel square, and
* draws it with one drawPath call per chunk (paths stay in map units; the
  painter's transform places them, so panning reuses every cached path).

Small compact paths rasterise far faster in Qt than one huge path, and a
per-feature Python loop would cost seconds for a city's land cover.

Level of detail ``lod`` is ``floor(log2(map units per device pixel))``:
each step halves the detail, so one cached set of paths serves every zoom
within a factor of two.

Vector outputs (PDF, printers) take another route: a page keeps every
vertex it is given, drawn or not, so their paths are built per render from
the features cut to the page's view (``clip``), at a level of detail set
by millimetres on paper rather than by the device's dots (map.py), and are
not cached: each page has its own view.
"""
from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import shapely
from PySide6.QtCore import Qt
from PySide6.QtGui import QPainterPath

from .. import styles
from .qpaths import hilbert_key, lines_xy, path_from_xy, rings_xy, snapped_rings_xy
from .settings import Extent

CHUNK_FEATURES = 256
CHUNK_VERTICES = 6000
# A feature whose box is smaller than this many device pixels is drawn as a
# one-pixel square: its shape is invisible at that size, its colour is not.
TINY_PX = 1.0
# Cap on the vertices held in cached paths, all layers and levels together
# (a path element is 24 bytes in Qt).
CACHE_ELEMENTS = 6_000_000

# Layers drawn as lines whose neighbours share edges (district outlines): a
# shared edge is stroked once, from the dissolved line network, otherwise a
# dashed edge drawn twice with different dash phases looks solid.
LINEWORK = frozenset({"districts"})

# Layers that tile the area without overlaps and are drawn without an
# outline.  They are simplified by snapping to a pixel grid, which moves a
# shared vertex the same way in both neighbours, so no hairline gaps open
# between them.  Other layers use Douglas-Peucker.
TESSELLATIONS = frozenset({"landcover"})


def lod_for(units_per_pixel: float) -> int:
    return int(math.floor(math.log2(max(units_per_pixel, 1e-9))))


@dataclass
class Chunk:
    code: str | None
    index: np.ndarray          # feature positions in the layer arrays
    bounds: tuple[float, float, float, float]


@dataclass
class ChunkPaths:
    shapes: QPainterPath       # features large enough to show their shape (fill)
    dots: QPainterPath         # sub-pixel features as pixel squares (fill only)
    outlines: list | None      # [(QPainterPath, dash offset in map units)]; None: not built
    elements: int


class PolygonLayer:
    """A polygon layer in the display CRS, chunked by style code and place."""

    kind = "polygon"

    def __init__(self, name: str, ids: np.ndarray, codes: list, geoms: np.ndarray,
                 attrs: dict[str, list] | None = None):
        geoms = np.asarray(geoms, dtype=object)
        ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        if ok.any():
            finite = np.isfinite(shapely.bounds(np.where(ok, geoms, None))).all(axis=1)
            ok &= finite
        self.name = name
        self.ids = np.asarray(ids, dtype=np.int64)[ok]
        self.codes = np.array([codes[i] for i in np.flatnonzero(ok)], dtype=object)
        # Rings oriented one way (exteriors anticlockwise, holes clockwise) so
        # the winding fill rule fills overlapping features of one chunk once
        # and still leaves holes open.
        self.geoms = shapely.orient_polygons(geoms[ok])
        self.attrs = {k: [v[i] for i in np.flatnonzero(ok)] for k, v in (attrs or {}).items()}
        self.n = len(self.ids)
        self.bounds = shapely.bounds(self.geoms) if self.n else np.empty((0, 4))
        self.extent = (tuple(float(v) for v in (self.bounds[:, 0].min(), self.bounds[:, 1].min(),
                                                  self.bounds[:, 2].max(), self.bounds[:, 3].max()))
                       if self.n else None)
        self._id_order = np.argsort(self.ids)
        self._lock = threading.RLock()
        self._tree: shapely.STRtree | None = None
        self._label_points: dict[int, tuple[float, float]] = {}
        self._areas: np.ndarray | None = None
        self._linework = None
        self.chunks = self._make_chunks()
        self.chunk_bounds = (np.array([c.bounds for c in self.chunks], dtype=float)
                             if self.chunks else np.empty((0, 4)))
        self._chunk_codes = np.array([c.code for c in self.chunks], dtype=object)

    # -- structure -------------------------------------------------------------------
    def _make_chunks(self) -> list[Chunk]:
        if self.n == 0:
            return []
        cx = (self.bounds[:, 0] + self.bounds[:, 2]) / 2
        cy = (self.bounds[:, 1] + self.bounds[:, 3]) / 2
        key = hilbert_key(cx, cy, self.extent)
        nverts = shapely.get_num_coordinates(self.geoms)
        order_codes = styles.code_order(self.name)
        rank = {c: i for i, c in enumerate(order_codes)}
        code_rank = np.array([rank.get(c, len(rank)) for c in self.codes], dtype=np.int64)
        # Unknown codes sort after known ones, grouped by their own value.
        code_text = np.array(["" if c is None else str(c) for c in self.codes], dtype=object)
        order = np.lexsort((key, code_text, code_rank))
        chunks: list[Chunk] = []
        codes_sorted = self.codes[order]
        breaks = [0]
        for i in range(1, len(order)):
            if codes_sorted[i] != codes_sorted[i - 1]:
                breaks.append(i)
        breaks.append(len(order))
        for a, b in zip(breaks[:-1], breaks[1:]):
            run = order[a:b]
            cum = np.cumsum(nverts[run])
            group = np.maximum(cum // CHUNK_VERTICES, np.arange(len(run)) // CHUNK_FEATURES)
            cuts = np.flatnonzero(np.diff(group)) + 1
            for part in np.split(run, cuts):
                if len(part) == 0:
                    continue
                bb = self.bounds[part]
                chunks.append(Chunk(self.codes[part[0]], part,
                                    (float(bb[:, 0].min()), float(bb[:, 1].min()),
                                     float(bb[:, 2].max()), float(bb[:, 3].max()))))
        return chunks

    def code_values(self) -> list:
        seen: dict = {}
        for c in self._chunk_codes:
            seen.setdefault(c, None)
        return list(seen)

    def chunks_in(self, view: tuple[float, float, float, float], code) -> np.ndarray:
        """Chunk numbers of one code whose box meets ``view``."""
        if not len(self.chunks):
            return np.empty(0, dtype=np.int64)
        b = self.chunk_bounds
        hit = ((b[:, 2] >= view[0]) & (b[:, 0] <= view[2]) & (b[:, 3] >= view[1])
               & (b[:, 1] <= view[3]) & (self._chunk_codes == code))
        return np.flatnonzero(hit)

    @property
    def tree(self) -> shapely.STRtree:
        with self._lock:
            if self._tree is None:
                self._tree = shapely.STRtree(self.geoms)
            return self._tree

    def query(self, view) -> np.ndarray:
        """Positions of the features whose box meets ``view`` (sorted)."""
        if self.n == 0:
            return np.empty(0, dtype=np.int64)
        return np.sort(self.tree.query(shapely.box(*view)))

    def positions_of(self, ids) -> np.ndarray:
        """Array positions of feature ids (ids not in the layer are dropped)."""
        ids = np.fromiter((int(i) for i in ids), dtype=np.int64)
        if self.n == 0 or len(ids) == 0:
            return np.empty(0, dtype=np.int64)
        sorted_ids = self.ids[self._id_order]
        pos = np.searchsorted(sorted_ids, ids)
        pos = np.clip(pos, 0, self.n - 1)
        found = sorted_ids[pos] == ids
        return self._id_order[pos[found]]

    @property
    def areas(self) -> np.ndarray:
        if self._areas is None:
            self._areas = shapely.area(self.geoms)
        return self._areas

    def label_point(self, i: int, view=None) -> tuple[float, float] | None:
        """A point inside feature ``i`` for its label (inside the view part if clipped)."""
        b = self.bounds[i]
        inside = view is None or (b[0] >= view[0] and b[1] >= view[1]
                                  and b[2] <= view[2] and b[3] <= view[3])
        if inside:
            p = self._label_points.get(i)
            if p is None:
                g = self.geoms[i]
                if g.geom_type == "MultiPolygon" and len(g.geoms) > 1:
                    # The label goes on the largest part, not between parts.
                    parts = shapely.get_parts(g)
                    g = parts[int(np.argmax(shapely.area(parts)))]
                q = shapely.point_on_surface(g)
                p = (q.x, q.y)
                self._label_points[i] = p
            return p
        clipped = shapely.clip_by_rect(self.geoms[i], *view)
        if clipped.is_empty:
            return None
        parts = shapely.get_parts(clipped)
        parts = parts[shapely.get_type_id(parts) == 3]
        if not len(parts):
            return None
        q = shapely.point_on_surface(parts[int(np.argmax(shapely.area(parts)))])
        return (q.x, q.y)

    # -- paths ---------------------------------------------------------------------
    def simplified(self, index: np.ndarray, lod: int, clip: Extent | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Ring coordinates to draw as shapes, their ring starts, and the
        boxes of the features to draw as pixel dots instead.

        With ``clip`` only what lies inside that rectangle is kept.
        """
        px = 2.0 ** lod
        bb = self.bounds[index]
        if clip is not None:
            meets = _meets(bb, clip)
            index, bb = index[meets], bb[meets]
        size = np.maximum(bb[:, 2] - bb[:, 0], bb[:, 3] - bb[:, 1])
        tiny = size < TINY_PX * px
        big = index[~tiny]
        dots = bb[tiny]
        if not len(big):
            return np.empty((0, 2)), np.empty(0, dtype=np.int64), dots
        geoms = self.geoms[big]
        big_bounds = bb[~tiny]
        if clip is not None:
            geoms, big_bounds = _clip_polygons(geoms, big_bounds, clip)
            # A box that meets the rectangle does not mean the shape does.
            seen = ~shapely.is_empty(geoms)
            geoms, big_bounds = geoms[seen], big_bounds[seen]
        if self.name in TESSELLATIONS:
            xy, starts, shown = snapped_rings_xy(geoms, px)
            return xy, starts, np.concatenate([dots, big_bounds[~shown]])
        geoms = shapely.simplify(geoms, px * 0.5, preserve_topology=False)
        collapsed = shapely.is_empty(geoms) | (shapely.get_num_coordinates(geoms) < 4)
        xy, starts = rings_xy(geoms[~collapsed])
        return xy, starts, np.concatenate([dots, big_bounds[collapsed]])

    def build_paths(self, chunk: Chunk, lod: int, outlines: bool = True,
                    clip: Extent | None = None) -> ChunkPaths:
        xy, starts, dot_boxes = self.simplified(chunk.index, lod, clip)
        shapes = path_from_xy(xy, starts, Qt.FillRule.WindingFill)
        dots = dot_squares(dot_boxes, 2.0 ** lod)
        pieces = outline_pieces(xy, starts) if outlines else None
        return ChunkPaths(shapes, dots, pieces, 2 * len(xy) + 5 * len(dot_boxes))

    def linework(self):
        """The layer's outlines dissolved into a line network, each shared edge once."""
        with self._lock:
            if self._linework is None:
                lines = shapely.boundary(self.geoms)
                try:
                    self._linework = shapely.line_merge(shapely.union_all(lines))
                except shapely.errors.GEOSException:
                    self._linework = shapely.multilinestrings(list(shapely.get_parts(lines)))
            return self._linework

    def build_linework(self, lod: int, clip: Extent | None = None) -> ChunkPaths:
        lines = self.linework()
        if clip is not None:
            lines = shapely.clip_by_rect(lines, *clip)
        lines = shapely.simplify(lines, 0.5 * 2.0 ** lod, preserve_topology=False)
        xy, starts = lines_xy(np.array([lines], dtype=object))
        pieces = outline_pieces(xy, starts)
        empty = path_from_xy(np.empty((0, 2)), np.empty(0, dtype=np.int64))
        return ChunkPaths(empty, empty, pieces, 2 * len(xy))

    def outline_paths(self, index: np.ndarray, lod: int | None,
                      clip: Extent | None = None) -> QPainterPath:
        """The features at ``index`` as one path (selection, highlight)."""
        geoms = self.geoms[index]
        if clip is not None and len(geoms):
            geoms, _ = _clip_polygons(geoms, self.bounds[index], clip)
        if lod is not None and len(geoms):
            geoms = shapely.simplify(geoms, 0.5 * 2.0 ** lod, preserve_topology=True)
        xy, starts = rings_xy(geoms)
        return path_from_xy(xy, starts, Qt.FillRule.WindingFill)


def _meets(bounds: np.ndarray, rect: Extent) -> np.ndarray:
    return ((bounds[:, 2] >= rect[0]) & (bounds[:, 0] <= rect[2])
            & (bounds[:, 3] >= rect[1]) & (bounds[:, 1] <= rect[3]))


def _clip_polygons(geoms: np.ndarray, bounds: np.ndarray, rect: Extent
                   ) -> tuple[np.ndarray, np.ndarray]:
    """The geometries cut to ``rect`` (those inside it untouched), with their new boxes.

    A feature whose box meets the rectangle while its shape does not comes
    back empty, with a NaN box.
    """
    out = ~((bounds[:, 0] >= rect[0]) & (bounds[:, 1] >= rect[1])
            & (bounds[:, 2] <= rect[2]) & (bounds[:, 3] <= rect[3]))
    if not out.any():
        return geoms, bounds
    geoms = geoms.copy()
    bounds = bounds.copy()
    # GEOS's rectangle clipping does not keep ring orientation, which the
    # winding fill of a chunk relies on (overlapping features filled once).
    cut = shapely.orient_polygons(shapely.clip_by_rect(geoms[out], *rect))
    geoms[out] = cut
    bounds[out] = shapely.bounds(cut)
    return geoms, bounds


# Qt's antialiasing rasteriser works in horizontal bands over a path's
# bounding box, so stroking one long ring that spans the map costs ~5x more
# than stroking the same ring cut into short runs (measured: 54 ms vs 10 ms
# for the Harbin boundary at 1920 x 1080).  Short rings share one path.
PIECE_VERTICES = 64


def outline_pieces(xy: np.ndarray, starts: np.ndarray) -> list[tuple[QPainterPath, float]]:
    """Rings as stroke paths: all short rings together, long ones in runs.

    Each run carries its distance along the ring, so a dash pattern can
    continue across runs instead of restarting.
    """
    n = len(xy)
    if n == 0:
        return []
    ends = np.append(starts[1:], n)
    counts = ends - starts
    short = counts <= PIECE_VERTICES
    out: list[tuple[QPainterPath, float]] = []
    if short.any():
        sel = np.concatenate([np.arange(a, e) for a, e in zip(starts[short], ends[short])])
        sub_counts = counts[short]
        sub_starts = np.zeros(len(sub_counts), dtype=np.int64)
        np.cumsum(sub_counts[:-1], out=sub_starts[1:])
        out.append((path_from_xy(xy[sel], sub_starts), 0.0))
    zero = np.zeros(1, dtype=np.int64)
    for a, e in zip(starts[~short], ends[~short]):
        ring = xy[a:e]
        seg = np.hypot(*np.diff(ring, axis=0).T)
        along = np.concatenate([[0.0], np.cumsum(seg)])
        step = PIECE_VERTICES - 1
        for k in range(0, len(ring) - 1, step):
            out.append((path_from_xy(ring[k:k + step + 1], zero), float(along[k])))
    return out


def dot_squares(bounds: np.ndarray, side: float) -> QPainterPath:
    """A square of ``side`` map units centred on each box, as one path."""
    if len(bounds) == 0:
        return path_from_xy(np.empty((0, 2)), np.empty(0, dtype=np.int64))
    cx = (bounds[:, 0] + bounds[:, 2]) / 2
    cy = (bounds[:, 1] + bounds[:, 3]) / 2
    h = side / 2
    corners = np.array([[-h, -h], [h, -h], [h, h], [-h, h], [-h, -h]])
    xy = (np.stack([cx, cy], axis=1)[:, None, :] + corners[None, :, :]).reshape(-1, 2)
    starts = np.arange(len(bounds), dtype=np.int64) * 5
    return path_from_xy(xy, starts, Qt.FillRule.WindingFill)


class PointLayer:
    """A point layer in the display CRS."""

    kind = "point"

    def __init__(self, name: str, ids: np.ndarray, codes: list, geoms: np.ndarray,
                 attrs: dict[str, list] | None = None):
        geoms = np.asarray(geoms, dtype=object)
        ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        xy = np.full((len(geoms), 2), np.nan)
        if ok.any():
            xy[ok] = shapely.get_coordinates(geoms[ok])[:ok.sum()]
        ok &= np.isfinite(xy).all(axis=1)
        self.name = name
        self.ids = np.asarray(ids, dtype=np.int64)[ok]
        self.codes = np.array([codes[i] for i in np.flatnonzero(ok)], dtype=object)
        self.xy = xy[ok]
        self.geoms = geoms[ok]
        self.attrs = {k: [v[i] for i in np.flatnonzero(ok)] for k, v in (attrs or {}).items()}
        self.n = len(self.ids)
        self.extent = ((float(self.xy[:, 0].min()), float(self.xy[:, 1].min()),
                        float(self.xy[:, 0].max()), float(self.xy[:, 1].max())) if self.n else None)
        self._id_order = np.argsort(self.ids)

    def code_values(self) -> list:
        seen: dict = {}
        order = styles.code_order(self.name)
        for c in sorted(set(self.codes.tolist()), key=lambda c: (order.index(c) if c in order
                                                                 else len(order), str(c))):
            seen.setdefault(c, None)
        return list(seen)

    def in_view(self, view, code=..., margin: float = 0.0) -> np.ndarray:
        """Positions of the points in ``view`` (of one code, if given; None is a code too)."""
        if self.n == 0:
            return np.empty(0, dtype=np.int64)
        x, y = self.xy[:, 0], self.xy[:, 1]
        hit = ((x >= view[0] - margin) & (x <= view[2] + margin)
               & (y >= view[1] - margin) & (y <= view[3] + margin))
        if code is not ...:
            hit &= self.codes == code
        return np.flatnonzero(hit)

    def positions_of(self, ids) -> np.ndarray:
        ids = np.fromiter((int(i) for i in ids), dtype=np.int64)
        if self.n == 0 or len(ids) == 0:
            return np.empty(0, dtype=np.int64)
        sorted_ids = self.ids[self._id_order]
        pos = np.clip(np.searchsorted(sorted_ids, ids), 0, self.n - 1)
        found = sorted_ids[pos] == ids
        return self._id_order[pos[found]]


class PathCache:
    """Chunk paths per (layer, level of detail, chunk), least recently used dropped first."""

    def __init__(self, max_elements: int = CACHE_ELEMENTS):
        self.max_elements = max_elements
        self._items: OrderedDict[tuple, ChunkPaths] = OrderedDict()
        self._elements = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> ChunkPaths | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: tuple, value: ChunkPaths) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._elements -= old.elements
            self._items[key] = value
            self._elements += value.elements
            while self._elements > self.max_elements and len(self._items) > 1:
                _, dropped = self._items.popitem(last=False)
                self._elements -= dropped.elements

    def drop_layer(self, layer: str | None) -> None:
        with self._lock:
            if layer is None:
                self._items.clear()
                self._elements = 0
                return
            for key in [k for k in self._items if k[0] == layer]:
                self._elements -= self._items.pop(key).elements

    @property
    def elements(self) -> int:
        return self._elements
