"""Import sources: one class per file format behind one interface.

Like kart's import sources, each source answers the same questions (its
fields, CRS, encoding, feature count) and streams its features, so the
importer never needs to know which format it reads::

    with open_source("parks.zip") as src:
        src.fields, src.crs, src.encoding, len(src)
        for feat in src.features():     # SourceFeature(index, props, geometry)
            ...

Geometries are read through fiona (GDAL).  Shapefile attributes are read
from the .dbf by our own reader instead: GDAL merges fields whose 10-byte
names collide once a Chinese character is cut (保护区名称/保护区级别 in
UTF-8), and decoding ourselves is what lets ``ecoinv.encoding`` choose the
encoding, report it, and strip half characters.  Polygon shapefiles (land
survey deliveries run to millions of parcels) are read a chunk of records
at a time: the simple records (one closed ring) are built straight from the
.shp's coordinate arrays, the others are left to GDAL (see
:class:`ShapefileRecords`).

Files are checked before GDAL sees them: GDAL opens a truncated .shp or a
shapefile without .dbf without complaint and would import it silently
wrong, and it refuses others with "Failed to open dataset".  A missing .shx
is refused rather than rebuilt (GDAL's SHAPE_RESTORE_SHX) because that
writes into the sender's folder and a missing index usually means an
incomplete delivery.
"""
from __future__ import annotations

import abc
import contextlib
import logging
import os
import shutil
import stat
import struct
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Iterator

import fiona
import numpy as np
import pyproj
import shapely
from shapely.geometry import (GeometryCollection, LineString, MultiLineString,
                              MultiPolygon, Point, Polygon)
from shapely.geometry.base import BaseGeometry

from . import crs as crsmod
from . import encoding as encmod
from .errors import EcoinvError
from .geometry import int32s_at

# GDAL's read-only KML driver ships with fiona's GDAL but fiona does not
# enable it by default (LIBKML is not in the wheels).
fiona.drvsupport.supported_drivers.setdefault("KML", "r")

SHAPEFILE_SIDECARS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx",
                      ".shp.xml", ".qmd", ".fix")
MAX_EXTRACT_BYTES = 16 * 1024 ** 3  # refuse zip members that claim more (zip bombs)
Z_NOTE = "Z values dropped (the inventory is 2D)"
SUPPORTED = ".shp, .zip (shapefile inside), .gpkg, .geojson/.json, .kml, .kmz"


class SourceError(EcoinvError):
    """A source file cannot be read; the message names the file."""


class SourceNotFound(SourceError):
    pass


class UnsupportedFormat(SourceError):
    pass


class LayerChoiceError(SourceError):
    """Several layers and none (or an unknown one) chosen."""

    def __init__(self, message: str, layers: list[str]):
        super().__init__(message)
        self.layers = layers


class UnsafeArchive(SourceError):
    pass


@dataclass
class SourceFeature:
    # The feature's id in the file as GDAL and QGIS show it (a shapefile's
    # record number from 0, a GeoPackage's fid).
    index: int
    props: dict[str, Any]
    geometry: BaseGeometry | None
    # What reading had to fix in the geometry ("ring with 3 points dropped").
    repairs: list[str] = field(default_factory=list)
    # Why the geometry is None although the file has one.
    problem: str | None = None


# --- geometry from fiona ---------------------------------------------------------------

def _fix_ring(coords, what: str, repairs: list[str]) -> list | None:
    pts = [tuple(c[:2]) for c in coords]
    dedup = [p for i, p in enumerate(pts) if i == 0 or p != pts[i - 1]]
    distinct = set(dedup)
    if len(distinct) < 3:
        repairs.append(f"{what} with {len(pts)} points (no area) dropped")
        return None
    if dedup[0] != dedup[-1]:
        dedup.append(dedup[0])
        repairs.append(f"{what} was not closed: closed")
    return dedup


def _lenient_polygon(rings, repairs: list[str]) -> Polygon | None:
    if not rings:
        return None
    shell = _fix_ring(rings[0], "outer ring", repairs)
    if shell is None:
        return None
    holes = [h for h in (_fix_ring(r, "hole", repairs) for r in rings[1:]) if h is not None]
    return Polygon(shell, holes)


def _lenient(gtype: str, coords, parts, repairs: list[str]) -> BaseGeometry | None:
    if gtype == "Polygon":
        return _lenient_polygon(coords, repairs)
    if gtype == "MultiPolygon":
        polys = [p for p in (_lenient_polygon(rings, repairs) for rings in coords) if p is not None]
        return MultiPolygon(polys) if polys else None
    if gtype == "GeometryCollection":
        geoms = [g for g in (_lenient(p.type, p.coordinates, getattr(p, "geometries", None), repairs)
                             for p in parts or []) if g is not None]
        return GeometryCollection(geoms) if geoms else None
    if gtype in ("LineString", "LinearRing"):
        if len({tuple(c[:2]) for c in coords}) < 2:
            repairs.append("line with fewer than 2 distinct points dropped")
            return None
        return LineString([c[:2] for c in coords])
    if gtype == "MultiLineString":
        lines = [LineString([c[:2] for c in l]) for l in coords if len({tuple(c[:2]) for c in l}) >= 2]
        return MultiLineString(lines) if lines else None
    return None


class _NeedsFixing(ValueError):
    pass


def _ring_arrays(rings) -> list[np.ndarray]:
    out = []
    for ring in rings:
        a = np.asarray(ring, dtype=float)
        # shapely would refuse short rings and silently close (or pad) open
        # ones; both are repairs the report must show, so they go the slow way.
        if a.ndim != 2 or len(a) < 4 or not np.array_equal(a[0, :2], a[-1, :2]):
            raise _NeedsFixing()
        out.append(a[:, :2])
    return out


def _polygon(rings) -> Polygon:
    arrays = _ring_arrays(rings)
    if not arrays:
        return Polygon()
    return shapely.polygons(arrays[0], holes=arrays[1:] or None)


