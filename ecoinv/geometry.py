"""Geometry helpers shared by the store, importer, metrics and editing.

Areas are always geodesic: measured on the ellipsoid of the CRS the
geometry is in (never in a projected plane), as DOMAIN.md requires.
"""
from __future__ import annotations

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
def _geodetic_transformer(crs_wkt: str) -> pyproj.Transformer | None:
    crs = pyproj.CRS.from_wkt(crs_wkt)
    if crs.is_geographic:
        return None
    return pyproj.Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)


@lru_cache(maxsize=64)
def _geod(crs_wkt: str) -> pyproj.Geod:
    return pyproj.CRS.from_wkt(crs_wkt).get_geod()


class _Geodesy:
    """The ellipsoid and the to-lon/lat transformer of one CRS."""

    __slots__ = ("crs", "geod", "to_lonlat")

    def __init__(self, crs: pyproj.CRS):
        wkt = crs.to_wkt()
        self.crs = crs
        self.geod = _geod(wkt)
        self.to_lonlat = _geodetic_transformer(wkt)


# Keyed by the CRS object's identity (kept alive by the entry, so the id
# cannot be reused): serialising a CRS to WKT for every measured feature
# dominated the cost of an import.
_GEODESY: dict[int, _Geodesy] = {}


def _geodesy(crs) -> _Geodesy:
    crs = as_crs(crs)  # strings and ints resolve to one cached CRS object
    entry = _GEODESY.get(id(crs))
    if entry is None or entry.crs is not crs:
        if len(_GEODESY) > 256:
            _GEODESY.clear()
        entry = _GEODESY[id(crs)] = _Geodesy(crs)
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


def _ring_area_m2(geod: pyproj.Geod, coords: np.ndarray) -> float:
    if len(coords) < 4:
        return 0.0
    area, _ = geod.polygon_area_perimeter(coords[:, 0], coords[:, 1])
    return abs(area)


def geodesic_area_m2(geom: BaseGeometry | None, crs) -> float:
    """Geodesic area in m² of the polygonal parts of ``geom`` on the CRS's ellipsoid.

    Each ring is measured on its own and holes are subtracted, so the result
    does not depend on ring orientation.
    """
    if geom is None or geom.is_empty:
        return 0.0
    geodesy = _geodesy(crs)
    geod = geodesy.geod
    if geodesy.to_lonlat is not None:
        geom = to_geodetic(geom, crs)
    total = 0.0
    for poly in polygons_of(geom):
        total += _ring_area_m2(geod, np.asarray(poly.exterior.coords))
        for hole in poly.interiors:
            total -= _ring_area_m2(geod, np.asarray(hole.coords))
    return total


def geodesic_area_ha(geom: BaseGeometry | None, crs) -> float:
    return geodesic_area_m2(geom, crs) / M2_PER_HA


def geodesic_areas_m2(geoms, crs) -> np.ndarray:
    """Vector form of :func:`geodesic_area_m2`: the same numbers, bit for bit.

    The same rule (each ring measured on its own with GeographicLib, holes
    subtracted, in the order :func:`geodesic_area_m2` adds them), but the
    rings of all geometries are gathered and transformed to lon/lat in one
    call, which is what costs when geometries are measured one by one.
    ``None`` and empty geometries measure 0.
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
    ends = np.cumsum(counts)
    starts = ends - counts
    geodesy = _geodesy(crs)
    if geodesy.to_lonlat is not None and len(coords):
        lon, lat = geodesy.to_lonlat.transform(coords[:, 0], coords[:, 1])
        lon, lat = np.ascontiguousarray(lon, dtype=float), np.ascontiguousarray(lat, dtype=float)
    else:
        lon, lat = np.ascontiguousarray(coords[:, 0]), np.ascontiguousarray(coords[:, 1])
    # The first ring of each polygon is its shell; the others are holes.
    shell = np.ones(len(rings), dtype=bool)
    shell[1:] = ring_poly[1:] != ring_poly[:-1]
    ring_geom = owner[ring_poly]
    area = geodesy.geod.polygon_area_perimeter
    totals = out.tolist()
    for g, a, b, is_shell in zip(ring_geom.tolist(), starts.tolist(), ends.tolist(),
                                 shell.tolist()):
        if b - a < 4:
            continue
        ring_area = abs(area(lon[a:b], lat[a:b])[0])
        if is_shell:
            totals[g] += ring_area
        else:
            totals[g] -= ring_area
    return np.array(totals, dtype=float)


def geodesic_areas_ha(geoms, crs) -> np.ndarray:
    """Vector form of :func:`geodesic_area_ha` for an array of geometries."""
    return geodesic_areas_m2(geoms, crs) / M2_PER_HA


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
