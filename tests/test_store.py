"""The SpatiaLite inventory: schema, areas, transactions, history, locking, interop."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import pyproj
import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, box
from shapely.geometry.polygon import orient

from ecoinv import schema
from ecoinv.geometry import GeometryError
from ecoinv.store import (SCHEMA_VERSION, FeatureNotFound, Inventory, InventoryLocked,
                          SpatialiteMissing, StoreError)

from .conftest import file_digest

GEOD_CGCS2000 = pyproj.CRS.from_epsg(4490).get_geod()


def geod_area_ha(geom) -> float:
    """Independent reference: pyproj's own geometry area on the CGCS2000 ellipsoid."""
    area, _ = GEOD_CGCS2000.geometry_area_perimeter(orient(geom) if isinstance(geom, Polygon)
                                                    else MultiPolygon([orient(p) for p in geom.geoms]))
    return abs(area) / 10_000


def close_rel(a, b, rel=1e-4):  # 0.01 %
    return abs(a - b) <= rel * abs(b)


# --- schema round trip -------------------------------------------------------

SAMPLE = {
    "boundary": ({"name": "哈尔滨市", "code": "230100"}, box(125.7, 44.1, 130.2, 46.7)),
    "districts": ({"name": "道里区", "name_en": "Daoli", "code": "230102"}, box(126.4, 45.6, 126.7, 45.8)),
    "assets": ({"name": "太阳岛湿地公园", "name_en": "Sun Island Wetland Park",
                "category": "wetland_park", "level": "national", "designated_year": 2009,
                "authority": "哈尔滨市林业和草原局", "reported_area_ha": 1234.5, "status": "designated",
                "source": "test", "source_key": "W1", "remarks": "备注 'quoted' \"text\""},
               box(126.55, 45.78, 126.62, 45.81)),
    "landcover": ({"class": "forest", "year": 2023, "source": "test", "source_key": "L1"},
                  box(127, 45, 127.1, 45.1)),
    "stations": ({"name": "道里监测站", "kind": "air", "code": "A01", "source": "t", "source_key": "S1",
                  "remarks": None}, Point(126.6, 45.76)),
}


def test_schema_round_trip(inv, inventory_path):
    ids = {layer: inv.insert(layer, props, geom) for layer, (props, geom) in SAMPLE.items()}
    zone_id = inv.insert("asset_zones", {"asset_id": ids["assets"], "zone": "general_control",
                                         "source": "t", "source_key": "Z1"},
                         box(126.56, 45.785, 126.6, 45.8))
    inv.close()
    reopened = Inventory.open(inventory_path)
    assert reopened.name == "test inventory"
    assert reopened.srid == 4490 and reopened.crs.to_epsg() == 4490
    assert reopened.schema_version == SCHEMA_VERSION
    assert [m[0] for m in reopened.migrations()] == list(range(1, SCHEMA_VERSION + 1))
    for layer, (props, geom) in SAMPLE.items():
        f = reopened.get(layer, ids[layer])
        for k, v in props.items():
            assert f.props[k] == v, (layer, k)
        assert f.geometry.equals(geom)
        if layer != "stations":
            assert f.geometry.geom_type == "MultiPolygon"
    zone = reopened.get("asset_zones", zone_id)
    assert zone.props["asset_id"] == ids["assets"] and zone.props["zone"] == "general_control"
    counts = {l.name: l.count for l in reopened.layers()}
    assert counts == {"boundary": 1, "districts": 1, "assets": 1, "asset_zones": 1,
                      "landcover": 1, "stations": 1}
    reopened.close()


def test_labels_resolve_to_codes(inv):
    fid = inv.insert("assets", {"name": "x", "category": "自然保护区", "level": "国家级",
                                "status": "拟建"}, box(126, 45, 126.1, 45.1))
    p = inv.get("assets", fid).props
    assert (p["category"], p["level"], p["status"]) == ("nature_reserve", "national", "proposed")


def test_projected_storage_crs(tmp_path):
    inv = Inventory.create(tmp_path / "gk.sqlite", crs="EPSG:4551")
    # 10 km x 10 km square in Gauss-Kruger CM 126E near the central meridian:
    # the geodesic area is within a few hundredths of a percent of 10,000 ha.
    fid = inv.insert("landcover", {"class": "forest"}, box(500000, 5000000, 510000, 5010000))
    area = inv.get("landcover", fid).props["area_ha"]
    to_ll = pyproj.Transformer.from_crs(4551, 4490, always_xy=True)
    ll = shapely.transform(box(500000, 5000000, 510000, 5010000).segmentize(100),
                           lambda xy: __import__("numpy").column_stack(to_ll.transform(xy[:, 0], xy[:, 1])))
    assert close_rel(area, geod_area_ha(ll), 1e-4)
    assert abs(area - 10_000) / 10_000 < 0.001
    inv.close()


