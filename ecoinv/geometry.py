"""Geometry helpers shared by the store, importer, metrics and editing.

Areas are always geodesic: measured on the ellipsoid of the CRS the
geometry is in (never in a projected plane), as DOMAIN.md requires.
"""
from __future__ import annotations

import struct
import threading
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyproj
import pyproj.exceptions
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from .errors import EcoinvError

M2_PER_HA = 10_000.0


class GeometryError(EcoinvError, ValueError):
    """A geometry cannot be stored (invalid, wrong type, empty)."""


@lru_cache(maxsize=64)
def _crs(crs_text: str) -> pyproj.CRS:
    return pyproj.CRS.from_user_input(crs_text)


class CrsError(EcoinvError, ValueError):
    """A CRS that pyproj cannot make sense of."""


def as_crs(crs) -> pyproj.CRS:
    if isinstance(crs, pyproj.CRS):
        return crs
    if isinstance(crs, int):
        crs = f"EPSG:{crs}"
    try:
        return _crs(str(crs))
    except pyproj.exceptions.CRSError as exc:
        raise CrsError(f"unknown CRS {crs!r}: {exc}") from None


@lru_cache(maxsize=64)
def _geod(crs_wkt: str) -> pyproj.Geod:
    # A Geod is a constant ellipsoid: GeographicLib's functions only read it,
    # so one is shared by all threads.
    return pyproj.CRS.from_wkt(crs_wkt).get_geod()


class _Geodesy:
    """The ellipsoid and the to-lon/lat transformer of one CRS."""

    __slots__ = ("crs", "geod", "to_lonlat")

    def __init__(self, crs: pyproj.CRS):
        wkt = crs.to_wkt()
        self.crs = crs
        self.geod = _geod(wkt)
        self.to_lonlat = (None if crs.is_geographic else
                          pyproj.Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True))


# Per thread (a PROJ transformer must not be used by two threads at once),
# keyed by the CRS object's identity (kept alive by the entry, so the id
# cannot be reused): serialising a CRS to WKT for every measured feature
# dominated the cost of an import.
_LOCAL = threading.local()


def _geodesy(crs) -> _Geodesy:
    crs = as_crs(crs)  # strings and ints resolve to one cached CRS object
    cache = getattr(_LOCAL, "geodesy", None)
    if cache is None:
        cache = _LOCAL.geodesy = {}
    entry = cache.get(id(crs))
    if entry is None or entry.crs is not crs:
        if len(cache) > 256:
            cache.clear()
        entry = cache[id(crs)] = _Geodesy(crs)
    return entry


def geod_for(crs) -> pyproj.Geod:
    return _geodesy(crs).geod


def ellipsoid_name(crs) -> str:
    ell = as_crs(crs).ellipsoid
    return ell.name if ell is not None else "unknown"


def to_geodetic(geom: BaseGeometry, crs) -> BaseGeometry:
    """The geometry in lon/lat of the CRS's own datum (no datum shift)."""
    tr = _geodesy(crs).to_lonlat
    if tr is None:
        return geom
    return shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


# Rings whose edges all span at most this many degrees (and stay this far
# from the poles) are measured by :func:`ring_areas_m2`'s closed formula;
# others by GeographicLib (whose rounding, ~1e-4 m², is the difference).
_FORMULA_MAX_EDGE_DEG = 0.01
_FORMULA_MAX_LAT_DEG = 89.0


def _authalic_q(phi: np.ndarray, a: float, e2: float) -> np.ndarray:
    """Q(φ) = ∫₀^φ M·N·cos φ dφ, the y of the cylindrical equal-area map
    (x = λ) on the ellipsoid of semi-major axis ``a`` and eccentricity² ``e2``."""
    s = np.sin(phi)
    if e2 == 0.0:
        return a * a * s
    e = np.sqrt(e2)
    # Q(φ) = a²(1−e²)/2 · (sin φ/(1 − e² sin²φ) + artanh(e sin φ)/e)
    return a * a * (1.0 - e2) / 2.0 * (s / (1.0 - e2 * s * s) + np.arctanh(e * s) / e)


