"""``ecoinv report``: the inventory report as a PDF, with no display needed."""
from __future__ import annotations

import argparse
import datetime as _dt
import os
import sys
from pathlib import Path

from .. import report as rm
from ..errors import EcoinvError
from ..store import Inventory

EPILOG = """\
sections: {sections}
(default: every section but the atlas; --atlas adds one page per site)

The report is A4: a cover, the headline figures, an overview map
(landscape), one table and chart per category, districts, land cover and
data quality.  Every number comes from the same computation as
`ecoinv stats` (geodesic areas, overlaps counted once).  Chinese text uses
the bundled font, embedded in the PDF, so the file reads the same on a
machine without Chinese fonts.  Without a display the Qt "offscreen"
platform is used.
""".format(sections=", ".join(rm.SECTION_KEYS))


def register(sub) -> None:
    p = sub.add_parser(
        "report", help="write the inventory report (PDF)",
        description="Write the annual inventory report of an inventory as a PDF.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("path", help="inventory file")
    p.add_argument("-o", "--output", required=True, metavar="OUT.pdf", help="the PDF to write")
    p.add_argument("--lang", choices=list(rm.LANGS), default="zh", help="report language (default: zh)")
    p.add_argument("--atlas", action="store_true", help="add one page per site with its map and zones")
    p.add_argument("--sections", nargs="+", metavar="NAME", choices=list(rm.SECTION_KEYS),
                   help="only these sections, in report order (default: all but the atlas)")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="report date printed on the cover (default: today)")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=cmd_report)


def _headless_if_no_display() -> None:
    # A server has no display: Qt must be told to draw offscreen before the
    # application object exists (the painter makes it).
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def cmd_report(args: argparse.Namespace) -> int:
    out = Path(args.output)
    if out.suffix.lower() != ".pdf":
        raise EcoinvError(f"{out}: the report is written as PDF; name the file .pdf")
    show = not args.quiet and sys.stderr.isatty()

    def progress(stage: str):
        def report(done: int, total: int) -> None:
            if show and total:
                print(f"\r{stage}: {done}/{total}", end="", file=sys.stderr, flush=True)
        return report

    _headless_if_no_display()
    # Qt is loaded only here, so `ecoinv --help` and the other commands stay light.
    from ..render.report_painter import ensure_app, write_pdf

    app = ensure_app()  # noqa: F841 - must outlive the painting

    if args.date:
        try:
            args.date = _dt.date.fromisoformat(args.date).isoformat()
        except ValueError:
            raise EcoinvError(f"--date {args.date!r}: use YYYY-MM-DD") from None
    with Inventory.open(args.path) as inv:
        model = rm.build_report(inv, lang=args.lang, sections=args.sections, atlas=args.atlas,
                                report_date=args.date, progress=progress("statistics"))
        pages = write_pdf(model, out, progress=progress("pages"), inv=inv)
    if show:
        print(file=sys.stderr)
    print(f"wrote {out} ({pages} pages, {args.lang})")
    return 0
