"""Which text encoding a shapefile's attributes are in, and how we know.

Order of evidence (the first that gives an answer wins):

1. an explicit override (``--encoding``);
2. the ``.cpg`` file, if it names an encoding (junk in it is ignored with a note);
3. the DBF language-driver byte (offset 29), if it names a code page;
4. detection from the DBF bytes themselves (field names and text values):
   valid UTF-8 with non-ASCII text → UTF-8; otherwise text that decodes as
   GB18030 into mostly Chinese → GB18030 (a superset of GBK/GB2312);
   otherwise latin-1, with a warning.

GBK, CP936 and GB2312 are all read with Python's ``gb18030`` codec: it
decodes their bytes to the same characters and also covers the rarer ones
that agencies' GB2312-labelled files contain anyway.

No third-party detector is used: the question here is narrow (UTF-8 vs
the GB family vs "something else") and answering it from the DBF's own
structure (values are separate fixed-width fields) is more reliable than
statistics over the whole file.
"""
from __future__ import annotations

import codecs
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

# Bytes of record data sampled for detection: enough for thousands of
# records, bounded for 100k-feature files.
DETECT_SAMPLE_BYTES = 8 * 1024 * 1024

GB_FAMILY = {"gbk", "gb2312", "cp936", "gb18030", "936", "ms936", "euc_cn", "euccn",
             "gb_2312_80", "chinese", "csgb2312"}

# DBF language driver ids (byte 29) -> Python codec.  0x57 means "ANSI, see
# the .cpg" and 0x00 means "not set": neither names an encoding.
LDID_CODEPAGES: dict[int, str] = {
    0x01: "cp437", 0x02: "cp850", 0x03: "cp1252", 0x08: "cp865", 0x09: "cp437",
    0x0A: "cp850", 0x0B: "cp437", 0x0D: "cp437", 0x0E: "cp850", 0x0F: "cp437",
    0x10: "cp850", 0x11: "cp437", 0x12: "cp850", 0x13: "cp932", 0x14: "cp850",
    0x15: "cp437", 0x16: "cp850", 0x17: "cp865", 0x18: "cp437", 0x19: "cp437",
    0x1A: "cp850", 0x1B: "cp437", 0x1C: "cp863", 0x1D: "cp850", 0x1F: "cp852",
    0x22: "cp852", 0x23: "cp852", 0x24: "cp860", 0x25: "cp850", 0x26: "cp866",
    0x37: "cp850", 0x40: "cp852",
    0x4D: "gb18030",  # code page 936 (GBK), what Chinese ArcGIS writes
    0x4E: "cp949", 0x4F: "cp950", 0x50: "cp874",
    0x58: "cp1252", 0x59: "cp1252", 0x64: "cp852", 0x65: "cp866", 0x66: "cp865",
    0x67: "cp861", 0x6A: "cp737", 0x6B: "cp857", 0x6C: "cp863",
    0x78: "cp950", 0x79: "cp949", 0x7A: "gb18030", 0x7B: "cp932", 0x7C: "cp874",
    0x86: "cp737", 0x87: "cp852", 0x88: "cp857",
    0xC8: "cp1250", 0xC9: "cp1251", 0xCA: "cp1254", 0xCB: "cp1253", 0xCC: "cp1257",
}
LDID_CODEPAGE_NUMBER = {0x4D: 936, 0x7A: 936, 0x4E: 949, 0x4F: 950, 0x13: 932, 0x7B: 932,
                        0x57: None, 0x00: None}


@dataclass(frozen=True)
class EncodingChoice:
    encoding: str   # Python codec name used to decode ("utf-8", "gb18030", "latin-1", ...)
    how: str        # "override" | "cpg" | "ldid" | "detected" | "fallback" | "default"
    note: str       # how it was chosen, for the import report
    warning: bool = False

    @property
    def label(self) -> str:
        return encoding_label(self.encoding)

    def to_dict(self) -> dict:
        return {"encoding": self.label, "codec": self.encoding, "how": self.how,
                "note": self.note, "warning": self.warning}


class EncodingNameError(ValueError):
    pass


def encoding_label(codec: str) -> str:
    return {"gb18030": "GBK/GB18030", "utf-8": "UTF-8", "latin-1": "latin-1"}.get(codec, codec)


