"""``ecoinv import`` / ``ecoinv import-plan`` end to end."""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from shapely.geometry import Point, Polygon

from ecoinv.cli import main
from ecoinv.store import Inventory

from .conftest import ROOT, file_digest
from .shapefile_factory import inventory_template  # noqa: F401  (fixture)
from .shapefile_factory import square, write_gpkg, write_kml, write_shapefile


@pytest.fixture
def db(inventory_path, inventory_template) -> Path:
    shutil.copyfile(inventory_template, inventory_path)
    return inventory_path


def reserves(n=3, **change):
    recs = [{"geometry": square(126.0 + i * 0.05, 45.5, 0.02),
             "properties": {"名称": f"保护区{i}", "类型": "自然保护区", "级别": "国家级", "编号": f"R{i}"}}
            for i in range(n)]
    for i, props in change.items():
        recs[int(i.lstrip("f"))]["properties"].update(props)
    return recs


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def count(db_path, layer="assets") -> int:
    with Inventory.open(db_path) as inv:
        return inv.count(layer)


def test_import_prints_the_report(db, tmp_path, capsys):
    shp = write_shapefile(tmp_path / "reserves.shp", reserves(), encoding="gbk", cpg="GBK")
    code, out, err = run(capsys, "import", db, shp, "--layer", "assets")
    assert code == 0, err
    assert "Imported: reserves.shp → assets" in out
    assert "added 3, updated 0, unchanged 0, repaired 0, skipped 0, refused 0" in out
    assert "encoding: GBK/GB18030 (from .cpg 'GBK')" in out
    assert err == ""  # no progress bar when stderr is not a terminal
    assert count(db) == 3


def test_refusal_is_one_line_naming_file_feature_and_field(db, tmp_path, capsys):
    shp = write_shapefile(tmp_path / "zoo.shp", reserves(f1={"类型": "动物园"}))
    before = file_digest(db)
    code, out, err = run(capsys, "import", db, shp, "--layer", "assets")
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("ecoinv: error: zoo.shp: feature 1 (保护区1), field 类型 → category: ")
    assert "'动物园' is not a known category; allowed: national_park" in lines[0]
    assert file_digest(db) == before


def test_missing_crs_refuses_with_the_candidates(db, tmp_path, capsys):
    recs = [{"geometry": square(42_540_000, 5_070_000, 500), "properties": {"NAME": "a"}}]
    shp = write_shapefile(tmp_path / "noprj.shp", recs, crs=None)
    code, out, err = run(capsys, "import", db, shp, "--layer", "assets", "--category", "geopark",
                         "--report-json", tmp_path / "r.json")
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "noprj.shp: no .prj file; the coordinates fit EPSG:4530" in err and "--crs" in err
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["status"] == "error" and data["crs_candidates"][0]["code"] == "EPSG:4530"
    code, out, err = run(capsys, "import", db, shp, "--layer", "assets", "--category", "geopark",
                         "--crs", "EPSG:4530")
    assert code == 0 and "added 1" in out


def test_report_json_keys(db, tmp_path, capsys):
    recs = reserves()
    recs[2]["geometry"] = None
    shp = write_shapefile(tmp_path / "r.shp", recs)
    report = tmp_path / "report.json"
    code, _, _ = run(capsys, "import", db, shp, "--layer", "assets", "--report-json", report)
    assert code == 0
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["counts"] == {"added": 2, "updated": 0, "unchanged": 0, "repaired": 0,
                              "skipped": 1, "refused": 0}
    assert {"path", "source", "target_layer", "encoding", "source_crs", "target_crs", "mapping",
            "entries", "notes", "status", "batch"} <= set(data)
    assert data["encoding"] == {"encoding": "UTF-8", "how": "cpg", "note": "from .cpg 'UTF-8'"}
    assert data["entries"] == [{"index": 2, "name": "保护区2", "action": "skipped",
                                "reason": "no geometry (null)", "field": None}]
    assert data["mapping"]["name"] == "名称" and data["status"] == "imported"


