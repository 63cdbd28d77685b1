"""``ecoinv gui [PATH]``: the desktop application (and its screenshot mode)."""
from __future__ import annotations

import argparse

from ..errors import EcoinvError


def register(sub) -> None:
    p = sub.add_parser(
        "gui", help="open the desktop application",
        description="Open the desktop application, optionally on an inventory. With --screenshot "
                    "it opens PATH, waits until the map and the statistics are drawn, saves the "
                    "window as a PNG and exits (works without a display).")
    # The GUI's own parser arguments, so `ecoinv gui` and `ecoinv-gui` agree;
    # importing app.py does not import Qt.
    from ..gui.app import add_arguments

    add_arguments(p)
    p.set_defaults(func=cmd_gui)


def cmd_gui(args: argparse.Namespace) -> int:
    try:
        from ..gui.app import main
    except ImportError as exc:  # pragma: no cover - PySide6 is a dependency
        raise EcoinvError(f"the desktop application needs PySide6: {exc}") from None
    if args.screenshot and not args.path:
        raise EcoinvError("--screenshot needs an inventory PATH")
    return main(args.path, screenshot=args.screenshot, size=args.size, lang=args.lang)
