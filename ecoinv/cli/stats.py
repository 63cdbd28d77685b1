"""``ecoinv stats``: the inventory's statistics as a table, JSON or CSV."""
from __future__ import annotations

import argparse
import csv
import json
import sys
import unicodedata

from .. import schema
from ..metrics import SECTIONS, compute_stats
from ..store import Inventory

FORMATS = ("table", "json", "csv")

EPILOG = """\
sections: {sections}

Areas are geodesic (measured on the storage CRS's ellipsoid with
GeographicLib); overlapping sites are dissolved and counted once; coverage is
the dissolved area inside the city boundary divided by the boundary area.
The JSON's "method" object states every rule used.

--format json   every section, numbers unrounded (the form other programs read)
--format csv    ONE table with a leading "section" column: each row belongs to
                one section, the header is the union of the sections' columns
                (cells of other sections' columns are empty); nested values
                are flattened to "parent.child" columns (nested tables such
                as the boundary's features are left out: see json), the
                method is key/value rows and each note a value row; areas
                (ha) and percentages are rounded to 4 decimals.  Use
                --section to get one section's columns only.
--format table  aligned text for a terminal, rounded to 2 decimals.
""".format(sections=", ".join(SECTIONS))


def register(sub) -> None:
    p = sub.add_parser(
        "stats", help="areas, coverage and counts of an inventory",
        description="Geodesic areas and coverage ratios of the inventory against the city\n"
                    "boundary: per category, all protected areas together, land cover,\n"
                    "districts, zones, stations, sites outside the boundary, reported vs GIS\n"
                    "area, and overlapping sites.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("path", help="inventory file")
    p.add_argument("--format", choices=FORMATS, default="table", help="output form (default: table)")
    p.add_argument("--section", action="append", choices=SECTIONS, metavar="NAME",
                   help="only this section (repeatable); default: all")
    p.add_argument("--class", dest="classes", action="append", metavar="CLASS",
                   help="only this land-cover class (code or label, repeatable; e.g. forest or "
                        "林地): the land-cover rows and the district columns of those classes "
                        "only, and only their work done; default: all")
    p.add_argument("--as-of", type=int, metavar="YEAR",
                   help="only assets designated in YEAR or before (or without a year), and the "
                        "land cover of YEAR or the latest year before it")
    p.add_argument("--lang", choices=["zh", "en"], default="zh",
                   help="language of labels in the table (default: zh)")
    p.add_argument("--protected", metavar="CODES",
                   help="comma-separated categories counted as protected areas (default: every "
                        "category except water_source and ecological_redline)")
    p.add_argument("--include-proposed", action="store_true",
                   help="count sites with status 'proposed' in coverage (default: reported apart)")
    p.add_argument("--reconciliation-threshold", type=float, default=5.0, metavar="PCT",
                   help="flag assets whose GIS area differs from the reported area by more than "
                        "PCT %% (default: %(default)s)")
    p.add_argument("--overlap-threshold", type=float, default=0.01, metavar="HA",
                   help="list pairs of assets overlapping by more than HA hectares "
                        "(default: %(default)s)")
    p.set_defaults(func=cmd_stats)


def cmd_stats(args: argparse.Namespace) -> int:
    protected = None
    if args.protected is not None:
        protected = [c.strip() for c in args.protected.split(",") if c.strip()]
    with Inventory.open(args.path) as inv:
        stats = compute_stats(
            inv, protected_categories=protected, include_proposed=args.include_proposed,
            as_of=args.as_of, sections=args.section, classes=args.classes,
            reconciliation_threshold_pct=args.reconciliation_threshold,
            overlap_threshold_ha=args.overlap_threshold)
    sections = [s for s in SECTIONS if s in stats]
    if args.format == "json":
        json.dump(stats, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    elif args.format == "csv":
        write_csv(stats, sections, sys.stdout)
    else:
        sys.stdout.write(render_table(stats, sections, lang=args.lang, full=args.section is None))
    return 0


# --- CSV ------------------------------------------------------------------------

def _csv_value(key: str, value):
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value).lower()
    if isinstance(value, float) and (key.endswith("_ha") or "pct" in key):
        return f"{value:.4f}"
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    return value


def _flatten(obj: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in obj.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        elif isinstance(v, list) and v and isinstance(v[0], dict):
            continue  # a nested table (boundary features): see --format json
        else:
            out[key] = v
    return out


def csv_rows(stats: dict, sections: list[str]) -> list[dict]:
    rows: list[dict] = []
    for name in sections:
        value = stats[name]
        if isinstance(value, list):
            rows += [{"section": name, **r} for r in value]
        else:
            rows.append({"section": name, **_flatten(value)})
    for k, v in _flatten(stats["method"]).items():
        rows.append({"section": "method", "key": k, "value": v})
    for note in stats["notes"]:
        rows.append({"section": "notes", "value": note})
    return rows


def write_csv(stats: dict, sections: list[str], out) -> None:
    rows = csv_rows(stats, sections)
    header: dict[str, None] = {}
    for r in rows:
        header.update(dict.fromkeys(r))
    writer = csv.DictWriter(out, fieldnames=list(header), lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: _csv_value(k, v) for k, v in r.items()})


# --- table ------------------------------------------------------------------------

def display_width(text: str) -> int:
    """Terminal columns: East Asian wide and full-width characters take two."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * max(width - display_width(text), 0)
    return fill + text if right else text + fill


def _fmt(value, kind: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}" if kind != "pct" else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def format_table(headers: list[str], rows: list[list], numeric: list[bool]) -> list[str]:
    cells = [[_fmt(v) if not isinstance(v, str) else v for v in r] for r in rows]
    widths = [max([display_width(h)] + [display_width(r[i]) for r in cells])
              for i, h in enumerate(headers)]
    lines = ["  ".join(_pad(h, w, n) for h, w, n in zip(headers, widths, numeric)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for r in cells:
        lines.append("  ".join(_pad(c, w, n) for c, w, n in zip(r, widths, numeric)).rstrip())
    return lines


_T = {
    "boundary": ("城市边界", "City boundary"),
    "assets": ("生态资产(逐个)", "Assets, one by one"),
    "categories": ("按类别", "By category"),
    "protected": ("各类保护地合计(重叠只计一次)", "All protected areas (overlaps counted once)"),
    "landcover": ("土地覆盖", "Land cover"),
    "districts": ("按区县", "By district"),
    "zones": ("功能分区", "Functional zones"),
    "stations": ("监测站点", "Monitoring stations"),
    "outside_boundary": ("边界外的要素或部分", "Features or parts outside the boundary"),
    "reconciliation": ("批复面积与GIS面积核对", "Reported vs GIS area"),
    "overlaps": ("资产重叠", "Overlapping assets"),
    "method": ("计算方法", "Method"),
    "notes": ("说明", "Notes"),
    "name": ("名称", "Name"), "code": ("代码", "Code"), "category": ("类别", "Category"),
    "class": ("地类", "Class"), "kind": ("类型", "Kind"), "count": ("数量", "Count"),
    "sum_ha": ("面积合计(公顷)", "Sum of areas (ha)"),
    "dissolved_ha": ("去重面积(公顷)", "Dissolved (ha)"),
    "coverage": ("覆盖率%", "Coverage %"), "protected_col": ("保护地", "Protected"),
    "proposed": ("拟建数", "Proposed"), "area_ha": ("面积(公顷)", "Area (ha)"),
    "year": ("年份", "Year"),
    "inside": ("边界内", "Inside"), "outside": ("边界外", "Outside"),
    "outside_ha": ("边界外(公顷)", "Outside (ha)"), "outside_pct": ("边界外%", "Outside %"),
    "inside_ha": ("边界内(公顷)", "Inside (ha)"),
    "layer": ("图层", "Layer"), "status": ("状态", "Status"), "counted": ("计入", "Counted"),
    "reported": ("批复面积", "Reported (ha)"), "gis": ("GIS面积", "GIS (ha)"),
    "diff_ha": ("差值(公顷)", "Diff (ha)"), "diff_pct": ("差值%", "Diff %"),
    "flag": ("超限", "Flag"), "zone": ("功能区", "Zone"), "asset": ("资产", "Asset"),
    "pct_of_asset": ("占资产%", "% of asset"), "overlap_ha": ("重叠(公顷)", "Overlap (ha)"),
    "pct_of_a": ("占A%", "% of A"), "pct_of_b": ("占B%", "% of B"),
    # ASCII minus: "−" is ambiguous-width and misaligns in CJK terminals.
    "sum_rule": ("合计(区县+未划入-重叠)", "Sum (districts + gap - overlap)"),
    "zero_cols": ("全为0的列未列出", "columns that are 0 everywhere are left out"),
    "boundary_area": ("边界面积", "Boundary area"),
    "coverage_pct": ("覆盖率", "Coverage"), "overlap_within": ("重叠部分", "Overlaps"),
    "proposed_block": ("拟建(未计入)", "Proposed (not counted)"),
    "proposed_in": ("拟建(已计入)", "Proposed (counted)"),
    "additional": ("拟建新增面积", "Added by proposed sites"),
    "categories_used": ("计入类别", "Categories counted"),
    "sites": ("个", "sites"), "none": ("(无)", "(none)"),
    "summary": ("面积为椭球面测地线面积", "Areas are geodesic on the ellipsoid"),
    "once": ("重叠部分只计一次", "overlaps counted once"),
    "clipped": ("裁剪至城市边界", "clipped to the city boundary"),
    "unclipped": ("无城市边界, 未裁剪", "no city boundary, nothing clipped"),
}


def _t(key: str, lang: str) -> str:
    zh, en = _T[key]
    return zh if lang == "zh" else en


def _yes(value: bool, lang: str) -> str:
    return ("是" if lang == "zh" else "yes") if value else ""


def _lab(row: dict, lang: str, key: str = "label") -> str:
    return row.get(f"{key}_{lang}") or row.get(f"{key}_en") or ""


def render_table(stats: dict, sections: list[str], *, lang: str = "zh", full: bool = True) -> str:
    inv = stats["inventory"]
    m = stats["method"]
    clipped = m["boundary_found"]
    out = [f"{inv['name']}  ({m['storage_crs']}{', as of ' + str(inv['as_of']) if inv['as_of'] else ''})",
           f"{_t('summary', lang)} ({m['ellipsoid']}, GeographicLib); {_t('once', lang)}; "
           f"{_t('clipped' if clipped else 'unclipped', lang)}"]
    for name in sections:
        out += ["", f"== {_t(name, lang)} =="]
        out += _RENDERERS[name](stats[name], lang)
    if stats["notes"]:
        out += ["", f"== {_t('notes', lang)} =="] + [f"- {n}" for n in stats["notes"]]
    if full:
        out += ["", f"== {_t('method', lang)} =="]
        for k, v in m.items():
            # Unformatted: the method quotes constants (flattening, years) exactly.
            out.append(f"{k}: {', '.join(v) if isinstance(v, list) else ('-' if v is None else v)}")
    return "\n".join(out) + "\n"


def _r_boundary(b: dict, lang: str) -> list[str]:
    if b["area_ha"] is None:
        return [_t("none", lang)]
    km2 = b["area_ha"] / 100.0
    names = "、".join(f["name"] or "" for f in b["features"])
    return [f"{_t('boundary_area', lang)}: {_fmt(b['area_ha'])} ha ({km2:,.2f} km²)  {names}"]


def _r_categories(rows: list[dict], lang: str) -> list[str]:
    h = [_t("category", lang), _t("protected_col", lang), _t("count", lang), _t("sum_ha", lang),
         _t("dissolved_ha", lang), _t("coverage", lang), _t("proposed", lang)]
    body = [[_lab(r, lang), _yes(r["protected"], lang), r["count"], r["area_ha"], r["dissolved_area_ha"],
             _fmt(r["coverage_pct"], "pct"), r["proposed_count"]] for r in rows]
    return format_table(h, body, [False, False, True, True, True, True, True])


def _r_protected(p: dict, lang: str) -> list[str]:
    pr = p["proposed"]
    return [
        f"{_t('categories_used', lang)}: {', '.join(p['categories'])}",
        f"{_t('count', lang)}: {p['count']}   {_t('sum_ha', lang)}: {_fmt(p['area_ha'])}   "
        f"{_t('overlap_within', lang)}: {_fmt(p['overlap_ha'])}",
        f"{_t('dissolved_ha', lang)}: {_fmt(p['dissolved_area_ha'])}   "
        f"{_t('coverage_pct', lang)}: {_fmt(p['coverage_pct'], 'pct')} %",
        f"{_t('proposed_in' if pr['included'] else 'proposed_block', lang)}: {pr['count']} "
        f"{_t('sites', lang)}, {_fmt(pr['area_ha'])} ha; {_t('additional', lang)}: "
        f"{_fmt(pr['additional_area_ha'])} ha ({_fmt(pr['additional_coverage_pct'], 'pct')} %)",
    ]


def _r_landcover(rows: list[dict], lang: str) -> list[str]:
    h = [_t("class", lang), _t("year", lang), _t("count", lang), _t("area_ha", lang),
         _t("coverage", lang)]
    body = [[_lab(r, lang), str(r["year"] or "-"), r["count"], r["area_ha"],
             _fmt(r["coverage_pct"], "pct")] for r in rows]
    return format_table(h, body, [False, True, True, True, True])


def _district_name(r: dict, lang: str) -> str:
    if lang == "en" and r.get("name_en"):
        return r["name_en"]
    return r.get("name") or ""


def _r_districts(rows: list[dict], lang: str) -> list[str]:
    if not rows:
        return [_t("none", lang)]

    def total(key):
        vals = [r[key] for r in rows]
        if any(v is None for v in vals):
            return None
        return sum(r["sign"] * v for r, v in zip(rows, vals))

    def table(cols: list[tuple[str, str, str]]) -> list[str]:
        h = [_t("code", lang), _t("name", lang)] + [c[0] for c in cols]
        body = [[r["code"] or "", _district_name(r, lang)]
                + [_fmt(r[c[1]], c[2]) for c in cols] for r in rows]
        body.append(["", _t("sum_rule", lang)] + [
            _fmt(total(c[1]), c[2]) if c[2] != "pct" else "" for c in cols])
        return format_table(h, body, [False, False] + [True] * len(cols))

    kinds = list(schema.STATION_KINDS)
    out = table([(_t("area_ha", lang), "area_ha", ""),
                 (_t("protected_col", lang) + "(ha)", "protected_ha", ""),
                 (_t("protected_col", lang) + "%", "protected_pct", "pct")]
                + [(schema.label("kind", k, lang), f"stations_{k}", "") for k in kinds])
    omitted = False
    # Land-cover classes not asked for (--class) have no columns at all.
    classes = [c for c in schema.LANDCOVER_CLASSES if f"{c}_ha" in rows[0]]
    for codes, kind in ((list(schema.CATEGORIES), "category"), (classes, "class")):
        used = [c for c in codes if any(r[f"{c}_ha"] for r in rows)]
        omitted = omitted or len(used) < len(codes)
        if not used:
            continue
        cols = []
        for c in used:
            cols.append((schema.label(kind, c, lang) + "(ha)", f"{c}_ha", ""))
            if kind == "class":
                cols.append(("%", f"{c}_pct", "pct"))
        out += [""] + table(cols)
    if omitted:
        out.append(f"({_t('zero_cols', lang)})")
    return out


def _r_assets(rows: list[dict], lang: str) -> list[str]:
    h = ["id", _t("name", lang), _t("category", lang), _t("status", lang), _t("area_ha", lang),
         _t("inside_ha", lang), _t("outside_ha", lang), _t("counted", lang)]
    body = [[str(r["id"]), r["name"] or "", _lab(r, lang), schema.label("status", r["status"], lang),
             r["area_ha"],
             r["inside_ha"], r["outside_ha"], _yes(r["counted"], lang)] for r in rows]
    return format_table(h, body, [True, False, False, False, True, True, True, False])


def _r_zones(rows: list[dict], lang: str) -> list[str]:
    if not rows:
        return [_t("none", lang)]
    h = [_t("asset", lang), _t("zone", lang), _t("count", lang), _t("area_ha", lang),
         _t("pct_of_asset", lang)]
    body = [[r["asset_name"] or "", _lab(r, lang), r["count"], r["area_ha"],
             _fmt(r["pct_of_asset"], "pct")] for r in rows]
    return format_table(h, body, [False, False, True, True, True])


def _r_stations(rows: list[dict], lang: str) -> list[str]:
    h = [_t("kind", lang), _t("count", lang), _t("inside", lang), _t("outside", lang)]
    body = [[_lab(r, lang), r["count"], r["inside_boundary"], r["outside_boundary"]] for r in rows]
    return format_table(h, body, [False, True, True, True])


def _r_outside(rows: list[dict], lang: str) -> list[str]:
    if not rows:
        return [_t("none", lang)]
    h = [_t("layer", lang), "id", _t("name", lang), _t("category", lang), _t("area_ha", lang),
         _t("outside_ha", lang), _t("outside_pct", lang)]
    body = [[r["layer"], str(r["id"]), r["name"] or "", _lab(r, lang) or (r["code"] or ""),
             r["area_ha"], r["outside_ha"], _fmt(r["outside_pct"], "pct")] for r in rows]
    return format_table(h, body, [False, True, False, False, True, True, True])


def _r_reconciliation(rows: list[dict], lang: str) -> list[str]:
    if not rows:
        return [_t("none", lang)]
    h = ["id", _t("name", lang), _t("category", lang), _t("reported", lang), _t("gis", lang),
         _t("diff_ha", lang), _t("diff_pct", lang), _t("flag", lang)]
    body = [[str(r["id"]), r["name"] or "", _lab(r, lang), r["reported_area_ha"], r["gis_area_ha"],
             r["difference_ha"], _fmt(r["difference_pct"], "pct"), "!" if r["flag"] else ""]
            for r in rows]
    return format_table(h, body, [True, False, False, True, True, True, True, False])


def _r_overlaps(rows: list[dict], lang: str) -> list[str]:
    if not rows:
        return [_t("none", lang)]
    h = ["A", _t("category", lang), "B", _t("category", lang), _t("overlap_ha", lang),
         _t("pct_of_a", lang), _t("pct_of_b", lang)]
    body = [[r["a_name"] or "", r[f"a_label_{lang}"], r["b_name"] or "", r[f"b_label_{lang}"],
             r["overlap_ha"], _fmt(r["pct_of_a"], "pct"), _fmt(r["pct_of_b"], "pct")]
            for r in rows]
    return format_table(h, body, [False, False, False, False, True, True, True])


_RENDERERS = {
    "boundary": _r_boundary, "assets": _r_assets, "categories": _r_categories,
    "protected": _r_protected, "landcover": _r_landcover, "districts": _r_districts,
    "zones": _r_zones, "stations": _r_stations, "outside_boundary": _r_outside,
    "reconciliation": _r_reconciliation, "overlaps": _r_overlaps,
}
