"""The main window: the map in the middle, the layers panel on the left,
statistics and identify results on the right, attribute tables below.

The window owns the open inventory (the UI thread's connection), the undo
stack, the feature selection and the layer state, and wires the pieces
together: a change to the data (an edit, an undo, an import, another
program writing to the file) reaches the map, the tables, the layer counts
and the statistics through :meth:`MainWindow.data_changed`.
"""
from __future__ import annotations

import traceback
from pathlib import Path
from typing import Iterable

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QActionGroup, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (QComboBox, QFileDialog, QInputDialog, QLabel, QMainWindow,
                               QMessageBox, QToolBar, QWidget)

from .. import __version__, schema, styles
from ..errors import EcoinvError
from ..store import Inventory
from . import i18n
from .attribute_table import AttributeTableDock
from .canvas import MapCanvas
from .icons import icon
from .identify_panel import IdentifyPanel
from .layers_panel import LayersPanel, LayerTreeModel
from .map_tools import IdentifyTool, PanTool, SelectTool, ZoomOutTool, ZoomTool
from .report_actions import ReportController
from .selection import FeatureSelection, SelectMode
from .settings import Settings
from .stats_dock import StatsDock
from .workers import cancel_all_and_wait

SQLITE_MAGIC = b"SQLite format 3\x00"
INVENTORY_SUFFIXES = (".sqlite", ".sqlite3", ".db", ".ecoinv")
IMPORT_SUFFIXES = (".shp", ".zip", ".gpkg", ".geojson", ".json", ".kml", ".kmz")
# How often to look for writes by other programs (QGIS, the CLI).
EXTERNAL_CHECK_MS = 2000
SCALES = (5_000_000, 2_000_000, 1_000_000, 500_000, 250_000, 100_000, 50_000, 25_000, 10_000, 5_000)


def _editing():
    try:
        from .. import editing
    except ImportError:  # the undo work is not in this build
        return None
    return editing


def looks_like_inventory(path: Path) -> bool:
    """An SQLite file that is not a GeoPackage: open it rather than import it."""
    if path.suffix.lower() == ".gpkg":
        return False
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == SQLITE_MAGIC
    except OSError:
        return False


