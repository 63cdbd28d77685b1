"""The inventory report as plain data: sections, tables, charts, map frames.

Nothing here draws.  ``build_report`` turns an inventory and the figures of
``metrics.compute_stats`` into a :class:`Report`; ``ecoinv.render.report_painter``
paints it onto any paged device (PDF writer, printer, print preview), so every
output shows the same pages.  Every number in the report is a number from
``compute_stats``, formatted by the functions below so that the summary, the
tables and ``ecoinv stats --format json`` agree after the same rounding.

Qt's translation machinery is not available in the core, so the report's
own words live in the small catalogue ``STRINGS`` (Chinese and English).
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from . import schema, styles
from .errors import EcoinvError

LANGS = ("zh", "en")

# Section keys in report order; ``--sections`` picks among them.
SECTION_KEYS = ("cover", "summary", "map", "categories", "districts", "landcover", "quality", "atlas")
DEFAULT_SECTIONS = tuple(k for k in SECTION_KEYS if k != "atlas")


class ReportError(EcoinvError):
    exit_code = 2


class ReportCancelled(ReportError):
    """The user stopped the report; nothing was written."""

    exit_code = 130


# --- words ------------------------------------------------------------------

STRINGS: dict[str, tuple[str, str]] = {
    # key: (zh, en)
    "report_title": ("生态资产清查报告", "Ecological Asset Inventory Report"),
    "report_subtitle": ("Ecological Asset Inventory Report", "生态资产清查报告"),
    "report_date": ("报告日期", "Report date"),
    "as_of": ("数据截止日期", "Data as of"),
    "inventory": ("清查数据库", "Inventory"),
    "reporting_area": ("清查范围", "Reporting area"),
    "storage_crs": ("坐标系", "Coordinate reference system"),
    "contents": ("目录", "Contents"),
    "continued": ("（续）", " (continued)"),
    "page_of": ("第 {n} 页 / 共 {total} 页", "Page {n} of {total}"),
    # sections
    "sec_summary": ("一、总体情况", "1  Summary"),
    "sec_map": ("二、生态资产分布总图", "2  Overview map"),
    "sec_categories": ("三、分类清查结果", "3  Sites by category"),
    "sec_districts": ("四、分区县统计", "4  Districts and counties"),
    "sec_landcover": ("五、土地覆盖", "5  Land cover"),
    "sec_quality": ("六、数据质量", "6  Data quality"),
    "sec_atlas": ("附录　生态资产图集", "Appendix  Site atlas"),
    # summary
    "summary_intro": (
        "本报告依据“{name}”数据库编制，统计范围为{city}行政区域，面积 {area} 公顷。"
        "面积均为椭球面（测地线）面积，交叠的保护地只计一次。",
        "This report is compiled from the inventory \"{name}\". The reporting area is the administrative "
        "area of {city}, {area} ha. All areas are geodesic (measured on the ellipsoid); overlapping "
        "protected sites are counted once."),
    "headline": ("主要指标", "Headline figures"),
    "indicator": ("指标", "Indicator"),
    "value": ("数值", "Value"),
    "unit": ("单位", "Unit"),
    "boundary_area": ("行政区域面积", "Area of the reporting area"),
    "count_of": ("{label}数量", "{label}s"),
    "forest_area": ("森林（林地）面积", "Forest area"),
    "forest_coverage": ("森林覆盖率", "Forest coverage rate"),
    "wetland_area": ("湿地面积", "Wetland area"),
    "grassland_area": ("草地面积", "Grassland area"),
    "water_area": ("水域面积", "Water area"),
    "protected_area": ("各类保护地面积（交叠只计一次）", "Protected area (overlaps counted once)"),
    "protected_coverage": ("保护地覆盖率", "Protected-area coverage"),
    "proposed_area": ("拟建保护地面积（未计入）", "Proposed sites (not counted)"),
    "stations_of": ("{label}", "{label}s"),
    "u_count": ("处", "sites"),
    "u_station": ("个", "stations"),
    "u_ha": ("公顷", "ha"),
    "u_pct": ("%", "%"),
    "categories_table": ("各类生态资产", "Sites by category"),
    "category": ("类别", "Category"),
    "count": ("数量", "Count"),
    "area_sum": ("面积合计（公顷）", "Sum of areas (ha)"),
    "area_dissolved": ("去重面积（公顷）", "Area, overlaps once (ha)"),
    "coverage_pct": ("覆盖率（%）", "Coverage (%)"),
    "other_layers_table": ("其他清查图层（不计入保护地）", "Other inventory layers (not protected areas)"),
    "total_protected": ("保护地合计（去重）", "All protected sites (overlaps once)"),
    "stations_table": ("自动监测站点", "Automatic monitoring stations"),
    "station_kind": ("站点类型", "Kind"),
    # map
    "map_overview_title": ("{city}生态资产分布图", "Ecological assets of {city}"),
    "crs_note": ("坐标系：{crs}。面积为{ellipsoid}椭球面积。", "Coordinate reference system: {crs}. Areas are geodesic on the {ellipsoid} ellipsoid."),
    "legend": ("图例", "Legend"),
    # categories
    "cat_intro": (
        "共 {count} 处，面积合计 {area} 公顷，去重面积 {dissolved} 公顷，占行政区域面积的 {pct}%。",
        "Sites: {count}. Total area {area} ha; {dissolved} ha with overlaps counted once, "
        "{pct}% of the reporting area."),
    "cat_none": ("清查数据库中没有此类资产。", "The inventory has no sites of this category."),
    "col_no": ("序号", "No."),
    "col_name": ("名称", "Name"),
    "col_level": ("级别", "Level"),
    "col_district": ("所在区县", "District"),
    "col_year": ("批建年份", "Designated"),
    "col_reported": ("批复面积（公顷）", "Reported area (ha)"),
    "col_gis": ("GIS面积（公顷）", "GIS area (ha)"),
    "col_diff": ("差异（%）", "Difference (%)"),
    "col_status": ("状态", "Status"),
    "diff_flag_note": (
        "注：“差异”为GIS面积相对批复面积的差值；绝对值超过 {pct}% 的以红色标出，需核实边界或批复面积。",
        "Note: \"Difference\" is the GIS area relative to the reported (legal) area; differences over "
        "{pct}% are marked in red and need the boundary or the reported area checked."),
    "proposed_note": ("标注“拟建”的资产不计入覆盖率。", "Sites marked \"proposed\" are not counted in the coverage."),
    "chart_by_site": ("{label}面积（GIS面积，公顷）", "{label}s: GIS area by site (ha)"),
    "chart_by_level": ("{label}面积（按级别，公顷）", "{label}s: GIS area by level (ha)"),
    # districts
    "district_intro": (
        "各区县保护地覆盖率为各类保护地（交叠只计一次）在该区县内的面积占区县面积的比例。",
        "A district's protected-area coverage is the area of the protected sites inside it (overlaps "
        "counted once) as a share of the district's area."),
    "col_district_name": ("区县", "District / county"),
    "col_code": ("代码", "Code"),
    "col_area": ("面积（公顷）", "Area (ha)"),
    "col_protected_ha": ("保护地面积（公顷）", "Protected (ha)"),
    "col_protected_pct": ("保护地覆盖率（%）", "Protected (%)"),
    "col_forest_pct": ("森林覆盖率（%）", "Forest (%)"),
    "col_sites": ("资产数量", "Sites"),
    "chart_district_coverage": ("各区县保护地覆盖率（%）", "Protected-area coverage by district (%)"),
    "total": ("合计", "Total"),
    # land cover
    "landcover_intro": (
        "土地覆盖各地类面积及其占行政区域面积的比例（各地类面积按测地线面积计算）。",
        "Area of each land-cover class and its share of the reporting area (geodesic areas)."),
    "col_class": ("地类", "Class"),
    "col_rate": ("占比（%）", "Share (%)"),
    "chart_landcover": ("土地覆盖面积（公顷）", "Land cover by class (ha)"),
    # quality
    "quality_intro": (
        "本节列出需要核实的数据：超出行政区域的资产和图斑、批复面积与GIS面积差异较大的资产，以及相互交叠的资产。",
        "This section lists what needs checking: sites and features outside the reporting area, "
        "sites whose reported and GIS areas differ, and sites that overlap each other."),
    "outside_title": ("超出行政区域的要素", "Features outside the reporting area"),
    "outside_none": ("没有超出行政区域的要素。", "Nothing lies outside the reporting area."),
    "col_forest_ha": ("森林面积（公顷）", "Forest (ha)"),
    "col_wetland_ha": ("湿地面积（公顷）", "Wetland (ha)"),
    "col_grassland_ha": ("草地面积（公顷）", "Grassland (ha)"),
    "landcover_table": ("各地类面积", "Area by class"),
    "col_layer": ("图层", "Layer"),
    "col_diff_ha": ("差值（公顷）", "Difference (ha)"),
    "col_pct_a": ("占A（%）", "Of A (%)"),
    "col_pct_b": ("占B（%）", "Of B (%)"),
    "col_name_zh": ("中文名称", "Chinese name"),
    "col_zone_pct": ("占资产面积（%）", "Share of site (%)"),
    "notes_title": ("计算说明", "Notes from the computation"),
    "col_outside_ha": ("区域外面积（公顷）", "Outside (ha)"),
    "col_outside_pct": ("区域外比例（%）", "Outside (%)"),
    "outside_slivers": ("另有 {n} 个要素超出行政区域的面积不足 0.1 公顷（边界处的细小缝隙），未列出。",
                        "{n} more feature(s) extend beyond the reporting area by less than 0.1 ha "
                        "(slivers along the border) and are not listed."),
    "recon_title": ("批复面积与GIS面积差异", "Reported and GIS areas that differ"),
    "recon_none": ("没有差异超过阈值的资产。", "No site differs by more than the threshold."),
    "recon_missing": ("缺少批复面积的资产：{n} 处。", "Sites with no reported area: {n}."),
    "overlap_title": ("资产之间的交叠", "Overlaps between sites"),
    "overlap_none": ("资产之间没有交叠。", "No two sites overlap."),
    "col_site_a": ("资产 A", "Site A"),
    "col_site_b": ("资产 B", "Site B"),
    "col_overlap_ha": ("交叠面积（公顷）", "Overlap (ha)"),
    "col_overlap_pct": ("占较小者（%）", "Of the smaller (%)"),
    "method_title": ("计算方法", "Method"),
    "method_area": (
        "面积：在{ellipsoid}椭球面上按测地线计算（逐环计算，扣除内环），不在投影平面上量算。",
        "Areas: geodesic, on the {ellipsoid} ellipsoid (ring by ring, holes subtracted), never "
        "measured in a map projection."),
    "method_overlap": (
        "覆盖率：拟建资产不计入；有批复面积的点状资产按该面积转为测地圆；各类保护地合并、融合（交叠只计一次）后裁剪到行政区域，"
        "再除以行政区域面积（参照 UNEP-WCMC 方法）。",
        "Coverage: proposed sites are left out; point sites with a reported area become geodesic "
        "circles of that area; the protected sites are merged and dissolved (overlaps counted "
        "once), clipped to the reporting area and divided by its area (the UNEP-WCMC method)."),
    "method_recon": (
        "面积核对：GIS面积与批复面积相差超过 {pct}% 的资产列为需核实。交叠：交叠面积超过 {ha} 公顷的资产对列出。",
        "Reconciliation: sites whose GIS area differs from the reported area by more than {pct}% "
        "are flagged. Overlaps: pairs of sites overlapping by more than {ha} ha are listed."),
    "method_crs": ("坐标系：{crs}。", "Coordinate reference system: {crs}."),
    "method_as_of": ("数据截止日期：{date}。", "Data as of {date}."),
    # atlas
    "atlas_intro": ("每处资产一页，含位置图与功能分区。", "One page per site with its map and functional zones."),
    "atlas_facts": ("基本信息", "Facts"),
    "zones": ("功能分区", "Functional zones"),
    "col_zone": ("功能区", "Zone"),
    "authority": ("管理机构", "Managing authority"),
    "no_zones": ("未划定功能分区。", "No functional zones recorded."),
    "proposed": ("拟建", "proposed"),
    "yes": ("是", "yes"),
    "none_value": ("—", "—"),
}


def tr(key: str, lang: str, **kwargs) -> str:
    zh, en = STRINGS[key]
    text = zh if lang == "zh" else en
    return text.format(**kwargs) if kwargs else text


# --- numbers ----------------------------------------------------------------
# One place decides how each kind of figure is rounded, so that the report's
# text can be checked against the JSON of ``ecoinv stats`` after the same
# rounding (tests/test_report_pdf.py does exactly that).

def fmt_area(ha: float | None) -> str:
    """Hectares, thousands separators, one decimal."""
    if ha is None:
        return "—"
    return f"{float(ha):,.1f}"


def fmt_pct(pct: float | None) -> str:
    """A percentage, one decimal, no sign."""
    if pct is None:
        return "—"
    return f"{float(pct):.1f}"


def fmt_diff_pct(pct: float | None) -> str:
    """A signed difference in percent, one decimal."""
    if pct is None:
        return "—"
    text = f"{float(pct):+.1f}"
    # -0.04 % rounds to "-0.0": a difference that rounds to nothing has no sign
    return "0.0" if text in ("+0.0", "-0.0") else text


def fmt_count(n: int | None) -> str:
    if n is None:
        return "—"
    return f"{int(n):,d}"


# --- the model ----------------------------------------------------------------

@dataclass
class Text:
    text: str
    # "h1" section heading, "h2" sub-heading, "body", "note" (small, grey),
    # "caption" (under a table or chart)
    style: str = "body"


@dataclass
class Column:
    title: str
    # relative share of the table width
    width: float = 1.0
    align: str = "left"  # "left" | "right" | "center"


@dataclass
class Table:
    columns: list[Column]
    rows: list[list[str]]
    title: str = ""
    # (row, column) -> "warn" (red), "muted" (grey), "bold"
    cell_styles: dict[tuple[int, int], str] = field(default_factory=dict)
    # rows drawn as totals (bold, rule above); indices into ``rows``
    total_rows: set[int] = field(default_factory=set)
    note: str = ""
    # what the row is about (asset id, district code...): for tests and for
    # the GUI to link a row back to a feature
    row_keys: list[Any] = field(default_factory=list)


@dataclass
class Bar:
    label: str
    value: float
    text: str  # the value as printed (formatted by this module)
    color: str = "#2E7D5B"


@dataclass
class BarChart:
    title: str
    bars: list[Bar]
    unit: str = ""
    # the largest value the axis must show (100 for percentages)
    axis_max: float | None = None


@dataclass
class MapFrame:
    """A map to draw: what to show and where, no pixels.

    ``extent`` is in the inventory's storage CRS (xmin, ymin, xmax, ymax);
    ``None`` means the whole reporting area.  ``focus`` is an asset id whose
    outline and zones are emphasised (atlas pages).
    """
    title: str
    extent: tuple[float, float, float, float] | None = None
    layers: tuple[str, ...] = ("landcover", "districts", "boundary", "assets", "stations")
    focus: int | None = None
    show_zones: bool = False
    labels: bool = True
    legend: bool = True
    scale_bar: bool = True
    north_arrow: bool = True
    graticule: bool = True
    note: str = ""


@dataclass
class KeyValues:
    """A two-column list of facts (cover, atlas pages)."""
    items: list[tuple[str, str]]
    title: str = ""


@dataclass
class Section:
    key: str
    title: str
    blocks: list[Any] = field(default_factory=list)
    orientation: str = "portrait"  # "portrait" | "landscape"
    # start on a new page (every section does except sub-sections that can
    # share a page with the one before)
    new_page: bool = True
    # listed in the table of contents
    in_contents: bool = True


@dataclass
class Cover:
    city: str
    title: str
    subtitle: str
    facts: list[tuple[str, str]]
    # a small map of the reporting area (no furniture)
    map: MapFrame | None = None


@dataclass
class Report:
    lang: str
    title: str
    inventory_name: str
    city: str
    report_date: str
    as_of: str
    cover: Cover | None
    sections: list[Section]
    # header text on every page after the cover
    header: str
    stats: dict = field(repr=False, default_factory=dict)
    srid: int = 4490
    # the inventory file the maps are drawn from
    inventory_path: str | None = None

    def all_tables(self) -> Iterable[Table]:
        for s in self.sections:
            for b in s.blocks:
                if isinstance(b, Table):
                    yield b

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)



# --- building the report --------------------------------------------------------

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]

def _color(layer: str, code: str | None) -> str:
    """The map's colour of a category or class, so charts match the maps."""
    return styles.style_for(layer, code).fill or "#2E7D5B"


