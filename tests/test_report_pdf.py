"""The painted report: real PDFs from the CLI, read back with poppler.

The numbers in the PDF are checked against ``ecoinv stats --format json``
after the report's own rounding, every site name is looked for in the
extracted text, the map pages are rendered to pixels, and the fonts are
checked to be embedded.  The PDFs and page images are left in
test-artifacts/ for a person to look at.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zlib
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

from ecoinv import report as rm
from ecoinv.store import Inventory

from .report_fixtures import build_report_inventory

ROOT = Path(__file__).resolve().parents[1]
REPORT_DATE = "2024-03-01"


def start_cli(*args) -> subprocess.Popen:
    env = dict(os.environ)
    # Headless, as on a server: no display at all.
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("QT_QPA_PLATFORM", None)
    return subprocess.Popen([sys.executable, "-m", "ecoinv", *map(str, args)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen) -> str:
    out, err = proc.communicate()
    assert proc.returncode == 0, err
    return out


def run_cli(*args) -> str:
    return finish(start_cli(*args))


def pdftotext(pdf, *, first=None, last=None, layout=False) -> str:
    cmd = ["pdftotext", "-enc", "UTF-8"]
    if layout:
        cmd.append("-layout")
    if first:
        cmd += ["-f", str(first)]
    if last:
        cmd += ["-l", str(last)]
    return subprocess.run(cmd + [str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def page_texts(pdf) -> list[str]:
    # pdftotext separates pages with form feeds
    return pdftotext(pdf, layout=True).split("\f")[:-1]


def page_sizes(pdf) -> list[tuple[float, float]]:
    out = subprocess.run(["pdfinfo", "-f", "1", "-l", "9999", str(pdf)], capture_output=True,
                         text=True, check=True).stdout
    return [(float(w), float(h)) for w, h in
            re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", out)]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def render_page(pdf, page: int, out_png: Path, dpi: int = 60) -> np.ndarray:
    """The page as an RGB array (pdftoppm), and a PNG beside it for people."""
    stem = out_png.with_suffix("")
    subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png",
                    "-singlefile", str(pdf), str(stem)], check=True)
    ppm = subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page),
                          "-singlefile", str(pdf)], capture_output=True, check=True).stdout
    return _read_ppm(ppm)


class PdfPage(NamedTuple):
    box: tuple[float, float, float, float]   # MediaBox, points
    points: np.ndarray                        # every path point (m, l, c, re) in page points
    stream_bytes: int                         # the page's content stream, compressed


def pdf_page_paths(pdf) -> list[PdfPage]:
    """The pages of a PDF that Qt wrote, with where their paths go.

    Qt writes each page's content as one Flate stream and places paths
    with ``cm`` (the page's own matrix, and the painter's transform for
    strokes); the path operators' points are mapped through the q/Q/cm
    stack to page points.
    """
    data = Path(pdf).read_bytes()
    pages = []
    for m in re.finditer(rb"/Contents (\d+) 0 R.*?/MediaBox \[([^\]]*)\]", data, re.S):
        head = re.search(rb"\n%d 0 obj\s*<<.*?>>\s*stream\r?\n" % int(m.group(1)), data, re.S)
        inflater = zlib.decompressobj()
        content = inflater.decompress(data[head.end():])
        size = len(data) - head.end() - len(inflater.unused_data)
        box = tuple(float(v) for v in m.group(2).split())
        pages.append(PdfPage(box, _path_points(content), size))
    return pages


def _path_points(content: bytes) -> np.ndarray:
    ctm, stack, args, out = np.eye(3), [], [], []
    for token in content.split():
        try:
            args.append(float(token))
            continue
        except ValueError:
            pass
        if token == b"q":
            stack.append(ctm)
        elif token == b"Q":
            ctm = stack.pop()
        elif token == b"cm" and len(args) >= 6:
            a, b, c, d, e, f = args[-6:]
            ctm = np.array([[a, b, 0], [c, d, 0], [e, f, 1]]) @ ctm
        elif token in (b"m", b"l", b"c", b"re") and len(args) >= 2:
            if token == b"re":
                x, y, w, h = args[-4:]
                xy = np.array([[x, y], [x + w, y + h]])
            else:
                xy = np.array(args[-6:] if token == b"c" else args[-2:]).reshape(-1, 2)
            out.append(np.column_stack([xy, np.ones(len(xy))]) @ ctm)
        args = []
    return np.concatenate(out)[:, :2] if out else np.empty((0, 2))


def _read_ppm(data: bytes) -> np.ndarray:
    # P6 <w> <h> <max>\n<bytes>
    parts = data.split(maxsplit=4)
    assert parts[0] == b"P6"
    w, h = int(parts[1]), int(parts[2])
    return np.frombuffer(parts[4][: w * h * 3], dtype=np.uint8).reshape(h, w, 3)


@pytest.fixture(scope="module")
def inventory(demo_inventory_path) -> Path:
    """The Harbin demo inventory, built through the real import pipeline (shared, read-only)."""
    return demo_inventory_path


@pytest.fixture(scope="module")
def cli_runs(inventory, tmp_path_factory) -> dict:
    """``ecoinv stats --format json`` and the demo report in both languages,
    plus an atlas of the small fixture inventory (a map page per site; the
    demo's 88 would only repeat it), run side by side, each its own
    headless process."""
    out = tmp_path_factory.mktemp("pdfs")
    small = build_report_inventory(out / "fixture.sqlite")
    paths = {lang: out / f"report-{lang}.pdf" for lang in rm.LANGS}
    atlas = out / "atlas-zh.pdf"
    procs = {lang: start_cli("report", inventory, "-o", path, "--lang", lang, "--date", REPORT_DATE)
             for lang, path in paths.items()}
    procs["atlas"] = start_cli("report", small, "-o", atlas, "--sections", "cover", "summary", "atlas",
                               "--date", REPORT_DATE)
    paths_all = {**paths, "atlas": atlas}
    stats = json.loads(run_cli("stats", inventory, "--format", "json"))
    for key, proc in procs.items():
        assert f"wrote {paths_all[key]}" in finish(proc)
    return {"stats": stats, "pdfs": paths, "atlas": atlas, "fixture": small}


@pytest.fixture(scope="module")
def stats_json(cli_runs) -> dict:
    return cli_runs["stats"]


@pytest.fixture(scope="module")
def pdfs(cli_runs) -> dict[str, Path]:
    return cli_runs["pdfs"]


@pytest.fixture(scope="module")
def atlas_pdf(cli_runs) -> Path:
    return cli_runs["atlas"]


@pytest.fixture(scope="module")
def keep(cli_runs):
    """Copy the PDFs to the artifacts folder for people to look at."""
    dest = ROOT / "test-artifacts"
    dest.mkdir(exist_ok=True)
    for lang, path in cli_runs["pdfs"].items():
        shutil.copy(path, dest / f"report-{lang}.pdf")
    shutil.copy(cli_runs["atlas"], dest / "report-atlas-zh.pdf")
    return dest


def summary_lines(pdf) -> str:
    for text in page_texts(pdf):
        if "主要指标" in text or "Headline figures" in text:
            return text
    raise AssertionError("no summary page")


def line_with(text: str, label: str) -> str:
    for line in text.splitlines():
        if re.search(rf"(^|\s){re.escape(label)}(\s|$)", line.strip()) or line.strip().startswith(label + " "):
            return line
    raise AssertionError(f"no line starting with {label!r}:\n{text}")


def value_in(line: str, value: str) -> bool:
    return value in line.split()


def test_summary_numbers_equal_the_stats_json(pdfs, stats_json):
    s = stats_json
    lc = {r["class"]: r for r in s["landcover"]}
    for lang, pdf in pdfs.items():
        text = summary_lines(pdf)
        zh = lang == "zh"
        expect = {
            ("行政区域面积" if zh else "Area of the reporting area"): f"{s['boundary']['area_ha']:,.1f}",
            ("森林覆盖率" if zh else "Forest coverage rate"): f"{lc['forest']['coverage_pct']:.1f}",
            ("湿地面积" if zh else "Wetland area"): f"{lc['wetland']['area_ha']:,.1f}",
            ("草地面积" if zh else "Grassland area"): f"{lc['grassland']['area_ha']:,.1f}",
            ("保护地覆盖率" if zh else "Protected-area coverage"): f"{s['protected']['coverage_pct']:.1f}",
            ("各类保护地面积（交叠只计一次）" if zh else "Protected area (overlaps counted once)"):
                f"{s['protected']['dissolved_area_ha']:,.1f}",
        }
        for c in s["categories"]:
            if c["count"]:
                expect[c["label_zh"] + "数量" if zh else c["label_en"] + "s"] = str(c["count"])
        for st in s["stations"]:
            expect[st["label_zh"] if zh else st["label_en"] + "s"] = str(st["count"])
        for label, value in expect.items():
            line = line_with(text, label)
            assert value_in(line, value), (lang, label, value, line)


def test_every_site_name_appears(pdfs, inventory):
    with Inventory.open(inventory) as inv:
        names = [(f.props["name"], f.props.get("name_en") or f.props["name"]) for f in inv.features("assets")]
    for lang, pdf in pdfs.items():
        # Names wrap inside table cells; whitespace is not part of a name.
        text = squash(pdftotext(pdf))
        for zh, en in names:
            assert squash(zh if lang == "zh" else en) in text, (lang, zh)


def test_chinese_text_extracts_as_chinese(pdfs):
    text = pdftotext(pdfs["zh"])
    for phrase in ("哈尔滨市", "生态资产清查报告", "森林覆盖率", "自然保护区", "数据质量", "页"):
        assert phrase in text
    # Glyphs shared with Kangxi radicals must map back to the ideographs (a
    # PDF whose 生 extracts as the radical U+2F63 cannot be searched or copied;
    # Qt picks the lowest code point the font maps to a glyph, so the bundled
    # font must not map the radical blocks).
    assert not re.search("[\u2e80-\u2fdf]", text)
    # the cover and the English report carry the other language's title
    assert "生态资产清查报告" in pdftotext(pdfs["en"], first=1, last=1)


def test_fonts_are_embedded(pdfs):
    for pdf in pdfs.values():
        out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        rows = out.splitlines()[2:]
        assert rows, out
        for row in rows:
            cols = row.split()
            # name type... emb sub uni object ID: emb is 5th from the end
            assert cols[-5] == "yes", row
        assert any("EcoinvSansSC" in r for r in rows), out


def test_pages_are_a4_with_landscape_map_pages_and_numbered(pdfs):
    for lang, pdf in pdfs.items():
        sizes = page_sizes(pdf)
        texts = page_texts(pdf)
        assert len(sizes) == len(texts)
        for (w, h) in sizes:
            assert {round(w), round(h)} == {595, 842}
        title = "二、生态资产分布总图" if lang == "zh" else "2  Overview map"
        map_pages = [i for i, t in enumerate(texts) if squash(title) in squash(t) and "目录" not in t
                     and "Contents" not in t]
        assert map_pages
        w, h = sizes[map_pages[0]]
        assert w > h  # landscape
        n = len(texts)
        for i, t in enumerate(texts[1:], start=2):
            expected = f"第 {i} 页 / 共 {n} 页" if lang == "zh" else f"Page {i} of {n}"
            assert expected in t, (lang, i)
            assert REPORT_DATE in t  # the running header


def test_map_pages_are_not_blank(pdfs, keep):
    for lang, pdf in pdfs.items():
        texts = page_texts(pdf)
        title = "二、生态资产分布总图" if lang == "zh" else "2  Overview map"
        page = next(i for i, t in enumerate(texts) if squash(title) in squash(t)
                    and "目录" not in t and "Contents" not in t) + 1
        img = render_page(pdf, page, keep / f"report-{lang}-map.png")
        h, w, _ = img.shape
        # The map frame's inside, away from the page margins.
        inner = img[int(h * 0.2):int(h * 0.85), int(w * 0.1):int(w * 0.7)].reshape(-1, 3)
        not_white = (inner < 245).any(axis=1).mean()
        colours = len({tuple(c) for c in inner[:: 7]})
        assert not_white > 0.15, not_white
        assert colours > 40, colours


def test_tables_repeat_their_header_across_pages(pdfs):
    for lang, pdf in pdfs.items():
        mark, header = ("（续）", "GIS面积") if lang == "zh" else ("(continued)", "GIS area")
        continued = [t for t in page_texts(pdf) if mark in t and ("名录" in t or "List of" in t)]
        # the demo's 25 forest parks do not fit on one page
        assert continued, lang
        for t in continued:
            assert header in t and ("序号" in t or "No." in t)


def test_looked_at_pages_are_kept(pdfs, keep):
    """Cover, summary, a category table, the district chart, data quality and
    an atlas page as PNGs in test-artifacts/ (people look at them)."""
    for lang, pdf in pdfs.items():
        texts = page_texts(pdf)
        wanted = {"cover": 1}
        marks = {
            "summary": ("主要指标", "Headline figures"),
            "category": ("自然保护区名录", "List of nature reserves"),
            "district-chart": ("各区县保护地覆盖率", "Protected-area coverage by district"),
            "quality": ("计算方法", "Method"),
        }
        for name, (zh, en) in marks.items():
            mark = zh if lang == "zh" else en
            hits = [i for i, t in enumerate(texts) if mark in t and "目录" not in t and "Contents" not in t]
            assert hits, (lang, name)
            # the chart comes after the table whose note names it too
            wanted[name] = (hits[-1] if name == "district-chart" else hits[0]) + 1
        for name, page in wanted.items():
            img = render_page(pdf, page, keep / f"report-{lang}-{name}.png")
            assert (img < 200).any()


# --- the painter on its own: synthetic reports, no inventory -------------------------

LONG_NAME = "松花江哈尔滨段鳜鱼、翘嘴鲌、黄颡鱼国家级水产种质资源保护区（一期扩展及二期规划范围）"


def long_table_report(rows: int = 150) -> rm.Report:
    cols = [rm.Column("序号", 0.5, "right"), rm.Column("名称", 3.0), rm.Column("GIS面积\n（公顷）", 1.2, "right")]
    body = [[str(i + 1), LONG_NAME if i % 10 == 3 else f"第{i + 1}号湿地公园", f"{(i + 1) * 1000.5:,.1f}"]
            for i in range(rows)]
    table = rm.Table(cols, body, title="长表")
    section = rm.Section("summary", "一、长表", [rm.Text("一、长表", "h1"), table])
    return rm.Report(lang="zh", title="测试报告", inventory_name="测试", city="哈尔滨市",
                     report_date=REPORT_DATE, as_of="2023-12-31", cover=None, sections=[section],
                     header="哈尔滨市 测试报告")


def test_a_long_table_breaks_across_pages_with_its_header_repeated(qapp, tmp_path):
    from ecoinv.render.report_painter import write_pdf

    pdf = tmp_path / "long.pdf"
    n = write_pdf(long_table_report(), pdf)
    texts = page_texts(pdf)
    assert n == len(texts) >= 3
    seen = []
    for i, t in enumerate(texts):
        assert "GIS面积" in t, i  # the header, on every page of the table
        if i:
            assert "长表（续）" in t, i
        seen += [int(m) for m in re.findall(r"^\s*(\d+)\s", t, flags=re.M)]
    # every row once, in order (page numbers and dates are not at a line start)
    assert [k for k in seen if k <= 150] == list(range(1, 151))
    assert squash(LONG_NAME) in squash(pdftotext(pdf))


def test_long_names_wrap_inside_their_cell(qapp):
    from ecoinv.render.report_painter import MM, layout_report

    report = long_table_report(12)
    lay = layout_report(report)
    table = report.sections[0].blocks[1]
    widths = lay.col_widths(table, lay.area.width())
    short, long_ = lay.row_height(table, 0, widths), lay.row_height(table, 3, widths)
    assert long_ > 1.6 * short  # two lines at least, not one clipped line
    assert abs(sum(widths) - lay.area.width()) < 0.01 * MM


def test_printer_and_pdf_writer_get_the_same_pages(qapp, tmp_path):
    from PySide6.QtPrintSupport import QPrinter

    from ecoinv.render.report_painter import print_report, write_pdf

    report = long_table_report(80)
    report.sections.append(rm.Section("map", "二、横向", [rm.Text("二、横向页面", "h1")],
                                      orientation="landscape"))
    report.sections.append(rm.Section("end", "三、纵向", [rm.Text("三、纵向页面", "h1")]))
    a = tmp_path / "writer.pdf"
    b = tmp_path / "printer.pdf"
    n = write_pdf(report, a)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(b))
    assert print_report(report, printer) == n
    ta, tb = page_texts(a), page_texts(b)
    sa, sb = page_sizes(a), page_sizes(b)
    assert len(ta) == len(tb) == n
    landscape = [i for i, (w, h) in enumerate(sa) if w > h]
    assert landscape == [n - 2]
    for i in range(n):
        if i in landscape:
            # A printer keeps one sheet orientation per job: the landscape
            # page comes out turned on a portrait sheet, as printed books do.
            assert sb[i] == sa[0]
            assert squash("二、横向页面") in squash(tb[i])
        else:
            assert ta[i] == tb[i] and sa[i] == sb[i]


def test_progress_and_cancel(qapp, tmp_path):
    from ecoinv.render.report_painter import ReportCancelled, write_pdf

    calls = []
    out = tmp_path / "r.pdf"
    n = write_pdf(long_table_report(), out, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (n, n) and [d for d, _ in calls] == list(range(1, n + 1))

    stop = tmp_path / "stopped.pdf"
    with pytest.raises(ReportCancelled):
        write_pdf(long_table_report(), stop, progress=lambda d, t: calls.append((d, t)),
                  cancel=lambda: len(calls) > n + 1)
    assert not stop.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["r.pdf"]  # no half-written file left


def test_atlas_has_a_map_page_per_site(atlas_pdf, cli_runs, keep):
    with Inventory.open(cli_runs["fixture"]) as inv:
        names = [f.props["name"] for f in inv.features("assets")]
    texts = page_texts(atlas_pdf)
    first = next(i for i, t in enumerate(texts) if "附录" in t and "目录" not in t)
    atlas = texts[first:]
    for name in names:
        # each site heads its own page (a long name wraps in the heading)
        assert sum(squash(name) in squash(t.split("坐标系")[0]) for t in atlas) >= 1, name
    assert len(atlas) >= len(names)
    img = render_page(atlas_pdf, first + 1, keep / "report-zh-atlas.png")
    h, w, _ = img.shape
    inner = img[int(h * 0.15):int(h * 0.55), int(w * 0.15):int(w * 0.85)].reshape(-1, 3)
    assert (inner < 245).any(axis=1).mean() > 0.3


def test_atlas_pages_are_small_and_hold_only_what_they_show(atlas_pdf):
    """A map page carries its own view, not the whole city: features are cut
    to the frame and simplified to what paper shows (pages were ~300 KB each
    when every one held every polygon whole, down to 0.01 mm)."""
    pages = pdf_page_paths(atlas_pdf)
    assert len(pages) >= 10 and len(pages) == len(page_sizes(atlas_pdf))
    assert atlas_pdf.stat().st_size / len(pages) < 100_000
    for n, page in enumerate(pages, 1):
        assert page.stream_bytes < 150_000, (n, page.stream_bytes)
        x0, y0, x1, y1 = page.box
        assert len(page.points), n
        outside = (page.points < [x0 - 1, y0 - 1]) | (page.points > [x1 + 1, y1 + 1])
        assert not outside.any(), (n, page.points[outside.any(axis=1)][:5])
