"""Benchmarks at city scale, side by side with the peer tools (issue #9).

    python -m benchmarks.run [--sizes 10k,100k] [--repeat 5] [--cache DIR]
                             [--only import,coverage,render,startup]
                             [--output docs/benchmarks.md] [--profile]

For each size: the land-cover shapefile (generated once into the cache), an
inventory holding the real Harbin boundary and districts (imported once with
ecoinv's importer), then

1. import: ecoinv's ``import_file`` vs ``ogr2ogr -f SQLite -dsco SPATIALITE=YES``,
   alternating, each in a fresh process (wall time and peak RSS);
2. coverage: ``compute_stats`` vs the same forest figures in SpatiaLite SQL on
   the same file, alternating, each in a fresh process; both answers are kept
   and compared;
3. render: full-extent and 1:50,000 redraws into a 1920x1080 QImage;

and once per run 4. start-up: the main window on the demo inventory until its
first painted map.  Medians of ``--repeat`` runs (one run at 1M unless
``--repeat-large``).  Targets are reported as pass/short, never asserted.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import generate, peers, proc

MEASURES = ("import", "coverage", "render", "startup")
AGREEMENT_PCT = 0.1
TARGETS = {
    "import_ratio": 1.2,          # ecoinv / ogr2ogr at 100k
    "import_mem_mb_1m": 4096.0,   # peak RSS at 1M
    "coverage_ratio": 1 / 5,      # ecoinv / SQL (5x faster)
    "full_ms": 200.0,             # 100k full redraw
    "zoom_ms": 50.0,              # 100k zoomed redraw
    "startup_s": 1.5,
}
# Each run writes its block, named by its sizes, into the Markdown file:
# a run with the same sizes replaces it, other blocks and text are kept.
RESULTS_START = "<!-- benchmark results {key}: written by python -m benchmarks.run -->"
RESULTS_END = "<!-- end of benchmark results {key} -->"
RESULTS_SLOT = "<!-- new benchmark results go above this line -->"


def block_key(sizes: list[int], only: list[str]) -> str:
    key = ",".join(generate.size_label(n) for n in sizes)
    if set(only) != set(MEASURES):
        key += " only " + ",".join(m for m in MEASURES if m in only)
    return key


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


# --------------------------------------------------------------------------- the inventory

def base_inventory(cache: Path, boundaries: generate.Boundaries) -> Path:
    """An inventory with the city boundary and its 18 districts, made once with ecoinv's importer."""
    ref = generate.reference_dir()
    from ecoinv.store import PAGE_SIZE, SCHEMA_VERSION

    # Named by the inventory format too: a new one is made when it changes.
    path = (cache / "base"
            / f"harbin-base-{boundaries.digest}-s{SCHEMA_VERSION}p{PAGE_SIZE}.sqlite")
    if path.exists():
        return path
    from ecoinv.importer import import_file
    from ecoinv.store import Inventory

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".building")
    if tmp.exists():
        tmp.unlink()
    log(f"building the base inventory from {ref}")
    inv = Inventory.create(tmp, name="哈尔滨市 benchmark")
    try:
        import_file(inv, ref / "harbin_city.geojson", "boundary", mapping={"code": "adcode"})
        import_file(inv, ref / "harbin_districts.geojson", "districts", mapping={"code": "adcode"})
    finally:
        inv.close()
    os.replace(tmp, path)
    return path