def _fast_shape(gtype: str, coords) -> BaseGeometry | None:
    """Polygons and points straight from coordinate arrays in 2D (twice as fast
    as shapely's shape(), which walks every vertex in Python)."""
    if gtype == "Polygon":
        return _polygon(coords)
    if gtype == "MultiPolygon":
        return MultiPolygon([_polygon(rings) for rings in coords])
    if gtype == "Point" and coords is not None and len(coords) >= 2:
        return Point(coords[0], coords[1])
    return None


def _has_z(geom) -> bool:
    """Whether a fiona geometry's first position has a third value (Z)."""
    while geom is not None and geom.type == "GeometryCollection":
        geom = (geom.geometries or [None])[0]
    c = geom.coordinates if geom is not None else None
    while isinstance(c, (list, tuple)) and c and isinstance(c[0], (list, tuple)):
        c = c[0]
    return isinstance(c, (list, tuple)) and len(c) > 2


def geometry_from_fiona(geom) -> tuple[BaseGeometry | None, list[str], str | None]:
    """(shapely geometry in 2D or None, repairs made, problem) for a fiona geometry."""
    if geom is None:
        return None, [], None
    repairs: list[str] = []
    try:
        shp = _fast_shape(geom.type, geom.coordinates)
        if shp is None:
            shp = shapely.geometry.shape(geom)
    except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException):
        try:
            shp = _lenient(geom.type, geom.coordinates, getattr(geom, "geometries", None), repairs)
        except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException) as exc:
            return None, repairs, f"unreadable {geom.type} geometry ({exc})"
        if shp is None:
            return None, repairs, "; ".join(repairs) or f"unreadable {geom.type} geometry"
    if shp.is_empty:
        return shp, repairs, None
    if shapely.has_z(shp):
        shp = shapely.force_2d(shp)
    return shp, repairs, None


# --- the interface -----------------------------------------------------------------------

class Source(abc.ABC):
    """One layer of one file, read-only."""

    format: str = ""

    def __init__(self, path: Path, layer_name: str):
        self.path = Path(path)                       # the file the user gave (a .zip too)
        self.layer_name = layer_name
        self.crs: pyproj.CRS | None = None
        self.crs_note: str | None = None             # why crs is None / what is odd about it
        self.encoding: str | None = "utf-8"
        self.encoding_note: str = ""
        self.encoding_choice: encmod.EncodingChoice | None = None
        self.fields: list[tuple[str, str]] = []
        # Field names that may have been cut at the DBF's 10 bytes: name -> prefix to match.
        self.truncated_fields: dict[str, str] = {}
        self.geometry_type: str = "Unknown"
        self.bounds: tuple[float, float, float, float] | None = None
        self.notes: list[str] = []
        self._count = 0
        self._tmpdir: str | None = None

    # -- description
    @property
    def name(self) -> str:
        return self.path.name

    @property
    def label(self) -> str:
        """'<file name>[:<layer>]', what imported features get as their source."""
        if self.layer_name and self.layer_name != self.path.stem:
            return f"{self.path.name}:{self.layer_name}"
        return self.path.name

    @property
    def field_names(self) -> list[str]:
        return [n for n, _ in self.fields]

    @property
    def feature_count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    @property
    def crs_candidates(self) -> list[crsmod.CrsCandidate]:
        """Ranked CRS candidates when the file has no usable CRS (else [])."""
        if self.crs is not None or self.bounds is None:
            return []
        return crsmod.candidates_for_bounds(self.bounds)

    def info(self) -> dict:
        return {
            "path": str(self.path), "format": self.format, "layer": self.layer_name,
            "feature_count": self._count, "geometry_type": self.geometry_type,
            "fields": [{"name": n, "type": t} for n, t in self.fields],
            "crs": crsmod.crs_label(self.crs) if self.crs is not None else None,
            "crs_note": self.crs_note,
            "encoding": encmod.encoding_label(self.encoding) if self.encoding else None,
            "encoding_note": self.encoding_note,
            "bounds": list(self.bounds) if self.bounds else None, "notes": list(self.notes),
        }

    @abc.abstractmethod
    def features(self) -> Iterator[SourceFeature]:
        """Stream the features in file order (never all at once)."""

    @property
    def reads_record_ranges(self) -> bool:
        """Whether ``records()`` reads any range of records on its own (see
        :class:`ShapefileRecords`); only polygon shapefiles do."""
        return False

    # -- lifetime
    def close(self) -> None:
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self) -> "Source":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):  # a forgotten close() must not leave extracted zips behind
        try:
            self.close()
        except Exception:
            pass

    # -- helpers for subclasses
    def _err(self, message: str, cls=SourceError) -> SourceError:
        return cls(f"{self.path.name}: {message}")

    def _check_crs_against_bounds(self) -> None:
        """A declared geographic CRS with metre coordinates is wrong: treat as unknown."""
        if self.crs is None or self.bounds is None:
            return
        if self.crs.is_geographic and not crsmod.looks_lonlat(self.bounds):
            self.crs_note = (f"the file says {crsmod.crs_label(self.crs)} (lon/lat) but its "
                             f"coordinates are not lon/lat (x {self.bounds[0]:,.0f}..{self.bounds[2]:,.0f})")
            self.notes.append(self.crs_note + ": its CRS is ignored")
            self.crs = None
            return
        if crsmod.is_web_mercator(self.crs):
            self.notes.append("the file is in Web Mercator (EPSG:3857): reprojected on import; "
                              "areas are never measured in it")


