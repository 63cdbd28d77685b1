"""Metrics: geodesic areas and coverage of the inventory against the city boundary.

Core only (no Qt).  :func:`compute_stats` returns the statistics as plain
data; :mod:`ecoinv.metrics.areas` holds the measuring, dissolving and
clipping steps they are made from.
"""
from __future__ import annotations

from .areas import Pieces, areas_in, clip, dissolve, measure_m2
from .compute import (DISTRICT_VALUE_COLUMNS, EPSILON_M2, GAP_CODE, OVERLAP_CODE, SECTIONS,
                      StatsCancelled, StatsError, compute_stats)

__all__ = [
    "SECTIONS", "compute_stats", "StatsError", "StatsCancelled", "EPSILON_M2", "GAP_CODE",
    "OVERLAP_CODE", "DISTRICT_VALUE_COLUMNS", "Pieces", "areas_in", "clip", "dissolve",
    "measure_m2",
]
