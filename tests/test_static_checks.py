"""The house rules that tools can check: layering contracts, lint, formatting, types."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_import_contracts_hold() -> None:
    """Qt stays in ui/, imports point down, the UI sees only services and DTOs."""
    result = _run(str(BIN / "lint-imports"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_lint_is_clean() -> None:
    result = _run(sys.executable, "-m", "ruff", "check", "emr_desktop", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_applied() -> None:
    result = _run(
        sys.executable, "-m", "ruff", "format", "--check", "emr_desktop", "tests", "benchmarks"
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_mypy_strict_on_the_core() -> None:
    result = _run(sys.executable, "-m", "mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_qt_is_not_imported_outside_ui() -> None:
    """The core suite must run without a display: no PySide6 import outside ui/."""
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "emr_desktop").rglob("*.py")
        if "ui" not in p.relative_to(ROOT / "emr_desktop").parts[:1]
        and "PySide6" in p.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_every_package_ships_in_the_wheel() -> None:
    """pyproject lists packages explicitly (resources/ is mapped in): none may be missing."""
    import tomllib

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "emr_desktop").rglob("__init__.py")
    }
    assert found - listed == set()


def test_no_module_imports_back_into_a_module_that_imports_it() -> None:
    """No import circles anywhere in the package, counting imports inside functions and
    under TYPE_CHECKING: each module can be read, tested and moved on its own."""
    import grimp

    graph = grimp.build_graph("emr_desktop")
    ours = {m for m in graph.modules if m.startswith("emr_desktop")}
    circles = sorted(
        (a, b)
        for a in ours
        for b in graph.find_modules_directly_imported_by(a) & ours
        if a < b and graph.direct_import_exists(importer=b, imported=a)
    )
    longer = [
        chain
        for a in sorted(ours)
        for b in sorted(graph.find_modules_directly_imported_by(a) & ours)
        if (chain := graph.find_shortest_chain(importer=b, imported=a)) is not None
    ]
    assert circles == [] and longer == []
