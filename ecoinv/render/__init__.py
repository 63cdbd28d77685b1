"""Drawing the inventory with QtGui: maps, map furniture, fonts.

Everything here paints onto a QPainter (QImage, PDF page, printer) and
needs a QGuiApplication, but no widgets, so it runs in worker threads and
headless (QT_QPA_PLATFORM=offscreen).  The report's page painter lives in
report_painter.py.
"""
from __future__ import annotations

from .decorations import (draw_graticule, draw_legend, draw_north_arrow, draw_scale_bar,
                          draw_swatch, legend_items)
from .fonts import register_fonts, ui_font
from .jobs import BackgroundRenderer
from .map import MapRenderer
from .settings import LayerSettings, MapSettings, Viewport, default_layers, fit_extent

__all__ = [
    "MapRenderer", "BackgroundRenderer", "MapSettings", "LayerSettings", "Viewport", "default_layers", "fit_extent",
    "register_fonts", "ui_font",
    "draw_scale_bar", "draw_north_arrow", "draw_legend", "draw_graticule", "draw_swatch",
    "legend_items",
]
