"""The report and the exports from the app: File > Export Report as PDF, Print
Preview, Print; Layer > Export Layer.  Real PDFs read back with poppler,
real exported files read back with fiona."""
from __future__ import annotations

import re
import subprocess

import fiona
import pyproj
import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog, QPrintPreviewWidget
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox, QPushButton

from ecoinv import report as rm
from ecoinv.metrics import compute_stats
from ecoinv.render.report_painter import layout_report
from ecoinv.store import Inventory

from .gui_fixtures import (SITES, copy_inventory, ecoinv_app, fixture_inventory_source,  # noqa: F401
                           inventory_file, isolated_settings, open_window, source_inventory, window)

OK = QDialogButtonBox.StandardButton.Ok
FIXTURE_NAMES = {s.name for s in SITES}


def pdftotext(pdf, layout: bool = True) -> str:
    cmd = ["pdftotext", "-enc", "UTF-8"] + (["-layout"] if layout else []) + [str(pdf), "-"]
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def pdf_pages(pdf) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))


def wait_job(qtbot, job, timeout=120000):
    """Run the job to its end; returns (finished result, failure)."""
    got = {}
    job.finished.connect(lambda r: got.setdefault("result", r))
    job.failed.connect(lambda e: got.setdefault("error", e))
    with qtbot.waitSignal(job.done, timeout=timeout):
        pass
    return got.get("result"), got.get("error")


def click_ok(qtbot, dialog) -> None:
    qtbot.mouseClick(dialog.buttons.button(OK), Qt.MouseButton.LeftButton)


@pytest.fixture
def demo_window(qtbot, ecoinv_app, source_inventory, tmp_path):  # noqa: F811
    win = open_window(qtbot, copy_inventory(source_inventory, tmp_path, "demo.sqlite"))
    yield win
    win.shutdown()


# -- report ----------------------------------------------------------------------------------------

def test_export_report_pdf_of_the_demo(qtbot, demo_window, tmp_path):
    window = demo_window
    out = tmp_path / "reports" / "harbin-zh.pdf"
    out.parent.mkdir()
    job = window.export_report_pdf(out, "zh", atlas=False)
    assert job is not None and job.progress_dialog.isVisible()
    # One report at a time: the actions wait for this one.
    assert not window.actions_by_name["export_report"].isEnabled()
    stages = set()
    job.progressed.connect(lambda stage, done, total: stages.add(stage))
    pages, error = wait_job(qtbot, job)
    assert error is None
    assert stages == {"statistics", "pages"}
    assert out.is_file() and pdf_pages(out) == pages
    assert window.actions_by_name["export_report"].isEnabled()
    assert str(out) in window.statusBar().currentMessage()

    with Inventory.open(window.inv.path) as inv:
        name = inv.name
        stats = compute_stats(inv, sections=("boundary", "landcover"))
    forest = next(r for r in stats["landcover"] if r["class"] == "forest")
    text = pdftotext(out)
    assert name in text
    line = next(ln for ln in text.splitlines() if "森林覆盖率" in ln)
    assert rm.fmt_pct(forest["coverage_pct"]) in line.split()
    # Remembered for the next report.
    assert window.settings.report_options() == {"lang": "zh", "atlas": False}
    assert window.settings.last_dir("report") == str(out.parent)


def test_export_report_through_the_action_slot(qtbot, window, tmp_path):
    out = tmp_path / "fixture-en.pdf"
    dialog = window.export_report_dialog(path=str(out))
    assert dialog is window.reports.options_dialog and dialog.isVisible()
    assert dialog.options() == ("en", False, None)  # the interface language, the default sections
    dialog.set_options(lang="en", atlas=True, sections=["cover", "summary"])
    click_ok(qtbot, dialog)
    job = window.reports.job
    assert job is not None
    pages, error = wait_job(qtbot, job)
    assert error is None and out.is_file()
    text = pdftotext(out, layout=False)
    assert "Forest coverage rate" in text
    assert "Appendix" in text  # the atlas was asked for
    assert "District / county" not in text  # a section left out
    for s in SITES:
        assert s.name_en in text or s.name in text  # an atlas page per site
    # The next time the dialog starts from the last choice.
    again = window.export_report_dialog(path=str(tmp_path / "again.pdf"))
    assert again.options()[:2] == ("en", True)
    again.reject()
    assert window.reports.job is None and not (tmp_path / "again.pdf").exists()


