#!/usr/bin/env python
"""Make the bundled CJK font: a TrueType subset of Noto Sans CJK SC.

    .venv/bin/python resources/fonts/make_subset.py [--source PATH] [--check]

Why a subset, and why TrueType:

* Machines without a Chinese font (Windows Server images, minimal Linux,
  CI) must still show and print Chinese, so the app ships its own font and
  registers it at start (ecoinv/render/fonts.py).  The full Noto Sans CJK
  collection is ~20 MB per weight; GB 2312 plus the characters the program
  and its data use is ~2 MB.
* Qt's PDF engine embeds TrueType (glyf) fonts as real subset fonts with a
  ToUnicode map, so pdffonts lists the font and pdftotext extracts the
  Chinese.  Noto CJK ships CFF outlines, which Qt does not embed that way,
  so the outlines are converted to quadratic curves (fontTools cu2qu, the
  otf2ttf recipe from fontTools' snippets).
* The family is renamed ("Ecoinv Sans SC") so the bundled file never
  competes with an installed Noto Sans CJK SC: the app always gets exactly
  this file, on screen and in PDFs.  Noto CJK declares no Reserved Font Name,
  so the OFL allows the rename; LICENSE-OFL.txt keeps the copyright notice.

The character set: ASCII, Latin-1, common punctuation and symbols used in
Chinese text, the 6,763 hanzi of GB 2312 (the 3,755 common level-1 ones and
the 3,008 level-2 ones that site and place names keep needing), and every non-ASCII
character the source fonts can draw that appears in the repository's code,
data, translations and tests (scanned from SCAN_ROOTS).  Rerun the script
after adding Chinese text with rare characters; tests/test_fonts.py fails
until you do.  Never included, whatever the repository holds: the CJK
radical blocks (EXCLUDED_RANGES), and the f-ligatures are left out too
(LAYOUT_FEATURES); both would make text copied from a PDF come out wrong.

The output is deterministic: the same source font and the same repository
text give a byte-identical file (timestamps are copied from the source font,
tables are written in a fixed order).  ``--check`` rebuilds in memory and
exits 1 if the committed file differs.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

FAMILY = "Ecoinv Sans SC"
POSTSCRIPT = "EcoinvSansSC-Regular"
OUTPUT = HERE / "EcoinvSansSC-Regular.ttf"
MANIFEST = HERE / "SUBSET.txt"

SOURCE_CANDIDATES = (
    # Debian/Ubuntu fonts-noto-cjk
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    # Fedora google-noto-sans-cjk-fonts, Arch noto-fonts-cjk
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
)
SOURCE_FAMILY = "Noto Sans CJK SC"

# Folders (relative to the repository) whose text is scanned for characters:
# the program, its demo data and translations (APP_ROOTS: what the program
# shows), and the tests (what test reports and maps show).
APP_ROOTS = ("ecoinv", "data", "resources/i18n")
SCAN_ROOTS = APP_ROOTS + ("tests",)
SCAN_SUFFIXES = {".py", ".json", ".geojson", ".ts", ".csv", ".txt", ".md", ".dbf", ".cpg", ".qml"}

# Also the 3,008 level-2 hanzi of GB 2312 (full GB 2312: 6,763), for the
# rarer characters of place names in site lists; ~0.8 MB more.
WITH_LEVEL2 = True

# Curve-fitting tolerance in font units (1000/em): invisible at any size.
MAX_ERR = 1.0


def _ranges(*pairs: tuple[int, int]) -> set[int]:
    out: set[int] = set()
    for lo, hi in pairs:
        out.update(range(lo, hi + 1))
    return out


BASE_CODEPOINTS: set[int] = _ranges(
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 (° ² ³ × ÷ · ± …)
    (0x2010, 0x2027),  # dashes, quotes, bullet, ellipsis
    (0x2030, 0x203B),  # ‰ ′ ″ ‹ › ※
    (0x2103, 0x2103),  # ℃
    (0x2116, 0x2116),  # №
    (0x2160, 0x216B),  # Roman numerals Ⅰ–Ⅻ (一级 is also written Ⅰ级)
    (0x2190, 0x2193),  # arrows
    (0x2212, 0x2212),  # minus
    (0x2248, 0x2248),  # ≈
    (0x2264, 0x2265),  # ≤ ≥
    (0x2460, 0x2473),  # ①–⑳
    (0x25A0, 0x25A1),  # ■ □
    (0x25B2, 0x25B3),  # ▲ △
    (0x25C6, 0x25C7),  # ◆ ◇
    (0x25CB, 0x25CB),  # ○
    (0x25CF, 0x25CF),  # ●
    (0x2605, 0x2606),  # ★ ☆
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x339E, 0x339E),  # ㎞
    (0x33A1, 0x33A1),  # ㎡
    (0xFF01, 0xFF5E),  # full-width ASCII forms
    (0xFFE0, 0xFFE6),  # ￠ ￡ ￢ ￣ ￤ ￥ ￦
)


# Code points never put in the font.  Noto CJK draws each radical with the
# glyph of the ideograph it looks like (the Kangxi radical U+2F63 and 生
# U+751F share one), and Qt's PDF engine names a glyph in the ToUnicode map
# after the lowest code point that maps to it: with U+2F63 in the font,
# every 生 in a PDF was extracted and searched as the radical.  Radicals are
# never written in running text.
EXCLUDED_RANGES: tuple[tuple[int, int], ...] = (
    (0x2E80, 0x2EFF),  # CJK Radicals Supplement
    (0x2F00, 0x2FDF),  # Kangxi Radicals
)


def is_excluded(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in EXCLUDED_RANGES)


# OpenType features kept.  Horizontal Simplified Chinese only: 'locl' and
# the vertical features would pull in the Japanese, Korean, Traditional and
# rotated glyph variants (thousands of glyphs nobody here draws).  No
# 'liga': Qt's PDF engine cannot map a ligature glyph back to its letters,
# so with "fi" joined "figures" was extracted as "gures", whichever painter
# forgot to switch ligatures off.
LAYOUT_FEATURES = ["ccmp", "kern", "halt", "palt"]


def gb2312_hanzi(last_row: int = 0xF7) -> list[str]:
    """GB 2312 hanzi in code order: level 1 is rows 0xB0–0xD7, level 2 rows 0xD8–0xF7."""
    out = []
    for row in range(0xB0, last_row + 1):
        for col in range(0xA1, 0xFF):
            try:
                out.append(bytes([row, col]).decode("gb2312"))
            except UnicodeDecodeError:
                pass  # D7FA–D7FE are unassigned
    return out


def gb2312_level1() -> list[str]:
    """The 3,755 level-1 (common) hanzi."""
    return gb2312_hanzi(0xD7)


def gb2312_level2() -> list[str]:
    """The 3,008 level-2 hanzi: rarer, but place names (lakes, hills, villages) use them."""
    return [ch for ch in gb2312_hanzi(0xF7) if ch not in set(gb2312_level1())]


def is_cjk(cp: int) -> bool:
    return (0x3000 <= cp <= 0x303F or 0x3400 <= cp <= 0x4DBF or 0x4E00 <= cp <= 0x9FFF
            or 0xF900 <= cp <= 0xFAFF or 0xFF00 <= cp <= 0xFFEF or 0x20000 <= cp <= 0x2FA1F)


def _decode(raw: bytes, suffix: str) -> str:
    encodings = ("utf-8", "gb18030") if suffix == ".dbf" else ("utf-8",)
    for enc in encodings:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="ignore")


def repository_characters(root: Path = ROOT, roots: tuple[str, ...] = SCAN_ROOTS) -> set[str]:
    """Every non-ASCII character in the scanned files of the repository."""
    chars: set[str] = set()
    for rel in roots:
        base = root / rel
        if not base.exists():
            continue
        for path in sorted(base.rglob("*")):
            if not path.is_file() or path.suffix.lower() not in SCAN_SUFFIXES:
                continue
            if any(part.startswith(".") or part == "__pycache__" for part in path.relative_to(root).parts):
                continue
            text = _decode(path.read_bytes(), path.suffix.lower())
            chars.update(ch for ch in text if ord(ch) >= 0xA0)
    return chars


def find_source(explicit: str | None) -> tuple[Path, int]:
    """The source font file and the index of Noto Sans CJK SC in it."""
    candidates = [explicit] if explicit else list(SOURCE_CANDIDATES)
    for cand in candidates:
        path = Path(cand)
        if not path.exists():
            continue
        if path.suffix.lower() in (".ttc", ".otc"):
            from fontTools.ttLib import TTCollection

            coll = TTCollection(str(path), lazy=True)
            for i, font in enumerate(coll.fonts):
                if font["name"].getDebugName(1) == SOURCE_FAMILY:
                    return path, i
            raise SystemExit(f"{path}: no {SOURCE_FAMILY} in this collection")
        return path, -1
    raise SystemExit("Noto Sans CJK not found; install fonts-noto-cjk or pass --source "
                     "NotoSansCJK-Regular.ttc")


def _quadratic_glyphs(font: TTFont) -> dict:
    glyph_set = font.getGlyphSet()
    out = {}
    for name in font.getGlyphOrder():
        tt_pen = TTGlyphPen(glyph_set)
        # TrueType outlines run clockwise, PostScript ones anticlockwise.
        glyph_set[name].draw(Cu2QuPen(tt_pen, MAX_ERR, reverse_direction=True))
        out[name] = tt_pen.glyph()
    return out


def cff_to_glyf(font: TTFont) -> None:
    """Replace the CFF table by glyf/loca (fontTools' otf2ttf recipe)."""
    order = font.getGlyphOrder()
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = _quadratic_glyphs(font)
    del font["CFF "]
    if "VORG" in font:  # only meaningful with CFF outlines
        del font["VORG"]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in glyf.glyphs.items():
        width = hmtx[name][0]
        hmtx[name] = (width, getattr(glyph, "xMin", 0))
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    for attr in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions"):
        setattr(maxp, attr, 0)
    maxp.maxComponentElements = max(
        (len(getattr(g, "components", None) or []) for g in glyf.glyphs.values()), default=0)
    maxp.compile(font)
    post = font["post"]
    # Format 3 has no glyph names: the CID names of the source are of no use
    # and cost ~60 kB.
    post.formatType = 3.0
    post.extraNames = []
    post.mapping = {}
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"


def rename(font: TTFont, source_version: str, extra: int) -> None:
    name = font["name"]
    copyright_ = name.getDebugName(0) or "© 2014-2021 Adobe (http://www.adobe.com/)."
    license_ = name.getDebugName(13) or "SIL Open Font License, Version 1.1"
    license_url = name.getDebugName(14) or "https://openfontlicense.org"
    name.names = []
    entries = {
        0: copyright_,
        1: FAMILY,
        2: "Regular",
        3: f"{source_version.split(';')[0]};ecoinv;{POSTSCRIPT}",
        4: FAMILY,
        5: f"{source_version.split(';')[0]}; ecoinv subset",
        6: POSTSCRIPT,
        10: (f"Subset of {SOURCE_FAMILY} ({source_version.split(';')[0]}) made for ecoinv by "
             f"resources/fonts/make_subset.py: ASCII, Latin-1, CJK punctuation, the GB 2312 "
             f"hanzi and {extra} characters used by the program; outlines converted from CFF "
             f"to TrueType. Renamed as the SIL OFL 1.1 asks of modified versions."),
        13: license_,
        14: license_url,
    }
    for name_id, text in entries.items():
        name.setName(text, name_id, 3, 1, 0x409)
        if name_id in (1, 2, 4, 6):
            name.setName(text, name_id, 1, 0, 0)


def build(source: Path, index: int) -> tuple[bytes, dict]:
    kw = {"fontNumber": index} if index >= 0 else {}
    font = TTFont(str(source), recalcTimestamp=False, recalcBBoxes=True, **kw)
    source_version = font["name"].getDebugName(5) or "unknown"
    cmap = font.getBestCmap()

    wanted = set(BASE_CODEPOINTS)
    level1 = {ord(c) for c in gb2312_level1()}
    wanted |= level1
    if WITH_LEVEL2:
        wanted |= {ord(c) for c in gb2312_level2()}
    repo = {ord(c) for c in repository_characters()}
    extra = sorted(cp for cp in repo - wanted if cp in cmap and not is_excluded(cp))
    # Only Chinese is worth reporting: the rest are mojibake samples in the
    # encoding tests (Latin, Arabic... letters decoded from GBK bytes).
    missing_repo = sorted(cp for cp in repo if cp not in cmap and is_cjk(cp))
    wanted |= set(extra)
    unicodes = sorted(cp for cp in wanted if cp in cmap and not is_excluded(cp))

    options = subset.Options()
    options.hinting = False           # CFF hints do not survive the conversion
    options.desubroutinize = True
    options.glyph_names = False
    options.notdef_outline = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    options.name_languages = [0x0409]
    options.layout_features = list(LAYOUT_FEATURES)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)

    cff_to_glyf(font)
    rename(font, source_version, len(extra))
    font.recalcTimestamp = False  # head.created/modified stay the source's: same input, same bytes

    buf = io.BytesIO()
    font.save(buf, reorderTables=True)
    info = {
        "source": str(source),
        "source_version": source_version,
        "source_sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
        "codepoints": len(unicodes),
        "gb2312_level1": len(level1 & set(unicodes)),
        "gb2312_level2": len({ord(c) for c in gb2312_level2()} & set(unicodes)),
        "extra": "".join(chr(cp) for cp in extra),
        "missing": "".join(chr(cp) for cp in missing_repo),
    }
    return buf.getvalue(), info


