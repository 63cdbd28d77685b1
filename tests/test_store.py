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
from ecoinv.geometry import GeometryError, spatialite_blobs
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


# --- many features at once ---------------------------------------------------------

def _many_assets(n=12):
    """Rows that differ in which optional fields they have, and awkward geometries."""
    rows, geoms = [], []
    for i in range(n):
        props = {"name": f"资产{i}", "category": "自然保护区" if i % 2 else "geopark"}
        if i % 3 == 0:
            props["level"] = "provincial" if i % 2 else "national"
        if i % 4 == 1:
            props["remarks"] = f"备注 {i} 'q'"
        x = 126 + i * 0.2
        if i % 5 == 2:
            g = Polygon([(x, 45), (x + 0.15, 45), (x + 0.15, 45.15), (x, 45.15)],
                        [[(x + 0.05, 45.05), (x + 0.1, 45.05), (x + 0.1, 45.1), (x + 0.05, 45.1)]])
        elif i % 5 == 3:
            g = MultiPolygon([box(x, 45, x + 0.05, 45.05), box(x + 0.1, 45.1, x + 0.15, 45.2)])
        else:
            g = box(x, 45 + i * 0.01, x + 0.1, 45.1 + i * 0.01)
        rows.append(props)
        geoms.append(g)
    return rows, geoms


def _history_without_time(inv):
    return [r[:1] + r[2:] for r in inv.conn.execute(
        "SELECT id, time, user, table_name, feature_id, action, old_values, new_values, "
        "old_geom, new_geom, batch FROM history ORDER BY id")]


def test_insert_many_writes_what_insert_writes(tmp_path):
    rows, geoms = _many_assets()
    one = Inventory.create(tmp_path / "one.sqlite")
    many = Inventory.create(tmp_path / "many.sqlite")
    one.insert("assets", {"name": "first", "category": "geopark"}, box(125, 45, 125.1, 45.1))
    many.insert("assets", {"name": "first", "category": "geopark"}, box(125, 45, 125.1, 45.1))
    with one.transaction(batch="b1"):
        ids_one = [one.insert("assets", r, g) for r, g in zip(rows, geoms)]
    with many.transaction(batch="b1"):
        ids_many = many.insert_many("assets", rows, geoms)
    assert ids_many == ids_one == list(range(2, 2 + len(rows)))
    assert many.table_rows("assets") == one.table_rows("assets")
    assert _history_without_time(many) == _history_without_time(one)
    h = many.history(batch="b1")
    assert len(h) == len(rows) and {e.action for e in h} == {"insert"}
    assert len({e.time for e in h}) == 1  # one timestamp for the lot
    for fid, g in zip(ids_many, geoms):
        assert close_rel(many.get("assets", fid).props["area_ha"], geod_area_ha(g))
    # Ids go on from there, and are never reused.
    assert many.insert("assets", {"name": "next", "category": "geopark"}, box(1, 1, 2, 2)) == 14
    many.delete("assets", 14)
    assert many.insert_many("assets", [{"name": "after", "category": "geopark"}],
                            [box(1, 1, 2, 2)]) == [15]
    # An empty call writes nothing.
    assert many.insert_many("assets", [], []) == []
    one.close()
    many.close()


def test_insert_many_in_a_projected_storage_crs(tmp_path):
    one = Inventory.create(tmp_path / "one.sqlite", crs="EPSG:4551")
    many = Inventory.create(tmp_path / "many.sqlite", crs="EPSG:4551")
    geoms = [box(500000 + i * 20000, 5000000, 510000 + i * 20000, 5012000) for i in range(3)]
    rows = [{"class": c} for c in ("forest", "湿地", "grassland")]
    for r, g in zip(rows, geoms):
        one.insert("landcover", r, g)
    many.insert_many("landcover", rows, geoms)
    assert many.table_rows("landcover") == one.table_rows("landcover")
    one.close()
    many.close()


def test_insert_many_validates_unless_told_the_rows_are_checked(inv, inventory_path):
    rows, geoms = _many_assets(4)
    before = file_digest(inventory_path)
    with pytest.raises(schema.SchemaError, match="not a known category"):
        inv.insert_many("assets", rows + [{"name": "bad", "category": "zoo"}],
                        geoms + [box(0, 0, 1, 1)])
    bowtie = Polygon([(126, 45), (126.1, 45.1), (126.1, 45), (126, 45.1), (126, 45)])
    with pytest.raises(GeometryError, match="invalid geometry: Self-intersection"):
        inv.insert_many("assets", rows + [{"name": "bow", "category": "geopark"}], geoms + [bowtie])
    with pytest.raises(GeometryError, match="a Point cannot go into a polygon layer"):
        inv.insert_many("assets", rows[:1], [Point(1, 1)], validated=True)
    with pytest.raises(StoreError, match="1 rows but 2 geometries"):
        inv.insert_many("assets", rows[:1], geoms[:2])
    with pytest.raises(StoreError, match="no asset with id 99"):
        inv.insert_many("asset_zones", [{"asset_id": 99, "zone": "core"}], [box(0, 0, 1, 1)])
    assert file_digest(inventory_path) == before
    assert inv.count("assets") == 0 and inv.history() == []


