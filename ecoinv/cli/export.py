"""``ecoinv export``: a layer to GeoPackage, Shapefile, GeoJSON, CSV or XLSX."""
from __future__ import annotations

import argparse

from .. import schema
from ..store import Inventory


def register(sub) -> None:
    p = sub.add_parser(
        "export", help="export a layer to GPKG, Shapefile, GeoJSON, CSV or XLSX",
        description="Export one layer. The format follows the extension of OUT (.gpkg, .shp, "
                    ".geojson, .csv, .xlsx) unless --format is given. Shapefiles get a .prj and "
                    "a .cpg; XLSX also gets the statistics tables as sheets.")
    p.add_argument("path", help="inventory file")
    p.add_argument("layer", choices=list(schema.LAYERS), help="layer to export")
    p.add_argument("-o", "--output", required=True, help="output file")
    p.add_argument("--format", help="gpkg, shp, geojson, csv or xlsx (default: from the extension)")
    p.add_argument("--encoding", default="utf-8",
                   help="attribute encoding for Shapefile/CSV: utf-8 (default) or gbk")
    p.add_argument("--crs", help="reproject to this CRS (default: the storage CRS)")
    p.add_argument("--wkt", action="store_true", help="CSV/XLSX: add the geometry as WKT")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of code labels")
    p.add_argument("--no-stats", action="store_true", help="XLSX: leave out the statistics sheets")
    p.add_argument("--overwrite", action="store_true", help="replace existing output files")
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from ..exports import detect_format, export_layer
    from pathlib import Path

    with Inventory.open(args.path) as inv:
        stats = None
        if detect_format(Path(args.output), args.format) == "XLSX" and not args.no_stats:
            from ..metrics import compute_stats
            stats = compute_stats(inv)
        result = export_layer(inv, args.layer, args.output, fmt=args.format, encoding=args.encoding,
                              crs=args.crs, wkt=args.wkt, lang=args.lang, stats=stats,
                              overwrite=args.overwrite)
    print(f"exported {result.count} feature(s) of {result.layer} to {result.path} ({result.format})")
    return 0
