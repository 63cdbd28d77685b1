"""Starting the desktop application: ``ecoinv gui [PATH]`` and the
``ecoinv-gui`` entry point.

``main(path, screenshot=OUT)`` opens the window on an inventory, waits
until the map and the statistics are there, saves the window as a PNG and
returns: for documentation and checks, also with the offscreen platform.
"""
from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path

from ..errors import EcoinvError

DEFAULT_SIZE = (1400, 900)
# A screenshot waits at most this long for the map and the statistics.
SCREENSHOT_WAIT_MS = 180_000


def parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in str(text).lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 1400x900, not {text!r}") from None
    if not (200 <= w <= 10000 and 150 <= h <= 10000):
        raise argparse.ArgumentTypeError(f"size {w}x{h} is out of range (200x150 to 10000x10000)")
    return w, h


def create_app(argv: list[str] | None = None, *, lang: str | None = None):
    """The QApplication with our names, icon, CJK font and translators."""
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication

    from ..render.fonts import register_fonts
    from . import i18n
    from .icons import icon
    from .settings import APPLICATION, ORGANISATION, Settings

    app = QApplication.instance()
    if app is None:
        app = QApplication(list(argv) if argv else [sys.argv[0] if sys.argv else "ecoinv"])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("ecoinv")
    app.setWindowIcon(icon("ecoinv"))
    family = register_fonts()
    # Han text falls back to the bundled font even where the system has no
    # Chinese font (and on Qt builds without per-script fallbacks).
    font = QFont(app.font())
    families = [f for f in font.families() or [font.family()] if f]
    if family not in families:
        font.setFamilies(families + [family])
        app.setFont(font)
    i18n.install(lang if lang is not None else Settings().language(), app)
    return app


def _excepthook(exc_type, exc, tb):
    """Unexpected errors: a readable message in a dialog, the traceback on stderr."""
    traceback.print_exception(exc_type, exc, tb)
    from PySide6.QtWidgets import QApplication, QMessageBox

    app = QApplication.instance()
    if app is None or isinstance(exc, KeyboardInterrupt):
        return
    from PySide6.QtCore import QCoreApplication

    title = QCoreApplication.translate("App", "Unexpected error")
    if isinstance(exc, EcoinvError):
        text = str(exc)
    else:
        text = QCoreApplication.translate(
            "App", "Something went wrong: {error}\n\nThe details were written to the log "
                   "(standard error).").format(error=str(exc) or exc_type.__name__)
    QMessageBox.warning(app.activeWindow(), title, text)


def main(path=None, *, screenshot=None, size: tuple[int, int] | None = None,
         lang: str | None = None) -> int:
    if screenshot and not os.environ.get("QT_QPA_PLATFORM") and \
            not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) and \
            sys.platform.startswith("linux"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if not screenshot and sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM") \
            and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        # Qt would abort with a message about xcb; say what to do instead.
        raise EcoinvError("no display to open the window on; use --screenshot OUT.png, or set "
                          "QT_QPA_PLATFORM=offscreen")
    if path is not None:
        from ..store import Inventory

        Inventory.open(path).close()  # a bad path is a CLI error, before any window
    app = create_app(lang=lang)
    from .main_window import MainWindow

    window = MainWindow()
    # Worker threads must be stopped before Python tears Qt down, whatever happens.
    app.aboutToQuit.connect(window.shutdown)
    try:
        if screenshot:
            return _screenshot(app, window, path, Path(screenshot), size or DEFAULT_SIZE)
        sys.excepthook = _excepthook
        window.resize(*(size or DEFAULT_SIZE))
        if size is None:
            window.restore_layout()
        window.show()
        if path is not None:
            window.open_inventory(path)
        return app.exec()
    finally:
        window.shutdown()


def wait_until_drawn(window, timeout_ms: int = SCREENSHOT_WAIT_MS) -> bool:
    """Run the event loop until the map is painted and the statistics are in."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    state = {"timed_out": False}

    def drawn() -> bool:
        map_done = window.inv is None or (window.canvas.rendered_image() is not None
                                          and not window.canvas.is_rendering())
        return map_done and not window.stats_dock.is_busy()

    def check(*_):
        if drawn():
            loop.quit()

    def timeout():
        state["timed_out"] = True
        loop.quit()

    window.canvas.renderFinished.connect(check)
    window.canvas.renderFailed.connect(check)
    window.stats_dock.statsReady.connect(check)
    window.stats_dock.statsFailed.connect(check)
    poll = QTimer()
    poll.setInterval(100)
    poll.timeout.connect(check)
    poll.start()
    QTimer.singleShot(timeout_ms, timeout)
    if not drawn():
        loop.exec()
    poll.stop()
    return not state["timed_out"]


def _screenshot(app, window, path, out: Path, size: tuple[int, int]) -> int:
    window.resize(*size)
    window.show()
    if path is not None:
        window.open_inventory(path)
    ok = wait_until_drawn(window)
    app.processEvents()
    saved = window.save_screenshot(out)
    window.shutdown()
    window.close()
    if not saved:
        raise EcoinvError(f"{out}: the screenshot could not be written")
    if not ok:
        print(f"ecoinv: warning: saved {out} before the map had finished drawing", file=sys.stderr)
    else:
        print(f"saved {out}")
    return 0


def run(argv: list[str] | None = None) -> None:
    """The ``ecoinv-gui`` entry point."""
    parser = argparse.ArgumentParser(prog="ecoinv-gui", description="The ecoinv desktop application.")
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        code = main(args.path, screenshot=args.screenshot, size=args.size, lang=args.lang)
    except EcoinvError as exc:
        print(f"ecoinv-gui: error: {exc}", file=sys.stderr)
        code = exc.exit_code
    sys.exit(code)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", help="inventory file to open")
    parser.add_argument("--screenshot", metavar="OUT.png",
                        help="open PATH, wait until the map is drawn, save the window as PNG and exit")
    parser.add_argument("--size", type=parse_size, metavar="WxH",
                        help=f"window size (default {DEFAULT_SIZE[0]}x{DEFAULT_SIZE[1]} for screenshots)")
    parser.add_argument("--lang", choices=["en", "zh_CN"],
                        help="interface language (default: the saved choice, else the system's)")
