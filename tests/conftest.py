"""Fixtures shared by the whole suite: real SpatiaLite inventories in tmp dirs."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture
def inventory_path(tmp_path) -> Path:
    return tmp_path / "inventory.sqlite"


@pytest.fixture
def inv(inventory_path):
    from ecoinv.store import Inventory

    inventory = Inventory.create(inventory_path, name="test inventory")
    yield inventory
    inventory.close()


def file_digest(path) -> str:
    """SHA-256 of a file: 'byte-for-byte unchanged' checks."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def artifacts_dir() -> Path:
    """Where tests leave screenshots and PDFs for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory):
    """The Harbin demo built once per test run with `ecoinv demo` (through the importer).

    Read-only for tests: copy the file before changing it.
    """
    import contextlib
    import io

    from ecoinv.cli import main

    path = tmp_path_factory.mktemp("demo") / "harbin-demo.sqlite"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["demo", str(path), "--quiet"])
    assert code == 0, out.getvalue()
    return path, out.getvalue()


@pytest.fixture(scope="session")
def demo_inventory_path(demo_build) -> Path:
    return demo_build[0]
