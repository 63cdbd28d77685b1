"""The ecoinv side of each measurement, run as a child process.

``python -m benchmarks.ours import INVENTORY SHP``     import_file(..., "landcover")
``python -m benchmarks.ours coverage INVENTORY``       compute_stats (boundary, landcover, districts),
                                                     forest only
``python -m benchmarks.ours render INVENTORY``         MapRenderer frames, 1920x1080 QImage
``python -m benchmarks.ours startup INVENTORY T0``     main window to its first painted map

Each prints one result line (:func:`benchmarks.proc.report`).  ``--profile
OUT.html`` runs the measured part under pyinstrument and writes its report
(and a text version beside it).
"""
from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

from . import proc

# Harbin's centre (Songhua River by the Central Street): the zoomed view.
ZOOM_CENTRE_LONLAT = (126.63, 45.76)
ZOOM_SCALE = 50_000.0        # the zoomed view: 1:50,000 at 96 dpi (~25 km across 1920 px)
FRAME_SIZE = (1920, 1080)


@contextlib.contextmanager
def _profiled(out: str | None):
    if not out:
        yield
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(profiler.output_html(), encoding="utf-8")
        Path(out).with_suffix(".txt").write_text(
            profiler.output_text(unicode=True, color=False, show_all=False), encoding="utf-8")


# --------------------------------------------------------------------------- import

def do_import(inventory, shp, profile: str | None = None) -> dict:
    from ecoinv.importer import import_file
    from ecoinv.store import Inventory

    t0 = time.perf_counter()
    with _profiled(profile):
        inv = Inventory.open(inventory)
        try:
            t1 = time.perf_counter()
            report = import_file(inv, shp, "landcover")
            t2 = time.perf_counter()
        finally:
            inv.close()
    return {"seconds": t2 - t0, "import_seconds": t2 - t1, "status": report.status,
            "added": report.added, "repaired": report.repaired, "refused": report.refused,
            "skipped": report.skipped, "encoding": report.encoding,
            "source_crs": report.source_crs, "target_crs": report.target_crs}


# --------------------------------------------------------------------------- coverage

COVERAGE_SECTIONS = ["boundary", "landcover", "districts"]
# The question is forest coverage: the other land-cover classes are not asked for.
COVERAGE_CLASSES = ["forest"]


def coverage_figures(stats: dict) -> dict:
    """The forest figures out of compute_stats' result, in the peers' shape."""
    forest = next(r for r in stats["landcover"] if r["class"] == "forest")
    districts = [{"code": r["code"], "name": r["name"], "area_ha": r["area_ha"],
                  "forest_ha": r["forest_ha"] or 0.0, "forest_pct": r["forest_pct"]}
                 for r in stats["districts"] if r.get("row", "district") == "district"]
    return {"city": {"area_ha": stats["boundary"]["area_ha"], "forest_ha": forest["area_ha"],
                     "forest_pct": forest["coverage_pct"]},
            "districts": sorted(districts, key=lambda r: str(r["code"]))}


def do_coverage(inventory, profile: str | None = None) -> dict:
    from ecoinv.metrics import compute_stats
    from ecoinv.store import Inventory

    t0, c0 = time.perf_counter(), time.process_time()
    with _profiled(profile):
        inv = Inventory.open(inventory)
        try:
            stats = compute_stats(inv, sections=COVERAGE_SECTIONS, classes=COVERAGE_CLASSES)
        finally:
            inv.close()
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "cpu_seconds": time.process_time() - c0,
            **coverage_figures(stats),
            "dissolve": next(r["dissolve"] for r in stats["landcover"] if r["class"] == "forest")}


# --------------------------------------------------------------------------- render

