"""The same practice on a local PostgreSQL server, measured beside SQLCipher:
`python -m benchmarks.run --engine pg [--scale S]`.

The server is EMR_BENCH_PG_URL (a role that may create databases and roles), or a cluster
of our own kept in benchmarks/.cache/pg and started for the run. The cached SQLCipher
practice of the scale is copied into a server database once (COPY, table by table) and
kept; a workstation joins it as the workstations' role. Each action then runs on both
engines interleaved: the SQLCipher timings are the "floor" column, and the target is each
p95 within 2x of SQLCipher's over loopback. Last, three workstations (receptionist,
physician, nurse: three processes) work for 30 s; the target is at least 30 operations a
second in all, with no error.
"""

from __future__ import annotations

import atexit
import datetime as dt
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import URL, make_url

from benchmarks.harness import Result, measure
from emr_desktop.demo.build import demo_passphrase, demo_password
from emr_desktop.domain.security import Actor
from emr_desktop.models import Base
from emr_desktop.models.audit import PracticeKey
from emr_desktop.persistence import server_setup
from emr_desktop.persistence.database import Database
from emr_desktop.persistence.migrate import upgrade
from emr_desktop.persistence.server import ServerProfile, address, server_engine
from emr_desktop.services.chart.summary import ChartService
from emr_desktop.services.patients.registry import PatientService
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.services.practice.server_practice import open_server_practice

APP_ROLE = "emr_app_bench"
ROOT = Path(__file__).resolve().parent
_COPIED = "bench_copied"  # a setting row: the copy finished


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def server(cache: Path) -> URL:
    """The admin address of the server to measure on (started here when not given)."""
    given = os.environ.get("EMR_BENCH_PG_URL")
    if given:
        return make_url(given)
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not bins:
        raise SystemExit("No PostgreSQL here: set EMR_BENCH_PG_URL or install postgresql.")
    folder, port = cache / "pg", 55490
    password_file = folder / "pw"
    run_as = ["su", "postgres", "-s", "/bin/sh", "-c"] if os.geteuid() == 0 else ["sh", "-c"]
    if not (folder / "data" / "PG_VERSION").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        password_file.write_text(secrets.token_urlsafe(16))
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres")
            shutil.chown(password_file, "postgres")
        subprocess.run(
            [
                *run_as,
                f"{bins[-1]}/initdb -D {folder}/data -U emr_bench --pwfile={password_file}"
                " -A scram-sha-256",
            ],
            check=True,
            capture_output=True,
        )
    subprocess.run(
        [
            *run_as,
            f"{bins[-1]}/pg_ctl -D {folder}/data -l {folder}/log -w -o '-p {port} -k "
            f"{folder} -c listen_addresses=127.0.0.1 -c max_connections=100' start",
        ],
        check=True,
        capture_output=True,
    )
    atexit.register(
        lambda: subprocess.run(
            [*run_as, f"{bins[-1]}/pg_ctl -D {folder}/data -m fast stop"], capture_output=True
        )
    )
    password = password_file.read_text().strip()
    return make_url(f"postgresql+psycopg://emr_bench:{password}@127.0.0.1:{port}/postgres")


def _exec(admin: URL, sql: str) -> None:
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def copy_practice(source: Database, key_file: str, admin: URL, name: str) -> None:
    """The SQLCipher practice, row for row, in server database ``name`` (made once)."""
    owner = admin.set(database=name)
    try:
        engine = create_engine(owner)
        with engine.connect() as conn:
            done = conn.execute(text(f"SELECT 1 FROM setting WHERE key = '{_COPIED}'")).first()
        engine.dispose()
        if done:
            return
        _exec(admin, f'DROP DATABASE "{name}" WITH (FORCE)')  # a half-made copy
    except Exception:  # no such database yet
        pass
    _exec(admin, f'CREATE DATABASE "{name}"')
    started = time.perf_counter()
    _log(f"copying the practice into PostgreSQL database {name}...")
    target = server_engine(owner, admin.password or "")
    upgrade(Database(target), None)
    with source.engine.connect() as src, target.begin() as dst:
        cursor = dst.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        dst.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")
        for table in Base.metadata.sorted_tables:
            if dst.exec_driver_sql(f'SELECT EXISTS (SELECT 1 FROM "{table.name}")').scalar():
                dst.exec_driver_sql(f'DELETE FROM "{table.name}"')  # rows a migration seeded
            cols = [c.name for c in table.columns]
            quoted = ", ".join(f'"{c}"' for c in cols)
            rows = 0
            with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
                for row in src.execute(select(table)).yield_per(5000):
                    copy.write_row([_naive(v) for v in row])
                    rows += 1
            _log(f"  {table.name}: {rows:,}")
        dst.exec_driver_sql("ALTER TABLE audit_log ENABLE TRIGGER USER")
        server_setup.sync_id_counters(dst)
        dst.execute(insert(PracticeKey).values(id=1, key_file=key_file))
        server_setup.grant_workstations(dst, APP_ROLE, demo_password())
        dst.exec_driver_sql(f"INSERT INTO setting (key, value) VALUES ('{_COPIED}', '1')")
        dst.exec_driver_sql("ANALYZE")
    target.dispose()
    _log(f"  copied in {time.perf_counter() - started:.0f} s")


def _naive(value: object) -> object:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def workstation(admin: URL, name: str, folder: Path, practice_id: str) -> Database:
    """A workstation of the server copy (a profile in ``folder``, the workstations' role)."""
    url = address(admin.set(database=name, username=APP_ROLE))
    ServerProfile(url, practice_id).write(folder)
    return open_server_practice(folder, demo_password, demo_passphrase)