def site_districts(inv) -> dict[int, str]:
    """Asset id -> code of the district that holds most of the site.

    Measured geodesically on the storage CRS's ellipsoid, like every other
    area; a site wholly outside every district maps to nothing.
    """
    import numpy as np
    import shapely

    from .geometry import geodesic_area_ha

    districts = inv.read_arrays("districts", columns=["code"])
    assets = inv.read_arrays("assets", columns=[])
    if not len(districts["id"]) or not len(assets["id"]):
        return {}
    dgeoms = districts["geometry"]
    tree = shapely.STRtree(dgeoms)
    pairs = tree.query(assets["geometry"], predicate="intersects")
    best: dict[int, tuple[float, str]] = {}
    for ai, di in zip(pairs[0], pairs[1]):
        aid = int(assets["id"][ai])
        part = shapely.intersection(assets["geometry"][ai], dgeoms[di])
        area = geodesic_area_ha(part, inv.crs)
        if area > best.get(aid, (-1.0, ""))[0]:
            best[aid] = (area, districts["code"][di])
    return {aid: code for aid, (area, code) in best.items() if area > 0}


def build_report(inv, *, lang: str = "zh", sections: Iterable[str] | None = None,
                 atlas: bool = False, stats: dict | None = None, report_date: str | None = None,
                 progress: ProgressFn | None = None, cancel: CancelFn | None = None) -> Report:
    """The report of an open inventory as data.

    ``stats`` is a ``metrics.compute_stats`` result to reuse (the GUI has one
    already); without it the statistics are computed here.  ``sections``
    picks among :data:`SECTION_KEYS` (default: all but the atlas; ``atlas``
    adds it).
    """
    if lang not in LANGS:
        raise ReportError(f"unknown report language {lang!r}; use one of {', '.join(LANGS)}")
    keys = list(DEFAULT_SECTIONS if sections is None else sections)
    unknown = [k for k in keys if k not in SECTION_KEYS]
    if unknown:
        raise ReportError(f"unknown report section(s) {', '.join(unknown)}; "
                          f"sections: {', '.join(SECTION_KEYS)}")
    if atlas and "atlas" not in keys:
        keys.append("atlas")
    keys = [k for k in SECTION_KEYS if k in keys]
    if stats is None:
        from .metrics import StatsCancelled, compute_stats

        try:
            stats = compute_stats(inv, progress=progress, cancel=cancel)
        except StatsCancelled:
            raise ReportCancelled("report cancelled") from None
    if cancel is not None and cancel():
        raise ReportCancelled("report cancelled")
    b = _Builder(inv, stats, lang, report_date)
    out_sections: list[Section] = []
    for k in keys:
        if k == "cover":
            continue
        out_sections.extend(getattr(b, "section_" + k)())
    return Report(
        lang=lang, title=tr("report_title", lang), inventory_name=b.inventory_name, city=b.city,
        report_date=b.report_date, as_of=b.as_of,
        cover=b.cover() if "cover" in keys else None,
        sections=out_sections, header=f"{b.city} {tr('report_title', lang)}".strip(),
        stats=stats, srid=inv.srid, inventory_path=str(inv.path))


