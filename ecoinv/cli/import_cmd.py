"""``ecoinv import`` and ``ecoinv import-plan``: files into an inventory layer."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .. import schema
from ..errors import EcoinvError
from ..store import Inventory

LAYER_CHOICES = list(schema.LAYERS)
# The same words as importer.ON_UNKNOWN; the importer (and fiona with it) is
# imported only when a command runs, so that `ecoinv --help` stays quick.
ON_UNKNOWN = ("error", "skip", "keep-as-remark")


class UsageError(EcoinvError):
    exit_code = 2


def _pairs(items: list[str] | None, option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        target, sep, value = item.partition("=")
        if not sep or not target.strip():
            raise UsageError(f"{option} {item!r}: expected TARGET=VALUE")
        out[target.strip()] = value
    return out


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", metavar="PATH", help="inventory file (.sqlite)")
    p.add_argument("source", metavar="SOURCE",
                   help="file to import: .shp, .zip, .gpkg, .geojson, .kml, .kmz")
    p.add_argument("--layer", required=True, choices=LAYER_CHOICES, help="inventory layer to fill")
    p.add_argument("--source-layer", metavar="L",
                   help="layer inside the file (GeoPackage/KML layer, shapefile in a zip)")
    p.add_argument("--crs", metavar="CRS",
                   help="CRS of the file (EPSG:n, WKT or PROJ string); overrides its .prj, "
                        "required when it has none")
    p.add_argument("--encoding", metavar="E",
                   help="shapefile text encoding (e.g. GBK, UTF-8); overrides .cpg and detection")
    p.add_argument("--map", action="append", metavar="TARGET=SOURCE", default=[],
                   help="map a source field to a layer field (repeatable); overrides the automatic "
                        "mapping")
    p.add_argument("--category", metavar="C", help="category of every feature (assets), e.g. "
                   "nature_reserve or 自然保护区")
    p.add_argument("--class", dest="class_", metavar="C",
                   help="land-cover class of every feature (landcover)")
    p.add_argument("--kind", metavar="K", help="station kind of every feature (stations)")
    p.add_argument("--set", action="append", metavar="FIELD=VALUE", default=[],
                   help="one value of any field for every feature (repeatable), e.g. "
                        "--set level=national or --set asset_name=太阳岛")
    p.add_argument("--key", metavar="FIELD",
                   help="source field that identifies features: re-import updates features "
                        "with the same key and adds new ones")
    p.add_argument("--on-unknown", choices=ON_UNKNOWN, default="error",
                   help="a value that is not a known code: refuse the import (default), skip the "
                        "feature, or keep it in remarks")


def register(sub) -> None:
    p = sub.add_parser(
        "import", help="import a shapefile, GeoPackage, GeoJSON or KML layer",
        description="Import one layer of a file into an inventory layer, all or nothing: "
                    "any refused feature leaves the inventory unchanged.")
    _add_common(p)
    p.add_argument("--no-repair", dest="repair", action="store_false",
                   help="refuse invalid geometries instead of repairing them")
    p.add_argument("--dry-run", action="store_true", help="do everything but write")
    p.add_argument("--plan", action="store_true",
                   help="only show what would happen (encoding, CRS, mapping) and stop")
    p.add_argument("--report-json", metavar="FILE", help="also write the report as JSON")
    p.add_argument("--batch-size", type=int, default=500, help=argparse.SUPPRESS)
    p.add_argument("--workers", type=int, metavar="N",
                   help="processes that prepare batches while this one writes (0: none; "
                        "default: one per core but one for polygon shapefiles of 20,000 features or "
                        "more, or $ECOINV_IMPORT_WORKERS)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("import-plan", help="show what importing a file would do",
                       description="Show the encoding, CRS (or the candidates), field mapping "
                                   "and problems of an import, without reading the features.")
    _add_common(p)
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=cmd_plan)


def _options(args) -> dict:
    defaults = _pairs(args.set, "--set")
    for target, value in (("category", args.category), ("class", args.class_),
                          ("kind", args.kind)):
        if value is not None:
            defaults[target] = value
    return {"source_layer": args.source_layer, "crs": args.crs, "encoding": args.encoding,
            "mapping": _pairs(args.map, "--map"), "defaults": defaults, "key": args.key,
            "on_unknown": args.on_unknown}


def cmd_plan(args) -> int:
    from ..importer import plan_import

    opts = _options(args)
    with Inventory.open(args.path) as inv:
        plan = plan_import(inv, args.source, args.layer, **opts)
    if getattr(args, "format", "text") == "json":
        print(json.dumps(plan.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(plan.to_text())
    return 0 if plan.ok else 1


class _ProgressBar:
    """A one-line bar on stderr, redrawn at most ten times a second."""

    def __init__(self, stream):
        self.stream = stream
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        frac = done / total if total else 1.0
        bar = "#" * int(frac * 30)
        self.stream.write(f"\rimporting [{bar:<30}] {frac:4.0%} {done}/{total}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def _write_json(path: str | None, data: dict) -> None:
    if path:
        Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def cmd_import(args) -> int:
    if args.plan:
        return cmd_plan(args)
    from ..importer import CrsUnknown, ImportProblem, import_file

    opts = _options(args)
    progress = _ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    with Inventory.open(args.path) as inv:
        try:
            report = import_file(inv, args.source, args.layer, repair=args.repair,
                                 dry_run=args.dry_run, progress=progress,
                                 batch_size=args.batch_size, workers=args.workers, **opts)
        except ImportProblem as exc:
            if exc.report is not None:
                data = exc.report.to_dict()
            else:
                data = {"status": "error", "path": args.source, "target_layer": args.layer}
            data["error"] = str(exc)
            if isinstance(exc, CrsUnknown):
                data["crs_candidates"] = [c.to_dict() for c in exc.candidates]
            _write_json(args.report_json, data)
            raise
        except EcoinvError as exc:
            _write_json(args.report_json, {"status": "error", "path": args.source,
                                           "target_layer": args.layer, "error": str(exc)})
            raise
    _write_json(args.report_json, report.to_dict())
    print(report.to_text())
    if report.refused:
        # A dry run reports refusals instead of raising; the exit status still says so.
        first = report.refusals[0] if report.refusals else None
        line = first.line(report.source) if first else f"{report.refused} features refused"
        print(f"ecoinv: error: {line}", file=sys.stderr)
        return 1
    if report.dry_run and not (report.added or report.updated or report.unchanged):
        print(f"ecoinv: error: {report.source}: no features to import", file=sys.stderr)
        return 1
    return 0
