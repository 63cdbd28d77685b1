"""Persistent user settings (QSettings): recent files, window layout, language,
report options.

Tests (and portable installs) point ``ECOINV_SETTINGS_DIR`` at a folder so
nothing touches the user's real settings.
"""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

ORGANISATION = "ecoinv"
APPLICATION = "ecoinv"
ENV_DIR = "ECOINV_SETTINGS_DIR"
MAX_RECENT = 10


def qsettings() -> QSettings:
    folder = os.environ.get(ENV_DIR)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return QSettings(str(Path(folder) / f"{APPLICATION}.ini"), QSettings.Format.IniFormat)
    return QSettings(ORGANISATION, APPLICATION)


class Settings:
    """Typed accessors over one QSettings store."""

    def __init__(self, store: QSettings | None = None):
        self.store = store or qsettings()

    # -- recent inventories ------------------------------------------------
    def recent_files(self) -> list[str]:
        value = self.store.value("recent/files", [])
        if isinstance(value, str):  # QSettings gives a bare string for one-item lists
            value = [value]
        return [str(v) for v in (value or []) if v]

    def add_recent(self, path) -> list[str]:
        path = str(Path(path).resolve())
        files = [path] + [f for f in self.recent_files() if f != path]
        files = files[:MAX_RECENT]
        self.store.setValue("recent/files", files)
        self.store.sync()
        return files

    def remove_recent(self, path) -> list[str]:
        path = str(path)
        files = [f for f in self.recent_files() if f != path]
        self.store.setValue("recent/files", files)
        self.store.sync()
        return files

    def clear_recent(self) -> None:
        self.store.setValue("recent/files", [])
        self.store.sync()

    # -- language ----------------------------------------------------------
    def language(self) -> str:
        """'' follows the system locale; otherwise 'en' or 'zh_CN'."""
        return str(self.store.value("ui/language", "") or "")

    def set_language(self, lang: str) -> None:
        self.store.setValue("ui/language", lang or "")
        self.store.sync()

    # -- window layout -----------------------------------------------------
    def window_state(self) -> tuple[QByteArray | None, QByteArray | None]:
        geom = self.store.value("window/geometry")
        state = self.store.value("window/state")
        return (geom if isinstance(geom, QByteArray) else None,
                state if isinstance(state, QByteArray) else None)

    def set_window_state(self, geometry: QByteArray, state: QByteArray) -> None:
        self.store.setValue("window/geometry", geometry)
        self.store.setValue("window/state", state)
        self.store.sync()

    # -- folders -----------------------------------------------------------
    def last_dir(self, key: str = "open") -> str:
        return str(self.store.value(f"dirs/{key}", "") or "")

    def set_last_dir(self, path, key: str = "open") -> None:
        p = Path(path)
        self.store.setValue(f"dirs/{key}", str(p if p.is_dir() else p.parent))

    # -- report ---------------------------------------------------------------
    def report_options(self) -> dict:
        """The report language ('' until one was chosen: follow the interface) and atlas."""
        lang = str(self.store.value("report/language", "") or "")
        return {"lang": lang if lang in ("zh", "en") else "",
                "atlas": self.store.value("report/atlas", False, type=bool)}

    def set_report_options(self, lang: str, atlas: bool) -> None:
        self.store.setValue("report/language", lang)
        self.store.setValue("report/atlas", bool(atlas))
        self.store.sync()

    # -- snapping ------------------------------------------------------------
    def snapping(self) -> dict:
        """Snapping options as the editing tools use them (see gui.snapping.SnapConfig)."""
        s = self.store
        layers = s.value("snapping/layers", None)
        return {
            "enabled": s.value("snapping/enabled", True, type=bool),
            # Kept as one comma-separated string: QSettings turns a one-item
            # list into a bare string and an empty one into None.
            "layers": None if layers is None else [v for v in str(layers).split(",") if v],
            "tolerance_px": s.value("snapping/tolerance_px", 0, type=int),
            "vertex": s.value("snapping/vertex", True, type=bool),
            "segment": s.value("snapping/segment", True, type=bool),
        }

    def set_snapping(self, enabled: bool, layers, tolerance_px: int, vertex: bool,
                     segment: bool) -> None:
        s = self.store
        s.setValue("snapping/enabled", bool(enabled))
        s.setValue("snapping/layers", ",".join(layers))
        s.setValue("snapping/tolerance_px", int(tolerance_px))
        s.setValue("snapping/vertex", bool(vertex))
        s.setValue("snapping/segment", bool(segment))
        s.sync()
