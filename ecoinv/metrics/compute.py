"""The statistics the bureau publishes, computed from one inventory.

:func:`compute_stats` returns plain, JSON-ready data: the CLI prints it,
the GUI's statistics dock and the report model lay it out.  Every figure
is traceable to a geometry and a rule, and the ``method`` object states
those rules (area method, ellipsoid, overlaps, clipping, statuses, as-of).
"""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Iterable

import numpy as np
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from .. import schema
from ..errors import EcoinvError
from ..geometry import (M2_PER_HA, STRAIGHT_MAX_EDGE_DEG, RaggedPolygons, ellipsoid_name,
                        geod_for, object_array, points_from_spatialite,
                        ragged_multipolygons_from_spatialite)
from .areas import (DENSIFY_M, Pieces, Zones, areas_in, clip, dissolve, dissolved_pieces,
                    measure_m2, polygons_with_owner, split, tile_exactly,
                    union_of_disjoint)

SECTIONS = (
    "boundary",
    "assets",
    "categories",
    "protected",
    "landcover",
    "districts",
    "zones",
    "stations",
    "outside_boundary",
    "reconciliation",
    "overlaps",
)

# Gaps, overlaps and outside parts smaller than this are floating-point
# residue of overlaying polygons that share edges, not features of the data.
EPSILON_M2 = 1.0

# Sites with these statuses count as protected; "proposed" only on request.
COUNTED_STATUSES = (None, "designated")

GAP_CODE = "_gap"
OVERLAP_CODE = "_overlap"


class StatsError(EcoinvError):
    """The statistics cannot be computed as asked (unknown section or category)."""

    exit_code = 2


class StatsCancelled(EcoinvError):
    """``cancel()`` asked to stop."""

    exit_code = 130


def _district_columns() -> list[str]:
    cols = []
    for c in schema.CATEGORIES:
        cols += [f"{c}_ha", f"{c}_pct"]
    cols += ["protected_ha", "protected_pct"]
    for c in schema.LANDCOVER_CLASSES:
        cols += [f"{c}_ha", f"{c}_pct"]
    cols += [f"stations_{k}" for k in schema.STATION_KINDS]
    return cols


DISTRICT_VALUE_COLUMNS = _district_columns()
# A category and a land-cover class sharing a code would silently share a
# district column; the schema must keep them apart.
assert len(set(DISTRICT_VALUE_COLUMNS)) == len(DISTRICT_VALUE_COLUMNS), "district column clash"


def _ha(m2) -> float | None:
    return None if m2 is None else float(m2) / M2_PER_HA


def _pct(part_m2, whole_m2) -> float | None:
    if part_m2 is None or whole_m2 is None or whole_m2 <= 0:
        return None
    return float(part_m2) / float(whole_m2) * 100.0


def _labels(kind: str, code: str | None) -> dict:
    return {"label_zh": schema.label(kind, code, "zh"), "label_en": schema.label(kind, code, "en")}


@dataclass
class _Dissolved:
    """A union of polygons: whole, and the part inside the boundary."""

    geometry: BaseGeometry | None  # not built for a land-cover class that is a coverage
    whole: Pieces
    inside: Pieces
    how: str


@dataclass
class _DistrictLayout:
    """What the districts' set-up needs of their geometries and the
    boundary alone (no inventory, no notes: it may run in another thread)."""

    whole_m2: np.ndarray      # each district's area
    union: BaseGeometry
    how: str                  # how the union was made (see dissolve)
    tiled: bool               # the districts tile the boundary exactly
    zones: Zones | None       # when tiled: the districts, then the (empty) gap

    @classmethod
    def of(cls, geoms: np.ndarray, boundary: BaseGeometry | None, crs) -> "_DistrictLayout":
        whole = measure_m2(geoms, crs)
        # Districts usually tile the boundary: their union is then the
        # boundary itself, vertex for vertex, and nothing needs clipping
        # (nor the union building: the proof that they tile it is enough).
        if boundary is not None and tile_exactly(geoms, boundary):
            return cls(whole, boundary, "coverage_union", True,
                       Zones([*geoms, shapely.MultiPolygon()]))
        union, how = dissolve(geoms)
        return cls(whole, union, how, False, None)


class _Boundary:
    """The reporting area: its geometry at once; its area and its features'
    areas when first asked for (``measure`` gives them), which is after
    the districts' layout has shown whether the districts tile it."""

    def __init__(self, geometry: BaseGeometry | None,
                 measure: Callable[[], tuple[float | None, list[dict]]]):
        self.geometry = geometry
        self._measure = measure

    @cached_property
    def _measured(self) -> tuple[float | None, list[dict]]:
        return self._measure()

    @property
    def area_m2(self) -> float | None:
        return self._measured[0]

    @property
    def features(self) -> list[dict]:
        return self._measured[1]


@dataclass
class _Districts:
    rows: list[dict]          # id, code, name, name_en, total area; by code
    inside: np.ndarray        # each district clipped to the boundary
    outside_m2: np.ndarray    # each district's area outside the boundary
    zones: Zones              # the clipped districts, then the gap, then overlap pieces
    zone_area: np.ndarray     # m² of each zone
    gap_index: int
    overlap_slice: slice
    has_gap: bool
    has_overlap: bool


