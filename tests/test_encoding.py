"""ecoinv.encoding: .cpg, DBF language driver, detection, field names."""
from __future__ import annotations

import pytest

from ecoinv import encoding as enc
from ecoinv.encoding import EncodingNameError

from .shapefile_factory import set_ldid, square, write_shapefile

PARKS = [
    {"geometry": square(126.0, 45.0, 0.01), "properties": {"名称": "太阳岛湿地", "级别": "国家级"}},
    {"geometry": square(126.1, 45.0, 0.01), "properties": {"名称": "松花江湿地", "级别": "省级"}},
]


@pytest.mark.parametrize("name,codec", [
    ("UTF8", "utf-8"), ("utf-8 ", "utf-8"), ("65001", "utf-8"), ("UTF-8", "utf-8"),
    ("936", "gb18030"), ("GBK", "gb18030"), ("CP936", "gb18030"), ("GB2312", "gb18030"),
    ("gb18030", "gb18030"), ("ANSI 936", "gb18030"), ("1252", "cp1252"), ("ANSI 1252", "cp1252"),
    ("88591", "latin-1"), ("ISO-8859-1", "latin-1"), ("big5", "big5"), ("950", "cp950"),
])
def test_normalize_encoding(name, codec):
    assert enc.normalize_encoding(name) == codec


@pytest.mark.parametrize("name", ["", "nonsense", "base64", "utf-16", "zlib"])
def test_normalize_encoding_refuses_non_encodings(name):
    with pytest.raises(EncodingNameError):
        enc.normalize_encoding(name)


@pytest.mark.parametrize("raw,codec", [
    (b"UTF-8", "utf-8"), (b"  UTF8\r\n", "utf-8"), (b"utf-8 ", "utf-8"), (b"\xef\xbb\xbfUTF-8\n", "utf-8"),
    (b"936", "gb18030"), (b"GBK", "gb18030"), (b"CP936\x00\x00", "gb18030"), (b"GB2312", "gb18030"),
    (b"65001", "utf-8"), (b"ANSI 1252", "cp1252"),
])
def test_parse_cpg_tolerates_junk_around_a_name(raw, codec):
    got, note = enc.parse_cpg(raw)
    assert got == codec
    assert note.startswith("from .cpg")


@pytest.mark.parametrize("raw", [b"", b"   \n", b"garbage!!", b"\xff\xfe\x00x", b"PROJCS[...]"])
def test_parse_cpg_ignores_garbage_with_a_note(raw):
    got, note = enc.parse_cpg(raw)
    assert got is None
    assert "ignored" in note


def test_cpg_wins_over_language_driver(tmp_path):
    shp = write_shapefile(tmp_path / "a.shp", PARKS, encoding="gbk", cpg="GBK", ldid=0x57)
    choice = enc.shapefile_encoding(shp)
    assert (choice.encoding, choice.how) == ("gb18030", "cpg")
    assert choice.label == "GBK/GB18030"
    assert not choice.warning


def test_junk_cpg_falls_back_to_language_driver(tmp_path):
    shp = write_shapefile(tmp_path / "a.shp", PARKS, encoding="gbk", cpg=b"\x00\x00??", ldid=0x4D)
    choice = enc.shapefile_encoding(shp)
    assert (choice.encoding, choice.how) == ("gb18030", "ldid")
    assert "ignored" in choice.note and "0x4D" in choice.note and "936" in choice.note


def test_gbk_without_cpg_and_without_driver_is_detected(tmp_path):
    shp = write_shapefile(tmp_path / "a.shp", PARKS, encoding="gbk", cpg=False, ldid=0)
    choice = enc.shapefile_encoding(shp)
    assert (choice.encoding, choice.how) == ("gb18030", "detected")
    assert "GBK/GB18030" in choice.note


def test_utf8_with_language_driver_zero_is_detected_as_utf8(tmp_path):
    shp = write_shapefile(tmp_path / "a.shp", PARKS, encoding="utf-8", cpg=False, ldid=0)
    choice = enc.shapefile_encoding(shp)
    assert (choice.encoding, choice.how) == ("utf-8", "detected")
    assert "UTF-8" in choice.note


def test_ansi_language_driver_does_not_name_an_encoding(tmp_path):
    # 0x57 says "ANSI, see .cpg"; with no .cpg the bytes decide.
    shp = write_shapefile(tmp_path / "a.shp", PARKS, encoding="utf-8", cpg=False, ldid=0x57)
    choice = enc.shapefile_encoding(shp)
    assert (choice.encoding, choice.how) == ("utf-8", "detected")
    assert "0x57" in choice.note


def test_latin1_fallback_warns(tmp_path):
    recs = [{"geometry": square(0, 0, 1), "properties": {"name": "Café Müller ½"}}]
    shp = write_shapefile(tmp_path / "a.shp", recs, encoding="latin-1", cpg=False)
    choice = enc.shapefile_encoding(shp)
    assert (choice.encoding, choice.how) == ("latin-1", "fallback")
    assert choice.warning and "--encoding" in choice.note


