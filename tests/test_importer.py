"""ecoinv.importer: real files into a real SpatiaLite inventory."""
from __future__ import annotations

import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, box
from shapely.geometry.polygon import orient

from ecoinv.importer import (CrsUnknown, ImportCancelled, ImportRefused, ImportSetupError,
                             auto_mapping, import_file, plan_import)

from .conftest import file_digest
from ecoinv.sources import LayerChoiceError

from .shapefile_factory import inv, inventory_template  # noqa: F401  (fixtures)
from .shapefile_factory import (RawRings, square, write_geojson, write_gpkg, write_kml,
                                write_shapefile, write_zip)

GEOD = pyproj.CRS.from_epsg(4490).get_geod()
HARBIN_BOX = box(125.7, 44.1, 130.2, 46.7)


def geod_ha(geom) -> float:
    polys = geom.geoms if isinstance(geom, MultiPolygon) else [geom]
    return sum(abs(GEOD.geometry_area_perimeter(orient(p))[0]) for p in polys) / 10_000


def parks(n=3, x0=126.0, **extra):
    return [{"geometry": square(x0 + i * 0.05, 45.5, 0.02),
             "properties": {"保护区名称": f"保护区{i}", "级别": "国家级", "类型": "自然保护区",
                            "批建时间": "2003-05-01", "面积": 100.0 + i, "管理机构": "林业局",
                            "ID": f"K{i}", **extra}}
            for i in range(n)]


def test_gbk_shapefile_with_cpg_maps_names_codes_and_source(inv, tmp_path):
    shp = write_shapefile(tmp_path / "reserves.shp", parks(), encoding="gbk", cpg="GBK")
    report = import_file(inv, shp, "assets")
    assert report.status == "imported"
    assert report.counts() == {"added": 3, "updated": 0, "unchanged": 0, "repaired": 0,
                               "skipped": 0, "refused": 0}
    assert report.encoding == "gb18030" and report.encoding_how == "cpg"
    assert report.mapping == {"name": "保护区名称", "category": "类型", "level": "级别",
                              "designated_year": "批建时间", "authority": "管理机构",
                              "reported_area_ha": "面积"}
    f = next(inv.features("assets"))
    assert f.props["name"] == "保护区0"
    assert (f.props["category"], f.props["level"]) == ("nature_reserve", "national")
    assert f.props["designated_year"] == 2003 and f.props["authority"] == "林业局"
    assert f.props["reported_area_ha"] == 100.0
    assert f.props["source"] == "reserves.shp"
    assert f.geometry.geom_type == "MultiPolygon"  # promoted
    # Every written feature is in history, tagged with the import's batch.
    hist = inv.history(layer="assets", batch=report.batch)
    assert len(hist) == 3 and {h.action for h in hist} == {"insert"}


def test_gauss_kruger_4551_reprojected_with_geodesic_area(inv, tmp_path):
    gk = [square(500_000 + i * 5000, 5_070_000, 2000) for i in range(3)]
    recs = [{"geometry": g, "properties": {"NAME": f"site {i}", "CATEGORY": "wetland_park"}}
            for i, g in enumerate(gk)]
    shp = write_shapefile(tmp_path / "gk.shp", recs, crs="EPSG:4551")
    report = import_file(inv, shp, "assets")
    assert report.source_crs.startswith("EPSG:4551")
    assert report.target_crs.startswith("EPSG:4490")
    to_ll = pyproj.Transformer.from_crs(4551, 4490, always_xy=True)
    for g, f in zip(gk, inv.features("assets")):
        ref = shapely.transform(g, lambda xy: np.column_stack(to_ll.transform(xy[:, 0], xy[:, 1])))
        assert shapely.normalize(f.geometry).equals_exact(shapely.normalize(MultiPolygon([ref])),
                                                          tolerance=1e-9)
        assert f.props["area_ha"] == pytest.approx(geod_ha(ref), rel=1e-4)
        assert 125.9 < f.geometry.bounds[0] < 126.2  # really moved to lon/lat