def ring_areas_m2(lon: np.ndarray, lat: np.ndarray, counts: np.ndarray,
                  geod: pyproj.Geod) -> np.ndarray:
    """Area (m², unsigned) of closed rings with geodesic edges on ``geod``'s ellipsoid.

    ``lon``/``lat`` (degrees) hold the rings one after another, ``counts``
    points each (first point repeated last); rings with fewer than 4 points
    measure 0.  The result is GeographicLib's (``Geod.polygon_area_perimeter``,
    the reference the tests hold it to) for any ring, computed in one
    vectorised pass instead of a geodesic inverse problem per edge:

    On the cylindrical equal-area map x = λ, y = Q(φ) = ∫₀^φ M·N·cos φ dφ
    (M, N the radii of curvature) a planar area *is* the ellipsoidal area,
    so a ring's area is the trapezoid sum of its chords plus, for each
    edge, the thin lens between the chord and the image of the geodesic.
    The image's second derivative follows from the geodesic equations
    (Christoffel symbols of ds² = M²dφ² + N²cos²φ dλ²), and a parabola's
    lens is (x′y″ − y′x″)/12 — which here reduces to

        lens = −sin φ · Δλ · (3M²Δφ² + N²cos²φ·Δλ²) / 12,  at the edge's middle.

    The terms left out are O(L⁵/R³) per edge (L the edge's length; the
    odd term vanishes about the middle), and the trapezoids are summed from
    each ring's first point so that no digits are lost.  Against
    GeographicLib the difference stays below 3e-4 m² on rings of 20-m to
    1-km edges at any latitude — GeographicLib's own rounding: its result
    moves by as much when the same ring's edges are split along the
    geodesics, while this one moves by < 1e-6 m² (tests/test_geodesic_area.py).
    Meridian edges are exact at any length (their image is straight).
    A ring with a longer non-meridian edge, near a pole, around a pole or
    across the antimeridian is measured by GeographicLib instead.
    """
    counts = np.asarray(counts, dtype=np.int64)
    out = np.zeros(len(counts))
    if not len(counts) or not len(lon):
        return out
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    ends = np.cumsum(counts)
    starts = ends - counts
    ring = np.repeat(np.arange(len(counts)), counts)
    # Edge i runs from point i to point i+1 of the same ring.
    edge = np.ones(len(lon), dtype=bool)
    edge[ends[counts > 0] - 1] = False
    dlon = np.zeros(len(lon))
    dlat = np.zeros(len(lon))
    dlon[:-1] = lon[1:] - lon[:-1]
    dlat[:-1] = lat[1:] - lat[:-1]
    dlon[~edge] = 0.0
    dlat[~edge] = 0.0
    phi = np.radians(lat)
    # Meridian edges (Δλ = 0) are exact at any length; no other edge may be long.
    long_edge = (dlon != 0.0) & ((np.abs(dlon) * np.cos(phi) > _FORMULA_MAX_EDGE_DEG)
                                 | (np.abs(dlat) > _FORMULA_MAX_EDGE_DEG))
    long_edge |= np.abs(lat) > _FORMULA_MAX_LAT_DEG
    by_geod = np.bincount(ring[long_edge], minlength=len(counts)) > 0
    # A ring winding around a pole: its longitudes do not come back.
    by_geod |= np.abs(np.bincount(ring, dlon, minlength=len(counts))) > 180.0

    a, f = geod.a, geod.f
    e2 = f * (2.0 - f)
    q = _authalic_q(phi, a, e2)
    # Measured from each ring's first point, so that the sum keeps its digits.
    q -= np.repeat(q[starts], counts)
    dlam = np.radians(dlon)
    dphi = np.radians(dlat)
    q_next = np.zeros(len(q))
    q_next[:-1] = q[1:]
    trapezoid = -0.5 * dlam * (q + q_next)
    sm = np.sin(phi + dphi / 2.0)
    w2 = 1.0 - e2 * sm * sm
    m = a * (1.0 - e2) / (w2 * np.sqrt(w2))
    p2 = a * a * (1.0 - sm * sm) / w2          # (N cos φ)²
    lens = -sm * dlam * (3.0 * m * m * dphi * dphi + p2 * dlam * dlam) / 12.0
    terms = np.where(edge, trapezoid + lens, 0.0)
    out[:] = np.abs(np.bincount(ring, terms, minlength=len(counts)))
    out[counts < 4] = 0.0
    area = geod.polygon_area_perimeter
    for k in np.flatnonzero(by_geod & (counts >= 4)).tolist():
        a0, b0 = starts[k], ends[k]
        out[k] = abs(area(lon[a0:b0], lat[a0:b0])[0])
    return out