def test_ascii_only_is_utf8(tmp_path):
    recs = [{"geometry": square(0, 0, 1), "properties": {"name": "Taiyang Island"}}]
    shp = write_shapefile(tmp_path / "a.shp", recs, cpg=False)
    assert enc.shapefile_encoding(shp).encoding == "utf-8"


def test_override_wins_and_bad_override_is_an_error(tmp_path):
    shp = write_shapefile(tmp_path / "a.shp", PARKS, encoding="gbk", cpg="UTF-8")
    choice = enc.shapefile_encoding(shp, "GBK")
    assert (choice.encoding, choice.how) == ("gb18030", "override")
    with pytest.raises(EncodingNameError, match="--encoding"):
        enc.shapefile_encoding(shp, "klingon")


def test_declared_encoding_contradicted_by_bytes_warns(tmp_path):
    shp = write_shapefile(tmp_path / "a.shp", PARKS, encoding="gbk", cpg="UTF-8")
    choice = enc.shapefile_encoding(shp)
    assert choice.encoding == "utf-8"  # the .cpg is the stated evidence ...
    assert choice.warning and "GBK" in choice.note  # ... but the report says it looks wrong


def test_language_driver_byte_is_read_from_offset_29(tmp_path):
    shp = write_shapefile(tmp_path / "a.shp", PARKS, encoding="gbk", cpg=False)
    set_ldid(shp.with_suffix(".dbf"), 0x4D)
    assert enc.read_dbf_header(shp.with_suffix(".dbf")).ldid == 0x4D
    assert enc.shapefile_encoding(shp).how == "ldid"


def test_field_names_cut_inside_a_character():
    raw = "保护区名称".encode("utf-8")[:10]  # 3 characters and 1 byte of the 4th
    assert enc.decode_field_name(raw, "utf-8") == ("保护区", True)
    raw = "A保护区名称".encode("gbk")[:10]  # half of 称 cut off in GBK
    assert enc.decode_field_name(raw, "gb18030") == ("A保护区名", True)
    assert enc.decode_field_name(b"NAME", "utf-8") == ("NAME", False)
    assert enc.decode_field_name("名称".encode("gbk"), "gb18030") == ("名称", False)


def test_decode_lenient_strips_a_cut_character_and_flags_other_damage():
    assert enc.decode_lenient("湿地公园".encode()[:-1], "utf-8") == ("湿地公", True)
    text, clean = enc.decode_lenient(b"ab\xffcd", "utf-8")
    assert not clean and text.startswith("ab") and text.endswith("cd")


def test_detect_from_values():
    assert enc.detect([b"plain"]).how == "detected"
    assert enc.detect(["湿地".encode("utf-8")]).encoding == "utf-8"
    assert enc.detect(["湿地公园".encode("gbk"), "国家级".encode("gbk")]).encoding == "gb18030"
    assert enc.detect(["Ærø".encode("latin-1")]).encoding == "latin-1"


def _dbf_with(tmp_path, name, values, *, encoding="gbk", width=8):
    recs = [{"geometry": square(126, 45, 0.1), "properties": {"名称": v}} for v in values]
    shp = write_shapefile(tmp_path / f"{name}.shp", recs, encoding=encoding,
                          schema={"properties": {"名称": f"str:{width}"}})
    dbf = shp.with_suffix(".dbf")
    return dbf, enc.read_dbf_header(dbf)


def test_declared_encoding_is_confirmed_with_one_decode_per_field(tmp_path):
    """The fast check of a declared encoding answers as the value-by-value
    one where it answers at all, and leaves the rest to it."""
    dbf, header = _dbf_with(tmp_path, "ok", ["太阳岛", "扎龙湿地", "", "abc"])
    assert enc._sample_decodes(dbf, header, "gb18030")
    assert not enc._sample_decodes(dbf, header, "utf-8")       # GBK bytes are not UTF-8
    assert not enc._sample_decodes(dbf, header, "utf-16")      # not a stateless codec: no verdict
    # A value that fills its field and ends in half a character: no verdict
    # here; the value-by-value check accepts the cut.
    dbf, header = _dbf_with(tmp_path, "cut", ["太阳岛湿", "扎龙"], width=7)
    assert not enc._sample_decodes(dbf, header, "gb18030")
    assert enc._checked(enc.EncodingChoice("gb18030", "cpg", "from .cpg"), dbf).warning is False
    # Bytes that are not GBK at all: both say so.
    data = bytearray(dbf.read_bytes())
    data[data.index("扎龙".encode("gbk"))] = 0xFF
    dbf.write_bytes(bytes(data))
    assert not enc._sample_decodes(dbf, header, "gb18030")
    assert enc._checked(enc.EncodingChoice("gb18030", "cpg", "from .cpg"), dbf).warning is True