def test_geopackage_layer_choice(inv, tmp_path):
    g = write_gpkg(tmp_path / "agency.gpkg", {
        "boundary": {"records": [{"geometry": HARBIN_BOX, "properties": {"name": "x"}}]},
        "wetlands": {"records": [{"geometry": square(126, 45, 0.1),
                                  "properties": {"name": "湿地一", "class": "湿地", "year": 2020}}]},
    })
    with pytest.raises(LayerChoiceError, match="boundary, wetlands"):
        import_file(inv, g, "landcover")
    report = import_file(inv, g, "landcover", source_layer="wetlands")
    assert report.added == 1 and report.source == "agency.gpkg:wetlands"
    f = next(inv.features("landcover"))
    assert (f.props["class"], f.props["year"], f.props["source"]) == ("wetland", 2020,
                                                                      "agency.gpkg:wetlands")


def test_geojson_districts_with_adcode_name_and_name_en(inv, tmp_path):
    gj = write_geojson(tmp_path / "harbin_districts.geojson", [
        {"geometry": MultiPolygon([square(126.5 + i * 0.2, 45.6, 0.1)]),
         "properties": {"adcode": f"23010{i}", "name": name, "name_en": en}}
        for i, (name, en) in enumerate([("道里区", "Daoli"), ("南岗区", "Nangang")])])
    report = import_file(inv, gj, "districts")
    assert report.added == 2
    assert report.mapping == {"name": "name", "name_en": "name_en", "code": "adcode"}
    props = [f.props for f in inv.features("districts")]
    assert [(p["name"], p["name_en"], p["code"]) for p in props] == [
        ("道里区", "Daoli", "230100"), ("南岗区", "Nangang", "230101")]
    assert all(p["area_ha"] > 0 for p in props)


def test_kml_stations_with_kind_for_the_whole_file(inv, tmp_path):
    kml = write_kml(tmp_path / "air.kml", [
        {"geometry": Point(126.6 + i * 0.01, 45.7), "properties": {"name": f"站{i}", "CODE": f"A{i}"}}
        for i in range(3)])
    report = import_file(inv, kml, "stations", defaults={"kind": "空气质量监测站"})
    assert report.added == 3
    assert report.mapping == {"name": "Name", "code": "CODE"}
    f = next(inv.features("stations"))
    assert (f.props["name"], f.props["kind"], f.props["code"]) == ("站0", "air", "A0")
    assert f.geometry.geom_type == "Point"


def test_zipped_shapefile(inv, tmp_path):
    (tmp_path / "src").mkdir()
    shp = write_shapefile(tmp_path / "src" / "parks.shp", parks(2), encoding="gbk", cpg=False,
                          ldid=0x4D)
    z = write_zip(tmp_path / "delivery.zip", shp.parent.iterdir())
    report = import_file(inv, z, "assets")
    assert report.added == 2 and report.encoding_how == "ldid"
    assert {f.props["source"] for f in inv.features("assets")} == {"delivery.zip:parks"}


def test_reimport_with_key_adds_updates_and_never_duplicates(inv, tmp_path):
    shp = write_shapefile(tmp_path / "v1.shp", parks(3), encoding="gbk")
    first = import_file(inv, shp, "assets", key="ID")
    assert (first.added, first.updated, first.unchanged) == (3, 0, 0)
    ids = {f.props["source_key"]: f.id for f in inv.features("assets")}
    assert set(ids) == {"K0", "K1", "K2"}

    again = import_file(inv, shp, "assets", key="ID")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)

    v2 = parks(4)
    v2[1]["properties"]["级别"] = "省级"                   # attribute change
    v2[2]["geometry"] = square(126.1, 45.5, 0.03)          # geometry change
    shp2 = write_shapefile(tmp_path / "v2.shp", v2, encoding="gbk")
    third = import_file(inv, shp2, "assets", key="ID")
    assert (third.added, third.updated, third.unchanged) == (1, 2, 1)
    assert inv.count("assets") == 4
    after = {f.props["source_key"]: f for f in inv.features("assets")}
    assert after["K0"].props["source"] == "v1.shp"  # unchanged: not rewritten
    assert after["K1"].id == ids["K1"] and after["K1"].props["level"] == "provincial"
    assert after["K1"].props["source"] == "v2.shp"
    assert after["K2"].geometry.equals(MultiPolygon([square(126.1, 45.5, 0.03)]))
    updated = {e.index: e.reason for e in third.entries if e.action == "updated"}
    assert "level" in updated[1] and "geometry" in updated[2]
    assert len(inv.history(layer="assets", fid=ids["K1"])) == 2  # insert + update


