"""Editing in the window with real mouse and key events on the canvas, real SpatiaLite.

Every tool is driven as a user drives it (press, move, release, keys) on
the fixture inventory built from the real Harbin boundary; the results are
checked in the store: coordinates against the canvas's own pixel→map
transform, areas against pyproj's geodesic area, undo against the stored
bytes.
"""
from __future__ import annotations

import pyproj
import pytest
import shapely
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QComboBox, QMessageBox
from shapely.geometry import Polygon
from shapely.geometry.polygon import orient

from ecoinv import schema
from ecoinv.editing import feature_history

from .gui_fixtures import (NATURE_RESERVE, asset_id, ecoinv_app, fixture_inventory_source,  # noqa: F401
                           inventory_file, isolated_settings, map_pixel, open_window, site,
                           wait_for_render, window)

GEOD = pyproj.CRS.from_epsg(4490).get_geod()
SUN_ISLAND = "太阳岛风景名胜区"
WETLAND = "金河湾湿地公园"
FENGHUANG = "凤凰山国家森林公园"
# A stretch of the city with no fixture site, zone or land-cover patch.
EMPTY = (127.27, 45.58, 127.33, 45.62)
LEFT, NO_MOD = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier


# --- driving the canvas --------------------------------------------------------------------------

def zoom_to(qtbot, window, bounds) -> None:
    window.canvas.set_storage_extent(bounds)
    wait_for_render(qtbot, window.canvas)


def pixel_of(window, lon: float, lat: float) -> QPoint:
    return map_pixel(window, lon, lat).toPoint()


def click(qtbot, window, pos: QPoint, button=LEFT, modifier=NO_MOD) -> None:
    qtbot.mouseMove(window.canvas, pos)
    qtbot.mouseClick(window.canvas, button, modifier, pos)


def drag(qtbot, window, start: QPoint, end: QPoint, steps: int = 6, release: bool = True) -> None:
    canvas = window.canvas
    qtbot.mouseMove(canvas, start)
    qtbot.mousePress(canvas, LEFT, NO_MOD, start)
    for i in range(1, steps + 1):
        qtbot.mouseMove(canvas, QPoint(round(start.x() + (end.x() - start.x()) * i / steps),
                                       round(start.y() + (end.y() - start.y()) * i / steps)))
    if release:
        qtbot.mouseRelease(canvas, LEFT, NO_MOD, end)


def key(qtbot, window, k, modifier=NO_MOD) -> None:
    qtbot.keyClick(window.canvas, k, modifier)


def use_tool(window, name: str) -> None:
    action = window.actions_by_name[f"tool_{name}"]
    assert action.isEnabled(), name
    action.trigger()
    assert window.canvas.map_tool().name == name


def set_layer(window, layer: str) -> None:
    combo = window.editor.layer_combo
    combo.setCurrentIndex(combo.findData(layer))
    combo.activated.emit(combo.currentIndex())
    assert window.current_layer() == layer


def open_form(qtbot, window):
    from ecoinv.gui.feature_form import FeatureForm

    return visible(qtbot, window, FeatureForm)


def visible(qtbot, window, cls, name: str | None = None):
    """The dialog of that class now shown over the window (closed ones may await deletion)."""
    def shown():
        return [w for w in window.findChildren(cls) if w.isVisible()
                and (name is None or w.objectName() == name)]

    qtbot.waitUntil(lambda: len(shown()) == 1)
    return shown()[0]


def choose(combo: QComboBox, code) -> None:
    i = combo.findData(code)
    assert i >= 0, code
    combo.setCurrentIndex(i)


def press_ok(qtbot, dialog) -> None:
    from PySide6.QtWidgets import QDialogButtonBox

    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), LEFT)


def geodesic_ha(geom) -> float:
    total = 0.0
    for p in getattr(geom, "geoms", [geom]):
        area, _ = GEOD.geometry_area_perimeter(orient(p))
        total += abs(area)
    return total / 10_000


def rows(inv, layer):
    return {r[0]: r for r in inv.table_rows(layer)}


# --- tests -----------------------------------------------------------------------------------------

