"""ecoinv.sources: one interface over shapefiles (also zipped), GeoPackage, GeoJSON, KML."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import types
import zipfile
from pathlib import Path

import pytest
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from ecoinv import sources
from ecoinv.errors import EcoinvError
from ecoinv.sources import (LayerChoiceError, SourceError, SourceNotFound, UnsafeArchive,
                            UnsupportedFormat, list_layers, open_source)

from .conftest import ROOT
from .shapefile_factory import (RawRings, square, write_geojson, write_gpkg, write_kml,
                                write_shapefile, write_zip, zip_entries)

PARKS = [
    {"geometry": square(126.0, 45.0, 0.01),
     "properties": {"名称": "太阳岛", "级别": "国家级", "面积": 12.5, "YEAR": 2003}},
    {"geometry": square(126.1, 45.0, 0.01),
     "properties": {"名称": "松花江", "级别": "省级", "面积": None, "YEAR": None}},
]


def test_shapefile_source_interface(tmp_path):
    shp = write_shapefile(tmp_path / "parks.shp", PARKS, encoding="gbk", cpg="GBK")
    with open_source(shp) as src:
        assert isinstance(src, sources.ShapefileSource)
        assert src.format == "ESRI Shapefile"
        assert (src.path, src.layer_name, src.label) == (shp, "parks", "parks.shp")
        assert len(src) == src.feature_count == 2
        assert src.fields == [("名称", "str"), ("级别", "str"), ("面积", "float"), ("YEAR", "int")]
        assert src.geometry_type == "Polygon"
        assert src.crs.to_epsg() == 4490 and src.crs_candidates == []
        assert src.encoding == "gb18030" and "cpg" in src.encoding_note
        assert src.bounds == pytest.approx((126.0, 45.0, 126.11, 45.01))
        feats = src.features()
        assert isinstance(feats, types.GeneratorType)  # streamed, not a list
        first = next(feats)
        assert first.index == 0
        assert first.props == {"名称": "太阳岛", "级别": "国家级", "面积": 12.5, "YEAR": 2003}
        assert first.geometry.equals(square(126.0, 45.0, 0.01))
        second = next(feats)
        assert second.props["面积"] is None and second.props["YEAR"] is None
        info = src.info()
        assert info["feature_count"] == 2 and info["encoding"] == "GBK/GB18030"


def test_cut_utf8_field_names_stay_separate(tmp_path):
    # In UTF-8, 保护区名称/保护区级别/保护区类型 all cut to 保护区 + a broken byte,
    # and 级别/类型 even share that byte: GDAL would merge the fields.
    recs = [{"geometry": square(0, 0, 1),
             "properties": {"保护区名称": "太阳岛", "保护区级别": "国家级", "保护区类型": "湿地公园"}}]
    shp = write_shapefile(tmp_path / "cut.shp", recs, cpg=False)
    with open_source(shp) as src:
        assert src.field_names == ["保护区", "保护区_2", "保护区_3"]
        assert src.truncated_fields == {"保护区": "保护区", "保护区_2": "保护区", "保护区_3": "保护区"}
        (feat,) = list(src.features())
        assert list(feat.props.values()) == ["太阳岛", "国家级", "湿地公园"]


def test_field_names_with_quotes_spaces_and_sql(tmp_path):
    recs = [{"geometry": square(0, 0, 1),
             "properties": {'na"me': "a", "my name": "b", "x');DROP": "c", "a'b": "d"}}]
    shp = write_shapefile(tmp_path / "odd.shp", recs)
    with open_source(shp) as src:
        assert src.field_names == ['na"me', "my name", "x');DROP", "a'b"]
        (feat,) = list(src.features())
        assert feat.props == {'na"me': "a", "my name": "b", "x');DROP": "c", "a'b": "d"}


def test_z_values_are_dropped_with_a_note(tmp_path):
    ring = [(126.0, 45.0, 150.0), (126.0, 45.1, 151.0), (126.1, 45.1, 152.0), (126.1, 45.0, 150.0),
            (126.0, 45.0, 150.0)]
    shp = write_shapefile(tmp_path / "z.shp", [{"geometry": RawRings([ring]),
                                                "properties": {"name": "z"}}])
    with open_source(shp) as src:
        assert any("Z and M values dropped" in n for n in src.notes)
        (feat,) = list(src.features())
        assert not feat.geometry.has_z


def test_prj_missing_gives_candidates(tmp_path):
    recs = [{"geometry": square(42_500_000, 5_000_000, 1000), "properties": {"name": "gk"}}]
    shp = write_shapefile(tmp_path / "gk.shp", recs, crs=None)
    with open_source(shp) as src:
        assert src.crs is None and src.crs_note == "no .prj file"
        assert src.crs_candidates[0].code == "EPSG:4530"


def test_geographic_prj_with_metre_coordinates_is_not_believed(tmp_path):
    recs = [{"geometry": square(500_000, 5_000_000, 1000), "properties": {"name": "gk"}}]
    shp = write_shapefile(tmp_path / "wrong.shp", recs, crs="EPSG:4490")
    with open_source(shp) as src:
        assert src.crs is None
        assert "not lon/lat" in src.crs_note
        assert "EPSG:4551" in [c.code for c in src.crs_candidates]


def test_a_dbf_path_opens_its_shapefile(tmp_path):
    shp = write_shapefile(tmp_path / "parks.shp", PARKS)
    with open_source(shp.with_suffix(".dbf")) as src:
        assert src.path == shp


# --- zip --------------------------------------------------------------------------

def test_zipped_shapefile_is_extracted_to_a_temp_dir_and_cleaned_up(tmp_path):
    (tmp_path / "src").mkdir()
    shp = write_shapefile(tmp_path / "src" / "parks.shp", PARKS, encoding="gbk", cpg="GBK")
    z = write_zip(tmp_path / "parks.zip", sorted(shp.parent.iterdir()), folder="data")
    src = open_source(z)
    tmpdir = Path(src._tmpdir)
    assert tmpdir.is_dir() and not tmpdir.is_relative_to(tmp_path)
    assert src.label == "parks.zip" and src.layer_name == "parks"
    assert [f.props["名称"] for f in src.features()] == ["太阳岛", "松花江"]
    src.close()
    assert not tmpdir.exists()
    assert list_layers(z) == ["parks"]


def test_zip_with_several_shapefiles_needs_a_choice(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = write_shapefile(tmp_path / "a" / "reserves.shp", PARKS)
    b = write_shapefile(tmp_path / "b" / "parks.shp", PARKS[:1])
    z = tmp_path / "both.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in list(a.parent.iterdir()) + list(b.parent.iterdir()):
            zf.write(f, arcname=f.name)
    with pytest.raises(LayerChoiceError, match="parks, reserves|reserves, parks") as exc:
        open_source(z)
    assert sorted(exc.value.layers) == ["parks", "reserves"]
    with open_source(z, layer="parks") as src:
        assert len(src) == 1 and src.label == "both.zip:parks"
    with open_source(z, layer="reserves.shp") as src:
        assert len(src) == 2


@pytest.mark.parametrize("name", ["../evil.shp", "../../evil.shp", "/tmp/evil.shp",
                                  "ok/../../evil.shp", "..\\evil.shp", "C:/evil.shp"])
def test_zip_path_traversal_is_refused_and_nothing_is_written(tmp_path, name):
    work = tmp_path / "deep" / "er"
    work.mkdir(parents=True)
    z = zip_entries(work / "evil.zip", {name: b"x" * 200, "fine.txt": b"hello"})
    with pytest.raises(UnsafeArchive, match="refused"):
        open_source(z)
    assert not (tmp_path / "evil.shp").exists() and not (tmp_path / "deep" / "evil.shp").exists()
    assert not Path("/tmp/evil.shp").exists()
    assert sorted(p.name for p in work.iterdir()) == ["evil.zip"]


def test_zip_symlink_member_is_refused(tmp_path):
    z = zip_entries(tmp_path / "link.zip", {"a.txt": b"x"}, symlinks={"parks.shp": "/etc/passwd"})
    with pytest.raises(UnsafeArchive, match="symbolic link"):
        open_source(z)


def test_zip_without_shapefile_lists_its_contents(tmp_path):
    z = zip_entries(tmp_path / "docs.zip", {"readme.txt": b"hi", "map.pdf": b"%PDF"})
    with pytest.raises(SourceError, match=r"no shapefile.*readme\.txt, map\.pdf"):
        open_source(z)


def test_not_a_zip(tmp_path):
    fake = tmp_path / "fake.zip"
    fake.write_text("hello")
    with pytest.raises(SourceError, match="not a zip archive: it is plain text"):
        open_source(fake)


# --- GeoPackage, GeoJSON, KML ----------------------------------------------------------

def _gpkg(tmp_path) -> Path:
    return write_gpkg(tmp_path / "layers.gpkg", {
        "reserves": {"records": PARKS, "geometry": "Polygon", "crs": "EPSG:4490"},
        "stations": {"records": [{"geometry": Point(126.6, 45.7), "properties": {"name": "s1"}}],
                     "geometry": "Point", "crs": "EPSG:4326"},
    })


def test_geopackage_needs_a_layer_choice_and_lists_layers(tmp_path):
    g = _gpkg(tmp_path)
    with pytest.raises(LayerChoiceError, match="reserves, stations") as exc:
        open_source(g)
    assert isinstance(exc.value, EcoinvError) and exc.value.layers == ["reserves", "stations"]
    with pytest.raises(LayerChoiceError, match="no layer 'parks'"):
        open_source(g, layer="parks")
    assert list_layers(g) == ["reserves", "stations"]


def test_geopackage_layer(tmp_path):
    with open_source(_gpkg(tmp_path), layer="stations") as src:
        assert isinstance(src, sources.GeoPackageSource)
        assert src.label == "layers.gpkg:stations"
        assert src.geometry_type == "Point" and src.crs.to_epsg() == 4326
        assert src.encoding == "utf-8"
        (feat,) = list(src.features())
        assert feat.props == {"name": "s1"} and feat.geometry.equals(Point(126.6, 45.7))


def test_geojson_without_crs_member_is_wgs84_by_rfc7946(tmp_path):
    gj = write_geojson(tmp_path / "d.geojson", [
        {"geometry": square(126, 45, 0.1), "properties": {"adcode": "230102", "name": "道里区",
                                                          "name_en": "Daoli"}}])
    with open_source(gj) as src:
        assert isinstance(src, sources.GeoJSONSource)
        assert src.crs.to_epsg() == 4326
        assert any("RFC 7946" in n for n in src.notes)
        assert [f.props for f in src.features()] == [{"adcode": "230102", "name": "道里区",
                                                      "name_en": "Daoli"}]


def test_geojson_with_projected_coordinates_and_no_crs_member(tmp_path):
    gj = write_geojson(tmp_path / "gk.geojson", [
        {"geometry": square(42_500_000, 5_000_000, 100), "properties": {"name": "x"}}])
    with open_source(gj) as src:
        assert src.crs is None and "not lon/lat" in src.crs_note
        assert src.crs_candidates[0].code == "EPSG:4530"


def test_geojson_with_crs_member(tmp_path):
    gj = write_geojson(tmp_path / "gk.geojson", [
        {"geometry": square(500_000, 5_000_000, 100), "properties": {"name": "x"}}],
        crs="urn:ogc:def:crs:EPSG::4551")
    with open_source(gj) as src:
        assert src.crs.to_epsg() == 4551


def test_geojson_ring_with_three_positions_is_read_leniently(tmp_path):
    gj = write_geojson(tmp_path / "bad.geojson", [
        {"geometry": {"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 1]]]},
         "properties": {"name": "open triangle"}},
        {"geometry": {"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [0, 0]]]},
         "properties": {"name": "no area"}},
    ])
    with open_source(gj) as src:
        tri, flat = list(src.features())
    # GDAL closes the open ring itself; what it fixed silently becomes a note.
    assert tri.geometry.equals(Polygon([(0, 0), (0, 1), (1, 1)]))
    assert any("GDAL warning" in n and "closed ring" in n for n in src.notes)
    assert flat.geometry is None and "outer ring with 3 points (no area) dropped" == flat.problem


def test_kml_reads_name_description_and_extended_data(tmp_path):
    kml = write_kml(tmp_path / "stations.kml", [
        {"geometry": Point(126.6, 45.7), "properties": {"name": "道里站", "description": "d",
                                                         "类型": "空气", "CODE": "A1"}},
        {"geometry": Point(126.7, 45.8, 120.0), "properties": {"name": "南岗站", "类型": "水质",
                                                                "CODE": "W1"}},
    ])
    with open_source(kml) as src:
        assert isinstance(src, sources.KMLSource)
        assert src.crs.to_epsg() == 4326
        assert src.field_names == ["Name", "Description", "类型", "CODE"]
        feats = list(src.features())
    assert feats[0].props["Name"] == "道里站" and feats[0].props["类型"] == "空气"
    assert feats[1].props["CODE"] == "W1"
    assert not feats[1].geometry.has_z
    assert "Z values dropped (the inventory is 2D)" in src.notes


def test_kml_polygons_and_multigeometry(tmp_path):
    kml = write_kml(tmp_path / "parks.kml", [
        {"geometry": square(126, 45, 0.1), "properties": {"name": "a"}},
        {"geometry": MultiPolygon([square(126, 45, 0.1), square(127, 45, 0.1)]),
         "properties": {"name": "b"}},
    ])
    with open_source(kml) as src:
        geoms = [f.geometry for f in src.features()]
    assert geoms[0].geom_type == "Polygon"
    assert geoms[1].area == pytest.approx(0.02)


def test_kmz(tmp_path):
    kml = write_kml(tmp_path / "doc.kml", [{"geometry": Point(126.6, 45.7),
                                            "properties": {"name": "x"}}])
    kmz = write_zip(tmp_path / "stations.kmz", [kml])
    with open_source(kmz) as src:
        assert src.label == "stations.kmz:layer" and len(src) == 1
        tmp = Path(src._tmpdir)
    assert not tmp.exists()


# --- what is not a source -----------------------------------------------------------

def test_missing_unsupported_and_folders(tmp_path):
    with pytest.raises(SourceNotFound, match="no such file"):
        open_source(tmp_path / "nope.shp")
    (tmp_path / "x.csv").write_text("a,b\n")
    with pytest.raises(UnsupportedFormat, match=r"\.csv.*supported: \.shp"):
        open_source(tmp_path / "x.csv")
    with pytest.raises(SourceError, match="is a folder"):
        open_source(tmp_path)


def test_geometry_from_fiona_lenient_rules():
    class G:  # what fiona gives: type + coordinates
        def __init__(self, type_, coords):
            self.type, self.coordinates = type_, coords

        @property
        def __geo_interface__(self):
            return {"type": self.type, "coordinates": self.coordinates}

    geom, repairs, problem = sources.geometry_from_fiona(
        G("Polygon", [[(0, 0), (0, 2), (2, 2), (2, 0), (0, 0)], [(1, 1), (1, 1.5), (1, 1)]]))
    assert geom.equals(square(0, 0, 2)) and "hole with 3 points" in repairs[0] and problem is None
    geom, repairs, _ = sources.geometry_from_fiona(G("Polygon", [[(0, 0), (0, 2), (2, 2)]]))
    assert geom.area == pytest.approx(2) and repairs == ["outer ring was not closed: closed"]
    geom, repairs, problem = sources.geometry_from_fiona(G("LineString", [(0, 0)]))
    assert geom is None and problem
    assert sources.geometry_from_fiona(None) == (None, [], None)
    geom, _, _ = sources.geometry_from_fiona(G("LineString", [(0, 0, 5), (1, 1, 6)]))
    assert geom.equals(LineString([(0, 0), (1, 1)])) and not geom.has_z


def test_fiona_still_works_when_spatialite_was_loaded_first(tmp_path):
    # mod_spatialite is loaded with RTLD_GLOBAL and brings the system PROJ/GEOS;
    # fiona's GDAL loaded after it crashed (segfault) until the store preloaded
    # its libraries.  A fresh interpreter, so that nothing else has imported
    # fiona yet.
    shp = write_shapefile(tmp_path / "parks.shp", PARKS, encoding="gbk")
    script = textwrap.dedent(f"""
        from ecoinv.store import Inventory
        Inventory.create({str(tmp_path / 'inv.sqlite')!r}).close()
        from ecoinv.sources import open_source
        with open_source({str(shp)!r}) as src:
            n = len(list(src.features()))
        # Through GDAL itself (its shapefile driver and its PROJ), not only
        # the direct .shp reader.
        import fiona
        from fiona.transform import transform_geom
        with fiona.open({str(shp)!r}) as src:
            feats = list(src)
            moved = transform_geom("EPSG:4490", "EPSG:3857", feats[0].geometry)
        assert len(feats) == n and moved["coordinates"][0][0][0] > 1e7
        print(n)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "2"


