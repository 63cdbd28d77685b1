"""Undoable edits on a real SpatiaLite inventory: commands, stack, conflicts, history."""
from __future__ import annotations

import gc

import pyproj
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box
from shapely.geometry.polygon import orient

from ecoinv import schema
from ecoinv.editing import (AddFeature, ChangeAttributes, ChangeGeometry, ConflictError,
                            DeleteFeatures, EditError, MergeFeatures, RestoreVersion, SplitFeature,
                            UndoStack, feature_history, feature_version)
from ecoinv.errors import EcoinvError
from ecoinv.events import Signal
from ecoinv.geometry import GeometryError, geodesic_area_ha
from ecoinv.geometry_ops import merge_polygons, split_polygon
from ecoinv.store import Inventory, StoreError

from .conftest import file_digest

GEOD = pyproj.CRS.from_epsg(4490).get_geod()
BOWTIE = Polygon([(126.50, 45.70), (126.60, 45.80), (126.60, 45.70), (126.50, 45.80)])

ASSET = {"name": "太阳岛", "category": "nature_reserve", "level": "provincial",
         "designated_year": 2001, "status": "designated", "source": "test", "source_key": "A1"}


def pyproj_area_ha(geom) -> float:
    """Independent of the store: pyproj's geodesic area on the CGCS2000 ellipsoid."""
    total = 0.0
    for p in getattr(geom, "geoms", [geom]):
        area, _ = GEOD.geometry_area_perimeter(orient(p))
        total += abs(area)
    return total / 10_000


def content(inv) -> dict:
    return {layer: inv.table_rows(layer) for layer in schema.LAYERS}


@pytest.fixture
def city(inv):
    """A small inventory: two assets (the first with two zones), land cover and a station."""
    ids = {
        "a1": inv.insert("assets", ASSET, box(126.50, 45.70, 126.70, 45.80)),
        "a2": inv.insert("assets", {"name": "森林公园", "category": "forest_park",
                                    "level": "national"}, box(126.80, 45.70, 126.90, 45.80)),
        "lc": inv.insert("landcover", {"class": "forest", "year": 2023}, box(127.0, 45.0, 127.1, 45.1)),
        "st": inv.insert("stations", {"name": "道里站", "kind": "air", "code": "A01"},
                         Point(126.6, 45.76)),
    }
    ids["z1"] = inv.insert("asset_zones", {"asset_id": ids["a1"], "zone": "core"},
                           box(126.52, 45.72, 126.58, 45.78))
    ids["z2"] = inv.insert("asset_zones", {"asset_id": ids["a1"], "zone": "buffer"},
                           box(126.60, 45.72, 126.68, 45.78))
    return ids


@pytest.fixture
def stack(inv):
    return UndoStack(inv)


class Recorder:
    def __init__(self, stack):
        self.features, self.index, self.clean, self.changed = [], [], [], 0
        stack.feature_changed.connect(self.on_features)
        stack.index_changed.connect(self.index.append)
        stack.clean_changed.connect(self.clean.append)
        stack.changed.connect(self.on_changed)

    def on_features(self, layer, ids):
        self.features.append((layer, list(ids)))

    def on_changed(self):
        self.changed += 1


# --- each command: apply, undo, redo ------------------------------------------------

def test_add_feature_apply_undo_redo(inv, city, stack):
    before = content(inv)
    rec = Recorder(stack)
    cmd = AddFeature("landcover", {"class": "湿地", "year": "2024年"}, box(127.2, 45.0, 127.3, 45.1))
    stack.push(cmd)
    after = content(inv)
    f = inv.get("landcover", cmd.fid)
    assert f["class"] == "wetland" and f["year"] == 2024
    assert f["area_ha"] == pytest.approx(pyproj_area_ha(box(127.2, 45.0, 127.3, 45.1)), rel=1e-9)
    assert (stack.index, stack.count, stack.undo_text) == (1, 1, "Add feature to Land cover")
    assert rec.features == [("landcover", [cmd.fid])] and rec.index == [1]

    assert stack.undo() is cmd
    assert content(inv) == before
    assert (stack.index, stack.can_undo, stack.can_redo) == (0, False, True)
    assert stack.redo_text == "Add feature to Land cover"
    stack.redo()
    assert content(inv) == after  # same id again: redo re-inserts the feature it removed
    actions = [(h.action, h.batch) for h in inv.history("landcover", cmd.fid)]
    assert actions == [("insert", cmd.batch), ("undo-insert", cmd.batch), ("redo-insert", cmd.batch)]
    assert rec.index == [1, 0, 1]


