"""The map renderer, on a small real inventory, checked pixel by pixel.

The test inventory is laid out in Gauss-Kruger metres (EPSG:4551, CM 126°E)
around 126.5°E 45.4°N and stored in CGCS2000 lon/lat like a real one: a
60 × 48 km city split into two districts, one 8 km square site of each
category in a 3 × 3 grid, two zones in the nature reserve (one drawn past
the reserve's edge), land-cover strips on either side and three stations
in the gaps.  Nothing overlaps where a pixel is checked, so each expected
colour is a simple blend of a style colour over the background.
"""
from __future__ import annotations

import shutil
import subprocess
import threading
from dataclasses import replace

import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import Point, box

from ecoinv import schema, styles

from .test_report_pdf import pdf_page_paths

GK = "EPSG:4551"
_to_ll = pyproj.Transformer.from_crs(GK, "EPSG:4490", always_xy=True)
_from_ll = pyproj.Transformer.from_crs("EPSG:4490", GK, always_xy=True)
CX, CY = _from_ll.transform(126.5, 45.4)
KM = 1000.0

CATEGORIES = list(schema.CATEGORIES)
SITE_NAMES = {
    "national_park": ("东北虎豹国家公园", "Tiger Leopard NP"),
    "nature_reserve": ("太阳岛自然保护区", "Sun Island Reserve"),
    "forest_park": ("凤凰山森林公园", "Fenghuang Forest Park"),
    "scenic_area": ("二龙山风景名胜区", "Erlong Scenic Area"),
    "wetland_park": ("白鱼泡湿地公园", "Baiyupao Wetland Park"),
    "geopark": ("五大连池地质公园", "Wudalianchi Geopark"),
    "germplasm_reserve": ("松花江鳜鱼种质资源保护区", "Songhua Germplasm Reserve"),
    "water_source": ("磨盘山水库水源保护区", "Mopanshan Water Source"),
    "ecological_redline": ("生态保护红线一区", "Red Line 1"),
}


def gk_box(x0, y0, x1, y1):
    """A box given in km from the city centre, as a lon/lat polygon for storage."""
    g = box(CX + x0 * KM, CY + y0 * KM, CX + x1 * KM, CY + y1 * KM)
    g = shapely.segmentize(g, 500.0)  # keep it a square after reprojection
    return shapely.transform(g, lambda xy: np.column_stack(_to_ll.transform(xy[:, 0], xy[:, 1])))


def gk_point(x, y):
    lon, lat = _to_ll.transform(CX + x * KM, CY + y * KM)
    return Point(lon, lat)


def site_centre(i: int) -> tuple[float, float]:
    """Centre (km from the city centre) of the i-th site in the 3 × 3 grid."""
    return (-14 + 14 * (i % 3), 12 - 12 * (i // 3))


STATIONS = {"air": (-7.0, 6.0), "water": (7.0, -6.0), "noise": (7.0, 6.0)}


def build(inv) -> dict:
    ids: dict = {"assets": {}, "stations": {}}
    with inv.transaction():
        inv.insert("boundary", {"name": "测试市", "code": "230100"}, gk_box(-30, -24, 30, 24))
        ids["west"] = inv.insert("districts", {"name": "西城区", "name_en": "Xicheng", "code": "1"},
                                 gk_box(-30, -24, 19, 24))
        inv.insert("districts", {"name": "东城区", "name_en": "Dongcheng", "code": "2"},
                   gk_box(19, -24, 30, 24))
        inv.insert("landcover", {"class": "forest"}, gk_box(-30, -24, -20, 24))
        inv.insert("landcover", {"class": "water"}, gk_box(20, -24, 30, 0))
        for i, cat in enumerate(CATEGORIES):
            x, y = site_centre(i)
            zh, en = SITE_NAMES[cat]
            ids["assets"][cat] = inv.insert(
                "assets", {"name": zh, "name_en": en, "category": cat}, gk_box(x - 4, y - 4, x + 4, y + 4))
        reserve = ids["assets"]["nature_reserve"]
        x, y = site_centre(CATEGORIES.index("nature_reserve"))
        ids["core"] = inv.insert("asset_zones", {"asset_id": reserve, "zone": "core"},
                                 gk_box(x - 2, y - 2, x + 2, y + 2))
        # Drawn 2 km past the reserve's east edge (x + 4): hatched only inside it.
        inv.insert("asset_zones", {"asset_id": reserve, "zone": "experimental"},
                   gk_box(x + 2.5, y - 3, x + 6, y + 3))
        for kind, (sx, sy) in STATIONS.items():
            ids["stations"][kind] = inv.insert(
                "stations", {"name": f"{schema.STATION_KINDS[kind].zh}1号", "kind": kind}, gk_point(sx, sy))
    return ids


@pytest.fixture
def city(inv):
    return inv, build(inv)


@pytest.fixture
def renderer(qapp, city):
    from ecoinv.render import MapRenderer

    r = MapRenderer(city[0])
    yield r
    r.close()


def settings_for(renderer, width=600, height=480, **kw):
    from ecoinv.render import MapSettings

    base = dict(extent=(CX - 32 * KM, CY - 26 * KM, CX + 32 * KM, CY + 26 * KM), width=width,
                height=height, display_crs=GK, labels=False)
    base.update(kw)
    return MapSettings(**base)


def px(settings, x_km, y_km) -> tuple[int, int]:
    x, y = settings.map_to_pixel(CX + x_km * KM, CY + y_km * KM)
    return int(x), int(y)


def rgb(image, x, y) -> tuple[int, int, int]:
    c = image.pixelColor(x, y)
    return c.red(), c.green(), c.blue()


def blend(colour: str, alpha: float, under=(255, 255, 255)) -> tuple[int, int, int]:
    r, g, b = styles.hex_to_rgb(colour)
    return tuple(round(alpha * c + (1 - alpha) * u) for c, u in zip((r, g, b), under))


def close(a, b, tol=3) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b))


