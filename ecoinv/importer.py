"""Import a file into an inventory layer: plan → validate/repair → reproject → write.

The whole import is one transaction: a refused feature, a hard error or a
cancel rolls everything back and leaves the inventory file byte-for-byte
as it was.  Features are streamed from the source and handled in batches
(checked, reprojected and inserted together, progress and cancel checked
between batches), so memory stays bounded whatever the file size.  A large
import (:data:`BULK_MIN_FEATURES`) builds the spatial index of its new
features at the end (:meth:`Inventory.bulk_load`), inside the same
transaction.

The GUI's import dialog shows :func:`plan_import` (what would happen: the
encoding and how it was chosen, the CRS or the candidates to choose from,
the field mapping) and then calls :func:`import_file` with the user's
choices; the CLI does the same from its options.
"""
from __future__ import annotations

import atexit
import collections
import contextlib
import multiprocessing
import os
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable, Iterator, NamedTuple

import numpy as np
import pyproj
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from . import crs as crsmod
from . import schema
from .encoding import encoding_label
from .errors import EcoinvError
from .geometry import (GEOMETRY_TYPE_NAMES, GeometryError, check_all_for_layer, object_array,
                       check_for_layer, polygons_of)
from .sources import (ShapefileRecords, ShapefileSource, Source, SourceFeature,
                      open_source)
from .store import EncodedRows, encode_rows

ON_UNKNOWN = ("error", "skip", "keep-as-remark")
MAX_ENTRIES = 10_000      # per-feature report lines kept (counts are always exact)
MAX_REFUSALS = 100        # stop reading after this many refused features
BULK_MIN_FEATURES = 2000  # from this many features on, the spatial index is built at the end
_COERCE_CACHE = 20_000     # source values whose stored form is remembered, per import
_PLAIN_EMPTY = (None, "empty")  # an empty key value, in plain_attributes
ASSET_NAME = "asset_name"  # pseudo-target of asset_zones: the asset named by the zone file
# Imports of polygon shapefiles this large prepare their batches in worker
# processes (one per core besides the importing one, up to MAX_WORKERS)
# while the importing process writes (and prepares batches too when idle).
PARALLEL_MIN_FEATURES = 20_000
MAX_WORKERS = 4
WORKERS_ENV = "ECOINV_IMPORT_WORKERS"
WORKER_NICE = 10      # workers run at a lower priority than the writing process
_STEAL_AFTER = 0.05   # seconds the writing process waits for a worker's batch


# --- errors ---------------------------------------------------------------------------

class ImportProblem(EcoinvError):
    """The import cannot go ahead; nothing was written."""

    def __init__(self, message: str, report: "ImportReport | None" = None):
        super().__init__(" ".join(str(message).split()))  # always one line
        self.report = report


class ImportSetupError(ImportProblem):
    """The options do not fit the file or the layer (mapping, defaults, key...)."""


class CrsUnknown(ImportProblem):
    """The file has no usable CRS and none was given; ``candidates`` are ranked proposals."""

    def __init__(self, message: str, candidates: list[crsmod.CrsCandidate]):
        super().__init__(message)
        self.candidates = candidates


class NoFeatures(ImportProblem):
    pass


class ImportRefused(ImportProblem):
    """At least one feature was refused; ``report`` lists them all."""


class ImportCancelled(ImportProblem):
    exit_code = 130


# --- the plan ----------------------------------------------------------------------------

def _label(codec: str | None) -> str:
    return encoding_label(codec) if codec else "n/a"


def _norm(text: str) -> str:
    return "".join(str(text).split()).casefold()


@dataclass
class ImportPlan:
    path: str
    source_label: str            # what features get as ``source``
    format: str
    source_layer: str
    target_layer: str
    feature_count: int
    geometry_type: str
    fields: list[tuple[str, str]]
    encoding: str | None
    encoding_how: str | None
    encoding_note: str
    crs: pyproj.CRS | None       # the CRS the import will use (None: must be chosen)
    crs_how: str                 # "given" | "file" | "unknown"
    crs_note: str | None
    crs_candidates: list[crsmod.CrsCandidate]
    target_crs: pyproj.CRS
    mapping: dict[str, str]      # target field -> source field
    mapping_how: dict[str, str]  # target field -> "given" | "alias" | "cut name"
    defaults: dict[str, Any]     # target field -> value for every feature
    unmapped: list[str]          # source fields not used
    key: str | None
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.crs is not None

    def to_dict(self) -> dict:
        return {
            "path": self.path, "source": self.source_label, "format": self.format,
            "source_layer": self.source_layer, "target_layer": self.target_layer,
            "feature_count": self.feature_count, "geometry_type": self.geometry_type,
            "fields": [{"name": n, "type": t} for n, t in self.fields],
            "encoding": {"encoding": _label(self.encoding), "how": self.encoding_how,
                         "note": self.encoding_note},
            "crs": {"crs": crsmod.crs_label(self.crs) if self.crs is not None else None,
                    "how": self.crs_how, "note": self.crs_note,
                    "candidates": [c.to_dict() for c in self.crs_candidates]},
            "target_crs": crsmod.crs_label(self.target_crs),
            "mapping": dict(self.mapping), "mapping_how": dict(self.mapping_how),
            "defaults": dict(self.defaults), "unmapped": list(self.unmapped), "key": self.key,
            "notes": list(self.notes), "problems": list(self.problems), "ok": self.ok,
        }

    def to_text(self) -> str:
        lines = [f"Plan: {self.source_label} → {self.target_layer}",
                 f"  source: {self.format}, layer {self.source_layer}, "
                 f"{self.feature_count} features, {self.geometry_type}",
                 f"  encoding: {_label(self.encoding)} ({self.encoding_note})"]
        if self.crs is not None:
            lines.append(f"  CRS: {crsmod.crs_label(self.crs)} ({self.crs_how}) → "
                         f"{crsmod.crs_label(self.target_crs)}")
        else:
            lines.append(f"  CRS: unknown ({self.crs_note}); candidates:")
            lines += [f"    {c}" for c in self.crs_candidates[:12]]
            if len(self.crs_candidates) > 12:
                lines.append(f"    ... and {len(self.crs_candidates) - 12} more")
        lines.append("  mapping:")
        for target, src in self.mapping.items():
            lines.append(f"    {target} ← {src} ({self.mapping_how.get(target, '')})")
        for target, value in self.defaults.items():
            lines.append(f"    {target} = {value!r} (for every feature)")
        if self.unmapped:
            lines.append(f"  unmapped source fields: {', '.join(self.unmapped)}")
        if self.key:
            lines.append(f"  key: {self.key} (re-import updates features with the same key)")
        lines += [f"  note: {n}" for n in self.notes]
        lines += [f"  PROBLEM: {p}" for p in self.problems]
        return "\n".join(lines)