def test_change_attributes_apply_undo_redo(inv, city, stack):
    before = content(inv)
    cmd = ChangeAttributes("assets", city["a1"], {"name": "太阳岛湿地", "level": "国家级",
                                                  "remarks": "re-surveyed"})
    stack.push(cmd)
    after = content(inv)
    f = inv.get("assets", city["a1"])
    assert (f["name"], f["level"], f["remarks"]) == ("太阳岛湿地", "national", "re-surveyed")
    stack.undo()
    assert content(inv) == before
    stack.redo()
    assert content(inv) == after
    with pytest.raises(schema.SchemaError):
        stack.push(ChangeAttributes("assets", city["a1"], {"area_ha": 1.0}))
    with pytest.raises(schema.SchemaError):
        stack.push(ChangeAttributes("assets", city["a1"], {"level": "grade_1"}))
    assert content(inv) == after and stack.count == 1


def test_change_geometry_recomputes_area_and_undoes(inv, city, stack):
    before = content(inv)
    new = box(126.50, 45.70, 126.75, 45.82)
    stack.push(ChangeGeometry("assets", city["a1"], new))
    f = inv.get("assets", city["a1"])
    assert f.geometry.equals(new) and f["area_ha"] == pytest.approx(pyproj_area_ha(new), rel=1e-9)
    stack.undo()
    assert content(inv) == before
    # Stations are points: moving one is a geometry change as well.
    stack.push(ChangeGeometry("stations", city["st"], Point(126.61, 45.77)))
    assert inv.get("stations", city["st"]).geometry.equals(Point(126.61, 45.77))
    stack.undo()
    assert content(inv) == before


def test_delete_asset_with_zones_is_one_step_and_undo_restores_ids_and_attributes(inv, city, stack):
    before = content(inv)
    rows_before = {layer: {r[0]: r for r in inv.table_rows(layer)} for layer in ("assets", "asset_zones")}
    with pytest.raises(StoreError, match="zone"):
        inv.delete("assets", city["a1"])  # the store alone refuses; the command takes the zones along
    cmd = DeleteFeatures("assets", [city["a1"], city["a2"]])
    stack.push(cmd)
    assert stack.count == 1 and cmd.text == "Delete 2 features from Ecological assets"
    assert inv.count("assets") == 0 and inv.count("asset_zones") == 0
    after = content(inv)

    stack.undo()
    assert content(inv) == before
    for layer, rows in rows_before.items():
        assert {r[0]: r for r in inv.table_rows(layer)} == rows  # same ids, attributes, WKB
    rows = inv.history(batch=cmd.batch)
    assert [(h.table, h.feature_id, h.action) for h in rows] == [
        ("asset_zones", city["z1"], "delete"), ("asset_zones", city["z2"], "delete"),
        ("assets", city["a1"], "delete"), ("assets", city["a2"], "delete"),
        ("assets", city["a1"], "undo-delete"), ("assets", city["a2"], "undo-delete"),
        ("asset_zones", city["z1"], "undo-delete"), ("asset_zones", city["z2"], "undo-delete"),
    ]
    zone_entries = feature_history(inv, "asset_zones", city["z1"])
    assert [e.kind for e in zone_entries] == ["created", "deleted", "created"]
    assert zone_entries[-1].undo and zone_entries[-1].batch == cmd.batch
    stack.redo()
    assert content(inv) == after


def test_delete_refuses_unknown_feature_and_changes_nothing(inv, city, stack, inventory_path):
    digest = file_digest(inventory_path)
    with pytest.raises(StoreError, match="no feature 999"):
        stack.push(DeleteFeatures("landcover", [city["lc"], 999]))
    assert file_digest(inventory_path) == digest and stack.count == 0
    with pytest.raises(EditError):
        DeleteFeatures("landcover", [])


# --- vertex drags merge into one step ------------------------------------------------

def _drag(geom: Polygon, dx: float) -> Polygon:
    coords = list(geom.exterior.coords)
    coords[2] = (coords[2][0] + dx, coords[2][1] + dx / 2)
    coords[-1] = coords[0]
    return Polygon(coords)


