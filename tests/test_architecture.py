"""The core runs headless: nothing outside ecoinv.gui / ecoinv.render loads Qt."""
from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import ecoinv

QT_PACKAGES = ("ecoinv.gui", "ecoinv.render")


def core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(ecoinv.__path__, "ecoinv."):
        if info.name.startswith(QT_PACKAGES) or info.name == "ecoinv.__main__":
            continue
        names.append(info.name)
    return names


def test_core_modules_do_not_load_qt():
    modules = core_modules()
    assert {"ecoinv.store", "ecoinv.schema", "ecoinv.cli"} <= set(modules)
    code = ("import sys\n" + "".join(f"import {m}\n" for m in modules) +
            "bad = sorted(m for m in sys.modules if m.startswith('PySide6'))\n"
            "print(','.join(bad))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "", f"Qt loaded by the core: {r.stdout}"


def test_no_qt_import_statements_in_core():
    root = Path(ecoinv.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(("gui/", "render/")):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.lstrip().startswith(("import PySide6", "from PySide6")):
                offenders.append(f"{rel}:{n}")
    assert offenders == []


def test_cli_help_does_not_load_qt():
    r = subprocess.run([sys.executable, "-c",
                        "import sys\nfrom ecoinv.cli import build_parser\nbuild_parser()\n"
                        "print(any(m.startswith('PySide6') for m in sys.modules))"],
                       capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "False"
