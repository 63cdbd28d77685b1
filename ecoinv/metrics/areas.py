"""Geodesic measurement of many polygons at once, and the dissolve, clip and
split steps the statistics are built from.

Geometry work (unions, intersections) happens in the storage CRS; every
area is then measured on that CRS's ellipsoid with geodesic edges
(:func:`ecoinv.geometry.ring_areas_m2`, GeographicLib's numbers in one
vectorised pass), ring by ring, holes subtracted, as
:func:`ecoinv.geometry.geodesic_area_m2` does — with one difference: edges
longer than about 100 m are first split (:data:`DENSIFY_M`), so that an edge
is measured along the straight line of the storage CRS, the line that
GEOS draws and cuts along, instead of as one geodesic between its ends.  The
two differ by a thin lens (∝ length³: about 1.3 ha for a 10-km east-west
edge at 45°N), and only the first makes the pieces of a cut add up to the
whole: district rows to the city, a union to sum − intersection.  For survey
data with vertices every few hundred metres the two agree to ~1e-8.
The splitting and the coordinate transformation are done once, with numpy,
for a whole array of polygons, because a dissolved land-cover class can
have tens of thousands of rings.

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

from ..geometry import _geodesy, as_crs, geod_for, object_array, ring_areas_m2
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
    """The rings of an array of Polygons, densified (see :data:`DENSIFY_M`)
    and in lon/lat: (lon, lat, coordinates per ring, owning polygon, exterior?)."""
    crs = as_crs(crs)
    rings, ring_poly = shapely.get_rings(polygons, return_index=True)
    # get_rings lists each polygon's exterior first, then its holes.
    exterior = np.ones(len(rings), dtype=bool)
    exterior[1:] = ring_poly[1:] != ring_poly[:-1]
    counts = shapely.get_num_coordinates(rings).astype(np.int64)
    coords = shapely.get_coordinates(rings)
    x, y, counts = _densified(coords, counts, densify_step(crs), crs.is_geographic)
    tr = _geodesy(crs).to_lonlat
    if tr is not None:
        x, y = tr.transform(x, y)
    return (np.ascontiguousarray(x, dtype=float), np.ascontiguousarray(y, dtype=float),
            counts, ring_poly, exterior)


def polygon_areas_m2(polygons: np.ndarray, crs) -> np.ndarray:
    """Geodesic area (m²) of each polygon in an array of Polygons."""
    if not len(polygons):
        return np.zeros(0)
    lon, lat, counts, ring_poly, exterior = _ring_lonlat(polygons, crs)
    ring_area = ring_areas_m2(lon, lat, counts, geod_for(crs))
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
    """
    polys, owner = polygons_with_owner(geoms)
    done, done_owner = [], []
    for _ in range(_MAX_CUTS):
        if not len(polys):
            break
        small = shapely.get_num_coordinates(polys) <= max_vertices
        done.append(polys[small])
        done_owner.append(owner[small])
        polys, owner = polys[~small], owner[~small]
        polys, idx = polygons_with_owner(_halves(polys))
        owner = np.concatenate([owner, owner])[idx]
    # Whatever is still too big (vertices stacked on one vertical line) stays as it is.
    done.append(polys)
    done_owner.append(owner)
    return np.concatenate(done), np.concatenate(done_owner).astype(np.int64)


