#!/usr/bin/env python
"""Generate the Harbin demo inventory: the files agencies would send.

Run from the repository root::

    .venv/bin/python data/generate_demo.py            # rewrite data/sources and data/demo.json
    .venv/bin/python data/generate_demo.py --out DIR  # write everything into DIR instead

The boundaries in ``data/harbin/`` are real (see data/README.md for their
source and licence).  They were made once from the reference files with
``--reference /work/shared/reference/harbin`` (coverage simplification at
0.0005 degrees that keeps the districts' shared edges); without
``--reference`` the committed copies are used as they are.

Everything under ``data/sources/`` is SYNTHETIC: invented sites with
plausible names, sizes, levels and dates, laid out with a fixed random seed
inside the real boundary so that counts and totals match what Harbin
published for 2023 (DOMAIN.md).  Every synthetic record says so in its
数据来源 / SOURCE field.

The script is deterministic (fixed seed, no network, fixed file dates) and
writes, for each layer, the format an agency would typically send (GBK
shapefiles with and without .cpg, Gauss-Kruger and geographic CRSs, a
GeoPackage, GeoJSON, UTF-8 shapefiles).
"""
from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import fiona
import numpy as np
import pyproj
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box, mapping, shape
from shapely.ops import substring

HERE = Path(__file__).resolve().parent
SEED = 20230501
YEAR = 2023
SYNTHETIC = "合成演示数据 synthetic demo data (ecoinv)"
FILE_DATE = (2023, 12, 31)  # stamped into DBF headers and GeoPackage metadata

# Targets (DOMAIN.md, "What the first city publishes").  The published forest
# figures (2.205 Mha and 41 %) disagree slightly with each other for a
# 53,081 km2 city, so the demo aims at 2.195 Mha = 41.35 %.
FOREST_HA = 2_195_000.0
WETLAND_HA = 40_500.0
GRASSLAND_HA = 28_200.0
N_SEEDS = 1800  # land-cover tessellation cells

WORK_CRS = "EPSG:4551"  # CGCS2000 / 3-degree GK CM 126E: the plane shapes are built in
GEO_CRS = "EPSG:4490"
GEOD = pyproj.CRS(GEO_CRS).get_geod()
_TO_PLANE = pyproj.Transformer.from_crs(GEO_CRS, WORK_CRS, always_xy=True)
_TO_GEO = pyproj.Transformer.from_crs(WORK_CRS, GEO_CRS, always_xy=True)
_GEO_TO_4552 = pyproj.Transformer.from_crs(GEO_CRS, "EPSG:4552", always_xy=True)
SPLIT_LON = 127.5  # boundary between the 126E and 129E 3-degree zones


# ---------------------------------------------------------------- geometry


def _tf(transformer):
    def f(xy):
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return f


def to_plane(g):
    return shapely.transform(g, _tf(_TO_PLANE))


def to_geo(g):
    return shapely.transform(g, _tf(_TO_GEO))


def geo_to_4552(g):
    return shapely.transform(g, _tf(_GEO_TO_4552))


def lonlat_to_plane(lon, lat):
    x, y = _TO_PLANE.transform(lon, lat)
    return float(x), float(y)


def _ring_m2(coords) -> float:
    c = np.asarray(coords)
    if len(c) < 4:
        return 0.0
    return abs(GEOD.polygon_area_perimeter(c[:, 0], c[:, 1])[0])


def geo_area_ha(g_geo) -> float:
    """Geodesic area (ha) on the CGCS2000 ellipsoid of a lon/lat geometry."""
    total = 0.0
    for p in shapely.get_parts(g_geo):
        if p.geom_type != "Polygon":
            continue
        total += _ring_m2(p.exterior.coords)
        for h in p.interiors:
            total -= _ring_m2(h.coords)
    return total / 1e4


def area_ha(g_plane) -> float:
    """Geodesic area (ha) of a geometry given in the working plane."""
    return geo_area_ha(to_geo(g_plane))


def polygons(g) -> list[Polygon]:
    return [p for p in shapely.get_parts(g) if p.geom_type == "Polygon" and not p.is_empty]


def as_multi(g) -> MultiPolygon:
    return MultiPolygon(polygons(g))


def largest(g) -> Polygon:
    return max(polygons(g), key=lambda p: p.area)


def clean(g, min_area=1.0):
    """Valid polygonal part of a geometry, with dust (< 1 m2 in the plane) dropped."""
    g = shapely.make_valid(g)
    parts = [p for p in polygons(g) if p.area >= min_area]
    if not parts:
        return Polygon()
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def round_geo(g, ndigits: int = 7):
    """Round lon/lat coordinates (1e-7 degree ~ 1 cm) and check validity."""
    g2 = shapely.transform(g, lambda xy: np.round(xy, ndigits))
    if not g2.is_valid:
        g2 = shapely.set_precision(g, 10.0 ** -ndigits)
    assert g2.is_valid, shapely.is_valid_reason(g2)
    return g2


class Noise:
    """Smooth 2-D noise: a sum of random plane waves (wavelengths in metres)."""

    def __init__(self, rng, n=32, wl_min=12e3, wl_max=160e3):
        ang = rng.uniform(0, 2 * np.pi, n)
        wl = np.exp(rng.uniform(np.log(wl_min), np.log(wl_max), n))
        self.kx = 2 * np.pi / wl * np.cos(ang)
        self.ky = 2 * np.pi / wl * np.sin(ang)
        self.ph = rng.uniform(0, 2 * np.pi, n)
        amp = (wl / wl_max) ** 0.7
        self.amp = amp / np.sqrt((amp**2).sum() / 2)  # unit standard deviation

    def __call__(self, x, y):
        x = np.asarray(x, dtype=float)[..., None]
        y = np.asarray(y, dtype=float)[..., None]
        return (self.amp * np.cos(self.kx * x + self.ky * y + self.ph)).sum(-1)


@dataclass
class Star:
    """A star-shaped polygon with smoothly noisy radii (an irregular site outline)."""

    cx: float
    cy: float
    theta: np.ndarray
    r: np.ndarray  # unit radii
    scale: float
    elong: float
    angle: float

    @classmethod
    def random(cls, rng, cx, cy, area_m2, elong=1.4, angle=0.0, n=160, rough=0.29, kmax=36, beta=1.2):
        theta = np.linspace(0, 2 * np.pi, n, endpoint=False)
        k = np.arange(1, kmax + 1)
        sd = rough * k ** (-beta)
        a = rng.normal(0, sd)
        b = rng.normal(0, sd)
        logr = (a[:, None] * np.cos(k[:, None] * theta) + b[:, None] * np.sin(k[:, None] * theta)).sum(0)
        s = cls(cx, cy, theta, np.exp(logr), 1.0, elong, angle)
        s.scale = math.sqrt(area_m2 / s.polygon().area)
        return s

    def coords(self, factor=None):
        r = self.r * (1.0 if factor is None else factor) * self.scale
        x = r * np.cos(self.theta) * math.sqrt(self.elong)
        y = r * np.sin(self.theta) / math.sqrt(self.elong)
        ca, sa = math.cos(self.angle), math.sin(self.angle)
        return np.column_stack([self.cx + ca * x - sa * y, self.cy + sa * x + ca * y])

    def polygon(self, factor=None) -> Polygon:
        return Polygon(self.coords(factor))

    def smooth_factor(self, rng, mean, amp, kmax=5):
        """A smooth positive function of theta, for nested zone outlines."""
        k = np.arange(1, kmax + 1)
        a = rng.normal(0, 1, kmax) / k
        b = rng.normal(0, 1, kmax) / k
        v = (a[:, None] * np.cos(k[:, None] * self.theta) + b[:, None] * np.sin(k[:, None] * self.theta)).sum(0)
        v = v / (np.abs(v).max() + 1e-12)
        return mean + amp * v


def interpolate(line: LineString, d) -> np.ndarray:
    """Points at distances d along a line (vectorised, linear in the vertex count)."""
    c = np.asarray(line.coords)
    cum = np.concatenate([[0], np.cumsum(np.hypot(*np.diff(c, axis=0).T))])
    d = np.clip(np.asarray(d, dtype=float), 0, cum[-1])
    return np.column_stack([np.interp(d, cum, c[:, 0]), np.interp(d, cum, c[:, 1])])


def resample(line: LineString, step: float) -> np.ndarray:
    n = max(2, int(line.length / step) + 1)
    return interpolate(line, np.linspace(0, line.length, n))


def smooth_line(line: LineString, step=200.0, window=7) -> LineString:
    c = resample(line, step)
    if len(c) <= window:
        return LineString(c)
    w = np.exp(-0.5 * (np.arange(-window, window + 1) / (window / 2)) ** 2)
    w /= w.sum()
    pad = np.vstack([np.repeat(c[:1], window, 0), c, np.repeat(c[-1:], window, 0)])
    sm = np.column_stack([np.convolve(pad[:, i], w, mode="valid") for i in range(2)])
    sm[0], sm[-1] = c[0], c[-1]
    return LineString(sm)


def meander(line: LineString, rng, step=150.0, wl=(3e3, 25e3), n=10, ratio=0.06) -> LineString:
    """Add smooth sideways wiggles to a sketched line (ends stay in place)."""
    c = resample(line, step)
    d = np.concatenate([[0], np.cumsum(np.hypot(*np.diff(c, axis=0).T))])
    lam = np.exp(rng.uniform(np.log(wl[0]), np.log(wl[1]), n))
    ph = rng.uniform(0, 2 * np.pi, n)
    off = (ratio * lam / math.sqrt(n / 2) * np.sin(2 * np.pi * d[:, None] / lam + ph)).sum(1)
    taper = np.clip(np.minimum(d, d[-1] - d) / 4e3, 0, 1)
    off *= taper
    t = np.gradient(c, axis=0)
    t /= np.hypot(t[:, 0], t[:, 1])[:, None]
    nrm = np.column_stack([-t[:, 1], t[:, 0]])
    return LineString(c + nrm * off[:, None])


def corridor(line: LineString, halfwidth, step=250.0):
    """Variable-width buffer of a line: halfwidth(s) gives metres at distance s."""
    c = resample(line, step)
    d = np.concatenate([[0], np.cumsum(np.hypot(*np.diff(c, axis=0).T))])
    w = halfwidth(d)
    segs = shapely.linestrings(np.stack([c[:-1], c[1:]], axis=1))
    bufs = shapely.buffer(segs, (w[:-1] + w[1:]) / 2, quad_segs=3)
    return shapely.union_all(bufs).simplify(15.0)


def smooth1d(rng, n_modes=8, length=1.0):
    """A smooth function of s in [0, length] with values roughly in [-1, 1]."""
    k = np.arange(1, n_modes + 1)
    a = rng.normal(0, 1, n_modes) / k
    ph = rng.uniform(0, 2 * np.pi, n_modes)
    norm = np.sqrt((a**2).sum())

    def f(s):
        s = np.asarray(s, dtype=float)[..., None] / length
        return (a * np.sin(np.pi * k * s + ph)).sum(-1) / norm

    return f