def test_draw_a_polygon_fill_the_form_and_undo(qtbot, window):
    inv, canvas = window.inv, window.canvas
    zoom_to(qtbot, window, EMPTY)
    before = rows(inv, "assets")
    set_layer(window, "assets")
    use_tool(window, "add_polygon")
    corners = [QPoint(300, 180), QPoint(560, 200), QPoint(590, 430), QPoint(320, 450)]
    for p in corners:
        click(qtbot, window, p)
    # A stray vertex, taken back with Backspace.
    click(qtbot, window, QPoint(200, 300))
    assert len(canvas.map_tool().points) == 5
    key(qtbot, window, Qt.Key.Key_Backspace)
    assert len(canvas.map_tool().points) == 4
    key(qtbot, window, Qt.Key.Key_Return)
    form = open_form(qtbot, window)
    assert canvas.map_tool().points == []

    # Pickers come from the schema; computed fields are not offered.
    assert "area_ha" not in form.widgets
    category = form.widgets["category"]
    assert [category.itemData(i) for i in range(category.count())] == [None, *schema.CATEGORIES]
    press_ok(qtbot, form)  # nothing filled in: refused, the form stays
    assert form.isVisible() and "required" in form.error_label.text()
    form.widgets["name"].setText("新建湿地公园")
    choose(category, "wetland_park")
    level = form.widgets["level"]
    assert [level.itemData(i) for i in range(level.count())] == \
        [None, *schema.CATEGORIES["wetland_park"].levels]
    choose(level, "municipal")
    form.widgets["designated_year"].setValue(2021)
    choose(form.widgets["status"], "proposed")
    assert form.area_label.text().endswith("ha")
    press_ok(qtbot, form)
    assert not form.isVisible()

    after = rows(inv, "assets")
    (fid,) = set(after) - set(before)
    feat = inv.get("assets", fid)
    assert feat.props["name"] == "新建湿地公园" and feat.props["level"] == "municipal"
    assert feat.props["designated_year"] == 2021 and feat.props["reported_area_ha"] is None
    # Vertices: the canvas's pixel→map transform, then display→storage.
    shell = list(feat.geometry.geoms[0].exterior.coords)[:-1]
    to_storage = pyproj.Transformer.from_crs(canvas.display_crs, inv.crs, always_xy=True)
    for (x, y), p in zip(shell, corners):
        ex, ey = to_storage.transform(*canvas.to_map(QPointF(p)))
        assert x == pytest.approx(ex, abs=1e-10) and y == pytest.approx(ey, abs=1e-10)
    # Area: geodesic on the stored geometry, and what the screen polygon
    # measures in the display plane, corrected by the projection's scale.
    assert feat.props["area_ha"] == pytest.approx(geodesic_ha(feat.geometry), rel=1e-9)
    shown = Polygon([canvas.to_map(QPointF(p)) for p in corners])
    c = feat.geometry.centroid
    scale = pyproj.Proj(canvas.display_crs).get_factors(c.x, c.y).areal_scale
    assert feat.props["area_ha"] == pytest.approx(shown.area / scale / 10_000, rel=1e-5)
    assert window.editor.last_edit_label.text().startswith("Last edit: ")

    # Edit > Undo (Ctrl+Z) takes it away, Ctrl+Shift+Z brings it back under its id.
    assert window.actions_by_name["undo"].text().startswith("&Undo Add “新建湿地公园”")
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert rows(inv, "assets") == before
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
        | Qt.KeyboardModifier.ShiftModifier)
    assert rows(inv, "assets") == after

    # Esc drops a sketch; a double click finishes one.
    click(qtbot, window, QPoint(700, 150))
    click(qtbot, window, QPoint(760, 150))
    key(qtbot, window, Qt.Key.Key_Escape)
    assert canvas.map_tool().points == []
    for p in (QPoint(700, 150), QPoint(780, 160), QPoint(740, 230)):
        click(qtbot, window, p)
    # What the platform sends for a double click: a click, then the double click.
    qtbot.mouseDClick(canvas, LEFT, NO_MOD, QPoint(740, 230))
    form = open_form(qtbot, window)
    assert len(form.geometry.geoms[0].exterior.coords) == 4  # three vertices, closed
    form.reject()
    assert rows(inv, "assets") == after  # cancelled: nothing written
    wait_for_render(qtbot, canvas)


def stored_shell(inv, layer, fid):
    return list(inv.get(layer, fid).geometry.geoms[0].exterior.coords)[:-1]


