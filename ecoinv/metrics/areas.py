"""Geodesic measurement of many polygons at once, and the dissolve, clip and
split steps the statistics are built from.

Geometry work (unions, intersections) happens in the storage CRS; every
area is then measured on that CRS's ellipsoid with GeographicLib (through
``pyproj.Geod.polygon_area_perimeter``), ring by ring, holes subtracted, as
:func:`ecoinv.geometry.geodesic_area_m2` does — with one difference: edges
longer than about 100 m are first split (:data:`DENSIFY_M`), so that an edge
is measured along the straight line of the storage CRS, the line that
GEOS draws and cuts along, instead of as one geodesic between its ends.  The
two differ by a thin lens (∝ length³: about 1.3 ha for a 10-km east-west
edge at 45°N), and only the first makes the pieces of a cut add up to the
whole: district rows to the city, a union to sum − intersection.  For survey
data with vertices every few hundred metres the two agree to ~1e-8.
The coordinate transformation is done once for a whole array of polygons,
because a dissolved land-cover class can have tens of thousands of rings.

A :class:`Pieces` is a set of non-overlapping polygons with their areas
measured once; :class:`Zones` are masks (the boundary, districts) cut into
vertical strips.  :func:`split` keeps the known area of every piece that
lies wholly inside a zone and cuts and measures only the pieces crossing a
zone's edge, against the few strips near them — so a city-wide dissolve is
measured once, and only its parts along district borders again.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from ..geometry import as_crs, geod_for, to_geodetic

_POLYGON = shapely.GeometryType.POLYGON
_MULTI_TYPES = (
    shapely.GeometryType.MULTIPOINT,
    shapely.GeometryType.MULTILINESTRING,
    shapely.GeometryType.MULTIPOLYGON,
    shapely.GeometryType.GEOMETRYCOLLECTION,
)


def _as_array(geoms) -> np.ndarray:
    if isinstance(geoms, BaseGeometry) or geoms is None:
        geoms = [geoms]
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = list(geoms)
    return arr


def polygons_with_owner(geoms) -> tuple[np.ndarray, np.ndarray]:
    """Every polygon inside ``geoms`` (collections flattened, lines and points
    dropped) and the index of the geometry it came from."""
    geoms = _as_array(geoms)
    parts, owner = shapely.get_parts(geoms, return_index=True)
    # An intersection can return a collection holding a multipolygon, so
    # flatten until nothing is a collection any more.
    while len(parts):
        multi = np.isin(shapely.get_type_id(parts), _MULTI_TYPES)
        if not multi.any():
            break
        sub, sub_owner = shapely.get_parts(parts[multi], return_index=True)
        parts = np.concatenate([parts[~multi], sub])
        owner = np.concatenate([owner[~multi], owner[multi][sub_owner]])
    keep = (shapely.get_type_id(parts) == _POLYGON) & ~shapely.is_empty(parts)
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


def polygon_areas_m2(polygons: np.ndarray, crs) -> np.ndarray:
    """Geodesic area (m²) of each polygon in an array of Polygons."""
    if not len(polygons):
        return np.zeros(0)
    polygons = shapely.segmentize(polygons, densify_step(crs))
    rings, ring_poly = shapely.get_rings(polygons, return_index=True)
    # get_rings lists each polygon's exterior first, then its holes.
    exterior = np.ones(len(rings), dtype=bool)
    exterior[1:] = ring_poly[1:] != ring_poly[:-1]
    rings = to_geodetic(rings, crs)
    coords = shapely.get_coordinates(rings)
    lon = np.ascontiguousarray(coords[:, 0])
    lat = np.ascontiguousarray(coords[:, 1])
    ends = np.cumsum(shapely.get_num_coordinates(rings))
    starts = ends - shapely.get_num_coordinates(rings)
    area_of = geod_for(crs).polygon_area_perimeter
    ring_area = np.zeros(len(rings))
    for k in range(len(rings)):
        s, e = starts[k], ends[k]
        if e - s >= 4:
            ring_area[k] = abs(area_of(lon[s:e], lat[s:e])[0])
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
        x0, y0, x1, y1 = shapely.bounds(polys).T
        xm = (x0 + x1) / 2
        halves = shapely.intersection(
            np.concatenate([polys, polys]),
            np.concatenate([shapely.box(x0, y0, xm, y1), shapely.box(xm, y0, x1, y1)]))
        polys, idx = polygons_with_owner(halves)
        owner = np.concatenate([owner, owner])[idx]
    # Whatever is still too big (vertices stacked on one vertical line) stays as it is.
    done.append(polys)
    done_owner.append(owner)
    return np.concatenate(done), np.concatenate(done_owner).astype(np.int64)


class Zones:
    """Polygonal zones (a boundary, districts) ready for repeated overlays:
    prepared for fast predicates and cut into strips for cheap intersections.
    Zones may overlap one another."""

    def __init__(self, geoms):
        self.geoms = _as_array(geoms)
        shapely.prepare(self.geoms)
        self.strips, self.owner = subdivide(self.geoms)
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

    A valid coverage (no overlaps, shared edges with matching vertices — what
    a clean land-cover layer is) is merged with GEOS's coverage union, which
    is linear in the number of edges; anything else goes through the full
    overlay union, which is correct for any input.
    """
    geoms = _as_array(geoms)
    geoms = geoms[~shapely.is_missing(geoms)]
    if not len(geoms):
        return shapely.Polygon(), "none"
    if len(geoms) == 1:
        return geoms[0], "single"
    if shapely.coverage_is_valid(geoms):
        return shapely.coverage_union_all(geoms), "coverage_union"
    return shapely.unary_union(geoms), "unary_union"