def test_consecutive_drags_merge_and_undo_restores_first_geometry_exactly(inv, city, stack):
    fid = city["a1"]
    wkb_before = {r[0]: r[-1] for r in inv.table_rows("assets")}[fid]
    rows_before = content(inv)
    start = inv.get("assets", fid).geometry.geoms[0]
    drags = [_drag(start, 0.01 * i) for i in (1, 2, 3)]
    for g in drags:
        stack.push(ChangeGeometry("assets", fid, g, mergeable=True, text="Move vertex"))
    assert (stack.count, stack.index) == (1, 1)
    assert inv.get("assets", fid).geometry.equals(drags[-1])
    merged = stack.command(0)
    assert len([h for h in inv.history(batch=merged.batch) if h.action == "update"]) == 3
    after = content(inv)

    stack.undo()
    assert {r[0]: r[-1] for r in inv.table_rows("assets")}[fid] == wkb_before  # bytes-equal WKB
    assert content(inv) == rows_before
    stack.redo()
    assert content(inv) == after
    # One more drag after a redo still merges: the top command is the drag.
    stack.push(ChangeGeometry("assets", fid, _drag(start, 0.04), mergeable=True))
    assert stack.count == 1
    stack.undo()
    assert content(inv) == rows_before


def test_drags_do_not_merge_across_features_flags_or_the_clean_state(inv, city, stack):
    a1 = inv.get("assets", city["a1"]).geometry.geoms[0]
    a2 = inv.get("assets", city["a2"]).geometry.geoms[0]
    stack.push(ChangeGeometry("assets", city["a1"], _drag(a1, 0.01), mergeable=True))
    stack.push(ChangeGeometry("assets", city["a2"], _drag(a2, 0.01), mergeable=True))
    stack.push(ChangeGeometry("assets", city["a2"], _drag(a2, 0.02)))  # not a drag
    stack.push(ChangeGeometry("assets", city["a2"], _drag(a2, 0.03), mergeable=True))
    assert stack.count == 4
    stack.set_clean()
    stack.push(ChangeGeometry("assets", city["a2"], _drag(a2, 0.04), mergeable=True))
    assert stack.count == 5  # the saved state must stay reachable
    stack.undo()
    assert stack.is_clean


def test_drag_back_to_the_start_leaves_no_step(inv, city, stack):
    before = content(inv)
    start = inv.get("assets", city["a1"]).geometry.geoms[0]
    stack.push(ChangeAttributes("landcover", city["lc"], {"year": 2020}))
    stack.push(ChangeGeometry("assets", city["a1"], _drag(start, 0.01), mergeable=True))
    stack.push(ChangeGeometry("assets", city["a1"], start, mergeable=True))
    assert (stack.count, stack.index, stack.undo_text) == (1, 1, stack.text(0))
    stack.undo()
    assert content(inv) == before


# --- geometry validation -----------------------------------------------------------

def test_invalid_geometry_is_refused_with_the_reason_and_changes_nothing(inv, city, stack, inventory_path):
    digest = file_digest(inventory_path)
    with pytest.raises(GeometryError, match="Self-intersection"):
        stack.push(ChangeGeometry("assets", city["a1"], BOWTIE))
    with pytest.raises(GeometryError, match="Self-intersection"):
        stack.push(AddFeature("landcover", {"class": "water"}, BOWTIE))
    with pytest.raises(GeometryError, match="point layer"):
        stack.push(ChangeGeometry("stations", city["st"], box(0, 0, 1, 1)))
    assert file_digest(inventory_path) == digest
    assert stack.count == 0 and not stack.can_undo


def test_invalid_geometry_is_repaired_when_asked(inv, city, stack):
    before = content(inv)
    stack.push(ChangeGeometry("assets", city["a1"], BOWTIE, repair=True))
    f = inv.get("assets", city["a1"])
    assert f.geometry.is_valid and len(f.geometry.geoms) == 2
    assert f.geometry.area == pytest.approx(BOWTIE.buffer(0).area * 2, rel=1e-9)
    assert f["area_ha"] == pytest.approx(pyproj_area_ha(f.geometry), rel=1e-9)
    stack.undo()
    assert content(inv) == before
    cmd = AddFeature("landcover", {"class": "water"}, BOWTIE, repair=True)
    stack.push(cmd)
    assert inv.get("landcover", cmd.fid).geometry.is_valid