def test_insert_many_rolls_back_with_its_transaction(inv, inventory_path):
    rows, geoms = _many_assets(6)
    inv.insert("assets", {"name": "keep", "category": "geopark"}, box(126, 45, 126.1, 45.1))
    before = file_digest(inventory_path)
    with pytest.raises(RuntimeError):
        with inv.transaction():
            inv.insert_many("assets", rows, geoms)
            raise RuntimeError("cancelled")
    assert file_digest(inventory_path) == before
    assert inv.count("assets") == 1 and len(inv.history()) == 1
    # A savepoint around it rolls back only what it wrote.
    with inv.transaction():
        inv.insert_many("assets", rows[:2], geoms[:2])
        with pytest.raises(RuntimeError):
            with inv.transaction():
                inv.insert_many("assets", rows[2:], geoms[2:])
                raise RuntimeError
    assert inv.count("assets") == 3
    assert inv.insert("assets", {"name": "n", "category": "geopark"}, box(1, 1, 2, 2)) == 4


def test_spatialite_blobs_are_byte_for_byte_those_of_geom_from_wkb(inv):
    """The BLOBs insert_many writes itself are what SpatiaLite's GeomFromWKB makes."""
    ring = box(126, 45, 127, 46).exterior
    holes = [box(126.2, 45.2, 126.4, 45.4).exterior, box(126.5, 45.5, 126.6, 45.6).exterior]
    multipolygons = [
        MultiPolygon([box(126, 45, 127, 46)]),
        MultiPolygon([Polygon(ring, holes)]),                             # holes
        MultiPolygon([Polygon(ring, holes[:1]), box(128, 47, 128.5, 47.5)]),  # parts
        MultiPolygon([box(128, 47, 128.5, 47.5), Polygon(ring, holes)]),
        MultiPolygon([Polygon([(126.1 + 0.01 * k, 45 + 0.3 * (k % 2)) for k in range(40)]
                              + [(126.1, 46)])]),
    ]
    points = [Point(126.5, 45.75), Point(-0.0, 1e-300)]
    for geoms in (multipolygons, points):
        blobs = spatialite_blobs(geoms, inv.srid)
        expected = [inv.conn.execute("SELECT GeomFromWKB(?, ?)", [shapely.to_wkb(g), inv.srid])
                    .fetchone()[0] for g in geoms]
        assert blobs == expected
        # and SpatiaLite reads them back as the same geometries
        for g, blob in zip(geoms, blobs):
            back = inv.conn.execute("SELECT AsBinary(?)", [blob]).fetchone()[0]
            assert shapely.from_wkb(back).equals_exact(g, 0)
    # Anything else is left to SpatiaLite.
    assert spatialite_blobs([MultiPolygon()], inv.srid) is None
    assert spatialite_blobs([box(0, 0, 1, 1)], inv.srid) is None
    assert spatialite_blobs([Point(0, 0), MultiPolygon([box(0, 0, 1, 1)])], inv.srid) is None
    assert spatialite_blobs([], inv.srid) == []


def _index_is_complete(inv, layer):
    assert inv.conn.execute(f"SELECT CheckSpatialIndex('{layer}', 'geom')").fetchone()[0] == 1
    rows = inv.conn.execute(f"SELECT count(*) FROM idx_{layer}_geom").fetchone()[0]
    assert rows == inv.count(layer)
    # Entry for entry what SpatiaLite's own trigger (RTreeAlign) makes.
    inv.conn.execute("CREATE VIRTUAL TABLE aligned_check USING rtree(pkid, xmin, xmax, ymin, ymax)")
    try:
        inv.conn.execute(f"SELECT count(RTreeAlign('aligned_check', id, geom)) FROM {layer}").fetchall()
        order = "SELECT pkid, xmin, xmax, ymin, ymax FROM {} ORDER BY pkid"
        expected = inv.conn.execute(order.format("aligned_check")).fetchall()
        assert inv.conn.execute(order.format(f"idx_{layer}_geom")).fetchall() == expected
        assert len(expected) == rows
    finally:
        inv.conn.execute("DROP TABLE aligned_check")


