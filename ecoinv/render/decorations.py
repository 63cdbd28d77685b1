"""Map furniture shared by the canvas overlay, image export and the report:
scale bar, north arrow, legend and graticule.

Each takes the same MapSettings (and optional target rectangle) as
MapRenderer.render, so furniture drawn next to a map frame matches the map
inside it.  Sizes are millimetres and points on the output.

Scale bar: the display CRS is a conformal Gauss-Kruger plane, whose point
scale factor k grows away from the central meridian (k ≈ 1 + Δλ²cos²φ/2;
≤ 1.0009 within 3° of it at 45°N).  The bar is measured on the ground at
the map's centre: plane length ÷ k, with k from PROJ's projection factors.
North arrow: it points to true north at the map's centre, which in a
Gauss-Kruger plane differs from grid north ("up") by the meridian
convergence (about Δλ·sinφ, under 1.5° for Harbin).
"""
from __future__ import annotations

import math

import numpy as np
import pyproj
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QFontMetricsF, QPainter, QPainterPath, QPen

from .. import schema, styles
from ..styles import Style
from . import _proj
from .fonts import map_font
from .painting import draw_hatch, draw_symbols, draw_text_halo, make_pen, qcolor
from .qpaths import path_from_xy
from .settings import MapSettings, Viewport

INK = "#222222"


def _viewport(painter: QPainter, settings: MapSettings, target: QRectF | None) -> Viewport:
    device = painter.device()
    dpi = float(device.logicalDpiY()) if device is not None else settings.dpi
    return Viewport.make(settings, target, painter.worldTransform(), dpi)


def _device_dpi(painter: QPainter, fallback: float) -> float:
    device = painter.device()
    return float(device.logicalDpiY()) if device is not None else fallback


def _to_lonlat(display_crs: str) -> pyproj.Transformer:
    return _proj.to_geodetic(display_crs)


def _from_lonlat(display_crs: str) -> pyproj.Transformer:
    return _proj.from_geodetic(display_crs)


def ground_metres_per_unit(settings: MapSettings, x: float | None = None, y: float | None = None
                           ) -> float:
    """Metres on the ground per display-CRS unit at (x, y) (default: the map's centre)."""
    ext = settings.fitted()
    if x is None or y is None:
        x, y = (ext[0] + ext[2]) / 2, (ext[1] + ext[3]) / 2
    crs = _proj.crs(settings.display_crs)
    lon, lat = _to_lonlat(settings.display_crs).transform(x, y)
    if crs.is_geographic:
        return 111_320.0 * math.cos(math.radians(lat))
    unit = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    try:
        k = pyproj.Proj(crs).get_factors(lon, lat).meridional_scale
    except Exception:  # noqa: BLE001 - projections without factors: treat as true scale
        k = 1.0
    if not math.isfinite(k) or k <= 0:
        k = 1.0
    return unit / k


def nice_length(limit: float) -> float:
    """The largest 1, 2 or 5 × 10ⁿ not above ``limit``."""
    if limit <= 0:
        return 0.0
    exp = math.floor(math.log10(limit))
    for m in (5, 2, 1):
        v = m * 10 ** exp
        if v <= limit:
            return float(v)
    return float(10 ** exp)


def _fmt_distance(metres: float) -> tuple[float, str]:
    if metres >= 1000:
        return metres / 1000.0, "km"
    return metres, "m"


def _num(v: float) -> str:
    return f"{v:g}"


