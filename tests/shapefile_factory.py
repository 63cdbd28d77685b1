"""Write real fixture files (shapefiles byte by byte, GeoJSON, KML, GeoPackage, zips).

The shapefile writer is our own rather than fiona's so that tests can make
exactly the files agencies send: any DBF encoding and language-driver
byte, field names cut at 10 bytes in the middle of a Chinese character,
junk .cpg files, rings with fewer than 4 points, Z values, truncated files.
GDAL would refuse or "fix" most of these on write.

Every function takes plain data and returns the path it wrote; other test
modules may use them.
"""
from __future__ import annotations

import datetime as _dt
import json
import shutil
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import pyproj
import pytest
import shapely
from shapely.geometry import (LineString, MultiLineString, MultiPolygon, Point,
                              Polygon, box, mapping)

__all__ = [
    "inventory_template", "inv",
    "RawRings", "write_shapefile", "write_geojson", "write_kml", "write_gpkg", "write_zip",
    "zip_entries", "square", "shapefile_parts", "truncate_file", "set_ldid", "prj_text",
]


@dataclass(frozen=True)
class RawRings:
    """Polygon parts written exactly as given (no closing, no re-orienting).

    ``rings`` is a list of coordinate lists [(x, y) or (x, y, z), ...].  The
    shapefile convention is clockwise outer rings and counter-clockwise holes.
    """
    rings: Sequence[Sequence[Sequence[float]]]


def square(x: float, y: float, size: float) -> Polygon:
    """An axis-aligned square with its lower-left corner at (x, y)."""
    return box(x, y, x + size, y + size)


def prj_text(crs) -> str:
    """ESRI WKT, what ArcGIS writes into .prj files."""
    return pyproj.CRS.from_user_input(crs).to_wkt("WKT1_ESRI")


# --- inventories ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def inventory_template(tmp_path_factory) -> Path:
    """One real inventory made by Inventory.create, copied for each test
    (creating the SpatiaLite metadata takes ~0.4 s; copying a file does not)."""
    from ecoinv.store import Inventory

    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    Inventory.create(path, name="test inventory").close()
    return path


@pytest.fixture
def inv(inventory_path, inventory_template):
    """Like conftest's ``inv``, from a copy of the template.  Import it into a
    test module (``from .shapefile_factory import inv, inventory_template``)."""
    from ecoinv.store import Inventory

    shutil.copyfile(inventory_template, inventory_path)
    inventory = Inventory.open(inventory_path)
    yield inventory
    inventory.close()


# --- shapefile -------------------------------------------------------------------

_SHP_TYPES = {"Point": 1, "LineString": 3, "Polygon": 5, "MultiPoint": 8}
_Z = 10  # PointZ = 11, PolyLineZ = 13, PolygonZ = 15, MultiPointZ = 18


def _infer_field(value) -> str:
    if isinstance(value, bool) or isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, _dt.date):
        return "date"
    return "str"


def _infer_schema(records) -> dict[str, str]:
    """Field types from the first non-null value of each field (str if all null)."""
    props: dict[str, str] = {}
    for r in records:
        for k, v in (r.get("properties") or {}).items():
            if props.get(k) is None:
                props[k] = None if v is None else _infer_field(v)
    return {k: v or "str" for k, v in props.items()}


def _dbf_field(spec: str) -> tuple[str, int, int]:
    kind, _, size = spec.partition(":")
    if kind == "str":
        return "C", int(size or 80), 0
    if kind == "int":
        return "N", int(size or 10), 0
    if kind == "float":
        if size:
            w, _, d = size.partition(".")
            return "N", int(w), int(d or 6)
        return "N", 24, 8
    if kind == "date":
        return "D", 8, 0
    raise ValueError(f"unknown field type {spec!r}")


def _shape_family(geom) -> str | None:
    if geom is None:
        return None
    if isinstance(geom, RawRings):
        return "Polygon"
    t = geom.geom_type
    return {"Point": "Point", "MultiPoint": "MultiPoint", "LineString": "LineString",
            "MultiLineString": "LineString", "Polygon": "Polygon",
            "MultiPolygon": "Polygon"}[t]