class _GdalWarnings(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.counts: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage().strip().splitlines()
        if msg:
            self.counts[msg[0][:200]] = self.counts.get(msg[0][:200], 0) + 1


@contextlib.contextmanager
def _gdal_warnings(notes: list[str]):
    """Turn what GDAL fixes silently (it closes open rings, for one) into notes."""
    handler = _GdalWarnings()
    logger = logging.getLogger("fiona")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        _warning_notes(handler.counts, notes)


def _warning_notes(counts: dict[str, int], notes: list[str]) -> None:
    for msg, n in counts.items():
        note = f"GDAL warning{f' ({n}×)' if n > 1 else ''}: {msg}"
        if note not in notes:
            notes.append(note)


def _gdal_message(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text


def _sniff(data: bytes) -> str:
    """What a file that is not what its extension says looks like."""
    if not data:
        return "an empty file"
    if data.startswith(b"PK\x03\x04"):
        return "a ZIP archive"
    if data.startswith(b"SQLite format 3"):
        return "an SQLite database (GeoPackage?)"
    if data.startswith(b"%PDF"):
        return "a PDF document"
    if data[:1] in (b"{", b"["):
        return "JSON text"
    if data.lstrip()[:1] == b"<":
        return "XML/HTML text"
    if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*")):
        return "an image"
    if all(32 <= b < 127 or b in (9, 10, 13) for b in data[:200]):
        return "plain text"
    return "binary data of another kind"


# --- shapefile ---------------------------------------------------------------------------

_SHP_TYPES = {0: "Null", 1: "Point", 3: "LineString", 5: "Polygon", 8: "MultiPoint",
              11: "PointZ", 13: "LineStringZ", 15: "PolygonZ", 18: "MultiPointZ",
              21: "PointM", 23: "LineStringM", 25: "PolygonM", 28: "MultiPointM", 31: "MultiPatch"}


def _read_shp_header(path: Path, what: str) -> tuple[int, int, tuple, int]:
    """(shape type, declared length in bytes, bbox, actual size) or SourceError."""
    size = path.stat().st_size
    if size == 0:
        raise SourceError(f"{path.name}: empty file (0 bytes)")
    with open(path, "rb") as fh:
        head = fh.read(100)
    if len(head) < 100:
        if head[:4] == struct.pack(">i", 9994):
            raise SourceError(f"{path.name}: truncated {what} ({size} bytes, shorter than its "
                              "100-byte header)")
        raise SourceError(f"{path.name}: not a shapefile {what}: it is {_sniff(head)}")
    magic, = struct.unpack(">i", head[:4])
    words, = struct.unpack(">i", head[24:28])
    version, shape_type = struct.unpack("<ii", head[28:36])
    if magic != 9994 or version != 1000:
        raise SourceError(f"{path.name}: not a shapefile {what}: it is {_sniff(head)}")
    if shape_type not in _SHP_TYPES:
        raise SourceError(f"{path.name}: unknown shape type {shape_type} in the {what} header")
    bbox = struct.unpack("<4d", head[36:68])
    return shape_type, words * 2, bbox, size


class ShapefileSource(Source):
    format = "ESRI Shapefile"

    def __init__(self, shp: Path, *, encoding: str | None = None, archive: Path | None = None,
                 layer_name: str | None = None):
        """``shp`` is the file to read; ``archive`` the zip it came out of, if any."""
        shp = Path(shp)
        super().__init__(archive or shp, layer_name or shp.stem)
        self.shp = shp
        self._validate_files()
        self._read_encoding(encoding)
        self._read_fields()
        self._read_crs()
        self._check_crs_against_bounds()
        if self.shape_type >= 11 and self.shape_type != 31:
            kind = "Z and M" if self.shape_type < 21 else "M"
            self.notes.append(f"{_SHP_TYPES[self.shape_type]} file: {kind} values dropped "
                              "(the inventory is 2D)")

    def _validate_files(self) -> None:
        shp = self.shp
        # Inside a zip, errors name the zip and then the shapefile in it.
        prefix = f"{self.path.name}: " if self.path != shp else ""
        try:
            self.shape_type, declared, bbox, size = _read_shp_header(shp, ".shp")
        except SourceError as exc:
            raise SourceError(prefix + str(exc)) from None
        if size < declared:
            raise SourceError(f"{prefix}{shp.name}: truncated: the header says {declared:,} bytes "
                              f"but the file has {size:,} (incomplete copy or download?)")
        shx = encmod.sidecar(shp, ".shx")
        dbf = encmod.sidecar(shp, ".dbf")
        missing = [ext for ext, p in ((".shx", shx), (".dbf", dbf)) if p is None]
        if missing:
            raise SourceError(
                f"{prefix}{shp.name}: missing {' and '.join(shp.stem + m for m in missing)} "
                "(a shapefile needs its .shp, .shx and .dbf files side by side; "
                "ask the sender for the complete set)")
        try:
            _, shx_declared, _, shx_size = _read_shp_header(shx, ".shx index")
        except SourceError as exc:
            raise SourceError(prefix + str(exc)) from None
        if shx_size < shx_declared or (shx_declared - 100) % 8:
            raise SourceError(f"{prefix}{shx.name}: truncated index ({shx_size:,} of "
                              f"{shx_declared:,} bytes)")
        n_shapes = (shx_declared - 100) // 8
        if dbf.stat().st_size == 0:
            raise SourceError(f"{prefix}{dbf.name}: empty file (0 bytes)")
        try:
            header = encmod.read_dbf_header(dbf)
        except encmod.DbfError as exc:
            raise SourceError(f"{prefix}{dbf.name}: {exc}") from None
        needed = header.header_length + header.n_records * header.record_length
        if dbf.stat().st_size < needed:
            raise SourceError(f"{prefix}{dbf.name}: truncated: {header.n_records:,} records need "
                              f"{needed:,} bytes, the file has {dbf.stat().st_size:,}")
        if header.n_records != n_shapes:
            raise SourceError(f"{prefix}{shp.name}: {dbf.name} has {header.n_records:,} records but "
                              f"{shx.name} indexes {n_shapes:,} shapes (files from different "
                              "versions?)")
        # The last shape must end inside the .shp (a cut .shp with a fixed-up header).
        if n_shapes:
            with open(shx, "rb") as fh:
                fh.seek(100 + (n_shapes - 1) * 8)
                off, length = struct.unpack(">ii", fh.read(8))
            if (off + 4 + length) * 2 > size:
                raise SourceError(f"{prefix}{shp.name}: truncated: shape {n_shapes - 1} ends "
                                  f"after the end of the file")
        self.dbf, self.shx, self.dbf_header = dbf, shx, header
        self._count = n_shapes
        # All-null files carry a zero box, which is no location at all.
        self.bounds = bbox if n_shapes and any(bbox) else None
        self.geometry_type = _SHP_TYPES[self.shape_type].rstrip("ZM") if self.shape_type else "None"

    def _read_encoding(self, override: str | None) -> None:
        try:
            choice = encmod.shapefile_encoding(self.shp, override)
        except encmod.EncodingNameError as exc:
            raise self._err(str(exc)) from None
        self.encoding_choice = choice
        self.encoding = choice.encoding
        self.encoding_note = choice.note
        if choice.warning:
            self.notes.append(f"encoding: {choice.note}")

    def _read_fields(self) -> None:
        names: list[str] = []
        self._dbf_fields = []
        for i, f in enumerate(self.dbf_header.fields):
            name, cut = encmod.decode_field_name(f.raw_name, self.encoding)
            name = name or f"field_{i + 1}"
            base, n = name, 2
            while name in names:  # two names cut to the same 10 bytes
                name = f"{base}_{n}"
                n += 1
            if cut:
                self.truncated_fields[name] = base
            names.append(name)
            ftype = {"C": "str", "N": "float" if f.decimals else "int", "F": "float",
                     "D": "date", "L": "bool"}.get(f.type, "str")
            self.fields.append((name, ftype))
            self._dbf_fields.append((name, f))
        self._bad_values = 0

    def _read_crs(self) -> None:
        prj = encmod.sidecar(self.shp, ".prj")
        if prj is None:
            self.crs_note = "no .prj file"
            return
        try:
            self.crs = crsmod.read_prj(prj)
        except crsmod.CrsError as exc:
            self.crs_note = f"unreadable .prj ({exc})"
            self.notes.append(self.crs_note)

    def _value(self, raw: bytes, f: encmod.DbfField):
        value, clean = self._decode(raw, f)
        if not clean:
            self._bad_values += 1
        return value

    def _decode(self, raw: bytes, f: encmod.DbfField) -> tuple[Any, bool]:
        """(value, decoded cleanly) of one DBF cell."""
        t = f.type
        if t == "C" or t not in "NFDLI":
            raw = raw.rstrip(b" \x00")
            if not raw:
                return None, True
            text, clean = encmod.decode_lenient(raw, self.encoding)
            return text.strip(), clean
        text = raw.decode("ascii", errors="replace").strip()
        if not text.strip("*?"):  # blank, or only * and ? (no value)
            return None, True
        if t in "NF":
            try:
                if f.decimals == 0 and "." not in text and "e" not in text.lower():
                    return int(text), True
                return float(text), True
            except ValueError:
                return text, True
        if t == "D":
            if text.strip("0") == "" or len(text) != 8 or not text.isdigit():
                return None, True
            return f"{text[:4]}-{text[4:6]}-{text[6:]}", True
        if t == "L":
            return (True if text in "TtYy" else False if text in "FfNn" else None), True
        if t == "I" and len(raw) == 4:
            return struct.unpack("<i", raw)[0], True
        return text, True

    def _open_geometries(self):
        """GDAL's view of the file, for the geometries only."""
        try:
            # latin-1 maps every byte to one character, so GDAL's strings can be
            # turned back into the DBF's bytes; we only need its geometries.
            with fiona.open(self.shp, encoding="latin1") as c:
                fiona_names = list(c.schema["properties"])
            return fiona.open(self.shp, encoding="latin1", ignore_fields=fiona_names)
        except Exception as exc:  # fiona raises several DriverError kinds
            raise self._err(f"GDAL cannot read it: {_gdal_message(exc)}") from None

    @property
    def reads_record_ranges(self) -> bool:
        """Whether :meth:`records` can read any range of records on its own
        (polygon files, the survey deliveries), so that an import can read
        its batches in several processes at once."""
        return self.shape_type in _DIRECT_SHAPE_TYPES

    def records(self, fields: Iterable[str] | None = None) -> "ShapefileRecords":
        """A reader of record ranges (polygon files only, see :attr:`reads_record_ranges`).

        ``fields``: the attributes to read (all by default); the features'
        ``props`` hold only these.  An import reads the fields it maps.
        """
        if not self.reads_record_ranges:
            raise self._err(f"{_SHP_TYPES[self.shape_type]} records are read in order only")
        return ShapefileRecords(self, fields)

    def finish_reading(self, warnings: dict[str, int], bad_values: int) -> None:
        """The notes of a whole read: GDAL's warnings, counted, and the text
        values that were not valid in the encoding."""
        _warning_notes(warnings, self.notes)
        if bad_values:
            self.notes.append(f"{bad_values} text values had bytes invalid in "
                              f"{encmod.encoding_label(self.encoding)} (shown as �); "
                              "check --encoding")

    def features(self) -> Iterator[SourceFeature]:
        if self.reads_record_ranges:  # the survey files, read directly
            with self.records() as records:
                start = 0
                while start < self._count:
                    stop = min(self._count, start + _CHUNK)
                    yield from records.read(start, stop)
                    start = stop
            self.finish_reading(records.warnings, records.bad_values)
            return
        header = self.dbf_header
        reclen = header.record_length
        collection = self._open_geometries()
        with collection, open(self.dbf, "rb") as dbf, _gdal_warnings(self.notes):
            dbf.seek(header.header_length)
            next_fid = 0
            for feat in collection:
                fid = int(feat.id)
                if fid != next_fid:
                    dbf.seek(header.header_length + fid * reclen)
                rec = dbf.read(reclen)
                next_fid = fid + 1
                if len(rec) < reclen:
                    raise self._err(f"feature {fid}: the .dbf ends early (truncated)")
                props = {name: self._value(rec[f.offset:f.offset + f.length], f)
                         for name, f in self._dbf_fields}
                geom, repairs, problem = geometry_from_fiona(feat.geometry)
                yield SourceFeature(fid, props, geom, repairs, problem)
        self.finish_reading({}, self._bad_values)
        self._bad_values = 0


class ShapefileRecords:
    """Polygon records of a shapefile read by number, a chunk at a time.

    What GDAL reads for a simple record — one closed ring of 4 or more
    points, or a null shape — is built here from the coordinate arrays
    (the same numbers GDAL would return, without a Python object per
    vertex).  Every other record (several rings, which GDAL sorts into
    polygons and holes; short or open rings; anything odd in the record)
    is read by GDAL itself.  Records marked deleted in the .dbf are
    skipped, as GDAL skips them.

    Any range can be read on its own, so each process of a parallel import
    reads its own batches.  What reading found is counted here
    (:attr:`warnings` from GDAL, :attr:`bad_values` not valid in the
    encoding) and becomes notes through :meth:`ShapefileSource.finish_reading`.
    """

    def __init__(self, src: ShapefileSource, fields: Iterable[str] | None = None):
        self.src = src
        self.warnings: dict[str, int] = {}
        self.bad_values = 0
        wanted = None if fields is None else set(fields)
        self._fields = [(name, f) for name, f in src._dbf_fields
                        if wanted is None or name in wanted]
        self._names = [name for name, _ in self._fields]
        self._caches: list[dict] = [{} for _ in self._fields]
        with contextlib.ExitStack() as stack:
            # Entered, the collection also routes GDAL's warnings to logging.
            self._collection = stack.enter_context(src._open_geometries())
            self._shp, self._shx, self._dbf = (stack.enter_context(open(path, "rb"))
                                               for path in (src.shp, src.shx, src.dbf))
            self._shp_size = os.fstat(self._shp.fileno()).st_size
            self._open = stack.pop_all()

    def close(self) -> None:
        self._open.close()

    def __enter__(self) -> "ShapefileRecords":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def read(self, start: int, stop: int) -> list[SourceFeature]:
        """The features of records ``start`` to ``stop`` (not included)."""
        out: list[SourceFeature] = []
        stop = min(stop, self.src._count)
        warnings = _GdalWarnings()
        logger = logging.getLogger("fiona")
        logger.addHandler(warnings)
        try:
            while start < stop:
                start = self._read_chunk(start, stop, out)
        finally:
            logger.removeHandler(warnings)
            for msg, n in warnings.counts.items():
                self.warnings[msg] = self.warnings.get(msg, 0) + n
        return out

    def _read_chunk(self, start: int, stop: int, out: list) -> int:
        src, header = self.src, self.src.dbf_header
        reclen = header.record_length
        self._shx.seek(100 + 8 * start)
        index = np.frombuffer(self._shx.read(8 * min(_CHUNK, stop - start)), ">i4")
        index = index.reshape(-1, 2).astype(np.int64) * 2  # words -> bytes
        offsets, lengths = _cut_chunk(index[:, 0], index[:, 1])
        n = len(offsets)
        self._dbf.seek(header.header_length + start * reclen)
        chunk = self._dbf.read(n * reclen)
        if len(chunk) < n * reclen:
            raise src._err(f"feature {start + len(chunk) // reclen}: the .dbf ends "
                           "early (truncated)")
        deleted = [flag == 0x2A for flag in chunk[0:n * reclen:reclen]]  # b"*"
        geoms = _read_polygons(self._shp, self._shp_size, offsets, lengths)
        columns = [self._column(chunk, n, f, cache)
                   for (_, f), cache in zip(self._fields, self._caches)]
        rows = zip(*columns) if columns else iter([()] * n)
        names = self._names
        for i, row in enumerate(rows):
            if deleted[i]:
                continue
            fid = start + i
            geom = geoms[i]
            if geom is _GDAL:
                shape = self._collection[fid].geometry
                geom, repairs, problem = geometry_from_fiona(shape)
                out.append(SourceFeature(fid, dict(zip(names, row)), geom, repairs, problem))
            else:
                out.append(SourceFeature(fid, dict(zip(names, row)), geom))
        return start + n

    def _column(self, chunk: bytes, n: int, f: encmod.DbfField, cache: dict) -> list:
        """One field's values of ``n`` DBF records read together.

        Survey files repeat most of their values (class names, owners, the
        year): each distinct cell is decoded once per chunk (numpy finds
        them), and decoded values are kept per raw bytes (up to _CELL_CACHE)
        across chunks.
        """
        reclen = self.src.dbf_header.record_length
        width = f.length
        records = np.frombuffer(chunk, dtype=np.uint8, count=n * reclen).reshape(n, reclen)
        cells = np.ascontiguousarray(records[:, f.offset:f.offset + width])
        distinct, which = np.unique(cells.view(f"V{width}").ravel(), return_inverse=True)
        raw_all = distinct.tobytes()
        decode = self.src._decode
        decoded = []
        unclean = []
        for k in range(len(distinct)):
            raw = raw_all[k * width:(k + 1) * width]
            hit = cache.get(raw)
            if hit is None:
                hit = decode(raw, f)
                if len(cache) < _CELL_CACHE:
                    cache[raw] = hit
            decoded.append(hit[0])
            if not hit[1]:
                unclean.append(k)
        which = which.ravel().tolist()
        if unclean:
            self.bad_values += sum(which.count(k) for k in unclean)
        return [decoded[k] for k in which]


_DIRECT_SHAPE_TYPES = (5,)     # Polygon files: read by _read_polygons, not record by record
_CHUNK = 1000                  # records read together from a shapefile
_CHUNK_BYTES = 32 * 1024 ** 2  # ... or fewer, to keep a chunk of .shp under this
_CELL_CACHE = 4096             # decoded DBF values kept per field
_GDAL = object()               # marks a record that GDAL reads


def _cut_chunk(offsets: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The leading records of a chunk whose .shp bytes stay under _CHUNK_BYTES (at least one)."""
    sizes = np.cumsum(np.maximum(lengths, 0) + 8)
    n = max(1, int(np.searchsorted(sizes, _CHUNK_BYTES, side="right")))
    return offsets[:n], lengths[:n]


def _gather_doubles(buf: np.ndarray, starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The little-endian doubles of runs (byte start, number of doubles) of ``buf``, concatenated.

    The runs are read through views of the buffer at each byte alignment,
    so that the gather indexes doubles rather than bytes.
    """
    total = int(counts.sum())
    out = np.empty(total, dtype="<f8")
    if not total:
        return out
    ends = np.cumsum(counts)
    begins = ends - counts
    align = starts % 8
    raw = buf.data
    for a in np.unique(align).tolist():
        view = np.frombuffer(raw, dtype="<f8", count=(len(buf) - a) // 8, offset=a)
        sel = np.flatnonzero(align == a)
        c = counts[sel]
        first = (starts[sel] - a) // 8
        # index of every double of these runs in the view, and its place in out
        src = np.repeat(first - np.cumsum(c) + c, c) + np.arange(int(c.sum()))
        dst = np.repeat(begins[sel] - np.cumsum(c) + c, c) + np.arange(int(c.sum()))
        out[dst] = view[src]
    return out


def _read_polygons(shp, shp_size: int, offsets: np.ndarray, lengths: np.ndarray) -> list:
    """Per record: a Polygon (one closed ring of 4+ points), None (a null
    shape) or _GDAL (anything else: GDAL reads it)."""
    n = len(offsets)
    out: list = [_GDAL] * n
    inside = (offsets >= 100) & (lengths >= 4) & (offsets + 8 + lengths <= shp_size)
    if not inside.any():
        return out
    lo = int(offsets[inside].min())
    hi = int((offsets + 8 + lengths)[inside].max())
    if hi - lo > 2 * _CHUNK_BYTES:  # records far apart in the file: leave them to GDAL
        return out
    shp.seek(lo)
    buf = np.frombuffer(shp.read(hi - lo), dtype=np.uint8)
    rel = offsets - lo
    content = int32s_at(buf, rel + 4, ">i4") * 2
    rtype = int32s_at(buf, rel + 8, "<i4")
    nparts = int32s_at(buf, rel + 44, "<i4")
    npoints = int32s_at(buf, rel + 48, "<i4")
    part0 = int32s_at(buf, rel + 52, "<i4")
    same_length = inside & (content == lengths)
    null = same_length & (rtype == 0) & (lengths == 4)
    simple = (same_length & (rtype == 5) & (nparts == 1) & (part0 == 0) & (npoints >= 4)
              & (lengths == 48 + 16 * npoints))
    for i in np.flatnonzero(null).tolist():
        out[i] = None
    if not simple.any():
        return out
    idx = np.flatnonzero(simple)
    counts = npoints[idx]
    coords = _gather_doubles(buf, rel[idx] + 56, counts * 2).reshape(-1, 2)
    ring_end = np.cumsum(counts)
    ring_start = ring_end - counts
    closed = (coords[ring_start] == coords[ring_end - 1]).all(axis=1)
    if not closed.all():  # open rings are GDAL's (and the report's) to fix
        keep = np.repeat(closed, counts)
        coords, counts, idx = coords[keep], counts[closed], idx[closed]
        if not len(idx):
            return out
    ring_offsets = np.concatenate([[0], np.cumsum(counts)])
    polys = shapely.from_ragged_array(shapely.GeometryType.POLYGON, np.ascontiguousarray(coords),
                                      (ring_offsets, np.arange(len(idx) + 1)))
    for i, g in zip(idx.tolist(), polys):
        out[i] = g
    return out


# --- fiona-backed formats -------------------------------------------------------------------

class FionaSource(Source):
    """A layer of a format whose text is UTF-8 by definition (GeoPackage, GeoJSON, KML)."""

    driver = ""

    def __init__(self, path: Path, layer: str | None = None, *, encoding: str | None = None,
                 archive: Path | None = None):
        path = Path(path)
        self.file = path
        layers = self._list_layers(path, archive or path)
        chosen = self._choose_layer(layers, layer, archive or path)
        super().__init__(archive or path, chosen)
        self.encoding = "utf-8"
        self.encoding_note = f"{self.format} text is UTF-8 by specification"
        if encoding:
            self.notes.append(f"--encoding {encoding} ignored: {self.format} text is always UTF-8")
        try:
            with fiona.open(path, layer=chosen, driver=self.driver) as c:
                self._count = len(c)
                self.fields = [(n, t.split(":")[0]) for n, t in c.schema["properties"].items()]
                self.geometry_type = (c.schema.get("geometry") or "Unknown").replace("3D ", "")
                if "3D " in (c.schema.get("geometry") or ""):
                    self.notes.append(Z_NOTE)
                self.crs = pyproj.CRS.from_user_input(c.crs) if c.crs else None
                try:
                    self.bounds = tuple(c.bounds) if self._count else None
                except Exception:
                    self.bounds = None
        except Exception as exc:
            raise self._err(f"GDAL cannot read it as {self.format}: {_gdal_message(exc)}") from None
        if self.crs is None:
            self.crs_note = "the file declares no CRS"
        self._after_open()
        self._check_crs_against_bounds()

    def _after_open(self) -> None:
        pass

    @classmethod
    def _list_layers(cls, path: Path, shown: Path) -> list[str]:
        cls._sniff_check(path, shown)
        try:
            return list(fiona.listlayers(path))
        except Exception as exc:
            raise SourceError(f"{shown.name}: GDAL cannot read it as {cls.format}: "
                              f"{_gdal_message(exc)}") from None

    @classmethod
    def _sniff_check(cls, path: Path, shown: Path) -> None:
        if path.stat().st_size == 0:
            raise SourceError(f"{shown.name}: empty file (0 bytes)")

    def _choose_layer(self, layers: list[str], layer: str | None, shown: Path) -> str:
        if layer is not None:
            if layer in layers:
                return layer
            raise LayerChoiceError(f"{shown.name}: no layer {layer!r}; layers: {', '.join(layers)}",
                                   layers)
        if len(layers) == 1:
            return layers[0]
        if not layers:
            raise SourceError(f"{shown.name}: contains no layers")
        raise LayerChoiceError(f"{shown.name} has {len(layers)} layers; choose one with "
                               f"--source-layer: {', '.join(layers)}", layers)

    def _extra_props(self) -> Iterator[dict] | None:
        return None

    def features(self) -> Iterator[SourceFeature]:
        try:
            collection = fiona.open(self.file, layer=self.layer_name, driver=self.driver)
        except Exception as exc:
            raise self._err(f"GDAL cannot read it: {_gdal_message(exc)}") from None
        extra = self._extra_props()
        with collection, _gdal_warnings(self.notes):
            for pos, feat in enumerate(collection):
                # Formats without a declared dimension (KML) show Z per feature.
                if Z_NOTE not in self.notes and _has_z(feat.geometry):
                    self.notes.append(Z_NOTE)
                try:
                    index = int(feat.id)
                except (TypeError, ValueError):
                    index = pos
                props = dict(feat.properties)
                if extra is not None:
                    props.update(next(extra, {}))
                geom, repairs, problem = geometry_from_fiona(feat.geometry)
                yield SourceFeature(index, props, geom, repairs, problem)


class GeoPackageSource(FionaSource):
    format = "GeoPackage"
    driver = "GPKG"

    @classmethod
    def _sniff_check(cls, path: Path, shown: Path) -> None:
        super()._sniff_check(path, shown)
        with open(path, "rb") as fh:
            head = fh.read(100)
        if not head.startswith(b"SQLite format 3\x00"):
            raise SourceError(f"{shown.name}: not a GeoPackage: it is {_sniff(head)}")

    @classmethod
    def _list_layers(cls, path: Path, shown: Path) -> list[str]:
        layers = super()._list_layers(path, shown)
        # Attribute-only tables are layers to GDAL but have nothing to import.
        spatial = []
        for name in layers:
            try:
                with fiona.open(path, layer=name) as c:
                    if c.schema.get("geometry") not in (None, "None"):
                        spatial.append(name)
            except Exception:
                continue
        return spatial or layers


class GeoJSONSource(FionaSource):
    format = "GeoJSON"
    driver = "GeoJSON"

    @classmethod
    def _sniff_check(cls, path: Path, shown: Path) -> None:
        super()._sniff_check(path, shown)
        with open(path, "rb") as fh:
            head = fh.read(4096)
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not text.startswith((b"{", b"[")):
            raise SourceError(f"{shown.name}: not GeoJSON: it is {_sniff(head)}")

    def _after_open(self) -> None:
        with open(self.file, "rb") as fh:
            head = fh.read(65536)
        if b'"crs"' not in head and self.crs is not None and self.crs.is_geographic:
            self.notes.append("no crs member: WGS 84 lon/lat, as RFC 7946 defines for GeoJSON")


class KMLSource(FionaSource):
    format = "KML"
    driver = "KML"

    @classmethod
    def _sniff_check(cls, path: Path, shown: Path) -> None:
        super()._sniff_check(path, shown)
        with open(path, "rb") as fh:
            head = fh.read(4096)
        if b"<kml" not in head and b"<Document" not in head and b"<Placemark" not in head:
            raise SourceError(f"{shown.name}: not KML: it is {_sniff(head)}")

    def _after_open(self) -> None:
        # GDAL's KML driver reads only <name> and <description>; agencies put
        # their attributes in <ExtendedData>, which we read ourselves.
        self._extended = _kml_extended_data(self.file, self.layer_name, self._count)
        if self._extended is None:
            self.notes.append("ExtendedData not read: placemarks could not be matched to the layer")
            return
        names = []
        for d in self._extended:
            for k in d:
                if k not in names and k not in self.field_names:
                    names.append(k)
        self.fields += [(n, "str") for n in names]

    def _extra_props(self) -> Iterator[dict] | None:
        if not getattr(self, "_extended", None):
            return None
        return iter(self._extended)


_KML_NS = "{http://www.opengis.net/kml/2.2}"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _kml_extended_data(path: Path, layer: str, count: int) -> list[dict] | None:
    """ExtendedData of the placemarks of one layer (GDAL names layers after folders)."""
    per_container: dict[str, list[dict]] = {}
    stack: list[list] = []  # [tag, name]
    try:
        for event, elem in ET.iterparse(path, events=("start", "end")):
            tag = _local(elem.tag)
            if event == "start":
                if tag in ("Folder", "Document"):
                    stack.append([tag, None])
                continue
            if tag == "name" and stack and stack[-1][1] is None:
                stack[-1][1] = (elem.text or "").strip()
            elif tag in ("Folder", "Document"):
                stack.pop()
                elem.clear()
            elif tag == "Placemark":
                data = {}
                for d in elem.iter():
                    t = _local(d.tag)
                    if t == "Data" and d.get("name"):
                        v = next((c.text for c in d if _local(c.tag) == "value"), None)
                        data[d.get("name")] = v.strip() if v else None
                    elif t == "SimpleData" and d.get("name"):
                        data[d.get("name")] = (d.text or "").strip() or None
                container = next((n for tg, n in reversed(stack) if tg == "Folder" and n), None) \
                    or next((n for tg, n in reversed(stack) if n), "")
                per_container.setdefault(container, []).append(data)
                elem.clear()
    except ET.ParseError:
        return None
    rows = per_container.get(layer)
    if rows is None and len(per_container) == 1:
        rows = next(iter(per_container.values()))
    if rows is None or len(rows) != count:
        return None
    return rows


# --- archives -----------------------------------------------------------------------------

def _member_problem(info: zipfile.ZipInfo) -> str | None:
    name = info.filename.replace("\\", "/")
    mode = info.external_attr >> 16
    if info.create_system == 3 and stat.S_ISLNK(mode):
        return "is a symbolic link"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "has an absolute path"
    if ".." in PurePosixPath(name).parts:
        return "points outside the archive (..)"
    if "\x00" in name:
        return "has a NUL byte in its name"
    if info.file_size > MAX_EXTRACT_BYTES:
        return f"claims {info.file_size:,} bytes"
    return None


def _safe_members(zf: zipfile.ZipFile, zip_path: Path) -> list[zipfile.ZipInfo]:
    members = zf.infolist()
    for info in members:
        problem = _member_problem(info)
        if problem:
            raise UnsafeArchive(f"{zip_path.name}: refused: member {info.filename!r} {problem}; "
                                "nothing was extracted")
    return [m for m in members if not m.is_dir() and "__MACOSX" not in m.filename.split("/")
            and not PurePosixPath(m.filename).name.startswith("._")]


def _extract(zf: zipfile.ZipFile, info: zipfile.ZipInfo, dest_dir: Path) -> Path:
    """Copy one member to dest_dir under its base name only (no folders are made,
    so nothing can land outside dest_dir whatever the member is called)."""
    base = PurePosixPath(info.filename.replace("\\", "/")).name
    target = (dest_dir / base).resolve()
    if target.parent != dest_dir.resolve():
        raise UnsafeArchive(f"refused member {info.filename!r}")
    written = 0
    with zf.open(info) as src, open(target, "xb") as dst:
        while True:
            chunk = src.read(1 << 20)
            if not chunk:
                break
            written += len(chunk)
            if written > max(info.file_size, 1) * 2 + (1 << 20) or written > MAX_EXTRACT_BYTES:
                raise UnsafeArchive(f"member {info.filename!r} is larger than it claims")
            dst.write(chunk)
    return target


def _zip_shapefiles(members: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
    """{layer name: .shp member}; the layer is the stem, or the path if stems repeat."""
    shps = [m for m in members if m.filename.lower().endswith(".shp")]
    stems = [PurePosixPath(m.filename).stem for m in shps]
    return {(PurePosixPath(m.filename).stem if stems.count(PurePosixPath(m.filename).stem) == 1
             else str(PurePosixPath(m.filename).with_suffix(""))): m for m in shps}


def _open_zip(path: Path, layer: str | None, encoding: str | None) -> Source:
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        with open(path, "rb") as fh:
            head = fh.read(64)
        raise SourceError(f"{path.name}: not a zip archive: it is {_sniff(head)}") from None
    with zf:
        members = _safe_members(zf, path)
        shapefiles = _zip_shapefiles(members)
        if not shapefiles:
            listing = ", ".join(m.filename for m in members[:10]) or "nothing"
            if len(members) > 10:
                listing += f" and {len(members) - 10} more"
            raise SourceError(f"{path.name}: no shapefile (.shp) in the archive; it contains: "
                              f"{listing}")
        if layer is None:
            if len(shapefiles) > 1:
                raise LayerChoiceError(f"{path.name} holds {len(shapefiles)} shapefiles; choose one "
                                       f"with --source-layer: {', '.join(shapefiles)}",
                                       list(shapefiles))
            layer = next(iter(shapefiles))
        elif layer not in shapefiles:
            alt = {PurePosixPath(k).name: k for k in shapefiles}
            if layer.removesuffix(".shp") in shapefiles:
                layer = layer.removesuffix(".shp")
            elif layer in alt:
                layer = alt[layer]
            else:
                raise LayerChoiceError(f"{path.name}: no shapefile {layer!r}; shapefiles: "
                                       f"{', '.join(shapefiles)}", list(shapefiles))
        shp_member = shapefiles[layer]
        folder = str(PurePosixPath(shp_member.filename).parent)
        stem = PurePosixPath(shp_member.filename).stem.lower()
        tmp = tempfile.mkdtemp(prefix="ecoinv-zip-")
        try:
            shp_path = None
            for m in members:
                p = PurePosixPath(m.filename.replace("\\", "/"))
                if str(p.parent) != folder:
                    continue
                name = p.name.lower()
                if not any(name == stem + ext for ext in SHAPEFILE_SIDECARS):
                    continue
                out = _extract(zf, m, Path(tmp))
                if name == stem + ".shp":
                    shp_path = out
            src = ShapefileSource(shp_path, encoding=encoding, archive=path,
                                  layer_name=layer)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        src._tmpdir = tmp
        return src


def _open_kmz(path: Path, layer: str | None, encoding: str | None) -> Source:
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise SourceError(f"{path.name}: not a KMZ (zip) archive") from None
    with zf:
        members = _safe_members(zf, path)
        kmls = [m for m in members if m.filename.lower().endswith(".kml")]
        if not kmls:
            raise SourceError(f"{path.name}: no .kml document in the KMZ archive")
        doc = next((m for m in kmls if PurePosixPath(m.filename).name.lower() == "doc.kml"), kmls[0])
        tmp = tempfile.mkdtemp(prefix="ecoinv-kmz-")
        try:
            kml = _extract(zf, doc, Path(tmp))
            src = KMLSource(kml, layer, encoding=encoding, archive=path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        src._tmpdir = tmp
        return src


# --- entry points -------------------------------------------------------------------------

def _resolve(path) -> Path:
    path = Path(path)
    if not path.exists():
        raise SourceNotFound(f"{path}: no such file")
    if path.is_dir():
        raise SourceError(f"{path}: is a folder; give the .shp (or .zip, .gpkg...) file inside it")
    suffix = path.suffix.lower()
    # Users often pick the .dbf or .prj of a shapefile.
    if suffix in (".dbf", ".shx", ".prj", ".cpg"):
        shp = encmod.sidecar(path.with_suffix(".shp"), ".shp")
        if shp is not None:
            return shp
        raise SourceError(f"{path.name}: part of a shapefile, but {path.stem}.shp is missing")
    return path


def open_source(path, layer: str | None = None, encoding: str | None = None) -> Source:
    """Open one layer of a file, choosing the source class by extension."""
    path = _resolve(path)
    suffix = path.suffix.lower()
    if suffix == ".shp":
        if layer not in (None, path.stem):
            raise LayerChoiceError(f"{path.name}: a shapefile has one layer ({path.stem}), "
                                   f"not {layer!r}", [path.stem])
        return ShapefileSource(path, encoding=encoding)
    if suffix == ".zip":
        return _open_zip(path, layer, encoding)
    if suffix == ".kmz":
        return _open_kmz(path, layer, encoding)
    cls = {".gpkg": GeoPackageSource, ".geojson": GeoJSONSource, ".json": GeoJSONSource,
           ".kml": KMLSource}.get(suffix)
    if cls is None:
        raise UnsupportedFormat(f"{path.name}: unsupported file type {path.suffix or '(none)'}; "
                                f"supported: {SUPPORTED}")
    return cls(path, layer, encoding=encoding)


def list_layers(path) -> list[str]:
    """The layers one could import from a file."""
    path = _resolve(path)
    suffix = path.suffix.lower()
    if suffix == ".shp":
        return [path.stem]
    if suffix == ".zip":
        try:
            with zipfile.ZipFile(path) as zf:
                return list(_zip_shapefiles(_safe_members(zf, path)))
        except zipfile.BadZipFile:
            raise SourceError(f"{path.name}: not a zip archive") from None
    if suffix == ".kmz":
        with open_source(path) as src:
            return [src.layer_name]
    cls = {".gpkg": GeoPackageSource, ".geojson": GeoJSONSource, ".json": GeoJSONSource,
           ".kml": KMLSource}.get(suffix)
    if cls is None:
        raise UnsupportedFormat(f"{path.name}: unsupported file type; supported: {SUPPORTED}")
    return cls._list_layers(path, path)
