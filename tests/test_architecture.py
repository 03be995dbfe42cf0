"""The layer rules, checked two ways: import-linter's contracts and a plain AST scan."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level:
            names.add("." * node.level + (node.module or ""))
    return names


def files(package: str) -> list[Path]:
    return sorted((ROOT / "tui" / package).rglob("*.py"))


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("core", ("textual", "tui.ui", "tui.exchanges", "tui.simulator", "tui.cli", "tui.demo")),
        ("exchanges", ("textual", "tui.ui", "tui.simulator", "tui.cli", "tui.demo")),
        (
            "simulator",
            ("textual", "tui.ui", "tui.core", "tui.exchanges", "tui.cli", "tui.demo", "jwt"),
        ),
    ],
)
def test_layer_never_imports(package, forbidden):
    offenders = []
    for path in files(package):
        for name in imports_of(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders, "\n".join(offenders)


def test_simulator_has_its_own_jwt_code():
    """It verifies signatures with code of its own: a signing bug on both sides would otherwise pass."""
    assert not any(
        "jwt" in imports_of(p) or "tui.exchanges.upbit_auth" in imports_of(p)
        for p in files("simulator")
    )


def test_import_linter_contracts_kept():
    linter = Path(sys.executable).with_name("lint-imports")
    command = [str(linter)] if linter.exists() else [sys.executable, "-m", "importlinter.cli"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_tls_verification_never_disabled():
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "tui").rglob("*.py")
        if "verify=False" in p.read_text(encoding="utf-8")
    ]
    assert not offenders
