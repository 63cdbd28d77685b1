"""Identify results: every feature under the clicked point, with its
attributes (code labels in the interface language) and its areas."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDockWidget, QHeaderView, QMenu, QTreeWidget, QTreeWidgetItem

from .. import schema
from ..store import Feature
from . import i18n
from .attribute_table import format_value

LAYER_ROLE = Qt.ItemDataRole.UserRole + 1
FID_ROLE = Qt.ItemDataRole.UserRole + 2


class IdentifyPanel(i18n.Retranslating, QDockWidget):
    featureActivated = Signal(str, int)   # a feature row was chosen: highlight it
    zoomToFeature = Signal(str, int)      # double-clicked
    historyRequested = Signal(str, int)   # context menu: Feature History

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("identifyPanel")
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(2)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(True)
        self.tree.setIndentation(14)
        self.tree.setUniformRowHeights(True)
        self.tree.currentItemChanged.connect(self._current_changed)
        self.tree.itemDoubleClicked.connect(self._double_clicked)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.setWidget(self.tree)
        self.results: list[tuple[str, list[Feature]]] = []
        self.point: tuple[float, float] | None = None  # lon, lat
        self.retranslate()


    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Identify Results"))
        self.tree.setHeaderLabels([self.tr("Feature"), self.tr("Value")])
        if self.results or self.point:
            self.show_results(self.point, self.results)

    def feature_items(self) -> list[QTreeWidgetItem]:
        out = []
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            for j in range(top.childCount()):
                if top.child(j).data(0, FID_ROLE) is not None:
                    out.append(top.child(j))
        return out

    def found(self) -> list[tuple[str, int]]:
        return [(layer, f.id) for layer, feats in self.results for f in feats]

    def clear(self) -> None:
        self.results = []
        self.point = None
        self.tree.clear()

    def show_results(self, lonlat: tuple[float, float] | None,
                     results: list[tuple[str, list[Feature]]]) -> None:
        lang = i18n.data_lang()
        self.results = list(results)
        self.point = lonlat
        self.tree.clear()
        if lonlat is not None:
            where = QTreeWidgetItem([self.tr("Clicked at"),
                                     f"{lonlat[0]:.5f}°E, {lonlat[1]:.5f}°N"])
            self.tree.addTopLevelItem(where)
        if not results:
            self.tree.addTopLevelItem(QTreeWidgetItem([self.tr("No features here"), ""]))
            return
        first = None
        for layer, feats in results:
            ldef = schema.LAYERS[layer]
            top = QTreeWidgetItem([ldef.label(lang), self.tr("{n} features").format(n=len(feats))
                                   if len(feats) != 1 else self.tr("1 feature")])
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            self.tree.addTopLevelItem(top)
            for feat in feats:
                item = self._feature_item(layer, feat, lang)
                top.addChild(item)
                first = first or item
            top.setExpanded(True)
        if first is not None:
            first.setExpanded(True)

    def _feature_item(self, layer: str, feat: Feature, lang: str) -> QTreeWidgetItem:
        ldef = schema.LAYERS[layer]
        title = feat.props.get("name")
        if not title and ldef.style_field:
            f = ldef.field(ldef.style_field)
            title = format_value(f, feat.props.get(f.name), lang)
        item = QTreeWidgetItem([f"{title or ldef.label(lang)}", f"id {feat.id}"])
        item.setData(0, LAYER_ROLE, layer)
        item.setData(0, FID_ROLE, feat.id)
        for f in ldef.fields:
            value = feat.props.get(f.name)
            text = format_value(f, value, lang) if value is not None else "NULL"
            if f.name == "area_ha" and value is not None:
                text = self.tr("{ha} ha ({km2} km², geodesic)").format(
                    ha=f"{value:,.2f}", km2=f"{value / 100:,.3f}")
            if f.references and value is not None:
                text = f"{value}"
            child = QTreeWidgetItem([f.label(lang), text])
            child.setToolTip(0, f.name)
            child.setToolTip(1, text)
            item.addChild(child)
        g = feat.geometry
        if g is not None and g.geom_type == "Point":
            item.addChild(QTreeWidgetItem([self.tr("Coordinates"), f"{g.x:.5f}, {g.y:.5f}"]))
        if feat.props.get("reported_area_ha") and feat.props.get("area_ha"):
            rep, gis = feat.props["reported_area_ha"], feat.props["area_ha"]
            diff = (gis - rep) / rep * 100 if rep else 0.0
            item.addChild(QTreeWidgetItem([self.tr("GIS vs reported area"), f"{diff:+.1f} %"]))
        return item

    def _current_changed(self, current, _previous) -> None:
        if current is None:
            return
        while current is not None and current.data(0, FID_ROLE) is None:
            current = current.parent()
        if current is not None:
            self.featureActivated.emit(current.data(0, LAYER_ROLE), int(current.data(0, FID_ROLE)))

    def feature_of(self, item) -> tuple[str, int] | None:
        """The (layer, id) an item (a feature or one of its attribute rows) belongs to."""
        while item is not None and item.data(0, FID_ROLE) is None:
            item = item.parent()
        return None if item is None else (item.data(0, LAYER_ROLE), int(item.data(0, FID_ROLE)))

    def context_menu_for(self, item) -> QMenu | None:
        hit = self.feature_of(item)
        if hit is None:
            return None
        menu = QMenu(self)
        zoom = menu.addAction(self.tr("Zoom to Feature"))
        zoom.triggered.connect(lambda: self.zoomToFeature.emit(*hit))
        history = menu.addAction(self.tr("Feature History…"))
        history.setObjectName("identifyHistoryAction")
        history.triggered.connect(lambda: self.historyRequested.emit(*hit))
        return menu

    def _context_menu(self, pos) -> None:
        menu = self.context_menu_for(self.tree.itemAt(pos))
        if menu is not None:
            menu.exec(self.tree.viewport().mapToGlobal(pos))
            menu.deleteLater()

    def _double_clicked(self, item, _column) -> None:
        while item is not None and item.data(0, FID_ROLE) is None:
            item = item.parent()
        if item is not None:
            self.zoomToFeature.emit(item.data(0, LAYER_ROLE), int(item.data(0, FID_ROLE)))