def halfplane_cut(poly, target_ha, angle):
    """The part of ``poly`` on one side of a line (direction ``angle``) with the given area."""
    c = np.asarray(poly.exterior.coords)
    u = np.array([math.cos(angle), math.sin(angle)])
    t = c @ u
    lo, hi = t.min(), t.max()
    big = 10 * (hi - lo + 1e4)
    v = np.array([-u[1], u[0]])
    cen = c.mean(0)

    def side(s):
        p0 = cen + u * (s - cen @ u)
        return Polygon([p0 - v * big, p0 + v * big, p0 + v * big - u * big, p0 - v * big - u * big])

    for _ in range(80):
        mid = (lo + hi) / 2
        a = area_ha(poly.intersection(side(mid)))
        if a < target_ha:
            lo = mid
        else:
            hi = mid
        if abs(a - target_ha) < 0.01:
            break
    cut = side((lo + hi) / 2)
    return clean(poly.intersection(cut)), clean(poly.difference(cut))


# ---------------------------------------------------------------- I/O


def set_dbf_header(dbf: Path, ldid: int | None = None):
    """Fix the DBF 'last update' date (for reproducible files) and optionally the language driver."""
    with open(dbf, "r+b") as f:
        f.seek(1)
        f.write(bytes([FILE_DATE[0] - 1900, FILE_DATE[1], FILE_DATE[2]]))
        if ldid is not None:
            f.seek(29)
            f.write(bytes([ldid]))


def check_field_names(names, encoding):
    for n in names:
        if len(n.encode(encoding)) > 10:
            raise ValueError(f"DBF field name {n!r} is {len(n.encode(encoding))} bytes in {encoding} (max 10)")


def write_shp(path: Path, crs, geom_type, props_schema, records, encoding, *, cpg=True, ldid=None, cpg_text=None):
    check_field_names(props_schema, encoding)
    for r in records:
        for k, v in r["properties"].items():
            if isinstance(v, str) and props_schema[k].startswith("str:"):
                width = int(props_schema[k].split(":")[1])
                if len(v.encode(encoding)) > width:
                    raise ValueError(f"{path.name}: {k}={v!r} longer than {width} bytes")
    for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        path.with_suffix(ext).unlink(missing_ok=True)
    schema = {"geometry": geom_type, "properties": props_schema}
    with fiona.open(path, "w", driver="ESRI Shapefile", crs=crs, schema=schema, encoding=encoding) as dst:
        dst.writerecords(records)
    set_dbf_header(path.with_suffix(".dbf"), ldid)
    cpg_path = path.with_suffix(".cpg")
    if not cpg:
        cpg_path.unlink(missing_ok=True)
    elif cpg_text is not None:
        cpg_path.write_text(cpg_text, encoding="ascii")


def write_gpkg_layer(path: Path, layer, crs, props_schema, records):
    schema = {"geometry": "MultiPolygon", "properties": props_schema}
    stamp = "%04d-%02d-%02dT00:00:00.000Z" % FILE_DATE
    with fiona.Env(OGR_CURRENT_DATE=stamp):
        with fiona.open(path, "w", driver="GPKG", layer=layer, crs=crs, schema=schema) as dst:
            dst.writerecords(records)


def _round_coords(obj, nd):
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], (int, float)):
            return [round(float(v), nd) for v in obj]
        return [_round_coords(o, nd) for o in obj]
    return obj


def write_geojson(path: Path, name, features, nd=6):
    """RFC 7946 GeoJSON (lon/lat, no crs member), compact, one feature per line."""
    lines = []
    for props, geom in features:
        gj = mapping(geom)
        g = {"type": gj["type"], "coordinates": _round_coords(gj["coordinates"], nd)}
        lines.append(json.dumps({"type": "Feature", "properties": props, "geometry": g},
                                ensure_ascii=False, separators=(",", ":")))
    text = '{"type":"FeatureCollection","name":%s,"features":[\n%s\n]}\n' % (
        json.dumps(name, ensure_ascii=False), ",\n".join(lines))
    path.write_text(text, encoding="utf-8")


def geojson_record(geom, props):
    return {"geometry": mapping(geom), "properties": props}


# ---------------------------------------------------------------- boundaries


def make_boundaries(reference: Path, out: Path):
    """Simplify the reference boundaries (shared edges kept) and write data/harbin/."""
    out.mkdir(parents=True, exist_ok=True)
    with fiona.open(reference / "harbin_districts.geojson") as src:
        feats = [(dict(f.properties), shape(f.geometry)) for f in src]
    with fiona.open(reference / "harbin_city.geojson") as src:
        city_props = dict(next(iter(src)).properties)
    geoms = shapely.coverage_simplify([g for _, g in feats], 0.0005)
    geoms = [round_geo(as_multi(g), 6) for g in geoms]
    city = round_geo(as_multi(shapely.coverage_union_all(geoms)), 6)
    write_geojson(out / "harbin_districts.geojson", "harbin_districts",
                  [(p, g) for (p, _), g in zip(feats, geoms)])
    write_geojson(out / "harbin_city.geojson", "harbin_city", [(city_props, city)])


def read_boundaries(folder: Path):
    with fiona.open(folder / "harbin_city.geojson") as src:
        city = shape(next(iter(src)).geometry)
    with fiona.open(folder / "harbin_districts.geojson") as src:
        districts = {f.properties["name_en"]: (f.properties["name"], shape(f.geometry)) for f in src}
    return city, districts


# ---------------------------------------------------------------- rivers


def shared_edge(a, b):
    return shapely.line_merge(a.boundary.intersection(b.boundary))


def arc_between(ring: LineString, p: Point, q: Point) -> LineString:
    """The shorter arc of a closed ring between the points nearest p and q."""
    L = ring.length
    s0, s1 = ring.project(p), ring.project(q)
    lo, hi = min(s0, s1), max(s0, s1)
    inner = substring(ring, lo, hi)
    if hi - lo <= L / 2:
        arc = inner
    else:
        a = substring(ring, hi, L)
        b = substring(ring, 0, lo)
        arc = LineString(list(a.coords) + list(b.coords)[1:])
    if Point(arc.coords[0]).distance(p) > Point(arc.coords[-1]).distance(p):
        arc = LineString(list(arc.coords)[::-1])
    return arc


def oriented(line: LineString, start_near) -> LineString:
    c = list(line.coords)
    if Point(c[-1]).distance(start_near) < Point(c[0]).distance(start_near):
        c = c[::-1]
    return LineString(c)


def build_rivers(city, D, rng):
    """Approximate river centre-lines (working plane).

    The Songhua follows the county borders it forms in the real boundary
    data (Songbei/Daoli ... Tonghe/Fangzheng), the city's outer edge west of
    the centre and the Lalin's lower course on the border with Jilin;
    tributaries and the Yilan stretch are sketched from a few known points.
    """
    pairs = [("Daoli", "Songbei"), ("Daowai", "Songbei"), ("Daowai", "Hulan"), ("Hulan", "Bin"),
             ("Bin", "Bayan"), ("Bin", "Mulan"), ("Bin", "Tonghe"), ("Fangzheng", "Tonghe")]
    parts = [shared_edge(D[a], D[b]) for a, b in pairs]
    chain = shapely.line_merge(shapely.union_all(parts))
    if chain.geom_type != "LineString":
        chain = max(shapely.get_parts(chain), key=lambda l: l.length)
    west_guess = Point(lonlat_to_plane(126.3, 45.75))
    chain = oriented(chain, west_guess)
    ring = LineString(city.exterior.coords)
    # western Songhua: the city's edge from the Daoli/Songbei corner to the
    # western tip of Shuangcheng (the Lalin mouth)
    sc = np.asarray(D["Shuangcheng"].exterior.coords)
    tip = Point(sc[np.argmin(sc[:, 0])])
    west = arc_between(ring, Point(chain.coords[0]), tip)
    west = oriented(west, tip)
    # Yilan stretch, sketched
    east_pts = [lonlat_to_plane(*p) for p in
                [(129.40, 46.19), (129.56, 46.32), (129.72, 46.42), (129.90, 46.52), (130.06, 46.64)]]
    east = meander(LineString([chain.coords[-1], *east_pts]), rng)
    cut = east.intersection(ring)
    if not cut.is_empty:  # stop at the city edge
        pts = [p for p in shapely.get_parts(cut) if p.geom_type == "Point"]
        far = min(pts, key=lambda p: east.project(p))
        east = substring(east, 0, east.project(far))
    songhua_raw = LineString(list(west.coords) + list(chain.coords)[1:] + list(east.coords)[1:])
    songhua = smooth_line(songhua_raw, 200.0, 6)

    def sketch(points, snap_to=None):
        c = [lonlat_to_plane(*p) for p in points]
        if snap_to is not None:
            end = snap_to.interpolate(snap_to.project(Point(c[-1])))
            c.append((end.x, end.y))
        line = smooth_line(LineString(c), 300.0, 8)
        return smooth_line(meander(line, rng), 150.0, 3)

    # Lalin: upper course inside Wuchang from Mopanshan, lower course on the border
    lalin_join = Point(lonlat_to_plane(127.01, 44.78))
    lower = arc_between(ring, ring.interpolate(ring.project(lalin_join)), tip)
    upper = sketch([(127.80, 44.41), (127.64, 44.53), (127.52, 44.64), (127.38, 44.69), (127.20, 44.72), (127.08, 44.76)],
                   snap_to=lower)
    lalin = LineString(list(upper.coords) + list(oriented(lower, Point(upper.coords[-1])).coords)[1:])

    rivers = {
        "songhua": songhua,
        "lalin": smooth_line(lalin, 250.0, 4),
        "lalin_upper": upper,
        "hulan": sketch([(126.84, 46.47), (126.80, 46.40), (126.74, 46.28), (126.66, 46.16), (126.61, 46.04), (126.60, 45.95)], songhua),
        "ashi": sketch([(127.40, 45.22), (127.25, 45.30), (127.10, 45.40), (126.98, 45.52), (126.92, 45.65), (126.86, 45.77)], songhua),
        "mayi": sketch([(127.70, 45.02), (127.96, 45.20), (128.15, 45.33), (128.33, 45.45), (128.55, 45.62), (128.74, 45.80), (128.80, 45.86)], songhua),
        "mudan": sketch([(129.66, 45.80), (129.63, 45.87), (129.62, 46.05), (129.59, 46.20), (129.575, 46.29)], songhua),
        "woken": sketch([(130.30, 46.06), (130.12, 46.12), (129.95, 46.20), (129.76, 46.28), (129.63, 46.325)], songhua),
        "shaoling": sketch([(127.26, 46.55), (127.31, 46.36), (127.35, 46.18), (127.38, 46.06)], songhua),
        "chalin": sketch([(128.56, 46.55), (128.50, 46.36), (128.46, 46.15)], songhua),
    }
    return rivers


# ---------------------------------------------------------------- terrain