def test_duplicate_keys_in_one_file_are_refused(inv, inventory_path, tmp_path):
    recs = parks(3)
    recs[2]["properties"]["ID"] = "K0"
    shp = write_shapefile(tmp_path / "dup.shp", recs)
    before = file_digest(inventory_path)
    with pytest.raises(ImportRefused, match="feature 2.*key 'K0' also used by feature 0"):
        import_file(inv, shp, "assets", key="ID")
    assert file_digest(inventory_path) == before


def test_dry_run_writes_nothing(inv, inventory_path, tmp_path):
    shp = write_shapefile(tmp_path / "parks.shp", parks(5))
    before = file_digest(inventory_path)
    report = import_file(inv, shp, "assets", dry_run=True)
    assert report.status == "dry-run" and report.added == 5
    assert inv.count("assets") == 0
    assert file_digest(inventory_path) == before


def test_cancel_midway_leaves_the_file_unchanged(inv, inventory_path, tmp_path):
    shp = write_shapefile(tmp_path / "parks.shp", parks(10))
    before = file_digest(inventory_path)
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 2  # after two batches have been written

    with pytest.raises(ImportCancelled, match="after 4 of 10") as exc:
        import_file(inv, shp, "assets", batch_size=2, cancel=cancel)
    assert exc.value.report.status == "cancelled"
    assert inv.count("assets") == 0
    assert file_digest(inventory_path) == before


def test_progress_is_reported_per_batch(inv, tmp_path):
    shp = write_shapefile(tmp_path / "parks.shp", parks(7))
    seen = []
    import_file(inv, shp, "assets", batch_size=3, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(0, 7), (3, 7), (6, 7), (7, 7)]


def test_z_dropped_with_a_note(inv, tmp_path):
    ring = [(126.0, 45.0, 10.0), (126.0, 45.1, 11.0), (126.1, 45.1, 12.0), (126.1, 45.0, 13.0),
            (126.0, 45.0, 10.0)]
    shp = write_shapefile(tmp_path / "z.shp", [{"geometry": RawRings([ring]),
                                                "properties": {"NAME": "z", "TYPE": "geopark"}}])
    report = import_file(inv, shp, "assets")
    assert any("Z and M values dropped" in n for n in report.notes)
    assert not next(inv.features("assets")).geometry.has_z


def test_repairs_are_reported_per_feature(inv, tmp_path):
    recs = [
        {"geometry": Polygon([(126, 45), (126.1, 45.1), (126.1, 45), (126, 45.1), (126, 45)]),
         "properties": {"NAME": "bowtie", "TYPE": "geopark"}},
        {"geometry": None, "properties": {"NAME": "null", "TYPE": "geopark"}},
        {"geometry": RawRings([[(126, 45), (126, 45.1), (126, 45)]]),
         "properties": {"NAME": "sliver", "TYPE": "geopark"}},
        {"geometry": square(126.5, 45.5, 0.1), "properties": {"NAME": "fine", "TYPE": "geopark"}},
    ]
    shp = write_shapefile(tmp_path / "messy.shp", recs)
    report = import_file(inv, shp, "assets")
    assert report.counts() == {"added": 2, "updated": 0, "unchanged": 0, "repaired": 1,
                               "skipped": 2, "refused": 0}
    lines = {(e.index, e.name, e.action): e.reason for e in report.entries}
    assert "Self-intersection" in lines[(0, "bowtie", "repaired")]
    assert lines[(1, "null", "skipped")] == "no geometry (null)"
    assert lines[(2, "sliver", "skipped")] == "outer ring with 3 points (no area) dropped"
    bowtie = next(f for f in inv.features("assets") if f.props["name"] == "bowtie")
    assert bowtie.geometry.is_valid and len(bowtie.geometry.geoms) == 2
    assert bowtie.props["area_ha"] == pytest.approx(geod_ha(bowtie.geometry), rel=1e-6)


