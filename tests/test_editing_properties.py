"""Random edit sequences: undo always returns the inventory to exactly its earlier content.

A state machine makes random edits (add, delete, attribute and geometry
changes, merging vertex drags, split, merge, restore, macros, some of them
invalid) through an UndoStack on a small real inventory, undoes and redoes
at random, and after every step compares every layer's rows (ids,
attributes, area, WKB) with the content recorded for the stack's index.
The history table is left out: it only grows.
"""
from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from shapely.geometry import LineString, Point, Polygon, box

from ecoinv import schema
from ecoinv.editing import (AddFeature, ChangeAttributes, ChangeGeometry, DeleteFeatures,
                            MergeFeatures, RestoreVersion, SplitFeature, UndoStack)
from ecoinv.errors import EcoinvError
from ecoinv.geometry import geodesic_area_ha
from ecoinv.geometry_ops import merge_polygons, split_polygon
from ecoinv.store import HISTORY_TABLE, Inventory

POLYGON_LAYERS = ("assets", "landcover")
BOWTIE = Polygon([(126.50, 45.70), (126.60, 45.80), (126.60, 45.70), (126.50, 45.80)])

_template: Path | None = None


def template() -> Path:
    """One small inventory built once; every example works on a copy of the file."""
    global _template
    if _template is None:
        folder = Path(tempfile.mkdtemp(prefix="ecoinv-editing-"))
        atexit.register(shutil.rmtree, folder, True)
        path = folder / "template.sqlite"
        with Inventory.create(path, name="editing properties") as inv:
            a1 = inv.insert("assets", {"name": "甲", "category": "nature_reserve", "level": "provincial"},
                            box(126.50, 45.70, 126.70, 45.80))
            inv.insert("assets", {"name": "乙", "category": "forest_park"}, box(126.70, 45.70, 126.80, 45.80))
            inv.insert("asset_zones", {"asset_id": a1, "zone": "core"}, box(126.52, 45.72, 126.58, 45.78))
            inv.insert("asset_zones", {"asset_id": a1, "zone": "buffer"}, box(126.60, 45.72, 126.68, 45.78))
            inv.insert("landcover", {"class": "forest", "year": 2020}, box(127.0, 45.0, 127.1, 45.1))
            inv.insert("stations", {"name": "站", "kind": "air"}, Point(126.6, 45.76))
        _template = path
    return _template


def content(inv) -> dict:
    return {layer: inv.table_rows(layer) for layer in schema.LAYERS}


coord = st.floats(126.0, 127.0, allow_nan=False)
lat = st.floats(45.0, 46.0, allow_nan=False)
size = st.floats(0.01, 0.2, allow_nan=False)
delta = st.floats(-0.05, 0.05, allow_nan=False)
names = st.text(alphabet="甲乙丙丁湿地公园 ab'\"", min_size=1, max_size=6)


@st.composite
def boxes(draw):
    x, y = draw(coord), draw(lat)
    return box(x, y, x + draw(size), y + draw(size))


def attribute_values(layer: str):
    """Values for an attribute edit; some are refused by the schema, on purpose."""
    return {
        "assets": st.fixed_dictionaries({}, optional={
            "name": names, "level": st.sampled_from([None, *schema.LEVELS]),
            "remarks": st.none() | names, "designated_year": st.none() | st.integers(1950, 2030),
            "reported_area_ha": st.none() | st.floats(0, 1e5, allow_nan=False)}),
        "asset_zones": st.fixed_dictionaries({}, optional={"zone": st.sampled_from(list(schema.ZONES))}),
        "landcover": st.fixed_dictionaries({}, optional={
            "class": st.sampled_from(list(schema.LANDCOVER_CLASSES)), "year": st.integers(2000, 2030)}),
        "stations": st.fixed_dictionaries({}, optional={"code": names, "kind": st.sampled_from(["air", "noise"])}),
    }[layer].filter(bool)


class EditingMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="ecoinv-edit-"))
        shutil.copy(template(), self.folder / "inv.sqlite")
        self.inv = Inventory.open(self.folder / "inv.sqlite")
        self.stack = UndoStack(self.inv)
        self.snaps = [content(self.inv)]  # snaps[i]: the content when stack.index == i
        self.clean = 0
        self.history_rows = self._history_rows()

    def _history_rows(self) -> int:
        return self.inv.conn.execute(f"SELECT count(*) FROM {HISTORY_TABLE}").fetchone()[0]

    def ids(self, layer):
        return [int(i) for i in self.inv.read_arrays(layer, with_geometry=False)["id"]]

    def pick(self, data, layers):
        layer = data.draw(st.sampled_from(layers))
        ids = self.ids(layer)
        assume(ids)
        return layer, data.draw(st.sampled_from(ids))

    # -- making a command (shared by single pushes and macro children)
    def random_command(self, data):
        kind = data.draw(st.sampled_from(["add", "delete", "attrs", "geometry", "split", "merge",
                                          "restore", "invalid"]))
        if kind == "add":
            layer = data.draw(st.sampled_from(list(schema.LAYERS)[2:]))
            if layer == "stations":
                return AddFeature(layer, {"name": data.draw(names), "kind": "water"},
                                  Point(data.draw(coord), data.draw(lat)))
            props = {"assets": {"name": data.draw(names), "category": "wetland_park"},
                     "landcover": {"class": "water"}}.get(layer)
            if layer == "asset_zones":
                assets = self.ids("assets")
                assume(assets)
                props = {"asset_id": data.draw(st.sampled_from(assets)),
                         "zone": data.draw(st.sampled_from(list(schema.ZONES)))}
            return AddFeature(layer, props, data.draw(boxes()))
        if kind == "delete":
            layer = data.draw(st.sampled_from(list(schema.LAYERS)[2:]))
            ids = self.ids(layer)
            assume(ids)
            return DeleteFeatures(layer, data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=2)))
        if kind == "attrs":
            layer, fid = self.pick(data, list(schema.LAYERS)[2:])
            return ChangeAttributes(layer, fid, data.draw(attribute_values(layer)))
        if kind == "geometry":
            layer, fid = self.pick(data, POLYGON_LAYERS)
            return ChangeGeometry(layer, fid, data.draw(boxes()), repair=data.draw(st.booleans()))
        if kind == "split":
            layer, fid = self.pick(data, POLYGON_LAYERS)
            xmin, ymin, xmax, ymax = self.inv.get(layer, fid).geometry.bounds
            x = xmin + data.draw(st.floats(0.05, 0.95)) * (xmax - xmin)
            return SplitFeature(layer, fid, LineString([(x, ymin - 0.01), (x + data.draw(delta), ymax + 0.01)]))
        if kind == "merge":
            layer = data.draw(st.sampled_from(POLYGON_LAYERS))
            ids = self.ids(layer)
            assume(len(ids) >= 2)
            return MergeFeatures(layer, data.draw(st.lists(st.sampled_from(ids), min_size=2, max_size=3,
                                                            unique=True)))
        if kind == "restore":
            layer = data.draw(st.sampled_from(list(schema.LAYERS)[2:]))
            entries = self.inv.history(layer)
            assume(entries)
            e = data.draw(st.sampled_from(entries))
            return RestoreVersion(layer, e.feature_id, e.id)
        layer, fid = self.pick(data, POLYGON_LAYERS)
        return ChangeGeometry(layer, fid, BOWTIE)

    def push(self, make) -> None:
        """Run ``make`` (pushes); on an error nothing may have changed, else update the model."""
        old_index, before = self.stack.index, content(self.inv)
        try:
            make()
        except EcoinvError:
            assert not self.stack.macro_open
            assert self.stack.index == old_index and content(self.inv) == before
            return
        now, new_index = content(self.inv), self.stack.index
        assert new_index in (old_index - 1, old_index, old_index + 1)
        if new_index == old_index - 1:  # a drag merged back to where it started
            assert now == self.snaps[new_index]
        kept_tail = self.snaps[old_index + 1:][: self.stack.count - new_index]
        self.snaps = self.snaps[:new_index] + [now] + kept_tail
        if self.stack.count == new_index and self.clean > old_index:
            self.clean = -1

    # -- rules
    @rule(data=st.data())
    def edit(self, data):
        cmd = self.random_command(data)
        self.push(lambda: self.stack.push(cmd))

    @rule(data=st.data(), steps=st.integers(1, 4))
    def drag_vertex(self, data, steps):
        layer, fid = self.pick(data, POLYGON_LAYERS)
        ring = list(self.inv.get(layer, fid).geometry.geoms[0].exterior.coords)
        i = data.draw(st.integers(0, len(ring) - 2))
        for _ in range(steps):
            ring[i] = (ring[i][0] + data.draw(delta), ring[i][1] + data.draw(delta))
            ring[-1] = ring[0]
            cmd = ChangeGeometry(layer, fid, Polygon(ring), mergeable=True, repair=data.draw(st.booleans()))
            self.push(lambda: self.stack.push(cmd))

    @rule(data=st.data(), n=st.integers(1, 3))
    def macro(self, data, n):
        def run():
            with self.stack.macro("Several edits"):
                for _ in range(n):
                    # Drawn inside the macro so later children see earlier ones.
                    self.stack.push(self.random_command(data))
        self.push(run)

    @precondition(lambda self: self.stack.can_undo)
    @rule()
    def undo(self):
        self.stack.undo()

    @precondition(lambda self: self.stack.can_redo)
    @rule()
    def redo(self):
        self.stack.redo()

    @rule()
    def set_clean(self):
        self.stack.set_clean()
        self.clean = self.stack.index

    # -- after every step
    @invariant()
    def content_matches_the_index(self):
        assert len(self.snaps) == self.stack.count + 1
        assert content(self.inv) == self.snaps[self.stack.index]
        assert self.stack.is_clean == (self.stack.index == self.clean)
        rows = self._history_rows()
        assert rows >= self.history_rows  # history only grows
        self.history_rows = rows

    def teardown(self):
        try:
            self.stack.set_index(0)
            assert content(self.inv) == self.snaps[0]
            self.stack.set_index(self.stack.count)
            assert content(self.inv) == self.snaps[-1]
        finally:
            self.inv.close()
            shutil.rmtree(self.folder, ignore_errors=True)


