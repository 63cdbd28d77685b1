"""Plain map settings (what to draw, where, how big) and the viewport maths.

``MapSettings`` is a value: the canvas, the image export and the report's
map frames each build one and hand it to the same renderer.  Coordinates of
``extent`` are in ``display_crs`` (a conformal Gauss-Kruger plane, metres);
``width``/``height`` are pixels at ``dpi``.  The map is never stretched: the
extent is widened in one direction to the output's aspect ratio so a map
unit covers the same number of pixels in x and y.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QTransform

from .. import styles
from ..styles import Style
from . import _proj

Extent = tuple[float, float, float, float]  # xmin, ymin, xmax, ymax

DEFAULT_DISPLAY_CRS = "EPSG:4551"  # CGCS2000 / 3-degree Gauss-Kruger CM 126E
MM_PER_INCH = 25.4


@dataclass
class LayerSettings:
    name: str
    visible: bool = True
    opacity: float = 1.0
    hidden_codes: frozenset[str] = frozenset()
    style_overrides: dict[str, Style] = field(default_factory=dict)
    labels: bool = True

    def style(self, code: str | None) -> Style:
        """The style for ``code`` with overrides applied (key None: the layer default)."""
        if code in self.style_overrides:
            return self.style_overrides[code]
        return styles.style_for(self.name, code)


def default_layers() -> list[LayerSettings]:
    return [LayerSettings(name) for name in styles.LAYER_ORDER]


@dataclass
class MapSettings:
    extent: Extent
    width: int
    height: int
    dpi: float = 96.0
    display_crs: str = DEFAULT_DISPLAY_CRS
    layers: list[LayerSettings] = field(default_factory=default_layers)
    labels: bool = True
    lang: str = "zh"
    background: str = "#ffffff"
    selection: dict[str, set[int]] = field(default_factory=dict)
    highlight: dict[str, set[int]] = field(default_factory=dict)

    # -- geometry of the view ---------------------------------------------------
    def fitted(self) -> Extent:
        """The extent widened to the output's aspect ratio (never stretched)."""
        return fit_extent(self.extent, self.width, self.height)

    def fit_extent(self) -> "MapSettings":
        """A copy whose extent has the output's aspect ratio (same centre)."""
        return replace(self, extent=self.fitted())

    def units_per_pixel(self) -> float:
        xmin, ymin, xmax, ymax = self.fitted()
        return (xmax - xmin) / max(self.width, 1)

    def scale_denominator(self) -> float:
        """N of the map scale 1:N on an output printed at ``dpi``."""
        metres_per_px = self.units_per_pixel() * _metres_per_unit(self.display_crs, self.fitted())
        return metres_per_px / (MM_PER_INCH / 1000.0 / self.dpi)

    def with_extent(self, extent: Extent) -> "MapSettings":
        return replace(self, extent=tuple(float(v) for v in extent))

    def with_size(self, width: int, height: int, dpi: float | None = None) -> "MapSettings":
        return replace(self, width=int(width), height=int(height),
                       dpi=self.dpi if dpi is None else float(dpi))

    def zoomed(self, factor: float, center: tuple[float, float] | None = None) -> "MapSettings":
        """Zoom in by ``factor`` (> 1 in, < 1 out).

        With ``center`` (display CRS) that point stays where it is on the
        output, as when zooming with the mouse wheel; without it the view's
        centre stays put.
        """
        xmin, ymin, xmax, ymax = self.fitted()
        if center is None:
            center = ((xmin + xmax) / 2, (ymin + ymax) / 2)
        cx, cy = center
        f = float(factor)
        return self.with_extent((cx - (cx - xmin) / f, cy - (cy - ymin) / f,
                                 cx + (xmax - cx) / f, cy + (ymax - cy) / f))

    def panned(self, dx_px: float, dy_px: float) -> "MapSettings":
        """Move the map content by (dx, dy) pixels (right, down), as a drag does."""
        xmin, ymin, xmax, ymax = self.fitted()
        u = self.units_per_pixel()
        return self.with_extent((xmin - dx_px * u, ymin + dy_px * u, xmax - dx_px * u, ymax + dy_px * u))

    def centered_on(self, x: float, y: float) -> "MapSettings":
        xmin, ymin, xmax, ymax = self.fitted()
        hw, hh = (xmax - xmin) / 2, (ymax - ymin) / 2
        return self.with_extent((x - hw, y - hh, x + hw, y + hh))

    def map_to_pixel(self, x, y):
        """Display-CRS coordinates → pixel coordinates of a width × height output."""
        xmin, ymin, xmax, ymax = self.fitted()
        u = (xmax - xmin) / max(self.width, 1)
        return (np.asarray(x) - xmin) / u, (ymax - np.asarray(y)) / u

    def pixel_to_map(self, px, py):
        xmin, ymin, xmax, ymax = self.fitted()
        u = (xmax - xmin) / max(self.width, 1)
        return xmin + np.asarray(px) * u, ymax - np.asarray(py) * u

    # -- layers ----------------------------------------------------------------------
    def layer(self, name: str) -> LayerSettings | None:
        for ls in self.layers:
            if ls.name == name:
                return ls
        return None

    def with_layer(self, name: str, **changes) -> "MapSettings":
        """A copy with one layer's settings changed (added on top if absent)."""
        layers = []
        found = False
        for ls in self.layers:
            if ls.name == name:
                layers.append(replace(ls, **changes))
                found = True
            else:
                layers.append(ls)
        if not found:
            layers.append(LayerSettings(name, **changes))
        return replace(self, layers=layers)

    def visible_layers(self) -> list[LayerSettings]:
        return [ls for ls in self.layers if ls.visible and ls.opacity > 0]


