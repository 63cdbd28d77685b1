"""The map as pixels, the statistics dock, and screenshots of the window."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace

import pytest
import shapely
from PySide6.QtGui import QColor, QImage

from ecoinv import styles
from ecoinv.crs import transformer
from ecoinv.store import Inventory

from .gui_fixtures import (ROOT, ecoinv_app, fixture_inventory_source, inventory_file,  # noqa: F401
                           isolated_settings, open_window, source_inventory, wait_for_render,
                           window)


def composite(fill: str, alpha: float, under: QColor) -> tuple[int, int, int]:
    f = QColor(fill)
    return tuple(round(a * alpha + b * (1 - alpha)) for a, b in
                 zip((f.red(), f.green(), f.blue()), (under.red(), under.green(), under.blue())))


def close(c: QColor, rgb, tol: int = 3) -> bool:
    return all(abs(a - b) <= tol for a, b in zip((c.red(), c.green(), c.blue()), rgb))


def lone_site(inv: Inventory):
    """The largest asset with a point covered by no other asset or zone, and that point."""
    assets = list(inv.features("assets"))
    zones = [f.geometry for f in inv.features("asset_zones")]
    assets.sort(key=lambda f: -f.geometry.area)
    for a in assets:
        area = a.geometry
        for o in assets:
            if o.id != a.id and o.geometry.intersects(area):
                area = area.difference(o.geometry)
        for z in zones:
            if z.intersects(area):
                area = area.difference(z)
        # Away from the outline, which is drawn in a stronger colour.
        inner = area.buffer(-0.01)
        if not inner.is_empty:
            return a, inner.representative_point()
    raise AssertionError("no asset stands alone in this inventory: the pixel check needs one")


def test_render_known_pixels(ecoinv_app, source_inventory):
    """The demo (or the fixture) rendered to a QImage: a site's fill at a point only it
    covers, and the background outside the city."""
    from ecoinv.render.map import MapRenderer

    with Inventory.open(source_inventory) as inv:
        site, point = lone_site(inv)
        renderer = MapRenderer(inv)
        try:
            crs = renderer.default_display_crs()
            to_display = transformer(inv.crs, crs)
            bounds = shapely.bounds(to_display(site.geometry))
            base = renderer.default_settings(800, 600, lang="en", display_crs=crs)
            # Only the assets layer, no labels: the pixel is the site's fill
            # over the background, whatever else the inventory holds.
            layers = [replace(ls, visible=(ls.name == "assets")) for ls in base.layers]
            settings = replace(base, extent=tuple(bounds), layers=layers, labels=False,
                               background="#f4f6f3").fit_extent()
            image = renderer.render_image(settings)
            p = to_display(point)
            px, py = settings.map_to_pixel(p.x, p.y)
            style = styles.style_for("assets", site.props["category"])
            want = composite(style.fill, style.fill_opacity, QColor("#f4f6f3"))
            got = image.pixelColor(int(px), int(py))
            assert close(got, want), (site.props["name"], got.name(), want)
            # Outside the city: the top-left corner of a full-extent map with every layer.
            full = renderer.default_settings(800, 600, lang="en", display_crs=crs)
            full = replace(full, background="#f4f6f3")
            image = renderer.render_image(full)
            boundary = shapely.union_all([to_display(f.geometry) for f in inv.features("boundary")])
            x, y = full.pixel_to_map(3, 3)
            assert not boundary.contains(shapely.Point(float(x), float(y)))
            assert close(image.pixelColor(3, 3), (0xf4, 0xf6, 0xf3), tol=0)
        finally:
            renderer.close()


def test_canvas_shows_the_site_colour(qtbot, window):
    """The canvas image holds the same pixels as a render of the same view."""
    inv = window.inv
    site, point = lone_site(inv)
    window.canvas.zoom_to_features("assets", {site.id})
    for name in ("landcover", "districts", "boundary", "asset_zones", "stations"):
        window.layer_model.set_visible(name, False)
    window.actions_by_name["labels"].trigger()  # a name could cover the pixel
    wait_for_render(qtbot, window.canvas)
    pos = window.canvas.to_pixel(*_display_xy(window, point))
    got = window.canvas.rendered_image().pixelColor(int(pos.x()), int(pos.y()))
    style = styles.style_for("assets", site.props["category"])
    assert close(got, composite(style.fill, style.fill_opacity, window.canvas.background))


def _display_xy(window, point):
    p = transformer(window.canvas.storage_crs, window.canvas.display_crs)(point)
    return p.x, p.y


def test_statistics_dock_fills_in_and_follows_changes(qtbot, ecoinv_app, inventory_file):
    win = open_window(qtbot, inventory_file, stats=True)
    dock = win.stats_dock
    qtbot.waitUntil(lambda: dock.stats is not None and not dock.is_busy(), timeout=120000)
    stats = dock.stats
    value = dock.overall_labels["protected_coverage"][1].text()
    assert value == f"{stats['protected']['coverage_pct']:.2f} %"
    assert dock.overall_labels["city_area"][1].text() == f"{stats['boundary']['area_ha'] / 100:,.0f} km²"
    assert dock.categories_model.rowCount() == len(stats["categories"])
    assert dock.districts_model.rowCount() >= 18
    assert dock.landcover_model.rowCount() == len(stats["landcover"])
    assert "Up to date" in dock.status.text()
    # A change (a site becomes proposed, so it no longer counts) is followed.
    fid = next(win.inv.features("assets", filters={"category": "forest_park"})).id
    count = stats["protected"]["count"]
    win.edit_attributes("assets", fid, {"status": "proposed"})
    assert dock.is_busy()
    qtbot.waitUntil(lambda: not dock.is_busy() and dock.stats is not stats, timeout=120000)
    assert dock.stats["protected"]["count"] == count - 1
    assert dock.overall_labels["protected_count"][1].text() == str(count - 1)
    win.shutdown()


def test_screenshot_of_the_window_in_chinese(qtbot, ecoinv_app, source_inventory, artifacts_dir):
    from ecoinv.gui import i18n

    win = open_window(qtbot, source_inventory, stats=True, size=(1400, 900))
    try:
        win.set_language("zh_CN")
        assert win.menu_file.title().startswith("文件")
        qtbot.waitUntil(lambda: win.stats_dock.stats is not None and not win.stats_dock.is_busy(),
                        timeout=120000)
        win.open_attribute_table("assets")
        win.actions_by_name["zoom_full"].trigger()  # the table took room from the map
        wait_for_render(qtbot, win.canvas)
        out = artifacts_dir / "gui-main-window-zh.png"
        assert win.save_screenshot(out)
        image = QImage(str(out))
        assert image.width() == win.width() and image.height() == win.height()
    finally:
        win.set_language("en")
        i18n.install("en")
        win.shutdown()


def test_cli_screenshot(tmp_path, artifacts_dir, source_inventory):
    """`ecoinv gui PATH --screenshot OUT --size WxH` in a fresh process, offscreen."""
    out = artifacts_dir / "gui-main-window-en.png"
    if out.exists():
        out.unlink()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ECOINV_SETTINGS_DIR=str(tmp_path / "s"))
    proc = subprocess.run(
        [sys.executable, "-m", "ecoinv", "gui", str(source_inventory), "--screenshot", str(out),
         "--size", "1400x900", "--lang", "en"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1400, 900)
    # A map was drawn: the middle of the window is not one flat colour.
    colours = {image.pixelColor(x, y).name() for x in range(500, 900, 20) for y in range(300, 600, 20)}
    assert len(colours) > 3
    # A missing inventory is a one-line error, not a traceback.
    proc = subprocess.run(
        [sys.executable, "-m", "ecoinv", "gui", str(tmp_path / "missing.sqlite"), "--screenshot",
         str(tmp_path / "x.png")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "no such inventory file" in proc.stderr and "Traceback" not in proc.stderr