def test_hole_outside_shell(inv, tmp_path):
    shell = [(126, 45), (126.1, 45), (126.1, 45.1), (126, 45.1), (126, 45)]
    hole = [(127, 46), (127, 46.1), (127.1, 46.1), (127.1, 46), (127, 46)]
    gj = write_geojson(tmp_path / "hole.geojson", [{"geometry": Polygon(shell, [hole]),
                                                    "properties": {"name": "h", "type": "geopark"}}])
    report = import_file(inv, gj, "assets")
    assert report.repaired == 1 and "Hole lies outside shell" in report.entries[0].reason
    assert len(next(inv.features("assets")).geometry.geoms) == 2
    # In a shapefile the same rings are a clockwise shell and a counter-clockwise
    # ring; GDAL re-reads them as two polygons itself, and says so.
    shp = write_shapefile(tmp_path / "hole.shp", [{"geometry": RawRings([shell[::-1], hole[::-1]]),
                                                   "properties": {"NAME": "h", "TYPE": "geopark"}}])
    report = import_file(inv, shp, "assets", dry_run=True)
    assert report.added == 1
    assert any("GDAL warning" in n and "winding order" in n for n in report.notes)


def test_unknown_values_skip_or_keep_as_remark(inv, tmp_path):
    recs = parks(3)
    recs[1]["properties"]["级别"] = "世界级"
    shp = write_shapefile(tmp_path / "odd.shp", recs)
    with pytest.raises(ImportRefused, match=r"feature 1 \(保护区1\), field 级别 → level: "
                                            r"'世界级' is not a known level; allowed: national"):
        import_file(inv, shp, "assets")
    skipped = import_file(inv, shp, "assets", on_unknown="skip", dry_run=True)
    assert (skipped.added, skipped.skipped) == (2, 1)
    kept = import_file(inv, shp, "assets", on_unknown="keep-as-remark")
    assert kept.added == 3
    odd = next(f for f in inv.features("assets") if f.props["name"] == "保护区1")
    assert odd.props["level"] is None and odd.props["remarks"] == "级别=世界级"


def test_level_not_allowed_for_category_goes_to_remarks(inv, tmp_path):
    recs = parks(1)
    recs[0]["properties"].update({"类型": "地质公园", "级别": "市级"})
    shp = write_shapefile(tmp_path / "geo.shp", recs)
    with pytest.raises(ImportRefused, match="'municipal' is not a level of geopark"):
        import_file(inv, shp, "assets")
    import_file(inv, shp, "assets", on_unknown="keep-as-remark")
    f = next(inv.features("assets"))
    assert f.props["category"] == "geopark" and f.props["remarks"] == "级别=市级"


def test_defaults_and_explicit_mapping(inv, tmp_path):
    recs = [{"geometry": square(126, 45, 0.1), "properties": {"MC": "太阳岛", "X": "2001年"}}]
    shp = write_shapefile(tmp_path / "p.shp", recs)
    report = import_file(inv, shp, "assets", mapping={"designated_year": "X"},
                         defaults={"category": "湿地公园", "level": "national"})
    assert report.mapping == {"designated_year": "X", "name": "MC"}
    f = next(inv.features("assets"))
    assert (f.props["category"], f.props["level"], f.props["designated_year"]) == (
        "wetland_park", "national", 2001)


def test_setup_errors_name_the_problem(inv, tmp_path):
    shp = write_shapefile(tmp_path / "p.shp", [{"geometry": square(126, 45, 0.1),
                                                "properties": {"MC": "x"}}])
    with pytest.raises(ImportSetupError, match="assets.category is required.*--category"):
        import_file(inv, shp, "assets")
    with pytest.raises(ImportSetupError, match="not a known category; allowed: national_park"):
        import_file(inv, shp, "assets", defaults={"category": "zoo"})
    with pytest.raises(ImportSetupError, match="has no field 'NOPE'; fields: MC"):
        import_file(inv, shp, "assets", mapping={"name": "NOPE"}, defaults={"category": "geopark"})
    with pytest.raises(ImportSetupError, match="boundary has no source_key"):
        import_file(inv, shp, "boundary", key="MC")
    with pytest.raises(ImportSetupError, match="landcover has no remarks field"):
        import_file(inv, shp, "landcover", on_unknown="keep-as-remark", defaults={"class": "forest"})