def auto_mapping(layer: str, source_fields: Iterable[str],
                 truncated: dict[str, str] | None = None,
                 exclude: Iterable[str] = ()) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """Map source fields to the layer's fields by the schema's aliases.

    Exact (case- and space-insensitive) alias matches first; then names cut
    at the DBF's 10 bytes (``truncated``: name -> the cut text) match an
    alias they are the start of, if that alias belongs to one field only.
    Returns (mapping target->source, how, notes).
    """
    ldef = schema.LAYERS[layer]
    truncated = truncated or {}
    fields = list(source_fields)
    used: set[str] = set()
    mapping: dict[str, str] = {}
    how: dict[str, str] = {}
    notes: list[str] = []
    targets = [f for f in ldef.fields if not f.computed and f.name not in exclude]
    by_norm: dict[str, list[str]] = {}
    for s in fields:
        by_norm.setdefault(_norm(s), []).append(s)
    for f in targets:
        for alias in (f.name, *f.aliases):
            hit = next((s for s in by_norm.get(_norm(alias), []) if s not in used), None)
            if hit:
                mapping[f.name], how[f.name] = hit, "alias"
                used.add(hit)
                break
    for s in fields:
        prefix = truncated.get(s)
        if s in used or not prefix or len(prefix) < 2:
            continue
        p = _norm(prefix)
        owners = [f for f in targets
                  if any(_norm(a).startswith(p) and _norm(a) != p for a in (f.name, *f.aliases))]
        if len(owners) == 1 and owners[0].name not in mapping:
            mapping[owners[0].name], how[owners[0].name] = s, "cut name"
            used.add(s)
        elif len(owners) > 1:
            notes.append(f"field {s!r} looks cut at 10 bytes and could be "
                         f"{' or '.join(o.name for o in owners)}: use --map")
    return mapping, how, notes


def _inventory_hint(inv) -> tuple[float, float, float, float] | None:
    """Where the inventory's data is, as a lon/lat box (boundary first)."""
    for layer in ("boundary", "districts", None):
        ext = inv.extent(layer)
        if ext is not None:
            try:
                return crsmod.lonlat_bounds(ext, inv.crs)
            except Exception:
                return None
    return None


def _make_plan(inv, src: Source, layer: str, *, crs=None, mapping=None, defaults=None,
               key=None, on_unknown: str = "error") -> ImportPlan:
    if layer not in schema.LAYERS:
        raise ImportSetupError(f"no layer {layer!r}; layers: {', '.join(schema.LAYERS)}")
    if on_unknown not in ON_UNKNOWN:
        raise ImportSetupError(f"on_unknown must be one of {', '.join(ON_UNKNOWN)}, "
                               f"not {on_unknown!r}")
    ldef = schema.LAYERS[layer]
    problems: list[str] = []
    notes = list(src.notes)
    names = src.field_names
    known = {f.name: f for f in ldef.fields}
    allowed_targets = set(known) | ({ASSET_NAME} if layer == "asset_zones" else set())

    # -- CRS
    crs_how, crs_note = "unknown", src.crs_note
    candidates: list[crsmod.CrsCandidate] = []
    if crs is not None:
        try:
            chosen = crsmod.parse_crs(crs)
        except crsmod.CrsError as exc:
            raise ImportSetupError(f"--crs: {exc}") from None
        crs_how = "given"
        if src.crs is not None and not crsmod.same_crs(src.crs, chosen):
            notes.append(f"the file declares {crsmod.crs_label(src.crs)}; "
                         f"using the given {crsmod.crs_label(chosen)}")
        if crsmod.is_web_mercator(chosen):
            notes.append("EPSG:3857 (Web Mercator): reprojected on import; never measured in it")
    elif src.crs is not None:
        chosen, crs_how = src.crs, "file"
    else:
        chosen = None
        if src.bounds is not None:
            candidates = crsmod.candidates_for_bounds(src.bounds, _inventory_hint(inv))
    if chosen is not None and src.bounds is not None:
        outside = crsmod.outside_area_of_use(src.bounds, chosen)
        if outside:
            problems.append(outside + (" give the right one with --crs" if crs_how == "file"
                                       else ""))
    if chosen is not None:
        shift = crsmod.datum_shift_note(chosen, inv.crs)
        if shift:
            notes.append(shift)

    # -- defaults (one value for the whole file)
    clean_defaults: dict[str, Any] = {}
    for target, value in (defaults or {}).items():
        if target not in allowed_targets:
            problems.append(f"default for {target!r}: {layer} has no such field; fields: "
                            f"{', '.join(sorted(allowed_targets))}")
            continue
        f = known.get(target)
        if f is not None and f.computed:
            problems.append(f"{layer}.{target} is computed by the inventory and cannot be set")
            continue
        if f is not None:
            try:
                value = schema.coerce(f, value, layer=layer)
            except schema.SchemaError as exc:
                problems.append(str(exc))
                continue
        clean_defaults[target] = value

    # -- mapping: given entries win, aliases fill in the rest
    given = dict(mapping or {})
    final: dict[str, str] = {}
    how: dict[str, str] = {}
    for target, source_field in given.items():
        if target not in allowed_targets:
            problems.append(f"--map {target}={source_field}: {layer} has no field {target!r}; "
                            f"fields: {', '.join(f.name for f in ldef.editable_fields)}")
        elif target in known and known[target].computed:
            problems.append(f"--map {target}: {layer}.{target} is computed by the inventory")
        elif source_field not in names:
            problems.append(f"--map {target}={source_field}: {src.path.name} has no field "
                            f"{source_field!r}; fields: {', '.join(names)}")
        elif target in clean_defaults:
            problems.append(f"{target} is both mapped from {source_field!r} and set for the whole "
                            "file; choose one")
        else:
            final[target], how[target] = source_field, "given"
    # With --key the key fills source_key, whatever the aliases would say.
    auto, auto_how, auto_notes = auto_mapping(
        layer, [n for n in names if n not in final.values() and n != key], src.truncated_fields,
        exclude=set(final) | set(clean_defaults) | ({"source_key"} if key else set()))
    final.update(auto)
    how.update(auto_how)
    notes += auto_notes
    if layer == "asset_zones" and "asset_id" not in final and "asset_id" not in clean_defaults \
            and ASSET_NAME not in final and ASSET_NAME not in clean_defaults:
        for alias in schema.ZONE_ASSET_NAME_ALIASES:
            hit = next((n for n in names if _norm(n) == _norm(alias) and n not in final.values()),
                       None)
            if hit:
                final[ASSET_NAME], how[ASSET_NAME] = hit, "alias"
                break

    # -- key
    if key is not None:
        if "source_key" not in known:
            problems.append(f"--key: layer {layer} has no source_key, so it cannot be re-imported "
                            "by key")
        elif key not in names:
            problems.append(f"--key {key}: {src.path.name} has no field {key!r}; "
                            f"fields: {', '.join(names)}")
        elif "source_key" in given and given["source_key"] != key:
            problems.append(f"--key {key} conflicts with --map source_key={given['source_key']}")
        else:
            final["source_key"], how["source_key"] = key, "key"

    # -- what is still missing
    for f in ldef.fields:
        if not f.required or f.name in final or f.name in clean_defaults:
            continue
        if f.name == "asset_id" and (ASSET_NAME in final or ASSET_NAME in clean_defaults):
            continue
        hint = {"category": "--category", "class": "--class", "kind": "--kind"}.get(f.name)
        if f.name == "asset_id":
            problems.append(
                f"{layer}.asset_id is required: no field names the asset (looked for "
                f"{', '.join(schema.ZONE_ASSET_NAME_ALIASES)}); use --map asset_name=FIELD, "
                "--map asset_id=FIELD or --set asset_id=ID")
        else:
            problems.append(f"{layer}.{f.name} is required but no source field maps to it; use "
                            + (f"{hint} VALUE or " if hint else "")
                            + f"--map {f.name}=FIELD (fields: {', '.join(names)})")
    has_codes = any(f.codes for f in ldef.fields)
    if on_unknown == "keep-as-remark" and has_codes and "remarks" not in known:
        problems.append(f"--on-unknown keep-as-remark: layer {layer} has no remarks field; "
                        "use error or skip")
    if "source_key" in final and key is None:
        notes.append(f"source_key is filled from {final['source_key']!r}; pass --key "
                     f"{final['source_key']} to update these features on re-import")
    if src.feature_count == 0:
        problems.append("no features: the file has nothing to import")

    unmapped = [n for n in names if n not in final.values()]
    return ImportPlan(
        path=str(src.path), source_label=src.label, format=src.format,
        source_layer=src.layer_name, target_layer=layer, feature_count=src.feature_count,
        geometry_type=src.geometry_type, fields=list(src.fields),
        encoding=src.encoding,
        encoding_how=src.encoding_choice.how if src.encoding_choice else "format",
        encoding_note=src.encoding_note, crs=chosen, crs_how=crs_how, crs_note=crs_note,
        crs_candidates=candidates, target_crs=inv.crs, mapping=final, mapping_how=how,
        defaults=clean_defaults, unmapped=unmapped, key=key, notes=notes, problems=problems)


