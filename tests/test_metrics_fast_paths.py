"""The statistics' fast paths give what the plain ones give.

Reading SpatiaLite's BLOBs directly, joining a coverage's outline into its
union, cutting in two threads and setting the districts up in the
background are checked against SpatiaLite's own WKB, GEOS's unions and
the one-thread route on real inventories, and the areas against pyproj's
Geod on shapes written out here.
"""
from __future__ import annotations

import numpy as np
import pyproj
import pytest
import shapely
from shapely import box
from shapely.geometry import MultiPolygon, Polygon

from ecoinv.geometry import (RaggedPolygons, points_from_spatialite,
                             ragged_multipolygons_from_spatialite)
from ecoinv.metrics import areas as metrics_areas
from ecoinv.metrics import compute as metrics_compute
from ecoinv.metrics import compute_stats
from ecoinv.metrics.areas import (_cancel, _is_outline, _polygons_from_edges, _ring_edges,
                                  densify_step, subdivide, union_of_disjoint)

GEOD = pyproj.CRS.from_epsg(4490).get_geod()
STEP = 0.01  # one grid cell, in degrees


def geod_ha(geom) -> float:
    """Reference area (ha) from pyproj, on edges split as ecoinv splits them
    (straight in lon/lat, at most 100 m)."""
    dense = shapely.segmentize(shapely.orient_polygons(geom), densify_step("EPSG:4490"))
    area, _ = GEOD.geometry_area_perimeter(dense)
    return abs(area) / 1e4


def cell(i, j, x0=126.0, y0=45.0):
    return box(x0 + i * STEP, y0 + j * STEP, x0 + (i + 1) * STEP, y0 + (j + 1) * STEP)


def grid(spec: str, x0=126.0, y0=45.0) -> list[Polygon]:
    """Cells of a grid drawn as text, top row first: '#' a cell, '.' none."""
    rows = spec.strip().splitlines()
    return [cell(i, len(rows) - 1 - j, x0, y0)
            for j, line in enumerate(rows) for i, ch in enumerate(line.strip()) if ch == "#"]


# Unions whose outline meets itself: holes touching their shell or one another,
# polygons touching at a corner, an island in a hole.
PINCHED = {
    "corners touching": "#.\n.#",
    "hole touching its shell": "##.\n#.#\n###",
    "two holes touching": "####\n##.#\n#.##\n####",
    "island in a hole": "#####\n#...#\n#.#.#\n#...#\n#####",
    "checkerboard": "#.#\n.#.\n#.#",
    "wide checkerboard": "\n".join(("#." * 15)[j % 2:][:24] for j in range(20)),
}


@pytest.mark.parametrize("spec", PINCHED.values(), ids=PINCHED.keys())
def test_outline_joined_into_the_union_where_rings_touch(spec):
    cells = grid(spec)
    expected = shapely.unary_union(cells)
    left = _cancel(*_ring_edges(cells))
    joined = _polygons_from_edges(*left)
    # Joined from the outline itself (not GEOS's coverage union), valid, and
    # exactly the union.
    assert joined is not None and _is_outline(joined, *left)
    assert joined.symmetric_difference(expected).area == 0
    assert shapely.normalize(joined).equals_exact(
        shapely.normalize(shapely.coverage_union_all(cells)), tolerance=0)
    assert union_of_disjoint(cells).equals(joined)


def test_union_areas_are_pyproj_s(inv):
    """A forest with a hole touching its outline and an island in another
    hole, in two districts: city and district figures against pyproj."""
    forest = grid("""
        ########
        ##.###.#
        #.#####.
        ######.#
        #...####
        #.#.####
        #...####
        ########""")
    city = box(126.0, 45.0, 126.08, 45.08)
    west, east = box(126.0, 45.0, 126.03, 45.08), box(126.03, 45.0, 126.08, 45.08)
    inv.insert("boundary", {"name": "测试市", "code": "000100"}, city)
    inv.insert("districts", {"name": "西区", "code": "01"}, west)
    inv.insert("districts", {"name": "东区", "code": "02"}, east)
    for g in forest:
        inv.insert("landcover", {"class": "forest", "year": 2023}, g)
    s = compute_stats(inv, sections=["boundary", "landcover", "districts"], classes=["forest"])
    union = shapely.unary_union(forest)
    lc = s["landcover"][0]
    assert lc["dissolve"] == "coverage"
    assert lc["area_ha"] == pytest.approx(geod_ha(union), rel=1e-9)
    rows = {r["code"]: r for r in s["districts"]}
    assert set(rows) == {"01", "02"}
    for code, d in (("01", west), ("02", east)):
        assert rows[code]["forest_ha"] == pytest.approx(geod_ha(union.intersection(d)), rel=1e-9)