def test_polygon_shapefiles_read_directly_give_what_gdal_gives(tmp_path, monkeypatch):
    # Simple records (one closed ring) are built from the .shp's coordinates;
    # the rest goes through GDAL.  Either way: the same features, in the same
    # order, with the same repairs and notes, deleted records left out.
    shell = [(126, 45), (126.1, 45), (126.1, 45.1), (126, 45.1), (126, 45)]
    hole = [(127, 46), (127, 46.1), (127.1, 46.1), (127.1, 46), (127, 46)]
    geoms = [
        square(126, 45, 0.1),
        None,
        RawRings([[(126, 45), (126, 45.1), (126, 45)]]),                      # 3 points
        RawRings([[(126, 45), (126, 45.1), (126.1, 45.1), (126.1, 45)]]),     # not closed
        RawRings([shell[::-1], hole[::-1]]),                                  # two shells
        MultiPolygon([square(126, 45, 0.1), square(127, 45, 0.1)]),
        Polygon(shell[::-1], [[(126.02, 45.02), (126.02, 45.04), (126.04, 45.04),
                               (126.04, 45.02), (126.02, 45.02)]]),
        RawRings([shell]),                                                    # counter-clockwise
        Polygon([(126, 45), (126.1, 45.1), (126.1, 45), (126, 45.1), (126, 45)]),  # bow tie
        square(128, 45, 0.1),                                                 # deleted below
        square(129, 45, 0.1),
    ]
    recs = [{"geometry": g, "properties": {"名称": f"图斑{i}", "面积": i * 1.5 if i % 2 else None,
                                           "年份": 2000 + i}} for i, g in enumerate(geoms)]
    shp = write_shapefile(tmp_path / "mixed.shp", recs, encoding="gbk", cpg="GBK")
    dbf = shp.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    header_length, record_length = int.from_bytes(data[8:10], "little"), \
        int.from_bytes(data[10:12], "little")
    data[header_length + 9 * record_length] = ord("*")
    dbf.write_bytes(bytes(data))

    def read():
        with open_source(shp) as src:
            feats = [(f.index, f.props, None if f.geometry is None else f.geometry.wkb,
                      f.repairs, f.problem) for f in src.features()]
            return feats, list(src.notes)

    direct = read()
    monkeypatch.setattr(sources, "_DIRECT_SHAPE_TYPES", ())
    through_gdal = read()
    assert direct == through_gdal
    feats, notes = direct
    assert [f[0] for f in feats] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 10]
    assert feats[2][4] == "outer ring with 3 points (no area) dropped"
    assert any("winding order" in n for n in notes)


