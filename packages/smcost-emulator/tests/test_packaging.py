"""The emulator stays out of the product: jupyter_smcost neither contains nor imports it
(the wheel is built from jupyter_smcost/ alone; `make wheel-check` checks the built wheel
too), and importing the emulator's package or its pytest plugin does not import moto."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import jupyter_smcost

PRODUCT = Path(jupyter_smcost.__file__).resolve().parent


# Each test runs a fresh interpreter.
pytestmark = pytest.mark.slow


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def test_the_product_holds_no_emulator() -> None:
    assert not (PRODUCT / "emulator").exists()
    sources = [p for p in PRODUCT.rglob("*.py") if "labextension" not in p.parts]
    assert sources
    for path in sources:
        roots = {name.split(".")[0] for name in imported_modules(path)}
        assert not roots & {"smcost_emulator", "moto"}, path


def test_importing_the_package_and_plugin_does_not_import_moto() -> None:
    code = (
        "import sys, smcost_emulator, smcost_emulator.pytest_plugin; "
        "from smcost_emulator import EmulatorClient, environ; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('moto', 'boto3')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
