"""Translations: zh_CN complete and current, and switching language at runtime."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import Qt

from ecoinv import schema
from ecoinv.gui import i18n

from .gui_fixtures import (ROOT, ecoinv_app, fixture_inventory_source, inventory_file,  # noqa: F401
                           isolated_settings, window)

I18N = ROOT / "resources" / "i18n"
TS = I18N / "ecoinv_zh_CN.ts"
# pyside6-lupdate/-lrelease are installed beside the interpreter running the tests.
VENV_BIN = Path(sys.executable).parent


def messages(ts):
    for ctx in ET.parse(ts).getroot().findall("context"):
        for m in ctx.findall("message"):
            yield ctx.find("name").text, m.find("source").text, m.find("translation")


def test_every_string_is_translated():
    found = list(messages(TS))
    assert len(found) > 200
    for context, source, tr in found:
        assert tr.get("type") not in ("unfinished", "obsolete", "vanished"), (context, source)
        assert (tr.text or "").strip(), (context, source)
        # Placeholders survive translation (else .format() would fail or lose data).
        assert set(re.findall(r"\{\w*\}", source)) == set(re.findall(r"\{\w*\}", tr.text)), source
        assert ("%v" in source) == ("%v" in tr.text)
        if "&" in source.replace("&&", "") and not source.startswith("<"):
            assert "&" in tr.text, (context, source)  # keyboard accelerators kept


def test_translations_match_the_code(tmp_path):
    """lupdate over the code finds nothing new, and the .qm is the .ts compiled."""
    ts = tmp_path / TS.name
    shutil.copy(TS, ts)
    sources = sorted(str(p) for p in (ROOT / "ecoinv" / "gui").rglob("*.py"))
    subprocess.run([str(VENV_BIN / "pyside6-lupdate"), "-no-obsolete", *sources, "-ts", str(ts)],
                   check=True, capture_output=True, cwd=ROOT)
    fresh = {(c, s) for c, s, _ in messages(ts)}
    committed = {(c, s) for c, s, _ in messages(TS)}
    assert fresh == committed, f"new: {fresh - committed}; gone: {committed - fresh}"
    qm = tmp_path / "ecoinv_zh_CN.qm"
    subprocess.run([str(VENV_BIN / "pyside6-lrelease"), str(TS), "-qm", str(qm)], check=True,
                   capture_output=True)
    assert qm.read_bytes() == (I18N / "ecoinv_zh_CN.qm").read_bytes(), "run resources/i18n/update.sh"
    assert (I18N / "update.sh").stat().st_mode & 0o111


def test_language_resolution():
    assert i18n.resolve("zh_CN") == "zh_CN"
    assert i18n.resolve("zh_TW") == "zh_CN"  # the only Chinese we have
    assert i18n.resolve("en") == "en"
    assert i18n.resolve("fr") == "en"
    assert i18n.resolve("") == i18n.system_language()


def test_switch_language_at_runtime(qtbot, window):
    dock = window.open_attribute_table("assets")
    assert window.menu_file.title() == "&File"
    assert window.layers_panel.windowTitle() == "Layers"
    window.actions_by_name["lang_zh_CN"].trigger()
    try:
        assert i18n.current() == "zh_CN"
        assert window.settings.language() == "zh_CN"
        assert window.menu_file.title() == "文件(&F)"
        assert window.actions_by_name["tool_identify"].text() == "识别要素(&I)"
        assert window.layers_panel.windowTitle() == "图层"
        assert window.stats_dock.windowTitle() == "统计"
        assets = window.layer_model.layer_index("assets")
        assert assets.data().startswith("生态资产")
        assert dock.windowTitle() == "属性表 — 生态资产"
        assert dock.model.headerData(0, Qt.Orientation.Horizontal) == "名称"
        cat = dock.model.column_of("category")
        assert dock.model.index(0, cat).data() in {c.zh for c in schema.CATEGORIES.values()}
        assert "要素总数" in dock.summary.text()
        # Qt's own strings follow too (standard buttons).
        from PySide6.QtWidgets import QDialogButtonBox

        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "取消"
    finally:
        window.actions_by_name["lang_en"].trigger()
    assert window.menu_file.title() == "&File"
    assert dock.windowTitle() == "Attribute Table — Ecological assets"
    window.actions_by_name["lang_system"].trigger()
    assert window.settings.language() == ""
    i18n.install("en")
