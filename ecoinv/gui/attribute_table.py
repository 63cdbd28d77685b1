"""The attribute table: a table model over one layer of the store, a proxy
for sorting and filtering, editors built from the schema, and the dock.

The model reads attributes only (no geometry) in one query and keeps them
as plain rows; writes go through an editor callback that the window
provides (the undo stack, or the store directly), and the written row is
read back from the store, so the table shows what is stored, not what was
typed.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

from PySide6.QtCore import (QAbstractTableModel, QItemSelection, QItemSelectionModel, QModelIndex,
                            QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt, Signal)
from PySide6.QtGui import QAction, QBrush, QColor, QDoubleValidator, QFont, QIntValidator
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDockWidget, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QMenu, QStyledItemDelegate,
                               QTableView, QToolButton, QVBoxLayout, QWidget)

from .. import schema
from ..errors import EcoinvError
from ..store import Inventory
from . import i18n
from .icons import icon

FID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
CODE_ROLE = Qt.ItemDataRole.UserRole + 3

Editor = Callable[[str, int, dict], None]


def format_value(f: schema.Field, value, lang: str) -> str:
    if value is None:
        return ""
    if f.codes:
        return schema.label(f.codes, value, lang)
    if f.type == "REAL":
        return f"{float(value):,.2f}"
    return str(value)


class AttributeTableModel(QAbstractTableModel):
    """Rows are features of one layer (in id order), columns its schema fields.

    DisplayRole shows code labels in the interface language; EditRole and
    CODE_ROLE give the stored value; SORT_ROLE a value that sorts right
    (numbers as numbers, missing values first); FID_ROLE the feature id.
    """

    editFailed = Signal(str, object)  # layer, exception

    def __init__(self, inv: Inventory, layer: str, editor: Editor | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.inv = inv
        self.layer = layer
        self.ldef = schema.LAYERS[layer]
        self.fields = list(self.ldef.fields)
        self._editor = editor
        self._ids: list[int] = []
        self._rows: list[list[Any]] = []
        self._row_of: dict[int, int] = {}
        self._load()

    # -- loading -------------------------------------------------------------------
    def _read(self, ids: Iterable[int] | None = None) -> tuple[list[int], list[list[Any]]]:
        names = [f.name for f in self.fields]
        if ids is None:
            data = self.inv.read_arrays(self.layer, columns=names, with_geometry=False)
            fids = [int(i) for i in data["id"]]
            rows = [list(r) for r in zip(*(data[n] for n in names))] if fids else []
            return fids, rows
        fids, rows = [], []
        for feat in self.inv.features(self.layer, ids=list(ids)):
            fids.append(feat.id)
            rows.append([feat.props.get(n) for n in names])
        return fids, rows

    def _load(self) -> None:
        self._ids, self._rows = self._read()
        self._row_of = {fid: r for r, fid in enumerate(self._ids)}

    def reload(self) -> None:
        self.beginResetModel()
        self._load()
        self.endResetModel()

    def refresh_features(self, ids: Iterable[int]) -> None:
        """Re-read some features; a reset if any were added or deleted."""
        ids = [int(i) for i in ids]
        fids, rows = self._read(ids)
        if set(fids) != {i for i in ids if i in self._row_of} or len(fids) != len(ids):
            self.reload()
            return
        for fid, values in zip(fids, rows):
            r = self._row_of[fid]
            self._rows[r] = values
            self.dataChanged.emit(self.index(r, 0), self.index(r, len(self.fields) - 1))

    def set_inventory(self, inv: Inventory) -> None:
        self.inv = inv
        self.reload()

    def retranslate(self) -> None:
        if self._rows:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._rows) - 1, len(self.fields) - 1))
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.fields) - 1)

    # -- lookup ----------------------------------------------------------------------
    def feature_ids(self) -> list[int]:
        return list(self._ids)

    def row_of(self, fid: int) -> int | None:
        return self._row_of.get(int(fid))

    def fid(self, row: int) -> int:
        return self._ids[row]

    def column_of(self, field: str) -> int:
        return [f.name for f in self.fields].index(field)

    def value(self, fid: int, field: str):
        return self._rows[self._row_of[fid]][self.column_of(field)]

    # -- Qt model interface ------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.fields)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._rows) or index.column() >= len(self.fields):
            return None
        f = self.fields[index.column()]
        value = self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if value is None:
                return "NULL"
            return format_value(f, value, i18n.data_lang())
        if role in (Qt.ItemDataRole.EditRole, CODE_ROLE):
            return value
        if role == SORT_ROLE:
            if value is None:
                return (0, 0, "")
            if f.type in ("INTEGER", "REAL"):
                return (1, float(value), "")
            return (1, 0, format_value(f, value, i18n.data_lang()).casefold())
        if role == FID_ROLE:
            return self._ids[index.row()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if f.type in ("INTEGER", "REAL"):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if value is None:
                return QBrush(QColor(150, 150, 150))
            if f.computed:
                return QBrush(QColor(70, 70, 70))
        if role == Qt.ItemDataRole.FontRole and value is None:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            if f.computed:
                return self.tr("Computed by the inventory (geodesic area); read-only")
            if f.codes and value is not None:
                return f"{schema.label(f.codes, value, 'zh')} / {schema.label(f.codes, value, 'en')} ({value})"
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < len(self.fields):
                return None
            f = self.fields[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return f.label(i18n.data_lang())
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{f.name} ({f.type})"
            return None
        if 0 <= section < len(self._ids):
            if role == Qt.ItemDataRole.DisplayRole:
                return str(self._ids[section])
            if role == FID_ROLE:
                return self._ids[section]
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self._editor is not None and not self.fields[index.column()].computed:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or self._editor is None:
            return False
        f = self.fields[index.column()]
        if f.computed:
            return False
        fid = self._ids[index.row()]
        if isinstance(value, str) and not value.strip():
            value = None
        if value == self._rows[index.row()][index.column()]:
            return False
        try:
            self._editor(self.layer, fid, {f.name: value})
        except EcoinvError as exc:
            self.editFailed.emit(self.layer, exc)
            return False
        # The editor's change signal usually refreshed the row already; read
        # it back anyway so the cell shows the stored (normalised) value.
        self.refresh_features([fid])
        return True


class AttributeFilterProxy(QSortFilterProxyModel):
    """Text filter over every column, a code filter on the layer's style
    field (category, class, kind, zone), and 'selected features only'."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._text = ""
        self._codes: set[str] | None = None
        self._only: set[int] | None = None

    def source(self) -> AttributeTableModel:
        return self.sourceModel()  # type: ignore[return-value]

    def _refilter(self, attr: str, value) -> None:
        # Qt 6.10 replaced invalidateFilter() by begin/endFilterChange().
        begin = getattr(self, "beginFilterChange", None)
        if begin is not None:
            begin()
            setattr(self, attr, value)
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            setattr(self, attr, value)
            self.invalidateRowsFilter()

    def set_text(self, text: str) -> None:
        self._refilter("_text", text.strip().casefold())

    def set_codes(self, codes: Iterable[str] | None) -> None:
        self._refilter("_codes", set(codes) if codes is not None else None)

    def set_only_ids(self, ids: Iterable[int] | None) -> None:
        self._refilter("_only", {int(i) for i in ids} if ids is not None else None)

    def filterAcceptsRow(self, row: int, parent) -> bool:
        model = self.source()
        if model is None or row >= model.rowCount():
            return False
        if self._only is not None and model.fid(row) not in self._only:
            return False
        if self._codes is not None:
            field = model.ldef.style_field
            if field:
                code = model.data(model.index(row, model.column_of(field)), CODE_ROLE)
                if code not in self._codes:
                    return False
        if self._text:
            texts = [str(model.fid(row))]
            for c in range(model.columnCount()):
                idx = model.index(row, c)
                value = model.data(idx, CODE_ROLE)
                if value is None:
                    continue
                texts.append(str(model.data(idx, Qt.ItemDataRole.DisplayRole)))
                texts.append(str(value))
            return any(self._text in t.casefold() for t in texts)
        return True

    def lessThan(self, left, right) -> bool:
        a = self.source().data(left, SORT_ROLE)
        b = self.source().data(right, SORT_ROLE)
        return (a or (0, 0, "")) < (b or (0, 0, ""))


