"""Layer > Export Layer: one layer to GeoPackage, Shapefile, GeoJSON, CSV or XLSX.

The dialog only gathers what :func:`ecoinv.exports.export_layer` takes (the
CLI's ``ecoinv export`` calls the same function); the export runs in a
worker thread on its own inventory connection.  For XLSX the statistics
tables are computed there too and added as sheets.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLabel, QLineEdit, QMessageBox,
                               QProgressBar, QPushButton, QVBoxLayout, QWidget)

from .. import schema
from ..crs import crs_label, epsg_code, parse_crs
from ..errors import EcoinvError
from ..store import Inventory
from . import i18n
from .workers import Task

# (key, extension); the order of the format list.
FORMATS = (("gpkg", ".gpkg"), ("shp", ".shp"), ("geojson", ".geojson"), ("csv", ".csv"),
           ("xlsx", ".xlsx"))
EXTENSIONS = {ext: key for key, ext in FORMATS} | {".json": "geojson"}
ENCODING_FORMATS = ("shp", "csv")
WKT_FORMATS = ("csv", "xlsx")
ENCODINGS = (("utf-8", "UTF-8"), ("gbk", "GBK"))
# The CRSs other agencies ask for around Harbin: CGCS2000 lon/lat, WGS 84,
# and the CGCS2000 3-degree Gauss-Kruger zones that cover the city.
CRS_CHOICES = ("EPSG:4490", "EPSG:4326", "EPSG:4551", "EPSG:4552")
STORAGE = ""
OTHER = "other"
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def _run_export(inventory_path: str, layer: str, out: str, options: dict, with_stats: bool, *,
                progress, cancel):
    from ..exports import export_layer

    with Inventory.open(inventory_path) as inv:
        stats = None
        if with_stats:
            from ..metrics import compute_stats

            stats = compute_stats(inv, progress=progress, cancel=cancel)
        return export_layer(inv, layer, out, stats=stats, progress=progress, **options)


def existing_targets(path: Path, fmt: str) -> list[Path]:
    """The files an export to ``path`` would replace."""
    if fmt == "shp":
        return [p for p in (path.with_suffix(ext) for ext in SHAPEFILE_PARTS) if p.exists()]
    return [path] if path.exists() else []


class ExportLayerDialog(i18n.Retranslating, QDialog):
    """Window-modal, not blocking; stays open after a failure so the choice can change."""

    exported = Signal(object)      # ExportResult
    failed = Signal(object)        # the exception (cancelled exports included)
    taskStarted = Signal(object)   # the worker Task, before it starts

    def __init__(self, inventory_path, storage_crs, layer: str = "assets", folder: str = "",
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("exportLayerDialog")
        self.inventory_path = str(inventory_path)
        self.storage_crs = storage_crs
        self.folder = folder or str(Path(self.inventory_path).parent)
        self.task: Task | None = None
        self.overwrite_box: QMessageBox | None = None
        self._syncing = False
        self._build()
        self.retranslate()
        self.set_layer(layer)
        self.set_path(Path(self.folder) / f"{layer}.gpkg")
        self._update_enabled()

    # -- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        form = QFormLayout()
        self.layer_caption = QLabel(self)
        self.layer_combo = QComboBox(self)
        for name in schema.LAYERS:
            self.layer_combo.addItem(name, name)
        self.layer_combo.currentIndexChanged.connect(self._layer_changed)
        form.addRow(self.layer_caption, self.layer_combo)
        self.format_caption = QLabel(self)
        self.format_combo = QComboBox(self)
        for key, _ext in FORMATS:
            self.format_combo.addItem(key, key)
        self.format_combo.currentIndexChanged.connect(self._format_changed)
        form.addRow(self.format_caption, self.format_combo)
        self.path_caption = QLabel(self)
        row = QHBoxLayout()
        self.path_edit = QLineEdit(self)
        self.path_edit.editingFinished.connect(self._path_edited)
        self.browse_button = QPushButton(self)
        self.browse_button.clicked.connect(self.browse)
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        form.addRow(self.path_caption, row)
        self.encoding_caption = QLabel(self)
        self.encoding_combo = QComboBox(self)
        for codec, name in ENCODINGS:
            self.encoding_combo.addItem(name, codec)
        form.addRow(self.encoding_caption, self.encoding_combo)
        self.crs_caption = QLabel(self)
        crs_row = QHBoxLayout()
        self.crs_combo = QComboBox(self)
        self.crs_combo.addItem("", STORAGE)
        storage_code = epsg_code(self.storage_crs)
        for code in CRS_CHOICES:
            if storage_code is None or code != f"EPSG:{storage_code}":
                self.crs_combo.addItem(crs_label(code), code)
        self.crs_combo.addItem("", OTHER)
        self.crs_combo.currentIndexChanged.connect(self._crs_changed)
        self.crs_edit = QLineEdit(self)
        self.crs_edit.setPlaceholderText("EPSG:4553")
        self.crs_edit.setVisible(False)
        crs_row.addWidget(self.crs_combo, 1)
        crs_row.addWidget(self.crs_edit)
        form.addRow(self.crs_caption, crs_row)
        outer.addLayout(form)
        self.wkt_check = QCheckBox(self)
        outer.addWidget(self.wkt_check)
        self.stats_check = QCheckBox(self)
        self.stats_check.setChecked(True)
        outer.addWidget(self.stats_check)
        self.progress = QProgressBar(self)
        self.progress.setVisible(False)
        outer.addWidget(self.progress)
        self.buttons = QDialogButtonBox(self)
        self.export_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)
        self.setMinimumWidth(560)


    def retranslate(self) -> None:
        lang = i18n.data_lang()
        self.setWindowTitle(self.tr("Export Layer"))
        self.layer_caption.setText(self.tr("Layer:"))
        for i in range(self.layer_combo.count()):
            self.layer_combo.setItemText(i, schema.LAYERS[self.layer_combo.itemData(i)].label(lang))
        self.format_caption.setText(self.tr("Format:"))
        names = self._format_names()
        for i in range(self.format_combo.count()):
            self.format_combo.setItemText(i, names[self.format_combo.itemData(i)])
        self.path_caption.setText(self.tr("File:"))
        self.browse_button.setText(self.tr("Browse…"))
        self.encoding_caption.setText(self.tr("Text encoding:"))
        self.encoding_combo.setToolTip(self.tr("Shapefile and CSV only. GBK is what older Chinese "
                                               "GIS software and Excel expect."))
        self.crs_caption.setText(self.tr("Coordinate system:"))
        self.crs_combo.setItemText(0, self.tr("Storage CRS: {crs}").format(
            crs=crs_label(self.storage_crs)))
        self.crs_combo.setItemText(self.crs_combo.count() - 1, self.tr("Other (EPSG code, WKT or PROJ)…"))
        self.wkt_check.setText(self.tr("Add the geometry as WKT text (CSV and XLSX)"))
        self.stats_check.setText(self.tr("Add the statistics tables as sheets (XLSX)"))
        self.export_button.setText(self.tr("Export"))

    def _format_names(self) -> dict[str, str]:
        return {"gpkg": self.tr("GeoPackage (*.gpkg)"), "shp": self.tr("Shapefile (*.shp)"),
                "geojson": self.tr("GeoJSON (*.geojson)"), "csv": self.tr("CSV table (*.csv)"),
                "xlsx": self.tr("Excel workbook (*.xlsx)")}

    # -- choices (also what tests set) -----------------------------------------------------------
    def layer(self) -> str:
        return self.layer_combo.currentData()

    def set_layer(self, layer: str) -> None:
        self.layer_combo.setCurrentIndex(max(0, self.layer_combo.findData(layer)))

    def format(self) -> str:
        return self.format_combo.currentData()

    def set_format(self, fmt: str) -> None:
        self.format_combo.setCurrentIndex(self.format_combo.findData(fmt))

    def path(self) -> Path | None:
        text = self.path_edit.text().strip()
        return Path(text).expanduser() if text else None

    def set_path(self, path) -> None:
        self.path_edit.setText(str(path))
        self._path_edited()

    def set_encoding(self, codec: str) -> None:
        self.encoding_combo.setCurrentIndex(self.encoding_combo.findData(codec.lower()))

    def set_crs(self, crs: str | None) -> None:
        """None: the storage CRS; a listed code picks it, anything else goes in the text field."""
        i = self.crs_combo.findData(crs or STORAGE)
        if i < 0:
            i = self.crs_combo.findData(OTHER)
            self.crs_edit.setText(str(crs))
        self.crs_combo.setCurrentIndex(i)

    def _layer_changed(self, _i) -> None:
        # A name that still is the previous layer's default follows the layer.
        path = self.path()
        if path is not None and path.stem in schema.LAYERS:
            self.set_path(path.with_name(self.layer() + path.suffix))

    def _format_changed(self, _i) -> None:
        if not self._syncing:
            path = self.path()
            if path is not None:
                ext = dict(FORMATS)[self.format()]
                self._syncing = True
                self.path_edit.setText(str(path.with_suffix(ext)))
                self._syncing = False
        self._update_enabled()

    def _path_edited(self) -> None:
        path = self.path()
        fmt = EXTENSIONS.get(path.suffix.lower()) if path is not None else None
        if fmt and fmt != self.format():
            self._syncing = True
            self.set_format(fmt)
            self._syncing = False

    def _crs_changed(self, _i) -> None:
        self.crs_edit.setVisible(self.crs_combo.currentData() == OTHER)

    def _update_enabled(self) -> None:
        fmt = self.format()
        running = self.is_running()
        self.encoding_combo.setEnabled(fmt in ENCODING_FORMATS and not running)
        self.wkt_check.setEnabled(fmt in WKT_FORMATS and not running)
        self.stats_check.setEnabled(fmt == "xlsx" and not running)
        for w in (self.layer_combo, self.format_combo, self.path_edit, self.browse_button,
                  self.crs_combo, self.crs_edit):
            w.setEnabled(not running)
        self.export_button.setEnabled(not running)

    def browse(self) -> None:
        names = self._format_names()
        current = names[self.format()]
        filters = [current] + [n for k, n in names.items() if n != current]
        start = str(self.path() or Path(self.folder) / f"{self.layer()}{dict(FORMATS)[self.format()]}")
        path, chosen = QFileDialog.getSaveFileName(
            self, self.tr("Export Layer"), start, ";;".join(filters),
            # The overwrite question comes from this dialog, for every part of a shapefile.
            options=QFileDialog.Option.DontConfirmOverwrite)
        if not path:
            return
        fmt = next((k for k, n in names.items() if n == chosen), self.format())
        if Path(path).suffix.lower() not in EXTENSIONS:
            path += dict(FORMATS)[fmt]
        self.set_path(path)

    # -- running -------------------------------------------------------------------------------
    def target(self) -> Path:
        """The output file, with the extension of the chosen format."""
        path = self.path()
        if path is None:
            raise EcoinvError(self.tr("Choose the file to export to."))
        ext = dict(FORMATS)[self.format()]
        if EXTENSIONS.get(path.suffix.lower()) != self.format():
            path = path.with_name(path.name + ext)
        if not path.parent.is_dir():
            raise EcoinvError(self.tr("The folder {folder} does not exist.").format(folder=path.parent))
        return path

    def crs(self) -> str | None:
        choice = self.crs_combo.currentData()
        if choice == STORAGE:
            return None
        if choice == OTHER:
            text = self.crs_edit.text().strip()
            if not text:
                raise EcoinvError(self.tr("Type the coordinate system, e.g. EPSG:4553."))
            parse_crs(text)  # a readable CrsError now rather than from the worker
            return text
        return choice

    def options(self) -> dict:
        fmt = self.format()
        return {"fmt": fmt, "encoding": self.encoding_combo.currentData() if fmt in ENCODING_FORMATS
                else "utf-8", "crs": self.crs(), "wkt": fmt in WKT_FORMATS and self.wkt_check.isChecked(),
                "lang": i18n.data_lang()}

    def accept(self) -> None:
        """Export (asks first when it would replace files)."""
        if self.is_running():
            return
        try:
            target = self.target()
            self.options()
        except EcoinvError as exc:
            self.failed.emit(exc)
            return
        existing = existing_targets(target, self.format())
        if not existing:
            self.start(target)
            return
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Replace the file?"),
                          self.tr("{path} already exists. Replace it?").format(path=existing[0]),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setObjectName("overwriteQuestion")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.finished.connect(lambda result: self._overwrite_answered(result, target))
        self.overwrite_box = box
        box.open()

    def _overwrite_answered(self, result: int, target: Path) -> None:
        self.overwrite_box = None
        if result == QMessageBox.StandardButton.Yes:
            self.start(target, overwrite=True)

    def start(self, target: Path, overwrite: bool = False) -> Task | None:
        if self.is_running():
            return None
        options = dict(self.options(), overwrite=overwrite)
        with_stats = self.format() == "xlsx" and self.stats_check.isChecked()
        task = Task(_run_export, self.inventory_path, self.layer(), str(target), options, with_stats,
                    name="export")
        task.progress.connect(self._progress)
        task.finished.connect(self._finished)
        task.failed.connect(self._failed)
        task.done.connect(self._update_enabled)
        self.task = task
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.taskStarted.emit(task)
        task.start()
        self._update_enabled()
        return task

    def is_running(self) -> bool:
        return self.task is not None and not self.task.is_finished

    def cancel(self) -> None:
        # The statistics of an XLSX export stop; the writing itself is short and
        # leaves either the complete file or none.
        if self.is_running():
            self.task.cancel()

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _finished(self, result) -> None:
        self.progress.setVisible(False)
        self.exported.emit(result)
        super().accept()

    def _failed(self, exc) -> None:
        from ..metrics import StatsCancelled

        self.progress.setVisible(False)
        if isinstance(exc, StatsCancelled):
            exc = EcoinvError(self.tr("Export cancelled: nothing was written."))
        self.failed.emit(exc)

    def reject(self) -> None:
        if self.is_running():
            self.cancel()
            return
        super().reject()

    def closeEvent(self, event) -> None:
        if self.is_running():
            event.ignore()  # the export ends (or is cancelled) first
            return
        super().closeEvent(event)
