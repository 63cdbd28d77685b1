# PyInstaller runtime hook: point the program at what the bundle carries, so
# it never depends on the user's system for SpatiaLite, PROJ or GDAL data.
import os
import sys

_root = getattr(sys, "_MEIPASS", os.path.dirname(sys.executable))
import glob

_found = sorted(glob.glob(os.path.join(_root, "spatialite", "mod_spatialite.so*")))
if _found:
    os.environ.setdefault("ECOINV_SPATIALITE", _found[0])
for _var, _rel in (("PROJ_DATA", ("pyproj", "proj_dir", "share", "proj")),
                   ("GDAL_DATA", ("fiona", "gdal_data"))):
    _path = os.path.join(_root, *_rel)
    if os.path.isdir(_path):
        os.environ.setdefault(_var, _path)