def test_vertex_tool_drag_insert_delete_and_undo(qtbot, window):
    inv, canvas = window.inv, window.canvas
    forest = asset_id(inv, "哈尔滨国家森林公园")
    zoom_to(qtbot, window, inv.get("assets", forest).geometry.bounds)
    original = rows(inv, "assets")
    shell = stored_shell(inv, "assets", forest)
    set_layer(window, "assets")
    use_tool(window, "vertex")
    tool = canvas.map_tool()
    c = site("哈尔滨国家森林公园").geometry.centroid
    click(qtbot, window, pixel_of(window, c.x, c.y))
    assert tool.target == ("assets", forest) and len(tool.geom.addresses) == len(shell)

    # Drag vertex 0: it lands where the mouse was released; the others keep their bytes.
    start = pixel_of(window, *shell[0])
    end = start + QPoint(30, 20)
    drag(qtbot, window, start, end)
    moved = stored_shell(inv, "assets", forest)
    to_storage = pyproj.Transformer.from_crs(canvas.display_crs, inv.crs, always_xy=True)
    ex, ey = to_storage.transform(*canvas.to_map(QPointF(end)))
    assert moved[0] == pytest.approx((ex, ey), abs=1e-10)
    assert moved[1:] == shell[1:]
    assert inv.get("assets", forest).props["area_ha"] != original[forest][-2]
    # A second drag of the same feature is the same undo step.
    steps = window.undo_stack.count
    drag(qtbot, window, pixel_of(window, *shell[6]), pixel_of(window, *shell[6]) + QPoint(-15, 25))
    assert window.undo_stack.count == steps
    window.actions_by_name["undo"].trigger()
    assert rows(inv, "assets") == original  # every byte, the area too
    window.actions_by_name["redo"].trigger()
    assert stored_shell(inv, "assets", forest)[0] == moved[0]

    # Double click on an edge (away from its midpoint handle) adds a vertex there.
    before = stored_shell(inv, "assets", forest)
    a, b = pixel_of(window, *before[10]), pixel_of(window, *before[11])
    assert (b - a).manhattanLength() > 60
    on_edge = QPoint(round(a.x() + (b.x() - a.x()) * 0.25), round(a.y() + (b.y() - a.y()) * 0.25))
    click(qtbot, window, on_edge)
    qtbot.mouseDClick(canvas, LEFT, NO_MOD, on_edge)
    after = stored_shell(inv, "assets", forest)
    assert len(after) == len(before) + 1
    assert after[:11] == before[:11] and after[12:] == before[11:]
    (x0, y0), (x1, y1), (x, y) = before[10], before[11], after[11]
    assert abs((x1 - x0) * (y - y0) - (y1 - y0) * (x - x0)) < 1e-15  # on the stored edge
    # Click a vertex, press Delete: that vertex goes, not the feature.
    click(qtbot, window, pixel_of(window, *after[11]))
    assert tool.current == (0, 0, 11)
    key(qtbot, window, Qt.Key.Key_Delete)
    assert stored_shell(inv, "assets", forest) == before
    assert [w for w in window.findChildren(QMessageBox) if w.isVisible()] == []

    # The undo panel lists the steps; clicking its first row goes back to the start.
    dock = window.editor.undo_dock
    model = dock.model
    texts = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert texts[0] == "<as opened>" and len(texts) == window.undo_stack.count + 1
    assert texts[-1].startswith("Delete vertex of Ecological assets")
    view = dock.view
    qtbot.mouseClick(view.viewport(), LEFT, NO_MOD, view.visualRect(model.index(0, 0)).center())
    assert window.undo_stack.index == 0 and rows(inv, "assets") == original
    last = model.index(model.rowCount() - 1, 0)
    qtbot.mouseClick(view.viewport(), LEFT, NO_MOD, view.visualRect(last).center())
    assert stored_shell(inv, "assets", forest) == before
    wait_for_render(qtbot, canvas)