def do_render(inventory, frames: int = 5, profile: str | None = None) -> dict:
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(["ecoinv-bench"])  # noqa: F841
    from ecoinv.render.map import MapRenderer
    from ecoinv.store import Inventory

    inv = Inventory.open(inventory)
    renderer = MapRenderer(inv)
    out: dict = {"frames": frames, "size": list(FRAME_SIZE)}

    cpu: dict[str, list] = {"full": [], "zoom": [], "pan": []}

    def frame(settings, kind: str | None = None) -> tuple[float, dict]:
        t, c = time.perf_counter(), time.thread_time()
        image = renderer.render_image(settings)
        dt = time.perf_counter() - t
        if kind:
            cpu[kind].append(time.thread_time() - c)
        assert image.width() == FRAME_SIZE[0] and image.height() == FRAME_SIZE[1]
        st = renderer.last_stats
        return dt, {"chunks": st.chunks, "built": st.chunks_built, "lod": st.lod, "labels": st.labels}

    with _profiled(profile):
        t = time.perf_counter()
        full = renderer.default_settings(*FRAME_SIZE)
        out["settings_seconds"] = time.perf_counter() - t
        out["display_crs"] = full.display_crs
        out["full_first"], out["full_first_stats"] = frame(full)
        times = [frame(full, "full")[0] for _ in range(frames)]
        out["full"] = times
        out["full_stats"] = frame(full)[1]
        cx, cy = renderer.to_display(*ZOOM_CENTRE_LONLAT, full.display_crs) \
            if inv.crs.is_geographic else renderer.to_display(
                *_lonlat_to_storage(inv, *ZOOM_CENTRE_LONLAT), full.display_crs)
        zoom = full.centered_on(float(cx), float(cy))
        zoom = zoom.zoomed(zoom.scale_denominator() / ZOOM_SCALE)
        out["zoom_scale"] = zoom.scale_denominator()
        out["zoom_first"], out["zoom_first_stats"] = frame(zoom)
        out["zoom"] = [frame(zoom, "zoom")[0] for _ in range(frames)]
        out["zoom_stats"] = frame(zoom)[1]
        # Panning at that scale: each frame shows a third of a view's width
        # of new ground (the paths of newly visible chunks are built).
        pans = []
        for i in range(frames):
            pans.append(frame(zoom.panned(-FRAME_SIZE[0] / 3 * (i + 1), 0), "pan")[0])
        out["pan"] = pans
    renderer.close()
    inv.close()
    out["full_median"] = statistics.median(out["full"])
    out["zoom_median"] = statistics.median(out["zoom"])
    out["pan_median"] = statistics.median(out["pan"])
    # CPU time of the rendering thread per frame: what the frame costs on an
    # otherwise idle core (the wall times above include waiting for a core).
    for kind, values in cpu.items():
        out[f"{kind}_cpu"] = values
        out[f"{kind}_cpu_median"] = statistics.median(values)
    return out


def _lonlat_to_storage(inv, lon, lat):
    import pyproj

    tr = pyproj.Transformer.from_crs("EPSG:4490", inv.crs, always_xy=True)
    return tr.transform(lon, lat)


# --------------------------------------------------------------------------- start-up

def do_startup(inventory, t_spawn: float, timeout_s: float = 120.0) -> dict:
    """Main window on ``inventory`` until the canvas has painted its first map.

    ``t_spawn`` is the parent's time.time() just before it started this
    process, so the figure includes the interpreter and the imports, as a
    user double-clicking the program waits for them.
    """
    marks = {"interpreter": time.time() - t_spawn}
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ecoinv.gui.app import create_app

    app = create_app(lang="zh_CN")
    from PySide6.QtCore import QEventLoop, QTimer

    from ecoinv.gui.main_window import MainWindow

    marks["imports"] = time.time() - t_spawn
    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    marks["window_shown"] = time.time() - t_spawn
    loop = QEventLoop()
    state: dict = {}

    def painted():
        if "first_frame" not in state:
            state["first_frame"] = time.time() - t_spawn
            loop.quit()

    def failed(msg):
        state["error"] = msg
        loop.quit()

    window.canvas.renderFinished.connect(painted)
    window.canvas.renderFailed.connect(failed)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    ok = window.open_inventory(inventory)
    marks["inventory_opened"] = time.time() - t_spawn
    if ok is False:
        state["error"] = "open_inventory failed"
    elif "first_frame" not in state:
        loop.exec()
    window.shutdown()
    window.close()
    app.processEvents()
    out = {"marks": marks, **state}
    out["seconds"] = state.get("first_frame")
    return out


# --------------------------------------------------------------------------- entry

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.ours")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("import")
    p.add_argument("inventory")
    p.add_argument("shp")
    p.add_argument("--profile")
    p = sub.add_parser("coverage")
    p.add_argument("inventory")
    p.add_argument("--profile")
    p = sub.add_parser("render")
    p.add_argument("inventory")
    p.add_argument("--frames", type=int, default=5)
    p.add_argument("--profile")
    p = sub.add_parser("startup")
    p.add_argument("inventory")
    p.add_argument("t_spawn", type=float)
    p.add_argument("--profile")
    args = ap.parse_args(argv)
    if args.cmd == "import":
        result = do_import(args.inventory, args.shp, args.profile)
    elif args.cmd == "coverage":
        result = do_coverage(args.inventory, args.profile)
    elif args.cmd == "render":
        result = do_render(args.inventory, args.frames, args.profile)
    else:
        with _profiled(args.profile):
            result = do_startup(args.inventory, args.t_spawn)
    proc.report(result)
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter teardown: PySide6 objects can crash there, and a
    # measured child has nothing left to clean up.
    os._exit(0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
