"""Keep the interpreter alive under PySide6 builds that leak references to None.

PySide6 6.12 on Python 3.11 returns None from every method that returns
void without taking a reference to it.  Before 3.12 None is an ordinary
object with a reference count (~5,000 at start), so after a few thousand
such calls (one map redraw makes tens of thousands) the interpreter aborts
with "none_dealloc: deallocating None".

``pin_none()`` probes for the leak and, only when it is there, gives None a
very large number of spare references, which is what 3.12 does for good
(immortal objects).  It is idempotent, does nothing on 3.12+ or with a
PySide6 that counts correctly, and is called when ecoinv.render is imported,
i.e. before any Qt painting.  The real fixes are a newer Python or a PySide6
without the bug; see the report of the rendering work.
"""
from __future__ import annotations

import ctypes
import sys

_SPARE = 1 << 40
_done = False


def leaks_none() -> bool:
    from PySide6.QtCore import QPointF

    p = QPointF()
    calls = 64
    before = sys.getrefcount(None)
    for _ in range(calls):
        p.setX(1.0)
    return before - sys.getrefcount(None) >= calls // 2


def pin_none() -> bool:
    """Make None effectively immortal if this PySide6 leaks it; True if it did."""
    global _done
    if _done or sys.version_info >= (3, 12):
        return False
    _done = True
    # Debug builds put other fields before ob_refcnt; never poke at those.
    if hasattr(sys, "gettotalrefcount") or not leaks_none():
        return False
    cell = ctypes.c_ssize_t.from_address(id(None))
    before = sys.getrefcount(None)
    cell.value += _SPARE
    if sys.getrefcount(None) - before != _SPARE:  # not the refcount field after all: undo
        cell.value -= _SPARE
        return False
    return True
