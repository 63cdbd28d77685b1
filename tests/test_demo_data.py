"""The Harbin demo data in data/ (issue #5): the files agencies would send.

These tests read the generated files directly with fiona/shapely/pyproj;
the import pipeline that consumes them (``ecoinv demo``) is tested
elsewhere.  Areas are geodesic on the CGCS2000 ellipsoid, ring by ring with
holes subtracted.
"""
from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from functools import lru_cache
from pathlib import Path

import fiona
import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import shape

from ecoinv import schema

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SRC = DATA / "sources"
GEOD = pyproj.CRS.from_epsg(4490).get_geod()
SYNTHETIC = "synthetic"

EXPECTED_COUNTS = {"nature_reserve": 16, "forest_park": 25, "scenic_area": 9, "wetland_park": 20,
                   "geopark": 8, "germplasm_reserve": 4}
SIZE_RANGES_HA = {"nature_reserve": (1_000, 100_000), "forest_park": (500, 30_000),
                  "scenic_area": (1_000, 30_000), "wetland_park": (200, 5_000),
                  "geopark": (500, 20_000), "germplasm_reserve": (500, 30_000)}
AREA_FIELDS = ("面积", "REP_AREA", "AREA_HA")
SOURCE_FIELDS = ("数据来源", "来源", "SOURCE")


def ring_m2(coords) -> float:
    c = np.asarray(coords)
    return abs(GEOD.polygon_area_perimeter(c[:, 0], c[:, 1])[0]) if len(c) >= 4 else 0.0


def area_ha(g) -> float:
    total = 0.0
    for p in shapely.get_parts(g):
        if p.geom_type == "Polygon":
            total += ring_m2(p.exterior.coords) - sum(ring_m2(h.coords) for h in p.interiors)
    return total / 1e4