RIDGES = [  # (lon, lat) polylines, weight, sigma (km): a caricature of the relief
    ([(127.55, 44.10), (127.85, 44.55), (128.25, 44.95), (128.60, 45.30), (128.95, 45.60), (129.25, 45.85)], 1.0, 55),
    ([(127.15, 45.05), (127.45, 45.30), (127.75, 45.55), (128.05, 45.70)], 0.8, 30),  # Zhangguangcai west spur
    ([(127.20, 44.35), (127.60, 44.25)], 0.6, 30),  # southern Wuchang
    ([(127.10, 46.75), (127.90, 46.70), (128.60, 46.65), (129.20, 46.50)], 1.0, 35),  # Lesser Khingan foothills
    ([(129.60, 45.85), (130.00, 46.05), (130.20, 46.40)], 0.8, 30),  # Yilan east
]


class Terrain:
    """A smooth 'mountainousness' field: high in the Zhangguangcai range and
    the Lesser Khingan foothills (east, south-east, north), low on the western
    plain and in river valleys."""

    def __init__(self, rng, rivers):
        self.ridges = [(LineString([lonlat_to_plane(*p) for p in pts]), w, s * 1e3) for pts, w, s in RIDGES]
        self.main = rivers["songhua"].simplify(200.0)
        self.tribs = shapely.union_all([rivers[k].simplify(200.0) for k in rivers if k not in ("songhua", "lalin_upper")])
        shapely.prepare(self.main)
        shapely.prepare(self.tribs)
        self.noise = Noise(rng, 40, 10e3, 120e3)

    def __call__(self, x, y):
        pts = shapely.points(np.asarray(x), np.asarray(y))
        h = np.zeros(np.shape(x))
        for line, w, s in self.ridges:
            d = shapely.distance(pts, line)
            h += w * np.exp(-0.5 * (d / s) ** 2)
        h -= 0.6 * np.exp(-shapely.distance(pts, self.main) / 10e3)
        h -= 0.3 * np.exp(-shapely.distance(pts, self.tribs) / 4e3)
        return h + 0.30 * self.noise(x, y)


# ---------------------------------------------------------------- land cover


RIVER_WIDTH = {  # half-width of the water surface (m): base, variation
    "songhua": (450, 220), "lalin": (110, 40), "hulan": (140, 50), "ashi": (55, 20), "mayi": (75, 25),
    "mudan": (170, 50), "woken": (65, 20), "shaoling": (40, 12), "chalin": (50, 15),
}
FLOODPLAIN = {  # extra half-width of the wetland-prone floodplain band (m)
    "songhua": (2600, 1500), "hulan": (1300, 600), "lalin": (900, 500), "mayi": (600, 300),
    "mudan": (800, 400), "ashi": (350, 150), "woken": (400, 200),
}


def build_water(rng, city, rivers):
    parts, band_parts = [], []
    for name, (base, var) in RIVER_WIDTH.items():
        line = rivers[name]
        f = smooth1d(rng, 10, line.length)
        hw = lambda s, f=f, base=base, var=var: base + var * f(s)
        parts.append(corridor(line, hw))
        if name in FLOODPLAIN:
            fb, fv = FLOODPLAIN[name]
            g = smooth1d(rng, 14, line.length)
            band_parts.append(corridor(line, lambda s, g=g, hw=hw, fb=fb, fv=fv: hw(s) + fb + fv * g(s), step=400.0))
    lakes = {}
    # reservoirs on the upper Lalin (Mopanshan) and the Ashi (Xiquanyan), a few ponds and oxbows
    up = rivers["lalin_upper"]
    p = up.interpolate(7e3)
    t = up.interpolate(9e3)
    ang = math.atan2(t.y - p.y, t.x - p.x)
    lakes["mopanshan"] = Star.random(rng, p.x, p.y, 3600e4, elong=3.2, angle=ang, n=180, rough=0.35).polygon()
    a = rivers["ashi"]
    p = a.interpolate(12e3)
    t = a.interpolate(14e3)
    lakes["xiquanyan"] = Star.random(rng, p.x, p.y, 1500e4, elong=3.0, angle=math.atan2(t.y - p.y, t.x - p.x), n=150,
                                     rough=0.35).polygon()
    ponds = []
    for _ in range(30):
        name = ["songhua", "songhua", "songhua", "hulan", "lalin_upper", "mayi", "mudan"][int(rng.integers(7))]
        line = rivers[name]
        p = line.interpolate(rng.uniform(0.05, 0.95) * line.length)
        off = rng.uniform(1.0, 4.0) * 1e3
        ang = rng.uniform(0, 2 * np.pi)
        ponds.append(Star.random(rng, p.x + off * math.cos(ang), p.y + off * math.sin(ang),
                                 rng.uniform(20, 350) * 1e4, elong=rng.uniform(1.2, 3.0),
                                 angle=rng.uniform(0, np.pi), n=60, rough=0.3).polygon())
    water = shapely.union_all(parts + list(lakes.values()) + ponds).intersection(city)
    band = shapely.union_all(band_parts).intersection(city).difference(water)
    return clean(water), clean(band), lakes


def seeds_in(rng, region, n):
    minx, miny, maxx, maxy = region.bounds
    shapely.prepare(region)
    pts = []
    while len(pts) < n:
        xs = rng.uniform(minx, maxx, 4 * n)
        ys = rng.uniform(miny, maxy, 4 * n)
        ok = shapely.contains_xy(region, xs, ys)
        pts.extend(zip(xs[ok], ys[ok]))
    return np.array(pts[:n])


def tessellate(rng, city, n):
    pts = seeds_in(rng, city, n)
    env = city.envelope.buffer(20e3)
    cells = list(shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=env)))
    cells.sort(key=lambda c: (round(c.centroid.y, 3), round(c.centroid.x, 3)))
    cells = np.array(cells, dtype=object)
    shapely.prepare(city)
    inside = shapely.contains_properly(city, cells)
    out = cells.copy()
    out[~inside] = shapely.intersection(cells[~inside], city)
    return [c for c in out if not c.is_empty and c.area > 1.0]


def split_by_cells(cells, geom):
    """geom cut along the cells: list of (cell index, polygon)."""
    shapely.prepare(geom)
    arr = np.array(cells, dtype=object)
    hit = np.nonzero(shapely.intersects(geom, arr))[0]
    pieces = shapely.intersection(arr[hit], geom)
    out = []
    for i, g in zip(hit, pieces):
        for p in polygons(clean(g)):
            out.append((int(i), p))
    return out


def pick_to_target(rng, pieces, scores, target_ha):
    """Take pieces in score order until target_ha; cut the last to hit it exactly.

    Returns (taken, rest) as lists of polygons.
    """
    order = np.argsort(-np.asarray(scores), kind="stable")
    taken, rest, total = [], [], 0.0
    for i in order:
        p = pieces[i]
        if total >= target_ha - 1e-6:
            rest.append(p)
            continue
        a = area_ha(p)
        if total + a <= target_ha:
            taken.append(p)
            total += a
        else:
            t, r = halfplane_cut(p, target_ha - total, rng.uniform(0, np.pi))
            taken.extend(polygons(t))
            rest.extend(polygons(r))
            total = target_ha
    return taken, rest


def build_landcover(rng, city, rivers, terrain):
    water, band, lakes = build_water(rng, city, rivers)
    cells = tessellate(rng, city, N_SEEDS)
    water_pieces = [p for _, p in split_by_cells(cells, water)]
    band_pieces = [p for _, p in split_by_cells(cells, band)]
    wet_or_band = shapely.union_all([water, band])
    land_pieces = []
    arr = np.array(cells, dtype=object)
    shapely.prepare(wet_or_band)
    touch = shapely.intersects(wet_or_band, arr)
    for c, t in zip(cells, touch):
        if not t:
            land_pieces.append(c)
        else:
            land_pieces.extend(polygons(clean(c.difference(wet_or_band))))

    def centroids(ps):
        c = shapely.centroid(np.array(ps, dtype=object))
        return shapely.get_x(c), shapely.get_y(c)

    # wetland: patches of the floodplain band, clustered by a smooth field
    wn = Noise(rng, 24, 8e3, 60e3)
    bx, by = centroids(band_pieces)
    sh = shapely.distance(shapely.points(bx, by), rivers["songhua"])
    wscore = wn(bx, by) + 0.6 * np.exp(-sh / 20e3) + 0.2 * rng.normal(size=len(bx))
    wetland, band_rest = pick_to_target(rng, band_pieces, wscore, WETLAND_HA)
    # forest: the most mountainous land
    land = land_pieces + band_rest
    lx, ly = centroids(land)
    fscore = terrain(lx, ly) + 0.08 * rng.normal(size=len(lx))
    forest, rest = pick_to_target(rng, land, fscore, FOREST_HA)
    # grassland: the western plain and floodplains (Shuangcheng, Hulan, Songbei)
    gx, gy = centroids(rest)
    gpts = shapely.points(gx, gy)
    lon = shapely.get_x(to_geo(gpts))
    flood = shapely.distance(gpts, shapely.union_all([rivers["songhua"], rivers["hulan"], rivers["lalin"]]))
    gn = Noise(rng, 16, 8e3, 50e3)
    gscore = -1.2 * (lon - 125.7) + 0.8 * np.exp(-flood / 8e3) + 0.5 * gn(gx, gy) + 0.1 * rng.normal(size=len(gx))
    grass, other = pick_to_target(rng, rest, gscore, GRASSLAND_HA)
    classes = ([("林地", p) for p in forest] + [("湿地", p) for p in wetland] + [("草地", p) for p in grass]
               + [("水域", p) for p in water_pieces] + [("其他", p) for p in other])
    return classes, water, lakes


# ---------------------------------------------------------------- sites