def test_shapefile_read_in_small_chunks(tmp_path, monkeypatch):
    # Chunks are cut by records and by bytes; the features do not change.
    recs = [{"geometry": square(126 + i * 0.01, 45, 0.005) if i % 7 else None,
             "properties": {"NAME": f"p{i}", "CLASS": ["林地", "水域"][i % 2]}}
            for i in range(50)]
    shp = write_shapefile(tmp_path / "many.shp", recs)

    def read():
        with open_source(shp) as src:
            return [(f.index, f.props, None if f.geometry is None else f.geometry.wkb)
                    for f in src.features()]

    whole = read()
    monkeypatch.setattr(sources, "_CHUNK", 6)
    monkeypatch.setattr(sources, "_CHUNK_BYTES", 300)
    assert read() == whole
    monkeypatch.setattr(sources, "_CHUNK_BYTES", 40)  # one record, too big: GDAL reads it
    assert read() == whole
    monkeypatch.setattr(sources, "_DIRECT_SHAPE_TYPES", ())
    assert read() == whole
    assert len(whole) == 50 and whole[7][2] is None and whole[8][1] == {"NAME": "p8", "CLASS": "林地"}


def test_bad_bytes_are_counted_once_per_value(tmp_path, monkeypatch):
    # GBK text in a file that says UTF-8: every value with bad bytes is counted,
    # repeated values too (the direct reader decodes each distinct value once).
    recs = [{"geometry": square(126 + i * 0.01, 45, 0.005),
             "properties": {"NAME": ["林地", "水域", "ok"][i % 3], "OWNER": f"村{i}"}}
            for i in range(30)]
    shp = write_shapefile(tmp_path / "gbk.shp", recs, encoding="gbk", cpg="UTF-8")

    def read():
        with open_source(shp) as src:
            names = [f.props["NAME"] for f in src.features()]
            return names, [n for n in src.notes if "bytes invalid" in n]

    direct = read()
    monkeypatch.setattr(sources, "_DIRECT_SHAPE_TYPES", ())
    assert read() == direct
    names, notes = direct
    assert notes == ["50 text values had bytes invalid in UTF-8 (shown as �); check --encoding"]
    assert names[2] == "ok" and "\ufffd" in names[0]


