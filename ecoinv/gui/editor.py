"""Editing in the main window: the tools, their actions and the commands they push.

The :class:`Editor` is the one place where the GUI changes the inventory's
features.  Map tools hand it finished geometries (storage CRS); it opens
the attribute form for new features, asks before deleting, and pushes one
:mod:`ecoinv.editing` command per user action on the window's undo stack.
Each push commits at once (there is no unsaved state); the stack's
``feature_changed`` signal then reaches the map, the tables and the
statistics through :meth:`MainWindow.data_changed`.

Before writing a geometry that a tool started from, the editor checks that
the stored feature is still what the tool read: if another program changed
it meanwhile, the edit is refused with a clear message instead of silently
overwriting that change (undo and redo get the same protection from the
core's ConflictError).
"""
from __future__ import annotations

import shapely
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QLabel, QMessageBox, QToolBar,
                               QVBoxLayout, QWidget)
from shapely.geometry import MultiPolygon, Polygon

from .. import schema
from ..editing import (AddFeature, ChangeGeometry, Command, DeleteFeatures, MergeFeatures,
                       SplitFeature)
from ..errors import EcoinvError
from ..geometry import GeometryError, polygons_of
from ..geometry_ops import split_polygon
from ..store import Feature
from . import i18n
from .edit_icons import edit_icon
from .edit_tools import (AddPointTool, AddPolygonTool, AddRingTool, EditTool, MoveFeatureTool,
                         SplitTool, VertexTool)
from .feature_form import FeatureForm
from .history_dialog import FeatureHistoryDialog, local_time
from .identify import features_in, search_area
from .map_tools import SEARCH_RADIUS
from .snapping import SnapConfig, Snapper, SnappingToolBar
from .undo_panel import UndoHistoryDock

TOOL_CLASSES = (AddPolygonTool, AddRingTool, AddPointTool, VertexTool, MoveFeatureTool, SplitTool)
TOOL_ICONS = {"add_polygon": "add_polygon", "add_ring": "add_ring", "add_point": "add_point",
              "vertex": "vertex", "move": "move", "split": "split"}