# Edges (not along a meridian) spanning more than this many degrees are
# split before straight_ring_areas_m2 measures them: Simpson's rule is then
# within 1e-9 m² of the exact integral per edge.
STRAIGHT_MAX_EDGE_DEG = 0.01


def straight_ring_areas_m2(lon: np.ndarray, lat: np.ndarray, counts: np.ndarray,
                           geod: pyproj.Geod) -> np.ndarray:
    """Area (m², unsigned) of closed rings whose edges are straight lines in
    longitude/latitude — the lines GEOS draws and cuts along in a geographic
    CRS — on ``geod``'s ellipsoid.

    ``lon``/``lat`` (degrees) hold the rings one after another, ``counts``
    points each (first point repeated last); rings with fewer than 4 points
    measure 0.  On the cylindrical equal-area map x = λ, y = Q(φ) (see
    :func:`ring_areas_m2`) planar area is ellipsoidal area, and an edge
    with φ linear in λ bounds, down to the axis, −Δλ · (mean of Q over its
    latitudes): Simpson's rule, −Δλ·(Q(φ₀) + 4·Q(φₘ) + Q(φ₁))/6, whose error
    is Δλ·Δφ⁴·Q⁗/2880 — below 1e-9 m² for edges of up to
    :data:`STRAIGHT_MAX_EDGE_DEG` (the caller splits longer ones; edges
    along a meridian add nothing at any length).  Q is taken from each
    ring's first point so that the sum keeps its digits.  Three
    evaluations of Q per edge, against the many geodesic pieces an edge had
    to be split into to follow the straight line otherwise.
    """
    counts = np.asarray(counts, dtype=np.int64)
    out = np.zeros(len(counts))
    if not len(counts) or len(lon) < 2:
        return out
    lon = np.asarray(lon, dtype=float)
    phi = np.radians(np.asarray(lat, dtype=float))
    ends = np.cumsum(counts)
    starts = ends - counts
    a, f = geod.a, geod.f
    e2 = f * (2.0 - f)
    q = _authalic_q(phi, a, e2)
    q_mid = _authalic_q(0.5 * (phi[:-1] + phi[1:]), a, e2)
    # Edge i runs from point i to point i+1 of the same ring.
    ring = np.repeat(np.arange(len(counts)), counts)[:-1]
    q0 = np.repeat(q[starts], counts)
    q -= q0
    q_mid -= q0[:-1]
    terms = -np.radians(lon[1:] - lon[:-1]) * (q[:-1] + 4.0 * q_mid + q[1:]) / 6.0
    last = ends[counts > 0] - 1  # a ring's last point, and the next ring's first: no edge
    terms[last[last < len(terms)]] = 0.0
    out[:] = np.abs(np.bincount(ring, terms, minlength=len(counts)))
    out[counts < 4] = 0.0
    return out


def geodesic_area_m2(geom: BaseGeometry | None, crs) -> float:
    """Geodesic area in m² of the polygonal parts of ``geom`` on the CRS's ellipsoid.

    Each ring is measured on its own (edges are geodesics between its
    vertices, :func:`ring_areas_m2`) and holes are subtracted, so the result
    does not depend on ring orientation.
    """
    if geom is None or geom.is_empty:
        return 0.0
    return float(geodesic_areas_m2([geom], crs)[0])