def test_record_ranges_read_any_range_and_only_the_fields_asked_for(tmp_path):
    """What an import's batches (and its worker processes) read: any range of
    records on its own, and only the attributes the import maps."""
    recs = [{"geometry": square(126 + 0.1 * (i % 7), 45 + 0.1 * (i // 7), 0.05),
             "properties": {"名称": f"图斑{i}", "地类": ["林地", "水域"][i % 2], "面积": i * 1.5,
                            "备注": "坏字" if i == 3 else "无"}} for i in range(40)]
    shp = write_shapefile(tmp_path / "ranges.shp", recs, encoding="gbk", cpg="GBK")
    dbf = shp.with_suffix(".dbf")
    dbf.write_bytes(dbf.read_bytes().replace("坏字".encode("gbk"), b"\xff\x30\xff\x30"))
    with open_source(shp) as src:
        assert src.reads_record_ranges
        whole = [(f.index, f.props, f.geometry.wkb) for f in src.features()]
        with src.records() as records:
            parts = records.read(25, 40) + records.read(0, 7) + records.read(7, 25)
            assert records.bad_values == 1
        assert sorted((f.index, f.props, f.geometry.wkb) for f in parts) == whole
        with src.records(["地类", "名称"]) as records:
            some = records.read(0, 40)
            assert records.bad_values == 0  # 备注 is not read
        assert [f.props for f in some] == [{"名称": p["名称"], "地类": p["地类"]}
                                           for _, p, _ in whole]
    with open_source(write_shapefile(tmp_path / "pts.shp", [
            {"geometry": square(126, 45, 1).centroid, "properties": {"名称": "站"}}])) as pts:
        assert not pts.reads_record_ranges
        with pytest.raises(SourceError, match="read in order only"):
            pts.records()
