"""Build the bundled demo inventory (Harbin) from data/ through the real import path.

data/demo.json lists the source files in import order with the importer's
own keyword arguments, so the demo exercises exactly what users run: GBK
shapefiles with and without .cpg, Gauss-Kruger files, a GeoPackage, GeoJSON.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .errors import EcoinvError
from .paths import data_dir
from .store import Inventory

MANIFEST = "demo.json"
# Option names the manifest may use: exactly the importer's keyword arguments.
IMPORT_OPTIONS = {"source_layer", "crs", "encoding", "mapping", "defaults", "key", "on_unknown"}


class DemoError(EcoinvError):
    pass


@dataclass
class DemoStep:
    file: str
    layer: str
    report: object  # importer.ImportReport


@dataclass
class DemoResult:
    path: Path
    name: str
    steps: list[DemoStep] = field(default_factory=list)


def load_manifest(data: Path | None = None) -> dict:
    data = Path(data) if data else data_dir()
    manifest = data / MANIFEST
    if not manifest.exists():
        raise DemoError(f"{manifest}: demo manifest not found (is data/ complete?)")
    spec = json.loads(manifest.read_text(encoding="utf-8"))
    for i, entry in enumerate(spec.get("imports", [])):
        unknown = set(entry.get("options", {})) - IMPORT_OPTIONS
        if unknown:
            raise DemoError(f"{manifest}: imports[{i}] has unknown options {sorted(unknown)}")
    return spec


def build_demo(path, *, data: Path | None = None, force: bool = False,
               on_step: Callable[[int, int, str], None] | None = None,
               progress: Callable[[int, int], None] | None = None,
               cancel: Callable[[], bool] | None = None) -> DemoResult:
    """Create the demo inventory at ``path``, importing every manifest entry.

    The inventory is built in a temporary file beside ``path`` and moved into
    place only when every import succeeded, so a failure never leaves a
    half-built inventory behind (nor destroys an existing one).
    """
    from .importer import import_file  # the importer pulls in fiona; keep `ecoinv --help` light

    data = Path(data) if data else data_dir()
    spec = load_manifest(data)
    path = Path(path)
    if path.exists() and not force:
        raise DemoError(f"{path}: already exists (use --force to rebuild it)")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=path.name + ".", suffix=".building", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # Inventory.create wants to make the file itself
    meta = {k: spec[k] for k in ("name_en", "as_of") if k in spec}
    meta["demo"] = "synthetic demo data built from data/ (see data/README.md)"
    result = DemoResult(path=path, name=spec.get("name", "demo"))
    try:
        inv = Inventory.create(tmp, name=result.name, crs=spec.get("crs", "EPSG:4490"), extra_meta=meta)
        try:
            entries = spec["imports"]
            for i, entry in enumerate(entries):
                if on_step:
                    on_step(i, len(entries), entry["file"])
                report = import_file(inv, data / entry["file"], entry["layer"],
                                     progress=progress, cancel=cancel, **entry.get("options", {}))
                result.steps.append(DemoStep(entry["file"], entry["layer"], report))
        finally:
            inv.close()
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return result
