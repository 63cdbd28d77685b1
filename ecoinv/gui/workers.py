"""Running long work off the UI thread.

:class:`Task` runs one function in a worker thread and reports back with
signals, delivered in the UI thread: ``progress(done, total)``,
``finished(result)``, ``failed(exception)``, then ``done()`` in every case.
``cancel()`` asks the function to stop through the ``cancel`` predicate it
receives.

The workers are Python threads, not QThreadPool threads: pyproj 3.7 keeps
one PROJ context per thread in a ``threading.local`` but also caches its
pointer per OS thread, and a Qt-made thread gets a new Python thread state
for every call into Python, so the context is freed after the first task
and the next one on that thread crashes in ``proj_create`` (pyproj issues
1509 and 1622).  A Python thread keeps its thread state for its whole
life; the pool's threads are kept until the program exits, so PROJ objects
made in them stay valid.

SQLite connections must not be shared between threads, so functions that
read or write the inventory open their own (``Inventory.open(path)``) and
close it when done.
"""
from __future__ import annotations

import concurrent.futures
import threading
import time
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal, Slot

# Two cores is the usual desktop share for background work here: an import
# and a statistics run can go on together without starving the UI.
MAX_WORKERS = 2
_executor: concurrent.futures.ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def executor() -> concurrent.futures.ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = concurrent.futures.ThreadPoolExecutor(
                max_workers=MAX_WORKERS, thread_name_prefix="ecoinv-worker")
        return _executor


class Task(QObject):
    """One function run in the thread pool.

    With ``with_progress`` (the default) the function is called as
    ``fn(*args, progress=callback(done, total), cancel=predicate, **kwargs)``.
    The Task object lives in the thread that made it, so the signals reach
    their receivers there (queued), never in the worker thread.
    """

    progress = Signal(int, int)
    finished = Signal(object)
    failed = Signal(object)
    done = Signal()

    # Progress callbacks can come once per feature: pass on only changes of
    # at least this share of the total (by count, not by time, so what a
    # listener sees does not depend on the machine's speed).
    PROGRESS_STEPS = 200

    def __init__(self, fn: Callable, *args, with_progress: bool = True, name: str = "",
                 **kwargs):
        super().__init__()
        self.name = name or getattr(fn, "__name__", "task")
        self._fn, self._args, self._kwargs = fn, args, kwargs
        self._with_progress = with_progress
        self._cancel = threading.Event()
        self._finished = threading.Event()
        self._last_step = -1
        self._future = None
        self.result: Any = None
        self.error: BaseException | None = None
        self.error_details = ""
        self._reported = False
        self.done.connect(self._release)

    # -- control (UI thread) ------------------------------------------------------
    def start(self) -> "Task":
        _live.add(self)
        self._future = executor().submit(self._run)
        return self

    def cancel(self) -> None:
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def is_finished(self) -> bool:
        return self._finished.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the function has returned (shutdown only, never in the UI)."""
        return self._finished.wait(timeout)

    @property
    def reported(self) -> bool:
        """Whether ``done`` has reached the UI thread (so have ``finished`` or
        ``failed`` before it): what a caller that did not listen from the
        start can poll."""
        return self._reported

    @Slot()
    def _release(self) -> None:
        self._reported = True
        _live.discard(self)

    # -- worker thread -------------------------------------------------------------
    def _report(self, done: int, total: int) -> None:
        step = int(done * self.PROGRESS_STEPS / total) if total > 0 else 0
        if 0 < done < total and step == self._last_step:
            return
        self._last_step = step
        self.progress.emit(int(done), int(total))

    def _run(self) -> None:
        kwargs = dict(self._kwargs)
        if self._with_progress:
            kwargs["progress"] = self._report
            kwargs["cancel"] = self._cancel.is_set
        try:
            self.result = self._fn(*self._args, **kwargs)
        except BaseException as exc:  # reported to the UI, never lost in a thread
            self.error = exc
            self.error_details = traceback.format_exc()
            self._finished.set()
            self.failed.emit(exc)
        else:
            self._finished.set()
            self.finished.emit(self.result)
        self.done.emit()


# A started task stays referenced until it has reported, whoever started it.
_live: set[Task] = set()


def running_tasks() -> list[Task]:
    return [t for t in _live if not t.is_finished]


def cancel_all_and_wait(timeout_ms: int = 60000) -> bool:
    """Cancel every task and wait until none is running (window close, app exit)."""
    tasks = list(_live)
    for t in tasks:
        t.cancel()
    deadline = time.monotonic() + timeout_ms / 1000.0
    for t in tasks:
        if not t.wait(max(0.0, deadline - time.monotonic())):
            return False
    return True