class FieldDelegate(QStyledItemDelegate):
    """Editors from the schema: a code picker for coded fields (levels of
    an asset limited to its category's), validated line edits otherwise."""

    def _field(self, index) -> schema.Field:
        model = index.model()
        while isinstance(model, QSortFilterProxyModel):
            model = model.sourceModel()
        return model.fields[index.column()]

    def _codes_for(self, index, f: schema.Field) -> list[schema.Code]:
        codes = list(schema.iter_codes(f.codes))
        model = index.model()
        if f.name == "level":
            cat_col = None
            src = model
            while isinstance(src, QSortFilterProxyModel):
                src = src.sourceModel()
            if "category" in [x.name for x in src.fields]:
                cat_col = src.column_of("category")
            if cat_col is not None:
                cat = index.siblingAtColumn(cat_col).data(CODE_ROLE)
                allowed = schema.CATEGORIES[cat].levels if cat in schema.CATEGORIES else ()
                if allowed:
                    table = schema.CODE_TABLES[f.codes]
                    codes = [table[c] for c in allowed]
        return codes

    def createEditor(self, parent, option, index):
        f = self._field(index)
        if f.codes:
            combo = QComboBox(parent)
            lang = i18n.data_lang()
            if not f.required:
                combo.addItem("", None)
            for c in self._codes_for(index, f):
                combo.addItem(f"{c.label(lang)}", c.code)
            return combo
        edit = QLineEdit(parent)
        if f.type == "INTEGER":
            edit.setValidator(QIntValidator(edit))
        elif f.type == "REAL":
            v = QDoubleValidator(edit)
            v.setNotation(QDoubleValidator.Notation.StandardNotation)
            edit.setValidator(v)
        return edit

    def setEditorData(self, editor, index):
        value = index.data(Qt.ItemDataRole.EditRole)
        if isinstance(editor, QComboBox):
            i = editor.findData(value)
            editor.setCurrentIndex(max(i, 0))
        else:
            editor.setText("" if value is None else str(value))

    def setModelData(self, editor, model, index):
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)
        else:
            model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)


