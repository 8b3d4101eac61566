"""A running app's presence on the practice: the "open" lease it holds and renews, so a
restore elsewhere knows the practice is in use (and a crashed app stops counting once its
lease expires).

Like a login, this is machinery under the user's actions, not an action: it takes no
actor and writes no audit row (a lease holds no patient data and changes no record).
"""

from __future__ import annotations

from emr_desktop.errors import PracticeError
from emr_desktop.persistence import leases
from emr_desktop.persistence.database import Database

RENEW_EVERY_MS = 60_000  # the app's timer; leases last leases.DEFAULT_TTL (3 minutes)


def hold(db: Database, workstation: str = "") -> str:
    """Take this app's open lease on ``db`` (kept on it as ``db.open_lease``); refused
    while a restore is switching the practice's files."""
    with db.unit_of_work() as s:
        if leases.holders(s, leases.RESTORE):
            raise PracticeError(
                "A backup is being restored into this practice right now; start emr-desktop "
                "again when it is done."
            )
        db.open_lease = leases.take(s, leases.OPEN, workstation=workstation)
    return db.open_lease


def renew(db: Database) -> None:
    """Keep this app's lease alive (the app's timer calls this); takes a new one if it
    expired meanwhile (the PC slept)."""
    if db.open_lease is None or db.retired is not None:
        return
    with db.unit_of_work() as s:
        if leases.renew(s, db.open_lease):
            return
        db.open_lease = leases.take(s, leases.OPEN)


def release(db: Database) -> None:
    """Give the lease back as the app closes the practice."""
    if db.open_lease is None or db.retired is not None:
        return
    with db.unit_of_work() as s:
        leases.release(s, db.open_lease)
    db.open_lease = None