# --- restoring an old version -------------------------------------------------------

def test_restore_version_of_attributes_and_geometry(inv, city, stack):
    fid = city["a1"]
    created = inv.history("assets", fid)[0]
    row_created = {r[0]: r for r in inv.table_rows("assets")}[fid]
    stack.push(ChangeAttributes("assets", fid, {"name": "改名", "remarks": "x"}))
    stack.push(ChangeGeometry("assets", fid, box(126.5, 45.7, 126.65, 45.75)))
    middle = inv.history("assets", fid)[1]  # after the rename, before the reshape
    row_now = {r[0]: r for r in inv.table_rows("assets")}[fid]

    assert feature_version(inv, "assets", fid, created.id).props["name"] == "太阳岛"
    cmd = RestoreVersion("assets", fid, created.id)
    stack.push(cmd)
    assert {r[0]: r for r in inv.table_rows("assets")}[fid] == row_created
    assert inv.history("assets", fid)[-1].action == "restore"
    stack.undo()
    assert {r[0]: r for r in inv.table_rows("assets")}[fid] == row_now
    assert inv.history("assets", fid)[-1].action == "undo-restore"

    stack.push(RestoreVersion("assets", fid, middle.id))
    f = inv.get("assets", fid)
    assert f["name"] == "改名" and f.geometry.equals(box(126.50, 45.70, 126.70, 45.80))
    with pytest.raises(EditError, match="not about"):
        stack.push(RestoreVersion("assets", city["a2"], created.id))


def test_restore_version_recreates_a_deleted_feature(inv, city, stack):
    before = content(inv)
    stack.push(DeleteFeatures("landcover", [city["lc"]]))
    stack.clear()  # the deletion can no longer be undone from the stack...
    assert stack.count == 0 and stack.is_clean
    deleted = inv.history("landcover", city["lc"])[-1]
    assert deleted.action == "delete"
    stack.push(RestoreVersion("landcover", city["lc"], deleted.id))  # ...but it can be restored
    assert content(inv) == before
    stack.undo()
    assert inv.count("landcover") == 0
    stack.redo()
    assert content(inv) == before


# --- split and merge -----------------------------------------------------------------

def test_split_then_merge_areas_add_up(inv, city, stack):
    fid = city["a1"]
    before = content(inv)
    original = inv.get("assets", fid)
    line = LineString([(126.63, 45.65), (126.61, 45.75), (126.66, 45.85)])
    split = SplitFeature("assets", fid, line)
    stack.push(split)
    assert len(split.new_ids) == 1
    parts = [inv.get("assets", i) for i in [fid, *split.new_ids]]
    assert parts[0]["area_ha"] > parts[1]["area_ha"]  # the original keeps the largest part
    assert {k: v for k, v in parts[1].props.items() if k != "area_ha"} == \
        {k: v for k, v in original.props.items() if k != "area_ha"}
    total = sum(p["area_ha"] for p in parts)
    assert total == pytest.approx(original["area_ha"], rel=1e-6)
    assert sum(pyproj_area_ha(p.geometry) for p in parts) == pytest.approx(original["area_ha"], rel=1e-6)
    # The zones stay with the original asset.
    assert {z.props["asset_id"] for z in inv.features("asset_zones")} == {fid}
    after_split = content(inv)

    merge = MergeFeatures("assets", [fid, *split.new_ids])
    stack.push(merge)
    merged = inv.get("assets", fid)
    assert inv.count("assets") == 2 and len(merged.geometry.geoms) == 1
    assert merged["area_ha"] == pytest.approx(total, rel=1e-6)
    assert merged["area_ha"] == pytest.approx(original["area_ha"], rel=1e-6)
    stack.undo()
    assert content(inv) == after_split
    stack.undo()
    assert content(inv) == before
    stack.redo()
    stack.redo()
    assert inv.get("assets", fid).props == merged.props


def test_split_refuses_a_line_that_does_not_cross(inv, city, stack, inventory_path):
    digest = file_digest(inventory_path)
    with pytest.raises(GeometryError, match="does not split"):
        stack.push(SplitFeature("assets", city["a1"], LineString([(126.6, 45.75), (126.65, 45.9)])))
    with pytest.raises(GeometryError, match="only polygon"):
        stack.push(SplitFeature("stations", city["st"], LineString([(126, 45), (127, 46)])))
    assert file_digest(inventory_path) == digest