# code, Chinese name, English name, district (name_en), level label, size (ha), placement hint, year
NATURE_RESERVES = [
    ("NR-01", "黑龙江大秃顶子山国家级自然保护区", "Heilongjiang Datudingzi Mountain National Nature Reserve", "Shangzhi", "国家级", 42000, "mountain", 2002),
    ("NR-02", "黑龙江五常龙凤山国家级自然保护区", "Heilongjiang Wuchang Longfengshan National Nature Reserve", "Wuchang", "国家级", 26000, "mountain", 2008),
    ("NR-03", "黑龙江呼兰河口湿地自然保护区", "Heilongjiang Hulan Estuary Wetland Nature Reserve", "Hulan", "省级", 9000, "river:hulan:0.55:0.9", 2005),
    ("NR-04", "黑龙江通河丹青河自然保护区", "Heilongjiang Tonghe Danqinghe Nature Reserve", "Tonghe", "省级", 18000, "mountain", 2004),
    ("NR-05", "黑龙江方正西北楞自然保护区", "Heilongjiang Fangzheng Xibeileng Nature Reserve", "Fangzheng", "省级", 12000, "mountain", 2009),
    ("NR-06", "黑龙江延寿玉河自然保护区", "Heilongjiang Yanshou Yuhe Nature Reserve", "Yanshou", "省级", 15000, "mountain", 2006),
    ("NR-07", "黑龙江木兰北沟自然保护区", "Heilongjiang Mulan Beigou Nature Reserve", "Mulan", "省级", 20000, "mountain", 2011),
    ("NR-08", "黑龙江依兰四块石自然保护区", "Heilongjiang Yilan Sikuaishi Nature Reserve", "Yilan", "省级", 30000, "mountain", 2005),
    ("NR-09", "黑龙江巴彦松花江湿地自然保护区", "Heilongjiang Bayan Songhua River Wetland Nature Reserve", "Bayan", "省级", 9000, "river:songhua", 2010),
    ("NR-10", "黑龙江宾县长岗子自然保护区", "Heilongjiang Binxian Changgangzi Nature Reserve", "Bin", "省级", 5000, "mountain", 2013),
    ("NR-11", "黑龙江阿城大青山自然保护区", "Heilongjiang Acheng Daqingshan Nature Reserve", "Acheng", "省级", 7000, "mountain", 2000),
    ("NR-12", "黑龙江双城拉林河湿地自然保护区", "Heilongjiang Shuangcheng Lalin River Wetland Nature Reserve", "Shuangcheng", "省级", 6000, "river:lalin", 2014),
    ("NR-13", "黑龙江尚志蚂蚁河源自然保护区", "Heilongjiang Shangzhi Mayi River Source Nature Reserve", "Shangzhi", "省级", 18000, "mountain", 2012),
    ("NR-14", "黑龙江五常拉林河源国家级自然保护区", "Heilongjiang Wuchang Lalin River Source National Nature Reserve", "Wuchang", "国家级", 35000, "mountain", 2012),
    ("NR-15", "黑龙江通河岔林河国家级自然保护区", "Heilongjiang Tonghe Chalinhe National Nature Reserve", "Tonghe", "国家级", 25000, "mountain", 2013),
    ("NR-16", "黑龙江依兰松花江湿地自然保护区", "Heilongjiang Yilan Songhua River Wetland Nature Reserve", "Yilan", "省级", 10000, "river:songhua", 2016),
]
# reserves with functional zones: three zones (1994 regulation) or two (2019 guideline)
ZONED = {"NR-01": 3, "NR-02": 3, "NR-03": 3, "NR-04": 3, "NR-06": 3, "NR-08": 3, "NR-14": 3, "NR-05": 2, "NR-12": 2}
SPLIT_CORE = {"NR-08"}  # core zone in two separate parts

FOREST_PARKS = [
    ("FP-01", "黑龙江帽儿山国家森林公园", "Heilongjiang Maoershan National Forest Park", "Shangzhi", "国家级", 26000, "mountain"),
    ("FP-02", "黑龙江凤凰山国家森林公园", "Heilongjiang Fenghuangshan National Forest Park", "Wuchang", "国家级", 18000, "mountain"),
    ("FP-03", "黑龙江亚布力国家森林公园", "Heilongjiang Yabuli National Forest Park", "Shangzhi", "国家级", 15000, "mountain"),
    ("FP-04", "黑龙江金龙山国家森林公园", "Heilongjiang Jinlongshan National Forest Park", "Acheng", "国家级", 9000, "mountain"),
    ("FP-05", "黑龙江二龙山国家森林公园", "Heilongjiang Erlongshan National Forest Park", "Bin", "国家级", 6000, "overlap:SA-02"),
    ("FP-06", "黑龙江长寿国家森林公园", "Heilongjiang Changshou National Forest Park", "Yanshou", "国家级", 12000, "overlap:SA-08"),
    ("FP-07", "黑龙江乌龙国家森林公园", "Heilongjiang Wulong National Forest Park", "Tonghe", "国家级", 22000, "mountain"),
    ("FP-08", "黑龙江玉泉国家森林公园", "Heilongjiang Yuquan National Forest Park", "Acheng", "国家级", 8000, "mountain"),
    ("FP-09", "黑龙江方正龙山国家森林公园", "Heilongjiang Fangzheng Longshan National Forest Park", "Fangzheng", "国家级", 10000, "mountain"),
    ("FP-10", "黑龙江依兰吉兴河国家森林公园", "Heilongjiang Yilan Jixinghe National Forest Park", "Yilan", "国家级", 16000, "mountain"),
    ("FP-11", "黑龙江木兰蒙古山森林公园", "Heilongjiang Mulan Mengushan Forest Park", "Mulan", "省级", 4000, "mountain"),
    ("FP-12", "黑龙江巴彦驿马山森林公园", "Heilongjiang Bayan Yimashan Forest Park", "Bayan", "省级", 2500, "mountain"),
    ("FP-13", "黑龙江宾县香炉山森林公园", "Heilongjiang Binxian Xianglushan Forest Park", "Bin", "省级", 3000, "mountain"),
    ("FP-14", "黑龙江尚志苇河森林公园", "Heilongjiang Shangzhi Weihe Forest Park", "Shangzhi", "省级", 7000, "mountain"),
    ("FP-15", "黑龙江尚志一面坡森林公园", "Heilongjiang Shangzhi Yimianpo Forest Park", "Shangzhi", "省级", 5000, "mountain"),
    ("FP-16", "黑龙江五常山河森林公园", "Heilongjiang Wuchang Shanhe Forest Park", "Wuchang", "省级", 6000, "mountain"),
    ("FP-17", "黑龙江延寿寿山森林公园", "Heilongjiang Yanshou Shoushan Forest Park", "Yanshou", "省级", 4000, "mountain"),
    ("FP-18", "黑龙江通河清河森林公园", "Heilongjiang Tonghe Qinghe Forest Park", "Tonghe", "省级", 8000, "mountain"),
    ("FP-19", "黑龙江方正沙河子森林公园", "Heilongjiang Fangzheng Shahezi Forest Park", "Fangzheng", "省级", 3500, "mountain"),
    ("FP-20", "黑龙江依兰迎兰森林公园", "Heilongjiang Yilan Yinglan Forest Park", "Yilan", "省级", 5000, "mountain"),
    ("FP-21", "黑龙江阿城吊水壶森林公园", "Heilongjiang Acheng Diaoshuihu Forest Park", "Acheng", "省级", 2000, "mountain"),
    ("FP-22", "哈尔滨长岭湖森林公园", "Harbin Changling Lake Forest Park", "Shuangcheng", "市县级", 900, "any"),
    ("FP-23", "哈尔滨呼兰康金森林公园", "Harbin Hulan Kangjin Forest Park", "Hulan", "市县级", 700, "any"),
    ("FP-24", "哈尔滨松北森林公园", "Harbin Songbei Forest Park", "Songbei", "市县级", 600, "any"),
    ("FP-25", "黑龙江巴彦兴隆森林公园", "Heilongjiang Bayan Xinglong Forest Park", "Bayan", "市县级", 1500, "mountain"),
]

SCENIC_AREAS = [
    ("SA-01", "太阳岛风景名胜区", "Sun Island Scenic Area", "Songbei", "National", 2200, "river:songhua"),
    ("SA-02", "二龙山风景名胜区", "Erlongshan Scenic Area", "Bin", "Provincial", 9000, "mountain"),
    ("SA-03", "松峰山风景名胜区", "Songfengshan Scenic Area", "Acheng", "Provincial", 6000, "mountain"),
    ("SA-04", "莲花湖风景名胜区", "Lianhua Lake Scenic Area", "Fangzheng", "Provincial", 7000, "river:mayi"),
    ("SA-05", "五国城风景名胜区", "Wuguocheng Scenic Area", "Yilan", "Provincial", 5000, "at:129.52:46.24"),
    ("SA-06", "香磨山风景名胜区", "Xiangmoshan Scenic Area", "Mulan", "Provincial", 6000, "mountain"),
    ("SA-07", "少陵山风景名胜区", "Shaolingshan Scenic Area", "Bayan", "Provincial", 4500, "mountain"),
    ("SA-08", "长寿山风景名胜区", "Changshoushan Scenic Area", "Yanshou", "National", 8000, "mountain"),
    ("SA-09", "卧佛山风景名胜区", "Wofoshan Scenic Area", "Wuchang", "Provincial", 5000, "mountain"),
]

WETLAND_PARKS = [
    ("WP-01", "哈尔滨呼兰河口国家湿地公园", "Harbin Hulan Estuary National Wetland Park", "Hulan", "国家级", 1500, "inside:NR-03"),
    ("WP-02", "哈尔滨白鱼泡国家湿地公园", "Harbin Baiyupao National Wetland Park", "Daoli", "国家级", 1200, "river:songhua"),
    ("WP-03", "哈尔滨阿勒锦岛国家湿地公园", "Harbin Alejin Island National Wetland Park", "Daowai", "国家级", 900, "river:songhua"),
    ("WP-04", "黑龙江宾州河国家湿地公园", "Heilongjiang Binzhou River National Wetland Park", "Bin", "国家级", 2000, "river:songhua"),
    ("WP-05", "黑龙江巴彦少陵河国家湿地公园", "Heilongjiang Bayan Shaoling River National Wetland Park", "Bayan", "国家级", 2500, "river:shaoling"),
    ("WP-06", "黑龙江木兰松花江国家湿地公园", "Heilongjiang Mulan Songhua River National Wetland Park", "Mulan", "国家级", 3000, "river:songhua"),
    ("WP-07", "黑龙江通河松花江国家湿地公园", "Heilongjiang Tonghe Songhua River National Wetland Park", "Tonghe", "国家级", 3500, "river:songhua"),
    ("WP-08", "黑龙江方正湖国家湿地公园", "Heilongjiang Fangzheng Lake National Wetland Park", "Fangzheng", "国家级", 2800, "river:songhua"),
    ("WP-09", "黑龙江依兰巴兰河湿地公园", "Heilongjiang Yilan Balan River Wetland Park", "Yilan", "省级", 1800, "river:songhua"),
    ("WP-10", "黑龙江依兰牡丹江口湿地公园", "Heilongjiang Yilan Mudanjiang Estuary Wetland Park", "Yilan", "省级", 1000, "river:mudan"),
    ("WP-11", "黑龙江五常拉林河湿地公园", "Heilongjiang Wuchang Lalin River Wetland Park", "Wuchang", "省级", 2200, "river:lalin_upper:0.3:1.0"),
    ("WP-12", "黑龙江双城东湖湿地公园", "Heilongjiang Shuangcheng East Lake Wetland Park", "Shuangcheng", "省级", 600, "any"),
    ("WP-13", "黑龙江阿城阿什河湿地公园", "Heilongjiang Acheng Ashi River Wetland Park", "Acheng", "省级", 900, "river:ashi"),
    ("WP-14", "黑龙江尚志蚂蚁河湿地公园", "Heilongjiang Shangzhi Mayi River Wetland Park", "Shangzhi", "省级", 1600, "river:mayi"),
    ("WP-15", "黑龙江延寿蚂蚁河湿地公园", "Heilongjiang Yanshou Mayi River Wetland Park", "Yanshou", "省级", 1300, "river:mayi"),
    ("WP-16", "黑龙江呼兰泥河湿地公园", "Heilongjiang Hulan Nihe Wetland Park", "Hulan", "省级", 800, "any"),
    ("WP-17", "黑龙江宾县摆渡湿地公园", "Heilongjiang Binxian Baidu Wetland Park", "Bin", "省级", 700, "river:songhua"),
    ("WP-18", "黑龙江通河小古洞河湿地公园", "Heilongjiang Tonghe Xiaogudong River Wetland Park", "Tonghe", "省级", 1100, "river:chalin"),
    ("WP-19", "哈尔滨松北金河湾湿地公园", "Harbin Songbei Jinhewan Wetland Park", "Songbei", "市级", 400, "any"),
    ("WP-20", "哈尔滨道外团结湿地公园", "Harbin Daowai Tuanjie Wetland Park", "Daowai", "市级", 250, "river:songhua"),
]

