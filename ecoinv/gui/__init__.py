"""The Qt Widgets desktop application.

Everything here is a view or controller over the core (store, importer,
metrics) and the renderer: no SQL, no geometry maths that the core already
does.  Long work runs in workers (see :mod:`ecoinv.gui.workers`) with their
own SQLite connection, so the UI thread never waits on the database for
more than a small read.
"""