def test_snapping_to_a_neighbour_and_the_screenshot(qtbot, window, artifacts_dir):
    inv, canvas = window.inv, window.canvas
    sun, wet = asset_id(inv, SUN_ISLAND), asset_id(inv, WETLAND)
    sun_geom, wet_geom = inv.get("assets", sun).geometry, inv.get("assets", wet).geometry
    zoom_to(qtbot, window, wet_geom.union(sun_geom.buffer(-0.03)).bounds)
    set_layer(window, "assets")
    config = window.editor.snapper.config
    assert config.enabled and "assets" in config.layers and config.vertex and config.segment
    # The pair: a wetland-park vertex and the Sun Island vertex nearest to it.
    sun_shell = stored_shell(inv, "assets", sun)
    wet_shell = stored_shell(inv, "assets", wet)
    target = min(sun_shell, key=lambda v: min(shapely.Point(v).distance(shapely.Point(w))
                                              for w in wet_shell))
    k = min(range(len(wet_shell)), key=lambda i: shapely.Point(wet_shell[i]).distance(
        shapely.Point(target)))

    # Vertex tool: drag the wetland vertex to 4 px off the Sun Island vertex.
    use_tool(window, "vertex")
    tool = canvas.map_tool()
    c = wet_geom.centroid
    click(qtbot, window, pixel_of(window, c.x, c.y))
    assert tool.target == ("assets", wet)
    goal = pixel_of(window, *target) + QPoint(3, -3)
    drag(qtbot, window, pixel_of(window, *wet_shell[k]), goal, release=False)
    assert tool.snap_match is not None and tool.snap_match.kind == "vertex"
    assert tool.snap_match.storage == target
    # Mid-edit: vertex handles of the wetland park and the snapping marker.
    canvas.repaint()
    shot = artifacts_dir / "gui-editing-vertex-snap.png"
    assert window.save_screenshot(shot)
    qtbot.mouseRelease(canvas, LEFT, NO_MOD, goal)
    assert stored_shell(inv, "assets", wet)[k] == target  # the very same coordinates

    # Add polygon: one click near a Sun Island vertex, one near the middle of an edge
    # (at its east end, far from the wetland park).
    zoom_to(qtbot, window, sun_geom.bounds)
    use_tool(window, "add_polygon")
    i = max(range(len(sun_shell)), key=lambda j: sun_shell[j][0])
    n = len(sun_shell)
    v, e0, e1 = sun_shell[i], sun_shell[(i + 1) % n], sun_shell[(i + 2) % n]
    mid = ((e0[0] + e1[0]) / 2, (e0[1] + e1[1]) / 2)
    clicks = [pixel_of(window, *v) + QPoint(-4, 2), pixel_of(window, *mid) + QPoint(2, 3)]
    outward = pixel_of(window, *sun_geom.centroid.coords[0])
    clicks.append(clicks[1] + (clicks[1] - outward) / 3)
    qtbot.mouseMove(canvas, clicks[0])
    assert canvas.map_tool().snap_match.kind == "vertex"  # shown while hovering
    for p in clicks:
        click(qtbot, window, p)
    key(qtbot, window, Qt.Key.Key_Enter)
    form = open_form(qtbot, window)
    form.widgets["name"].setText("贴边地块")
    choose(form.widgets["category"], "ecological_redline")
    assert not form.widgets["level"].isEnabled()  # the red line has no levels
    press_ok(qtbot, form)
    new = max(rows(inv, "assets"))
    shell = stored_shell(inv, "assets", new)
    assert shell[0] == v
    (x0, y0), (x1, y1), (x, y) = e0, e1, shell[1]
    assert abs((x1 - x0) * (y - y0) - (y1 - y0) * (x - x0)) < 1e-15
    assert min(x0, x1) <= x <= max(x0, x1)

    # Snapping settings are remembered: a new window starts with them.
    bar = window.editor.snapping_toolbar
    bar.tolerance.setValue(20)
    bar.layer_actions["asset_zones"].setChecked(False)
    bar.layer_actions["stations"].setChecked(True)
    bar.segment_action.setChecked(False)
    from ecoinv.gui.main_window import MainWindow

    other = MainWindow()
    qtbot.addWidget(other)
    cfg = other.editor.snapper.config
    assert (cfg.tolerance_px, set(cfg.layers), cfg.segment) == (20, {"assets", "stations"}, False)
    other.shutdown()
    # Off: nothing snaps.
    bar.enable_action.setChecked(False)
    qtbot.mouseMove(canvas, clicks[0])
    assert canvas.map_tool().snap_match is None
    wait_for_render(qtbot, canvas)


