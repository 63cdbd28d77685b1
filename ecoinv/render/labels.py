"""Greedy label placement: first come, first served, nothing overlaps.

Labels are offered in priority order (bigger sites first).  Each offers a
few candidate boxes (centred on its feature, then shifted; for points: the
usual right / left / above / below / diagonal positions); the first box
that is inside the map and meets no placed label or symbol wins, and a
label that fits nowhere is dropped.  Placed boxes are kept in a uniform
grid so a check looks at a few neighbours instead of every label.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF


@dataclass
class PlacedLabel:
    text: str
    rect: QRectF          # the box the label occupies (halo included)
    baseline: QPointF     # where drawText starts
    layer: str
    fid: int


class LabelPlacer:
    def __init__(self, bounds: QRectF, cell: float = 64.0):
        self.bounds = QRectF(bounds)
        self.cell = max(cell, 1.0)
        self._grid: dict[tuple[int, int], list[QRectF]] = defaultdict(list)
        self.placed: list[PlacedLabel] = []

    def _cells(self, r: QRectF):
        c = self.cell
        for gx in range(math.floor(r.left() / c), math.floor(r.right() / c) + 1):
            for gy in range(math.floor(r.top() / c), math.floor(r.bottom() / c) + 1):
                yield gx, gy

    def is_free(self, r: QRectF) -> bool:
        if not self.bounds.contains(r):
            return False
        for key in self._cells(r):
            for other in self._grid.get(key, ()):
                if other.intersects(r):
                    return False
        return True

    def occupy(self, r: QRectF) -> None:
        r = QRectF(r)
        for key in self._cells(r):
            self._grid[key].append(r)

    def place(self, text: str, layer: str, fid: int, candidates: list[tuple[QRectF, QPointF]]
              ) -> PlacedLabel | None:
        for rect, baseline in candidates:
            if self.is_free(rect):
                self.occupy(rect)
                label = PlacedLabel(text, rect, baseline, layer, fid)
                self.placed.append(label)
                return label
        return None


def area_candidates(anchor: QPointF, width: float, ascent: float, descent: float, pad: float
                    ) -> list[tuple[QRectF, QPointF]]:
    """Boxes for a polygon's label: centred on the anchor, then nudged."""
    h = ascent + descent
    out = []
    for dx, dy in ((0.0, 0.0), (0.0, -0.8), (0.0, 0.8), (-0.35, 0.0), (0.35, 0.0),
                   (0.0, -1.6), (0.0, 1.6)):
        cx = anchor.x() + dx * width
        cy = anchor.y() + dy * h
        left, top = cx - width / 2, cy - h / 2
        rect = QRectF(left - pad, top - pad, width + 2 * pad, h + 2 * pad)
        out.append((rect, QPointF(left, top + ascent)))
    return out


def point_candidates(anchor: QPointF, radius: float, width: float, ascent: float, descent: float,
                     pad: float) -> list[tuple[QRectF, QPointF]]:
    """Boxes around a point symbol of ``radius``: right, left, above, below, diagonals."""
    h = ascent + descent
    gap = radius + pad
    x, y = anchor.x(), anchor.y()
    spots = (
        (x + gap, y - h / 2),                 # right
        (x - gap - width, y - h / 2),         # left
        (x - width / 2, y - gap - h),         # above
        (x - width / 2, y + gap),             # below
        (x + gap * 0.8, y - gap * 0.8 - h),   # upper right
        (x + gap * 0.8, y + gap * 0.8),       # lower right
        (x - gap * 0.8 - width, y - gap * 0.8 - h),
        (x - gap * 0.8 - width, y + gap * 0.8),
    )
    return [(QRectF(left - pad, top - pad, width + 2 * pad, h + 2 * pad), QPointF(left, top + ascent))
            for left, top in spots]