TestEditingMachine = EditingMachine.TestCase
TestEditingMachine.settings = settings(max_examples=25, stateful_step_count=15, deadline=None,
                                       suppress_health_check=[HealthCheck.too_slow,
                                                              HealthCheck.filter_too_much])


@settings(max_examples=60, deadline=None)
@given(x=st.floats(126.0, 127.0), y=st.floats(45.0, 46.0), w=size, h=size,
       f=st.floats(0.05, 0.95), tilt=delta, bend=st.floats(-0.5, 0.5))
def test_split_parts_and_their_merge_keep_the_geodesic_area(x, y, w, h, f, tilt, bend):
    g = box(x, y, x + w, y + h)
    cx = x + f * w
    line = LineString([(cx, y - 0.01), (cx + bend * w * 0.1, y + h / 2), (cx + tilt, y + h + 0.01)])
    whole = geodesic_area_ha(g, "EPSG:4490")
    try:
        parts = split_polygon(g, line, crs="EPSG:4490")
    except EcoinvError:
        assume(False)
    assert len(parts) >= 2
    total = sum(geodesic_area_ha(p, "EPSG:4490") for p in parts)
    assert abs(total - whole) <= 1e-9 * whole
    merged = merge_polygons(parts)
    assert abs(geodesic_area_ha(merged, "EPSG:4490") - whole) <= 1e-9 * whole