class MainWindow(QMainWindow):
    inventoryOpened = Signal(str)
    inventoryClosed = Signal()
    dataChanged = Signal(object)  # {layer: ids or None}

    def __init__(self, settings: Settings | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.settings = settings or Settings()
        self.inv: Inventory | None = None
        self.undo_stack = None
        self.selection = FeatureSelection(self)
        self.layer_model = LayerTreeModel(self)
        self.attribute_docks: dict[str, AttributeTableDock] = {}
        self.import_dialog = None
        self.export_dialog = None
        self.reports = ReportController(self)
        self.messages: list[QMessageBox] = []
        self.setWindowIcon(icon("ecoinv"))
        self.setAcceptDrops(True)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks
                            | QMainWindow.DockOption.AllowTabbedDocks)

        self.canvas = MapCanvas(self)
        self.setCentralWidget(self.canvas)
        self.layers_panel = LayersPanel(self.layer_model, self)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.layers_panel)
        self.stats_dock = StatsDock(self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.stats_dock)
        self.identify_panel = IdentifyPanel(self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.identify_panel)
        self.tabifyDockWidget(self.stats_dock, self.identify_panel)
        self.stats_dock.raise_()
        self.resizeDocks([self.layers_panel, self.stats_dock], [260, 340], Qt.Orientation.Horizontal)

        self.tools = {
            "pan": PanTool(self.canvas),
            "zoom_in": ZoomTool(self.canvas),
            "zoom_out": ZoomOutTool(self.canvas),
            "identify": IdentifyTool(self.canvas),
            "select": SelectTool(self.canvas),
        }
        for tool in self.tools.values():
            tool.message.connect(lambda text: self.statusBar().showMessage(text, 10000))
        self.tools["identify"].identified.connect(self._identified)
        self.tools["select"].selectRequested.connect(self._select_requested)

        self._make_actions()
        self._make_menus()
        self._make_toolbars()
        self._make_status_bar()
        self._wire()
        self.set_tool("pan")
        self._external_timer = QTimer(self)
        self._external_timer.setInterval(EXTERNAL_CHECK_MS)
        self._external_timer.timeout.connect(self.check_external_changes)
        self.retranslate()
        self._update_actions()
        from .editor import Editor

        self.editor = Editor(self)
        self.identify_panel.historyRequested.connect(self.editor.show_history)

    # -- building -----------------------------------------------------------------------------------
    def _action(self, name: str, icon_name: str | None = None, slot=None, shortcut=None,
                checkable: bool = False) -> QAction:
        a = QAction(self)
        a.setObjectName(f"action_{name}")
        if icon_name:
            a.setIcon(icon(icon_name))
        if shortcut:
            a.setShortcut(QKeySequence(shortcut))
        a.setCheckable(checkable)
        if slot is not None:
            a.triggered.connect(slot)
        self.actions_by_name[name] = a
        return a

    def _make_actions(self) -> None:
        self.actions_by_name: dict[str, QAction] = {}
        A = self._action
        A("new", "new", self.new_inventory, QKeySequence.StandardKey.New)
        A("open", "open", self.open_dialog, QKeySequence.StandardKey.Open)
        A("import", "import", lambda: self.show_import_dialog(), "Ctrl+Shift+I")
        A("screenshot", "screenshot", self.save_screenshot_dialog)
        # The triggered(bool) argument must not reach the slots' optional parameters.
        A("export_report", None, lambda: self.export_report_dialog())
        A("print_preview", None, lambda: self.print_preview_dialog())
        A("print", None, lambda: self.print_report_dialog(), QKeySequence.StandardKey.Print)
        A("export_layer", None, lambda: self.export_layer_dialog(), "Ctrl+Shift+E")
        A("close", None, self.close_inventory, QKeySequence.StandardKey.Close)
        A("quit", None, self.close, QKeySequence.StandardKey.Quit)
        A("undo", "undo", self.undo, QKeySequence.StandardKey.Undo)
        A("redo", "redo", self.redo, QKeySequence.StandardKey.Redo)
        A("zoom_full", "zoom_full", self.canvas.zoom_to_full, "Ctrl+Shift+F")
        A("zoom_layer", "zoom_layer", self.zoom_to_current_layer)
        A("zoom_selection", "zoom_selection", self.zoom_to_selection, "Ctrl+J")
        A("refresh", "refresh", self.reload_all, "F5")
        A("attribute_table", "table", lambda: self.open_attribute_table(self.current_layer()), "F6")
        A("deselect", "deselect", lambda: self.selection.clear(), "Ctrl+Shift+A")
        A("stats", "stats", self._show_stats, None)
        A("about", None, self.about)
        A("open_folder", None, self._open_folder)
        A("labels", None, lambda on: self.canvas.set_labels(on), checkable=True).setChecked(True)
        A("decorations", None, lambda on: self.canvas.set_decorations(on),
          checkable=True).setChecked(True)
        group = QActionGroup(self)
        group.setExclusive(True)
        self.tool_group = group
        tool_icons = {"pan": "pan", "zoom_in": "zoom_in", "zoom_out": "zoom_out",
                      "identify": "identify", "select": "select"}
        tool_keys = {"pan": "P", "identify": "Ctrl+Shift+D", "select": "S"}
        for name, tool in self.tools.items():
            a = A(f"tool_{name}", tool_icons[name], lambda _c=False, n=name: self.set_tool(n),
                  tool_keys.get(name), checkable=True)
            group.addAction(a)
            tool.action = a
        self.language_group = QActionGroup(self)
        self.language_group.setExclusive(True)
        for code in ("", *i18n.LANGUAGES):
            a = A(f"lang_{code or 'system'}", None,
                  lambda _c=False, c=code: self.set_language(c), checkable=True)
            self.language_group.addAction(a)

    def _make_menus(self) -> None:
        a = self.actions_by_name
        bar = self.menuBar()
        self.menu_file = bar.addMenu("")
        for name in ("new", "open"):
            self.menu_file.addAction(a[name])
        self.menu_recent = self.menu_file.addMenu("")
        self.menu_recent.aboutToShow.connect(self._fill_recent)
        self.menu_file.addSeparator()
        self.menu_file.addAction(a["import"])
        self.menu_file.addAction(a["screenshot"])
        self.menu_file.addAction(a["open_folder"])
        self.menu_file.addSeparator()
        for name in ("export_report", "print_preview", "print"):
            self.menu_file.addAction(a[name])
        self.menu_file.addSeparator()
        self.menu_file.addAction(a["close"])
        self.menu_file.addAction(a["quit"])
        self.menu_edit = bar.addMenu("")
        self.menu_edit.addAction(a["undo"])
        self.menu_edit.addAction(a["redo"])
        self.menu_edit.addSeparator()
        self.menu_edit.addAction(a["tool_select"])
        self.menu_edit.addAction(a["deselect"])
        self.menu_view = bar.addMenu("")
        for name in ("tool_pan", "tool_zoom_in", "tool_zoom_out", "tool_identify"):
            self.menu_view.addAction(a[name])
        self.menu_view.addSeparator()
        for name in ("zoom_full", "zoom_layer", "zoom_selection", "refresh"):
            self.menu_view.addAction(a[name])
        self.menu_view.addSeparator()
        self.menu_view.addAction(a["labels"])
        self.menu_view.addAction(a["decorations"])
        self.menu_view.addSeparator()
        self.menu_panels = self.menu_view.addMenu("")
        for dock in (self.layers_panel, self.stats_dock, self.identify_panel):
            self.menu_panels.addAction(dock.toggleViewAction())
        self.menu_toolbars = self.menu_view.addMenu("")
        self.menu_layer = bar.addMenu("")
        self.menu_layer.addAction(a["attribute_table"])
        self.menu_layer.addAction(a["zoom_layer"])
        self.menu_layer.addAction(a["export_layer"])
        self.menu_layer.addSeparator()
        self.menu_layer.addAction(a["stats"])
        self.menu_settings = bar.addMenu("")
        self.menu_language = self.menu_settings.addMenu("")
        for act in self.language_group.actions():
            self.menu_language.addAction(act)
        self.menu_help = bar.addMenu("")
        self.menu_help.addAction(a["about"])

    def _make_toolbars(self) -> None:
        a = self.actions_by_name
        self.toolbar_file = QToolBar(self)
        self.toolbar_file.setObjectName("toolbarFile")
        for name in ("new", "open", "import"):
            self.toolbar_file.addAction(a[name])
        self.toolbar_nav = QToolBar(self)
        self.toolbar_nav.setObjectName("toolbarNavigation")
        for name in ("tool_pan", "tool_zoom_in", "tool_zoom_out", "zoom_full", "zoom_layer",
                     "zoom_selection", "refresh"):
            self.toolbar_nav.addAction(a[name])
        self.toolbar_attr = QToolBar(self)
        self.toolbar_attr.setObjectName("toolbarAttributes")
        for name in ("tool_identify", "tool_select", "deselect", "attribute_table", "stats"):
            self.toolbar_attr.addAction(a[name])
        self.toolbar_edit = QToolBar(self)
        self.toolbar_edit.setObjectName("toolbarEdit")
        self.toolbar_edit.addAction(a["undo"])
        self.toolbar_edit.addAction(a["redo"])
        for tb in (self.toolbar_file, self.toolbar_nav, self.toolbar_attr, self.toolbar_edit):
            tb.setIconSize(QSize(22, 22))
            self.addToolBar(Qt.ToolBarArea.TopToolBarArea, tb)
            self.menu_toolbars.addAction(tb.toggleViewAction())

    def _make_status_bar(self) -> None:
        sb = self.statusBar()
        self.coord_caption = QLabel(self)
        self.lonlat_label = QLabel(self)
        self.lonlat_label.setMinimumWidth(190)
        self.xy_label = QLabel(self)
        self.xy_label.setMinimumWidth(200)
        self.scale_caption = QLabel(self)
        self.scale_combo = QComboBox(self)
        self.scale_combo.setEditable(True)
        self.scale_combo.setMinimumWidth(130)
        self.scale_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for s in SCALES:
            self.scale_combo.addItem(f"1:{s:,}", s)
        self.scale_combo.activated.connect(self._scale_chosen)
        self.scale_combo.lineEdit().returnPressed.connect(self._scale_typed)
        self.crs_label = QLabel(self)
        self.render_label = QLabel(self)
        for w in (self.coord_caption, self.lonlat_label, self.xy_label, self.scale_caption,
                  self.scale_combo, self.crs_label, self.render_label):
            sb.addPermanentWidget(w)

    def _wire(self) -> None:
        self.layer_model.layersChanged.connect(self._layers_changed)
        self.layers_panel.currentLayerChanged.connect(self._current_layer_changed)
        self.layers_panel.openAttributeTable.connect(self.open_attribute_table)
        self.layers_panel.zoomToLayer.connect(self.zoom_to_layer)
        self.layers_panel.exportLayer.connect(self.export_layer_dialog)
        self.selection.changed.connect(self._selection_changed)
        self.canvas.xyCoordinates.connect(self._show_coordinates)
        self.canvas.scaleChanged.connect(self._show_scale)
        self.canvas.renderStarted.connect(lambda: self.render_label.setText(self.tr("Rendering…")))
        self.canvas.renderFinished.connect(lambda: self.render_label.setText(""))
        self.canvas.renderFailed.connect(self._render_failed)
        self.identify_panel.featureActivated.connect(self._identify_activated)
        self.identify_panel.zoomToFeature.connect(lambda l, f: self.canvas.zoom_to_features(l, {f}))
        self.stats_dock.statsFailed.connect(
            lambda msg: self.statusBar().showMessage(self.tr("Statistics: {error}").format(error=msg), 8000))
        self.canvas.set_layers(self.layer_model.layer_settings())
        self.canvas.current_layer = self.layers_panel.current_layer() or "assets"

    # -- language ------------------------------------------------------------------------------------
    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        elif event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            # Back from QGIS or another ecoinv: show what it wrote at once,
            # not at the next timer tick.
            self.check_external_changes()
        super().changeEvent(event)

    def retranslate(self) -> None:
        texts = {
            "new": (self.tr("&New Inventory…"), self.tr("Create an empty inventory file")),
            "open": (self.tr("&Open Inventory…"), self.tr("Open an inventory file")),
            "import": (self.tr("&Import Data…"), self.tr("Import a shapefile, GeoPackage, GeoJSON or KML "
                                             "into a layer")),
            "screenshot": (self.tr("Save Window &Image…"), self.tr("Save an image of the window")),
            "open_folder": (self.tr("Show Inventory Folder"), self.tr("Open the folder of the inventory file")),
            "export_report": (self.tr("Export &Report as PDF…"),
                              self.tr("Write the inventory report (statistics, maps, tables) as a PDF")),
            "print_preview": (self.tr("Print Pre&view…"), self.tr("Show the inventory report as it "
                                                                  "will be printed")),
            "print": (self.tr("&Print…"), self.tr("Print the inventory report")),
            "export_layer": (self.tr("&Export Layer…"), self.tr("Export a layer to GeoPackage, "
                                                               "Shapefile, GeoJSON, CSV or XLSX")),
            "close": (self.tr("&Close Inventory"), self.tr("Close the inventory")),
            "quit": (self.tr("&Quit"), self.tr("Quit the program")),
            "undo": (self.tr("&Undo"), self.tr("Undo the last edit")),
            "redo": (self.tr("&Redo"), self.tr("Redo the edit undone last")),
            "zoom_full": (self.tr("Zoom to &Full Extent"), self.tr("Show the whole inventory")),
            "zoom_layer": (self.tr("Zoom to &Layer"), self.tr("Show the whole current layer")),
            "zoom_selection": (self.tr("Zoom to &Selection"), self.tr("Show the selected features")),
            "refresh": (self.tr("&Refresh"), self.tr("Read the inventory again and redraw the map")),
            "attribute_table": (self.tr("Open &Attribute Table"), self.tr("Open the current layer's "
                                                               "attribute table")),
            "deselect": (self.tr("&Deselect All"), self.tr("Clear the selection in every layer")),
            "stats": (self.tr("&Statistics"), self.tr("Show the coverage statistics")),
            "about": (self.tr("&About ecoinv"), self.tr("About this program")),
            "tool_pan": (self.tr("&Pan Map"), self.tr("Pan the map: drag with the mouse")),
            "tool_zoom_in": (self.tr("Zoom &In"), self.tr("Zoom in: click, or drag a rectangle")),
            "tool_zoom_out": (self.tr("Zoom &Out"), self.tr("Zoom out: click, or drag a rectangle")),
            "tool_identify": (self.tr("&Identify Features"), self.tr("Identify: click a place to list every "
                                                          "feature there")),
            "tool_select": (self.tr("&Select Features"), self.tr("Select features of the current layer: click "
                                                      "or drag; Shift adds, Ctrl removes")),
            "lang_system": (self.tr("System Default"), self.tr("Follow the system language")),
            "labels": (self.tr("Show &Labels"), self.tr("Show the names of sites, districts and "
                                                        "stations on the map")),
            "decorations": (self.tr("Show Scale Bar and &North Arrow"),
                            self.tr("Show the scale bar and the north arrow on the map")),
        }
        for code, name in i18n.LANGUAGES.items():
            texts[f"lang_{code}"] = (name, name)
        for name, (text, tip) in texts.items():
            a = self.actions_by_name[name]
            a.setText(text)
            a.setToolTip(tip.replace("&", ""))
            a.setStatusTip(tip.replace("&", ""))
        self.menu_file.setTitle(self.tr("&File"))
        self.menu_recent.setTitle(self.tr("Open &Recent"))
        self.menu_edit.setTitle(self.tr("&Edit"))
        self.menu_view.setTitle(self.tr("&View"))
        self.menu_panels.setTitle(self.tr("Panels"))
        self.menu_toolbars.setTitle(self.tr("Toolbars"))
        self.menu_layer.setTitle(self.tr("&Layer"))
        self.menu_settings.setTitle(self.tr("&Settings"))
        self.menu_language.setTitle(self.tr("&Language"))
        self.menu_help.setTitle(self.tr("&Help"))
        self.toolbar_file.setWindowTitle(self.tr("File"))
        self.toolbar_nav.setWindowTitle(self.tr("Map Navigation"))
        self.toolbar_attr.setWindowTitle(self.tr("Attributes"))
        self.toolbar_edit.setWindowTitle(self.tr("Editing"))
        self.coord_caption.setText(self.tr("Coordinate:"))
        self.scale_caption.setText(self.tr("Scale:"))
        self.scale_combo.setToolTip(self.tr("Current map scale; type 1:N to zoom to a scale"))
        self.lonlat_label.setToolTip(self.tr("Longitude and latitude (CGCS2000)"))
        self.xy_label.setToolTip(self.tr("Coordinates in the map's display CRS (metres)"))
        self.crs_label.setToolTip(self.tr("The map's display CRS; areas are always geodesic"))
        current = self.settings.language()
        self.actions_by_name[f"lang_{current or 'system'}"].setChecked(True)
        self._update_title()
        self._update_actions()
        if self.inv is not None:
            self._update_crs_label()

    def set_language(self, lang: str) -> None:
        """Switch the interface language now ('' follows the system)."""
        self.settings.set_language(lang)
        i18n.install(lang)
        # Qt sends LanguageChange to every widget; the map and the models
        # also show schema labels, which follow i18n.data_lang().
        self.layer_model.retranslate()
        self.canvas.refresh()

    # -- inventory ------------------------------------------------------------------------------------
    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Open Inventory"), self.settings.last_dir(),
            self.tr("Inventories (*.sqlite *.sqlite3 *.db);;All files (*)"))
        if path:
            self.settings.set_last_dir(path)
            self.open_inventory(path)

    def new_inventory(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("New Inventory"), str(Path(self.settings.last_dir() or ".") / "inventory.sqlite"),
            self.tr("Inventories (*.sqlite)"))
        if not path:
            return
        if not path.lower().endswith((".sqlite", ".sqlite3", ".db")):
            path += ".sqlite"
        name, ok = QInputDialog.getText(self, self.tr("New Inventory"),
                                        self.tr("Name of the inventory (shown in reports):"),
                                        text=Path(path).stem)
        if not ok:
            return
        self.create_inventory(path, name or None)

    def create_inventory(self, path, name: str | None = None) -> bool:
        try:
            if Path(path).exists():
                raise EcoinvError(self.tr("{path} already exists; open it instead.").format(path=path))
            inv = Inventory.create(path, name=name)
            inv.close()
        except EcoinvError as exc:
            self.show_error(self.tr("Cannot create the inventory"), exc)
            return False
        self.settings.set_last_dir(path)
        return self.open_inventory(path)

    def open_inventory(self, path) -> bool:
        path = Path(path)
        try:
            inv = Inventory.open(path)
        except EcoinvError as exc:
            self.show_error(self.tr("Cannot open the inventory"), exc)
            if str(path.resolve()) in self.settings.recent_files() and not path.exists():
                self.settings.remove_recent(str(path.resolve()))
            return False
        self.close_inventory()
        self.inv = inv
        editing = _editing()
        if editing is not None:
            self.undo_stack = editing.UndoStack(inv)
            self.undo_stack.changed.connect(self._update_actions)
            self.undo_stack.feature_changed.connect(self._undo_feature_changed)
        self.canvas.set_inventory(inv)
        self._update_counts()
        self.stats_dock.set_inventory(str(inv.path))
        self.settings.add_recent(path)
        self._update_title()
        self._update_crs_label()
        self._update_actions()
        self._external_timer.start()
        self.statusBar().showMessage(self.tr("Opened {path}").format(path=path), 5000)
        self.inventoryOpened.emit(str(path))
        return True

    def close_inventory(self) -> None:
        if self.inv is None:
            return
        if self.import_dialog is not None:
            if self.import_dialog.is_running():
                self.import_dialog.cancel()
                self.import_dialog.task.wait()
            self.import_dialog.close()
            self.import_dialog.deleteLater()
            self.import_dialog = None
        self._close_output_dialogs()
        self._external_timer.stop()
        for dock in list(self.attribute_docks.values()):
            self.removeDockWidget(dock)
            dock.deleteLater()
        self.attribute_docks.clear()
        self.stats_dock.set_inventory(None)
        self.canvas.set_inventory(None)
        self.identify_panel.clear()
        self.selection.clear()
        self.undo_stack = None
        self.inv.close()
        self.inv = None
        self._update_title()
        self._update_actions()
        self.inventoryClosed.emit()

    def _update_title(self) -> None:
        if self.inv is None:
            self.setWindowTitle(self.tr("ecoinv — Ecological Asset Inventory"))
        else:
            self.setWindowTitle(f"{self.inv.name} — {self.inv.path} — ecoinv")

    def _update_crs_label(self) -> None:
        if self.inv is None or self.canvas.display_crs is None:
            self.crs_label.setText("")
            return
        from ..crs import epsg_code

        code = epsg_code(self.canvas.display_crs)
        self.crs_label.setText(f"EPSG:{code}" if code else str(self.canvas.display_crs))

    def _fill_recent(self) -> None:
        self.menu_recent.clear()
        files = self.settings.recent_files()
        for i, f in enumerate(files, start=1):
            a = self.menu_recent.addAction(f"&{i} {f}")
            a.triggered.connect(lambda _c=False, p=f: self.open_inventory(p))
        if not files:
            a = self.menu_recent.addAction(self.tr("(none)"))
            a.setEnabled(False)
        else:
            self.menu_recent.addSeparator()
            a = self.menu_recent.addAction(self.tr("Clear the List"))
            a.triggered.connect(self.settings.clear_recent)

    def _open_folder(self) -> None:
        if self.inv is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.inv.path.parent)))

    # -- data changes ---------------------------------------------------------------------------------
    def data_changed(self, changes: dict[str, Iterable[int] | None] | None = None) -> None:
        """Propagate a change of the data: ``{layer: ids}`` (ids None: the whole layer;
        ``changes`` None: everything)."""
        if self.inv is None:
            return
        layers = list(changes) if changes else list(schema.LAYERS)
        self.canvas.invalidate(layers if changes else None)
        for layer in layers:
            dock = self.attribute_docks.get(layer)
            ids = (changes or {}).get(layer)
            if dock is not None:
                if ids is None:
                    dock.reload()
                else:
                    dock.model.refresh_features(ids)
                self.selection.discard_missing(layer, dock.model.feature_ids())
            elif self.selection.ids(layer):
                existing = {f.id for f in self.inv.features(layer, ids=self.selection.ids(layer))}
                self.selection.discard_missing(layer, existing)
        self._update_counts()
        self.stats_dock.schedule_refresh()
        self.dataChanged.emit(changes)

    def _undo_feature_changed(self, layer: str, ids) -> None:
        self.data_changed({layer: list(ids)})

    def reload_all(self) -> None:
        if self.inv is not None:
            self.inv.changed_externally()  # reset: we are reloading anyway
            self.data_changed(None)

    def check_external_changes(self) -> bool:
        """Another program wrote to the file: show its changes."""
        if self.inv is None:
            return False
        try:
            changed = self.inv.changed_externally()
        except Exception:  # the file went away or is locked mid-write; try again later
            return False
        if changed:
            self.data_changed(None)
            self.statusBar().showMessage(self.tr("The inventory was changed by another program; "
                                                 "reloaded."), 5000)
        return changed

    def _update_counts(self) -> None:
        if self.inv is None:
            self.layer_model.set_counts({})
            return
        counts: dict[str, dict] = {}
        for layer in schema.LAYERS:
            field = styles.style_field(layer)
            if field:
                data = self.inv.read_arrays(layer, columns=[field], with_geometry=False)
                c: dict = {}
                for code in data[field]:
                    c[code] = c.get(code, 0) + 1
                counts[layer] = c
            else:
                counts[layer] = {None: self.inv.count(layer)}
        self.layer_model.set_counts(counts)

    # -- editing --------------------------------------------------------------------------------------
    def edit_attributes(self, layer: str, fid: int, values: dict) -> None:
        """Change attributes of one feature: undoable when the undo stack is there."""
        if self.inv is None:
            return
        editing = _editing()
        if editing is not None and self.undo_stack is not None:
            lang = i18n.data_lang()
            ldef = schema.LAYERS[layer]
            names = ", ".join(ldef.field(k).label(lang) for k in values)
            text = self.tr("Edit {fields} of {layer} {fid}").format(
                fields=names, layer=ldef.label(lang), fid=fid)
            self.undo_stack.push(editing.ChangeAttributes(layer, fid, values, text=text))
            # The stack's feature_changed signal has refreshed the views.
        else:
            self.inv.update(layer, fid, values)
            self.data_changed({layer: [fid]})

    def undo(self) -> None:
        if self.undo_stack is not None and self.undo_stack.can_undo:
            try:
                self.undo_stack.undo()
            except EcoinvError as exc:
                self.edit_failed(self.tr("Cannot undo"), exc)

    def redo(self) -> None:
        if self.undo_stack is not None and self.undo_stack.can_redo:
            try:
                self.undo_stack.redo()
            except EcoinvError as exc:
                self.edit_failed(self.tr("Cannot redo"), exc)

    def edit_failed(self, title: str, exc: Exception) -> QMessageBox:
        """An undo or redo was refused; after a conflict, show the other program's change."""
        editing = _editing()
        if editing is not None and isinstance(exc, editing.ConflictError):
            self.reload_all()
            title = self.tr("{what}: changed by someone else").format(what=title)
        return self.show_error(title, exc)

    def _update_actions(self, *_) -> None:
        a = self.actions_by_name
        has = self.inv is not None
        for name in ("import", "close", "zoom_full", "zoom_layer", "zoom_selection", "refresh",
                     "attribute_table", "deselect", "stats", "open_folder", "tool_identify",
                     "tool_select", "tool_pan", "tool_zoom_in", "tool_zoom_out"):
            a[name].setEnabled(has)
        reporting = self.reports.is_busy()
        for name in ("export_report", "print_preview", "print"):
            a[name].setEnabled(has and not reporting)
        a["export_layer"].setEnabled(has)
        stack = self.undo_stack
        a["undo"].setEnabled(bool(stack and stack.can_undo))
        a["redo"].setEnabled(bool(stack and stack.can_redo))
        undo_text = stack.undo_text if stack and stack.can_undo else ""
        redo_text = stack.redo_text if stack and stack.can_redo else ""
        a["undo"].setText(self.tr("&Undo {what}").format(what=undo_text).strip() if undo_text
                          else self.tr("&Undo"))
        a["redo"].setText(self.tr("&Redo {what}").format(what=redo_text).strip() if redo_text
                          else self.tr("&Redo"))

    # -- layers ---------------------------------------------------------------------------------------
    def current_layer(self) -> str:
        return self.layers_panel.current_layer() or "assets"

    def _current_layer_changed(self, layer: str) -> None:
        self.canvas.current_layer = layer

    def _layers_changed(self) -> None:
        self.canvas.set_layers(self.layer_model.layer_settings())

    def zoom_to_layer(self, layer: str) -> None:
        if not self.canvas.zoom_to_layer(layer):
            self.statusBar().showMessage(self.tr("The layer is empty."), 4000)

    def zoom_to_current_layer(self) -> None:
        self.zoom_to_layer(self.current_layer())

    def zoom_to_selection(self) -> None:
        if self.inv is None:
            return
        boxes = []
        for layer in self.selection.layers():
            for f in self.inv.features(layer, ids=self.selection.ids(layer)):
                if f.geometry is not None:
                    boxes.append(f.geometry.bounds)
        if not boxes:
            self.statusBar().showMessage(self.tr("Nothing is selected."), 4000)
            return
        self.canvas.set_storage_extent((min(b[0] for b in boxes), min(b[1] for b in boxes),
                                        max(b[2] for b in boxes), max(b[3] for b in boxes)))

    # -- tools, selection, identify ---------------------------------------------------------------------
    def set_tool(self, name: str) -> None:
        self.canvas.set_map_tool(self.tools[name])

    def register_tool(self, name: str, tool, action: QAction, toolbar: QToolBar | None = None
                      ) -> None:
        """Add a map tool (e.g. an editing tool) with the action that selects it.

        The action joins the exclusive group of the built-in tools, so one
        tool is active at a time; ``toolbar`` (default: the editing toolbar)
        shows it.
        """
        action.setCheckable(True)
        action.triggered.connect(lambda _c=False, n=name: self.set_tool(n))
        self.tool_group.addAction(action)
        self.actions_by_name[f"tool_{name}"] = action
        tool.action = action
        tool.message.connect(lambda text: self.statusBar().showMessage(text, 10000))
        self.tools[name] = tool
        (toolbar or self.toolbar_edit).addAction(action)

    def _select_requested(self, ids, mode: SelectMode) -> None:
        self.selection.select(self.canvas.current_layer, ids, mode)

    def _selection_changed(self, layer: str) -> None:
        self.canvas.set_selection(self.selection.as_dict())
        dock = self.attribute_docks.get(layer)
        if dock is not None:
            dock.set_selected_ids(self.selection.ids(layer))
        n = self.selection.count()
        text = "" if not n else self.tr("1 feature selected") if n == 1 else \
            self.tr("{n} features selected").format(n=n)
        self.statusBar().showMessage(text, 4000)

    def _identified(self, x: float, y: float, results) -> None:
        lonlat = self._lonlat(x, y)
        self.identify_panel.show_results(lonlat, results)
        self.identify_panel.show()
        self.identify_panel.raise_()
        # The most specific feature of the top layer is the one outlined.
        self.canvas.set_highlight({results[0][0]: {results[0][1][0].id}} if results else None)

    def _identify_activated(self, layer: str, fid: int) -> None:
        self.canvas.set_highlight({layer: {fid}})

    # -- attribute tables -------------------------------------------------------------------------------
    def open_attribute_table(self, layer: str) -> AttributeTableDock | None:
        if self.inv is None:
            return None
        dock = self.attribute_docks.get(layer)
        if dock is None:
            dock = AttributeTableDock(self.inv, layer, self.edit_attributes, self)
            dock.model.editFailed.connect(
                lambda _layer, exc: self.show_error(self.tr("The value was not saved"), exc))
            dock.selectionEdited.connect(lambda l, ids: self.selection.select(l, ids))
            dock.zoomToFeatures.connect(self.canvas.zoom_to_features)
            dock.panToFeatures.connect(self.canvas.pan_to_features)
            dock.historyRequested.connect(self.editor.show_history)
            others = [d for d in self.attribute_docks.values() if not d.isHidden()]
            self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
            if others:
                self.tabifyDockWidget(others[-1], dock)
            self.attribute_docks[layer] = dock
            self.menu_panels.addAction(dock.toggleViewAction())
            dock.set_selected_ids(self.selection.ids(layer))
        dock.show()
        dock.raise_()
        return dock

    # -- import -------------------------------------------------------------------------------------------
    def show_import_dialog(self, path: str | None = None, layer: str | None = None):
        from .import_dialog import ImportDialog

        if self.inv is None:
            self.show_error(self.tr("No inventory open"),
                            self.tr("Open or create an inventory before importing data."))
            return None
        if self.import_dialog is not None and self.import_dialog.is_running():
            self.import_dialog.show()
            self.import_dialog.raise_()
            return self.import_dialog
        if self.import_dialog is not None:
            self.import_dialog.deleteLater()
        dialog = ImportDialog(self.inv, path, layer or self.current_layer(), self)
        dialog.imported.connect(self._imported)
        self.import_dialog = dialog
        dialog.show()
        dialog.raise_()
        return dialog

    def _imported(self, layer: str, report) -> None:
        # The import wrote through its own connection: what this one sees is
        # stale until told, and the renderer's caches are too.
        self.inv.changed_externally()
        self.data_changed({layer: None})
        if layer == "assets":
            self.data_changed({"asset_zones": None})
        self.statusBar().showMessage(self.tr("Imported {n} features into {layer}.").format(
            n=report.added + report.updated,
            layer=schema.LAYERS[layer].label(i18n.data_lang())), 8000)

    # -- report and exports ----------------------------------------------------------------------
    # The slots of File > Export Report as PDF, Print Preview and Print open the
    # report options; ``path`` and ``printer`` stand in for the system's file
    # and print dialogs.  The methods after them do the work with no dialog.
    def export_report_dialog(self, path: str | None = None):
        return self.reports.export_pdf_dialog(path)

    def print_report_dialog(self, printer=None):
        return self.reports.print_dialog(printer)

    def print_preview_dialog(self):
        return self.reports.print_preview_dialog()

    def export_report_pdf(self, path, lang: str, atlas: bool = False, sections=None):
        """The report as a PDF at ``path`` (statistics in a worker, pages here, with progress)."""
        return self.reports.export_pdf(path, lang, atlas, sections)

    def print_report(self, printer, lang: str, atlas: bool = False, sections=None):
        return self.reports.print_to(printer, lang, atlas, sections)

    def print_preview(self, lang: str, atlas: bool = False, sections=None):
        return self.reports.preview(lang, atlas, sections)

    def export_layer_dialog(self, layer: str | None = None):
        from .export_dialog import ExportLayerDialog

        if self.inv is None:
            self.show_error(self.tr("No inventory open"),
                            self.tr("Open an inventory before exporting a layer."))
            return None
        if self.export_dialog is not None and self.export_dialog.is_running():
            self.export_dialog.raise_()
            return self.export_dialog
        if self.export_dialog is not None:
            self.export_dialog.deleteLater()
        dialog = ExportLayerDialog(self.inv.path, self.inv.crs, layer or self.current_layer(),
                                   self.settings.last_dir("export"), self)
        dialog.exported.connect(self._layer_exported)
        dialog.failed.connect(lambda exc: self.show_error(self.tr("The layer was not exported"),
                                                          exc, parent=dialog))
        self.export_dialog = dialog
        dialog.open()
        return dialog

    def _layer_exported(self, result) -> None:
        self.settings.set_last_dir(result.path, "export")
        self.statusBar().showMessage(self.tr("Exported {n} features of {layer} to {path}.").format(
            n=result.count, layer=schema.LAYERS[result.layer].label(i18n.data_lang()),
            path=result.path), 10000)

    def _close_output_dialogs(self) -> None:
        """Dialogs about the inventory that is closing."""
        if self.export_dialog is not None:
            if self.export_dialog.is_running():
                self.export_dialog.cancel()
                self.export_dialog.task.wait()
            self.export_dialog.close()
            self.export_dialog.deleteLater()
            self.export_dialog = None
        for dialog in (self.reports.options_dialog, self.reports.preview_window):
            if dialog is not None:
                dialog.close()

    # -- drag and drop ---------------------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_paths(paths)

    def open_paths(self, paths: list[Path]) -> None:
        """What a drop does: an inventory is opened, anything else imported."""
        for path in paths:
            if looks_like_inventory(path) and path.suffix.lower() not in IMPORT_SUFFIXES:
                self.open_inventory(path)
            elif path.suffix.lower() in IMPORT_SUFFIXES or path.is_file():
                self.show_import_dialog(str(path))
                break  # one import dialog at a time

    # -- status bar -------------------------------------------------------------------------------------
    def _lonlat(self, x: float, y: float) -> tuple[float, float] | None:
        if self.inv is None or self.canvas.display_crs is None:
            return None
        from ..crs import as_crs, transformer
        from shapely.geometry import Point

        geo = as_crs(self.inv.crs).geodetic_crs or as_crs("EPSG:4490")
        p = transformer(self.canvas.display_crs, geo)(Point(x, y))
        return (p.x, p.y)

    def _show_coordinates(self, x: float, y: float) -> None:
        ll = self._lonlat(x, y)
        if ll is not None:
            lon, lat = ll
            self.lonlat_label.setText(f"{abs(lon):.5f}°{'E' if lon >= 0 else 'W'}  "
                                      f"{abs(lat):.5f}°{'N' if lat >= 0 else 'S'}")
        self.xy_label.setText(f"X {x:,.1f}  Y {y:,.1f}")

    def _show_scale(self, denominator: float) -> None:
        if denominator > 0:
            self.scale_combo.setEditText(f"1:{round(denominator):,}")

    def _scale_chosen(self, index: int) -> None:
        value = self.scale_combo.itemData(index)
        if value:
            self.canvas.zoom_to_scale(float(value))

    def _scale_typed(self) -> None:
        text = self.scale_combo.currentText().replace(",", "").replace(" ", "")
        text = text.split(":")[-1]
        try:
            value = float(text)
        except ValueError:
            self._show_scale(self.canvas.scale())
            return
        if value > 0:
            self.canvas.zoom_to_scale(value)

    def _render_failed(self, message: str) -> None:
        self.render_label.setText(self.tr("Map drawing failed"))
        self.statusBar().showMessage(self.tr("The map could not be drawn: {error}").format(
            error=message), 10000)

    def _show_stats(self) -> None:
        self.stats_dock.show()
        self.stats_dock.raise_()

    # -- errors -------------------------------------------------------------------------------------------
    def show_error(self, title: str, error, parent: QWidget | None = None) -> QMessageBox:
        """A readable message, never a traceback (window-modal, does not block).

        ``parent``: the dialog the message is about, when it is not the window.
        """
        if isinstance(error, EcoinvError) or isinstance(error, str):
            text = str(error)
            details = ""
        else:
            text = self.tr("Something went wrong: {error}").format(
                error=str(error) or type(error).__name__)
            details = "".join(traceback.format_exception(error))
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok,
                          parent or self)
        box.setObjectName("errorMessage")
        box.setWindowModality(Qt.WindowModality.WindowModal)
        if details:
            # Kept for a bug report, not shown: the log has the traceback.
            box.setProperty("details", details)
        box.finished.connect(lambda _r, b=box: self.messages.remove(b) if b in self.messages else None)
        self.messages.append(box)
        box.open()
        return box

    def about(self) -> None:
        QMessageBox.about(self, self.tr("About ecoinv"), self.tr(
            "<b>ecoinv {version}</b><br>Ecological-asset inventory for a city's Ecology and "
            "Environment Bureau: protected sites, zones, land cover and monitoring stations in "
            "one SpatiaLite file.<br><br>Areas are geodesic (on the ellipsoid of the inventory's "
            "CRS); overlapping sites are counted once in coverage figures.").format(
                version=__version__))

    # -- images ---------------------------------------------------------------------------------------------
    def save_screenshot_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save Window Image"), "ecoinv.png",
                                              self.tr("PNG images (*.png)"))
        if path:
            self.save_screenshot(path)

    def save_screenshot(self, path) -> bool:
        ok = self.grab().save(str(path), "PNG")
        if not ok:
            self.show_error(self.tr("Cannot save the image"),
                            self.tr("{path} could not be written.").format(path=path))
        return ok

    # -- window state -----------------------------------------------------------------------------------
    def restore_layout(self) -> None:
        geometry, state = self.settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)

    def closeEvent(self, event) -> None:
        if self.import_dialog is not None and self.import_dialog.is_running():
            answer = QMessageBox.question(
                self, self.tr("Import running"),
                self.tr("An import is running. Cancel it and quit? Nothing of it will be kept."))
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        self.settings.set_window_state(self.saveGeometry(), self.saveState())
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop every worker and close the inventory (window close, tests)."""
        self._external_timer.stop()
        self.stats_dock.cancel()
        self.reports.cancel()
        if self.export_dialog is not None:
            self.export_dialog.cancel()
        if self.import_dialog is not None and self.import_dialog.is_running():
            self.import_dialog.cancel()
        cancel_all_and_wait()
        self.close_inventory()
        self.canvas.shutdown()
