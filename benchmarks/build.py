"""Build (once) and cache the benchmark practice at a given scale.

The demo generator makes the patients, visits, notes, vitals and appointments. A practice
of 100,000 patients needs more physicians than the demo's six (their slot books would be
full two years back), so the benchmark practice adds physicians before generating. Two
things the generator does not make in clinic volume are topped up here: repeat vital-sign
sets (a second blood pressure a few minutes after the first, as nurses take when the
first is high) and years of audit traffic (chart opens, logins, locks).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import text

from emr_desktop import __version__
from emr_desktop.demo.build import (
    DEMO_FLAG,
    DEMO_PRACTICE_NAME,
    DEMO_USERS,
    demo_passphrase,
    demo_password,
)
from emr_desktop.demo.populate import populate
from emr_desktop.domain.security import Role
from emr_desktop.models.setting import Setting
from emr_desktop.persistence import audit_chain
from emr_desktop.persistence.database import Database
from emr_desktop.services.practice.store import create_practice
from emr_desktop.services.practice.users import create_user

CACHE = Path(os.environ.get("EMR_BENCH_CACHE") or Path(__file__).resolve().parent / ".cache")
SEED = 2026
_EXTRA_DOCTORS = (
    "Amara Nwosu, MD",
    "Ingrid Solberg, MD",
    "Rafael Ortega, DO",
    "Mei Chen, MD",
    "Tomasz Wójcik, MD",
    "Fatima Haddad, MD",
    "Lars Eriksen, MD",
    "Aiyana Redcloud, DO",
    "Giulia Romano, MD",
    "Kofi Asante, MD",
    "Noor Rahman, MD",
    "Sven Lindahl, MD",
    "Camila Duarte, MD",
    "Yusuf Demir, MD",
    "Hana Novak, MD",
    "Declan Byrne, DO",
    "Ananya Iyer, MD",
    "Oskar Berg, MD",
)


@dataclass(frozen=True)
class Scale:
    """How big a practice to measure (row counts are targets the build tops up to)."""

    name: str
    patients: int
    physicians: int
    vital_sets: int
    audit_rows: int


SCALES = {
    "tiny": Scale("tiny", 150, 6, 0, 5_000),
    "small": Scale("small", 10_000, 8, 200_000, 100_000),
    "full": Scale("full", 100_000, 24, 2_000_000, 1_000_000),
}


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _create(folder: Path, scale: Scale) -> Database:
    """The demo practice's staff plus extra physicians, then the generated patients."""
    first, *others = DEMO_USERS
    db, _ = create_practice(
        folder,
        practice_name=DEMO_PRACTICE_NAME,
        admin_username=first.username,
        admin_full_name=first.full_name,
        admin_password=demo_password(),
        passphrase=demo_passphrase(),
        remember_key=False,
    )
    demo_doctors = sum(1 for u in DEMO_USERS if u.role is Role.PHYSICIAN)
    extra = _EXTRA_DOCTORS[: max(0, scale.physicians - demo_doctors)]
    with db.unit_of_work() as s:
        for user in others:
            create_user(
                s,
                None,
                username=user.username,
                full_name=user.full_name,
                role=user.role,
                password=demo_password(),
            )
        for i, full in enumerate(extra):
            create_user(
                s,
                None,
                username=f"doc{i + 1:02d}",
                full_name=full,
                role=Role.PHYSICIAN,
                password=demo_password(),
            )
        s.add(Setting(key=DEMO_FLAG, value="1"))

    def progress(done: int, total: int) -> None:
        if done % 10_000 == 0 or done == total:
            _log(f"  patients {done:,}/{total:,}")

    populate(db, patients=scale.patients, seed=SEED, progress=progress)
    return db


