"""Run the benchmark suite: `python -m benchmarks.run --scale full` (see benchmarks/README.md)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
from collections.abc import Callable
from pathlib import Path

from benchmarks import bench_actions as actions
from benchmarks import floors
from benchmarks.bench_app import bench_backup, bench_start, bench_unlock, bench_verify, plain_copy
from benchmarks.bench_chart import bench_summary, bench_window, largest_chart
from benchmarks.bench_screens import bench_first_icd10_search, bench_fresh_profile_start
from benchmarks.build import CACHE, SCALES, Scale, built_info, practice_dir
from benchmarks.harness import (
    Result,
    markdown_table,
    measure,
    print_table,
    unavailable,
    write_json,
)
from emr_desktop.demo.build import demo_passphrase, demo_password
from emr_desktop.domain.security import Actor
from emr_desktop.persistence.database import Database
from emr_desktop.services.patients.registry import PatientService
from emr_desktop.services.patients.search import name_tokens
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.services.practice.store import open_practice


def _prefixes(db: Database, n: int, rng: random.Random) -> list[str]:
    """What a receptionist types: 2-4 letters of a family name, or family and given."""
    raw = db.engine.raw_connection()
    rows = raw.execute("SELECT family_name, given_name FROM patient ORDER BY id LIMIT 5000")
    names = rows.fetchall()
    raw.close()
    queries = []
    for _ in range(n):
        family, given = rng.choice(names)
        fam, giv = name_tokens(family)[0], name_tokens(given)[0]
        shape = rng.random()
        if shape < 0.5:
            queries.append(fam[: rng.randint(2, min(4, len(fam)))])
        elif shape < 0.8:
            queries.append(f"{fam[:3]} {giv[:2]}")
        else:
            queries.append(f"{giv[:3]} {fam[:2]}")
    return queries


def bench_search(
    db: Database, plain: Database, actor: Actor, queries: list[str], plain_actor: Actor
) -> Result:
    """Search-as-you-type over random prefixes vs the same rows by hand-written SQL."""
    service, plain_service = PatientService(db), PatientService(plain)

    def calls(svc: PatientService, who: Actor) -> list[Callable[[], object]]:
        return [(lambda q=q: svc.search(who, q, limit=50)) for q in queries]  # type: ignore[misc]

    raw = db.engine.raw_connection()
    r = measure(
        f"patient search, {len(queries)} random prefixes",
        calls(service, actor),
        floor=[(lambda q=q: floors.search(raw, q)) for q in queries],  # type: ignore[misc]
        plain=calls(plain_service, plain_actor),
        target="p95 < 20 ms, <= 3x floor",
        check=lambda r: r.p95 < 20 and (r.ratio or 0) <= 3,
    )
    raw.close()
    return r


def _guarded(name: str, step: Callable[[], Result | list[Result]]) -> list[Result]:
    """Run one measurement; a failure becomes a "not available" row naming the error."""
    try:
        out = step()
    except Exception as err:  # the suite must report the other measurements regardless
        detail = getattr(err, "stderr", b"") or b""
        tail = detail.decode(errors="replace").strip().splitlines()[-1:] if detail else []
        why = f"failed: {type(err).__name__}: {err}" + (f" ({tail[0]})" if tail else "")
        print(f"{name}: {why}", file=sys.stderr)
        return [unavailable(name, why)]
    return out if isinstance(out, list) else [out]


def sqlcipher_overhead(results: list[Result]) -> Result:
    """SQLCipher over plain SQLite, summed over the read workloads run on both."""
    both = [r for r in results if r.plain_median]
    if not both:
        return unavailable("SQLCipher vs plain SQLite (same read workloads)", "no workload ran")
    ratio = sum(r.median for r in both) / sum(r.plain_median or 0 for r in both)
    r = Result(
        "SQLCipher vs plain SQLite (same read workloads)",
        unit="x",
        median=ratio,
        p95=max(r.plain_ratio or 0 for r in both),
        runs=len(both),
        target="<= 1.3x",
        passed=ratio <= 1.3,
    )
    r.extra["workloads"] = "; ".join(f"{x.name}: {x.plain_ratio:.2f}x" for x in both)
    r.extra["columns"] = "median = ratio of summed medians, p95 = worst single workload"
    return r


def main(argv: list[str] | None = None) -> int:
    """Build or reuse the practice, measure, print the table and write JSON."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run")
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--quick", action="store_true", help="each measurement once (smoke)")
    parser.add_argument("--out", type=Path, help="JSON file (default benchmarks/results/)")
    parser.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    parser.add_argument(
        "--engine",
        choices=("sqlcipher", "pg"),
        default="sqlcipher",
        help="pg: the same practice on a local PostgreSQL server, beside SQLCipher",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("EMR_NO_KEYRING", "1")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("EMR_DB_PASSPHRASE", demo_passphrase())
    scale = SCALES[args.scale]
    root = practice_dir(scale)
    quick = args.quick
    n = 1 if quick else 20  # repetitions of one action
    db = open_practice(root, demo_passphrase)
    assert db.key is not None
    plain = plain_copy(root, db.key, CACHE / scale.name / "plain.db")
    auth = AuthService(db)
    desk = auth.login("lnowak", demo_password())
    doctor = auth.login("drokafor", demo_password())
    admin = auth.login("admin", demo_password())
    # The plain copy is a database of its own: its users log in there (their sessions).
    plain_desk = AuthService(plain).login("lnowak", demo_password())
    plain_doctor = AuthService(plain).login("drokafor", demo_password())
    pid, visits = largest_chart(db)
    writer = actions.write_patient(db, pid)
    today = dt.date.today()
    providers = actions.busy_providers(db, desk, today)
    shots = CACHE / scale.name / "shots"  # what the painted measurements showed (demo data)
    shots.mkdir(exist_ok=True)
    for old in shots.glob("*.png"):
        old.unlink()
    queries = _prefixes(db, 3 if quick else 100, random.Random(7))
    if args.engine == "pg":
        from benchmarks.pg import run_pg

        results = run_pg(
            db,
            root,
            CACHE,
            scale.name,
            quick=quick,
            queries=queries,
            patient=pid,
            actors={"desk": desk, "doctor": doctor},
        )
        return _report(results, args, scale, plain, db, suffix="-pg")

    def summary() -> Result:
        r = bench_summary(db, plain, doctor, pid, 2 if quick else 50, plain_doctor)
        r.extra["largest chart"] = f"patient id {pid}, {visits} visits"
        return r

    # Each measurement is guarded: one that fails (a screen half-written by someone else,
    # a crash in a child process) is reported with its error and the suite goes on.
    steps: list[tuple[str, Callable[[], Result | list[Result]]]] = [
        ("app start to login window", lambda: bench_start(root, 1 if quick else 5)),
        ("unlock database", lambda: bench_unlock(root, 2 if quick else 10)),
        ("first start, fresh profile", lambda: bench_fresh_profile_start(root, 1 if quick else 5)),
        ("first ICD-10 search", lambda: bench_first_icd10_search(1 if quick else 3)),
        ("patient search", lambda: bench_search(db, plain, desk, queries, plain_desk)),
        ("open the largest chart (summary DTO)", summary),
        (
            "open the largest chart in the window, painted",
            lambda: bench_window(db, doctor, pid, 1 if quick else 10, shots / "chart.png"),
        ),
        (
            "schedule day view (service)",
            lambda: actions.bench_day(
                db, plain, desk, today, providers, 2 if quick else 50, plain_desk
            ),
        ),
        (
            "schedule day view, painted",
            lambda: actions.bench_day_painted(
                db, desk, today, providers, 1 if quick else 20, shots / "day.png"
            ),
        ),
        ("book one appointment", lambda: actions.bench_book(db, desk, writer, providers[0], n)),
        ("sign a note", lambda: actions.bench_sign_note(db, doctor, writer, n)),
        ("sign a prescription", lambda: actions.bench_sign_rx(db, doctor, writer, n)),
        ("referral packet PDF", lambda: actions.bench_pdf(db, doctor, pid, 1 if quick else 5)),
        ("FHIR export", lambda: actions.bench_fhir(db, doctor, pid, 1 if quick else 5)),
        ("audit verify", lambda: bench_verify(db, 1 if quick else 3)),
        ("backup of the whole database", lambda: bench_backup(db, root, admin, 1 if quick else 2)),
    ]
    results = [r for name, step in steps for r in _guarded(name, step)]
    results.append(sqlcipher_overhead(results))
    return _report(results, args, scale, plain, db)


def _report(
    results: list[Result],
    args: argparse.Namespace,
    scale: Scale,
    plain: Database,
    db: Database,
    suffix: str = "",
) -> int:
    """Close the practices, print the table and write the JSON."""
    plain.dispose()
    db.dispose()
    print_table(results)
    if args.markdown:
        print("\n" + markdown_table(results))
    results_dir = Path(__file__).resolve().parent / "results"
    out = args.out or results_dir / f"{scale.name}{suffix}.json"
    info = built_info(scale)
    write_json(results, out, {"name": scale.name, **info})
    if args.out is None and scale.name == "full" and not suffix:
        write_json(results, results_dir / "latest.json", {"name": scale.name, **info})
    missed = [r.name for r in results if r.passed is False]
    print(f"\n{len(missed)} target(s) missed: {', '.join(missed) or 'none'}")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
