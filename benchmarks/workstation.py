"""One workstation of the three-process server load (run as ``python workstation.py ROLE``;
used by tests/test_server_concurrency.py and the PostgreSQL benchmark).

Reads its role and the practice from the environment, works as that role for
WORK_SECONDS, and prints one JSON line: operations done and errors met (by class name).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path

from emr_desktop.domain.clinical import Sex
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.schedule import BookingRequest
from emr_desktop.domain.sections import VitalsInput
from emr_desktop.domain.security import Actor
from emr_desktop.persistence.database import Database
from emr_desktop.services.chart.notes import NoteService
from emr_desktop.services.chart.observations import ObservationService
from emr_desktop.services.chart.summary import ChartService
from emr_desktop.services.patients.registry import PatientService
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.services.practice.server_practice import open_server_practice
from emr_desktop.services.schedule.service import ScheduleService


def _receptionist(db: Database, me: Actor, rng: random.Random, ids: list[int]) -> None:
    patients = PatientService(db)
    if rng.random() < 0.3 or not ids:
        n = rng.randrange(10**9)
        p = patients.register(
            me,
            PatientInput(
                f"Given{n}", f"Family{n}", dt.date(1950 + n % 50, 1 + n % 12, 1), Sex.MALE
            ),
            confirm_not_duplicate=True,
        )
        ids.append(p.id)
        return
    doctor = int(os.environ["DOCTOR_ID"])
    day = dt.date.today() + dt.timedelta(days=rng.randrange(1, 200))
    when = dt.datetime.combine(day, dt.time(8, 0)) + dt.timedelta(minutes=5 * rng.randrange(100))
    ScheduleService(db).book(
        me,
        BookingRequest(rng.choice(ids), doctor, when, 15, "Follow-up"),
        override_reason="load test",
    )


def _physician(db: Database, me: Actor, rng: random.Random, ids: list[int]) -> None:
    found = PatientService(db).search(me, "fam", limit=50)
    if not found:
        return
    pid = rng.choice(found).id
    ChartService(db).open(me, pid)
    if rng.random() < 0.3:
        notes = NoteService(db)
        note = notes.create(me, pid, reason="load test")
        saved = notes.save_draft(
            me,
            note.id,
            subjective="s",
            objective="o",
            assessment="a",
            plan="p",
            reason="load test",
            expected_version=note.version,
        )
        notes.sign(me, note.id, expected_version=saved.version)


def _nurse(db: Database, me: Actor, rng: random.Random, ids: list[int]) -> None:
    found = PatientService(db).search(me, "fam", limit=50)
    if found:
        ObservationService(db).record_vitals(
            me, rng.choice(found).id, VitalsInput(systolic=120 + rng.randrange(20), pulse=70)
        )


WORK = {"receptionist": _receptionist, "physician": _physician, "nurse": _nurse}


def main() -> int:
    role = sys.argv[1]
    seconds = float(os.environ.get("WORK_SECONDS", "30"))
    db = open_server_practice(
        Path(os.environ["WS_DIR"]),
        lambda: os.environ["EMR_SERVER_PASSWORD"],
        lambda: os.environ["EMR_DB_PASSPHRASE"],
    )
    me = AuthService(db, f"ws-{role}").login(os.environ["WS_USER"], os.environ["EMR_PASSWORD"])
    rng = random.Random(role)
    ids: list[int] = []
    ops, errors = 0, {}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            WORK[role](db, me, rng, ids)
            ops += 1
        except Exception as err:  # counted, never hidden
            errors[type(err).__name__] = errors.get(type(err).__name__, 0) + 1
    db.dispose()
    print(json.dumps({"role": role, "ops": ops, "errors": errors}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
