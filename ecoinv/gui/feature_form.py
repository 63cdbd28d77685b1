"""The attribute form of a new feature, built from the layer's schema fields.

Coded fields get pickers with the schema's labels (an asset's level only
offers its category's levels, a zone only its asset's category's zones), a
zone's asset is picked by name, numbers get spin boxes, text a line edit.
Computed fields (the geodesic area) are not editable; the form shows the
area the new feature will have.  OK checks the values as the store will
(required fields, codes, level against category) and then hands them to a
``submit`` callback; if that fails too (the file is locked, ...) the form
stays open with the reason, so nothing typed is lost.
"""
from __future__ import annotations

import re
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout,
                               QLabel, QLineEdit, QSpinBox, QVBoxLayout, QWidget)

from .. import schema
from ..errors import EcoinvError
from ..store import Inventory
from . import i18n

# Spin boxes show their minimum as an empty value ("not given").
YEAR_MIN, YEAR_MAX = 1900, 2100
INT_NONE = -1
REAL_NONE = -1.0

# Submit returns None when the values were stored, else the reason they were not.
Submit = Callable[[dict], "str | None"]


class FeatureForm(i18n.Retranslating, QDialog):
    def __init__(self, inv: Inventory, layer: str, geometry=None, submit: Submit | None = None,
                 values: dict | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("featureForm")
        self.inv = inv
        self.layer = layer
        self.ldef = schema.LAYERS[layer]
        self.geometry = geometry
        self.submit = submit
        self.widgets: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}
        self.result_values: dict | None = None
        lang = i18n.data_lang()
        self.setMinimumWidth(440)

        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for f in self.ldef.editable_fields:
            w = self._make_widget(f, lang)
            w.setObjectName(f"field_{f.name}")
            label = QLabel(self)
            label.setBuddy(w)
            label.setToolTip(f.name)
            self.widgets[f.name] = w
            self.labels[f.name] = label
            form.addRow(label, w)
        self.area_caption = QLabel(self)
        self.area_label = QLabel(self)
        self.area_label.setObjectName("computedArea")
        if any(f.name == "area_ha" for f in self.ldef.fields) and geometry is not None:
            form.addRow(self.area_caption, self.area_label)
        else:
            self.area_caption.hide()
            self.area_label.hide()
        layout.addLayout(form)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("formError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.hide()
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        if "category" in self.widgets:
            self.widgets["category"].currentIndexChanged.connect(self._fill_levels)
        if "asset_id" in self.widgets:
            self.widgets["asset_id"].currentIndexChanged.connect(self._fill_zones)
        self.set_values(values or {})
        self.retranslate()

    # -- widgets ---------------------------------------------------------------------------------
    def _make_widget(self, f: schema.Field, lang: str) -> QWidget:
        if f.codes:
            combo = QComboBox(self)
            self._fill_codes(combo, f, list(schema.iter_codes(f.codes)), lang)
            return combo
        if f.references == "assets":
            combo = QComboBox(self)
            combo.addItem("", None)
            for feat in sorted(self.inv.features("assets"), key=lambda x: (x.props.get("name") or "")):
                combo.addItem(f"{feat.props.get('name')} ({feat.id})", feat.id)
            return combo
        if f.type == "INTEGER":
            spin = QSpinBox(self)
            if "year" in f.name:
                spin.setRange(YEAR_MIN - 1, YEAR_MAX)
            else:
                spin.setRange(INT_NONE, 2_000_000_000)
            spin.setSpecialValueText(" ")
            spin.setValue(spin.minimum())
            return spin
        if f.type == "REAL":
            spin = QDoubleSpinBox(self)
            spin.setRange(REAL_NONE, 1e9)
            spin.setDecimals(2)
            spin.setSpecialValueText(" ")
            spin.setValue(spin.minimum())
            return spin
        return QLineEdit(self)

    def _fill_codes(self, combo: QComboBox, f: schema.Field, codes, lang: str) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem("", None)  # required fields: a choice must be made (validated on OK)
        other = "en" if lang == "zh" else "zh"
        for c in codes:
            combo.addItem(c.label(lang), c.code)
            combo.setItemData(combo.count() - 1, f"{c.label(other)} ({c.code})",
                              Qt.ItemDataRole.ToolTipRole)
        i = combo.findData(current)
        combo.setCurrentIndex(max(i, 0))
        combo.blockSignals(False)
        combo.currentIndexChanged.emit(combo.currentIndex())

    def _fill_levels(self, *_) -> None:
        level = self.widgets.get("level")
        if level is None:
            return
        cat = schema.CATEGORIES.get(self.widgets["category"].currentData())
        allowed = cat.levels if cat is not None else tuple(schema.LEVELS)
        self._fill_codes(level, self.ldef.field("level"), [schema.LEVELS[c] for c in allowed],
                         i18n.data_lang())
        level.setEnabled(bool(allowed))

    def _fill_zones(self, *_) -> None:
        zone = self.widgets.get("zone")
        if zone is None:
            return
        allowed = tuple(schema.ZONES)
        aid = self.widgets["asset_id"].currentData()
        if aid is not None:
            for feat in self.inv.features("assets", ids=[aid]):
                cat = schema.CATEGORIES.get(feat.props.get("category"))
                if cat is not None and cat.zones:
                    allowed = cat.zones
        self._fill_codes(zone, self.ldef.field("zone"), [schema.ZONES[c] for c in allowed],
                         i18n.data_lang())

    # -- values ----------------------------------------------------------------------------------
    def set_values(self, values: dict) -> None:
        # Category before level and asset before zone: they decide the choices.
        order = sorted(values, key=lambda k: k not in ("category", "asset_id"))
        for name in order:
            w, v = self.widgets.get(name), values[name]
            if w is None:
                continue
            if isinstance(w, QComboBox):
                w.setCurrentIndex(max(w.findData(v), 0))
            elif isinstance(w, (QSpinBox, QDoubleSpinBox)):
                w.setValue(w.minimum() if v is None else v)
            else:
                w.setText("" if v is None else str(v))

    def values(self) -> dict:
        out: dict = {}
        for name, w in self.widgets.items():
            if isinstance(w, QComboBox):
                v = w.currentData()
            elif isinstance(w, (QSpinBox, QDoubleSpinBox)):
                v = None if w.value() == w.minimum() else w.value()
            else:
                v = w.text().strip() or None
            if v is not None:
                out[name] = v
        return out

    def validate(self) -> tuple[str, str] | None:
        """(field, message) of the first problem, or None."""
        lang = i18n.data_lang()
        values = self.values()
        for f in self.ldef.editable_fields:
            if f.required and values.get(f.name) is None:
                return f.name, self.tr("{field} is required.").format(field=f.label(lang))
        try:
            schema.validate_row(self.layer, values)
        except schema.SchemaError as exc:
            # The store's messages start with "layer.field:"; focus that field.
            m = re.match(rf"{self.layer}\.(\w+)", str(exc))
            return (m.group(1) if m else ""), str(exc)
        return None

    def accept(self) -> None:
        problem = self.validate()
        if problem is not None:
            self.show_error(*problem)
            return
        values = self.values()
        if self.submit is not None:
            error = self.submit(values)
            if error:
                self.show_error("", error)
                return
        self.result_values = values
        super().accept()

    def show_error(self, field: str, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()
        w = self.widgets.get(field)
        if w is not None:
            w.setFocus()

    def retranslate(self) -> None:
        lang = i18n.data_lang()
        self.setWindowTitle(self.tr("New Feature — {layer}").format(layer=self.ldef.label(lang)))
        self.intro.setText(self.tr("Attributes of the new feature. Fields marked * are required."))
        for f in self.ldef.editable_fields:
            self.labels[f.name].setText(f.label(lang) + (" *" if f.required else "") + ":")
            w = self.widgets[f.name]
            if isinstance(w, QLineEdit):
                w.setPlaceholderText(self.tr("required") if f.required else "")
        self.area_caption.setText(self.tr("GIS area (geodesic):"))
        if self.geometry is not None and not self.area_label.isHidden():
            try:
                ha = self.inv.area_ha(self.geometry)
            except EcoinvError:
                ha = None
            self.area_label.setText("" if ha is None else self.tr("{ha} ha").format(ha=f"{ha:,.2f}"))
