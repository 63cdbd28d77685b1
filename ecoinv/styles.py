"""The map palette: how every layer, category, class, zone and kind is drawn.

Plain data (hex colours, sizes in millimetres), no Qt: the renderer, the
legend, the GUI's layer tree and the report all read these definitions, so
a category looks the same on screen, in an exported image and on paper.

Colours come from Paul Tol's colour-blind-safe schemes
(https://personal.sron.nl/~pault/), chosen per role:

* protected-site categories: the *muted* scheme (nine colours that stay
  distinct under the common colour-vision deficiencies),
* functional zones: the *vibrant* scheme, drawn as hatching so a zone stays
  readable on top of its site's fill,
* land cover: the *pale*/*light* tints, so the base map stays quiet and the
  sites on top of it carry the colour,
* monitoring stations: Okabe-Ito colours, each kind also with its own
  symbol shape, so colour is never the only cue.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from . import schema


@dataclass(frozen=True)
class Style:
    """How one sublayer is drawn.  Sizes are millimetres on the output."""

    fill: str | None = None            # "#rrggbb"; None: no fill
    fill_opacity: float = 1.0
    stroke: str | None = "#333333"     # None: no outline
    stroke_width_mm: float = 0.26
    hatch: str | None = None           # see HATCHES
    symbol: str | None = None          # see SYMBOLS (point layers)
    symbol_size_mm: float = 2.6
    label: bool = False                # features of this style carry name labels
    dash: str | None = None            # see DASHES; None: solid
    stroke_opacity: float = 1.0
    hatch_spacing_mm: float = 1.6
    hatch_width_mm: float = 0.22

    def with_(self, **changes) -> "Style":
        return replace(self, **changes)


HATCHES = ("diagonal", "antidiagonal", "cross", "horizontal", "vertical", "grid", "dots")
SYMBOLS = ("circle", "square", "triangle", "diamond", "star", "cross")
DASHES = ("dash", "dot", "dashdot")

# Tol muted: https://personal.sron.nl/~pault/#fig:scheme_muted
MUTED = {
    "rose": "#CC6677", "indigo": "#332288", "sand": "#DDCC77", "green": "#117733",
    "cyan": "#88CCEE", "wine": "#882255", "teal": "#44AA99", "olive": "#999933",
    "purple": "#AA4499", "pale_grey": "#DDDDDD",
}
# Tol vibrant: https://personal.sron.nl/~pault/#fig:scheme_vibrant
VIBRANT = {
    "blue": "#0077BB", "cyan": "#33BBEE", "teal": "#009988", "orange": "#EE7733",
    "red": "#CC3311", "magenta": "#EE3377", "grey": "#BBBBBB",
}
# Tol pale and light: https://personal.sron.nl/~pault/#fig:scheme_pale
PALE = {
    "blue": "#BBCCEE", "cyan": "#CCEEFF", "green": "#CCDDAA", "yellow": "#EEEEBB",
    "red": "#FFCCCC", "grey": "#DDDDDD",
}
LIGHT = {
    "light_blue": "#77AADD", "orange": "#EE8866", "light_yellow": "#EEDD88", "pink": "#FFAABB",
    "light_cyan": "#99DDFF", "mint": "#44BB99", "pear": "#BBCC33", "olive": "#AAAA00",
    "pale_grey": "#DDDDDD",
}
# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
}

_SITE_FILL_OPACITY = 0.42
_SITE_STROKE_MM = 0.35


def _site(colour: str, **kw) -> Style:
    base = dict(fill=colour, fill_opacity=_SITE_FILL_OPACITY, stroke=colour,
                stroke_width_mm=_SITE_STROKE_MM, label=True)
    base.update(kw)
    return Style(**base)


def _zone(colour: str, hatch: str) -> Style:
    return Style(fill=None, stroke=colour, stroke_width_mm=0.25, hatch=hatch,
                 hatch_spacing_mm=1.5, hatch_width_mm=0.2)


def _landcover(colour: str) -> Style:
    # Tessellating land-cover polygons get no outline: the class edges are
    # the boundaries, and thousands of outlines would grey the base map.
    return Style(fill=colour, fill_opacity=1.0, stroke=None, stroke_width_mm=0.0)


def _station(colour: str, symbol: str) -> Style:
    return Style(fill=colour, fill_opacity=1.0, stroke="#1A1A1A", stroke_width_mm=0.2,
                 symbol=symbol, symbol_size_mm=2.8, label=True)


# Per layer: {code: Style}; the key None is the style of a feature whose code
# is missing or unknown (and the only style of a layer without style_field).
PALETTE: dict[str, dict[str | None, Style]] = {
    "boundary": {
        None: Style(fill=None, stroke="#4D4D4D", stroke_width_mm=0.7),
    },
    "districts": {
        None: Style(fill=None, stroke="#7A7A7A", stroke_width_mm=0.3, dash="dash", label=True),
    },
    "assets": {
        "national_park": _site(MUTED["wine"]),
        "nature_reserve": _site(MUTED["green"]),
        "forest_park": _site(MUTED["olive"]),
        "scenic_area": _site(MUTED["purple"]),
        "wetland_park": _site(MUTED["cyan"]),
        "geopark": _site(MUTED["sand"]),
        "germplasm_reserve": _site(MUTED["teal"]),
        "water_source": _site(MUTED["indigo"]),
        # The red line covers large overlapping tracts: a light wash and a
        # dashed edge keep the sites inside it visible.
        "ecological_redline": _site(MUTED["rose"], fill_opacity=0.16, stroke_width_mm=0.5,
                                    dash="dash", label=False),
        None: _site("#777777"),
    },
    "asset_zones": {
        "core": _zone(VIBRANT["red"], "cross"),
        "buffer": _zone(VIBRANT["orange"], "diagonal"),
        "experimental": _zone(VIBRANT["blue"], "antidiagonal"),
        "core_protection": _zone(VIBRANT["magenta"], "grid"),
        "general_control": _zone(VIBRANT["teal"], "horizontal"),
        "conservation": _zone(VIBRANT["cyan"], "vertical"),
        "reasonable_use": _zone(VIBRANT["grey"], "dots"),
        None: _zone("#777777", "diagonal"),
    },
    "landcover": {
        "forest": _landcover(PALE["green"]),
        "wetland": _landcover(LIGHT["light_cyan"]),
        "grassland": _landcover(LIGHT["light_yellow"]),
        "water": _landcover(LIGHT["light_blue"]),
        "other": _landcover("#EEEEEE"),
        None: _landcover("#F4F4F4"),
    },
    "stations": {
        "air": _station(OKABE_ITO["orange"], "circle"),
        "water": _station(OKABE_ITO["blue"], "triangle"),
        "noise": _station(OKABE_ITO["reddish_purple"], "square"),
        None: _station("#999999", "diamond"),
    },
}

# Bottom to top.  Land cover is the base; district and city lines sit on it
# (under the sites' translucent fills, which keep them visible); sites, then
# their hatched zones, then stations on top.
LAYER_ORDER: tuple[str, ...] = (
    "landcover", "districts", "boundary", "assets", "asset_zones", "stations",
)

# Drawing order of the codes inside a layer, bottom to top: large
# designations first so that smaller sites inside them stay on top.
CODE_ORDER: dict[str, tuple[str, ...]] = {
    "assets": ("ecological_redline", "water_source", "national_park", "nature_reserve",
               "forest_park", "scenic_area", "geopark", "wetland_park", "germplasm_reserve"),
    "asset_zones": ("experimental", "general_control", "reasonable_use", "conservation",
                    "buffer", "core_protection", "core"),
    "landcover": ("other", "grassland", "forest", "wetland", "water"),
    "stations": ("noise", "air", "water"),
}

# Drawn over everything for the selected features (GUI selection) and for
# highlighted ones (search hit, identify flash).
SELECTION = Style(fill=OKABE_ITO["yellow"], fill_opacity=0.55, stroke="#B8860B",
                  stroke_width_mm=0.6, symbol_size_mm=3.6)
HIGHLIGHT = Style(fill=None, stroke=OKABE_ITO["vermillion"], stroke_width_mm=0.9,
                  symbol_size_mm=4.0)

# Label text: dark grey with a white halo.  Sizes in points.
LABEL_COLOUR = "#202020"
LABEL_HALO = "#FFFFFF"
LABEL_HALO_MM = 0.45
LABEL_SIZE_PT: dict[str, float] = {"assets": 7.5, "districts": 10.0, "stations": 6.5, "boundary": 10.0}
DISTRICT_LABEL_COLOUR = "#5A5A5A"

# Style of a code nobody has defined (a code added to the schema later).
FALLBACK = Style(fill="#999999", fill_opacity=0.4, stroke="#555555")


def style_field(layer: str) -> str | None:
    return schema.LAYERS[layer].style_field if layer in schema.LAYERS else None


def codes(layer: str) -> list[str]:
    """The style codes of a layer in the schema's order ([] for single-style layers)."""
    field = style_field(layer)
    if field is None:
        return []
    kind = schema.LAYERS[layer].field(field).codes
    return list(schema.CODE_TABLES[kind]) if kind else []


