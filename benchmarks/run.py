"""Run the benchmark suite: `python -m benchmarks.run --scale full` (see benchmarks/README.md)."""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text

from benchmarks.build import SCALES, practice_dir
from benchmarks.harness import Result, measure, print_table, write_json
from emr_desktop.persistence import audit_chain
from emr_desktop.persistence.database import Database
from emr_desktop.persistence.engine import connect_raw, sqlcipher_engine
from emr_desktop.services.auth import AuthService
from emr_desktop.services.backups import BackupService
from emr_desktop.services.demo import demo_passphrase, demo_password
from emr_desktop.services.patient_search import name_tokens
from emr_desktop.services.patients import PatientService
from emr_desktop.services.store import PracticePaths, open_practice

ROOT = Path(__file__).resolve().parent.parent


def _prefixes(db: Database, n: int, rng: random.Random) -> list[str]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT family_name, given_name FROM patient ORDER BY id LIMIT 5000")
        ).all()
        conn.rollback()
    queries = []
    for _ in range(n):
        family, given = rng.choice(rows)
        fam = name_tokens(family)[0]
        giv = name_tokens(given)[0]
        shape = rng.random()
        if shape < 0.5:
            queries.append(fam[: rng.randint(2, min(4, len(fam)))])
        elif shape < 0.8:
            queries.append(f"{fam[:3]} {giv[:2]}")
        else:
            queries.append(f"{giv[:3]} {fam[:2]}")
    return queries


def bench_start(root: Path) -> Result:
    """Process start (cold) to the login window shown."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "EMR_EXIT_AT_LOGIN": "1",
        "EMR_DB_PASSPHRASE": demo_passphrase(),
    }
    durations = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "emr_desktop", "--demo"],
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        durations.append((time.perf_counter() - start) * 1000)
    durations.sort()
    median = durations[len(durations) // 2]
    return Result(
        "app start to login window (cold process)",
        median=median,
        p95=durations[-1],
        runs=len(durations),
        target="< 1500 ms",
        passed=median < 1500,
    )


def bench_unlock(root: Path) -> Result:
    """Unlock with the passphrase (no keyring here) and open the database."""

    def call() -> None:
        open_practice(root, demo_passphrase, migrate=False).dispose()

    return measure(
        "unlock database (passphrase)",
        [call] * 5,
        target="< 300 ms",
        check=lambda r: r.median < 300,
    )


def bench_search(db: Database, actor: object, queries: list[str], label: str) -> Result:
    """Search-as-you-type over random prefixes, against the token-range SQL floor."""
    service = PatientService(db)
    calls: list[Callable[[], object]] = [
        (lambda q=q: service.search(actor, q, limit=50))
        for q in queries  # type: ignore[misc]
    ]
    conn = db.engine.raw_connection()
    floor_sql = (
        "SELECT p.id, p.mrn, p.family_name, p.given_name, p.birth_date FROM patient p "
        "WHERE p.id IN (SELECT patient_id FROM patient_name_token WHERE token >= ? AND token < ?)"
        " ORDER BY p.family_name, p.given_name LIMIT 50"
    )

    def floor_call(q: str) -> object:
        word = name_tokens(q.split()[0])[0]
        return conn.execute(floor_sql, (word, word[:-1] + chr(ord(word[-1]) + 1))).fetchall()

    floor = [(lambda q=q: floor_call(q)) for q in queries]
    r = measure(
        label,
        calls,
        floor=floor,
        target="p95 < 20 ms, <= 3x floor",
        check=lambda r: r.p95 < 20 and (r.ratio or 0) <= 3,
    )
    conn.close()
    return r


def bench_verify(db: Database) -> Result:
    """Walk the whole audit chain."""

    def call() -> None:
        with db.engine.connect() as conn:
            assert audit_chain.verify(conn).ok
            conn.rollback()

    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
        conn.rollback()
    r = measure(
        "audit verify",
        [call] * 2,
        target="< 10 s at 1,000,000 rows",
        check=lambda r: r.median < 10_000 * max(1, rows) / 1_000_000,
    )
    r.extra["rows"] = rows
    return r


def bench_backup(db: Database, root: Path, actor: object) -> Result:
    """Back up the whole database; reports MB/s."""
    size = (root / "practice.db").stat().st_size
    with tempfile.TemporaryDirectory() as tmp:
        counter = iter(range(100))

        def call() -> None:
            BackupService(db, PracticePaths(root)).backup(
                actor,
                Path(tmp) / f"b{next(counter)}.emrbackup",  # type: ignore[arg-type]
            )

        r = measure("backup of the whole database", [call] * 2, target="reported")
    r.extra["database MB"] = round(size / 1e6, 1)
    r.extra["MB/s"] = round(size / 1e6 / (r.median / 1000), 1)
    return r


def plain_copy(root: Path, key: bytes, dest: Path) -> Database:
    """An unencrypted copy of the practice database (to measure SQLCipher's cost)."""
    conn = connect_raw(root / "practice.db", key)
    conn.execute(f"ATTACH DATABASE '{dest.as_posix()}' AS plain KEY ''")
    conn.execute("SELECT sqlcipher_export('plain')")
    conn.execute("DETACH DATABASE plain")
    conn.close()
    return Database(sqlcipher_engine(dest, None), dest, None)


def main(argv: list[str] | None = None) -> int:
    """Build or reuse the practice, measure, print the table and write JSON."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run")
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (smoke test)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    scale = SCALES[args.scale]
    root = practice_dir(scale)
    os.environ.setdefault("EMR_DB_PASSPHRASE", demo_passphrase())
    rng = random.Random(7)
    db = open_practice(root, demo_passphrase)
    actor = AuthService(db).login("lnowak", demo_password())
    admin = AuthService(db).login("admin", demo_password())
    n = 20 if args.quick else 100
    queries = _prefixes(db, n, rng)
    results = [
        bench_unlock(root),
        bench_search(db, actor, queries, f"patient search, {n} random prefixes (SQLCipher)"),
        bench_verify(db),
        bench_backup(db, root, admin),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        assert db.key is not None
        plain = plain_copy(root, db.key, Path(tmp) / "plain.db")
        plain_result = bench_search(plain, actor, queries, "patient search (plain SQLite)")
        plain.dispose()
    ratio = results[1].median / plain_result.median
    plain_result.extra["SQLCipher / plain SQLite"] = round(ratio, 2)
    plain_result.target = "SQLCipher <= 1.3x plain"
    plain_result.passed = ratio <= 1.3
    results.append(plain_result)
    if not args.quick:
        results.insert(0, bench_start(root))
    db.dispose()
    print_table(results)
    out = args.out or Path(__file__).resolve().parent / "results" / f"{scale.name}.json"
    write_json(
        results,
        out,
        {"name": scale.name, "patients": scale.patients, "audit_rows": scale.audit_rows},
    )
    print(f"\nwritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
