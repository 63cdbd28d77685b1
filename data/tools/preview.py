#!/usr/bin/env python
"""Render a PNG preview of the demo data (a check for humans, not part of the app).

    QT_QPA_PLATFORM=offscreen .venv/bin/python data/tools/preview.py [out.png] [--bbox W S E N]

Reads data/demo.json and draws every file it imports (reprojected to
lon/lat), land cover underneath, protected sites on top, stations as dots.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import fiona
import numpy as np
import pyproj
import shapely
from shapely.geometry import shape

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QPointF, Qt  # noqa: E402
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainter, QPainterPath, QPen, QPolygonF  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

DATA = Path(__file__).resolve().parents[1]

# PySide6 6.12 on Python 3.11 drops a reference to None on every call of a
# method returning void (None is not immortal before 3.12), and the
# interpreter aborts ("none_dealloc") after a few thousand calls.  Holding
# spare references keeps this one-shot drawing script alive.
if sys.version_info < (3, 12):
    import ctypes

    ctypes.c_ssize_t.from_address(id(None)).value += 1 << 40

LC_COLORS = {"林地": "#7fb77e", "湿地": "#6fc7c0", "草地": "#d9e58a", "水域": "#5a8fd8", "其他": "#f4efe4"}
CAT_COLORS = {
    "nature_reserve": "#c0392b", "forest_park": "#1e6b2f", "scenic_area": "#8e44ad",
    "wetland_park": "#0a5c8a", "geopark": "#a0522d", "germplasm_reserve": "#0033cc",
    "water_source": "#00a0ff", "ecological_redline": "#ff00aa",
}
ZONE_COLORS = {"核心区": "#7b0000", "缓冲区": "#d35400", "实验区": "#f5b041", "核心保护区": "#7b0000", "一般控制区": "#f5b041"}
STATION_COLORS = {"环境空气": "#e67e22", "地表水": "#1f5fbf", "声环境": "#8e44ad"}
CAT_OF_LABEL = {"水产种质资源保护区": "germplasm_reserve", "饮用水水源保护区": "water_source", "生态保护红线": "ecological_redline"}


class Canvas:
    def __init__(self, bbox, width=2400):
        self.x0, self.y0, self.x1, self.y1 = bbox
        self.k = np.cos(np.radians((self.y0 + self.y1) / 2))
        self.s = width / ((self.x1 - self.x0) * self.k)
        self.w = width
        self.h = int((self.y1 - self.y0) * self.s) + 1
        self.img = QImage(self.w, self.h, QImage.Format_RGB32)
        self.img.fill(QColor("white"))
        self.p = QPainter(self.img)
        self.p.setRenderHint(QPainter.Antialiasing)

    def pt(self, x, y):
        return QPointF(float((x - self.x0) * self.k * self.s), float((self.y1 - y) * self.s))

    def path(self, g):
        pa = QPainterPath()
        pa.setFillRule(Qt.OddEvenFill)
        for poly in shapely.get_parts(g):
            if poly.geom_type != "Polygon":
                continue
            for ring in [poly.exterior, *poly.interiors]:
                c = np.asarray(ring.coords)
                pa.addPolygon(QPolygonF([self.pt(*q) for q in c]))
        return pa

    def draw(self, g, pen=None, brush=None, width=1.0):
        self.p.setPen(QPen(QColor(pen), width) if pen else QPen(QColor(0, 0, 0, 0), 0))
        self.p.setBrush(QBrush(QColor(brush)) if brush else QBrush())
        self.p.drawPath(self.path(g))

    def line(self, g, color, width=1.0):
        self.p.setPen(QPen(QColor(color), width))
        for ls in shapely.get_parts(g):
            c = np.asarray(ls.coords)
            self.p.drawPolyline(QPolygonF([self.pt(*q) for q in c]))

    def dot(self, x, y, color, r=4):
        self.p.setPen(QPen(QColor("black"), 0.8))
        self.p.setBrush(QBrush(QColor(color)))
        c = self.pt(x, y)
        self.p.drawEllipse(c, r, r)

    def text(self, x, y, s, size=9, color="black"):
        self.p.setPen(QPen(QColor(color)))
        self.p.setFont(QFont("Sans", size))
        self.p.drawText(self.pt(x, y), s)

    def save(self, path):
        self.p.end()
        self.img.save(str(path))


def read(path: Path, source_layer=None):
    """(properties, lon/lat geometry) of every feature in a file."""
    kw = {"layer": source_layer} if source_layer else {}
    with fiona.open(path, **kw) as src:
        crs = pyproj.CRS.from_user_input(src.crs_wkt or "EPSG:4326")
        tr = None if crs.is_geographic else pyproj.Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
        out = []
        for f in src:
            g = shape(f.geometry)
            if tr is not None:
                g = shapely.transform(g, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
            out.append((dict(f.properties), g))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="?", default="preview.png")
    ap.add_argument("--data", default=str(DATA))
    ap.add_argument("--bbox", nargs=4, type=float, default=[125.6, 44.0, 130.35, 46.75])
    ap.add_argument("--width", type=int, default=2400)
    ap.add_argument("--no-landcover", action="store_true")
    a = ap.parse_args(argv)
    data = Path(a.data)
    manifest = json.loads((data / "demo.json").read_text(encoding="utf-8"))
    app = QApplication.instance() or QApplication(sys.argv[:1])  # noqa: F841
    cv = Canvas(a.bbox, a.width)
    imports = manifest["imports"]
    by_layer = {}
    for imp in imports:
        by_layer.setdefault(imp["layer"], []).append(imp)
    if not a.no_landcover:
        for imp in by_layer.get("landcover", []):
            for props, g in read(data / imp["file"]):
                cv.draw(g, brush=LC_COLORS.get(props.get("地类"), "#ffffff"))
    for imp in by_layer.get("districts", []):
        for props, g in read(data / imp["file"]):
            cv.draw(g, pen="#555555", width=1.2)
            c = g.representative_point()
            cv.text(c.x, c.y, props.get("name_en", ""), 10, "#333333")
    for imp in by_layer.get("boundary", []):
        for props, g in read(data / imp["file"]):
            cv.draw(g, pen="#000000", width=2.5)
    for imp in by_layer.get("assets", []):
        default = imp.get("options", {}).get("defaults", {}).get("category")
        for props, g in read(data / imp["file"], imp.get("options", {}).get("source_layer")):
            cat = default or CAT_OF_LABEL.get(props.get("类别"), "ecological_redline")
            col = QColor(CAT_COLORS[cat])
            fill = QColor(col)
            fill.setAlpha(70 if cat != "ecological_redline" else 25)
            cv.p.setPen(QPen(col, 1.6))
            cv.p.setBrush(QBrush(fill))
            cv.p.drawPath(cv.path(g))
    for imp in by_layer.get("asset_zones", []):
        for props, g in read(data / imp["file"]):
            col = QColor(ZONE_COLORS.get(props.get("功能区"), "#000000"))
            col.setAlpha(110)
            cv.p.setPen(QPen(QColor("#333333"), 0.5))
            cv.p.setBrush(QBrush(col))
            cv.p.drawPath(cv.path(g))
    for imp in by_layer.get("stations", []):
        for props, g in read(data / imp["file"]):
            cv.dot(g.x, g.y, STATION_COLORS.get(props.get("站点类型"), "#000000"))
    cv.save(a.out)
    print(a.out)


if __name__ == "__main__":
    main()
