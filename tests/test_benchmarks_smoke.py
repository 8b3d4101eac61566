"""The benchmark suite runs end to end at a tiny scale, so it cannot rot (no timing asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_benchmark_suite_runs_at_tiny_scale(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    env = {
        **os.environ,
        "EMR_BENCH_CACHE": str(tmp_path / "cache"),
        "EMR_NO_KEYRING": "1",
        "QT_QPA_PLATFORM": "offscreen",
    }
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--scale", "tiny", "--quick", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    doc = json.loads(out.read_text())
    names = [r["name"] for r in doc["results"]]
    assert any("patient search" in n for n in names)
    assert any("audit verify" in n for n in names)
    assert all(r["runs"] > 0 for r in doc["results"])
    assert "measurement" in result.stdout  # the terminal table