def _halves(polys: np.ndarray) -> np.ndarray:
    """The west halves of polygons, then their east halves (cut at the middle
    of each bounding box).

    GEOS's rectangle clipper is several times faster than a general overlay
    and cuts both halves at the same points; it promises no validity, so a
    polygon whose halves are not both valid is cut again with the overlay.
    """
    x0, y0, x1, y1 = shapely.bounds(polys).T
    xm = (x0 + x1) / 2
    # The clipper redraws the polygon's boundary along the rectangle's sides
    # (dropping vertices there), so only the cut line may touch the polygon.
    pad = (x1 - x0) + (y1 - y0) + 1.0
    lo, hi = y0 - pad, y1 + pad
    west = object_array([_clip(p, a, b, c, d) for p, a, b, c, d in zip(polys, x0 - pad, lo, xm, hi)])
    east = object_array([_clip(p, a, b, c, d) for p, a, b, c, d in zip(polys, xm, lo, x1 + pad, hi)])
    bad = shapely.is_missing(west) | shapely.is_missing(east)
    bad |= ~(shapely.is_valid(west) & shapely.is_valid(east))
    bad |= _unmatched_cuts(west, east, xm)
    if bad.any():
        p, a, b, m, c = polys[bad], x0[bad], y0[bad], xm[bad], y1[bad]
        west[bad] = shapely.intersection(p, shapely.box(a, b, m, c))
        east[bad] = shapely.intersection(p, shapely.box(m, b, x1[bad], c))
    return np.concatenate([west, east])


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
        if first is None:
            self.strips, self.owner = subdivide(self.geoms)
        else:
            n = len(first)
            strips, owner = subdivide(self.geoms[n:])
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
    zone's strips near them (large parts are cut into strips first, so that
    every intersection is between two small polygons).  The cut geometries
    are returned when asked.
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
    # Each crossing (part, zone) pair is cut against the zone's nearby strips.
    si, ti = zones.tree.query(sub, predicate="intersects")
    pair = sub_pair[si]
    own = zones.owner[ti] == cross_z[pair]
    si, ti, pair = si[own], ti[own], pair[own]
    pieces, which = polygons_with_owner(shapely.intersection(sub[si], zones.strips[ti]))
    out_p = np.concatenate([pi[whole], cross_p[pair][which]])
    out_z = np.concatenate([zi[whole], cross_z[pair][which]])
    out_a = np.concatenate([areas[pi[whole]], polygon_areas_m2(pieces, crs)])
    cut = None
    if keep_cut:
        cut = np.concatenate([parts[pi[whole]], pieces])
    return out_p, out_z, out_a, cut


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