def as_array(image) -> np.ndarray:
    from PySide6.QtGui import QImage

    img = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h = img.width(), img.height()
    arr = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.bytesPerLine() * h)
    return arr.reshape(h, img.bytesPerLine())[:, : w * 3].reshape(h, w, 3).copy()


# -- settings and CRS -----------------------------------------------------------------

def test_fit_extent_never_stretches_and_zoom_keeps_the_anchor(qapp):
    from ecoinv.render import MapSettings

    s = MapSettings(extent=(0, 0, 100, 100), width=400, height=200)
    fx = s.fitted()
    assert (fx[2] - fx[0]) / 400 == pytest.approx((fx[3] - fx[1]) / 200)
    assert fx[1] == 0 and fx[3] == 100 and fx[0] == -50 and fx[2] == 150
    z = s.zoomed(2, center=(100, 50))
    assert z.map_to_pixel(100, 50) == pytest.approx(s.map_to_pixel(100, 50))
    assert z.units_per_pixel() == pytest.approx(s.units_per_pixel() / 2)
    p = s.panned(10, 0)
    assert p.map_to_pixel(0, 0)[0] == pytest.approx(s.map_to_pixel(0, 0)[0] + 10)
    x, y = s.pixel_to_map(*s.map_to_pixel(12.5, 77.0))
    assert (float(x), float(y)) == pytest.approx((12.5, 77.0))


def test_scale_denominator_is_ground_per_paper(qapp):
    from ecoinv.render import MapSettings

    # 1 m per pixel at 96 dpi: a pixel is 0.2646 mm, so 1:3779.5
    s = MapSettings(extent=(500000, 5000000, 500960, 5000960), width=960, height=960, dpi=96,
                    display_crs=GK)
    assert s.scale_denominator() == pytest.approx(96 / 0.0254, rel=1e-6)
    assert s.with_size(960, 960, dpi=300).scale_denominator() == pytest.approx(300 / 0.0254, rel=1e-6)


def test_display_crs_is_the_nearest_gauss_kruger_cm_zone(qapp, renderer, tmp_path):
    from ecoinv.render.map import gauss_kruger_cm_code
    from ecoinv.render import MapRenderer
    from ecoinv.store import Inventory

    assert renderer.default_display_crs() == "EPSG:4551"  # data centred at 126.5°E
    assert gauss_kruger_cm_code(126.0) == "EPSG:4551"
    # Harbin's extent (125.69–130.24°E) is centred at 127.96°E: CM 129°E is nearer.
    assert gauss_kruger_cm_code((125.687894 + 130.240839) / 2) == "EPSG:4552"
    assert gauss_kruger_cm_code(75.0) == "EPSG:4534" and gauss_kruger_cm_code(135.0) == "EPSG:4554"
    harbinish = Inventory.create(tmp_path / "h.sqlite")
    harbinish.insert("boundary", {"name": "哈尔滨市"}, box(125.69, 44.06, 130.24, 46.67))
    with MapRenderer(harbinish) as r:
        assert r.default_display_crs() == "EPSG:4552"
        ext = r.full_extent()
        assert ext[0] < 500_000 - 200_000 < ext[2]  # 125.7°E is ~260 km west of CM 129°E
    harbinish.close()


def test_full_extent_covers_the_boundary_with_a_margin(renderer):
    xmin, ymin, xmax, ymax = renderer.full_extent(GK)
    assert xmin < CX - 30 * KM and xmax > CX + 30 * KM
    assert ymin < CY - 24 * KM and ymax > CY + 24 * KM
    assert xmax - xmin < 70 * KM
    x, y = renderer.to_display(126.5, 45.4, GK)
    assert (x, y) == pytest.approx((CX, CY), abs=1e-6)
    lon, lat = renderer.to_storage(CX, CY, GK)
    assert (lon, lat) == pytest.approx((126.5, 45.4), abs=1e-9)


