"""Render the application icon (resources/icons/ecoinv.svg) to the PNG sizes
desktops want, into resources/icons/app/.  Uses QtSvg, so no extra tools."""
from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parents[1]
SIZES = (16, 32, 48, 64, 128, 256, 512)


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    svg = ROOT / "resources" / "icons" / "ecoinv.svg"
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        print(f"{svg}: not a valid SVG", file=sys.stderr)
        return 1
    out = ROOT / "resources" / "icons" / "app"
    out.mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        image = QImage(size, size, QImage.Format_ARGB32_Premultiplied)
        image.fill(Qt.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.Antialiasing)
        renderer.render(painter)
        painter.end()
        image.save(str(out / f"ecoinv-{size}.png"))
        if size == 256:  # the Windows recipe's installer and exe icon
            image.save(str(out / "ecoinv.ico"))
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