def test_hole_split_and_merge_areas_add_up(qtbot, window):
    inv, canvas = window.inv, window.canvas
    fid = asset_id(inv, FENGHUANG)
    geom = inv.get("assets", fid).geometry
    zoom_to(qtbot, window, geom.bounds)
    set_layer(window, "assets")
    start = rows(inv, "assets")
    area0 = inv.get("assets", fid).props["area_ha"]
    shell0 = stored_shell(inv, "assets", fid)

    # A hole: drawn inside the park, cut out of it; the outline keeps its bytes.
    use_tool(window, "add_ring")
    centre = pixel_of(window, geom.centroid.x, geom.centroid.y)
    for d in ((-40, -30), (40, -30), (40, 30), (-40, 30)):
        click(qtbot, window, centre + QPoint(*d))
    key(qtbot, window, Qt.Key.Key_Return)
    holed = inv.get("assets", fid)
    (hole,) = holed.geometry.geoms[0].interiors
    assert stored_shell(inv, "assets", fid) == shell0
    assert holed.props["area_ha"] == pytest.approx(area0 - geodesic_ha(Polygon(hole)), rel=1e-9)
    # A hole across the edge is refused; the sketch stays for correction.
    edge = pixel_of(window, *shell0[0])
    for d in ((-30, -30), (30, -30), (30, 30)):
        click(qtbot, window, edge + QPoint(*d))
    key(qtbot, window, Qt.Key.Key_Return)
    assert "must lie inside one polygon" in window.statusBar().currentMessage()
    assert len(canvas.map_tool().points) == 3
    key(qtbot, window, Qt.Key.Key_Escape)
    window.actions_by_name["undo"].trigger()
    assert rows(inv, "assets") == start

    # Split: a line across the park, finished with a double click.
    use_tool(window, "split")
    x0, y0, x1, y1 = geom.bounds
    west = pixel_of(window, x0 - 0.01, (y0 + y1) / 2 + 0.01)
    east = pixel_of(window, x1 + 0.01, (y0 + y1) / 2 - 0.01)
    click(qtbot, window, west)
    click(qtbot, window, east)
    qtbot.mouseDClick(canvas, LEFT, NO_MOD, east)
    after = rows(inv, "assets")
    (part,) = set(after) - set(start)
    areas = [inv.get("assets", i).props["area_ha"] for i in (fid, part)]
    assert sum(areas) == pytest.approx(area0, rel=1e-9)
    assert inv.get("assets", part).props["name"] == FENGHUANG  # the attributes are copied
    assert window.undo_stack.undo_text.startswith("Split Ecological assets")

    # Merge the two parts back: pick which keeps its attributes, then one feature again.
    window.selection.select("assets", {fid, part})
    window.actions_by_name["merge_selected"].trigger()
    from ecoinv.gui.editor import MergeDialog

    dialog = visible(qtbot, window, MergeDialog)
    assert dialog.kept_id() == (fid if areas[0] >= areas[1] else part)  # the larger by default
    choose(dialog.keep, fid)
    press_ok(qtbot, dialog)
    merged = rows(inv, "assets")
    assert set(merged) == set(start)
    assert inv.get("assets", fid).props["area_ha"] == pytest.approx(area0, rel=1e-9)
    assert window.selection.ids("assets") == {fid}
    # Two undos: the split parts, then the park as it was, byte for byte.
    window.actions_by_name["undo"].trigger()
    assert rows(inv, "assets") == after
    window.actions_by_name["undo"].trigger()
    assert rows(inv, "assets") == start
    wait_for_render(qtbot, canvas)


