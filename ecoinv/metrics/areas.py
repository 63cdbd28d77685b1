"""Geodesic measurement of many polygons at once, and the dissolve, clip and
split steps the statistics are built from.

Geometry work (unions, intersections) happens in the storage CRS; every
area is then measured on that CRS's ellipsoid, ring by ring, holes
subtracted, with each edge following the straight line of the storage CRS —
the line GEOS draws and cuts along — rather than the geodesic between its
ends (which :func:`ecoinv.geometry.geodesic_area_m2` and the layers' stored
area_ha follow).  The two differ by a thin lens (∝ length³: about 1.3 ha
for a 10-km east-west edge at 45°N), and only the first makes the pieces of
a cut add up to the whole: district rows to the city, a union to sum −
intersection.  For survey data with vertices every few hundred metres the
two agree to ~1e-8.

In a geographic storage CRS (lon/lat; EPSG:4490 by default) a straight
edge is measured exactly, by :func:`ecoinv.geometry.straight_ring_areas_m2`
(Simpson's rule on the equal-area cylinder; edges over 0.01° are split
first).  In a projected one its edges are split every :data:`DENSIFY_M`
and the pieces, taken to lon/lat, measured as geodesics
(:func:`ecoinv.geometry.ring_areas_m2`).  Either way the rings of a whole
array of polygons are measured at once, with numpy, because a dissolved
land-cover class can have tens of thousands of rings.

A :class:`Pieces` is a set of non-overlapping polygons with their areas
measured once; :class:`Zones` are masks (the boundary, districts) cut into
vertical strips.  :func:`split` keeps the known area of every piece that
lies wholly inside a zone and cuts and measures only the pieces crossing a
zone's edge, against the few strips near them — so a city-wide dissolve is
measured once, and only its parts along district borders again.
:func:`union_of_disjoint` dissolves a coverage (a clean land-cover class)
by dropping the edges neighbours share, and proves the result right, so
that a class is measured by its outline rather than parcel by parcel.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from ..geometry import (STRAIGHT_MAX_EDGE_DEG, RaggedPolygons, _geodesy, as_crs, geod_for,
                        object_array, ring_areas_m2, straight_ring_areas_m2)
from ..geometry import polygons_with_owner as _polygons_of_each


def _as_array(geoms) -> np.ndarray:
    if isinstance(geoms, BaseGeometry) or geoms is None:
        geoms = [geoms]
    return object_array(geoms)


def polygons_with_owner(geoms) -> tuple[np.ndarray, np.ndarray]:
    """Every non-empty polygon inside ``geoms`` (collections flattened, lines
    and points dropped) and the index of the geometry it came from."""
    parts, owner = _polygons_of_each(_as_array(geoms))
    keep = ~shapely.is_empty(parts)
    return parts[keep], owner[keep]


# See the module docstring: the longest edge measured as a single geodesic.
DENSIFY_M = 100.0
_M_PER_DEGREE = 111_320.0


def densify_step(crs) -> float:
    """:data:`DENSIFY_M` in the units of ``crs`` (degrees or map units)."""
    crs = as_crs(crs)
    if crs.is_geographic:
        return DENSIFY_M / _M_PER_DEGREE
    return DENSIFY_M / crs.axis_info[0].unit_conversion_factor


def _densified(coords: np.ndarray, counts: np.ndarray, step: float,
               meridians_are_geodesics: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split every edge of the rings longer than ``step`` into equal parts.

    ``coords`` holds the rings one after another (``counts`` coordinates
    each, closed).  The points are placed as GEOS's densifier
    (``shapely.segmentize``) places them, p0 + (p1 - p0)·j/k with
    k = ⌈length / step⌉, but in one vectorised pass.  In a geographic CRS an
    edge along a meridian is a geodesic already and is left whole (strips
    are cut along meridians, often tens of kilometres long).  Returns
    (x, y, new counts).
    """
    n = len(coords)
    ends = np.cumsum(counts)
    last = np.zeros(n, dtype=bool)
    last[ends[counts > 0] - 1] = True
    d = np.zeros_like(coords)
    d[:-1] = coords[1:] - coords[:-1]
    d[last] = 0.0
    length = np.hypot(d[:, 0], d[:, 1])
    k = np.maximum(np.ceil(length / step), 1.0)
    if meridians_are_geodesics:
        k[d[:, 0] == 0.0] = 1.0
    k[last] = 1.0
    reps = k.astype(np.int64)
    if (reps == 1).all():
        return coords[:, 0].copy(), coords[:, 1].copy(), counts
    first = np.cumsum(reps) - reps
    src = np.repeat(np.arange(n), reps)
    frac = (np.arange(int(reps.sum())) - first[src]) / k[src]
    x = coords[src, 0] + frac * d[src, 0]
    y = coords[src, 1] + frac * d[src, 1]
    starts = ends - counts
    new_counts = np.add.reduceat(reps, starts[counts > 0]) if n else np.zeros(0, dtype=np.int64)
    out_counts = np.zeros(len(counts), dtype=np.int64)
    out_counts[counts > 0] = new_counts
    return x, y, out_counts


