"""Prototype: forest area of the city and each district with the least work.

NOT product code.  Parcels of a valid coverage do not overlap, so a
district's forest area is the sum of its forest parcels' stored areas, with
only the parcels that cross a district edge intersected and measured (the
districts tiled into 0.25-degree pieces to keep those overlays small).  For
the findings in docs/benchmarks.md:

    python benchmarks/prototypes/forest_by_district.py ~/.cache/ecoinv-bench/work/100k/inventory.sqlite
"""
import sys, time, numpy as np, shapely
from ecoinv.store import Inventory
from ecoinv.metrics.areas import polygon_areas_m2
T = {}
def mark(name, t0=[time.process_time()]):
    t = time.process_time(); T[name] = t - t0[0]; t0[0] = t
inv = Inventory.open(sys.argv[1])
b = inv.read_arrays("boundary")["geometry"][0]
d = inv.read_arrays("districts", columns=["code"])
dg = shapely.intersection(d["geometry"], b)
mark("boundary + districts")
# subdivide zones into ~20 km grid pieces so overlays stay small
xmin, ymin, xmax, ymax = b.bounds
step = 0.25
xs = np.arange(xmin, xmax + step, step); ys = np.arange(ymin, ymax + step, step)
cells = np.array([shapely.box(x, y, x + step, y + step) for x in xs for y in ys])
zi, ci = shapely.STRtree(cells).query(dg, predicate="intersects")
pieces = shapely.intersection(dg[zi], cells[ci]); owner = zi
keep = ~shapely.is_empty(pieces); pieces, owner = pieces[keep], owner[keep]
mark("subdivide districts")
f = inv.read_arrays("landcover", columns=["area_ha"], filters={"class": "forest"})
g, area = f["geometry"], np.array(f["area_ha"], float) * 1e4
mark(f"read forest ({len(g)})")
shapely.prepare(pieces)
tree = shapely.STRtree(g)
pi, gi = tree.query(pieces, predicate="intersects")
inside = shapely.contains_properly(pieces[pi], g[gi])
out = np.bincount(owner[pi[inside]], area[gi[inside]], minlength=len(dg))
cut = shapely.intersection(g[gi[~inside]], pieces[pi[~inside]])
parts, po = shapely.get_parts(cut, return_index=True)
poly = shapely.get_type_id(parts) == 3
out += np.bincount(owner[pi[~inside]][po[poly]], polygon_areas_m2(parts[poly], inv.crs), minlength=len(dg))
mark(f"forest per district ({(~inside).sum()} cut)")
for k, v in T.items(): print(f"{v:6.2f} s  {k}")
print(f"{sum(T.values()):6.2f} s  total CPU; forest ha city {out.sum()/1e4:.1f}")
for c, v in list(zip(d["code"], out))[:3]: print(c, v / 1e4)
