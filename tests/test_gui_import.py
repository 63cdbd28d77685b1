"""The import dialog with real shapefiles written by fiona."""
from __future__ import annotations

from pathlib import Path

import fiona
import numpy as np
import pyproj
import shapely
from PySide6.QtCore import QObject, Qt, Slot
from shapely.geometry import mapping

from .conftest import file_digest
from .gui_fixtures import (blob, ecoinv_app, fixture_inventory_source, inventory_file,  # noqa: F401
                           isolated_settings, wait_for_render, window)

SCHEMA = {"geometry": "Polygon",
          "properties": {"名称": "str:60", "类别": "str:20", "级别": "str:10", "面积": "float",
                         "说明": "str:80"}}


def write_sites(path: Path, features, crs="EPSG:4490") -> Path:
    """A shapefile of sites; ``crs=None`` leaves out the .prj."""
    kwargs = dict(driver="ESRI Shapefile", schema=SCHEMA, encoding="utf-8")
    if crs is not None:
        kwargs["crs"] = crs
    with fiona.open(path, "w", **kwargs) as dst:
        for props, geom in features:
            dst.write({"geometry": mapping(geom), "properties": props})
    return path


def new_sites(n: int = 3):
    out = []
    for i in range(n):
        lon = 126.30 + (i % 40) * 0.02
        lat = 45.20 + (i // 40) * 0.02
        out.append(({"名称": f"测试湿地公园{i + 1}", "类别": "湿地公园", "级别": "省级",
                     "面积": 100.0 + i, "说明": f"第{i + 1}号"},
                    blob(lon, lat, 0.6, 0.4)))
    return out


def mapping_row(dialog, target: str) -> int:
    for r in range(dialog.mapping_table.rowCount()):
        if dialog.mapping_table.item(r, 0).data(Qt.ItemDataRole.UserRole) == target:
            return r
    raise KeyError(target)


def test_import_a_shapefile_through_the_dialog(qtbot, window, tmp_path):
    shp = write_sites(tmp_path / "wetland_parks.shp", new_sites(3))
    inv = window.inv
    before = inv.count("assets")
    table = window.open_attribute_table("assets")
    dialog = window.show_import_dialog(str(shp), "assets")
    assert dialog.isVisible()
    plan = dialog.plan
    assert plan is not None and plan.ok, dialog.messages.text()
    # What was found: the fields, the encoding and how, the CRS from the .prj.
    fields = [dialog.fields_table.item(r, 0).text() for r in range(dialog.fields_table.rowCount())]
    assert fields == ["名称", "类别", "级别", "面积", "说明"]
    assert "UTF-8" in dialog.encoding_combo.currentText()
    assert dialog.crs_combo.currentText().startswith("From the file: EPSG:4490")
    assert "3 features" in dialog.summary_label.text()
    # The mapping found by aliases, shown in the table and editable there.
    name_combo = dialog.mapping_table.cellWidget(mapping_row(dialog, "name"), 1)
    assert name_combo.currentData() == "名称"
    assert dialog.mapping_table.cellWidget(mapping_row(dialog, "category"), 1).currentData() == "类别"
    remarks = dialog.mapping_table.cellWidget(mapping_row(dialog, "remarks"), 1)
    remarks.setCurrentIndex(remarks.findData("说明"))
    qtbot.waitUntil(lambda: dialog.plan.mapping.get("remarks") == "说明")
    # One value for every feature instead of a field.
    row = mapping_row(dialog, "source")
    dialog.mapping_table.cellWidget(row, 1).setCurrentIndex(
        dialog.mapping_table.cellWidget(row, 1).findData("\x00value"))
    value = dialog.mapping_table.cellWidget(row, 2)
    value.setText("2024年湿地公园名录")
    value.editingFinished.emit()
    qtbot.waitUntil(lambda: dialog.plan.defaults.get("source") == "2024年湿地公园名录")
    assert dialog.import_button.isEnabled()
    with qtbot.waitSignal(dialog.imported, timeout=60000) as blocker:
        dialog.import_button.click()
    layer, report = blocker.args
    assert layer == "assets" and report.added == 3
    # The report page.
    assert dialog.pages.currentIndex() == 1
    assert "Imported 3 new" in dialog.result_label.text()
    counts = {dialog.counts_table.item(r, 0).text(): dialog.counts_table.item(r, 1).text()
              for r in range(dialog.counts_table.rowCount())}
    assert counts["Added"] == "3"
    # The store, the table, the layer counts and the map follow.
    assert inv.count("assets") == before + 3
    new = [f for f in inv.features("assets") if f.props["name"].startswith("测试湿地公园")]
    assert {f.props["category"] for f in new} == {"wetland_park"}
    assert {f.props["level"] for f in new} == {"provincial"}
    assert {f.props["remarks"] for f in new} == {"第1号", "第2号", "第3号"}
    # The value set in the dialog, with the file name kept as provenance.
    assert {f.props["source"] for f in new} == {"2024年湿地公园名录 [wetland_parks.shp]"}
    assert table.model.rowCount() == before + 3
    assets = window.layer_model.layer_index("assets")
    assert assets.data().endswith(f"[{before + 3}]")
    wait_for_render(qtbot, window.canvas)
    dialog.close()


def test_file_without_prj_offers_crs_candidates(qtbot, window, tmp_path):
    to_gk = pyproj.Transformer.from_crs("EPSG:4490", "EPSG:4551", always_xy=True)
    sites = [(p, shapely.transform(g, lambda xy: np.column_stack(to_gk.transform(xy[:, 0], xy[:, 1]))))
             for p, g in new_sites(2)]
    shp = write_sites(tmp_path / "no_prj.shp", sites, crs=None)
    assert not shp.with_suffix(".prj").exists()
    dialog = window.show_import_dialog(str(shp), "assets")
    plan = dialog.plan
    assert plan.crs is None and plan.crs_candidates
    codes = [dialog.crs_combo.itemData(i) for i in range(dialog.crs_combo.count())]
    assert "EPSG:4551" in codes
    assert not dialog.import_button.isEnabled()  # nothing is assumed
    assert "Choose the coordinate system" in dialog.messages.text()
    dialog.crs_combo.setCurrentIndex(dialog.crs_combo.findData("EPSG:4551"))
    qtbot.waitUntil(lambda: dialog.plan.crs is not None)
    assert dialog.import_button.isEnabled()
    # The candidates stay on offer after the choice.
    assert dialog.crs_combo.findData("EPSG:4552") >= 0 or dialog.crs_combo.count() > 2
    with qtbot.waitSignal(dialog.imported, timeout=60000):
        dialog.import_button.click()
    f = next(window.inv.features("assets", filters={"name": "测试湿地公园1"}))
    c = f.geometry.centroid
    assert abs(c.x - 126.30) < 0.001 and abs(c.y - 45.20) < 0.001
    dialog.close()


class _Canceller(QObject):
    """Clicks Cancel once the import has written its first batch.

    Connected with a blocking queued connection, so the worker waits in
    its progress report until the click has happened: the cancel lands
    between two batches, whatever the machine's speed.
    """

    def __init__(self, dialog):
        super().__init__()
        self.dialog = dialog
        self.at: int | None = None

    @Slot(int, int)
    def progress(self, done: int, total: int) -> None:
        if self.at is None and 0 < done < total:
            self.at = done
            self.dialog.cancel_button.click()


def test_cancel_an_import_midway_leaves_the_inventory_unchanged(qtbot, window, tmp_path):
    shp = write_sites(tmp_path / "many.shp", new_sites(1200))
    inv = window.inv
    before_count = inv.count("assets")
    digest = file_digest(inv.path)
    dialog = window.show_import_dialog(str(shp), "assets")
    assert dialog.plan.ok
    canceller = _Canceller(dialog)
    dialog.taskStarted.connect(lambda task: task.progress.connect(
        canceller.progress, Qt.ConnectionType.BlockingQueuedConnection))
    with qtbot.waitSignal(dialog.taskStarted):
        dialog.import_button.click()
    assert dialog.is_running()
    assert dialog.cancel_button.isVisible()
    # The task may end before a waitSignal could connect: poll what it reported.
    qtbot.waitUntil(lambda: dialog.task.reported, timeout=120000)
    assert canceller.at == 500  # one batch was written inside the transaction ...
    assert "Import cancelled" in dialog.result_label.text()
    assert inv.count("assets") == before_count  # ... and rolled back
    assert file_digest(inv.path) == digest
    assert dialog.report is not None and dialog.report.status == "cancelled"
    # Back to the plan: the same import can be run again.
    dialog.back_button.click()
    assert dialog.pages.currentIndex() == 0 and dialog.import_button.isEnabled()
    dialog.close()


def test_refused_import_shows_the_reasons(qtbot, window, tmp_path):
    sites = new_sites(2)
    sites[1][0]["类别"] = "游乐场"  # not a category
    shp = write_sites(tmp_path / "bad.shp", sites)
    digest = file_digest(window.inv.path)
    dialog = window.show_import_dialog(str(shp), "assets")
    with qtbot.waitSignal(dialog.taskStarted):
        dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.task.reported, timeout=60000)
    assert "Nothing was imported" in dialog.result_label.text()
    assert "游乐场" in dialog.report_text.toPlainText()
    assert "Traceback" not in dialog.report_text.toPlainText()
    assert file_digest(window.inv.path) == digest
    dialog.close()


def test_unreadable_file_is_explained(qtbot, window, tmp_path):
    junk = tmp_path / "junk.shp"
    junk.write_bytes(b"\x00" * 50)
    dialog = window.show_import_dialog(str(junk), "assets")
    assert dialog.plan is None
    assert dialog.error and "junk.shp" in dialog.messages.text()
    assert not dialog.import_button.isEnabled()
    dialog.close()


def test_check_only_writes_nothing(qtbot, window, tmp_path):
    shp = write_sites(tmp_path / "check.shp", new_sites(4))
    digest = file_digest(window.inv.path)
    dialog = window.show_import_dialog(str(shp), "assets")
    with qtbot.waitSignal(dialog.taskStarted):
        dialog.check_button.click()
    qtbot.waitUntil(lambda: dialog.task.reported, timeout=60000)
    assert dialog.report.status == "dry-run" and dialog.report.added == 4
    assert "nothing was written" in dialog.result_label.text()
    assert file_digest(window.inv.path) == digest
    dialog.close()