# --- geodesic area -------------------------------------------------------------

def test_area_of_one_degree_cell_at_45N(inv):
    cell = box(126, 45, 127, 46)
    fid = inv.insert("landcover", {"class": "forest"}, cell)
    area = inv.get("landcover", fid).props["area_ha"]
    assert close_rel(area, geod_area_ha(cell))
    # Sanity against the closed form for a lat/lon cell on a sphere of the
    # authalic radius: ~8,686 km² at 45–46°N (within 0.5 %).
    assert abs(area / 100 - 8686) / 8686 < 0.005


def test_area_of_polygon_with_hole(inv):
    shell = [(126.0, 45.0), (126.8, 45.1), (126.9, 45.7), (126.2, 45.8), (125.9, 45.4)]
    hole = [(126.3, 45.3), (126.5, 45.3), (126.5, 45.5), (126.3, 45.5)]
    poly = Polygon(shell, [hole])
    fid = inv.insert("assets", {"name": "hole", "category": "nature_reserve"}, poly)
    area = inv.get("assets", fid).props["area_ha"]
    assert close_rel(area, geod_area_ha(poly))
    assert close_rel(area, geod_area_ha(Polygon(shell)) - geod_area_ha(Polygon(hole)))


def test_area_of_multipolygon(inv):
    mp = MultiPolygon([box(126, 45, 126.5, 45.5), Polygon([(127, 46), (127.3, 46), (127.1, 46.4)])])
    fid = inv.insert("assets", {"name": "mp", "category": "forest_park"}, mp)
    assert close_rel(inv.get("assets", fid).props["area_ha"], geod_area_ha(mp))


def test_area_follows_geometry_changes(inv):
    fid = inv.insert("assets", {"name": "a", "category": "geopark"}, box(126, 45, 126.1, 45.1))
    bigger = box(126, 45, 126.3, 45.2)
    inv.update("assets", fid, geometry=bigger)
    assert close_rel(inv.get("assets", fid).props["area_ha"], geod_area_ha(bigger))


# --- refusals ------------------------------------------------------------------

@pytest.mark.parametrize("props, message", [
    ({"name": "x", "category": "bogus_park"}, "allowed: national_park, nature_reserve"),
    ({"name": "x", "category": "nature_reserve", "level": "galactic"}, "assets.level"),
    ({"name": "x", "category": "scenic_area", "level": "county"}, "not a level of scenic_area"),
    ({"name": "x", "category": "geopark", "status": "maybe"}, "allowed: designated"),
    ({"name": "x"}, "assets.category is required"),
    ({"name": "x", "category": "geopark", "designated_year": "soon"}, "not a whole number"),
    ({"name": "x", "category": "geopark", "area_ha": 5}, "computed"),
    ({"name": "x", "category": "geopark", "colour": "red"}, "has no field 'colour'"),
])
def test_bad_codes_and_fields_are_refused(inv, inventory_path, props, message):
    before = file_digest(inventory_path)
    with pytest.raises(schema.SchemaError, match=message):
        inv.insert("assets", props, box(126, 45, 126.1, 45.1))
    assert file_digest(inventory_path) == before


def test_bad_landcover_class_and_station_kind(inv):
    with pytest.raises(schema.SchemaError, match="allowed: forest, wetland, grassland, water, other"):
        inv.insert("landcover", {"class": "desert"}, box(126, 45, 126.1, 45.1))
    with pytest.raises(schema.SchemaError, match="allowed: air, water, noise"):
        inv.insert("stations", {"name": "s", "kind": "seismic"}, Point(126, 45))


def test_zone_must_fit_its_asset(inv):
    park = inv.insert("assets", {"name": "p", "category": "forest_park"}, box(126, 45, 126.1, 45.1))
    with pytest.raises(schema.SchemaError, match="not a zone of forest_park"):
        inv.insert("asset_zones", {"asset_id": park, "zone": "core"}, box(126, 45, 126.05, 45.05))
    with pytest.raises(StoreError, match="no asset with id 999"):
        inv.insert("asset_zones", {"asset_id": 999, "zone": "core"}, box(126, 45, 126.05, 45.05))


