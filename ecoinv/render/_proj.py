"""pyproj objects cached per thread.

PROJ objects belong to the PROJ context of the thread that made them; the
renderer runs in worker threads that may end while the objects they made
would live on in a module-wide cache.  Each thread therefore keeps its own
cache (a CRS or Transformer costs ~1 ms to make, once per thread).
"""
from __future__ import annotations

import threading

import pyproj

_local = threading.local()


def _memo(key: tuple, make):
    """This thread's cached object for ``key``, made by ``make()`` the first time."""
    cache = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = {}
    try:
        return cache[key]
    except KeyError:
        obj = cache[key] = make()
        return obj


def crs(code) -> pyproj.CRS:
    return _memo(("crs", code), lambda: pyproj.CRS.from_user_input(code))


def transformer(src, dst) -> pyproj.Transformer:
    """Transformer from ``src`` to ``dst``, x = easting/longitude whatever the axis order."""
    return _memo(("tr", src, dst),
                 lambda: pyproj.Transformer.from_crs(crs(src), crs(dst), always_xy=True))


def to_geodetic(code) -> pyproj.Transformer:
    """Display CRS → lon/lat on its own datum."""
    c = crs(code)
    return _memo(("geo", code),
                 lambda: pyproj.Transformer.from_crs(c, c.geodetic_crs, always_xy=True))


def from_geodetic(code) -> pyproj.Transformer:
    c = crs(code)
    return _memo(("ungeo", code),
                 lambda: pyproj.Transformer.from_crs(c.geodetic_crs, c, always_xy=True))


def same(a, b) -> bool:
    if a == b:
        return True

    def compare() -> bool:
        try:
            return crs(a).equals(crs(b), ignore_axis_order=True)
        except pyproj.exceptions.CRSError:
            return False

    return _memo(("same", a, b), compare)
