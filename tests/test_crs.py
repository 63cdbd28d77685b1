"""ecoinv.crs: parsing, .prj files, candidates for files without a CRS, transforms."""
from __future__ import annotations

import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import Point, box

from ecoinv import crs as crsmod
from ecoinv.crs import CrsError

HARBIN = (125.7, 44.1, 130.2, 46.7)  # DOMAIN.md: Harbin's lon/lat extent


def _codes(cands):
    return [c.code for c in cands]


# --- parsing -------------------------------------------------------------------

@pytest.mark.parametrize("value", [4551, "4551", "EPSG:4551", "epsg:4551", " EPSG:4551 ",
                                   pyproj.CRS(4551).to_wkt("WKT1_ESRI"),
                                   pyproj.CRS(4551).to_wkt(),
                                   "+proj=tmerc +lat_0=0 +lon_0=126 +k=1 +x_0=500000 +y_0=0 "
                                   "+ellps=GRS80 +units=m +no_defs"])
def test_parse_crs_accepts_codes_wkt_and_proj_strings(value):
    parsed = crsmod.parse_crs(value)
    assert parsed.is_projected
    assert parsed.coordinate_operation.params[1].value == pytest.approx(126.0)
    if not str(value).startswith("+proj"):
        assert crsmod.epsg_code(parsed) == 4551


@pytest.mark.parametrize("value", ["", "EPSG:999999", "not a crs", "PROJCS[broken"])
def test_parse_crs_rejects_garbage_with_crs_error(value):
    with pytest.raises(CrsError):
        crsmod.parse_crs(value)


def test_read_prj_esri_wkt_identifies_epsg(tmp_path):
    prj = tmp_path / "a.prj"
    prj.write_text(pyproj.CRS(4551).to_wkt("WKT1_ESRI"))
    assert crsmod.epsg_code(crsmod.read_prj(prj)) == 4551
    assert crsmod.crs_label(crsmod.read_prj(prj)).startswith("EPSG:4551 CGCS2000")


def test_read_prj_tolerates_bom_and_names_file_when_broken(tmp_path):
    prj = tmp_path / "bom.prj"
    prj.write_bytes(b"\xef\xbb\xbf" + pyproj.CRS(4490).to_wkt("WKT1_ESRI").encode())
    assert crsmod.epsg_code(crsmod.read_prj(prj)) == 4490
    empty = tmp_path / "empty.prj"
    empty.write_bytes(b"  \n")
    with pytest.raises(CrsError, match="empty.prj: empty"):
        crsmod.read_prj(empty)
    junk = tmp_path / "junk.prj"
    junk.write_bytes(b"\x00\x01garbage")
    with pytest.raises(CrsError, match="junk.prj"):
        crsmod.read_prj(junk)


# --- the Gauss-Kruger table is EPSG's, checked against pyproj -------------------------

def test_gauss_kruger_table_matches_pyproj_parameters():
    zones = crsmod.gauss_kruger_zones()
    by_code = {z.code: z for z in zones}
    # The numbers DOMAIN.md quotes, and the ranges of both numbering schemes.
    assert by_code[4530].zone == 42 and by_code[4530].cm == 126
    assert by_code[4551].zone is None and by_code[4551].cm == 126
    assert by_code[4552].cm == 129
    assert {z.code for z in zones if z.datum == "CGCS2000" and z.width == 3} == set(range(4513, 4555))
    assert {z.code for z in zones if z.datum == "Xian 1980" and z.width == 3} == set(range(2349, 2391))
    assert {z.code for z in zones if z.datum == "Beijing 1954" and z.width == 3} == set(range(2401, 2443))
    for z in zones:
        params = {p.name: p.value for p in pyproj.CRS.from_epsg(z.code).coordinate_operation.params}
        assert params["Longitude of natural origin"] == pytest.approx(z.cm), z
        assert params["False easting"] == pytest.approx(z.false_easting), z


# --- candidates ---------------------------------------------------------------------

def test_lonlat_coordinates_propose_cgcs2000_then_wgs84():
    cands = crsmod.candidates_for_bounds((126.1, 45.2, 126.9, 45.9))
    assert _codes(cands) == ["EPSG:4490", "EPSG:4326"]
    assert "lon/lat" in cands[0].reason


def test_zone_number_in_false_easting_names_the_zone():
    cands = crsmod.candidates_for_bounds((42_480_000, 5_000_000, 42_560_000, 5_080_000), HARBIN)
    assert _codes(cands)[:3] == ["EPSG:4530", "EPSG:2366", "EPSG:2418"]
    assert "zone 42" in cands[0].reason and "126" in cands[0].reason
    west, south, east, north = cands[0].lonlat_bounds
    assert 125.5 < west < east < 127 and 45 < south < north < 46