def test_merge_moves_zones_to_the_kept_asset_and_undo_moves_them_back(inv, city, stack):
    before = content(inv)
    stack.push(ChangeAttributes("assets", city["a2"], {"category": "nature_reserve",
                                                       "level": "provincial"}))
    after_edit = content(inv)
    stack.push(MergeFeatures("assets", [city["a2"], city["a1"]]))
    assert [f.id for f in inv.features("assets")] == [city["a2"]]
    assert {z.props["asset_id"] for z in inv.features("asset_zones")} == {city["a2"]}
    merged = inv.get("assets", city["a2"])
    assert len(merged.geometry.geoms) == 2  # disjoint inputs stay separate parts
    assert merged["area_ha"] == pytest.approx(
        sum(r[-2] for r in after_edit["assets"]), rel=1e-12)
    stack.undo()
    assert content(inv) == after_edit
    stack.undo()
    assert content(inv) == before


def test_split_polygon_follows_geodesics_so_areas_add_up():
    # A long east-west edge: the planar cut point is ~11 m off the geodesic.
    g = box(126.0, 45.5, 126.4, 45.8)
    line = LineString([(126.13, 45.4), (126.2, 45.65), (126.31, 45.9)])
    whole = geodesic_area_ha(g, "EPSG:4490")
    geodesic = split_polygon(g, line, crs="EPSG:4490")
    planar = split_polygon(g, line)
    err = lambda parts: abs(sum(geodesic_area_ha(p, "EPSG:4490") for p in parts) - whole) / whole
    assert err(geodesic) < 1e-9
    assert err(planar) > 1e-6
    # The vertices the line did not touch come back bit for bit.
    kept = set(map(tuple, shapely.get_coordinates(geodesic).tolist()))
    assert set(map(tuple, shapely.get_coordinates(g).tolist())) <= kept
    # A multipolygon: the component the line misses stays with the first part.
    parts = split_polygon(MultiPolygon([g, box(127, 45, 127.1, 45.1)]), line, crs="EPSG:4490")
    assert len(parts) == 2 and len(parts[0].geoms) == 2
    # Merging the parts back gives the whole area (the cut points lie on the
    # geodesic edge, a little off the planar one, so compare areas not shapes).
    merged = merge_polygons(geodesic)
    assert len(merged.geoms) == 1 and abs(geodesic_area_ha(merged, "EPSG:4490") - whole) / whole < 1e-9


# --- macros ----------------------------------------------------------------------------

def test_macro_is_one_step(inv, city, stack):
    before = content(inv)
    with stack.macro("Split and rename"):
        split = SplitFeature("assets", city["a1"], LineString([(126.6, 45.6), (126.6, 45.9)]))
        stack.push(split)
        stack.push(ChangeAttributes("assets", split.new_ids[0], {"name": "太阳岛东区"}))
        assert not stack.can_undo and stack.macro_open
    assert (stack.count, stack.index, stack.undo_text) == (1, 1, "Split and rename")
    after = content(inv)
    assert {h.batch for h in inv.history() if h.id > max(e.id for e in inv.history()) - 3} == \
        {stack.command(0).batch}
    stack.undo()
    assert content(inv) == before
    stack.redo()
    assert content(inv) == after


def test_macro_is_all_or_nothing(inv, city, stack, inventory_path):
    digest = file_digest(inventory_path)
    rec = Recorder(stack)
    stack.begin_macro("Three edits")
    stack.push(AddFeature("landcover", {"class": "water"}, box(127.2, 45.0, 127.3, 45.1)))
    stack.push(ChangeAttributes("assets", city["a1"], {"name": "x"}))
    with pytest.raises(GeometryError):
        stack.push(ChangeGeometry("assets", city["a2"], BOWTIE))
    assert not stack.macro_open and stack.count == 0
    assert file_digest(inventory_path) == digest
    assert rec.features == []
    with pytest.raises(EditError):
        stack.end_macro()
    # The same with the context manager and an error of the caller's own.
    with pytest.raises(RuntimeError):
        with stack.macro("Edit then fail"):
            stack.push(DeleteFeatures("assets", [city["a1"]]))
            raise RuntimeError("tool cancelled")
    assert file_digest(inventory_path) == digest and stack.count == 0


