"""Pure geometry operations behind the editing commands: validate/repair, split, merge.

Areas in the inventory are geodesic, i.e. every polygon edge is read as the
geodesic between its two vertices.  Splitting in the storage coordinates
would put each cut point on the straight line between two vertices, which
is not on that geodesic, and the parts would not add up to the whole (by
about 1e-4 of the area for a 20 km east-west edge at Harbin's latitude).
So with a ``crs`` the split runs in a gnomonic projection centred on the
feature, where geodesics are straight lines (PROJ's ellipsoidal gnomonic:
under a micrometre off over tens of kilometres), and the parts' geodesic
areas add up to the original's.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import pyproj
import shapely
from pyproj.crs import CoordinateOperation, ProjectedCRS
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import split as _shapely_split

from .geometry import GeometryError, as_crs, check_for_layer, force_2d, polygons_of, to_geodetic


def prepare_geometry(geom: BaseGeometry | None, geometry_type: str, *,
                     repair: bool = False) -> BaseGeometry:
    """The geometry as a layer of ``geometry_type`` stores it, or GeometryError with the reason.

    With ``repair`` an invalid polygon is made valid and only its polygonal
    parts are kept (slivers that collapse to lines or points are dropped);
    without it the error names shapely's reason, e.g. "Self-intersection[x y]".
    """
    try:
        return check_for_layer(geom, geometry_type)
    except GeometryError:
        if not repair or geometry_type != "MULTIPOLYGON" or geom is None or geom.is_empty:
            raise
    repaired = MultiPolygon(polygons_of(
        shapely.make_valid(force_2d(geom), method="structure", keep_collapsed=False)))
    if repaired.is_empty:
        raise GeometryError("invalid geometry has no area left after repair")
    return check_for_layer(repaired, geometry_type)


def _gnomonic(geom: BaseGeometry, crs) -> tuple[pyproj.Transformer, pyproj.Transformer]:
    crs = as_crs(crs)
    centre = to_geodetic(geom, crs).centroid
    op = CoordinateOperation.from_string(f"+proj=gnom +lat_0={centre.y!r} +lon_0={centre.x!r}")
    gnom = ProjectedCRS(conversion=op, geodetic_crs=crs.geodetic_crs)
    return (pyproj.Transformer.from_crs(crs, gnom, always_xy=True),
            pyproj.Transformer.from_crs(gnom, crs, always_xy=True))


def _transform(geom: BaseGeometry, tr: pyproj.Transformer, exact: dict | None = None):
    """Transform ``geom``; coordinates found in ``exact`` map to its value instead.

    Used on the way back so that vertices the split did not create come back
    bit-for-bit as they were, not with a round-trip's last-digit noise.
    """
    def fn(xy):
        out = xy.copy()
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        out[:, 0], out[:, 1] = x, y
        if exact:
            for i, key in enumerate(map(tuple, xy.tolist())):
                hit = exact.get(key)
                if hit is not None:
                    out[i] = hit
        return out
    return shapely.transform(geom, fn)


def _sort_parts(parts: Iterable[Polygon]) -> list[Polygon]:
    # Largest first (the original feature keeps the largest piece, as in
    # QGIS); ties broken by position so the order never depends on GEOS.
    return sorted(parts, key=lambda p: (-round(p.area, 12), p.centroid.x, p.centroid.y))


def split_polygon(geom: BaseGeometry, line: BaseGeometry, crs=None) -> list[MultiPolygon]:
    """Cut a (multi)polygon with a line into parts, largest first.

    Every component polygon the line crosses is cut into pieces; components
    it does not cross stay with the first (largest) part.  With ``crs`` (the
    storage CRS of ``geom`` and ``line``) the cut follows geodesics, so the
    parts' geodesic areas add up to the original's; without it the cut is
    planar.  GeometryError when the line does not divide the geometry.
    """
    polys = polygons_of(geom)
    if not polys:
        raise GeometryError(f"only polygons can be split, not a {geom.geom_type}")
    if not isinstance(line, (LineString, MultiLineString)) or line.is_empty:
        raise GeometryError("a split needs a line with at least two points")
    line = force_2d(line)
    back_exact: dict | None = None
    if crs is not None:
        to_gnom, from_gnom = _gnomonic(MultiPolygon(polys), crs)
        polys = [_transform(p, to_gnom) for p in polys]
        gline = _transform(line, to_gnom)
        back_exact = {}
        for original, moved in ((MultiPolygon(polygons_of(geom)), MultiPolygon(polys)), (line, gline)):
            src, dst = shapely.get_coordinates(original), shapely.get_coordinates(moved)
            back_exact.update(zip(map(tuple, dst.tolist()), map(tuple, src.tolist())))
        line = gline
    pieces: list[Polygon] = []
    untouched: list[Polygon] = []
    for poly in polys:
        cut = [p for p in _shapely_split(poly, line).geoms if isinstance(p, Polygon) and not p.is_empty]
        (pieces.extend(cut) if len(cut) > 1 else untouched.append(poly))
    if not pieces:
        raise GeometryError("the line does not split the feature: it must cross it from side to side")
    pieces = _sort_parts(pieces)
    parts = [MultiPolygon([pieces[0], *untouched])] + [MultiPolygon([p]) for p in pieces[1:]]
    if crs is not None:
        parts = [_transform(p, from_gnom, back_exact) for p in parts]
    for p in parts:
        if not p.is_valid:
            raise GeometryError(f"split gives an invalid part: {shapely.is_valid_reason(p)}")
    return parts


def merge_polygons(geoms: Sequence[BaseGeometry]) -> MultiPolygon:
    """The union of (multi)polygons as one MultiPolygon (disjoint inputs give several parts).

    Neighbours that share their vertices along the common edge (split parts,
    snapped digitising) dissolve exactly, so the merged geodesic area is the
    sum of theirs; overlapping inputs count the overlap once.
    """
    polys = [p for g in geoms for p in polygons_of(g)]
    if len(polys) == 0:
        raise GeometryError("nothing to merge: no polygons given")
    merged = MultiPolygon(polygons_of(shapely.union_all(polys)))
    if merged.is_empty:
        raise GeometryError("the merged geometry is empty")
    if not merged.is_valid:
        raise GeometryError(f"the merged geometry is invalid: {shapely.is_valid_reason(merged)}")
    return merged
