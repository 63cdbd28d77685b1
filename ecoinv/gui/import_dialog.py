"""The import dialog: choose a file and a layer, check what the importer
found (encoding and how it was chosen, the CRS or the candidates when the
file has none, the field mapping, which can be changed), then run the
import in a worker thread with a progress bar and Cancel, and read the
import report.

The dialog only shows and edits an :class:`ecoinv.importer.ImportPlan`;
planning and importing are the importer's (the CLI calls the same two
functions).  The import runs on its own inventory connection in the
worker, in one transaction: Cancel rolls it back.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox,
                               QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QPlainTextEdit, QProgressBar, QPushButton,
                               QSplitter, QStackedWidget, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from .. import schema
from ..errors import EcoinvError
from ..store import Inventory
from . import i18n
from .workers import Task

ENCODINGS = [("utf-8", "UTF-8"), ("gb18030", "GBK / GB18030"), ("big5", "Big5"),
             ("latin-1", "Latin-1")]
FILE_PATTERNS = "*.shp *.zip *.gpkg *.geojson *.json *.kml *.kmz"

# Mapping-table cell states: a source field, one value for every feature,
# or nothing.
NOT_IMPORTED = "\x00none"
FIXED_VALUE = "\x00value"


def _run_import(path: str, inventory_path: str, layer: str, options: dict, *, progress, cancel):
    from ..importer import import_file

    with Inventory.open(inventory_path) as inv:
        return import_file(inv, path, layer, progress=progress, cancel=cancel, **options)


class ImportDialog(i18n.Retranslating, QDialog):
    """Non-modal by design: the map stays usable while an import runs."""

    imported = Signal(str, object)      # target layer, ImportReport
    taskStarted = Signal(object)        # the worker Task, before it starts

    def __init__(self, inv: Inventory, path: str | None = None, layer: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("importDialog")
        self.inv = inv
        self.plan = None
        self.report = None
        self.task: Task | None = None
        self.error: str = ""
        self._mapping_state: dict[str, tuple[str, Any]] = {}  # target -> (mode, value)
        self._filling = False
        self._replan_timer = QTimer(self)
        self._replan_timer.setSingleShot(True)
        self._replan_timer.setInterval(0)
        self._replan_timer.timeout.connect(self.replan)
        self.resize(900, 700)
        self._build()
        self.retranslate()
        if layer:
            self.set_target_layer(layer)
        if path:
            self.set_path(path)

    # -- layout ----------------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        self.pages = QStackedWidget(self)
        outer.addWidget(self.pages, 1)

        # Page 1: the plan.
        setup = QWidget(self)
        lay = QVBoxLayout(setup)
        lay.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        self.file_label = QLabel(setup)
        row = QHBoxLayout()
        self.path_edit = QLineEdit(setup)
        self.path_edit.editingFinished.connect(self._path_edited)
        self.browse_button = QPushButton(setup)
        self.browse_button.clicked.connect(self.browse)
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        form.addRow(self.file_label, row)
        self.source_layer_label = QLabel(setup)
        self.source_layer_combo = QComboBox(setup)
        self.source_layer_combo.currentIndexChanged.connect(self._schedule_replan)
        form.addRow(self.source_layer_label, self.source_layer_combo)
        self.target_label = QLabel(setup)
        self.target_combo = QComboBox(setup)
        for name in schema.LAYERS:
            self.target_combo.addItem(name, name)
        self.target_combo.setCurrentIndex(self.target_combo.findData("assets"))
        self.target_combo.currentIndexChanged.connect(self._target_changed)
        form.addRow(self.target_label, self.target_combo)
        lay.addLayout(form)

        self.found_box = QGroupBox(setup)
        found = QFormLayout(self.found_box)
        self.summary_label = QLabel(self.found_box)
        self.summary_label.setWordWrap(True)
        self.summary_caption = QLabel(self.found_box)
        found.addRow(self.summary_caption, self.summary_label)
        self.encoding_caption = QLabel(self.found_box)
        enc_row = QVBoxLayout()
        self.encoding_combo = QComboBox(self.found_box)
        self.encoding_combo.currentIndexChanged.connect(self._schedule_replan)
        self.encoding_note = QLabel(self.found_box)
        self.encoding_note.setWordWrap(True)
        enc_row.addWidget(self.encoding_combo)
        enc_row.addWidget(self.encoding_note)
        found.addRow(self.encoding_caption, enc_row)
        self.crs_caption = QLabel(self.found_box)
        crs_row = QVBoxLayout()
        crs_line = QHBoxLayout()
        self.crs_combo = QComboBox(self.found_box)
        self.crs_combo.currentIndexChanged.connect(self._crs_changed)
        self.crs_edit = QLineEdit(self.found_box)
        self.crs_edit.setPlaceholderText("EPSG:4551")
        self.crs_edit.setVisible(False)
        self.crs_edit.editingFinished.connect(self._schedule_replan)
        crs_line.addWidget(self.crs_combo, 1)
        crs_line.addWidget(self.crs_edit)
        self.crs_note = QLabel(self.found_box)
        self.crs_note.setWordWrap(True)
        crs_row.addLayout(crs_line)
        crs_row.addWidget(self.crs_note)
        found.addRow(self.crs_caption, crs_row)
        self.unknown_caption = QLabel(self.found_box)
        self.unknown_combo = QComboBox(self.found_box)
        for code in ("error", "skip", "keep-as-remark"):
            self.unknown_combo.addItem(code, code)
        self.unknown_combo.currentIndexChanged.connect(self._schedule_replan)
        found.addRow(self.unknown_caption, self.unknown_combo)
        lay.addWidget(self.found_box)

        split = QSplitter(Qt.Orientation.Horizontal, setup)
        left = QWidget(split)
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        self.fields_caption = QLabel(left)
        self.fields_table = QTableWidget(0, 2, left)
        self.fields_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.fields_table.verticalHeader().setVisible(False)
        self.fields_table.horizontalHeader().setStretchLastSection(True)
        self.fields_table.verticalHeader().setDefaultSectionSize(22)
        ll.addWidget(self.fields_caption)
        ll.addWidget(self.fields_table)
        right = QWidget(split)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        self.mapping_caption = QLabel(right)
        self.mapping_table = QTableWidget(0, 3, right)
        self.mapping_table.verticalHeader().setVisible(False)
        self.mapping_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        rl.addWidget(self.mapping_caption)
        rl.addWidget(self.mapping_table)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        lay.addWidget(split, 1)
        self.messages = QLabel(setup)
        self.messages.setWordWrap(True)
        self.messages.setTextFormat(Qt.TextFormat.PlainText)
        lay.addWidget(self.messages)
        self.pages.addWidget(setup)

        # Page 2: the report.
        done = QWidget(self)
        dl = QVBoxLayout(done)
        dl.setContentsMargins(0, 0, 0, 0)
        self.result_label = QLabel(done)
        self.result_label.setWordWrap(True)
        font = self.result_label.font()
        font.setBold(True)
        self.result_label.setFont(font)
        self.counts_table = QTableWidget(0, 2, done)
        self.counts_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.counts_table.verticalHeader().setVisible(False)
        self.counts_table.horizontalHeader().setStretchLastSection(True)
        self.counts_table.verticalHeader().setDefaultSectionSize(22)
        self.counts_table.setColumnWidth(0, 200)
        self.counts_table.setFixedHeight(7 * 22 + 30)
        self.report_text = QPlainTextEdit(done)
        self.report_text.setReadOnly(True)
        self.report_text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        dl.addWidget(self.result_label)
        dl.addWidget(self.counts_table)
        dl.addWidget(self.report_text, 1)
        self.pages.addWidget(done)

        self.progress = QProgressBar(self)
        self.progress.setVisible(False)
        outer.addWidget(self.progress)
        self.buttons = QDialogButtonBox(self)
        self.check_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.ActionRole)
        self.check_button.clicked.connect(lambda: self.start(dry_run=True))
        self.import_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(lambda: self.start(dry_run=False))
        self.cancel_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.RejectRole)
        self.cancel_button.clicked.connect(self.cancel)
        self.back_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.ResetRole)
        self.back_button.clicked.connect(self.back)
        self.save_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button.clicked.connect(self.save_report)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.clicked.connect(self.close)
        outer.addWidget(self.buttons)
        self._update_buttons()


    def retranslate(self) -> None:
        lang = i18n.data_lang()
        self.setWindowTitle(self.tr("Import into the Inventory"))
        self.file_label.setText(self.tr("File:"))
        self.path_edit.setPlaceholderText(self.tr("Shapefile, zip, GeoPackage, GeoJSON or KML"))
        self.browse_button.setText(self.tr("Browse…"))
        self.source_layer_label.setText(self.tr("Layer in the file:"))
        self.target_label.setText(self.tr("Import into:"))
        for i in range(self.target_combo.count()):
            name = self.target_combo.itemData(i)
            self.target_combo.setItemText(i, schema.LAYERS[name].label(lang))
        self.found_box.setTitle(self.tr("What the file contains"))
        self.summary_caption.setText(self.tr("Contents:"))
        self.encoding_caption.setText(self.tr("Encoding:"))
        self.crs_caption.setText(self.tr("Coordinate system:"))
        self.unknown_caption.setText(self.tr("Unknown codes:"))
        for i, text in enumerate((self.tr("Refuse the import"), self.tr("Skip the feature"),
                                  self.tr("Keep the value in the remarks"))):
            self.unknown_combo.setItemText(i, text)
        self.fields_caption.setText(self.tr("Fields in the file"))
        self.fields_table.setHorizontalHeaderLabels([self.tr("Field"), self.tr("Type")])
        self.mapping_caption.setText(self.tr("Field mapping (change it if needed)"))
        self.mapping_table.setHorizontalHeaderLabels(
            [self.tr("Inventory field"), self.tr("Taken from"), self.tr("Value for every feature")])
        self.counts_table.setHorizontalHeaderLabels([self.tr("Result"), self.tr("Features")])
        self.check_button.setText(self.tr("Check Only"))
        self.check_button.setToolTip(self.tr("Go through the whole import and roll it back: "
                                             "nothing is written"))
        self.import_button.setText(self.tr("Import"))
        self.cancel_button.setText(self.tr("Cancel Import"))
        self.back_button.setText(self.tr("Back"))
        self.save_button.setText(self.tr("Save Report…"))
        if self.plan is not None:
            self._show_plan()
        if self.report is not None:
            self._show_report(self.report, self._report_status_text)

    # -- inputs --------------------------------------------------------------------------------------
    def browse(self) -> None:
        from .settings import Settings

        settings = Settings()
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Choose a file to import"), settings.last_dir("import"),
            self.tr("GIS files ({patterns});;All files (*)").format(patterns=FILE_PATTERNS))
        if path:
            settings.set_last_dir(path, "import")
            self.set_path(path)

    def _path_edited(self) -> None:
        text = self.path_edit.text().strip()
        if text and text != getattr(self, "_path", None):
            self.set_path(text)

    def set_path(self, path) -> None:
        from ..sources import list_layers

        self._path = str(path)
        self.path_edit.setText(self._path)
        self._mapping_state.clear()
        self.source_layer_combo.blockSignals(True)
        self.source_layer_combo.clear()
        try:
            for name in list_layers(path):
                self.source_layer_combo.addItem(name, name)
        except EcoinvError as exc:
            self.source_layer_combo.blockSignals(False)
            self._set_error(str(exc))
            return
        except OSError as exc:
            self.source_layer_combo.blockSignals(False)
            self._set_error(self.tr("Cannot read {path}: {error}").format(path=path, error=exc))
            return
        self.source_layer_combo.setEnabled(self.source_layer_combo.count() > 1)
        self.source_layer_combo.blockSignals(False)
        self.encoding_combo.blockSignals(True)
        self.encoding_combo.clear()
        self.encoding_combo.blockSignals(False)
        self.crs_combo.blockSignals(True)
        self.crs_combo.clear()
        self.crs_combo.blockSignals(False)
        self.replan()

    def set_target_layer(self, layer: str) -> None:
        self.target_combo.setCurrentIndex(self.target_combo.findData(layer))

    def target_layer(self) -> str:
        return self.target_combo.currentData()

    def _target_changed(self, _i) -> None:
        self._mapping_state.clear()
        self._schedule_replan()

    def _crs_changed(self, _i) -> None:
        self.crs_edit.setVisible(self.crs_combo.currentData() == "other")
        self._schedule_replan()

    def _schedule_replan(self, *_) -> None:
        if not self._filling:
            self._replan_timer.start()

    def choose_crs(self, code: str) -> None:
        """Pick a candidate (or type any CRS) as the user would."""
        i = self.crs_combo.findData(code)
        if i >= 0:
            self.crs_combo.setCurrentIndex(i)
        else:
            self.crs_combo.setCurrentIndex(self.crs_combo.findData("other"))
            self.crs_edit.setText(code)
        self.replan()

    def choose_encoding(self, codec: str | None) -> None:
        self.encoding_combo.setCurrentIndex(max(0, self.encoding_combo.findData(codec)))
        self.replan()

    def set_mapping(self, target: str, source_field: str | None = None, *, value=None,
                    fixed: bool = False) -> None:
        """Map ``target`` from a source field, or give one value for every feature."""
        if fixed:
            self._mapping_state[target] = (FIXED_VALUE, value)
        elif source_field is None:
            self._mapping_state[target] = (NOT_IMPORTED, None)
        else:
            self._mapping_state[target] = ("field", source_field)
        self.replan()

    # -- planning --------------------------------------------------------------------------------
    def options(self) -> dict:
        """The importer's keyword arguments for what the dialog shows."""
        opts: dict[str, Any] = {}
        if self.source_layer_combo.currentData():
            opts["source_layer"] = self.source_layer_combo.currentData()
        enc = self.encoding_combo.currentData()
        if enc:
            opts["encoding"] = enc
        crs = self.crs_combo.currentData()
        if crs == "other":
            if self.crs_edit.text().strip():
                opts["crs"] = self.crs_edit.text().strip()
        elif crs:
            opts["crs"] = crs
        mapping, defaults = {}, {}
        layer = self.target_layer()
        fields = {f.name: f for f in schema.LAYERS[layer].fields}
        for target, (mode, value) in self._mapping_state.items():
            if mode == "field":
                mapping[target] = value
            elif mode == FIXED_VALUE:
                defaults[target] = value
            elif mode == NOT_IMPORTED and target in fields and not fields[target].required:
                # An empty value for every feature keeps the importer from
                # mapping the field by its aliases again.
                defaults[target] = None
        if mapping:
            opts["mapping"] = mapping
        if defaults:
            opts["defaults"] = defaults
        if self.unknown_combo.currentData() != "error":
            opts["on_unknown"] = self.unknown_combo.currentData()
        return opts

    def replan(self) -> None:
        from ..importer import plan_import

        self._replan_timer.stop()
        path = getattr(self, "_path", None)
        if not path:
            self.plan = None
            self._update_buttons()
            return
        try:
            self.plan = plan_import(self.inv, path, self.target_layer(), **self.options())
        except EcoinvError as exc:
            self.plan = None
            self._set_error(str(exc))
            return
        except OSError as exc:
            self.plan = None
            self._set_error(self.tr("Cannot read {path}: {error}").format(path=path, error=exc))
            return
        self.error = ""
        self._show_plan()

    def _set_error(self, message: str) -> None:
        self.error = message
        self.messages.setStyleSheet("color: #b3261e;")
        self.messages.setText(message)
        self._update_buttons()

    def _show_plan(self) -> None:
        from ..crs import crs_label
        from ..encoding import encoding_label

        plan = self.plan
        self._filling = True
        try:
            self.summary_label.setText(self.tr("{format}, layer “{layer}”: {count} features ({geometry})")
                                       .format(format=plan.format, layer=plan.source_layer,
                                               count=plan.feature_count, geometry=plan.geometry_type))
            # Encoding.
            how = {"override": self.tr("chosen here"), "cpg": self.tr("from the .cpg file"),
                   "ldid": self.tr("from the DBF language byte"),
                   "detected": self.tr("detected from the text"),
                   "fallback": self.tr("guessed (no better evidence)"),
                   "default": self.tr("default"), "format": self.tr("fixed by the format")
                   }.get(plan.encoding_how or "format", plan.encoding_how or "")
            chosen = self.encoding_combo.currentData() if self.encoding_combo.count() else None
            self.encoding_combo.clear()
            found = encoding_label(plan.encoding) if plan.encoding else self.tr("not applicable")
            self.encoding_combo.addItem(self.tr("As found: {encoding} ({how})")
                                        .format(encoding=found, how=how), None)
            if plan.encoding_how not in (None, "format"):
                for codec, label in ENCODINGS:
                    self.encoding_combo.addItem(label, codec)
            self.encoding_combo.setCurrentIndex(max(0, self.encoding_combo.findData(chosen)))
            self.encoding_combo.setEnabled(plan.encoding_how not in (None, "format"))
            self.encoding_note.setText(plan.encoding_note or "")
            # CRS: what the file says (or the candidates), then "Other…".
            chosen_crs = self.crs_combo.currentData() if self.crs_combo.count() else None
            if plan.crs_how != "given":
                self._file_crs = plan.crs if plan.crs_how == "file" else None
                self._candidates = list(plan.crs_candidates)
            self.crs_combo.clear()
            if getattr(self, "_file_crs", None) is not None:
                self.crs_combo.addItem(self.tr("From the file: {crs}").format(
                    crs=crs_label(self._file_crs)), None)
            else:
                self.crs_combo.addItem(self.tr("Unknown: choose a coordinate system"), None)
                for c in getattr(self, "_candidates", []):
                    self.crs_combo.addItem(f"{c.code} {c.name}", c.code)
                    self.crs_combo.setItemData(self.crs_combo.count() - 1, c.reason,
                                               Qt.ItemDataRole.ToolTipRole)
            self.crs_combo.addItem(self.tr("Other…"), "other")
            self.crs_combo.setCurrentIndex(max(0, self.crs_combo.findData(chosen_crs)))
            self.crs_edit.setVisible(self.crs_combo.currentData() == "other")
            if plan.crs is None:
                note = plan.crs_note or self.tr("The file has no coordinate system (.prj).")
                if plan.crs_candidates:
                    note += " " + self.tr("The coordinates fit the systems listed; choose one. "
                                          "Nothing is assumed.")
                    best = plan.crs_candidates[0]
                    note += "\n" + self.tr("Best fit: {candidate}").format(candidate=str(best))
            else:
                note = self.tr("{source} → stored as {target}").format(
                    source=crs_label(plan.crs), target=crs_label(plan.target_crs))
                if plan.crs_note:
                    note += f"\n{plan.crs_note}"
            self.crs_note.setText(note)
            # Fields.
            self.fields_table.setRowCount(len(plan.fields))
            for r, (name, ftype) in enumerate(plan.fields):
                self.fields_table.setItem(r, 0, QTableWidgetItem(name))
                self.fields_table.setItem(r, 1, QTableWidgetItem(str(ftype)))
            self.fields_table.resizeColumnsToContents()
            self._fill_mapping()
            # Notes and problems.
            lines = [f"⚠ {p}" for p in plan.problems] + [f"• {n}" for n in plan.notes]
            if plan.crs is None:
                lines.insert(0, "⚠ " + self.tr("Choose the coordinate system before importing."))
            self.messages.setStyleSheet("color: #b3261e;" if (plan.problems or plan.crs is None) else "")
            self.messages.setText("\n".join(lines))
        finally:
            self._filling = False
        self._update_buttons()

    def _targets(self) -> list[tuple[str, str]]:
        from ..importer import ASSET_NAME

        lang = i18n.data_lang()
        ldef = schema.LAYERS[self.target_layer()]
        out = [(f.name, f.label(lang) + (" *" if f.required else ""))
               for f in ldef.editable_fields]
        if ldef.name == "asset_zones":
            out.insert(1, (ASSET_NAME, self.tr("Asset name (instead of its id)")))
        return out

    def _fill_mapping(self) -> None:
        plan = self.plan
        sources = [name for name, _ in plan.fields]
        targets = self._targets()
        self.mapping_table.setRowCount(len(targets))
        lang = i18n.data_lang()
        fields = {f.name: f for f in schema.LAYERS[self.target_layer()].fields}
        for r, (target, label) in enumerate(targets):
            item = QTableWidgetItem(label)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            item.setData(Qt.ItemDataRole.UserRole, target)
            how = plan.mapping_how.get(target)
            if how:
                item.setToolTip(self.tr("matched: {how}").format(how=how))
            self.mapping_table.setItem(r, 0, item)
            combo = QComboBox(self.mapping_table)
            combo.addItem(self.tr("(not imported)"), NOT_IMPORTED)
            for s in sources:
                combo.addItem(s, s)
            combo.addItem(self.tr("(one value for every feature)"), FIXED_VALUE)
            if target in plan.mapping:
                combo.setCurrentIndex(combo.findData(plan.mapping[target]))
            elif target in plan.defaults and plan.defaults[target] is not None:
                combo.setCurrentIndex(combo.findData(FIXED_VALUE))
            else:
                combo.setCurrentIndex(0)
            combo.currentIndexChanged.connect(lambda _i, t=target, c=combo: self._source_picked(t, c))
            self.mapping_table.setCellWidget(r, 1, combo)
            f = fields.get(target)
            value_widget: QWidget
            if f is not None and f.codes:
                vc = QComboBox(self.mapping_table)
                vc.addItem("", None)
                for c in schema.iter_codes(f.codes):
                    vc.addItem(c.label(lang), c.code)
                vc.setCurrentIndex(max(0, vc.findData(plan.defaults.get(target))))
                vc.currentIndexChanged.connect(
                    lambda _i, t=target, w=vc: self._value_entered(t, w.currentData()))
                value_widget = vc
            else:
                ve = QLineEdit(self.mapping_table)
                value = plan.defaults.get(target)
                ve.setText("" if value is None else str(value))
                ve.editingFinished.connect(lambda t=target, w=ve: self._value_entered(t, w.text()))
                value_widget = ve
            value_widget.setEnabled(combo.currentData() == FIXED_VALUE)
            self.mapping_table.setCellWidget(r, 2, value_widget)

    def _source_picked(self, target: str, combo: QComboBox) -> None:
        if self._filling:
            return
        data = combo.currentData()
        if data == FIXED_VALUE:
            mode, value = self._mapping_state.get(target, (None, None))
            self._mapping_state[target] = (FIXED_VALUE, value if mode == FIXED_VALUE else None)
            self.mapping_table.cellWidget(self._mapping_row(target), 2).setEnabled(True)
            return  # the plan changes once the value is entered
        if data == NOT_IMPORTED:
            self._mapping_state[target] = (NOT_IMPORTED, None)
        else:
            self._mapping_state[target] = ("field", data)
        self._schedule_replan()

    def _mapping_row(self, target: str) -> int:
        for r in range(self.mapping_table.rowCount()):
            if self.mapping_table.item(r, 0).data(Qt.ItemDataRole.UserRole) == target:
                return r
        raise KeyError(target)

    def _value_entered(self, target: str, value) -> None:
        if self._filling:
            return
        self._mapping_state[target] = (FIXED_VALUE, value)
        self._schedule_replan()

    # -- running ----------------------------------------------------------------------------------
    def _update_buttons(self) -> None:
        running = self.task is not None and not self.task.is_finished
        on_report = self.pages.currentIndex() == 1
        ready = self.plan is not None and self.plan.ok and not running and not on_report
        self.import_button.setEnabled(ready)
        self.check_button.setEnabled(ready)
        self.import_button.setVisible(not on_report)
        self.check_button.setVisible(not on_report)
        self.cancel_button.setVisible(running)
        self.cancel_button.setEnabled(running)
        self.back_button.setVisible(on_report and not running)
        self.save_button.setVisible(on_report and self.report is not None and not running)
        self.close_button.setEnabled(not running)
        for w in (self.path_edit, self.browse_button, self.target_combo, self.found_box,
                  self.mapping_table):
            w.setEnabled(not running)

    def start(self, dry_run: bool = False) -> Task | None:
        if self.plan is None or not self.plan.ok or (self.task and not self.task.is_finished):
            return None
        options = self.options()
        if dry_run:
            options["dry_run"] = True
        self.report = None
        self.progress.setRange(0, max(self.plan.feature_count, 1))
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.progress.setFormat(self.tr("%v of %m features"))
        task = Task(_run_import, self._path, str(self.inv.path), self.target_layer(), options,
                    name="import")
        task.progress.connect(self._progress)
        task.finished.connect(self._finished)
        task.failed.connect(self._failed)
        self.task = task
        self.taskStarted.emit(task)
        task.start()
        self._update_buttons()
        return task

    def cancel(self) -> None:
        if self.task is not None and not self.task.is_finished:
            self.task.cancel()
            self.cancel_button.setEnabled(False)
            self.progress.setFormat(self.tr("Cancelling…"))

    def is_running(self) -> bool:
        return self.task is not None and not self.task.is_finished

    def _progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)

    def _finished(self, report) -> None:
        self.progress.setVisible(False)
        if report.status == "dry-run":
            text = (self.tr("Check finished: nothing was written. {refused} features would be refused.")
                    .format(refused=report.refused) if report.refused else
                    self.tr("Check finished: the file can be imported; nothing was written."))
        else:
            text = self.tr("Imported {added} new and {updated} updated features into {layer}.").format(
                added=report.added, updated=report.updated,
                layer=schema.LAYERS[report.target_layer].label(i18n.data_lang()))
        self._show_report(report, text)
        self._update_buttons()
        if report.status == "imported":
            self.imported.emit(report.target_layer, report)

    def _failed(self, exc) -> None:
        from ..importer import ImportCancelled, ImportProblem

        self.progress.setVisible(False)
        report = getattr(exc, "report", None)
        if isinstance(exc, ImportCancelled):
            text = self.tr("Import cancelled: nothing was imported.")
        elif isinstance(exc, ImportProblem):
            text = self.tr("Nothing was imported: {reason}").format(reason=str(exc))
        elif isinstance(exc, EcoinvError):
            text = self.tr("Nothing was imported: {reason}").format(reason=str(exc))
        else:
            text = self.tr("The import failed unexpectedly; nothing was imported: {reason}").format(
                reason=str(exc) or type(exc).__name__)
        self._show_report(report, text)
        self._update_buttons()

    def _show_report(self, report, status_text: str) -> None:
        self.report = report
        self._report_status_text = status_text
        self.result_label.setText(status_text)
        labels = {"added": self.tr("Added"), "updated": self.tr("Updated"),
                  "unchanged": self.tr("Unchanged"), "repaired": self.tr("Repaired"),
                  "skipped": self.tr("Skipped"), "refused": self.tr("Refused")}
        if report is not None:
            counts = report.counts()
            self.counts_table.setRowCount(len(labels) + 1)
            self.counts_table.setItem(0, 0, QTableWidgetItem(self.tr("Read from the file")))
            self.counts_table.setItem(0, 1, QTableWidgetItem(f"{report.processed} / {report.total}"))
            for r, (key, label) in enumerate(labels.items(), start=1):
                self.counts_table.setItem(r, 0, QTableWidgetItem(label))
                self.counts_table.setItem(r, 1, QTableWidgetItem(str(counts.get(key, 0))))
            self.report_text.setPlainText(report.to_text())
        else:
            self.counts_table.setRowCount(0)
            self.report_text.setPlainText(status_text)
        self.counts_table.setVisible(report is not None)
        self.pages.setCurrentIndex(1)

    def back(self) -> None:
        self.pages.setCurrentIndex(0)
        self.replan()
        self._update_buttons()

    def save_report(self) -> None:
        if self.report is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save the import report"),
                                              "import-report.json", self.tr("JSON (*.json)"))
        if path:
            Path(path).write_text(json.dumps(self.report.to_dict(), ensure_ascii=False, indent=2),
                                  encoding="utf-8")

    def closeEvent(self, event) -> None:
        if self.is_running():
            event.ignore()  # the import must end (or be cancelled) first
            return
        super().closeEvent(event)

    def reject(self) -> None:
        if self.is_running():
            self.cancel()
            return
        super().reject()