def test_nested_macros_and_merges_inside_a_macro(inv, city, stack):
    before = content(inv)
    start = inv.get("assets", city["a1"]).geometry.geoms[0]
    with stack.macro("Outer"):
        stack.push(ChangeGeometry("assets", city["a1"], _drag(start, 0.01), mergeable=True))
        stack.push(ChangeGeometry("assets", city["a1"], _drag(start, 0.02), mergeable=True))
        with stack.macro("Inner"):
            stack.push(ChangeAttributes("stations", city["st"], {"code": "B2"}))
    assert stack.count == 1
    outer = stack.command(0)
    assert len(outer.children) == 2 and outer.children[1].text == "Inner"
    assert {h.batch for h in inv.history(batch=outer.batch)} == {outer.batch}
    stack.undo()
    assert content(inv) == before


def test_stack_refuses_undo_inside_a_macro(inv, city, stack):
    stack.push(ChangeAttributes("assets", city["a1"], {"name": "x"}))
    stack.begin_macro("m")
    with pytest.raises(EditError, match="macro"):
        stack.undo()
    stack.abort_macro()
    assert stack.undo() is not None


# --- conflicts with another process ------------------------------------------------------

def test_undo_refuses_to_overwrite_another_connections_change(inv, city, stack, inventory_path):
    stack.push(ChangeAttributes("assets", city["a1"], {"name": "ours"}))
    other = Inventory.open(inventory_path)
    other.user = "bob"
    try:
        other.update("assets", city["a1"], {"remarks": "bob was here"})
        digest = file_digest(inventory_path)
        with pytest.raises(ConflictError, match=r"assets 1 was changed.*bob"):
            stack.undo()
        assert file_digest(inventory_path) == digest
        assert stack.index == 1 and inv.get("assets", city["a1"])["remarks"] == "bob was here"

        # Redo checks too: after an undo, another process deletes the feature.
        stack.push(AddFeature("landcover", {"class": "water"}, box(127.2, 45.0, 127.3, 45.1)))
        fid = stack.command(1).fid
        stack.undo()
        other.insert("landcover", {"class": "grassland"}, box(127.2, 45.0, 127.3, 45.1), fid=fid)
        with pytest.raises(ConflictError):
            stack.redo()
        assert inv.get("landcover", fid)["class"] == "grassland"
    finally:
        other.close()


def test_macro_undo_conflict_leaves_every_child_as_it_is(inv, city, stack, inventory_path):
    with stack.macro("Two edits"):
        stack.push(ChangeAttributes("stations", city["st"], {"code": "M1"}))
        stack.push(ChangeAttributes("landcover", city["lc"], {"year": 2001}))
    other = Inventory.open(inventory_path)
    try:
        other.update("stations", city["st"], {"remarks": "checked"})
    finally:
        other.close()
    digest = file_digest(inventory_path)
    # Children are undone last first: the land-cover undo runs, then the
    # station conflicts, and all or nothing takes the land-cover undo back.
    with pytest.raises(ConflictError) as err:
        stack.undo()
    assert isinstance(err.value, EcoinvError)
    assert file_digest(inventory_path) == digest and stack.index == 1
    assert inv.get("landcover", city["lc"])["year"] == 2001


# --- clean state, limit, redo tail ------------------------------------------------------

def test_clean_state(inv, city, stack):
    rec = Recorder(stack)
    assert stack.is_clean
    stack.push(ChangeAttributes("assets", city["a1"], {"name": "1"}))
    stack.push(ChangeAttributes("assets", city["a1"], {"name": "2"}))
    assert not stack.is_clean
    stack.set_clean()
    assert stack.is_clean and stack.clean_index == 2
    stack.undo()
    assert not stack.is_clean
    stack.redo()
    assert stack.is_clean
    assert rec.clean == [False, True, False, True]
    stack.undo()
    stack.push(ChangeAttributes("assets", city["a1"], {"name": "3"}))  # discards the clean state
    assert stack.clean_index == -1 and not stack.is_clean
    stack.clear()
    assert stack.is_clean and stack.count == 0 and inv.get("assets", city["a1"])["name"] == "3"


