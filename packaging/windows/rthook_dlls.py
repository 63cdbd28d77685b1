# UNTESTED HERE. SQLite loads mod_spatialite.dll by full path without
# LOAD_WITH_ALTERED_SEARCH_PATH, so Windows would not look beside it for
# libgeos_c.dll, libproj.dll ...: add that folder to the DLL search path.
import os
import sys

_dir = os.path.join(getattr(sys, "_MEIPASS", os.path.dirname(sys.executable)), "spatialite")
if os.path.isdir(_dir) and hasattr(os, "add_dll_directory"):
    os.add_dll_directory(_dir)
    os.environ["PATH"] = _dir + os.pathsep + os.environ.get("PATH", "")
