"""The report model (core, no Qt): sections, tables and figures as data."""
from __future__ import annotations

import subprocess
import sys

import pytest

from ecoinv import report as rm
from ecoinv.metrics import compute_stats
from ecoinv.store import Inventory

from .report_fixtures import SITES, build_report_inventory


@pytest.fixture(scope="module")
def fixture_path(tmp_path_factory):
    return build_report_inventory(tmp_path_factory.mktemp("report-model") / "harbin.sqlite")


@pytest.fixture(scope="module")
def fixture_inv(fixture_path):
    inv = Inventory.open(fixture_path)
    yield inv
    inv.close()


@pytest.fixture(scope="module")
def stats(fixture_inv):
    return compute_stats(fixture_inv)


@pytest.fixture(scope="module")
def reports(fixture_inv, stats):
    return {lang: rm.build_report(fixture_inv, lang=lang, stats=stats, atlas=True,
                                  report_date="2024-03-01")
            for lang in rm.LANGS}


def table_titled(section: rm.Section, title: str) -> rm.Table:
    for b in section.blocks:
        if isinstance(b, rm.Table) and b.title == title:
            return b
    raise AssertionError(f"no table {title!r} in {section.key}")


def rows_by_first_cell(table: rm.Table) -> dict[str, list[str]]:
    return {r[0]: r for r in table.rows}


