"""Export a layer (and the statistics) to the formats other agencies take.

GeoPackage, Shapefile (UTF-8 with .cpg, or GBK when asked; .prj always
written), GeoJSON, CSV (WKT optional) and XLSX (attribute sheet plus the
statistics tables as sheets).  Exported GeoPackage/Shapefile/GeoJSON files
re-import through ``ecoinv import`` to the same features.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pyproj
import shapely
from shapely.geometry import mapping

from . import schema
from .errors import EcoinvError
from .geometry import as_crs
from .store import Inventory

FORMATS = {
    ".gpkg": "GPKG",
    ".shp": "ESRI Shapefile",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".csv": "CSV",
    ".xlsx": "XLSX",
}

# DBF field names are at most 10 bytes: these short names are ones the
# importer's aliases (schema.Field.aliases) map back to the same fields.
SHAPEFILE_NAMES = {
    "designated_year": "DESIG_YEAR",
    "reported_area_ha": "REP_AREA",
    "source_key": "SOURCE_KEY",
    "area_ha": "GIS_AREA",  # not AREA_HA: that alias means the *reported* area
}
_FIONA_TYPES = {"TEXT": "str:254", "INTEGER": "int", "REAL": "float"}
_SHP_ENCODINGS = {"utf-8": "UTF-8", "utf8": "UTF-8", "gbk": "GBK", "cp936": "GBK", "gb18030": "GB18030"}


class ExportError(EcoinvError):
    pass


@dataclass
class ExportResult:
    path: Path
    format: str
    layer: str
    count: int
    files: list[Path]


def detect_format(path: Path, fmt: str | None = None) -> str:
    if fmt:
        wanted = fmt.lower()
        for ext, name in FORMATS.items():
            if wanted in (ext.lstrip("."), name.lower()):
                return name
        if wanted in ("shapefile", "shape"):
            return "ESRI Shapefile"
        raise ExportError(f"unknown export format {fmt!r}; formats: gpkg, shp, geojson, csv, xlsx")
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise ExportError(f"{path}: cannot tell the format from the extension; "
                          f"use one of {', '.join(FORMATS)} or --format") from None


def export_layer(inv: Inventory, layer: str, out, *, fmt: str | None = None,
                 encoding: str = "utf-8", crs=None, wkt: bool = False, lang: str = "en",
                 stats: dict | None = None, overwrite: bool = False,
                 progress: Callable[[int, int], None] | None = None) -> ExportResult:
    """Write ``layer`` to ``out``.

    ``crs`` reprojects (default: the storage CRS).  ``encoding`` applies to
    Shapefile attributes (utf-8 or gbk) and CSV.  ``stats`` (a
    ``metrics.compute_stats`` result) adds the statistics sheets to XLSX.
    The file is written beside the target and moved into place at the end,
    so a failed export never leaves a half-written file.
    """
    out = Path(out)
    ldef = schema.LAYERS.get(layer)
    if ldef is None:
        raise ExportError(f"no layer {layer!r}; layers: {', '.join(schema.LAYERS)}")
    driver = detect_format(out, fmt)
    targets = _target_files(out, driver)
    existing = [p for p in targets if p.exists()]
    if existing and not overwrite:
        raise ExportError(f"{existing[0]}: already exists (use --overwrite)")
    if not out.parent.exists():
        raise ExportError(f"{out.parent}: folder does not exist")

    target_crs = as_crs(crs) if crs else inv.crs
    transform = None
    if not target_crs.equals(inv.crs):
        tr = pyproj.Transformer.from_crs(inv.crs, target_crs, always_xy=True)
        transform = lambda g: shapely.transform(  # noqa: E731
            g, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))

    total = inv.count(layer)
    staging = Path(tempfile.mkdtemp(prefix=".ecoinv-export-", dir=out.parent))
    try:
        staged = staging / out.name
        if driver in ("GPKG", "ESRI Shapefile", "GeoJSON"):
            count = _write_vector(inv, ldef, staged, driver, encoding, target_crs, transform, total, progress)
        elif driver == "CSV":
            count = _write_csv(inv, ldef, staged, encoding, wkt, transform, lang, total, progress)
        else:
            count = _write_xlsx(inv, ldef, staged, wkt, transform, lang, stats, total, progress)
        written = []
        for src in sorted(staging.iterdir()):
            dst = out.parent / src.name
            os.replace(src, dst)
            written.append(dst)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ExportResult(out, driver, layer, count, written)


def _target_files(out: Path, driver: str) -> list[Path]:
    if driver == "ESRI Shapefile":
        return [out.with_suffix(ext) for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg")]
    return [out]


def _field_name(field: schema.Field, driver: str) -> str:
    if driver == "ESRI Shapefile":
        return SHAPEFILE_NAMES.get(field.name, field.name)
    return field.name


def _write_vector(inv, ldef, path, driver, encoding, target_crs, transform, total, progress) -> int:
    import fiona  # heavy; only needed here

    fields = list(ldef.fields)
    props_schema = {_field_name(f, driver): _FIONA_TYPES[f.type] for f in fields}
    geom_type = "Point" if ldef.geometry_type == "POINT" else "MultiPolygon"
    kwargs = {}
    if driver == "ESRI Shapefile":
        enc = _SHP_ENCODINGS.get(encoding.lower().replace("_", "-"))
        if enc is None:
            raise ExportError(f"shapefile encoding {encoding!r} not supported; use utf-8 or gbk")
        kwargs["encoding"] = enc
    else:
        kwargs["encoding"] = "utf-8"
    n = 0
    with fiona.open(path, "w", driver=driver, crs_wkt=target_crs.to_wkt(),
                    schema={"geometry": geom_type, "properties": props_schema},
                    layer=ldef.name if driver == "GPKG" else None, **kwargs) as sink:
        for feat in inv.features(ldef.name):
            geom = feat.geometry if transform is None else transform(feat.geometry)
            props = {_field_name(f, driver): feat.props.get(f.name) for f in fields}
            try:
                sink.write({"geometry": mapping(geom), "properties": props})
            except UnicodeEncodeError as exc:
                raise ExportError(f"{ldef.name} feature {feat.id}: text cannot be written in "
                                  f"{encoding}: {exc.object[exc.start:exc.end]!r}") from None
            n += 1
            if progress and n % 500 == 0:
                progress(n, total)
    if progress:
        progress(n, total)
    return n


def _rows(inv, ldef, wkt, transform, lang):
    header = ["id"] + [f.name for f in ldef.fields]
    coded = [f for f in ldef.fields if f.codes]
    header += [f"{f.name}_label" for f in coded]
    if wkt:
        header.append("wkt")
    yield header
    for feat in inv.features(ldef.name):
        row = [feat.id] + [feat.props.get(f.name) for f in ldef.fields]
        row += [schema.label(f.codes, feat.props.get(f.name), lang) for f in coded]
        if wkt:
            geom = feat.geometry if transform is None else transform(feat.geometry)
            row.append(shapely.to_wkt(geom, rounding_precision=-1))
        yield row


def _write_csv(inv, ldef, path, encoding, wkt, transform, lang, total, progress) -> int:
    # utf-8-sig so that Excel on a Chinese Windows opens UTF-8 CSV correctly.
    enc = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    n = -1
    with open(path, "w", newline="", encoding=enc) as fh:
        writer = csv.writer(fh)
        for n, row in enumerate(_rows(inv, ldef, wkt, transform, lang)):
            writer.writerow(row)
            if progress and n and n % 500 == 0:
                progress(n, total)
    return max(n, 0)


def stats_tables(stats: dict) -> dict[str, list[list]]:
    """The list-of-rows sections of a compute_stats() result as tables (header + rows)."""
    tables: dict[str, list[list]] = {}
    for key, value in stats.items():
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(r, dict) for r in value):
            continue
        columns: list[str] = []
        for row in value:
            for k, v in row.items():
                if k not in columns and not isinstance(v, (dict, list)):
                    columns.append(k)
        tables[key] = [columns] + [[row.get(c) for c in columns] for row in value]
    return tables


def _write_xlsx(inv, ldef, path, wkt, transform, lang, stats, total, progress) -> int:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = ldef.name
    n = -1
    for n, row in enumerate(_rows(inv, ldef, wkt, transform, lang)):
        ws.append(row)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for name, table in stats_tables(stats or {}).items():
        sheet = wb.create_sheet(title=f"stats_{name}"[:31])
        for row in table:
            sheet.append([json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v
                          for v in row])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    wb.save(path)
    if progress:
        progress(max(n, 0), total)
    return max(n, 0)