def _lab(row: dict, lang: str, zh_key: str = "label_zh", en_key: str = "label_en") -> str:
    return str(row.get(zh_key if lang == "zh" else en_key) or "")


class _Builder:
    def __init__(self, inv, stats: dict, lang: str, report_date: str | None):
        self.inv = inv
        self.stats = stats
        self.lang = lang
        meta = inv.metadata()
        self.meta = meta
        zh = lang == "zh"
        self.inventory_name = (meta.get("name") if zh else meta.get("name_en") or meta.get("name")) or ""
        self.city = self._city()
        self.report_date = report_date or _dt.date.today().isoformat()
        method = stats.get("method") or {}
        self.as_of = str(method.get("as_of") or stats.get("as_of") or meta.get("as_of") or
                         (inv.last_edit_time() or "")[:10] or "—")
        self.boundary_ha = float((stats.get("boundary") or {}).get("area_ha") or 0.0)
        self.threshold_pct = float(method.get("reconciliation_threshold_pct", 5.0))
        self.district_of = site_districts(inv)
        self.district_names = {}
        for d in inv.features("districts"):
            name = d.props.get("name") if zh else (d.props.get("name_en") or d.props.get("name"))
            self.district_names[d.props.get("code")] = name or ""
        self._sites = None

    def t(self, key: str, **kw) -> str:
        return tr(key, self.lang, **kw)

    def _city(self) -> str:
        for f in self.inv.features("boundary"):
            name = f.props.get("name") or ""
            if self.lang == "zh":
                return name
            en = self.meta.get("city_en")
            if en:
                return en
            # "哈尔滨市" has no English name in the inventory; the English
            # name of the inventory usually starts with the city's.
            inv_en = self.meta.get("name_en") or ""
            return inv_en.split(" ")[0] if inv_en else name
        return self.inventory_name

    def site_name(self, props: dict) -> str:
        if self.lang == "en" and props.get("name_en"):
            return str(props["name_en"])
        return str(props.get("name") or "")

    def code_label(self, kind: str, code) -> str:
        return schema.label(kind, code, self.lang) if code else "—"

    # -- sites --------------------------------------------------------------------
    def sites(self) -> list[dict]:
        """Every asset of the statistics with what its row in the report shows."""
        if self._sites is None:
            recon = {int(r["id"]): r for r in self.stats.get("reconciliation") or []}
            rows = []
            for a in self.stats.get("assets") or []:
                r = dict(a)
                rc = recon.get(int(a["id"]), {})
                r["reported_area_ha"] = rc.get("reported_area_ha")
                r["difference_pct"] = rc.get("difference_pct")
                r["flag"] = bool(rc.get("flag"))
                r["district"] = self.district_names.get(self.district_of.get(int(a["id"])), "")
                rows.append(r)
            self._sites = rows
        return self._sites

    def site_label(self, r: dict) -> str:
        name = self.site_name(r)
        if r.get("status") in ("proposed", "degazetted"):
            name += f"（{self.code_label('status', r['status'])}）" if self.lang == "zh" \
                else f" ({self.code_label('status', r['status']).lower()})"
        return name

    def category_row(self, code: str) -> dict:
        for c in self.stats.get("categories") or []:
            if c["category"] == code:
                return c
        return {}

    def landcover_row(self, code: str) -> dict:
        for c in self.stats.get("landcover") or []:
            if c["class"] == code:
                return c
        return {}

    # -- cover ----------------------------------------------------------------------
    def cover(self) -> Cover:
        facts = [
            (self.t("report_date"), self.report_date),
            (self.t("as_of"), self.as_of),
            (self.t("inventory"), self.inventory_name),
            (self.t("reporting_area"), f"{self.city}，{fmt_area(self.boundary_ha)} {self.t('u_ha')}"
             if self.lang == "zh" else f"{self.city}, {fmt_area(self.boundary_ha)} ha"),
            (self.t("storage_crs"), self.crs_text()),
        ]
        thumb = MapFrame(title=self.city, layers=("districts", "boundary", "assets"), labels=False,
                         legend=False, scale_bar=False, north_arrow=False, graticule=False)
        return Cover(city=self.city, title=self.t("report_title"), subtitle=self.t("report_subtitle"),
                     facts=facts, map=thumb)

    def crs_text(self) -> str:
        method = self.stats.get("method") or {}
        name = method.get("storage_crs_name") or ""
        code = method.get("storage_crs") or f"EPSG:{self.inv.srid}"
        return f"{name} ({code})" if name else code

    # -- 1 summary --------------------------------------------------------------------
    def section_summary(self) -> list[Section]:
        st, t = self.stats, self.t
        prot = st.get("protected") or {}
        blocks: list = [Text(t("sec_summary"), "h1"),
                        Text(t("summary_intro", name=self.inventory_name, city=self.city,
                               area=fmt_area(self.boundary_ha)))]
        rows: list[list[str]] = []
        rows.append([t("boundary_area"), fmt_area(self.boundary_ha), t("u_ha")])
        for c in st.get("categories") or []:
            if not c.get("count") and not c.get("proposed_count"):
                continue
            rows.append([t("count_of", label=_lab(c, self.lang)), fmt_count(c["count"]), t("u_count")])
        forest = self.landcover_row("forest")
        if forest:
            rows.append([t("forest_area"), fmt_area(forest.get("area_ha")), t("u_ha")])
            rows.append([t("forest_coverage"), fmt_pct(forest.get("coverage_pct")), t("u_pct")])
        for code, key in (("wetland", "wetland_area"), ("grassland", "grassland_area")):
            lc = self.landcover_row(code)
            if lc:
                rows.append([t(key), fmt_area(lc.get("area_ha")), t("u_ha")])
        rows.append([t("protected_area"), fmt_area(prot.get("dissolved_area_ha")), t("u_ha")])
        rows.append([t("protected_coverage"), fmt_pct(prot.get("coverage_pct")), t("u_pct")])
        for s in st.get("stations") or []:
            rows.append([t("stations_of", label=_lab(s, self.lang)), fmt_count(s.get("count")),
                         t("u_station")])
        headline = Table([Column(t("indicator"), 3.2), Column(t("value"), 1.4, "right"),
                          Column(t("unit"), 0.8, "center")], rows, title=t("headline"))
        blocks.append(headline)

        # the categories behind the headline; layers that are not protected
        # areas (water sources, the red line) get their own table, so the
        # total reads as the sum of the rows above it
        crow: list[list[str]] = []
        keys = []
        others = []
        for c in st.get("categories") or []:
            if not c.get("count") and not c.get("proposed_count"):
                continue
            if not c.get("protected", True):
                others.append(c)
                continue
            crow.append([_lab(c, self.lang), fmt_count(c["count"]), fmt_area(c.get("area_ha")),
                         fmt_area(c.get("dissolved_area_ha")), fmt_pct(c.get("coverage_pct"))])
            keys.append(c["category"])
        crow.append([t("total_protected"), fmt_count(prot.get("count")), fmt_area(prot.get("area_ha")),
                     fmt_area(prot.get("dissolved_area_ha")), fmt_pct(prot.get("coverage_pct"))])
        keys.append("protected")
        note = ""
        proposed = prot.get("proposed") or {}
        if proposed.get("count"):
            note = (f"拟建保护地 {fmt_count(proposed['count'])} 处（{fmt_area(proposed.get('area_ha'))} 公顷）未计入上表。"
                    if self.lang == "zh" else
                    f"{fmt_count(proposed['count'])} proposed site(s) ({fmt_area(proposed.get('area_ha'))} ha) "
                    "are not counted above.")
        blocks.append(Table([Column(t("category"), 2.6), Column(t("count"), 0.8, "right"),
                             Column(t("area_sum"), 1.5, "right"), Column(t("area_dissolved"), 1.5, "right"),
                             Column(t("coverage_pct"), 1.1, "right")],
                            crow, title=t("categories_table"), total_rows={len(crow) - 1},
                            note=note, row_keys=keys))
        if others:
            blocks.append(Table([Column(t("category"), 2.6), Column(t("count"), 0.8, "right"),
                                 Column(t("area_sum"), 1.5, "right"),
                                 Column(t("area_dissolved"), 1.5, "right"),
                                 Column(t("coverage_pct"), 1.1, "right")],
                                [[_lab(c, self.lang), fmt_count(c["count"]), fmt_area(c.get("area_ha")),
                                  fmt_area(c.get("dissolved_area_ha")), fmt_pct(c.get("coverage_pct"))]
                                 for c in others],
                                title=t("other_layers_table"), row_keys=[c["category"] for c in others]))
        return [Section("summary", t("sec_summary"), blocks)]

    # -- 2 overview map ------------------------------------------------------------------
    def section_map(self) -> list[Section]:
        t = self.t
        method = self.stats.get("method") or {}
        frame = MapFrame(title=t("map_overview_title", city=self.city),
                         note=t("crs_note", crs=self.crs_text(),
                                ellipsoid=method.get("ellipsoid") or ""))
        return [Section("map", t("sec_map"), [Text(t("sec_map"), "h1"), frame],
                        orientation="landscape")]

    # -- 3 categories ------------------------------------------------------------------------
    def section_categories(self) -> list[Section]:
        t = self.t
        out: list[Section] = []
        sites = self.sites()
        number = 0
        for code, cat in schema.CATEGORIES.items():
            mine = [r for r in sites if r["category"] == code]
            crow = self.category_row(code)
            if not mine:
                continue
            number += 1
            label = cat.label(self.lang)
            title = f"（{_zh_number(number)}）{label}" if self.lang == "zh" else f"3.{number}  {label}s"
            blocks: list = []
            if number == 1:
                blocks.append(Text(t("sec_categories"), "h1"))
            blocks.append(Text(title, "h2"))
            blocks.append(Text(t("cat_intro", count=fmt_count(crow.get("count")),
                                 area=fmt_area(crow.get("area_ha")),
                                 dissolved=fmt_area(crow.get("dissolved_area_ha")),
                                 pct=fmt_pct(crow.get("coverage_pct")))))
            order = sorted(mine, key=lambda r: (_level_order(r.get("level")), -(r.get("area_ha") or 0.0)))
            rows, styles, keys = [], {}, []
            for i, r in enumerate(order):
                rows.append([str(i + 1), self.site_label(r), self.code_label("level", r.get("level")),
                             r.get("district") or "—",
                             str(r["designated_year"]) if r.get("designated_year") else "—",
                             fmt_area(r.get("reported_area_ha")), fmt_area(r.get("area_ha")),
                             fmt_diff_pct(r.get("difference_pct"))])
                keys.append(int(r["id"]))
                if r.get("flag"):
                    styles[(i, 7)] = "warn"
                if not r.get("counted", True):
                    for c in range(8):
                        styles.setdefault((i, c), "muted")
            note = t("diff_flag_note", pct=fmt_pct(self.threshold_pct))
            if any(not r.get("counted", True) for r in mine):
                note += ("" if self.lang == "zh" else " ") + t("proposed_note")
            blocks.append(Table(self.site_columns(), rows, title=f"{label}名录" if self.lang == "zh"
                                else f"List of {label.lower()}s", cell_styles=styles, note=note,
                                row_keys=keys))
            if len(order) >= 2:  # one bar says nothing the table does not
                blocks.append(self.category_chart(label, code, order))
            # Categories follow each other on the page; headings keep with
            # their tables, so no category title is left at a page foot.
            out.append(Section(f"categories:{code}", title, blocks, in_contents=number == 1,
                               new_page=number == 1))
        if out:
            out[0].title = t("sec_categories")
        return out

    def site_columns(self) -> list[Column]:
        t = self.t
        return [Column(t("col_no"), 0.45, "right"), Column(t("col_name"), 3.3),
                Column(t("col_level"), 0.95), Column(t("col_district"), 1.05),
                Column(t("col_year"), 0.85, "right"), Column(_two_line(t("col_reported")), 1.15, "right"),
                Column(_two_line(t("col_gis")), 1.15, "right"), Column(_two_line(t("col_diff")), 0.9, "right")]

    def category_chart(self, label: str, code: str, order: list[dict]) -> BarChart:
        color = _color("assets", code)
        ranked = sorted(order, key=lambda r: -(r.get("area_ha") or 0.0))
        bars = [Bar(self.site_name(r), float(r.get("area_ha") or 0.0), fmt_area(r.get("area_ha")),
                    color if r.get("counted", True) else "#B8C2BD")
                for r in ranked[:MAX_BARS]]
        return BarChart(self.t("chart_by_site", label=label), bars, unit=self.t("u_ha"))

    # -- 4 districts ----------------------------------------------------------------------------
    def section_districts(self) -> list[Section]:
        t, st = self.t, self.stats
        prot = st.get("protected") or {}
        forest = self.landcover_row("forest")
        rows, styles, keys, bars = [], {}, [], []
        for d in st.get("districts") or []:
            name = d.get("name") if self.lang == "zh" else (d.get("name_en") or d.get("name"))
            rows.append([name or "—", fmt_area(d.get("area_ha")), fmt_area(d.get("protected_ha")),
                         fmt_pct(d.get("protected_pct")), fmt_area(d.get("forest_ha")),
                         fmt_pct(d.get("forest_pct")), fmt_area(d.get("wetland_ha")),
                         fmt_area(d.get("grassland_ha"))])
            keys.append(d.get("code"))
            if d.get("row") != "district":
                for c in range(8):
                    styles[(len(rows) - 1, c)] = "muted"
            elif d.get("protected_pct") is not None:
                bars.append(Bar(name or "—", float(d["protected_pct"]), fmt_pct(d["protected_pct"]),
                                "#3C8D6A"))
        wet, grass = self.landcover_row("wetland"), self.landcover_row("grassland")
        rows.append([t("total"), fmt_area(self.boundary_ha), fmt_area(prot.get("dissolved_area_ha")),
                     fmt_pct(prot.get("coverage_pct")), fmt_area(forest.get("area_ha")),
                     fmt_pct(forest.get("coverage_pct")), fmt_area(wet.get("area_ha")),
                     fmt_area(grass.get("area_ha"))])
        keys.append(None)
        cols = [Column(t("col_district_name"), 1.5), Column(_two_line(t("col_area")), 1.25, "right"),
                Column(_two_line(t("col_protected_ha")), 1.2, "right"),
                Column(_two_line(t("col_protected_pct")), 1.0, "right"),
                Column(_two_line(t("col_forest_ha")), 1.2, "right"),
                Column(_two_line(t("col_forest_pct")), 1.0, "right"),
                Column(_two_line(t("col_wetland_ha")), 1.1, "right"),
                Column(_two_line(t("col_grassland_ha")), 1.1, "right")]
        table = Table(cols, rows, title=t("sec_districts").split("  ")[-1].split("、")[-1],
                      cell_styles=styles, total_rows={len(rows) - 1}, row_keys=keys,
                      note=t("district_intro"))
        bars.sort(key=lambda b: -b.value)
        chart = BarChart(t("chart_district_coverage"), bars, unit="%")
        return [Section("districts", t("sec_districts"), [Text(t("sec_districts"), "h1"), table, chart])]

    # -- 5 land cover ------------------------------------------------------------------------------
    def section_landcover(self) -> list[Section]:
        t = self.t
        rows, bars, keys = [], [], []
        year = None
        for r in self.stats.get("landcover") or []:
            year = year or r.get("year")
            rows.append([_lab(r, self.lang), fmt_area(r.get("area_ha")), fmt_pct(r.get("coverage_pct"))])
            keys.append(r["class"])
            bars.append(Bar(_lab(r, self.lang), float(r.get("area_ha") or 0.0), fmt_area(r.get("area_ha")),
                            _color("landcover", r["class"])))
        intro = t("landcover_intro")
        if year:
            intro += (f"土地覆盖数据年份：{year}。" if self.lang == "zh" else f" Land cover of {year}.")
        table = Table([Column(t("col_class"), 2.0), Column(t("col_area"), 1.5, "right"),
                       Column(t("col_rate"), 1.2, "right")], rows, row_keys=keys,
                      title=t("landcover_table"))
        chart = BarChart(t("chart_landcover"), bars, unit=t("u_ha"))
        return [Section("landcover", t("sec_landcover"),
                        [Text(t("sec_landcover"), "h1"), Text(intro), table, chart])]

    # -- 6 data quality ---------------------------------------------------------------------------------
    def section_quality(self) -> list[Section]:
        t, st, lang = self.t, self.stats, self.lang
        method = st.get("method") or {}
        blocks: list = [Text(t("sec_quality"), "h1"), Text(t("quality_intro"))]

        names = {int(a["id"]): self.site_name(a) for a in st.get("assets") or []}
        blocks.append(Text(t("outside_title"), "h2"))
        rows_out = st.get("outside_boundary") or []
        # Edge slivers (shared borders digitised twice) round to 0.0 ha: a
        # table of zeros hides the sites that really stick out, so they are
        # counted in a note instead.
        outside = [r for r in rows_out if r.get("outside_ha") is None or r["outside_ha"] >= 0.05]
        slivers = len(rows_out) - len(outside)
        if outside:
            rows, keys = [], []
            for r in outside:
                layer = schema.LAYERS[r["layer"]].label(lang) if r.get("layer") in schema.LAYERS else r.get("layer")
                name = names.get(int(r["id"])) if r.get("layer") == "assets" else None
                rows.append([layer, name or str(r.get("name") or "—"), _lab(r, lang) or "—",
                             fmt_area(r.get("area_ha")), fmt_area(r.get("outside_ha")),
                             fmt_pct(r.get("outside_pct"))])
                keys.append((r.get("layer"), r.get("id")))
            blocks.append(Table([Column(t("col_layer"), 1.0), Column(t("col_name"), 3.0),
                                 Column(t("category"), 1.2), Column(_two_line(t("col_gis")), 1.1, "right"),
                                 Column(_two_line(t("col_outside_ha")), 1.1, "right"),
                                 Column(_two_line(t("col_outside_pct")), 0.9, "right")], rows, row_keys=keys))
        else:
            blocks.append(Text(t("outside_none")))
        if slivers:
            blocks.append(Text(t("outside_slivers", n=fmt_count(slivers)), "note"))

        blocks.append(Text(t("recon_title"), "h2"))
        recon = st.get("reconciliation") or []
        flagged = [r for r in recon if r.get("flag")]
        missing = [r for r in recon if r.get("reported_area_ha") is None]
        if flagged:
            rows, keys = [], []
            for r in sorted(flagged, key=lambda r: -abs(r.get("difference_pct") or 0.0)):
                rows.append([names.get(int(r["id"]), r.get("name") or ""), _lab(r, lang),
                             fmt_area(r.get("reported_area_ha")), fmt_area(r.get("gis_area_ha")),
                             fmt_area(r.get("difference_ha")), fmt_diff_pct(r.get("difference_pct"))])
                keys.append(int(r["id"]))
            blocks.append(Table([Column(t("col_name"), 3.0), Column(t("category"), 1.3),
                                 Column(_two_line(t("col_reported")), 1.1, "right"),
                                 Column(_two_line(t("col_gis")), 1.1, "right"),
                                 Column(_two_line(t("col_diff_ha")), 1.1, "right"),
                                 Column(_two_line(t("col_diff")), 0.9, "right")], rows, row_keys=keys,
                                cell_styles={(i, 5): "warn" for i in range(len(rows))}))
        else:
            blocks.append(Text(t("recon_none")))
        if missing:
            blocks.append(Text(t("recon_missing", n=fmt_count(len(missing))), "note"))

        blocks.append(Text(t("overlap_title"), "h2"))
        overlaps = st.get("overlaps") or []
        if overlaps:
            rows, keys = [], []
            for r in overlaps:
                rows.append([names.get(int(r["a_id"]), r.get("a_name") or ""),
                             names.get(int(r["b_id"]), r.get("b_name") or ""),
                             fmt_area(r.get("overlap_ha")), fmt_pct(r.get("pct_of_a")),
                             fmt_pct(r.get("pct_of_b"))])
                keys.append((int(r["a_id"]), int(r["b_id"])))
            blocks.append(Table([Column(t("col_site_a"), 2.6), Column(t("col_site_b"), 2.6),
                                 Column(_two_line(t("col_overlap_ha")), 1.1, "right"),
                                 Column(_two_line(t("col_pct_a")), 0.9, "right"),
                                 Column(_two_line(t("col_pct_b")), 0.9, "right")], rows, row_keys=keys))
        else:
            blocks.append(Text(t("overlap_none")))

        blocks.append(Text(t("method_title"), "h2"))
        ell = method.get("ellipsoid") or ""
        blocks.append(Text(t("method_area", ellipsoid=ell)))
        blocks.append(Text(t("method_overlap")))
        blocks.append(Text(t("method_recon", pct=fmt_pct(method.get("reconciliation_threshold_pct", 5.0)),
                             ha=f"{float(method.get('overlap_threshold_ha', 0.01)):g}")))
        blocks.append(Text(t("method_crs", crs=self.crs_text())))
        blocks.append(Text(t("method_as_of", date=self.as_of)))
        notes = st.get("notes") or []
        if notes:
            blocks.append(Text(t("notes_title"), "h3"))
            for n in notes:
                blocks.append(Text("• " + str(n), "note"))
        return [Section("quality", t("sec_quality"), blocks)]

    # -- atlas ------------------------------------------------------------------------------------------
    def section_atlas(self) -> list[Section]:
        t, lang = self.t, self.lang
        zones: dict[int, list[dict]] = {}
        for z in self.stats.get("zones") or []:
            zones.setdefault(int(z["asset_id"]), []).append(z)
        out: list[Section] = []
        cat_order = {c: i for i, c in enumerate(schema.CATEGORIES)}
        sites = sorted(self.sites(), key=lambda r: (cat_order.get(r["category"], 99),
                                                    _level_order(r.get("level")), -(r.get("area_ha") or 0)))
        geoms = {f.id: f.geometry for f in self.inv.features("assets")}
        for k, r in enumerate(sites):
            aid = int(r["id"])
            name = self.site_label(r)
            blocks: list = []
            if k == 0:
                blocks.append(Text(t("sec_atlas"), "h1"))
            blocks.append(Text(name, "h2"))
            g = geoms.get(aid)
            extent = _padded(g.bounds, 0.25) if g is not None and not g.is_empty else None
            blocks.append(MapFrame(title=name, extent=extent, focus=aid, show_zones=True,
                                   layers=("landcover", "districts", "boundary", "assets", "asset_zones",
                                           "stations"),
                                   note=t("crs_note", crs=self.crs_text(),
                                          ellipsoid=(self.stats.get("method") or {}).get("ellipsoid") or "")))
            facts = [
                (t("category"), _lab(r, lang)),
                (t("col_level"), self.code_label("level", r.get("level"))),
                (t("col_status"), self.code_label("status", r.get("status")) if r.get("status") else "—"),
                (t("col_district"), r.get("district") or "—"),
                (t("col_year"), str(r["designated_year"]) if r.get("designated_year") else "—"),
                (t("col_reported"), fmt_area(r.get("reported_area_ha"))),
                (t("col_gis"), fmt_area(r.get("area_ha"))),
                (t("col_diff"), fmt_diff_pct(r.get("difference_pct"))),
            ]
            if lang == "en" and r.get("name_en"):
                facts.insert(0, (t("col_name_zh"), str(r.get("name") or "")))
            blocks.append(KeyValues(facts))
            zr = zones.get(aid, [])
            if zr:
                blocks.append(Table([Column(t("col_zone"), 2.0), Column(t("col_area"), 1.3, "right"),
                                     Column(t("col_zone_pct"), 1.3, "right")],
                                    [[_lab(z, lang), fmt_area(z.get("area_ha")), fmt_pct(z.get("pct_of_asset"))]
                                     for z in zr], title=t("zones")))
            out.append(Section(f"atlas:{aid}", t("sec_atlas"), blocks, in_contents=k == 0))
        return out


MAX_BARS = 40


def _level_order(level: str | None) -> int:
    order = list(schema.LEVELS)
    return order.index(level) if level in order else len(order)


def _zh_number(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")


def _two_line(title: str) -> str:
    """Put a column title's unit on its own line: “面积\n（公顷）”, “Area\n(ha)”."""
    for opener in ("（", " ("):
        if opener in title:
            head, _, unit = title.partition(opener)
            return f"{head}\n{opener.strip()}{unit}"
    return title


def _padded(bounds, frac: float) -> tuple[float, float, float, float]:
    xmin, ymin, xmax, ymax = bounds
    dx, dy = (xmax - xmin) or 1e-3, (ymax - ymin) or 1e-3
    return (xmin - dx * frac, ymin - dy * frac, xmax + dx * frac, ymax + dy * frac)