# -- pixels -------------------------------------------------------------------------------

def test_sites_are_filled_with_their_category_colour(renderer):
    s = settings_for(renderer)
    img = renderer.render_image(s)
    for i, cat in enumerate(CATEGORIES):
        st = styles.style_for("assets", cat)
        want = blend(st.fill, st.fill_opacity)
        got = rgb(img, *px(s, *site_centre(i)))
        if cat == "nature_reserve":
            continue  # hatched by its core zone; checked below
        assert close(got, want), (cat, got, want)
    # distinct categories really look different
    seen = {rgb(img, *px(s, *site_centre(i))) for i in range(len(CATEGORIES))}
    assert len(seen) == len(CATEGORIES)


def test_outside_the_city_is_background_and_land_cover_is_drawn(renderer):
    s = settings_for(renderer)
    img = renderer.render_image(s)
    assert rgb(img, 2, 2) == (255, 255, 255)
    assert rgb(img, *px(s, -25, 0)) == styles.hex_to_rgb(styles.style_for("landcover", "forest").fill)
    assert rgb(img, *px(s, 25, -12)) == styles.hex_to_rgb(styles.style_for("landcover", "water").fill)
    dark = renderer.render_image(replace(s, background="#123456"))
    assert rgb(dark, 2, 2) == (0x12, 0x34, 0x56)


def test_city_boundary_and_district_lines_are_drawn(renderer):
    s = settings_for(renderer)
    img = as_array(renderer.render_image(s)).astype(int)
    # the boundary's west edge: a dark line crossing row y at x = -30 km
    x0, y0 = px(s, -30, 18)
    row = img[y0, x0 - 4: x0 + 5]
    assert row.sum(axis=1).min() < 3 * 120
    # the district line at x = 19 km runs through the gap between sites: dashed grey
    xd, _ = px(s, 19, 0)
    _, ya = px(s, 19, 20)
    _, yb = px(s, 19, 2)
    column = img[ya:yb, xd - 2: xd + 3].sum(axis=2).min(axis=1)
    inked = column < 3 * 200
    assert 0.3 < inked.mean() < 0.9  # dashes and gaps


def test_zone_is_hatched_inside_its_site_only(renderer):
    s = settings_for(renderer, width=900, height=720)
    img = as_array(renderer.render_image(s)).astype(int)
    x, y = site_centre(CATEGORIES.index("nature_reserve"))
    reserve = styles.style_for("assets", "nature_reserve")
    plain = np.array(blend(reserve.fill, reserve.fill_opacity))
    (ax, ay), (bx, by) = px(s, x - 1.5, y + 1.5), px(s, x + 1.5, y - 1.5)
    core = img[ay:by, ax:bx].reshape(-1, 3)
    differs = np.abs(core - plain).sum(axis=1) > 40
    assert 0.08 < differs.mean() < 0.7, differs.mean()  # lines and gaps, not a solid fill
    red = np.array(styles.hex_to_rgb(styles.style_for("asset_zones", "core").stroke))
    assert (np.abs(core - red).sum(axis=1) < 90).any()
    # the experimental zone's part beyond the reserve's edge stays background
    (ox, oy), (qx, qy) = px(s, x + 4.6, y + 2.0), px(s, x + 5.6, y - 2.0)
    outside = img[oy:qy, ox:qx].reshape(-1, 3)
    assert (outside == 255).all()
    # ... while its part inside the reserve is hatched
    (ix, iy), (jx, jy) = px(s, x + 2.8, y + 2.0), px(s, x + 3.7, y - 2.0)
    inside = img[iy:jy, ix:jx].reshape(-1, 3)
    assert (np.abs(inside - plain).sum(axis=1) > 40).mean() > 0.08


def test_stations_are_drawn_as_symbols_of_their_kind(renderer):
    s = settings_for(renderer)
    img = renderer.render_image(s)
    for kind, (x, y) in STATIONS.items():
        want = styles.hex_to_rgb(styles.style_for("stations", kind).fill)
        assert close(rgb(img, *px(s, x, y)), want), kind
    # a circle is round: its corners stay background, a square's do not
    size = 2.8 * 96 / 25.4
    cx, cy = px(s, *STATIONS["air"])
    corner = (int(cx + size * 0.42), int(cy - size * 0.42))
    assert rgb(img, *corner) == (255, 255, 255)
    nx, ny = px(s, *STATIONS["noise"])
    assert close(rgb(img, int(nx + size * 0.25), int(ny - size * 0.25)),
                 styles.hex_to_rgb(styles.style_for("stations", "noise").fill), tol=40)