def test_outline_that_is_not_a_coverage_is_refused():
    """Edges walked twice the same way, and T-junctions, leave no union."""
    cells = grid("###\n###")
    assert _cancel(*_ring_edges([*cells, cells[0]])) is None            # a parcel twice
    t_junction = [box(0, 0, 1, 2), box(1, 0, 2, 1), box(1, 1, 2, 2)]
    left = _cancel(*_ring_edges(t_junction))
    joined = _polygons_from_edges(*left)
    assert joined is None or not _is_outline(joined, *left)
    assert union_of_disjoint(t_junction) is None


# --- SpatiaLite's BLOBs read directly --------------------------------------------------

SHAPES = [
    box(126.0, 45.0, 126.1, 45.1).difference(box(126.02, 45.02, 126.05, 45.05)),
    MultiPolygon([box(127, 46, 127.01, 46.02),
                  box(127.1, 46, 127.2, 46.1).difference(box(127.12, 46.02, 127.13, 46.03))
                  .difference(box(127.15, 46.05, 127.17, 46.07)),
                  Polygon([(127.3, 46), (127.31, 46), (127.3, 46.01)])]),
    Polygon([(126.5, 45.5), (126.6, 45.5), (126.6, 45.6), (126.55, 45.55), (126.5, 45.6)]),
]


def multipolygons_from_spatialite(blobs):
    ragged = ragged_multipolygons_from_spatialite(blobs)
    return None if ragged is None else ragged.geometries()


def _stored(inv, layer="landcover"):
    rows = inv.conn.execute(f'SELECT geom, AsBinary(geom) FROM "{layer}" ORDER BY id').fetchall()
    return [r[0] for r in rows], shapely.from_wkb([r[1] for r in rows])


def test_spatialite_blobs_decode_as_spatialite_reads_them(inv):
    for k, g in enumerate(SHAPES):
        inv.insert("landcover", {"class": "forest", "year": 2023}, g)      # GeomFromWKB
    inv.insert_many("landcover", [{"class": "water", "year": 2023}] * len(SHAPES), SHAPES)
    blobs, expected = _stored(inv)
    got = multipolygons_from_spatialite(blobs)
    assert len(got) == 2 * len(SHAPES)
    assert all(g.geom_type == "MultiPolygon" for g in got)
    assert shapely.equals_exact(got, expected, tolerance=0).all()
    assert len(multipolygons_from_spatialite([])) == 0


def test_blobs_of_another_form_are_left_to_spatialite(inv):
    inv.insert("landcover", {"class": "forest"}, SHAPES[1])
    inv.insert("stations", {"name": "空气1", "kind": "air"}, shapely.Point(126.01, 45.09))
    (blob,), _ = _stored(inv)
    (point,), _ = _stored(inv, "stations")
    compressed = inv.conn.execute("SELECT CompressGeometry(geom) FROM landcover").fetchone()[0]
    for bad in ([point], [blob, None], [compressed], [blob[:-9] + blob[-1:]],
                [blob[:-1] + b"\x00\x00\x00\x00" + blob[-1:]], [blob[:40]]):
        assert multipolygons_from_spatialite(bad) is None
    assert multipolygons_from_spatialite([blob]) is not None


