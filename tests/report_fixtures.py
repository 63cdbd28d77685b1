"""A small but realistic Harbin inventory for the report tests.

The real city boundary and its 18 districts (shared/reference/harbin) with a
handful of hand-made sites placed where such sites are, chosen so that every
part of the report has something to show: each reporting category, zones, a
long name that must wrap, a site that crosses the city boundary, two sites
that overlap (counted once in the coverage), reported areas that disagree
with the GIS area, a proposed site, land cover of every class and stations
of every kind.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, shape

# The repo's own copy of the real boundaries: the suite needs nothing outside the checkout.
REFERENCE = Path(__file__).resolve().parents[1] / "data" / "harbin"

KM_PER_DEG_LAT = 111.2


def blob(lon: float, lat: float, rx_km: float, ry_km: float, seed: int = 0, n: int = 36) -> Polygon:
    """An irregular closed outline: real sites are never ellipses, and a
    wobbly edge exercises the renderer's and the area code's ring handling."""
    kx = KM_PER_DEG_LAT * math.cos(math.radians(lat))
    pts = []
    for i in range(n):
        t = 2 * math.pi * i / n
        wobble = 1 + 0.18 * math.sin(3 * t + seed) + 0.08 * math.cos(5 * t + 2 * seed)
        pts.append((lon + rx_km * wobble * math.cos(t) / kx,
                    lat + ry_km * wobble * math.sin(t) / KM_PER_DEG_LAT))
    return Polygon(pts)


def _multi(geom) -> MultiPolygon:
    geom = shapely.make_valid(geom)
    if geom.geom_type == "Polygon":
        return MultiPolygon([geom])
    if geom.geom_type == "MultiPolygon":
        return geom
    return MultiPolygon([g for g in getattr(geom, "geoms", []) if g.geom_type == "Polygon"])


# (category, level, name, name_en, lon, lat, rx_km, ry_km, year, reported/GIS ratio, status)
# The ratio lets a few sites disagree with their GIS area on purpose.
SITES = [
    ("nature_reserve", "national", "黑龙江五常大秃顶子山国家级自然保护区",
     "Heilongjiang Wuchang Datudingzi Mountain National Nature Reserve",
     127.95, 44.62, 9.0, 6.5, 2013, 1.00, "designated"),
    ("nature_reserve", "provincial", "呼兰河口湿地省级自然保护区",
     "Hulan River Mouth Wetland Provincial Nature Reserve",
     126.62, 45.93, 4.0, 2.5, 2004, 1.12, "designated"),
    ("nature_reserve", "municipal", "宾县二龙山市级自然保护区", "Bin County Erlongshan Municipal Nature Reserve",
     127.55, 45.74, 3.0, 2.4, 2009, 1.01, "designated"),
    ("forest_park", "national", "帽儿山国家森林公园", "Mao'ershan National Forest Park",
     127.52, 45.28, 5.5, 4.5, 1992, 0.98, "designated"),
    ("forest_park", "national", "哈尔滨国家森林公园", "Harbin National Forest Park",
     126.70, 45.70, 1.4, 1.0, 1988, 1.00, "designated"),
    # Sits on the same ground as the geopark below: the overlap is counted once.
    ("forest_park", "national", "凤凰山国家森林公园", "Fenghuangshan National Forest Park",
     128.00, 44.35, 6.0, 5.0, 2002, 1.00, "designated"),
    ("forest_park", "provincial", "尚志市亚布力滑雪旅游度假区青云省级森林公园",
     "Shangzhi Yabuli Ski Resort Qingyun Provincial Forest Park",
     128.55, 44.92, 3.5, 2.5, 2005, 0.80, "designated"),
    ("scenic_area", "national", "太阳岛风景名胜区", "Sun Island Scenic Area",
     126.56, 45.79, 3.2, 1.8, 1988, 1.02, "designated"),
    ("wetland_park", "national", "哈尔滨白鱼泡国家湿地公园", "Harbin Baiyupao National Wetland Park",
     126.45, 45.99, 2.4, 1.8, 2011, 1.00, "designated"),
    ("wetland_park", "municipal", "金河湾湿地植物园", "Jinhewan Wetland Botanical Garden",
     126.60, 45.78, 0.9, 0.5, 2014, 1.00, "designated"),
    ("wetland_park", "provincial", "方正县莲花湖省级湿地公园", "Fangzheng Lianhua Lake Provincial Wetland Park",
     128.95, 45.80, 2.2, 1.6, None, None, "proposed"),
    ("geopark", "national", "五常凤凰山国家地质公园", "Wuchang Fenghuangshan National Geopark",
     128.03, 44.37, 5.0, 4.0, 2005, 1.00, "designated"),
    # Half of it lies across the city boundary (in Jilin): reported outside.
    ("germplasm_reserve", "national",
     "松花江哈尔滨段鳜鱼、翘嘴鲌、黄颡鱼国家级水产种质资源保护区",
     "Songhua River Harbin Section Mandarin Fish, Topmouth Culter and Yellow Catfish National "
     "Aquatic Germplasm Resource Reserve",
     125.71, 45.33, 4.0, 2.0, 2008, 1.00, "designated"),
]

NR_ZONES = ("core", "buffer", "experimental")

LANDCOVER = [
    # (class, lon, lat, rx_km, ry_km)
    ("forest", 128.2, 45.0, 55.0, 40.0),
    ("forest", 129.4, 46.1, 35.0, 30.0),
    ("forest", 127.4, 44.6, 35.0, 25.0),
    ("wetland", 126.55, 45.95, 9.0, 5.0),
    ("wetland", 128.9, 45.82, 6.0, 4.0),
    ("grassland", 126.0, 45.35, 10.0, 7.0),
    ("water", 126.75, 45.85, 12.0, 2.0),
    ("other", 126.6, 45.72, 14.0, 10.0),
]

STATIONS = [
    ("道里区空气自动站", "air", 126.60, 45.76), ("南岗区空气自动站", "air", 126.68, 45.72),
    ("阿城区空气自动站", "air", 126.96, 45.54),
    ("朱顺屯水质自动站", "water", 126.55, 45.80), ("大顶子山水质自动站", "water", 127.01, 45.97),
    ("中心城区噪声监测点", "noise", 126.63, 45.75),
]


def reference_features(name: str) -> list[dict]:
    return json.loads((REFERENCE / name).read_text(encoding="utf-8"))["features"]


def build_report_inventory(path, *, name: str = "哈尔滨市生态资产清查") -> Path:
    """Create the inventory at ``path`` (which must not exist) and return the path."""
    from ecoinv.store import Inventory

    path = Path(path)
    inv = Inventory.create(path, name=name, extra_meta={"name_en": "Harbin ecological-asset inventory",
                                                        "as_of": "2023-12-31"})
    try:
        city = reference_features("harbin_city.geojson")[0]
        city_geom = shape(city["geometry"])
        with inv.transaction(batch="report-fixture"):
            inv.insert("boundary", {"name": city["properties"]["name"], "code": city["properties"]["adcode"]},
                       city_geom)
            for f in reference_features("harbin_districts.geojson"):
                p = f["properties"]
                inv.insert("districts", {"name": p["name"], "name_en": p["name_en"], "code": p["adcode"]},
                           shape(f["geometry"]))
            for i, (cat, level, zh, en, lon, lat, rx, ry, year, ratio, status) in enumerate(SITES):
                geom = _multi(blob(lon, lat, rx, ry, seed=i))
                gis = inv.area_ha(geom)
                fid = inv.insert("assets", {
                    "name": zh, "name_en": en, "category": cat, "level": level,
                    "designated_year": year, "status": status,
                    "reported_area_ha": None if ratio is None else round(gis * ratio, 1),
                    "authority": "哈尔滨市生态环境局", "source": "report fixture",
                    "source_key": f"FX{i:03d}",
                }, geom)
                if cat == "nature_reserve" and level == "national":
                    # Nested rings, like a real reserve's zoning plan.
                    core = blob(lon, lat, rx * 0.35, ry * 0.35, seed=i + 7)
                    buffer_ = blob(lon, lat, rx * 0.6, ry * 0.6, seed=i + 9)
                    outer = geom.geoms[0]
                    for zone, g in zip(NR_ZONES, (core, buffer_.difference(core),
                                                  outer.difference(buffer_))):
                        inv.insert("asset_zones", {"asset_id": fid, "zone": zone}, _multi(g))
            for j, (cls, lon, lat, rx, ry) in enumerate(LANDCOVER):
                g = blob(lon, lat, rx, ry, seed=30 + j).intersection(city_geom)
                inv.insert("landcover", {"class": cls, "year": 2023, "source": "report fixture"}, _multi(g))
            for k, (sname, kind, lon, lat) in enumerate(STATIONS):
                inv.insert("stations", {"name": sname, "kind": kind, "code": f"S{k:02d}"}, Point(lon, lat))
    finally:
        inv.close()
    return path


def site_names() -> list[tuple[str, str]]:
    return [(s[2], s[3]) for s in SITES]
