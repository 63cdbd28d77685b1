"""Exports: each format written, read back independently, and re-imported to the same features."""
from __future__ import annotations

import csv

import fiona
import pytest
import shapely
from openpyxl import load_workbook
from shapely.geometry import MultiPolygon, Point, Polygon, box

from ecoinv.cli import main
from ecoinv.exports import ExportError, export_layer
from ecoinv.importer import import_file
from ecoinv.store import Inventory

ASSETS = [
    ({"name": "太阳岛国家湿地公园", "name_en": "Sun Island National Wetland Park",
      "category": "wetland_park", "level": "national", "designated_year": 2009,
      "authority": "哈尔滨市林业和草原局", "reported_area_ha": 1234.5, "status": "designated",
      "source": "测试", "source_key": "W-1", "remarks": "含 'quote' 与 \"双引号\""},
     Polygon([(126.55, 45.78), (126.62, 45.781), (126.63, 45.81), (126.56, 45.805)],
             [[(126.58, 45.79), (126.59, 45.79), (126.59, 45.795), (126.58, 45.795)]])),
    ({"name": "二龙山森林公园", "name_en": None, "category": "forest_park", "level": "provincial",
      "designated_year": None, "authority": None, "reported_area_ha": None, "status": "proposed",
      "source": "测试", "source_key": "F-2", "remarks": None},
     MultiPolygon([box(127.0, 45.6, 127.1, 45.7), box(127.2, 45.6, 127.25, 45.65)])),
]


@pytest.fixture
def filled(inv):
    for props, geom in ASSETS:
        inv.insert("assets", props, geom)
    inv.insert("stations", {"name": "道里站", "kind": "air", "code": "A01", "source_key": "S1"},
               Point(126.6, 45.76))
    return inv


def same_features(a: Inventory, b: Inventory, layer: str, skip=("source",)):
    fa = list(a.features(layer))
    fb = list(b.features(layer))
    assert len(fa) == len(fb)
    for x, y in zip(fa, fb):
        for k, v in x.props.items():
            if k in skip:
                continue
            if isinstance(v, float):
                assert y.props[k] == pytest.approx(v, rel=1e-9), k
            else:
                assert y.props[k] == v, k
        assert x.geometry.equals_exact(shapely.normalize(y.geometry), 1e-9) or \
            shapely.normalize(x.geometry).equals_exact(shapely.normalize(y.geometry), 1e-9)


@pytest.mark.parametrize("suffix, encoding", [(".gpkg", "utf-8"), (".shp", "utf-8"),
                                              (".shp", "gbk"), (".geojson", "utf-8")])
def test_vector_round_trip(filled, tmp_path, suffix, encoding):
    out = tmp_path / f"assets{suffix}"
    res = export_layer(filled, "assets", out, encoding=encoding)
    assert res.count == 2
    if suffix == ".shp":
        assert out.with_suffix(".prj").exists()
        assert out.with_suffix(".cpg").read_text().strip().upper() == encoding.upper().replace("-", "-")
    back = Inventory.create(tmp_path / "back.sqlite")
    report = import_file(back, out, "assets", key="SOURCE_KEY" if suffix == ".shp" else "source_key")
    assert report.added == 2
    same_features(filled, back, "assets")
    back.close()


def test_reprojected_export(filled, tmp_path):
    out = tmp_path / "gk.shp"
    export_layer(filled, "stations", out, crs="EPSG:4551")
    with fiona.open(out) as src:
        x, y = next(iter(src))["geometry"]["coordinates"]
        assert 400_000 < x < 600_000 and 5_000_000 < y < 5_200_000
        assert "126" in src.crs_wkt  # CM 126E
    back = Inventory.create(tmp_path / "back.sqlite")
    import_file(back, out, "stations")
    p = next(back.features("stations")).geometry
    assert p.x == pytest.approx(126.6, abs=1e-8) and p.y == pytest.approx(45.76, abs=1e-8)
    back.close()


def test_csv_with_wkt(filled, tmp_path):
    out = tmp_path / "assets.csv"
    export_layer(filled, "assets", out, wkt=True, lang="zh")
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["name"] for r in rows] == ["太阳岛国家湿地公园", "二龙山森林公园"]
    assert rows[0]["category_label"] == "湿地公园"
    assert shapely.from_wkt(rows[0]["wkt"]).equals(next(filled.features("assets")).geometry)
    assert rows[0]["remarks"] == "含 'quote' 与 \"双引号\""


def test_xlsx_with_stats(filled, tmp_path):
    from ecoinv.metrics import compute_stats

    out = tmp_path / "assets.xlsx"
    stats = compute_stats(filled)
    export_layer(filled, "assets", out, stats=stats, lang="en")
    wb = load_workbook(out)
    assert wb.sheetnames[0] == "assets"
    assert "stats_categories" in wb.sheetnames
    ws = wb["assets"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["id", "name", "name_en"]
    assert ws.cell(2, 2).value == "太阳岛国家湿地公园"
    cats = wb["stats_categories"]
    head = [c.value for c in cats[1]]
    rows = {r[head.index("category")]: r for r in cats.iter_rows(min_row=2, values_only=True)}
    assert rows["wetland_park"][head.index("count")] == 1


def test_refuses_to_overwrite_and_bad_encoding(filled, tmp_path):
    out = tmp_path / "a.gpkg"
    export_layer(filled, "assets", out)
    with pytest.raises(ExportError, match="already exists"):
        export_layer(filled, "assets", out)
    export_layer(filled, "assets", out, overwrite=True)
    with pytest.raises(ExportError, match="not supported"):
        export_layer(filled, "assets", tmp_path / "a.shp", encoding="klingon")
    with pytest.raises(ExportError, match="cannot tell the format"):
        export_layer(filled, "assets", tmp_path / "a.txt")
    # Nothing half-written is left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.gpkg", "inventory.sqlite"]


def test_cli_export(filled, inventory_path, tmp_path, capsys):
    filled.close()
    out = tmp_path / "st.geojson"
    assert main(["export", str(inventory_path), "stations", "-o", str(out)]) == 0
    assert "exported 1 feature(s) of stations" in capsys.readouterr().out
    with fiona.open(out) as src:
        assert next(iter(src))["properties"]["name"] == "道里站"
