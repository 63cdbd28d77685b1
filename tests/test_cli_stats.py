"""``ecoinv stats`` in its three formats, through ``main([...])``."""
from __future__ import annotations

import csv
import io
import json

import pytest
from shapely import box
from shapely.geometry import Point

from ecoinv import schema
from ecoinv.cli import main
from ecoinv.cli.stats import display_width
from ecoinv.metrics import SECTIONS, compute_stats
from ecoinv.store import Inventory

REQUIRED = ["boundary", "categories", "protected", "landcover", "districts", "stations",
            "outside_boundary", "reconciliation", "overlaps", "method"]


@pytest.fixture
def city_file(tmp_path):
    path = tmp_path / "harbin.sqlite"
    with Inventory.create(path, name="哈尔滨测试") as inv:
        inv.insert("boundary", {"name": "哈尔滨市"}, box(126.0, 45.0, 126.2, 45.2))
        inv.insert("districts", {"name": "道里区", "name_en": "Daoli", "code": "230102"},
                   box(126.0, 45.0, 126.1, 45.2))
        inv.insert("districts", {"name": "南岗区", "name_en": "Nangang", "code": "230103"},
                   box(126.1, 45.0, 126.2, 45.2))
        inv.insert("assets", {"name": "太阳岛湿地公园", "category": "wetland_park",
                              "designated_year": 2009, "reported_area_ha": 500.0},
                   box(126.05, 45.05, 126.08, 45.07))
        inv.insert("assets", {"name": "水产种质资源保护区甲", "category": "germplasm_reserve",
                              "designated_year": 2015},
                   box(126.15, 45.1, 126.25, 45.15))
        inv.insert("landcover", {"class": "forest", "year": 2022}, box(126.0, 45.0, 126.2, 45.08))
        inv.insert("stations", {"name": "道里站", "kind": "air"}, Point(126.02, 45.02))
    return path


def run_json(capsys, *args):
    assert main(["stats", *map(str, args), "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_has_every_key_and_matches_the_core(city_file, capsys):
    out = run_json(capsys, city_file)
    for key in REQUIRED:
        assert key in out, key
    assert set(out["boundary"]) >= {"area_ha"}
    for r in out["categories"]:
        assert {"category", "count", "area_ha", "dissolved_area_ha", "coverage_pct"} <= set(r)
    assert {"dissolved_area_ha", "coverage_pct"} <= set(out["protected"])
    assert all({"class", "area_ha", "coverage_pct"} <= set(r) for r in out["landcover"])
    assert all({"code", "name", "area_ha"} <= set(r) for r in out["districts"])
    assert all({"kind", "count"} <= set(r) for r in out["stations"])
    assert out["method"]["area"] == "geodesic"
    with Inventory.open(city_file) as inv:
        assert out == json.loads(json.dumps(compute_stats(inv), ensure_ascii=False))
    assert [r["name"] for r in out["outside_boundary"]] == ["水产种质资源保护区甲"]


def test_section_and_as_of(city_file, capsys):
    out = run_json(capsys, city_file, "--section", "categories", "--section", "stations",
                   "--as-of", "2010")
    assert set(out) == {"inventory", "method", "notes", "categories", "stations"}
    counts = {r["category"]: r["count"] for r in out["categories"]}
    assert counts["wetland_park"] == 1 and counts["germplasm_reserve"] == 0
    assert out["method"]["as_of"] == 2010


def test_table_aligns_chinese_names(city_file, capsys):
    assert main(["stats", str(city_file)]) == 0
    text = capsys.readouterr().out
    assert "按类别" in text and "水产种质资源保护区" in text and "太阳岛湿地公园" in text
    # The category table: every line (header, rule, rows) ends in a
    # right-aligned number column, so all have the same display width.
    block = text.split("== 按类别 ==\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert len(block) == 2 + len(schema.CATEGORIES)
    assert len({display_width(line) for line in block}) == 1
    names = [line.split("  ", 1)[0].rstrip() for line in block[2:]]
    assert names == [c.zh for c in schema.CATEGORIES.values()]
    assert "== 计算方法 ==" in text and "geodesic" in text


def test_table_in_english_for_one_section(city_file, capsys):
    assert main(["stats", str(city_file), "--lang", "en", "--section", "districts"]) == 0
    text = capsys.readouterr().out
    assert "== By district ==" in text and "Daoli" in text and "Nangang" in text
    assert "Sum (districts + gap - overlap)" in text
    assert "== Method ==" not in text and "By category" not in text


def test_csv_is_one_table_with_a_section_column(city_file, capsys):
    assert main(["stats", str(city_file), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert list(rows[0])[0] == "section"
    by_section: dict[str, list] = {}
    for r in rows:
        by_section.setdefault(r["section"], []).append(r)
    with Inventory.open(city_file) as inv:
        stats = compute_stats(inv)
    assert set(by_section) == {s for s in SECTIONS if stats[s]} | {"method"}
    assert len(by_section["districts"]) == len(stats["districts"])
    assert [r["category"] for r in by_section["categories"]] == list(schema.CATEGORIES)
    wp = next(r for r in by_section["categories"] if r["category"] == "wetland_park")
    assert wp["label_zh"] == "湿地公园" and wp["count"] == "1"
    assert len(wp["dissolved_area_ha"].split(".")[1]) == 4  # rounded to 4 decimals
    assert by_section["protected"][0]["proposed.count"] == "0"
    method = {r["key"]: r["value"] for r in by_section["method"]}
    assert method["area"] == "geodesic" and method["ellipsoid"] == "CGCS2000"


def test_csv_of_one_section_has_only_its_columns(city_file, capsys):
    assert main(["stats", str(city_file), "--format", "csv", "--section", "stations"]) == 0
    reader = csv.DictReader(io.StringIO(capsys.readouterr().out))
    rows = [r for r in reader if r["section"] == "stations"]
    assert [r["kind"] for r in rows] == list(schema.STATION_KINDS)
    assert "category" not in reader.fieldnames


def test_class_limits_land_cover_rows_and_district_columns(city_file, capsys):
    out = run_json(capsys, city_file, "--section", "landcover", "--section", "districts",
                   "--class", "林地")
    assert [r["class"] for r in out["landcover"]] == ["forest"]
    assert all("forest_ha" in r and "water_ha" not in r for r in out["districts"])
    full = run_json(capsys, city_file)
    assert out["landcover"][0]["area_ha"] == pytest.approx(full["landcover"][0]["area_ha"],
                                                         rel=1e-9)
    assert main(["stats", str(city_file), "--lang", "en", "--section", "districts",
                 "--class", "forest"]) == 0
    text = capsys.readouterr().out
    assert "Forest(ha)" in text and "Water(ha)" not in text


@pytest.mark.parametrize("args, message", [
    (["--class", "jungle"], "not a known class"),
    (["--protected", "nonsense"], "not a known category"),
])
def test_errors_are_one_line(city_file, capsys, args, message):
    assert main(["stats", str(city_file), *args]) != 0
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_missing_file_is_an_error(tmp_path, capsys):
    assert main(["stats", str(tmp_path / "none.sqlite")]) != 0
    assert "no such inventory file" in capsys.readouterr().err


def test_empty_inventory_runs(tmp_path, capsys):
    path = tmp_path / "empty.sqlite"
    Inventory.create(path).close()
    out = run_json(capsys, path)
    assert out["boundary"]["area_ha"] is None
    assert main(["stats", str(path)]) == 0
    assert "no boundary" in capsys.readouterr().out