def test_points_decode_as_spatialite_reads_them(inv):
    points = [shapely.Point(126.01, 45.09), shapely.Point(-0.0, 1e-300),
              shapely.Point(127.123456789012, 44.987654321098)]
    for k, p in enumerate(points):
        inv.insert("stations", {"name": f"站{k}", "kind": "air"}, p)             # GeomFromWKB
    inv.insert_many("stations", [{"name": "批", "kind": "water"}] * len(points), points)
    blobs, expected = _stored(inv, "stations")
    got = points_from_spatialite(blobs)
    assert len(got) == 2 * len(points)
    assert shapely.equals_exact(got, expected, tolerance=0).all()
    assert len(points_from_spatialite([])) == 0
    # What the statistics read is what read_arrays reads through SpatiaLite.
    direct = metrics_compute._read_points(inv, "stations", ["name", "kind"])
    plain = inv.read_arrays("stations", columns=["name", "kind"])
    assert list(direct["id"]) == list(plain["id"]) and direct["name"] == plain["name"]
    assert shapely.equals_exact(direct["geometry"], plain["geometry"], tolerance=0).all()
    # Any other form is left to SpatiaLite.
    inv.insert("landcover", {"class": "forest"}, SHAPES[1])
    (area,), _ = _stored(inv)
    xyz = inv.conn.execute("SELECT MakePointZ(1, 2, 3, 4490)").fetchone()[0]
    for bad in ([area], [blobs[0], None], [xyz], [blobs[0][:-1]], [blobs[0][:-1] + b"\x00"],
                [blobs[0], b"\x01" + blobs[0][1:]]):
        assert points_from_spatialite(bad) is None
    # A station without a position: read through SpatiaLite.
    inv.conn.execute("UPDATE stations SET geom = NULL WHERE id = 2")
    again = metrics_compute._read_points(inv, "stations", ["name"])
    assert again["geometry"][1] is None
    assert shapely.equals_exact(again["geometry"][[0, 2]], expected[[0, 2]], tolerance=0).all()


@pytest.mark.parametrize("filters", [None, {"year": 2023}, {"class": ["forest"]},
                                     {"year": 2023, "class": ["forest", "water"]},
                                     {"year": None}], ids=str)
def test_polygons_read_directly_match_read_arrays(inv, filters):
    for k, g in enumerate(SHAPES * 3):
        inv.insert("landcover", {"class": ("forest", "water")[k % 2], "source_key": f"k{k}",
                                 "year": (2023, None, 2020)[k % 3]}, g)
    expected = inv.read_arrays("landcover", columns=["class", "source_key"], filters=filters)
    got = metrics_compute._read_polygons(inv, "landcover", ["class", "source_key"], filters)
    assert list(got["id"]) == list(expected["id"]) and len(got["id"])
    assert got["class"] == expected["class"] and got["source_key"] == expected["source_key"]
    assert shapely.equals_exact(got["geometry"], expected["geometry"], tolerance=0).all()
    # BLOBs SpatiaLite stored some other way (compressed, which moves the
    # vertices a little): read through read_arrays.
    inv.conn.execute("UPDATE landcover SET geom = CompressGeometry(geom) WHERE id = 1")
    expected = inv.read_arrays("landcover", columns=["class", "source_key"], filters=filters)
    again = metrics_compute._read_polygons(inv, "landcover", ["class", "source_key"], filters)
    assert list(again["id"]) == list(expected["id"])
    assert shapely.equals_exact(again["geometry"], expected["geometry"], tolerance=0).all()


# --- cutting in one call, in two threads ----------------------------------------------

def test_clipping_all_at_once_is_clipping_one_by_one():
    polys = np.array([g for s in SHAPES for g in shapely.get_parts(s)], dtype=object)
    x0, y0, x1, y1 = shapely.bounds(polys).T
    xm = (x0 + x1) / 2
    got = metrics_areas._clip_all(polys, x0 - 1, y0 - 1, xm, y1 + 1)
    one_by_one = [shapely.clip_by_rect(p, a, b, c, d)
                  for p, a, b, c, d in zip(polys, x0 - 1, y0 - 1, xm, y1 + 1)]
    assert shapely.equals_exact(got, one_by_one, tolerance=0).all()