def test_asset_zones_resolve_asset_names(inv, tmp_path):
    inv.insert("assets", {"name": "太阳岛", "category": "nature_reserve"},
               MultiPolygon([square(126, 45, 0.2)]))
    zones = [{"geometry": square(126, 45, 0.05), "properties": {"保护区名称": "太阳岛", "功能区": "核心区"}},
             {"geometry": square(126.1, 45, 0.05), "properties": {"保护区名称": "太阳岛", "功能区": "缓冲区"}}]
    shp = write_shapefile(tmp_path / "zones.shp", zones, encoding="gbk")
    report = import_file(inv, shp, "asset_zones")
    assert report.added == 2 and report.mapping["asset_name"] == "保护区名称"
    assert {(f.props["asset_id"], f.props["zone"]) for f in inv.features("asset_zones")} == {
        (1, "core"), (1, "buffer")}
    zones[1]["properties"]["保护区名称"] = "月亮岛"
    shp2 = write_shapefile(tmp_path / "zones2.shp", zones, encoding="gbk")
    with pytest.raises(ImportRefused, match=r"feature 1 \(月亮岛\), field 保护区名称: no asset "
                                            r"named '月亮岛'"):
        import_file(inv, shp2, "asset_zones")


def test_truncated_chinese_field_names_map_by_prefix(tmp_path):
    # UTF-8 cuts these at 10 bytes: 批建时(+1 byte), 管理机(+1 byte), 保护区(+1 byte).
    mapping, how, notes = auto_mapping("assets", ["保护区", "批建时", "管理机", "类型"],
                                       {"保护区": "保护区", "批建时": "批建时", "管理机": "管理机"})
    assert mapping == {"name": "保护区", "designated_year": "批建时", "authority": "管理机",
                       "category": "类型"}
    assert how["designated_year"] == "cut name" and how["category"] == "alias"


def test_plan_offers_gauss_kruger_candidates_fitting_the_boundary(inv, tmp_path):
    inv.insert("boundary", {"name": "哈尔滨市"}, MultiPolygon([HARBIN_BOX]))
    recs = [{"geometry": square(540_000, 5_070_000, 1000), "properties": {"NAME": "a"}}]
    shp = write_shapefile(tmp_path / "noprj.shp", recs, crs=None)
    plan = plan_import(inv, shp, "assets", defaults={"category": "geopark"})
    assert plan.crs is None and not plan.ok
    assert [c.code for c in plan.crs_candidates][:2] == ["EPSG:4551", "EPSG:4552"]
    assert plan.to_dict()["crs"]["candidates"][0]["code"] == "EPSG:4551"
    with pytest.raises(CrsUnknown, match="no .prj file.*EPSG:4551.*--crs") as exc:
        import_file(inv, shp, "assets", defaults={"category": "geopark"})
    assert exc.value.candidates[0].code == "EPSG:4551"
    report = import_file(inv, shp, "assets", crs="EPSG:4551", defaults={"category": "geopark"})
    assert report.added == 1 and report.source_crs.startswith("EPSG:4551")


def test_wrong_cm_lands_outside_the_boundary_and_says_so(inv, tmp_path):
    inv.insert("boundary", {"name": "哈尔滨市"}, MultiPolygon([box(125.7, 44.1, 127.0, 46.7)]))
    recs = [{"geometry": square(540_000, 5_070_000, 1000), "properties": {"NAME": "a"}}]
    shp = write_shapefile(tmp_path / "noprj.shp", recs, crs=None)
    report = import_file(inv, shp, "assets", crs="EPSG:4553", defaults={"category": "geopark"},
                         dry_run=True)
    assert any("outside the inventory's boundary extent" in n for n in report.notes)


def test_web_mercator_prj_is_reprojected_and_never_measured_in(inv, tmp_path):
    merc = pyproj.Transformer.from_crs(4490, 3857, always_xy=True)
    x, y = merc.transform(126.5, 45.7)
    poly = square(x, y, 2000)  # 2 km in Mercator metres is ~1.4 km on the ground at 45.7N
    shp = write_shapefile(tmp_path / "web.shp", [{"geometry": poly, "properties": {
        "NAME": "web", "TYPE": "forest_park"}}], crs="EPSG:3857")
    report = import_file(inv, shp, "assets")
    assert any("Web Mercator" in n for n in report.notes)
    f = next(inv.features("assets"))
    back = pyproj.Transformer.from_crs(3857, 4490, always_xy=True)
    ref = Polygon([back.transform(*c) for c in poly.exterior.coords])
    assert f.props["area_ha"] == pytest.approx(geod_ha(ref), rel=1e-4)
    assert f.props["area_ha"] < 0.6 * poly.area / 10_000  # Mercator would overstate ~2x


