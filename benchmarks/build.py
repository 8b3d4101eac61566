"""Build (once) and cache the benchmark practice at a given scale."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from emr_desktop import __version__
from emr_desktop.persistence import audit_chain
from emr_desktop.services.demo import create_demo_practice

CACHE = Path(os.environ.get("EMR_BENCH_CACHE") or Path(__file__).resolve().parent / ".cache")
SEED = 2026


@dataclass(frozen=True)
class Scale:
    """How big a practice to measure."""

    name: str
    patients: int
    audit_rows: int


SCALES = {
    "tiny": Scale("tiny", 150, 5_000),
    "small": Scale("small", 10_000, 100_000),
    "full": Scale("full", 100_000, 1_000_000),
}


def _pad_audit(db: object, target: int) -> None:
    """Top the audit log up to ``target`` rows of realistic chart-open traffic."""
    from emr_desktop.models import AuditHead

    with db.unit_of_work() as s:  # type: ignore[attr-defined]
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
            [
                (
                    start + step * i,
                    audit_chain.AuditEntry(
                        user_id=None,
                        username=f"user{rng.randrange(12)}",
                        workstation=f"exam-{rng.randrange(8)}",
                        action=rng.choice(actions),
                        entity="patient",
                        entity_id=str(pid := rng.randrange(1, 1000)),
                        patient_id=pid,
                    ),
                )
                for i in range(missing)
            ],
        )


def practice_dir(scale: Scale) -> Path:
    """Build the practice for ``scale`` unless a matching one is cached; return its folder."""
    root = CACHE / scale.name
    marker = root / "built.json"
    want = {
        "scale": scale.name,
        "patients": scale.patients,
        "audit_rows": scale.audit_rows,
        "seed": SEED,
        "app": __version__,
    }
    if marker.exists() and json.loads(marker.read_text()) == want:
        return root / "practice"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    started = time.perf_counter()
    print(f"building the {scale.name} practice ({scale.patients:,} patients)...", file=sys.stderr)
    db = create_demo_practice(root / "practice", patients=scale.patients, seed=SEED)
    _pad_audit(db, scale.audit_rows)
    db.checkpoint()
    db.dispose()
    marker.write_text(json.dumps(want))
    print(f"built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return root / "practice"