def _ring_lonlat(polygons: np.ndarray, crs):
    """The rings of an array of Polygons, split for measuring and in lon/lat:
    (lon, lat, coordinates per ring, owning polygon, exterior?, whether the
    edges are straight in lon/lat).  In a geographic CRS only edges longer
    than :data:`ecoinv.geometry.STRAIGHT_MAX_EDGE_DEG` are split (the
    edges stay straight lines in lon/lat); otherwise edges longer than
    :data:`DENSIFY_M` are, and the points are taken to lon/lat."""
    crs = as_crs(crs)
    rings, ring_poly = shapely.get_rings(polygons, return_index=True)
    # get_rings lists each polygon's exterior first, then its holes.
    exterior = np.ones(len(rings), dtype=bool)
    exterior[1:] = ring_poly[1:] != ring_poly[:-1]
    counts = shapely.get_num_coordinates(rings).astype(np.int64)
    coords = shapely.get_coordinates(rings)
    tr = _geodesy(crs).to_lonlat
    straight = tr is None
    step = STRAIGHT_MAX_EDGE_DEG if straight else densify_step(crs)
    x, y, counts = _densified(coords, counts, step, crs.is_geographic)
    if tr is not None:
        x, y = tr.transform(x, y)
    return (np.ascontiguousarray(x, dtype=float), np.ascontiguousarray(y, dtype=float),
            counts, ring_poly, exterior, straight)


def polygon_areas_m2(polygons: np.ndarray, crs) -> np.ndarray:
    """Geodesic area (m²) of each polygon in an array of Polygons, its edges
    following the straight lines of the storage CRS (see the module docstring)."""
    if not len(polygons):
        return np.zeros(0)
    lon, lat, counts, ring_poly, exterior, straight = _ring_lonlat(polygons, crs)
    measure = straight_ring_areas_m2 if straight else ring_areas_m2
    ring_area = measure(lon, lat, counts, geod_for(crs))
    signed = np.where(exterior, ring_area, -ring_area)
    return np.bincount(ring_poly, signed, minlength=len(polygons)).astype(float)


def measure_m2(geoms, crs) -> np.ndarray:
    """Geodesic area (m²) of the polygonal parts of each geometry."""
    geoms = _as_array(geoms)
    polys, owner = polygons_with_owner(geoms)
    return np.bincount(owner, polygon_areas_m2(polys, crs), minlength=len(geoms)).astype(float)


# Polygons with more vertices than this are cut into strips before overlays:
# GEOS scans every edge of both inputs, so cutting a district-sized polygon
# into strips lets a small site be clipped against a few hundred edges
# instead of tens of thousands.
TILE_VERTICES = 256
# Zones (districts, a boundary) are cut into far bigger strips: a strip is
# cut down to the part it meets before each overlay (_near, linear in the
# strip's vertices), so a whole district of a few thousand vertices costs
# less than cutting it into strips ahead and pairing the part with several
# (18 detailed districts: 20 ms less to set up, the split no slower).
# Only zones bigger than this are cut, to keep that linear step bounded.
ZONE_TILE_VERTICES = 16384
_MAX_CUTS = 40


def subdivide(geoms, max_vertices: int = TILE_VERTICES) -> tuple[np.ndarray, np.ndarray]:
    """Cut polygons into strips of at most ``max_vertices`` vertices.

    Returns (strips, owner): the strips of each input exactly cover it and
    do not overlap one another.  Cuts are vertical lines only, each made in
    one operation for both sides, so the two strips along a cut have the
    same vertices there and their shared edges cancel exactly when measured:
    the strips of a polygon add up to its area.  (Cutting in both
    directions would leave T-junctions, whose geodesic edges do not cancel:
    tens of hectares over a city.)

    The strips are cut with GEOS's rectangle clipper, which promises no
    validity; they are checked once, at the end, and a polygon any of whose
    strips is not valid is cut again with every half checked as it is made
    (the overlay cutting the halves the clipper got wrong).  Checking every
    round's halves took half the time, for the few polygons that need it.
    """
    polys, owner = polygons_with_owner(geoms)
    strips, source, cut = _strips(polys, max_vertices, checked=False)
    bad = np.zeros(len(strips), dtype=bool)
    bad[cut] = ~shapely.is_valid(strips[cut])
    if bad.any():
        redo = np.zeros(len(polys), dtype=bool)
        redo[source[bad]] = True
        keep = ~redo[source]
        again, again_source, _ = _strips(polys[redo], max_vertices, checked=True)
        strips = np.concatenate([strips[keep], again])
        source = np.concatenate([source[keep], np.flatnonzero(redo)[again_source]])
    return strips, owner[source].astype(np.int64)