def shapefile_parts(geom) -> list[list[tuple]]:
    """The parts (rings or lines) a shapefile stores for a geometry."""
    if isinstance(geom, RawRings):
        return [[tuple(c) for c in ring] for ring in geom.rings]
    if isinstance(geom, (Polygon, MultiPolygon)):
        oriented = shapely.orient_polygons(geom, exterior_cw=True)
        polys = oriented.geoms if isinstance(oriented, MultiPolygon) else [oriented]
        parts = []
        for p in polys:
            parts.append(list(p.exterior.coords))
            parts.extend(list(h.coords) for h in p.interiors)
        return parts
    if isinstance(geom, LineString):
        return [list(geom.coords)]
    if isinstance(geom, MultiLineString):
        return [list(g.coords) for g in geom.geoms]
    raise TypeError(geom.geom_type)


def _has_z(geom) -> bool:
    if isinstance(geom, RawRings):
        return any(len(c) > 2 for ring in geom.rings for c in ring)
    return bool(shapely.has_z(geom))


def _record_content(geom, shape_type: int) -> bytes:
    if geom is None:
        return struct.pack("<i", 0)
    z = shape_type > _Z
    base = shape_type - _Z if z else shape_type
    if base == 1:
        c = geom.coords[0]
        out = struct.pack("<idd", shape_type, c[0], c[1])
        if z:
            out += struct.pack("<dd", c[2] if len(c) > 2 else 0.0, 0.0)
        return out
    if base == 8:
        pts = [p.coords[0] for p in geom.geoms]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        out = struct.pack("<i4di", shape_type, min(xs), min(ys), max(xs), max(ys), len(pts))
        out += b"".join(struct.pack("<dd", p[0], p[1]) for p in pts)
        if z:
            zs = [p[2] if len(p) > 2 else 0.0 for p in pts]
            out += struct.pack("<dd", min(zs), max(zs)) + b"".join(struct.pack("<d", v) for v in zs)
            out += struct.pack("<dd", 0.0, 0.0) + b"".join(struct.pack("<d", 0.0) for _ in zs)
        return out
    parts = shapefile_parts(geom)
    pts = [c for part in parts for c in part]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    out = struct.pack("<i4dii", shape_type, min(xs), min(ys), max(xs), max(ys),
                      len(parts), len(pts))
    start = 0
    for part in parts:
        out += struct.pack("<i", start)
        start += len(part)
    out += b"".join(struct.pack("<dd", p[0], p[1]) for p in pts)
    if z:
        zs = [p[2] if len(p) > 2 else 0.0 for p in pts]
        out += struct.pack("<dd", min(zs), max(zs)) + b"".join(struct.pack("<d", v) for v in zs)
        # M values (ArcGIS writes them with Z): a measure of 0 everywhere.
        out += struct.pack("<dd", 0.0, 0.0) + b"".join(struct.pack("<d", 0.0) for _ in zs)
    return out


def _bbox(geoms) -> tuple[float, float, float, float]:
    xs, ys = [], []
    for g in geoms:
        if g is None:
            continue
        if isinstance(g, RawRings):
            xs += [c[0] for r in g.rings for c in r]
            ys += [c[1] for r in g.rings for c in r]
        elif not g.is_empty:
            b = g.bounds
            xs += [b[0], b[2]]
            ys += [b[1], b[3]]
    if not xs:
        return (0.0, 0.0, 0.0, 0.0)
    return (min(xs), min(ys), max(xs), max(ys))


def _shp_header(file_words: int, shape_type: int, bbox) -> bytes:
    return (struct.pack(">i", 9994) + b"\x00" * 20 + struct.pack(">i", file_words)
            + struct.pack("<ii", 1000, shape_type) + struct.pack("<4d", *bbox)
            + struct.pack("<4d", 0.0, 0.0, 0.0, 0.0))


