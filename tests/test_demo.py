"""The Harbin demo inventory: built through the real import path, reproducing the published figures."""
from __future__ import annotations

import json
import subprocess
import sys

import fiona
import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import shape
from shapely.geometry.polygon import orient

from ecoinv.demo import DemoError, build_demo, load_manifest
from ecoinv.paths import data_dir
from ecoinv.store import Inventory

GEOD = pyproj.CRS.from_epsg(4490).get_geod()
PUBLISHED = {"nature_reserve": 16, "forest_park": 25, "scenic_area": 9, "wetland_park": 20,
             "geopark": 8, "germplasm_reserve": 4}


@pytest.fixture(scope="module")
def stats(demo_inventory_path):
    r = subprocess.run([sys.executable, "-m", "ecoinv", "stats", str(demo_inventory_path),
                        "--format", "json"], capture_output=True, text=True, check=True)
    return json.loads(r.stdout)


def test_demo_command_prints_import_reports_and_stats(demo_build):
    path, output = demo_build
    manifest = load_manifest()
    for entry in manifest["imports"]:
        assert entry["file"] in output
    assert "refused" not in output
    assert f"built {path}" in output
    assert "林地" in output and "41.3" in output  # the stats table follows


def test_published_counts_exactly(stats):
    counts = {row["category"]: row["count"] for row in stats["categories"]}
    for category, n in PUBLISHED.items():
        assert counts[category] == n, category
    assert counts["water_source"] >= 1
    assert {r["kind"]: r["count"] for r in stats["stations"]} == {"air": 22, "water": 31, "noise": 20}


def test_published_land_cover(stats):
    lc = {row["class"]: row for row in stats["landcover"]}
    assert abs(lc["forest"]["coverage_pct"] - 41.0) <= 0.5
    assert lc["forest"]["area_ha"] == pytest.approx(2_205_000, rel=0.01)
    assert lc["wetland"]["area_ha"] == pytest.approx(40_500, rel=0.01)
    assert lc["grassland"]["area_ha"] == pytest.approx(28_200, rel=0.01)
    assert stats["boundary"]["area_ha"] == pytest.approx(5_310_000, rel=0.005)  # ≈ 53,100 km²


def test_every_asset_inside_the_boundary(stats, demo_inventory_path):
    assert stats["outside_boundary"] == [] or all(
        row.get("outside_ha", 0) < 0.01 for row in stats["outside_boundary"])
    with Inventory.open(demo_inventory_path) as inv:
        city = shapely.union_all(inv.read_arrays("boundary")["geometry"])
        assets = inv.read_arrays("assets", columns=["name"])
        assert len(assets["id"]) >= sum(PUBLISHED.values())
        for name, geom in zip(assets["name"], assets["geometry"]):
            assert geom.difference(city).area <= 1e-6 * geom.area, name


def test_overlaps_counted_once_in_protected(stats):
    protected = stats["protected"]
    total = sum(r["area_ha"] for r in stats["categories"] if r["category"] in protected["categories"])
    assert protected["dissolved_area_ha"] < total
    pairs = {(o["a_category"], o["b_category"]) for o in stats["overlaps"]} | \
            {(o["b_category"], o["a_category"]) for o in stats["overlaps"]}
    assert ("nature_reserve", "wetland_park") in pairs
    assert ("forest_park", "scenic_area") in pairs


def test_some_reported_areas_differ(stats):
    flagged = [r for r in stats["reconciliation"] if r["flag"]]
    assert 3 <= len(flagged) <= 6


def _geod_ha(geom) -> float:
    parts = getattr(geom, "geoms", [geom])
    return sum(abs(GEOD.geometry_area_perimeter(orient(p))[0]) for p in parts) / 10_000


@pytest.mark.parametrize("file, encoding", [
    ("sources/nature_reserves.shp", "gbk"),   # GBK with .cpg, Gauss-Kruger CM 126E
    ("sources/forest_parks.shp", "gbk"),      # GBK without .cpg (language-driver byte)
])
def test_gbk_and_gauss_kruger_files_round_trip(demo_inventory_path, file, encoding):
    path = data_dir() / file
    with fiona.open(path, encoding=encoding) as src:
        to_ll = pyproj.Transformer.from_crs(pyproj.CRS.from_wkt(src.crs_wkt), 4490, always_xy=True)
        expected = {}
        for feat in src:
            geom = shapely.transform(shape(feat["geometry"]),
                                     lambda xy: np.column_stack(to_ll.transform(xy[:, 0], xy[:, 1])))
            expected[str(feat["properties"]["编号"])] = (feat["properties"]["名称"], _geod_ha(geom))
    with Inventory.open(demo_inventory_path) as inv:
        got = {f.props["source_key"]: f for f in inv.features("assets")
               if f.props["source"].endswith(f"[{path.name}]")}
    assert got.keys() == expected.keys()
    for key, (name, area) in expected.items():
        assert got[key].props["name"] == name
        assert got[key].props["area_ha"] == pytest.approx(area, rel=1e-4)


def test_zones_and_history_come_from_the_import(demo_inventory_path):
    with Inventory.open(demo_inventory_path) as inv:
        assert inv.count("asset_zones") >= 15
        zones = {f.props["zone"] for f in inv.features("asset_zones")}
        assert {"core", "buffer", "experimental", "core_protection", "general_control"} <= zones
        batches = {h.batch for h in inv.history(layer="assets")}
        assert len(batches) == 6  # one import per asset source file (parks.gpkg has two layers)
        meta = inv.metadata()
        assert "synthetic" in meta["demo"]
        # The files mark themselves synthetic; provenance adds the file name.
        for f in inv.features("assets"):
            assert "synthetic" in f.props["source"] and f.props["source"].endswith("]")


def test_demo_refuses_to_overwrite_and_leaves_nothing_on_failure(tmp_path, demo_inventory_path):
    target = tmp_path / "d.sqlite"
    target.write_bytes(b"keep me")
    with pytest.raises(DemoError, match="already exists"):
        build_demo(target)
    broken = tmp_path / "data"
    broken.mkdir()
    (broken / "demo.json").write_text(json.dumps({"name": "x", "imports": [
        {"file": "missing.shp", "layer": "assets", "options": {}}]}), encoding="utf-8")
    with pytest.raises(Exception, match="missing.shp"):
        build_demo(target, data=broken, force=True)
    assert target.read_bytes() == b"keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.sqlite", "data"]