def _remove_db(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        p = Path(str(path) + suffix)
        if p.exists():
            p.unlink()


def demo_inventory(cache: Path) -> Path | None:
    """The Harbin demo inventory, built with ecoinv.demo.build_demo (None if data/ lacks it)."""
    from ecoinv.paths import data_dir

    data = data_dir()
    if not (data / "demo.json").exists():
        return None
    h = hashlib.sha256()
    for f in sorted(p for p in data.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(str(f.relative_to(data)).encode())
        h.update(f.read_bytes())
    path = cache / "demo" / f"harbin-demo-{h.hexdigest()[:12]}.sqlite"
    if not path.exists():
        from ecoinv.demo import build_demo

        log("building the demo inventory")
        build_demo(path, force=True)
    return path


# --------------------------------------------------------------------------- results

@dataclass
class Row:
    measure: str
    ours: str
    peer: str = "—"
    ratio: str = "—"
    target: str = "—"
    status: str = "—"


@dataclass
class SizeResult:
    n: int
    layer: dict
    rows: list[Row] = field(default_factory=list)
    details: dict = field(default_factory=dict)


def _fmt_s(v) -> str:
    if v is None:
        return "n/a"
    return f"{v:.2f} s" if v < 100 else f"{v:.0f} s"


def _fmt_ms(v) -> str:
    if v is None:
        return "n/a"
    return f"{v * 1000:.0f} ms" if v < 10 else f"{v:.1f} s"


def _fmt_mb(v) -> str:
    return "n/a" if v is None else (f"{v:.0f} MB" if v < 10_000 else f"{v / 1024:.1f} GB")


def _ratio(a, b) -> str:
    return "—" if (a is None or b is None or b == 0) else f"{a / b:.2f}×"


def _verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("pass" if ok else "short")


# --------------------------------------------------------------------------- measures

def measure_import(n: int, shp: Path, base: Path, work: Path, repeat: int, *,
                   timeout: float, profile_dir: Path | None, res: SizeResult) -> Path | None:
    ours, peer, details = [], [], []
    inventory = work / "inventory.sqlite"
    for i in range(repeat):
        # ecoinv: a copy of the base inventory (boundary + districts), then the layer.
        target = work / f"ecoinv-{i}.sqlite"
        _remove_db(target)
        shutil.copyfile(base, target)
        log(f"{generate.size_label(n)} import {i + 1}/{repeat}: ecoinv")
        cmd = proc.python_module("benchmarks.ours", "import", target, shp)
        if profile_dir is not None and i == 0:
            cmd += ["--profile", str(profile_dir / f"import-{generate.size_label(n)}.html")]
        r = proc.run_measured(cmd, timeout=timeout, sample_memory=True)
        if r.ok and r.result.get("status") == "imported":
            if profile_dir is None or i > 0 or repeat == 1:
                ours.append((r.wall, r.peak_mb, r.cpu))
            details.append({"wall": r.wall, "maxrss_mb": r.maxrss_mb, "peak_mb": r.peak_mb,
                            "cpu": r.cpu, **r.result,
                            "profiled": profile_dir is not None and i == 0})
            _remove_db(inventory)
            os.replace(target, inventory)
        else:
            details.append({"error": r.error()})
            log(f"  ecoinv import failed: {r.error()}")
            _remove_db(target)
        log(f"{generate.size_label(n)} import {i + 1}/{repeat}: ogr2ogr")
        out = work / "ogr2ogr.sqlite"
        p = peers.ogr2ogr_import(shp, out, timeout=timeout)
        if p.ok:
            peer.append((p.wall, p.peak_mb, p.cpu))
        else:
            log(f"  ogr2ogr failed: {p.error()}")
            details.append({"ogr2ogr_error": p.error()})
        _remove_db(out)
    t_ours = _median([w for w, _, _ in ours])
    t_peer = _median([w for w, _, _ in peer])
    c_ours = _median([c for _, _, c in ours])
    c_peer = _median([c for _, _, c in peer])
    m_ours = max((m for _, m, _ in ours), default=None)
    m_peer = max((m for _, m, _ in peer), default=None)
    at_100k = n == 100_000
    ok = None if not (at_100k and t_ours and t_peer) else t_ours / t_peer <= TARGETS["import_ratio"]
    res.rows.append(Row("import, shapefile → inventory (wall)", _fmt_s(t_ours), _fmt_s(t_peer),
                        _ratio(t_ours, t_peer),
                        "≤ 1.20× at 100k" if at_100k else "(≤ 1.20× at 100k)", _verdict(ok)))
    res.rows.append(Row("  import, CPU time (user + system)", _fmt_s(c_ours), _fmt_s(c_peer),
                        _ratio(c_ours, c_peer)))
    mem_ok = None
    if n >= 1_000_000 and m_ours is not None:
        mem_ok = m_ours < TARGETS["import_mem_mb_1m"]
    res.rows.append(Row("import, peak memory (RSS, all its processes)", _fmt_mb(m_ours),
                        _fmt_mb(m_peer),
                        _ratio(m_ours, m_peer),
                        "< 4 GB at 1M" if n >= 1_000_000 else "(< 4 GB at 1M)", _verdict(mem_ok)))
    res.details["import"] = {"ecoinv": details, "ogr2ogr": [{"wall": w, "maxrss_mb": m, "cpu": c}
                                                          for w, m, c in peer],
                             "ogr2ogr_command": shlex.join(peers.ogr2ogr_command(shp, "OUT.sqlite"))}
    return inventory if inventory.exists() else None


def _agreement(ours: dict, sql: dict) -> tuple[float, list[dict]]:
    """Largest relative difference (%) of the forest areas, city and districts."""
    pairs = [("city", ours["city"], sql["city"])]
    by_code = {d["code"]: d for d in sql["districts"]}
    for d in ours["districts"]:
        pairs.append((f"{d['code']} {d['name']}", d, by_code.get(d["code"])))
    worst, table = 0.0, []
    for label, a, b in pairs:
        if b is None:
            table.append({"where": label, "ecoinv_ha": a["forest_ha"], "sql_ha": None})
            worst = float("inf")
            continue
        fa, fb = a["forest_ha"] or 0.0, b["forest_ha"] or 0.0
        scale = max(abs(fb), 1.0)  # areas under a hectare: compare in hectares
        diff = 100.0 * abs(fa - fb) / scale
        worst = max(worst, diff)
        table.append({"where": label, "ecoinv_ha": fa, "sql_ha": fb, "diff_pct": diff,
                      "ecoinv_pct": a.get("forest_pct"), "sql_pct": b.get("forest_pct")})
    return worst, table


def measure_coverage(n: int, inventory: Path, repeat: int, *, sql_timeout: float,
                     profile_dir: Path | None, res: SizeResult) -> None:
    ours, sql, last_ours, last_sql, sql_timed_out = [], [], None, None, False
    ours_cpu, sql_cpu = [], []
    for i in range(repeat):
        log(f"{generate.size_label(n)} coverage {i + 1}/{repeat}: ecoinv")
        cmd = proc.python_module("benchmarks.ours", "coverage", inventory)
        if profile_dir is not None and i == 0:
            cmd += ["--profile", str(profile_dir / f"coverage-{generate.size_label(n)}.html")]
        r = proc.run_measured(cmd, timeout=sql_timeout)
        if r.ok:
            if profile_dir is None or i > 0 or repeat == 1:
                ours.append(r.result["seconds"])
                ours_cpu.append(r.result.get("cpu_seconds"))
            last_ours = r.result
        else:
            log(f"  ecoinv coverage failed: {r.error()}")
        if sql_timed_out:
            continue
        log(f"{generate.size_label(n)} coverage {i + 1}/{repeat}: SpatiaLite SQL")
        s = peers.run_sql_coverage(inventory, timeout=sql_timeout)
        if s.ok:
            sql.append(s.result["seconds"])
            sql_cpu.append(s.result.get("cpu_seconds"))
            last_sql = s.result
        elif s.timed_out:
            sql_timed_out = True
            log(f"  SQL route killed after {sql_timeout:.0f} s")
        else:
            log(f"  SQL route failed: {s.error()}")
    t_ours, t_sql = _median(ours), _median(sql)
    sql_text = f"> {sql_timeout:.0f} s (killed)" if sql_timed_out and t_sql is None else _fmt_s(t_sql)
    if t_ours is not None and t_sql is not None:
        ratio, ok = _ratio(t_ours, t_sql), t_ours / t_sql <= TARGETS["coverage_ratio"]
    elif t_ours is not None and sql_timed_out:
        ratio, ok = f"< {t_ours / sql_timeout:.3f}×", t_ours <= TARGETS["coverage_ratio"] * sql_timeout
    else:
        ratio, ok = "—", None
    res.rows.append(Row("coverage: forest, city + 18 districts", _fmt_s(t_ours), sql_text, ratio,
                        "≤ 0.20× (5× faster)", _verdict(ok)))
    c_ours, c_sql = _median(ours_cpu), _median(sql_cpu)
    res.rows.append(Row("  coverage, CPU time", _fmt_s(c_ours),
                        _fmt_s(c_sql) if c_sql is not None else "—", _ratio(c_ours, c_sql)))
    detail: dict = {"ecoinv_seconds": ours, "sql_seconds": sql, "sql_timed_out": sql_timed_out,
                    "ecoinv_cpu": ours_cpu, "sql_cpu": sql_cpu,
                    "sql_steps": last_sql.get("steps") if last_sql else None,
                    "dissolve": last_ours.get("dissolve") if last_ours else None}
    if last_ours and last_sql:
        worst, table = _agreement(last_ours, last_sql)
        detail["agreement"] = table
        detail["worst_diff_pct"] = worst
        res.rows.append(Row("  forest coverage of the city",
                            f"{last_ours['city']['forest_pct']:.3f} %",
                            f"{last_sql['city']['forest_pct']:.3f} %", "—",
                            "same numbers (±0.1 %)", "—"))
        res.rows.append(Row("  forest area, largest difference (city, districts)",
                            f"{worst:.4f} %", "", "—", f"≤ {AGREEMENT_PCT} %",
                            _verdict(worst <= AGREEMENT_PCT)))
    elif last_ours:
        res.rows.append(Row("  forest coverage of the city",
                            f"{last_ours['city']['forest_pct']:.3f} %", "n/a", "—",
                            "same numbers (±0.1 %)", "—"))
    res.details["coverage"] = detail


def measure_render(n: int, inventory: Path, frames: int, *, timeout: float,
                   profile_dir: Path | None, res: SizeResult) -> None:
    log(f"{generate.size_label(n)} render: {frames} frames each")
    cmd = proc.python_module("benchmarks.ours", "render", inventory, "--frames", frames)
    r = proc.run_measured(cmd, timeout=timeout)
    if not r.ok:
        log(f"  render failed: {r.error()}")
        res.rows.append(Row("render", f"failed: {r.error()[:80]}"))
        return
    d = r.result
    at_100k = n == 100_000
    full_ok = d["full_median"] * 1000 < TARGETS["full_ms"] if at_100k else None
    zoom_ok = d["zoom_median"] * 1000 < TARGETS["zoom_ms"] if at_100k else None
    tag = "" if at_100k else " (at 100k)"
    res.rows.append(Row("render: full-extent redraw, 1920×1080", _fmt_ms(d["full_median"]),
                        target=f"< 200 ms{tag}", status=_verdict(full_ok)))
    res.rows.append(Row("render: zoomed redraw (1:50,000, city centre)",
                        _fmt_ms(d["zoom_median"]), target=f"< 50 ms{tag}",
                        status=_verdict(zoom_ok)))
    res.rows.append(Row("  CPU per frame, full / zoomed (rendering thread)",
                        f"{_fmt_ms(d['full_cpu_median'])} / {_fmt_ms(d['zoom_cpu_median'])}"))
    res.rows.append(Row("  first full frame (reads and prepares the layers)",
                        _fmt_ms(d["full_first"])))
    res.rows.append(Row("  zoomed pan, 1/3 view of new ground per frame",
                        _fmt_ms(d["pan_median"])))
    res.rows.append(Row("  render process peak memory", _fmt_mb(r.maxrss_mb)))
    d["maxrss_mb"] = r.maxrss_mb
    if profile_dir is not None:
        cmd += ["--profile", str(profile_dir / f"render-{generate.size_label(n)}.html")]
        proc.run_measured(cmd, timeout=timeout)
    res.details["render"] = d


def measure_startup(demo: Path | None, repeat: int, *, timeout: float,
                    screenshot: bool = True, profile_dir: Path | None = None) -> dict:
    if demo is None:
        return {"rows": [Row("start-up to first painted map (demo inventory)",
                             "n/a (no data/demo.json yet)", target="< 1.5 s")]}
    times, marks = [], []
    for i in range(repeat):
        log(f"start-up {i + 1}/{repeat}")
        t0 = time.time()
        r = proc.run_measured(proc.python_module("benchmarks.ours", "startup", demo, repr(t0)),
                              timeout=timeout)
        if r.ok and r.result.get("seconds"):
            times.append(r.result["seconds"])
            marks.append(r.result.get("marks"))
        else:
            log(f"  start-up failed: {r.error() if not r.ok else r.result}")
    if profile_dir is not None:
        proc.run_measured(proc.python_module("benchmarks.ours", "startup", demo, repr(time.time()),
                                             "--profile", profile_dir / "startup.html"),
                          timeout=timeout)
    t = _median(times)
    rows = [Row("start-up to first painted map (demo inventory)", _fmt_s(t),
                target="< 1.5 s", status=_verdict(None if t is None else t < TARGETS["startup_s"]))]
    if marks:
        m = marks[len(marks) // 2]
        rows.append(Row("  of which: interpreter + imports / window shown / inventory opened",
                        " / ".join(_fmt_s(m.get(k)) for k in
                                   ("imports", "window_shown", "inventory_opened"))))
    shot_wall = None
    if screenshot:
        shot = Path(demo).with_suffix(".png")
        log("start-up: ecoinv gui --screenshot")
        s = proc.run_measured(proc.python_module("ecoinv", "gui", demo, "--screenshot", shot),
                              timeout=timeout)
        shot_wall = s.wall if s.ok else None
        rows.append(Row("  `ecoinv gui DEMO --screenshot` (map + statistics + PNG + exit)",
                        _fmt_s(s.wall) if s.ok else f"failed: {s.error()[:60]}"))
    return {"rows": rows, "seconds": times, "marks": marks, "screenshot_wall": shot_wall}


# --------------------------------------------------------------------------- the machine

def machine_info() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    info = {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": round(mem_gb, 1) if mem_gb else None,
            "os": f"{platform.system()} {platform.release()}",
            "python": platform.python_version(), "gdal": peers.gdal_version()}
    try:
        info.update(peers.spatialite_versions())
    except Exception as exc:  # noqa: BLE001 - reported, not fatal
        info["spatialite"] = f"unavailable ({exc})"
    try:
        import pyproj
        import shapely

        info["shapely"] = f"{shapely.__version__} (GEOS {'.'.join(map(str, shapely.geos_version))})"
        info["pyproj"] = f"{pyproj.__version__} (PROJ {pyproj.proj_version_str})"
    except ImportError:
        pass
    try:
        import PySide6
        from PySide6 import QtCore

        info["qt"] = f"PySide6 {PySide6.__version__} (Qt {QtCore.qVersion()})"
    except ImportError:
        pass
    try:
        import ecoinv

        info["ecoinv"] = ecoinv.__version__
    except ImportError:
        pass
    try:
        rev = subprocess.run(["git", "-C", str(proc.REPO), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(proc.REPO), "status", "--porcelain",
                                "--untracked-files=no"], capture_output=True, text=True,
                               timeout=10).stdout.strip()
        info["commit"] = rev + (" (with uncommitted changes)" if dirty else "") if rev else "n/a"
    except (OSError, subprocess.SubprocessError):
        info["commit"] = "n/a"
    try:
        info["load_average"] = " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        pass
    return info


# --------------------------------------------------------------------------- output

COLUMNS = ("measure", "ecoinv", "peer", "ratio (ecoinv/peer)", "target", "pass/short")


def _table_text(rows: list[Row]) -> str:
    cells = [COLUMNS] + [(r.measure, r.ours, r.peer, r.ratio, r.target, r.status) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(COLUMNS))]
    lines = []
    for k, c in enumerate(cells):
        lines.append("  ".join(v.ljust(w) for v, w in zip(c, widths)).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _table_md(rows: list[Row]) -> str:
    out = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in rows:
        measure = r.measure.strip()
        if r.measure.startswith("  "):
            measure = "&nbsp;&nbsp;" + measure
        out.append("| " + " | ".join(v.replace("|", "\\|") for v in
                                     (measure, r.ours, r.peer, r.ratio, r.target, r.status)) + " |")
    return "\n".join(out)


def _layer_line(layer: dict) -> str:
    shares = ", ".join(f"{k} {v} %" for k, v in layer.get("class_area_pct", {}).items())
    return (f"{layer['n']:,} polygons, {layer['vertices']:,} vertices "
            f"({layer['vertices'] / layer['n']:.0f} per polygon), {layer['multipart']} multipart; "
            f"{layer['crs']}, {layer['encoding']} + .cpg; by area: {shares}")


def render_markdown(info: dict, command: str, date: str, sizes: list[SizeResult],
                    startup: dict | None, notes: list[str], seconds: float,
                    key: str = "all") -> str:
    lines = [RESULTS_START.format(key=key), "",
             f"**Run:** {date}, {seconds / 60:.0f} min  ",
             f"**Command:** `{command}`  ",
             f"**Machine:** {info.get('cpu')}, {info.get('cores')} cores, {info.get('ram_gb')} GB RAM, "
             f"{info.get('os')} (load average at the end: {info.get('load_average', 'n/a')})  ",
             f"**Software:** ecoinv {info.get('ecoinv', '?')} (commit {info.get('commit', 'n/a')}), "
             f"Python {info.get('python')}, GDAL {info.get('gdal')} (ogr2ogr), "
             f"SpatiaLite {info.get('spatialite')} / SQLite {info.get('sqlite')} / "
             f"GEOS {info.get('geos')} (the SQL route), shapely {info.get('shapely')}, "
             f"pyproj {info.get('pyproj')}, {info.get('qt')}", ""]
    for s in sizes:
        lines += [f"### {generate.size_label(s.n)} polygons", "",
                  f"Layer: {_layer_line(s.layer)}.", "", _table_md(s.rows), ""]
    if startup:
        lines += ["### Start-up", "", _table_md(startup["rows"]), ""]
    if notes:
        lines += ["Notes from this run:", ""] + [f"- {n}" for n in notes] + [""]
    lines.append(RESULTS_END.format(key=key))
    return "\n".join(lines)


DOC_HEAD = """# Benchmarks

City-scale benchmarks of ecoinv next to the tools a user would otherwise
use (issue #9): GDAL's `ogr2ogr` for loading a survey shapefile into
SpatiaLite, and SpatiaLite SQL for the forest-coverage figures.  How the data
is made and what each line measures: [benchmarks/README.md](../benchmarks/README.md).
Run them with `make bench` or `python -m benchmarks.run` (options in the README).

Ratios are ecoinv's time (or memory) divided by the peer's, measured in the
same run on the same files, peer and ecoinv alternating; medians of the
repeated runs.  Targets are reported, not enforced by tests.

"""


def write_markdown(path: Path, block: str) -> None:
    """Put ``block`` into ``path``: in place of the block with the same key, else appended."""
    path.parent.mkdir(parents=True, exist_ok=True)
    start, end = block.splitlines()[0], block.splitlines()[-1]
    if not path.exists():
        path.write_text(DOC_HEAD + "## Results\n\n" + block + "\n\n" + RESULTS_SLOT + "\n",
                        encoding="utf-8")
        return
    text = path.read_text(encoding="utf-8")
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        path.write_text(head + block + tail, encoding="utf-8")
    elif RESULTS_SLOT in text:
        head, tail = text.split(RESULTS_SLOT, 1)
        path.write_text(head + block + "\n\n" + RESULTS_SLOT + tail, encoding="utf-8")
    else:
        path.write_text(text.rstrip("\n") + "\n\n" + block + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- main

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run",
                                 description="City-scale benchmarks of ecoinv vs ogr2ogr and "
                                             "SpatiaLite SQL (issue #9).")
    ap.add_argument("--sizes", default="10k,100k",
                    help="land-cover sizes, e.g. 10k,100k,1m (default 10k,100k)")
    # Five: on a shared two-core machine single runs of the sub-second
    # measures spread by ±15 %; the median of five is steadier than of three.
    ap.add_argument("--repeat", type=int, default=5, help="runs per measure (median; default 5)")
    ap.add_argument("--repeat-large", type=int, default=1,
                    help="runs per measure at 1M polygons and more (default 1)")
    ap.add_argument("--cache", type=Path, default=None,
                    help="generated layers and inventories (default ~/.cache/ecoinv-bench)")
    ap.add_argument("--only", default=",".join(MEASURES),
                    help=f"comma-separated subset of {','.join(MEASURES)}")
    ap.add_argument("--output", default=str(proc.REPO / "docs" / "benchmarks.md"),
                    help="Markdown file for the results ('-' for none; default docs/benchmarks.md)")
    ap.add_argument("--frames", type=int, default=7, help="render frames per view (median)")
    ap.add_argument("--sql-timeout", type=float, default=600.0,
                    help="seconds before the SQL coverage route is killed (default 600)")
    ap.add_argument("--import-timeout", type=float, default=7200.0)
    ap.add_argument("--profile", action="store_true",
                    help="also write pyinstrument profiles of ecoinv's side into CACHE/profiles "
                         "(the profiled run is left out of the medians)")
    ap.add_argument("--reference", help="folder with harbin_city.geojson and harbin_districts.geojson")
    args = ap.parse_args(argv)

    only = [m.strip() for m in args.only.split(",") if m.strip()]
    bad = [m for m in only if m not in MEASURES]
    if bad:
        ap.error(f"unknown measure {', '.join(bad)}; choose from {', '.join(MEASURES)}")
    sizes = [generate.parse_size(s) for s in args.sizes.split(",") if s.strip()]
    cache = (args.cache or generate.default_cache_dir()).expanduser().resolve()
    cache.mkdir(parents=True, exist_ok=True)
    if args.reference:
        os.environ["ECOINV_BENCH_REFERENCE"] = str(Path(args.reference).resolve())
    profile_dir = cache / "profiles" if args.profile else None
    started = time.time()
    date = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    command = "python -m benchmarks.run " + shlex.join(sys.argv[1:] if argv is None else argv)
    notes: list[str] = [f"load average when the run started: "
                        f"{' '.join(f'{v:.2f}' for v in os.getloadavg())} "
                        f"({os.cpu_count()} cores); CPU-time rows show the cost without waiting "
                        "for a core"]
    if "import" in only and not peers.ogr2ogr_available():
        notes.append("ogr2ogr is not installed (apt-get install gdal-bin): no import peer")
    boundaries = generate.load_boundaries()
    notes.append(f"boundary and districts: {generate.reference_dir()} (imported with ecoinv)")
    results: list[SizeResult] = []
    for n in sizes:
        label = generate.size_label(n)
        repeat = args.repeat_large if n >= 1_000_000 else args.repeat
        log(f"{label}: layer")
        gen = generate.ensure(n, cache, boundaries=boundaries,
                              log=lambda m, label=label: log(f"{label} generate: {m}"))
        res = SizeResult(n, gen.to_json())
        results.append(res)
        if not any(m in only for m in ("import", "coverage", "render")):
            continue
        base = base_inventory(cache, boundaries)
        work = cache / "work" / label
        work.mkdir(parents=True, exist_ok=True)
        inventory = work / "inventory.sqlite"
        stamp = work / "inventory.json"
        current = json.dumps({"layer": gen.to_json(), "base": base.name}, sort_keys=True)
        if "import" in only:
            got = measure_import(n, gen.path, base, work, repeat, timeout=args.import_timeout,
                                 profile_dir=profile_dir, res=res)
            if got:
                stamp.write_text(current)
        if not (inventory.exists() and stamp.exists() and stamp.read_text() == current):
            log(f"{label}: importing the layer once (no import measure this run)")
            _remove_db(inventory)
            shutil.copyfile(base, inventory)
            r = proc.run_measured(proc.python_module("benchmarks.ours", "import", inventory,
                                                     gen.path), timeout=args.import_timeout)
            if not r.ok:
                notes.append(f"{label}: import failed ({r.error()}); coverage and render skipped")
                _remove_db(inventory)
                continue
            stamp.write_text(current)
        if "coverage" in only:
            measure_coverage(n, inventory, repeat, sql_timeout=args.sql_timeout,
                             profile_dir=profile_dir, res=res)
        if "render" in only:
            measure_render(n, inventory, max(args.frames, repeat), timeout=args.import_timeout,
                           profile_dir=profile_dir, res=res)
        print(f"\n== {label} polygons: {_layer_line(res.layer)}\n{_table_text(res.rows)}\n",
              flush=True)
    startup = None
    if "startup" in only:
        demo = demo_inventory(cache)
        startup = measure_startup(demo, args.repeat, timeout=300, profile_dir=profile_dir)
        print(f"\n== start-up\n{_table_text(startup['rows'])}\n", flush=True)
    seconds = time.time() - started
    info = machine_info()
    raw = {"date": date, "command": command, "machine": info, "notes": notes,
           "sizes": [{"n": r.n, "layer": r.layer, "rows": [vars(x) for x in r.rows],
                      "details": r.details} for r in results],
           "startup": None if startup is None else
           {k: v for k, v in startup.items() if k != "rows"} | {"rows": [vars(x) for x in startup["rows"]]}}
    raw_path = cache / "results" / f"results-{time.strftime('%Y%m%d-%H%M%S')}.json"
    raw_path.parent.mkdir(parents=True, exist_ok=True)
    raw_path.write_text(json.dumps(raw, ensure_ascii=False, indent=1, default=str))
    log(f"raw results: {raw_path}")
    if profile_dir is not None:
        log(f"profiles: {profile_dir}")
    if args.output and args.output != "-":
        out = Path(args.output)
        write_markdown(out, render_markdown(info, command, date, results, startup, notes, seconds,
                                            key=block_key(sizes, only)))
        log(f"written: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