def manifest_text(data: bytes, info: dict) -> str:
    extra = info["extra"]
    lines = [
        f"{OUTPUT.name}: {FAMILY}, made by resources/fonts/make_subset.py (do not edit by hand).",
        f"source: {SOURCE_FAMILY} {info['source_version']}",
        f"source sha256: {info['source_sha256']}",
        f"output sha256: {hashlib.sha256(data).hexdigest()}",
        f"size: {len(data)} bytes; code points: {info['codepoints']}; "
        f"GB 2312 hanzi: {info['gb2312_level1']} level 1, {info['gb2312_level2']} level 2",
        f"characters added from the repository ({len(extra)}):",
    ]
    lines += [extra[i:i + 60] for i in range(0, len(extra), 60)] or ["(none)"]
    if info["missing"]:
        lines.append(f"used in the repository but not in the source font: {info['missing']}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", help="NotoSansCJK-Regular.ttc (or an SC .otf)")
    ap.add_argument("--check", action="store_true",
                    help="rebuild in memory; exit 1 if the committed font differs")
    args = ap.parse_args(argv)
    source, index = find_source(args.source)
    data, info = build(source, index)
    if args.check:
        same = OUTPUT.exists() and OUTPUT.read_bytes() == data
        print(f"{OUTPUT.name}: {'up to date' if same else 'OUT OF DATE: rerun make_subset.py'}")
        return 0 if same else 1
    OUTPUT.write_bytes(data)
    MANIFEST.write_text(manifest_text(data, info), encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({len(data) / 1e6:.2f} MB, {info['codepoints']} code "
          f"points, {len(info['extra'])} from the repository)")
    if info["missing"]:
        print(f"not in the source font: {info['missing']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