GEOPARKS = [
    ("GP-01", "黑龙江五常大锅盔山国家地质公园", "Heilongjiang Wuchang Daguokui Mountain National Geopark", "Wuchang", "National", 12000, "mountain"),
    ("GP-02", "黑龙江依兰大罗勒密国家地质公园", "Heilongjiang Yilan Daluolemi National Geopark", "Yilan", "National", 9000, "mountain"),
    ("GP-03", "黑龙江尚志石头河地质公园", "Heilongjiang Shangzhi Shitouhe Geopark", "Shangzhi", "Provincial", 5000, "mountain"),
    ("GP-04", "黑龙江宾县平坊火山口地质公园", "Heilongjiang Binxian Pingfang Crater Geopark", "Bin", "Provincial", 3000, "mountain"),
    ("GP-05", "黑龙江方正太平山地质公园", "Heilongjiang Fangzheng Taipingshan Geopark", "Fangzheng", "Provincial", 4000, "mountain"),
    ("GP-06", "黑龙江木兰石湖地质公园", "Heilongjiang Mulan Shihu Geopark", "Mulan", "Provincial", 3500, "mountain"),
    ("GP-07", "黑龙江通河蝴蝶山地质公园", "Heilongjiang Tonghe Hudieshan Geopark", "Tonghe", "Provincial", 2500, "mountain"),
    ("GP-08", "黑龙江阿城亚沟地质公园", "Heilongjiang Acheng Yagou Geopark", "Acheng", "Provincial", 1500, "any"),
]

# river stretches (fractions of the river line) with the half-width of the reserve (m)
GERMPLASM = [
    ("GR-01", "松花江宾县段鲤鱼国家级水产种质资源保护区", "Songhua River Binxian Section Common Carp National Aquatic Germplasm Resource Reserve", "songhua", (127.20, 127.72), 1200, 2009),
    ("GR-02", "松花江通河段鳜鱼国家级水产种质资源保护区", "Songhua River Tonghe Section Mandarin Fish National Aquatic Germplasm Resource Reserve", "songhua", (128.35, 128.95), 1100, 2011),
    ("GR-03", "拉林河细鳞鱼国家级水产种质资源保护区", "Lalin River Lenok National Aquatic Germplasm Resource Reserve", "lalin_upper", (127.25, 127.62), 450, 2012),
    ("GR-04", "蚂蚁河哲罗鱼国家级水产种质资源保护区", "Mayi River Taimen National Aquatic Germplasm Resource Reserve", "mayi", (127.98, 128.40), 400, 2013),
]

# sites whose reported (legal) area differs from the mapped one by more than 5 %
DISCREPANT = {
    "NR-10": (1.12, "面积为2013年批复数据，边界为2020年勘界成果"),
    "FP-14": (0.91, None),
    "SA-07": (1.15, "Reported area from the 1998 master plan; boundary resurveyed in 2019"),
    "WP-09": (1.18, None),
}


@dataclass
class Site:
    code: str
    zh: str
    en: str
    category: str
    district: str
    level: str | None
    year: int
    geom: object = None  # working plane
    star: Star | None = None
    axis: LineString | None = None  # river-following sites: the stretch they follow
    width: float = 0.0
    zones: list = field(default_factory=list)  # (zone label, geometry)
    remarks: str | None = None
    authority: str = ""

    def reported(self, rng, gis_ha):
        f, remark = DISCREPANT.get(self.code, (None, None))
        if f is None:
            f = 1.0 + rng.uniform(-0.006, 0.006)
        else:
            self.remarks = remark
        return round(gis_ha * f, 2)


