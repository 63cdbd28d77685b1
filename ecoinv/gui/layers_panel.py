"""The layers panel: a tree of layers (top of the list is drawn on top, as
in QGIS) with their sublayers per category/class/zone/kind, each with its
legend swatch and a check box; drag to reorder; opacity and style per layer.

:class:`LayerTreeModel` is the one place the window keeps the layer state;
it hands the canvas a list of ``LayerSettings`` in drawing order.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

from PySide6.QtCore import (QAbstractItemModel, QByteArray, QMimeData, QModelIndex,
                            QObject, QRectF, QSize, Qt, Signal)
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QColorDialog, QDialog, QDialogButtonBox,
                               QDockWidget, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel,
                               QMenu, QPushButton, QSlider, QSpinBox, QToolButton, QTreeView,
                               QVBoxLayout, QWidget)

from .. import schema, styles
from . import i18n
from .icons import icon

MIME = "application/x-ecoinv-layer"
LAYER_ROLE = Qt.ItemDataRole.UserRole + 1
CODE_ROLE = Qt.ItemDataRole.UserRole + 2
OPACITY_ROLE = Qt.ItemDataRole.UserRole + 3
COUNT_ROLE = Qt.ItemDataRole.UserRole + 4
SWATCH = 16


def _render_map():
    from ..render import map as render_map

    return render_map


@dataclass
class LayerState:
    name: str
    visible: bool = True
    opacity: float = 1.0
    hidden_codes: set[str] = field(default_factory=set)
    # code (None: the layer's default style) -> styles.Style
    style_overrides: dict[str | None, styles.Style] = field(default_factory=dict)
    counts: dict[str | None, int] | None = None  # None: not counted (no inventory)

    @property
    def codes(self) -> list[str]:
        return styles.codes(self.name)

    def style(self, code: str | None) -> styles.Style:
        return self.style_overrides.get(code) or styles.style_for(self.name, code)


def swatch(layer: str, style: styles.Style, size: int = SWATCH, opacity: float = 1.0) -> QPixmap:
    """The legend swatch of a style, drawn by the renderer's own legend code
    so the panel matches the map, exported images and the report."""
    from ..render.decorations import draw_swatch

    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setOpacity(opacity)
    # Hatching and symbols are sized in millimetres; 96 dpi screen millimetres.
    draw_swatch(p, QRectF(1, 1, size - 2, size - 2), style, layer, 96.0 / 25.4)
    p.end()
    return pm


class LayerTreeModel(QAbstractItemModel):
    """Two levels: layers (top row drawn on top) and their style codes.

    Internal ids: a layer row has internal id 0; a code row has its layer's
    fixed number (1 + position in the schema), which stays right when
    layers are reordered, so persistent indexes of code rows survive a move.
    """

    layersChanged = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        # Top of the panel first: the reverse of the drawing order.
        self._layers = [LayerState(name) for name in reversed(styles.LAYER_ORDER)
                        if name in schema.LAYERS]
        self._swatches: dict[tuple, QIcon] = {}
        self._uid = {name: i + 1 for i, name in enumerate(schema.LAYERS)}
        self._by_uid = {v: k for k, v in self._uid.items()}

    def _row_of_uid(self, uid: int) -> int:
        return self.layer_row(self._by_uid[int(uid)])

    # -- state -------------------------------------------------------------------------------
    def states(self) -> list[LayerState]:
        return list(self._layers)

    def state(self, layer: str) -> LayerState:
        for s in self._layers:
            if s.name == layer:
                return s
        raise KeyError(layer)

    def layer_row(self, layer: str) -> int:
        return [s.name for s in self._layers].index(layer)

    def layer_index(self, layer: str) -> QModelIndex:
        return self.index(self.layer_row(layer), 0)

    def code_index(self, layer: str, code: str) -> QModelIndex:
        s = self.state(layer)
        return self.index(s.codes.index(code), 0, self.layer_index(layer))

    def layer_settings(self) -> list:
        """``LayerSettings`` for the renderer, in drawing order (bottom first)."""
        api = _render_map()
        out = []
        for s in reversed(self._layers):
            out.append(api.LayerSettings(
                name=s.name, visible=s.visible, opacity=s.opacity,
                hidden_codes=frozenset(s.hidden_codes), style_overrides=dict(s.style_overrides)))
        return out

    def set_visible(self, layer: str, visible: bool) -> None:
        s = self.state(layer)
        if s.visible != visible:
            s.visible = visible
            idx = self.layer_index(layer)
            self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.CheckStateRole])
            self.layersChanged.emit()

    def set_code_visible(self, layer: str, code: str, visible: bool) -> None:
        s = self.state(layer)
        before = set(s.hidden_codes)
        (s.hidden_codes.discard if visible else s.hidden_codes.add)(code)
        if s.hidden_codes != before:
            idx = self.code_index(layer, code)
            self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.CheckStateRole])
            self.layersChanged.emit()

    def set_all_codes_visible(self, layer: str, visible: bool) -> None:
        s = self.state(layer)
        s.hidden_codes = set() if visible else set(s.codes)
        if s.codes:
            parent = self.layer_index(layer)
            self.dataChanged.emit(self.index(0, 0, parent), self.index(len(s.codes) - 1, 0, parent),
                                  [Qt.ItemDataRole.CheckStateRole])
        self.layersChanged.emit()

    def set_opacity(self, layer: str, opacity: float) -> None:
        s = self.state(layer)
        opacity = max(0.0, min(1.0, float(opacity)))
        if abs(s.opacity - opacity) > 1e-9:
            s.opacity = opacity
            self._swatches.clear()
            self._emit_layer_changed(layer)
            self.layersChanged.emit()

    def set_style(self, layer: str, code: str | None, style: styles.Style | None) -> None:
        s = self.state(layer)
        if style is None:
            s.style_overrides.pop(code, None)
        else:
            s.style_overrides[code] = style
        self._swatches.clear()
        self._emit_layer_changed(layer)
        self.layersChanged.emit()

    def set_counts(self, counts: dict[str, dict[str | None, int]]) -> None:
        for s in self._layers:
            s.counts = dict(counts[s.name]) if s.name in counts else None
        self._emit_all()

    def move_layer(self, layer: str, to_row: int) -> bool:
        src = self.layer_row(layer)
        to_row = max(0, min(len(self._layers), to_row))
        if to_row in (src, src + 1):
            return False
        self.beginMoveRows(QModelIndex(), src, src, QModelIndex(), to_row)
        s = self._layers.pop(src)
        self._layers.insert(to_row if to_row < src else to_row - 1, s)
        self.endMoveRows()
        self.layersChanged.emit()
        return True

    def _emit_layer_changed(self, layer: str) -> None:
        idx = self.layer_index(layer)
        self.dataChanged.emit(idx, idx)
        n = len(self.state(layer).codes)
        if n:
            self.dataChanged.emit(self.index(0, 0, idx), self.index(n - 1, 0, idx))

    def _emit_all(self) -> None:
        for s in self._layers:
            self._emit_layer_changed(s.name)

    def retranslate(self) -> None:
        self._emit_all()

    # -- Qt model interface -------------------------------------------------------------------
    def index(self, row, column, parent=QModelIndex()):
        if column != 0 or row < 0:
            return QModelIndex()
        if not parent.isValid():
            if row >= len(self._layers):
                return QModelIndex()
            return self.createIndex(row, 0, 0)
        if parent.internalId() != 0:
            return QModelIndex()
        s = self._layers[parent.row()]
        if row >= len(s.codes):
            return QModelIndex()
        return self.createIndex(row, 0, self._uid[s.name])

    def parent(self, index=QModelIndex()):
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        return self.createIndex(self._row_of_uid(index.internalId()), 0, 0)

    def rowCount(self, parent=QModelIndex()):
        if not parent.isValid():
            return len(self._layers)
        if parent.internalId() != 0 or parent.column() != 0:
            return 0
        return len(self._layers[parent.row()].codes)

    def columnCount(self, parent=QModelIndex()):
        return 1

    def hasChildren(self, parent=QModelIndex()):
        return self.rowCount(parent) > 0

    def _resolve(self, index) -> tuple[LayerState, str | None] | None:
        if not index.isValid():
            return None
        if index.internalId() == 0:
            return self._layers[index.row()], None
        s = self._layers[self._row_of_uid(index.internalId())]
        return s, s.codes[index.row()]

    def _swatch(self, s: LayerState, code: str | None) -> QIcon:
        key = (s.name, code, s.opacity, s.style_overrides.get(code))
        if key not in self._swatches:
            self._swatches[key] = QIcon(swatch(s.name, s.style(code), opacity=max(s.opacity, 0.25)))
        return self._swatches[key]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        hit = self._resolve(index)
        if hit is None:
            return None
        s, code = hit
        lang = i18n.data_lang()
        is_layer = index.internalId() == 0
        if role == Qt.ItemDataRole.DisplayRole:
            if is_layer:
                text = schema.LAYERS[s.name].label(lang)
                return f"{text} [{sum(s.counts.values())}]" if s.counts is not None else text
            n = s.counts.get(code) if s.counts is not None else None
            text = styles.code_label(s.name, code, lang)
            return f"{text} [{n}]" if n else text
        if role == Qt.ItemDataRole.DecorationRole:
            if is_layer and s.codes:
                return icon("layers")
            return self._swatch(s, code)
        if role == Qt.ItemDataRole.CheckStateRole:
            on = s.visible if is_layer else code not in s.hidden_codes
            return Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ForegroundRole:
            if not is_layer and (not s.visible or (s.counts is not None and not s.counts.get(code))):
                return QBrush(QColor(140, 140, 140))
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if is_layer:
                ldef = schema.LAYERS[s.name]
                return f"{ldef.zh} / {ldef.en} ({s.name}, {ldef.geometry_type}) — " + \
                    self.tr("opacity {pct}%").format(pct=round(s.opacity * 100))
            return f"{styles.code_label(s.name, code, 'zh')} / {styles.code_label(s.name, code, 'en')} ({code})"
        if role == LAYER_ROLE:
            return s.name
        if role == CODE_ROLE:
            return code
        if role == OPACITY_ROLE:
            return s.opacity
        if role == COUNT_ROLE:
            counts = s.counts or {}
            return sum(counts.values()) if is_layer else counts.get(code, 0)
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):
        hit = self._resolve(index)
        if hit is None:
            return False
        s, code = hit
        if role == Qt.ItemDataRole.CheckStateRole:
            on = Qt.CheckState(value) == Qt.CheckState.Checked if not isinstance(value, bool) else value
            if code is None:
                self.set_visible(s.name, on)
            else:
                self.set_code_visible(s.name, code, on)
            return True
        if role == OPACITY_ROLE and code is None:
            self.set_opacity(s.name, float(value))
            return True
        return False

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        f = (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
             | Qt.ItemFlag.ItemIsUserCheckable)
        if index.internalId() == 0:
            f |= Qt.ItemFlag.ItemIsDragEnabled
        return f

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and section == 0 and \
                role == Qt.ItemDataRole.DisplayRole:
            return self.tr("Layers")
        return None

    # -- drag and drop (reordering layers) ------------------------------------------------------
    def supportedDropActions(self):
        return Qt.DropAction.MoveAction

    def supportedDragActions(self):
        return Qt.DropAction.MoveAction

    def mimeTypes(self):
        return [MIME]

    def mimeData(self, indexes):
        names = [self._layers[i.row()].name for i in indexes
                 if i.isValid() and i.internalId() == 0]
        data = QMimeData()
        data.setData(MIME, QByteArray(json.dumps(names).encode()))
        return data

    def canDropMimeData(self, data, action, row, column, parent):
        return data.hasFormat(MIME)

    def dropMimeData(self, data, action, row, column, parent):
        if not data.hasFormat(MIME) or action != Qt.DropAction.MoveAction:
            return False
        names = json.loads(bytes(data.data(MIME)).decode())
        if parent.isValid():  # dropped onto a layer: put it above that layer
            row = parent.row() if parent.internalId() == 0 else self._row_of_uid(parent.internalId())
        if row < 0:
            row = len(self._layers)
        for name in names:
            src = self.layer_row(name)
            self.move_layer(name, row)
            if src >= row:
                row += 1
        # The move is done; answering False stops the view from also
        # removing the dragged rows as it would after a normal move.
        return False


class StyleDialog(QDialog):
    """Fill, outline and opacity of one sublayer (or a layer's only style)."""

    def __init__(self, layer: str, code: str | None, style: styles.Style, parent=None):
        super().__init__(parent)
        self.layer, self.code = layer, code
        self._style = style
        lang = i18n.data_lang()
        self.setWindowTitle(self.tr("Style — {name}").format(name=styles.code_label(layer, code, lang)))
        form = QFormLayout(self)
        self.fill_button = QPushButton(self)
        self.fill_button.clicked.connect(lambda: self._pick("fill"))
        self.stroke_button = QPushButton(self)
        self.stroke_button.clicked.connect(lambda: self._pick("stroke"))
        self.fill_opacity = QSpinBox(self)
        self.fill_opacity.setRange(0, 100)
        self.fill_opacity.setSuffix(" %")
        self.fill_opacity.setValue(round(style.fill_opacity * 100))
        self.stroke_width = QDoubleSpinBox(self)
        self.stroke_width.setRange(0.0, 5.0)
        self.stroke_width.setSingleStep(0.05)
        self.stroke_width.setDecimals(2)
        self.stroke_width.setSuffix(" mm")
        self.stroke_width.setValue(style.stroke_width_mm)
        form.addRow(self.tr("Fill colour"), self.fill_button)
        form.addRow(self.tr("Fill opacity"), self.fill_opacity)
        form.addRow(self.tr("Outline colour"), self.stroke_button)
        form.addRow(self.tr("Outline width"), self.stroke_width)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.RestoreDefaults, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(self._defaults)
        form.addRow(buttons)
        self._show()

    def _show(self) -> None:
        for button, value in ((self.fill_button, self._style.fill),
                              (self.stroke_button, self._style.stroke)):
            if value:
                pm = QPixmap(28, 14)
                pm.fill(QColor(value))
                button.setIcon(QIcon(pm))
                button.setText(value)
            else:
                button.setIcon(QIcon())
                button.setText(self.tr("None"))

    def _pick(self, which: str) -> None:
        current = getattr(self._style, which) or "#888888"
        colour = QColorDialog.getColor(QColor(current), self, self.tr("Choose a colour"))
        if colour.isValid():
            self._style = replace(self._style, **{which: colour.name()})
            self._show()

    def _defaults(self) -> None:
        self._style = styles.style_for(self.layer, self.code)
        self.fill_opacity.setValue(round(self._style.fill_opacity * 100))
        self.stroke_width.setValue(self._style.stroke_width_mm)
        self._show()

    def style(self) -> styles.Style:
        return replace(self._style, fill_opacity=self.fill_opacity.value() / 100.0,
                       stroke_width_mm=self.stroke_width.value())


class LayersPanel(i18n.Retranslating, QDockWidget):
    """The dock around the layer tree, with an opacity slider for the current layer."""

    currentLayerChanged = Signal(str)
    openAttributeTable = Signal(str)
    zoomToLayer = Signal(str)
    exportLayer = Signal(str)

    def __init__(self, model: LayerTreeModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("layersPanel")
        self.model = model
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(2, 2, 2, 2)
        self.view = QTreeView(body)
        self.view.setModel(model)
        self.view.setHeaderHidden(True)
        self.view.setIconSize(QSize(SWATCH, SWATCH))
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.view.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.view.setDragEnabled(True)
        self.view.setAcceptDrops(True)
        self.view.setDropIndicatorShown(True)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        self.view.doubleClicked.connect(self._double_clicked)
        layout.addWidget(self.view)
        row = QHBoxLayout()
        self.opacity_label = QLabel(body)
        self.opacity = QSlider(Qt.Orientation.Horizontal, body)
        self.opacity.setRange(0, 100)
        self.opacity.valueChanged.connect(self._opacity_moved)
        self.up_button = QToolButton(body)
        self.up_button.setArrowType(Qt.ArrowType.UpArrow)
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button = QToolButton(body)
        self.down_button.setArrowType(Qt.ArrowType.DownArrow)
        self.down_button.clicked.connect(lambda: self._move(+1))
        row.addWidget(self.opacity_label)
        row.addWidget(self.opacity, 1)
        row.addWidget(self.up_button)
        row.addWidget(self.down_button)
        layout.addLayout(row)
        self.setWidget(body)
        model.layersChanged.connect(self._sync_opacity)
        self.view.expandAll()
        self.select_layer("assets")
        self.retranslate()


    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Layers"))
        self.opacity_label.setText(self.tr("Opacity"))
        self.opacity.setToolTip(self.tr("Opacity of the current layer"))
        self.up_button.setToolTip(self.tr("Move the layer up (drawn later, on top)"))
        self.down_button.setToolTip(self.tr("Move the layer down"))
        self.model.retranslate()

    # -- current layer -----------------------------------------------------------------
    def current_layer(self) -> str | None:
        idx = self.view.currentIndex()
        return idx.data(LAYER_ROLE) if idx.isValid() else None

    def select_layer(self, layer: str) -> None:
        self.view.setCurrentIndex(self.model.layer_index(layer))

    def _current_changed(self, current, _previous) -> None:
        layer = current.data(LAYER_ROLE) if current.isValid() else None
        if layer:
            self._sync_opacity()
            self.currentLayerChanged.emit(layer)

    def _sync_opacity(self) -> None:
        layer = self.current_layer()
        if layer:
            self.opacity.blockSignals(True)
            self.opacity.setValue(round(self.model.state(layer).opacity * 100))
            self.opacity.blockSignals(False)

    def _opacity_moved(self, value: int) -> None:
        layer = self.current_layer()
        if layer:
            self.model.set_opacity(layer, value / 100.0)

    def _move(self, step: int) -> None:
        layer = self.current_layer()
        if not layer:
            return
        row = self.model.layer_row(layer)
        self.model.move_layer(layer, row + (step if step < 0 else 2))
        self.select_layer(layer)

    def _double_clicked(self, index) -> None:
        hit = (index.data(LAYER_ROLE), index.data(CODE_ROLE))
        if hit[0]:
            self.edit_style(*hit)

    def edit_style(self, layer: str, code: str | None) -> bool:
        if code is None and styles.codes(layer):
            return False  # a categorised layer is styled per category
        dialog = StyleDialog(layer, code, self.model.state(layer).style(code), self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        new = dialog.style()
        self.model.set_style(layer, code, None if new == styles.style_for(layer, code) else new)
        return True

    def _context_menu(self, pos) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        layer, code = index.data(LAYER_ROLE), index.data(CODE_ROLE)
        menu = QMenu(self)
        a = menu.addAction(icon("zoom_layer"), self.tr("Zoom to Layer"))
        a.triggered.connect(lambda: self.zoomToLayer.emit(layer))
        a = menu.addAction(icon("table"), self.tr("Open Attribute Table"))
        a.triggered.connect(lambda: self.openAttributeTable.emit(layer))
        a = menu.addAction(self.tr("Export Layer…"))
        a.triggered.connect(lambda: self.exportLayer.emit(layer))
        menu.addSeparator()
        if code is not None or not styles.codes(layer):
            a = menu.addAction(self.tr("Style…"))
            a.triggered.connect(lambda: self.edit_style(layer, code))
        if styles.codes(layer):
            a = menu.addAction(self.tr("Show All Categories"))
            a.triggered.connect(lambda: self.model.set_all_codes_visible(layer, True))
            a = menu.addAction(self.tr("Hide All Categories"))
            a.triggered.connect(lambda: self.model.set_all_codes_visible(layer, False))
        state = self.model.state(layer)
        if state.style_overrides:
            a = menu.addAction(self.tr("Reset Styles"))
            a.triggered.connect(lambda: [self.model.set_style(layer, c, None)
                                         for c in list(state.style_overrides)])
        menu.addSeparator()
        a = menu.addAction(self.tr("Move Up"))
        a.triggered.connect(lambda: (self.select_layer(layer), self._move(-1)))
        a = menu.addAction(self.tr("Move Down"))
        a.triggered.connect(lambda: (self.select_layer(layer), self._move(+1)))
        menu.exec(self.view.viewport().mapToGlobal(pos))
