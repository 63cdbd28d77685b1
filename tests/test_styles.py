"""The palette: one style per code, distinct, colour-blind safe, plain data."""
from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np
import pytest

from ecoinv import schema, styles

STYLED = ["assets", "asset_zones", "landcover", "stations"]

# Machado, Oliveira & Fernandes (2009), severity 1.0, in linear RGB.
SIMULATIONS = {
    "normal": np.eye(3),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}


def _lab(hex_colour: str, sim: str) -> np.ndarray:
    lin = np.array([styles.srgb_to_linear(v / 255) for v in styles.hex_to_rgb(hex_colour)])
    lin = np.clip(SIMULATIONS[sim] @ lin, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ lin / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _min_delta_e(colours: dict[str, str], sim: str) -> tuple[float, str, str]:
    return min((float(np.linalg.norm(_lab(ca, sim) - _lab(cb, sim))), a, b)
               for (a, ca), (b, cb) in itertools.combinations(colours.items(), 2))


def test_every_code_of_every_styled_layer_has_its_own_style():
    for layer in STYLED:
        field = schema.LAYERS[layer].style_field
        table = schema.CODE_TABLES[schema.LAYERS[layer].field(field).codes]
        assert set(styles.codes(layer)) == set(table)
        assert set(table) <= set(styles.PALETTE[layer]), layer
        got = [styles.style_for(layer, c) for c in table]
        assert len(set(got)) == len(got), f"{layer}: two codes share a style"
    for layer in ("boundary", "districts"):
        assert styles.codes(layer) == []
        assert styles.style_for(layer) == styles.style_for(layer, "anything")


def test_distinct_colours_within_a_layer():
    for layer in STYLED:
        main = [(s.fill if layer != "asset_zones" else s.stroke)
                for c in styles.codes(layer) for s in [styles.style_for(layer, c)]]
        assert len(set(main)) == len(main), layer
    kinds = [styles.style_for("stations", k) for k in styles.codes("stations")]
    assert len({s.symbol for s in kinds}) == len(kinds)  # shape, not only colour
    zones = [styles.style_for("asset_zones", z) for z in styles.codes("asset_zones")]
    assert all(z.hatch in styles.HATCHES for z in zones)
    assert len({z.hatch for z in zones}) == len(zones)


@pytest.mark.parametrize("sim", list(SIMULATIONS))
def test_colours_stay_apart_for_colour_blind_readers(sim):
    # CIE76 ΔE: ~2 is just noticeable, 10+ is clearly another colour side by side.
    sites = {c: styles.style_for("assets", c).stroke for c in styles.codes("assets")}
    zones = {c: styles.style_for("asset_zones", c).stroke for c in styles.codes("asset_zones")}
    cover = {c: styles.style_for("landcover", c).fill for c in styles.codes("landcover")}
    kinds = {c: styles.style_for("stations", c).fill for c in styles.codes("stations")}
    assert _min_delta_e(sites, sim)[0] >= 15, _min_delta_e(sites, sim)
    assert _min_delta_e(zones, sim)[0] >= 12, _min_delta_e(zones, sim)
    assert _min_delta_e(cover, sim)[0] >= 8, _min_delta_e(cover, sim)
    assert _min_delta_e(kinds, sim)[0] >= 15, _min_delta_e(kinds, sim)


def test_land_cover_is_muted_and_sites_are_not():
    def chroma(hex_colour):
        lab = _lab(hex_colour, "normal")
        return float(np.hypot(lab[1], lab[2])), float(lab[0])

    for c in styles.codes("landcover"):
        st = styles.style_for("landcover", c)
        assert st.stroke is None and st.fill_opacity == 1.0
        assert chroma(st.fill)[1] >= 65  # light: a base map, not a theme
    site_chroma = [chroma(styles.style_for("assets", c).stroke)[0] for c in styles.codes("assets")]
    assert min(site_chroma) > 15


def test_palette_values_are_valid():
    every = [s for table in styles.PALETTE.values() for s in table.values()]
    every += [styles.SELECTION, styles.HIGHLIGHT, styles.FALLBACK]
    for s in every:
        for colour in (s.fill, s.stroke):
            assert colour is None or styles.is_hex_colour(colour), s
        assert 0 <= s.fill_opacity <= 1 and s.stroke_width_mm >= 0
        assert s.hatch is None or s.hatch in styles.HATCHES
        assert s.symbol is None or s.symbol in styles.SYMBOLS
        assert s.dash is None or s.dash in styles.DASHES


def test_layer_order_holds_every_layer_once_bottom_to_top():
    assert sorted(styles.LAYER_ORDER) == sorted(schema.LAYERS)
    order = list(styles.LAYER_ORDER)
    assert order[0] == "landcover" and order[-1] == "stations"
    assert order.index("assets") < order.index("asset_zones")
    for layer, codes in styles.CODE_ORDER.items():
        assert sorted(codes) == sorted(styles.codes(layer)), layer
        assert styles.code_order(layer) == list(codes)


def test_legend_entries_in_both_languages():
    zh = styles.legend_entries("assets", "zh")
    en = styles.legend_entries("assets", "en")
    assert [c for c, _, _ in zh] == list(schema.CATEGORIES)
    assert dict((c, l) for c, l, _ in zh)["nature_reserve"] == "自然保护区"
    assert dict((c, l) for c, l, _ in en)["nature_reserve"] == "Nature reserve"
    assert styles.legend_entries("districts", "zh") == [(None, "区县", styles.style_for("districts"))]
    assert [l for _, l, _ in styles.legend_entries("stations", "en")] == [
        k.en for k in schema.STATION_KINDS.values()]


def test_unknown_codes_fall_back_to_the_layer_default():
    assert styles.style_for("assets", "no_such_category") == styles.style_for("assets", None)
    assert styles.style_for("no_such_layer", None) == styles.FALLBACK
    assert styles.style_for("assets", "geopark").with_(fill="#000000").fill == "#000000"


def test_styles_do_not_import_qt():
    code = "import sys, ecoinv.styles; sys.exit('PySide6' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