def test_xian80_gives_a_datum_note(inv, tmp_path):
    shp = write_shapefile(tmp_path / "x80.shp", [{"geometry": square(500_000, 5_070_000, 1000),
                                                  "properties": {"NAME": "a", "TYPE": "geopark"}}],
                          crs="EPSG:2387")
    report = import_file(inv, shp, "assets", dry_run=True)
    assert any("no datum transformation" in n for n in report.notes)


def test_report_text_and_dict(inv, tmp_path):
    shp = write_shapefile(tmp_path / "parks.shp", parks(2))
    report = import_file(inv, shp, "assets", key="ID")
    d = report.to_dict()
    assert d["counts"]["added"] == 2 and d["status"] == "imported"
    assert d["encoding"]["encoding"] == "UTF-8" and d["key"] == "ID"
    text = report.to_text()
    assert "Imported: parks.shp → assets" in text and "added 2" in text


# --- large imports: features written together, spatial index built at the end ------

from ecoinv import importer as importer_module  # noqa: E402
from ecoinv.store import Inventory  # noqa: E402


def mixed_parcels(n=40):
    """Landcover parcels with a few that are repaired, skipped or multipart."""
    recs = []
    for i in range(n):
        x, y = 126.0 + (i % 8) * 0.05, 45.0 + (i // 8) * 0.05
        g = square(x, y, 0.04)
        if i % 13 == 5:
            g = Polygon([(x, y), (x + 0.04, y + 0.04), (x + 0.04, y), (x, y + 0.04), (x, y)])
        elif i % 11 == 3:
            g = MultiPolygon([square(x, y, 0.015), square(x + 0.02, y + 0.02, 0.015)])
        elif i == 17:
            g = None
        recs.append({"geometry": g, "properties": {"地类": ["林地", "水域", "乔木林地"][i % 3],
                                                   "图斑编号": f"T{i:03d}", "年份": 2020 + i % 3}})
    return recs


def _open_copy(template, path) -> Inventory:
    import shutil
    shutil.copyfile(template, path)
    return Inventory.open(path)


def _history_rows(inv):
    return [r[:1] + r[2:-1] for r in inv.conn.execute(
        "SELECT id, time, user, table_name, feature_id, action, old_values, new_values, "
        "old_geom, new_geom, batch FROM history ORDER BY id")]


def test_bulk_import_writes_what_a_small_import_writes(inventory_template, tmp_path,
                                                       monkeypatch):
    shp = write_shapefile(tmp_path / "lc.shp", mixed_parcels(), encoding="gbk", cpg="GBK")
    results = {}
    for bulk in (False, True):
        monkeypatch.setattr(importer_module, "BULK_MIN_FEATURES", 1 if bulk else 10 ** 9)
        inv = _open_copy(inventory_template, tmp_path / f"inv-{bulk}.sqlite")
        inv.insert("landcover", {"class": "forest"}, square(125, 44, 0.1))
        report = import_file(inv, shp, "landcover", batch_size=7)
        assert report.counts() == {"added": 39, "updated": 0, "unchanged": 0, "repaired": 3,
                                   "skipped": 1, "refused": 0}
        assert inv.conn.execute("SELECT CheckSpatialIndex('landcover', 'geom')").fetchone()[0] == 1
        assert inv.conn.execute("SELECT count(*) FROM idx_landcover_geom").fetchone()[0] == 40
        hits = [f.props["source_key"] for f in inv.features("landcover",
                                                            bbox=(126.0, 45.0, 126.09, 45.04))]
        assert hits == ["T000", "T001"]
        results[bulk] = (inv.table_rows("landcover"), _history_rows(inv),
                         [(e.index, e.action, e.reason) for e in report.entries])
        inv.close()
    assert results[True] == results[False]


@pytest.mark.parametrize("how", ["cancel", "refusal", "dry-run"])
def test_bulk_import_cancelled_or_refused_leaves_the_file_unchanged(inv, inventory_path,
                                                                    tmp_path, monkeypatch, how):
    monkeypatch.setattr(importer_module, "BULK_MIN_FEATURES", 1)
    inv.insert("landcover", {"class": "forest"}, square(125, 44, 0.1))
    triggers = inv.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                "ORDER BY name").fetchall()
    recs = mixed_parcels()
    if how == "refusal":
        recs[30]["properties"]["地类"] = "月球表面"
    shp = write_shapefile(tmp_path / "lc.shp", recs, encoding="gbk")
    before = file_digest(inventory_path)
    calls = []
    if how == "dry-run":
        report = import_file(inv, shp, "landcover", batch_size=7, dry_run=True)
        assert report.status == "dry-run" and report.added == 39
    else:
        with pytest.raises(ImportCancelled if how == "cancel" else ImportRefused):
            import_file(inv, shp, "landcover", batch_size=7,
                        cancel=lambda: calls.append(1) or (how == "cancel" and len(calls) > 4))
    assert file_digest(inventory_path) == before
    assert inv.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                            "ORDER BY name").fetchall() == triggers
    assert inv.count("landcover") == 1


