"""Properties of the coverage figures for random sites (hypothesis).

For any set of sites: a dissolved area is never more than the sum of the
sites' areas nor less than the largest single site (inside the boundary),
coverage stays within 0–100 %, and district rows add up to the city.

Sites come either as bare boxes (edges up to 2.6 km, for the rule that
edges are measured as drawn) or with a vertex every grid step like surveyed
boundaries (so that some are big enough to be cut into strips on the way).
"""
from __future__ import annotations

import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import box

from ecoinv import schema
from ecoinv.metrics import compute_stats
from ecoinv.store import Inventory

# Sites are drawn on a 0.0002° grid around a 0.04° city, so some stick out of it.
GRID = 0.0002
X0, Y0 = 126.0, 45.0
PROTECTED = schema.protected_categories()
REL = 1e-6


def cells(x, y, w, h, dense=True):
    """A box in grid units, with a vertex at every grid step along its edges if ``dense``."""
    b = box(X0 + x * GRID, Y0 + y * GRID, X0 + (x + w) * GRID, Y0 + (y + h) * GRID)
    return shapely.segmentize(b, GRID * 1.0001) if dense else b


CITY = cells(0, 0, 200, 200)

sites = st.lists(
    st.tuples(st.integers(-30, 220), st.integers(-30, 220), st.integers(1, 120),
              st.integers(1, 120), st.sampled_from(PROTECTED + ["water_source"])),
    min_size=1, max_size=6)


@pytest.fixture(scope="module")
def city_inventory(tmp_path_factory):
    inv = Inventory.create(tmp_path_factory.mktemp("prop") / "inv.sqlite")
    inv.insert("boundary", {"name": "city"}, CITY)
    for code, (i, j) in (("01", (0, 0)), ("02", (1, 0)), ("03", (0, 1)), ("04", (1, 1))):
        inv.insert("districts", {"name": code, "code": code}, cells(i * 100, j * 100, 100, 100))
    yield inv
    inv.close()


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(sites, st.booleans())
def test_dissolved_area_is_bounded_and_districts_add_up(city_inventory, drawn, dense):
    inv = city_inventory
    with inv.transaction():
        for f in list(inv.features("assets")):
            inv.delete("assets", f.id)
        for n, (x, y, w, h, cat) in enumerate(drawn):
            inv.insert("assets", {"name": f"site{n}", "category": cat}, cells(x, y, w, h, dense))

    s = compute_stats(inv, sections=["assets", "categories", "protected", "districts"])
    inside = {r["id"]: r["inside_ha"] for r in s["assets"]}
    cat_of = {r["id"]: r["category"] for r in s["assets"]}

    def check(dissolved, total, coverage, ids):
        assert dissolved <= total * (1 + REL)
        assert 0.0 <= coverage <= 100.0 * (1 + REL)
        if ids:
            assert dissolved >= max(inside[i] for i in ids) * (1 - REL)

    for r in s["categories"]:
        ids = [i for i, c in cat_of.items() if c == r["category"]]
        check(r["dissolved_area_ha"], r["area_ha"], r["coverage_pct"], ids)
    p = s["protected"]
    check(p["dissolved_area_ha"], p["area_ha"], p["coverage_pct"],
          [i for i, c in cat_of.items() if c in PROTECTED])
    per_category = [r["dissolved_area_ha"] for r in s["categories"] if r["protected"]]
    assert max(per_category) * (1 - REL) <= p["dissolved_area_ha"] <= sum(per_category) * (1 + REL)

    rows = s["districts"]
    assert [r["code"] for r in rows] == ["01", "02", "03", "04"]
    for r in s["categories"]:
        got = sum(d["sign"] * d[f"{r['category']}_ha"] for d in rows)
        assert got == pytest.approx(r["dissolved_area_ha"], rel=REL, abs=0.005)
        for d in rows:
            assert 0.0 <= d[f"{r['category']}_pct"] <= 100.0 * (1 + REL)


def grid_box(x, y, w, h):
    """A box on an integer grid with a vertex at every grid point of its outline,
    so that neighbours share edges vertex for vertex."""
    ring = ([(x + i, y) for i in range(w)] + [(x + w, y + j) for j in range(h)]
            + [(x + w - i, y + h) for i in range(w)] + [(x, y + h - j) for j in range(h)])
    return shapely.Polygon(ring)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(1, 4),
                          st.integers(1, 4), st.booleans()), min_size=1, max_size=7))
def test_union_of_disjoint_is_never_wrong(drawn):
    """The coverage union is returned only for polygons that do not overlap,
    and then it is their union; polygons that do not overlap (and share edges
    vertex for vertex) always get it."""
    from ecoinv.metrics.areas import union_of_disjoint

    geoms = [grid_box(x, y, w, h) for x, y, w, h, _ in drawn]
    geoms = [shapely.reverse(g) if flip else g for g, (*_, flip) in zip(geoms, drawn)]
    disjoint = all(a.intersection(b).area == 0
                   for i, a in enumerate(geoms) for b in geoms[i + 1:])
    union = union_of_disjoint(geoms)
    if union is None:
        assert not disjoint
    else:
        assert disjoint
        assert union.symmetric_difference(shapely.unary_union(geoms)).area == 0
        assert union.area == pytest.approx(sum(g.area for g in geoms))