def plan_import(inv, path, layer: str, *, source_layer: str | None = None, crs=None,
                encoding: str | None = None, mapping: dict | None = None,
                defaults: dict | None = None, key: str | None = None,
                on_unknown: str = "error") -> ImportPlan:
    """What importing ``path`` into ``layer`` would do, without reading the features.

    File-level errors (unreadable file, layer choice) raise; problems with
    the options and an unknown CRS are listed in the plan.
    """
    with open_source(path, layer=source_layer, encoding=encoding) as src:
        return _make_plan(inv, src, layer, crs=crs, mapping=mapping, defaults=defaults,
                          key=key, on_unknown=on_unknown)


# --- the report --------------------------------------------------------------------------

@dataclass
class FeatureEntry:
    index: int
    name: str | None
    action: str            # "updated" | "repaired" | "skipped" | "refused"
    reason: str
    field: str | None = None

    def where(self) -> str:
        """'feature 12 (太阳岛), field 级别 → level'"""
        who = f"feature {self.index}" + (f" ({self.name})" if self.name else "")
        return who + (f", field {self.field}" if self.field else "")

    def line(self, label: str | None = None) -> str:
        return f"{label + ': ' if label else ''}{self.where()}: {self.action}: {self.reason}"


@dataclass
class ImportReport:
    path: str
    source: str
    target_layer: str
    format: str = ""
    source_layer: str = ""
    encoding: str | None = None
    encoding_how: str | None = None
    encoding_note: str = ""
    source_crs: str | None = None
    target_crs: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    key: str | None = None
    total: int = 0
    processed: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    repaired: int = 0
    skipped: int = 0
    refused: int = 0
    entries: list[FeatureEntry] = field(default_factory=list)
    entries_dropped: int = 0
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False
    status: str = "running"   # "imported" | "dry-run" | "refused" | "cancelled"
    batch: str | None = None  # history batch tag of the written rows
    seconds: float = 0.0

    def add(self, entry: FeatureEntry) -> None:
        if len(self.entries) < MAX_ENTRIES:
            self.entries.append(entry)
        else:
            self.entries_dropped += 1

    @property
    def refusals(self) -> list[FeatureEntry]:
        return [e for e in self.entries if e.action == "refused"]

    def counts(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in
                ("added", "updated", "unchanged", "repaired", "skipped", "refused")}

    def to_dict(self) -> dict:
        d = {k: getattr(self, k) for k in (
            "path", "source", "target_layer", "format", "source_layer", "source_crs",
            "target_crs", "mapping", "defaults", "key", "total", "processed", "status",
            "dry_run", "batch", "notes", "entries_dropped")}
        d["encoding"] = {"encoding": _label(self.encoding), "how": self.encoding_how,
                         "note": self.encoding_note}
        d["counts"] = self.counts()
        d["entries"] = [asdict(e) for e in self.entries]
        d["seconds"] = round(self.seconds, 3)
        return d

    def to_text(self) -> str:
        verb = {"dry-run": "Dry run (nothing written)", "refused": "Refused (nothing imported)",
                "cancelled": "Cancelled (nothing imported)"}.get(self.status, "Imported")
        lines = [f"{verb}: {self.source} → {self.target_layer}",
                 f"  encoding: {_label(self.encoding)} ({self.encoding_note})",
                 f"  CRS: {self.source_crs} → {self.target_crs}"]
        if self.mapping:
            lines.append("  mapping: " + ", ".join(f"{t} ← {s}" for t, s in self.mapping.items()))
        if self.defaults:
            lines.append("  set: " + ", ".join(f"{t} = {v}" for t, v in self.defaults.items()))
        c = self.counts()
        lines.append(f"  {self.processed} of {self.total} features: " +
                     ", ".join(f"{k} {v}" for k, v in c.items()))
        for e in self.entries:
            lines.append("  " + e.line())
        if self.entries_dropped:
            lines.append(f"  ... {self.entries_dropped} more feature lines not listed")
        lines += [f"  note: {n}" for n in self.notes]
        if self.batch and self.status == "imported":
            lines.append(f"  history batch: {self.batch}")
        return "\n".join(lines)


# --- the import ------------------------------------------------------------------------------

class _Rollback(Exception):
    """Ends a dry run's transaction without committing."""


@dataclass
class _Survey:
    types: list[int]     # shapely type ids (-1: no geometry)
    empty: list[bool]
    valid: list[bool]    # polygon layers: GEOS validity (True where not asked)
    # Polygon layers: each polygon already reprojected to the storage CRS and
    # found valid there (None where not, or not asked).
    projected: list = None


@dataclass
class _Item:
    """A feature whose attributes and geometry passed their checks, while it
    is prepared (the writer gets a :class:`_Kept` of it)."""
    index: int
    name: str | None
    values: dict
    geometry: BaseGeometry | None = None    # checked, in the source CRS
    repaired: bool = False
    projected: BaseGeometry | None = None   # ``geometry`` in the storage CRS, known valid


@dataclass
class _Line:
    """A report line of a prepared batch."""
    entry: FeatureEntry
    item: int = -1       # the batch's item it is about (-1: a feature that is no item)
    counts: bool = True  # adds to its action's count (a second repair of one feature does not)


class _Write(NamedTuple):
    """An item to write, with its row in the batch's encoded rows."""
    item: int
    row: int
    outside: bool        # outside the inventory's boundary extent


class _Kept(NamedTuple):
    """What the writer needs of an item (tuples: a batch of them crosses
    between processes several times faster than dataclass instances)."""
    index: int
    name: str | None
    values: dict


@dataclass
class _Prepared:
    """A batch of features after all that an import does without the
    inventory, in the order the import reports and writes it: report lines
    and items (whose keys the writer checks) from the features' own checks,
    then report lines and writes from reprojection, with the rows to write.
    Made in the importing process or in a worker process."""
    read: int                       # features read
    checked: list                   # _Line, or an int: the item whose key is checked there
    items: list[_Kept]
    written: list                   # _Line or _Write, each about an item
    rows: EncodedRows | None
    warnings: dict[str, int]        # what reading the records found (see ShapefileRecords)
    bad_values: int