def test_delete_asks_and_undo_restores_attributes_zones_and_history(qtbot, window):
    inv, canvas = window.inv, window.canvas
    fid = asset_id(inv, NATURE_RESERVE)
    zoom_to(qtbot, window, inv.get("assets", fid).geometry.bounds)
    set_layer(window, "assets")
    window.edit_attributes("assets", fid, {"level": "national", "authority": "省林草局"})
    assets, zones = rows(inv, "assets"), rows(inv, "asset_zones")
    history = feature_history(inv, "assets", fid)
    window.selection.select("assets", {fid})

    def confirm(answer):
        canvas.setFocus()
        key(qtbot, window, Qt.Key.Key_Delete)  # the window's Delete shortcut, from the map
        box = visible(qtbot, window, QMessageBox, "confirmDelete")
        assert NATURE_RESERVE in box.text() and "3 functional zones" in box.text()
        qtbot.mouseClick(box.button(answer), LEFT)

    confirm(QMessageBox.StandardButton.No)
    assert rows(inv, "assets") == assets
    confirm(QMessageBox.StandardButton.Yes)
    assert fid not in rows(inv, "assets") and rows(inv, "asset_zones") == {}
    assert window.selection.ids("assets") == set()
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert rows(inv, "assets") == assets and rows(inv, "asset_zones") == zones
    now = feature_history(inv, "assets", fid)
    assert now[:len(history)] == history
    assert [h.action for h in now[len(history):]] == ["delete", "undo-delete"]

    # The history dialog, from the identify results' context menu.
    window.actions_by_name["tool_identify"].trigger()
    p = site(NATURE_RESERVE).geometry.exterior.interpolate(0.01, normalized=True)
    c = site(NATURE_RESERVE).geometry.centroid
    inside = (p.x + (c.x - p.x) * 0.03, p.y + (c.y - p.y) * 0.03)  # just inside its edge
    click(qtbot, window, pixel_of(window, *inside))
    item = next(i for i in window.identify_panel.feature_items() if i.text(0) == NATURE_RESERVE)
    menu = window.identify_panel.context_menu_for(item)
    menu.findChild(type(menu.actions()[0]), "identifyHistoryAction").trigger()
    from ecoinv.gui.history_dialog import FeatureHistoryDialog

    dialog = visible(qtbot, window, FeatureHistoryDialog)
    assert dialog.tree.topLevelItemCount() == len(now)
    texts = [dialog.tree.topLevelItem(i).text(3) for i in range(dialog.tree.topLevelItemCount())]
    assert any("Level: Provincial → National" in t for t in texts)
    # Newest first: the current version cannot be "restored"; the creation can.
    dialog.tree.setCurrentItem(dialog.tree.topLevelItem(0))
    assert not dialog.restore_button.isEnabled()
    dialog.select_history_id(history[0].history_id)
    qtbot.mouseClick(dialog.restore_button, LEFT)
    props = inv.get("assets", fid).props
    assert (props["level"], props["authority"]) == ("provincial", None)
    assert dialog.tree.topLevelItemCount() == len(now) + 1  # the restore is history too
    assert window.undo_stack.undo_text.startswith("Restore Ecological assets")
    window.actions_by_name["undo"].trigger()  # and undoable
    assert inv.get("assets", fid).props["level"] == "national"
    # The attribute table's context menu asks for the same dialog: it is reused.
    window.open_attribute_table("assets").historyRequested.emit("assets", fid)
    assert visible(qtbot, window, FeatureHistoryDialog) is dialog
    assert dialog.tree.topLevelItemCount() == len(now) + 2
    dialog.close()

    # A new zone drawn inside the reserve: the form offers the reserve and its zones.
    set_layer(window, "asset_zones")
    use_tool(window, "add_polygon")
    corner = pixel_of(window, *inside)
    outward = corner - pixel_of(window, c.x, c.y)
    step = QPoint(round(outward.x() * -0.05), round(outward.y() * -0.05))
    side = QPoint(-step.y(), step.x())
    for p in (corner, corner + step, corner + step + side, corner + side):
        click(qtbot, window, p)
    key(qtbot, window, Qt.Key.Key_Return)
    form = open_form(qtbot, window)
    assert form.widgets["asset_id"].currentData() == fid
    zone = form.widgets["zone"]
    assert [zone.itemData(i) for i in range(zone.count())] == \
        [None, *schema.CATEGORIES["nature_reserve"].zones]
    choose(zone, "experimental")
    press_ok(qtbot, form)
    new = max(rows(inv, "asset_zones"))
    assert inv.get("asset_zones", new).props["asset_id"] == fid
    wait_for_render(qtbot, canvas)


