"""``ecoinv demo``: build the Harbin demo inventory through the import pipeline."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_PATH = "harbin-demo.sqlite"


def register(sub) -> None:
    p = sub.add_parser(
        "demo", help="build the Harbin demo inventory from data/ and print its statistics",
        description="Build the bundled Harbin demo inventory: every source file in data/demo.json "
                    "goes through the same import pipeline as `ecoinv import` (GBK shapefiles, "
                    "Gauss-Kruger files, a GeoPackage, GeoJSON). Prints each import report and "
                    "then the statistics table.")
    p.add_argument("path", nargs="?", default=DEFAULT_PATH,
                   help=f"inventory file to create (default: {DEFAULT_PATH})")
    p.add_argument("--force", action="store_true", help="rebuild it if it exists")
    p.add_argument("--data", help="folder with demo.json and the sources (default: the bundled data/)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the stats table")
    p.add_argument("--quiet", action="store_true", help="print only the summary lines")
    p.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from ..demo import build_demo

    def on_step(i: int, n: int, name: str) -> None:
        print(f"[{i + 1}/{n}] importing {name}", file=sys.stderr, flush=True)

    result = build_demo(args.path, data=Path(args.data) if args.data else None, force=args.force,
                        on_step=None if args.quiet else on_step)
    for step in result.steps:
        report = step.report
        if args.quiet:
            counts = ", ".join(f"{k} {v}" for k, v in report.counts().items() if v)
            print(f"{step.file} -> {step.layer}: {counts}")
        else:
            print(report.to_text())
            print()
    print(f"built {result.path} ({result.name})")
    from ..metrics import SECTIONS, compute_stats
    from ..store import Inventory
    from .stats import render_table

    with Inventory.open(result.path) as inv:
        stats = compute_stats(inv)
    print(render_table(stats, [s for s in SECTIONS if s in stats], lang=args.lang, full=False))
    return 0