class AttributeTableView(QTableView):
    zoomToFeature = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setSortingEnabled(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                             | QAbstractItemView.EditTrigger.EditKeyPressed
                             | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.setAlternatingRowColors(True)
        self.setItemDelegate(FieldDelegate(self))
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.horizontalHeader().setStretchLastSection(True)
        self.verticalHeader().setDefaultSectionSize(22)
        self.verticalHeader().sectionDoubleClicked.connect(self._header_double_clicked)
        self.sortByColumn(-1, Qt.SortOrder.AscendingOrder)

    def _header_double_clicked(self, section: int) -> None:
        fid = self.model().headerData(section, Qt.Orientation.Vertical, FID_ROLE)
        if fid is not None:
            self.zoomToFeature.emit(int(fid))


class AttributeTableDock(i18n.Retranslating, QDockWidget):
    """One layer's attribute table, with its filter bar, kept in step with
    the map selection (both ways)."""

    zoomToFeatures = Signal(str, object)   # layer, ids
    panToFeatures = Signal(str, object)
    selectionEdited = Signal(str, object)  # layer, ids chosen in the table
    historyRequested = Signal(str, int)    # layer, feature id

    def __init__(self, inv: Inventory, layer: str, editor: Editor | None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.layer = layer
        self.setObjectName(f"attributes_{layer}")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.model = AttributeTableModel(inv, layer, editor, self)
        self.proxy = AttributeFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self._map_selection: set[int] = set()
        self._syncing = False

        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        bar = QHBoxLayout()
        self.filter_edit = QLineEdit(body)
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.proxy.set_text)
        self.code_label = QLabel(body)
        self.code_combo = QComboBox(body)
        self.code_combo.currentIndexChanged.connect(self._code_changed)
        self.selected_only = QCheckBox(body)
        self.selected_only.toggled.connect(self._selected_only_toggled)
        self.zoom_button = QToolButton(body)
        self.zoom_button.setIcon(icon("zoom_selection"))
        self.zoom_button.clicked.connect(self._zoom_to_selected)
        self.pan_button = QToolButton(body)
        self.pan_button.setIcon(icon("pan_selection"))
        self.pan_button.clicked.connect(self._pan_to_selected)
        self.clear_button = QToolButton(body)
        self.clear_button.setIcon(icon("deselect"))
        self.clear_button.clicked.connect(lambda: self.selectionEdited.emit(self.layer, set()))
        bar.addWidget(self.filter_edit, 3)
        bar.addWidget(self.code_label)
        bar.addWidget(self.code_combo, 2)
        bar.addWidget(self.selected_only)
        bar.addWidget(self.zoom_button)
        bar.addWidget(self.pan_button)
        bar.addWidget(self.clear_button)
        layout.addLayout(bar)
        self.view = AttributeTableView(body)
        self.view.setModel(self.proxy)
        self.view.selectionModel().selectionChanged.connect(self._table_selection_changed)
        self.view.zoomToFeature.connect(lambda fid: self.zoomToFeatures.emit(self.layer, {fid}))
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        layout.addWidget(self.view)
        self.summary = QLabel(body)
        layout.addWidget(self.summary)
        self.setWidget(body)
        self.proxy.rowsInserted.connect(self._update_summary)
        self.proxy.rowsRemoved.connect(self._update_summary)
        self.proxy.modelReset.connect(self._update_summary)
        self.proxy.layoutChanged.connect(self._reselect)
        self.proxy.modelReset.connect(self._reselect)
        self._fill_codes()
        self.view.resizeColumnsToContents()
        self.retranslate()

    def retranslate(self) -> None:
        lang = i18n.data_lang()
        ldef = schema.LAYERS[self.layer]
        self.setWindowTitle(self.tr("Attribute Table — {layer}").format(layer=ldef.label(lang)))
        self.filter_edit.setPlaceholderText(self.tr("Filter: name, code, any value…"))
        field = ldef.style_field
        self.code_label.setText(ldef.field(field).label(lang) + ":" if field else "")
        self.code_label.setVisible(bool(field))
        self.code_combo.setVisible(bool(field))
        self.selected_only.setText(self.tr("Selected only"))
        self.zoom_button.setToolTip(self.tr("Zoom map to the selected rows"))
        self.pan_button.setToolTip(self.tr("Pan map to the selected rows"))
        self.clear_button.setToolTip(self.tr("Deselect all"))
        self._fill_codes()
        self.model.retranslate()
        self._update_summary()

    def _fill_codes(self) -> None:
        field = schema.LAYERS[self.layer].style_field
        current = self.code_combo.currentData()
        self.code_combo.blockSignals(True)
        self.code_combo.clear()
        if field:
            f = schema.LAYERS[self.layer].field(field)
            self.code_combo.addItem(self.tr("All"), None)
            for c in schema.iter_codes(f.codes):
                self.code_combo.addItem(c.label(i18n.data_lang()), c.code)
            i = self.code_combo.findData(current)
            self.code_combo.setCurrentIndex(max(i, 0))
        self.code_combo.blockSignals(False)

    # -- filters ----------------------------------------------------------------------
    def set_code_filter(self, code: str | None) -> None:
        i = self.code_combo.findData(code)
        self.code_combo.setCurrentIndex(max(i, 0))

    def _code_changed(self, _i: int) -> None:
        code = self.code_combo.currentData()
        self.proxy.set_codes(None if code is None else {code})
        self._update_summary()

    def _selected_only_toggled(self, on: bool) -> None:
        self.proxy.set_only_ids(self._map_selection if on else None)
        self._update_summary()

    # -- selection, both ways -------------------------------------------------------------
    def selected_ids(self) -> set[int]:
        rows = self.view.selectionModel().selectedRows()
        return {int(self.proxy.data(r, FID_ROLE)) for r in rows}

    def _table_selection_changed(self, *_):
        if self._syncing:
            return
        ids = self.selected_ids()
        # Rows hidden by a filter keep their map selection.
        hidden = {fid for fid in self._map_selection if self._proxy_row(fid) is None}
        self.selectionEdited.emit(self.layer, ids | hidden)

    def _proxy_row(self, fid: int) -> int | None:
        r = self.model.row_of(fid)
        if r is None:
            return None
        idx = self.proxy.mapFromSource(self.model.index(r, 0))
        return idx.row() if idx.isValid() else None

    def set_selected_ids(self, ids: Iterable[int]) -> None:
        """Show the map selection in the table without echoing it back."""
        self._map_selection = {int(i) for i in ids}
        if self.selected_only.isChecked():
            self.proxy.set_only_ids(self._map_selection)
        self._reselect()
        self._update_summary()

    def _reselect(self) -> None:
        sel = QItemSelection()
        last = self.proxy.columnCount() - 1
        for fid in sorted(self._map_selection):
            row = self._proxy_row(fid)
            if row is not None:
                sel.select(self.proxy.index(row, 0), self.proxy.index(row, last))
        self._syncing = True
        try:
            self.view.selectionModel().select(
                sel, QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)
        finally:
            self._syncing = False
        if self._map_selection:
            row = self._proxy_row(min(self._map_selection))
            if row is not None:
                self.view.scrollTo(self.proxy.index(row, 0))

    def _zoom_to_selected(self) -> None:
        ids = self.selected_ids() or self._map_selection
        if ids:
            self.zoomToFeatures.emit(self.layer, ids)

    def _pan_to_selected(self) -> None:
        ids = self.selected_ids() or self._map_selection
        if ids:
            self.panToFeatures.emit(self.layer, ids)

    def _context_menu(self, pos) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        fid = int(self.proxy.data(index, FID_ROLE))
        menu = QMenu(self)
        zoom = QAction(icon("zoom_selection"), self.tr("Zoom to Feature"), menu)
        zoom.triggered.connect(lambda: self.zoomToFeatures.emit(self.layer, {fid}))
        pan = QAction(icon("pan_selection"), self.tr("Pan to Feature"), menu)
        pan.triggered.connect(lambda: self.panToFeatures.emit(self.layer, {fid}))
        sel = QAction(self.tr("Select Only This Feature"), menu)
        sel.triggered.connect(lambda: self.selectionEdited.emit(self.layer, {fid}))
        history = QAction(self.tr("Feature History…"), menu)
        history.triggered.connect(lambda: self.historyRequested.emit(self.layer, fid))
        for a in (zoom, pan, sel):
            menu.addAction(a)
        menu.addSeparator()
        menu.addAction(history)
        menu.exec(self.view.viewport().mapToGlobal(pos))

    def _update_summary(self, *_) -> None:
        total = self.model.rowCount()
        shown = self.proxy.rowCount()
        selected = len(self._map_selection)
        self.summary.setText(self.tr("Features total: {total}, filtered: {shown}, selected: {selected}")
                             .format(total=total, shown=shown, selected=selected))

    # -- data ---------------------------------------------------------------------------------
    def reload(self, inv: Inventory | None = None) -> None:
        if inv is not None:
            self.model.inv = inv
        self.model.reload()