def normalize_encoding(name) -> str:
    """A Python codec name for an encoding name as users and .cpg files write it.

    Accepts 'UTF8', 'utf-8', '65001', '936', 'CP936', 'GBK', 'GB2312',
    'GB18030', 'ANSI 1252', '1252', '88591'...  Raises EncodingNameError.
    """
    text = str(name).strip().strip("\x00").strip()
    key = text.lower().replace(" ", "").replace("_", "").replace("-", "")
    if key.startswith("ansi"):
        key = key[4:]
    if not key:
        raise EncodingNameError(f"empty encoding name {name!r}")
    if key in ("utf8", "65001", "cp65001", "utf8bom", "utf8sig"):
        return "utf-8"
    if key in {k.replace("_", "") for k in GB_FAMILY} or key in ("cp54936", "54936", "ms936"):
        return "gb18030"
    if key in ("88591", "iso88591", "latin1", "28591"):
        return "latin-1"
    if key.isdigit():
        number = int(key)
        if 28592 <= number <= 28606:  # Windows numbers of ISO-8859-x
            key = f"iso8859_{number - 28590}"
        elif 88592 <= number <= 885916:
            key = f"iso8859_{str(number)[4:]}"
        else:
            key = f"cp{number}"
    try:
        info = codecs.lookup(key)
    except LookupError:
        try:
            info = codecs.lookup(text)
        except LookupError:
            raise EncodingNameError(f"unknown encoding {text!r}") from None
    # Reject bytes-to-bytes codecs (base64, zlib...) and encodings a DBF
    # cannot hold (fixed-width fields padded with ASCII spaces).
    if not getattr(info, "_is_text_encoding", True) or info.name.startswith(("utf-16", "utf-32")):
        raise EncodingNameError(f"{text!r} is not a text encoding a DBF can use")
    if info.name in ("gbk", "gb2312", "gb18030"):
        return "gb18030"
    if info.name in ("iso8859-1", "latin-1"):
        return "latin-1"
    return info.name


def parse_cpg(raw: bytes) -> tuple[str | None, str]:
    """(codec or None, note) from the bytes of a .cpg file, tolerating junk."""
    text = raw
    if text.startswith(codecs.BOM_UTF8):
        text = text[3:]
    decoded = text.decode("ascii", errors="replace").replace("\x00", "").strip()
    shown = decoded if len(decoded) <= 40 else decoded[:37] + "..."
    if not decoded:
        return None, ".cpg is empty (ignored)"
    # "ANSI 1252" is one name; otherwise the first word ("UTF-8 \r\n junk").
    first = decoded.splitlines()[0] if decoded.lower().startswith("ansi") else decoded.split()[0]
    try:
        codec = normalize_encoding(first)
    except EncodingNameError:
        return None, f".cpg content {shown!r} is not an encoding (ignored)"
    return codec, f"from .cpg {shown!r}"


# --- the DBF header -------------------------------------------------------------------

@dataclass(frozen=True)
class DbfField:
    raw_name: bytes
    type: str
    length: int
    decimals: int
    offset: int  # within the record, after the deletion flag


@dataclass(frozen=True)
class DbfHeader:
    version: int
    n_records: int
    header_length: int
    record_length: int
    ldid: int
    fields: tuple[DbfField, ...]


class DbfError(ValueError):
    pass


def read_dbf_header(path) -> DbfHeader:
    """Parse a DBF header.  Raises DbfError with a short reason."""
    path = Path(path)
    with open(path, "rb") as fh:
        head = fh.read(32)
        if len(head) < 32:
            raise DbfError("file too short for a DBF header")
        version = head[0]
        n_records, header_length, record_length = struct.unpack("<IHH", head[4:12])
        if header_length < 33 or record_length < 1 or (version & 0x07) not in (3, 4, 5, 0, 1):
            raise DbfError("not a dBASE file (bad header)")
        rest = fh.read(header_length - 32)
    fields = []
    offset = 1
    for i in range(0, len(rest) - 31, 32):
        desc = rest[i:i + 32]
        if desc[0] == 0x0D:
            break
        raw_name = desc[:11].split(b"\x00", 1)[0]
        ftype = chr(desc[11])
        length, decimals = desc[16], desc[17]
        fields.append(DbfField(raw_name, ftype, length, decimals, offset))
        offset += length
    else:
        if len(rest) < 1 or 0x0D not in rest:
            raise DbfError("field descriptors are not terminated (truncated header)")
    return DbfHeader(version, n_records, header_length, record_length, head[29], tuple(fields))