def test_plain_false_easting_uses_the_region_hint_to_choose_central_meridians():
    # A site in Harbin in CM 126E: x alone could be any CM; the city's extent
    # leaves the two zones that cover it, CGCS2000 first.
    cands = crsmod.candidates_for_bounds((540_000, 5_070_000, 560_000, 5_090_000), HARBIN)
    codes = _codes(cands)
    assert set(codes[:2]) == {"EPSG:4551", "EPSG:4552"}
    assert codes[0] == "EPSG:4551"  # with CM 126E the site lands nearer the city's centre
    assert set(codes) == {"EPSG:4551", "EPSG:4552", "EPSG:2387", "EPSG:2388", "EPSG:2439",
                          "EPSG:2440"}
    assert all("fits the inventory's extent" in c.reason for c in cands)


def test_plain_false_easting_without_hint_lists_every_zone_landing_in_china():
    cands = crsmod.candidates_for_bounds((540_000, 5_070_000, 560_000, 5_090_000))
    codes = _codes(cands)
    assert "EPSG:4551" in codes and "EPSG:4552" in codes
    assert codes[0].startswith("EPSG:45")  # CGCS2000 ranks first
    # No duplicates of the same meridian from the 6-degree CM series.
    assert not any(c.name.startswith("CGCS2000 / Gauss-Kruger CM") for c in cands)
    for c in cands:
        assert crsmod.boxes_intersect(c.lonlat_bounds, crsmod.CHINA_LONLAT)


def test_web_mercator_metres_are_proposed_as_3857():
    x0, y0 = pyproj.Transformer.from_crs(4326, 3857, always_xy=True).transform(126.5, 45.7)
    cands = crsmod.candidates_for_bounds((x0, y0, x0 + 5000, y0 + 5000), HARBIN)
    assert "EPSG:3857" in _codes(cands)
    assert "never measured" in next(c for c in cands if c.code == "EPSG:3857").reason


def test_coordinates_that_fit_nothing_give_no_candidates():
    assert crsmod.candidates_for_bounds((1e9, 1e9, 2e9, 2e9)) == []
    assert crsmod.candidates_for_bounds((float("nan"), 0, 1, 1)) == []


# --- transforms, Web Mercator, display -------------------------------------------------

def test_transformer_is_always_xy_and_works_on_arrays():
    to_gk = crsmod.transformer("EPSG:4490", "EPSG:4551")
    p = to_gk(Point(126.0, 45.0))
    assert p.x == pytest.approx(500_000, abs=1e-6) and 4.9e6 < p.y < 5.1e6
    back = crsmod.transformer("EPSG:4551", "EPSG:4490")
    arr = back(np.array([p, box(p.x, p.y, p.x + 100, p.y + 100)], dtype=object))
    assert arr[0].x == pytest.approx(126.0) and arr[0].y == pytest.approx(45.0)
    assert arr[1].geom_type == "Polygon"


def test_transformer_identity_returns_the_same_geometry():
    g = box(0, 0, 1, 1)
    assert crsmod.transformer("EPSG:4490", pyproj.CRS(4490))(g) is g


def test_transform_failure_gives_non_finite_coordinates():
    # Latitude 95° does not exist: the caller must see that, not a silent value.
    out = crsmod.transformer("EPSG:4490", "EPSG:4551")(Point(126, 95))
    assert not np.isfinite(shapely.get_coordinates(out)).all()


def test_is_web_mercator_including_esri_prj():
    assert crsmod.is_web_mercator("EPSG:3857")
    assert crsmod.is_web_mercator(pyproj.CRS(3857).to_wkt("WKT1_ESRI"))
    assert not crsmod.is_web_mercator("EPSG:4551")
    assert not crsmod.is_web_mercator("EPSG:4490")


def test_datum_shift_note_only_for_old_chinese_datums():
    assert crsmod.datum_shift_note("EPSG:2387", "EPSG:4490") is not None
    assert crsmod.datum_shift_note("EPSG:2439", "EPSG:4490") is not None
    assert crsmod.datum_shift_note("EPSG:4551", "EPSG:4490") is None
    assert crsmod.datum_shift_note("EPSG:4326", "EPSG:4490") is None


def test_display_crs_is_the_cgcs2000_cm_zone_nearest_the_centre():
    assert crsmod.epsg_code(crsmod.display_crs_for((125.9, 44.0, 126.5, 45.0))) == 4551
    # Harbin's centre (127.95E) is nearer 129E than 126E.
    assert crsmod.epsg_code(crsmod.display_crs_for(HARBIN)) == 4552
    assert crsmod.epsg_code(crsmod.display_crs_for((60, 40, 62, 41))) == 4534  # clamped to 75E
    assert crsmod.epsg_code(crsmod.display_crs_for((150, 40, 152, 41))) == 4554


def test_lonlat_bounds_of_projected_box():
    w, s, e, n = crsmod.lonlat_bounds((490_000, 5_000_000, 510_000, 5_020_000), "EPSG:4551")
    assert w < 126 < e and 45 < s < n < 45.4
