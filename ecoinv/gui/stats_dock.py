"""The statistics dock: coverage figures from :mod:`ecoinv.metrics`.

Computed in a worker on its own connection (dissolving and clipping the
sites takes seconds on a real inventory) and shown when ready; a change
while a computation runs cancels it and starts again, so the figures end
up matching the data without ever blocking the UI.  While the dock is
hidden nothing is computed: it only notes that its figures are stale and
catches up when shown.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import (QAbstractTableModel, QModelIndex, QObject,
                            QSortFilterProxyModel, Qt, QTimer, Signal)
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (QDockWidget, QFormLayout, QHeaderView, QLabel, QProgressBar,
                               QPushButton, QHBoxLayout, QTableView, QTabWidget, QVBoxLayout,
                               QWidget)

from .. import schema
from ..store import Inventory
from . import i18n
from .icons import icon
from .workers import Task

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
SECTIONS = ("boundary", "categories", "protected", "landcover", "districts", "stations")
# Changes come in bursts (an import, a run of cell edits): wait for quiet.
REFRESH_DELAY_MS = 600


def _compute(path: str, *, progress, cancel) -> dict:
    from ..metrics import compute_stats

    with Inventory.open(path) as inv:
        return compute_stats(inv, sections=SECTIONS, progress=progress, cancel=cancel)


def fmt_ha(v) -> str:
    return "—" if v is None else f"{v:,.1f}"


def fmt_pct(v) -> str:
    return "—" if v is None else f"{v:.2f} %"


def fmt_int(v) -> str:
    return "—" if v is None else f"{int(v):,}"


@dataclass(frozen=True)
class Column:
    header: Callable[[], str]
    value: Callable[[dict], Any]
    fmt: Callable[[Any], str] = str
    numeric: bool = True


class RecordsModel(QAbstractTableModel):
    """Read-only rows of plain dicts shown through column definitions."""

    def __init__(self, columns: list[Column], parent: QObject | None = None):
        super().__init__(parent)
        self.columns = columns
        self.rows: list[dict] = []

    def set_rows(self, rows: list[dict]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, max(0, len(self.columns) - 1))
        if self.rows:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self.rows) - 1, len(self.columns) - 1))

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self.rows) or index.column() >= len(self.columns):
            return None
        col = self.columns[index.column()]
        row = self.rows[index.row()]
        value = col.value(row)
        if role == Qt.ItemDataRole.DisplayRole:
            return col.fmt(value)
        if role == Qt.ItemDataRole.UserRole:
            return value
        if role == SORT_ROLE:
            # Missing values sort first; numbers as numbers.
            if value is None:
                return float("-inf") if col.numeric else ""
            return float(value) if col.numeric else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            align = Qt.AlignmentFlag.AlignRight if col.numeric else Qt.AlignmentFlag.AlignLeft
            return int(align | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and row.get("row") in ("total",):
            f = QFont()
            f.setBold(True)
            return f
        if role == Qt.ItemDataRole.ForegroundRole and row.get("row") in ("gap", "overlap"):
            return QBrush(QColor(120, 120, 120))
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.columns[section].header() if 0 <= section < len(self.columns) else None
        return str(section + 1)


def _label(row: dict) -> str:
    return row.get("label_zh" if i18n.data_lang() == "zh" else "label_en") or row.get("code") or ""


def _name(row: dict) -> str:
    if i18n.data_lang() == "zh":
        return row.get("name") or ""
    return row.get("name_en") or row.get("name") or ""


class StatsDock(i18n.Retranslating, QDockWidget):
    """Overall figures, then tables per category, land-cover class and district."""

    statsReady = Signal(dict)
    statsFailed = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("statsDock")
        self.path: str | None = None
        self.stats: dict | None = None
        self.task: Task | None = None
        self._dirty = False
        self._stale = False
        self.error = ""
        self.computed_at: _dt.datetime | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_DELAY_MS)
        self._timer.timeout.connect(self.refresh_now)

        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        top = QHBoxLayout()
        self.status = QLabel(body)
        self.status.setWordWrap(True)
        self.progress = QProgressBar(body)
        self.progress.setMaximumWidth(120)
        self.progress.setVisible(False)
        self.refresh_button = QPushButton(icon("refresh"), "", body)
        self.refresh_button.clicked.connect(self.refresh_now)
        top.addWidget(self.status, 1)
        top.addWidget(self.progress)
        top.addWidget(self.refresh_button)
        layout.addLayout(top)
        self.tabs = QTabWidget(body)
        layout.addWidget(self.tabs, 1)
        self.method = QLabel(body)
        self.method.setWordWrap(True)
        self.method.setStyleSheet("color: #555;")
        layout.addWidget(self.method)
        self.setWidget(body)
        self.visibilityChanged.connect(self._visibility_changed)

        # Overall.
        self.overall = QWidget(self.tabs)
        self.overall_form = QFormLayout(self.overall)
        self.overall_labels: dict[str, tuple[QLabel, QLabel]] = {}
        for key in ("city_area", "protected_count", "protected_area", "protected_coverage",
                    "protected_overlap", "forest_coverage", "wetland_area", "grassland_area",
                    "stations", *(f"stations_{k}" for k in schema.STATION_KINDS)):
            caption, value = QLabel(self.overall), QLabel(self.overall)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.overall_form.addRow(caption, value)
            self.overall_labels[key] = (caption, value)
        self.tabs.addTab(self.overall, "")

        self.categories_model = RecordsModel([
            Column(lambda: self.tr("Category"), _label, str, numeric=False),
            Column(lambda: self.tr("Sites"), lambda r: r.get("count"), fmt_int),
            Column(lambda: self.tr("Area (ha), overlaps once"), lambda r: r.get("dissolved_area_ha"), fmt_ha),
            Column(lambda: self.tr("Coverage"), lambda r: r.get("coverage_pct"), fmt_pct),
            Column(lambda: self.tr("Sum of site areas (ha)"), lambda r: r.get("area_ha"), fmt_ha),
            Column(lambda: self.tr("Outside the city (ha)"), lambda r: r.get("outside_ha"), fmt_ha),
        ], self)
        self.landcover_model = RecordsModel([
            Column(lambda: self.tr("Class"), _label, str, numeric=False),
            Column(lambda: self.tr("Patches"), lambda r: r.get("count"), fmt_int),
            Column(lambda: self.tr("Area (ha)"), lambda r: r.get("area_ha"), fmt_ha),
            Column(lambda: self.tr("Share of the city"), lambda r: r.get("coverage_pct"), fmt_pct),
        ], self)
        self.districts_model = RecordsModel([
            Column(lambda: self.tr("District"), _name, str, numeric=False),
            Column(lambda: self.tr("Area (ha)"), lambda r: r.get("total_area_ha"), fmt_ha),
            Column(lambda: self.tr("Protected (ha)"), lambda r: r.get("protected_ha"), fmt_ha),
            Column(lambda: self.tr("Protected"), lambda r: r.get("protected_pct"), fmt_pct),
            Column(lambda: self.tr("Forest"), lambda r: r.get("forest_pct"), fmt_pct),
            Column(lambda: self.tr("Wetland"), lambda r: r.get("wetland_pct"), fmt_pct),
            Column(lambda: self.tr("Stations"), lambda r: sum(
                int(r.get(k) or 0) for k in r if k.startswith("stations_")), fmt_int),
        ], self)
        self.views: dict[str, QTableView] = {}
        for key, model in (("categories", self.categories_model),
                           ("landcover", self.landcover_model),
                           ("districts", self.districts_model)):
            view = QTableView(self.tabs)
            proxy = QSortFilterProxyModel(view)
            proxy.setSourceModel(model)
            proxy.setSortRole(SORT_ROLE)
            view.setModel(proxy)
            view.setSortingEnabled(True)
            view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the metrics' own order first
            view.setAlternatingRowColors(True)
            view.verticalHeader().setVisible(False)
            view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            view.horizontalHeader().setStretchLastSection(True)
            self.views[key] = view
            self.tabs.addTab(view, "")
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Statistics"))
        self.refresh_button.setToolTip(self.tr("Compute the statistics again"))
        for i, text in enumerate((self.tr("Overview"), self.tr("Categories"), self.tr("Land cover"),
                                  self.tr("Districts"))):
            self.tabs.setTabText(i, text)
        captions = {
            "city_area": self.tr("City area"),
            "protected_count": self.tr("Protected sites"),
            "protected_area": self.tr("Protected area (overlaps counted once)"),
            "protected_coverage": self.tr("Protected-area coverage"),
            "protected_overlap": self.tr("Overlap between sites"),
            "forest_coverage": self.tr("Forest coverage"),
            "wetland_area": self.tr("Wetland area"),
            "grassland_area": self.tr("Grassland area"),
            "stations": self.tr("Monitoring stations"),
        }
        for kind in schema.STATION_KINDS:
            captions[f"stations_{kind}"] = "    " + schema.label("kind", kind, i18n.data_lang())
        for key, (caption, _value) in self.overall_labels.items():
            caption.setText(captions[key] + ":")
        for model in (self.categories_model, self.landcover_model, self.districts_model):
            model.retranslate()
        self._show()
        self._update_status()

    # -- computing ------------------------------------------------------------------------------
    def set_inventory(self, path: str | None) -> None:
        self.cancel()
        self.path = str(path) if path else None
        self.stats = None
        self.computed_at = None
        self._stale = bool(self.path)
        self._show()
        if self.path and self.isVisible():
            self.refresh_now()
        else:
            self._update_status()

    def schedule_refresh(self) -> None:
        """Data changed: compute again once the changes have settled."""
        if not self.path:
            return
        self._stale = True
        if self.isVisible():
            self._timer.start()
        self._update_status()

    def _visibility_changed(self, visible: bool) -> None:
        if visible and self._stale and self.path and not self.is_busy():
            self.refresh_now()

    def refresh_now(self) -> None:
        self._timer.stop()
        if not self.path:
            return
        self._stale = False
        if self.task is not None:
            # Start over when the running one ends: its figures are already stale.
            self._dirty = True
            self.task.cancel()
            return
        self._dirty = False
        task = Task(_compute, self.path, name="stats")
        task.progress.connect(self._progress)
        task.finished.connect(self._finished)
        task.failed.connect(self._failed)
        task.done.connect(self._task_done)
        self.task = task
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        task.start()
        self._update_status()

    def cancel(self) -> None:
        self._timer.stop()
        self._dirty = False
        if self.task is not None and not self.task.is_finished:
            self.task.cancel()

    def is_busy(self) -> bool:
        # The task is dropped only once its results have been shown.
        return self._timer.isActive() or self.task is not None or self._dirty

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _finished(self, stats: dict) -> None:
        if self._dirty:
            return
        self.stats = stats
        self.computed_at = _dt.datetime.now()
        self._show()
        self.statsReady.emit(stats)

    def _failed(self, exc) -> None:
        from ..metrics import StatsCancelled

        if isinstance(exc, StatsCancelled) or self._dirty:
            return
        self.error = str(exc) or type(exc).__name__
        self.statsFailed.emit(self.error)
        self.status.setText(self.tr("The statistics could not be computed: {error}")
                            .format(error=self.error))

    def _task_done(self) -> None:
        self.task = None
        self.progress.setVisible(False)
        if self._dirty:
            self.refresh_now()
            return
        self._update_status()

    def _update_status(self) -> None:
        if not self.path:
            self.status.setText(self.tr("No inventory open."))
        elif self.is_busy():
            self.status.setText(self.tr("Computing…"))
        elif self._stale:
            self.status.setText(self.tr("Out of date: shown again when this panel is open."))
        elif self.stats is not None and self.computed_at is not None:
            self.status.setText(self.tr("Up to date (computed {time}).")
                                .format(time=self.computed_at.strftime("%H:%M:%S")))

    # -- showing -----------------------------------------------------------------------------------
    def _show(self) -> None:
        s = self.stats or {}
        values = {k: "—" for k in self.overall_labels}
        if s:
            b = s.get("boundary") or {}
            if b.get("area_ha") is not None:
                values["city_area"] = self.tr("{km2} km²").format(km2=f"{b['area_ha'] / 100:,.0f}")
            p = s.get("protected") or {}
            values["protected_count"] = fmt_int(p.get("count"))
            values["protected_area"] = self.tr("{ha} ha").format(ha=fmt_ha(p.get("dissolved_area_ha")))
            values["protected_coverage"] = fmt_pct(p.get("coverage_pct"))
            values["protected_overlap"] = self.tr("{ha} ha").format(ha=fmt_ha(p.get("overlap_ha")))
            lc = {r.get("class"): r for r in s.get("landcover") or []}
            values["forest_coverage"] = fmt_pct((lc.get("forest") or {}).get("coverage_pct"))
            values["wetland_area"] = self.tr("{ha} ha").format(ha=fmt_ha((lc.get("wetland") or {}).get("area_ha")))
            values["grassland_area"] = self.tr("{ha} ha").format(
                ha=fmt_ha((lc.get("grassland") or {}).get("area_ha")))
            st = s.get("stations") or []
            values["stations"] = fmt_int(sum(int(r.get("count") or 0) for r in st))
            for r in st:
                values[f"stations_{r.get('kind')}"] = fmt_int(r.get("count"))
        for key, (_caption, label) in self.overall_labels.items():
            label.setText(values[key])
        self.categories_model.set_rows(list(s.get("categories") or []))
        self.landcover_model.set_rows(list(s.get("landcover") or []))
        self.districts_model.set_rows(list(s.get("districts") or []))
        m = s.get("method") or {}
        if m:
            self.method.setText(self.tr("Geodesic areas on the {ellipsoid} ellipsoid; overlapping "
                                        "sites counted once; clipped to the city boundary.")
                                .format(ellipsoid=m.get("ellipsoid", "?")))
        else:
            self.method.setText("")
