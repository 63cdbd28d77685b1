"""The feature selection shared by the map, the attribute tables and the
identify results: one set of feature ids per layer."""
from __future__ import annotations

from enum import Enum
from typing import Iterable

from PySide6.QtCore import QObject, Signal


class SelectMode(Enum):
    REPLACE = "replace"
    ADD = "add"        # Shift on the map, as in QGIS
    REMOVE = "remove"  # Ctrl on the map
    TOGGLE = "toggle"


class FeatureSelection(QObject):
    """Selected feature ids per layer; ``changed(layer)`` after each change."""

    changed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._ids: dict[str, set[int]] = {}

    def ids(self, layer: str) -> set[int]:
        return set(self._ids.get(layer, ()))

    def layers(self) -> list[str]:
        return [k for k, v in self._ids.items() if v]

    def as_dict(self) -> dict[str, set[int]]:
        return {k: set(v) for k, v in self._ids.items() if v}

    def count(self, layer: str | None = None) -> int:
        if layer is not None:
            return len(self._ids.get(layer, ()))
        return sum(len(v) for v in self._ids.values())

    def select(self, layer: str, ids: Iterable[int], mode: SelectMode = SelectMode.REPLACE) -> None:
        ids = {int(i) for i in ids}
        old = self._ids.get(layer, set())
        if mode is SelectMode.REPLACE:
            new = ids
        elif mode is SelectMode.ADD:
            new = old | ids
        elif mode is SelectMode.REMOVE:
            new = old - ids
        else:
            new = old ^ ids
        if new != old:
            self._ids[layer] = new
            self.changed.emit(layer)

    def clear(self, layer: str | None = None) -> None:
        layers = [layer] if layer else list(self._ids)
        for name in layers:
            if self._ids.get(name):
                self._ids[name] = set()
                self.changed.emit(name)

    def discard_missing(self, layer: str, existing: Iterable[int]) -> None:
        """Drop ids that no longer exist (after a delete, undo or reload)."""
        keep = self._ids.get(layer, set()) & {int(i) for i in existing}
        if keep != self._ids.get(layer, set()):
            self._ids[layer] = keep
            self.changed.emit(layer)