def _pad_vitals(db: Database, target: int) -> None:
    """Add repeat vital-sign sets (BP and pulse again 5 minutes later) up to ``target``."""
    with db.unit_of_work() as s:
        have = s.execute(text("SELECT count(*), max(id) FROM vital_signs")).one()
        missing = target - have[0]
        if missing <= 0 or not have[1]:
            return
        # Spread the repeats over all charts: every k-th set (by a scrambled id) gets one.
        s.execute(
            text(
                "INSERT INTO vital_signs (patient_id, encounter_id, measured_at, systolic,"
                " diastolic, pulse, respiration, temperature_c, spo2, weight_kg, height_cm,"
                " bmi, pain, recorded_by_id, recorded_at)"
                " SELECT patient_id, encounter_id,"
                " substr(datetime(measured_at, '+5 minutes'), 1, 19) || '.000000',"
                " systolic - (id % 9), diastolic - (id % 5), pulse - (id % 7), NULL, NULL,"
                " NULL, NULL, NULL, NULL, NULL, recorded_by_id,"
                " substr(datetime(recorded_at, '+5 minutes'), 1, 19) || '.000000'"
                " FROM vital_signs WHERE systolic IS NOT NULL AND (id * 7919) % :total < :missing"
                " ORDER BY id"
            ),
            {"total": have[1], "missing": missing},
        )


def _pad_audit(db: Database, target: int, patients: int) -> None:
    """Top the audit log up to ``target`` rows of realistic chart-open traffic."""
    from emr_desktop.models import AuditHead

    with db.unit_of_work() as s:
        head = s.get(AuditHead, 1)
        missing = target - (head.last_id if head else 0)
        if missing <= 0:
            return
        rng = random.Random(SEED)
        start = dt.datetime.now(dt.UTC) - dt.timedelta(days=3650)
        step = dt.timedelta(days=3650) / missing
        actions = ("chart_open", "chart_open", "chart_open", "login", "vitals_record", "lock")
        audit_chain.append_many(
            s,
            (
                (
                    start + step * i,
                    audit_chain.AuditEntry(
                        user_id=None,
                        username=f"user{rng.randrange(12)}",
                        workstation=f"exam-{rng.randrange(8)}",
                        action=rng.choice(actions),
                        entity="patient",
                        entity_id=str(pid := rng.randrange(1, patients + 1)),
                        patient_id=pid,
                    ),
                )
                for i in range(missing)
            ),
        )


def counts(db: Database) -> dict[str, int]:
    """Row counts of the tables the issue sizes the practice by."""
    tables = ("patient", "encounter", "vital_signs", "appointment", "audit_log", "app_user")
    with db.engine.connect() as conn:
        out = {t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in tables}
        out["largest chart visits"] = int(
            conn.execute(
                text("SELECT count(*) n FROM encounter GROUP BY patient_id ORDER BY n DESC LIMIT 1")
            ).scalar_one()
        )
        out["charts with 700+ visits"] = int(
            conn.execute(
                text(
                    "SELECT count(*) FROM (SELECT patient_id FROM encounter GROUP BY patient_id"
                    " HAVING count(*) >= 700)"
                )
            ).scalar_one()
        )
        conn.rollback()
    return out


def practice_dir(scale: Scale) -> Path:
    """Build the practice for ``scale`` unless a matching one is cached; return its folder."""
    root = CACHE / scale.name
    marker = root / "built.json"
    want = {**asdict(scale), "seed": SEED, "app": __version__}
    if marker.exists() and json.loads(marker.read_text()).get("want") == want:
        return root / "practice"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    started = time.perf_counter()
    _log(f"building the {scale.name} practice ({scale.patients:,} patients)...")
    db = _create(root / "practice", scale)
    generated = time.perf_counter() - started
    _log(f"  generated in {generated:.0f} s; topping up vitals and audit rows")
    _pad_vitals(db, scale.vital_sets)
    _pad_audit(db, scale.audit_rows, scale.patients)
    db.checkpoint()
    built = {"want": want, "seconds": round(time.perf_counter() - started), "counts": counts(db)}
    db.dispose()
    marker.write_text(json.dumps(built, indent=2))
    _log(f"built in {built['seconds']} s: {built['counts']}")
    return root / "practice"


def built_info(scale: Scale) -> dict[str, object]:
    """What the cached build recorded (row counts, build time)."""
    marker = CACHE / scale.name / "built.json"
    return json.loads(marker.read_text()) if marker.exists() else {}


if __name__ == "__main__":
    practice_dir(SCALES[sys.argv[1] if len(sys.argv) > 1 else "full"])