def test_cancel_while_painting_leaves_no_file(qtbot, window, tmp_path):
    out = tmp_path / "cancelled.pdf"
    job = window.export_report_pdf(out, "en")

    def progressed(stage, done, total):
        if stage == "pages" and done == 2:
            assert total > 3  # really midway
            qtbot.mouseClick(job.progress_dialog.findChild(QPushButton), Qt.MouseButton.LeftButton)

    job.progressed.connect(progressed)
    result, error = wait_job(qtbot, job)
    assert result is None and isinstance(error, rm.ReportCancelled)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".part"]
    assert "cancelled" in window.statusBar().currentMessage()
    assert not window.messages  # a cancel is not an error


def test_cancel_during_the_statistics(qtbot, window, tmp_path):
    out = tmp_path / "cancelled.pdf"
    job = window.export_report_pdf(out, "zh")
    # Whether the worker sees it at its next check or has just finished, no page is painted.
    qtbot.mouseClick(job.progress_dialog.findChild(QPushButton), Qt.MouseButton.LeftButton)
    pages = []
    job.progressed.connect(lambda stage, *_: pages.append(stage) if stage == "pages" else None)
    result, error = wait_job(qtbot, job)
    assert isinstance(error, rm.ReportCancelled)
    assert not pages and not out.exists()


def test_print_to_a_configured_printer(qtbot, window, tmp_path):
    out = tmp_path / "printed.pdf"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    dialog = window.print_report_dialog(printer=printer)
    dialog.set_options(lang="zh")
    click_ok(qtbot, dialog)
    pages, error = wait_job(qtbot, window.reports.job)
    assert error is None
    assert pdf_pages(out) == pages
    text = pdftotext(out)
    assert window.inv.name in text and "森林覆盖率" in text
    assert "printed.pdf" in window.statusBar().currentMessage()


def test_print_preview_opens_and_paints(qtbot, window):
    dialog = window.print_preview_dialog()
    dialog.set_options(lang="en", sections=["cover", "summary", "landcover"])
    click_ok(qtbot, dialog)
    job = window.reports.job
    model, error = wait_job(qtbot, job)
    assert error is None
    preview = window.reports.preview_window
    assert isinstance(preview, QPrintPreviewDialog) and preview.isVisible()
    widget = preview.findChild(QPrintPreviewWidget)
    # The pages were painted when the dialog opened ...
    assert widget.pageCount() == len(layout_report(model).pages) > 1
    # ... and are painted again whenever the preview asks.
    painted = []
    preview.paintRequested.connect(lambda printer: painted.append(printer))
    widget.updatePreview()
    assert len(painted) == 1
    preview.close()


# -- layer exports ---------------------------------------------------------------------------------

def export_through_dialog(qtbot, dialog):
    with qtbot.waitSignal(dialog.exported, timeout=60000) as blocker:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    return blocker.args[0]


def test_export_layer_to_geopackage(qtbot, window, tmp_path):
    dialog = window.export_layer_dialog("assets")
    assert dialog.isVisible() and dialog.layer() == "assets"
    assert dialog.format() == "gpkg" and not dialog.encoding_combo.isEnabled()
    dialog.set_path(tmp_path / "sites.gpkg")
    result = export_through_dialog(qtbot, dialog)
    assert result.count == len(SITES)
    with fiona.open(tmp_path / "sites.gpkg", layer="assets") as src:
        assert {f["properties"]["name"] for f in src} == FIXTURE_NAMES
        assert pyproj.CRS.from_wkt(src.crs_wkt).to_epsg() == window.inv.crs.to_epsg()
    assert "sites.gpkg" in window.statusBar().currentMessage()
    assert window.settings.last_dir("export") == str(tmp_path)


