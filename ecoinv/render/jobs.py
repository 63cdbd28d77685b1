"""Map rendering off the GUI thread: the newest request wins.

The canvas asks for a map whenever the view changes (each pan step, each
wheel notch).  ``BackgroundRenderer.request(settings)`` starts a render in
Qt's thread pool and cancels the one still running, so a burst of requests
costs one finished render, and the GUI thread only ever receives finished
images (``rendered(image, settings, serial)``) to show.  While it waits,
the canvas keeps showing (and shifting/scaling) the previous image, so
panning never blocks on drawing.
"""
from __future__ import annotations

import threading
import traceback

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QImage

from .map import MapRenderer
from .settings import MapSettings


class _Job(QRunnable):
    def __init__(self, owner: "BackgroundRenderer", settings: MapSettings, serial: int,
                 cancel: threading.Event):
        super().__init__()
        self.setAutoDelete(True)
        self._owner = owner
        self._settings = settings
        self._serial = serial
        self._cancel = cancel

    def run(self) -> None:
        owner = self._owner
        try:
            image = owner.renderer.render_image(self._settings, cancel=self._cancel.is_set)
        except Exception as exc:  # noqa: BLE001 - reported to the GUI thread, never lost
            owner._finished_job(self._serial)
            owner.failed.emit(f"{exc}\n{traceback.format_exc()}", self._serial)
            return
        owner._finished_job(self._serial)
        if not self._cancel.is_set():
            owner.rendered.emit(image, self._settings, self._serial)


class BackgroundRenderer(QObject):
    """Renders MapSettings to QImages in a worker thread, newest request first.

    Signals are delivered in the thread that owns this object (the GUI
    thread), queued.
    """

    rendered = Signal(QImage, object, int)   # image, the settings it shows, serial
    failed = Signal(str, int)                # message with traceback, serial

    def __init__(self, renderer: MapRenderer, pool: QThreadPool | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.renderer = renderer
        self._pool = pool or QThreadPool.globalInstance()
        self._serial = 0
        self._cancel: threading.Event | None = None
        self._running: set[int] = set()
        self._lock = threading.Lock()

    def request(self, settings: MapSettings) -> int:
        """Start rendering ``settings``; any render still running is cancelled."""
        with self._lock:
            if self._cancel is not None:
                self._cancel.set()
            self._serial += 1
            serial = self._serial
            cancel = threading.Event()
            self._cancel = cancel
            self._running.add(serial)
        self._pool.start(_Job(self, settings, serial, cancel))
        return serial

    def cancel(self) -> None:
        with self._lock:
            if self._cancel is not None:
                self._cancel.set()

    def _finished_job(self, serial: int) -> None:
        with self._lock:
            self._running.discard(serial)

    @property
    def busy(self) -> bool:
        with self._lock:
            return bool(self._running)

    @property
    def latest(self) -> int:
        return self._serial

    def wait(self, msecs: int = 30000) -> bool:
        """Block until the pool is idle (shutdown and tests only)."""
        return self._pool.waitForDone(msecs)
