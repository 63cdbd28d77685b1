"""The main window on a real inventory: map, layers, tools, selection, tables, errors."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QItemSelectionModel, QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QWheelEvent
from PySide6.QtWidgets import QMessageBox

from ecoinv import schema, styles
from ecoinv.store import Inventory

from .gui_fixtures import (NATURE_RESERVE, SITES, asset_id, ecoinv_app, fixture_inventory_source,  # noqa: F401
                           inventory_file, isolated_settings, map_pixel, only_site_point, open_window,
                           site, wait_for_map, wait_for_render, window)

SUN_ISLAND = "太阳岛风景名胜区"
FOREST_PARK = "哈尔滨国家森林公园"


def pixel(window, pos: QPointF):
    img = window.canvas.rendered_image()
    dpr = img.devicePixelRatio()
    return img.pixelColor(int(pos.x() * dpr), int(pos.y() * dpr))


def zoom_to_site(qtbot, window, name: str) -> None:
    inv = window.inv
    assert window.canvas.zoom_to_features("assets", {asset_id(inv, name)})
    wait_for_render(qtbot, window.canvas)


def click(qtbot, widget, pos: QPointF, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, modifier, pos.toPoint())


def drag(qtbot, widget, start: QPointF, end: QPointF, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, modifier, start.toPoint())
    steps = 5
    for i in range(1, steps + 1):
        p = start + (end - start) * (i / steps)
        qtbot.mouseMove(widget, p.toPoint())
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, modifier, end.toPoint())


def move(widget, pos: QPointF) -> None:
    from PySide6.QtGui import QMouseEvent

    QApplicationSend(widget, QMouseEvent(QEvent.Type.MouseMove, pos, widget.mapToGlobal(pos),
                                         Qt.MouseButton.NoButton, Qt.MouseButton.NoButton,
                                         Qt.KeyboardModifier.NoModifier))


def test_opens_inventory_and_draws_the_map(window):
    assert "哈尔滨测试清单" in window.windowTitle()
    assert window.canvas.rendered_image() is not None
    # Scale and CRS in the status bar.
    assert window.scale_combo.currentText().startswith("1:")
    assert window.crs_label.text() == "EPSG:4552"
    # The layer tree counts the features per layer and per category.
    model = window.layer_model
    assets = model.layer_index("assets")
    assert model.data(assets, Qt.ItemDataRole.DisplayRole) == "Ecological assets [8]"
    forest = model.code_index("assets", "forest_park")
    assert model.data(forest, Qt.ItemDataRole.DisplayRole) == "Forest park [2]"
    assert model.data(forest, Qt.ItemDataRole.DecorationRole) is not None
    # Coordinates under the cursor, in lon/lat and in the display CRS.
    s = site(SUN_ISLAND).geometry.centroid
    pos = map_pixel(window, s.x, s.y)
    move(window.canvas, pos)
    lon_text = window.lonlat_label.text()
    lon, lat = (float(part.split("°")[0]) for part in lon_text.split())
    assert abs(lon - s.x) < 0.01 and abs(lat - s.y) < 0.01
    assert window.xy_label.text().startswith("X ")


def labels_off(window) -> None:
    """Labels would cover the pixels these tests look at."""
    action = window.actions_by_name["labels"]
    assert action.isChecked()
    action.trigger()
    assert not window.canvas.show_labels


def test_toggle_layer_and_category(qtbot, window):
    labels_off(window)
    zoom_to_site(qtbot, window, SUN_ISLAND)
    p = only_site_point(site(SUN_ISLAND))
    pos = map_pixel(window, p.x, p.y)
    with_sites = pixel(window, pos)
    fill = styles.style_for("assets", "scenic_area").fill
    model = window.layer_model
    model.setData(model.layer_index("assets"), Qt.CheckState.Unchecked.value,
                  Qt.ItemDataRole.CheckStateRole)
    assert not next(ls for ls in window.canvas.layers if ls.name == "assets").visible
    wait_for_render(qtbot, window.canvas)
    without = pixel(window, pos)
    assert without != with_sites
    model.setData(model.layer_index("assets"), Qt.CheckState.Checked.value,
                  Qt.ItemDataRole.CheckStateRole)
    # Hiding only the category hides the site too.
    model.setData(model.code_index("assets", "scenic_area"), Qt.CheckState.Unchecked.value,
                  Qt.ItemDataRole.CheckStateRole)
    assert "scenic_area" in next(ls for ls in window.canvas.layers if ls.name == "assets").hidden_codes
    wait_for_render(qtbot, window.canvas)
    assert pixel(window, pos) == without
    model.set_code_visible("assets", "scenic_area", True)
    wait_for_render(qtbot, window.canvas)
    assert pixel(window, pos) == with_sites
    assert fill  # the site's colour is a real style, not the fallback


def test_layer_order_and_opacity(qtbot, window):
    model = window.layer_model
    names = [s.name for s in model.states()]
    assert names == list(reversed(styles.LAYER_ORDER))
    model.move_layer("landcover", 0)  # to the top of the panel: drawn last
    assert [ls.name for ls in window.canvas.layers][-1] == "landcover"
    model.set_opacity("assets", 0.5)
    assert next(ls for ls in window.canvas.layers if ls.name == "assets").opacity == 0.5
    wait_for_render(qtbot, window.canvas)


def test_wheel_zoom_keeps_the_point_under_the_cursor(qtbot, window):
    canvas = window.canvas
    scale_before = canvas.scale()
    pos = QPointF(canvas.width() * 0.3, canvas.height() * 0.6)
    before = canvas.to_map(pos)
    event = QWheelEvent(pos, canvas.mapToGlobal(pos), QPoint(0, 0), QPoint(0, 240),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplicationSend(canvas, event)
    after = canvas.to_map(pos)
    assert abs(after[0] - before[0]) < canvas.map_units_per_pixel()
    assert abs(after[1] - before[1]) < canvas.map_units_per_pixel()
    assert canvas.scale() == pytest.approx(scale_before / 2, rel=1e-6)
    wait_for_render(qtbot, canvas)
    assert window.scale_combo.currentText() == f"1:{round(canvas.scale()):,}"
    # Full extent, layer, selection.
    window.actions_by_name["zoom_full"].trigger()
    full = canvas.scale()
    assert full == pytest.approx(scale_before, rel=1e-6)
    window.layers_panel.select_layer("stations")
    window.actions_by_name["zoom_layer"].trigger()
    assert canvas.scale() < full / 10  # the stations are all in the city centre
    window.selection.select("assets", {asset_id(window.inv, FOREST_PARK)})
    window.actions_by_name["zoom_selection"].trigger()
    xmin, ymin, xmax, ymax = canvas.extent()
    g = site(FOREST_PARK).geometry
    for lon, lat in g.exterior.coords:
        px = map_pixel(window, lon, lat)
        assert 0 <= px.x() <= canvas.width() and 0 <= px.y() <= canvas.height()
    # Typing a scale in the status bar zooms to it.
    window.scale_combo.setEditText("1:250000")
    window.scale_combo.lineEdit().returnPressed.emit()
    assert canvas.scale() == pytest.approx(250000, rel=1e-6)
    wait_for_render(qtbot, canvas)


def QApplicationSend(widget, event):
    from PySide6.QtWidgets import QApplication

    QApplication.sendEvent(widget, event)


def test_pan_tool_drags_the_map(qtbot, window):
    canvas = window.canvas
    window.set_tool("pan")
    start = QPointF(400, 300)
    before = canvas.to_map(start)
    drag(qtbot, canvas, start, QPointF(500, 350))
    after = canvas.to_map(QPointF(500, 350))
    assert abs(after[0] - before[0]) < canvas.map_units_per_pixel() * 1.5
    assert abs(after[1] - before[1]) < canvas.map_units_per_pixel() * 1.5
    wait_for_render(qtbot, canvas)


def test_identify_lists_every_feature_under_the_cursor(qtbot, window):
    zoom_to_site(qtbot, window, SUN_ISLAND)
    window.actions_by_name["tool_identify"].trigger()
    assert window.canvas.map_tool().name == "identify"
    p = only_site_point(site(SUN_ISLAND))
    click(qtbot, window.canvas, map_pixel(window, p.x, p.y))
    found = dict()
    for layer, fid in window.identify_panel.found():
        found.setdefault(layer, set()).add(fid)
    sun = asset_id(window.inv, SUN_ISLAND)
    assert found["assets"] == {sun}
    assert "boundary" in found and "districts" in found
    items = window.identify_panel.feature_items()
    item = next(i for i in items if i.text(0) == SUN_ISLAND)
    rows = {item.child(k).text(0): item.child(k).text(1) for k in range(item.childCount())}
    assert rows["Category"] == "Scenic area"
    assert rows["Level"] == "National"
    stored = window.inv.get("assets", sun).props["area_ha"]
    assert rows["GIS area (ha)"].startswith(f"{stored:,.2f} ha")
    assert "GIS vs reported area" in rows
    assert window.canvas.highlight == {"assets": {sun}}


def test_identify_where_sites_overlap(qtbot, window):
    # The germplasm reserve and the estuary wetland park overlap.
    a = site("松花江哈尔滨段水产种质资源保护区").geometry
    b = site("呼兰河口湿地公园").geometry
    p = a.intersection(b).representative_point()
    window.canvas.set_storage_extent(a.union(b).bounds)
    wait_for_render(qtbot, window.canvas)
    window.set_tool("identify")
    click(qtbot, window.canvas, map_pixel(window, p.x, p.y))
    names = {window.inv.get(l, f).props.get("name") for l, f in window.identify_panel.found()
             if l == "assets"}
    assert names == {"松花江哈尔滨段水产种质资源保护区", "呼兰河口湿地公园"}


def test_select_on_the_map_selects_table_rows_and_back(qtbot, window):
    inv = window.inv
    dock = window.open_attribute_table("assets")
    zoom_to_site(qtbot, window, SUN_ISLAND)
    window.layers_panel.select_layer("assets")
    window.actions_by_name["tool_select"].trigger()
    p = only_site_point(site(SUN_ISLAND))
    click(qtbot, window.canvas, map_pixel(window, p.x, p.y))
    sun = asset_id(inv, SUN_ISLAND)
    assert window.selection.ids("assets") == {sun}
    assert dock.selected_ids() == {sun}
    assert window.canvas.selection == {"assets": {sun}}
    # Shift + rectangle adds the wetland park next to it.
    wet = site("金河湾湿地公园").geometry
    window.canvas.set_storage_extent(site(SUN_ISLAND).geometry.union(wet).bounds)
    wait_for_render(qtbot, window.canvas)
    x0, y0, x1, y1 = wet.bounds
    drag(qtbot, window.canvas, map_pixel(window, x0 - 0.002, y1 + 0.002),
         map_pixel(window, x1 + 0.002, y0 - 0.002), Qt.KeyboardModifier.ShiftModifier)
    wet_id = asset_id(inv, "金河湾湿地公园")
    assert window.selection.ids("assets") == {sun, wet_id}
    assert dock.selected_ids() == {sun, wet_id}
    # Ctrl-click removes; a click on empty map clears.
    click(qtbot, window.canvas, map_pixel(window, p.x, p.y), Qt.KeyboardModifier.ControlModifier)
    assert window.selection.ids("assets") == {wet_id}
    # Back: choosing rows in the table selects on the map.
    forest = asset_id(inv, FOREST_PARK)
    row = dock.proxy.mapFromSource(dock.model.index(dock.model.row_of(forest), 0))
    # What a plain click on a row does (selectRow() would follow the
    # keyboard modifiers of the last input event, here Ctrl).
    dock.view.selectionModel().select(row, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                      | QItemSelectionModel.SelectionFlag.Rows)
    assert window.selection.ids("assets") == {forest}
    assert window.canvas.selection == {"assets": {forest}}
    # Zoom to the row.
    dock.zoomToFeatures.emit("assets", {forest})
    g = site(FOREST_PARK).geometry
    c = map_pixel(window, g.centroid.x, g.centroid.y)
    assert abs(c.x() - window.canvas.width() / 2) < 2 and abs(c.y() - window.canvas.height() / 2) < 2
    window.actions_by_name["deselect"].trigger()
    assert window.selection.count() == 0 and dock.selected_ids() == set()
    wait_for_render(qtbot, window.canvas)


def test_table_filters_by_text_and_category(window):
    dock = window.open_attribute_table("assets")
    assert dock.proxy.rowCount() == len(SITES)
    dock.filter_edit.setText("湿地")
    assert dock.proxy.rowCount() == 2
    dock.filter_edit.setText("")
    dock.set_code_filter("forest_park")
    names = {dock.proxy.index(r, 0).data() for r in range(dock.proxy.rowCount())}
    assert names == {FOREST_PARK, "凤凰山国家森林公园"}
    dock.filter_edit.setText("national")  # English labels and codes match too
    assert dock.proxy.rowCount() == 2
    dock.filter_edit.setText("凤凰")
    assert dock.proxy.rowCount() == 1
    dock.set_code_filter(None)
    dock.filter_edit.setText("")
    # Sorting by area puts the biggest site last.
    col = dock.model.column_of("area_ha")
    dock.view.sortByColumn(col, Qt.SortOrder.AscendingOrder)
    last = dock.proxy.index(dock.proxy.rowCount() - 1, dock.model.column_of("name")).data()
    assert last == NATURE_RESERVE
    assert "Features total: 8" in dock.summary.text()


def test_cell_edit_writes_to_the_store_and_undoes(qtbot, window):
    inv = window.inv
    dock = window.open_attribute_table("assets")
    fid = asset_id(inv, FOREST_PARK)
    row = dock.proxy.mapFromSource(dock.model.index(dock.model.row_of(fid), 0)).row()
    name_idx = dock.proxy.index(row, dock.model.column_of("name"))
    assert dock.proxy.setData(name_idx, "哈尔滨森林公园")
    assert Inventory.open(inv.path).get("assets", fid).props["name"] == "哈尔滨森林公园"
    assert name_idx.data() == "哈尔滨森林公园"
    # A code picked by label is stored as the code.
    level_idx = dock.proxy.index(row, dock.model.column_of("level"))
    assert dock.proxy.setData(level_idx, "provincial")
    assert inv.get("assets", fid).props["level"] == "provincial"
    assert level_idx.data() == "Provincial"
    # The edit is undoable from the Edit menu.
    undo = window.actions_by_name["undo"]
    assert undo.isEnabled()
    undo.trigger()
    assert inv.get("assets", fid).props["level"] == "national"
    assert level_idx.data() == "National"
    window.actions_by_name["redo"].trigger()
    assert inv.get("assets", fid).props["level"] == "provincial"
    # A value the schema refuses is not written and is explained in a dialog.
    before = inv.get("assets", fid).props
    year_idx = dock.proxy.index(row, dock.model.column_of("designated_year"))
    assert not dock.proxy.setData(year_idx, "nineteen")
    assert inv.get("assets", fid).props == before
    box = window.findChild(QMessageBox, "errorMessage")
    assert box is not None and box.isVisible()
    assert "not a whole number" in box.text() and "Traceback" not in box.text()
    box.accept()
    # Computed fields are read-only.
    area_idx = dock.proxy.index(row, dock.model.column_of("area_ha"))
    assert not (dock.proxy.flags(area_idx) & Qt.ItemFlag.ItemIsEditable)


def test_cell_editor_offers_the_schema_codes(qtbot, window):
    dock = window.open_attribute_table("assets")
    fid = asset_id(window.inv, FOREST_PARK)
    row = dock.proxy.mapFromSource(dock.model.index(dock.model.row_of(fid), 0)).row()
    idx = dock.proxy.index(row, dock.model.column_of("level"))
    dock.view.setCurrentIndex(idx)
    dock.view.edit(idx)
    from PySide6.QtWidgets import QComboBox

    editor = dock.view.indexWidget(idx) or dock.view.findChild(QComboBox)
    assert isinstance(editor, QComboBox)
    codes = [editor.itemData(i) for i in range(editor.count())]
    assert codes == [None] + list(schema.CATEGORIES["forest_park"].levels)
    editor.setCurrentIndex(editor.findData("municipal_county"))
    dock.view.commitData(editor)
    dock.view.closeEditor(editor, dock.view.itemDelegate().EndEditHint.NoHint)
    assert window.inv.get("assets", fid).props["level"] == "municipal_county"


def test_changes_by_another_program_show_up(qtbot, window):
    dock = window.open_attribute_table("stations")
    with Inventory.open(window.inv.path) as other:
        fid = next(other.features("stations")).id
        other.update("stations", fid, {"name": "外部修改的站点"})
    assert window.check_external_changes()
    names = {dock.model.value(f, "name") for f in dock.model.feature_ids()}
    assert "外部修改的站点" in names
    wait_for_render(qtbot, window.canvas)


def test_errors_are_readable_dialogs(qtbot, window, tmp_path):
    bad = tmp_path / "not-an-inventory.sqlite"
    bad.write_bytes(b"this is not sqlite at all" * 100)
    assert not window.open_inventory(bad)
    box = window.findChild(QMessageBox, "errorMessage")
    assert box.windowTitle() == "Cannot open the inventory"
    assert "not an SQLite file" in box.text() or "not an ecoinv inventory" in box.text()
    assert "Traceback" not in box.text()
    box.accept()
    # The open inventory is still there.
    assert window.inv is not None and window.canvas.inv is window.inv


def test_recent_files_are_remembered(qtbot, ecoinv_app, inventory_file, isolated_settings):
    win = open_window(qtbot, inventory_file)
    win.shutdown()
    win.close()
    from ecoinv.gui.main_window import MainWindow

    again = MainWindow()
    qtbot.addWidget(again)
    assert again.settings.recent_files() == [str(Path(inventory_file).resolve())]
    again.menu_recent.aboutToShow.emit()
    entries = [a.text() for a in again.menu_recent.actions() if a.text()]
    assert any(str(Path(inventory_file).resolve()) in t for t in entries)
    assert (isolated_settings / "ecoinv.ini").exists()
    again.shutdown()


def test_drop_an_inventory_or_a_file_to_import(qtbot, window, tmp_path, fixture_inventory_source):
    from .gui_fixtures import copy_inventory

    second = copy_inventory(fixture_inventory_source, tmp_path, "second.sqlite")

    def drop(path):
        # As the platform delivers a drop onto the map: enter, move, drop.
        data = QMimeData()
        data.setUrls([QUrl.fromLocalFile(str(path))])
        # Drag enter/move take an integer QPoint, the drop a QPointF.
        point = QPoint(window.canvas.width() // 2, window.canvas.height() // 2)
        rest = (Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
                Qt.KeyboardModifier.NoModifier)
        for event in (QDragEnterEvent(point, *rest), QDragMoveEvent(point, *rest),
                      QDropEvent(QPointF(point), *rest)):
            QApplicationSend(window.canvas, event)
            assert event.isAccepted()

    drop(second)
    assert window.inv.path == second
    wait_for_map(qtbot, window)
    geojson = tmp_path / "stations.geojson"
    geojson.write_text('{"type":"FeatureCollection","features":[{"type":"Feature",'
                       '"properties":{"名称":"新站","类型":"空气"},'
                       '"geometry":{"type":"Point","coordinates":[126.6,45.7]}}]}', encoding="utf-8")
    drop(geojson)
    dialog = window.import_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.path_edit.text() == str(geojson)
    dialog.close()


def test_window_layout_is_saved(qtbot, ecoinv_app, inventory_file):
    win = open_window(qtbot, inventory_file)
    win.close()  # closeEvent saves the layout and shuts the workers down
    geometry, state = win.settings.window_state()
    assert geometry is not None and state is not None


def test_create_a_new_inventory(qtbot, window, tmp_path):
    path = tmp_path / "new.sqlite"
    assert window.create_inventory(path, "新清单")
    assert window.inv.path == path and window.inv.name == "新清单"
    assert window.layer_model.layer_index("assets").data() == "Ecological assets [0]"
    assert window.settings.recent_files()[0] == str(path.resolve())
    # An empty inventory still gets a view (and a map, of nothing).
    wait_for_map(qtbot, window)
    assert not window.create_inventory(path)  # exists already: explained, not overwritten
    box = window.findChild(QMessageBox, "errorMessage")
    assert "already exists" in box.text()
    box.accept()


def test_style_and_opacity_from_the_layers_panel(qtbot, window):
    panel = window.layers_panel
    panel.select_layer("assets")
    panel.opacity.setValue(40)
    assert window.layer_model.state("assets").opacity == 0.4
    assert next(ls for ls in window.canvas.layers if ls.name == "assets").opacity == 0.4
    new = styles.style_for("assets", "forest_park").with_(fill="#ff0000", fill_opacity=1.0)
    model = window.layer_model
    before = model.data(model.code_index("assets", "forest_park"), Qt.ItemDataRole.DecorationRole)
    model.set_style("assets", "forest_park", new)
    ls = next(ls for ls in window.canvas.layers if ls.name == "assets")
    assert ls.style("forest_park").fill == "#ff0000"
    after = model.data(model.code_index("assets", "forest_park"), Qt.ItemDataRole.DecorationRole)
    assert after.cacheKey() != before.cacheKey()  # the swatch follows the style
    panel.opacity.setValue(100)
    labels_off(window)
    zoom_to_site(qtbot, window, FOREST_PARK)
    p = only_site_point(site(FOREST_PARK))
    assert close_rgb(pixel(window, map_pixel(window, p.x, p.y)), (255, 0, 0))


def close_rgb(c, rgb, tol=3):
    return all(abs(a - b) <= tol for a, b in zip((c.red(), c.green(), c.blue()), rgb))


def test_extra_map_tools_plug_in(qtbot, window):
    """What the editing work does to add its tools: one tool active at a time."""
    from PySide6.QtGui import QAction

    from ecoinv.gui.map_tools import MapTool

    class Recorder(MapTool):
        name = "record"

        def __init__(self, canvas):
            super().__init__(canvas)
            self.events = []

        def activate(self):
            super().activate()
            self.events.append("activate")

        def deactivate(self):
            super().deactivate()
            self.events.append("deactivate")

        def press(self, event):
            self.events.append(("press", round(event.map_x), round(event.map_y)))

        def paint(self, painter):
            self.events.append("paint")

    tool = Recorder(window.canvas)
    action = QAction("Record", window)
    window.register_tool("record", tool, action)
    action.trigger()
    assert window.canvas.map_tool() is tool and action.isChecked()
    assert not window.actions_by_name["tool_pan"].isChecked()
    pos = QPointF(300, 200)
    x, y = window.canvas.to_map(pos)
    qtbot.mousePress(window.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     pos.toPoint())
    assert ("press", round(x), round(y)) in tool.events
    window.canvas.repaint()
    assert "paint" in tool.events  # overlays are drawn on top of the map image
    window.actions_by_name["tool_identify"].trigger()
    assert tool.events[-1] == "deactivate" and not action.isChecked()
    qtbot.mouseRelease(window.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       pos.toPoint())


def test_gui_entry_point_help(capsys):
    from ecoinv.gui.app import run

    with pytest.raises(SystemExit) as exc:
        run(["--help"])
    assert exc.value.code == 0
    assert "--screenshot" in capsys.readouterr().out


def test_zoom_tools_click_and_box(qtbot, window):
    canvas = window.canvas
    mupp = canvas.map_units_per_pixel()
    window.actions_by_name["tool_zoom_in"].trigger()
    pos = QPointF(300, 250)
    anchor = canvas.to_map(pos)
    click(qtbot, canvas, pos)
    assert canvas.map_units_per_pixel() == pytest.approx(mupp / 2)
    after = canvas.to_map(pos)
    assert abs(after[0] - anchor[0]) < mupp and abs(after[1] - anchor[1]) < mupp
    # A box: what was inside it fills the view.
    corner_a, corner_b = QPointF(200, 150), QPointF(400, 300)
    a, b = canvas.to_map(corner_a), canvas.to_map(corner_b)
    drag(qtbot, canvas, corner_a, corner_b)
    xmin, ymin, xmax, ymax = canvas.extent()
    assert xmin <= min(a[0], b[0]) and xmax >= max(a[0], b[0])
    assert ymin <= min(a[1], b[1]) and ymax >= max(a[1], b[1])
    assert canvas.map_units_per_pixel() < mupp / 2
    before = canvas.map_units_per_pixel()
    window.actions_by_name["tool_zoom_out"].trigger()
    click(qtbot, canvas, pos)
    assert canvas.map_units_per_pixel() == pytest.approx(before * 2)
    # Escape drops a rubber band half drawn.
    window.actions_by_name["tool_select"].trigger()
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(100, 100))
    move(canvas, QPointF(200, 200))
    assert canvas.map_tool().rubber_band() is not None
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert canvas.map_tool().rubber_band() is None
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(200, 200))
    assert window.selection.count() == 0
    wait_for_render(qtbot, canvas)


def test_a_task_that_ends_before_anyone_listens_still_reports(qtbot, ecoinv_app):
    """Task.done may be emitted before a test (or a widget) connects to it:
    ``reported`` says when done, and finished before it, reached the UI thread."""
    from ecoinv.gui.workers import Task

    seen = []
    task = Task(lambda x: x * 2, 21, with_progress=False)
    task.finished.connect(seen.append)
    task.start()
    assert task.wait(10)            # the function has returned ...
    qtbot.waitUntil(lambda: task.reported, timeout=10000)
    assert seen == [42] and task.result == 42   # ... and the UI thread has heard of it
