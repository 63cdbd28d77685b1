"""Finding features under the cursor or inside a rubber band.

The canvas works in the display CRS; the store indexes geometries in the
storage CRS.  A search box drawn on screen is turned into a storage-CRS
polygon (densified, so a projected rectangle stays right in lon/lat) and
the store's spatial index does the coarse cut.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import shapely
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from .. import schema
from ..crs import transformer
from ..store import DatabaseError, Feature, Inventory, InventoryLocked


@dataclass(frozen=True)
class LayerFilter:
    """A layer as the map shows it: only visible features can be found."""

    name: str
    hidden_codes: frozenset[str] = frozenset()

    def shows(self, feature: Feature) -> bool:
        field = schema.LAYERS[self.name].style_field
        if not field or not self.hidden_codes:
            return True
        return feature.props.get(field) not in self.hidden_codes


def search_area(rect: Sequence[float], display_crs, storage_crs) -> BaseGeometry:
    """A display-CRS rectangle (xmin, ymin, xmax, ymax) as a storage-CRS polygon."""
    xmin, ymin, xmax, ymax = rect
    poly = box(min(xmin, xmax), min(ymin, ymax), max(xmin, xmax), max(ymin, ymax))
    size = max(poly.bounds[2] - poly.bounds[0], poly.bounds[3] - poly.bounds[1])
    if size > 0:
        poly = shapely.segmentize(poly, size / 16.0)
    return transformer(display_crs, storage_crs)(poly)


def features_in(inv: Inventory, layer: LayerFilter, area: BaseGeometry) -> list[Feature]:
    """Features of a layer that intersect ``area`` (storage CRS), smallest first.

    Smallest first, so a click inside nested sites finds the most specific
    one first (a zone before its reserve, a park inside a larger reserve).
    """
    shapely.prepare(area)
    try:
        candidates = list(inv.features(layer.name, bbox=area.bounds))
    except DatabaseError as exc:
        # Another connection (an import) holds the write lock past the busy timeout.
        raise InventoryLocked(f"{inv.path.name}: cannot read {layer.name} now ({exc}); "
                              "try again when the import or the other program has finished") from None
    found = [f for f in candidates
             if f.geometry is not None and layer.shows(f) and area.intersects(f.geometry)]
    found.sort(key=lambda f: (f.geometry.area if f.geometry.geom_type != "Point" else 0.0, f.id))
    return found


def identify(inv: Inventory, layers: Iterable[LayerFilter], area: BaseGeometry
             ) -> list[tuple[str, list[Feature]]]:
    """Every feature under ``area`` in each of ``layers`` (top layer first)."""
    out = []
    for layer in layers:
        feats = features_in(inv, layer, area)
        if feats:
            out.append((layer.name, feats))
    return out