def geodesic_area_ha(geom: BaseGeometry | None, crs) -> float:
    return geodesic_area_m2(geom, crs) / M2_PER_HA


def geodesic_areas_m2(geoms, crs) -> np.ndarray:
    """Vector form of :func:`geodesic_area_m2` (which calls it): each ring
    measured on its own, holes subtracted.  The rings of all geometries are
    gathered, transformed to lon/lat and measured in one pass, which is what
    costs when geometries are measured one by one.  ``None`` and empty
    geometries measure 0.
    """
    arr = object_array(geoms)
    out = np.zeros(len(arr), dtype=float)
    if not len(arr):
        return out
    polys, owner = polygons_with_owner(arr)
    if not len(polys):
        return out
    rings, ring_poly = shapely.get_rings(polys, return_index=True)
    if not len(rings):
        return out
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    counts = np.bincount(coord_ring, minlength=len(rings))
    geodesy = _geodesy(crs)
    if geodesy.to_lonlat is not None and len(coords):
        lon, lat = geodesy.to_lonlat.transform(coords[:, 0], coords[:, 1])
    else:
        lon, lat = coords[:, 0], coords[:, 1]
    ring_area = ring_areas_m2(lon, lat, counts, geodesy.geod)
    # The first ring of each polygon is its shell; the others are holes.
    shell = np.ones(len(rings), dtype=bool)
    shell[1:] = ring_poly[1:] != ring_poly[:-1]
    signed = np.where(shell, ring_area, -ring_area)
    return np.bincount(owner[ring_poly], signed, minlength=len(arr)).astype(float)


def geodesic_areas_ha(geoms, crs) -> np.ndarray:
    """Vector form of :func:`geodesic_area_ha` for an array of geometries."""
    return geodesic_areas_m2(geoms, crs) / M2_PER_HA


# SpatiaLite's geometry BLOB (what GeomFromWKB stores): START 0x00, byte
# order 0x01 (little-endian), SRID, MBR (4 doubles), MBR_END 0x7C, class
# type, then the WKB body with each member geometry's byte-order flag
# replaced by ENTITY 0x69, and END 0xFE.  Written by spatialite_blobs (a
# bulk load hands SQLite finished values instead of having SpatiaLite parse
# every WKB), read by ragged_multipolygons_from_spatialite.
_BLOB_HEAD = np.dtype([("start", "u1"), ("endian", "u1"), ("srid", "<i4"),
                       ("mbr", "<f8", (4,)), ("mbr_end", "u1")])
_BLOB_HEAD_BYTES = _BLOB_HEAD.itemsize
_BLOB_POINT, _BLOB_POLYGON, _BLOB_MULTIPOLYGON = 1, 3, 6   # class types, as in WKB
_BLOB_ENTITY, _BLOB_END, _BLOB_MBR_END = 0x69, 0xFE, 0x7C
_ONE = b"\x01\x00\x00\x00"