def test_hidden_layer_and_hidden_code_are_not_drawn(renderer):
    s = settings_for(renderer)
    no_stations = s.with_layer("stations", visible=False)
    img = renderer.render_image(no_stations)
    assert rgb(img, *px(s, *STATIONS["air"])) == (255, 255, 255)
    no_forest_parks = s.with_layer("assets", hidden_codes=frozenset({"forest_park"}))
    img = renderer.render_image(no_forest_parks)
    assert rgb(img, *px(s, *site_centre(CATEGORIES.index("forest_park")))) == (255, 255, 255)
    geo = styles.style_for("assets", "geopark")
    assert close(rgb(img, *px(s, *site_centre(CATEGORIES.index("geopark")))),
                 blend(geo.fill, geo.fill_opacity))
    no_air = s.with_layer("stations", hidden_codes=frozenset({"air"}))
    img = renderer.render_image(no_air)
    assert rgb(img, *px(s, *STATIONS["air"])) == (255, 255, 255)
    assert rgb(img, *px(s, *STATIONS["water"])) != (255, 255, 255)


def test_layer_opacity_and_style_overrides(renderer):
    s = settings_for(renderer)
    i = CATEGORIES.index("geopark")
    geo = styles.style_for("assets", "geopark")
    half = renderer.render_image(s.with_layer("assets", opacity=0.5))
    assert close(rgb(half, *px(s, *site_centre(i))), blend(geo.fill, geo.fill_opacity * 0.5))
    red = geo.with_(fill="#FF0000", fill_opacity=1.0)
    over = renderer.render_image(s.with_layer("assets", style_overrides={"geopark": red}))
    assert rgb(over, *px(s, *site_centre(i))) == (255, 0, 0)


def test_selection_and_highlight_are_drawn_over_the_site(city, renderer):
    _, ids = city
    s = settings_for(renderer)
    i = CATEGORIES.index("forest_park")
    fid = ids["assets"]["forest_park"]
    site = styles.style_for("assets", "forest_park")
    under = blend(site.fill, site.fill_opacity)
    sel = renderer.render_image(replace(s, selection={"assets": {fid}}))
    want = blend(styles.SELECTION.fill, styles.SELECTION.fill_opacity, under)
    assert close(rgb(sel, *px(s, *site_centre(i))), want)
    # the selection outline runs along the site's edge
    ex, ey = px(s, site_centre(i)[0] + 4, site_centre(i)[1])
    edge = as_array(sel)[ey, ex - 2: ex + 3].astype(int)
    outline = np.array(styles.hex_to_rgb(styles.SELECTION.stroke))
    assert (np.abs(edge - outline).sum(axis=1) < 60).any()
    hi = renderer.render_image(replace(s, highlight={"stations": {ids["stations"]["water"]}}))
    wx, wy = px(s, *STATIONS["water"])
    ring = as_array(hi)[wy - 12: wy + 13, wx - 12: wx + 13].reshape(-1, 3).astype(int)
    vermillion = np.array(styles.hex_to_rgb(styles.HIGHLIGHT.stroke))
    assert (np.abs(ring - vermillion).sum(axis=1) < 40).any()


def test_a_square_in_the_plane_stays_square_on_screen(renderer):
    # Wide output, tall extent: the renderer must widen the extent, not stretch the map.
    s = settings_for(renderer, width=900, height=300)
    img = as_array(renderer.render_image(s)).astype(int)
    st = styles.style_for("assets", "geopark")
    colour = np.array(blend(st.fill, st.fill_opacity))
    mask = np.abs(img - colour).sum(axis=2) <= 6
    ys, xs = np.nonzero(mask)
    w, h = xs.max() - xs.min() + 1, ys.max() - ys.min() + 1
    assert abs(w - h) <= 2, (w, h)
    # and its size matches the scale: 8 km minus the outline
    upp = s.units_per_pixel()
    assert abs(w - 8000 / upp) < 4


def test_labels_are_placed_without_overlaps_in_the_chosen_language(renderer):
    s = settings_for(renderer, width=1000, height=800, labels=True)
    renderer.render_image(s)
    stats = renderer.last_stats
    assert stats.labels >= 8 + 3  # sites with label=True, stations (districts if room)
    renderer.render_image(replace(s, lang="en"))
    assert renderer.last_stats.labels >= 8


def test_label_placer_keeps_labels_apart(qapp):
    from PySide6.QtCore import QPointF, QRectF
    from ecoinv.render.labels import LabelPlacer, area_candidates

    placer = LabelPlacer(QRectF(0, 0, 200, 100), cell=16)
    a = placer.place("a", "assets", 1, area_candidates(QPointF(100, 50), 60, 10, 3, 1))
    b = placer.place("b", "assets", 2, area_candidates(QPointF(100, 50), 60, 10, 3, 1))
    c = placer.place("c", "assets", 3, area_candidates(QPointF(198, 50), 60, 10, 3, 1))
    assert a is not None and b is not None and c is None  # c would stick out of the map
    assert not a.rect.intersects(b.rect)


