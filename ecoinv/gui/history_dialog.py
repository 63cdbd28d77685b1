"""A feature's history: every recorded change, and restoring an old version.

Lists :func:`ecoinv.editing.feature_history` newest first (when, who, what
changed from what to what); Restore puts the chosen version back through
:class:`ecoinv.editing.RestoreVersion`, itself an undoable edit.
"""
from __future__ import annotations

import datetime as _dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHeaderView, QLabel, QPushButton,
                               QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from .. import schema
from ..editing import FeatureChange, RestoreVersion, feature_history
from . import i18n

HISTORY_ID_ROLE = Qt.ItemDataRole.UserRole + 1


def local_time(iso: str | None) -> str:
    """A history time (UTC, ISO 8601) as local date and time to the second."""
    if not iso:
        return ""
    try:
        t = _dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if t.tzinfo is None:
        t = t.replace(tzinfo=_dt.timezone.utc)
    return t.astimezone().strftime("%Y-%m-%d %H:%M:%S")


class FeatureHistoryDialog(i18n.Retranslating, QDialog):
    def __init__(self, editor, layer: str, fid: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("featureHistory")
        self.editor = editor
        self.layer = layer
        self.fid = int(fid)
        self.changes: list[FeatureChange] = []
        self.exists = False
        self.resize(820, 420)
        layout = QVBoxLayout(self)
        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(4)
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(True)
        self.tree.currentItemChanged.connect(self._update_buttons)
        layout.addWidget(self.tree)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.restore_button = QPushButton(self)
        self.restore_button.setObjectName("restoreButton")
        self.buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.restore_button.clicked.connect(self.restore_selected)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.retranslate()

    # -- content ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        inv = self.editor.inv
        if inv is None:
            self.reject()
            return
        keep = self.selected_history_id()
        self.changes = list(reversed(feature_history(inv, self.layer, self.fid)))
        self.exists = any(True for _ in inv.features(self.layer, ids=[self.fid]))
        self.tree.clear()
        for ch in self.changes:
            item = QTreeWidgetItem([local_time(ch.time), ch.user, self._what(ch), self._details(ch)])
            item.setData(0, HISTORY_ID_ROLE, ch.history_id)
            item.setToolTip(3, self._details(ch))
            self.tree.addTopLevelItem(item)
            if ch.history_id == keep:
                self.tree.setCurrentItem(item)
        self.heading.setText(self.tr("{feature}: {n} recorded changes, newest first.").format(
            feature=self.editor.feature_label(self.layer, self.fid),
            n=len(self.changes)))
        self._update_buttons()

    def _what(self, ch: FeatureChange) -> str:
        kind = {"created": self.tr("created"), "changed": self.tr("changed"),
                "deleted": self.tr("deleted")}[ch.kind]
        how = ch.action.split("-")[0]
        if how == "undo":
            return self.tr("{kind} (undo)").format(kind=kind)
        if how == "redo":
            return self.tr("{kind} (redo)").format(kind=kind)
        if how == "restore":
            return self.tr("{kind} (restored)").format(kind=kind)
        return kind

    def _details(self, ch: FeatureChange) -> str:
        lang = i18n.data_lang()
        parts = [a.text(self.layer, lang) for a in ch.attributes]
        if ch.kind == "changed" and ch.geometry_changed:
            if ch.area_before_ha is not None and ch.area_after_ha is not None:
                parts.append(self.tr("geometry: {before} ha → {after} ha").format(
                    before=f"{ch.area_before_ha:,.4f}", after=f"{ch.area_after_ha:,.4f}"))
            else:
                parts.append(self.tr("geometry moved"))
        elif ch.kind == "created" and ch.area_after_ha is not None:
            parts.append(self.tr("area {ha} ha").format(ha=f"{ch.area_after_ha:,.4f}"))
        elif ch.kind == "deleted" and ch.area_before_ha is not None:
            parts.append(self.tr("area was {ha} ha").format(ha=f"{ch.area_before_ha:,.4f}"))
        return "; ".join(parts)

    def selected_history_id(self) -> int | None:
        item = self.tree.currentItem()
        return None if item is None else int(item.data(0, HISTORY_ID_ROLE))

    def select_history_id(self, history_id: int) -> None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if int(item.data(0, HISTORY_ID_ROLE)) == history_id:
                self.tree.setCurrentItem(item)
                return

    def _update_buttons(self, *_) -> None:
        hid = self.selected_history_id()
        # The newest entry of an existing feature is what it is now.
        current = bool(self.changes) and self.exists and hid == self.changes[0].history_id
        self.restore_button.setEnabled(hid is not None and not current)

    # -- restore ---------------------------------------------------------------------------------
    def restore_selected(self) -> bool:
        hid = self.selected_history_id()
        if hid is None:
            return False
        ch = next(c for c in self.changes if c.history_id == hid)
        text = self.tr("Restore {feature} to the version of {time}").format(
            feature=self.editor.feature_label(self.layer, self.fid),
            time=local_time(ch.time))
        ok = self.editor.push(RestoreVersion(self.layer, self.fid, hid, text=text),
                              self.tr("The version was not restored"))
        self.refresh()
        return ok

    def retranslate(self) -> None:
        ldef = schema.LAYERS[self.layer]
        self.setWindowTitle(self.tr("Feature History — {layer} {fid}").format(
            layer=ldef.label(i18n.data_lang()), fid=self.fid))
        self.tree.setHeaderLabels([self.tr("Time"), self.tr("User"), self.tr("Change"),
                                   self.tr("From → to")])
        self.restore_button.setText(self.tr("&Restore This Version"))
        self.restore_button.setToolTip(self.tr("Put the feature back as it was after the chosen "
                                               "change (can be undone)"))
        self.refresh()