def _triggers(inv, layer):
    return sorted(inv.conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", [layer]))


def test_bulk_load_builds_a_complete_spatial_index(inv):
    triggers = _triggers(inv, "landcover")
    inv.insert("landcover", {"class": "forest"}, box(125, 44, 125.1, 44.1))
    rows = [{"class": "forest" if i % 2 else "water", "source_key": f"k{i}"} for i in range(300)]
    geoms = [box(126 + (i % 20) * 0.05, 45 + (i // 20) * 0.05,
                 126.04 + (i % 20) * 0.05, 45.04 + (i // 20) * 0.05) for i in range(300)]
    with inv.transaction():
        with inv.bulk_load("landcover"):
            assert _triggers(inv, "landcover") != triggers  # index upkeep is deferred
            ids = inv.insert_many("landcover", rows[:200], geoms[:200])
            one = inv.insert("landcover", rows[200], geoms[200])
            ids += [one] + inv.insert_many("landcover", rows[201:], geoms[201:])
            # Updates and deletes inside keep their own triggers.
            inv.update("landcover", ids[5], geometry=box(130, 47, 130.1, 47.1))
            inv.delete("landcover", ids[6])
    assert _triggers(inv, "landcover") == triggers  # the same SQL, re-created
    _index_is_complete(inv, "landcover")
    assert inv.count("landcover") == 300
    found = {f.id for f in inv.features("landcover", bbox=(126.0, 45.0, 126.12, 45.07))}
    assert found == {ids[0], ids[1], ids[2], ids[20], ids[21], ids[22]}
    assert [f.id for f in inv.features("landcover", bbox=(129.9, 46.9, 130.2, 47.2))] == [ids[5]]
    assert list(inv.features("landcover", bbox=(126.3, 45.0, 126.34, 45.04))) == []  # deleted
    assert inv.extent("landcover") == pytest.approx((125.0, 44.0, 130.1, 47.1))
    last = inv.conn.execute("SELECT last_insert FROM geometry_columns_time "
                            "WHERE f_table_name = 'landcover'").fetchone()[0]
    assert last and last.endswith("Z")
    # After it, inserts are indexed one by one as before.
    fid = inv.insert("landcover", {"class": "forest"}, box(131, 48, 131.1, 48.1))
    assert [f.id for f in inv.features("landcover", bbox=(131, 48, 131.1, 48.1))] == [fid]
    _index_is_complete(inv, "landcover")


def test_bulk_load_that_fails_leaves_the_file_unchanged(inv, inventory_path):
    inv.insert("landcover", {"class": "forest"}, box(125, 44, 125.1, 44.1))
    triggers = _triggers(inv, "landcover")
    before = file_digest(inventory_path)
    rows, geoms = [{"class": "forest"}] * 50, [box(126, 45, 126.1, 45.1)] * 50
    with pytest.raises(RuntimeError):
        with inv.transaction():
            with inv.bulk_load("landcover"):
                inv.insert_many("landcover", rows, geoms)
                raise RuntimeError("refused")
    assert file_digest(inventory_path) == before
    assert _triggers(inv, "landcover") == triggers
    # On its own it is the transaction (and keeps its journals in memory meanwhile).
    temp_store = inv.conn.execute("PRAGMA temp_store").fetchone()[0]
    with pytest.raises(RuntimeError):
        with inv.bulk_load("landcover", batch="b"):
            assert inv.in_transaction
            assert inv.conn.execute("PRAGMA temp_store").fetchone()[0] == 2
            inv.insert_many("landcover", rows, geoms)
            raise RuntimeError("cancelled")
    assert file_digest(inventory_path) == before
    assert inv.conn.execute("PRAGMA temp_store").fetchone()[0] == temp_store
    with inv.bulk_load("landcover", batch="b"):
        inv.insert_many("landcover", rows[:2], geoms[:2])
    assert [h.batch for h in inv.history(layer="landcover")] == [None, "b", "b"]
    assert not inv.in_transaction
    _index_is_complete(inv, "landcover")
    # Nested in a transaction that goes on, only the bulk load is undone.
    with inv.transaction():
        inv.insert("landcover", {"class": "water"}, box(127, 45, 127.1, 45.1))
        with pytest.raises(RuntimeError):
            with inv.bulk_load("landcover"):
                inv.insert_many("landcover", rows, geoms)
                raise RuntimeError
        with inv.bulk_load("landcover"):
            inv.insert_many("landcover", rows[:3], geoms[:3])
    assert _triggers(inv, "landcover") == triggers
    assert inv.count("landcover") == 7
    _index_is_complete(inv, "landcover")


# --- vector forms give the same answers as the one-by-one functions ------------------

def test_geodesic_areas_are_bit_for_bit_those_of_geodesic_area():
    from shapely.geometry import GeometryCollection, LineString

    from ecoinv.geometry import geodesic_area_m2, geodesic_areas_m2

    shell = [(126.0, 45.0), (126.8, 45.1), (126.9, 45.7), (126.2, 45.8), (125.9, 45.4)]
    holed = Polygon(shell, [[(126.3, 45.3), (126.5, 45.3), (126.5, 45.5), (126.3, 45.5)],
                            [(126.6, 45.3), (126.7, 45.3), (126.7, 45.4)]])
    geoms = [box(126, 45, 127, 46), None, Polygon(), holed,
             MultiPolygon([holed, box(128, 46, 128.5, 46.2)]),
             GeometryCollection([Point(1, 1), MultiPolygon([box(120, 40, 121, 41)]),
                                 LineString([(0, 0), (1, 1)]), box(122, 40, 122.1, 40.1)]),
             Point(126, 45), MultiPolygon()]
    got = geodesic_areas_m2(geoms, "EPSG:4490")
    assert got.tolist() == [geodesic_area_m2(g, "EPSG:4490") for g in geoms]
    # A projected CRS: the rings go to lon/lat first, all together.
    gk = [box(500000, 5000000, 510000, 5010000),
          shapely.transform(holed, lambda xy: (xy - [126, 45]) * 1e4 + [500000, 5000000])]
    assert geodesic_areas_m2(gk, "EPSG:4551").tolist() == [geodesic_area_m2(g, "EPSG:4551")
                                                           for g in gk]
    assert geodesic_areas_m2([], "EPSG:4490").tolist() == []


def test_check_all_for_layer_answers_as_check_for_layer():
    from shapely.geometry import GeometryCollection, LineString

    from ecoinv.geometry import check_all_for_layer, check_for_layer

    bowtie = Polygon([(126, 45), (126.1, 45.1), (126.1, 45), (126, 45.1), (126, 45)])
    cases = {
        "MULTIPOLYGON": [box(0, 0, 1, 1), None, Polygon(), bowtie, Point(1, 1),
                         MultiPolygon([box(0, 0, 1, 1), box(2, 2, 3, 3)]),
                         Polygon([(0, 0, 5), (1, 0, 5), (1, 1, 5), (0, 0, 5)]),
                         GeometryCollection([box(0, 0, 1, 1)]), LineString([(0, 0), (1, 1)])],
        "POINT": [Point(1, 2), Point(1, 2, 3), box(0, 0, 1, 1), None, Point()],
    }
    for gtype, geoms in cases.items():
        stored, errors = check_all_for_layer(geoms, gtype)
        for g, s, e in zip(geoms, stored, errors):
            try:
                want = check_for_layer(g, gtype)
            except GeometryError as exc:
                assert (s, e) == (None, str(exc))
            else:
                assert e is None and s.geom_type == want.geom_type
                assert shapely.to_wkb(s) == shapely.to_wkb(want)


def test_resolve_code_finds_what_a_scan_of_the_table_finds():
    for kind, table in schema.CODE_TABLES.items():
        for c in table.values():
            for spelling in (c.code, c.zh, c.en, *c.synonyms):
                variants = (spelling, f"  {spelling} ", spelling.upper(), " ".join(spelling))
                for text in variants:
                    key = "".join(text.split()).lower()
                    first = next(x.code for x in table.values()
                                 if key in {"".join(s.split()).lower()
                                            for s in (x.code, x.zh, x.en, *x.synonyms)})
                    assert schema.resolve_code(kind, text) == first
    assert schema.resolve_code("level", None) is None and schema.resolve_code("level", " ") is None
    with pytest.raises(schema.SchemaError, match=r"level: '世界级' is not a known level; "
                                                 r"allowed: national, provincial"):
        schema.resolve_code("level", "世界级")


def test_validate_row_of_coerced_values_checks_without_converting_again():
    row = {"name": "x", "category": "自然保护区", "level": "国家级", "designated_year": "2003年",
           "reported_area_ha": "1,234.5"}
    once = schema.validate_row("assets", row)
    assert schema.validate_row("assets", once, coerced=True) == once
    assert schema.validate_row("assets", once) == once  # coercing again changes nothing
    for bad, message in [({"name": "x"}, "assets.category is required"),
                         ({**once, "area_ha": 1.0}, "computed"),
                         ({**once, "nope": 1}, "has no field 'nope'"),
                         ({**once, "category": "geopark", "level": "municipal"}, "not a level")]:
        with pytest.raises(schema.SchemaError, match=message):
            schema.validate_row("assets", bad, coerced=True)


def test_files_of_schema_1_are_upgraded_on_open(inv, inventory_path):
    """A file made before migration 2 gets it (and only it) when opened."""
    fid = inv.insert("landcover", {"class": "forest", "year": 2020}, box(126, 45, 126.1, 45.1))
    with inv.transaction():
        inv.conn.execute("DROP INDEX ix_landcover_year_class")
        inv.conn.execute("DELETE FROM schema_migrations WHERE version > 1")
        inv.conn.execute("UPDATE inventory_meta SET value = '1' WHERE key = 'schema_version'")
    inv.close()
    reopened = Inventory.open(inventory_path)
    assert reopened.schema_version == SCHEMA_VERSION
    assert [m[0] for m in reopened.migrations()] == list(range(1, SCHEMA_VERSION + 1))
    plan = " ".join(r[-1] for r in reopened.conn.execute(
        "EXPLAIN QUERY PLAN SELECT DISTINCT year FROM landcover"))
    assert "ix_landcover_year_class" in plan
    assert reopened.get("landcover", fid).props["year"] == 2020
    reopened.close()


def _small_inventory(path):
    inv = Inventory.create(path)
    inv.insert("boundary", {"name": "测试市", "code": "000100"}, box(126.0, 45.0, 126.1, 45.1))
    inv.insert("districts", {"name": "一区", "code": "01"}, box(126.0, 45.0, 126.1, 45.1))
    inv.insert("landcover", {"class": "forest", "year": 2023}, box(126.0, 45.0, 126.05, 45.1))
    inv.insert("stations", {"name": "空气1", "kind": "air"}, Point(126.02, 45.02))
    inv.close()


def test_spatialite_is_loaded_when_first_needed(inventory_path):
    """Opening and plain reads use SQLite alone; the first thing that needs
    SpatiaLite (here AsBinary) loads it, and the figures do not depend on it."""
    from ecoinv.metrics import compute_stats

    _small_inventory(inventory_path)
    inv = Inventory.open(inventory_path)
    assert not inv.spatialite_loaded
    assert inv.metadata()["srid"] == "4490" and inv.count("landcover") == 1
    assert inv.extent("landcover") == pytest.approx((126.0, 45.0, 126.05, 45.1), abs=1e-5)
    assert inv.distinct_values("landcover", "year") == {2023}
    raw = inv.read_arrays("landcover", columns=["class"], bbox=(125, 44, 127, 46), raw_geometry=True)
    assert raw["class"] == ["forest"] and len(raw["blob"]) == 1
    assert inv.read_arrays("districts", columns=["name"], with_geometry=False)["name"] == ["一区"]
    stats = compute_stats(inv)
    assert not inv.spatialite_loaded
    (geom,) = inv.read_arrays("landcover")["geometry"]
    assert inv.spatialite_loaded and geom.equals(box(126.0, 45.0, 126.05, 45.1))
    assert compute_stats(inv) == stats
    inv.close()


def test_reads_and_statistics_work_without_spatialite_writes_say_it_is_missing(
        inventory_path, monkeypatch):
    _small_inventory(inventory_path)
    before = file_digest(inventory_path)
    monkeypatch.setenv("ECOINV_SPATIALITE", str(inventory_path.parent / "nowhere" / "mod_spatialite.so"))
    from ecoinv.metrics import compute_stats

    inv = Inventory.open(inventory_path)
    stats = compute_stats(inv, sections=["boundary", "landcover", "districts"])
    forest = next(r for r in stats["landcover"] if r["class"] == "forest")
    assert forest["coverage_pct"] == pytest.approx(50.0, rel=1e-3)
    with pytest.raises(SpatialiteMissing, match="libsqlite3-mod-spatialite"):
        inv.insert("stations", {"name": "空气2", "kind": "air"}, Point(126.03, 45.03))
    assert inv.count("stations") == 1  # still readable, nothing written
    inv.close()
    assert file_digest(inventory_path) == before


def test_new_inventories_have_pages_sized_for_geometry_rows(inventory_path):
    from ecoinv.store import PAGE_SIZE

    with Inventory.create(inventory_path) as inv:
        assert inv.conn.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE == 16384
    with Inventory.open(inventory_path) as inv:
        assert inv.metadata()["srid"] == "4490"
