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


def _cache() -> dict:
    cache = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = {}
    return cache


def crs(code) -> pyproj.CRS:
    key = ("crs", code)
    cache = _cache()
    obj = cache.get(key)
    if obj is None:
        obj = cache[key] = pyproj.CRS.from_user_input(code)
    return obj


def transformer(src, dst) -> pyproj.Transformer:
    """Transformer from ``src`` to ``dst``, x = easting/longitude whatever the axis order."""
    key = ("tr", src, dst)
    cache = _cache()
    obj = cache.get(key)
    if obj is None:
        obj = cache[key] = pyproj.Transformer.from_crs(crs(src), crs(dst), always_xy=True)
    return obj


def to_geodetic(code) -> pyproj.Transformer:
    """Display CRS → lon/lat on its own datum."""
    key = ("geo", code)
    cache = _cache()
    obj = cache.get(key)
    if obj is None:
        c = crs(code)
        obj = cache[key] = pyproj.Transformer.from_crs(c, c.geodetic_crs, always_xy=True)
    return obj


def from_geodetic(code) -> pyproj.Transformer:
    key = ("ungeo", code)
    cache = _cache()
    obj = cache.get(key)
    if obj is None:
        c = crs(code)
        obj = cache[key] = pyproj.Transformer.from_crs(c.geodetic_crs, c, always_xy=True)
    return obj


def same(a, b) -> bool:
    if a == b:
        return True
    key = ("same", a, b)
    cache = _cache()
    obj = cache.get(key)
    if obj is None:
        try:
            obj = crs(a).equals(crs(b), ignore_axis_order=True)
        except pyproj.exceptions.CRSError:
            obj = False
        cache[key] = obj
    return obj
