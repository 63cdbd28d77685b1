"""The bundled CJK font: registered once, used for map labels, legends and the UI.

Machines without a Chinese font (minimal Linux, CI, some Windows images)
would draw boxes.  resources/fonts/EcoinvSansSC-Regular.ttf (a TrueType
subset of Noto Sans CJK SC, see resources/fonts/make_subset.py) is added to
Qt's font database at start, and every font made here asks for it first
(Qt's per-script fallback API, QFontDatabase.addApplicationFallbackFontFamily,
needs QChar::Script, which PySide6 does not expose, so the application
adds the family to its own font's families instead).  Being TrueType, Qt's PDF engine embeds
it as a subset with a ToUnicode map (pdffonts lists it; pdftotext extracts
the Chinese).
"""
from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication

FAMILY = "Ecoinv Sans SC"
FONT_FILE_NAME = "EcoinvSansSC-Regular.ttf"

_lock = threading.Lock()
_family: str | None = None


def font_file() -> Path:
    """Where the bundled font is (repo checkout, installed package or frozen bundle)."""
    try:
        from ..paths import resources_dir
    except ImportError:  # pragma: no cover - paths.py is part of the package
        return Path(__file__).resolve().parents[2] / "resources" / "fonts" / FONT_FILE_NAME
    return resources_dir() / "fonts" / FONT_FILE_NAME


def register_fonts() -> str:
    """Add the bundled font to Qt's font database; returns its family name.

    Idempotent and thread-safe.  Needs a QGuiApplication (QFontDatabase
    does not work without one).
    """
    global _family
    if _family is not None:
        return _family
    with _lock:
        if _family is not None:
            return _family
        if QGuiApplication.instance() is None:
            raise RuntimeError("register_fonts() needs a QGuiApplication (or QApplication) first")
        path = font_file()
        if not path.exists():
            raise RuntimeError(f"bundled font missing: {path} (run resources/fonts/make_subset.py)")
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            raise RuntimeError(f"Qt could not load the bundled font {path}")
        families = QFontDatabase.applicationFontFamilies(font_id)
        _family = families[0] if families else FAMILY
        return _family


def font_families() -> list[str]:
    """The families to ask for, best first: the bundled font, then common CJK ones."""
    return [register_fonts(), "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei",
            "PingFang SC", "WenQuanYi Micro Hei", "sans-serif"]


def ui_font(point_size: float = 9.0, *, bold: bool = False) -> QFont:
    """A QFont in the bundled family at ``point_size`` points."""
    font = QFont()
    font.setFamilies(font_families())
    font.setPointSizeF(float(point_size))
    font.setBold(bold)
    return font


def map_font(size_units: float, device_dpi: float, *, bold: bool = False) -> QFont:
    """A font whose em is ``size_units`` in the painter's logical units.

    Qt turns point sizes into logical units through the device's dpi; map
    and report painters work in their own units, so the point size is
    worked back from the units wanted.  Hinting is off so labels scale
    smoothly and look the same on screen, in images and on paper.
    """
    font = QFont()
    font.setFamilies(font_families())
    font.setPointSizeF(max(0.5, size_units * 72.0 / max(device_dpi, 1.0)))
    font.setBold(bold)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    font.setStyleStrategy(QFont.StyleStrategy.PreferAntialias)
    # Qt's PDF engine cannot map a ligature glyph back to its letters: with
    # "fi" joined, a label "figures" is found and copied from a PDF as
    # "gures".  The bundled font has no ligatures; this covers the fallback
    # families.
    for tag in ("liga", "clig", "dlig"):
        font.setFeature(QFont.Tag(tag), 0)
    return font