def compute_stats(inv, *, protected_categories: Iterable[str] | None = None,
                  include_proposed: bool = False, as_of: int | None = None,
                  sections: Iterable[str] | None = None,
                  classes: Iterable[str] | None = None,
                  reconciliation_threshold_pct: float = 5.0,
                  overlap_threshold_ha: float = 0.01,
                  progress: Callable[[int, int], None] | None = None,
                  cancel: Callable[[], bool] | None = None) -> dict:
    """Statistics of an open inventory as plain data (see ``SECTIONS``).

    ``sections`` limits the output and the work to those sections; the
    result always holds ``inventory``, ``method`` and ``notes``.
    ``classes`` (land-cover class codes or labels; default: all) limits the
    land-cover work and output in the same way: the ``landcover`` rows,
    the ``<class>_ha``/``<class>_pct`` columns of ``districts`` and the
    land-cover parcels of ``outside_boundary`` are those classes' only.
    ``progress(done, total)`` is called between steps; ``cancel()``
    returning true stops with :class:`StatsCancelled`.
    """
    run = _Run(inv, protected_categories=protected_categories, include_proposed=include_proposed,
               as_of=as_of, sections=sections, classes=classes,
               reconciliation_threshold_pct=reconciliation_threshold_pct,
               overlap_threshold_ha=overlap_threshold_ha, progress=progress, cancel=cancel)
    return run.result()