@pytest.mark.parametrize("geom, message", [
    (Point(126, 45), "Point cannot go into a polygon layer"),
    (Polygon([(0, 0), (1, 1), (1, 0), (0, 1)]), "invalid geometry: Self-intersection"),
    (Polygon(), "empty"),
    (None, "empty"),
])
def test_bad_geometries_are_refused(inv, inventory_path, geom, message):
    before = file_digest(inventory_path)
    with pytest.raises(GeometryError, match=message):
        inv.insert("assets", {"name": "x", "category": "geopark"}, geom)
    assert file_digest(inventory_path) == before


def test_unknown_layer(inv):
    with pytest.raises(StoreError, match="no layer 'parks'"):
        inv.count("parks")


# --- transactions and history -------------------------------------------------

def test_failed_transaction_leaves_file_unchanged(inv, inventory_path):
    inv.insert("assets", {"name": "keep", "category": "geopark"}, box(126, 45, 126.1, 45.1))
    before = file_digest(inventory_path)
    with pytest.raises(schema.SchemaError):
        with inv.transaction():
            for i in range(50):
                inv.insert("assets", {"name": f"n{i}", "category": "geopark"},
                           box(126 + i * 0.01, 45, 126.005 + i * 0.01, 45.01))
            inv.insert("assets", {"name": "bad", "category": "nope"}, box(126, 45, 126.1, 45.1))
    assert file_digest(inventory_path) == before
    assert inv.count("assets") == 1
    assert len(inv.history()) == 1


def test_nested_transaction_rolls_back_to_savepoint(inv):
    with inv.transaction():
        inv.insert("assets", {"name": "outer", "category": "geopark"}, box(126, 45, 126.1, 45.1))
        with pytest.raises(GeometryError):
            with inv.transaction():
                inv.insert("assets", {"name": "inner", "category": "geopark"}, box(127, 45, 127.1, 45.1))
                inv.insert("assets", {"name": "broken", "category": "geopark"}, Point(1, 1))
    assert [f.props["name"] for f in inv.features("assets")] == ["outer"]


def test_history_records_every_write(inv):
    fid = inv.insert("assets", {"name": "A", "category": "geopark", "level": "national"},
                     box(126, 45, 126.1, 45.1))
    inv.update("assets", fid, {"level": "provincial"})
    inv.update("assets", fid, geometry=box(126, 45, 126.2, 45.1))
    inv.delete("assets", fid)
    h = inv.history("assets", fid)
    assert [e.action for e in h] == ["insert", "update", "update", "delete"]
    assert h[0].new["name"] == "A" and h[0].new_geometry.equals(box(126, 45, 126.1, 45.1))
    assert h[1].old == {"level": "national"} and h[1].new == {"level": "provincial"}
    assert h[1].old_geometry is None
    assert h[2].old_geometry.equals(box(126, 45, 126.1, 45.1))
    assert h[2].new_geometry.equals(box(126, 45, 126.2, 45.1))
    assert h[2].new["area_ha"] > h[2].old["area_ha"]
    assert h[3].old["level"] == "provincial" and h[3].new is None
    assert all(e.user and e.time.endswith("+00:00") for e in h)
    # The history table speaks plain JSON to other tools.
    raw = inv.conn.execute("SELECT old_values FROM history WHERE action='delete'").fetchone()[0]
    assert json.loads(raw)["name"] == "A"
    with pytest.raises(FeatureNotFound):
        inv.get("assets", fid)


def test_deleted_ids_are_not_reused_and_can_be_restored(inv):
    a = inv.insert("assets", {"name": "a", "category": "geopark"}, box(126, 45, 126.1, 45.1))
    old = inv.delete("assets", a)
    b = inv.insert("assets", {"name": "b", "category": "geopark"}, box(126, 45, 126.1, 45.1))
    assert b != a
    props = {k: v for k, v in old.props.items() if k != "area_ha"}
    assert inv.insert("assets", props, old.geometry, fid=a, action="restore") == a
    assert inv.get("assets", a).props == old.props


def test_asset_with_zones_cannot_be_deleted_alone(inv):
    nr = inv.insert("assets", {"name": "nr", "category": "nature_reserve"}, box(126, 45, 126.1, 45.1))
    inv.insert("asset_zones", {"asset_id": nr, "zone": "core"}, box(126, 45, 126.05, 45.05))
    with pytest.raises(StoreError, match="delete its zones first"):
        inv.delete("assets", nr)


def test_bbox_query_uses_spatial_index(inv):
    for i in range(10):
        inv.insert("stations", {"name": f"s{i}", "kind": "air"}, Point(126 + i * 0.1, 45))
    names = [f.props["name"] for f in inv.features("stations", bbox=(126.15, 44.9, 126.45, 45.1))]
    assert names == ["s2", "s3", "s4"]
    plan = " ".join(str(r) for r in inv.conn.execute(
        "EXPLAIN QUERY PLAN SELECT pkid FROM idx_stations_geom WHERE xmax >= 1 AND xmin <= 2"))
    assert "VIRTUAL TABLE INDEX" in plan
    assert inv.extent("stations") == pytest.approx((126.0, 45.0, 126.9, 45.0))