class _Preparer:
    """The part of an import that needs no inventory connection, batch by
    batch: attributes coerced and checked, geometries checked, repaired and
    reprojected, areas measured and rows encoded (:meth:`prepare`).  Its
    report lines go into the :class:`_Prepared` batch rather than the report,
    so that it can run in a worker process (:func:`_worker_start`)."""

    def __init__(self, plan: ImportPlan, *, label: str, target_crs, srid: int,
                 extent: tuple | None, assets: dict[str, list[int]], on_unknown: str,
                 repair: bool):
        self.plan = plan
        self.layer = plan.target_layer
        self.ldef = schema.LAYERS[self.layer]
        self.fields = {f.name: f for f in self.ldef.fields}
        self.on_unknown = on_unknown
        self.repair = repair
        self.polygonal = self.ldef.geometry_type == "MULTIPOLYGON"
        self.target_crs, self.srid = target_crs, srid
        self.transform = crsmod.transformer(plan.crs, target_crs)
        self.name_field = (plan.mapping.get("name") or plan.mapping.get(ASSET_NAME)
                           or _name_like_field(plan.fields) or plan.key)
        self.assets = assets
        self.extent = extent
        self._label = label
        self._defaults = {k: v for k, v in plan.defaults.items() if k != ASSET_NAME}
        self._coerced: dict = {}   # (field, type, raw value) -> (value, error)
        self._sources: dict = {}   # the file's own source text -> provenance
        # (target, source field, schema field; None for source_key) per mapped field.
        self._targets = [(t, src, None if t == "source_key" else self.fields[t])
                         for t, src in plan.mapping.items() if t != ASSET_NAME]
        # Rows can only hold the layer's own fields, none computed (not all
        # mappings are made by the plan: a caller's may name anything), and
        # then only the required ones need looking at (as validate_row does).
        filled = [t for t, _, _ in self._targets] + list(self._defaults)
        if self.layer == "asset_zones":
            filled.append("asset_id")
        if "source" in self.fields:
            filled.append("source")
        self._plain_rows = self.layer != "assets" and all(
            t in self.fields and not self.fields[t].computed for t in filled)
        self._required = [f.name for f in self.ldef.fields if f.required]
        # The source fields an item is made of (a reader can leave out the rest).
        self.source_fields = sorted({src for _, src, _ in self._targets}
                                    | {plan.mapping.get(ASSET_NAME), self.name_field} - {None})
        self._lines: list = []     # where report lines go
        self._about = -1           # the item they are about
        self._repairs = 0          # repair lines so far

    def prepare(self, batch: list[SourceFeature], warnings: dict[str, int] | None = None,
                bad_values: int = 0) -> _Prepared:
        checked: list = []
        self._lines, self._about = checked, -1
        survey = self.survey(batch)
        plain = self.plain_attributes(batch)
        items: list[_Item] = []
        for pos, feat in enumerate(batch):
            repairs_before = self._repairs
            name = _feature_name(feat, self.name_field)
            values = plain[pos]
            if values is None:
                values = self.attributes(feat, name)
            geom = self.geometry(feat, name, survey, pos) if values is not None else None
            if values is not None and geom is not None:
                checked.append(len(items))
                items.append(_Item(feat.index, name, values, geom,
                                   repaired=self._repairs > repairs_before,
                                   projected=(survey.projected[pos] if survey.projected
                                              and geom is feat.geometry else None)))
        written: list = []
        self._lines = written
        encoded = self.reproject(items)
        self._lines = []
        return _Prepared(len(batch), checked, [_Kept(it.index, it.name, it.values) for it in items],
                         written, encoded, dict(warnings or {}), bad_values)

    # -- report lines
    def _line(self, index: int, name, action: str, reason: str, field=None, *,
              counts: bool = True) -> None:
        self._lines.append(_Line(FeatureEntry(index, name, action, reason, field), self._about,
                                 counts))
        if action == "repaired":
            self._repairs += 1

    def _refuse(self, feat, name, reason, field=None) -> None:
        self._line(feat.index, name, "refused", reason, field)

    def _skip(self, feat, name, reason, field=None) -> None:
        self._line(feat.index, name, "skipped", reason, field)

    def _unknown(self, feat, name, target, src_field, raw, message, values, remarks) -> bool:
        """Apply --on-unknown to a value that cannot be stored; False = feature is done."""
        where = f"{src_field} → {target}" if src_field and src_field != target else target
        # The schema's message starts with "layer.field: ", which `where` already says.
        message = message.removeprefix(f"{self.layer}.{target}: ")
        if self.on_unknown == "skip":
            self._skip(feat, name, message, where)
            return False
        if self.on_unknown == "keep-as-remark" and not self.fields[target].required:
            values[target] = None
            remarks.append(f"{src_field or target}={raw}")
            return True
        extra = " (it is required, so it cannot become a remark)" \
            if self.on_unknown == "keep-as-remark" else ""
        self._refuse(feat, name, message + extra, where)
        return False

    def attributes(self, feat: SourceFeature, name: str | None) -> dict | None:
        plan = self.plan
        values: dict[str, Any] = {}
        remarks: list[str] = []
        props = feat.props
        for target, src_field, f in self._targets:
            raw = props.get(src_field)
            if f is None:  # source_key
                empty = raw is None or str(raw).strip() == ""
                if empty and plan.key is not None:
                    self._refuse(feat, name, f"key field {src_field!r} is empty", src_field)
                    return None
                values[target] = None if empty else _key_text(raw)
                continue
            value, error = self._coerce(f, raw)
            if error is None:
                values[target] = value
            elif not self._unknown(feat, name, target, src_field, raw, error, values, remarks):
                return None
        values.update(self._defaults)
        if self.layer == "assets" and values.get("level") and values.get("category"):
            cat = schema.CATEGORIES[values["category"]]
            if cat.levels and values["level"] not in cat.levels:
                msg = (f"level {values['level']!r} is not a level of {cat.code}; allowed: "
                       f"{', '.join(cat.levels)}")
                raw = feat.props.get(plan.mapping.get("level", ""), values["level"])
                if not self._unknown(feat, name, "level", plan.mapping.get("level"), raw, msg,
                                     values, remarks):
                    return None
        if self.layer == "asset_zones" and "asset_id" not in values:
            src_field = plan.mapping.get(ASSET_NAME)
            asset = plan.defaults.get(ASSET_NAME) if src_field is None else feat.props.get(src_field)
            found = self._resolve_asset(feat, name, asset, src_field or ASSET_NAME)
            if found is None:
                return None
            values["asset_id"] = found
        if "source" in self.fields:
            # Provenance always names the file and layer; a source text the
            # file carries itself (e.g. 数据来源) is kept in front of it.
            values["source"] = self._source_text(values.get("source"))
        if remarks:
            old = values.get("remarks")
            values["remarks"] = "; ".join(([str(old)] if old else []) + remarks)
        if self._plain_rows and all(values.get(r) not in (None, "") for r in self._required):
            # All fields are the layer's own, none computed, the required
            # ones filled: what validate_row would find.
            return values
        try:
            # Each value above is already in its stored form (schema.coerce,
            # or text): the row is checked as a whole, not converted again.
            return schema.validate_row(self.layer, values, coerced=True)
        except schema.SchemaError as exc:
            if self.on_unknown == "skip":
                self._skip(feat, name, str(exc))
            else:
                self._refuse(feat, name, str(exc))
            return None

    def plain_attributes(self, batch: list[SourceFeature]) -> list[dict | None]:
        """Per feature, the row :meth:`attributes` makes, where that row is
        plain — every value stored as it is, nothing to report — computed a
        field at a time over the batch (each distinct value coerced once);
        None where it is not (the feature then goes through
        :meth:`attributes`, which reports what is wrong)."""
        n = len(batch)
        if not self._plain_rows or self.layer == "asset_zones":
            return [None] * n
        plain = [True] * n
        columns = []
        for target, src_field, f in self._targets:
            raws = [feat.props.get(src_field) for feat in batch]
            try:
                distinct = set(raws)
            except TypeError:  # an unhashable value (a list from GeoJSON)
                return [None] * n
            if len({type(raw) for raw in distinct} - {type(None)}) > 1:
                return [None] * n  # 1 and True are one set member
            if f is None:  # source_key
                made = {raw: _PLAIN_EMPTY if raw is None or str(raw).strip() == ""
                        else (_key_text(raw), None) for raw in distinct}
                if self.plan.key is not None and any(v is _PLAIN_EMPTY for v in made.values()):
                    for k, raw in enumerate(raws):
                        if made[raw] is _PLAIN_EMPTY:
                            plain[k] = False
            elif any(type(raw) is float for raw in distinct):
                # -0.0 and 0.0 are one set member; NaN is not even itself.
                return [None] * n
            else:
                made = {raw: self._coerce(f, raw) for raw in distinct}
                if any(error is not None for _, error in made.values()):
                    for k, raw in enumerate(raws):
                        if made[raw][1] is not None:
                            plain[k] = False
            columns.append([made[raw][0] for raw in raws])
        targets = [t for t, _, _ in self._targets]
        out: list[dict | None] = [dict(zip(targets, row)) for row in zip(*columns)] \
            if columns else [{} for _ in range(n)]
        sourced = "source" in self.fields
        for k, values in enumerate(out):
            if not plain[k]:
                out[k] = None
                continue
            if self._defaults:
                values.update(self._defaults)
            if sourced:
                values["source"] = self._source_text(values.get("source"))
            if any(values.get(r) in (None, "") for r in self._required):
                out[k] = None
        return out

    def _coerce(self, f: schema.Field, raw) -> tuple[Any, str | None]:
        """(value, None) or (None, the schema's message) for one source value.

        Source files repeat most values (a class, a level, a year), so the
        answers are kept per field and value: :func:`schema.coerce` depends
        on nothing else.
        """
        key = hit = None
        if type(raw) is not float:  # floats: -0.0 == 0.0 and NaN != NaN
            try:
                key = (f.name, type(raw), raw)
                hit = self._coerced.get(key)
            except TypeError:  # an unhashable value (a list from GeoJSON)
                key = None
            else:
                if hit is not None:
                    return hit
        if hit is None:
            try:
                hit = (schema.coerce(f, raw, layer=self.layer), None)
            except schema.SchemaError as exc:
                hit = (None, str(exc))
            if key is not None and len(self._coerced) < _COERCE_CACHE:
                self._coerced[key] = hit
        return hit

    def _source_text(self, given) -> str:
        """Provenance: the file and layer, after the file's own source text if it has one."""
        label = self._label
        if not given:
            return label
        text = self._sources.get(given)
        if text is None:
            text = str(given) if label in str(given) else f"{given} [{label}]"
            if len(self._sources) < _COERCE_CACHE:
                self._sources[given] = text
        return text

    def _resolve_asset(self, feat, name, asset, src_field) -> int | None:
        if asset is None or str(asset).strip() == "":
            self._refuse(feat, name, "names no asset", src_field)
            return None
        ids = self.assets.get(_norm(asset))
        if not ids:
            self._refuse(feat, name, f"no asset named {asset!r} in the inventory (import the "
                         "assets first)", src_field)
            return None
        if len(ids) > 1:
            self._refuse(feat, name, f"{len(ids)} assets are named {asset!r} (ids "
                         f"{', '.join(map(str, ids))}); use --map asset_id=FIELD", src_field)
            return None
        return ids[0]

    # -- per batch: what GEOS says about the source geometries, asked once
    def survey(self, batch: list[SourceFeature]) -> "_Survey":
        """Type, emptiness and (polygon layers) validity of a batch's geometries,
        computed together instead of feature by feature.

        Polygons are reprojected here and checked once, in the storage CRS,
        where they must be valid: a transformation that is continuous and
        one-to-one keeps a broken ring broken, so a polygon valid there is
        taken as valid in the file (only rounding at a touching vertex could
        tell them apart, and then what is stored is valid anyway).  Where the
        reprojected polygon is not valid, the file's own polygon is checked, to
        tell a broken source (repaired before reprojecting) from a fold the
        reprojection made (repaired after it, :meth:`write_batch`).
        """
        geoms = np.empty(len(batch), dtype=object)
        geoms[:] = [f.geometry for f in batch]
        present = ~shapely.is_missing(geoms)
        types = np.full(len(batch), -1, dtype=np.int64)
        empty = np.zeros(len(batch), dtype=bool)
        valid = np.ones(len(batch), dtype=bool)
        projected = None
        if present.any():
            types[present] = shapely.get_type_id(geoms[present])
            empty[present] = shapely.is_empty(geoms[present])
            if self.polygonal:
                check = np.flatnonzero(present & ~empty & ((types == 3) | (types == 6)))
                if len(check):
                    moved = self.transform(geoms[check])
                    ok = shapely.is_valid(moved)
                    projected = np.full(len(batch), None, dtype=object)
                    projected[check[ok]] = moved[ok]
                    bad = check[~ok]
                    if len(bad):
                        valid[bad] = shapely.is_valid(geoms[bad])
                    projected = projected.tolist()
        return _Survey(types.tolist(), empty.tolist(), valid.tolist(), projected)

    # -- per feature: geometry (in the source CRS)
    def geometry(self, feat: SourceFeature, name: str | None, survey: "_Survey | None" = None,
                 pos: int = -1) -> BaseGeometry | None:
        g = feat.geometry
        if g is None:
            if feat.problem and not self.repair:
                # Reading had to drop broken parts: that is a repair, and repair is off.
                self._refuse(feat, name, f"geometry needs repair: {feat.problem} (repair is off)")
            else:
                self._skip(feat, name, feat.problem or "no geometry (null)")
            return None
        known = survey is not None and pos >= 0
        if (survey.empty[pos] if known else g.is_empty):
            self._skip(feat, name, "empty geometry")
            return None
        notes = list(feat.repairs)
        gtype = GEOMETRY_TYPE_NAMES.get(survey.types[pos]) if known else None
        if gtype is None:
            gtype = g.geom_type
        valid = survey.valid[pos] if known else None
        if self.polygonal:
            if gtype == "GeometryCollection":
                parts = [p.geom_type for p in g.geoms]
                if not all(t in ("Polygon", "MultiPolygon") for t in parts):
                    self._refuse(feat, name, f"a GeometryCollection with {', '.join(sorted(set(parts)))} "
                                 f"parts cannot go into {self.layer} (polygons only)")
                    return None
                g = MultiPolygon(polygons_of(g))
                valid = None  # a new geometry: ask again
                notes.append("geometry collection of polygons made a MultiPolygon")
            elif gtype not in ("Polygon", "MultiPolygon"):
                self._refuse(feat, name, f"a {gtype} cannot go into {self.layer} (polygons only)")
                return None
        else:
            if gtype == "MultiPoint" and len(g.geoms) == 1:
                g = g.geoms[0]
                notes.append("MultiPoint with one point made a Point")
            elif gtype != "Point":
                self._refuse(feat, name, f"a {gtype} cannot go into {self.layer} (points only)")
                return None
        if valid is None and self.polygonal:
            valid = g.is_valid
        if self.polygonal and not valid:
            notes.append(shapely.is_valid_reason(g))
            if not self.repair:
                self._refuse(feat, name, f"invalid geometry: {'; '.join(notes)} (repair is off)")
                return None
            g = _make_valid_polygonal(g)
            if g.is_empty:
                self._skip(feat, name, f"degenerate geometry ({'; '.join(notes)}): no area left "
                           "after repair")
                return None
        elif notes and not self.repair:
            self._refuse(feat, name, f"geometry needs repair: {'; '.join(notes)} (repair is off)")
            return None
        if notes:
            self._line(feat.index, name, "repaired", "; ".join(notes))
        return g


    # -- per batch: reproject, check and encode
    def reproject(self, items: list[_Item]) -> EncodedRows | None:
        """Reproject, check and encode a batch's items; the rows to write.

        The GEOS and PROJ work is done for the whole batch at once; the
        report lines and writes then follow the items' order.
        """
        if not items:
            return None
        n = len(items)
        geoms = object_array([it.projected for it in items])
        # Polygons the survey reprojected and found valid are not asked again.
        todo = np.flatnonzero(shapely.is_missing(geoms))
        finite = np.ones(n, dtype=bool)
        valid = np.ones(n, dtype=bool)
        if len(todo):
            moved = self.transform(object_array([items[k].geometry for k in todo]))
            geoms[todo] = moved
            coords, owner = shapely.get_coordinates(moved, return_index=True)
            if len(coords):
                finite[todo[owner[~np.isfinite(coords).all(axis=1)]]] = False
            if self.polygonal:
                asked = todo[finite[todo]]
                valid[asked] = shapely.is_valid(geoms[asked])
        # The common case: checked and put in the stored form all together.
        fast = finite & valid
        stored_fast, errors_fast = check_all_for_layer(
            geoms[fast], self.ldef.geometry_type,
            valid=np.ones(int(fast.sum()), dtype=bool) if self.polygonal else None)
        fast_pos = np.full(n, -1, dtype=np.int64)
        fast_pos[fast] = np.arange(int(fast.sum()))
        outside = np.zeros(n, dtype=bool)
        if self.extent is not None and len(stored_fast):
            ok = ~shapely.is_missing(stored_fast)
            bounds = np.full((len(stored_fast), 4), np.nan)
            bounds[ok] = shapely.bounds(stored_fast[ok])
            xmin, ymin, xmax, ymax = self.extent
            # As crsmod.boxes_intersect, negated.
            out = ((bounds[:, 2] < xmin) | (bounds[:, 0] > xmax)
                   | (bounds[:, 3] < ymin) | (bounds[:, 1] > ymax))
            outside[fast] = out & ok
        fast_pos = fast_pos.tolist()
        outside = outside.tolist()
        to_write: list[int] = []
        stored_list: list[BaseGeometry] = []
        for k, it in enumerate(items):
            self._about = k
            if not finite[k]:
                self._line(it.index, it.name, "refused",
                           f"coordinates cannot be transformed from "
                           f"{crsmod.crs_label(self.plan.crs)} to {crsmod.crs_label(self.target_crs)}"
                           " (wrong CRS?)")
                continue
            if fast_pos[k] >= 0:
                error = errors_fast[fast_pos[k]]
                if error is not None:
                    self._line(it.index, it.name, "refused", error)
                    continue
                stored = stored_fast[fast_pos[k]]
                is_outside = outside[k]
            else:
                g = geoms[k]
                # Reprojection can fold a barely valid polygon.
                if not self.repair:
                    self._line(it.index, it.name, "refused", "invalid after reprojection: "
                               f"{shapely.is_valid_reason(g)} (repair is off)")
                    continue
                reason = f"invalid after reprojection: {shapely.is_valid_reason(g)}"
                g = _make_valid_polygonal(g)
                self._line(it.index, it.name, "repaired", reason, counts=not it.repaired)
                try:
                    stored = check_for_layer(g, self.ldef.geometry_type)
                except GeometryError as exc:
                    self._line(it.index, it.name, "refused", str(exc))
                    continue
                is_outside = (self.extent is not None
                              and not crsmod.boxes_intersect(stored.bounds, self.extent))
            self._lines.append(_Write(k, len(to_write), bool(is_outside)))
            to_write.append(k)
            stored_list.append(stored)
        self._about = -1
        if not to_write:
            return None
        return encode_rows(self.layer, [items[k].values for k in to_write], stored_list,
                           self.target_crs, self.srid)