class Placer:
    """Places irregular site outlines inside their district, avoiding each other."""

    def __init__(self, rng, city, D, rivers, terrain):
        self.rng, self.city, self.D, self.rivers, self.terrain = rng, city, D, rivers, terrain
        self.inner = {k: v.buffer(-600) for k, v in D.items()}
        for g in self.inner.values():
            shapely.prepare(g)
        self.occupied: list = []
        self.by_code: dict[str, Site] = {}
        self._cache: dict = {}

    def free(self, poly, allow=()):
        if not self.occupied:
            return True
        others = [g for c, g in self.occupied if c not in allow]
        if not others:
            return True
        return not shapely.intersects(np.array(others, dtype=object), poly.buffer(300)).any()

    def _random_point(self, region):
        minx, miny, maxx, maxy = region.bounds
        while True:
            x, y = self.rng.uniform(minx, maxx), self.rng.uniform(miny, maxy)
            if shapely.contains_xy(region, x, y):
                return x, y

    def _propose(self, hint, district, area_m2):
        rng = self.rng
        kind, *args = hint.split(":")
        inner = self.inner[district]
        if kind == "mountain":
            pts = np.array([self._random_point(inner) for _ in range(24)])
            score = self.terrain(pts[:, 0], pts[:, 1])
            top = np.argsort(-score, kind="stable")[:8]
            x, y = pts[int(top[int(rng.integers(len(top)))])]
            return x, y, rng.uniform(1.1, 2.2), rng.uniform(0, np.pi), None
        if kind == "any":
            x, y = self._random_point(inner)
            return x, y, rng.uniform(1.1, 1.8), rng.uniform(0, np.pi), None
        if kind == "at":
            x, y = lonlat_to_plane(float(args[0]), float(args[1]))
            return x + rng.normal(0, 1500), y + rng.normal(0, 1500), rng.uniform(1.2, 2.0), rng.uniform(0, np.pi), None
        if kind == "inside":
            tgt = self.by_code[args[0]].geom
            region = tgt.buffer(-math.sqrt(area_m2) * 0.6)
            if region.is_empty:
                region = tgt
            x, y = self._random_point(region)
            st = self.by_code[args[0]].star
            return x, y, max(1.1, st.elong * rng.uniform(0.6, 0.9)), st.angle + rng.normal(0, 0.15), args[0]
        if kind == "overlap":
            tgt = self.by_code[args[0]].geom
            p = tgt.exterior.interpolate(rng.uniform(0, tgt.exterior.length)) if tgt.geom_type == "Polygon" else tgt.centroid
            return p.x, p.y, rng.uniform(1.1, 1.8), rng.uniform(0, np.pi), args[0]
        raise ValueError(hint)

    def _river_positions(self, river, district, t0, t1):
        key = (river, district, t0, t1)
        if key not in self._cache:
            line = self.rivers[river]
            s = np.arange(0, line.length, 250.0)
            pts = shapely.points(interpolate(line, s))
            d = shapely.distance(self.D[district], pts)
            ok = (d < 1500) & (s >= t0 * line.length) & (s <= t1 * line.length)
            self._cache[key] = s[ok]
        return self._cache[key]

    def river_strip(self, axis, half_width, inner):
        """An irregular strip along a river stretch, clipped to the district."""
        f = smooth1d(self.rng, 8, axis.length)
        L = axis.length

        def hw(s):
            t = np.asarray(s) / L
            taper = np.clip(1 - np.abs(2 * t - 1) ** 3, 0.0, 1.0) ** 0.5
            return np.maximum(half_width * (1 + 0.35 * f(s)) * taper, 60.0)

        g = corridor(axis, hw, step=150.0).intersection(inner)
        return largest(g) if not g.is_empty else Polygon()

    def place_along(self, site: Site, area_ha, river, t0=0.0, t1=1.0):
        rng = self.rng
        inner = self.inner[site.district]
        line = self.rivers[river]
        cands = self._river_positions(river, site.district, t0, t1)
        if len(cands) == 0:
            raise RuntimeError(f"{site.code}: river {river} does not touch {site.district}")
        target = area_ha * 1e4
        hw0 = float(np.clip(math.sqrt(target) / 2.0, 1400, 3500))
        for attempt in range(300):
            s = float(cands[int(rng.integers(len(cands)))])
            p = line.interpolate(s)
            interior = shapely.contains_xy(inner, p.x, p.y)  # the river runs inside the district
            hw = hw0 * rng.uniform(0.8, 1.2) / (1.8 if interior else 1.0)
            L = target / (hw if interior else max(hw - 600, 300)) * 0.9
            poly = None
            for _ in range(6):  # the area grows about linearly with the stretch length
                L = float(np.clip(L, 1000.0, min(80e3, line.length)))
                axis = substring(line, max(0.0, s - L / 2), min(line.length, s + L / 2))
                poly = self.river_strip(axis, hw, inner)
                if poly.is_empty or abs(poly.area - target) < 0.05 * target:
                    break
                L *= min(target / poly.area, 3.0)
            if poly is None or poly.is_empty or abs(poly.area - target) > 0.12 * target or not poly.is_valid:
                continue
            if not self.free(poly):
                continue
            site.geom, site.axis, site.width = poly, axis, hw
            self.by_code[site.code] = site
            self.occupied.append((site.code, poly))
            return site
        raise RuntimeError(f"could not place {site.code} {site.zh} along {river}")

    def place(self, site: Site, area_ha, hint, n=160, occupy=True, check_free=True):
        rng = self.rng
        if hint.startswith("river:"):
            _, river, *tt = hint.split(":")
            t0, t1 = (float(tt[0]), float(tt[1])) if tt else (0.0, 1.0)
            return self.place_along(site, area_ha, river, t0, t1)
        if hint.startswith("inside:") and self.by_code[hint.split(":")[1]].axis is not None:
            return self.place_inside_strip(site, area_ha, self.by_code[hint.split(":")[1]])
        inner = self.inner[site.district]
        for attempt in range(600):
            a = area_ha * 1e4 * (0.9 ** (attempt // 60))
            x, y, elong, ang, rel = self._propose(hint, site.district, a)
            star = Star.random(rng, x, y, a, elong=elong, angle=ang, n=n)
            poly = star.polygon()
            if not poly.is_valid or not inner.contains(poly):
                continue
            if rel is not None:
                tgt = self.by_code[rel].geom
                if hint.startswith("inside"):
                    if not tgt.buffer(-300).contains(poly):
                        continue
                else:
                    share = poly.intersection(tgt).area / poly.area
                    if not 0.2 <= share <= 0.6:
                        continue
            if check_free and not self.free(poly, allow=(rel,) if rel else ()):
                continue
            site.geom, site.star = poly, star
            self.by_code[site.code] = site
            if occupy:
                self.occupied.append((site.code, poly))
            return site
        raise RuntimeError(f"could not place {site.code} {site.zh}")

    def place_inside_strip(self, site: Site, area_ha, tgt: Site):
        """A site inside a river-following site: part of its stretch, nearer the river."""
        rng = self.rng
        inside = tgt.geom.buffer(-300)
        target = area_ha * 1e4
        L0 = tgt.axis.length
        for attempt in range(200):
            hw = tgt.width * rng.uniform(0.45, 0.7)
            c = rng.uniform(0.3, 0.7) * L0
            L = target / hw
            poly = None
            for _ in range(6):
                L = float(np.clip(L, 500.0, 0.9 * L0))
                axis = substring(tgt.axis, max(0.0, c - L / 2), min(L0, c + L / 2))
                poly = self.river_strip(axis, hw, inside)
                if poly.is_empty or abs(poly.area - target) < 0.05 * target:
                    break
                L *= min(target / poly.area, 3.0)
            if poly is None or poly.is_empty or abs(poly.area - target) > 0.15 * target:
                continue
            if not self.free(poly, allow=(tgt.code,)):
                continue
            site.geom, site.axis, site.width = poly, axis, hw
            self.by_code[site.code] = site
            self.occupied.append((site.code, poly))
            return site
        raise RuntimeError(f"could not place {site.code} inside {tgt.code}")


def make_strip_zones(rng, site: Site, scheme: int):
    """Zones of a river-following reserve: narrower, shorter strips nested around the river."""
    L = site.axis.length
    strip = Placer.river_strip

    class _P:  # river_strip only needs an rng
        pass

    p = _P()
    p.rng = rng
    geom = site.geom
    if scheme == 3:
        core_axis = substring(site.axis, 0.25 * L, 0.75 * L)
        core = clean(strip(p, core_axis, site.width * 0.35, geom.buffer(-150)))
        mid_axis = substring(site.axis, 0.1 * L, 0.9 * L)
        # the buffer zone surrounds the core everywhere (at least 70 m wide)
        mid = clean(shapely.union_all([strip(p, mid_axis, site.width * 0.7, geom.buffer(-80)),
                                       core.buffer(200).intersection(geom.buffer(-80))]))
        return [("核心区", core), ("缓冲区", clean(mid.difference(core))), ("实验区", clean(geom.difference(mid)))]
    core_axis = substring(site.axis, 0.15 * L, 0.85 * L)
    core = clean(strip(p, core_axis, site.width * 0.6, geom.buffer(-100)))
    return [("核心保护区", core), ("一般控制区", clean(geom.difference(core)))]


def make_zones(rng, site: Site, scheme: int):
    if site.star is None:
        return make_strip_zones(rng, site, scheme)
    star = site.star
    if scheme == 3:
        fc = star.smooth_factor(rng, 0.42, 0.10)
        fb = fc + star.smooth_factor(rng, 0.25, 0.06)
        core = star.polygon(fc)
        mid = star.polygon(fb)
        if site.code in SPLIT_CORE:  # a core zone in two parts, split by a strip of buffer zone
            c = core.centroid
            ang = star.angle + math.pi / 2
            u = np.array([math.cos(ang), math.sin(ang)]) * 1e5
            strip = LineString([(c.x - u[0], c.y - u[1]), (c.x + u[0], c.y + u[1])]).buffer(1500)
            core = clean(core.difference(strip))
        return [("核心区", core), ("缓冲区", clean(mid.difference(core))), ("实验区", clean(site.geom.difference(mid)))]
    fc = star.smooth_factor(rng, 0.62, 0.10)
    core = star.polygon(fc)
    return [("核心保护区", core), ("一般控制区", clean(site.geom.difference(core)))]


def corridor_site(rng, rivers, city, river, lon_range, half_width):
    line = rivers[river]
    c = resample(line, 100.0)
    lon = np.array(_TO_GEO.transform(c[:, 0], c[:, 1])[0])
    idx = np.nonzero((lon >= lon_range[0]) & (lon <= lon_range[1]))[0]
    part = LineString(c[idx.min(): idx.max() + 1])
    f = smooth1d(rng, 8, part.length)
    g = corridor(part, lambda s: half_width * (1 + 0.3 * f(s)), step=150.0)
    return clean(g.intersection(city.buffer(-50)))


def mopanshan_zones(rng, placer: Placer, lake):
    """Drinking-water source protection zones around Mopanshan Reservoir (nested rings)."""
    inner = placer.inner["Wuchang"]
    g1 = clean(lake.buffer(300).intersection(inner))
    c = lake.centroid
    s2 = Star.random(rng, c.x, c.y, 24000e4, elong=1.8, angle=rng.uniform(0, np.pi), n=140, rough=0.25)
    g2 = clean(shapely.union_all([s2.polygon(), g1.buffer(1000)]).intersection(inner))
    s3 = Star.random(rng, c.x, c.y, 55000e4, elong=1.6, angle=rng.uniform(0, np.pi), n=160, rough=0.25)
    g3 = clean(shapely.union_all([s3.polygon(), g2.buffer(1500)]).intersection(inner))
    g3 = largest(g3)
    return [("一级保护区", g1), ("二级保护区", clean(g2.difference(g1))), ("准保护区", clean(g3.difference(g2)))]


def zhushuntun_zones(rivers, city):
    """Grade I and II zones of the Songhua intake upstream of the city centre (Zhushuntun)."""
    line = rivers["songhua"]
    c = resample(line, 100.0)
    lon = np.array(_TO_GEO.transform(c[:, 0], c[:, 1])[0])
    i = int(np.nonzero(lon >= 126.50)[0][0])
    s = line.project(Point(c[i]))
    inner = city.buffer(-50)
    g1 = clean(substring(line, s - 1000, s + 100).buffer(700).intersection(inner))
    g2 = clean(substring(line, s - 6000, s + 300).buffer(1800).intersection(inner))
    return [("一级保护区", g1), ("二级保护区", clean(g2.difference(g1)))]


def authority(site: Site, district_zh: str) -> str:
    if site.category == "nature_reserve":
        return "黑龙江省林业和草原局" if site.level == "国家级" else f"{district_zh}林业和草原局"
    if site.category == "forest_park":
        return "哈尔滨市林业和草原局" if site.level == "国家级" else f"{district_zh}林业和草原局"
    if site.category == "scenic_area":
        return "Harbin Municipal Bureau of Forestry and Grassland"
    if site.category == "geopark":
        return "Harbin Municipal Bureau of Natural Resources and Planning"
    if site.category == "wetland_park":
        return "哈尔滨市林业和草原局" if site.level == "市级" else f"{district_zh}林业和草原局"
    if site.category == "germplasm_reserve":
        return "黑龙江省农业农村厅"
    if site.category == "water_source":
        return "哈尔滨市生态环境局"
    return "哈尔滨市自然资源和规划局"


def build_sites(rng, city, D, Dzh, rivers, terrain, lakes):
    placer = Placer(rng, city, D, rivers, terrain)
    sites: dict[str, list[Site]] = {}
    # drinking-water sources first (they are fixed by the reservoir and the intake)
    ws = []
    for i, (lvl, g) in enumerate(mopanshan_zones(rng, placer, lakes["mopanshan"]), 1):
        zh = {"一级保护区": "一", "二级保护区": "二", "准保护区": "准"}[lvl]
        en = {"一级保护区": "grade I zone", "二级保护区": "grade II zone", "准保护区": "quasi-protection zone"}[lvl]
        name = f"磨盘山水库饮用水水源{zh}级保护区" if zh != "准" else "磨盘山水库饮用水水源准保护区"
        ws.append(Site(f"WS-{i:02d}", name, f"Mopanshan Reservoir drinking-water source, {en}", "water_source",
                       "Wuchang", lvl, 2003, geom=g))
    for i, (lvl, g) in enumerate(zhushuntun_zones(rivers, city), len(ws) + 1):
        zh = {"一级保护区": "一", "二级保护区": "二"}[lvl]
        en = {"一级保护区": "grade I zone", "二级保护区": "grade II zone"}[lvl]
        ws.append(Site(f"WS-{i:02d}", f"松花江朱顺屯饮用水水源{zh}级保护区",
                       f"Songhua River Zhushuntun drinking-water source, {en}", "water_source", "Daoli", lvl, 2010, geom=g))
    for s in ws:
        placer.occupied.append((s.code, s.geom))
    sites["water_source"] = ws

    nr = []
    for code, zh, en, dist, lvl, area, hint, year in sorted(NATURE_RESERVES, key=lambda r: -r[5]):
        nr.append(placer.place(Site(code, zh, en, "nature_reserve", dist, lvl, year), area, hint))
    nr.sort(key=lambda s: s.code)
    for s in nr:
        if s.code in ZONED:
            s.zones = make_zones(rng, s, ZONED[s.code])
    sites["nature_reserve"] = nr

    def simple(table, cat, years):
        out = []
        for row in table:
            code, zh, en, dist, lvl, area, hint = row
            y0, y1 = years[lvl]
            out.append(placer.place(Site(code, zh, en, cat, dist, lvl, int(rng.integers(y0, y1 + 1))), area, hint))
        return out

    sites["scenic_area"] = simple(SCENIC_AREAS, "scenic_area", {"National": (1988, 2004), "Provincial": (1995, 2012)})
    sites["forest_park"] = simple(FOREST_PARKS, "forest_park",
                                  {"国家级": (1992, 2014), "省级": (2000, 2018), "市县级": (2010, 2020)})
    sites["geopark"] = simple(GEOPARKS, "geopark", {"National": (2005, 2014), "Provincial": (2009, 2019)})
    sites["wetland_park"] = simple(WETLAND_PARKS, "wetland_park",
                                   {"国家级": (2009, 2017), "省级": (2012, 2019), "市级": (2015, 2021)})
    gr = []
    for code, zh, en, river, lons, hw, year in GERMPLASM:
        g = corridor_site(rng, rivers, city, river, lons, hw)
        gr.append(Site(code, zh, en, "germplasm_reserve", "", "国家级", year, geom=g))
    sites["germplasm_reserve"] = gr
    rl = Site("RL-01", "张广才岭水源涵养生态保护红线（尚志片区）",
              "Zhangguangcai water-conservation ecological red line (Shangzhi part)",
              "ecological_redline", "Shangzhi", None, 2023)
    placer.place(rl, 150000, "mountain", n=220, occupy=False, check_free=False)
    sites["ecological_redline"] = [rl]
    for cat in sites.values():
        for s in cat:
            s.authority = authority(s, Dzh.get(s.district, ""))
    return sites


# ---------------------------------------------------------------- stations

AIR_URBAN = {  # district: station place names
    "Daoli": ["建国路", "群力", "安静街"], "Nangang": ["学府路", "和兴路", "省农科院"],
    "Daowai": ["承德广场", "太平"], "Xiangfang": ["红旗大街", "动力和平路"], "Pingfang": ["东轻"],
    "Songbei": ["商大", "利民"], "Acheng": ["会宁"], "Hulan": ["师专"], "Shuangcheng": ["承旭"],
}
AIR_TOWNS = [("Wuchang", 127.15, 44.92), ("Shangzhi", 127.96, 45.21), ("Bin", 127.48, 45.75),
             ("Yanshou", 128.33, 45.45), ("Fangzheng", 128.83, 45.84), ("Yilan", 129.55, 46.31)]
WATER_SECTIONS = [  # river, fraction along the line, name
    ("songhua", None, "朱顺屯"), ("songhua", None, "四方台大桥"), ("songhua", None, "呼兰河口下"),
    ("songhua", None, "大顶子山"), ("songhua", None, "摆渡"), ("songhua", None, "宾县新甸"),
    ("songhua", None, "木兰"), ("songhua", None, "通河"), ("songhua", None, "方正"),
    ("songhua", None, "伊汉通"), ("songhua", None, "依兰"), ("songhua", None, "松花江依兰下"), ("songhua", None, "宏克力"),
    ("hulan", 0.30, "呼兰河康金"), ("hulan", 0.70, "呼兰河呼兰桥"), ("hulan", 0.95, "呼兰河口内"),
    ("ashi", 0.15, "阿什河西泉眼"), ("ashi", 0.55, "阿什河阿城"), ("ashi", 0.95, "阿什河口内"),
    ("lalin_upper", 0.09, "磨盘山水库"), ("lalin_upper", 0.25, "拉林河沙河子"), ("lalin_upper", 0.55, "拉林河山河"),
    ("lalin_upper", 0.85, "拉林河向阳"),
    ("mayi", 0.20, "蚂蚁河尚志"), ("mayi", 0.55, "蚂蚁河延寿"), ("mayi", 0.95, "蚂蚁河口内"),
    ("mudan", 0.40, "牡丹江依兰段"), ("mudan", 0.95, "牡丹江口内"),
    ("woken", 0.90, "倭肯河口内"), ("shaoling", 0.90, "少陵河口内"), ("chalin", 0.90, "岔林河口内"),
]
NOISE_COUNTS = {"Daoli": 4, "Nangang": 4, "Daowai": 3, "Xiangfang": 3, "Pingfang": 2, "Songbei": 2, "Hulan": 1, "Acheng": 1}


def build_stations(rng, city, D, Dzh, rivers, water):
    out = []  # (kind label, name, district, control, point in plane)
    shapely.prepare(water)

    def district_of(x, y):
        for k, g in D.items():
            if shapely.contains_xy(g, x, y):
                return k
        raise ValueError("point outside the districts")

    def sample(region, taken, spacing, avoid_water=True):
        minx, miny, maxx, maxy = region.bounds
        for i in range(5000):
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if not shapely.contains_xy(region, x, y):
                continue
            if avoid_water and shapely.contains_xy(water, x, y):
                continue
            gap = spacing * 0.75 ** (i // 1000)  # crowded: accept closer neighbours
            if all(math.hypot(x - a, y - b) >= gap for a, b in taken):
                return x, y
        raise RuntimeError("no room for a station")

    core_box = to_plane(box(126.45, 45.62, 126.85, 45.88))
    taken = []
    for dist, names in AIR_URBAN.items():
        region = D[dist].buffer(-300)
        if dist not in ("Acheng", "Hulan", "Shuangcheng"):
            region = region.intersection(core_box)
        else:  # the district town
            town = {"Acheng": (126.96, 45.54), "Hulan": (126.59, 45.90), "Shuangcheng": (126.31, 45.38)}[dist]
            region = region.intersection(Point(lonlat_to_plane(*town)).buffer(4000))
        for i, nm in enumerate(names):
            x, y = sample(region, taken, 2500)
            taken.append((x, y))
            control = "国控" if dist in ("Daoli", "Nangang", "Daowai", "Xiangfang", "Pingfang", "Songbei") else "省控"
            out.append(("环境空气", f"{Dzh[dist][:-1]}{nm}", dist, control, Point(x, y)))
    for dist, lon, lat in AIR_TOWNS:
        region = D[dist].buffer(-300).intersection(Point(lonlat_to_plane(lon, lat)).buffer(4000))
        x, y = sample(region, taken, 2500)
        taken.append((x, y))
        out.append(("环境空气", f"{Dzh[dist]}政府", dist, "省控", Point(x, y)))
    # water quality: sections on the rivers
    sh = rivers["songhua"]
    c = resample(sh, 100.0)
    lon = np.array(_TO_GEO.transform(c[:, 0], c[:, 1])[0])
    s_start = sh.project(Point(c[int(np.nonzero(lon >= 126.45)[0][0])]))
    s_end = sh.length - 8000
    sh_names = [n for r, f, n in WATER_SECTIONS if r == "songhua"]
    sh_pos = np.linspace(s_start, s_end, len(sh_names))
    inner = city.buffer(-200)
    shapely.prepare(inner)
    k = 0
    for river, frac, name in WATER_SECTIONS:
        line = rivers[river]
        if frac is None:
            p = line.interpolate(sh_pos[k] + rng.uniform(-2000, 2000))
            k += 1
        else:
            p = line.interpolate(frac * line.length)
        if not inner.contains(p):
            raise RuntimeError(f"water station {name} outside the city")
        nm = name if name.startswith(("松花江", "呼兰河", "阿什河", "拉林河", "蚂蚁河", "牡丹江", "倭肯河", "少陵河", "岔林河", "磨盘山"))\
            else f"松花江{name}"
        control = "国控" if river == "songhua" else "省控"
        out.append(("地表水", nm + "断面", district_of(p.x, p.y), control, p))
    # noise: functional-zone points in the urban districts
    for dist, n in NOISE_COUNTS.items():
        region = D[dist].buffer(-300)
        if dist not in ("Hulan", "Acheng"):
            region = region.intersection(core_box)
        else:
            town = {"Acheng": (126.96, 45.54), "Hulan": (126.59, 45.90)}[dist]
            region = region.intersection(Point(lonlat_to_plane(*town)).buffer(4000))
        for i in range(n):
            x, y = sample(region, taken, 1500)
            taken.append((x, y))
            zone_class = int(rng.integers(1, 5))
            out.append(("声环境", f"{Dzh[dist]}{zone_class}类声功能区{i + 1}号点", dist, "市控", Point(x, y)))
    return out


# ---------------------------------------------------------------- writing

S = "str:%d"


def _date(rng, year):
    return "%04d-%02d-%02d" % (year, int(rng.integers(1, 13)), int(rng.integers(1, 29)))


def write_assets(rng, out: Path, sites, Dzh):
    src = out / "sources"
    # -- nature reserves: GBK shapefile with .cpg, CGCS2000 3-degree GK CM 126E
    schema = {"编号": S % 8, "名称": S % 80, "英文名称": S % 100, "级别": S % 10, "批建时间": "date",
              "面积": "float:14.2", "管理机构": S % 60, "状态": S % 10, "所在区县": S % 12, "数据来源": S % 60,
              "备注": S % 100}
    recs, zrecs = [], []
    for s in sites["nature_reserve"]:
        s.geom = valid_both(s.geom, WORK_CRS)
        ha = area_ha(s.geom)
        recs.append(geojson_record(as_multi(s.geom), {
            "编号": s.code, "名称": s.zh, "英文名称": s.en, "级别": s.level, "批建时间": _date(rng, s.year),
            "面积": s.reported(rng, ha), "管理机构": s.authority, "状态": "已批建", "所在区县": Dzh[s.district],
            "数据来源": SYNTHETIC, "备注": s.remarks}))
        for i, (zone, g) in enumerate(s.zones, 1):
            g = valid_both(g, WORK_CRS)
            zrecs.append(geojson_record(as_multi(g), {
                "编号": f"{s.code}-{i}", "保护区名称": s.zh, "功能区": zone, "面积": round(area_ha(g), 2),
                "数据来源": SYNTHETIC}))
    write_shp(src / "nature_reserves.shp", WORK_CRS, "MultiPolygon", schema, recs, "gbk")
    # -- their functional zones: GBK shapefile with .cpg, EPSG:4551, naming the reserve
    zschema = {"编号": S % 10, "保护区名称": S % 80, "功能区": S % 12, "面积": "float:14.2", "数据来源": S % 60}
    write_shp(src / "reserve_zones.shp", WORK_CRS, "MultiPolygon", zschema, zrecs, "gbk")

    # -- forest parks: GBK shapefile WITHOUT .cpg (language driver byte 0x4D = code page 936), lon/lat
    schema = {"编号": S % 8, "名称": S % 60, "英文名": S % 80, "级别": S % 10, "批建年份": "int:4",
              "面积": "float:12.2", "管理单位": S % 40, "所在区县": S % 12, "数据来源": S % 60, "备注": S % 100}
    recs = []
    for s in sites["forest_park"]:
        g = round_geo(to_geo(s.geom))
        recs.append(geojson_record(as_multi(g), {
            "编号": s.code, "名称": s.zh, "英文名": s.en, "级别": s.level, "批建年份": s.year,
            "面积": s.reported(rng, geo_area_ha(g)), "管理单位": s.authority, "所在区县": Dzh[s.district],
            "数据来源": SYNTHETIC, "备注": s.remarks}))
    write_shp(src / "forest_parks.shp", GEO_CRS, "MultiPolygon", schema, recs, "gbk", cpg=False, ldid=0x4D)

    # -- scenic areas and geoparks: one GeoPackage, two layers, English field names
    gpkg = src / "parks.gpkg"
    gpkg.unlink(missing_ok=True)
    schema = {"SITE_ID": "str", "NAME": "str", "NAME_EN": "str", "LEVEL": "str", "DESIG_YEAR": "int",
              "REP_AREA": "float", "MANG_AUTH": "str", "STATUS": "str", "COUNTY": "str", "SOURCE": "str",
              "REMARKS": "str"}
    for layer, cat in (("scenic_areas", "scenic_area"), ("geoparks", "geopark")):
        recs = []
        for s in sites[cat]:
            g = round_geo(to_geo(s.geom))
            recs.append(geojson_record(as_multi(g), {
                "SITE_ID": s.code, "NAME": s.zh, "NAME_EN": s.en, "LEVEL": s.level, "DESIG_YEAR": s.year,
                "REP_AREA": s.reported(rng, geo_area_ha(g)), "MANG_AUTH": s.authority, "STATUS": "Designated",
                "COUNTY": s.district, "SOURCE": SYNTHETIC, "REMARKS": s.remarks}))
        write_gpkg_layer(gpkg, layer, GEO_CRS, schema, recs)

    # -- wetland parks: GeoJSON (RFC 7946: UTF-8, lon/lat), English keys, Chinese values
    feats = []
    for s in sites["wetland_park"]:
        g = round_geo(to_geo(s.geom), 6)
        feats.append(({"PARK_ID": s.code, "NAME": s.zh, "NAME_EN": s.en, "LEVEL": s.level, "YEAR": s.year,
                       "AREA_HA": s.reported(rng, geo_area_ha(g)), "AUTHORITY": s.authority,
                       "COUNTY": Dzh[s.district], "SOURCE": SYNTHETIC, "REMARKS": s.remarks}, as_multi(g)))
    write_geojson(src / "wetland_parks.geojson", "wetland_parks", feats)

    # -- germplasm reserves, water-source zones and a red-line patch: UTF-8 shapefile with .cpg,
    #    lon/lat; the category comes from a field; UTF-8 Chinese field names are cut to 3 characters
    schema = {"编号": S % 8, "名称": S % 100, "英文名": S % 120, "类别": S % 40, "级别": S % 20,
              "批建年": "int:4", "面积": "float:14.2", "GLJG": S % 60, "来源": S % 60, "备注": S % 100}
    cat_zh = {"germplasm_reserve": "水产种质资源保护区", "water_source": "饮用水水源保护区",
              "ecological_redline": "生态保护红线"}
    recs = []
    for cat in ("germplasm_reserve", "water_source", "ecological_redline"):
        for s in sites[cat]:
            g = round_geo(to_geo(s.geom))
            recs.append(geojson_record(as_multi(g), {
                "编号": s.code, "名称": s.zh, "英文名": s.en, "类别": cat_zh[cat], "级别": s.level,
                "批建年": s.year, "面积": s.reported(rng, geo_area_ha(g)), "GLJG": s.authority,
                "来源": SYNTHETIC, "备注": s.remarks}))
    write_shp(src / "germplasm_water.shp", GEO_CRS, "MultiPolygon", schema, recs, "utf-8")


_TRANSFORMERS: dict = {}


def _geo_transformer(crs, inverse=False):
    if (crs, inverse) not in _TRANSFORMERS:
        a, b = (GEO_CRS, crs) if inverse else (crs, GEO_CRS)
        _TRANSFORMERS[crs, inverse] = pyproj.Transformer.from_crs(a, b, always_xy=True)
    return _TRANSFORMERS[crs, inverse]


def valid_both(g, crs):
    """The geometry, valid in its CRS and in lon/lat (snapped to a fine grid if need be)."""
    tr = _geo_transformer(crs)

    def ok(h):
        return not h.is_empty and h.is_valid and shapely.transform(h, _tf(tr)).is_valid

    if ok(g):
        return g
    for grid in (1e-4, 1e-3, 1e-2):
        h = clean(shapely.set_precision(g, grid))
        if ok(h):
            return h
    raise RuntimeError("could not make a polygon valid")


def valid_everywhere(g, crs, city_geo):
    """The polygon, valid both in its file CRS and once reprojected to lon/lat.

    Overlays can leave a vertex within a fraction of a millimetre of another
    edge of the same ring, which a reprojection turns into a crossing.  Such
    rare features are snapped to a fine grid and clipped to the city again
    (in lon/lat, where the boundary's edges are straight) so that they do not
    poke out of it.
    """
    tr = _geo_transformer(crs)
    back = _geo_transformer(crs, inverse=True)

    def ok(h):
        return not h.is_empty and h.is_valid and shapely.transform(h, _tf(tr)).is_valid

    if ok(g):
        return g
    for grid in (1e-4, 1e-3, 1e-2):
        h = shapely.transform(shapely.set_precision(g, grid), _tf(tr)).intersection(city_geo)
        h = clean(shapely.transform(clean(h, LONLAT_DUST), _tf(back)))
        if ok(h):
            return h
    raise RuntimeError("could not make a land-cover polygon valid")


LONLAT_DUST = 1e-10  # square degrees (~1 m2): dust left by overlays in lon/lat


def clip_in_lonlat(classes, city_plane, city_geo):
    """Clip the pieces along the city edge again in lon/lat.

    A straight edge in the Gauss-Kruger plane is a slightly curved line in
    lon/lat, so a piece cut by the boundary in the plane pokes out of the
    lon/lat boundary by up to a few square metres; cutting in lon/lat puts
    its vertices on the boundary's own (lon/lat-straight) edges.
    """
    inner = city_plane.buffer(-5.0)
    shapely.prepare(inner)
    out = []
    for cls, p in classes:
        if inner.contains(p):
            out.append((cls, p))
            continue
        q = clean(to_geo(p).intersection(city_geo), LONLAT_DUST)
        out.extend((cls, to_plane(part)) for part in polygons(q))
    return out


def write_landcover(out: Path, classes, city_geo):
    """Two GBK shapefiles split at 127.5E, each in its own 3-degree GK zone (4551 / 4552)."""
    src = out / "sources"
    # cut along the meridian in lon/lat, where it is a straight line
    west_half = box(120.0, 40.0, SPLIT_LON, 50.0)
    east_half = box(SPLIT_LON, 40.0, 135.0, 50.0)
    west, east = [], []
    for cls, p in classes:
        ll = to_geo(p)
        minx, _, maxx, _ = ll.bounds
        if maxx <= SPLIT_LON:
            west.append((cls, p))
        elif minx >= SPLIT_LON:
            east.append((cls, ll))
        else:
            west.extend((cls, to_plane(q)) for q in polygons(clean(ll.intersection(west_half), LONLAT_DUST)))
            east.extend((cls, q) for q in polygons(clean(ll.intersection(east_half), LONLAT_DUST)))
    schema = {"图斑编号": S % 8, "地类": S % 4, "年份": "int:4", "数据来源": S % 42}
    order = {"林地": 0, "湿地": 1, "草地": 2, "水域": 3, "其他": 4}
    for name, crs, prefix, items, tf in (("landcover_west.shp", "EPSG:4551", "W", west, None),
                                         ("landcover_east.shp", "EPSG:4552", "E", east, geo_to_4552)):
        def sort_key(cp, plane=tf is None):
            c = cp[1].centroid
            lon, lat = (to_geo(c).x, to_geo(c).y) if plane else (c.x, c.y)
            return (-round(lat, 3), round(lon, 3), order[cp[0]], round(lon, 9), round(lat, 9))

        items = sorted(items, key=sort_key)
        recs = []
        for i, (cls, p) in enumerate(items, 1):
            g = valid_everywhere(tf(p) if tf else p, crs, city_geo)
            recs.append(geojson_record(as_multi(g), {"图斑编号": f"{prefix}{i:06d}", "地类": cls, "年份": YEAR,
                                           "数据来源": SYNTHETIC}))
        write_shp(src / name, crs, "MultiPolygon", schema, recs, "gbk", cpg_text="936")
    return len(west), len(east)


def write_stations(out: Path, stations, Dzh):
    schema = {"编号": S % 8, "站点名称": S % 60, "站点类型": S % 12, "所在区县": S % 12, "经度": "float:11.6",
              "纬度": "float:10.6", "控制级别": S % 6, "数据来源": S % 60}
    prefix = {"环境空气": "A", "地表水": "W", "声环境": "N"}
    counters = {k: 0 for k in prefix}
    recs = []
    for kind, name, dist, control, p in stations:
        counters[kind] += 1
        g = round_geo(to_geo(p), 6)
        recs.append(geojson_record(g, {
            "编号": f"2301{prefix[kind]}{counters[kind]:03d}", "站点名称": name, "站点类型": kind,
            "所在区县": Dzh[dist], "经度": round(g.x, 6), "纬度": round(g.y, 6), "控制级别": control,
            "数据来源": SYNTHETIC}))
    write_shp(out / "sources" / "stations.shp", GEO_CRS, "Point", schema, recs, "gbk")


MANIFEST = {
    "name": "哈尔滨市生态资产清单（演示）",
    "name_en": "Harbin ecological asset inventory (demo)",
    "crs": "EPSG:4490",
    "as_of": YEAR,
    "imports": [
        {"file": "harbin/harbin_city.geojson", "layer": "boundary", "options": {"mapping": {"code": "adcode"}}},
        {"file": "harbin/harbin_districts.geojson", "layer": "districts", "options": {"mapping": {"code": "adcode"}}},
        {"file": "sources/nature_reserves.shp", "layer": "assets",
         "options": {"defaults": {"category": "nature_reserve"}, "key": "编号"}},
        {"file": "sources/reserve_zones.shp", "layer": "asset_zones", "options": {"key": "编号"}},
        {"file": "sources/forest_parks.shp", "layer": "assets",
         "options": {"defaults": {"category": "forest_park"}, "key": "编号"}},
        {"file": "sources/parks.gpkg", "layer": "assets",
         "options": {"source_layer": "scenic_areas", "defaults": {"category": "scenic_area"}, "key": "SITE_ID"}},
        {"file": "sources/parks.gpkg", "layer": "assets",
         "options": {"source_layer": "geoparks", "defaults": {"category": "geopark"}, "key": "SITE_ID"}},
        {"file": "sources/wetland_parks.geojson", "layer": "assets",
         "options": {"defaults": {"category": "wetland_park"}, "key": "PARK_ID"}},
        {"file": "sources/germplasm_water.shp", "layer": "assets", "options": {"key": "编号"}},
        {"file": "sources/landcover_west.shp", "layer": "landcover", "options": {"key": "图斑编号"}},
        {"file": "sources/landcover_east.shp", "layer": "landcover", "options": {"key": "图斑编号"}},
        {"file": "sources/stations.shp", "layer": "stations", "options": {"mapping": {"code": "编号"}, "key": "编号"}},
    ],
}


def generate(out: Path, reference: Path | None = None, verbose=True):
    out = Path(out)
    (out / "sources").mkdir(parents=True, exist_ok=True)
    if reference is not None:
        make_boundaries(Path(reference), out / "harbin")
    elif out.resolve() != HERE.resolve():
        (out / "harbin").mkdir(parents=True, exist_ok=True)
        for n in ("harbin_city.geojson", "harbin_districts.geojson"):
            shutil.copyfile(HERE / "harbin" / n, out / "harbin" / n)
    city_geo, districts = read_boundaries(out / "harbin")
    city = largest(to_plane(city_geo))
    D = {k: largest(to_plane(g)) for k, (_, g) in districts.items()}
    Dzh = {k: zh for k, (zh, _) in districts.items()}

    rng = np.random.default_rng(SEED)
    rivers = build_rivers(city, D, rng)
    terrain = Terrain(rng, rivers)
    classes, water, lakes = build_landcover(rng, city, rivers, terrain)
    classes = clip_in_lonlat(classes, city, city_geo)
    sites = build_sites(rng, city, D, Dzh, rivers, terrain, lakes)
    stations = build_stations(rng, city, D, Dzh, rivers, water)

    write_assets(rng, out, sites, Dzh)
    n_west, n_east = write_landcover(out, classes, city_geo)
    write_stations(out, stations, Dzh)
    (out / "demo.json").write_text(json.dumps(MANIFEST, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if verbose:
        totals: dict[str, float] = {}
        for cls, p in classes:
            totals[cls] = totals.get(cls, 0.0) + area_ha(p)
        city_ha = geo_area_ha(city_geo)
        print(f"city {city_ha:,.0f} ha; land-cover polygons {n_west} west + {n_east} east")
        for cls, a in totals.items():
            print(f"  {cls}: {a:,.1f} ha ({100 * a / city_ha:.2f} %)")
        for cat, ss in sites.items():
            print(f"  {cat}: {len(ss)}")
        print(f"  stations: {len(stations)}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(HERE), help="output folder (default: data/)")
    ap.add_argument("--reference", default=None,
                    help="folder with the original harbin_city.geojson / harbin_districts.geojson to simplify")
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args(argv)
    generate(Path(a.out), Path(a.reference) if a.reference else None, verbose=not a.quiet)


if __name__ == "__main__":
    sys.exit(main())