def test_intersections_cut_and_measured_in_two_threads_are_the_pairwise_ones(monkeypatch):
    a = np.array(subdivide([shapely.buffer(shapely.Point(0, 0), 10, quad_segs=400)], 64)[0])
    b = np.array([shapely.buffer(shapely.Point(x, 1), 3) for x in np.linspace(-9, 9, len(a))])
    monkeypatch.setattr(metrics_areas, "PARALLEL_MIN_PAIRS", 2)
    pieces, which, areas = metrics_areas._measured_overlays(a, b, "EPSG:4490")
    expected, owner = metrics_areas.polygons_with_owner(shapely.intersection(a, b))
    assert len(pieces) == len(expected) and len(a) > 2 and len(set(which)) > 2
    # The same polygons, vertex for vertex (b is cut down to the part near a
    # first: a ring may start elsewhere, a crossing point move by an ulp).
    assert shapely.equals_exact(shapely.normalize(pieces), shapely.normalize(expected),
                                tolerance=1e-12).all()
    assert (which == owner).all()
    assert areas == pytest.approx(metrics_areas.polygon_areas_m2(expected, "EPSG:4490"),
                                  rel=1e-12)


def test_strips_cut_down_near_a_part_fall_back_to_the_whole_strip_when_invalid():
    """The rectangle clipper joins a hole touching its shell into the shell's
    ring (not valid): that strip is kept whole, and the cut is the same."""
    shell = [(0, 3), (1, 3), (2, 3), (2, 2), (3, 2), (3, 1), (3, 0), (2, 0), (1, 0), (0, 0),
             (0, 1), (0, 2)]
    touching = Polygon(shell, [[(1, 2), (1, 1), (2, 1), (2, 2)]])   # the hole meets (2, 2)
    plain = box(0, 0, 3, 3)
    parts = np.array([box(1.6, -0.5, 3.5, 3.5), box(1.6, -0.5, 3.5, 3.5)])
    strips = np.array([touching, plain])
    near = metrics_areas._near(strips, parts)
    assert near[0] is touching                      # clipped, it would not be valid
    # The other clipped to a little more than the part's box.
    assert plain.covers(near[1]) and near[1].covers(box(1.6, 0, 3, 3))
    assert 1.59 < near[1].bounds[0] < 1.6
    _, which, areas = metrics_areas._measured_overlays(parts, strips, "EPSG:4490")
    assert np.bincount(which, areas, minlength=2) == pytest.approx(
        metrics_areas.measure_m2(shapely.intersection(parts, strips), "EPSG:4490"), rel=1e-12)


# --- districts set up in the background ---------------------------------------------------

@pytest.mark.parametrize("layout", ["tiled", "gap and overlap", "none"])
def test_districts_set_up_in_the_background_are_the_plain_ones(inv, monkeypatch, layout):
    # A city of two features (a note), two years of land cover (another).
    for half in (box(126.0, 45.0, 126.04, 45.08), box(126.04, 45.0, 126.08, 45.08)):
        inv.insert("boundary", {"name": "测试市", "code": "000100"}, half)
    districts = {"tiled": [box(126.0, 45.0, 126.03, 45.08), box(126.03, 45.0, 126.08, 45.08)],
                 "gap and overlap": [box(125.99, 45.0, 126.04, 45.08),
                                     box(126.03, 45.0, 126.08, 45.07)],
                 "none": []}[layout]
    for k, g in enumerate(districts):
        inv.insert("districts", {"name": f"区{k}", "code": f"0{k + 1}"}, g)
    for g in grid("####.###\n##.#####\n#####.##", y0=45.03):
        inv.insert("landcover", {"class": "forest", "year": 2023}, g)
    inv.insert("landcover", {"class": "forest", "year": 2020}, box(126.0, 45.0, 126.01, 45.01))
    runs = [["boundary", "landcover", "districts", "outside_boundary"],
            ["landcover", "districts"], ["districts", "landcover"]]
    background = [compute_stats(inv, sections=s) for s in runs]
    # The same runs with the districts set up where they are first needed.
    monkeypatch.setattr(metrics_compute._Run, "_start_districts", lambda self, boundary: None)
    plain = [compute_stats(inv, sections=s) for s in runs]
    assert background == plain  # figures, rows and notes, in the same order
    for s in background:
        assert ("no districts in the inventory" in s["notes"]) == (layout == "none")
        assert any("2 features" in n for n in s["notes"])


