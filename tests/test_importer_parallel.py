"""Imports whose batches are prepared in worker processes write and report
exactly what an import done in one process does.

The worker processes are real (spawned by the importer); the files are real
shapefiles with the problems survey deliveries have: repairs, null and
multi-ring geometries, deleted records, values not valid in the encoding,
unknown classes, duplicate keys.
"""
from __future__ import annotations

import shutil

import pytest
from shapely.geometry import MultiPolygon, Polygon

from ecoinv import importer as importer_module
from ecoinv.importer import (ImportCancelled, ImportRefused, ImportSetupError, import_file)
from ecoinv.sources import open_source
from ecoinv.store import Inventory

from .conftest import file_digest
from .shapefile_factory import inventory_template  # noqa: F401  (fixture)
from .shapefile_factory import square, write_geojson, write_shapefile

BAD_TEXT = "坏字"  # its GBK bytes are replaced by bytes GBK cannot decode


def survey_parcels(n=60, *, unknown_class=False, duplicate_key=False):
    recs = []
    for i in range(n):
        x, y = 126.0 + (i % 10) * 0.05, 45.0 + (i // 10) * 0.05
        g = square(x, y, 0.04)
        if i % 13 == 5:    # bow tie: repaired (or refused with repair off)
            g = Polygon([(x, y), (x + 0.04, y + 0.04), (x + 0.04, y), (x, y + 0.04), (x, y)])
        elif i % 11 == 3:  # two parts: read by GDAL
            g = MultiPolygon([square(x, y, 0.015), square(x + 0.02, y + 0.02, 0.015)])
        elif i % 17 == 9:  # a hole: read by GDAL
            g = Polygon(square(x, y, 0.04).exterior.coords,
                        [square(x + 0.01, y + 0.01, 0.01).exterior.coords])
        elif i == 17:
            g = None       # skipped
        props = {"地类": ["林地", "水域", "乔木林地", "草地"][i % 4], "图斑编号": f"T{i:03d}",
                 "年份": 2020 + i % 3, "数据来源": BAD_TEXT if i == 22 else f"第{i}批"}
        if unknown_class and i in (30, 44):
            props["地类"] = "月球表面"
        if duplicate_key and i == 41:
            props["图斑编号"] = "T007"
        recs.append({"geometry": g, "properties": props})
    return recs


def write_survey(path, recs, *, deleted=(26,)):
    shp = write_shapefile(path, recs, encoding="gbk", cpg="GBK")
    dbf = shp.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    header_length = int.from_bytes(data[8:10], "little")
    record_length = int.from_bytes(data[10:12], "little")
    for i in deleted:
        data[header_length + i * record_length] = ord("*")
    bad = BAD_TEXT.encode("gbk")
    assert data.count(bad) == 1
    data = data.replace(bad, b"\xff\x30\xff\x30")
    dbf.write_bytes(bytes(data))
    return shp


def open_copy(template, path) -> Inventory:
    shutil.copyfile(template, path)
    return Inventory.open(path)


def written(inv, layer):
    rows = inv.table_rows(layer)
    history = [r[:1] + r[2:-1] for r in inv.conn.execute(
        "SELECT id, time, user, table_name, feature_id, action, old_values, new_values, "
        "old_geom, new_geom, batch FROM history ORDER BY id")]
    return rows, history


def report_of(report):
    d = report.to_dict()
    for k in ("seconds", "batch"):
        d.pop(k)
    return d


def import_both_ways(template, tmp_path, shp, layer="landcover", **options):
    """{workers: (report dict or refusal, rows, history, file changed?)} for 0 and 2 workers."""
    out = {}
    for workers in (0, 2):
        path = tmp_path / f"inv-{workers}.sqlite"
        inv = open_copy(template, path)
        inv.insert("landcover", {"class": "forest"}, square(125, 44, 0.1))
        before = file_digest(path)
        try:
            report = import_file(inv, shp, layer, workers=workers, **options)
        except ImportRefused as exc:
            result = ("refused", str(exc), report_of(exc.report))
        else:
            result = ("imported", report_of(report))
        out[workers] = (result, *written(inv, layer), file_digest(path) == before)
        inv.close()
    return out


@pytest.mark.parametrize("on_unknown, repair, bulk", [
    ("skip", True, True), ("skip", True, False), ("error", True, True),
    ("skip", False, False)])
def test_workers_write_and_report_what_one_process_does(inventory_template, tmp_path, monkeypatch,
                                                        on_unknown, repair, bulk):
    monkeypatch.setattr(importer_module, "BULK_MIN_FEATURES", 1 if bulk else 10 ** 9)
    shp = write_survey(tmp_path / "survey.shp", survey_parcels(unknown_class=True))
    both = import_both_ways(inventory_template, tmp_path, shp, on_unknown=on_unknown,
                            repair=repair, batch_size=7)
    assert both[2] == both[0]
    result, rows, _, unchanged = both[2]
    if on_unknown == "error" or not repair:
        assert result[0] == "refused" and unchanged
        assert ("feature 30" in result[1] and "月球表面" in result[1]) if repair else \
            ("feature 5" in result[1] and "repair is off" in result[1])
        return
    report = result[1]
    assert result[0] == "imported" and not unchanged
    counts = report["counts"]
    # 60 records: one deleted, one without geometry, two of an unknown class
    # (one of them a bow tie), five bow ties repaired.
    assert report["processed"] == 59
    skipped_classes = 2 if on_unknown == "skip" else 0
    assert counts["skipped"] == 1 + skipped_classes
    assert counts["repaired"] == 5 - (on_unknown == "skip")
    assert counts["added"] == 59 - counts["skipped"] == len(rows) - 1
    assert any("text values had bytes invalid in GBK" in n for n in report["notes"])


def test_batches_a_worker_is_slow_to_send_are_prepared_by_the_importing_process(
        inventory_template, tmp_path, monkeypatch):
    """The importing process waits no time for the workers here: it prepares
    whatever batch is next itself and drops what the worker sends later."""
    monkeypatch.setattr(importer_module, "_STEAL_AFTER", 0.0)
    shp = write_survey(tmp_path / "survey.shp", survey_parcels(unknown_class=True))
    both = import_both_ways(inventory_template, tmp_path, shp, on_unknown="skip", batch_size=3)
    assert both[2] == both[0] and both[2][0][0] == "imported"


def test_workers_refuse_duplicate_keys_across_batches(inventory_template, tmp_path):
    shp = write_survey(tmp_path / "dup.shp", survey_parcels(duplicate_key=True))
    both = import_both_ways(inventory_template, tmp_path, shp, key="图斑编号", batch_size=7)
    assert both[2] == both[0]
    result = both[2][0]
    assert result[0] == "refused" and both[2][3]
    assert "feature 41" in result[1] and "key 'T007' also used by feature 7" in result[1]


def test_workers_update_by_key_in_file_order(inventory_template, tmp_path):
    first = write_survey(tmp_path / "v1.shp", survey_parcels(40), deleted=())
    recs = survey_parcels(46)
    recs[4]["properties"]["地类"] = "草地"              # attribute change
    recs[12]["geometry"] = square(127.0, 46.0, 0.02)   # geometry change
    recs.insert(20, {"geometry": square(127.5, 46.0, 0.02),
                     "properties": {"地类": "水域", "图斑编号": "NEW", "年份": 2021,
                                    "数据来源": "新增"}})
    second = write_survey(tmp_path / "v2.shp", recs, deleted=())
    out = {}
    for workers in (0, 2):
        inv = open_copy(inventory_template, tmp_path / f"inv-{workers}.sqlite")
        import_file(inv, first, "landcover", key="图斑编号", workers=workers, batch_size=6)
        report = import_file(inv, second, "landcover", key="图斑编号", workers=workers,
                             batch_size=6)
        out[workers] = (report_of(report), *written(inv, "landcover"))
        inv.close()
    assert out[2] == out[0]
    counts = out[2][0]["counts"]
    assert (counts["added"], counts["updated"]) == (7, 2)
    assert counts["unchanged"] == 39 - 2  # feature 17 has no geometry


def test_workers_cancelled_midway_leave_the_file_unchanged(inventory_template, tmp_path):
    shp = write_survey(tmp_path / "survey.shp", survey_parcels(), deleted=())
    path = tmp_path / "inv.sqlite"
    inv = open_copy(inventory_template, path)
    before = file_digest(path)
    calls = []
    with pytest.raises(ImportCancelled, match="after 15 of 60") as exc:
        import_file(inv, shp, "landcover", workers=2, batch_size=5,
                    cancel=lambda: calls.append(1) or len(calls) > 3)
    assert exc.value.report.status == "cancelled"
    assert file_digest(path) == before
    # The inventory is usable at once, and the next import goes through.
    report = import_file(inv, shp, "landcover", workers=2, batch_size=25)
    assert report.added == 59 and inv.count("landcover") == 59
    inv.close()


def test_how_many_workers(tmp_path, monkeypatch):
    shp = write_survey(tmp_path / "survey.shp", survey_parcels(), deleted=())
    points = write_shapefile(tmp_path / "pts.shp", [
        {"geometry": square(126, 45, 1).centroid, "properties": {"名称": "站"}}])
    gj = write_geojson(tmp_path / "lc.geojson", [
        {"geometry": square(126, 45, 0.1), "properties": {"class": "forest"}}])
    monkeypatch.delenv(importer_module.WORKERS_ENV, raising=False)
    monkeypatch.setattr(importer_module.os, "cpu_count", lambda: 8)
    with open_source(shp) as src, open_source(points) as pts, open_source(gj) as other:
        many = importer_module.PARALLEL_MIN_FEATURES
        assert importer_module._import_workers(None, src, many) == importer_module.MAX_WORKERS
        assert importer_module._import_workers(None, src, many - 1) == 0
        assert importer_module._import_workers(3, src, 10) == 3   # asked for: always
        assert importer_module._import_workers(0, src, many) == 0
        # Only polygon shapefiles are read by record ranges.
        assert importer_module._import_workers(3, pts, many) == 0
        assert importer_module._import_workers(3, other, many) == 0
        monkeypatch.setattr(importer_module.os, "cpu_count", lambda: 2)
        assert importer_module._import_workers(None, src, many) == 1  # and this process
        monkeypatch.setattr(importer_module.os, "cpu_count", lambda: 1)
        assert importer_module._import_workers(None, src, many) == 0
        monkeypatch.setenv(importer_module.WORKERS_ENV, "2")
        assert importer_module._import_workers(None, src, 10) == 2
        monkeypatch.setenv(importer_module.WORKERS_ENV, "many")
        with pytest.raises(ImportSetupError, match="ECOINV_IMPORT_WORKERS"):
            importer_module._import_workers(None, src, 10)


def test_plain_rows_made_a_field_at_a_time_are_those_made_feature_by_feature(
        inventory_template, tmp_path):
    """Where a batch's rows are made a field at a time, each is the row the
    feature-by-feature check makes, and every feature with something to
    report is left to that check."""
    recs = survey_parcels(40, unknown_class=True)
    recs[5]["properties"]["图斑编号"] = ""      # an empty key: refused when it is the key
    recs[7]["properties"]["地类"] = None        # class is required
    shp = write_survey(tmp_path / "plain.shp", recs, deleted=())
    inv = open_copy(inventory_template, tmp_path / "inv.sqlite")
    for key in (None, "图斑编号"):
        with open_source(shp) as src:
            plan = importer_module._make_plan(inv, src, "landcover", key=key)
            preparer = importer_module._Preparer(
                plan=plan, label=src.label, target_crs=inv.crs, srid=inv.srid, extent=None,
                assets={}, on_unknown="skip", repair=True)
            batch = list(src.features())
        fast = preparer.plain_attributes(batch)
        left = {7, 30} | ({5} if key else set())   # no class, an unknown class, an empty key
        assert {k for k, row in enumerate(fast) if row is None} == left
        for feat, row in zip(batch, fast):
            lines = preparer._lines = []
            slow = preparer.attributes(feat, None)
            if row is not None:
                assert row == slow and list(row) == list(slow) and not lines
            else:
                assert slow is None and len(lines) == 1
    inv.close()