class _Importer:
    """The part of an import that reads and writes the inventory, applied
    to prepared batches in file order: keys checked across the whole file,
    features with a known key updated, new ones inserted together, and the
    report kept in feature order."""

    def __init__(self, inv, plan: ImportPlan, report: ImportReport):
        self.inv, self.plan, self.report = inv, plan, report
        self.layer = plan.target_layer
        self.seen_keys: dict[str, int] = {}
        self.outside = 0
        self.warnings: dict[str, int] = {}  # what reading record ranges found
        self.bad_values = 0
        self._pending: list[tuple[_Kept, int]] = []  # new features not yet inserted, with rows
        self._rows: EncodedRows | None = None        # the rows of the batch being applied

    def apply(self, prepared: _Prepared) -> None:
        report = self.report
        for msg, n in prepared.warnings.items():
            self.warnings[msg] = self.warnings.get(msg, 0) + n
        self.bad_values += prepared.bad_values
        items = prepared.items
        dropped: set[int] = set()
        keyed = self.plan.key is not None
        for event in prepared.checked:
            if isinstance(event, _Line):
                self._report(event)
            elif keyed and not self.check_key(items[event]):
                dropped.add(event)
        # After a refusal nothing more is written (it will be rolled back); the
        # rest is still checked so the report lists everything.
        write = report.refused == 0
        existing = (self._existing_by_key([it for k, it in enumerate(items) if k not in dropped])
                    if write else {})
        self._rows = prepared.rows
        written = prepared.written
        if write and not keyed and all(type(event) is _Write for event in written):
            # The usual batch: every item is new and goes in as it is.
            self.outside += sum(event.outside for event in written)
            self._pending = [(items[event.item], event.row) for event in written]
            written = []
        try:
            for event in written:
                if event.item in dropped:
                    continue
                if isinstance(event, _Line):
                    self._flush()  # keep the report and the writes in feature order
                    self._report(event)
                    continue
                if event.outside:
                    self.outside += 1
                if write:
                    self._write(items[event.item], event.row, existing)
            self._flush()
        finally:
            self._rows = None
        report.processed += prepared.read

    def _report(self, line: _Line) -> None:
        action = line.entry.action
        if action == "refused":
            self._flush()  # keep the report and the writes in feature order
            self.report.refused += 1
        elif action == "skipped":
            self.report.skipped += 1
        elif action == "repaired" and line.counts:
            self.report.repaired += 1
        self.report.add(line.entry)

    def _refuse(self, item: _Kept, reason: str, field: str | None = None) -> None:
        self._report(_Line(FeatureEntry(item.index, item.name, "refused", reason, field)))

    def _existing_by_key(self, items: list[_Kept]) -> dict:
        """{key: the first feature (lowest id) with that source_key} for a batch."""
        if not self.plan.key:
            return {}
        keys = sorted({it.values.get("source_key") for it in items} - {None})
        found: dict = {}
        for i in range(0, len(keys), 500):
            for f in self.inv.features(self.layer, filters={"source_key": keys[i:i + 500]}):
                found.setdefault(f.props["source_key"], f)
        return found

    def _write(self, it: _Kept, row: int, existing_by_key: dict) -> None:
        key = it.values.get("source_key") if self.plan.key else None
        existing = existing_by_key.get(key) if key is not None else None
        if existing is None:
            self._pending.append((it, row))
            return
        geom = shapely.from_wkb(self._rows.wkbs[row])
        changed = {k: v for k, v in it.values.items() if existing.props.get(k) != v}
        same_geom = existing.geometry is not None and (
            shapely.equals_exact(existing.geometry, geom, tolerance=1e-9)
            or shapely.equals(existing.geometry, geom))
        # A new file name (provenance) alone is no change; with real changes it
        # is recorded too.
        if not set(changed) - {"source"} and same_geom:
            self.report.unchanged += 1
            return
        self._flush()  # the features before this one are written first, in order
        try:
            self.inv.update(self.layer, existing.id, props=changed or None,
                            geometry=None if same_geom else geom)
        except (schema.SchemaError, GeometryError, EcoinvError) as exc:
            self._refuse(it, str(exc))
            return
        self.report.updated += 1
        what = sorted(set(changed) - {"source"}) + ([] if same_geom else ["geometry"])
        self.report.add(FeatureEntry(it.index, it.name, "updated",
                                     f"changed: {', '.join(what)} (id {existing.id})"))

    def _flush(self) -> None:
        """Insert the new features waiting to be written, all at once.

        Before anything else is written or reported (an update, a refusal,
        a repair found after reprojection) and at the end of each batch,
        so that the file and the report stay in feature order.  If the store
        refuses the lot (an asset zone naming no asset, say), nothing of it
        was written: the features are then inserted one by one so that each
        refusal is reported against its feature.
        """
        pending, self._pending = self._pending, []
        if not pending:
            return
        rows = self._rows
        try:
            self.inv.insert_encoded(rows.take([row for _, row in pending]))
        except (schema.SchemaError, GeometryError, EcoinvError):
            for it, row in pending:
                try:
                    self.inv.insert(self.layer, it.values, shapely.from_wkb(rows.wkbs[row]))
                except (schema.SchemaError, GeometryError, EcoinvError) as exc:
                    self._refuse(it, str(exc))
                else:
                    self.report.added += 1
            return
        self.report.added += len(pending)

    def check_key(self, item: _Kept) -> bool:
        key = item.values.get("source_key")
        if self.plan.key is None or key is None:
            return True
        first = self.seen_keys.get(key)
        if first is not None:
            self._refuse(item, f"key {key!r} also used by feature {first}; keys must be unique "
                         "in the file", self.plan.key)
            return False
        self.seen_keys[key] = item.index
        return True


