"""The SpatiaLite inventory: the only module that writes SQL.

One inventory is one SpatiaLite file.  Every layer in ``schema.LAYERS`` is a
real SpatiaLite geometry table (registered in ``geometry_columns`` with its
SRID and an R*Tree spatial index), so QGIS and ``ogrinfo`` open it as-is.

Writes happen in transactions (``BEGIN IMMEDIATE``, so a second writer
waits for the busy timeout and then gets :class:`InventoryLocked` rather
than a half-done write); each write appends a ``history`` row inside the
same transaction.  The rollback journal (not WAL) is used so that a failed
or cancelled transaction leaves the file byte-for-byte as it was.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import getpass
import itertools
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from . import __version__, schema
from .errors import EcoinvError

if TYPE_CHECKING:
    import sqlite_utils
from .geometry import (GeometryError, as_crs, check_all_for_layer, check_for_layer,
                       geodesic_area_ha, geodesic_areas_ha, object_array,
                       spatialite_blobs)

GEOM = "geom"
META_TABLE = "inventory_meta"
MIGRATIONS_TABLE = "schema_migrations"
HISTORY_TABLE = "history"
_HISTORY_INSERT = (f"INSERT INTO {HISTORY_TABLE} (time, user, table_name, feature_id, action, "
                   "old_values, new_values, old_geom, new_geom, batch) VALUES (?,?,?,?,?,?,?,?,?,?)")


# The page size of new inventories: a parcel's row (its geometry BLOB) is
# about a kilobyte, so 16 KiB pages hold a dozen where 4 KiB ones hold three
# or four (importing 100,000 parcels: 5 % faster).
PAGE_SIZE = 16384


class StoreError(EcoinvError):
    """The inventory file cannot be opened, read or written as asked."""


class SpatialiteMissing(StoreError):
    exit_code = 3


class InventoryLocked(StoreError):
    exit_code = 4


class FeatureNotFound(StoreError, KeyError):
    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "feature not found"


def _sqlite_module():
    # The stock sqlite3 of some Python builds cannot load extensions; sqlean
    # ships an SQLite that can.  pysqlite3 is the fallback.
    try:
        import sqlean as mod
    except ImportError:  # pragma: no cover - sqlean is a declared dependency
        import pysqlite3.dbapi2 as mod  # type: ignore
    return mod


_sqlite = _sqlite_module()
OperationalError = _sqlite.OperationalError
DatabaseError = _sqlite.DatabaseError


def _spatialite_candidates() -> list[str]:
    # An explicit path (a bundle, an unusual install) is the only one tried.
    env = os.environ.get("ECOINV_SPATIALITE")
    if env:
        return [env]
    return ["mod_spatialite", "mod_spatialite.so"]


def _preload_gdal() -> None:
    # SQLite loads mod_spatialite with RTLD_GLOBAL, which puts the system's
    # PROJ, GEOS and SQLite into the global symbol scope.  fiona's bundled
    # GDAL, if loaded after that, binds to those instead of its own copies and
    # crashes (segfault reading a shapefile).  Loaded first, it keeps its own.
    global _gdal_preloaded
    if _gdal_preloaded:
        return
    _gdal_preloaded = True
    if _preload_wheel_libraries("fiona"):
        return
    try:
        import fiona  # noqa: F401
    except ImportError:  # pragma: no cover - fiona is a declared dependency
        pass


_gdal_preloaded = False


def _preload_wheel_libraries(package: str) -> bool:
    """Load the shared libraries a wheel bundles (``<package>.libs/``: GDAL
    and its PROJ, GEOS, SQLite…) with their symbols bound now and kept local,
    without importing the package (a sixth of the time: the statistics of a
    big layer open the inventory without ever reading a file).  When the
    package is imported later, its modules find these already loaded.
    False when there is no such folder (a frozen app, a system build): the
    caller then imports the package."""
    import ctypes
    import importlib.util

    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return False
    if spec is None or not spec.origin or not hasattr(os, "RTLD_LOCAL"):
        return False
    libs = Path(spec.origin).parent.with_name(f"{package}.libs")
    todo = sorted(str(p) for p in libs.glob("*.so*")) if libs.is_dir() else []
    if not todo:
        return False
    def loaded(lib: str) -> bool:
        try:
            ctypes.CDLL(lib, mode=os.RTLD_NOW | os.RTLD_LOCAL)
        except OSError:
            return False
        return True

    # Each library needs the ones it links to loaded first: go round again
    # while a round loads something.
    while todo:
        left = [lib for lib in todo if not loaded(lib)]
        if len(left) == len(todo):
            return False
        todo = left
    return True


def connect_sqlite(path: str | os.PathLike, *, busy_timeout: float = 5.0):
    """A DB-API connection to ``path`` without SpatiaLite (see
    :func:`load_spatialite`): enough for plain SQL, which is what reading
    rows, their geometry BLOBs and the R*Tree index needs.

    Autocommit mode (``isolation_level=None``): transactions are explicit.
    """
    conn = _sqlite.connect(str(path), timeout=busy_timeout, isolation_level=None,
                           check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def load_spatialite(conn) -> None:
    """Load mod_spatialite into ``conn``: its SQL functions and the
    triggers of its geometry columns need it (any write, AsBinary, ...).
    Raises :class:`SpatialiteMissing` (the connection stays usable for plain SQL)."""
    _preload_gdal()
    # Loading SpatiaLite sets its own busy timeout: the connection's is put back.
    busy_ms = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    conn.enable_load_extension(True)
    try:
        for name in _spatialite_candidates():
            try:
                conn.load_extension(name)
            except OperationalError:
                continue
            conn.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
            return
        raise SpatialiteMissing(
            "mod_spatialite not found: install the Debian package libsqlite3-mod-spatialite "
            "(apt-get install libsqlite3-mod-spatialite) or set ECOINV_SPATIALITE"
        )
    finally:
        conn.enable_load_extension(False)


def connect_spatialite(path: str | os.PathLike, *, busy_timeout: float = 5.0):
    """A DB-API connection to ``path`` with mod_spatialite loaded.

    Autocommit mode (``isolation_level=None``): transactions are explicit.
    """
    conn = connect_sqlite(path, busy_timeout=busy_timeout)
    try:
        load_spatialite(conn)
    except BaseException:
        conn.close()
        raise
    return conn


# What json.dumps(value, ensure_ascii=False) writes, without making an encoder per call.
_to_json = json.JSONEncoder(ensure_ascii=False).encode


@dataclass
class EncodedRows:
    """New rows of one layer in the forms the store writes them, made by
    :func:`encode_rows` (which needs no connection, so the importer's worker
    processes make them) and written by :meth:`Inventory.insert_encoded`."""
    layer: str
    srid: int
    values: list[dict]          # the columns, computed ones (area_ha) included
    wkbs: list[bytes]           # the geometries as WKB (kept in history)
    blobs: list[bytes] | None   # ... as SpatiaLite BLOBs (None: SpatiaLite converts the WKB)
    history_values: list[str]   # the values as history keeps them (JSON)
    columns: list[str]          # the columns the rows fill, in the order of ``params``
    params: list[tuple]         # per row: its value of each column, then the geometry

    def __len__(self) -> int:
        return len(self.values)

    def take(self, positions: Sequence[int]) -> "EncodedRows":
        """The rows at ``positions``, in that order."""
        return EncodedRows(self.layer, self.srid, [self.values[k] for k in positions],
                           [self.wkbs[k] for k in positions],
                           None if self.blobs is None else [self.blobs[k] for k in positions],
                           [self.history_values[k] for k in positions], self.columns,
                           [self.params[k] for k in positions])


def encode_rows(layer: str, values_list: Sequence[dict], stored, crs, srid: int) -> EncodedRows:
    """Rows checked by :func:`schema.validate_row` with geometries in the
    layer's stored form (:func:`geometry.check_all_for_layer`, storage CRS
    ``crs``), ready for :meth:`Inventory.insert_encoded`: computed fields
    filled in (the geodesic area), geometries encoded, statement arguments
    made."""
    ldef = _layer(layer)
    stored = object_array(stored)
    if len(stored) and any(f.name == "area_ha" for f in ldef.fields):
        values_list = [{**values, "area_ha": area} for values, area
                       in zip(values_list, geodesic_areas_ha(stored, crs).tolist())]
    else:
        values_list = [dict(values) for values in values_list]
    wkbs = shapely.to_wkb(stored, byte_order=1, include_srid=False).tolist() if len(stored) else []
    blobs = spatialite_blobs(stored, srid, wkbs)
    columns = list(dict.fromkeys(itertools.chain.from_iterable(values_list)))
    geometry_args = [(blob,) for blob in blobs] if blobs is not None \
        else [(wkb, srid) for wkb in wkbs]  # SpatiaLite makes the BLOB: GeomFromWKB(wkb, srid)
    in_order = tuple(columns)
    if all(tuple(values) == in_order for values in values_list):  # the usual case
        params = [(*values.values(), *arg) for values, arg in zip(values_list, geometry_args)]
    else:
        params = [(*[values.get(c) for c in columns], *arg)
                  for values, arg in zip(values_list, geometry_args)]
    return EncodedRows(layer, srid, values_list, wkbs, blobs,
                       [_to_json(values) for values in values_list], columns, params)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")


def _current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return os.environ.get("USER", "unknown")


@dataclass
class Feature:
    layer: str
    id: int
    props: dict[str, Any]
    geometry: BaseGeometry | None

    def __getitem__(self, key: str) -> Any:
        return self.props[key]


@dataclass(frozen=True)
class LayerInfo:
    name: str
    geometry_type: str
    srid: int
    count: int


@dataclass
class HistoryEntry:
    id: int
    time: str
    user: str
    table: str
    feature_id: int
    action: str
    old: dict | None
    new: dict | None
    old_geometry: BaseGeometry | None
    new_geometry: BaseGeometry | None
    batch: str | None = None


# --- migrations -----------------------------------------------------------

_SQL_TYPES = {"TEXT": str, "INTEGER": int, "REAL": float}


def _create_layer(db: sqlite_utils.Database, layer: schema.Layer, srid: int) -> None:
    columns = {"id": int}
    columns.update({f.name: _SQL_TYPES[f.type] for f in layer.fields})
    fks = [(f.name, f.references, "id") for f in layer.fields if f.references]
    db.create_table(layer.name, columns, pk="id", foreign_keys=fks or None)
    # sqlite-utils makes "id INTEGER PRIMARY KEY"; ids of deleted features must
    # never be reused by new ones (history and undo refer to them), which is
    # what AUTOINCREMENT guarantees.
    sql = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [layer.name]).fetchone()[0]
    db.execute(f"DROP TABLE {_q(layer.name)}")
    db.execute(sql.replace("INTEGER PRIMARY KEY", "INTEGER PRIMARY KEY AUTOINCREMENT", 1))
    db.execute("SELECT AddGeometryColumn(?, ?, ?, ?, 'XY')",
               [layer.name, GEOM, srid, layer.geometry_type])
    db.execute("SELECT CreateSpatialIndex(?, ?)", [layer.name, GEOM])
    for f in layer.fields:
        if f.codes or f.name in ("source_key", "asset_id"):
            db.execute(f"CREATE INDEX {_q(f'ix_{layer.name}_{f.name}')} "
                       f"ON {_q(layer.name)}({_q(f.name)})")


def _migration_1(db: sqlite_utils.Database, srid: int) -> None:
    for layer in schema.LAYERS.values():
        _create_layer(db, layer, srid)
    db.create_table(HISTORY_TABLE, {
        "id": int, "time": str, "user": str, "table_name": str, "feature_id": int,
        "action": str, "old_values": str, "new_values": str,
        "old_geom": bytes, "new_geom": bytes, "batch": str,
    }, pk="id")
    db.execute(f"CREATE INDEX ix_history_feature ON {HISTORY_TABLE}(table_name, feature_id)")


def _migration_2(db: sqlite_utils.Database, srid: int) -> None:
    # The statistics ask which land-cover years there are, then read one
    # year's parcels of some classes: both answered from this index instead
    # of a scan of every parcel's row (geometry blobs included).
    db.execute("CREATE INDEX IF NOT EXISTS ix_landcover_year_class ON landcover(year, class)")


# (version, description, function(db, srid)); append, never edit, so that
# files made by older versions upgrade in order.
MIGRATIONS: list[tuple[int, str, Any]] = [
    (1, "layers, history and metadata", _migration_1),
    (2, "land cover indexed by year and class", _migration_2),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]


# --- the inventory --------------------------------------------------------

class Inventory:
    """An open inventory file."""

    def __init__(self, path: Path, conn, *, user: str | None = None,
                 spatialite_loaded: bool = True):
        self.path = Path(path)
        # The connection, SpatiaLite loaded or not: plain reads (rows, their
        # geometry BLOBs, the R*Tree) use it as it is.  Everything else goes
        # through ``conn``, which loads SpatiaLite the first time: a third of
        # the time it takes to open an inventory and compute its statistics.
        self._sqlite = conn
        self._spatialite_loaded = spatialite_loaded
        self._loading = threading.Lock()
        self.user = user or _current_user()
        self._depth = 0
        self._batch: str | None = None
        # layer -> [lowest, highest] id inserted while its index upkeep is deferred
        # (see bulk_load); None until the first insert.
        self._bulk: dict[str, list[int] | None] = {}
        meta = self.metadata()
        self.srid = int(meta["srid"])
        self.crs = as_crs(meta["crs"])
        self.name = meta.get("name", self.path.stem)
        self._data_version = self._read_data_version()

    @property
    def conn(self):
        """The connection with SpatiaLite loaded (loaded now if it is not yet)."""
        if not self._spatialite_loaded:
            with self._loading:
                if not self._spatialite_loaded:
                    load_spatialite(self._sqlite)
                    self._spatialite_loaded = True
        return self._sqlite

    @property
    def spatialite_loaded(self) -> bool:
        return self._spatialite_loaded

    # -- opening ---------------------------------------------------------
    @classmethod
    def create(cls, path, name: str | None = None, crs: str | int = schema.DEFAULT_CRS,
               *, busy_timeout: float = 5.0, extra_meta: dict | None = None) -> "Inventory":
        path = Path(path)
        if path.exists():
            raise StoreError(f"{path}: already exists; open it instead of creating it")
        crs_obj = as_crs(crs)
        code = crs_obj.to_epsg()
        if code is None:
            raise StoreError(f"storage CRS {crs!r} has no EPSG code; use one, e.g. EPSG:4490")
        if not path.parent.exists():
            raise StoreError(f"{path.parent}: folder does not exist")
        conn = connect_spatialite(path, busy_timeout=busy_timeout)
        try:
            conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # before the first table
            conn.execute("SELECT InitSpatialMetadata(1)")
            if conn.execute("SELECT 1 FROM spatial_ref_sys WHERE srid = ?", [code]).fetchone() is None:
                raise StoreError(f"EPSG:{code} is not in SpatiaLite's spatial_ref_sys")
            conn.execute("BEGIN IMMEDIATE")
            import sqlite_utils  # only to create and migrate: not on every start

            db = sqlite_utils.Database(conn)
            db.create_table(META_TABLE, {"key": str, "value": str}, pk="key")
            db.create_table(MIGRATIONS_TABLE, {"version": int, "description": str,
                                               "applied_at": str}, pk="version")
            meta = {
                "name": name or path.stem,
                "crs": f"EPSG:{code}",
                "srid": str(code),
                "schema_version": "0",
                "created": _now(),
                "created_by": f"ecoinv {__version__}",
            }
            meta.update({k: str(v) for k, v in (extra_meta or {}).items()})
            for k, v in meta.items():
                conn.execute(f"INSERT INTO {META_TABLE}(key, value) VALUES (?, ?)", [k, v])
            _apply_migrations(conn, code)
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(Exception):
                conn.execute("ROLLBACK")
            conn.close()
            with contextlib.suppress(OSError):
                path.unlink()
            raise
        return cls(path, conn)

    @classmethod
    def open(cls, path, *, busy_timeout: float = 5.0, migrate: bool = True) -> "Inventory":
        path = Path(path)
        if not path.exists():
            raise StoreError(f"{path}: no such inventory file")
        # SpatiaLite is loaded when something needs it (see ``conn``).
        conn = connect_sqlite(path, busy_timeout=busy_timeout)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except DatabaseError as exc:
            conn.close()
            raise StoreError(f"{path}: not an SQLite file ({exc})") from None
        if META_TABLE not in tables:
            conn.close()
            raise StoreError(f"{path}: not an ecoinv inventory (no {META_TABLE} table)")
        version = int(conn.execute(
            f"SELECT value FROM {META_TABLE} WHERE key='schema_version'").fetchone()[0])
        if version > SCHEMA_VERSION:
            conn.close()
            raise StoreError(f"{path}: made by a newer ecoinv (schema {version} > {SCHEMA_VERSION})")
        loaded = False
        if version < SCHEMA_VERSION and migrate:
            srid = int(conn.execute(f"SELECT value FROM {META_TABLE} WHERE key='srid'").fetchone()[0])
            try:
                load_spatialite(conn)
                loaded = True
                conn.execute("BEGIN IMMEDIATE")
                _apply_migrations(conn, srid)
                conn.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(Exception):
                    conn.execute("ROLLBACK")
                conn.close()
                raise
        return cls(path, conn, spatialite_loaded=loaded)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._sqlite.close()

    def __enter__(self) -> "Inventory":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- metadata ----------------------------------------------------------
    def metadata(self) -> dict[str, str]:
        return {k: v for k, v in self._sqlite.execute(f"SELECT key, value FROM {META_TABLE}")}

    def set_metadata(self, key: str, value) -> None:
        with self.transaction():
            self.conn.execute(f"INSERT OR REPLACE INTO {META_TABLE}(key, value) VALUES (?, ?)",
                              [key, None if value is None else str(value)])
        if key == "name":
            self.name = str(value)

    @property
    def schema_version(self) -> int:
        return int(self.metadata()["schema_version"])

    def migrations(self) -> list[tuple[int, str, str]]:
        return [tuple(r) for r in self._sqlite.execute(
            f"SELECT version, description, applied_at FROM {MIGRATIONS_TABLE} ORDER BY version")]

    # -- transactions --------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self, batch: str | None = None) -> Iterator["Inventory"]:
        """All writes inside happen together or not at all.

        Nested use makes a savepoint.  ``batch`` tags the history rows written
        inside (an import, one undoable edit) so they can be found together.
        """
        if self._depth == 0:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except OperationalError as exc:
                raise self._locked_or(exc) from None
            stmt_ok, stmt_fail = "COMMIT", "ROLLBACK"
        else:
            sp = f"sp{self._depth}"
            self.conn.execute(f"SAVEPOINT {sp}")
            stmt_ok, stmt_fail = f"RELEASE {sp}", f"ROLLBACK TO {sp}; RELEASE {sp}"
        self._depth += 1
        outer_batch = self._batch
        if batch is not None:
            self._batch = batch
        try:
            yield self
        except BaseException:
            self._depth -= 1
            self._batch = outer_batch
            for stmt in stmt_fail.split("; "):
                with contextlib.suppress(Exception):
                    self.conn.execute(stmt)
            raise
        self._depth -= 1
        self._batch = outer_batch
        try:
            self.conn.execute(stmt_ok)
        except OperationalError as exc:
            with contextlib.suppress(Exception):
                self.conn.execute("ROLLBACK")
            raise self._locked_or(exc) from None
        if self._depth == 0:
            self._data_version = self._read_data_version()

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    def _locked_or(self, exc: Exception) -> Exception:
        if "locked" in str(exc) or "busy" in str(exc):
            return InventoryLocked(
                f"{self.path}: inventory is locked by another program or process; "
                "try again when it has finished writing")
        return StoreError(f"{self.path}: {exc}")

    def _read_data_version(self) -> int:
        return self._sqlite.execute("PRAGMA data_version").fetchone()[0]

    def changed_externally(self) -> bool:
        """True once another connection has committed since we last looked."""
        current = self._read_data_version()
        changed = current != self._data_version
        self._data_version = current
        return changed

    # -- reading -------------------------------------------------------------
    def layers(self) -> list[LayerInfo]:
        rows = dict(self.conn.execute(
            "SELECT f_table_name, srid FROM geometry_columns").fetchall())
        return [LayerInfo(l.name, l.geometry_type, int(rows.get(l.name, self.srid)),
                          self.count(l.name))
                for l in schema.LAYERS.values()]

    def count(self, layer: str) -> int:
        _layer(layer)
        return self._sqlite.execute(f"SELECT count(*) FROM {_q(layer)}").fetchone()[0]

    def _select(self, layer: str, *, columns: Sequence[str] | None = None, bbox=None,
                ids: Iterable[int] | None = None, where: str | None = None,
                params: Sequence = (), filters: dict | None = None,
                order_by: str = "id", with_geometry: bool = True,
                raw_geometry: bool = False) -> tuple[str, list, list[str]]:
        ldef = _layer(layer)
        cols = list(columns) if columns is not None else ldef.field_names
        for c in cols:
            ldef.field(c)
        select = ["id"] + [_q(c) for c in cols]
        if with_geometry:
            select.append(GEOM if raw_geometry else f"AsBinary({GEOM})")
        sql = f"SELECT {', '.join(select)} FROM {_q(layer)}"
        conds, args = [], []
        if bbox is not None:
            xmin, ymin, xmax, ymax = map(float, bbox)
            conds.append(f"id IN (SELECT pkid FROM {_q(f'idx_{layer}_{GEOM}')} "
                         "WHERE xmax >= ? AND xmin <= ? AND ymax >= ? AND ymin <= ?)")
            args += [xmin, xmax, ymin, ymax]
        if ids is not None:
            id_list = [int(i) for i in ids]
            conds.append("id IN (SELECT value FROM json_each(?))")
            args.append(json.dumps(id_list))
        if filters:
            for k, v in filters.items():
                ldef.field(k)
                if isinstance(v, (list, tuple, set)) and len(v) == 1:
                    # One value: a plain equality, which SQLite answers from an
                    # index in id order (with an IN list it sorts the rows).
                    v = next(iter(v))
                if isinstance(v, (list, tuple, set)):
                    conds.append(f"{_q(k)} IN (SELECT value FROM json_each(?))")
                    args.append(json.dumps(list(v)))
                elif v is None:
                    conds.append(f"{_q(k)} IS NULL")
                else:
                    conds.append(f"{_q(k)} = ?")
                    args.append(v)
        if where:
            conds.append(f"({where})")
            args += list(params)
        if conds:
            sql += " WHERE " + " AND ".join(conds)
        if order_by:
            if order_by != "id":
                ldef.field(order_by)
            sql += f" ORDER BY {_q(order_by)}"
        return sql, args, cols

    def features(self, layer: str, *, bbox=None, ids: Iterable[int] | None = None,
                 where: str | None = None, params: Sequence = (), filters: dict | None = None,
                 order_by: str = "id") -> Iterator[Feature]:
        """Stream features; ``bbox`` (xmin, ymin, xmax, ymax, storage CRS) uses the spatial index."""
        sql, args, cols = self._select(layer, bbox=bbox, ids=ids, where=where, params=params,
                                       filters=filters, order_by=order_by)
        for row in self.conn.execute(sql, args):
            wkb = row[-1]
            yield Feature(layer, row[0], dict(zip(cols, row[1:-1])),
                          shapely.from_wkb(wkb) if wkb is not None else None)

    def read_arrays(self, layer: str, *, columns: Sequence[str] | None = None, bbox=None,
                    filters: dict | None = None, with_geometry: bool = True,
                    raw_geometry: bool = False) -> dict[str, Any]:
        """Column-wise read for bulk work (metrics, rendering).

        Returns {"id": ndarray, <column>: list, ..., "geometry": ndarray of shapely geometries}.
        ``raw_geometry``: "blob" instead of "geometry", the list of the
        geometries as SpatiaLite stores them (for a reader that decodes them
        all at once, :func:`ecoinv.geometry.ragged_multipolygons_from_spatialite`).
        """
        sql, args, cols = self._select(layer, columns=columns or [], bbox=bbox,
                                       filters=filters, with_geometry=with_geometry,
                                       raw_geometry=raw_geometry)
        # AsBinary needs SpatiaLite; raw BLOBs and plain columns do not.
        conn = self.conn if with_geometry and not raw_geometry else self._sqlite
        rows = conn.execute(sql, args).fetchall()
        out: dict[str, Any] = {"id": np.array([r[0] for r in rows], dtype=np.int64)}
        for i, c in enumerate(cols, start=1):
            out[c] = [r[i] for r in rows]
        if with_geometry and raw_geometry:
            out["blob"] = [r[-1] for r in rows]
        elif with_geometry:
            out["geometry"] = shapely.from_wkb([r[-1] for r in rows]) if rows else np.array([], dtype=object)
        return out

    def distinct_values(self, layer: str, column: str) -> set:
        """The distinct values of one column of a layer, NULL included.

        Found value after value, each the smallest above the last: with an
        index on the column (land cover by year) that is one look-up per
        value rather than a scan of every row.
        """
        _layer(layer).field(column)
        c, t = _q(column), _q(layer)
        rows = self._sqlite.execute(
            f"WITH RECURSIVE v(x) AS (SELECT MIN({c}) FROM {t} UNION ALL "
            f"SELECT (SELECT MIN({c}) FROM {t} WHERE {c} > v.x) FROM v WHERE v.x IS NOT NULL) "
            f"SELECT x FROM v WHERE x IS NOT NULL "
            f"UNION ALL SELECT NULL WHERE EXISTS (SELECT 1 FROM {t} WHERE {c} IS NULL)").fetchall()
        return {r[0] for r in rows}

    def get(self, layer: str, fid: int) -> Feature:
        for f in self.features(layer, ids=[fid]):
            return f
        raise FeatureNotFound(f"{layer} has no feature {fid}")

    def find_by_key(self, layer: str, source_key: str) -> Feature | None:
        for f in self.features(layer, filters={"source_key": str(source_key)}):
            return f
        return None

    def extent(self, layer: str | None = None) -> tuple[float, float, float, float] | None:
        """Bounding box of a layer (or of every layer) in the storage CRS, from the spatial index."""
        names = [layer] if layer else list(schema.LAYERS)
        boxes = []
        for name in names:
            _layer(name)
            row = self._sqlite.execute(
                f"SELECT min(xmin), min(ymin), max(xmax), max(ymax) FROM {_q(f'idx_{name}_{GEOM}')}"
            ).fetchone()
            if row and row[0] is not None:
                boxes.append(row)
        if not boxes:
            return None
        b = np.array(boxes, dtype=float)
        return (float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max()))

    # -- writing ---------------------------------------------------------------
    def area_ha(self, geom: BaseGeometry | None) -> float:
        return geodesic_area_ha(geom, self.crs)

    def _prepare_geometry(self, ldef: schema.Layer, geometry) -> tuple[BaseGeometry, bytes]:
        try:
            geom = check_for_layer(geometry, ldef.geometry_type)
        except GeometryError as exc:
            raise GeometryError(f"{ldef.name}: {exc}") from None
        return geom, shapely.to_wkb(geom, include_srid=False)

    def insert(self, layer: str, props: dict, geometry, *, fid: int | None = None,
               action: str = "insert") -> int:
        """Add one feature (attributes validated by the schema) and record it in history.

        ``geometry`` must be in the storage CRS.  ``fid`` re-creates a feature
        under its old id (undo of a delete, restore).
        """
        ldef = _layer(layer)
        values = schema.validate_row(layer, props)
        if ldef.name == "asset_zones":
            self._check_zone(values)
        geom, wkb = self._prepare_geometry(ldef, geometry)
        if any(f.name == "area_ha" for f in ldef.fields):
            values["area_ha"] = self.area_ha(geom)
        cols = list(values)
        names = (["id"] if fid is not None else []) + [_q(c) for c in cols] + [GEOM]
        args = ([int(fid)] if fid is not None else []) + [values[c] for c in cols] + [wkb, self.srid]
        marks = ", ".join(["?"] * (len(names) - 1) + ["GeomFromWKB(?, ?)"])
        with self.transaction():
            try:
                cur = self.conn.execute(
                    f"INSERT INTO {_q(layer)} ({', '.join(names)}) VALUES ({marks})", args)
            except _sqlite.IntegrityError as exc:
                raise StoreError(f"{layer}: cannot insert feature: {exc}") from None
            new_id = int(cur.lastrowid if fid is None else fid)
            self._log(layer, new_id, action, None, values, None, wkb)
            self._bulk_track(layer, new_id, new_id)
        return new_id

    def insert_many(self, layer: str, rows: Sequence[dict], geometries: Sequence, *,
                    action: str = "insert", validated: bool = False) -> list[int]:
        """Add many features at once; returns their new ids, in order.

        The result is what calling :meth:`insert` for each row in turn would
        give (the same ids, stored values, areas and history rows; the
        history rows share one timestamp), written with one statement for
        the features and one for their history, in one savepoint: all rows
        or none.  ``geometries`` must be in the storage CRS.

        ``validated=True`` is for callers that already checked every row
        with :func:`schema.validate_row` and every geometry with
        :func:`geometry.check_for_layer` for this layer (the importer):
        they are not checked a second time; only the geometry types and
        dimensions are (cheaply) confirmed.
        """
        ldef = _layer(layer)
        rows = list(rows)
        geoms = list(geometries)
        if len(rows) != len(geoms):
            raise StoreError(f"{layer}: {len(rows)} rows but {len(geoms)} geometries")
        if not rows:
            return []
        if validated:
            values_list = rows  # (encode_rows makes its own copies)
            stored, errors = check_all_for_layer(geoms, ldef.geometry_type,
                                                 valid=np.ones(len(geoms), dtype=bool))
        else:
            values_list = [schema.validate_row(layer, r) for r in rows]
            stored, errors = check_all_for_layer(geoms, ldef.geometry_type)
        bad = next((i for i, e in enumerate(errors) if e is not None), None)
        if bad is not None:
            raise GeometryError(f"{ldef.name}: {errors[bad]} (row {bad})")
        return self.insert_encoded(encode_rows(layer, values_list, stored, self.crs, self.srid),
                                   action=action)

    def insert_encoded(self, rows: "EncodedRows", *, action: str = "insert") -> list[int]:
        """Write rows made by :func:`encode_rows` (for this inventory's CRS);
        returns their new ids.  What :meth:`insert_many` writes: one
        statement for the features, one for their history, one savepoint."""
        layer = rows.layer
        ldef = _layer(layer)
        if not rows.values:
            return []
        if rows.srid != self.srid:
            raise StoreError(f"{layer}: rows encoded for SRID {rows.srid}, the inventory "
                             f"stores {self.srid}")
        if ldef.name == "asset_zones":
            for values in rows.values:
                self._check_zone(values)
        names = [_q(c) for c in rows.columns] + [GEOM]
        marks = ["?"] * len(rows.columns) + ["?" if rows.blobs is not None else "GeomFromWKB(?, ?)"]
        # The ids are AUTOINCREMENT's, which are those of _next_id (checked).
        sql = f"INSERT INTO {_q(layer)} ({', '.join(names)}) VALUES ({', '.join(marks)})"
        with self.transaction():
            first = self._next_id(layer)
            ids = list(range(first, first + len(rows.values)))
            try:
                self.conn.executemany(sql, rows.params)
            except _sqlite.IntegrityError as exc:
                raise StoreError(f"{layer}: cannot insert features: {exc}") from None
            last = self.conn.execute("SELECT last_insert_rowid()").fetchone()[0]
            if last != ids[-1]:  # pragma: no cover - SQLite's AUTOINCREMENT rule
                raise StoreError(f"{layer}: new ids end at {last}, expected {ids[-1]}")
            now, user, batch = _now(), self.user, self._batch
            self.conn.executemany(_HISTORY_INSERT, [
                (now, user, layer, fid, action, None, text, None, wkb, batch)
                for fid, text, wkb in zip(ids, rows.history_values, rows.wkbs)])
            self._bulk_track(layer, ids[0], ids[-1])
        return ids

    def _next_id(self, layer: str) -> int:
        """The id AUTOINCREMENT would give the next row of ``layer``."""
        row = self.conn.execute(
            "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?), 0), "
            f"coalesce((SELECT max(id) FROM {_q(layer)}), 0))", [layer]).fetchone()
        return int(row[0]) + 1

    # -- bulk loading --------------------------------------------------------------
    @contextlib.contextmanager
    def bulk_load(self, layer: str, *, batch: str | None = None) -> Iterator["Inventory"]:
        """A transaction (a savepoint when nested) for inserting many features
        into ``layer`` without per-row index upkeep.

        Inside, rows inserted into ``layer`` are not added to its R*Tree
        spatial index (nor is SpatiaLite's last-insert time touched, nor the
        geometry parsed again for its type and SRID, which :meth:`insert_many`
        and :meth:`insert` have checked) one by one: SpatiaLite's ``gii_``,
        ``tmi_`` and ``ggi_`` triggers are dropped, and on
        the way out the new rows are indexed in one statement (the entries
        the trigger's ``RTreeAlign`` would make) and the triggers are
        re-created from their own SQL, so the index is complete and the
        schema text unchanged.
        Deferring the index is what ogr2ogr does for large loads, made safe by doing it all
        inside the transaction: if anything fails, the rollback restores the
        triggers and the index as they were.  Updates and deletes keep their
        triggers and stay indexed as usual.  ``batch`` tags the history rows
        as :meth:`transaction` does.

        Opened outside a transaction, it also keeps SQLite's temporary files
        (the savepoint journals of :meth:`insert_many`) in memory for its
        duration; that setting can only change between transactions.
        """
        _layer(layer)
        temp_store = None
        if self._depth == 0:
            temp_store = self.conn.execute("PRAGMA temp_store").fetchone()[0]
            if temp_store != 2:
                self.conn.execute("PRAGMA temp_store = MEMORY")
        try:
            with self.transaction(batch=batch):
                if layer in self._bulk:  # already deferred by an outer bulk_load
                    yield self
                else:
                    yield from self._deferred_index(layer)
        finally:
            if temp_store is not None and temp_store != 2:
                with contextlib.suppress(Exception):
                    self.conn.execute(f"PRAGMA temp_store = {int(temp_store)}")

    def _deferred_index(self, layer: str) -> Iterator["Inventory"]:
        """The inside of :meth:`bulk_load` (already in its transaction)."""
        triggers = {}
        # ggi checks each new geometry's type and SRID by parsing it again;
        # insert_many has checked the types and writes the inventory's SRID.
        for prefix in ("gii", "tmi", "ggi"):
            name = f"{prefix}_{layer}_{GEOM}"
            row = self.conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                [name]).fetchone()
            if row is not None:
                triggers[name] = row[0]
                self.conn.execute(f"DROP TRIGGER {_q(name)}")
        self._bulk[layer] = None
        try:
            yield self
            span = self._bulk.get(layer)
        finally:
            self._bulk.pop(layer, None)
        if span is not None:
            lo, hi = span
            idx = f"idx_{layer}_{GEOM}"
            if f"gii_{layer}_{GEOM}" in triggers:
                # Rows of the span that an update trigger indexed meanwhile
                # are taken out first: each row is indexed once.
                self.conn.execute(f"DELETE FROM {_q(idx)} WHERE pkid BETWEEN ? AND ?", [lo, hi])
                # The rows the trigger's RTreeAlign would add, in one statement:
                # SQLite's R*Tree rounds minima down and maxima up to its 32-bit
                # floats as RTreeAlign does (the same index, entry for entry),
                # without RTreeAlign's SQL statement prepared per row (half the time).
                self.conn.execute(
                    f"INSERT INTO {_q(idx)} (pkid, xmin, xmax, ymin, ymax) "
                    f"SELECT id, MbrMinX({GEOM}), MbrMaxX({GEOM}), MbrMinY({GEOM}), MbrMaxY({GEOM}) "
                    f"FROM {_q(layer)} WHERE id BETWEEN ? AND ? AND {GEOM} IS NOT NULL", [lo, hi])
            if f"tmi_{layer}_{GEOM}" in triggers:
                self.conn.execute(
                    "UPDATE geometry_columns_time SET last_insert = "
                    "strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
                    "WHERE Lower(f_table_name) = Lower(?) AND Lower(f_geometry_column) = Lower(?)",
                    [layer, GEOM])
        for sql in triggers.values():
            self.conn.execute(sql)

    def _bulk_track(self, layer: str, lo: int, hi: int) -> None:
        if layer not in self._bulk:
            return
        span = self._bulk[layer]
        if span is None:
            self._bulk[layer] = [lo, hi]
        else:
            span[0], span[1] = min(span[0], lo), max(span[1], hi)

    def update(self, layer: str, fid: int, props: dict | None = None, geometry=None,
               *, action: str = "update") -> Feature:
        """Change attributes and/or geometry of one feature; returns the old feature."""
        ldef = _layer(layer)
        old = self.get(layer, fid)
        values = schema.validate_row(layer, props or {}, partial=True)
        merged = {**{k: v for k, v in old.props.items() if not ldef.field(k).computed}, **values}
        schema.validate_row(layer, merged)  # the row as a whole must stay valid
        if ldef.name == "asset_zones":
            self._check_zone(merged)
        sets, args = [], []
        for c, v in values.items():
            sets.append(f"{_q(c)} = ?")
            args.append(v)
        wkb = None
        if geometry is not None:
            geom, wkb = self._prepare_geometry(ldef, geometry)
            sets.append(f"{GEOM} = GeomFromWKB(?, ?)")
            args += [wkb, self.srid]
            if any(f.name == "area_ha" for f in ldef.fields):
                values["area_ha"] = self.area_ha(geom)
                sets.append('"area_ha" = ?')
                args.append(values["area_ha"])
        if not sets:
            return old
        old_wkb = shapely.to_wkb(old.geometry) if (wkb is not None and old.geometry is not None) else None
        old_values = {k: old.props.get(k) for k in values}
        with self.transaction():
            self.conn.execute(f"UPDATE {_q(layer)} SET {', '.join(sets)} WHERE id = ?", args + [fid])
            self._log(layer, fid, action, old_values, values, old_wkb, wkb)
        return old

    def delete(self, layer: str, fid: int, *, action: str = "delete") -> Feature:
        """Remove one feature; returns it (attributes and geometry) for undo."""
        _layer(layer)
        old = self.get(layer, fid)
        if layer == "assets":
            n = self.conn.execute("SELECT count(*) FROM asset_zones WHERE asset_id = ?", [fid]).fetchone()[0]
            if n:
                raise StoreError(f"assets {fid} ({old.props.get('name')}) has {n} zone(s); "
                                 "delete its zones first")
        with self.transaction():
            self.conn.execute(f"DELETE FROM {_q(layer)} WHERE id = ?", [fid])
            self._log(layer, fid, action, old.props, None,
                      shapely.to_wkb(old.geometry) if old.geometry is not None else None, None)
        return old

    def _check_zone(self, values: dict) -> None:
        asset_id = values.get("asset_id")
        row = self.conn.execute("SELECT category FROM assets WHERE id = ?", [asset_id]).fetchone()
        if row is None:
            raise StoreError(f"asset_zones.asset_id: no asset with id {asset_id}")
        cat = schema.CATEGORIES[row[0]]
        if values.get("zone") and cat.zones and values["zone"] not in cat.zones:
            raise schema.SchemaError(
                f"asset_zones.zone: {values['zone']!r} is not a zone of {cat.code}; "
                f"allowed: {', '.join(cat.zones)}")

    def _log(self, layer, fid, action, old, new, old_wkb, new_wkb) -> None:
        self.conn.execute(
            _HISTORY_INSERT,
            [_now(), self.user, layer, fid, action,
             None if old is None else json.dumps(old, ensure_ascii=False),
             None if new is None else json.dumps(new, ensure_ascii=False),
             old_wkb, new_wkb, self._batch])

    # -- history ---------------------------------------------------------------
    def history(self, layer: str | None = None, fid: int | None = None, *,
                batch: str | None = None, limit: int | None = None,
                newest_first: bool = False) -> list[HistoryEntry]:
        conds, args = [], []
        if layer is not None:
            conds.append("table_name = ?"); args.append(layer)
        if fid is not None:
            conds.append("feature_id = ?"); args.append(int(fid))
        if batch is not None:
            conds.append("batch = ?"); args.append(batch)
        sql = (f"SELECT id, time, user, table_name, feature_id, action, old_values, new_values, "
               f"old_geom, new_geom, batch FROM {HISTORY_TABLE}")
        if conds:
            sql += " WHERE " + " AND ".join(conds)
        sql += " ORDER BY id" + (" DESC" if newest_first else "")
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [HistoryEntry(r[0], r[1], r[2], r[3], r[4], r[5],
                             json.loads(r[6]) if r[6] else None,
                             json.loads(r[7]) if r[7] else None,
                             shapely.from_wkb(r[8]) if r[8] else None,
                             shapely.from_wkb(r[9]) if r[9] else None, r[10])
                for r in self.conn.execute(sql, args)]

    def last_edit_time(self) -> str | None:
        row = self._sqlite.execute(f"SELECT max(time) FROM {HISTORY_TABLE}").fetchone()
        return row[0] if row else None

    # -- whole-table helpers for tests and exports -------------------------
    def table_rows(self, layer: str) -> list[tuple]:
        """Every row of a layer with its geometry as WKB (exact comparisons)."""
        ldef = _layer(layer)
        cols = ", ".join(["id"] + [_q(c) for c in ldef.field_names] + [f"AsBinary({GEOM})"])
        return self.conn.execute(f"SELECT {cols} FROM {_q(layer)} ORDER BY id").fetchall()


def _layer(name: str) -> schema.Layer:
    try:
        return schema.LAYERS[name]
    except KeyError:
        raise StoreError(f"no layer {name!r}; layers: {', '.join(schema.LAYERS)}") from None


def _apply_migrations(conn, srid: int) -> None:
    import sqlite_utils

    db = sqlite_utils.Database(conn)
    done = {r[0] for r in conn.execute(f"SELECT version FROM {MIGRATIONS_TABLE}")}
    for version, description, fn in MIGRATIONS:
        if version in done:
            continue
        fn(db, srid)
        conn.execute(f"INSERT INTO {MIGRATIONS_TABLE}(version, description, applied_at) VALUES (?,?,?)",
                     [version, description, _now()])
        conn.execute(f"UPDATE {META_TABLE} SET value = ? WHERE key = 'schema_version'", [str(version)])