@pytest.mark.parametrize("bulk", [False, True])
def test_reimport_writes_updates_and_new_features_in_file_order(inv, tmp_path, monkeypatch, bulk):
    monkeypatch.setattr(importer_module, "BULK_MIN_FEATURES", 1 if bulk else 10 ** 9)
    import_file(inv, write_shapefile(tmp_path / "v1.shp", parks(6), encoding="gbk"), "assets",
                key="ID")
    ids = {f.props["source_key"]: f.id for f in inv.features("assets")}
    v2 = parks(6)
    v2[1]["properties"]["级别"] = "省级"
    v2[4]["geometry"] = square(126.2, 45.5, 0.03)
    v2.insert(2, {**parks(1, x0=127.0)[0]})
    v2[2]["properties"]["ID"] = "NEW-A"
    v2.append({**parks(1, x0=127.5)[0]})
    v2[-1]["properties"]["ID"] = "NEW-B"
    report = import_file(inv, write_shapefile(tmp_path / "v2.shp", v2, encoding="gbk"), "assets",
                         key="ID", batch_size=4)
    assert (report.added, report.updated, report.unchanged) == (2, 2, 4)
    new = {f.props["source_key"]: f.id for f in inv.features("assets")}
    assert [(h.action, h.feature_id) for h in inv.history(batch=report.batch)] == [
        ("update", ids["K1"]), ("insert", new["NEW-A"]), ("update", ids["K4"]),
        ("insert", new["NEW-B"])]
    assert new["NEW-A"] < new["NEW-B"]
    assert [(e.index, e.action) for e in report.entries] == [(1, "updated"), (5, "updated")]
    assert inv.conn.execute("SELECT CheckSpatialIndex('assets', 'geom')").fetchone()[0] == 1


def test_polygons_broken_in_the_file_and_folded_by_the_reprojection_are_told_apart(inv, tmp_path):
    """Each polygon is checked once, in the storage CRS; where it is invalid
    there, the file's own polygon says whether the source was broken
    (repaired before reprojecting) or the reprojection folded it."""
    x = 20_037_508.34  # the antimeridian in Web Mercator: lon/lat wraps there
    folded = Polygon([(x - 50_000, 0), (x + 50_000, 0), (x + 50_000, 100_000),
                      (x - 10_000, 50_000), (x - 50_000, 100_000)])
    bowtie = Polygon([(x - 300_000, 0), (x - 200_000, 100_000), (x - 200_000, 0),
                      (x - 300_000, 100_000)])
    fine = square(x - 500_000, 0, 50_000)
    assert folded.is_valid and not bowtie.is_valid
    recs = [{"geometry": g, "properties": {"CLASS": "forest"}} for g in (fine, folded, bowtie)]
    shp = write_shapefile(tmp_path / "merc.shp", recs, crs="EPSG:3857")
    report = import_file(inv, shp, "landcover")
    assert (report.added, report.repaired, report.refused) == (3, 2, 0)
    reasons = {e.index: e.reason for e in report.entries if e.action == "repaired"}
    assert reasons[1].startswith("invalid after reprojection: Self-intersection")
    assert reasons[2].startswith("Self-intersection")
    assert all(f.geometry.is_valid for f in inv.features("landcover"))
    with pytest.raises(ImportRefused) as exc:
        import_file(inv, shp, "landcover", repair=False)
    refused = {e.index: e.reason for e in exc.value.report.entries if e.action == "refused"}
    assert set(refused) == {1, 2}
    assert refused[1].startswith("invalid after reprojection") and "repair is off" in refused[1]
    assert refused[2].startswith("invalid geometry: Self-intersection")
