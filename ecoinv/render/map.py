"""The map renderer: the inventory's layers onto any QPaintDevice.

One renderer serves the canvas (a QImage made in a worker thread), image
export and the report's map frames (a QPdfWriter page or a QPrinter):

    renderer = MapRenderer(inv)
    settings = renderer.default_settings(1920, 1080)
    image = renderer.render_image(settings)            # any thread
    renderer.render(painter, settings, target=rect)    # PDF page, printer

Data flow: each layer is read once through its own read-only connection,
transformed to the display CRS once, and kept as chunked, simplified
QPainterPaths (see layers.py); on vector outputs (PDF, printers) polygons
are instead cut to the view and simplified to a tenth of a millimetre on
paper, since a PDF page keeps every vertex drawn on it, visible or not.
Sizes given in millimetres (line widths, symbols, hatching, text) are
converted with the output's dpi, so a map printed at 300 dpi has the same
line weights on paper as on screen at 96.

Threads: ``render`` draws only on the painter it is given and touches no
widget, so it may run in a worker thread on a QImage.  SQLite is read only
from the renderer's own connection, under a lock; the caller's Inventory
connection is never used, so the GUI thread can keep using it.  After an
edit, ``refresh()`` (called by every render) notices other connections'
commits through ``PRAGMA data_version`` and the history table and reloads
the layers that changed; ``invalidate(layer)`` forces it.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pyproj
import shapely
from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import (QColor, QFontMetricsF, QImage, QPainter, QPainterPath, QPaintEngine,
                           QRegion, QTransform)

from .. import schema, styles
from ..styles import Style
from . import _proj
from .fonts import map_font, register_fonts
from .labels import LabelPlacer, area_candidates, point_candidates
from .layers import LINEWORK, TESSELLATIONS, PathCache, PointLayer, PolygonLayer, lod_for
from .painting import (draw_hatch, draw_symbols, draw_text_halo, fill_brush, make_pen, qcolor,
                       symbols_path)
from .settings import (DEFAULT_DISPLAY_CRS, Extent, LayerSettings, MapSettings, Viewport,
                       default_layers, fit_extent)

__all__ = ["MapRenderer", "MapSettings", "LayerSettings", "Viewport", "default_layers",
           "fit_extent", "gauss_kruger_cm_code", "DEFAULT_DISPLAY_CRS"]

Cancel = Callable[[], bool] | None

# Label thresholds.  Sizes are millimetres on the output, so a printed map
# and the screen thin out labels alike.
MIN_SITE_LABEL_MM = 6.0        # a site's box must be this big to carry its name
MIN_DISTRICT_LABEL_MM = 18.0
MAX_LABEL_CANDIDATES = 400
STATION_LABEL_SCALE = 400_000  # station names at 1:400,000 and larger
STATION_LABEL_MAX = 20         # ... or whenever this few stations are in view

# Vector outputs (PDF, printers) keep every vertex they are given, seen or
# not, so there a polygon is first cut to the view plus this margin (wider
# than half the widest outline, so the cut's own edges stay out of sight),
# and outlines are simplified to between half of and PRINT_TOLERANCE_MM on
# paper, not to the device's dots (0.02 mm at 1,200 dpi): a 0.1 mm step is
# below what the eye resolves on a printed map and several times smaller
# than the thinnest line drawn.
CLIP_MARGIN_MM = 2.0
PRINT_TOLERANCE_MM = 0.1
VECTOR_ENGINES = frozenset({
    QPaintEngine.Type.Pdf, QPaintEngine.Type.Picture, QPaintEngine.Type.SVG,
    QPaintEngine.Type.Windows, QPaintEngine.Type.MacPrinter,
    QPaintEngine.Type.CoreGraphics,
})


def gauss_kruger_cm_code(lon: float) -> str:
    """EPSG code of the CGCS2000 3-degree Gauss-Kruger CM zone nearest ``lon``.

    EPSG:4534 is CM 75°E and the codes step by one per 3° up to EPSG:4554
    (CM 135°E); China lies between those meridians.
    """
    cm = min(max(round(lon / 3.0) * 3.0, 75.0), 135.0)
    return f"EPSG:{4534 + int(round((cm - 75.0) / 3.0))}"


def _transformer(src: str, dst: str) -> pyproj.Transformer:
    return _proj.transformer(src, dst)


def _crs_text(crs) -> str:
    if isinstance(crs, str):
        return crs
    code = crs.to_epsg() if hasattr(crs, "to_epsg") else None
    return f"EPSG:{code}" if code else crs.to_wkt()


@dataclass
class RenderStats:
    """What the last render did (for the benchmark and the status bar)."""
    layers: int = 0
    chunks: int = 0
    chunks_built: int = 0
    labels: int = 0
    lod: int = 0
    vector: bool = False
    cancelled: bool = False


class MapRenderer:
    def __init__(self, inv):
        self.inv = inv
        self.path = inv.path
        self.storage_crs = _crs_text(inv.crs)
        self._lock = threading.RLock()
        self._reader = None
        self._layers: dict[tuple[str, str], PolygonLayer | PointLayer] = {}
        self._generation: dict[str, int] = {}
        self._paths = PathCache()
        self._data_version: int | None = None
        self._history_mark: int | None = None
        self.last_stats = RenderStats()

    # -- lifetime -------------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None

    def __enter__(self) -> "MapRenderer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _db(self):
        if self._reader is None:
            from ..store import Inventory

            self._reader = Inventory.open(self.path, migrate=False)
            self._data_version = self._reader.conn.execute("PRAGMA data_version").fetchone()[0]
            self._history_mark = self._max_history_id()
        return self._reader

    def _max_history_id(self) -> int:
        row = self._reader.conn.execute("SELECT max(id) FROM history").fetchone()
        return int(row[0] or 0)

    # -- caches ---------------------------------------------------------------------------
    def invalidate(self, layer: str | None = None) -> None:
        """Forget cached data of ``layer`` (all layers for None) after an edit."""
        with self._lock:
            names = [layer] if layer else list({k[0] for k in self._layers})
            if layer == "assets":
                names.append("asset_zones")  # zones are clipped to their sites
            for name in names:
                for key in [k for k in self._layers if k[0] == name]:
                    del self._layers[key]
                self._generation[name] = self._generation.get(name, 0) + 1
                self._paths.drop_layer(name)
            if layer is None:
                self._paths.drop_layer(None)

    def refresh(self) -> set[str]:
        """Reload whatever another connection changed since the last look.

        Store writes leave history rows naming their table, so only those
        layers are dropped; a change without history (another program
        editing the file) drops everything.
        """
        with self._lock:
            if self._reader is None:
                return set()
            conn = self._reader.conn
            version = conn.execute("PRAGMA data_version").fetchone()[0]
            if version == self._data_version:
                return set()
            self._data_version = version
            rows = conn.execute("SELECT DISTINCT table_name FROM history WHERE id > ?",
                                [self._history_mark or 0]).fetchall()
            self._history_mark = self._max_history_id()
            changed = {r[0] for r in rows if r[0] in schema.LAYERS}
            if not rows:
                changed = set(schema.LAYERS)
            for name in changed:
                self.invalidate(name)
            return changed

    def layer_data(self, name: str, display_crs: str = DEFAULT_DISPLAY_CRS):
        """The cached display-ready copy of a layer (loaded on first use)."""
        key = (name, display_crs)
        data = self._layers.get(key)
        if data is not None:
            return data
        with self._lock:
            data = self._layers.get(key)
            if data is None:
                data = self._load(name, display_crs)
                self._layers[key] = data
            return data

    def _load(self, name: str, display_crs: str):
        ldef = schema.LAYERS[name]
        fields = ldef.field_names
        cols = [c for c in (ldef.style_field, "name", "name_en", "asset_id") if c and c in fields]
        arr = self._db().read_arrays(name, columns=list(dict.fromkeys(cols)))
        geoms = self._to_display_geoms(arr["geometry"], display_crs)
        n = len(arr["id"])
        codes = arr[ldef.style_field] if ldef.style_field else [None] * n
        attrs = {c: arr[c] for c in cols if c != ldef.style_field}
        if name == "asset_zones" and n:
            geoms = self._clip_zones_to_sites(geoms, attrs.get("asset_id", []), display_crs)
        cls = PointLayer if ldef.geometry_type == "POINT" else PolygonLayer
        return cls(name, arr["id"], list(codes), geoms, attrs)

    def _clip_zones_to_sites(self, geoms: np.ndarray, asset_ids: list, display_crs: str) -> np.ndarray:
        # A zone drawn a little past its site's edge (digitising slop) is
        # drawn, and hatched, only inside the site.
        sites = self.layer_data("assets", display_crs)
        ids = np.array([-1 if a is None else int(a) for a in asset_ids], dtype=np.int64)
        out = np.array(geoms, dtype=object)
        for i, aid in enumerate(ids):
            if sites.n == 0 or aid < 0:
                continue
            pos = sites.positions_of([aid])
            if len(pos) == 0:
                continue
            try:
                clipped = shapely.intersection(out[i], sites.geoms[pos[0]])
            except shapely.errors.GEOSException:
                continue
            if not clipped.is_empty:
                out[i] = clipped
        return out

    # -- CRS --------------------------------------------------------------------------------
    def _to_display_geoms(self, geoms: np.ndarray, display_crs: str) -> np.ndarray:
        if len(geoms) == 0 or _same_crs(self.storage_crs, display_crs):
            return np.asarray(geoms, dtype=object)
        tr = _transformer(self.storage_crs, display_crs)

        def xy(c: np.ndarray) -> np.ndarray:
            x, y = tr.transform(c[:, 0], c[:, 1], errcheck=False)
            return np.column_stack([x, y])

        return shapely.transform(np.asarray(geoms, dtype=object), xy)

    def to_display(self, x, y, display_crs: str = DEFAULT_DISPLAY_CRS):
        """Storage-CRS coordinates (scalars or arrays) → display CRS."""
        if _same_crs(self.storage_crs, display_crs):
            return x, y
        return _transformer(self.storage_crs, display_crs).transform(x, y)

    def to_storage(self, x, y, display_crs: str = DEFAULT_DISPLAY_CRS):
        """Display-CRS coordinates → storage CRS (for map tools that edit)."""
        if _same_crs(self.storage_crs, display_crs):
            return x, y
        return _transformer(display_crs, self.storage_crs).transform(x, y)

    def geometry_to_display(self, geom, display_crs: str = DEFAULT_DISPLAY_CRS):
        return self._to_display_geoms(np.array([geom], dtype=object), display_crs)[0]

    def geometry_to_storage(self, geom, display_crs: str = DEFAULT_DISPLAY_CRS):
        if _same_crs(self.storage_crs, display_crs):
            return geom
        tr = _transformer(display_crs, self.storage_crs)
        return shapely.transform(geom, lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))

    def _storage_extent(self) -> Extent | None:
        with self._lock:
            db = self._db()
            return db.extent("boundary") or db.extent()

    def default_display_crs(self) -> str:
        """The conformal plane to draw this inventory in.

        The CGCS2000 3-degree Gauss-Kruger CM zone (EPSG:4534–4554) whose
        central meridian is nearest the centre of the boundary's extent
        (of all data when there is no boundary).  For Harbin (125.7–130.2°E)
        the centre is ~127.96°E, 1.04° from CM 129°E and 1.96° from CM
        126°E, so this gives EPSG:4552; both keep the scale factor within
        0.1 % over the city, which is all a map needs.  Areas are never
        measured in it.
        """
        ext = self._storage_extent()
        if ext is None:
            return DEFAULT_DISPLAY_CRS
        lonlat = _lonlat_bounds(ext, self.storage_crs)
        try:
            from ..crs import display_crs_for
        except ImportError:
            display_crs_for = None
        if display_crs_for is not None:
            try:
                crs = display_crs_for(lonlat)
                code = crs.to_epsg() if hasattr(crs, "to_epsg") else None
                if code:
                    return f"EPSG:{code}"
            except Exception:  # noqa: BLE001 - fall back to the same rule computed here
                pass
        return gauss_kruger_cm_code((lonlat[0] + lonlat[2]) / 2)

    def full_extent(self, display_crs: str | None = None, margin: float = 0.03) -> Extent:
        """The boundary's extent (all data without one) in the display CRS, with a margin."""
        display_crs = display_crs or self.default_display_crs()
        ext = self._storage_extent()
        if ext is None:
            # An empty inventory: a 100 km square around the CM zone's centre.
            return (450_000.0, 4_950_000.0, 550_000.0, 5_050_000.0)
        if not _same_crs(self.storage_crs, display_crs):
            ext = _transformer(self.storage_crs, display_crs).transform_bounds(*ext, densify_pts=21)
        xmin, ymin, xmax, ymax = (float(v) for v in ext)
        w, h = max(xmax - xmin, 1.0), max(ymax - ymin, 1.0)
        return (xmin - w * margin, ymin - h * margin, xmax + w * margin, ymax + h * margin)

    def extent_of(self, layer: str, ids, display_crs: str = DEFAULT_DISPLAY_CRS,
                  margin: float = 0.1) -> Extent | None:
        """Extent of some features in the display CRS (zoom to selection)."""
        data = self.layer_data(layer, display_crs)
        pos = data.positions_of(ids)
        if len(pos) == 0:
            return None
        if isinstance(data, PointLayer):
            xy = data.xy[pos]
            b = (xy[:, 0].min(), xy[:, 1].min(), xy[:, 0].max(), xy[:, 1].max())
        else:
            bb = data.bounds[pos]
            b = (bb[:, 0].min(), bb[:, 1].min(), bb[:, 2].max(), bb[:, 3].max())
        w, h = max(b[2] - b[0], 200.0), max(b[3] - b[1], 200.0)
        cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
        f = 0.5 + margin
        return (cx - w * f, cy - h * f, cx + w * f, cy + h * f)

    def default_settings(self, width: int, height: int, dpi: float = 96.0, lang: str = "zh",
                         display_crs: str | None = None) -> MapSettings:
        """Settings showing the whole boundary in the inventory's display CRS."""
        crs = display_crs or self.default_display_crs()
        return MapSettings(extent=self.full_extent(crs), width=int(width), height=int(height),
                           dpi=float(dpi), display_crs=crs, lang=lang).fit_extent()

    def codes_present(self, layer: str, display_crs: str = DEFAULT_DISPLAY_CRS) -> list:
        """The style codes that occur in a layer, in drawing order (for legends)."""
        return self.layer_data(layer, display_crs).code_values()

    # -- drawing ------------------------------------------------------------------------------
    def render_image(self, settings: MapSettings, cancel: Cancel = None) -> QImage:
        """The map as a QImage (ARGB32_Premultiplied, dpi recorded in the image)."""
        image = QImage(max(int(settings.width), 1), max(int(settings.height), 1),
                       QImage.Format.Format_ARGB32_Premultiplied)
        dpm = int(round(settings.dpi / 0.0254))
        image.setDotsPerMeterX(dpm)
        image.setDotsPerMeterY(dpm)
        image.fill(QColor(settings.background))
        painter = QPainter(image)
        try:
            self.render(painter, settings, cancel=cancel)
        finally:
            painter.end()
        return image

    def render(self, painter: QPainter, settings: MapSettings, target: QRectF | None = None,
               cancel: Cancel = None) -> bool:
        """Draw the map into ``target`` (default: (0, 0, width, height)) of ``painter``.

        Returns False if ``cancel()`` became true part way (the painter then
        holds a partial map).  The painter's state is restored afterwards.
        """
        register_fonts()
        cancelled = cancel or (lambda: False)
        self.refresh()
        stats = RenderStats()
        base = QTransform(painter.worldTransform())
        device = painter.device()
        device_dpi = float(device.logicalDpiY()) if device is not None else settings.dpi
        vp = Viewport.make(settings, target, base, device_dpi)
        map_tf = vp.transform() * base
        lod = lod_for(vp.device_units_per_pixel)
        clip = None
        if is_vector(painter):
            lod = max(lod, lod_for(vp.mm(2 * PRINT_TOLERANCE_MM) / vp.scale))
            m = vp.mm(CLIP_MARGIN_MM) / vp.scale
            x0, y0, x1, y1 = vp.extent
            clip = (x0 - m, y0 - m, x1 + m, y1 + m)
            stats.vector = True
        stats.lod = lod
        placer = LabelPlacer(vp.target, cell=max(vp.mm(12), 16.0))

        painter.save()
        try:
            painter.setClipRect(vp.target, Qt.ClipOperation.IntersectClip)
            painter.fillRect(vp.target, QColor(settings.background))
            for ls in settings.visible_layers():
                if cancelled():
                    stats.cancelled = True
                    break
                if ls.name not in schema.LAYERS:
                    continue
                data = self.layer_data(ls.name, settings.display_crs)
                stats.layers += 1
                painter.setOpacity(max(0.0, min(1.0, ls.opacity)))
                if isinstance(data, PointLayer):
                    self._draw_points(painter, data, ls, vp, base, placer)
                else:
                    if not self._draw_polygons(painter, data, ls, vp, map_tf, base, lod, stats,
                                               cancelled, clip):
                        stats.cancelled = True
                        break
            painter.setOpacity(1.0)
            if not stats.cancelled:
                self._draw_overlay(painter, settings.selection, styles.SELECTION, settings, vp,
                                   map_tf, base, lod, clip)
                self._draw_overlay(painter, settings.highlight, styles.HIGHLIGHT, settings, vp,
                                   map_tf, base, lod, clip)
            if settings.labels and not stats.cancelled and not cancelled():
                painter.setTransform(base)
                stats.labels = self._draw_labels(painter, settings, vp, placer, device_dpi)
        finally:
            painter.restore()
        self.last_stats = stats
        return not stats.cancelled

    def _chunk_paths(self, data: PolygonLayer, chunk_no: int, lod: int, stats: RenderStats,
                     outlines: bool = True, clip: Extent | None = None):
        if clip is not None:
            stats.chunks += 1
            stats.chunks_built += 1
            return data.build_paths(data.chunks[chunk_no], lod, outlines, clip)
        key = (data.name, self._generation.get(data.name, 0), id(data), lod, chunk_no)
        paths = self._paths.get(key)
        if paths is None or (outlines and paths.outlines is None):
            paths = data.build_paths(data.chunks[chunk_no], lod, outlines)
            self._paths.put(key, paths)
            stats.chunks_built += 1
        stats.chunks += 1
        return paths

    def _linework_paths(self, data: PolygonLayer, lod: int, clip: Extent | None = None):
        if clip is not None:
            return data.build_linework(lod, clip)
        key = (data.name, self._generation.get(data.name, 0), id(data), lod, "linework")
        paths = self._paths.get(key)
        if paths is None:
            paths = data.build_linework(lod)
            self._paths.put(key, paths)
        return paths

    def _draw_polygons(self, painter: QPainter, data: PolygonLayer, ls: LayerSettings, vp: Viewport,
                       map_tf: QTransform, base: QTransform, lod: int, stats: RenderStats,
                       cancelled, clip: Extent | None = None) -> bool:
        view = vp.extent
        for code in data.code_values():
            if code is not None and code in ls.hidden_codes:
                continue
            style = ls.style(code)
            numbers = data.chunks_in(view, code)
            if not len(numbers):
                continue
            needs_outlines = bool(style.stroke and style.stroke_width_mm > 0)
            linework = data.name in LINEWORK and styles.style_field(data.name) is None
            paths = []
            for k, n in enumerate(numbers):
                if k % 32 == 0 and cancelled():
                    return False
                paths.append(self._chunk_paths(data, int(n), lod, stats,
                                               needs_outlines and not linework, clip))
            strokes = paths
            if linework and needs_outlines:
                strokes = [self._linework_paths(data, lod, clip)]
            painter.setTransform(map_tf)
            stroke_w = vp.mm(style.stroke_width_mm) / vp.scale if style.stroke else 0.0
            if style.fill:
                # A land-cover mosaic is filled without antialiasing: with it,
                # every shared edge shows a faint seam of background.
                painter.setRenderHint(QPainter.RenderHint.Antialiasing,
                                      data.name not in TESSELLATIONS)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(fill_brush(style))
                for p in paths:
                    # A PDF gets a stray point for an empty path; on a page
                    # cut to the view, chunks with nothing inside are common.
                    if not p.shapes.isEmpty():
                        painter.drawPath(p.shapes)
            # Sub-pixel features are dots of the outline colour when there is
            # one (a site must stay visible), else of the fill colour.
            dot_colour = style.stroke if style.stroke else style.fill
            if dot_colour:
                painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(qcolor(dot_colour, 1.0 if style.stroke else style.fill_opacity))
                for p in paths:
                    if not p.dots.isEmpty():
                        painter.drawPath(p.dots)
            if style.hatch:
                self._hatch(painter, data, numbers, paths, style, vp, map_tf, base)
                painter.setTransform(map_tf)
            if style.stroke and stroke_w > 0:
                painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                pen = make_pen(style.stroke, stroke_w, dash=style.dash,
                               opacity=style.stroke_opacity, units_per_mm=vp.px_per_mm / vp.scale,
                               join=Qt.PenJoinStyle.BevelJoin)
                painter.setPen(pen)
                dashed = pen.style() == Qt.PenStyle.CustomDashLine
                for p in strokes:
                    for piece, along in p.outlines:
                        if dashed:
                            pen.setDashOffset(along / stroke_w)
                            painter.setPen(pen)
                        painter.drawPath(piece)
        return True

    def _hatch(self, painter: QPainter, data: PolygonLayer, numbers, paths, style: Style,
               vp: Viewport, map_tf: QTransform, base: QTransform) -> None:
        clip = QPainterPath()
        clip.setFillRule(Qt.FillRule.WindingFill)
        for p in paths:
            clip.addPath(p.shapes)
        if clip.isEmpty():
            return
        # Lines only over the features' own boxes (merged into disjoint
        # rectangles): lines drawn through a complex clip cost per pixel
        # crossed, and zones cover a small part of a city map.
        index = np.concatenate([data.chunks[int(n)].index for n in numbers])
        b = data.bounds[index]
        x0, y1 = vp.to_target(b[:, 0], b[:, 1])
        x1, y0 = vp.to_target(b[:, 2], b[:, 3])
        t = vp.target
        region = QRegion()
        for a0, b0, a1, b1 in zip(np.floor(np.maximum(x0, t.left())), np.floor(np.maximum(y0, t.top())),
                                  np.ceil(np.minimum(x1, t.right())), np.ceil(np.minimum(y1, t.bottom()))):
            if a1 > a0 and b1 > b0:
                region = region.united(QRect(int(a0), int(b0), int(a1 - a0) + 1, int(b1 - b0) + 1))
        if region.isEmpty():
            return
        painter.save()
        painter.setTransform(map_tf)
        painter.setClipPath(clip, Qt.ClipOperation.IntersectClip)
        painter.setTransform(base)
        anchor = (vp.transform().dx(), vp.transform().dy())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for r in region:
            draw_hatch(painter, style.hatch, QRectF(r), style.stroke or style.fill or "#555555",
                       vp.mm(style.hatch_spacing_mm), vp.mm(style.hatch_width_mm), anchor)
        painter.restore()

    def _draw_points(self, painter: QPainter, data: PointLayer, ls: LayerSettings, vp: Viewport,
                     base: QTransform, placer: LabelPlacer) -> None:
        painter.setTransform(base)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for code in data.code_values():
            if code is not None and code in ls.hidden_codes:
                continue
            style = ls.style(code)
            size = vp.mm(style.symbol_size_mm)
            idx = data.in_view(vp.extent, code, margin=size / vp.scale)
            if not len(idx):
                continue
            tx, ty = vp.to_target(data.xy[idx, 0], data.xy[idx, 1])
            xy = np.column_stack([tx, ty])
            draw_symbols(painter, xy, style, size, vp.mm(style.stroke_width_mm))
            half = size / 2
            for x, y in xy:
                placer.occupy(QRectF(x - half, y - half, size, size))

    def _draw_overlay(self, painter: QPainter, wanted: dict, style: Style, settings: MapSettings,
                      vp: Viewport, map_tf: QTransform, base: QTransform, lod: int,
                      clip: Extent | None = None) -> None:
        for layer, ids in (wanted or {}).items():
            if not ids or layer not in schema.LAYERS:
                continue
            ls = settings.layer(layer)
            if ls is not None and not ls.visible:
                continue
            data = self.layer_data(layer, settings.display_crs)
            pos = data.positions_of(ids)
            if not len(pos):
                continue
            if isinstance(data, PointLayer):
                painter.setTransform(base)
                painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
                tx, ty = vp.to_target(data.xy[pos, 0], data.xy[pos, 1])
                size = vp.mm(style.symbol_size_mm)
                ring = Style(fill=style.fill, fill_opacity=style.fill_opacity, stroke=style.stroke,
                             symbol="circle")
                draw_symbols(painter, np.column_stack([tx, ty]), ring, size,
                             vp.mm(style.stroke_width_mm))
                # Redraw the station's own symbol so the overlay frames it.
                for code in set(data.codes[pos].tolist()):
                    sub = pos[data.codes[pos] == code]
                    own = (ls or LayerSettings(layer)).style(code)
                    sx, sy = vp.to_target(data.xy[sub, 0], data.xy[sub, 1])
                    draw_symbols(painter, np.column_stack([sx, sy]), own, vp.mm(own.symbol_size_mm),
                                 vp.mm(own.stroke_width_mm))
                continue
            b = data.bounds[pos]
            view = vp.extent
            inside = (b[:, 2] >= view[0]) & (b[:, 0] <= view[2]) & (b[:, 3] >= view[1]) & (b[:, 1] <= view[3])
            pos = pos[inside]
            if not len(pos):
                continue
            path = data.outline_paths(pos, lod, clip)
            painter.setTransform(map_tf)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setBrush(fill_brush(style))
            w = vp.mm(style.stroke_width_mm) / vp.scale
            painter.setPen(make_pen(style.stroke, w) if style.stroke else Qt.PenStyle.NoPen)
            if not path.isEmpty():
                painter.drawPath(path)
            # Features too small to see get a marker, so a selection never vanishes.
            small = np.maximum(b[inside][:, 2] - b[inside][:, 0], b[inside][:, 3] - b[inside][:, 1]) * vp.scale < vp.mm(2.0)
            if small.any():
                painter.setTransform(base)
                sb = b[inside][small]
                tx, ty = vp.to_target((sb[:, 0] + sb[:, 2]) / 2, (sb[:, 1] + sb[:, 3]) / 2)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.setPen(make_pen(style.stroke or "#000000", vp.mm(style.stroke_width_mm)))
                painter.drawPath(symbols_path(np.column_stack([tx, ty]), "circle", vp.mm(3.0)))

    # -- labels ---------------------------------------------------------------------------------
    def _draw_labels(self, painter: QPainter, settings: MapSettings, vp: Viewport,
                     placer: LabelPlacer, device_dpi: float) -> int:
        lang = settings.lang
        scale = _scale_of(vp, settings)
        halo = vp.mm(styles.LABEL_HALO_MM)
        jobs = []
        visible = {ls.name: ls for ls in settings.visible_layers() if ls.labels}
        if "assets" in visible:
            jobs.append(("assets", visible["assets"]))
        if "stations" in visible:
            jobs.append(("stations", visible["stations"]))
        if "districts" in visible:
            jobs.append(("districts", visible["districts"]))
        count = 0
        for layer, ls in jobs:
            data = self.layer_data(layer, settings.display_crs)
            if data.n == 0:
                continue
            size_pt = styles.LABEL_SIZE_PT.get(layer, 7.5)
            # Regular weight throughout: the bundled font has no bold, and
            # Qt's synthetic bold does not survive every painter transform.
            font = map_font(vp.pt(size_pt), device_dpi)
            fm = QFontMetricsF(font, painter.device())
            colour = styles.DISTRICT_LABEL_COLOUR if layer == "districts" else styles.LABEL_COLOUR
            if isinstance(data, PointLayer):
                idx = data.in_view(vp.extent)
                if not len(idx):
                    continue
                if len(idx) > STATION_LABEL_MAX and scale > STATION_LABEL_SCALE:
                    continue
                for i in idx:
                    labelled = _label_of(data, i, ls, lang)
                    if labelled is None:
                        continue
                    style, text = labelled
                    anchor = vp.point(*data.xy[i])
                    w = fm.horizontalAdvance(text)
                    cands = point_candidates(anchor, vp.mm(style.symbol_size_mm) / 2, w,
                                             fm.ascent(), fm.descent(), halo)
                    placed = placer.place(text, layer, int(data.ids[i]), cands)
                    if placed:
                        draw_text_halo(painter, placed.baseline, text, font, colour,
                                       styles.LABEL_HALO, halo)
                        count += 1
                continue
            idx = data.query(vp.extent)
            if not len(idx):
                continue
            b = data.bounds[idx]
            size = np.minimum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) * vp.scale
            need = vp.mm(MIN_DISTRICT_LABEL_MM if layer == "districts" else MIN_SITE_LABEL_MM)
            idx = idx[size >= need]
            if not len(idx):
                continue
            idx = idx[np.argsort(-data.areas[idx], kind="stable")][:MAX_LABEL_CANDIDATES]
            for i in idx:
                labelled = _label_of(data, i, ls, lang)
                if labelled is None:
                    continue
                text = labelled[1]
                p = data.label_point(int(i), vp.extent)
                if p is None:
                    continue
                anchor = vp.point(*p)
                w = fm.horizontalAdvance(text)
                cands = area_candidates(anchor, w, fm.ascent(), fm.descent(), halo)
                placed = placer.place(text, layer, int(data.ids[i]), cands)
                if placed:
                    draw_text_halo(painter, placed.baseline, text, font, colour,
                                   styles.LABEL_HALO, halo)
                    count += 1
        return count




