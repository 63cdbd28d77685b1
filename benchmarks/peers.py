"""The peers: what a user would run instead of ecoinv.

* Import: GDAL's ``ogr2ogr -f SQLite -dsco SPATIALITE=YES`` of the same
  shapefile, reprojected to the inventory's storage CRS (``-t_srs``) and
  promoted to MULTIPOLYGON (``-nlt PROMOTE_TO_MULTI``; without it GDAL's
  SQLite driver stops at the first multipart parcel of a Polygon layer), with
  its default spatial index.  ogr2ogr neither validates nor measures areas,
  so it is the floor of what an import into SpatiaLite can cost.
* Coverage: the same forest-coverage figures (city and every district) in
  SpatiaLite SQL on the same inventory file: ``ST_Union`` of the forest
  parcels, ``ST_Intersection`` with the boundary and each district, and
  ``ST_Area(geom, 1)`` (geodesic, on the ellipsoid of the geometry's SRID).

``python -m benchmarks.peers sql-coverage DB`` is the child process the
harness times (so it can be killed at a timeout and its memory measured).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from . import proc

OGR2OGR = "ogr2ogr"


# --------------------------------------------------------------------------- import

def ogr2ogr_command(shp, out, *, t_srs: str = "EPSG:4490", layer_name: str = "landcover") -> list[str]:
    return [OGR2OGR, "-f", "SQLite", "-dsco", "SPATIALITE=YES",
            "-nlt", "PROMOTE_TO_MULTI", "-t_srs", t_srs, "-nln", layer_name,
            str(out), str(shp)]


def ogr2ogr_import(shp, out, *, t_srs: str = "EPSG:4490",
                   timeout: float | None = None) -> proc.ProcResult:
    """Time ogr2ogr into a new SpatiaLite file ``out`` (removed first)."""
    out = Path(out)
    for suffix in ("", "-journal", "-wal", "-shm"):
        p = Path(str(out) + suffix)
        if p.exists():
            p.unlink()
    env = proc.child_env()
    env.pop("PYTHONPATH", None)
    return proc.run_measured(ogr2ogr_command(shp, out, t_srs=t_srs), timeout=timeout, env=env,
                             sample_memory=True)


def ogr2ogr_available() -> bool:
    return shutil.which(OGR2OGR) is not None


def gdal_version() -> str:
    if not ogr2ogr_available():
        return "not installed"
    out = subprocess.run([OGR2OGR, "--version"], capture_output=True, text=True).stdout
    m = re.search(r"GDAL ([\d.]+\w*)", out)
    return m.group(1) if m else out.strip()


# --------------------------------------------------------------------------- coverage

def connect(path):
    """sqlean's SQLite (it can load extensions) with mod_spatialite, as any SQL user would."""
    import sqlean

    conn = sqlean.connect(str(path), isolation_level=None)
    conn.enable_load_extension(True)
    conn.load_extension(os.environ.get("ECOINV_SPATIALITE") or "mod_spatialite")
    return conn


def spatialite_versions() -> dict:
    conn = connect(":memory:")
    try:
        row = conn.execute("SELECT spatialite_version(), sqlite_version(), geos_version(), "
                           "proj_version()").fetchone()
    finally:
        conn.close()
    return {"spatialite": row[0], "sqlite": row[1], "geos": row[2],
            "proj": (row[3] or "").split(",")[0]}


# The SQL route, step by step (temporary tables hold the intermediate
# geometries, as one would in an SQL session).  Areas are geodesic:
# ST_Area(geom, 1) measures on the ellipsoid of the SRID (here CGCS2000).
SQL_STEPS = [
    ("union", "CREATE TEMP TABLE _forest AS "
              "SELECT ST_Union(geom) AS g FROM landcover WHERE \"class\" = 'forest'"),
    ("boundary", "CREATE TEMP TABLE _city AS SELECT ST_Union(geom) AS g FROM boundary"),
    ("clip", "CREATE TEMP TABLE _fc AS SELECT ST_Intersection(f.g, c.g) AS g "
             "FROM _forest f, _city c"),
]
SQL_CITY = "SELECT ST_Area(c.g, 1), ST_Area(fc.g, 1) FROM _city c, _fc fc"
SQL_DISTRICTS = ("SELECT d.code, d.name, ST_Area(ST_Intersection(d.geom, c.g), 1), "
                 "ST_Area(ST_Intersection(fc.g, d.geom), 1) "
                 "FROM districts d, _city c, _fc fc ORDER BY d.code")


def sql_coverage(db_path) -> dict:
    """Forest coverage of the city and every district, all in SpatiaLite SQL."""
    t0, c0 = time.perf_counter(), time.process_time()
    conn = connect(db_path)
    steps = {}
    try:
        for name, sql in SQL_STEPS:
            t = time.perf_counter()
            conn.execute(sql)
            steps[name] = time.perf_counter() - t
        t = time.perf_counter()
        city_m2, forest_m2 = conn.execute(SQL_CITY).fetchone()
        steps["city_area"] = time.perf_counter() - t
        t = time.perf_counter()
        rows = conn.execute(SQL_DISTRICTS).fetchall()
        steps["districts"] = time.perf_counter() - t
    finally:
        conn.close()
    seconds = time.perf_counter() - t0
    forest_m2 = forest_m2 or 0.0
    return {
        "seconds": seconds,
        "cpu_seconds": time.process_time() - c0,
        "steps": steps,
        "city": {"area_ha": city_m2 / 1e4, "forest_ha": forest_m2 / 1e4,
                 "forest_pct": 100.0 * forest_m2 / city_m2 if city_m2 else None},
        "districts": [{"code": code, "name": name, "area_ha": (a or 0.0) / 1e4,
                       "forest_ha": (f or 0.0) / 1e4,
                       "forest_pct": 100.0 * (f or 0.0) / a if a else None}
                      for code, name, a, f in rows],
    }


def run_sql_coverage(db_path, *, timeout: float | None = None) -> proc.ProcResult:
    return proc.run_measured(proc.python_module("benchmarks.peers", "sql-coverage", db_path),
                             timeout=timeout)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.peers")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("sql-coverage", help="forest coverage in SpatiaLite SQL; prints the result")
    p.add_argument("db")
    args = ap.parse_args(argv)
    if args.cmd == "sql-coverage":
        proc.report(sql_coverage(args.db))
    return 0


if __name__ == "__main__":
    sys.exit(main())
