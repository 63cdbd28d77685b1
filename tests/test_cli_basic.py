"""The CLI frame: --version, --help everywhere, init/layers, one-line errors."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ecoinv import __version__
from ecoinv.cli import build_parser, main


def run(*args):
    return subprocess.run([sys.executable, "-m", "ecoinv", *args], capture_output=True, text=True)


def test_version():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"ecoinv {__version__}"


def test_every_command_has_help(capsys):
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert {"init", "layers"} <= set(sub.choices)
    for name, p in sub.choices.items():
        assert p.description or p.format_help(), name
        with pytest.raises(SystemExit) as e:
            main([name, "--help"])
        assert e.value.code == 0
        assert f"usage: ecoinv {name}" in capsys.readouterr().out


def test_init_and_layers(tmp_path, capsys):
    path = tmp_path / "inv.sqlite"
    assert main(["init", str(path), "--name", "哈尔滨", "--crs", "EPSG:4551"]) == 0
    assert main(["layers", str(path), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert [r["layer"] for r in rows] == ["boundary", "districts", "assets", "asset_zones",
                                          "landcover", "stations"]
    assert {r["crs"] for r in rows} == {"EPSG:4551"}
    assert main(["layers", str(path)]) == 0
    out = capsys.readouterr().out
    assert "stations     POINT" in out


@pytest.mark.parametrize("args, message", [
    (["layers", "/nonexistent/inv.sqlite"], "no such inventory file"),
    (["init", "/nonexistent/dir/inv.sqlite"], "folder does not exist"),
])
def test_errors_are_one_line_without_traceback(args, message):
    r = run(*args)
    assert r.returncode != 0
    assert r.stderr.count("\n") == 1 and message in r.stderr
    assert "Traceback" not in r.stderr


def test_debug_shows_traceback():
    r = run("--debug", "layers", "/nonexistent/inv.sqlite")
    assert r.returncode != 0 and "Traceback" in r.stderr


def test_bad_crs_is_refused(tmp_path):
    r = run("init", str(tmp_path / "x.sqlite"), "--crs", "EPSG:999999")
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert not (tmp_path / "x.sqlite").exists()