def spatialite_blobs(geoms, srid: int, wkbs=None) -> list[bytes] | None:
    """SpatiaLite BLOBs of points or multipolygons (byte for byte what
    ``GeomFromWKB(wkb, srid)`` stores), or None if any is of another kind or
    empty (the caller then lets SpatiaLite convert the WKB).

    ``wkbs`` are the geometries' little-endian 2D WKB, if already made.
    """
    arr = object_array(geoms)
    if not len(arr):
        return []
    types = shapely.get_type_id(arr)
    if shapely.is_empty(arr).any() or not (np.all(types == 0) or np.all(types == 6)):
        return None
    if wkbs is None:
        wkbs = shapely.to_wkb(arr, byte_order=1, include_srid=False).tolist()
    head = np.zeros(len(arr), dtype=_BLOB_HEAD)
    head["endian"], head["srid"], head["mbr_end"] = 1, srid, _BLOB_MBR_END
    head["mbr"] = shapely.bounds(arr)
    heads = head.tobytes()
    size = _BLOB_HEAD_BYTES
    entity, end = bytes([_BLOB_ENTITY]), bytes([_BLOB_END])
    out = []
    unpack_from = struct.unpack_from
    for k, wkb in enumerate(wkbs):
        h = heads[k * size:(k + 1) * size]
        kind = unpack_from("<I", wkb, 1)[0]
        if wkb[0] != 1 or kind not in (_BLOB_POINT, _BLOB_MULTIPOLYGON):
            return None  # big-endian, Z or M WKB: not what this writes
        if kind == _BLOB_POINT:
            out.append(b"".join((h, wkb[1:], end)))
        elif wkb[5:9] == _ONE and wkb[14:18] == _ONE:
            # One polygon of one ring (most survey parcels): one flag to replace.
            out.append(b"".join((h, wkb[1:9], entity, wkb[10:], end)))
        else:
            blob = bytearray(h)
            blob += memoryview(wkb)[1:]
            at = size - 1  # blob[at + i] is wkb[i] for i >= 1
            pos = 9  # the first polygon's byte-order flag
            for _ in range(unpack_from("<I", wkb, 5)[0]):
                blob[at + pos] = _BLOB_ENTITY
                pos += 9  # flag, type, number of rings
                for _ in range(unpack_from("<I", wkb, pos - 4)[0]):
                    pos += 4 + 16 * unpack_from("<I", wkb, pos)[0]
            blob += end
            out.append(bytes(blob))
    return out


def int32s_at(buf: np.ndarray, pos: np.ndarray, dtype: str = "<i4") -> np.ndarray:
    """The 4-byte integers at byte positions ``pos`` of ``buf`` (clipped to it)."""
    if len(buf) < 4:
        return np.zeros(len(pos), dtype=np.int64)
    p = np.clip(pos, 0, len(buf) - 4)
    return buf[p[:, None] + np.arange(4)].copy().view(dtype).ravel().astype(np.int64)


