"""The bundled CJK font: a small TrueType subset that covers the program's Chinese."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from ecoinv import schema

ROOT = Path(__file__).resolve().parents[1]
FONT_DIR = ROOT / "resources" / "fonts"
FONT = FONT_DIR / "EcoinvSansSC-Regular.ttf"


def _make_subset():
    spec = importlib.util.spec_from_file_location("make_subset", FONT_DIR / "make_subset.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def font() -> TTFont:
    return TTFont(str(FONT))


@pytest.fixture(scope="module")
def cmap(font) -> dict[int, str]:
    return font.getBestCmap()


def is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return (0x3000 <= cp <= 0x303F or 0x3400 <= cp <= 0x4DBF or 0x4E00 <= cp <= 0x9FFF
            or 0xF900 <= cp <= 0xFAFF or 0xFF00 <= cp <= 0xFFEF)


def test_the_font_is_a_small_embeddable_truetype_file(font):
    assert FONT.exists()
    assert 500_000 < FONT.stat().st_size < 3_000_000
    assert font.sfntVersion == "\x00\x01\x00\x00"
    assert "glyf" in font and "loca" in font and "CFF " not in font
    assert font["OS/2"].fsType & 0x000E == 0  # no embedding restriction: PDFs may carry it
    names = font["name"]
    assert names.getDebugName(1) == "Ecoinv Sans SC"
    assert "Open Font License" in names.getDebugName(13)
    licence = (FONT_DIR / "LICENSE-OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence and "Noto Sans CJK SC" in licence
    assert "Adobe" in licence


def _schema_chinese() -> set[str]:
    text = []
    for table in schema.CODE_TABLES.values():
        for code in table.values():
            text += [code.zh, *code.synonyms]
    for layer in schema.LAYERS.values():
        text.append(layer.zh)
        for f in layer.fields:
            text += [f.zh, *f.aliases]
    text += list(schema.ZONE_ASSET_NAME_ALIASES)
    return {ch for t in text for ch in t if is_cjk(ch)}


def test_it_covers_every_chinese_character_of_the_schema(cmap):
    chars = _schema_chinese()
    assert len(chars) > 100
    missing = sorted(ch for ch in chars if ord(ch) not in cmap)
    assert not missing, f"not in the bundled font: {''.join(missing)}"


def test_it_covers_gb2312_level_1_and_the_repository_text(cmap):
    make_subset = _make_subset()
    level1 = make_subset.gb2312_level1()
    assert len(level1) == len(set(level1)) == 3755
    assert all(ord(ch) in cmap for ch in level1)
    assert all(cp in cmap for cp in range(0x20, 0x7F))
    shown = make_subset.repository_characters(roots=make_subset.APP_ROOTS)
    repo = {ch for ch in shown if is_cjk(ch)}
    missing = sorted(ch for ch in repo if ord(ch) not in cmap and ch not in _absent_from_source())
    assert not missing, (f"Chinese text uses {''.join(missing)}, which the bundled font lacks: "
                         "rerun resources/fonts/make_subset.py")


def _absent_from_source() -> str:
    """Characters the source font itself lacks (make_subset.py lists them in SUBSET.txt)."""
    for line in (FONT_DIR / "SUBSET.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("used in the repository but not in the source font:"):
            return line.split(":", 1)[1].strip()
    return ""


def test_register_fonts_adds_the_family_once(qapp):
    from PySide6.QtGui import QFontDatabase, QFontInfo, QFontMetricsF

    from ecoinv.render.fonts import FAMILY, font_file, register_fonts, ui_font

    assert font_file() == FONT
    family = register_fonts()
    assert family == FAMILY
    assert register_fonts() == family
    assert family in QFontDatabase.families()
    f = ui_font(10)
    assert QFontInfo(f).family() == family
    assert f.pointSizeF() == 10
    fm = QFontMetricsF(f)
    assert all(fm.inFontUcs4(ord(ch)) for ch in "哈尔滨市生态资产自然保护区")


def test_chinese_text_draws_with_the_bundled_font(qapp):
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QColor, QImage, QPainter

    from ecoinv.render.fonts import ui_font

    img = QImage(240, 60, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(QColor("white"))
    p = QPainter(img)
    p.setFont(ui_font(18))
    p.setPen(QColor("black"))
    p.drawText(QPointF(4, 40), "哈尔滨湿地")
    p.end()
    dark = sum(1 for x in range(240) for y in range(60) if img.pixelColor(x, y).value() < 100)
    assert dark > 300  # strokes of five hanzi, not five empty boxes


def test_no_code_point_of_the_cjk_radical_blocks_is_mapped(cmap):
    # Noto CJK draws a radical with the glyph of the ideograph it looks like
    # (U+2F63 and 生 U+751F share one) and Qt's PDF engine names a glyph
    # after the lowest code point mapped to it: one radical in the font and
    # every 生 in a PDF is extracted as the radical.
    radicals = sorted(cp for cp in cmap if 0x2E80 <= cp <= 0x2FDF)
    assert not radicals, [f"U+{cp:04X}" for cp in radicals]
    make_subset = _make_subset()
    assert all(make_subset.is_excluded(cp) for cp in (0x2E80, 0x2EFF, 0x2F00, 0x2F63, 0x2FDF))
    assert not any(make_subset.is_excluded(cp) for cp in (0x2E7F, 0x2FE0, ord("生"), ord("a")))
    glyph = cmap[ord("生")]
    assert [cp for cp, g in cmap.items() if g == glyph] == [ord("生")]


def test_the_font_joins_no_letters_into_ligatures(font):
    # A ligature glyph has no code point of its own: Qt's PDF engine drops it
    # from the text layer, and "figures" is extracted as "gures".
    tags = {rec.FeatureTag for rec in font["GSUB"].table.FeatureList.FeatureRecord}
    assert not tags & {"liga", "clig", "dlig", "rlig"}, tags
    assert "liga" not in _make_subset().LAYOUT_FEATURES


def test_map_fonts_ask_for_no_ligatures(qapp):
    from PySide6.QtGui import QFont

    from ecoinv.render.fonts import map_font

    font = map_font(40, 300)
    for tag in ("liga", "clig", "dlig"):
        assert font.isFeatureSet(QFont.Tag(tag)) and font.featureValue(QFont.Tag(tag)) == 0, tag


def test_labels_extract_from_a_pdf_exactly_as_written(qapp, tmp_path):
    """Map labels (haloed text in the map font) read back from a PDF letter for letter."""
    import shutil
    import subprocess

    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QPainter, QPdfWriter

    from ecoinv.render.fonts import map_font
    from ecoinv.render.painting import draw_text_halo

    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext (poppler-utils) is needed for this test"
    labels = ["生态保护红线", "Songhua floodplain fish refuge", "figures offline, fluffy"]
    path = tmp_path / "labels.pdf"
    writer = QPdfWriter(str(path))
    writer.setResolution(300)
    painter = QPainter(writer)
    font = map_font(60, 300)
    for k, text in enumerate(labels):
        draw_text_halo(painter, QPointF(100, 200 + 150 * k), text, font, "#333333", "#FFFFFF", 6)
    painter.end()
    text = subprocess.run([pdftotext, "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert [line for line in text.splitlines() if line.strip("\f")] == labels