def compare(
    name: str,
    pg_call: Callable[[], object],
    lite_call: Callable[[], object],
    runs: int,
) -> Result:
    """One action on both engines, interleaved; target: PG's p95 within 2x of SQLCipher's."""
    r = measure(
        f"PostgreSQL: {name}",
        [pg_call] * runs,
        floor=[lite_call] * runs,
        target="p95 <= 2x SQLCipher's",
        check=lambda r: r.p95 <= 2 * (r.floor_p95 or 0),
    )
    r.extra["floor"] = "the same call on the SQLCipher practice"
    r.extra["SQLCipher p95 ms"] = round(r.floor_p95 or 0, 2)
    return r


def three_workstations(folder: Path, doctor_id: int, seconds: int) -> Result:
    """A receptionist, a physician and a nurse as three processes for ``seconds``."""
    profile = ServerProfile.read(folder)
    procs = []
    users = {"receptionist": "lnowak", "physician": "drokafor", "nurse": "nraman"}
    for role, user in users.items():
        ws = folder.parent / f"ws-{role}"
        shutil.rmtree(ws, ignore_errors=True)
        profile.write(ws)
        env = {
            **os.environ,
            "WS_DIR": str(ws),
            "WS_USER": user,
            "DOCTOR_ID": str(doctor_id),
            "EMR_PASSWORD": demo_password(),
            "EMR_SERVER_PASSWORD": demo_password(),
            "EMR_DB_PASSPHRASE": demo_passphrase(),
            "EMR_NO_KEYRING": "1",
            "WORK_SECONDS": str(seconds),
        }
        procs.append(
            subprocess.Popen(
                [sys.executable, str(ROOT / "workstation.py"), role],
                env=env,
                cwd=ROOT.parent,
                stdout=subprocess.PIPE,
                text=True,
            )
        )
    done = [json.loads(p.communicate(timeout=seconds + 120)[0].splitlines()[-1]) for p in procs]
    ops = sum(d["ops"] for d in done)
    errors = {k: v for d in done for k, v in d["errors"].items()}
    rate = ops / seconds
    r = Result(
        "PostgreSQL: three workstations at once (operations per second, all roles)",
        unit="ops/s",
        median=round(rate, 1),
        p95=round(rate, 1),
        runs=ops,
        target=">= 30 ops/s, 0 errors",
        passed=rate >= 30 and not errors,
    )
    r.extra |= {d["role"]: d["ops"] for d in done}
    r.extra["errors"] = errors or "none"
    return r


def run_pg(
    lite: Database,
    root: Path,
    cache: Path,
    scale_name: str,
    *,
    quick: bool,
    queries: list[str],
    patient: int,
    actors: dict[str, Actor],
) -> list[Result]:
    """Every PostgreSQL measurement for the practice in ``root`` (open as ``lite``)."""
    admin = server(cache)
    name = f"emr_bench_{scale_name}"
    key_file = (root / "practice.key").read_text(encoding="utf-8")
    copy_practice(lite, key_file, admin, name)
    folder = cache / scale_name / "pg-workstation"
    shutil.rmtree(folder, ignore_errors=True)
    assert lite.practice_id is not None
    pg = workstation(admin, name, folder, lite.practice_id)
    auth = AuthService(pg)
    desk = auth.login("lnowak", demo_password())
    doctor = auth.login("drokafor", demo_password())
    runs = 2 if quick else 30
    search_pg, search_lite = PatientService(pg), PatientService(lite)
    chart_pg, chart_lite = ChartService(pg), ChartService(lite)
    qi = iter(range(10**9))

    def query() -> str:
        return queries[next(qi) % len(queries)]

    results = [
        compare(
            "patient search",
            lambda: search_pg.search(desk, query(), limit=50),
            lambda: search_lite.search(actors["desk"], query(), limit=50),
            runs,
        ),
        compare(
            "chart summary (largest chart)",
            lambda: chart_pg.summary(doctor, patient),
            lambda: chart_lite.summary(actors["doctor"], patient),
            runs,
        ),
        compare(
            "chart open (with its audit row)",
            lambda: chart_pg.open(doctor, patient),
            lambda: chart_lite.open(actors["doctor"], patient),
            runs,
        ),
    ]
    from benchmarks import bench_actions as actions

    for label, action in (("book one appointment", actions.bench_book),):
        providers = actions.busy_providers(pg, desk, dt.date.today())
        writer = actions.write_patient(pg, patient)
        pg_r = action(pg, desk, writer, providers[0], runs)
        lite_r = action(lite, actors["desk"], writer, providers[0], runs)
        results.append(_pair(label, pg_r, lite_r))
    writer = actions.write_patient(pg, patient)
    results.append(
        _pair(
            "sign a note",
            actions.bench_sign_note(pg, doctor, writer, runs),
            actions.bench_sign_note(lite, actors["doctor"], writer, runs),
        )
    )
    results.append(three_workstations(folder, doctor.user_id, 5 if quick else 30))
    pg.dispose()
    return results


def _pair(name: str, pg_r: Result, lite_r: Result) -> Result:
    """A PostgreSQL result with the same measurement on SQLCipher as its floor."""
    r = Result(
        f"PostgreSQL: {name}",
        median=pg_r.median,
        p95=pg_r.p95,
        runs=pg_r.runs,
        floor_median=lite_r.median,
        floor_p95=lite_r.p95,
        target="p95 <= 2x SQLCipher's",
        passed=pg_r.p95 <= 2 * lite_r.p95,
    )
    r.extra["floor"] = "the same action on the SQLCipher practice"
    return r