class _Run:
    def __init__(self, inv, *, protected_categories, include_proposed, as_of, sections,
                 reconciliation_threshold_pct, overlap_threshold_ha, progress, cancel,
                 classes=None):
        self.inv = inv
        self.crs = inv.crs
        if protected_categories is None:
            protected = schema.protected_categories()
        else:
            protected = [schema.resolve_code("category", c, field_name="protected categories")
                         for c in protected_categories]
        # Schema order, so that the set reads the same however it was given.
        self.protected = [c for c in schema.CATEGORIES if c in set(protected)]
        self.include_proposed = bool(include_proposed)
        self.as_of = None if as_of is None else int(as_of)
        if isinstance(sections, str):
            sections = [sections]
        wanted = list(SECTIONS) if sections is None else list(dict.fromkeys(sections))
        unknown = [s for s in wanted if s not in SECTIONS]
        if unknown:
            raise StatsError(f"unknown section {', '.join(unknown)}; sections: {', '.join(SECTIONS)}")
        self.sections = [s for s in SECTIONS if s in wanted]
        if isinstance(classes, str):
            classes = [classes]
        if classes is None:
            self.classes = list(schema.LANDCOVER_CLASSES)
        else:
            chosen = {schema.resolve_code("class", c, field_name="classes") for c in classes}
            chosen.discard(None)
            self.classes = [c for c in schema.LANDCOVER_CLASSES if c in chosen]
        self.all_classes = len(self.classes) == len(schema.LANDCOVER_CLASSES)
        self.rec_threshold = float(reconciliation_threshold_pct)
        self.overlap_threshold_m2 = float(overlap_threshold_ha) * M2_PER_HA
        self.progress = progress
        self.cancel = cancel
        self.notes: list[str] = []
        self.landcover_year: int | None = None
        # Where the districts' layout is made in the background, and the
        # layout being made (see _start_districts and _layout).
        self._background: ThreadPoolExecutor | None = None
        self._district_layout: Future | None = None

    def _check(self) -> None:
        if self.cancel is not None and self.cancel():
            raise StatsCancelled("statistics cancelled")

    def result(self) -> dict:
        out: dict = {
            "inventory": {"name": self.inv.name, "storage_crs": f"EPSG:{self.inv.srid}",
                          "as_of": self.as_of},
            "method": None,
            "notes": self.notes,
        }
        total = len(self.sections)
        # A worker for the districts' layout (see _start_districts).
        self._background = ThreadPoolExecutor(max_workers=1)
        # The boundary's own section comes last (and is put first): its area
        # may be the districts' (see _read_boundary), known once they are
        # set up.
        order = [s for s in self.sections if s != "boundary"]
        order += [s for s in self.sections if s == "boundary"]
        done: dict = {}
        try:
            # The boundary and the districts are read (SQLite wants this
            # thread) and the districts' layout set going in the background
            # while the land cover is read: SQLite lets go of Python's lock
            # as it steps through the rows.
            self.boundary  # noqa: B018
            self._start_districts(self.boundary.geometry)
            if "landcover" in self.sections or "districts" in self.sections:
                self._landcover_rows  # noqa: B018
            for i, name in enumerate(order):
                self._check()
                if self.progress:
                    self.progress(i, total)
                done[name] = getattr(self, f"_section_{name}")()
        except BaseException:
            # Cancelled or failed: return now, not when the layout is done.
            self._background.shutdown(wait=False, cancel_futures=True)
            self._background = None
            raise
        self._background.shutdown()
        self._background = None
        for name in self.sections:
            out[name] = done[name]
        if self.progress:
            self.progress(total, total)
        # Last: it records choices made while computing (land-cover year).
        out["method"] = self._method()
        return out

    # -- shared inputs ---------------------------------------------------------
    @cached_property
    def boundary(self) -> _Boundary:
        return self._read_boundary()

    def _read_boundary(self) -> _Boundary:
        data = _read_polygons(self.inv, "boundary", ["name", "code"])
        geoms = data["geometry"]

        def features(feature_m2) -> list[dict]:
            return [{"id": int(i), "name": n, "code": c, "area_ha": _ha(a)}
                    for i, n, c, a in zip(data["id"], data["name"], data["code"], feature_m2)]

        if not len(geoms):
            self.notes.append("no boundary in the inventory: nothing is clipped and coverage "
                              "percentages are not computed (null)")
            return _Boundary(None, lambda: (None, []))
        geom, _ = dissolve(geoms)
        if len(geoms) > 1:
            self.notes.append(f"the boundary has {len(geoms)} features; their union is the "
                              "reporting area")

        def measure() -> tuple[float, list[dict]]:
            if len(geoms) == 1:
                tiled_m2 = self._tiled_boundary_m2()
                if tiled_m2 is not None:
                    return tiled_m2, features([tiled_m2])
            feature_m2 = measure_m2(geoms, self.crs)
            area_m2 = (float(measure_m2(geom, self.crs)[0]) if len(geoms) > 1
                       else float(feature_m2[0]))
            return area_m2, features(feature_m2)

        return _Boundary(geom, measure)

    def _tiled_boundary_m2(self) -> float | None:
        """The districts' summed area when they are proven to tile the
        boundary (their outlines, shared edges cancelled, being its outline
        vertex for vertex): it is the boundary's area, measured edge by edge
        (a few units in the 15th digit apart, over Harbin), so the boundary
        is not measured again.  None when the districts are not asked for
        or do not tile it."""
        if "districts" not in self.sections:
            return None
        layout = self._layout
        return float(layout.whole_m2.sum()) if layout.tiled else None

    @cached_property
    def _layout(self) -> _DistrictLayout:
        """The districts' layout: made in the background (see
        _start_districts), or here when it was not set going."""
        pending = self._district_layout
        if pending is not None:
            return pending.result()
        return _DistrictLayout.of(self._district_rows[1], self.boundary.geometry, self.crs)

    @cached_property
    def mask(self) -> Zones | None:
        """The boundary prepared for clipping (None without a boundary)."""
        geom = self.boundary.geometry
        return None if geom is None else Zones([geom])

    @cached_property
    def inside_outside(self) -> Zones | None:
        """Zone 0 the boundary, zone 1 everything else around it (None without a boundary)."""
        b = self.boundary
        if b.geometry is None:
            return None
        geom = b.geometry
        x0, y0, x1, y1 = shapely.bounds(shapely.union_all(
            [shapely.box(*(self.inv.extent() or geom.bounds)), shapely.envelope(geom)]))
        margin = max(x1 - x0, y1 - y0) * 0.01
        around = shapely.difference(shapely.box(x0 - margin, y0 - margin, x1 + margin,
                                                y1 + margin), geom)
        return Zones([geom, around], first=self.mask)

    def _dissolved(self, geoms) -> _Dissolved:
        self._check()
        geom, how = dissolve(geoms)
        whole = Pieces.of(geom, self.crs)
        inside = clip(whole, self.mask, self.crs) if len(whole.parts) else whole
        return _Dissolved(geom, whole, inside, how)

    @cached_property
    def assets(self) -> dict:
        cols = ["name", "name_en", "category", "level", "designated_year", "reported_area_ha",
                "status"]
        data = _read_polygons(self.inv, "assets", cols)
        years = data["designated_year"]
        keep = np.array([self.as_of is None or y is None or y <= self.as_of for y in years],
                        dtype=bool)
        out = {"id": data["id"][keep], "geometry": data["geometry"][keep]}
        for c in cols:
            out[c] = object_array(data[c])[keep]
        # Measured here rather than read from the stored area_ha: see the
        # module docstring of .areas (edges followed as drawn).
        out["area_ha"] = measure_m2(out["geometry"], self.crs) / M2_PER_HA
        status = out["status"]
        out["designated"] = np.array([s in COUNTED_STATUSES for s in status], dtype=bool)
        out["proposed"] = np.array([s == "proposed" for s in status], dtype=bool)
        out["degazetted"] = np.array([s == "degazetted" for s in status], dtype=bool)
        out["counted"] = out["designated"] | (out["proposed"] if self.include_proposed else False)
        if self.as_of is not None and (~keep).any():
            self.notes.append(f"{int((~keep).sum())} asset(s) designated after {self.as_of} "
                              "are left out")
        if out["degazetted"].any():
            self.notes.append(f"{int(out['degazetted'].sum())} degazetted asset(s) are not counted")
        return out

    @cached_property
    def category_unions(self) -> dict[str, _Dissolved]:
        a = self.assets
        return {c: self._dissolved(a["geometry"][a["counted"] & (a["category"] == c)])
                for c in schema.CATEGORIES}

    @cached_property
    def protected_union(self) -> _Dissolved:
        return self._dissolved([self.category_unions[c].geometry for c in self.protected])

    @cached_property
    def landcover(self) -> dict:
        year, data = self._landcover_rows
        cls = data["class"] = object_array(data["class"])
        ragged = data["ragged"]
        classes = {c: self._landcover_class(data["geometry"][cls == c],
                                            None if ragged is None else ragged.take(cls == c))
                   for c in self.classes}
        return {"year": year, "data": data, "classes": classes}

    @cached_property
    def _landcover_rows(self) -> tuple[int | None, dict]:
        """The year used and the land-cover parcels of the classes asked for."""
        years = self.inv.distinct_values("landcover", "year")
        dated = sorted(y for y in years if y is not None)
        eligible = [y for y in dated if self.as_of is None or y <= self.as_of]
        if eligible:
            year = eligible[-1]
            if len(dated) > 1 or None in years:
                self.notes.append(f"land cover of {year} is used (years present: "
                                  f"{', '.join(map(str, dated))}"
                                  f"{', and rows without a year' if None in years else ''})")
        else:
            year = None
            if dated:
                self.notes.append(f"no land cover of {self.as_of} or earlier; only rows "
                                  "without a year are used")
        self.landcover_year = year
        filters: dict = {"year": year}
        if not self.all_classes:
            filters["class"] = list(self.classes)
        # Parcel keys are only reported in outside_boundary.
        columns = ["class"] + (["source_key"] if "outside_boundary" in self.sections else [])
        return year, _read_polygons(self.inv, "landcover", columns, filters)

    def _landcover_class(self, geoms, ragged: RaggedPolygons | None = None) -> dict:
        """Count, sum of parcel areas and dissolve of one land-cover class.

        A clean land-cover layer is a coverage: its parcels do not overlap,
        so a class's union has their summed area and is found by removing
        the edges neighbours share (:func:`.areas.union_of_disjoint`, which
        proves there is no overlap) — the union is then measured and
        clipped instead of every parcel, its outline being a fraction of
        theirs.  Otherwise the parcels are measured one by one and dissolved
        as any other set of polygons.  ``ragged``: the parcels as coordinate
        arrays, when read so.
        """
        self._check()
        union = union_of_disjoint(geoms, ragged) if len(geoms) > 1 else None
        if union is not None or len(geoms) <= 1:
            geom = union if union is not None else (geoms[0] if len(geoms) else None)
            whole = Pieces.of(geom, self.crs)
            how = "coverage" if len(geoms) > 1 else ("single" if len(geoms) else "none")
            sum_m2 = whole.area_m2
        else:
            area_m2 = measure_m2(geoms, self.crs)
            whole, how = dissolved_pieces(geoms, area_m2, self.crs)
            sum_m2 = float(area_m2.sum())
        return {"count": len(geoms), "sum_m2": sum_m2, "whole": whole, "how": how}

    @cached_property
    def class_zone_m2(self) -> dict[str, np.ndarray]:
        """Area (m²) of each land-cover class in each zone of ``districts.zones``."""
        zones = self.districts.zones
        out = {}
        for c, v in self.landcover["classes"].items():
            self._check()
            # The zones lie inside the boundary: no need to clip first.
            out[c] = areas_in(v["whole"], zones, self.crs)
        return out

    def _class_inside_m2(self, c: str) -> float:
        """Area (m²) of land-cover class ``c`` inside the boundary."""
        whole = self.landcover["classes"][c]["whole"]
        if self.boundary.geometry is None:
            return whole.area_m2
        if "districts" in self.sections and self.districts.rows:
            # The districts (clipped), the gap and minus the overlaps make up
            # the boundary exactly: the district figures, which are computed
            # anyway, add up to the city's.
            z, n = self.class_zone_m2[c], len(self.districts.rows)
            return float(z[:n + 1].sum() - z[n + 1:].sum())
        return clip(whole, self.mask, self.crs).area_m2

    def _start_districts(self, boundary: BaseGeometry | None) -> None:
        """Set the districts' layout going in the background, when the
        districts are asked for: their own geometry work (measuring,
        proving they tile the boundary, cutting them into strips: GEOS and
        numpy calls that let go of Python's lock) then overlaps the work on
        the sections before them.  Their rows are read here, SQLite
        wanting this thread."""
        if self._background is None or "districts" not in self.sections:
            return
        geoms = self._district_rows[1]
        self._district_layout = self._background.submit(_DistrictLayout.of, geoms, boundary,
                                                        self.crs)

    @cached_property
    def _district_rows(self) -> tuple[list[dict], np.ndarray]:
        """The districts by code: (rows without areas, geometries)."""
        data = _read_polygons(self.inv, "districts", ["name", "name_en", "code"])
        order = sorted(range(len(data["id"])),
                       key=lambda i: (data["code"][i] is None, data["code"][i] or "", data["id"][i]))
        geoms = data["geometry"][order] if order else data["geometry"]
        rows = [{"id": int(data["id"][i]), "code": data["code"][i], "name": data["name"][i],
                 "name_en": data["name_en"][i]} for i in order]
        return rows, geoms

    @cached_property
    def districts(self) -> _Districts:
        rows, geoms = self._district_rows
        boundary = self.boundary.geometry
        layout = self._layout
        whole = layout.whole_m2
        rows = [{**r, "total_area_ha": _ha(m2)} for r, m2 in zip(rows, whole)]
        if not rows:
            self.notes.append("no districts in the inventory")
        inside = object_array(list(geoms))
        inside_m2 = whole.copy()
        outside = np.zeros(len(geoms))
        union, how, tiled = layout.union, layout.how, layout.tiled
        if boundary is not None and len(geoms) and not tiled:
            # Only districts reaching outside the boundary are clipped, and
            # their outside parts measured.
            cut = np.flatnonzero(~shapely.covers(boundary, geoms))
            if len(cut):
                _, outside[cut] = self._inside_outside(geoms[cut], whole[cut])
                inside[cut] = _polygonal(shapely.intersection(geoms[cut], boundary))
                inside_m2[cut] = measure_m2(inside[cut], self.crs)
                union, how = dissolve(inside)
        if boundary is not None:
            # The district union usually covers the boundary up to shared
            # edges, where a plain difference is slow: test first, and cut
            # the boundary's strips rather than the whole.
            gap = (shapely.MultiPolygon() if tiled or shapely.covers(union, boundary) else
                   _polygonal(shapely.union_all(
                       shapely.difference(self.mask.strips, union))))
        else:
            # No reporting area: the gap is whatever lies outside every
            # district, so a frame around all layers stands in for it.
            ext = self.inv.extent()
            frame = shapely.box(*ext) if ext else shapely.Polygon()
            gap = _polygonal(shapely.difference(frame, union))
        # Districts whose union is a proven coverage do not overlap.
        overlaps = [] if how == "coverage_union" else _overlap_pieces(inside)
        zones = layout.zones if tiled else Zones([*inside, gap, *overlaps])
        zone_area = np.concatenate([inside_m2, measure_m2(zones.geoms[len(rows):], self.crs)])
        n = len(rows)
        gap_m2 = zone_area[n]
        return _Districts(rows, inside, outside, zones, zone_area, n,
                          slice(n + 1, len(zones)),
                          has_gap=bool(rows) and (boundary is None or gap_m2 > EPSILON_M2),
                          has_overlap=float(zone_area[n + 1:].sum()) > EPSILON_M2)

    @cached_property
    def stations(self) -> dict:
        data = _read_points(self.inv, "stations", ["name", "kind", "code"])
        data["kind"] = object_array(data["kind"])
        pts = data["geometry"]
        boundary = self.boundary.geometry
        data["inside"] = (shapely.covers(boundary, pts) if boundary is not None
                          else np.ones(len(pts), dtype=bool))
        return data

    # -- sections --------------------------------------------------------------
    def _section_boundary(self) -> dict:
        b = self.boundary
        return {"count": len(b.features), "area_ha": _ha(b.area_m2), "features": b.features}

    @cached_property
    def asset_inside_outside(self) -> tuple[np.ndarray, np.ndarray]:
        return self._inside_outside(self.assets["geometry"], self.assets["area_ha"] * M2_PER_HA)

    def _section_assets(self) -> list[dict]:
        a = self.assets
        inside_m2, outside_m2 = self.asset_inside_outside
        rows = []
        for k in range(len(a["id"])):
            rows.append({
                "id": int(a["id"][k]), "name": a["name"][k], "name_en": a["name_en"][k],
                "category": a["category"][k], **_labels("category", a["category"][k]),
                "level": a["level"][k], "status": a["status"][k],
                "designated_year": a["designated_year"][k],
                "counted": bool(a["counted"][k]),
                "area_ha": float(a["area_ha"][k]),
                "inside_ha": _ha(inside_m2[k]), "outside_ha": _ha(outside_m2[k]),
            })
        return rows

    def _inside_outside(self, geoms, whole_m2) -> tuple[np.ndarray, np.ndarray]:
        """Geodesic area of each geometry inside and outside the boundary.

        Geometries wholly inside keep their area ``whole_m2``; only those
        that cross the boundary or lie outside it are cut and measured.
        """
        whole_m2 = np.asarray(whole_m2, dtype=float)
        zones = self.inside_outside
        if zones is None:
            return whole_m2, np.zeros(len(geoms))
        p, z, a, _ = split(geoms, whole_m2, zones, self.crs)
        return (np.bincount(p[z == 0], a[z == 0], minlength=len(geoms)).astype(float),
                np.bincount(p[z == 1], a[z == 1], minlength=len(geoms)).astype(float))

    def _section_categories(self) -> list[dict]:
        a = self.assets
        b_m2 = self.boundary.area_m2
        rows = []
        for c, u in self.category_unions.items():
            sel = a["counted"] & (a["category"] == c)
            prop = a["proposed"] & (a["category"] == c)
            sum_m2 = float(a["area_ha"][sel].sum()) * M2_PER_HA
            rows.append({
                "category": c, **_labels("category", c),
                "protected": c in self.protected,
                "count": int(sel.sum()),
                "area_ha": _ha(sum_m2),
                "dissolved_area_ha": _ha(u.inside.area_m2),
                "coverage_pct": _pct(u.inside.area_m2, b_m2),
                "overlap_ha": _ha(sum_m2 - u.whole.area_m2),
                "outside_ha": _ha(u.whole.area_m2 - u.inside.area_m2),
                "proposed_count": int(prop.sum()),
                "proposed_area_ha": float(a["area_ha"][prop].sum()),
            })
        return rows

    def _section_protected(self) -> dict:
        a = self.assets
        in_set = np.isin(a["category"], self.protected)
        sel = a["counted"] & in_set
        u = self.protected_union
        sum_m2 = float(a["area_ha"][sel].sum()) * M2_PER_HA
        # What proposed sites would add on top of the designated ones.
        prop = a["proposed"] & in_set
        designated_geom = (u.geometry if not self.include_proposed else
                           dissolve(a["geometry"][a["designated"] & in_set])[0])
        proposed = self._dissolved(a["geometry"][prop])
        additional = clip(Pieces.of(shapely.difference(proposed.geometry, designated_geom), self.crs),
                          self.mask, self.crs)
        return {
            "categories": list(self.protected),
            "count": int(sel.sum()),
            "area_ha": _ha(sum_m2),
            "dissolved_area_ha": _ha(u.inside.area_m2),
            "coverage_pct": _pct(u.inside.area_m2, self.boundary.area_m2),
            "overlap_ha": _ha(sum_m2 - u.whole.area_m2),
            "outside_ha": _ha(u.whole.area_m2 - u.inside.area_m2),
            "proposed": {
                "included": self.include_proposed,
                "count": int(prop.sum()),
                "area_ha": float(a["area_ha"][prop].sum()),
                "dissolved_area_ha": _ha(proposed.inside.area_m2),
                "additional_area_ha": _ha(additional.area_m2),
                "additional_coverage_pct": _pct(additional.area_m2, self.boundary.area_m2),
            },
            "degazetted_count": int((a["degazetted"] & in_set).sum()),
        }

    def _section_landcover(self) -> list[dict]:
        lc = self.landcover
        rows = []
        for c, v in lc["classes"].items():
            whole_m2 = v["whole"].area_m2
            inside_m2 = self._class_inside_m2(c)
            rows.append({
                "class": c, **_labels("class", c),
                "year": lc["year"],
                "count": v["count"],
                "area_ha": _ha(inside_m2),
                "coverage_pct": _pct(inside_m2, self.boundary.area_m2),
                "sum_area_ha": _ha(v["sum_m2"]),
                "overlap_ha": _ha(v["sum_m2"] - whole_m2),
                "outside_ha": _ha(whole_m2 - inside_m2),
                "dissolve": v["how"],
            })
        return rows

    def _section_districts(self) -> list[dict]:
        d = self.districts
        if not d.rows:
            return []
        values: dict[str, np.ndarray] = {}
        for c, u in self.category_unions.items():
            self._check()
            values[c] = areas_in(u.inside, d.zones, self.crs)
        values["protected"] = areas_in(self.protected_union.inside, d.zones, self.crs)
        values.update(self.class_zone_m2)
        counts = self._station_counts(d)

        def row(base: dict, which, area_known: bool = True) -> dict:
            # ``which``: a zone index, or the slice of overlap pieces summed.
            area_m2 = float(np.sum(d.zone_area[which]))
            out = dict(base)
            out["area_ha"] = _ha(area_m2) if area_known else None
            for key in [*schema.CATEGORIES, "protected", *self.classes]:
                v = float(np.sum(values[key][which]))
                out[f"{key}_ha"] = _ha(v)
                out[f"{key}_pct"] = _pct(v, area_m2) if area_known else None
            for k in schema.STATION_KINDS:
                out[f"stations_{k}"] = int(np.sum(counts[k][which]))
            return out

        rows = []
        for i, r in enumerate(d.rows):
            rows.append(row({"row": "district", "sign": 1, "id": r["id"], "code": r["code"],
                             "name": r["name"], "name_en": r["name_en"],
                             "total_area_ha": r["total_area_ha"],
                             "outside_boundary_ha": _ha(d.outside_m2[i])}, i))
        if d.has_gap:
            rows.append(row({"row": "gap", "sign": 1, "id": None, "code": GAP_CODE,
                             "name": "未划入区县部分", "name_en": "Not in any district",
                             "total_area_ha": None, "outside_boundary_ha": None},
                            d.gap_index, area_known=self.boundary.geometry is not None))
        if d.has_overlap:
            rows.append(row({"row": "overlap", "sign": -1, "id": None, "code": OVERLAP_CODE,
                             "name": "区县重叠部分(重复计入)",
                             "name_en": "Overlap of districts (counted more than once)",
                             "total_area_ha": None, "outside_boundary_ha": None},
                            d.overlap_slice))
        return rows

    def _station_counts(self, d: _Districts) -> dict[str, np.ndarray]:
        """Stations per kind in each zone of ``d.zones``.

        A station is counted once: in the first district (by code) that
        covers it, else in the gap; stations outside the boundary in none.
        """
        s = self.stations
        n = len(d.rows)
        slot = np.full(len(s["id"]), -1)
        if len(s["id"]):
            pi, di = shapely.STRtree(d.inside).query(s["geometry"], predicate="covered_by")
            # Highest index first, so the lowest district index is written last and wins.
            for k in np.argsort(-di, kind="stable"):
                slot[pi[k]] = di[k]
            slot[(slot < 0) & s["inside"]] = n
        out = {}
        for k in schema.STATION_KINDS:
            sel = (s["kind"] == k) & (slot >= 0)
            out[k] = np.bincount(slot[sel], minlength=len(d.zones))
        return out

    def _section_zones(self) -> list[dict]:
        a = self.assets
        z = _read_polygons(self.inv, "asset_zones", ["asset_id", "zone"])
        index = {int(i): k for k, i in enumerate(a["id"])}
        groups: dict[tuple[int, str], list[int]] = {}
        for j, (aid, zone) in enumerate(zip(z["asset_id"], z["zone"])):
            if aid in index:
                groups.setdefault((aid, zone), []).append(j)
        zone_order = {c: i for i, c in enumerate(schema.ZONES)}
        rows = []
        for (aid, zone) in sorted(groups, key=lambda t: (t[0], zone_order.get(t[1], 99))):
            self._check()
            k = index[aid]
            geom, _ = dissolve(z["geometry"][groups[(aid, zone)]])
            area_m2 = float(measure_m2(geom, self.crs)[0])
            asset_m2 = float(a["area_ha"][k]) * M2_PER_HA
            rows.append({
                "asset_id": aid, "asset_name": a["name"][k], "category": a["category"][k],
                "status": a["status"][k],
                "zone": zone, **_labels("zone", zone),
                "count": len(groups[(aid, zone)]),
                "area_ha": _ha(area_m2),
                "asset_area_ha": _ha(asset_m2),
                "pct_of_asset": _pct(area_m2, asset_m2),
            })
        return rows

    def _section_stations(self) -> list[dict]:
        s = self.stations
        rows = []
        for k in schema.STATION_KINDS:
            sel = s["kind"] == k
            inside = int((sel & s["inside"]).sum())
            rows.append({"kind": k, **_labels("kind", k), "count": int(sel.sum()),
                         "inside_boundary": inside, "outside_boundary": int(sel.sum()) - inside})
        return rows

    def _section_outside_boundary(self) -> list[dict]:
        if self.boundary.geometry is None:
            return []
        rows: list[dict] = []

        def add(layer, ids, names, kind, codes, whole_m2, inside_m2, outside_m2):
            for k in np.flatnonzero(outside_m2 > EPSILON_M2):
                rows.append({
                    "layer": layer, "id": int(ids[k]), "name": names[k], "code": codes[k],
                    **(_labels(kind, codes[k]) if kind else {"label_zh": None, "label_en": None}),
                    "area_ha": _ha(whole_m2[k]), "inside_ha": _ha(inside_m2[k]),
                    "outside_ha": _ha(outside_m2[k]),
                    "outside_pct": _pct(outside_m2[k], whole_m2[k]),
                })

        a = self.assets
        whole = a["area_ha"] * M2_PER_HA
        add("assets", a["id"], a["name"], "category", a["category"], whole,
            *self.asset_inside_outside)
        d = self.districts
        whole = np.array([(r["total_area_ha"] or 0.0) * M2_PER_HA for r in d.rows])
        add("districts", [r["id"] for r in d.rows], [r["name"] for r in d.rows], None,
            [r["code"] for r in d.rows], whole, d.zone_area[:len(d.rows)], d.outside_m2)
        lc = self.landcover["data"]
        # Only parcels not wholly inside the boundary are measured and cut.
        k = np.flatnonzero(~shapely.contains_properly(self.boundary.geometry, lc["geometry"]))
        whole = measure_m2(lc["geometry"][k], self.crs)
        add("landcover", lc["id"][k], object_array(lc["source_key"])[k], "class", lc["class"][k], whole,
            *self._inside_outside(lc["geometry"][k], whole))
        s = self.stations
        for k in np.flatnonzero(~s["inside"]):
            rows.append({"layer": "stations", "id": int(s["id"][k]), "name": s["name"][k],
                         "code": s["kind"][k], **_labels("kind", s["kind"][k]),
                         "area_ha": None, "inside_ha": None, "outside_ha": None,
                         "outside_pct": None})
        return rows

    def _section_reconciliation(self) -> list[dict]:
        a = self.assets
        rows = []
        for k in range(len(a["id"])):
            rep = a["reported_area_ha"][k]
            gis = float(a["area_ha"][k])
            diff = None if rep is None else gis - rep
            diff_pct = None if rep is None or rep == 0 else diff / rep * 100.0
            if rep is None:
                flag = False
            elif rep == 0:
                flag = gis > 0  # a reported area of 0 for a site with a shape is an error too
            else:
                flag = abs(diff_pct) > self.rec_threshold
            rows.append({
                "id": int(a["id"][k]), "name": a["name"][k],
                "category": a["category"][k], **_labels("category", a["category"][k]),
                "status": a["status"][k],
                "reported_area_ha": rep, "gis_area_ha": gis,
                "difference_ha": diff, "difference_pct": diff_pct,
                "flag": bool(flag),
            })
        return rows

    def _section_overlaps(self) -> list[dict]:
        a = self.assets
        idx = np.flatnonzero(~a["degazetted"])
        geoms = a["geometry"][idx]
        if len(geoms) < 2:
            return []
        left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
        keep = left < right
        left, right = left[keep], right[keep]
        area = measure_m2(shapely.intersection(geoms[left], geoms[right]), self.crs)
        big = np.flatnonzero(area > self.overlap_threshold_m2)
        rows = []
        for m in big[np.argsort(-area[big], kind="stable")]:
            i, j = idx[left[m]], idx[right[m]]
            row = {}
            for side, k in (("a", i), ("b", j)):
                row.update({f"{side}_id": int(a["id"][k]), f"{side}_name": a["name"][k],
                            f"{side}_category": a["category"][k],
                            f"{side}_label_zh": schema.label("category", a["category"][k], "zh"),
                            f"{side}_label_en": schema.label("category", a["category"][k], "en"),
                            f"{side}_status": a["status"][k]})
            row["overlap_ha"] = _ha(area[m])
            row["pct_of_a"] = _pct(area[m], a["area_ha"][i] * M2_PER_HA)
            row["pct_of_b"] = _pct(area[m], a["area_ha"][j] * M2_PER_HA)
            rows.append(row)
        return rows

    # -- the method ------------------------------------------------------------
    def _method(self) -> dict:
        crs = self.crs
        ell = crs.ellipsoid
        geod = geod_for(crs)
        return {
            "area": "geodesic",
            "ellipsoid": ellipsoid_name(crs),
            "semi_major_axis_m": ell.semi_major_metre if ell else None,
            "inverse_flattening": ell.inverse_flattening if ell else None,
            "storage_crs": f"EPSG:{self.inv.srid}",
            "storage_crs_name": crs.name,
            "library": (f"polygon area on the ellipsoid a={geod.a} m, f={geod.f}, each ring "
                        "measured on its own, holes subtracted; in a lon/lat storage CRS each "
                        "edge is measured exactly as the straight line it is there "
                        "(ecoinv.geometry.straight_ring_areas_m2: the integral under the edge on "
                        "the equal-area cylinder by Simpson's rule, edges over "
                        f"{STRAIGHT_MAX_EDGE_DEG:g}° split first); in a projected one, edges are "
                        f"split every {DENSIFY_M:g} m and the pieces measured as geodesics "
                        "(ecoinv.geometry.ring_areas_m2: GeographicLib's numbers to within its "
                        f"own rounding; GeographicLib via pyproj {pyproj.__version__} "
                        "Geod.polygon_area_perimeter for longer edges)"),
            "edges": ("each edge follows the storage CRS's straight line (as drawn, and as cut "
                      "by unions and clips), so the pieces of a cut add up to the whole; the "
                      "layers' stored area_ha measures each edge as one geodesic instead, which "
                      "differs only for edges of kilometres (about 1.3 ha for a 10-km east-west "
                      "edge at 45°N)"),
            "geometry": (f"unions and intersections computed by shapely {shapely.__version__} "
                         f"(GEOS {shapely.geos_version_string}) in the storage CRS, then measured "
                         "on the ellipsoid; never in a projected plane"),
            "overlaps": ("union (dissolve) before measuring; overlaps counted once; a land-cover "
                         "class whose polygons form a coverage (no overlaps, neighbours sharing "
                         "edges vertex for vertex) is dissolved by dropping the edges neighbours "
                         "share and joining the rest into the union's rings (GEOS's coverage "
                         "union where they do not join), and the union is proven right: the "
                         "polygons' oriented edges, shared ones cancelling, are exactly the "
                         "union's outline, so no point lies in two polygons and the union's area "
                         "is the sum of theirs ('dissolve': 'coverage'); anything else goes "
                         "through the full overlay union ('unary_union')"),
            "boundary_found": self.boundary.geometry is not None,
            "clip": ("dissolved areas and coverage are clipped to the boundary (the union of the "
                     "boundary features); sums of per-site areas are whole sites"
                     if self.boundary.geometry is not None else
                     "no boundary: nothing is clipped and coverage is null"),
            "coverage": "dissolved area inside the boundary ÷ boundary area × 100",
            "forest_coverage": "forest land-cover area inside the boundary ÷ boundary area × 100",
            "protected_categories": list(self.protected),
            "statuses": ("sites without a status or 'designated' are counted; 'proposed' sites are "
                         + ("counted too (include_proposed)" if self.include_proposed else
                            "left out of counts and coverage and reported separately")
                         + "; 'degazetted' sites are never counted"),
            "as_of": self.as_of,
            "as_of_rule": ("assets with designated_year <= as_of or no year; land cover of the "
                           "latest year <= as_of (without as_of: the latest year present); rows "
                           "without a year are used only when no dated row qualifies"),
            "landcover_year": self.landcover_year,
            "districts": ("each district is clipped to the boundary; sum of district rows + "
                          f"'{GAP_CODE}' row − '{OVERLAP_CODE}' row = city total (the sign "
                          "field of each row); the overlap row counts area in k districts k−1 "
                          "times; a station is counted once, in the first district by code "
                          "that covers it"),
            "epsilon_ha": EPSILON_M2 / M2_PER_HA,
            "epsilon": ("gaps and overlaps between districts and parts outside the boundary "
                        "smaller than epsilon_ha are floating-point residue and not reported"),
            "reconciliation": ("difference_pct = (GIS area − reported area) ÷ reported area × 100, "
                               "the GIS area being the whole site measured as above; flagged "
                               "when its size exceeds reconciliation_threshold_pct"),
            "reconciliation_threshold_pct": self.rec_threshold,
            "overlap_pairs": ("every pair of assets (degazetted ones left out) whose intersection "
                              "exceeds overlap_threshold_ha, unclipped"),
            "overlap_threshold_ha": self.overlap_threshold_m2 / M2_PER_HA,
            "units": "ha (1 ha = 10,000 m²); percentages 0–100",
        }


