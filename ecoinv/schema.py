"""The one place that defines what an inventory contains.

Asset categories, levels, zones, land-cover classes, station kinds and
statuses (codes with Chinese and English labels), and the fields of every
layer.  The store builds its tables from ``LAYERS``; the importer maps
source fields with ``Field.aliases``; the GUI builds its forms and pickers
from the same definitions.  Codes follow ../shared/DOMAIN.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from .errors import EcoinvError


class SchemaError(EcoinvError, ValueError):
    """A value is not one of the codes the schema allows."""


@dataclass(frozen=True)
class Code:
    code: str
    zh: str
    en: str
    # Other spellings seen in agency files (Chinese and English variants).
    synonyms: tuple[str, ...] = ()

    def label(self, lang: str = "en") -> str:
        return self.zh if lang.startswith("zh") else self.en


@dataclass(frozen=True)
class Category(Code):
    levels: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()
    # Counted in the "all protected areas" coverage figure by default.
    # Water-source zones and the red line are reported on their own
    # (DOMAIN.md: they are other inventory layers, not protected areas).
    protected: bool = True


def _codes(*items: Code) -> dict[str, Code]:
    return {c.code: c for c in items}


LEVELS: dict[str, Code] = _codes(
    Code("national", "国家级", "National", ("国家", "国家级自然保护区", "national level")),
    Code("provincial", "省级", "Provincial", ("省", "省级自然保护区", "provincial level")),
    Code("municipal", "市级", "Municipal", ("市", "地市级", "city", "municipal level")),
    Code("county", "县级", "County", ("县", "区县级", "county level")),
    Code("municipal_county", "市县级", "Municipal/county", ("市县", "市(县)级", "市、县级")),
    Code("grade_1", "一级保护区", "Grade I", ("一级", "一级区", "grade i", "grade 1", "class i")),
    Code("grade_2", "二级保护区", "Grade II", ("二级", "二级区", "grade ii", "grade 2", "class ii")),
    Code("quasi", "准保护区", "Quasi-protection", ("准保护", "quasi protection")),
)

ZONES: dict[str, Code] = _codes(
    # 1994 Nature Reserve Regulations
    Code("core", "核心区", "Core zone", ("核心", "core area")),
    Code("buffer", "缓冲区", "Buffer zone", ("缓冲", "buffer area")),
    Code("experimental", "实验区", "Experimental zone", ("实验", "试验区", "experimental area")),
    # 2019 guideline / 2026 revision: two-zone control
    Code("core_protection", "核心保护区", "Core protection zone", ("核心保护",)),
    Code("general_control", "一般控制区", "General control zone", ("一般控制",)),
    # Nature-park plans may add these
    Code("conservation", "生态保育区", "Conservation zone", ("保育区",)),
    Code("reasonable_use", "合理利用区", "Reasonable-use zone", ("合理利用",)),
)

_NR_ZONES = ("core", "buffer", "experimental", "core_protection", "general_control")
_PARK_ZONES = ("general_control", "conservation", "reasonable_use")

CATEGORIES: dict[str, Category] = {
    c.code: c
    for c in (
        Category("national_park", "国家公园", "National park", ("national parks",),
                 levels=("national",), zones=("core_protection", "general_control")),
        Category("nature_reserve", "自然保护区", "Nature reserve", ("保护区", "nature reserves"),
                 levels=("national", "provincial", "municipal", "county"), zones=_NR_ZONES),
        Category("forest_park", "森林公园", "Forest park", ("forest parks",),
                 levels=("national", "provincial", "municipal_county", "municipal", "county"),
                 zones=_PARK_ZONES),
        Category("scenic_area", "风景名胜区", "Scenic area", ("风景区", "scenic and historic area"),
                 levels=("national", "provincial"), zones=_PARK_ZONES),
        Category("wetland_park", "湿地公园", "Wetland park", ("wetland parks",),
                 levels=("national", "provincial", "municipal"), zones=_PARK_ZONES),
        Category("geopark", "地质公园", "Geopark", ("geological park", "geoparks"),
                 levels=("national", "provincial"), zones=_PARK_ZONES),
        Category("germplasm_reserve", "水产种质资源保护区", "Aquatic germplasm resource reserve",
                 ("种质资源保护区", "国家级水产种质资源保护区", "germplasm reserve"),
                 levels=("national", "provincial"), zones=("core", "experimental")),
        Category("water_source", "饮用水水源保护区", "Drinking-water source protection zone",
                 ("水源保护区", "饮用水源保护区", "water source"),
                 levels=("grade_1", "grade_2", "quasi"), zones=(), protected=False),
        Category("ecological_redline", "生态保护红线", "Ecological protection red line",
                 ("生态红线", "红线", "ecological red line", "redline"),
                 levels=(), zones=(), protected=False),
    )
}

LANDCOVER_CLASSES: dict[str, Code] = _codes(
    Code("forest", "林地", "Forest", ("森林", "有林地", "乔木林地", "woodland")),
    Code("wetland", "湿地", "Wetland", ("沼泽", "沼泽地", "marsh")),
    Code("grassland", "草地", "Grassland", ("草原", "天然牧草地", "grass")),
    Code("water", "水域", "Water", ("水体", "河流水面", "湖泊水面", "waterbody")),
    Code("other", "其他", "Other", ("其它", "其他用地")),
)

STATION_KINDS: dict[str, Code] = _codes(
    Code("air", "空气质量监测站", "Air quality station", ("空气", "大气", "环境空气", "air quality")),
    Code("water", "水质监测站", "Water quality station", ("水质", "地表水", "water quality")),
    Code("noise", "噪声监测站", "Noise station", ("噪声", "声环境", "noise monitoring")),
)

STATUSES: dict[str, Code] = _codes(
    Code("designated", "已批建", "Designated", ("批建", "已建", "established", "approved")),
    Code("proposed", "拟建", "Proposed", ("规划", "申报中", "planned")),
    Code("degazetted", "已撤销", "Degazetted", ("撤销", "revoked")),
)

# Which code table each coded field draws from.
CODE_TABLES: dict[str, dict[str, Code]] = {
    "category": CATEGORIES,
    "level": LEVELS,
    "zone": ZONES,
    "class": LANDCOVER_CLASSES,
    "kind": STATION_KINDS,
    "status": STATUSES,
}


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # "TEXT" | "INTEGER" | "REAL"
    zh: str
    en: str
    # Names a source file may use for this field (matched case-insensitively).
    # DBF names are cut at 10 bytes, i.e. 3 Chinese characters in GBK, so the
    # cut forms are listed too.
    aliases: tuple[str, ...] = ()
    required: bool = False
    codes: str | None = None  # key in CODE_TABLES
    # Computed by the store; never taken from a source file or an edit.
    computed: bool = False
    # References another layer's id (asset_zones.asset_id).
    references: str | None = None

    def label(self, lang: str = "en") -> str:
        return self.zh if lang.startswith("zh") else self.en


@dataclass(frozen=True)
class Layer:
    name: str
    geometry_type: str  # SpatiaLite type name
    zh: str
    en: str
    fields: tuple[Field, ...]
    # The field whose codes split the layer into sublayers in the GUI/legend.
    style_field: str | None = None

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"layer {self.name!r} has no field {name!r}")

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def editable_fields(self) -> list[Field]:
        return [f for f in self.fields if not f.computed]

    def label(self, lang: str = "en") -> str:
        return self.zh if lang.startswith("zh") else self.en


_NAME = Field("name", "TEXT", "名称", "Name",
              ("名称", "名字", "NAME", "MC", "XMMC", "保护区名称", "公园名称", "站点名称", "站名",
               "NAME_CN", "NAME_ZH", "SITE_NAME"))
_CODE = Field("code", "TEXT", "代码", "Code", ("代码", "编码", "编号", "CODE", "ADCODE", "BM", "DM", "ID_CODE"))
_AREA_HA = Field("area_ha", "REAL", "GIS面积(公顷)", "GIS area (ha)", computed=True)
_SOURCE = Field("source", "TEXT", "数据来源", "Source", ("数据来源", "来源", "SOURCE"))
_REMARKS = Field("remarks", "TEXT", "备注", "Remarks", ("备注", "说明", "REMARK", "REMARKS", "BZ", "NOTE"))

LAYERS: dict[str, Layer] = {
    l.name: l
    for l in (
        Layer("boundary", "MULTIPOLYGON", "行政边界", "City boundary",
              (_NAME, _CODE, _AREA_HA)),
        Layer("districts", "MULTIPOLYGON", "区县", "Districts and counties",
              (_NAME,
               Field("name_en", "TEXT", "英文名称", "English name", ("英文名称", "英文名", "NAME_EN", "ENAME")),
               _CODE, _AREA_HA)),
        Layer("assets", "MULTIPOLYGON", "生态资产", "Ecological assets", (
            Field(_NAME.name, "TEXT", _NAME.zh, _NAME.en, _NAME.aliases, required=True),
            Field("name_en", "TEXT", "英文名称", "English name", ("英文名称", "英文名", "NAME_EN", "ENAME")),
            Field("category", "TEXT", "类别", "Category",
                  ("类别", "类型", "保护地类型", "保护地类", "CATEGORY", "TYPE", "LB", "LX"),
                  required=True, codes="category"),
            Field("level", "TEXT", "级别", "Level", ("级别", "保护级别", "LEVEL", "JB", "GRADE"),
                  codes="level"),
            Field("designated_year", "INTEGER", "批建年份", "Designated year",
                  ("批建时间", "批建年份", "批建年", "建立时间", "建立年份", "建立年", "年份", "设立年份",
                   "设立年", "YEAR", "DESIG_YEAR", "DESIGYEAR", "STATUS_YR")),
            Field("authority", "TEXT", "管理机构", "Managing authority",
                  ("管理机构", "主管部门", "管理单位", "AUTHORITY", "MANAGER", "MANG_AUTH", "GLJG")),
            Field("reported_area_ha", "REAL", "批复面积(公顷)", "Reported area (ha)",
                  ("面积", "批复面积", "总面积", "面积公顷", "面积_公顷", "REP_AREA", "AREA_HA", "MJ",
                   "PFMJ", "AREA")),
            Field("status", "TEXT", "状态", "Status", ("状态", "STATUS", "ZT"), codes="status"),
            _SOURCE,
            Field("source_key", "TEXT", "来源编号", "Source key", ("来源编号", "SOURCE_KEY")),
            _REMARKS,
            _AREA_HA,
        ), style_field="category"),
        Layer("asset_zones", "MULTIPOLYGON", "功能分区", "Functional zones", (
            Field("asset_id", "INTEGER", "所属资产", "Asset", ("ASSET_ID",), required=True,
                  references="assets"),
            Field("zone", "TEXT", "功能区", "Zone", ("功能区", "分区", "功能分区", "ZONE", "GNQ", "FQ"),
                  required=True, codes="zone"),
            _SOURCE,
            Field("source_key", "TEXT", "来源编号", "Source key", ("来源编号", "SOURCE_KEY")),
            _AREA_HA,
        ), style_field="zone"),
        Layer("landcover", "MULTIPOLYGON", "土地覆盖", "Land cover", (
            Field("class", "TEXT", "地类", "Class",
                  ("地类", "地类名称", "类型", "覆盖类型", "CLASS", "DLMC", "LANDCOVER", "LC_CLASS"),
                  required=True, codes="class"),
            Field("year", "INTEGER", "年份", "Year", ("年份", "年度", "YEAR", "ND")),
            _SOURCE,
            Field("source_key", "TEXT", "来源编号", "Source key", ("来源编号", "SOURCE_KEY", "TBBH", "图斑编号")),
            _AREA_HA,
        ), style_field="class"),
        Layer("stations", "POINT", "监测站点", "Monitoring stations", (
            Field(_NAME.name, "TEXT", _NAME.zh, _NAME.en, _NAME.aliases, required=True),
            Field("kind", "TEXT", "站点类型", "Kind", ("站点类型", "类型", "监测类型", "KIND", "TYPE"),
                  required=True, codes="kind"),
            _CODE,
            _SOURCE,
            Field("source_key", "TEXT", "来源编号", "Source key", ("来源编号", "SOURCE_KEY")),
            _REMARKS,
        ), style_field="kind"),
    )
}

# The asset fields that zone-level attributes are matched to when a zone file
# names its asset instead of giving its id.
ZONE_ASSET_NAME_ALIASES = ("保护区名称", "所属保护区", "资产名称", "ASSET_NAME", "ASSET", "SITE", "名称", "NAME")

DEFAULT_CRS = "EPSG:4490"  # CGCS2000 geographic


def _norm(text: str) -> str:
    return "".join(str(text).split()).lower()


# kind -> (the code table it was built from, its size, {normalised spelling: code}).
_LOOKUPS: dict[str, tuple[dict, int, dict[str, str]]] = {}


def _lookup(kind: str) -> dict[str, str]:
    """{normalised code, label or synonym: code} of one code table, built once.

    The first code naming a spelling wins, as a scan of the table in order
    would find it.  Rebuilt if the table object or its size changes.
    """
    table = CODE_TABLES[kind]
    cached = _LOOKUPS.get(kind)
    if cached is not None and cached[0] is table and cached[1] == len(table):
        return cached[2]
    lookup: dict[str, str] = {}
    for c in table.values():
        for spelling in (c.code, c.zh, c.en, *c.synonyms):
            lookup.setdefault(_norm(spelling), c.code)
    _LOOKUPS[kind] = (table, len(table), lookup)
    return lookup


def resolve_code(kind: str, value, *, field_name: str | None = None) -> str | None:
    """Map a code, a Chinese or English label or a synonym to its code.

    ``None`` and blank strings give ``None``.  Anything else that is not
    known raises :class:`SchemaError` listing the allowed codes.
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    lookup = _lookup(kind)
    code = lookup.get(text)  # already a code (or a normalised spelling)
    if code is None:
        code = lookup.get(_norm(text))
    if code is not None:
        return code
    raise SchemaError(
        f"{field_name or kind}: {text!r} is not a known {kind}; "
        f"allowed: {', '.join(CODE_TABLES[kind])}"
    )


