"""ecoinv.geometry.ring_areas_m2: geodesic ring areas for whole layers at once,
held to GeographicLib (pyproj.Geod.polygon_area_perimeter) ring by ring."""
from __future__ import annotations

import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from ecoinv.geometry import (geodesic_area_m2, geodesic_areas_m2, ring_areas_m2,
                             straight_ring_areas_m2)

GRS80 = pyproj.Geod(ellps="GRS80")
SPHERE = pyproj.Geod(a=6_371_007.0, b=6_371_007.0)


def _ring(geod, lon0, lat0, n, edge_m, seed, clockwise=False):
    """A star-shaped ring of n vertices around (lon0, lat0) with edges of about edge_m."""
    rng = np.random.default_rng(seed)
    az = np.sort(rng.uniform(0.0, 360.0, n))
    if clockwise:
        az = az[::-1]
    dist = edge_m * n / (2 * np.pi) * rng.uniform(0.8, 1.2, n)
    lon, lat, _ = geod.fwd(np.full(n, lon0), np.full(n, lat0), az, dist)
    return np.append(lon, lon[0]), np.append(lat, lat[0])


def _reference(geod, lon, lat):
    return abs(geod.polygon_area_perimeter(lon, lat)[0])


# GeographicLib's rounding on km-sized rings (its own result moves by this
# much when the ring's edges are split along the geodesics: see below).
ABS_M2 = 5e-4


@pytest.mark.parametrize("geod", [GRS80, SPHERE], ids=["GRS80", "sphere"])
@pytest.mark.parametrize("edge_m", [20.0, 100.0, 500.0, 1000.0])
def test_rings_match_geographiclib(geod, edge_m):
    rng = np.random.default_rng(int(edge_m))
    lons, lats, counts, ref = [], [], [], []
    for k in range(150):
        lon, lat = _ring(geod, rng.uniform(-179.0, 179.0), rng.uniform(-88.0, 88.0),
                         int(rng.integers(4, 60)), edge_m, seed=k, clockwise=bool(k % 2))
        lons.append(lon)
        lats.append(lat)
        counts.append(len(lon))
        ref.append(_reference(geod, lon, lat))
    got = ring_areas_m2(np.concatenate(lons), np.concatenate(lats), np.array(counts), geod)
    ref = np.array(ref)
    assert np.all(np.abs(got - ref) <= ABS_M2 + 1e-12 * ref)


def test_formula_is_stable_where_geographiclib_rounds():
    """Splitting every edge along its geodesic leaves the ring as it was:
    the formula's figure moves by < 1e-6 m², GeographicLib's by ~1e-4 m²."""
    lon, lat = _ring(GRS80, 126.6, 45.7, 50, 100.0, seed=3)
    dense_lon, dense_lat = [], []
    for i in range(len(lon) - 1):
        dense_lon.append(lon[i])
        dense_lat.append(lat[i])
        for x, y in GRS80.npts(lon[i], lat[i], lon[i + 1], lat[i + 1], 9):
            dense_lon.append(x)
            dense_lat.append(y)
    dense_lon.append(lon[-1])
    dense_lat.append(lat[-1])
    coarse = ring_areas_m2(lon, lat, [len(lon)], GRS80)[0]
    dense = ring_areas_m2(np.array(dense_lon), np.array(dense_lat), [len(dense_lon)], GRS80)[0]
    assert abs(dense - coarse) < 1e-6
    assert abs(coarse - _reference(GRS80, lon, lat)) < ABS_M2


def test_long_edges_polar_and_antimeridian_rings_go_to_geographiclib():
    cases = [
        # 1°x1° cell: edges of ~80-110 km.
        (np.array([126.0, 127.0, 127.0, 126.0, 126.0]), np.array([45.0, 45.0, 46.0, 46.0, 45.0])),
        # Around the north pole.
        (np.array([0.0, 90.0, 180.0, 270.0, 360.0]), np.array([85.0, 85.0, 85.0, 85.0, 85.0])),
        # Across the antimeridian.
        (np.array([179.999, -179.999, -179.999, 179.999, 179.999]),
         np.array([10.0, 10.0, 10.001, 10.001, 10.0])),
    ]
    for lon, lat in cases:
        got = ring_areas_m2(lon, lat, [len(lon)], GRS80)[0]
        assert got == _reference(GRS80, lon, lat)


def test_meridian_edges_are_exact_at_any_length():
    """A strip between two meridians, 0.005° wide and 3° tall: its long
    edges are meridians (straight on the equal-area map), its short ones
    are measured with the formula."""
    lon = np.array([126.0, 126.005, 126.005, 126.0, 126.0])
    lat = np.array([44.0, 44.0, 47.0, 47.0, 44.0])
    got = ring_areas_m2(lon, lat, [5], GRS80)[0]
    ref = _reference(GRS80, lon, lat)
    assert got == pytest.approx(ref, rel=1e-11)