def iter_text_values(path, header: DbfHeader, limit_bytes: int = DETECT_SAMPLE_BYTES
                     ) -> Iterator[tuple[bytes, bool]]:
    """(raw bytes, fills its field) of the non-blank text (C) values in the
    first records of a DBF.  Only a value that fills its field can have been
    cut in the middle of a character."""
    text_fields = [f for f in header.fields if f.type == "C"]
    if not text_fields or header.record_length < 1:
        return
    n = min(header.n_records, max(1, limit_bytes // header.record_length))
    with open(path, "rb") as fh:
        fh.seek(header.header_length)
        for _ in range(n):
            rec = fh.read(header.record_length)
            if len(rec) < header.record_length:
                return
            for f in text_fields:
                value = rec[f.offset:f.offset + f.length].rstrip(b" \x00")
                if value:
                    yield value, len(value) == f.length


# --- decoding -----------------------------------------------------------------------

def decode_cut(raw: bytes, codec: str) -> tuple[str, bool]:
    """Decode text that may end in half a multi-byte character (fixed-width
    DBF fields cut it).  Returns (text, cut) and raises UnicodeDecodeError
    if the bytes are invalid elsewhere.
    """
    try:
        return raw.decode(codec), False
    except UnicodeDecodeError as exc:
        # Only an incomplete character in the last bytes counts as a cut.
        incomplete = exc.reason in ("unexpected end of data", "incomplete multibyte sequence")
        if incomplete and exc.end == len(raw) and exc.start >= len(raw) - 3 and exc.start > 0:
            try:
                return raw[:exc.start].decode(codec), True
            except UnicodeDecodeError:
                pass
        raise


def decode_lenient(raw: bytes, codec: str) -> tuple[str, bool]:
    """(text, clean): strips a cut trailing character; replaces other bad bytes."""
    try:
        text, _ = decode_cut(raw, codec)
        return text, True
    except UnicodeDecodeError:
        return raw.decode(codec, errors="replace"), False


def decode_field_name(raw: bytes, codec: str) -> tuple[str, bool]:
    """(name, truncated) of a DBF field name of up to 10 bytes.

    ``truncated`` is True when a multi-byte character was cut in half (the
    broken byte is dropped) or the name fills all 10 bytes, i.e. the
    writing program may have cut it: the mapper then matches it by prefix.
    """
    raw = raw.rstrip(b" \x00")
    try:
        name, cut = decode_cut(raw, codec)
    except UnicodeDecodeError:
        name, cut = raw.decode(codec, errors="replace").replace("\ufffd", ""), True
    return name.strip(), cut or len(raw) >= 10


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF
            or 0x20000 <= o <= 0x2FA1F or 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF
            or 0x2000 <= o <= 0x206F or o in (0x00B7, 0x00D7))


def _decode_sample(value: bytes, cut_ok: bool, codec: str) -> str:
    return decode_cut(value, codec)[0] if cut_ok else value.decode(codec)


def _valid_for(values: list[tuple[bytes, bool]], codec: str) -> bool:
    try:
        for v, cut_ok in values:
            _decode_sample(v, cut_ok, codec)
    except UnicodeDecodeError:
        return False
    return True


def detect(values: Iterable[bytes | tuple[bytes, bool]]) -> EncodingChoice:
    """Choose an encoding from raw text values (and field names).

    Items are bytes, or (bytes, may end in a cut character) for values
    that fill their fixed-width field.
    """
    pairs = [(v, False) if isinstance(v, (bytes, bytearray)) else v for v in values]
    non_ascii = [(v, c) for v, c in pairs if not v.isascii()]
    if not non_ascii:
        return EncodingChoice("utf-8", "detected", "detected: all text is ASCII")
    if _valid_for(non_ascii, "utf-8"):
        return EncodingChoice("utf-8", "detected",
                              f"detected: {len(non_ascii)} non-ASCII text values are valid UTF-8")
    if _valid_for(non_ascii, "gb18030"):
        chars = "".join(_decode_sample(v, c, "gb18030") for v, c in non_ascii)
        wide = [c for c in chars if ord(c) >= 0x80]
        cjk = sum(1 for c in wide if _is_cjk(c))
        if wide and cjk / len(wide) >= 0.8:
            return EncodingChoice("gb18030", "detected",
                                  f"detected: not UTF-8; decodes as GBK/GB18030 into Chinese text "
                                  f"({cjk} of {len(wide)} non-ASCII characters are CJK)")
    return EncodingChoice("latin-1", "fallback",
                          "could not detect the encoding (neither UTF-8 nor GBK/GB18030): read as "
                          "latin-1, non-ASCII text may be wrong; pass --encoding", warning=True)


def sidecar(shp: Path, ext: str) -> Path | None:
    """The file next to a .shp with extension ``ext``, in whatever case it was written."""
    shp = Path(shp)
    for cand in (shp.with_suffix(ext), shp.with_suffix(ext.upper())):
        if cand.exists():
            return cand
    for cand in shp.parent.glob(shp.stem + ".*"):
        if cand.suffix.lower() == ext:
            return cand
    return None


def shapefile_encoding(path, override: str | None = None) -> EncodingChoice:
    """The encoding of a shapefile's DBF (``path`` is the .shp or .dbf)."""
    path = Path(path)
    dbf = path if path.suffix.lower() == ".dbf" else sidecar(path, ".dbf")
    if override:
        try:
            codec = normalize_encoding(override)
        except EncodingNameError as exc:
            raise EncodingNameError(f"--encoding: {exc}") from None
        return EncodingChoice(codec, "override", f"given: {override}")
    notes = []
    cpg = sidecar(path, ".cpg")
    if cpg is not None:
        codec, note = parse_cpg(cpg.read_bytes()[:200])
        if codec:
            return _checked(EncodingChoice(codec, "cpg", note), dbf)
        notes.append(note)
    if dbf is None:
        return EncodingChoice("utf-8", "default", "; ".join(notes + ["no .dbf"]))
    header = read_dbf_header(dbf)
    codec = LDID_CODEPAGES.get(header.ldid)
    if codec:
        page = LDID_CODEPAGE_NUMBER.get(header.ldid)
        what = f"code page {page}" if page else codec
        note = f"DBF language driver 0x{header.ldid:02X} ({what})"
        return _checked(EncodingChoice(codec, "ldid", "; ".join(notes + [note])), dbf, header)
    if header.ldid:
        notes.append(f"DBF language driver 0x{header.ldid:02X} names no code page")
    else:
        notes.append("no .cpg and no DBF language driver")
    choice = detect(_detect_sample(dbf, header))
    return EncodingChoice(choice.encoding, choice.how, "; ".join(notes + [choice.note]),
                          choice.warning)


def _detect_sample(dbf: Path, header: DbfHeader) -> Iterator[tuple[bytes, bool]]:
    for f in header.fields:
        name = f.raw_name.rstrip(b" \x00")
        yield name, len(name) >= 10
    yield from iter_text_values(dbf, header)


# Codecs whose characters are ASCII-compatible byte sequences decoded
# without state, where a NUL byte can never continue a character: in them,
# text values joined with NULs decode if and only if each one does.
_STATELESS_CODECS = frozenset({
    "utf-8", "ascii", "latin-1", "iso8859-1", "cp1252", "gb18030", "gbk", "gb2312", "cp936",
    "big5", "big5hkscs", "cp950", "shift_jis", "cp932", "euc_jp", "euc_kr", "cp949"})


def _sample_decodes(dbf: Path, header: DbfHeader, codec: str) -> bool:
    """Whether all of :func:`_detect_sample` decodes in ``codec`` as it is,
    asked with one decode per field (a survey file has hundreds of thousands
    of values).  False is no verdict: a value cut in the middle of a
    character, or a codec not in _STATELESS_CODECS, is left to the value by
    value check."""
    try:
        name = codecs.lookup(codec).name
    except LookupError:
        return False
    if name not in _STATELESS_CODECS:
        return False
    names = [(raw, len(raw) >= 10) for raw in (f.raw_name.rstrip(b" \x00") for f in header.fields)]
    if not _valid_for([(v, c) for v, c in names if not v.isascii()], codec):
        return False
    text_fields = [f for f in header.fields if f.type == "C"]
    if not text_fields or header.record_length < 1:
        return True
    n = min(header.n_records, max(1, DETECT_SAMPLE_BYTES // header.record_length))
    with open(dbf, "rb") as fh:
        fh.seek(header.header_length)
        data = fh.read(n * header.record_length)
    n = len(data) // header.record_length
    records = np.frombuffer(data, dtype=np.uint8, count=n * header.record_length)
    records = records.reshape(n, header.record_length)
    for f in text_fields:
        joined = np.zeros((n, f.length + 1), dtype=np.uint8)  # each value, then a NUL
        joined[:, :f.length] = records[:, f.offset:f.offset + f.length]
        try:
            joined.tobytes().decode(codec)
        except UnicodeDecodeError:
            return False
    return True


def _checked(choice: EncodingChoice, dbf: Path | None, header: DbfHeader | None = None
             ) -> EncodingChoice:
    """Keep a declared encoding, but warn when the bytes contradict it."""
    if dbf is None:
        return choice
    try:
        header = header or read_dbf_header(dbf)
    except DbfError:
        return choice
    if _sample_decodes(dbf, header, choice.encoding):
        return choice
    sample = [(v, c) for v, c in _detect_sample(dbf, header) if not v.isascii()]
    if not sample or _valid_for(sample, choice.encoding):
        return choice
    guess = detect(sample)
    hint = f" (they look like {guess.label}: pass --encoding {guess.label.split('/')[0]})" \
        if guess.how == "detected" and guess.encoding != choice.encoding else ""
    return EncodingChoice(choice.encoding, choice.how,
                          f"{choice.note}; WARNING: some text is not valid {choice.label}{hint}",
                          warning=True)