# --- batches, prepared here or in worker processes ------------------------------------------

def _record_ranges(count: int, size: int) -> list[tuple[int, int]]:
    return [(start, min(count, start + size)) for start in range(0, count, size)]


def _import_workers(requested: int | None, src: Source, feature_count: int) -> int:
    """How many worker processes prepare the batches (0: this process does)."""
    if not src.reads_record_ranges:
        return 0
    if requested is None:
        env = os.environ.get(WORKERS_ENV, "").strip()
        if env:
            try:
                requested = int(env)
            except ValueError:
                raise ImportSetupError(f"{WORKERS_ENV}={env!r}: not a number of processes") \
                    from None
        elif feature_count < PARALLEL_MIN_FEATURES:
            return 0
        else:  # one per core besides this process's
            requested = min((os.cpu_count() or 1) - 1, MAX_WORKERS)
    return max(0, int(requested))


# The worker process's source reader and preparer (see _worker_start).
_worker_state: tuple[ShapefileSource, ShapefileRecords, _Preparer] | None = None


def _worker_start(source: tuple, preparer: dict) -> None:
    """A worker process opens the shapefile and prepares as the importer would."""
    global _worker_state
    if WORKER_NICE and hasattr(os, "nice"):
        # The writing process is the one the import waits for: workers give
        # way to it (and to the desktop app) and use what is left.
        os.nice(WORKER_NICE)
    shp, encoding, archive, layer_name = source
    src = ShapefileSource(shp, encoding=encoding, archive=archive, layer_name=layer_name)
    prepare = _Preparer(**preparer)
    _worker_state = (src, src.records(prepare.source_fields), prepare)
    # Closed while the interpreter is whole: GDAL's handles left to the
    # garbage collector at exit make noise on stderr.
    atexit.register(_worker_stop)