@lru_cache(maxsize=None)
def manifest() -> dict:
    return json.loads((DATA / "demo.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def read(rel: str, layer: str | None = None):
    """(properties, lon/lat geometry, geometry in the file's CRS) per feature, and the file CRS."""
    kw = {"layer": layer} if layer else {}
    with fiona.open(DATA / rel, **kw) as src:
        crs = pyproj.CRS.from_wkt(src.crs_wkt) if src.crs_wkt else pyproj.CRS.from_epsg(4326)
        tr = None if crs.is_geographic else pyproj.Transformer.from_crs(crs, 4490, always_xy=True)
        out = []
        for f in src:
            g = shape(f.geometry)
            geo = g if tr is None else shapely.transform(
                g, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
            out.append((dict(f.properties), geo, g))
    return tuple(out), crs


def entries(layer: str):
    return [e for e in manifest()["imports"] if e["layer"] == layer]


def features(entry):
    return read(entry["file"], entry.get("options", {}).get("source_layer"))[0]


@lru_cache(maxsize=None)
def city():
    (props, geo, _), = read("harbin/harbin_city.geojson")[0]
    shapely.prepare(geo)
    return geo


@lru_cache(maxsize=None)
def assets():
    """(category code, properties, lon/lat geometry, manifest entry) of every asset feature."""
    out = []
    for e in entries("assets"):
        cat = e.get("options", {}).get("defaults", {}).get("category")
        for props, geo, _ in features(e):
            c = cat or schema.resolve_code("category", props["类别"])
            out.append((c, props, geo, e))
    return out


def prop(props, names):
    for n in names:
        if n in props:
            return props[n]
    raise KeyError(names)


# ---------------------------------------------------------------- manifest


def test_manifest_shape_and_files():
    m = manifest()
    assert m["name"] == "哈尔滨市生态资产清单（演示）"
    assert m["name_en"] == "Harbin ecological asset inventory (demo)"
    assert m["crs"] == "EPSG:4490" and m["as_of"] == 2023
    allowed = {"source_layer", "crs", "encoding", "mapping", "defaults", "key", "on_unknown"}
    layers = [e["layer"] for e in m["imports"]]
    assert layers[:2] == ["boundary", "districts"]
    assert max(i for i, l in enumerate(layers) if l == "assets" and "nature_reserves" in m["imports"][i]["file"]) \
        < layers.index("asset_zones")
    assert {"landcover", "stations"} <= set(layers)
    for e in m["imports"]:
        assert e["layer"] in schema.LAYERS
        opts = e.get("options", {})
        assert set(opts) <= allowed, e
        path = DATA / e["file"]
        assert path.exists(), path
        if path.suffix == ".shp":
            for ext in (".shx", ".dbf", ".prj"):
                assert path.with_suffix(ext).exists()
        if "source_layer" in opts:
            assert opts["source_layer"] in fiona.listlayers(path)
        feats = features(e)
        names = set(feats[0][0])
        for target, field in opts.get("mapping", {}).items():
            assert field in names and target in schema.LAYERS[e["layer"]].field_names
        if "key" in opts:  # a stable, unique key in every source file
            keys = [p[opts["key"]] for p, _, _ in feats]
            assert all(keys) and len(set(keys)) == len(keys)
        for target, value in opts.get("defaults", {}).items():
            assert schema.coerce(schema.LAYERS[e["layer"]].field(target), value) == value


# ---------------------------------------------------------------- boundaries


def test_boundaries_are_the_real_ones():
    (props, geo, _), = read("harbin/harbin_city.geojson")[0]
    assert props == {"adcode": "230100", "name": "哈尔滨市", "name_en": "Harbin"}
    city_ha = area_ha(geo)
    assert abs(city_ha / 5_308_100 - 1) < 0.001
    districts = read("harbin/harbin_districts.geojson")[0]
    assert len(districts) == 18
    assert all(set(p) == {"adcode", "name", "name_en"} and p["adcode"].startswith("2301") for p, _, _ in districts)
    assert abs(sum(area_ha(g) for _, g, _ in districts) / city_ha - 1) < 1e-4
    text = (DATA / "harbin" / "harbin_city.geojson").read_text(encoding="utf-8")
    assert '"crs"' not in text  # RFC 7946 lon/lat


# ---------------------------------------------------------------- assets


def test_asset_counts_match_what_harbin_published():
    counts = Counter(c for c, _, _, _ in assets())
    for cat, n in EXPECTED_COUNTS.items():
        assert counts[cat] == n, (cat, counts[cat])
    assert counts["water_source"] >= 1
    levels = Counter(schema.resolve_code("level", prop(p, ("级别", "LEVEL"))) for c, p, _, _ in assets()
                     if c == "nature_reserve")
    assert set(levels) == {"national", "provincial"}


def test_asset_attributes_are_realistic_and_valid_codes():
    seen = set()
    for cat, p, geo, e in assets():
        name = prop(p, ("名称", "NAME"))
        assert name and name not in seen
        seen.add(name)
        assert prop(p, ("英文名称", "英文名", "NAME_EN"))
        level = schema.resolve_code("level", prop(p, ("级别", "LEVEL")))
        if cat != "ecological_redline":
            assert level in schema.CATEGORIES[cat].levels, (name, level)
        year = prop(p, ("批建时间", "批建年份", "批建年", "DESIG_YEAR", "YEAR"))
        assert 1980 <= int(str(year)[:4]) <= 2023
        assert prop(p, ("管理机构", "管理单位", "GLJG", "MANG_AUTH", "AUTHORITY"))
        for f in ("状态", "STATUS"):
            if f in p:
                assert schema.resolve_code("status", p[f]) == "designated"
        lo, hi = SIZE_RANGES_HA.get(cat, (1, 1e6))
        assert lo <= area_ha(geo) <= hi, (name, area_ha(geo))


def test_reported_areas_mostly_agree_with_the_mapped_ones():
    far, near = [], []
    for cat, p, geo, _ in assets():
        ratio = prop(p, AREA_FIELDS) / area_ha(geo)
        (far if abs(ratio - 1) > 0.05 else near).append((prop(p, ("名称", "NAME")), ratio))
    assert 3 <= len(far) <= 5, far
    assert all(abs(r - 1) <= 0.011 for _, r in near), [x for x in near if abs(x[1] - 1) > 0.011]


def test_every_source_record_says_it_is_synthetic():
    for e in manifest()["imports"]:
        for p, _, _ in features(e):
            if e["file"].startswith("sources/"):
                assert SYNTHETIC in prop(p, SOURCE_FIELDS)
            else:
                assert not any(f in p for f in SOURCE_FIELDS)


def test_reserve_zones_nest_and_tile_their_reserve():
    (e,) = entries("asset_zones")
    reserves = {p["名称"]: g for c, p, g, _ in assets() if c == "nature_reserve"}
    zones: dict[str, dict[str, object]] = {}
    for p, g, _ in features(e):
        assert p["保护区名称"] in reserves
        schema.resolve_code("zone", p["功能区"])
        zones.setdefault(p["保护区名称"], {})[p["功能区"]] = g
    three = [n for n, z in zones.items() if set(z) == {"核心区", "缓冲区", "实验区"}]
    two = [n for n, z in zones.items() if set(z) == {"核心保护区", "一般控制区"}]
    assert len(three) >= 5 and len(two) >= 1 and len(three) + len(two) == len(zones)
    assert any(z["核心区"].geom_type == "MultiPolygon" and len(z["核心区"].geoms) > 1
               for n, z in zones.items() if n in three)
    for name, z in zones.items():
        reserve = reserves[name]
        total = sum(area_ha(g) for g in z.values())
        union = area_ha(shapely.union_all(list(z.values())))
        assert abs(total / area_ha(reserve) - 1) < 1e-4, name  # no gaps ...
        assert abs(union / total - 1) < 1e-4, name  # ... and no overlaps
        for g in z.values():
            assert outside_share(g, reserve) <= 1e-6
        if name in three:  # the buffer zone separates the core from the experimental zone
            assert z["核心区"].distance(z["实验区"]) > 0


def test_overlaps_that_real_data_has():
    by_cat: dict[str, list] = {}
    for c, p, g, _ in assets():
        by_cat.setdefault(c, []).append(g)
    inside = [(w, r) for w in by_cat["wetland_park"] for r in by_cat["nature_reserve"]
              if w.intersects(r) and outside_share(w, r) <= 1e-6]
    assert inside, "no wetland park lies inside a nature reserve"
    shared = [(f, s) for f in by_cat["forest_park"] for s in by_cat["scenic_area"]
              if f.intersects(s) and area_ha(f.intersection(s)) > 0.05 * min(area_ha(f), area_ha(s))]
    assert shared, "no forest park shares land with a scenic area"
    assert all(not s.contains(f) and not f.contains(s) for f, s in shared)


# ---------------------------------------------------------------- land cover and stations


@lru_cache(maxsize=None)
def landcover_totals():
    totals: Counter = Counter()
    for e in entries("landcover"):
        for p, g, _ in features(e):
            assert p["年份"] == 2023
            totals[schema.resolve_code("class", p["地类"])] += area_ha(g)
    return totals


def test_landcover_totals():
    t = landcover_totals()
    city_ha = area_ha(city())
    assert set(t) == {"forest", "wetland", "grassland", "water", "other"}
    assert 40.6 <= 100 * t["forest"] / city_ha <= 41.4
    assert abs(t["wetland"] / 40_500 - 1) <= 0.01
    assert abs(t["grassland"] / 28_200 - 1) <= 0.01
    # the polygons cover the city once: no overlaps, no gaps
    assert abs(sum(t.values()) / city_ha - 1) < 1e-4


def test_landcover_files_are_split_by_gauss_kruger_zone():
    crss = {Path(e["file"]).stem: read(e["file"])[1].to_epsg() for e in entries("landcover")}
    assert crss == {"landcover_west": 4551, "landcover_east": 4552}
    n = sum(len(features(e)) for e in entries("landcover"))
    assert 1_000 <= n <= 5_000


def test_stations():
    (e,) = entries("stations")
    feats = features(e)
    kinds = Counter(schema.resolve_code("kind", p["站点类型"]) for p, _, _ in feats)
    assert kinds == {"air": 22, "water": 31, "noise": 20}
    assert len({p["编号"] for p, _, _ in feats}) == len(feats)
    assert len({p["站点名称"] for p, _, _ in feats}) == len(feats)
    urban = [g for p, g, _ in feats if schema.resolve_code("kind", p["站点类型"]) in ("air", "noise")
             and 126.4 <= g.x <= 126.9 and 45.6 <= g.y <= 45.9]
    assert len(urban) >= 0.7 * (22 + 20)
    for p, g, _ in feats:
        assert g.geom_type == "Point"
        assert abs(p["经度"] - g.x) < 1e-6 and abs(p["纬度"] - g.y) < 1e-6


# ---------------------------------------------------------------- geometry


def all_features():
    for e in manifest()["imports"]:
        if e["file"].startswith("sources/"):
            for p, geo, raw in features(e):
                yield e, p, geo, raw


def outside_share(g, container) -> float:
    """Share of g outside container, measured in the lon/lat plane.

    (A sliver whose vertices are collinear in lon/lat has no area there but
    a spurious one if measured along geodesics, so slivers are not measured
    geodesically.)
    """
    return g.difference(container).area / g.area


def test_everything_is_inside_the_city():
    c = city()
    worst = 0.0
    for e, p, geo, _ in all_features():
        if geo.geom_type == "Point":
            assert c.contains(geo), (e["file"], p)
        elif not c.contains(geo):
            share = outside_share(geo, c)
            worst = max(worst, share)
            assert share <= 1e-6, (e["file"], p, share)


def test_geometries_are_valid_in_the_file_crs_and_in_lon_lat():
    for e, p, geo, raw in all_features():
        assert raw.is_valid and geo.is_valid, (e["file"], p, shapely.is_valid_reason(raw),
                                               shapely.is_valid_reason(geo))
        assert not shapely.has_z(raw)


# ---------------------------------------------------------------- formats


def dbf_header(stem):
    raw = (SRC / f"{stem}.dbf").read_bytes()
    n_header = int.from_bytes(raw[8:10], "little")
    names = []
    for i in range(32, n_header - 1, 32):
        names.append(raw[i:i + 11].split(b"\0")[0])
    return raw, names


@pytest.mark.parametrize("stem,encoding,cpg,epsg", [
    ("nature_reserves", "gbk", "GBK", 4551),
    ("reserve_zones", "gbk", "GBK", 4551),
    ("forest_parks", "gbk", None, 4490),
    ("germplasm_water", "utf-8", "UTF-8", 4490),
    ("landcover_west", "gbk", "936", 4551),
    ("landcover_east", "gbk", "936", 4552),
    ("stations", "gbk", "GBK", 4490),
])
def test_shapefile_encodings_and_crs(stem, encoding, cpg, epsg):
    cpg_path = SRC / f"{stem}.cpg"
    if cpg is None:
        assert not cpg_path.exists()
    else:
        assert cpg_path.read_text(encoding="ascii").strip() == cpg
    raw, names = dbf_header(stem)
    if stem == "forest_parks":
        assert raw[29] == 0x4D  # language driver: code page 936, as ArcGIS writes GBK files
    decoded = [n.decode(encoding) for n in names]  # raises if the bytes are in another encoding
    assert all(len(n) <= 10 for n in names)
    if encoding == "gbk":
        assert any(any("\u4e00" <= ch <= "\u9fff" for ch in d) for d in decoded)
        with pytest.raises(UnicodeDecodeError):
            b"".join(n for n in names if any(b > 0x7F for b in n)).decode("utf-8")
    prj = pyproj.CRS.from_wkt((SRC / f"{stem}.prj").read_text())
    assert prj.to_epsg() == epsg
    with fiona.open(SRC / f"{stem}.shp", encoding=encoding) as src:
        names_read = list(src.schema["properties"])
    assert names_read == decoded


def test_geopackage_and_geojson():
    gpkg = SRC / "parks.gpkg"
    assert sorted(fiona.listlayers(gpkg)) == ["geoparks", "scenic_areas"]
    for layer in ("scenic_areas", "geoparks"):
        with fiona.open(gpkg, layer=layer) as src:
            assert src.crs.to_epsg() == 4490
            assert {"NAME", "LEVEL", "REP_AREA"} <= set(src.schema["properties"])
    doc = json.loads((SRC / "wetland_parks.geojson").read_text(encoding="utf-8"))
    assert "crs" not in doc and len(doc["features"]) == 20
    lon, lat = doc["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 125 < lon < 131 and 44 < lat < 47


def test_data_stays_small():
    total = sum(p.stat().st_size for p in DATA.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    assert total < 5_000_000


# ---------------------------------------------------------------- determinism


def test_regenerating_gives_the_same_files(tmp_path):
    subprocess.run([sys.executable, str(DATA / "generate_demo.py"), "--out", str(tmp_path), "-q"],
                   check=True, timeout=300)
    assert (tmp_path / "demo.json").read_bytes() == (DATA / "demo.json").read_bytes()
    for path in sorted(SRC.iterdir()):
        new = tmp_path / "sources" / path.name
        assert new.exists(), path.name
        if path.suffix in (".cpg", ".prj", ".geojson", ".dbf"):
            assert new.read_bytes() == path.read_bytes(), path.name
    for e in manifest()["imports"]:
        if not e["file"].startswith("sources/"):
            continue
        kw = {"layer": e["options"]["source_layer"]} if "source_layer" in e.get("options", {}) else {}
        with fiona.open(DATA / e["file"], **kw) as a, fiona.open(tmp_path / e["file"], **kw) as b:
            assert len(a) == len(b)
            for fa, fb in zip(a, b):
                assert dict(fa.properties) == dict(fb.properties)
                assert shape(fa.geometry).equals_exact(shape(fb.geometry), 0.0)