def _read_polygons(inv, layer: str, columns: list[str], filters: dict | None = None) -> dict:
    """``inv.read_arrays(layer, columns=columns, filters=filters)`` of a
    polygon layer, with the geometries decoded from SpatiaLite's BLOBs in
    one numpy pass (:func:`ecoinv.geometry.ragged_multipolygons_from_spatialite`)
    instead of converted to WKB by SpatiaLite and parsed feature by feature:
    that was most of the cost of reading a land-cover class.  Falls back to
    WKB for BLOBs of another form.  The result also holds ``ragged``: the
    geometries as coordinate arrays (:class:`ecoinv.geometry.RaggedPolygons`),
    or None when read otherwise.
    """
    data = inv.read_arrays(layer, columns=columns, filters=filters, raw_geometry=True)
    ragged = ragged_multipolygons_from_spatialite(data.pop("blob"))
    geoms = None if ragged is None else ragged.geometries()
    if geoms is None:
        return {**inv.read_arrays(layer, columns=columns, filters=filters), "ragged": None}
    return {**data, "geometry": geoms, "ragged": ragged}


def _read_points(inv, layer: str, columns: list[str]) -> dict:
    """``inv.read_arrays(layer, columns=columns)`` of a point layer, with the
    points decoded from SpatiaLite's BLOBs by numpy
    (:func:`ecoinv.geometry.points_from_spatialite`): the statistics then
    read nothing that needs SpatiaLite loaded.  Falls back to WKB."""
    data = inv.read_arrays(layer, columns=columns, raw_geometry=True)
    points = points_from_spatialite(data.pop("blob"))
    if points is None:
        return inv.read_arrays(layer, columns=columns)
    return {**data, "geometry": points}


def _polygonal(geoms) -> np.ndarray | BaseGeometry:
    """Only the polygonal part of each geometry (a cut can add lines and points)."""
    single = isinstance(geoms, BaseGeometry)
    arr = object_array([geoms]) if single else geoms
    polys, owner = polygons_with_owner(arr)
    out = object_array([shapely.MultiPolygon(list(polys[owner == k])) for k in range(len(arr))])
    return out[0] if single else out


def _overlap_pieces(districts: np.ndarray) -> list[BaseGeometry]:
    """For each district, the part it shares with districts listed before it.

    A point in k districts lies in k−1 of these pieces, so subtracting their
    areas once from the sum of district rows counts every point once.
    """
    if len(districts) < 2:
        return []
    tree = shapely.STRtree(districts)
    left, right = tree.query(districts, predicate="intersects")
    pieces = []
    for i in range(len(districts)):
        earlier = right[(left == i) & (right < i)]
        if not len(earlier):
            continue
        shared = _polygonal(shapely.intersection(districts[i], shapely.union_all(districts[earlier])))
        if not shared.is_empty:
            pieces.append(shared)
    return pieces