class MergeDialog(QDialog):
    """Which of the selected features keeps its attributes (the others are merged into it)."""

    def __init__(self, editor: "Editor", layer: str, features: list[Feature],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("mergeDialog")
        self.layer = layer
        layout = QVBoxLayout(self)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        layout.addWidget(self.text)
        self.keep = QComboBox(self)
        self.keep.setObjectName("mergeKeep")
        # The largest first: usually the site the others are slivers of.
        for f in sorted(features, key=lambda f: -(f.props.get("area_ha") or 0.0)):
            self.keep.addItem(editor.feature_label(layer, f.id), f.id)
        layout.addWidget(self.keep)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        n = len(features)
        lang = i18n.data_lang()
        self.setWindowTitle(self.tr("Merge Features"))
        msg = self.tr("Merge {n} features of {layer} into one. Keep the attributes of:").format(
            n=n, layer=schema.LAYERS[layer].label(lang))
        if layer == "assets":
            msg += " " + self.tr("Zones of the other sites move to the kept one.")
        self.text.setText(msg)

    def kept_id(self) -> int:
        return int(self.keep.currentData())


class Editor(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.canvas = window.canvas
        self.settings = window.settings
        self.snapper = Snapper(self.canvas, SnapConfig.from_settings(window.settings))
        self.forms: list[QDialog] = []
        self.history_dialogs: list[FeatureHistoryDialog] = []

        self.tools: dict[str, EditTool] = {}
        self.toolbar: QToolBar = window.toolbar_edit
        window.insertToolBarBreak(self.toolbar)
        self.toolbar.addSeparator()
        self.layer_caption = QLabel(self.toolbar)
        self.toolbar.addWidget(self.layer_caption)
        self.layer_combo = QComboBox(self.toolbar)
        self.layer_combo.setObjectName("editLayerCombo")
        for name in schema.LAYERS:
            self.layer_combo.addItem("", name)
        self.layer_combo.activated.connect(self._combo_chosen)
        self.toolbar.addWidget(self.layer_combo)
        for cls in TOOL_CLASSES:
            tool = cls(self.canvas, self)
            action = QAction(edit_icon(TOOL_ICONS[cls.name]), "", window)
            action.setObjectName(f"action_tool_{cls.name}")
            window.register_tool(cls.name, tool, action, self.toolbar)
            self.tools[cls.name] = tool

        self.actions: dict[str, QAction] = {}
        A = self._action
        A("delete_selected", "delete", self.delete_selected, QKeySequence.StandardKey.Delete)
        A("merge_selected", "merge", self.merge_selected)
        A("feature_history", "history", self.history_of_selected)
        self.toolbar.addAction(self.actions["delete_selected"])
        self.toolbar.addAction(self.actions["merge_selected"])
        self.toolbar.addAction(self.actions["feature_history"])

        redo = window.actions_by_name["redo"]
        wanted = QKeySequence("Ctrl+Shift+Z")
        if wanted not in redo.shortcuts():
            redo.setShortcuts([*redo.shortcuts(), wanted])

        self.snapping_toolbar = SnappingToolBar(self.snapper.config, self.settings, window)
        self.snapping_toolbar.configChanged.connect(self._snapping_changed)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.snapping_toolbar)
        window.menu_toolbars.addAction(self.snapping_toolbar.toggleViewAction())

        self.undo_dock = UndoHistoryDock(window)
        self.undo_dock.indexRequested.connect(self.undo_to)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.undo_dock)
        window.tabifyDockWidget(window.identify_panel, self.undo_dock)
        window.stats_dock.raise_()
        window.menu_panels.addAction(self.undo_dock.toggleViewAction())
        self.undo_dock.toggleViewAction().setIcon(edit_icon("undo_history"))
        self.toolbar.addAction(self.undo_dock.toggleViewAction())

        menu = window.menu_edit
        menu.addSeparator()
        for name in self.tools:
            menu.addAction(window.actions_by_name[f"tool_{name}"])
        menu.addSeparator()
        for name in ("delete_selected", "merge_selected", "feature_history"):
            menu.addAction(self.actions[name])
        menu.addSeparator()
        menu.addAction(self.snapping_toolbar.enable_action)
        menu.addAction(self.undo_dock.toggleViewAction())

        self.last_edit_label = QLabel(window)
        self.last_edit_label.setObjectName("lastEditLabel")
        window.statusBar().insertPermanentWidget(0, self.last_edit_label)

        window.inventoryOpened.connect(self._opened)
        window.inventoryClosed.connect(self._closed)
        window.dataChanged.connect(self._data_changed)
        window.selection.changed.connect(self._update_actions)
        window.layers_panel.currentLayerChanged.connect(self._layer_changed)
        window.installEventFilter(self)
        self._bound_stack = None
        self.retranslate()
        self._layer_changed(self.target_layer())

    def _action(self, name, icon_name, slot, shortcut=None) -> QAction:
        a = QAction(edit_icon(icon_name), "", self.window)
        a.setObjectName(f"action_{name}")
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
        a.triggered.connect(lambda _c=False: slot())
        self.actions[name] = a
        self.window.actions_by_name[name] = a
        return a

    # -- state --------------------------------------------------------------------------------------
    @property
    def inv(self):
        return self.window.inv

    @property
    def stack(self):
        return self.window.undo_stack

    def target_layer(self) -> str:
        return self.window.current_layer()

    def set_target_layer(self, layer: str) -> None:
        self.window.layers_panel.select_layer(layer)

    def selected_ids(self, layer: str) -> set[int]:
        return self.window.selection.ids(layer)

    def message(self, text: str, ms: int = 8000) -> None:
        self.window.statusBar().showMessage(text, ms)

    # -- coordinates (the UI thread's renderer: pyproj stays off Qt threads) -----------------------
    def to_storage(self, x: float, y: float) -> tuple[float, float]:
        sx, sy = self.canvas.renderer.to_storage(x, y, self.canvas.display_crs)
        return (float(sx), float(sy))

    def to_display(self, xs, ys):
        return self.canvas.renderer.to_display(xs, ys, self.canvas.display_crs)

    def geometry_to_display(self, geom):
        return self.canvas.renderer.geometry_to_display(geom, self.canvas.display_crs)

    def geometry_to_storage(self, geom):
        return self.canvas.renderer.geometry_to_storage(geom, self.canvas.display_crs)

    def snap(self, pos: QPointF, exclude=None):
        if self.inv is None:
            return None
        try:
            return self.snapper.snap(pos, exclude=exclude)
        except EcoinvError:
            return None  # the file is busy: no snapping this time rather than an error per move

    # -- reading ------------------------------------------------------------------------------------
    def read_feature(self, layer: str, fid: int) -> Feature | None:
        if self.inv is None:
            return None
        for f in self.inv.features(layer, ids=[int(fid)]):
            return f
        return None

    def feature_at(self, layer: str, pos: QPointF, radius: float = SEARCH_RADIUS) -> Feature | None:
        """The feature of ``layer`` under ``pos``: a selected one first, else the smallest."""
        canvas = self.canvas
        flt = next((f for f in canvas.layer_filters() if f.name == layer), None)
        if self.inv is None or flt is None:
            if flt is None:
                self.message(self.tr("The editing layer is hidden; show it in the Layers panel."))
            return None
        area = search_area(canvas.search_rect(pos, radius), canvas.display_crs, canvas.storage_crs)
        try:
            found = features_in(self.inv, flt, area)
        except EcoinvError as exc:
            self.message(str(exc))
            return None
        selected = self.selected_ids(layer)
        for f in found:
            if f.id in selected:
                return f
        return found[0] if found else None

    def feature_label(self, layer: str, fid: int) -> str:
        lang = i18n.data_lang()
        ldef = schema.LAYERS[layer]
        f = self.read_feature(layer, fid)
        name = None
        if f is not None:
            name = f.props.get("name")
            if not name and ldef.style_field:
                name = schema.label(ldef.field(ldef.style_field).codes, f.props.get(ldef.style_field),
                                    lang)
        base = f"{ldef.label(lang)} {fid}"
        return f"{base} ({name})" if name else base

    # -- pushing commands -------------------------------------------------------------------------------
    def push(self, cmd: Command, error_title: str | None = None) -> bool:
        """Apply ``cmd`` (one committed transaction); a refusal is shown, never raised."""
        if self.stack is None:
            return False
        try:
            self.stack.push(cmd)
        except EcoinvError as exc:
            self.window.show_error(error_title or self.tr("The edit was not made"), exc)
            return False
        return True

    def _changed_since(self, layer: str, fid: int, base_wkb: bytes | None) -> bool:
        f = self.read_feature(layer, fid)
        return f is None or (base_wkb is not None and shapely.to_wkb(f.geometry) != base_wkb)

    def change_geometry(self, layer: str, fid: int, geometry, base_wkb: bytes | None, *,
                        mergeable: bool = False, text: str = "") -> bool:
        if self.inv is None:
            return False
        if self._changed_since(layer, fid, base_wkb):
            self.window.show_error(self.tr("Changed by someone else"), self.tr(
                "{feature} was changed or deleted by another program since you started editing "
                "it. It has been reloaded; make your change again.").format(
                    feature=self.feature_label(layer, fid)))
            self.window.reload_all()
            return False
        return self.push(ChangeGeometry(layer, fid, geometry, mergeable=mergeable, text=text),
                         self.tr("The geometry was not changed"))

    def undo_to(self, index: int) -> None:
        if self.stack is None:
            return
        try:
            self.stack.set_index(index)
        except EcoinvError as exc:
            self.window.edit_failed(self.tr("Cannot undo or redo"), exc)

    # -- adding ------------------------------------------------------------------------------------------
    def add_feature(self, layer: str, geometry, values: dict | None = None) -> FeatureForm | None:
        """Open the attribute form; OK adds the feature (one undo step)."""
        if self.inv is None:
            return None
        defaults = dict(values or {})
        if layer == "asset_zones" and "asset_id" not in defaults:
            site = self._site_of(geometry)
            if site is not None:
                defaults["asset_id"] = site
        lang = i18n.data_lang()

        def submit(vals: dict) -> str | None:
            name = vals.get("name")
            ldef = schema.LAYERS[layer]
            text = (self.tr("Add “{name}” to {layer}").format(name=name, layer=ldef.label(lang))
                    if name else self.tr("Add a feature to {layer}").format(layer=ldef.label(lang)))
            try:
                self.stack.push(AddFeature(layer, vals, geometry, text=text))
            except EcoinvError as exc:
                return str(exc)
            return None

        form = FeatureForm(self.inv, layer, geometry, submit, defaults, self.window)
        form.setWindowModality(Qt.WindowModality.WindowModal)
        form.finished.connect(lambda _r, f=form: self._form_closed(f))
        self.forms.append(form)
        form.open()
        return form

    def _form_closed(self, form) -> None:
        self._forget(form)
        self.canvas.setFocus()

    def _forget(self, dialog) -> None:
        if dialog in self.forms:
            self.forms.remove(dialog)
        dialog.deleteLater()

    def _site_of(self, geometry) -> int | None:
        """The smallest asset the new zone lies in (its likely parent)."""
        p = geometry.representative_point()
        best = None
        for f in self.inv.features("assets", bbox=p.bounds):
            if f.geometry is not None and f.geometry.contains(p):
                if best is None or f.geometry.area < best.geometry.area:
                    best = f
        return None if best is None else best.id

    def add_ring(self, layer: str, ring: Polygon) -> bool:
        """Cut ``ring`` out of the polygon of ``layer`` that holds it; False keeps the sketch."""
        if self.inv is None:
            return False
        holders = []
        for f in self.inv.features(layer, bbox=ring.bounds):
            for i, part in enumerate(polygons_of(f.geometry)):
                if part.contains(ring):
                    holders.append((f, i))
        if not holders:
            self.message(self.tr("A hole must lie inside one polygon of the editing layer, "
                                 "clear of its edges and other holes."))
            return False
        selected = self.selected_ids(layer)
        holders.sort(key=lambda h: (h[0].id not in selected, h[0].geometry.area))
        f, i = holders[0]
        parts = polygons_of(f.geometry)
        p = parts[i]
        # Built from the stored rings, not by an overlay, so that every
        # vertex other than the new ones stays exactly as stored.
        parts[i] = Polygon(p.exterior.coords, [r.coords for r in p.interiors] + [ring.exterior.coords])
        geom = MultiPolygon(parts)
        if not geom.is_valid:
            self.message(self.tr("The hole touches another hole or the edge: {reason}").format(
                reason=shapely.is_valid_reason(geom)))
            return False
        return self.change_geometry(layer, f.id, geom, shapely.to_wkb(f.geometry),
                                    text=self.tr("Add a hole to {feature}").format(
                                        feature=self.feature_label(layer, f.id)))

    # -- split and merge -------------------------------------------------------------------------------
    def split_features(self, layer: str, line) -> int:
        """Split every feature the line divides (only selected ones when some are); the number split."""
        if self.inv is None or self.stack is None:
            return 0
        selected = self.selected_ids(layer)
        cands = [f for f in self.inv.features(layer, bbox=line.bounds)
                 if (not selected or f.id in selected) and f.geometry is not None
                 and f.geometry.intersects(line)]
        todo = []
        for f in cands:
            try:
                split_polygon(f.geometry, line, crs=self.inv.crs)
            except GeometryError:
                continue  # crosses an edge but does not divide it
            todo.append(f)
        if not todo:
            self.message(self.tr("The line does not split any feature: draw it across a polygon "
                                 "from one side to the other."))
            return 0
        try:
            if len(todo) == 1:
                f = todo[0]
                self.stack.push(SplitFeature(layer, f.id, line, text=self.tr("Split {feature}").format(
                    feature=self.feature_label(layer, f.id))))
            else:
                with self.stack.macro(self.tr("Split {n} features of {layer}").format(
                        n=len(todo), layer=schema.LAYERS[layer].label(i18n.data_lang()))):
                    for f in todo:
                        self.stack.push(SplitFeature(layer, f.id, line))
        except EcoinvError as exc:
            self.window.show_error(self.tr("The features were not split"), exc)
            return 0
        self.message(self.tr("Split {n} features.").format(n=len(todo)))
        return len(todo)

    def merge_selected(self) -> MergeDialog | None:
        layer = self.target_layer()
        ids = sorted(self.selected_ids(layer))
        if self.inv is None or schema.LAYERS[layer].geometry_type != "MULTIPOLYGON":
            return None
        if len(ids) < 2:
            self.message(self.tr("Select two or more polygons of the editing layer to merge them."))
            return None
        feats = list(self.inv.features(layer, ids=ids))
        dialog = MergeDialog(self, layer, feats, self.window)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)

        def done(result: int) -> None:
            self._forget(dialog)
            if result != QDialog.DialogCode.Accepted:
                return
            keep = dialog.kept_id()
            order = [keep] + [i for i in ids if i != keep]
            text = self.tr("Merge {n} features into {feature}").format(
                n=len(ids), feature=self.feature_label(layer, keep))
            if self.push(MergeFeatures(layer, order, text=text), self.tr("The features were not merged")):
                self.window.selection.select(layer, {keep})

        dialog.finished.connect(done)
        self.forms.append(dialog)
        dialog.open()
        return dialog

    # -- delete ------------------------------------------------------------------------------------------
    def delete_selected(self) -> QMessageBox | None:
        """Ask, then delete the selected features of the editing layer (one undo step)."""
        layer = self.target_layer()
        ids = sorted(self.selected_ids(layer))
        if self.inv is None or self.stack is None:
            return None
        if not ids:
            self.message(self.tr("Select features of the editing layer to delete them."))
            return None
        lang = i18n.data_lang()
        n = len(ids)
        what = (self.feature_label(layer, ids[0]) if n == 1 else
                self.tr("{n} features of {layer}").format(n=n, layer=schema.LAYERS[layer].label(lang)))
        text = self.tr("Delete {what}?").format(what=what)
        if layer == "assets":
            zones = sum(1 for _ in self.inv.features("asset_zones", filters={"asset_id": ids}))
            if zones:
                text += " " + self.tr("Their {n} functional zones are deleted with them.").format(n=zones)
        text += "\n\n" + self.tr("The deletion is saved at once; Edit > Undo brings the features back.")
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Delete Features"), text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self.window)
        box.setObjectName("confirmDelete")
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        box.setWindowModality(Qt.WindowModality.WindowModal)

        def done(_result: int) -> None:
            yes = box.clickedButton() is box.button(QMessageBox.StandardButton.Yes)
            self._forget(box)
            if not yes:
                return
            label = (self.tr("Delete {feature}").format(feature=what) if n == 1 else
                     self.tr("Delete {what}").format(what=what))
            if self.push(DeleteFeatures(layer, ids, text=label), self.tr("The features were not deleted")):
                self.message(self.tr("Deleted {what}.").format(what=what))

        box.finished.connect(done)
        self.forms.append(box)
        box.open()
        return box

    # -- history -----------------------------------------------------------------------------------------
    def history_of_selected(self) -> FeatureHistoryDialog | None:
        layer = self.target_layer()
        ids = self.selected_ids(layer)
        if len(ids) != 1:
            self.message(self.tr("Select one feature of the editing layer to see its history."))
            return None
        return self.show_history(layer, next(iter(ids)))

    def show_history(self, layer: str, fid: int) -> FeatureHistoryDialog | None:
        if self.inv is None:
            return None
        for d in self.history_dialogs:
            if (d.layer, d.fid) == (layer, int(fid)):
                d.refresh()
                d.show()
                d.raise_()
                return d
        dialog = FeatureHistoryDialog(self, layer, fid, self.window)
        dialog.finished.connect(lambda _r, d=dialog: self._history_closed(d))
        self.history_dialogs.append(dialog)
        dialog.show()
        return dialog

    def _history_closed(self, dialog) -> None:
        if dialog in self.history_dialogs:
            self.history_dialogs.remove(dialog)
        dialog.deleteLater()

    # -- window events -----------------------------------------------------------------------------------
    def _opened(self, _path: str) -> None:
        stack = self.stack
        if stack is not None:
            stack.changed.connect(self._stack_changed)
        self._bound_stack = stack
        self.undo_dock.set_stack(stack)
        self.snapper.clear()
        self._update_last_edit()
        self._update_actions()

    def _closed(self) -> None:
        for d in list(self.history_dialogs) + list(self.forms):
            d.close()
        self.history_dialogs.clear()
        self.forms.clear()
        if self._bound_stack is not None:
            self._bound_stack.changed.disconnect(self._stack_changed)
            self._bound_stack = None
        self.undo_dock.set_stack(None)
        for tool in self.tools.values():
            tool.reset()
        self.snapper.clear()
        self.last_edit_label.setText("")
        self._update_actions()

    def _stack_changed(self) -> None:
        self._update_last_edit()
        self._update_actions()

    def _data_changed(self, changes) -> None:
        self.snapper.clear()
        for tool in self.tools.values():
            tool.data_changed(changes)
        for d in list(self.history_dialogs):
            d.refresh()
        self._update_last_edit()

    def _update_last_edit(self) -> None:
        inv = self.inv
        if inv is None:
            self.last_edit_label.setText("")
            return
        last = inv.history(limit=1, newest_first=True)
        if not last:
            self.last_edit_label.setText(self.tr("No edits yet"))
            return
        self.last_edit_label.setText(self.tr("Last edit: {time}").format(time=local_time(last[0].time)))
        self.last_edit_label.setToolTip(self.tr(
            "Every edit is saved to the inventory file at once; last change by {user} "
            "({what}, {layer} {fid})").format(user=last[0].user, what=last[0].action,
                                              layer=last[0].table, fid=last[0].feature_id))

    def _layer_changed(self, layer: str) -> None:
        i = self.layer_combo.findData(layer)
        if i >= 0 and i != self.layer_combo.currentIndex():
            self.layer_combo.setCurrentIndex(i)
        for tool in self.tools.values():
            tool.reset()
        self._update_actions()

    def _combo_chosen(self, index: int) -> None:
        layer = self.layer_combo.itemData(index)
        if layer:
            self.set_target_layer(layer)

    def _snapping_changed(self, config: SnapConfig) -> None:
        self.snapper.config = config
        self.canvas.update()

    def _update_actions(self, *_) -> None:
        has = self.inv is not None and self.stack is not None
        layer = self.target_layer()
        gtype = schema.LAYERS[layer].geometry_type
        for name, tool in self.tools.items():
            action = self.window.actions_by_name[f"tool_{name}"]
            ok = has and gtype in tool.geometry_types
            action.setEnabled(ok)
            if not ok and self.canvas.map_tool() is tool:
                self.window.set_tool("pan")
        n = len(self.selected_ids(layer)) if has else 0
        self.actions["delete_selected"].setEnabled(has)
        self.actions["merge_selected"].setEnabled(has and gtype == "MULTIPOLYGON")
        self.actions["feature_history"].setEnabled(has)
        self.layer_combo.setEnabled(has)
        self.actions["delete_selected"].setToolTip(
            self.tr("Delete the {n} selected features of the editing layer (Del)").format(n=n))

    def eventFilter(self, obj, event) -> bool:
        if obj is self.window and event.type() == QEvent.Type.LanguageChange:
            # After the window's own retranslate (posted to it first).
            QTimer.singleShot(0, self.retranslate)
        return False

    def retranslate(self) -> None:
        lang = i18n.data_lang()
        for i in range(self.layer_combo.count()):
            self.layer_combo.setItemText(i, schema.LAYERS[self.layer_combo.itemData(i)].label(lang))
        self.layer_caption.setText(self.tr("Editing layer:") + " ")
        self.layer_combo.setToolTip(self.tr("The layer that new features go to and that the "
                                            "editing tools work on (the current layer)"))
        texts = {
            "add_polygon": (self.tr("Add &Polygon"), self.tr(
                "Add a polygon: click its vertices; Backspace removes the last, Enter or a double "
                "click finishes, Esc cancels")),
            "add_ring": (self.tr("Add &Hole"), self.tr(
                "Cut a hole into a polygon: draw the hole's outline inside it")),
            "add_point": (self.tr("Add P&oint"), self.tr("Add a point (a monitoring station): click "
                                                        "where it is")),
            "vertex": (self.tr("&Vertex Tool"), self.tr(
                "Edit vertices: drag to move, double-click an edge to add, select and press Delete "
                "to remove")),
            "move": (self.tr("&Move Feature"), self.tr("Move a feature: drag it")),
            "split": (self.tr("Spli&t Features"), self.tr(
                "Split polygons: draw a line across them (the selected ones only, if any)")),
        }
        for name, (text, tip) in texts.items():
            a = self.window.actions_by_name[f"tool_{name}"]
            a.setText(text)
            a.setToolTip(tip)
            a.setStatusTip(tip)
        for name, (text, tip) in {
            "delete_selected": (self.tr("&Delete Selected…"), self.tr(
                "Delete the selected features of the editing layer (asks first)")),
            "merge_selected": (self.tr("Mer&ge Selected…"), self.tr(
                "Merge the selected polygons of the editing layer into one feature")),
            "feature_history": (self.tr("Feature &History…"), self.tr(
                "Show every change of the selected feature and restore an old version")),
        }.items():
            a = self.actions[name]
            a.setText(text)
            a.setStatusTip(tip)
        self._update_actions()
        self._update_last_edit()
        self.undo_dock.toggleViewAction().setToolTip(self.tr("Show the undo history panel"))
