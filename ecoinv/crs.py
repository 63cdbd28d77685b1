"""The one CRS module: parse, read .prj, propose candidates, transform.

Everything about coordinate reference systems that is not the storage CRS
itself lives here (kart keeps its CRS logic in one module for the same
reason): the importer, the CLI, the renderer and the GUI dialogs ask this
module instead of calling pyproj directly.

Files without a CRS are never read with an assumed one.  Instead,
:func:`candidates_for_bounds` proposes ranked candidates from the
coordinates (lon/lat ranges, or metres in one of China's Gauss-Kruger
numbering schemes) and the caller has to choose.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
import pyproj
import shapely

from .geometry import CrsError, as_crs

Bounds = tuple[float, float, float, float]  # (xmin, ymin, xmax, ymax)

# Generous lon/lat box around China (incl. the South China Sea islands).
CHINA_LONLAT: Bounds = (73.0, 3.0, 136.0, 54.0)
WEB_MERCATOR_LIMIT = 20037508.342789244

# Datums in the order candidates are offered: the national standard first.
DATUMS = ("CGCS2000", "Xian 1980", "Beijing 1954")


# --- parsing ----------------------------------------------------------------

def parse_crs(value) -> pyproj.CRS:
    """A CRS from user input: pyproj.CRS, EPSG code (int, "4551", "EPSG:4551"),
    OGC or ESRI WKT (.prj text), a PROJ string or an authority string.
    """
    if isinstance(value, pyproj.CRS):
        return value
    if value is None:
        raise CrsError("no CRS given")
    if isinstance(value, int):
        value = f"EPSG:{value}"
    text = str(value).strip().lstrip("\ufeff")
    if not text:
        raise CrsError("empty CRS")
    if text.isdigit():
        text = f"EPSG:{text}"
    try:
        return as_crs(text)
    except (CrsError, pyproj.exceptions.CRSError):
        short = text if len(text) <= 60 else text[:57] + "..."
        raise CrsError(f"not a CRS: {short!r} (expected EPSG:n, WKT or a PROJ string)") from None


def read_prj(path) -> pyproj.CRS:
    """The CRS in a .prj file (ESRI or OGC WKT).  Raises CrsError naming the file."""
    path = Path(path)
    raw = path.read_bytes()
    text = _decode_text(raw).strip()
    if not text:
        raise CrsError(f"{path.name}: empty .prj file")
    try:
        return parse_crs(text)
    except CrsError as exc:
        raise CrsError(f"{path.name}: {exc}") from None


def _decode_text(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # WKT is ASCII; anything else is junk that pyproj will reject anyway.
        return raw.decode("latin-1")


@lru_cache(maxsize=256)
def _epsg_of(srs: str) -> int | None:
    try:
        return pyproj.CRS.from_user_input(srs).to_epsg(min_confidence=70)
    except (CrsError, pyproj.exceptions.CRSError):
        return None


def epsg_code(crs) -> int | None:
    """The EPSG code of a CRS, also for ESRI .prj text that names it differently."""
    # Keyed on the text the CRS was made from: a WKT2 round trip of an ESRI
    # definition loses what PROJ needs to identify it.
    return _epsg_of(as_crs(crs).srs)


def crs_label(crs) -> str:
    """"EPSG:4551 CGCS2000 / 3-degree Gauss-Kruger CM 126E" (or just the name)."""
    crs = as_crs(crs)
    code = epsg_code(crs)
    return f"EPSG:{code} {crs.name}" if code else crs.name


def is_web_mercator(crs) -> bool:
    """EPSG:3857 and its aliases (ESRI's 'Mercator_Auxiliary_Sphere', 900913...)."""
    crs = as_crs(crs)
    if epsg_code(crs) in (3857, 900913, 3785, 102100, 102113):
        return True
    op = crs.coordinate_operation
    if op is None:
        return False
    method = (op.method_name or "").lower()
    return "pseudo mercator" in method or "pseudo-mercator" in method or "auxiliary sphere" in method


def datum_shift_note(src, dst) -> str | None:
    """A warning when no real datum transformation exists between the CRSs.

    PROJ has no published parameters from Xi'an 1980 / Beijing 1954 to
    CGCS2000 and falls back to a 'ballpark' (no shift) transformation:
    positions can then be off by tens of metres.  WGS 84 <-> CGCS2000 is
    also ballpark but within about a metre, which is not worth a warning.
    """
    src, dst = as_crs(src), as_crs(dst)
    names = {(c.geodetic_crs.datum.name if c.geodetic_crs else "") for c in (src, dst)}
    if not any(n.startswith(("Xian 1980", "Beijing 1954")) for n in names):
        return None
    if src.geodetic_crs.datum.name == dst.geodetic_crs.datum.name:
        return None
    tr = _transformer(src.to_wkt(), dst.to_wkt())
    if "ballpark" in (tr.description or "").lower():
        return (f"no datum transformation from {src.geodetic_crs.datum.name} to "
                f"{dst.geodetic_crs.datum.name} is available: coordinates converted without a "
                "datum shift (positions may be off by tens of metres)")
    return None


# --- transforming -------------------------------------------------------------

@lru_cache(maxsize=64)
def _transformer(src_wkt: str, dst_wkt: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(pyproj.CRS.from_wkt(src_wkt), pyproj.CRS.from_wkt(dst_wkt),
                                       always_xy=True)


def same_crs(a, b) -> bool:
    return as_crs(a).equals(as_crs(b), ignore_axis_order=True)


def transformer(src, dst) -> Callable:
    """A function reprojecting shapely geometries (or arrays of them) from src to dst.

    Always x=lon/easting, y=lat/northing, whatever the EPSG axis order.
    Points that cannot be transformed come out as inf (check with
    ``np.isfinite(shapely.get_coordinates(g)).all()``).
    """
    src, dst = as_crs(src), as_crs(dst)
    if same_crs(src, dst):
        return lambda geom: geom
    tr = _transformer(src.to_wkt(), dst.to_wkt())

    def _xy(xy: np.ndarray) -> np.ndarray:
        if len(xy) == 0:
            return xy
        x, y = tr.transform(xy[:, 0], xy[:, 1], errcheck=False)
        return np.column_stack([x, y])

    def apply(geom):
        return shapely.transform(geom, _xy)

    return apply


def transform_bounds(bounds: Bounds, src, dst) -> Bounds:
    src, dst = as_crs(src), as_crs(dst)
    if same_crs(src, dst):
        return tuple(float(v) for v in bounds)
    tr = _transformer(src.to_wkt(), dst.to_wkt())
    return tuple(float(v) for v in tr.transform_bounds(*bounds, densify_pts=21))


def lonlat_bounds(bounds: Bounds, crs) -> Bounds:
    """Bounds in lon/lat of the CRS's own geodetic datum."""
    crs = as_crs(crs)
    if crs.is_geographic:
        return tuple(float(v) for v in bounds)
    return transform_bounds(bounds, crs, crs.geodetic_crs)


# --- Gauss-Kruger zones, read from PROJ's EPSG database ----------------------------

@dataclass(frozen=True)
class GKZone:
    code: int
    name: str
    datum: str           # "CGCS2000" | "Xian 1980" | "Beijing 1954"
    width: int           # 3 or 6 degrees
    zone: int | None     # the zone number when it is part of the false easting
    cm: float            # central meridian, degrees east
    area_of_use: Bounds  # (west, south, east, north) from EPSG

    @property
    def false_easting(self) -> float:
        return self.zone * 1_000_000 + 500_000 if self.zone else 500_000.0


_GK_NAME = re.compile(
    r"^(CGCS2000|Xian 1980|Beijing 1954) / (3-degree )?Gauss-Kruger (?:zone (\d+)|CM (\d+)E)$")


@lru_cache(maxsize=1)
def gauss_kruger_zones() -> tuple[GKZone, ...]:
    """Every Chinese Gauss-Kruger CRS in EPSG (CGCS2000, Xi'an 1980, Beijing 1954).

    Taken from PROJ's database by name rather than from hard-coded code
    ranges, so the numbers are the EPSG ones (e.g. CGCS2000 3-degree zone 42
    is EPSG:4530, CM 126E is EPSG:4551).
    """
    from pyproj.database import query_crs_info
    from pyproj.enums import PJType

    out = []
    for info in query_crs_info(auth_name="EPSG", pj_types=PJType.PROJECTED_CRS):
        m = _GK_NAME.match(info.name)
        if not m or info.deprecated:
            continue
        datum, three, zone, cm = m.groups()
        width = 3 if three else 6
        if zone:
            zone_no = int(zone)
            central = zone_no * 3.0 if width == 3 else zone_no * 6.0 - 3.0
        else:
            zone_no, central = None, float(cm)
        aou = info.area_of_use
        bounds = (aou.west, aou.south, aou.east, aou.north) if aou else CHINA_LONLAT
        out.append(GKZone(int(info.code), info.name, datum, width, zone_no, central, bounds))
    out.sort(key=lambda z: (DATUMS.index(z.datum), z.width, z.zone is None, z.cm))
    return tuple(out)


def gk_zone(code: int) -> GKZone | None:
    for z in gauss_kruger_zones():
        if z.code == code:
            return z
    return None


# --- candidates for files without a CRS ----------------------------------------------

@dataclass(frozen=True)
class CrsCandidate:
    code: str    # "EPSG:4551"
    name: str
    reason: str
    # Where the data would be under this CRS (lon/lat), for a map preview.
    lonlat_bounds: Bounds | None = None

    @property
    def crs(self) -> pyproj.CRS:
        return as_crs(self.code)

    def __str__(self) -> str:
        return f"{self.code} ({self.name}): {self.reason}"

    def to_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "reason": self.reason,
                "lonlat_bounds": list(self.lonlat_bounds) if self.lonlat_bounds else None}


def looks_lonlat(bounds: Bounds) -> bool:
    xmin, ymin, xmax, ymax = bounds
    return -180.0 <= xmin <= xmax <= 180.0 and -90.0 <= ymin <= ymax <= 90.0


def boxes_intersect(a: Sequence[float], b: Sequence[float], margin: float = 0.0) -> bool:
    """Whether two (xmin, ymin, xmax, ymax) boxes overlap or touch, ``margin`` apart."""
    return not (a[2] < b[0] - margin or a[0] > b[2] + margin
                or a[3] < b[1] - margin or a[1] > b[3] + margin)


def _overlap_fraction(data: Bounds, region: Bounds) -> float:
    """Share of the data box inside the region box (points/lines: 1 or 0)."""
    w = min(data[2], region[2]) - max(data[0], region[0])
    h = min(data[3], region[3]) - max(data[1], region[1])
    if w < 0 or h < 0:
        return 0.0
    dw, dh = data[2] - data[0], data[3] - data[1]
    fx = w / dw if dw > 0 else 1.0
    fy = h / dh if dh > 0 else 1.0
    return fx * fy


def _fmt_bounds(b: Bounds) -> str:
    return f"{b[0]:.2f}..{b[2]:.2f}°E, {b[1]:.2f}..{b[3]:.2f}°N"


@lru_cache(maxsize=512)
def _gk_lonlat(code: int, bounds: Bounds) -> Bounds | None:
    crs = as_crs(f"EPSG:{code}")
    try:
        out = transform_bounds(bounds, crs, crs.geodetic_crs)
    except pyproj.exceptions.ProjError:
        return None
    return out if all(math.isfinite(v) for v in out) else None


def candidates_for_bounds(bounds: Sequence[float], hint: Sequence[float] | None = None
                          ) -> list[CrsCandidate]:
    """Ranked CRS candidates for data with ``bounds`` but no CRS.

    ``hint`` is where the data is expected, as a lon/lat box (e.g. the
    inventory's boundary extent); it ranks, and for the 500,000-false-easting
    scheme selects, the zones whose longitude range fits.  The best
    candidate comes first.  An empty list means no known CRS fits.
    """
    b: Bounds = tuple(float(v) for v in bounds)  # type: ignore[assignment]
    if not all(math.isfinite(v) for v in b):
        return []
    hint_b: Bounds | None = tuple(float(v) for v in hint) if hint else None  # type: ignore
    if looks_lonlat(b):
        where = " inside China" if boxes_intersect(b, CHINA_LONLAT) else ""
        return [
            CrsCandidate("EPSG:4490", "CGCS2000", f"coordinates are in lon/lat ranges{where}; "
                         "CGCS2000 is China's national datum", b),
            CrsCandidate("EPSG:4326", "WGS 84", "lon/lat from GPS or web sources "
                         "(within about 1 m of CGCS2000 in China)", b),
        ]
    out: list[tuple[tuple, CrsCandidate]] = []
    xmin, ymin, xmax, ymax = b
    prefix = math.floor(xmin / 1_000_000)
    northing_ok = -100_000 <= ymin and ymax <= 6_300_000
    zones = gauss_kruger_zones()
    if northing_ok and prefix == math.floor(xmax / 1_000_000) and 13 <= prefix <= 45:
        # Zone number in the false easting: x alone names the zone.
        width = 3 if prefix >= 25 else 6
        for z in zones:
            if z.zone != prefix or z.width != width:
                continue
            ll = _gk_lonlat(z.code, b)
            if ll is None or not boxes_intersect(ll, z.area_of_use, margin=1.0):
                continue
            reason = (f"x ≈ {xmin:,.0f}: false easting {z.false_easting:,.0f} → {width}° zone "
                      f"{z.zone} (CM {z.cm:g}°E); data at {_fmt_bounds(ll)}")
            fit = _overlap_fraction(ll, hint_b) if hint_b else 0.0
            if hint_b:
                reason += "; fits the inventory's extent" if fit > 0 else "; outside the inventory's extent"
            out.append(((0 if fit > 0 or not hint_b else 1, -fit, DATUMS.index(z.datum)),
                        CrsCandidate(f"EPSG:{z.code}", z.name, reason, ll)))
    elif northing_ok and -200_000 <= xmin and xmax <= 1_200_000:
        # False easting 500,000: x only gives the offset from the central
        # meridian, so try every 3-degree CM where the data lands in China.
        fitting: list[tuple[tuple, CrsCandidate]] = []
        others: list[tuple[tuple, CrsCandidate]] = []
        for z in zones:
            if z.zone is not None or z.width != 3:
                continue  # 6-degree CM zones repeat the 3-degree ones at the same meridians
            ll = _gk_lonlat(z.code, b)
            if ll is None or not boxes_intersect(ll, z.area_of_use, margin=0.5):
                continue
            centre = (ll[0] + ll[2]) / 2
            reason = (f"x ≈ {xmin:,.0f}..{xmax:,.0f} (false easting 500,000): with CM "
                      f"{z.cm:g}°E the data is at {_fmt_bounds(ll)}")
            cand = CrsCandidate(f"EPSG:{z.code}", z.name, reason, ll)
            if hint_b:
                strip = (z.cm - 1.5, hint_b[1], z.cm + 1.5, hint_b[3])
                fit = _overlap_fraction(ll, hint_b)
                if fit > 0 and boxes_intersect(strip, hint_b):
                    cand = CrsCandidate(cand.code, cand.name,
                                        reason + "; fits the inventory's extent", ll)
                    # Ties (data fits several CMs equally) go to the zone that puts
                    # the data nearer the middle of the expected region.
                    hint_centre = (hint_b[0] + hint_b[2]) / 2
                    fitting.append(((0, -round(fit, 3), DATUMS.index(z.datum),
                                     round(abs(centre - hint_centre), 3), z.cm), cand))
                    continue
            others.append(((1, DATUMS.index(z.datum), z.cm), cand))
        # With a hint, zones outside the city are noise; without one, all stay.
        out.extend(fitting or others)
    if max(abs(v) for v in b) <= WEB_MERCATOR_LIMIT:
        ll = transform_bounds(b, "EPSG:3857", "EPSG:4326")
        in_china = all(math.isfinite(v) for v in ll) and boxes_intersect(ll, CHINA_LONLAT)
        if in_china and (not hint_b or not out or _overlap_fraction(ll, hint_b) > 0):
            out.append(((2, 0, 0), CrsCandidate(
                "EPSG:3857", "WGS 84 / Pseudo-Mercator",
                f"web-map metres; data at {_fmt_bounds(ll)} (reprojected on import; "
                "never measured in it)", ll)))
    out.sort(key=lambda item: item[0])
    return [c for _, c in out]


def outside_area_of_use(bounds: Sequence[float], crs, margin: float = 3.0) -> str | None:
    """Why data with ``bounds`` cannot be in ``crs`` (None if it can).

    A file in the wrong CRS often transforms to finite but absurd
    coordinates; EPSG's area of use, with a margin for data that runs a
    little past a zone edge, catches that before anything is written.
    """
    crs = as_crs(crs)
    aou = crs.area_of_use
    if aou is None and epsg_code(crs):  # WKT1 (GDAL, .prj) carries no area of use
        aou = as_crs(f"EPSG:{epsg_code(crs)}").area_of_use
    if aou is None or aou.west > aou.east:
        return None
    try:
        ll = lonlat_bounds(tuple(float(v) for v in bounds), crs)
    except (pyproj.exceptions.ProjError, ValueError):
        ll = None
    region = (aou.west, aou.south, aou.east, aou.north)
    if ll is not None and all(math.isfinite(v) for v in ll) and boxes_intersect(ll, region, margin):
        return None
    where = _fmt_bounds(ll) if ll and all(math.isfinite(v) for v in ll) else "nowhere on Earth"
    return (f"in {crs_label(crs)} the data would lie at {where}, outside the area that CRS is "
            f"used for ({aou.name.rstrip('.')}): wrong CRS?")


# --- display ------------------------------------------------------------------------

def display_crs_for(lon_lat_bounds: Sequence[float]) -> pyproj.CRS:
    """The CGCS2000 3-degree Gauss-Kruger CM zone (EPSG:4534–4554) nearest the centre.

    A conformal plane for drawing maps of a city; never used for areas.
    """
    w, s, e, n = (float(v) for v in lon_lat_bounds)
    centre = (w + e) / 2
    cm = min(max(round(centre / 3.0) * 3.0, 75.0), 135.0)
    for z in gauss_kruger_zones():
        if z.datum == "CGCS2000" and z.width == 3 and z.zone is None and z.cm == cm:
            return as_crs(f"EPSG:{z.code}")
    raise CrsError(f"no CGCS2000 Gauss-Kruger zone for CM {cm:g}°E")  # pragma: no cover


def describe_candidates(cands: Iterable[CrsCandidate], limit: int = 8) -> str:
    """One-line list for error messages: 'EPSG:4551 (...), EPSG:4552 (...) and 4 more'."""
    cands = list(cands)
    shown = ", ".join(f"{c.code} ({c.name})" for c in cands[:limit])
    if len(cands) > limit:
        shown += f" and {len(cands) - limit} more"
    return shown