def test_the_core_report_model_does_not_load_qt():
    code = ("import sys, ecoinv.report, ecoinv.cli, ecoinv.cli.report; "
            "sys.exit(1 if any(m.startswith('PySide6') for m in sys.modules) else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_sections_come_in_report_order_and_the_atlas_only_on_request(fixture_inv, stats):
    plain = rm.build_report(fixture_inv, stats=stats)
    keys = [s.key.split(":")[0] for s in plain.sections]
    assert keys[0] == "summary" and "atlas" not in keys
    assert keys == sorted(keys, key=lambda k: rm.SECTION_KEYS.index(k))
    assert plain.cover is not None
    assert {"summary", "map", "categories", "districts", "landcover", "quality"} <= set(keys)

    only = rm.build_report(fixture_inv, stats=stats, sections=["quality", "summary"])
    assert [s.key for s in only.sections] == ["summary", "quality"]
    assert only.cover is None

    with_atlas = rm.build_report(fixture_inv, stats=stats, sections=["atlas"])
    assert len(with_atlas.sections) == len(SITES)
    assert all(any(isinstance(b, rm.MapFrame) and b.focus for b in s.blocks) for s in with_atlas.sections)


def test_unknown_sections_and_languages_are_refused(fixture_inv, stats):
    with pytest.raises(rm.ReportError, match="nosuch"):
        rm.build_report(fixture_inv, stats=stats, sections=["summary", "nosuch"])
    with pytest.raises(rm.ReportError, match="fr"):
        rm.build_report(fixture_inv, stats=stats, lang="fr")


def test_headline_figures_are_the_statistics_rounded_once(reports, stats):
    zh = reports["zh"]
    head = table_titled(zh.section("summary"), "主要指标")
    rows = rows_by_first_cell(head)
    lc = {r["class"]: r for r in stats["landcover"]}
    assert rows["行政区域面积"][1] == f"{stats['boundary']['area_ha']:,.1f}"
    assert rows["森林覆盖率"][1] == f"{lc['forest']['coverage_pct']:.1f}"
    assert rows["湿地面积"][1] == f"{lc['wetland']['area_ha']:,.1f}"
    assert rows["草地面积"][1] == f"{lc['grassland']['area_ha']:,.1f}"
    assert rows["各类保护地面积（交叠只计一次）"][1] == f"{stats['protected']['dissolved_area_ha']:,.1f}"
    assert rows["保护地覆盖率"][1] == f"{stats['protected']['coverage_pct']:.1f}"
    for c in stats["categories"]:
        if c["count"]:
            assert rows[c["label_zh"] + "数量"][1] == str(c["count"])
    for s in stats["stations"]:
        assert rows[s["label_zh"]][1] == str(s["count"])
    # Overlaps are counted once: the dissolved total is less than the sum.
    assert stats["protected"]["dissolved_area_ha"] < stats["protected"]["area_ha"]


def test_every_site_is_listed_once_in_its_category_with_its_district(reports, stats):
    for lang, report in reports.items():
        listed = {}
        for s in report.sections:
            if s.key.startswith("categories:"):
                for t in s.blocks:
                    if isinstance(t, rm.Table):
                        for key, row in zip(t.row_keys, t.rows):
                            assert key not in listed
                            listed[key] = row
        assert set(listed) == {a["id"] for a in stats["assets"]}
        by_name = {row[1]: row for row in listed.values()}
        if lang == "zh":
            assert by_name["帽儿山国家森林公园"][3] == "尚志市"
            assert by_name["太阳岛风景名胜区"][3] == "松北区"
            # Two thirds of it lie in Jilin: the district is the one holding
            # most of what is inside Harbin.
            assert by_name["松花江哈尔滨段鳜鱼、翘嘴鲌、黄颡鱼国家级水产种质资源保护区"][3] == "双城区"
            assert "方正县莲花湖省级湿地公园（拟建）" in by_name
        else:
            assert by_name["Mao'ershan National Forest Park"][3] == "Shangzhi"
            assert "Fangzheng Lianhua Lake Provincial Wetland Park (proposed)" in by_name


def test_reported_and_gis_areas_differ_flags_come_from_the_reconciliation(reports, stats):
    zh = reports["zh"]
    recon = {r["id"]: r for r in stats["reconciliation"]}
    seen_flag = False
    for s in zh.sections:
        if not s.key.startswith("categories:"):
            continue
        t = next(b for b in s.blocks if isinstance(b, rm.Table))
        for i, (aid, row) in enumerate(zip(t.row_keys, t.rows)):
            r = recon[aid]
            assert row[5] == rm.fmt_area(r["reported_area_ha"])
            assert row[6] == f"{r['gis_area_ha']:,.1f}"
            assert row[7] == rm.fmt_diff_pct(r["difference_pct"])
            assert (t.cell_styles.get((i, 7)) == "warn") == r["flag"]
            seen_flag |= r["flag"]
    assert seen_flag


def test_data_quality_lists_outside_sites_flags_and_overlaps(reports, stats):
    q = reports["en"].section("quality")
    tables = [b for b in q.blocks if isinstance(b, rm.Table)]
    outside, recon, overlaps = tables
    assert {k[1] for k in outside.row_keys if k[0] == "assets"} == \
        {r["id"] for r in stats["outside_boundary"] if r["layer"] == "assets"}
    assert any("Songhua River" in row[1] for row in outside.rows)
    assert set(recon.row_keys) == {r["id"] for r in stats["reconciliation"] if r["flag"]}
    assert ("Fenghuangshan National Forest Park", "Wuchang Fenghuangshan National Geopark") in \
        {(row[0], row[1]) for row in overlaps.rows}
    texts = " ".join(b.text for b in q.blocks if isinstance(b, rm.Text))
    assert "geodesic" in texts and stats["method"]["ellipsoid"] in texts
    assert "counted once" in texts


def test_district_table_ends_with_the_city_total(reports, stats):
    t = next(b for b in reports["zh"].section("districts").blocks if isinstance(b, rm.Table))
    assert len(t.rows) == len(stats["districts"]) + 1
    total = t.rows[-1]
    assert t.total_rows == {len(t.rows) - 1}
    assert total[1] == f"{stats['boundary']['area_ha']:,.1f}"
    assert total[3] == f"{stats['protected']['coverage_pct']:.1f}"
    chart = next(b for b in reports["zh"].section("districts").blocks if isinstance(b, rm.BarChart))
    assert [b.value for b in chart.bars] == sorted((b.value for b in chart.bars), reverse=True)


def test_atlas_pages_carry_the_zones_of_their_site(reports, stats):
    zones = [z for z in stats["zones"]]
    aid = zones[0]["asset_id"]
    page = reports["zh"].section(f"atlas:{aid}")
    frame = next(b for b in page.blocks if isinstance(b, rm.MapFrame))
    assert frame.focus == aid and frame.show_zones and "asset_zones" in frame.layers
    zt = next(b for b in page.blocks if isinstance(b, rm.Table))
    assert [r[0] for r in zt.rows] == ["核心区", "缓冲区", "实验区"]


def test_cover_names_the_city_and_both_dates(reports):
    zh, en = reports["zh"], reports["en"]
    assert zh.cover.city == "哈尔滨市" and en.cover.city == "Harbin"
    assert ("报告日期", "2024-03-01") in zh.cover.facts
    assert ("Data as of", "2023-12-31") in en.cover.facts


def test_number_formats():
    assert rm.fmt_area(1234567.849) == "1,234,567.8"
    assert rm.fmt_area(None) == "—"
    assert rm.fmt_pct(41.05) == "41.0" or rm.fmt_pct(41.05) == "41.1"
    assert rm.fmt_diff_pct(-0.04) == "0.0"
    assert rm.fmt_diff_pct(12.34) == "+12.3"
    assert rm.fmt_diff_pct(-5.06) == "-5.1"
    assert rm.fmt_count(1234) == "1,234"


def test_an_empty_inventory_still_makes_a_report(inv):
    report = rm.build_report(inv, lang="en")
    assert report.section("summary").blocks
    q = report.section("quality")
    texts = [b.text for b in q.blocks if isinstance(b, rm.Text)]
    assert rm.tr("overlap_none", "en") in texts


def test_cancelling_while_the_statistics_are_computed(fixture_inv):
    with pytest.raises(rm.ReportCancelled):
        rm.build_report(fixture_inv, cancel=lambda: True)


def test_cli_refuses_what_it_cannot_write(tmp_path, fixture_path):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "ecoinv", "report", *map(str, args)],
                              capture_output=True, text=True)

    bad = run(fixture_path, "-o", tmp_path / "report.docx")
    assert bad.returncode == 1 and "PDF" in bad.stderr and "Traceback" not in bad.stderr
    missing = run(tmp_path / "nope.sqlite", "-o", tmp_path / "r.pdf")
    assert missing.returncode != 0 and "no such inventory" in missing.stderr
    assert "Traceback" not in missing.stderr
    date = run(fixture_path, "-o", tmp_path / "r.pdf", "--date", "24/03/01")
    assert date.returncode == 1 and "YYYY-MM-DD" in date.stderr
    assert not list(tmp_path.iterdir())