def test_renders_in_a_worker_thread_like_in_the_main_thread(renderer):
    def in_thread(settings):
        out = {}
        t = threading.Thread(target=lambda: out.setdefault("img", renderer.render_image(settings)))
        t.start()
        t.join()
        return out["img"]

    s = settings_for(renderer)
    assert in_thread(s) == renderer.render_image(s)
    # Text too, up to antialiasing: each thread has its own glyph cache, and
    # a glyph cached at another subpixel offset can differ by a few levels.
    s = replace(s, labels=True)
    a = as_array(renderer.render_image(s)).astype(int)
    b = as_array(in_thread(s)).astype(int)
    diff = np.abs(a - b).sum(axis=2)
    assert (diff > 0).mean() < 0.01 and diff.max() <= 60


def test_concurrent_renders_share_the_caches_safely(renderer):
    views = [settings_for(renderer), settings_for(renderer).zoomed(3), settings_for(renderer).zoomed(8)]
    expected = [as_array(renderer.render_image(v)) for v in views]
    renderer.invalidate()  # every thread has to load and build again, at the same time
    results: dict = {}

    def work(k):
        results[k] = as_array(renderer.render_image(views[k % 3]))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(6):
        assert np.array_equal(results[k], expected[k % 3]), k


def test_an_empty_inventory_renders_background(qapp, tmp_path):
    from ecoinv.render import MapRenderer
    from ecoinv.store import Inventory

    inv = Inventory.create(tmp_path / "empty.sqlite")
    with MapRenderer(inv) as r:
        assert r.default_display_crs() == "EPSG:4551"
        s = r.default_settings(200, 100)
        img = as_array(r.render_image(replace(s, background="#fafafa")))
        assert (img == 0xFA).all()
        assert r.codes_present("assets", s.display_crs) == []
    inv.close()


def test_cancel_stops_a_render(renderer):
    s = settings_for(renderer)
    from PySide6.QtGui import QImage, QPainter

    img = QImage(s.width, s.height, QImage.Format.Format_ARGB32_Premultiplied)
    p = QPainter(img)
    assert renderer.render(p, s, cancel=lambda: True) is False
    p.end()
    assert renderer.last_stats.cancelled


def test_background_renderer_delivers_only_the_newest_image(qtbot, renderer):
    from ecoinv.render import BackgroundRenderer

    bg = BackgroundRenderer(renderer)
    s = settings_for(renderer)
    got = []
    bg.rendered.connect(lambda image, settings, serial: got.append((serial, settings)))
    bg.request(s.zoomed(3))
    last = bg.request(s)
    qtbot.waitUntil(lambda: any(serial == last for serial, _ in got))
    bg.wait()
    qtbot.wait(10)
    assert got[-1][0] == last and got[-1][1] is s
    assert not bg.busy


def test_edits_from_another_connection_show_on_the_next_render(city, renderer):
    inv, _ = city
    s = settings_for(renderer)
    before = renderer.render_image(s)
    assert rgb(before, *px(s, 0, -20)) == (255, 255, 255)
    inv.insert("assets", {"name": "新湿地公园", "category": "wetland_park"}, gk_box(-2, -22, 2, -18))
    after = renderer.render_image(s)
    st = styles.style_for("assets", "wetland_park")
    assert close(rgb(after, *px(s, 0, -20)), blend(st.fill, st.fill_opacity))
    inv.delete("assets", inv.count("assets") and max(
        f.id for f in inv.features("assets", filters={"name": "新湿地公园"})))
    renderer.invalidate("assets")
    assert rgb(renderer.render_image(s), *px(s, 0, -20)) == (255, 255, 255)


def test_many_small_polygons_render_correctly(qapp, tmp_path):
    from ecoinv.render import MapRenderer
    from ecoinv.store import Inventory

    inv = Inventory.create(tmp_path / "many.sqlite")
    classes = list(schema.LANDCOVER_CLASSES)
    n = 72  # 72 × 72 = 5,184 cells of ~0.8 km
    step = 60.0 / n
    with inv.transaction():
        inv.insert("boundary", {"name": "测试市"}, gk_box(-30, -30, 30, 30))
        for i in range(n):
            for j in range(n):
                x0, y0 = -30 + i * step, -30 + j * step
                inv.insert("landcover", {"class": classes[(i + 2 * j) % len(classes)]},
                           gk_box(x0, y0, x0 + step, y0 + step))
    with MapRenderer(inv) as r:
        s = replace(settings_for(r, width=720, height=720), extent=(CX - 30 * KM, CY - 30 * KM,
                                                                     CX + 30 * KM, CY + 30 * KM))
        img = r.render_image(s)
        assert r.last_stats.chunks > 10
        for i, j in ((0, 0), (10, 40), (71, 71), (35, 36)):
            x, y = px(s, -30 + (i + 0.5) * step, -30 + (j + 0.5) * step)
            want = styles.style_for("landcover", classes[(i + 2 * j) % len(classes)]).fill
            assert rgb(img, x, y) == styles.hex_to_rgb(want), (i, j)
        # zoomed out until cells are sub-pixel: still a mosaic of class colours, no holes
        far = r.render_image(replace(s, width=60, height=60))
        inner = as_array(far)[8:52, 8:52].reshape(-1, 3)
        assert not (inner == 255).all(axis=1).any()
    inv.close()