def _strips(polys: np.ndarray, max_vertices: int, *, checked: bool
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The halving behind :func:`subdivide`: (strips, the polygon each
    came from, the positions of the strips that were cut)."""
    source = np.arange(len(polys))
    done, done_source = [], []
    for _ in range(_MAX_CUTS):
        if not len(polys):
            break
        small = shapely.get_num_coordinates(polys) <= max_vertices
        done.append(polys[small])
        done_source.append(source[small])
        polys, source = polys[~small], source[~small]
        polys, idx = polygons_with_owner(_halves(polys, checked=checked))
        source = np.concatenate([source, source])[idx]
    # Whatever is still too big (vertices stacked on one vertical line) stays as it is.
    done.append(polys)
    done_source.append(source)
    uncut = len(done[0])
    strips = np.concatenate(done)
    return strips, np.concatenate(done_source).astype(np.int64), np.arange(uncut, len(strips))


def _halves(polys: np.ndarray, *, checked: bool = True) -> np.ndarray:
    """The west halves of polygons, then their east halves (cut at the middle
    of each bounding box).

    GEOS's rectangle clipper is several times faster than a general overlay
    and cuts both halves at the same points; it promises no validity, so a
    polygon whose halves are not both valid (``checked``; else the caller
    checks) is cut again with the overlay, as is one the clipper refuses or
    whose halves do not meet vertex for vertex on the cut.
    """
    x0, y0, x1, y1 = shapely.bounds(polys).T
    xm = (x0 + x1) / 2
    # The clipper redraws the polygon's boundary along the rectangle's sides
    # (dropping vertices there), so only the cut line may touch the polygon.
    pad = (x1 - x0) + (y1 - y0) + 1.0
    lo, hi = y0 - pad, y1 + pad
    west = _clip_all(polys, x0 - pad, lo, xm, hi)
    east = _clip_all(polys, xm, lo, x1 + pad, hi)
    bad = shapely.is_missing(west) | shapely.is_missing(east)
    if checked:
        bad |= ~(shapely.is_valid(west) & shapely.is_valid(east))
    bad |= _unmatched_cuts(west, east, xm)
    if bad.any():
        p, a, b, m, c = polys[bad], x0[bad], y0[bad], xm[bad], y1[bad]
        west[bad] = shapely.intersection(p, shapely.box(a, b, m, c))
        east[bad] = shapely.intersection(p, shapely.box(m, b, x1[bad], c))
    return np.concatenate([west, east])


def _clip_all(polys: np.ndarray, x0, y0, x1, y1) -> np.ndarray:
    """Each polygon clipped to its own rectangle by GEOS's rectangle
    clipper (None where GEOS refuses)."""
    try:
        # shapely.clip_by_rect takes one rectangle for all; the ufunc behind
        # it takes one per geometry, in one call that lets go of Python's
        # lock (a call per polygon would take it back thousands of times).
        return shapely.lib.clip_by_rect(polys, x0, y0, x1, y1)
    except (shapely.errors.GEOSException, TypeError, AttributeError):  # (not in every shapely)
        return object_array([_clip(p, a, b, c, d) for p, a, b, c, d in zip(polys, x0, y0, x1, y1)])


def _clip(poly, x0, y0, x1, y1):
    try:
        return shapely.clip_by_rect(poly, x0, y0, x1, y1)
    except shapely.errors.GEOSException:  # a degenerate ring: cut it with the overlay
        return None


def _unmatched_cuts(west: np.ndarray, east: np.ndarray, xm: np.ndarray) -> np.ndarray:
    """Whether the two halves of each polygon have different vertices on
    their cut line x = xm (the clipper leaves out a vertex where a hole or
    the outline only touches the line)."""
    points = []
    for halves in (west, east):
        c, idx = shapely.get_coordinates(halves, return_index=True)
        on = c[:, 0] == xm[idx]
        # (polygon, y) as one complex number, sorted by polygon then y.
        points.append(_sorted_unique(idx[on] + 1j * c[on, 1]))
    both = np.sort(np.concatenate(points))
    single = np.ones(len(both), dtype=bool)
    pair = both[1:] == both[:-1]
    single[1:] &= ~pair
    single[:-1] &= ~pair
    bad = np.zeros(len(west), dtype=bool)
    bad[both[single].real.astype(np.int64)] = True
    return bad


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    values = np.sort(values)
    return values[np.concatenate([[True], values[1:] != values[:-1]])] if len(values) else values


class Zones:
    """Polygonal zones (a boundary, districts) ready for repeated overlays:
    prepared for fast predicates and cut into strips for cheap intersections.
    Zones may overlap one another."""

    def __init__(self, geoms, *, first: "Zones | None" = None):
        """``first``: zones already prepared that are the first of ``geoms``
        (the same geometries, in order), whose strips are reused."""
        self.geoms = _as_array(geoms)
        shapely.prepare(self.geoms)
        # GEOS builds a prepared polygon's indexes at its first test: made
        # to here (each zone against its own envelope, which touches it), so
        # that zones set up in the background are ready to use.
        shapely.intersects(self.geoms, shapely.envelope(self.geoms))
        if first is None:
            self.strips, self.owner = subdivide(self.geoms, ZONE_TILE_VERTICES)
        else:
            n = len(first)
            strips, owner = subdivide(self.geoms[n:], ZONE_TILE_VERTICES)
            self.strips = np.concatenate([first.strips, strips])
            self.owner = np.concatenate([first.owner, owner + n])
        self.tree = shapely.STRtree(self.strips)

    def __len__(self) -> int:
        return len(self.geoms)


def split(parts: np.ndarray, areas: np.ndarray, zones: Zones, crs,
          *, keep_cut: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Area of each polygonal part inside each zone, as (part, zone, m², cut geometry).

    A part wholly inside a zone counts with its known area and is not cut;
    only parts crossing a zone's edge are intersected, and only with that
    zone's strips near them, each cut down to the part first (large parts
    are cut into strips first, so that every intersection is between two
    small polygons).  A part that crosses the edge of the one zone it meets
    counts with its area less what sticks out (see below), unless the cut
    geometries are asked for (``keep_cut``).
    """
    empty = np.empty(0, dtype=np.int64)
    if not len(parts) or not len(zones):
        return empty, empty, np.zeros(0), (np.empty(0, dtype=object) if keep_cut else None)
    # The zones are the query side so that their prepared form (built once) is used.
    zi, pi = shapely.STRtree(parts).query(zones.geoms, predicate="intersects")
    whole = shapely.contains_properly(zones.geoms[zi], parts[pi])
    cross_p, cross_z = pi[~whole], zi[~whole]
    big = shapely.get_num_coordinates(parts[cross_p]) > TILE_VERTICES
    strips, strip_pair = subdivide(parts[cross_p[big]])
    sub = np.concatenate([parts[cross_p[~big]], strips])
    sub_pair = np.concatenate([np.flatnonzero(~big), np.flatnonzero(big)[strip_pair]])
    # Each crossing (part, zone) pair is cut against the zone's nearby strips
    # (by bounding box: an intersects test costs about what cutting the few
    # strips that only come near does; those give nothing).
    si, ti = zones.tree.query(sub)
    pair = sub_pair[si]
    own = zones.owner[ti] == cross_z[pair]
    si, ti, pair = si[own], ti[own], pair[own]
    # A part that meets no other zone, of a zone in one strip, only sticks
    # out of it (often by slivers, where it was drawn along the zone's edge):
    # its area inside is its own less what sticks out, a cut whose result
    # is a few small polygons rather than most of the part.
    alone = np.zeros(len(si), dtype=bool)
    if not keep_cut:
        zones_met = np.bincount(pi, minlength=len(parts))
        strips_of = np.bincount(zones.owner, minlength=len(zones))
        alone = ((zones_met[cross_p[pair]] == 1) & (strips_of[cross_z[pair]] == 1)
                 & ~big[pair])
    pieces, which, pieces_m2 = _measured_overlays(sub[si[~alone]], zones.strips[ti[~alone]], crs)
    cut_pair = pair[~alone][which]
    _, which, out_m2 = _measured_overlays(sub[si[alone]], zones.strips[ti[alone]], crs,
                                          shapely.difference)
    lone = pair[alone]
    inside_m2 = areas[cross_p[lone]] - np.bincount(which, out_m2, minlength=len(lone))
    out_p = np.concatenate([pi[whole], cross_p[cut_pair], cross_p[lone]])
    out_z = np.concatenate([zi[whole], cross_z[cut_pair], cross_z[lone]])
    # (A part that only touches the zone leaves nothing inside: no rounding below zero.)
    out_a = np.concatenate([areas[pi[whole]], pieces_m2, np.maximum(inside_m2, 0.0)])
    cut = None
    if keep_cut:
        cut = np.concatenate([parts[pi[whole]], pieces])
    return out_p, out_z, out_a, cut


# From this many pairs on, :func:`_measured_overlays` works in two threads.
PARALLEL_MIN_PAIRS = 64


def _measured_overlays(a: np.ndarray, b: np.ndarray, crs, overlay=shapely.intersection
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The polygons of ``overlay(a, b)`` (an intersection, or a difference),
    pair by pair, with the pair each came from and their areas (m²); many
    pairs in two halves at once, each cut and measured in its own thread
    (GEOS and numpy let go of Python's lock), the halves' results put
    together in order."""
    def cut_and_measure(a, b, first: int = 0):
        pieces, which = polygons_with_owner(overlay(a, _near(b, a)))
        return pieces, which + first, polygon_areas_m2(pieces, crs)

    if len(a) < PARALLEL_MIN_PAIRS:
        return cut_and_measure(a, b)
    half = len(a) // 2
    with ThreadPoolExecutor(max_workers=1) as pool:
        second = pool.submit(cut_and_measure, a[half:], b[half:], half)
        first = cut_and_measure(a[:half], b[:half])
        second = second.result()
    return tuple(np.concatenate([x, y]) for x, y in zip(first, second))


def _near(b: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Each of ``b`` cut down to a rectangle a little larger than the
    bounding box of the matching ``a`` (by the rectangle clipper, checked):
    its intersection with ``a`` (and ``a`` less it) is the same — the same segments of ``b``
    cross the same segments of ``a``, so the same vertices (a ring may start
    at another, a crossing point taken the other way round differ by an
    ulp) — while a cut's cost
    follows the vertices in it (a district of thousands of vertices against
    a forest piece of a few hundred).  Where the clipper fails or
    gives an invalid polygon, the whole of ``b`` is kept."""
    x0, y0, x1, y1 = shapely.bounds(a).T
    # Wide enough that ``a`` stays clear of the rectangle's sides.
    pad = 1e-3 * ((x1 - x0) + (y1 - y0)) + 1e-9 * (np.abs(x0) + np.abs(y0) + 1.0)
    near = _clip_all(b, x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    bad = shapely.is_missing(near)
    bad[~bad] = ~shapely.is_valid(near[~bad])
    near[bad] = b[bad]
    return near


@dataclass
class Pieces:
    """Non-overlapping polygons with their geodesic areas (m²)."""

    parts: np.ndarray
    areas: np.ndarray

    @classmethod
    def of(cls, geoms, crs) -> "Pieces":
        """The polygons of ``geoms``, which must not overlap one another
        (a dissolved union, a valid multipolygon); large ones are cut into strips."""
        if geoms is None:
            return cls(np.empty(0, dtype=object), np.zeros(0))
        strips, _ = subdivide(geoms)
        return cls(strips, polygon_areas_m2(strips, crs))

    @classmethod
    def of_disjoint(cls, geoms, areas_m2, crs) -> "Pieces":
        """Polygonal geometries known not to overlap, with their areas already
        measured; large ones are cut into strips (and the strips measured)."""
        geoms = _as_array(geoms)
        areas_m2 = np.asarray(areas_m2, dtype=float)
        big = shapely.get_num_coordinates(geoms) > TILE_VERTICES
        strips, _ = subdivide(geoms[big])
        return cls(np.concatenate([geoms[~big], strips]),
                   np.concatenate([areas_m2[~big], polygon_areas_m2(strips, crs)]))

    @property
    def area_m2(self) -> float:
        return float(self.areas.sum())


def clip(pieces: Pieces, mask: Zones | None, crs) -> Pieces:
    """The parts of ``pieces`` inside the (single) zone ``mask``; all without a mask."""
    if mask is None:
        return pieces
    _, _, areas, cut = split(pieces.parts, pieces.areas, mask, crs, keep_cut=True)
    return Pieces(cut, areas)


def areas_in(pieces: Pieces, zones: Zones, crs) -> np.ndarray:
    """Area (m²) of ``pieces`` inside each zone."""
    _, z, a, _ = split(pieces.parts, pieces.areas, zones, crs)
    return np.bincount(z, a, minlength=len(zones)).astype(float)


_POLYGONAL = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)


def union_of_disjoint(geoms, ragged: RaggedPolygons | None = None) -> BaseGeometry | None:
    """The union of polygons shown not to overlap one another, or None.

    With every ring oriented (exteriors counter-clockwise, holes clockwise),
    the winding number of a valid polygon's boundary is 1 inside it and 0
    outside, so the sum of all the polygons' boundaries, as a chain of
    oriented edges, winds k times around a point lying in k polygons.  The
    edges neighbours share cancel in that sum (walked once each way,
    :func:`_cancel`); the edges left are joined into rings and the rings
    nested into polygons (:func:`_polygons_from_edges`).  If that is a valid
    polygonal geometry whose boundary is exactly the chain left — a valid
    polygon winding once around its inside — then no point lies in two
    polygons: their interiors are disjoint, the geometry is their union, and
    its area is the sum of theirs, edge by edge.  This costs a sort of the
    edges (n log n): less than GEOS's coverage union alone, which assumes a
    valid coverage without checking it.  (GEOS's coverage validator asks
    what the proof needs: no overlaps, shared edges with matching vertices.)

    Where the edges left do not make such a geometry at the first try (rings
    touching in ways the joining does not foresee), GEOS's coverage union is
    built instead and held to the same test.  Returns None when any input is
    not a valid polygon or multipolygon, when a segment is walked twice the
    same way (an overlap), or when neither geometry passes (overlaps, or
    neighbours whose shared edges do not have the same vertices); the
    caller then dissolves some other way.  ``ragged``: the same geometries
    as coordinate arrays, when at hand (see :func:`_ring_edges`).
    """
    geoms = _as_array(geoms)
    if not len(geoms):
        return None
    if not np.isin(shapely.get_type_id(geoms), _POLYGONAL).all():
        return None
    if len(geoms) < PARALLEL_MIN_POLYGONS:
        if not shapely.is_valid(geoms).all():
            return None
        left, union = _joined_outline(geoms, ragged)
    else:
        # GEOS's validity check lets go of Python's lock throughout; the
        # outline (numpy's sorts, shapely's part and ring objects: they hold
        # the lock) is worked out meanwhile.
        with ThreadPoolExecutor(max_workers=1) as pool:
            valid = pool.submit(shapely.is_valid, geoms)
            left, union = _joined_outline(geoms, ragged)
            if not valid.result().all():
                return None
    if left is None or union is not None:
        return union
    try:
        union = shapely.coverage_union_all(geoms)
    except shapely.errors.GEOSException:
        return None
    return union if _is_outline(union, *left) else None


# From this many polygons on, :func:`union_of_disjoint` checks their validity
# in a second thread (below it, the thread costs more than it saves).
PARALLEL_MIN_POLYGONS = 4000


def _joined_outline(geoms: np.ndarray, ragged: RaggedPolygons | None = None
                    ) -> tuple[tuple[np.ndarray, np.ndarray] | None, BaseGeometry | None]:
    """The boundaries of ``geoms`` as one chain, shared edges cancelled
    (None: an edge is left twice, :func:`_cancel`), and the union joined
    from it and checked against it (None where it could not be)."""
    left = _cancel(*_ring_edges(geoms, ragged))
    if left is None:
        return None, None
    union = _polygons_from_edges(*left)
    if union is None or not _is_joined_outline(union, len(left[0])):
        return left, None
    return left, union


def _is_joined_outline(geom: BaseGeometry, edges: int) -> bool:
    """:func:`_is_outline` for a geometry :func:`_polygons_from_edges` made
    of the chain: its rings are the chain's edges joined end to start, every
    edge in one ring (each edge has one successor and one predecessor), so
    its boundary is the chain by construction — which its number of points
    confirms (an edge each, and each ring closed) — and what is left to
    prove is that it is valid."""
    if not _valid_polygonal(geom):
        return False
    parts = shapely.get_parts(geom)
    rings = len(parts) + int(shapely.get_num_interior_rings(parts).sum())
    return int(shapely.get_num_coordinates(geom)) == edges + rings


def tile_exactly(geoms, whole: BaseGeometry) -> bool:
    """Whether polygons exactly tile ``whole``: no overlaps, no gaps, shared
    edges vertex for vertex, and their outline ``whole``'s boundary vertex
    for vertex.

    The proof of :func:`union_of_disjoint`, without building the union:
    the polygons' boundaries, shared edges cancelled, must be exactly
    ``whole``'s, so that they wind once around each point of ``whole`` and
    nowhere else.  All must be valid polygons or multipolygons.
    """
    geoms = _as_array(geoms)
    if not len(geoms) or whole is None:
        return False
    if not np.isin(shapely.get_type_id(geoms), _POLYGONAL).all():
        return False
    if not shapely.is_valid(geoms).all():
        return False
    return _is_outline(whole, *_ring_edges(geoms))  # (which checks ``whole``)


def _is_outline(geom: BaseGeometry, start: np.ndarray, end: np.ndarray) -> bool:
    """Whether ``geom`` is a valid polygonal geometry whose oriented boundary
    is exactly the chain of edges ``start`` → ``end``: the chain and the
    boundary walked backwards, cancelled at once, leave nothing (a segment
    the chain walks twice one way, an overlap, would be left)."""
    if not _valid_polygonal(geom):
        return False
    s, e = _ring_edges([geom])
    rest = _cancel(np.concatenate([start, e]), np.concatenate([end, s]))
    return rest is not None and not len(rest[0])


def _valid_polygonal(geom: BaseGeometry) -> bool:
    return geom.geom_type in ("Polygon", "MultiPolygon") and geom.is_valid


def _ring_edges(geoms, ragged: RaggedPolygons | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The edges of the rings of ``geoms`` as (start, end) points (complex
    x + iy), exteriors counter-clockwise and holes clockwise.

    ``ragged``: the same geometries as coordinate arrays, when at hand
    (read straight from SpatiaLite): the rings are then taken from them
    instead of made into shapely objects one by one.
    """
    if ragged is not None and (np.diff(ragged.ring_offsets) >= 4).all():
        counts = np.diff(ragged.ring_offsets)
        parts = ragged.part_offsets
        exterior = np.zeros(len(counts), dtype=bool)
        exterior[parts[:-1][parts[1:] > parts[:-1]]] = True
        points = (np.asarray(ragged.coords, dtype=float) + 0.0).view(np.complex128).ravel()
        ccw = _counter_clockwise(points, counts)
    else:
        polys, _ = polygons_with_owner(geoms)
        rings, ring_poly = shapely.get_rings(polys, return_index=True)
        exterior = np.ones(len(rings), dtype=bool)
        exterior[1:] = ring_poly[1:] != ring_poly[:-1]
        # GEOS's orientation test is robust (exact for any valid ring).
        ccw = shapely.is_ccw(rings)
        counts = shapely.get_num_coordinates(rings)
        points = (shapely.get_coordinates(rings) + 0.0).view(np.complex128).ravel()  # -0.0 -> 0.0
    if not len(counts):
        return np.zeros(0, dtype=complex), np.zeros(0, dtype=complex)
    is_start = np.ones(len(points), dtype=bool)
    is_start[np.cumsum(counts) - 1] = False
    first = np.flatnonzero(is_start)
    flip = np.repeat(ccw != exterior, counts - 1)
    a, b = points[first], points[first + 1]
    return np.where(flip, b, a), np.where(flip, a, b)


def _counter_clockwise(points: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Whether each closed ring (``points``, complex x + iy, one ring after
    another, ``counts`` points each, at least two) runs counter-clockwise.

    The sign of the ring's shoelace sum where the sum is larger than its
    rounding error can be; GEOS's robust test for the rings too thin to
    tell that way.  The sums are taken about one origin for all the rings
    (the first point; a sum does not depend on it), which keeps the terms
    of a layer's rings no larger than its extent squared: the bound below
    still decides all but slivers, without a copy of every ring's first
    point under each of its points (a third of the time on a million rings).
    """
    n = len(counts)
    if not n:
        return np.zeros(0, dtype=bool)
    starts = np.zeros(n, dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    p = points - points[0]
    x, y = p.real, p.imag
    term = x[:-1] * y[1:]
    size = y[:-1] * x[1:]
    term -= size
    # |x·y'| + |y·x'|, from the products again (cheaper than keeping them).
    size = np.abs(size)
    size += np.abs(x[:-1] * y[1:])
    between = (starts + counts - 1)[:-1]  # the last point of a ring and the next ring's first
    term[between] = 0.0
    size[between] = 0.0
    twice_area = np.add.reduceat(term, starts)
    # The rounding of the shift to the origin, of the products and of their sum.
    error = (counts + 12) * np.finfo(float).eps * np.add.reduceat(size, starts)
    doubt = np.abs(twice_area) <= error
    ccw = twice_area > 0.0
    if doubt.any():
        k = np.flatnonzero(doubt)
        take = np.repeat(doubt, counts)
        xy_doubt = np.column_stack([points[take].real, points[take].imag])
        ccw[k] = shapely.is_ccw(shapely.linearrings(xy_doubt, indices=np.repeat(np.arange(len(k)),
                                                                               counts[k])))
    return ccw


_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F),
        np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))


def _mix(h: np.ndarray) -> np.ndarray:
    """A 64-bit finaliser (splitmix64's)."""
    h = h ^ (h >> np.uint64(30))
    h = h * _MIX[2]
    h = h ^ (h >> np.uint64(27))
    h = h * _MIX[3]
    return h ^ (h >> np.uint64(31))


def _point_hashes(points: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each point's exact coordinates (complex x + iy)."""
    bits = np.ascontiguousarray(points).view(np.uint64).reshape(-1, 2)
    with np.errstate(over="ignore"):
        return _mix(bits[:, 0] * _MIX[0] + _mix(bits[:, 1]))


def _cancel(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """What is left of the chain of oriented edges ``start`` → ``end``
    (complex x + iy) once edges walked both ways cancel: every segment
    walked once more one way than the other, in that sense, once.

    None when a segment is walked twice more one way than the other (some
    point is then wound twice: an overlap), or when two distinct points
    share a hash.  Segments are told apart by a 63-bit hash of their end
    points' exact coordinates, the last bit of each edge's key telling its
    sense: a collision could hide an unmatched edge only if it happened to
    pair it with an edge of the opposite sense (odds of about 10⁻¹³ for a
    layer of a million edges).  Zero-length edges (repeated points) bound
    nothing and are dropped.

    From PARALLEL_MIN_EDGES edges on, the keys are made in two halves and
    the segments sorted in two halves (keys below and above 2⁶³: each
    segment's edges fall in one of them) on two threads — numpy lets go
    of Python's lock while it hashes and sorts — and the halves' results
    are put together in key order, as one sort would give them.
    """
    real = start != end
    start, end = start[real], end[real]
    if not len(start):
        return start, end
    if len(start) < PARALLEL_MIN_EDGES:
        keys = _edge_keys(start, end)
        kept = None if keys is None else _unmatched(keys, None)
    else:
        half = len(start) // 2
        with ThreadPoolExecutor(max_workers=1) as pool:
            other = pool.submit(_edge_keys, start[half:], end[half:])
            first = _edge_keys(start[:half], end[:half])
            second = other.result()
            if first is None or second is None:
                return None
            keys = np.concatenate([first, second])
            high = keys >= _HIGH_BIT
            upper = pool.submit(_unmatched, keys, np.flatnonzero(high))
            lower = _unmatched(keys, np.flatnonzero(~high))
            upper = upper.result()
        kept = None if lower is None or upper is None else np.concatenate([lower, upper])
    if kept is None:
        return None
    return start[kept], end[kept]


PARALLEL_MIN_EDGES = 400_000
_HIGH_BIT = np.uint64(1 << 63)


def _edge_keys(start: np.ndarray, end: np.ndarray) -> np.ndarray | None:
    """Each edge's key (see :func:`_cancel`): its segment's hash, then its
    sense; None when an edge's two distinct end points share a hash."""
    ha, hb = _point_hashes(start), _point_hashes(end)
    if (ha == hb).any():
        return None
    one = np.uint64(1)
    forward = ha < hb
    with np.errstate(over="ignore"):
        segment = _mix(np.minimum(ha, hb) * _MIX[1] + np.maximum(ha, hb)) >> one
    return (segment << one) | forward.astype(np.uint64)


def _unmatched(keys: np.ndarray, among: np.ndarray | None) -> np.ndarray | None:
    """The positions (in ``keys``) of the edges left once those walked both
    ways cancel, in key order, looking only at the edges ``among`` (all
    when None); None when a segment is walked twice more one way than the
    other."""
    one = np.uint64(1)
    subset = keys if among is None else keys[among]
    order = np.argsort(subset)
    sorted_keys = subset[order]
    is_first = np.ones(len(sorted_keys), dtype=bool)
    is_first[1:] = (sorted_keys[1:] >> one) != (sorted_keys[:-1] >> one)
    firsts = np.flatnonzero(is_first)
    if not len(firsts):
        return np.zeros(0, dtype=np.int64)
    walks = np.diff(np.append(firsts, len(sorted_keys)))
    net = 2 * np.add.reduceat((sorted_keys & one).astype(np.int64), firsts) - walks
    if (np.abs(net) > 1).any():
        return None
    # A segment's edges walked against its hash order sort first: the group's
    # first edge is one of them, its last one of the others.
    left = net != 0
    k = order[np.where(net[left] > 0, firsts[left] + walks[left] - 1, firsts[left])]
    return k if among is None else among[k]


def _polygons_from_edges(start: np.ndarray, end: np.ndarray) -> BaseGeometry | None:
    """Polygons bounded by the oriented edges ``start`` → ``end`` (complex
    x + iy; the inside on the left of every edge), or None when the edges
    do not close into rings or the rings do not nest into polygons.

    The rings are followed edge to edge (:func:`_next_edges`, :func:`_rings`);
    counter-clockwise ones are shells, clockwise ones holes, each hole in
    the smallest shell around it.  The result is not checked: the caller
    compares its boundary with the edges.
    """
    if len(start) < 3:
        return None
    succ = _next_edges(start, end)
    if succ is None:
        return None
    points, ring = _rings(start, succ)
    try:
        rings = shapely.linearrings(np.column_stack([points.real, points.imag]), indices=ring)
    except (shapely.errors.GEOSException, ValueError):
        return None  # a ring of fewer than three points
    ccw = shapely.is_ccw(rings)
    shells, holes = rings[ccw], rings[~ccw]
    if not len(shells):
        return None
    if not len(holes):
        polys = shapely.polygons(shells)
    else:
        outer = shapely.polygons(shells)
        hole, shell = shapely.STRtree(outer).query(holes, predicate="covered_by")
        # Shells around a hole are nested: its own is the smallest.
        by_size = np.lexsort((shapely.area(outer)[shell], hole))
        hole, shell = hole[by_size], shell[by_size]
        own = np.ones(len(hole), dtype=bool)
        own[1:] = hole[1:] != hole[:-1]
        hole, shell = hole[own], shell[own]
        if len(hole) != len(holes):
            return None  # a hole outside every shell
        owner = np.concatenate([np.arange(len(shells)), shell])
        # Each polygon's shell first, then its holes.
        order = np.lexsort((np.arange(len(owner)), owner))
        polys = shapely.polygons(np.concatenate([shells, holes[hole]])[order], indices=owner[order])
    return polys[0] if len(polys) == 1 else shapely.multipolygons(polys)


def _next_edges(start: np.ndarray, end: np.ndarray) -> np.ndarray | None:
    """For each edge, the index of the edge that follows it in its ring, or
    None when some edge leads nowhere or two lead into the same one.

    Where several edges leave a vertex (polygons, or a hole and its shell,
    touching there), the one taken is the sharpest turn to the left — the
    first clockwise from the way back — which keeps apart the pieces of
    the inside that meet at the vertex.  Vertices are matched by hash, and
    every match is then checked coordinate for coordinate.
    """
    n = len(start)
    start_hash = _point_hashes(start)
    order = np.argsort(start_hash)
    sorted_hash = start_hash[order]
    end_hash = _point_hashes(end)
    lo = np.searchsorted(sorted_hash, end_hash, side="left")
    hi = np.searchsorted(sorted_hash, end_hash, side="right")
    if (hi == lo).any():
        return None
    succ = order[lo]
    fork = np.flatnonzero(hi - lo > 1)
    if len(fork):
        # Every (edge in, edge out) pair at such vertices, by turn.
        ways = hi[fork] - lo[fork]
        k = np.repeat(fork, ways)
        leaving = order[np.repeat(lo[fork] - np.cumsum(ways) + ways, ways) + np.arange(len(k))]
        if (start[leaving] != end[k]).any():
            return None
        back = np.angle(start[k] - end[k])
        turn = np.mod(back - np.angle(end[leaving] - end[k]), 2.0 * np.pi)
        by_turn = np.lexsort((turn, k))
        first = np.ones(len(k), dtype=bool)
        first[1:] = k[by_turn][1:] != k[by_turn][:-1]
        succ[k[by_turn][first]] = leaving[by_turn][first]
    if (start[succ] != end).any() or (np.bincount(succ, minlength=n) != 1).any():
        return None
    return succ


def _rings(start: np.ndarray, succ: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rings traced by the successor permutation ``succ`` over edges
    with first points ``start``: (points, ring of each point), ring by ring
    and in order along each, every ring passing each vertex once.

    The cycles are found by pointer jumping (each edge learns the smallest
    edge index of its cycle, then its distance from that edge), in log n
    vectorised steps.  A ring that comes back to a vertex (a hole touching
    its shell) is then cut there into rings that do not.
    """
    n = len(succ)
    label = np.arange(n)
    jump = succ.copy()
    while True:
        smaller = np.minimum(label, label[jump])
        jump = jump[jump]
        if (smaller == label).all():
            break
        label = smaller
    head = label == np.arange(n)
    pred = np.empty(n, dtype=np.int64)
    pred[succ] = np.arange(n)
    pred[head] = np.flatnonzero(head)
    rank = (~head).astype(np.int64)
    while not (pred == label).all():
        rank = rank + rank[pred]
        pred = pred[pred]
    order = np.lexsort((rank, label))
    points, label = start[order], label[order]
    ring = np.concatenate([[0], np.cumsum(label[1:] != label[:-1])])
    # A vertex met twice in one ring.
    by_point = np.lexsort((points.imag, points.real, ring))
    p, r = points[by_point], ring[by_point]
    twice = (p[1:] == p[:-1]) & (r[1:] == r[:-1])
    if not twice.any():
        return points, ring
    cut = np.zeros(int(ring[-1]) + 1, dtype=bool)
    cut[r[1:][twice]] = True
    out_points, out_ring = [points[~cut[ring]]], [ring[~cut[ring]]]
    next_ring = int(ring[-1]) + 1
    for k in np.flatnonzero(cut).tolist():
        for loop in _simple_loops(points[ring == k].tolist()):
            out_points.append(np.array(loop, dtype=complex))
            out_ring.append(np.full(len(loop), next_ring))
            next_ring += 1
    points, ring = np.concatenate(out_points), np.concatenate(out_ring)
    order = np.argsort(ring, kind="stable")
    ring = np.unique(ring[order], return_inverse=True)[1]
    return points[order], ring


def _simple_loops(walk: list) -> list[list]:
    """A closed walk (its vertices in order, the first not repeated at the
    end) cut at every vertex it passes twice into loops that pass none twice."""
    loops, path, at = [], [], {}
    for p in walk:
        if p in at:
            i = at[p]
            loops.append(path[i:])
            for q in path[i + 1:]:
                del at[q]
            del path[i + 1:]
        else:
            at[p] = len(path)
            path.append(p)
    loops.append(path)
    return loops


def dissolved_pieces(geoms, areas_m2, crs) -> tuple[Pieces, str]:
    """The union of polygons as measured pieces, overlaps counted once.

    When the polygons form a valid coverage (GEOS's coverage validator: no
    overlaps, shared edges with matching vertices — what a clean land-cover
    layer is) they already are disjoint pieces of their union and keep their
    measured areas: no union needs building.  Otherwise they are dissolved
    with the full overlay union and the union is measured.
    """
    geoms = _as_array(geoms)
    if len(geoms) <= 1 or shapely.coverage_is_valid(geoms):
        how = "coverage" if len(geoms) > 1 else ("single" if len(geoms) else "none")
        return Pieces.of_disjoint(geoms, areas_m2, crs), how
    return Pieces.of(shapely.unary_union(geoms), crs), "unary_union"


def dissolve(geoms) -> tuple[BaseGeometry, str]:
    """Union of polygons, overlaps counted once; returns (geometry, method).

    Polygons that form a coverage (no overlaps, shared edges with matching
    vertices — what a clean land-cover layer or a set of districts is) are
    merged by dropping the edges neighbours share, and the result is proven
    right (:func:`union_of_disjoint`); anything else goes through the full
    overlay union, which is correct for any input.
    """
    geoms = _as_array(geoms)
    geoms = geoms[~shapely.is_missing(geoms)]
    if not len(geoms):
        return shapely.Polygon(), "none"
    if len(geoms) == 1:
        return geoms[0], "single"
    union = union_of_disjoint(geoms)
    if union is not None:
        return union, "coverage_union"
    return shapely.unary_union(geoms), "unary_union"
