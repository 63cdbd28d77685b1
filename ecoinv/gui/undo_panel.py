"""The undo history panel: QUndoView over the core's UndoStack.

Row 0 is the state before the first step, row i the state after step i;
the current row is the stack's index and choosing another row undoes or
redoes up to it.  The clean state (the file as it was opened) is marked.
"""
from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QDockWidget, QListView, QWidget

from . import i18n
from .edit_icons import edit_icon


class UndoStackModel(QAbstractListModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.stack = None

    def set_stack(self, stack) -> None:
        if self.stack is not None:
            self.stack.changed.disconnect(self.reset)
        self.stack = stack
        if stack is not None:
            stack.changed.connect(self.reset)
        self.reset()

    def reset(self) -> None:
        self.beginResetModel()
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        if parent.isValid() or self.stack is None:
            return 0
        return self.stack.count + 1

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self.stack is None:
            return None
        row = index.row()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.tr("<as opened>") if row == 0 else self.stack.text(row - 1)
        if role == Qt.ItemDataRole.DecorationRole and row == self.stack.clean_index:
            return edit_icon("clean")
        if role == Qt.ItemDataRole.FontRole and row == self.stack.index:
            font = QFont()
            font.setBold(True)
            return font
        return None


class UndoHistoryDock(i18n.Retranslating, QDockWidget):
    """Shows the steps; ``indexRequested(i)`` when the user picks the state after step i."""

    indexRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("undoHistoryPanel")
        self.model = UndoStackModel(self)
        self.view = QListView(self)
        self.view.setObjectName("undoHistoryView")
        self.view.setModel(self.model)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setUniformItemSizes(True)
        self.setWidget(self.view)
        self._syncing = False
        self.model.modelReset.connect(self._show_index)
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        self.retranslate()

    def set_stack(self, stack) -> None:
        self.model.set_stack(stack)

    def _show_index(self) -> None:
        stack = self.model.stack
        if stack is None:
            return
        self._syncing = True
        try:
            idx = self.model.index(stack.index, 0)
            self.view.setCurrentIndex(idx)
            self.view.scrollTo(idx)
        finally:
            self._syncing = False

    def _current_changed(self, current, _previous) -> None:
        if self._syncing or not current.isValid() or self.model.stack is None:
            return
        if current.row() != self.model.stack.index:
            self.indexRequested.emit(current.row())
        # A refused undo leaves the stack where it was: show where that is.
        self._show_index()


    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Undo History"))
        self.view.setToolTip(self.tr("Every edit, oldest first; click a step to go back or forward "
                                     "to it"))
        self.model.reset()