def test_report_json_is_written_on_refusal_too(db, tmp_path, capsys):
    shp = write_shapefile(tmp_path / "zoo.shp", reserves(f0={"级别": "宇宙级"}, f2={"级别": "?"}))
    report = tmp_path / "refused.json"
    code, _, _ = run(capsys, "import", db, shp, "--layer", "assets", "--report-json", report)
    data = json.loads(report.read_text(encoding="utf-8"))
    assert code == 1 and data["status"] == "refused" and data["counts"]["refused"] == 2
    assert [e["index"] for e in data["entries"]] == [0, 2]
    assert "宇宙级" in data["error"]


def test_dry_run_writes_nothing(db, tmp_path, capsys):
    shp = write_shapefile(tmp_path / "r.shp", reserves())
    before = file_digest(db)
    code, out, _ = run(capsys, "import", db, shp, "--layer", "assets", "--dry-run")
    assert code == 0 and out.startswith("Dry run (nothing written)") and "added 3" in out
    assert file_digest(db) == before


def test_dry_run_with_refusals_exits_non_zero(db, tmp_path, capsys):
    shp = write_shapefile(tmp_path / "zoo.shp", reserves(f1={"类型": "动物园"}))
    code, out, err = run(capsys, "import", db, shp, "--layer", "assets", "--dry-run")
    assert code == 1 and "refused 1" in out
    assert len(err.strip().splitlines()) == 1 and "feature 1" in err


def test_reimport_with_key(db, tmp_path, capsys):
    shp = write_shapefile(tmp_path / "v1.shp", reserves())
    assert run(capsys, "import", db, shp, "--layer", "assets", "--key", "编号")[0] == 0
    shp2 = write_shapefile(tmp_path / "v2.shp", reserves(4, f0={"级别": "省级"}))
    code, out, _ = run(capsys, "import", db, shp2, "--layer", "assets", "--key", "编号")
    assert code == 0 and "added 1, updated 1, unchanged 2" in out
    assert count(db) == 4


def test_whole_file_values_and_explicit_mapping(db, tmp_path, capsys):
    recs = [{"geometry": square(126, 45, 0.1), "properties": {"SITE": "森林一", "Y": "1998"}}]
    shp = write_shapefile(tmp_path / "forest.shp", recs)
    code, out, err = run(capsys, "import", db, shp, "--layer", "assets", "--category", "森林公园",
                         "--set", "level=provincial", "--map", "name=SITE",
                         "--map", "designated_year=Y")
    assert code == 0, err
    with Inventory.open(db) as inv:
        p = next(inv.features("assets")).props
    assert (p["name"], p["category"], p["level"], p["designated_year"]) == (
        "森林一", "forest_park", "provincial", 1998)
    code, _, err = run(capsys, "import", db, shp, "--layer", "assets", "--map", "nameSITE")
    assert code == 2 and "expected TARGET=VALUE" in err


def test_landcover_class_and_station_kind(db, tmp_path, capsys):
    shp = write_shapefile(tmp_path / "lc.shp", [{"geometry": square(126, 45, 0.1),
                                                 "properties": {"TBBH": "001"}}])
    assert run(capsys, "import", db, shp, "--layer", "landcover", "--class", "林地")[0] == 0
    kml = write_kml(tmp_path / "noise.kml", [{"geometry": Point(126.6, 45.7),
                                              "properties": {"name": "噪声一"}}])
    assert run(capsys, "import", db, kml, "--layer", "stations", "--kind", "noise")[0] == 0
    with Inventory.open(db) as inv:
        lc = next(inv.features("landcover")).props
        st = next(inv.features("stations")).props
    assert (lc["class"], lc["source_key"]) == ("forest", "001")
    assert (st["name"], st["kind"]) == ("噪声一", "noise")


def test_no_repair_refuses_invalid_geometry(db, tmp_path, capsys):
    recs = reserves(2)
    recs[0]["geometry"] = Polygon([(126, 45), (126.1, 45.1), (126.1, 45), (126, 45.1)])
    shp = write_shapefile(tmp_path / "bowtie.shp", recs)
    code, _, err = run(capsys, "import", db, shp, "--layer", "assets", "--no-repair")
    assert code == 1 and "feature 0 (保护区0): invalid geometry: Self-intersection" in err
    code, out, _ = run(capsys, "import", db, shp, "--layer", "assets")
    assert code == 0 and "repaired 1" in out