def draw_scale_bar(painter: QPainter, settings: MapSettings, rect: QRectF,
                   target: QRectF | None = None, *, segments: int = 4, lang: str | None = None,
                   show_ratio: bool = False) -> QRectF:
    """A segmented scale bar inside ``rect`` (left-aligned, bottom-aligned).

    The length is a round number of metres or kilometres measured on the
    ground at the map's centre.  Units read "m"/"km" in either language
    (``lang`` is accepted for symmetry with the other furniture), as on
    Chinese topographic maps.  Returns the rectangle actually used.
    """
    vp = _viewport(painter, settings, target)
    dpi = _device_dpi(painter, settings.dpi)
    m_per_target = ground_metres_per_unit(settings) / vp.scale
    bar_h = vp.mm(1.3)
    font = map_font(vp.pt(7.0), dpi)
    fm = QFontMetricsF(font, painter.device())
    max_len = rect.width() - fm.horizontalAdvance(" 000 km")
    metres = nice_length(max_len * m_per_target)
    if metres <= 0:
        return QRectF()
    length = metres / m_per_target
    value, unit = _fmt_distance(metres)
    left = rect.left() + fm.horizontalAdvance("0") / 2
    text_h = fm.ascent() + fm.descent()
    bottom = rect.bottom()
    bar_top = bottom - text_h - vp.mm(0.8) - bar_h
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    seg = length / segments
    pen = make_pen(INK, vp.mm(0.2), cap=Qt.PenCapStyle.SquareCap, join=Qt.PenJoinStyle.MiterJoin)
    for i in range(segments):
        painter.setPen(pen)
        painter.setBrush(QBrush(qcolor(INK if i % 2 == 0 else "#FFFFFF")))
        painter.drawRect(QRectF(left + i * seg, bar_top, seg, bar_h))
    halo = vp.mm(0.35)
    ticks = [0, segments // 2, segments] if segments >= 4 else list(range(segments + 1))
    baseline = bar_top + bar_h + vp.mm(0.6) + fm.ascent()
    for i in ticks:
        v = value * i / segments
        text = _num(round(v, 6)) + (f" {unit}" if i == segments else "")
        x = left + i * seg
        w = fm.horizontalAdvance(_num(round(v, 6)))
        draw_text_halo(painter, QPointF(x - w / 2, baseline), text, font, INK, "#FFFFFF", halo)
    used = QRectF(rect.left(), bar_top, length + fm.horizontalAdvance(f"0 {unit}") * 2, bottom - bar_top)
    if show_ratio:
        ratio = f"1:{_scale_text(vp, settings)}"
        draw_text_halo(painter, QPointF(left, bar_top - vp.mm(1.0)), ratio, font, INK, "#FFFFFF", halo)
        used.setTop(bar_top - vp.mm(1.0) - fm.ascent())
    painter.restore()
    return used


def _scale_text(vp: Viewport, settings: MapSettings) -> str:
    m_per_unit = ground_metres_per_unit(settings)
    denominator = m_per_unit * 1000.0 * vp.px_per_mm / vp.scale
    return f"{nice_round(denominator):,.0f}"


def nice_round(v: float) -> float:
    """Round a scale denominator to 2-3 significant figures (1:251,873 → 1:250,000)."""
    if v <= 0:
        return v
    exp = 10 ** max(math.floor(math.log10(v)) - 1, 0)
    return round(v / exp) * exp


def true_north_angle(settings: MapSettings, x: float | None = None, y: float | None = None) -> float:
    """Degrees clockwise from "up" (grid north) to true north at (x, y) (default: centre)."""
    ext = settings.fitted()
    if x is None or y is None:
        x, y = (ext[0] + ext[2]) / 2, (ext[1] + ext[3]) / 2
    if _proj.crs(settings.display_crs).is_geographic:
        return 0.0
    lon, lat = _to_lonlat(settings.display_crs).transform(x, y)
    x2, y2 = _from_lonlat(settings.display_crs).transform(lon, min(lat + 0.01, 89.99))
    return math.degrees(math.atan2(x2 - x, y2 - y))


def draw_north_arrow(painter: QPainter, rect: QRectF, settings: MapSettings | None = None, *,
                     target: QRectF | None = None, label: str = "N") -> None:
    """A north arrow filling ``rect``, turned to true north when settings are given."""
    angle = true_north_angle(settings) if settings is not None else 0.0
    dpi = _device_dpi(painter, settings.dpi if settings else 96.0)
    h = rect.height()
    w = min(rect.width(), h * 0.5)
    cx = rect.center().x()
    font_px = h * 0.28
    font = map_font(font_px, dpi, bold=True)
    fm = QFontMetricsF(font, painter.device())
    arrow_h = h - fm.ascent() - h * 0.04
    top = rect.top() + fm.ascent() + h * 0.04
    cy = top + arrow_h / 2
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.translate(cx, cy)
    painter.rotate(angle)
    half_w = w / 2
    tip = QPointF(0, -arrow_h / 2)
    tail = QPointF(0, arrow_h / 2 * 0.55)
    left = QPointF(-half_w, arrow_h / 2)
    right = QPointF(half_w, arrow_h / 2)
    line_w = max(h * 0.025, 0.5)
    left_half = QPainterPath(tip)
    left_half.lineTo(left)
    left_half.lineTo(tail)
    left_half.closeSubpath()
    right_half = QPainterPath(tip)
    right_half.lineTo(right)
    right_half.lineTo(tail)
    right_half.closeSubpath()
    pen = make_pen(INK, line_w, join=Qt.PenJoinStyle.MiterJoin)
    painter.setPen(pen)
    painter.setBrush(QBrush(qcolor(INK)))
    painter.drawPath(left_half)
    painter.setBrush(QBrush(qcolor("#FFFFFF")))
    painter.drawPath(right_half)
    painter.setFont(font)
    painter.setPen(QPen(qcolor(INK)))
    tw = fm.horizontalAdvance(label)
    painter.drawText(QPointF(-tw / 2, -arrow_h / 2 - h * 0.04), label)
    painter.restore()


# -- legend -----------------------------------------------------------------------------------

def draw_swatch(painter: QPainter, rect: QRectF, style: Style, layer: str, units_per_mm: float) -> None:
    """The legend symbol of ``style`` in ``rect``."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    schema_layer = schema.LAYERS.get(layer)
    is_point = schema_layer is not None and schema_layer.geometry_type == "POINT"
    if is_point or style.symbol:
        size = min(style.symbol_size_mm * units_per_mm, rect.height())
        c = rect.center()
        draw_symbols(painter, np.array([[c.x(), c.y()]]), style, size, style.stroke_width_mm * units_per_mm)
        painter.restore()
        return
    if style.fill:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(qcolor(style.fill, style.fill_opacity)))
        painter.drawRect(rect)
    if style.hatch:
        painter.save()
        painter.setClipRect(rect, Qt.ClipOperation.IntersectClip)
        draw_hatch(painter, style.hatch, rect, style.stroke or "#555555",
                   style.hatch_spacing_mm * units_per_mm, style.hatch_width_mm * units_per_mm,
                   (rect.left(), rect.top()))
        painter.restore()
    painter.setBrush(Qt.BrushStyle.NoBrush)
    if style.stroke and style.stroke_width_mm > 0:
        w = style.stroke_width_mm * units_per_mm
        painter.setPen(make_pen(style.stroke, w, dash=style.dash, units_per_mm=units_per_mm,
                                join=Qt.PenJoinStyle.MiterJoin))
        inset = w / 2
        painter.drawRect(rect.adjusted(inset, inset, -inset, -inset))
    elif style.fill:
        # Pale land-cover tints need an edge to read as a swatch on white paper.
        painter.setPen(make_pen("#9A9A9A", 0.12 * units_per_mm))
        painter.drawRect(rect)
    painter.restore()


def legend_items(settings: MapSettings, lang: str | None = None,
                 present: dict[str, list] | None = None) -> list[tuple[str, str, list]]:
    """``[(layer, layer label, [(code, label, style)])]`` top layer first, as drawn in a legend.

    Hidden layers and hidden codes are left out; with ``present``
    (layer → codes found in the data, e.g. MapRenderer.codes_present) codes
    without features are left out too.
    """
    lang = lang or settings.lang
    out = []
    for ls in reversed(settings.layers):
        if not ls.visible or ls.name not in schema.LAYERS:
            continue
        entries = []
        for code, label, _style in styles.legend_entries(ls.name, lang):
            if code is not None and code in ls.hidden_codes:
                continue
            if present is not None and ls.name in present and code is not None \
                    and code not in present[ls.name]:
                continue
            entries.append((code, label, ls.style(code)))
        if present is not None and ls.name in present and not present[ls.name] and \
                styles.style_field(ls.name) is not None:
            continue
        if entries:
            out.append((ls.name, schema.LAYERS[ls.name].label(lang), entries))
    return out


def draw_legend(painter: QPainter, rect: QRectF, settings: MapSettings, lang: str | None = None, *,
                present: dict[str, list] | None = None, title: bool = True,
                font_pt: float = 7.5, target: QRectF | None = None) -> QRectF:
    """Swatches and labels of the visible layers and codes, fitted into ``rect``.

    Entries flow into as many columns as give the largest type that fits;
    if even that is smaller than ``font_pt``, everything shrinks together.
    Sizes follow the settings' dpi and ``rect``'s units (the same units as
    the map's target).  Returns the rectangle actually used.
    """
    lang = lang or settings.lang
    vp = _viewport(painter, settings, target)
    dpi = _device_dpi(painter, settings.dpi)
    rows: list[tuple[str, object]] = []  # ("head", text) | ("item", (layer, label, style))
    for layer, layer_label, entries in legend_items(settings, lang, present):
        if styles.style_field(layer) is not None:
            rows.append(("head", layer_label))
        for _code, label, style in entries:
            rows.append(("item", (layer, label, style)))
    if not rows:
        return QRectF()
    title_text = "图例" if lang.startswith("zh") else "Legend"

    def layout(k: float, n_cols: int) -> dict:
        mm = vp.px_per_mm * k
        font = map_font(vp.pt(font_pt) * k, dpi)
        bold = map_font(vp.pt(font_pt) * k, dpi, bold=True)
        title_font = map_font(vp.pt(font_pt + 1.5) * k, dpi, bold=True)
        fm = QFontMetricsF(font, painter.device())
        fmb = QFontMetricsF(bold, painter.device())
        fmt = QFontMetricsF(title_font, painter.device())
        row_h = max(4.6 * mm, fm.height() * 1.15)
        sw_w, sw_h, gap, pad = 6.0 * mm, 3.6 * mm, 1.8 * mm, 2.0 * mm
        item_w = max([sw_w + gap + fm.horizontalAdvance(r[1][1]) for r in rows if r[0] == "item"]
                     + [fmb.horizontalAdvance(r[1]) for r in rows if r[0] == "head"]
                     + [fmt.horizontalAdvance(title_text) if title else 0.0])
        col_gap = 3.0 * mm
        per_col = math.ceil(len(rows) / n_cols)
        head_h = fmt.height() + 1.0 * mm if title else 0.0
        width = 2 * pad + n_cols * item_w + (n_cols - 1) * col_gap
        height = 2 * pad + head_h + per_col * row_h
        return dict(mm=mm, font=font, bold=bold, title_font=title_font, fm=fm, fmb=fmb, fmt=fmt,
                    row_h=row_h, sw_w=sw_w, sw_h=sw_h, gap=gap, pad=pad, col_w=item_w + col_gap,
                    per_col=per_col, head_h=head_h, width=width, height=height)

    best = None
    for n_cols in range(1, len(rows) + 1):
        probe = layout(1.0, n_cols)
        k = min(1.0, rect.width() / probe["width"], rect.height() / probe["height"])
        if best is None or k > best[0] + 1e-6:
            best = (k, n_cols)
        if k >= 1.0:
            break
    k, n_cols = best
    L = layout(k, n_cols)
    if L["width"] > rect.width() or L["height"] > rect.height():
        # Font metrics do not scale exactly linearly; shave off the rest.
        k *= min(rect.width() / L["width"], rect.height() / L["height"]) * 0.995
        L = layout(k, n_cols)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    used = QRectF(rect.left(), rect.top(), L["width"], L["height"])
    painter.setPen(make_pen("#BBBBBB", 0.15 * L["mm"]))
    painter.setBrush(QBrush(qcolor("#FFFFFF", 0.92)))
    painter.drawRect(used)
    pad, row_h, fm, fmb = L["pad"], L["row_h"], L["fm"], L["fmb"]
    if title:
        painter.setFont(L["title_font"])
        painter.setPen(QPen(qcolor(INK)))
        painter.drawText(QPointF(rect.left() + pad, rect.top() + pad + L["fmt"].ascent()), title_text)
    top = rect.top() + pad + L["head_h"]
    for i, (kind, payload) in enumerate(rows):
        col, row = divmod(i, L["per_col"])
        x = rect.left() + pad + col * L["col_w"]
        y = top + row * row_h
        if kind == "head":
            painter.setFont(L["bold"])
            painter.setPen(QPen(qcolor(INK)))
            painter.drawText(QPointF(x, y + (row_h + fmb.ascent() - fmb.descent()) / 2), str(payload))
            continue
        layer, label, style = payload
        sw = QRectF(x, y + (row_h - L["sw_h"]) / 2, L["sw_w"], L["sw_h"])
        draw_swatch(painter, sw, style, layer, L["mm"])
        painter.setFont(L["font"])
        painter.setPen(QPen(qcolor(INK)))
        painter.drawText(QPointF(x + L["sw_w"] + L["gap"], y + (row_h + fm.ascent() - fm.descent()) / 2),
                         label)
    painter.restore()
    return used


# -- graticule ----------------------------------------------------------------------------------

_STEPS = (1 / 60, 2 / 60, 5 / 60, 10 / 60, 15 / 60, 0.5, 1.0, 2.0, 5.0, 10.0)


def _dms(value: float, positive: str, negative: str, lang: str) -> str:
    hemi = positive if value >= 0 else negative
    v = abs(value)
    d = int(math.floor(v + 1e-9))
    m = int(round((v - d) * 60))
    if m == 60:
        d, m = d + 1, 0
    return f"{d}°{m:02d}′{hemi}" if m else f"{d}°{hemi}"


def graticule_step(span_degrees: float, lines: int = 4) -> float:
    for s in _STEPS:
        if span_degrees / s <= lines + 1:
            return s
    return _STEPS[-1]


def draw_graticule(painter: QPainter, settings: MapSettings, target: QRectF | None = None, *,
                   step: float | None = None, lang: str | None = None, colour: str = "#8C8C8C",
                   labels: bool = True) -> None:
    """Meridians and parallels (curved in the plane) with degree labels at the frame."""
    lang = lang or settings.lang
    vp = _viewport(painter, settings, target)
    dpi = _device_dpi(painter, settings.dpi)
    xmin, ymin, xmax, ymax = vp.extent
    to_ll = _to_lonlat(settings.display_crs)
    from_ll = _from_lonlat(settings.display_crs)
    # The lon/lat range of the view, from its densified edges.
    t = np.linspace(0, 1, 41)
    ex = np.concatenate([xmin + (xmax - xmin) * t, np.full_like(t, xmax), xmax - (xmax - xmin) * t,
                         np.full_like(t, xmin)])
    ey = np.concatenate([np.full_like(t, ymin), ymin + (ymax - ymin) * t, np.full_like(t, ymax),
                         ymax - (ymax - ymin) * t])
    lon, lat = to_ll.transform(ex, ey)
    lon0, lon1, lat0, lat1 = np.nanmin(lon), np.nanmax(lon), np.nanmin(lat), np.nanmax(lat)
    step = step or graticule_step(max(lon1 - lon0, lat1 - lat0))
    lons = np.arange(math.ceil(lon0 / step) * step, lon1 + 1e-9, step)
    lats = np.arange(math.ceil(lat0 / step) * step, lat1 + 1e-9, step)
    samples = np.linspace(0, 1, 64)
    xy_lines, starts, kinds = [], [], []
    total = 0
    for lo in lons:
        la = lat0 + (lat1 - lat0) * samples
        x, y = from_ll.transform(np.full_like(la, lo), la)
        tx, ty = vp.to_target(x, y)
        xy_lines.append(np.column_stack([tx, ty]))
        starts.append(total)
        total += len(la)
        kinds.append(("lon", lo))
    for la in lats:
        lo = lon0 + (lon1 - lon0) * samples
        x, y = from_ll.transform(lo, np.full_like(lo, la))
        tx, ty = vp.to_target(x, y)
        xy_lines.append(np.column_stack([tx, ty]))
        starts.append(total)
        total += len(lo)
        kinds.append(("lat", la))
    if not xy_lines:
        return
    painter.save()
    painter.setClipRect(vp.target, Qt.ClipOperation.IntersectClip)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(make_pen(colour, vp.mm(0.15), dash="dash", units_per_mm=vp.px_per_mm))
    painter.drawPath(path_from_xy(np.concatenate(xy_lines), np.array(starts, dtype=np.int64)))
    if labels:
        font = map_font(vp.pt(6.5), dpi)
        fm = QFontMetricsF(font, painter.device())
        halo = vp.mm(0.35)
        r = vp.target
        margin = vp.mm(0.8)
        for (kind, value), line in zip(kinds, xy_lines):
            if kind == "lon":
                text = _dms(value, "E", "W", lang)
                # where the meridian meets the bottom edge
                i = _crossing(line[:, 1], r.bottom())
                if i is None:
                    continue
                x = float(np.interp(r.bottom(), line[[i, i + 1], 1][::-1], line[[i, i + 1], 0][::-1]))
                w = fm.horizontalAdvance(text)
                pos = QPointF(x - w / 2, r.bottom() - margin - fm.descent())
            else:
                text = _dms(value, "N", "S", lang)
                i = _crossing(line[:, 0], r.left())
                if i is None:
                    continue
                seg = line[[i, i + 1]]
                order = np.argsort(seg[:, 0])
                y = float(np.interp(r.left(), seg[order, 0], seg[order, 1]))
                pos = QPointF(r.left() + margin, y - margin)
            draw_text_halo(painter, pos, text, font, "#555555", "#FFFFFF", halo)
    painter.restore()


def _crossing(values: np.ndarray, level: float) -> int | None:
    s = np.sign(values - level)
    idx = np.flatnonzero(s[:-1] * s[1:] <= 0)
    return int(idx[0]) if len(idx) else None