def allowed_codes(kind: str) -> list[str]:
    return list(CODE_TABLES[kind])


def label(kind: str, code: str | None, lang: str = "en") -> str:
    """Chinese or English label of a code ('' for None, the code if unknown)."""
    if code is None:
        return ""
    c = CODE_TABLES[kind].get(code)
    return c.label(lang) if c else str(code)


# layer name -> (the Layer, {field name: Field}, required fields in order)
_FIELD_MAPS: dict[str, tuple[Layer, dict[str, Field], list[Field]]] = {}


def _fields_of(ldef: Layer) -> tuple[dict[str, Field], list[Field]]:
    cached = _FIELD_MAPS.get(ldef.name)
    if cached is None or cached[0] is not ldef:
        cached = (ldef, {f.name: f for f in ldef.fields}, [f for f in ldef.fields if f.required])
        _FIELD_MAPS[ldef.name] = cached
    return cached[1], cached[2]


def validate_row(layer: str, values: dict, *, partial: bool = False,
                 coerced: bool = False) -> dict:
    """Check and normalise a row's attribute values for ``layer``.

    Codes are resolved from labels, numbers are converted, unknown field
    names and computed fields are refused, required fields must be present
    unless ``partial`` (an update of some fields only).  Returns a new dict.
    ``coerced=True``: every value already is what :func:`coerce` made of it
    for its field (the importer converts value by value); the row is then
    checked without converting the values a second time.
    """
    ldef = LAYERS[layer]
    out: dict = {}
    known, required = _fields_of(ldef)
    for name, value in values.items():
        f = known.get(name)
        if f is None:
            raise SchemaError(f"layer {layer!r} has no field {name!r}; fields: {', '.join(known)}")
        if f.computed:
            raise SchemaError(f"{layer}.{name} is computed by the inventory and cannot be set")
        out[name] = value if coerced else coerce(f, value, layer=layer)
    if not partial:
        for f in required:
            if out.get(f.name) in (None, ""):
                raise SchemaError(f"{layer}.{f.name} is required")
    if layer == "assets" and out.get("level") and out.get("category"):
        cat = CATEGORIES[out["category"]]
        if cat.levels and out["level"] not in cat.levels:
            raise SchemaError(
                f"assets.level: {out['level']!r} is not a level of {cat.code}; "
                f"allowed: {', '.join(cat.levels)}"
            )
    return out


def coerce(f: Field, value, *, layer: str = "") -> object:
    where = f"{layer}.{f.name}" if layer else f.name
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if f.codes:
        return resolve_code(f.codes, value, field_name=where)
    if f.type == "INTEGER":
        try:
            if isinstance(value, str):
                text = value.strip()
                # "2003年", "2003-05-01", "2003.0": take the leading year/integer
                digits = ""
                for ch in text:
                    if ch.isdigit() or (ch == "-" and not digits):
                        digits += ch
                    else:
                        break
                return int(digits)
            if isinstance(value, float):
                if value != int(value):
                    raise ValueError
                return int(value)
            return int(value)
        except (TypeError, ValueError):
            raise SchemaError(f"{where}: {value!r} is not a whole number") from None
    if f.type == "REAL":
        try:
            if isinstance(value, str):
                value = value.strip().replace(",", "")
            return float(value)
        except (TypeError, ValueError):
            raise SchemaError(f"{where}: {value!r} is not a number") from None
    return str(value)


def protected_categories() -> list[str]:
    return [c.code for c in CATEGORIES.values() if c.protected]


def iter_codes(kind: str) -> Iterable[Code]:
    return CODE_TABLES[kind].values()