def test_layer_choice_and_source_layer(db, tmp_path, capsys):
    g = write_gpkg(tmp_path / "two.gpkg", {"a": {"records": reserves(1)},
                                           "b": {"records": reserves(2)}})
    code, _, err = run(capsys, "import", db, g, "--layer", "assets")
    assert code == 1 and err.strip() == ("ecoinv: error: two.gpkg has 2 layers; choose one with "
                                         "--source-layer: a, b")
    code, out, _ = run(capsys, "import", db, g, "--layer", "assets", "--source-layer", "b")
    assert code == 0 and "Imported: two.gpkg:b → assets" in out


def test_import_plan(db, tmp_path, capsys):
    shp = write_shapefile(tmp_path / "r.shp", reserves(), encoding="gbk", cpg=False)
    code, out, _ = run(capsys, "import-plan", db, shp, "--layer", "assets")
    assert code == 0
    assert "encoding: GBK/GB18030 (no .cpg and no DBF language driver; detected" in out
    assert "name ← 名称 (alias)" in out and "unmapped source fields: 编号" in out
    code, out, _ = run(capsys, "import-plan", db, shp, "--layer", "assets", "--format", "json")
    plan = json.loads(out)
    assert plan["ok"] and plan["mapping"]["category"] == "类型"
    code, out, _ = run(capsys, "import", db, shp, "--layer", "asset_zones", "--plan")
    assert code == 1 and "PROBLEM: asset_zones.zone is required" in out
    assert "asset_name ← 名称 (alias)" in out
    assert count(db) == 0


def test_progress_bar_only_on_a_terminal(db, tmp_path, monkeypatch, capsys):
    shp = write_shapefile(tmp_path / "r.shp", reserves(5))

    class Tty(io.StringIO):
        def isatty(self):
            return True

    fake = Tty()
    monkeypatch.setattr(sys, "stderr", fake)
    assert main(["import", str(db), str(shp), "--layer", "assets", "--batch-size", "2"]) == 0
    assert "importing [" in fake.getvalue() and "100% 5/5" in fake.getvalue()


def test_on_unknown_choices_match_the_importer():
    from ecoinv.cli import import_cmd
    from ecoinv.importer import ON_UNKNOWN

    assert import_cmd.ON_UNKNOWN == ON_UNKNOWN


def test_subprocess_exit_codes_and_piped_stderr(db, tmp_path):
    shp = write_shapefile(tmp_path / "r.shp", reserves())
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ok = subprocess.run([sys.executable, "-m", "ecoinv", "import", str(db), str(shp), "--layer",
                         "assets"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert ok.returncode == 0 and ok.stderr == "" and "added 3" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "ecoinv", "import", str(db),
                          str(tmp_path / "missing.shp"), "--layer", "assets"],
                         capture_output=True, text=True, env=env, cwd=tmp_path)
    assert bad.returncode == 1 and bad.stdout == ""
    assert bad.stderr.strip() == f"ecoinv: error: {tmp_path / 'missing.shp'}: no such file"


def test_workers_option_from_the_command_line(db, tmp_path):
    """``--workers N`` prepares the batches in N spawned processes of the
    command itself; the file written is the same as with ``--workers 0``."""
    recs = [{"geometry": square(126 + 0.05 * (i % 10), 45 + 0.05 * (i // 10), 0.04),
             "properties": {"地类": ["林地", "水域"][i % 2], "图斑编号": f"T{i:03d}"}}
            for i in range(60)]
    shp = write_shapefile(tmp_path / "lc.shp", recs, encoding="gbk", cpg="GBK")
    other = tmp_path / "other.sqlite"
    shutil.copyfile(db, other)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = [subprocess.run([sys.executable, "-m", "ecoinv", "import", str(path), str(shp),
                            "--layer", "landcover", "--workers", str(workers), "--batch-size", "7"],
                           capture_output=True, text=True, env=env, cwd=tmp_path)
            for path, workers in ((db, 2), (other, 0))]
    for r in runs:
        assert r.returncode == 0 and r.stderr == "" and "added 60" in r.stdout, r.stderr
    with Inventory.open(db) as a, Inventory.open(other) as b:
        assert a.table_rows("landcover") == b.table_rows("landcover")