def _worker_stop() -> None:
    global _worker_state
    if _worker_state is not None:
        _, records, _ = _worker_state
        _worker_state = None
        records.close()


def _worker_prepare(start: int, stop: int) -> _Prepared:
    _, records, preparer = _worker_state
    return _prepare_range(records, preparer, start, stop)


def _prepare_range(records: ShapefileRecords, preparer: _Preparer, start: int,
                   stop: int) -> _Prepared:
    """Records ``start`` to ``stop`` read and prepared, with what reading found."""
    feats = records.read(start, stop)
    warnings, bad_values = records.warnings, records.bad_values
    records.warnings, records.bad_values = {}, 0
    return preparer.prepare(feats, warnings, bad_values)


def _prepared_in_workers(src: ShapefileSource, preparer: dict, ranges: list[tuple[int, int]],
                         workers: int, here: Callable[[tuple[int, int]], _Prepared],
                         notes: list[str]) -> Iterator[_Prepared]:
    """The prepared batches of ``ranges``, in order, made by ``workers``
    processes and by this one (``here``) whenever the next batch to write
    is not ready: while the workers start, and when writing runs ahead of
    them, this process prepares batches itself instead of waiting.

    Processes are spawned, not forked: the importing process may have
    threads (the desktop app's), which a fork would copy in whatever state
    they are.  A few batches per worker are handed out ahead, so memory
    stays bounded.  If the workers cannot start or die, this process
    prepares the rest (with a note).
    """
    source = (src.shp, src.encoding, src.path if src.path != src.shp else None, src.layer_name)
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_worker_start, initargs=(source, preparer))
    window = 2 * workers + 1       # batches handed to the workers, not yet written
    todo = collections.deque(ranges)
    ahead: collections.deque = collections.deque()  # [range, future, prepared] in file order
    in_pool = 0
    broken = False
    done = False

    def hand_out() -> None:
        nonlocal in_pool
        while todo and in_pool < window and not broken:
            r = todo.popleft()
            ahead.append([r, pool.submit(_worker_prepare, *r), None])
            in_pool += 1

    try:
        if todo:  # the first batch is prepared here while the workers start
            r = todo.popleft()
            ahead.append([r, None, here(r)])
        hand_out()
        while ahead or todo:
            if not ahead:  # the workers are gone: the rest is prepared here
                ahead.append([todo.popleft(), None, None])
            r, future, prepared = ahead[0]
            if prepared is None and future is not None and not broken:
                if not future.done() and todo and len(ahead) < 4 * window + 4:
                    # The next batch is not ready: prepare a later one here meanwhile.
                    r_here = todo.popleft()
                    ahead.append([r_here, None, here(r_here)])
                    continue
                try:
                    prepared = future.result(timeout=_STEAL_AFTER)
                except TimeoutError:
                    # A worker that is slow to come back (other programs
                    # want the cores) does not hold the import up: its
                    # batch is prepared here, and what it sends is dropped.
                    future.cancel()
                except BrokenProcessPool as exc:
                    broken = True
                    notes.append(f"worker processes of the import stopped ({exc}); "
                                 "the rest was prepared in one process")
            if prepared is None:
                prepared = here(r)
            ahead.popleft()
            if future is not None:
                in_pool -= 1
            hand_out()
            yield prepared
        done = True
    finally:
        # After a cancel, a refusal or an error, batches not started are
        # dropped and nothing waits for those under way.
        pool.shutdown(wait=done, cancel_futures=not done)


def _prepared_batches(src: Source, preparer: dict, batch_size: int, workers: int,
                      notes: list[str]) -> Iterator[_Prepared]:
    """The source's features in prepared batches, in file order."""
    local = _Preparer(**preparer)
    if not src.reads_record_ranges:
        for batch in _batches(src.features(), batch_size):
            yield local.prepare(batch)
        return
    ranges = _record_ranges(src.feature_count, batch_size)
    with src.records(local.source_fields) as records:
        def here(r: tuple[int, int]) -> _Prepared:
            return _prepare_range(records, local, *r)

        if workers:
            yield from _prepared_in_workers(src, preparer, ranges, workers, here, notes)
        else:
            for r in ranges:
                yield here(r)