def code_order(layer: str) -> list[str]:
    """The layer's codes in drawing order (bottom to top); codes not in CODE_ORDER go last."""
    known = codes(layer)
    first = [c for c in CODE_ORDER.get(layer, ()) if c in known]
    return first + [c for c in known if c not in first]


def style_for(layer: str, code: str | None = None) -> Style:
    """The style of ``code`` in ``layer`` (the layer's default for None or an unknown code)."""
    table = PALETTE.get(layer)
    if table is None:
        return FALLBACK
    if code is not None and code in table:
        return table[code]
    return table.get(None, FALLBACK)


def code_label(layer: str, code: str | None, lang: str = "zh") -> str:
    field = style_field(layer)
    if field is None or code is None:
        return schema.LAYERS[layer].label(lang)
    kind = schema.LAYERS[layer].field(field).codes
    return schema.label(kind, code, lang) if kind else str(code)


def legend_entries(layer: str, lang: str = "zh") -> list[tuple[str | None, str, Style]]:
    """``[(code, label, style)]`` for a legend, in the schema's order.

    A layer without a style field has one entry whose code is None and
    whose label is the layer's name.
    """
    if style_field(layer) is None:
        return [(None, schema.LAYERS[layer].label(lang), style_for(layer))]
    return [(c, code_label(layer, c, lang), style_for(layer, c)) for c in codes(layer)]


def is_hex_colour(value: str | None) -> bool:
    if not isinstance(value, str) or len(value) != 7 or value[0] != "#":
        return False
    try:
        int(value[1:], 16)
    except ValueError:
        return False
    return True


def srgb_to_linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def hex_to_rgb(value: str) -> tuple[int, int, int]:
    return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)


def relative_luminance(value: str) -> float:
    r, g, b = (srgb_to_linear(v / 255.0) for v in hex_to_rgb(value))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b
