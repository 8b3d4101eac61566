"""The demo practice: a populated practice a newcomer can log into at once.

Passwords and the passphrase are public (README) and only for the demo; they can be
overridden with EMR_PASSWORD and EMR_DB_PASSPHRASE.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from emr_desktop.domain.security import Role
from emr_desktop.errors import PracticeError, ValidationError
from emr_desktop.models.setting import Setting
from emr_desktop.persistence.database import Database
from emr_desktop.services.common.audit import record
from emr_desktop.services.practice.folder import PracticePaths, require_empty_folder
from emr_desktop.services.practice.store import create_practice, open_practice
from emr_desktop.services.practice.users import create_user

if TYPE_CHECKING:
    from emr_desktop.demo.populate import Progress

DEMO_PASSPHRASE = "demo practice passphrase"
DEMO_PASSWORD = "demo-password-1"
DEMO_PRACTICE_NAME = "Riverside Family Medicine (DEMO)"
DEMO_FLAG = "demo"
DEFAULT_PATIENTS = 3000
DEFAULT_SEED = 2026


@dataclass(frozen=True, slots=True)
class DemoUser:
    """One of the demo practice's staff."""

    username: str
    full_name: str
    role: Role


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "Margit Hölzl", Role.ADMIN),
    DemoUser("drokafor", "Chidi Okafor, MD", Role.PHYSICIAN),
    DemoUser("drlindqvist", "Zoë Lindqvist, MD", Role.PHYSICIAN),
    DemoUser("drsantos", "Mateo Santos, DO", Role.PHYSICIAN),
    DemoUser("drbeaumont", "Élise Beaumont, MD", Role.PHYSICIAN),
    DemoUser("drmensah", "Kwame Mensah, MD", Role.PHYSICIAN),
    DemoUser("drtanaka", "Haruto Tanaka, MD", Role.PHYSICIAN),
    DemoUser("nraman", "Priya Raman, RN", Role.NURSE),
    DemoUser("lnowak", "Łucja Nowak", Role.RECEPTIONIST),
)


def demo_password() -> str:
    """The demo users' password (EMR_PASSWORD overrides)."""
    return os.environ.get("EMR_PASSWORD") or DEMO_PASSWORD


def demo_passphrase() -> str:
    """The demo practice passphrase (EMR_DB_PASSPHRASE overrides)."""
    return os.environ.get("EMR_DB_PASSPHRASE") or DEMO_PASSPHRASE


def create_demo_practice(
    data_dir: Path,
    *,
    patients: int = DEFAULT_PATIENTS,
    seed: int = DEFAULT_SEED,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> Database:
    """Create the demo practice with its staff and ``patients`` made-up patients.

    The folder must be empty or absent. The same ``seed`` (and day) gives the same
    practice; ``now`` fixes the clock (tests), ``progress`` hears (done, total) per chunk.
    """
    if PracticePaths(data_dir).exists():
        raise PracticeError(f"{data_dir} already holds a practice; the demo needs an empty one.")
    if isinstance(patients, bool) or not isinstance(patients, int) or patients < 1:
        raise ValidationError("patients", "must be a whole number of at least 1")
    require_empty_folder(PracticePaths(data_dir))
    # Built aside and moved in when complete: a demo killed half-way leaves no practice,
    # and the next run starts again from nothing.
    building = data_dir.parent / f".{data_dir.name}.demo-building"
    shutil.rmtree(building, ignore_errors=True)
    db = _build_demo(building, patients=patients, seed=seed, now=now, progress=progress)
    db.dispose()
    move_in(building, data_dir)
    return open_practice(data_dir, demo_passphrase)


def move_in(building: Path, data_dir: Path) -> None:
    """Move a finished practice folder into place: one rename when the target is absent or
    empty, else file by file with the key file (what makes it a practice) last."""
    if data_dir.is_dir() and not any(data_dir.iterdir()):
        data_dir.rmdir()
    if not data_dir.exists():
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        os.replace(building, data_dir)
        return
    key = PracticePaths(building).key
    for entry in sorted(building.iterdir(), key=lambda p: p == key):
        os.replace(entry, data_dir / entry.name)
    building.rmdir()


def _build_demo(
    data_dir: Path,
    *,
    patients: int,
    seed: int,
    now: dt.datetime | None,
    progress: Progress | None,
) -> Database:
    first = DEMO_USERS[0]
    db, _ = create_practice(
        data_dir,
        practice_name=DEMO_PRACTICE_NAME,
        admin_username=first.username,
        admin_full_name=first.full_name,
        admin_password=demo_password(),
        passphrase=demo_passphrase(),
    )
    try:
        fill_demo(db, patients=patients, seed=seed, now=now, progress=progress)
        db.checkpoint()
    except BaseException:
        db.dispose()
        raise
    return db


def fill_demo(
    db: Database,
    *,
    patients: int = DEFAULT_PATIENTS,
    seed: int = DEFAULT_SEED,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> None:
    """Add the demo staff (besides the first administrator, who made the practice) and
    ``patients`` made-up patients to a new practice, on either engine."""
    if isinstance(patients, bool) or not isinstance(patients, int) or patients < 1:
        raise ValidationError("patients", "must be a whole number of at least 1")
    first, *others = DEMO_USERS
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
        s.add(Setting(key=DEMO_FLAG, value="1"))
        record(s, None, "demo_create", username=first.username)
    # Imported here: the generator is large, and the app imports this module at start.
    from emr_desktop.demo.populate import populate

    populate(db, patients=patients, seed=seed, now=now, progress=progress)
    from emr_desktop.demo.billing import fill_billing

    fill_billing(db, seed=seed, now=now or dt.datetime.now(dt.UTC))
    from emr_desktop.demo.worklist import fill_worklist  # orders, results, tasks, recalls

    fill_worklist(db, seed=seed, now=now)


def open_or_create_demo(data_dir: Path) -> Database:
    """Open the demo practice, creating it first if it does not exist yet."""
    if PracticePaths(data_dir).exists():
        return open_practice(data_dir, demo_passphrase)
    return create_demo_practice(data_dir)
