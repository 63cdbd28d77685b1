"""``ecoinv init`` and ``ecoinv layers``."""
from __future__ import annotations

import argparse
import json

from .. import schema
from ..store import Inventory


def register(sub) -> None:
    p = sub.add_parser("init", help="create an empty inventory file",
                       description="Create an empty inventory (a SpatiaLite file) with every layer.")
    p.add_argument("path", help="the new inventory file (.sqlite)")
    p.add_argument("--name", help="inventory name shown in reports (default: the file name)")
    p.add_argument("--crs", default=schema.DEFAULT_CRS,
                   help="storage CRS, as EPSG:n (default %(default)s, CGCS2000)")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("layers", help="list the layers of an inventory",
                       description="List each layer with its geometry type, CRS and feature count.")
    p.add_argument("path", help="inventory file")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.set_defaults(func=cmd_layers)


def cmd_init(args: argparse.Namespace) -> int:
    inv = Inventory.create(args.path, name=args.name, crs=args.crs)
    print(f"created {args.path} ({inv.name}, storage CRS {inv.crs.name} EPSG:{inv.srid})")
    inv.close()
    return 0


def cmd_layers(args: argparse.Namespace) -> int:
    with Inventory.open(args.path) as inv:
        rows = inv.layers()
    if args.format == "json":
        print(json.dumps([{"layer": r.name, "geometry_type": r.geometry_type,
                           "crs": f"EPSG:{r.srid}", "count": r.count} for r in rows], indent=2))
        return 0
    print(f"{'layer':<12} {'geometry':<13} {'crs':<10} {'features':>8}")
    for r in rows:
        print(f"{r.name:<12} {r.geometry_type:<13} {'EPSG:' + str(r.srid):<10} {r.count:>8}")
    return 0