def test_degenerate_rings_measure_zero_and_neighbours_stay_apart():
    lon = np.array([1.0, 1.001, 1.0, 5.0, 5.001, 5.001, 5.0, 5.0])
    lat = np.array([1.0, 1.001, 1.0, 5.0, 5.0, 5.001, 5.001, 5.0])
    got = ring_areas_m2(lon, lat, [3, 5], GRS80)
    assert got[0] == 0.0
    assert got[1] == pytest.approx(_reference(GRS80, lon[3:], lat[3:]), abs=ABS_M2)
    assert ring_areas_m2(np.zeros(0), np.zeros(0), np.zeros(0, dtype=int), GRS80).tolist() == []


@settings(max_examples=60, deadline=None)
@given(x=st.floats(120.0, 133.0), y=st.floats(42.0, 50.0), w=st.floats(1e-4, 2e-2),
       h=st.floats(1e-4, 2e-2), hole=st.booleans())
def test_polygons_with_holes_in_a_projected_crs(x, y, w, h, hole):
    """geodesic_area(s)_m2 = GeographicLib on the lon/lat of each ring, holes
    subtracted, for a polygon given in Gauss-Kruger (EPSG:4551)."""
    to_gk = pyproj.Transformer.from_crs(4490, 4551, always_xy=True)
    shell = shapely.box(x, y, x + w, y + h)
    geom = shell.difference(shapely.box(x + w / 4, y + h / 4, x + w / 2, y + h / 2)) if hole else shell
    geom = shapely.segmentize(geom, min(w, h) / 7)
    gk = shapely.transform(geom, lambda xy: np.column_stack(to_gk.transform(xy[:, 0], xy[:, 1])))
    back = pyproj.Transformer.from_crs(4551, 4490, always_xy=True)
    cgcs2000 = pyproj.CRS(4490).get_geod()
    expected = 0.0
    for i, ring in enumerate([gk.exterior, *gk.interiors]):
        lon, lat = back.transform(*np.asarray(ring.coords).T)
        expected += (1 if i == 0 else -1) * _reference(cgcs2000, lon, lat)
    assert geodesic_area_m2(gk, "EPSG:4551") == pytest.approx(expected, abs=ABS_M2, rel=1e-12)
    assert geodesic_areas_m2([gk, None], "EPSG:4551").tolist() == [geodesic_area_m2(gk, "EPSG:4551"), 0.0]


# --- straight_ring_areas_m2: edges straight in lon/lat ------------------------------------

def _straight_lines_limit(geod, lon, lat, step_deg=2e-5):
    """GeographicLib on the ring split every ~2 m along its lon/lat straight
    lines: what the straight-edge area is the limit of (each geodesic piece
    then bulges off the line by ~1e-7 m)."""
    coords = shapely.get_coordinates(shapely.segmentize(shapely.linearrings(
        np.column_stack([lon, lat])), step_deg))
    return _reference(geod, coords[:, 0], coords[:, 1])


@pytest.mark.parametrize("geod", [GRS80, SPHERE], ids=["GRS80", "sphere"])
def test_straight_edged_rings_are_the_limit_of_ever_finer_geodesic_ones(geod):
    rng = np.random.default_rng(11)
    lons, lats, counts, ref = [], [], [], []
    for k in range(12):
        lon0, lat0 = rng.uniform(-179.0, 179.0), rng.uniform(-85.0, 85.0)
        # edges of 100 m to 1 km: under STRAIGHT_MAX_EDGE_DEG, measured whole
        lon, lat = _ring(geod, lon0, lat0, int(rng.integers(4, 12)), 600.0, seed=k,
                         clockwise=bool(k % 2))
        lons.append(lon)
        lats.append(lat)
        counts.append(len(lon))
        ref.append(_straight_lines_limit(geod, lon, lat))
    got = straight_ring_areas_m2(np.concatenate(lons), np.concatenate(lats), np.array(counts), geod)
    assert got == pytest.approx(np.array(ref), rel=1e-9, abs=1e-3)


def test_straight_edges_differ_from_geodesic_ones_by_the_lens():
    """A 0.01° east-west edge at 45°N bounds a measurably different area as a
    straight lon/lat line than as a geodesic; meridian edges are the same."""
    lon = np.array([126.0, 126.01, 126.01, 126.0, 126.0])
    lat = np.array([45.0, 45.0, 45.01, 45.01, 45.0])
    counts = np.array([5])
    straight = straight_ring_areas_m2(lon, lat, counts, GRS80)[0]
    geodesic = ring_areas_m2(lon, lat, counts, GRS80)[0]
    assert straight == pytest.approx(_straight_lines_limit(GRS80, lon, lat), abs=1e-4)
    assert abs(straight - geodesic) > 1e-3
    # Rings of fewer than four points, and no rings at all, measure nothing;
    # the rings after them are unaffected.
    both = straight_ring_areas_m2(np.r_[[126.0, 126.1, 126.0], lon], np.r_[[45.0, 45.0, 45.0], lat],
                                  np.array([3, 5]), GRS80)
    assert both[0] == 0.0 and both[1] == straight
    assert straight_ring_areas_m2(np.zeros(0), np.zeros(0), np.zeros(0, dtype=int), GRS80).size == 0
