"""Timing helpers: repeated runs, median and p95, the hand-written floor and plain SQLite."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

Call = Callable[[], object]


@dataclass
class Result:
    """One measurement: our code's timings, the floor's, plain SQLite's, and the target."""

    name: str
    unit: str = "ms"
    median: float = 0.0
    p95: float = 0.0
    runs: int = 0
    floor_median: float | None = None
    floor_p95: float | None = None
    plain_median: float | None = None
    target: str = ""
    passed: bool | None = None
    available: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """How many times slower than the floor (None without a floor)."""
        if not self.floor_median:
            return None
        return self.median / self.floor_median

    @property
    def plain_ratio(self) -> float | None:
        """SQLCipher time over plain SQLite time for the same workload (None if not run)."""
        if not self.plain_median:
            return None
        return self.median / self.plain_median


def unavailable(name: str, why: str, target: str = "") -> Result:
    """A measurement whose code is not there (yet): reported, never timed."""
    return Result(name, target=target, available=False, extra={"not available": why})


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def from_samples(name: str, samples: list[float], *, target: str = "") -> Result:
    """A result from timings taken elsewhere (ms)."""
    return Result(
        name,
        median=statistics.median(samples),
        p95=p95(samples),
        runs=len(samples),
        target=target,
    )


def measure(
    name: str,
    calls: list[Call],
    *,
    floor: list[Call] | None = None,
    plain: list[Call] | None = None,
    target: str = "",
    check: Callable[[Result], bool] | None = None,
    warmup: int = 1,
) -> Result:
    """Time ``calls`` (and the ``floor`` and ``plain`` SQLite variants) and judge.

    The variants run interleaved (ours, floor, plain, ours, ...), so a machine that gets
    busier half-way through slows all three alike and the ratios stay fair.
    """
    groups = [g for g in (calls, floor, plain) if g]
    for group in groups:
        for call in group[:warmup]:
            call()
    samples: list[list[float]] = [[] for _ in groups]
    for i in range(len(calls)):
        for group, out in zip(groups, samples, strict=True):
            start = time.perf_counter()
            group[i % len(group)]()
            out.append((time.perf_counter() - start) * 1000)
    ours = samples.pop(0)
    result = Result(
        name, median=statistics.median(ours), p95=p95(ours), runs=len(ours), target=target
    )
    if floor:
        mine = samples.pop(0)
        result.floor_median, result.floor_p95 = statistics.median(mine), p95(mine)
    if plain:
        result.plain_median = statistics.median(samples.pop(0))
    if check is not None:
        result.passed = check(result)
    return result


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gb() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
    except OSError:
        pass
    return "unknown"


def machine() -> dict[str, str]:
    """What the numbers were measured on (and how busy it was)."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else ""
    return {
        "cpu": _cpu_model(),
        "cores": str(os.cpu_count()),
        "ram": _ram_gb(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load average at start": load,
    }


def _cell(value: float | None, width: int, digits: int = 2) -> str:
    return f"{value:{width}.{digits}f}" if value is not None else " " * width


def print_table(results: list[Result]) -> None:
    """The results as a terminal table (times in ms unless the unit says otherwise)."""
    header = (
        f"{'measurement':<50} {'median':>9} {'p95':>9} {'floor':>8} {'floor95':>8} "
        f"{'ratio':>6} {'plain':>6}  target"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        if not r.available:
            print(f"{r.name:<50} {'not available':>9}  {r.target}".rstrip())
        else:
            verdict = {True: "ok", False: "MISSED", None: ""}[r.passed]
            print(
                f"{r.name:<50} {_cell(r.median, 9)} {_cell(r.p95, 9)} "
                f"{_cell(r.floor_median, 8)} {_cell(r.floor_p95, 8)} {_cell(r.ratio, 6)} "
                f"{_cell(r.plain_ratio, 6)}  {r.target} {verdict}".rstrip()
            )
        for key, value in r.extra.items():
            print(f"    {key}: {value}")


def _md(value: float | None, digits: int = 1) -> str:
    return f"{value:,.{digits}f}" if value is not None else ""


def markdown_table(results: list[Result]) -> str:
    """The results as a Markdown table (for the README)."""
    lines = [
        "| measurement | median | p95 | floor | ratio | SQLCipher / plain | target | met |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for r in results:
        if not r.available:
            lines.append(f"| {r.name} | not available | | | | | {r.target} | |")
            continue
        unit = "" if r.unit == "ms" else f" {r.unit}"
        met = {True: "yes", False: "**no**", None: ""}[r.passed]
        lines.append(
            f"| {r.name.strip()} | {_md(r.median)}{unit} | {_md(r.p95)}{unit} |"
            f" {_md(r.floor_median, 2)} | {_md(r.ratio, 2)} | {_md(r.plain_ratio, 2)} |"
            f" {r.target} | {met} |"
        )
    return "\n".join(lines)


def write_json(results: list[Result], path: Path, scale: dict[str, Any]) -> None:
    """The results as JSON, with the machine and scale they were measured at."""
    doc = {
        "machine": machine(),
        "scale": scale,
        "results": [{**asdict(r), "ratio": r.ratio, "plain_ratio": r.plain_ratio} for r in results],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, default=str), encoding="utf-8")
