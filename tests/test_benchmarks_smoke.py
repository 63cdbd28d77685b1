"""The benchmark harness works (issue #9): a fast smoke test, no timings asserted.

The generator at a tiny size is deterministic and writes what a land survey
delivers (non-overlapping valid polygons inside the boundary, GBK with a
.cpg); each measuring function of ``benchmarks.run`` runs once on it.  The
boundaries are the real ones, coarsened here so the test stays fast.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import mapping, shape

from benchmarks import generate, peers, proc, run

N = 200


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """The Harbin boundary and districts, simplified (shared edges kept) for speed."""
    src = generate.reference_dir()  # falls back to the repo's data/harbin
    out = tmp_path_factory.mktemp("reference")
    districts = json.loads((src / "harbin_districts.geojson").read_text(encoding="utf-8"))
    geoms = shapely.coverage_simplify([shape(f["geometry"]) for f in districts["features"]], 0.01)
    for f, g in zip(districts["features"], geoms):
        f["geometry"] = mapping(g)
    city = json.loads((src / "harbin_city.geojson").read_text(encoding="utf-8"))
    city["features"][0]["geometry"] = mapping(shapely.coverage_union_all(geoms))
    for name, doc in (("harbin_districts.geojson", districts), ("harbin_city.geojson", city)):
        (out / name).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def layers(reference, tmp_path_factory):
    b = generate.load_boundaries(reference)
    one = generate.generate(N, tmp_path_factory.mktemp("one"), boundaries=b)
    two = generate.generate(N, tmp_path_factory.mktemp("two"), boundaries=b)
    return b, one, two


SUFFIXES = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def test_generator_is_deterministic(layers):
    _, one, two = layers
    for suffix in SUFFIXES:
        assert one.path.with_suffix(suffix).read_bytes() == two.path.with_suffix(suffix).read_bytes(), suffix


def test_attributes_are_gbk_with_cpg(layers):
    import fiona

    _, one, _ = layers
    assert one.path.with_suffix(".cpg").read_text() == "GBK"
    dbf = one.path.with_suffix(".dbf").read_bytes()
    assert dbf[29] == 0x4D  # language driver: code page 936
    assert "地类".encode("gbk") in dbf and "地类".encode("utf-8") not in dbf
    with fiona.open(one.path) as src:
        assert len(src) == N
        assert "EPSG:4551" in str(src.crs)
        assert list(src.schema["properties"])[:3] == ["图斑编号", "地类编码", "地类"]
        rows = [dict(f.properties) for f in src]
    from ecoinv import schema

    classes = {schema.resolve_code("class", r["地类"]) for r in rows}
    assert classes <= set(schema.LANDCOVER_CLASSES) and "forest" in classes
    assert all(r["权属单位"] and any("\u4e00" <= ch <= "\u9fff" for ch in r["权属单位"]) for r in rows)
    assert len({r["图斑编号"] for r in rows}) == N


def test_polygons_tile_the_boundary_without_overlap(layers):
    import fiona

    b, one, _ = layers
    with fiona.open(one.path) as src:
        geoms = np.array([shape(f.geometry) for f in src], dtype=object)
    assert shapely.is_valid(geoms).all()
    assert shapely.coverage_is_valid(geoms)          # shared edges match, nothing overlaps
    areas = shapely.area(geoms)
    union = shapely.coverage_union_all(geoms)
    assert abs(union.area - areas.sum()) <= 1e-9 * areas.sum()
    assert shapely.covers(b.city.buffer(0.01), geoms).all()
    assert abs(union.area - b.city.area) <= 1e-6 * b.city.area   # and cover all of it
    assert one.vertices > 20 * N                                  # irregular edges, not boxes


def test_size_labels():
    assert generate.parse_size("10k") == 10_000
    assert generate.parse_size("1M") == 1_000_000
    assert generate.parse_size(200) == 200
    assert generate.size_label(100_000) == "100k"
    with pytest.raises(ValueError):
        generate.parse_size("1.5")


def test_harness_runs_every_measure_once(layers, reference, tmp_path, monkeypatch):
    pytest.importorskip("ecoinv.importer")
    pytest.importorskip("ecoinv.metrics")
    monkeypatch.setenv("ECOINV_BENCH_REFERENCE", str(reference))
    b, one, _ = layers
    base = run.base_inventory(tmp_path / "cache", b)
    work = tmp_path / "work"
    work.mkdir()
    res = run.SizeResult(N, one.to_json())

    inventory = run.measure_import(N, one.path, base, work, 1, timeout=300, profile_dir=None,
                                   res=res)
    assert inventory is not None and inventory.exists()
    ours = res.details["import"]["ecoinv"][0]
    assert ours["added"] == N and ours["maxrss_mb"] > 0
    if peers.ogr2ogr_available():
        assert res.details["import"]["ogr2ogr"], "ogr2ogr did not run"
        assert res.rows[0].peer.endswith(" s")

    run.measure_coverage(N, inventory, 1, sql_timeout=300, profile_dir=None, res=res)
    cov = res.details["coverage"]
    assert cov["ecoinv_seconds"] and cov["sql_seconds"]
    assert cov["worst_diff_pct"] <= run.AGREEMENT_PCT

    if _has_renderer():
        run.measure_render(N, inventory, 1, timeout=300, profile_dir=None, res=res)
        assert "render" in res.details, [r.ours for r in res.rows]
        assert res.details["render"]["full"] and res.details["render"]["zoom"]

    md = run.render_markdown(run.machine_info(), "python -m benchmarks.run --sizes 200", "today",
                             [res], None, [], 1.0)
    out = tmp_path / "benchmarks.md"
    run.write_markdown(out, md)
    run.write_markdown(out, md)  # a second run replaces the results, keeps the rest
    text = out.read_text(encoding="utf-8")
    assert text.count(run.RESULTS_START.format(key="all")) == 1 and "| measure |" in text

    if _has_gui():
        st = run.measure_startup(inventory, 1, timeout=300, screenshot=False)
        assert st["seconds"], st


def _has_renderer() -> bool:
    try:
        import ecoinv.render.map  # noqa: F401
    except ImportError:
        return False
    return True


def _has_gui() -> bool:
    try:
        import ecoinv.gui.main_window  # noqa: F401
    except ImportError:
        return False
    return True


def test_peak_memory_counts_every_process_of_the_command():
    """A command whose work is spread over processes (ecoinv's import workers)
    is measured with all of them, not only its largest one."""
    script = ("import subprocess, sys, time\n"
              "hold = 'b = bytearray(120 * 2**20); b[::4096] = b\"x\" * len(b[::4096]); "
              "import time; time.sleep(1.0)'\n"
              "kids = [subprocess.Popen([sys.executable, '-c', hold]) for _ in range(2)]\n"
              "exec(hold)\n"
              "[k.wait() for k in kids]\n")
    r = proc.run_measured([sys.executable, "-c", script], timeout=60, sample_memory=True)
    assert r.ok, r.error()
    assert 120 < r.maxrss_mb < 240          # one process at a time
    assert r.tree_rss_mb > 3 * 120 and r.peak_mb == r.tree_rss_mb
    # Not sampled unless asked (the scan of /proc costs the command CPU):
    # the peak is then the largest process's own.
    plain = proc.run_measured([sys.executable, "-c", script], timeout=60)
    assert plain.ok and plain.tree_rss_mb == 0 and plain.peak_mb == plain.maxrss_mb
