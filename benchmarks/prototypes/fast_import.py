"""Prototype of a vectorised import path: how fast could the importer be?

NOT product code (it writes SQL itself, which only ecoinv.store may do, and
skips the importer's checks and reports).  It measures the CPU time of each
stage of importing a benchmark layer into a copy of the base inventory, for
the findings in docs/benchmarks.md:

    cp ~/.cache/ecoinv-bench/base/harbin-base-*.sqlite /tmp/inv.sqlite
    python benchmarks/prototypes/fast_import.py /tmp/inv.sqlite \
        ~/.cache/ecoinv-bench/layers/landcover-100k/landcover_100000.shp [--defer-index]
"""
import sys, time, json, struct, datetime
import numpy as np, shapely, pyproj, fiona
from ecoinv.store import Inventory
from ecoinv import schema
from ecoinv.metrics.areas import polygon_areas_m2

inv_path, shp = sys.argv[1], sys.argv[2]
DEFER_INDEX = '--defer-index' in sys.argv[3:]
T = {}
def mark(name, t0=[time.process_time()]):
    t = time.process_time(); T[name] = t - t0[0]; t0[0] = t

# 1. geometry: .shx offsets + numpy parse of .shp records
shx = np.frombuffer(open(shp[:-4] + '.shx', 'rb').read()[100:], dtype='>i4').reshape(-1, 2)
data = open(shp, 'rb').read()
coords, ring_sizes, rings_per_geom = [], [], []
for off, _ in shx:
    o = off * 2 + 8
    nparts, npts = struct.unpack_from('<2i', data, o + 36)
    parts = np.frombuffer(data, '<i4', nparts, o + 44)
    pts = np.frombuffer(data, '<f8', npts * 2, o + 44 + 4 * nparts).reshape(-1, 2)
    coords.append(pts)
    ring_sizes.append(np.diff(np.append(parts, npts)))
    rings_per_geom.append(nparts)
coords = np.concatenate(coords); ring_sizes = np.concatenate(ring_sizes)
ring_off = np.concatenate([[0], np.cumsum(ring_sizes)])
# outer rings are clockwise (negative shoelace area): each starts a polygon
x, y = coords[:, 0], coords[:, 1]
cross = x[:-1] * y[1:] - x[1:] * y[:-1]
seg_ring = np.repeat(np.arange(len(ring_sizes)), ring_sizes)[:-1]
valid_seg = np.ones(len(cross), bool); valid_seg[ring_off[1:-1] - 1] = False
signed = np.bincount(seg_ring[valid_seg], cross[valid_seg], minlength=len(ring_sizes))
outer = signed < 0
poly_start = np.flatnonzero(outer)
poly_off = np.append(poly_start, len(ring_sizes))
geom_ring_off = np.concatenate([[0], np.cumsum(rings_per_geom)])
geom_off = np.searchsorted(poly_start, geom_ring_off)
geoms = shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, coords, (ring_off, poly_off, geom_off))
mark('read geometry (numpy .shp reader)')
# 2. attributes (fiona, no geometry)
with fiona.open(shp, encoding='gb18030') as src:
    props = [dict(f.properties) for f in src]
mark('read attributes (fiona, incl. geometry decode it does anyway)')
# 3. attributes: resolve codes with a dict
table = {}
for c in schema.LANDCOVER_CLASSES.values():
    for k in (c.code, c.zh, c.en, *c.synonyms):
        table["".join(str(k).split()).lower()] = c.code
cls = [table["".join(str(p['地类']).split()).lower()] for p in props]
rows = [(c, int(p['年份']), str(p['数据来源']), str(p['图斑编号'])) for c, p in zip(cls, props)]
mark('attributes (dict lookup)')
# 4. validate, reproject, area
assert shapely.is_valid(geoms).all()
tr = pyproj.Transformer.from_crs('EPSG:4551', 'EPSG:4490', always_xy=True)
geoms = shapely.transform(geoms, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
ok = shapely.is_valid(geoms)
mark('validate + reproject (vectorised)')
inv = Inventory.open(inv_path)
polys, owner = shapely.get_parts(geoms, return_index=True)
areas = np.bincount(owner, polygon_areas_m2(polys, inv.crs), minlength=len(geoms)) / 1e4
mark('geodesic areas (batch)')
wkb = shapely.to_wkb(geoms)
mark('to_wkb')
# 5. write: executemany features + history
conn = inv.conn
now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")
conn.execute('BEGIN IMMEDIATE')
first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM landcover").fetchone()[0]
ids = list(range(first, first + len(rows)))
if DEFER_INDEX:
    conn.execute("SELECT DisableSpatialIndex('landcover', 'geom')")
    conn.execute("DROP TABLE IF EXISTS idx_landcover_geom")
conn.executemany('INSERT INTO landcover (id, "class", "year", "source", "source_key", "area_ha", geom) VALUES (?,?,?,?,?,?,GeomFromWKB(?, 4490))',
                 [(i, *r, a, w) for i, r, a, w in zip(ids, rows, areas.tolist(), wkb)])
mark('insert features (executemany)')
if DEFER_INDEX:
    conn.execute("SELECT CreateSpatialIndex('landcover', 'geom')")
    mark('spatial index, built after the rows')
conn.executemany('INSERT INTO history (time, user, table_name, feature_id, action, old_values, new_values, old_geom, new_geom, batch) VALUES (?,?,?,?,?,?,?,?,?,?)',
                 [(now, 'bench', 'landcover', i, 'insert', None,
                   json.dumps({"class": r[0], "year": r[1], "source": r[2], "source_key": r[3], "area_ha": a}, ensure_ascii=False), None, w, 'import:proto')
                  for i, r, a, w in zip(ids, rows, areas.tolist(), wkb)])
mark('history rows (executemany, with WKB)')
conn.execute('COMMIT')
mark('commit')
total = sum(T.values())
for k, v in T.items(): print(f'{v:7.2f} s  {k}')
print(f'{total:7.2f} s  total CPU')