def write_shapefile(path, records: Iterable[dict], *, crs: Any = "EPSG:4490",
                    encoding: str = "utf-8", schema: dict | None = None,
                    cpg: bool | str | bytes | None = True, ldid: int = 0,
                    prj: str | bytes | None = None, geometry_type: str | None = None) -> Path:
    """Write ``path`` (.shp) with its .shx, .dbf, and optionally .prj and .cpg.

    records: dicts {"geometry": shapely geometry | RawRings | None, "properties": {...}}.
    schema: {"properties": {name: "str:50" | "int" | "float" | "date"}} (inferred if None;
        field order is kept).  Names are encoded with ``encoding`` and cut at 10
        bytes as ArcGIS does, even inside a multi-byte character.
    crs: written as an ESRI .prj unless None; ``prj`` writes that text instead.
    cpg: True writes ``encoding``'s name, a str/bytes writes exactly that, False/None none.
    ldid: the DBF language-driver byte (0x4D = code page 936).
    """
    path = Path(path).with_suffix(".shp")
    records = list(records)
    geoms = [r.get("geometry") for r in records]
    family = geometry_type or next((_shape_family(g) for g in geoms if g is not None), "Polygon")
    shape_type = _SHP_TYPES[family] + (_Z if any(g is not None and _has_z(g) for g in geoms) else 0)
    if schema is None:
        schema = {"properties": _infer_schema(records)}
    fields = [(name, *_dbf_field(spec)) for name, spec in schema["properties"].items()]

    # .shp and .shx
    body, index = [], []
    offset_words = 50
    for i, g in enumerate(geoms, start=1):
        content = _record_content(g, shape_type)
        body.append(struct.pack(">ii", i, len(content) // 2) + content)
        index.append(struct.pack(">ii", offset_words, len(content) // 2))
        offset_words += 4 + len(content) // 2
    bbox = _bbox(geoms)
    path.write_bytes(_shp_header(offset_words, shape_type, bbox) + b"".join(body))
    path.with_suffix(".shx").write_bytes(
        _shp_header(50 + 4 * len(index), shape_type, bbox) + b"".join(index))

    # .dbf
    record_length = 1 + sum(f[2] for f in fields)
    header_length = 32 + 32 * len(fields) + 1
    today = _dt.date.today()
    head = struct.pack("<BBBBIHH", 0x03, today.year - 1900, today.month, today.day,
                       len(records), header_length, record_length)
    head += b"\x00" * 17 + bytes([ldid]) + b"\x00\x00"
    descs = b""
    for name, ftype, length, decimals in fields:
        raw = name.encode(encoding)[:10]
        descs += raw.ljust(11, b"\x00") + ftype.encode() + b"\x00" * 4 + bytes([length, decimals]) \
            + b"\x00" * 14
    rows = []
    for r in records:
        values = r.get("properties") or {}
        rows.append(b" ")
        for name, ftype, length, decimals in fields:
            v = values.get(name)
            if v is None:
                cell = b" " * length
            elif ftype == "C":
                cell = str(v).encode(encoding)[:length].ljust(length, b" ")
            elif ftype == "D":
                d = v if isinstance(v, _dt.date) else _dt.date.fromisoformat(str(v))
                cell = d.strftime("%Y%m%d").encode()
            elif decimals:
                cell = f"{float(v):.{decimals}f}".encode().rjust(length)[:length]
            else:
                cell = str(int(v)).encode().rjust(length)[:length]
            rows.append(cell)
    path.with_suffix(".dbf").write_bytes(head + descs + b"\x0d" + b"".join(rows) + b"\x1a")

    if prj is not None:
        path.with_suffix(".prj").write_bytes(prj.encode() if isinstance(prj, str) else prj)
    elif crs is not None:
        path.with_suffix(".prj").write_text(prj_text(crs))
    if cpg is True:
        name = {"utf-8": "UTF-8", "utf8": "UTF-8", "gbk": "GBK", "gb18030": "GB18030",
                "latin-1": "ISO-8859-1"}.get(encoding.lower(), encoding.upper())
        path.with_suffix(".cpg").write_text(name)
    elif isinstance(cpg, (str, bytes)):
        path.with_suffix(".cpg").write_bytes(cpg.encode() if isinstance(cpg, str) else cpg)
    return path


def set_ldid(dbf_path, ldid: int) -> None:
    """Set the DBF language-driver byte (offset 29)."""
    p = Path(dbf_path)
    data = bytearray(p.read_bytes())
    data[29] = ldid
    p.write_bytes(bytes(data))


def truncate_file(path, keep: int) -> None:
    """Cut a file to its first ``keep`` bytes (a download that stopped)."""
    p = Path(path)
    p.write_bytes(p.read_bytes()[:keep])


# --- other formats -------------------------------------------------------------------

def _feature_json(rec: dict) -> dict:
    g = rec.get("geometry")
    return {"type": "Feature", "properties": rec.get("properties") or {},
            "geometry": None if g is None else (g if isinstance(g, dict) else mapping(g))}


def write_geojson(path, records: Iterable[dict], *, crs: str | None = None) -> Path:
    """A GeoJSON FeatureCollection.  ``crs`` adds the (2008-spec) crs member.

    A geometry may also be a GeoJSON dict, to write what shapely cannot build.
    """
    path = Path(path)
    doc: dict = {"type": "FeatureCollection", "features": [_feature_json(r) for r in records]}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def _kml_coords(coords) -> str:
    return " ".join(",".join(f"{v:.8f}" for v in c) for c in coords)


def _kml_geometry(g) -> str:
    if isinstance(g, Point):
        return f"<Point><coordinates>{_kml_coords(g.coords)}</coordinates></Point>"
    if isinstance(g, LineString):
        return f"<LineString><coordinates>{_kml_coords(g.coords)}</coordinates></LineString>"
    if isinstance(g, Polygon):
        inner = "".join(f"<innerBoundaryIs><LinearRing><coordinates>{_kml_coords(h.coords)}"
                        "</coordinates></LinearRing></innerBoundaryIs>" for h in g.interiors)
        return (f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{_kml_coords(g.exterior.coords)}"
                f"</coordinates></LinearRing></outerBoundaryIs>{inner}</Polygon>")
    if hasattr(g, "geoms"):
        return "<MultiGeometry>" + "".join(_kml_geometry(p) for p in g.geoms) + "</MultiGeometry>"
    raise TypeError(g.geom_type)


def write_kml(path, records: Iterable[dict], *, folder: str = "layer") -> Path:
    """KML placemarks: "name" and "description" become KML elements, the rest ExtendedData."""
    from xml.sax.saxutils import escape

    marks = []
    for rec in records:
        props = dict(rec.get("properties") or {})
        name = props.pop("name", None)
        desc = props.pop("description", None)
        parts = []
        if name is not None:
            parts.append(f"<name>{escape(str(name))}</name>")
        if desc is not None:
            parts.append(f"<description>{escape(str(desc))}</description>")
        if props:
            parts.append("<ExtendedData>" + "".join(
                f'<Data name="{escape(str(k))}"><value>{escape(str(v))}</value></Data>'
                for k, v in props.items()) + "</ExtendedData>")
        if rec.get("geometry") is not None:
            parts.append(_kml_geometry(rec["geometry"]))
        marks.append("<Placemark>" + "".join(parts) + "</Placemark>")
    path = Path(path)
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n'
                    '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
                    f"<Folder><name>{escape(folder)}</name>" + "".join(marks)
                    + "</Folder></Document></kml>", encoding="utf-8")
    return path


def write_gpkg(path, layers: dict[str, dict]) -> Path:
    """A GeoPackage with several layers.

    layers: {name: {"records": [...], "geometry": "Polygon", "crs": "EPSG:4490",
                    "properties": {name: "str"|"int"|"float"} (optional)}}
    """
    import fiona

    path = Path(path)
    for name, spec in layers.items():
        records = list(spec["records"])
        props = spec.get("properties") or _infer_schema(records)
        schema = {"geometry": spec.get("geometry", "Polygon"), "properties": props}
        with fiona.open(path, "w", driver="GPKG", layer=name, schema=schema,
                        crs=spec.get("crs", "EPSG:4490")) as dst:
            for r in records:
                g = r.get("geometry")
                dst.write({"geometry": None if g is None else mapping(g),
                           "properties": {k: (r.get("properties") or {}).get(k) for k in props}})
    return path


def write_zip(zip_path, files: Iterable[Path | str], *, folder: str = "") -> Path:
    """Zip existing files (a shapefile's parts), optionally under a folder."""
    zip_path = Path(zip_path)
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in files:
            f = Path(f)
            zf.write(f, arcname=f"{folder}/{f.name}" if folder else f.name)
    return zip_path


def zip_entries(zip_path, entries: dict[str, bytes], *, symlinks: dict[str, str] | None = None
                ) -> Path:
    """A zip with exactly these member names (e.g. '../evil.shp', '/abs.shp')
    and optional symlink members {name: target}."""
    zip_path = Path(zip_path)
    with zipfile.ZipFile(zip_path, "w") as zf:
        for name, data in entries.items():
            zf.writestr(zipfile.ZipInfo(name), data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3  # unix, so the mode bits below mean something
            info.external_attr = (0o120777 << 16)
            zf.writestr(info, target)
    return zip_path
