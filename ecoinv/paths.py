"""Where the program's own files are: the repo checkout, an installed
package or a frozen desktop bundle (PyInstaller puts them under sys._MEIPASS)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _root() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle)
    return _PACKAGE_DIR.parent


def data_dir() -> Path:
    """The demo sources (data/); ECOINV_DATA overrides."""
    return Path(os.environ.get("ECOINV_DATA") or _root() / "data")


def resources_dir() -> Path:
    """Fonts, translations, icons (resources/); ECOINV_RESOURCES overrides."""
    return Path(os.environ.get("ECOINV_RESOURCES") or _root() / "resources")