def test_add_a_station_and_move_it(qtbot, window):
    inv, canvas = window.inv, window.canvas
    zoom_to(qtbot, window, EMPTY)
    set_layer(window, "stations")
    assert not window.actions_by_name["tool_add_polygon"].isEnabled()
    use_tool(window, "add_point")
    spot = QPoint(420, 300)
    click(qtbot, window, spot)
    form = open_form(qtbot, window)
    kind = form.widgets["kind"]
    assert [kind.itemData(i) for i in range(kind.count())] == [None, *schema.STATION_KINDS]
    form.widgets["name"].setText("阿城区水质站")
    choose(kind, "water")
    press_ok(qtbot, form)
    fid = max(rows(inv, "stations"))
    to_storage = pyproj.Transformer.from_crs(canvas.display_crs, inv.crs, always_xy=True)
    to_display = pyproj.Transformer.from_crs(inv.crs, canvas.display_crs, always_xy=True)
    point = inv.get("stations", fid).geometry
    assert (point.x, point.y) == pytest.approx(to_storage.transform(*canvas.to_map(QPointF(spot))),
                                               abs=1e-10)
    placed = rows(inv, "stations")

    use_tool(window, "move")
    wait_for_render(qtbot, canvas)
    drag(qtbot, window, spot, spot + QPoint(60, -35))
    moved = inv.get("stations", fid).geometry
    dx, dy = (a - b for a, b in zip(canvas.to_map(QPointF(spot + QPoint(60, -35))),
                                    canvas.to_map(QPointF(spot))))
    sx, sy = to_display.transform(point.x, point.y)
    assert (moved.x, moved.y) == pytest.approx(to_storage.transform(sx + dx, sy + dy), abs=1e-9)
    assert window.undo_stack.undo_text == "Move Monitoring stations {} (阿城区水质站)".format(fid)
    window.actions_by_name["undo"].trigger()
    assert rows(inv, "stations") == placed
    wait_for_render(qtbot, canvas)


def test_a_second_instance_sees_edits_and_conflicts_are_refused(qtbot, window):
    inv, canvas = window.inv, window.canvas
    forest = asset_id(inv, "哈尔滨国家森林公园")
    bounds = inv.get("assets", forest).geometry.bounds
    zoom_to(qtbot, window, bounds)
    other = open_window(qtbot, inv.path)
    try:
        table = other.open_attribute_table("assets")
        area_col = "area_ha"
        shell = stored_shell(inv, "assets", forest)

        # This window moves a vertex; the other shows it after View > Refresh (F5).
        set_layer(window, "assets")
        use_tool(window, "vertex")
        c = site("哈尔滨国家森林公园").geometry.centroid
        click(qtbot, window, pixel_of(window, c.x, c.y))
        drag(qtbot, window, pixel_of(window, *shell[2]), pixel_of(window, *shell[2]) + QPoint(25, -25))
        new_area = inv.get("assets", forest).props["area_ha"]
        qtbot.keyClick(other.canvas, Qt.Key.Key_F5)
        assert table.model.value(forest, area_col) == new_area
        # ... and by itself: it looks for other programs' writes every few seconds.
        window.edit_attributes("assets", forest, {"authority": "哈尔滨市林业局"})
        qtbot.waitUntil(lambda: table.model.value(forest, "authority") == "哈尔滨市林业局")

        # The other window moves the same vertex again; undoing our last edit of that
        # feature would overwrite their move, so it is refused.
        ours = stored_shell(inv, "assets", forest)
        stale = shapely.to_wkb(inv.get("assets", forest).geometry)  # what a tool of ours holds
        zoom_to(qtbot, other, bounds)
        other.layers_panel.select_layer("assets")
        use_tool(other, "vertex")
        click(qtbot, other, pixel_of(other, c.x, c.y))
        drag(qtbot, other, pixel_of(other, *ours[2]), pixel_of(other, *ours[2]) + QPoint(-10, -30))
        theirs = rows(inv, "assets")
        assert stored_shell(inv, "assets", forest)[2] != ours[2]
        window.actions_by_name["undo"].trigger()
        box = visible(qtbot, window, QMessageBox, "errorMessage")
        assert box.windowTitle() == "Cannot undo: changed by someone else"
        assert "was changed by someone else" in box.text() and "Traceback" not in box.text()
        box.accept()
        assert rows(inv, "assets") == theirs  # their move and our authority stay
        assert window.undo_stack.can_undo  # the step is kept: it may be undone once they undo
        # A tool still holding the old outline is refused too, and says why.
        assert not window.editor.change_geometry(
            "assets", forest, shapely.from_wkb(stale).buffer(0.001), stale)
        box = visible(qtbot, window, QMessageBox, "errorMessage")
        assert box.windowTitle() == "Changed by someone else"
        assert "changed or deleted by another program" in box.text()
        box.accept()
        assert rows(inv, "assets") == theirs
        wait_for_render(qtbot, other.canvas)
    finally:
        other.shutdown()
    wait_for_render(qtbot, canvas)