def fit_extent(extent: Extent, width: float, height: float) -> Extent:
    xmin, ymin, xmax, ymax = (float(v) for v in extent)
    w, h = xmax - xmin, ymax - ymin
    if w <= 0 and h <= 0:
        w = h = 1.0
    width, height = max(float(width), 1.0), max(float(height), 1.0)
    upp = max(w / width, h / height)
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    hw, hh = upp * width / 2, upp * height / 2
    return (cx - hw, cy - hh, cx + hw, cy + hh)


def _metres_per_unit(display_crs: str, extent: Extent) -> float:
    crs = _proj.crs(display_crs)
    if crs.is_geographic:
        lat = (extent[1] + extent[3]) / 2
        return 111_320.0 * math.cos(math.radians(lat))
    units = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    return float(units or 1.0)


@dataclass(frozen=True)
class Viewport:
    """Where a MapSettings lands on a painter: extent ↔ target rectangle.

    ``scale`` is target units per map unit; ``px_per_mm`` target units per
    millimetre of output; ``device_scale`` device pixels per target unit
    (the painter's own transform, e.g. a report laid out in 1/1200 inch).
    """

    extent: Extent
    target: QRectF
    scale: float
    px_per_mm: float
    device_scale: float
    device_dpi: float

    @classmethod
    def make(cls, settings: MapSettings, target: QRectF | None = None,
             base: QTransform | None = None, device_dpi: float | None = None) -> "Viewport":
        if target is None:
            target = QRectF(0, 0, settings.width, settings.height)
        extent = fit_extent(settings.extent, target.width(), target.height())
        scale = target.width() / (extent[2] - extent[0])
        ratio = target.width() / max(settings.width, 1)
        px_per_mm = ratio * settings.dpi / MM_PER_INCH
        device_scale = 1.0
        if base is not None:
            device_scale = math.sqrt(abs(base.determinant())) or 1.0
        return cls(extent, QRectF(target), scale, px_per_mm, device_scale,
                   float(device_dpi or settings.dpi))

    @property
    def device_units_per_pixel(self) -> float:
        """Map units per device pixel: what level of detail is worth drawing."""
        return 1.0 / (self.scale * self.device_scale)

    def transform(self) -> QTransform:
        """Map coordinates → target coordinates (y flipped: north up)."""
        xmin, ymin, xmax, ymax = self.extent
        s = self.scale
        return QTransform(s, 0.0, 0.0, -s, self.target.left() - xmin * s, self.target.top() + ymax * s)

    def to_target(self, x, y):
        xmin, _, _, ymax = self.extent
        s = self.scale
        return (self.target.left() + (np.asarray(x) - xmin) * s,
                self.target.top() + (ymax - np.asarray(y)) * s)

    def to_map(self, tx, ty):
        xmin, _, _, ymax = self.extent
        s = self.scale
        return (xmin + (np.asarray(tx) - self.target.left()) / s,
                ymax - (np.asarray(ty) - self.target.top()) / s)

    def point(self, x: float, y: float) -> QPointF:
        tx, ty = self.to_target(x, y)
        return QPointF(float(tx), float(ty))

    def mm(self, value_mm: float) -> float:
        """Millimetres on the output → target units."""
        return value_mm * self.px_per_mm

    def pt(self, value_pt: float) -> float:
        return value_pt * self.px_per_mm * MM_PER_INCH / 72.0