def ragged_multipolygons_from_spatialite(blobs) -> RaggedPolygons | None:
    """The multipolygons in SpatiaLite geometry BLOBs as coordinate arrays,
    decoded with numpy in one pass over all of them (no WKB made in between).

    The BLOBs are walked all at once, one member polygon and ring at a time
    (so a loop as long as the most polygons and rings one geometry has),
    and each ring's coordinates copied out as they lie.  Returns None — the
    caller then decodes some other way — unless every BLOB is a 2D
    multipolygon in little-endian order whose structure accounts for every
    byte: not NULL, not compressed, no Z or M.
    """
    blobs = list(blobs)
    n = len(blobs)
    if not n:
        return RaggedPolygons(np.zeros((0, 2)), *(np.zeros(1, dtype=np.int64),) * 3)
    try:
        joined = b"".join(blobs)  # refuses NULLs (None) and TEXT
    except TypeError:
        return None
    size = np.fromiter(map(len, blobs), dtype=np.int64, count=n)
    if (size < _BLOB_HEAD_BYTES + 9).any():
        return None
    buf = np.frombuffer(joined, dtype=np.uint8)
    at = np.zeros(n, dtype=np.int64)
    np.cumsum(size[:-1], out=at[1:])
    if ((buf[at] != 0) | (buf[at + 1] != 1) | (buf[at + _BLOB_HEAD_BYTES - 1] != _BLOB_MBR_END)
            | (buf[at + size - 1] != _BLOB_END)).any():
        return None
    if (int32s_at(buf, at + _BLOB_HEAD_BYTES) != _BLOB_MULTIPOLYGON).any():
        return None
    parts = int32s_at(buf, at + _BLOB_HEAD_BYTES + 4)
    if (parts < 0).any():
        return None
    cursor = at + _BLOB_HEAD_BYTES + 8
    part_at, ring_at, ring_points = [], [], []
    for j in range(int(parts.max())):
        geom = np.flatnonzero(parts > j)
        pos = cursor[geom]
        if (pos + 9 > at[geom] + size[geom]).any():
            return None
        if ((buf[pos] != _BLOB_ENTITY) | (int32s_at(buf, pos + 1) != _BLOB_POLYGON)).any():
            return None
        part_at.append(pos)
        rings = int32s_at(buf, pos + 5)
        pos = pos + 9
        for r in range(int(rings.max()) if len(rings) else 0):
            k = np.flatnonzero(rings > r)
            if (pos[k] + 4 > at[geom[k]] + size[geom[k]]).any():
                return None
            points = int32s_at(buf, pos[k])
            if (points < 0).any():
                return None
            ring_at.append(pos[k] + 4)
            ring_points.append(points)
            pos[k] += 4 + 16 * points
        if (pos >= at[geom] + size[geom]).any():
            return None
        cursor[geom] = pos
    if (cursor != at + size - 1).any():
        return None  # bytes left over: not the structure read
    # Byte offsets grow with (geometry, polygon, ring): they give the order.
    part_at = np.sort(np.concatenate(part_at)) if part_at else np.zeros(0, dtype=np.int64)
    ring_at = np.concatenate(ring_at) if ring_at else np.zeros(0, dtype=np.int64)
    ring_points = np.concatenate(ring_points) if ring_points else np.zeros(0, dtype=np.int64)
    order = np.argsort(ring_at)
    ring_at, ring_points = ring_at[order], ring_points[order]
    # The rings' coordinates, picked out of the BLOBs by a mask (one numpy
    # pass rather than a slice object per ring; for BLOBs, which are nearly
    # all coordinates, faster than gathering through index arrays).
    ring_end = ring_at + 16 * ring_points
    runs = np.empty(2 * len(ring_at) + 1, dtype=np.int64)
    runs[0:-1:2] = ring_at - np.concatenate([[0], ring_end[:-1]])
    runs[1::2] = ring_end - ring_at
    runs[-1] = len(buf) - (ring_end[-1] if len(ring_end) else 0)
    is_coordinate = np.zeros(len(runs), dtype=bool)
    is_coordinate[1::2] = True
    coords = buf[np.repeat(is_coordinate, runs)].view("<f8").reshape(-1, 2)
    ring_part = np.searchsorted(part_at, ring_at, side="right") - 1
    part_geom = np.searchsorted(at, part_at, side="right") - 1
    return RaggedPolygons(
        coords, _offsets(ring_points),
        _offsets(np.bincount(ring_part, minlength=len(part_at))),
        _offsets(np.bincount(part_geom, minlength=n)))


_BLOB_POINT_BYTES = _BLOB_HEAD_BYTES + 4 + 16 + 1   # head, class type, x y, END


def points_from_spatialite(blobs) -> np.ndarray | None:
    """The points in SpatiaLite geometry BLOBs as shapely Points, decoded
    with numpy (no SpatiaLite, no WKB in between); None — the caller then
    decodes some other way — unless every BLOB is a 2D point in
    little-endian order (not NULL, not compressed, no Z or M)."""
    blobs = list(blobs)
    if not blobs:
        return np.empty(0, dtype=object)
    try:
        joined = b"".join(blobs)  # refuses NULLs (None) and TEXT
    except TypeError:
        return None
    if len(joined) != _BLOB_POINT_BYTES * len(blobs) or any(
            len(b) != _BLOB_POINT_BYTES for b in blobs):
        return None
    rows = np.frombuffer(joined, dtype=np.uint8).reshape(len(blobs), _BLOB_POINT_BYTES)
    kind = rows[:, _BLOB_HEAD_BYTES:_BLOB_HEAD_BYTES + 4].copy().view("<i4").ravel()
    if ((rows[:, 0] != 0) | (rows[:, 1] != 1) | (rows[:, _BLOB_HEAD_BYTES - 1] != _BLOB_MBR_END)
            | (rows[:, -1] != _BLOB_END) | (kind != _BLOB_POINT)).any():
        return None
    xy = rows[:, _BLOB_HEAD_BYTES + 4:-1].copy().view("<f8")
    return shapely.points(xy)