def test_tiling_is_proven_from_the_outlines():
    cells = grid("####\n####\n####")
    city = shapely.coverage_union_all(cells)  # the cells' outline, vertex for vertex
    assert city.geom_type == "Polygon" and len(city.exterior.coords) == 15
    assert metrics_areas.tile_exactly(cells, city)
    assert metrics_areas.tile_exactly(cells, MultiPolygon([shapely.reverse(city)]))
    assert not metrics_areas.tile_exactly(cells[1:], city)             # a gap
    assert not metrics_areas.tile_exactly([*cells, cells[0]], city)    # an overlap
    # The same area, but an outline without the cells' vertices on it.
    assert not metrics_areas.tile_exactly(cells, box(126.0, 45.0, 126.04, 45.03))
    assert not metrics_areas.tile_exactly(cells, shapely.coverage_union_all(grid("#####\n" * 3)))
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    assert not metrics_areas.tile_exactly([bowtie], bowtie)            # invalid


def test_raw_geometry_is_what_spatialite_stores(inv):
    for k in range(3):
        inv.insert("landcover", {"class": "forest", "year": 2020 + k}, cell(k, 0))
    raw = inv.read_arrays("landcover", columns=["year"], filters={"year": [2021]},
                          raw_geometry=True)
    assert list(raw["id"]) == [2] and raw["year"] == [2021] and "geometry" not in raw
    assert raw["blob"] == [inv.conn.execute("SELECT geom FROM landcover WHERE id = 2")
                           .fetchone()[0]]


def test_distinct_values_are_those_sqlite_finds(inv):
    assert inv.distinct_values("landcover", "year") == set()
    for k, year in enumerate([2023, None, 2020, 2023, 2021, None, 2020]):
        inv.insert("landcover", {"class": "forest", "year": year}, cell(k, 0))
    expected = {r[0] for r in inv.conn.execute("SELECT DISTINCT year FROM landcover")}
    assert inv.distinct_values("landcover", "year") == expected == {2020, 2021, 2023,
                                                                                None}
    assert inv.distinct_values("landcover", "class") == {"forest"}


def _ragged(geoms):
    _, coords, offsets = shapely.to_ragged_array(np.asarray(geoms, dtype=object))
    return RaggedPolygons(coords, *offsets)


def test_rings_from_coordinate_arrays_are_the_rings_of_the_geometries():
    """Orientation, holes and parts read from coordinate arrays as GEOS reads
    them from the geometries, thin rings (sign of the shoelace sum in doubt)
    included."""
    thin = Polygon([(126.0, 45.0), (126.5, 45.0 + 1e-12), (127.0, 45.0 + 2e-12 + 1e-15)])
    geoms = [MultiPolygon([g]) if g.geom_type == "Polygon" else g
             for g in [*SHAPES, thin, shapely.reverse(thin), *map(shapely.reverse, SHAPES)]]
    generic = _ring_edges(geoms)
    ragged = _ring_edges(geoms, _ragged(geoms))
    assert np.array_equal(generic[0], ragged[0]) and np.array_equal(generic[1], ragged[1])
    cells = grid("###\n#.#\n###")
    assert union_of_disjoint(cells, _ragged([MultiPolygon([c]) for c in cells])).equals(
        shapely.unary_union(cells))


def test_ragged_polygons_take_what_shapely_would():
    geoms = np.array([MultiPolygon([g]) if g.geom_type == "Polygon" else g
                      for g in SHAPES * 4], dtype=object)
    ragged = _ragged(geoms)
    assert shapely.equals_exact(ragged.geometries(), geoms, tolerance=0).all()
    for which in (np.arange(len(geoms)) % 3 == 1, np.array([5, 0, 7]), np.zeros(len(geoms), bool)):
        got = ragged.take(which)
        assert len(got) == len(geoms[which])
        assert shapely.equals_exact(got.geometries(), geoms[which], tolerance=0).all()
        _, coords, offsets = shapely.to_ragged_array(geoms[which]) if len(got) else (0, 0, 0)
        if len(got):
            assert np.array_equal(got.coords, coords)
            assert all(np.array_equal(a, b) for a, b in
                       zip((got.ring_offsets, got.part_offsets, got.geom_offsets), offsets))