def _name_like_field(fields: list[tuple[str, str]]) -> str | None:
    """A source field that names features, to label report lines of layers without names."""
    names = {_norm(n): n for n, _ in fields}
    for alias in ("name", *schema.LAYERS["assets"].field("name").aliases):
        if _norm(alias) in names:
            return names[_norm(alias)]
    return None


def _key_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _make_valid_polygonal(g: BaseGeometry) -> BaseGeometry:
    # "structure" unions overlapping parts (duplicate parts count once) and
    # drops collapsed rings and spikes, where "linework" would XOR overlaps.
    fixed = shapely.make_valid(g, method="structure", keep_collapsed=False)
    polys = polygons_of(fixed)
    return MultiPolygon(polys) if polys else MultiPolygon()


def _feature_name(feat: SourceFeature, name_field: str | None) -> str | None:
    if name_field is None:
        return None
    v = feat.props.get(name_field)
    return None if v is None or str(v).strip() == "" else str(v).strip()


def _batches(features: Iterator[SourceFeature], size: int) -> Iterator[list[SourceFeature]]:
    batch: list[SourceFeature] = []
    for f in features:
        batch.append(f)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch

def import_file(inv, path, layer: str, *, source_layer: str | None = None, crs=None,
                encoding: str | None = None, mapping: dict | None = None,
                defaults: dict | None = None, key: str | None = None,
                on_unknown: str = "error", repair: bool = True, dry_run: bool = False,
                progress: Callable[[int, int], None] | None = None,
                cancel: Callable[[], bool] | None = None, batch_size: int = 500,
                workers: int | None = None) -> ImportReport:
    """Import one layer of a file into ``layer`` of the inventory, all or nothing.

    Raises ImportSetupError / CrsUnknown / NoFeatures before writing
    anything, ImportRefused (with ``.report``) if any feature is refused,
    ImportCancelled if ``cancel()`` returns True.  A dry run goes through
    every step inside the transaction and rolls it back; its refusals are
    in the returned report (``status == "dry-run"``, ``refused > 0``)
    rather than raised.

    ``workers``: processes that prepare batches (read, check, reproject,
    measure) while this one writes; 0 for none.  By default (None) a
    polygon shapefile of :data:`PARALLEL_MIN_FEATURES` or more uses one per
    core besides this one, up to :data:`MAX_WORKERS` (or
    ``$ECOINV_IMPORT_WORKERS``).  Where
    they run makes no difference to the result: the same rows, history and
    report.
    """
    started = time.monotonic()
    with open_source(path, layer=source_layer, encoding=encoding) as src:
        plan = _make_plan(inv, src, layer, crs=crs, mapping=mapping, defaults=defaults, key=key,
                          on_unknown=on_unknown)
        if plan.feature_count == 0:
            raise NoFeatures(f"{src.path.name}: no features: the file has nothing to import")
        if plan.problems:
            more = f" (and {len(plan.problems) - 1} more problems)" if len(plan.problems) > 1 else ""
            raise ImportSetupError(f"{src.path.name}: {plan.problems[0]}{more}")
        if plan.crs is None:
            why = plan.crs_note or "no CRS"
            if plan.crs_candidates:
                raise CrsUnknown(
                    f"{src.path.name}: {why}; the coordinates fit "
                    f"{crsmod.describe_candidates(plan.crs_candidates)}; choose one with --crs",
                    plan.crs_candidates)
            raise CrsUnknown(f"{src.path.name}: {why}, and the coordinates fit no known "
                             "CRS for China; give one with --crs", [])
        batch_tag = f"import:{uuid.uuid4().hex[:12]}"
        report = ImportReport(
            path=str(src.path), source=src.label, target_layer=layer, format=src.format,
            source_layer=src.layer_name, encoding=plan.encoding, encoding_how=plan.encoding_how,
            encoding_note=plan.encoding_note, source_crs=crsmod.crs_label(plan.crs),
            target_crs=crsmod.crs_label(inv.crs), mapping=dict(plan.mapping),
            defaults=dict(plan.defaults), key=key, total=plan.feature_count, dry_run=dry_run,
            batch=batch_tag, notes=list(plan.notes))
        # A large import defers the spatial index to the end (inside the same
        # transaction, so a refusal or cancel still leaves the file as it was).
        bulk = plan.feature_count >= BULK_MIN_FEATURES
        ext = inv.extent("boundary") or inv.extent("districts")
        preparer = dict(
            plan=plan, label=src.label, target_crs=inv.crs, srid=inv.srid,
            extent=ext if layer not in ("boundary", "districts") else None,
            assets=_asset_names(inv) if layer == "asset_zones" else {},
            on_unknown=on_unknown, repair=repair)
        n_workers = _import_workers(workers, src, plan.feature_count)
        writer = _Importer(inv, plan, report)
        if progress:
            progress(0, report.total)
        batches = _prepared_batches(src, preparer, max(1, int(batch_size)), n_workers,
                                    report.notes)
        try:
            with contextlib.closing(batches), \
                    (inv.bulk_load(layer, batch=batch_tag) if bulk
                     else inv.transaction(batch=batch_tag)):
                for prepared in batches:
                    if cancel is not None and cancel():
                        report.status = "cancelled"
                        raise ImportCancelled(
                            f"{src.path.name}: import cancelled after {report.processed} "
                            f"of {report.total} features; nothing was imported", report)
                    writer.apply(prepared)
                    if progress:
                        progress(report.processed, max(report.total, report.processed))
                    if report.refused >= MAX_REFUSALS:
                        report.notes.append(f"stopped after {MAX_REFUSALS} refused features")
                        break
                if src.reads_record_ranges:
                    src.finish_reading(writer.warnings, writer.bad_values)
                report.total = max(report.total, report.processed)
                if writer.outside:
                    report.notes.append(
                        f"{writer.outside} features lie outside the inventory's boundary extent "
                        "(wrong CRS?)")
                src_notes = [n for n in src.notes if n not in report.notes]
                report.notes += src_notes
                if report.refused and not dry_run:
                    report.status = "refused"
                    raise ImportRefused(_refusal_message(src, report), report)
                if report.processed and not (report.added or report.updated or report.unchanged) \
                        and not report.refused and not dry_run:
                    report.status = "refused"
                    raise NoFeatures(f"{src.path.name}: no features to import: all "
                                     f"{report.skipped} were skipped "
                                     f"({_first_reason(report, 'skipped')})", report)
                if dry_run:
                    report.status = "dry-run"
                    raise _Rollback()
                report.status = "imported"
        except _Rollback:
            pass
        finally:
            report.seconds = time.monotonic() - started
    return report


def _asset_names(inv) -> dict[str, list[int]]:
    """{normalised name: asset ids}: what a zone file's asset names are matched against."""
    cols = inv.read_arrays("assets", columns=["name", "name_en"], with_geometry=False)
    out: dict[str, list[int]] = {}
    for fid, name, name_en in zip(cols["id"], cols["name"], cols["name_en"]):
        for n in {name, name_en} - {None, ""}:
            out.setdefault(_norm(n), []).append(int(fid))
    return out


def _first_reason(report: ImportReport, action: str) -> str:
    e = next((e for e in report.entries if e.action == action), None)
    return f"feature {e.index}: {e.reason}" if e else action


def _refusal_message(src: Source, report: ImportReport) -> str:
    first = report.refusals[0] if report.refusals else None
    if first is None:
        return f"{src.path.name}: {report.refused} features refused; nothing was imported"
    more = f" ({report.refused - 1} more refused)" if report.refused > 1 else ""
    return f"{src.path.name}: {first.where()}: {first.reason}{more}; nothing was imported"