def _offsets(counts: np.ndarray) -> np.ndarray:
    out = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    return out


def _ranges(starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """The integers of each range [start, stop), one range after another."""
    lengths = stops - starts
    first = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return first + np.arange(len(first))


@dataclass(frozen=True)
class RaggedPolygons:
    """Polygonal geometries as coordinate arrays, in shapely's ragged-array
    layout for multipolygons (``shapely.to_ragged_array``): ring k is
    ``coords[ring_offsets[k]:ring_offsets[k + 1]]``, polygon j has the rings
    ``part_offsets[j]`` to ``part_offsets[j + 1]`` (its exterior first),
    geometry i the polygons ``geom_offsets[i]`` to ``geom_offsets[i + 1]``."""

    coords: np.ndarray
    ring_offsets: np.ndarray
    part_offsets: np.ndarray
    geom_offsets: np.ndarray

    def __len__(self) -> int:
        return len(self.geom_offsets) - 1

    def geometries(self) -> np.ndarray | None:
        """The shapely MultiPolygons (None if GEOS cannot hold a ring: fewer
        than four points)."""
        try:
            return shapely.from_ragged_array(
                shapely.GeometryType.MULTIPOLYGON, self.coords,
                (self.ring_offsets, self.part_offsets, self.geom_offsets))
        except (shapely.errors.GEOSException, ValueError):
            return None

    def take(self, which) -> "RaggedPolygons":
        """The geometries ``which`` picks (a boolean mask or indices), in order."""
        which = np.asarray(which)
        index = np.flatnonzero(which) if which.dtype == bool else which.astype(np.int64)
        if len(index) == len(self) and (index == np.arange(len(self))).all():
            return self
        go, po, ro = self.geom_offsets, self.part_offsets, self.ring_offsets
        parts = _ranges(go[index], go[index + 1])
        rings = _ranges(po[parts], po[parts + 1])
        return RaggedPolygons(self.coords[_ranges(ro[rings], ro[rings + 1])],
                              _offsets(ro[rings + 1] - ro[rings]),
                              _offsets(po[parts + 1] - po[parts]),
                              _offsets(go[index + 1] - go[index]))


def object_array(geoms) -> np.ndarray:
    if isinstance(geoms, np.ndarray) and geoms.dtype == object and geoms.ndim == 1:
        return geoms
    items = list(geoms)
    arr = np.empty(len(items), dtype=object)
    arr[:] = items
    return arr


_MULTI_TYPE_IDS = (4, 5, 6, 7)  # MultiPoint, MultiLineString, MultiPolygon, GeometryCollection


def polygons_with_owner(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The polygons of each geometry, in the order :func:`polygons_of` lists
    them, and the index of the geometry each came from."""
    parts, owner = shapely.get_parts(arr, return_index=True)
    # A collection can hold multipolygons: flatten until nothing is multi.
    # get_parts keeps single geometries as they are and goes in order, so
    # the polygons stay in depth-first order.
    while len(parts) and np.isin(shapely.get_type_id(parts), _MULTI_TYPE_IDS).any():
        parts, sub_owner = shapely.get_parts(parts, return_index=True)
        owner = owner[sub_owner]
    keep = shapely.get_type_id(parts) == 3
    return parts[keep], owner[keep]


def polygons_of(geom: BaseGeometry) -> list[Polygon]:
    """The polygons inside any geometry (collections flattened, others dropped)."""
    if geom is None or geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom]
    if isinstance(geom, MultiPolygon):
        return list(geom.geoms)
    if hasattr(geom, "geoms"):
        out: list[Polygon] = []
        for g in geom.geoms:
            out.extend(polygons_of(g))
        return out
    return []


def to_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    """Promote a polygon (or the polygonal parts of a collection) to a MultiPolygon."""
    if isinstance(geom, MultiPolygon):
        return geom
    return MultiPolygon(polygons_of(geom))


def force_2d(geom: BaseGeometry) -> BaseGeometry:
    return shapely.force_2d(geom) if shapely.has_z(geom) else geom


def check_for_layer(geom: BaseGeometry | None, geometry_type: str) -> BaseGeometry:
    """Return the geometry in the form a layer stores, or raise GeometryError.

    Polygon layers take Polygon/MultiPolygon (promoted to MultiPolygon);
    point layers take a Point.  The geometry must be non-empty and valid.
    """
    if geom is None or geom.is_empty:
        raise GeometryError("geometry is empty or missing")
    geom = force_2d(geom)
    gtype = geom.geom_type
    if geometry_type == "MULTIPOLYGON":
        if gtype not in ("Polygon", "MultiPolygon"):
            raise GeometryError(f"a {gtype} cannot go into a polygon layer")
        geom = to_multipolygon(geom)
    elif geometry_type == "POINT":
        if gtype != "Point":
            raise GeometryError(f"a {gtype} cannot go into a point layer")
    else:  # pragma: no cover - the schema only has these two
        raise GeometryError(f"unsupported layer geometry type {geometry_type}")
    if not geom.is_valid:
        raise GeometryError(f"invalid geometry: {shapely.is_valid_reason(geom)}")
    return geom


# shapely.get_type_id -> the geom_type a shapely geometry of that type has
GEOMETRY_TYPE_NAMES = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon",
                       4: "MultiPoint", 5: "MultiLineString", 6: "MultiPolygon",
                       7: "GeometryCollection"}


def check_all_for_layer(geoms, geometry_type: str, *, valid=None
                        ) -> tuple[np.ndarray, list[str | None]]:
    """Vector form of :func:`check_for_layer`.

    Returns the geometries in the form the layer stores (``None`` where a
    geometry is refused) and, per geometry, ``None`` or the message
    :func:`check_for_layer` would raise.  ``valid``: the validity of the
    given geometries when the caller already knows it (dropping Z and
    promoting a polygon to a one-part multipolygon do not change it), so it
    is not computed again.
    """
    arr = object_array(geoms)
    n = len(arr)
    out = np.empty(n, dtype=object)
    errors: list[str | None] = [None] * n
    if not n:
        return out, errors
    missing = shapely.is_missing(arr)
    empty = missing.copy()
    empty[~missing] = shapely.is_empty(arr[~missing])
    work = arr.copy()
    z = np.zeros(n, dtype=bool)
    z[~empty] = shapely.has_z(work[~empty])
    if z.any():
        work[z] = shapely.force_2d(work[z])
    types = np.full(n, -1, dtype=np.int64)
    types[~empty] = shapely.get_type_id(work[~empty])
    if geometry_type == "MULTIPOLYGON":
        allowed = (types == 3) | (types == 6)
        promote = types == 3
        if promote.any():
            work[promote] = shapely.multipolygons(work[promote],
                                                  indices=np.arange(int(promote.sum())))
        what = "a polygon layer"
    elif geometry_type == "POINT":
        allowed = types == 0
        what = "a point layer"
    else:  # pragma: no cover - the schema only has these two
        raise GeometryError(f"unsupported layer geometry type {geometry_type}")
    ok = ~empty & allowed
    if valid is None:
        valid_ok = shapely.is_valid(work[ok])
    else:
        valid_ok = np.asarray(valid, dtype=bool)[ok]
    good = np.zeros(n, dtype=bool)
    good[np.flatnonzero(ok)[valid_ok]] = True
    out[good] = work[good]
    for i in np.flatnonzero(~good).tolist():
        if empty[i]:
            errors[i] = "geometry is empty or missing"
        elif not allowed[i]:
            errors[i] = (f"a {GEOMETRY_TYPE_NAMES.get(int(types[i]), 'geometry')} "
                             f"cannot go into {what}")
        else:
            errors[i] = f"invalid geometry: {shapely.is_valid_reason(work[i])}"
    return out, errors
