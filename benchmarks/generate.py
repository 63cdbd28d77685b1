"""Deterministic land-cover layers that look like land-survey output.

``generate(n, out_dir)`` writes ``landcover_<n>.shp`` (+ .shx .dbf .prj .cpg):
``n`` non-overlapping polygons tiling the real Harbin boundary, in the
CGCS2000 3-degree Gauss-Kruger zone CM 126E (EPSG:4551, metres, as survey
deliveries are), with GBK attributes and a ``.cpg`` saying so (and the DBF
language-driver byte 0x4D, code page 936, as Chinese ArcGIS writes it).

How the polygons are made (no downloads, fixed seed, byte-identical output
for the same ``n`` and boundary):

1. ``n`` seed points inside the city, denser around the urban centre and in
   the farmland plain, sparser in the eastern forests (rejection sampling
   against smooth noise fields);
2. their Voronoi cells (GEOS), which share every vertex bit for bit;
3. every shared edge is densified and bent by a random smooth curve, once
   per edge, so both neighbours get exactly the same vertices.  Each bent
   edge stays inside the quadrilateral formed by its two end points and the
   two seeds it separates; those quadrilaterals never overlap, so the bent
   cells are still valid and still tile the plane without gaps or overlaps
   (no repair step, no tolerance);
4. the cells are clipped to the city boundary (cells that straddle it
   become multipart polygons, as survey parcels cut by a border do);
5. land-cover classes come from spatially coherent noise (forest mostly in
   the east and south, ~41 % of the area as Harbin reports), with the
   survey's own labels (地类 乔木林地, 沼泽地, 天然牧草地, 河流水面 ...), a
   parcel number (图斑编号), owner text (权属单位) and the planar parcel
   area (图斑面积).

The shapefile writer is a small vectorised one (the format is simple): it
writes 1M polygons in seconds, and the files carry a fixed DBF date.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import struct
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pyproj
import shapely
from shapely.geometry import shape

GEN_VERSION = 1
SEED = 20240909
CRS = "EPSG:4551"            # CGCS2000 / 3-degree Gauss-Kruger CM 126E
GEO_CRS = "EPSG:4490"        # CGCS2000 geographic (the reference files' lon/lat)
ENCODING = "gbk"
CPG = "GBK"
LDID_CP936 = 0x4D
DBF_DATE = (2023, 12, 31)
YEAR = 2023
SOURCE_TEXT = "合成基准数据 synthetic benchmark data (ecoinv)"

# Share of the city's area per class, in the order they are assigned
# (forest first: Harbin reports 41 % forest coverage).
CLASS_SHARES = {"forest": 0.41, "water": 0.035, "wetland": 0.02, "grassland": 0.01}
# The survey labels written into 地类, with their codes (地类编码).  All are
# labels or synonyms ecoinv's schema knows, as a real delivery's would be after
# the bureau's own mapping.
CLASS_LABELS = {
    "forest": [("0301", "乔木林地"), ("0301", "有林地")],
    "wetland": [("1108", "沼泽地"), ("1108", "沼泽")],
    "grassland": [("0401", "天然牧草地"), ("0401", "草地")],
    "water": [("1101", "河流水面"), ("1102", "湖泊水面")],
    "other": [("1200", "其他用地"), ("1200", "其他")],
}
_TOWNS = ["新兴", "永丰", "红旗", "胜利", "东风", "民主", "太平", "长岭", "兴隆", "富强",
          "前进", "和平", "建设", "双河", "德胜", "东升", "团结", "向阳", "福安", "五一"]
_VILLAGES = ["东兴", "西岗", "南岭", "北山", "前屯", "后屯", "三家子", "靠山", "河口", "杨树",
             "榆林", "柳河", "石头", "黄泥河", "新立", "二道沟", "腰屯", "平安", "万宝", "永安"]
_STATE_OWNERS = ["国有林场", "国有林业局", "国有农场", "水务局"]

# The DBF fields: (name, type, length, decimals).  Names are GBK, at most 10
# bytes (5 Chinese characters); these are the national survey's own names.
FIELDS = [
    ("图斑编号", "C", 18, 0),
    ("地类编码", "C", 4, 0),
    ("地类", "C", 20, 0),
    ("权属性质", "C", 10, 0),
    ("权属单位", "C", 60, 0),
    ("图斑面积", "N", 16, 2),
    ("年份", "N", 4, 0),
    ("数据来源", "C", 60, 0),
]

_REPO = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- inputs

def reference_dir(explicit: str | os.PathLike | None = None) -> Path:
    """Where the real Harbin boundary files are.

    ``explicit`` or $ECOINV_BENCH_REFERENCE, else the full-resolution reference
    folder beside the repo (shared/reference/harbin), else the repo's
    data/harbin (the demo's simplified copies of the same boundaries).
    """
    candidates = []
    if explicit:
        candidates.append(Path(explicit))
    if os.environ.get("ECOINV_BENCH_REFERENCE"):
        candidates.append(Path(os.environ["ECOINV_BENCH_REFERENCE"]))
    candidates += [_REPO.parent / "shared" / "reference" / "harbin", _REPO / "data" / "harbin"]
    for c in candidates:
        if (c / "harbin_city.geojson").exists() and (c / "harbin_districts.geojson").exists():
            return c
    raise FileNotFoundError(
        "Harbin boundary files not found (harbin_city.geojson, harbin_districts.geojson); "
        "looked in: " + ", ".join(str(c) for c in candidates))


def _read_geojson(path: Path) -> list[tuple[dict, object]]:
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    return [(dict(f.get("properties") or {}), shape(f["geometry"])) for f in doc["features"]]


_TO_PLANE = pyproj.Transformer.from_crs(GEO_CRS, CRS, always_xy=True)


def _to_plane(g):
    return shapely.transform(g, lambda xy: np.column_stack(_TO_PLANE.transform(xy[:, 0], xy[:, 1])))


@dataclass
class Boundaries:
    city: object                 # shapely (Multi)Polygon in CRS
    districts: list              # [(props, geometry in CRS)]
    digest: str                  # of the two source files


def load_boundaries(reference: str | os.PathLike | None = None) -> Boundaries:
    ref = reference_dir(reference)
    h = hashlib.sha256()
    for name in ("harbin_city.geojson", "harbin_districts.geojson"):
        h.update((ref / name).read_bytes())
    city = shapely.union_all([g for _, g in _read_geojson(ref / "harbin_city.geojson")])
    districts = [(p, _to_plane(g)) for p, g in _read_geojson(ref / "harbin_districts.geojson")]
    return Boundaries(_to_plane(city), districts, h.hexdigest()[:16])


# --------------------------------------------------------------------------- noise

class Noise:
    """Smooth 2-D noise with unit standard deviation: a sum of random plane waves."""

    def __init__(self, rng: np.random.Generator, n: int = 24, wl_min: float = 8e3,
                 wl_max: float = 120e3):
        ang = rng.uniform(0, 2 * np.pi, n)
        wl = np.exp(rng.uniform(np.log(wl_min), np.log(wl_max), n))
        self.kx = 2 * np.pi / wl * np.cos(ang)
        self.ky = 2 * np.pi / wl * np.sin(ang)
        self.ph = rng.uniform(0, 2 * np.pi, n)
        amp = (wl / wl_max) ** 0.7
        self.amp = amp / np.sqrt((amp ** 2).sum() / 2)

    def __call__(self, x, y) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        out = np.zeros(np.broadcast(x, y).shape)
        for a, kx, ky, ph in zip(self.amp, self.kx, self.ky, self.ph):
            out += a * np.cos(kx * x + ky * y + ph)
        return out


# Harbin's urban centre (Songhua River at the Central Street), lon/lat.
_CENTRE = _TO_PLANE.transform(126.63, 45.76)


class Fields:
    """The smooth fields the layer is drawn from (all deterministic from the seed)."""

    def __init__(self, rng: np.random.Generator, bounds):
        self.bounds = bounds
        self.forest_noise = Noise(rng, wl_min=10e3, wl_max=150e3)
        self.density_noise = Noise(rng, wl_min=5e3, wl_max=80e3)
        self.water_noise = Noise(rng, wl_min=3e3, wl_max=40e3)
        self.wet_noise = Noise(rng, wl_min=4e3, wl_max=50e3)
        self.grass_noise = Noise(rng, wl_min=4e3, wl_max=50e3)

    def forest(self, x, y):
        xmin, ymin, xmax, ymax = self.bounds
        east = (np.asarray(x) - xmin) / (xmax - xmin)           # 0 west .. 1 east
        south = (ymax - np.asarray(y)) / (ymax - ymin)          # 0 north .. 1 south
        return self.forest_noise(x, y) + 2.2 * east + 1.0 * south

    def urban(self, x, y):
        r2 = (np.asarray(x) - _CENTRE[0]) ** 2 + (np.asarray(y) - _CENTRE[1]) ** 2
        return np.exp(-r2 / (2 * 18e3 ** 2))

    def density(self, x, y):
        """Relative seed density: small parcels in town and farmland, big ones in forest."""
        return np.exp(0.6 * self.density_noise(x, y) - 0.45 * self.forest(x, y)) \
            * (1.0 + 8.0 * self.urban(x, y))


# --------------------------------------------------------------------------- tessellation

def _seeds(n: int, city, fields: Fields, rng: np.random.Generator) -> np.ndarray:
    xmin, ymin, xmax, ymax = city.bounds
    shapely.prepare(city)
    gx, gy = np.meshgrid(np.linspace(xmin, xmax, 200), np.linspace(ymin, ymax, 200))
    dens = fields.density(gx, gy)
    dmax = float(dens.max()) * 1.05
    inside = shapely.contains_xy(city, gx, gy)
    rate = max(float(dens[inside].sum()) / dens.size / dmax, 1e-3)  # accepted per candidate
    out, have = [], 0
    while have < n:
        batch = int((n - have) / rate * 1.1) + 1000
        x = rng.uniform(xmin, xmax, batch)
        y = rng.uniform(ymin, ymax, batch)
        u = rng.uniform(0, 1, batch)
        keep = np.empty(batch, dtype=bool)
        for k in range(0, batch, 1_000_000):   # bounded temporaries at 1M seeds
            keep[k:k + 1_000_000] = u[k:k + 1_000_000] * dmax < fields.density(
                x[k:k + 1_000_000], y[k:k + 1_000_000])
        x, y = x[keep], y[keep]
        keep = shapely.contains_xy(city, x, y)
        pts = np.column_stack([x[keep], y[keep]])
        out.append(pts)
        have += len(pts)
    return np.concatenate(out)[:n]


def _order(seeds: np.ndarray, district_of: np.ndarray, bounds) -> np.ndarray:
    """Survey files run district by district, parcels in spatial order within each."""
    xmin, ymin, xmax, ymax = bounds
    gx = ((seeds[:, 0] - xmin) / (xmax - xmin) * 65535).astype(np.uint64)
    gy = ((seeds[:, 1] - ymin) / (ymax - ymin) * 65535).astype(np.uint64)
    code = np.zeros(len(seeds), dtype=np.uint64)
    for b in range(16):  # Morton (Z-order) code
        code |= ((gx >> np.uint64(b)) & np.uint64(1)) << np.uint64(2 * b)
        code |= ((gy >> np.uint64(b)) & np.uint64(1)) << np.uint64(2 * b + 1)
    return np.lexsort((code, district_of))


def _cross(ux, uy, vx, vy):
    return ux * vy - uy * vx


def _exit_distance(px, py, dx, dy, ax, ay, bx, by, sx, sy):
    """How far the ray p + l*d (p on edge a-b) runs inside triangle (a, b, s)."""
    best = np.full(px.shape, np.inf)
    for ox, oy in ((ax, ay), (bx, by)):
        ux, uy = sx - ox, sy - oy
        den = _cross(ux, uy, dx, dy)
        with np.errstate(divide="ignore", invalid="ignore"):
            lam = -_cross(ux, uy, px - ox, py - oy) / den
        ok = np.isfinite(lam) & (lam > 0)
        best = np.where(ok & (lam < best), lam, best)
    return np.where(np.isfinite(best), best, 0.0)


def bent_voronoi(seeds: np.ndarray, envelope, rng: np.random.Generator, *,
                 points_per_seed_gap: float = 8.0, max_points: int = 20,
                 harmonics: int = 6, reach: float = 0.6) -> np.ndarray:
    """Voronoi cells of ``seeds`` with every shared edge bent into an irregular curve.

    Returns an array of Polygons in seed order.  Each shared edge a-b between
    the cells of seeds s and t is replaced by a polyline through
    ``round(|a-b| / (|s-t| / points_per_seed_gap))`` interior points (at most
    ``max_points``), each moved off the edge by ``reach`` x (a random smooth
    curve in [-1, 1]) x (the distance to the side of triangle a-b-s or a-b-t),
    so the bent edge never leaves the quadrilateral a-s-b-t.
    """
    cells = shapely.get_parts(shapely.voronoi_polygons(
        shapely.multipoints(seeds), extend_to=envelope, ordered=True))
    assert len(cells) == len(seeds)
    coords, ring = shapely.get_coordinates(shapely.get_exterior_ring(cells), return_index=True)
    seg = np.flatnonzero(ring[:-1] == ring[1:])          # segment k: coords[k] -> coords[k+1]
    P, Q, cell = coords[seg], coords[seg + 1], ring[seg]
    swap = (P[:, 0] > Q[:, 0]) | ((P[:, 0] == Q[:, 0]) & (P[:, 1] > Q[:, 1]))
    A = np.where(swap[:, None], Q, P)
    B = np.where(swap[:, None], P, Q)
    key = np.ascontiguousarray(np.column_stack([A, B])).view(np.dtype((np.void, 32))).ravel()
    _, first, edge = np.unique(key, return_index=True, return_inverse=True)
    edge = edge.ravel()
    E = len(first)
    A_e, B_e = A[first], B[first]
    # The seeds on the left and right of each edge (a -> b).
    s = seeds[cell]
    side = _cross(B[:, 0] - A[:, 0], B[:, 1] - A[:, 1], s[:, 0] - A[:, 0], s[:, 1] - A[:, 1]) > 0
    left = np.full((E, 2), np.nan)
    right = np.full((E, 2), np.nan)
    left[edge[side]] = s[side]
    right[edge[~side]] = s[~side]
    shared = ~(np.isnan(left[:, 0]) | np.isnan(right[:, 0]))
    L = np.hypot(B_e[:, 0] - A_e[:, 0], B_e[:, 1] - A_e[:, 1])
    gap = np.hypot(left[:, 0] - right[:, 0], left[:, 1] - right[:, 1])
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.where(shared, np.rint(L / (gap / points_per_seed_gap)), 0)
    m = np.clip(np.nan_to_num(m), 0, max_points).astype(np.int64)
    # The curve of each edge: sum_k c_k sin(k pi t), sum |c_k| = 1.
    k = np.arange(1, harmonics + 1)
    c = rng.uniform(-1, 1, (E, harmonics)) / k ** 0.9
    c /= np.abs(c).sum(axis=1, keepdims=True)
    start = np.cumsum(m) - m
    inner = np.empty((int(m.sum()), 2))
    # In slices of edges, so that the per-point temporaries stay small at 1M cells.
    step = 200_000
    for e0 in range(0, E, step):
        e1 = min(E, e0 + step)
        mm = m[e0:e1]
        if not mm.any():
            continue
        e_of = np.repeat(np.arange(e0, e1), mm)
        i = np.arange(len(e_of)) - np.repeat(start[e0:e1] - start[e0], mm) + 1
        t = i / (m[e_of] + 1.0)
        g = np.zeros(len(e_of))
        for j in range(harmonics):
            g += c[e_of, j] * np.sin((j + 1) * np.pi * t)
        ax, ay = A_e[e_of, 0], A_e[e_of, 1]
        bx, by = B_e[e_of, 0], B_e[e_of, 1]
        px, py = ax + t * (bx - ax), ay + t * (by - ay)
        Le = L[e_of]
        nx, ny = -(by - ay) / Le, (bx - ax) / Le               # left normal
        pos = g >= 0
        sx = np.where(pos, left[e_of, 0], right[e_of, 0])
        sy = np.where(pos, left[e_of, 1], right[e_of, 1])
        dx, dy = np.where(pos, nx, -nx), np.where(pos, ny, -ny)
        w = _exit_distance(px, py, dx, dy, ax, ay, bx, by, sx, sy)
        amt = reach * np.abs(g) * w
        inner[start[e0]:start[e0] + len(e_of)] = np.column_stack([px + amt * dx, py + amt * dy])
    # Rebuild every ring: each segment emits its start point, then the
    # interior points of its edge in the segment's own direction.  In slices
    # of cells (the segments of one cell are contiguous).
    m_o = m[edge]
    count = 1 + m_o
    seg_start = np.searchsorted(cell, np.arange(len(cells) + 1))
    out_cells = np.empty(len(cells), dtype=object)
    step = 100_000
    for c0 in range(0, len(cells), step):
        c1 = min(len(cells), c0 + step)
        s0, s1 = seg_start[c0], seg_start[c1]
        cnt, mo_all = count[s0:s1], m_o[s0:s1]
        out_start = np.cumsum(cnt) - cnt
        out = np.empty((int(cnt.sum()), 2))
        out[out_start] = P[s0:s1]
        occ = np.repeat(np.arange(s1 - s0), mo_all)
        j = np.arange(len(occ)) - np.repeat(np.cumsum(mo_all) - mo_all, mo_all)
        mo = mo_all[occ]
        src = start[edge[s0:s1][occ]] + np.where(swap[s0:s1][occ], mo - 1 - j, j)
        out[out_start[occ] + 1 + j] = inner[src]
        rings = shapely.linearrings(out, indices=np.repeat(cell[s0:s1] - c0, cnt))
        out_cells[c0:c1] = shapely.polygons(rings)
    return out_cells


def _clip(cells: np.ndarray, city) -> np.ndarray:
    """Cells clipped to the city; cut parts under 1 m2 (overlay dust) are dropped."""
    shapely.prepare(city)
    inside = shapely.contains_properly(city, cells)
    out = cells.copy()
    idx = np.flatnonzero(~inside)
    cut = shapely.intersection(cells[idx], city)
    for k, g in zip(idx, cut):
        parts = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon" and p.area >= 1.0]
        if not parts:  # can't happen (the seed is inside the city), but never write empties
            parts = [max((p for p in shapely.get_parts(g) if p.geom_type == "Polygon"),
                         key=lambda p: p.area)]
        out[k] = parts[0] if len(parts) == 1 else shapely.multipolygons(parts)
    return out


# --------------------------------------------------------------------------- attributes

def _assign_classes(cx, cy, area, fields: Fields) -> np.ndarray:
    """Classes by ranked smooth scores so each class gets its share of the area."""
    n = len(area)
    cls = np.full(n, "other", dtype=object)
    total = area.sum()
    free = np.ones(n, dtype=bool)
    scores = {
        "forest": fields.forest(cx, cy),
        "water": fields.water_noise(cx, cy) - 1.5 * fields.forest(cx, cy) / 3,
        "wetland": 0.7 * fields.wet_noise(cx, cy) + 0.5 * fields.water_noise(cx, cy),
        "grassland": fields.grass_noise(cx, cy),
    }
    for name, share in CLASS_SHARES.items():
        idx = np.flatnonzero(free)
        order = idx[np.argsort(-scores[name][idx], kind="stable")]
        take = order[: int(np.searchsorted(np.cumsum(area[order]), share * total)) + 1]
        cls[take] = name
        free[take] = False
    return cls


def _attributes(n, cls, district_of, districts, area, rng) -> dict[str, list]:
    codes = [str(p.get("adcode", p.get("code", ""))) for p, _ in districts]
    names = [str(p.get("name", "")) for p, _ in districts]
    seq = np.zeros(len(districts), dtype=np.int64)
    town = rng.integers(0, len(_TOWNS), n)
    village = rng.integers(0, len(_VILLAGES), n)
    state_pick = rng.integers(0, len(_STATE_OWNERS), n)
    label_pick = rng.integers(0, 2, n)
    state = rng.uniform(0, 1, n)
    cols = {f[0]: [] for f in FIELDS}
    for r in range(n):
        d = int(district_of[r])
        seq[d] += 1
        c = cls[r]
        code, label = CLASS_LABELS[c][label_pick[r]]
        is_state = state[r] < (0.7 if c == "forest" else 0.3 if c == "water" else 0.08)
        if is_state:
            owner = f"{names[d]}{_STATE_OWNERS[state_pick[r]]}"
        else:
            owner = f"{names[d]}{_TOWNS[town[r]]}镇{_VILLAGES[village[r]]}村"
        cols["图斑编号"].append(f"{codes[d]}{seq[d]:07d}")
        cols["地类编码"].append(code)
        cols["地类"].append(label)
        cols["权属性质"].append("国有" if is_state else "集体")
        cols["权属单位"].append(owner)
        cols["图斑面积"].append(float(area[r]))
        cols["年份"].append(YEAR)
        cols["数据来源"].append(SOURCE_TEXT)
    return cols


# --------------------------------------------------------------------------- writing

def _shp_header(file_bytes: int, bbox) -> bytes:
    return (struct.pack(">7i", 9994, 0, 0, 0, 0, 0, file_bytes // 2)
            + struct.pack("<2i", 1000, 5) + struct.pack("<4d", *bbox) + struct.pack("<4d", 0, 0, 0, 0))


def write_polygon_shapefile(path: Path, geoms: np.ndarray, columns: dict[str, list], *,
                            fields=FIELDS, crs: str = CRS, encoding: str = ENCODING,
                            cpg: str = CPG, ldid: int = LDID_CP936) -> Path:
    """A Polygon shapefile (+ .shx .dbf .prj .cpg): outer rings clockwise, holes counter-clockwise."""
    path = Path(path).with_suffix(".shp")
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    bounds = shapely.bounds(geoms)
    bbox = (bounds[:, 0].min(), bounds[:, 1].min(), bounds[:, 2].max(), bounds[:, 3].max())
    index = np.empty((n, 2), dtype=">i4")
    pos = 100                                   # bytes written so far
    with open(path, "wb") as shp:
        shp.write(b"\x00" * 100)                # the header, once the length is known
        for g0 in range(0, n, 50_000):          # in slices: bounded memory at 1M polygons
            g1 = min(n, g0 + 50_000)
            part = shapely.orient_polygons(geoms[g0:g1], exterior_cw=True)
            _, coords, offsets = shapely.to_ragged_array(part)
            if len(offsets) == 2:               # only Polygons in this slice
                ring_off, poly_off = offsets
                geom_off = np.arange(len(poly_off))
            else:
                ring_off, poly_off, geom_off = offsets
            coords = np.ascontiguousarray(coords, dtype="<f8")
            r0, r1 = poly_off[geom_off[:-1]], poly_off[geom_off[1:]]
            npts = ring_off[r1] - ring_off[r0]
            content = 44 + 4 * (r1 - r0) + 16 * npts
            buf = []
            for k in range(g1 - g0):
                i = g0 + k
                a, b = int(r0[k]), int(r1[k])
                index[i] = (pos // 2, int(content[k]) // 2)
                buf.append(struct.pack(">2i", i + 1, int(content[k]) // 2))
                buf.append(struct.pack("<i4d2i", 5, *bounds[i], b - a, int(npts[k])))
                buf.append((ring_off[a:b] - ring_off[a]).astype("<i4").tobytes())
                buf.append(coords[ring_off[a]:ring_off[b]].tobytes())
                pos += 8 + int(content[k])
            shp.write(b"".join(buf))
        shp.seek(0)
        shp.write(_shp_header(pos, bbox))
    path.with_suffix(".shx").write_bytes(_shp_header(100 + 8 * n, bbox) + index.tobytes())
    _write_dbf(path.with_suffix(".dbf"), columns, n, fields=fields, encoding=encoding, ldid=ldid)
    path.with_suffix(".prj").write_text(
        pyproj.CRS(crs).to_wkt(pyproj.enums.WktVersion.WKT1_ESRI), encoding="ascii")
    path.with_suffix(".cpg").write_text(cpg, encoding="ascii")
    return path


def _write_dbf(path: Path, columns: dict[str, list], n: int, *, fields, encoding: str,
               ldid: int) -> None:
    record_len = 1 + sum(f[2] for f in fields)
    header_len = 32 + 32 * len(fields) + 1
    y, mo, d = DBF_DATE
    head = struct.pack("<4BIHH", 0x03, y - 1900, mo, d, n, header_len, record_len)
    head += b"\x00" * 17 + bytes([ldid]) + b"\x00\x00"
    for name, ftype, length, dec in fields:
        raw = name.encode(encoding)
        if len(raw) > 10:
            raise ValueError(f"DBF field name {name!r} is over 10 bytes in {encoding}")
        head += raw.ljust(11, b"\x00") + ftype.encode() + b"\x00" * 4 + bytes([length, dec]) \
            + b"\x00" * 14
    head += b"\x0d"
    cells = []
    for name, ftype, length, dec in fields:
        col = columns[name]
        if ftype == "C":
            enc = []
            for v in col:
                raw = str(v).encode(encoding)
                if len(raw) > length:
                    raise ValueError(f"{name}: {v!r} is over {length} bytes")
                enc.append(raw.ljust(length, b" "))
        elif dec:
            enc = [f"{float(v):{length}.{dec}f}".encode()[:length] for v in col]
        else:
            enc = [f"{int(v):{length}d}".encode()[:length] for v in col]
        cells.append(enc)
    with open(path, "wb") as f:
        f.write(head)
        rows = []
        for r in range(n):
            rows.append(b" " + b"".join(c[r] for c in cells))
            if len(rows) >= 50_000:
                f.write(b"".join(rows))
                rows.clear()
        f.write(b"".join(rows))
        f.write(b"\x1a")


# --------------------------------------------------------------------------- entry points

@dataclass
class Generated:
    path: Path
    n: int
    crs: str
    encoding: str
    vertices: int
    multipart: int
    class_area_pct: dict = field(default_factory=dict)
    boundary_digest: str = ""
    seconds: float = 0.0
    version: int = GEN_VERSION

    def to_json(self) -> dict:
        d = asdict(self)
        d["path"] = str(self.path)
        return d


def parse_size(text: str | int) -> int:
    """'10k' -> 10000, '1m' / '1M' -> 1000000, '200' -> 200."""
    if isinstance(text, int):
        return text
    t = str(text).strip().lower().replace("_", "")
    mult = 1
    if t.endswith("k"):
        mult, t = 1_000, t[:-1]
    elif t.endswith("m"):
        mult, t = 1_000_000, t[:-1]
    value = float(t) * mult
    if value < 10 or value != int(value):
        raise ValueError(f"bad size {text!r} (use e.g. 200, 10k, 100k, 1m)")
    return int(value)


def size_label(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def generate(n: int, out_dir: str | os.PathLike, *, boundaries: Boundaries | None = None,
             seed: int = SEED, name: str | None = None, log=None) -> Generated:
    """Write the ``n``-polygon land-cover shapefile into ``out_dir``; same input, same bytes."""
    t0 = time.perf_counter()
    say = log or (lambda msg: None)
    b = boundaries or load_boundaries()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([seed, n])
    city = b.city
    fields = Fields(rng, city.bounds)
    say(f"seeds ({n})")
    seeds = _seeds(n, city, fields, rng)
    # Which district each seed falls in (the nearest one for the few in
    # slivers between the city outline and the districts).
    district_of = np.full(n, -1, dtype=np.int64)
    for d, (_, g) in enumerate(b.districts):
        shapely.prepare(g)
        hit = (district_of < 0) & shapely.contains_xy(g, seeds[:, 0], seeds[:, 1])
        district_of[hit] = d
    lost = np.flatnonzero(district_of < 0)
    if len(lost):
        tree = shapely.STRtree([g for _, g in b.districts])
        district_of[lost] = tree.nearest(shapely.points(seeds[lost]))
    order = _order(seeds, district_of, city.bounds)
    seeds, district_of = seeds[order], district_of[order]
    say("voronoi")
    xmin, ymin, xmax, ymax = city.bounds
    envelope = shapely.box(xmin - 20e3, ymin - 20e3, xmax + 20e3, ymax + 20e3)
    cells = bent_voronoi(seeds, envelope, rng)
    say("clip")
    cells = _clip(cells, city)
    area = shapely.area(cells)
    cls = _assign_classes(seeds[:, 0], seeds[:, 1], area, fields)
    say("attributes")
    cols = _attributes(n, cls, district_of, b.districts, area, rng)
    path = out_dir / f"{name or f'landcover_{n}'}.shp"
    say("write")
    write_polygon_shapefile(path, cells, cols)
    total = area.sum()
    shares = {c: round(100 * float(area[cls == c].sum() / total), 2)
              for c in ["forest", "wetland", "grassland", "water", "other"]}
    return Generated(path, n, CRS, CPG, int(shapely.get_num_coordinates(cells).sum()),
                     int((shapely.get_type_id(cells) == 6).sum()), shares, b.digest,
                     round(time.perf_counter() - t0, 2))


def default_cache_dir() -> Path:
    return Path(os.environ.get("ECOINV_BENCH_CACHE")
                or Path.home() / ".cache" / "ecoinv-bench")


def ensure(n: int, cache_dir: str | os.PathLike | None = None, *,
           boundaries: Boundaries | None = None, log=None) -> Generated:
    """The cached layer of size ``n``, generated on first use (or when the generator changed)."""
    b = boundaries or load_boundaries()
    folder = Path(cache_dir or default_cache_dir()) / "layers" / f"landcover-{size_label(n)}"
    meta_path = folder / "generated.json"
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        shp = Path(meta["path"])
        if (meta.get("version") == GEN_VERSION and meta.get("boundary_digest") == b.digest
                and meta.get("n") == n and all(shp.with_suffix(s).exists()
                                               for s in (".shp", ".shx", ".dbf", ".prj", ".cpg"))):
            meta["path"] = shp
            return Generated(**meta)
    gen = generate(n, folder, boundaries=b, log=log)
    meta_path.write_text(json.dumps(gen.to_json(), ensure_ascii=False, indent=1))
    return gen


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.generate",
                                 description="Write deterministic Harbin land-cover shapefiles.")
    ap.add_argument("sizes", help="comma-separated sizes, e.g. 10k,100k,1m")
    ap.add_argument("--out", help="write here instead of the cache (no caching)")
    ap.add_argument("--cache", help="cache directory (default ~/.cache/ecoinv-bench)")
    ap.add_argument("--reference", help="folder with harbin_city.geojson and harbin_districts.geojson")
    args = ap.parse_args(argv)
    b = load_boundaries(args.reference)
    for s in args.sizes.split(","):
        n = parse_size(s)
        log = lambda msg: print(f"  {size_label(n)}: {msg}", file=sys.stderr, flush=True)
        gen = generate(n, args.out, boundaries=b, log=log) if args.out else \
            ensure(n, args.cache, boundaries=b, log=log)
        print(json.dumps(gen.to_json(), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