def test_push_after_undo_discards_the_redo_tail(inv, city, stack):
    for name in "abc":
        stack.push(ChangeAttributes("assets", city["a1"], {"name": name}))
    stack.undo()
    stack.undo()
    assert (stack.index, stack.count, stack.redo_text) == (1, 3, stack.text(1))
    stack.push(ChangeAttributes("stations", city["st"], {"code": "Z"}))
    assert (stack.index, stack.count, stack.can_redo) == (2, 2, False)
    assert [stack.text(i) for i in range(stack.count)] == [
        f"Change name of Ecological assets {city['a1']}",
        f"Change code of Monitoring stations {city['st']}"]
    assert stack.redo() is None
    stack.set_index(0)
    assert inv.get("assets", city["a1"])["name"] == ASSET["name"]
    stack.set_index(2)
    assert inv.get("stations", city["st"])["code"] == "Z"


def test_limit_drops_the_oldest_steps(inv, city, stack):
    stack = UndoStack(inv, limit=3)
    stack.set_clean()
    for i in range(5):
        stack.push(ChangeAttributes("stations", city["st"], {"code": str(i)}))
    assert (stack.count, stack.index, stack.clean_index) == (3, 3, -1)
    stack.set_index(0)
    assert inv.get("stations", city["st"])["code"] == "1"
    stack.limit = 1
    assert stack.count == 1


def test_a_command_is_pushed_once(inv, city, stack):
    cmd = ChangeAttributes("assets", city["a1"], {"name": "x"})
    stack.push(cmd)
    with pytest.raises(EditError):
        stack.push(cmd)


# --- a feature's readable history -----------------------------------------------------------

def test_feature_history_says_what_when_who_from_what_to_what(inv, city, stack, inventory_path):
    fid = city["a1"]
    inv.user = "alice"
    old_area = inv.get("assets", fid)["area_ha"]
    stack.push(ChangeAttributes("assets", fid, {"name": "新名", "level": "national"}))
    stack.push(ChangeGeometry("assets", fid, box(126.50, 45.70, 126.60, 45.80)))
    new_area = inv.get("assets", fid)["area_ha"]
    stack.undo()
    entries = feature_history(inv, "assets", fid)
    assert [(e.kind, e.action) for e in entries] == [
        ("created", "insert"), ("changed", "update"), ("changed", "update"), ("changed", "undo-update")]
    created, renamed, reshaped, undone = entries
    assert {a.field: a.new for a in created.attributes}["name"] == "太阳岛"
    assert created.area_after_ha == pytest.approx(old_area)
    assert renamed.user == "alice" and renamed.time
    assert {a.field: (a.old, a.new) for a in renamed.attributes} == {
        "name": ("太阳岛", "新名"), "level": ("provincial", "national")}
    assert not renamed.geometry_changed and renamed.area_before_ha is None
    assert reshaped.geometry_changed and reshaped.attributes == ()
    assert (reshaped.area_before_ha, reshaped.area_after_ha) == (old_area, new_area)
    assert (undone.area_before_ha, undone.area_after_ha) == (new_area, old_area) and undone.undo
    assert "Level: Provincial → National" in renamed.summary()
    assert "级别: 省级 → 国家级" in renamed.summary("zh")
    assert f"{old_area:.4f} ha → {new_area:.4f} ha" in reshaped.summary()
    assert "(undo-update)" in undone.summary()
    stack.push(DeleteFeatures("stations", [city["st"]]))
    last = feature_history(inv, "stations", city["st"])[-1]
    assert last.kind == "deleted" and "道里站" in last.summary()


# --- the signal class ----------------------------------------------------------------------

def test_signal_connect_emit_disconnect():
    sig = Signal("s")
    got = []

    class Widget:
        def slot(self, *args):
            got.append(("w", args))

    def bad(*args):
        raise ValueError("broken listener")

    w = Widget()
    sig.connect(w.slot)
    sig.connect(w.slot)  # once only
    sig.connect(bad)
    sig.connect(lambda *a: got.append(("f", a)))
    with pytest.raises(ValueError):
        sig.emit(1, 2)
    assert got == [("w", (1, 2)), ("f", (1, 2))]  # the broken one did not stop the rest
    sig.disconnect(bad)
    del w
    gc.collect()
    got.clear()
    sig.emit(3)
    assert got == [("f", (3,))] and len(sig) == 1  # a dropped widget is not kept alive
    sig.disconnect()
    sig.emit(4)
    assert got == [("f", (3,))]