def is_vector(painter: QPainter) -> bool:
    """Whether ``painter`` writes shapes (PDF, printer, picture) rather than pixels."""
    engine = painter.paintEngine()
    return engine is not None and engine.type() in VECTOR_ENGINES


def _label_of(data, i: int, ls, lang: str):
    """(style, text) of feature ``i``'s label, or None when its style, a hidden
    code or a missing name leaves it unlabelled."""
    code = data.codes[i]
    style = ls.style(code)
    if not style.label or (code is not None and code in ls.hidden_codes):
        return None
    text = _label_text(data, i, lang)
    return (style, text) if text else None


def _label_text(data, i: int, lang: str) -> str:
    names = data.attrs.get("name")
    name = names[i] if names else None
    if not lang.startswith("zh"):
        en = data.attrs.get("name_en")
        if en and en[i]:
            return str(en[i])
    return str(name) if name else ""


def _scale_of(vp: Viewport, settings: MapSettings) -> float:
    """Scale denominator of what is actually drawn (the target may differ from width × height)."""
    metres_per_unit = 1.0
    try:
        crs = _proj.crs(settings.display_crs)
        if crs.is_geographic:
            lat = (vp.extent[1] + vp.extent[3]) / 2
            metres_per_unit = 111_320.0 * math.cos(math.radians(lat))
    except pyproj.exceptions.CRSError:
        pass
    mm_per_unit = vp.scale / vp.px_per_mm
    return metres_per_unit * 1000.0 / mm_per_unit


def _same_crs(a: str, b: str) -> bool:
    return _proj.same(a, b)


def _lonlat_bounds(ext: Extent, crs: str) -> Extent:
    if _proj.crs(crs).is_geographic:
        return tuple(float(v) for v in ext)
    return tuple(float(v) for v in _proj.to_geodetic(crs).transform_bounds(*ext, densify_pts=21))
