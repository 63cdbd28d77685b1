"""A small signal for core models, so Qt widgets can listen without the core importing Qt.

Like napari's model events: a model owns ``Signal`` attributes, a widget
calls ``model.changed.connect(self.refresh)``, the model calls
``self.changed.emit(...)``.  A GUI may forward an emit to a Qt signal to get
queued delivery; the core does not care.
"""
from __future__ import annotations

import weakref
from typing import Any, Callable


class Signal:
    """Callbacks called in connection order with the arguments given to ``emit``."""

    def __init__(self, name: str = "") -> None:
        self.name = name
        self._slots: list[Callable[[], Callable | None]] = []

    def connect(self, callback: Callable) -> Callable:
        """Add ``callback`` (once); returns it, so this works as a decorator."""
        if not callable(callback):
            raise TypeError(f"{callback!r} is not callable")
        if callback not in self.slots():
            # A bound method is held weakly: connecting a widget's method must
            # not keep a closed widget (and its C++ half) alive for ever.
            if hasattr(callback, "__self__") and hasattr(callback, "__func__"):
                self._slots.append(weakref.WeakMethod(callback))
            else:
                self._slots.append(lambda cb=callback: cb)
        return callback

    def disconnect(self, callback: Callable | None = None) -> None:
        """Remove ``callback`` (every callback when None); unknown ones are ignored."""
        if callback is None:
            self._slots.clear()
            return
        self._slots = [ref for ref in self._slots if ref() not in (None, callback)]

    def slots(self) -> list[Callable]:
        live = [ref() for ref in self._slots]
        return [cb for cb in live if cb is not None]

    def emit(self, *args: Any) -> None:
        """Call every callback; one that raises does not stop the others.

        The first error is raised again once all have run, so a broken
        listener is noticed but cannot leave the other listeners stale.
        """
        self._slots = [ref for ref in self._slots if ref() is not None]
        error: BaseException | None = None
        for cb in self.slots():  # a copy: callbacks may connect or disconnect
            try:
                cb(*args)
            except Exception as exc:  # noqa: BLE001 - re-raised below
                error = error or exc
        if error is not None:
            raise error

    def __len__(self) -> int:
        return len(self.slots())

    def __repr__(self) -> str:
        return f"<Signal {self.name or hex(id(self))} with {len(self)} slot(s)>"
