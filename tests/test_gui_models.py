"""The item models checked with pytest-qt's qtmodeltester, and the pieces
that need no window."""
from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt

from ecoinv import schema, styles
from ecoinv.gui.attribute_table import AttributeFilterProxy, AttributeTableModel
from ecoinv.gui.layers_panel import MIME, LayerTreeModel
from ecoinv.gui.selection import FeatureSelection, SelectMode
from ecoinv.gui.stats_dock import Column, RecordsModel, fmt_ha
from ecoinv.store import Inventory

from .gui_fixtures import ecoinv_app, fixture_inventory_source, inventory_file, isolated_settings  # noqa: F401


def _editing_model(inv, writes):
    def editor(layer, fid, values):
        writes.append(values)
        inv.update(layer, fid, values)

    return AttributeTableModel(inv, "assets", editor)


def test_attribute_model_passes_qtmodeltester(qtmodeltester, ecoinv_app, inventory_file):
    with Inventory.open(inventory_file) as inv:
        writes = []
        model = _editing_model(inv, writes)
        qtmodeltester.check(model, force_py=True)
        # The tester stays connected: edits, refreshes and reloads are checked
        # as they happen.
        idx = model.index(0, model.column_of("remarks"))
        assert model.setData(idx, "checked")
        assert writes == [{"remarks": "checked"}]
        assert not model.setData(model.index(0, model.column_of("area_ha")), 1.0)
        model.refresh_features([model.fid(0), model.fid(1)])
        model.reload()


def test_attribute_proxy_passes_qtmodeltester(qtmodeltester, ecoinv_app, inventory_file):
    with Inventory.open(inventory_file) as inv:
        writes = []
        model = _editing_model(inv, writes)
        proxy = AttributeFilterProxy()
        proxy.setSourceModel(model)
        qtmodeltester.check(proxy, force_py=True)
        proxy.set_text("湿地")
        assert proxy.rowCount() == 2
        proxy.sort(model.column_of("area_ha"), Qt.SortOrder.DescendingOrder)
        proxy.set_text("")
        proxy.set_codes({"forest_park"})
        assert proxy.rowCount() == 2
        assert proxy.setData(proxy.index(0, model.column_of("remarks")), "checked")
        assert writes == [{"remarks": "checked"}]
        proxy.set_codes(None)
        proxy.set_only_ids({model.fid(0), model.fid(1)})
        assert proxy.rowCount() == 2
        model.reload()


def test_every_layer_table_passes_qtmodeltester(qtmodeltester, ecoinv_app, inventory_file):
    with Inventory.open(inventory_file) as inv:
        for layer in schema.LAYERS:
            qtmodeltester.check(AttributeTableModel(inv, layer, None), force_py=True)


def test_attribute_model_values(ecoinv_app, inventory_file):
    with Inventory.open(inventory_file) as inv:
        model = AttributeTableModel(inv, "assets", None)
        assert model.rowCount() == inv.count("assets")
        assert model.columnCount() == len(schema.LAYERS["assets"].fields)
        r, c = 0, model.column_of("category")
        assert model.data(model.index(r, c), Qt.ItemDataRole.EditRole) in schema.CATEGORIES
        assert model.headerData(c, Qt.Orientation.Horizontal) == "Category"
        assert model.headerData(0, Qt.Orientation.Vertical) == str(model.fid(0))
        # Without an editor the table is read-only.
        assert not model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable
        empty = model.column_of("remarks")
        assert model.data(model.index(0, empty)) == "NULL"


def test_layer_tree_passes_qtmodeltester(qtmodeltester, ecoinv_app):
    model = LayerTreeModel()
    qtmodeltester.check(model, force_py=True)
    model.set_counts({"assets": {"forest_park": 2, "scenic_area": 1}})
    model.set_opacity("landcover", 0.4)
    model.set_code_visible("assets", "geopark", False)
    model.move_layer("landcover", 0)
    model.move_layer("stations", len(model.states()))
    model.set_all_codes_visible("assets", False)


def test_layer_tree_structure_and_settings(ecoinv_app):
    model = LayerTreeModel()
    assert model.rowCount() == len(styles.LAYER_ORDER)
    assets = model.layer_index("assets")
    assert model.rowCount(assets) == len(schema.CATEGORIES)
    child = model.index(0, 0, assets)
    assert model.parent(child) == assets
    assert model.rowCount(model.layer_index("boundary")) == 0
    # Drawing order is the reverse of the panel order.
    assert [ls.name for ls in model.layer_settings()] == list(styles.LAYER_ORDER)
    model.set_code_visible("landcover", "forest", False)
    lc = next(ls for ls in model.layer_settings() if ls.name == "landcover")
    assert lc.hidden_codes == frozenset({"forest"})
    # Dragging a layer row onto the top of the list.
    data = model.mimeData([model.layer_index("landcover")])
    assert data.hasFormat(MIME)
    model.dropMimeData(data, Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    assert model.states()[0].name == "landcover"
    assert model.layer_settings()[-1].name == "landcover"
    # The child rows followed their layer.
    lc_index = model.layer_index("landcover")
    assert model.parent(model.index(0, 0, lc_index)) == lc_index
    forest = model.code_index("landcover", "forest")
    assert forest.parent() == lc_index
    assert model.data(forest, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked


def test_records_model_passes_qtmodeltester(qtmodeltester, ecoinv_app):
    model = RecordsModel([Column(lambda: "Name", lambda r: r["name"], str, numeric=False),
                          Column(lambda: "Area", lambda r: r["area_ha"], fmt_ha)])
    model.set_rows([{"name": "a", "area_ha": 1.5}, {"name": "b", "area_ha": None}])
    qtmodeltester.check(model, force_py=True)
    assert model.data(model.index(1, 1)) == "—"


def test_selection_modes(ecoinv_app):
    sel = FeatureSelection()
    seen = []
    sel.changed.connect(seen.append)
    sel.select("assets", {1, 2})
    sel.select("assets", {3}, SelectMode.ADD)
    sel.select("assets", {1}, SelectMode.REMOVE)
    assert sel.ids("assets") == {2, 3}
    sel.select("assets", {2, 3})  # no change, no signal
    sel.discard_missing("assets", [3])
    assert sel.ids("assets") == {3}
    sel.clear()
    assert sel.count() == 0
    assert seen == ["assets"] * 5
