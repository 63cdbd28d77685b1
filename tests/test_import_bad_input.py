"""Messy and broken files: each is refused (or, in a dry run, repaired) and the
inventory file stays byte-for-byte as it was."""
from __future__ import annotations

import struct

import pytest
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from ecoinv.errors import EcoinvError
from ecoinv.importer import (CrsUnknown, ImportRefused, ImportSetupError, NoFeatures, import_file,
                             plan_import)
from ecoinv.sources import LayerChoiceError, SourceError, UnsafeArchive

from .conftest import file_digest
from .shapefile_factory import inv, inventory_template  # noqa: F401  (fixtures)
from .shapefile_factory import (RawRings, set_ldid, square, truncate_file, write_geojson,
                                write_gpkg, write_shapefile, zip_entries)


@pytest.fixture
def unchanged(inv, inventory_path):
    """Run the body, then assert the inventory file did not change at all."""
    inv.insert("boundary", {"name": "哈尔滨市", "code": "230100"},
               MultiPolygon([box(125.7, 44.1, 130.2, 46.7)]))
    before = file_digest(inventory_path)
    counts = {l.name: l.count for l in inv.layers()}
    yield inv
    assert file_digest(inventory_path) == before
    assert {l.name: l.count for l in inv.layers()} == counts


def assets(n=3, x0=126.0):
    return [{"geometry": square(x0 + i * 0.05, 45.5, 0.02),
             "properties": {"NAME": f"site {i}", "TYPE": "自然保护区", "LEVEL": "省级"}}
            for i in range(n)]


def _one_line(exc) -> str:
    text = str(exc.value)
    assert "\n" not in text
    return text


# --- broken files ----------------------------------------------------------------------

def test_truncated_shp(unchanged, tmp_path):
    shp = write_shapefile(tmp_path / "cut.shp", assets(20))
    truncate_file(shp, shp.stat().st_size - 150)
    with pytest.raises(SourceError, match=r"cut.shp: truncated: the header says [\d,]+ bytes") as e:
        import_file(unchanged, shp, "assets")
    _one_line(e)