def test_orientation_of_nearly_flat_rings_is_geos_s():
    """Triangles all but flat, whose shoelace sum rounding can turn either
    way: the orientation read from coordinates is GEOS's robust one."""
    rng = np.random.default_rng(3)
    n = 4000
    p0, d = rng.uniform(-1, 1, (n, 2)), rng.uniform(-1, 1, (n, 2))
    off = rng.choice([-1, 1], n) * 10.0 ** rng.uniform(-18, -12, n)
    p2 = p0 + rng.uniform(0.1, 0.9, n)[:, None] * d + off[:, None] * [-1, 1] * d[:, ::-1]
    rings = np.stack([p0, p0 + d, p2, p0], axis=1).reshape(-1, 2)
    expected = shapely.is_ccw(shapely.linearrings(rings, indices=np.repeat(np.arange(n), 4)))
    got = metrics_areas._counter_clockwise(rings.copy().view(np.complex128).ravel(),
                                           np.full(n, 4))
    assert (got == expected).all() and 0 < expected.sum() < n


@pytest.mark.parametrize("overlap", [False, True])
def test_edges_cancelled_in_two_halves_are_those_cancelled_in_one(monkeypatch, overlap):
    """Above PARALLEL_MIN_EDGES, keys are made and segments sorted in two
    halves on two threads: the edges left, and their order, are those of
    one pass (so the union is the same, vertex for vertex)."""
    cells = [cell(i, j) for i in range(12) for j in range(12)]
    if overlap:
        cells.append(cell(0, 0))  # a corner parcel twice: its outer edges walked twice one way
    start, end = _ring_edges(np.asarray(cells, dtype=object))
    one = _cancel(start, end)
    monkeypatch.setattr(metrics_areas, "PARALLEL_MIN_EDGES", 1)
    two = _cancel(start, end)
    if overlap:
        assert one is None and two is None
        return
    assert one is not None and two is not None
    assert np.array_equal(one[0], two[0]) and np.array_equal(one[1], two[1])
    assert len(one[0]) == 4 * 12  # the outline: 12 cell sides along each side of the grid
    union = metrics_areas.union_of_disjoint(np.asarray(cells, dtype=object))
    assert union is not None and union.normalize().equals_exact(
        shapely.union_all(cells).normalize(), 0)


def test_city_area_of_districts_that_tile_it_is_the_boundary_s(inv):
    """Districts proven to tile a one-feature boundary give its area (the
    boundary is then not measured again): the same as measuring it."""
    outline = shapely.Polygon([(126.0, 45.0), (126.3, 45.02), (126.31, 45.2), (126.02, 45.25)])
    west = shapely.intersection(outline, box(125.9, 44.9, 126.13, 45.3))
    east = shapely.difference(outline, west)
    city = shapely.coverage_union_all([west, east])  # with the vertices where they meet
    inv.insert("boundary", {"name": "测试市", "code": "000100"}, city)
    for k, g in enumerate([west, east]):
        inv.insert("districts", {"name": f"区{k}", "code": f"0{k + 1}"}, g)
    with_districts = compute_stats(inv, sections=["boundary", "districts"])
    alone = compute_stats(inv, sections=["boundary"])["boundary"]
    assert metrics_areas.tile_exactly(np.array([west, east]), city)
    got = with_districts["boundary"]
    assert got["area_ha"] == pytest.approx(alone["area_ha"], rel=1e-13)
    assert got["features"][0]["area_ha"] == got["area_ha"]
    assert got["area_ha"] == pytest.approx(geod_ha(city), rel=1e-9)
    rows = with_districts["districts"]
    assert sum(r["area_ha"] for r in rows) == pytest.approx(got["area_ha"], rel=1e-14)