def test_a_scaled_painter_gets_the_same_map_as_a_plain_image(renderer):
    """A report lays pages out in its own units (1/1200 inch) with the painter
    scaled to the device: the map in a frame must come out as render_image's."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QColor, QImage, QPainter

    def via_scaled_painter(settings):
        img = QImage(settings.width, settings.height, QImage.Format.Format_ARGB32_Premultiplied)
        dpm = round(settings.dpi / 0.0254)
        img.setDotsPerMeterX(dpm)
        img.setDotsPerMeterY(dpm)
        img.fill(QColor("white"))
        p = QPainter(img)
        k = settings.dpi / 1200
        p.scale(k, k)
        assert renderer.render(p, settings, target=QRectF(0, 0, settings.width / k, settings.height / k))
        p.end()
        return as_array(img).astype(int)

    for labels, share in ((False, 0.002), (True, 0.06)):
        s = settings_for(renderer, width=600, height=480, dpi=150, labels=labels)
        plain = as_array(renderer.render_image(s)).astype(int)
        diff = np.abs(plain - via_scaled_painter(s)).sum(axis=2)
        # Glyphs are rasterised through the transform, so text differs a little.
        assert (diff > 60).mean() < share, (labels, (diff > 60).mean())
    assert renderer.last_stats.labels >= 8


# -- PDF --------------------------------------------------------------------------------

def _pdf_tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} (poppler-utils) is needed for this test"
    return path


def test_renders_onto_a_pdf_page_with_the_cjk_font_embedded(city, renderer, tmp_path, artifacts_dir):
    from PySide6.QtCore import QMarginsF, QRectF
    from PySide6.QtGui import QPageLayout, QPageSize, QPainter, QPdfWriter

    from ecoinv.render import draw_legend, draw_north_arrow, draw_scale_bar

    path = tmp_path / "map.pdf"
    writer = QPdfWriter(str(path))
    writer.setResolution(300)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(10, 10, 10, 10), QPageLayout.Unit.Millimeter))
    # a 150 × 120 mm frame at 300 dpi
    w, h = round(150 / 25.4 * 300), round(120 / 25.4 * 300)
    s = settings_for(renderer, width=w, height=h, dpi=300, labels=True)
    painter = QPainter(writer)
    target = QRectF(50, 50, w, h)
    assert renderer.render(painter, s, target=target)
    draw_scale_bar(painter, s, QRectF(target.left() + 40, target.bottom() - 200, 900, 160), target)
    draw_north_arrow(painter, QRectF(target.right() - 160, target.top() + 40, 110, 200), s)
    draw_legend(painter, QRectF(50, target.bottom() + 60, w, 900), s)
    painter.end()
    assert path.stat().st_size > 2000
    shutil.copy(path, artifacts_dir / "render_map.pdf")
    fonts = subprocess.run([_pdf_tool("pdffonts"), str(path)], capture_output=True, text=True,
                           check=True).stdout
    line = next((ln for ln in fonts.splitlines() if "EcoinvSansSC" in ln), None)
    assert line is not None, fonts
    assert "TrueType" in line and " yes " in f" {line} "  # embedded
    text = subprocess.run([_pdf_tool("pdftotext"), "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "凤凰山森林公园" in text
    assert "自然保护区" in text  # the legend's category label
    assert text.count("凤凰山森林公园") == 1  # the halo is not a second copy of the text


def _pdf_page(renderer, settings, path, page_pt: tuple[int, int]) -> None:
    """Draw ``settings`` on a page of exactly ``page_pt`` points (no margins) at 1,200 dpi."""
    from PySide6.QtCore import QMarginsF, QRectF, QSizeF
    from PySide6.QtGui import QPageLayout, QPageSize, QPainter, QPdfWriter

    writer = QPdfWriter(str(path))
    writer.setResolution(1200)
    size = QPageSize(QSizeF(*page_pt), QPageSize.Unit.Point, "map", QPageSize.SizeMatchPolicy.ExactMatch)
    writer.setPageLayout(QPageLayout(size, QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))
    painter = QPainter(writer)
    assert renderer.render(painter, settings, target=QRectF(0, 0, settings.width, settings.height))
    painter.end()


def _pdf_pixels(path, dpi: int) -> np.ndarray:
    ppm = subprocess.run([_pdf_tool("pdftoppm"), "-r", str(dpi), "-singlefile", str(path)],
                         capture_output=True, check=True).stdout
    magic, w, h, _, data = ppm.split(maxsplit=4)
    assert magic == b"P6"
    return np.frombuffer(data[: int(w) * int(h) * 3], dtype=np.uint8).reshape(int(h), int(w), 3)


def test_a_pdf_map_is_cut_to_its_frame_and_looks_like_the_screen(city, renderer, tmp_path, artifacts_dir):
    """On a PDF the features are cut to the view before they are written
    (the boundary, districts, land-cover strips and the bottom row of sites
    all run past this one): rasterised, the page must match the screen's
    drawing of the same view, with every cut site's edges up to the frame
    and no outline drawn along a cut."""
    view = (CX - 22 * KM, CY - 14.5 * KM, CX + 22 * KM, CY + 18.5 * KM)
    page_pt, dpi = (360, 270), 100  # 5 x 3.75 inches: whole pixels at 100 dpi, whole points
    w, h = page_pt[0] * dpi // 72, page_pt[1] * dpi // 72
    path = tmp_path / "cut.pdf"
    _pdf_page(renderer, settings_for(renderer, width=page_pt[0] * 1200 // 72, height=page_pt[1] * 1200 // 72,
                                     dpi=1200, extent=view), path, page_pt)
    assert renderer.last_stats.vector
    shutil.copy(path, artifacts_dir / "render_cut.pdf")
    s = settings_for(renderer, width=w, height=h, dpi=dpi, extent=view)
    screen = renderer.render_image(s)
    assert not renderer.last_stats.vector
    a = _pdf_pixels(path, dpi).astype(int)
    b = as_array(screen).astype(int)
    assert a.shape == b.shape == (h, w, 3)
    diff = np.abs(a - b).sum(axis=2)
    # poppler and Qt antialias thin lines differently, hence a few strong differences
    assert (diff > 150).mean() < 0.02, (diff > 150).mean()
    band = np.zeros((h, w), dtype=bool)
    band[:4] = band[-4:] = True
    band[:, :4] = band[:, -4:] = True
    # A cut outline stroked inside the frame would fill this band (~25 %).
    assert (diff[band] > 150).mean() < 0.015, (diff[band] > 150).mean()
    # The bottom row of sites is cut by the frame: their sides reach it, as
    # on screen, with nothing but their fill along the cut between them.
    rows = slice(h - 6, h - 1)
    for x0, x1, solid in ((-18, -10, True), (-4, 4, True), (10, 18, False)):  # the red line is dashed
        left, right = px(s, x0, 0)[0], px(s, x1, 0)[0]
        for img in (a, b):
            fill = img[rows, (left + right) // 2].sum(axis=1).mean()
            for col in (left, right) if solid else ():
                side = img[rows, col - 2:col + 3].sum(axis=2).min()
                assert side < fill - 90, (x0, x1, col, side, fill)
        assert (diff[h - 3:h, left + 4:right - 3] < 60).all(), (x0, x1)
    # and the page holds the view (and the cut's margin), not the whole city
    from ecoinv.render.map import CLIP_MARGIN_MM

    points = np.concatenate([page.points for page in pdf_page_paths(path)])
    slack = CLIP_MARGIN_MM * 72 / 25.4 + 1
    assert len(points) and (points >= -slack).all() and (points <= np.array(page_pt) + slack).all()


def test_cut_features_keep_their_fill_and_leave_no_dots(qapp):
    """Cutting to a rectangle keeps rings oriented for the winding fill (two
    overlapping sites of one chunk filled once, not punched out where they
    overlap) and draws no dot for a feature whose box meets the rectangle
    while its shape does not."""
    from PySide6.QtCore import QPointF
    from shapely.geometry import Polygon

    from ecoinv.render.layers import PolygonLayer

    around = Polygon([(13, -2), (14, -2), (14, 14), (-2, 14), (-2, 13), (13, 13)])  # an L outside the clip
    geoms = np.array([box(0, 0, 10, 10), box(5, 5, 15, 15), around], dtype=object)
    layer = PolygonLayer("assets", np.array([1, 2, 3]), ["geopark"] * 3, geoms)
    assert len(layer.chunks) == 1
    clip = (0.0, 0.0, 12.0, 12.0)
    paths = layer.build_paths(layer.chunks[0], lod=-3, clip=clip)
    shapes = paths.shapes
    for x, y in ((2, 2), (7, 7), (11, 11)):
        assert shapes.contains(QPointF(x, y)), (x, y)
    assert not shapes.contains(QPointF(13, 13))
    r = shapes.boundingRect()
    assert (r.left(), r.top(), r.right(), r.bottom()) == (0, 0, 12, 12)
    assert paths.dots.isEmpty()
    assert paths.outlines
    whole = layer.build_paths(layer.chunks[0], lod=-3)
    assert whole.shapes.contains(QPointF(13, 13)) and whole.shapes.boundingRect().right() == 15


def test_map_labels_with_ligature_letters_extract_from_a_pdf(city, renderer, tmp_path):
    """An English label with "fi" and "fl" comes back from the PDF letter for letter."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QPainter, QPdfWriter

    inv = city[0]
    name = "Songhua floodplain fish refuge"
    with inv.transaction():
        inv.insert("assets", {"name": "松花江鱼类保护区", "name_en": name, "category": "germplasm_reserve"},
                   gk_box(-3, -23, 3, -18))
    path = tmp_path / "labels.pdf"
    writer = QPdfWriter(str(path))
    writer.setResolution(300)
    s = settings_for(renderer, width=1800, height=1460, dpi=300, labels=True, lang="en")
    painter = QPainter(writer)
    assert renderer.render(painter, s, target=QRectF(0, 0, s.width, s.height))
    painter.end()
    placed = renderer.last_stats.labels
    text = subprocess.run([_pdf_tool("pdftotext"), "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert placed >= 8
    assert name in " ".join(text.split()), text


# -- decorations ----------------------------------------------------------------------

def test_scale_bar_measures_ground_distance_at_the_centre(renderer):
    from ecoinv.render.decorations import ground_metres_per_unit, nice_length, true_north_angle

    s = settings_for(renderer)
    k = pyproj.Proj(GK).get_factors(126.5, 45.4).meridional_scale
    assert ground_metres_per_unit(s) == pytest.approx(1 / k)
    assert abs(1 / k - 1) < 1e-4  # 0.5° from the central meridian
    assert [nice_length(v) for v in (7.3, 150, 999, 1000)] == [5, 100, 500, 1000]
    assert true_north_angle(s) == pytest.approx(-0.5 * np.sin(np.radians(45.4)), abs=0.02)
    east = s.with_extent((s.extent[0] + 150_000, s.extent[1], s.extent[2] + 150_000, s.extent[3]))
    assert true_north_angle(east) < true_north_angle(s) < 0


def test_decorations_draw_inside_their_rectangles(renderer, artifacts_dir):
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QPainter

    from ecoinv.render import draw_graticule, draw_legend, draw_north_arrow, draw_scale_bar, legend_items

    s = settings_for(renderer, width=800, height=640)
    img = renderer.render_image(replace(s, layers=[], labels=False))
    p = QPainter(img)
    bar = draw_scale_bar(p, s, QRectF(20, 560, 250, 60))
    draw_north_arrow(p, QRectF(740, 20, 40, 80), s)
    legend = draw_legend(p, QRectF(520, 120, 270, 500), s, present={"assets": ["geopark"]})
    draw_graticule(p, s)
    p.end()
    a = as_array(img)
    assert (a[560:620, 20:270] < 128).any()          # the bar's black segments
    assert (a[20:100, 740:780] < 100).any()          # the arrow
    lx, ly = int(legend.left()), int(legend.top())
    assert legend.height() > 50 and (a[ly:ly + int(legend.height()), lx:lx + int(legend.width())] < 100).any()
    assert 0 < bar.width() <= 250
    items = legend_items(s.with_layer("stations", hidden_codes=frozenset({"noise"})))
    stations = next(e for layer, _, e in items if layer == "stations")
    assert [c for c, _, _ in stations] == ["air", "water"]
    assert [layer for layer, _, _ in items][0] == "stations"  # top layer first
    only = legend_items(s, present={"assets": ["geopark"]})
    assert [c for c, _, _ in next(e for layer, _, e in only if layer == "assets")] == ["geopark"]


def test_demo_like_map_for_a_person_to_look_at(city, renderer, artifacts_dir):
    """Writes test-artifacts/render_demo.png: the full map with its furniture."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QPainter

    from ecoinv.render import draw_graticule, draw_legend, draw_north_arrow, draw_scale_bar

    s = renderer.default_settings(1200, 900, dpi=120)
    s = replace(s, labels=True, selection={"assets": {city[1]["assets"]["wetland_park"]}})
    img = renderer.render_image(s)
    p = QPainter(img)
    draw_graticule(p, s)
    draw_scale_bar(p, s, QRectF(30, 790, 320, 80), show_ratio=True)
    draw_north_arrow(p, QRectF(1120, 30, 50, 100), s)
    draw_legend(p, QRectF(930, 420, 260, 470), s, present={
        name: renderer.codes_present(name, s.display_crs) for name in ("assets", "asset_zones", "landcover", "stations")})
    p.end()
    out = artifacts_dir / "render_demo.png"
    assert img.save(str(out))
    assert out.stat().st_size > 10_000
