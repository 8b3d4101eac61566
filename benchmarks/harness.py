"""Timing helpers: repeated runs, median and p95, and the ratio to a hand-written floor."""

from __future__ import annotations

import json
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Result:
    """One measurement: our code's timings, optionally the floor's and a target."""

    name: str
    unit: str = "ms"
    median: float = 0.0
    p95: float = 0.0
    runs: int = 0
    floor_median: float | None = None
    target: str = ""
    passed: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """How many times slower than the floor (None without a floor)."""
        if not self.floor_median:
            return None
        return self.median / self.floor_median


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def time_calls(calls: list[Callable[[], object]], *, warmup: int = 1) -> tuple[float, float, int]:
    """Run each call once (after ``warmup`` untimed calls); median and p95 in ms."""
    for call in calls[:warmup]:
        call()
    samples = []
    for call in calls:
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), _p95(samples), len(samples)


def measure(
    name: str,
    calls: list[Callable[[], object]],
    *,
    floor: list[Callable[[], object]] | None = None,
    target: str = "",
    check: Callable[[Result], bool] | None = None,
) -> Result:
    """Time ``calls`` (and ``floor`` if given) and judge against the target."""
    median, p95, runs = time_calls(calls)
    result = Result(name, median=median, p95=p95, runs=runs, target=target)
    if floor:
        result.floor_median = time_calls(floor)[0]
    if check is not None:
        result.passed = check(result)
    return result


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    import os

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": str(os.cpu_count()),
    }


def print_table(results: list[Result]) -> None:
    """The results as a terminal table."""
    header = f"{'measurement':<52} {'median':>10} {'p95':>10} {'floor':>9} {'ratio':>6}  target"
    print(header)
    print("-" * len(header))
    for r in results:
        floor = f"{r.floor_median:9.2f}" if r.floor_median is not None else " " * 9
        ratio = f"{r.ratio:6.2f}" if r.ratio is not None else " " * 6
        verdict = {True: "ok", False: "MISSED", None: ""}[r.passed]
        print(
            f"{r.name:<52} {r.median:10.2f} {r.p95:10.2f} {floor} {ratio}  "
            f"{r.target} {verdict}".rstrip()
        )
        for key, value in r.extra.items():
            print(f"    {key}: {value}")


def write_json(results: list[Result], path: Path, scale: dict[str, Any]) -> None:
    """The results as JSON, with the machine and scale they were measured at."""
    doc = {
        "machine": machine(),
        "scale": scale,
        "results": [{**asdict(r), "ratio": r.ratio} for r in results],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, default=str), encoding="utf-8")