# --- two processes ---------------------------------------------------------------

HOLD_LOCK = textwrap.dedent("""
    import sys, time
    from shapely.geometry import box
    from ecoinv.store import Inventory
    inv = Inventory.open(sys.argv[1])
    with inv.transaction():
        inv.insert("assets", {"name": "held", "category": "geopark"}, box(126, 45, 126.1, 45.1))
        print("locked", flush=True)
        time.sleep(float(sys.argv[2]))
    print("released", flush=True)
""")


def test_second_writer_waits_then_gets_clear_error(inventory_path):
    Inventory.create(inventory_path).close()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(inventory_path), "3"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        inv = Inventory.open(inventory_path, busy_timeout=0.5)
        started = time.monotonic()
        with pytest.raises(InventoryLocked, match="inventory is locked"):
            inv.insert("assets", {"name": "mine", "category": "geopark"}, box(127, 45, 127.1, 45.1))
        assert time.monotonic() - started >= 0.4  # it waited for the busy timeout
        assert holder.stdout.readline().strip() == "released"
        holder.wait(10)
        # Nothing was lost: the holder's write is there, and ours now succeeds.
        inv.insert("assets", {"name": "mine", "category": "geopark"}, box(127, 45, 127.1, 45.1))
        assert sorted(f.props["name"] for f in inv.features("assets")) == ["held", "mine"]
        assert inv.changed_externally() in (True, False)  # callable after writes
        inv.close()
    finally:
        holder.kill()


def test_waiting_writer_succeeds_when_lock_is_released_in_time(inventory_path):
    Inventory.create(inventory_path).close()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(inventory_path), "0.5"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        inv = Inventory.open(inventory_path, busy_timeout=10)
        inv.insert("assets", {"name": "mine", "category": "geopark"}, box(127, 45, 127.1, 45.1))
        assert inv.count("assets") == 2
        inv.close()
    finally:
        holder.wait(10)


def test_external_change_is_noticed(inventory_path):
    a = Inventory.create(inventory_path)
    b = Inventory.open(inventory_path)
    assert not b.changed_externally()
    a.insert("assets", {"name": "x", "category": "geopark"}, box(126, 45, 126.1, 45.1))
    assert b.changed_externally()
    assert b.count("assets") == 1
    a.close(); b.close()


# --- opening -------------------------------------------------------------------------

def test_open_refuses_non_inventories(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not an SQLite file"):
        Inventory.open(junk)
    with pytest.raises(StoreError, match="no such inventory"):
        Inventory.open(tmp_path / "missing.sqlite")


def test_missing_spatialite_is_one_clear_line(tmp_path):
    env = {**os.environ, "ECOINV_SPATIALITE": str(tmp_path / "nowhere" / "mod_spatialite.so")}
    r = subprocess.run([sys.executable, "-m", "ecoinv", "init", str(tmp_path / "x.sqlite")],
                       env=env, capture_output=True, text=True)
    assert r.returncode == SpatialiteMissing.exit_code
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "libsqlite3-mod-spatialite" in lines[0]
    with pytest.raises(SpatialiteMissing):
        os.environ["ECOINV_SPATIALITE"] = env["ECOINV_SPATIALITE"]
        try:
            Inventory.create(tmp_path / "y.sqlite")
        finally:
            del os.environ["ECOINV_SPATIALITE"]


def test_ogrinfo_lists_every_layer_with_its_srid(inv, inventory_path):
    for layer, (props, geom) in SAMPLE.items():
        inv.insert(layer, props, geom)
    inv.close()
    out = subprocess.run(["ogrinfo", "-ro", "-so", "-al", str(inventory_path)],
                         capture_output=True, text=True, check=True).stdout
    for layer in schema.LAYERS:
        assert f"Layer name: {layer}" in out
    assert out.count('ID["EPSG",4490]') >= len(schema.LAYERS)
    assert "Feature Count: 1" in out
    # SpatiaLite itself agrees on the registration.
    check = Inventory.open(inventory_path)
    rows = dict(check.conn.execute("SELECT f_table_name, srid FROM geometry_columns"))
    assert rows == {layer: 4490 for layer in schema.LAYERS}
    idx = dict(check.conn.execute("SELECT f_table_name, spatial_index_enabled FROM geometry_columns"))
    assert set(idx.values()) == {1}
    check.close()