def union_of_disjoint(geoms) -> BaseGeometry | None:
    """The union of polygons shown not to overlap one another, or None.

    The union is built with GEOS's coverage union, which assumes a valid
    coverage (no overlaps, shared edges with matching vertices) and
    does not check it.  The check is then made on the result, in time
    n log n in the number of edges: with every ring oriented (exteriors
    counter-clockwise, holes clockwise), the winding number of a valid
    polygon's boundary is 1 inside it and 0 outside, so the sum of all the
    polygons' boundaries, as a chain of oriented edges, winds k times around
    a point lying in k polygons.  If that chain — the edges shared by two
    neighbours cancel, being walked once each way — is exactly the boundary
    of the union, a valid polygon winding once around its inside, then no
    point lies in two polygons: their interiors are disjoint, the union
    covers each of them, and its area is the sum of theirs, edge by edge.
    The GEOS coverage validator asks the same of a coverage (plus matching
    vertices, which the chain needs too), at about the cost of union and
    check together (twice it for a forest class of 12,000 parcels).

    Returns None when any input is not a valid polygon or multipolygon, when
    GEOS refuses, or when the chains differ (overlaps, or neighbours whose
    shared edges do not have the same vertices); the caller then dissolves
    some other way.  (Edges are compared by 63-bit hashes of their exact
    coordinates: see :func:`_chain_is_zero` for the odds of a collision
    hiding a difference.)
    """
    geoms = _as_array(geoms)
    if not len(geoms):
        return None
    if not np.isin(shapely.get_type_id(geoms), _POLYGONAL).all():
        return None
    if len(geoms) < PARALLEL_MIN_POLYGONS:
        part = _union_part(geoms)
        if part is None:
            return None
        union, keys = part
    else:
        # Two halves (west and east of the median centre) are checked and
        # merged in two threads (GEOS and numpy let go of Python's lock), then
        # the two unions — a coverage too — are merged.  The proof below is
        # the same: it compares every input edge with the final outline.
        x0, _, x1, _ = shapely.bounds(geoms).T
        order = np.argsort(x0 + x1, kind="stable")
        halves = [geoms[np.sort(order[:len(order) // 2])], geoms[np.sort(order[len(order) // 2:])]]
        with ThreadPoolExecutor(max_workers=2) as pool:
            parts = list(pool.map(_union_part, halves))
        if any(p is None for p in parts):
            return None
        try:
            union = shapely.coverage_union_all(object_array([p[0] for p in parts]))
        except shapely.errors.GEOSException:
            return None
        keys = [k for p in parts for k in p[1]]
    if union.geom_type not in ("Polygon", "MultiPolygon") and not union.is_empty:
        return None
    if not union.is_valid:
        return None
    outline = _edge_keys(_boundary_chain([union], sign=-1))
    if outline is None or not _chain_is_zero([*keys, *outline]):
        return None
    return union


# From this many polygons on, :func:`union_of_disjoint` works on two halves
# at once (below it, the threads cost more than they save).
PARALLEL_MIN_POLYGONS = 4000


def _union_part(geoms: np.ndarray):
    """(coverage union, edge keys of the inputs' boundaries) of valid
    polygons, or None (an invalid input, or GEOS refuses)."""
    if not shapely.is_valid(geoms).all():
        return None
    try:
        union = shapely.coverage_union_all(geoms)
    except shapely.errors.GEOSException:
        return None
    keys = _edge_keys(_boundary_chain(geoms))
    if keys is None:
        return None
    return union, keys


def _boundary_chain(geoms, sign: int = 1) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The rings of ``geoms`` as oriented edges: [(coordinates, index of each
    edge's first point, +1/-1 per edge)], exteriors counter-clockwise and
    holes clockwise (times ``sign``)."""
    polys, _ = polygons_with_owner(geoms)
    rings, ring_poly = shapely.get_rings(polys, return_index=True)
    if not len(rings):
        return []
    exterior = np.ones(len(rings), dtype=bool)
    exterior[1:] = ring_poly[1:] != ring_poly[:-1]
    # GEOS's orientation test is robust (exact for any valid ring).
    flip = shapely.is_ccw(rings) != exterior
    counts = shapely.get_num_coordinates(rings)
    coords = shapely.get_coordinates(rings) + 0.0  # -0.0 -> 0.0
    is_start = np.ones(len(coords), dtype=bool)
    is_start[np.cumsum(counts) - 1] = False
    first = np.flatnonzero(is_start)
    signs = np.where(np.repeat(flip, counts - 1), -sign, sign)
    return [(coords, first, signs)]


_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F),
        np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))


def _mix(h: np.ndarray) -> np.ndarray:
    """A 64-bit finaliser (splitmix64's)."""
    h = h ^ (h >> np.uint64(30))
    h = h * _MIX[2]
    h = h ^ (h >> np.uint64(27))
    h = h * _MIX[3]
    return h ^ (h >> np.uint64(31))


def _edge_keys(parts) -> list[np.ndarray] | None:
    """The oriented edges of ``parts`` (see :func:`_boundary_chain`) as
    sortable keys: a 63-bit hash of the segment's end points' exact
    coordinates, the last bit telling its sense (zero-length edges left out).
    None if two distinct points share a hash (the caller then gives up)."""
    keys = []
    one = np.uint64(1)
    for coords, first, sign in parts:
        xy = np.ascontiguousarray(coords).view(np.complex128).ravel()
        real = xy[first] != xy[first + 1]  # repeated points bound nothing
        first, sign = first[real], sign[real]
        with np.errstate(over="ignore"):
            bits = np.ascontiguousarray(coords).view(np.uint64)
            point = _mix(bits[:, 0] * _MIX[0] + _mix(bits[:, 1]))
            ha, hb = point[first], point[first + 1]
            key = _mix(np.minimum(ha, hb) * _MIX[1] + np.maximum(ha, hb))
        if (ha == hb).any():
            return None  # two points with one hash: leave it to the caller
        forward = (ha < hb) == (sign > 0)
        keys.append((key & ~one) | forward.astype(np.uint64))
    return keys


def _chain_is_zero(keys: list[np.ndarray]) -> bool:
    """Whether the oriented edges behind ``keys`` (see :func:`_edge_keys`)
    cancel out: every segment walked as many times one way as the other.

    A hash collision could hide an unmatched edge only if it happened to
    pair it with an edge of the opposite sense (odds of about 10⁻¹³ for a
    layer of a million edges).
    """
    if not keys:
        return True
    one = np.uint64(1)
    keys = np.sort(np.concatenate(keys))
    segment = keys >> one
    starts = np.flatnonzero(np.concatenate([[True], segment[1:] != segment[:-1]]))
    forward = np.add.reduceat((keys & one).astype(np.int64), starts)
    walks = np.diff(np.append(starts, len(keys)))
    return bool((2 * forward == walks).all())


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
    merged with GEOS's coverage union, which is linear in the number of
    edges, and the result is proven right (:func:`union_of_disjoint`);
    anything else goes through the full overlay union, which is correct for
    any input.
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
