"""ecoinv: a city's ecological-asset inventory in one SpatiaLite file."""
__version__ = "0.1.0"
