"""A small, realistic inventory for the GUI tests.

The real Harbin boundary and its 18 districts (the repo's data/harbin/,
lon/lat), plus a handful of hand-made sites, zones, land-cover patches and
stations at plausible places.  Built once per session through the store's
own API (so it is a real SpatiaLite inventory) and copied for each test that
writes to it.  Tests of "the demo" use the Harbin demo that conftest's
``demo_inventory_path`` builds once per run through ``ecoinv demo``.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely import affinity
from shapely.geometry import MultiPolygon, Point, box, shape

ROOT = Path(__file__).resolve().parents[1]
# The repo's own copy, so the suite needs nothing outside the checkout.
REFERENCE = ROOT / "data" / "harbin"


def blob(lon: float, lat: float, rx_km: float, ry_km: float, rotate: float = 0.0):
    """An ellipse-like site outline rx × ry km around (lon, lat)."""
    import math

    kx = 111.32 * math.cos(math.radians(lat))
    g = Point(0, 0).buffer(1.0, quad_segs=6)
    g = affinity.scale(g, rx_km / kx, ry_km / 111.0, origin=(0, 0))
    g = affinity.rotate(g, rotate, origin=(0, 0))
    return affinity.translate(g, lon, lat)


@dataclass(frozen=True)
class Site:
    name: str
    name_en: str
    category: str
    level: str | None
    geometry: object
    year: int | None = None
    reported_area_ha: float | None = None


# Names are those of real sites near these places; outlines are made up.
SITES = [
    Site("太阳岛风景名胜区", "Sun Island Scenic Area", "scenic_area", "national",
         blob(126.600, 45.793, 4.0, 1.6, rotate=8), 1988, 3800.0),
    Site("哈尔滨国家森林公园", "Harbin National Forest Park", "forest_park", "national",
         blob(126.690, 45.705, 1.2, 1.0), 1992, 136.0),
    Site("金河湾湿地公园", "Jinhewan Wetland Park", "wetland_park", "municipal",
         blob(126.535, 45.800, 1.8, 0.9), 2013, 400.0),
    Site("呼兰河口湿地公园", "Hulan Estuary Wetland Park", "wetland_park", "national",
         blob(126.740, 45.860, 3.5, 2.2, rotate=-20), 2012, 2700.0),
    Site("松花江哈尔滨段水产种质资源保护区", "Songhua River (Harbin) Germplasm Reserve",
         "germplasm_reserve", "national", blob(126.800, 45.870, 9.0, 1.2, rotate=15), 2010, 5200.0),
    Site("凤凰山国家森林公园", "Fenghuangshan National Forest Park", "forest_park", "national",
         blob(128.000, 44.760, 8.0, 6.0), 2000, 50000.0),
    Site("磨盘山水库饮用水水源保护区", "Mopanshan Reservoir Water Source Zone", "water_source",
         "grade_1", blob(127.720, 44.400, 5.0, 3.0, rotate=30), 2009, None),
    Site("蚂蜒河自然保护区", "Mayan River Nature Reserve", "nature_reserve", "provincial",
         blob(128.500, 45.400, 12.0, 8.0), 2005, 30000.0),
]

NATURE_RESERVE = "蚂蜒河自然保护区"
LANDCOVER = [
    ("forest", blob(128.200, 45.000, 30.0, 20.0)),
    ("forest", blob(129.600, 46.200, 20.0, 15.0)),
    ("wetland", blob(126.900, 45.900, 8.0, 4.0, rotate=15)),
    ("grassland", blob(126.100, 45.400, 10.0, 6.0)),
    ("water", blob(127.720, 44.400, 5.0, 3.0, rotate=30)),
]
STATIONS = [
    ("道里区空气站", "air", (126.615, 45.760)),
    ("南岗区空气站", "air", (126.660, 45.745)),
    ("松花江朱顺屯断面", "water", (126.590, 45.790)),
    ("香坊区噪声站", "noise", (126.690, 45.720)),
]


def _features(name: str):
    data = json.loads((REFERENCE / name).read_text(encoding="utf-8"))
    for f in data["features"]:
        geom = shape(f["geometry"])
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        yield f["properties"], geom


def build_inventory(path) -> Path:
    """Create the fixture inventory at ``path`` (must not exist)."""
    from ecoinv.store import Inventory

    path = Path(path)
    inv = Inventory.create(path, name="哈尔滨测试清单")
    try:
        with inv.transaction(batch="fixture"):
            for props, geom in _features("harbin_city.geojson"):
                inv.insert("boundary", {"name": props.get("name", "哈尔滨市"),
                                        "code": str(props.get("adcode", "230100"))}, geom)
            for props, geom in _features("harbin_districts.geojson"):
                inv.insert("districts", {"name": props["name"], "name_en": props["name_en"],
                                         "code": str(props["adcode"])}, geom)
            ids = {}
            for s in SITES:
                ids[s.name] = inv.insert("assets", {
                    "name": s.name, "name_en": s.name_en, "category": s.category,
                    "level": s.level, "designated_year": s.year,
                    "reported_area_ha": s.reported_area_ha, "status": "designated",
                    "source": "gui fixture", "source_key": f"FX-{len(ids) + 1:03d}",
                }, s.geometry)
            # Nested core / buffer / experimental zones of the nature reserve.
            outer = next(s.geometry for s in SITES if s.name == NATURE_RESERVE)
            c = outer.centroid
            core = affinity.scale(outer, 0.35, 0.35, origin=c)
            buffer = affinity.scale(outer, 0.65, 0.65, origin=c).difference(core)
            experimental = outer.difference(affinity.scale(outer, 0.65, 0.65, origin=c))
            for zone, geom in (("core", core), ("buffer", buffer), ("experimental", experimental)):
                inv.insert("asset_zones", {"asset_id": ids[NATURE_RESERVE], "zone": zone,
                                           "source": "gui fixture"}, geom)
            for cls, geom in LANDCOVER:
                inv.insert("landcover", {"class": cls, "year": 2023, "source": "gui fixture"}, geom)
            for i, (name, kind, (x, y)) in enumerate(STATIONS, start=1):
                inv.insert("stations", {"name": name, "kind": kind, "code": f"ST{i:02d}"},
                           Point(x, y))
    finally:
        inv.close()
    return path


def copy_inventory(src: Path, folder: Path, name: str = "inventory.sqlite") -> Path:
    dst = Path(folder) / name
    shutil.copyfile(src, dst)
    return dst


def square_polygon(lon: float, lat: float, size_deg: float) -> MultiPolygon:
    return MultiPolygon([box(lon, lat, lon + size_deg, lat + size_deg)])


# --- pytest fixtures (imported by the tests/test_gui*.py modules) ------------------------------

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    """QSettings in a temporary folder: never the user's."""
    folder = tmp_path / "settings"
    monkeypatch.setenv("ECOINV_SETTINGS_DIR", str(folder))
    return folder


