"""City-scale benchmarks of ecoinv against the tools users would otherwise use.

``python -m benchmarks.run`` (or ``make bench``) generates land-cover layers
inside the real Harbin boundary (:mod:`benchmarks.generate`), times ecoinv
and its peers on them (:mod:`benchmarks.peers`) and prints/writes the table
(``docs/benchmarks.md``).  See ``benchmarks/README.md``.
"""