def test_export_layer_to_gbk_shapefile_from_the_layers_panel(qtbot, window, tmp_path):
    window.layers_panel.exportLayer.emit("assets")
    dialog = window.export_dialog
    dialog.set_format("shp")
    assert dialog.encoding_combo.isEnabled() and not dialog.wkt_check.isEnabled()
    dialog.set_encoding("gbk")
    dialog.set_crs("EPSG:4552")
    dialog.set_path(tmp_path / "sites")  # the extension follows the format
    export_through_dialog(qtbot, dialog)
    shp = tmp_path / "sites.shp"
    assert shp.with_suffix(".cpg").read_text().strip().upper() == "GBK"
    assert pyproj.CRS.from_wkt(shp.with_suffix(".prj").read_text()).to_epsg() == 4552
    with fiona.open(shp) as src:
        assert {f["properties"]["name"] for f in src} == FIXTURE_NAMES
    dbf = shp.with_suffix(".dbf").read_bytes()
    for name in FIXTURE_NAMES:
        assert name.encode("gbk") in dbf


def test_export_asks_before_replacing_and_explains_errors(qtbot, window, tmp_path):
    target = tmp_path / "stations.csv"
    target.write_text("keep me\n", encoding="utf-8")
    dialog = window.export_layer_dialog("stations")
    dialog.set_path(target)
    assert dialog.format() == "csv" and dialog.wkt_check.isEnabled()
    dialog.wkt_check.setChecked(True)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    box = dialog.overwrite_box
    assert box is not None and box.isVisible()
    box.button(QMessageBox.StandardButton.No).click()
    assert target.read_text(encoding="utf-8") == "keep me\n" and dialog.task is None
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dialog.exported, timeout=60000):
        dialog.overwrite_box.button(QMessageBox.StandardButton.Yes).click()
    text = target.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].endswith(",wkt") and "POINT" in text

    # A CRS nobody knows: a readable message, the dialog stays for another try.
    dialog = window.export_layer_dialog("stations")
    dialog.set_path(tmp_path / "stations.geojson")
    dialog.set_crs("EPSG:999999")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    box = dialog.findChild(QMessageBox, "errorMessage")
    assert box is not None and "not a CRS" in box.text()
    assert "Traceback" not in box.text() and not box.property("details")
    assert dialog.isVisible() and not (tmp_path / "stations.geojson").exists()
    box.accept()
    dialog.set_crs(None)
    export_through_dialog(qtbot, dialog)
    assert (tmp_path / "stations.geojson").is_file()


def test_export_xlsx_with_the_statistics_sheets(qtbot, window, tmp_path):
    from openpyxl import load_workbook

    dialog = window.export_layer_dialog("landcover")
    dialog.set_format("xlsx")
    assert dialog.stats_check.isEnabled() and dialog.stats_check.isChecked()
    dialog.set_path(tmp_path / "landcover.xlsx")
    export_through_dialog(qtbot, dialog)
    book = load_workbook(tmp_path / "landcover.xlsx", read_only=True)
    assert book.sheetnames[0] == "landcover"
    assert {"stats_categories", "stats_landcover"} <= set(book.sheetnames)


def test_cancelled_print_to_file_leaves_no_file(qtbot, window, tmp_path):
    out = tmp_path / "printed.pdf"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    job = window.print_report(printer, "en")
    job.progressed.connect(lambda stage, done, total: job.progress_dialog.cancel()
                           if stage == "pages" and done == 2 else None)
    result, error = wait_job(qtbot, job)
    assert isinstance(error, rm.ReportCancelled)
    assert not out.exists()
    assert "Printing cancelled" in window.statusBar().currentMessage()