@pytest.fixture(scope="session")
def ecoinv_app(qapp):
    """The QApplication set up as the program sets it up (fonts, names, English)."""
    from ecoinv.gui import i18n
    from ecoinv.gui.app import create_app

    app = create_app(lang="en")
    yield app
    i18n.install("en", app)


@pytest.fixture(scope="session")
def source_inventory(demo_inventory_path) -> Path:
    """The Harbin demo, built through the import pipeline (read-only: copy to change)."""
    return demo_inventory_path


@pytest.fixture(scope="session")
def fixture_inventory_source(tmp_path_factory) -> Path:
    """Always the hand-made fixture (tests that need to know its sites)."""
    target = tmp_path_factory.mktemp("gui-fixture") / "harbin-fixture.sqlite"
    return build_inventory(target)


@pytest.fixture
def inventory_file(tmp_path, fixture_inventory_source) -> Path:
    return copy_inventory(fixture_inventory_source, tmp_path)


def wait_for_map(qtbot, window, timeout=60000) -> None:
    canvas = window.canvas
    qtbot.waitUntil(lambda: canvas.rendered_image() is not None and not canvas.is_rendering(),
                    timeout=timeout)


def wait_for_render(qtbot, canvas, timeout=60000) -> None:
    """Wait for the render that the last change asked for."""
    qtbot.waitUntil(lambda: not canvas.is_rendering(), timeout=timeout)


def open_window(qtbot, path, *, stats: bool = False, size=(1280, 820)):
    from ecoinv.gui.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(*size)
    if not stats:
        # Statistics are computed only while their panel shows; most tests
        # do not look at them, and computing them costs seconds of CPU.
        win.stats_dock.hide()
    win.show()
    qtbot.waitExposed(win)
    assert win.open_inventory(path)
    wait_for_map(qtbot, win)
    return win


@pytest.fixture
def window(qtbot, ecoinv_app, inventory_file):
    win = open_window(qtbot, inventory_file)
    yield win
    win.shutdown()


def site(name: str) -> Site:
    return next(s for s in SITES if s.name == name)


def asset_id(inv, name: str) -> int:
    return next(f.id for f in inv.features("assets", filters={"name": name}))


def map_pixel(window, lon: float, lat: float):
    """Where a lon/lat point is on the window's canvas (widget pixels)."""
    from shapely.geometry import Point

    from ecoinv.crs import transformer

    c = window.canvas
    p = transformer(c.storage_crs, c.display_crs)(Point(lon, lat))
    return c.to_pixel(p.x, p.y)


def only_site_point(s: Site):
    """A point inside the site and inside no other fixture site or land-cover patch."""
    others = [o.geometry for o in SITES if o.name != s.name] + [g for _, g in LANDCOVER]
    area = s.geometry
    for g in others:
        area = area.difference(g)
    return area.representative_point()