def test_truncated_shp_with_fixed_up_header(unchanged, tmp_path):
    # Someone "repaired" the length in the header; the index still points past the end.
    shp = write_shapefile(tmp_path / "cut.shp", assets(20))
    truncate_file(shp, shp.stat().st_size - 150)
    data = bytearray(shp.read_bytes())
    data[24:28] = struct.pack(">i", len(data) // 2)
    shp.write_bytes(bytes(data))
    with pytest.raises(SourceError, match="truncated: shape 19 ends after the end of the file"):
        import_file(unchanged, shp, "assets")


def test_shp_cut_inside_its_header(unchanged, tmp_path):
    shp = write_shapefile(tmp_path / "stub.shp", assets(2))
    truncate_file(shp, 60)
    with pytest.raises(SourceError, match="stub.shp: truncated .shp"):
        import_file(unchanged, shp, "assets")


@pytest.mark.parametrize("missing", [".shx", ".dbf"])
def test_missing_shx_or_dbf(unchanged, tmp_path, missing):
    shp = write_shapefile(tmp_path / "parts.shp", assets())
    shp.with_suffix(missing).unlink()
    with pytest.raises(SourceError, match=rf"parts.shp: missing parts{missing} \(a shapefile "
                                          r"needs its .shp, .shx and .dbf"):
        import_file(unchanged, shp, "assets")
    # We never rebuild the index next to the user's file (GDAL's SHAPE_RESTORE_SHX).
    assert not shp.with_suffix(".shx").exists() or missing != ".shx"


@pytest.mark.parametrize("content,what", [
    (b"PK\x03\x04" + b"\x00" * 200, "a ZIP archive"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "an image"),
    (b"name,type\nA,B\n" * 20, "plain text"),
    (b'{"type": "FeatureCollection", "features": []}' + b" " * 100, "JSON text"),
])
def test_shp_that_is_something_else(unchanged, tmp_path, content, what):
    shp = write_shapefile(tmp_path / "fake.shp", assets())
    shp.write_bytes(content)
    with pytest.raises(SourceError, match=f"fake.shp: not a shapefile .shp: it is {what}"):
        import_file(unchanged, shp, "assets")


@pytest.mark.parametrize("name", ["empty.shp", "empty.geojson", "empty.gpkg", "empty.kml",
                                  "empty.zip"])
def test_empty_file(unchanged, tmp_path, name):
    path = tmp_path / name
    if name.endswith(".shp"):
        write_shapefile(path, assets())
    path.write_bytes(b"")
    with pytest.raises(SourceError, match=rf"{name}: (empty file \(0 bytes\)|not a zip archive: "
                                          "it is an empty file)"):
        import_file(unchanged, path, "assets")


def test_truncated_dbf_and_mismatched_parts(unchanged, tmp_path):
    shp = write_shapefile(tmp_path / "a.shp", assets(10))
    truncate_file(shp.with_suffix(".dbf"), shp.with_suffix(".dbf").stat().st_size - 100)
    with pytest.raises(SourceError, match=r"a.dbf: truncated: 10 records need"):
        import_file(unchanged, shp, "assets")
    other = write_shapefile(tmp_path / "b.shp", assets(4))
    shp.with_suffix(".dbf").write_bytes(other.with_suffix(".dbf").read_bytes())
    with pytest.raises(SourceError, match="a.dbf has 4 records but a.shx indexes 10 shapes"):
        import_file(unchanged, shp, "assets")


def test_zero_features(unchanged, tmp_path):
    shp = write_shapefile(tmp_path / "none.shp", [], schema={"properties": {"NAME": "str"}},
                          geometry_type="Polygon")
    with pytest.raises(NoFeatures, match="none.shp: no features"):
        import_file(unchanged, shp, "assets", defaults={"category": "geopark"})
    gj = write_geojson(tmp_path / "none.geojson", [])
    with pytest.raises(NoFeatures, match="no features"):
        import_file(unchanged, gj, "assets", defaults={"category": "geopark"})


def test_only_null_geometries(unchanged, tmp_path):
    recs = [{"geometry": None, "properties": {"NAME": f"n{i}", "TYPE": "geopark"}} for i in range(3)]
    shp = write_shapefile(tmp_path / "nulls.shp", recs, geometry_type="Polygon")
    with pytest.raises(NoFeatures, match=r"all 3 were skipped \(feature 0: no geometry \(null\)\)"):
        import_file(unchanged, shp, "assets")


def test_null_geometries_among_good_ones_are_skipped_in_a_dry_run(unchanged, tmp_path):
    recs = assets(3)
    recs[1]["geometry"] = None
    shp = write_shapefile(tmp_path / "some_null.shp", recs)
    report = import_file(unchanged, shp, "assets", dry_run=True)
    assert (report.added, report.skipped) == (2, 1)
    assert report.entries[0].index == 1 and report.entries[0].reason == "no geometry (null)"


# --- broken geometries -------------------------------------------------------------------

def test_ring_with_fewer_than_four_points(unchanged, tmp_path):
    recs = assets(2)
    recs[1]["geometry"] = RawRings([[(126.1, 45.5), (126.1, 45.6), (126.1, 45.5)]])
    shp = write_shapefile(tmp_path / "short.shp", recs)
    with pytest.raises(ImportRefused, match=r"short.shp: feature 1 \(site 1\): geometry needs "
                                            r"repair: outer ring with 3 points"):
        import_file(unchanged, shp, "assets", repair=False)
    report = import_file(unchanged, shp, "assets", dry_run=True)
    assert (report.added, report.skipped) == (1, 1)


def test_hole_with_fewer_than_four_points_is_dropped(unchanged, tmp_path):
    gj = write_geojson(tmp_path / "hole3.geojson", [{"geometry": {"type": "Polygon", "coordinates": [
        [[126, 45], [126.1, 45], [126.1, 45.1], [126, 45.1], [126, 45]],
        [[126.02, 45.02], [126.03, 45.02]]]}, "properties": {"name": "h", "type": "geopark"}}])
    with pytest.raises(ImportRefused, match="hole with 2 points .* dropped .repair is off"):
        import_file(unchanged, gj, "assets", repair=False)
    report = import_file(unchanged, gj, "assets", dry_run=True)
    assert report.repaired == 1 and report.added == 1


def test_self_intersection(unchanged, tmp_path):
    recs = assets(2)
    recs[0]["geometry"] = Polygon([(126, 45), (126.1, 45.1), (126.1, 45), (126, 45.1), (126, 45)])
    shp = write_shapefile(tmp_path / "bowtie.shp", recs)
    with pytest.raises(ImportRefused, match=r"feature 0 \(site 0\): invalid geometry: "
                                            r"Self-intersection.*repair is off") as e:
        import_file(unchanged, shp, "assets", repair=False)
    _one_line(e)
    report = import_file(unchanged, shp, "assets", dry_run=True)
    assert (report.added, report.repaired) == (2, 1)


def test_hole_outside_its_shell(unchanged, tmp_path):
    poly = Polygon([(126, 45), (126.1, 45), (126.1, 45.1), (126, 45.1)],
                   [[(127, 46), (127.1, 46), (127.1, 46.1), (127, 46.1)]])
    gj = write_geojson(tmp_path / "hole.geojson", [{"geometry": poly, "properties": {
        "name": "outside", "type": "geopark"}}])
    with pytest.raises(ImportRefused, match="Hole lies outside shell"):
        import_file(unchanged, gj, "assets", repair=False)
    report = import_file(unchanged, gj, "assets", dry_run=True)
    assert report.repaired == 1


def test_mixed_geometry_types(unchanged, tmp_path):
    gj = write_geojson(tmp_path / "mixed.geojson", [
        {"geometry": square(126, 45, 0.1), "properties": {"name": "poly", "type": "geopark"}},
        {"geometry": Point(126, 45), "properties": {"name": "pt", "type": "geopark"}},
        {"geometry": LineString([(126, 45), (127, 46)]), "properties": {"name": "ln",
                                                                        "type": "geopark"}},
    ])
    with pytest.raises(ImportRefused, match=r"mixed.geojson: feature 1 \(pt\): a Point cannot go "
                                            r"into assets \(polygons only\) \(1 more refused\)") as e:
        import_file(unchanged, gj, "assets")
    report = e.value.report
    assert [(x.index, x.action) for x in report.entries] == [(1, "refused"), (2, "refused")]
    with pytest.raises(ImportRefused, match=r"feature 0 \(poly\): a Polygon cannot go into "
                                            r"stations"):
        import_file(unchanged, gj, "stations", defaults={"kind": "air"})


# --- archives ----------------------------------------------------------------------------

def test_zip_with_path_traversal(unchanged, tmp_path):
    shp = write_shapefile(tmp_path / "ok.shp", assets())
    entries = {f"../../{p.name}": p.read_bytes() for p in tmp_path.iterdir() if p.stem == "ok"}
    (tmp_path / "sub").mkdir()
    z = zip_entries(tmp_path / "sub" / "evil.zip", entries)
    with pytest.raises(UnsafeArchive, match=r"evil.zip: refused: member '../../ok\.\w+' points "
                                            r"outside the archive"):
        import_file(unchanged, z, "assets")
    assert not (tmp_path.parent / "ok.shp").exists()
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["evil.zip"]
    assert shp.exists()


def test_zip_without_shapefile(unchanged, tmp_path):
    z = zip_entries(tmp_path / "nothing.zip", {"readme.txt": b"hello", "parks.dbf": b"x"})
    with pytest.raises(SourceError, match=r"nothing.zip: no shapefile \(.shp\) in the archive; "
                                          r"it contains: readme.txt, parks.dbf"):
        import_file(unchanged, z, "assets")


def test_geopackage_with_several_layers_and_none_chosen(unchanged, tmp_path):
    g = write_gpkg(tmp_path / "two.gpkg", {
        "a": {"records": assets(1)}, "b": {"records": assets(1)}})
    with pytest.raises(LayerChoiceError, match="two.gpkg has 2 layers; choose one with "
                                               "--source-layer: a, b"):
        import_file(unchanged, g, "assets")


# --- names and encodings -----------------------------------------------------------------

def test_field_names_with_quotes_spaces_and_sql(unchanged, tmp_path):
    props = {'na"me': "太阳岛", "my type": "geopark", "x');DROP": "A1",
             "a'); DROP TABLE assets; --": "x"}
    gj = write_geojson(tmp_path / "odd.geojson", [{"geometry": square(126, 45, 0.1),
                                                   "properties": props}])
    mapping = {"name": 'na"me', "category": "my type", "remarks": "a'); DROP TABLE assets; --"}
    report = import_file(unchanged, gj, "assets", mapping=mapping, dry_run=True)
    assert report.added == 1 and report.mapping["name"] == 'na"me'
    shp = write_shapefile(tmp_path / "odd.shp", [{"geometry": square(126, 45, 0.1),
                                                  "properties": {'na"me': "x", "x');DROP": "y"}}])
    with pytest.raises(ImportSetupError, match=r"""--map category=x'\);DROP T"""):
        import_file(unchanged, shp, "assets", mapping={"category": "x');DROP T"})
    report = import_file(unchanged, shp, "assets", mapping={"name": 'na"me'},
                         defaults={"category": "geopark"}, dry_run=True)
    assert report.added == 1


def test_ten_byte_cut_chinese_field_names(unchanged, tmp_path):
    recs = [{"geometry": square(126, 45, 0.05),
             "properties": {"保护区名称": "太阳岛", "保护地类型": "湿地公园", "批建时间": "2005",
                            "管理机构": "林业局"}}]
    shp = write_shapefile(tmp_path / "cut.shp", recs, cpg=False)  # UTF-8: names cut at 10 bytes
    plan = plan_import(unchanged, shp, "assets")
    assert plan.fields[0][0] == "保护区" and plan.mapping_how["name"] == "cut name"
    assert plan.mapping == {"name": "保护区", "category": "保护地", "designated_year": "批建时",
                            "authority": "管理机"}
    report = import_file(unchanged, shp, "assets", dry_run=True)
    assert report.added == 1
    recs[0]["properties"]["保护地类型"] = "动物园"
    bad = write_shapefile(tmp_path / "cut2.shp", recs, cpg=False)
    with pytest.raises(ImportRefused, match=r"field 保护地 → category: '动物园' is not a known "
                                            r"category"):
        import_file(unchanged, bad, "assets")


def test_gbk_dbf_without_cpg(unchanged, tmp_path):
    recs = [{"geometry": square(126, 45, 0.05), "properties": {"名称": "太阳岛", "类型": "湿地公园",
                                                                "级别": "国家级"}}]
    shp = write_shapefile(tmp_path / "gbk.shp", recs, encoding="gbk", cpg=False)
    set_ldid(shp.with_suffix(".dbf"), 0)
    report = import_file(unchanged, shp, "assets", dry_run=True)
    assert report.encoding == "gb18030" and report.encoding_how == "detected"
    assert report.added == 1 and report.mapping["name"] == "名称"
    # Forcing the wrong encoding garbles the field names, which then map to nothing.
    with pytest.raises(ImportSetupError, match="assets.name is required.*fields: Ãû³Æ"):
        import_file(unchanged, shp, "assets", encoding="latin-1")
    with pytest.raises(EcoinvError, match="unknown encoding 'martian'"):
        import_file(unchanged, shp, "assets", encoding="martian")


def test_utf8_dbf_with_language_driver_zero(unchanged, tmp_path):
    recs = [{"geometry": square(126, 45, 0.05), "properties": {"名称": "太阳岛", "类型": "湿地公园"}}]
    shp = write_shapefile(tmp_path / "utf8.shp", recs, encoding="utf-8", cpg=False, ldid=0)
    report = import_file(unchanged, shp, "assets", dry_run=True)
    assert report.encoding == "utf-8" and report.encoding_how == "detected"
    assert report.added == 1


# --- CRS ------------------------------------------------------------------------------------

def test_gauss_kruger_without_prj(unchanged, tmp_path):
    recs = [{"geometry": square(42_540_000, 5_070_000, 1000), "properties": {"NAME": "a",
                                                                             "TYPE": "geopark"}}]
    shp = write_shapefile(tmp_path / "zone42.shp", recs, crs=None)
    with pytest.raises(CrsUnknown, match=r"zone42.shp: no .prj file; the coordinates fit "
                                         r"EPSG:4530 \(CGCS2000 / 3-degree Gauss-Kruger zone 42\)") as e:
        import_file(unchanged, shp, "assets")
    assert [c.code for c in e.value.candidates] == ["EPSG:4530", "EPSG:2366", "EPSG:2418"]
    _one_line(e)
    recs = [{"geometry": square(540_000, 5_070_000, 1000), "properties": {"NAME": "a",
                                                                          "TYPE": "geopark"}}]
    shp = write_shapefile(tmp_path / "cm.shp", recs, crs=None)
    with pytest.raises(CrsUnknown, match=r"EPSG:4551 .*EPSG:4552 ") as e:
        import_file(unchanged, shp, "assets")


def test_metre_coordinates_with_a_geographic_prj(unchanged, tmp_path):
    recs = [{"geometry": square(540_000, 5_070_000, 1000), "properties": {"NAME": "a",
                                                                          "TYPE": "geopark"}}]
    shp = write_shapefile(tmp_path / "liar.shp", recs, crs="EPSG:4490")
    with pytest.raises(CrsUnknown, match="says EPSG:4490.*not lon/lat"):
        import_file(unchanged, shp, "assets")


def test_prj_in_web_mercator(unchanged, tmp_path):
    recs = [{"geometry": square(14_080_000, 5_730_000, 2000), "properties": {"NAME": "web",
                                                                             "TYPE": "geopark"}}]
    shp = write_shapefile(tmp_path / "web.shp", recs, crs="EPSG:3857")
    report = import_file(unchanged, shp, "assets", dry_run=True)
    assert report.source_crs.startswith("EPSG:3857")
    assert any("Web Mercator" in n and "never measured" in n for n in report.notes)


def test_bad_crs_option_and_untransformable_coordinates(unchanged, tmp_path):
    shp = write_shapefile(tmp_path / "a.shp", assets(), crs=None)
    with pytest.raises(ImportSetupError, match="--crs: not a CRS: 'EPSG:12345678'"):
        import_file(unchanged, shp, "assets", crs="EPSG:12345678")
    gj = write_geojson(tmp_path / "far.geojson", [{"geometry": square(1e7, 1e7, 10), "properties": {
        "name": "x", "type": "geopark"}}], crs="urn:ogc:def:crs:EPSG::4551")
    with pytest.raises(ImportSetupError, match="far.geojson: in EPSG:4551 .* the data would lie "
                                               "at .*outside the area that CRS is used for"):
        import_file(unchanged, gj, "assets")


def test_unknown_code_lists_allowed_codes(unchanged, tmp_path):
    recs = assets(2)
    recs[1]["properties"]["TYPE"] = "动物园"
    shp = write_shapefile(tmp_path / "zoo.shp", recs)
    with pytest.raises(ImportRefused, match=r"zoo.shp: feature 1 \(site 1\), field TYPE → category: "
                                            r"'动物园' is not a known category; allowed: "
                                            r"national_park, nature_reserve") as e:
        import_file(unchanged, shp, "assets")
    _one_line(e)
    assert e.value.report.status == "refused" and e.value.report.refused == 1
