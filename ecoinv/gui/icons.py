"""Icons drawn for this program (resources/icons/*.svg)."""
from __future__ import annotations

from functools import lru_cache

from PySide6.QtGui import QIcon

from ..paths import resources_dir


def icon_path(name: str):
    return resources_dir() / "icons" / f"{name}.svg"


@lru_cache(maxsize=None)
def icon(name: str) -> QIcon:
    path = icon_path(name)
    return QIcon(str(path)) if path.exists() else QIcon()
