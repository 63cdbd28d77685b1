"""The Linux desktop bundle runs on its own (``make package-test``; not in the default suite).

Runs the frozen ``ecoinv`` in a clean environment: no virtualenv, no
PYTHONPATH, an empty HOME, nothing but /usr/bin:/bin on PATH. Builds the
demo inventory, prints stats and writes a headless report. Any library or
data file missing from the bundle makes one of these fail.
"""
from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.package

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = Path(os.environ.get("ECOINV_BUNDLE", ROOT / "dist" / "ecoinv"))
EXE = BUNDLE / "ecoinv"


def clean_env(home: Path) -> dict:
    return {"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
            "QT_QPA_PLATFORM": "offscreen"}


def run(args, home, timeout=600):
    return subprocess.run([str(EXE), *args], env=clean_env(home), capture_output=True, text=True,
                          timeout=timeout, cwd=home)


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    if not EXE.exists():
        pytest.fail(f"{EXE} not built: run `make package` first")
    return tmp_path_factory.mktemp("bundle-home")


def test_version(home):
    r = run(["--version"], home)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("ecoinv ")


def test_bundle_carries_spatialite_and_its_libraries():
    internal = BUNDLE / "_internal"
    so = sorted((internal / "spatialite").glob("mod_spatialite.so*"))
    assert so, "mod_spatialite missing from the bundle"
    # Every library mod_spatialite needs resolves inside the bundle or to the
    # C runtime every Linux has.
    env = {"LD_LIBRARY_PATH": str(internal)}
    out = subprocess.run(["ldd", str(so[0])], env=env, capture_output=True, text=True).stdout
    base = ("libc.so", "libm.so", "libdl.so", "libpthread.so", "librt.so", "ld-linux", "linux-vdso",
            "libresolv.so")
    for line in out.splitlines():
        if "=>" not in line:
            continue
        name, target = (s.strip() for s in line.split("=>", 1))
        assert "not found" not in target, line
        if not name.startswith(base):
            assert str(internal) in target, f"{name} comes from the system: {target}"
    for rel in ("pyproj/proj_dir/share/proj/proj.db", "fiona/gdal_data", "data/demo.json",
                "resources/fonts", "resources/i18n"):
        assert (internal / rel).exists(), rel


def test_demo_stats_and_headless_report(home):
    started = time.monotonic()
    r = run(["demo", str(home / "demo.sqlite"), "--quiet"], home)
    assert r.returncode == 0, r.stderr[-2000:]
    r = run(["stats", str(home / "demo.sqlite"), "--format", "json"], home)
    assert r.returncode == 0, r.stderr[-2000:]
    stats = json.loads(r.stdout)
    counts = {row["category"]: row["count"] for row in stats["categories"]}
    assert counts["nature_reserve"] == 16 and counts["forest_park"] == 25
    r = run(["report", str(home / "demo.sqlite"), "-o", str(home / "report.pdf"), "--lang", "en"], home)
    assert r.returncode == 0, r.stderr[-2000:]
    assert (home / "report.pdf").stat().st_size > 50_000
    fonts = subprocess.run(["pdffonts", str(home / "report.pdf")], capture_output=True, text=True).stdout
    assert "yes" in fonts  # embedded
    print(f"bundle demo+stats+report: {time.monotonic() - started:.1f} s")


def test_gui_screenshot(home):
    out = home / "window.png"
    r = run(["gui", str(home / "demo.sqlite"), "--screenshot", str(out)], home)
    assert r.returncode == 0, r.stderr[-2000:]
    assert out.stat().st_size > 10_000


def test_import_with_worker_processes(home, tmp_path):
    """A large import's worker processes are the bundle's own executable,
    started again by multiprocessing (spawn): freeze_support must hand them
    to the worker and not start the app."""
    from shapely.geometry import box

    from tests.shapefile_factory import write_shapefile

    recs = [{"geometry": box(126 + 0.05 * (i % 10), 45 + 0.05 * (i // 10),
                             126.04 + 0.05 * (i % 10), 45.04 + 0.05 * (i // 10)),
             "properties": {"地类": ["林地", "水域"][i % 2], "图斑编号": f"T{i:03d}"}}
            for i in range(60)]
    shp = write_shapefile(tmp_path / "lc.shp", recs, encoding="gbk", cpg="GBK")
    if not (home / "demo.sqlite").exists():
        assert run(["demo", str(home / "demo.sqlite"), "--quiet"], home).returncode == 0
    for workers in ("1", "0"):
        db = home / f"workers-{workers}.sqlite"
        db.write_bytes((home / "demo.sqlite").read_bytes())
        r = run(["import", str(db), str(shp), "--layer", "landcover", "--workers", workers,
                 "--batch-size", "7", "--report-json", str(home / f"report-{workers}.json")],
                home, timeout=300)
        assert r.returncode == 0, r.stderr[-2000:]
        assert r.stderr == "" and "added 60" in r.stdout
    one, none = (json.loads((home / f"report-{w}.json").read_text()) for w in ("1", "0"))
    assert one["counts"] == none["counts"]
    # A worker that could not start would have left this note (and its
    # stray command line on stderr, checked above).
    assert not any("worker processes" in note for note in one["notes"]), one["notes"]
