"""A practice's folder and a new practice's first rows, shared by the embedded database
(``store``) and the practice server (``server_practice``).

An embedded practice's folder holds ``practice.db`` (SQLCipher) and ``practice.key`` (the
database key wrapped under the practice passphrase); a workstation of a server practice
holds ``server.json`` instead. Both keep the audit anchor and the automatic copies.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from emr_desktop.domain.security import Role
from emr_desktop.errors import PracticeError, ValidationError
from emr_desktop.persistence import restore_journal
from emr_desktop.persistence.anchor import ANCHOR_NAME
from emr_desktop.persistence.database import Database
from emr_desktop.persistence.server import ServerProfile
from emr_desktop.security.passwords import check_password_rules, strength_problem
from emr_desktop.services.common.audit import record
from emr_desktop.services.practice.settings import PracticeSettings, save_settings
from emr_desktop.services.practice.users import create_user, normalize_username

DB_NAME = "practice.db"
KEY_NAME = "practice.key"
PARTIAL = ".partial"
PASSPHRASE_MIN = 12
# Files a data directory may already hold and still count as empty for a new practice.
_IGNORABLE = {".DS_Store", "Thumbs.db", "logs"}


@dataclass(frozen=True)
class PracticePaths:
    """Where a practice's files are inside its data directory."""

    root: Path

    @property
    def db(self) -> Path:
        """The encrypted database."""
        return self.root / DB_NAME

    @property
    def key(self) -> Path:
        """The wrapped key file."""
        return self.root / KEY_NAME

    @property
    def anchor(self) -> Path:
        """The audit chain's head, recorded outside the database."""
        return self.root / ANCHOR_NAME

    @property
    def backups(self) -> Path:
        """Automatic copies kept before migrations and restores."""
        return self.root / "backups"

    def exists(self) -> bool:
        """Whether a finished embedded practice lives here (or one whose restore was
        interrupted, which its next open completes)."""
        return self.key.is_file() or restore_journal.pending(self.root)

    def in_use(self) -> bool:
        """Whether this folder is a practice: its own database, or a workstation of a server."""
        return self.exists() or ServerProfile.exists(self.root)


def check_passphrase_rules(passphrase: str) -> None:
    """Raise ValidationError if the practice passphrase is too weak."""
    if len(passphrase) < PASSPHRASE_MIN:
        raise ValidationError("passphrase", f"must be at least {PASSPHRASE_MIN} characters long")
    if len(set(passphrase)) < 5:
        raise ValidationError("passphrase", "uses too few different characters")
    problem = strength_problem(passphrase)
    if problem:
        raise ValidationError("passphrase", problem)


def require_empty_folder(paths: PracticePaths) -> None:
    """Refuse a folder that already holds a practice (or a server profile) or other files."""
    data_dir = paths.root
    if paths.exists() or paths.db.exists() or ServerProfile.exists(data_dir):
        raise PracticeError(f"{data_dir} already holds a practice; choose an empty folder.")
    if data_dir.exists() and not data_dir.is_dir():
        raise PracticeError(f"{data_dir} is a file, not a folder.")
    leftovers = {paths.db.name + PARTIAL, paths.key.name + PARTIAL}
    if data_dir.is_dir():
        others = [p.name for p in data_dir.iterdir() if p.name not in _IGNORABLE | leftovers]
        others = [n for n in others if not n.startswith(paths.db.name + PARTIAL)]
        if others:
            raise PracticeError(f"{data_dir} is not empty; choose an empty folder.")


def check_first_admin(
    practice_name: str, admin_username: str, admin_full_name: str, admin_password: str | None
) -> None:
    """Refuse a new practice's name or first administrator before anything is made."""
    if admin_password is not None:
        check_password_rules(admin_password, admin_username.strip().lower())
    if not practice_name.strip():
        raise ValidationError("practice_name", "must not be empty")
    normalize_username(admin_username)
    if not admin_full_name.strip():
        raise ValidationError("full_name", "must not be empty")


def write_first_rows(
    db: Database,
    practice_name: str,
    admin_username: str,
    admin_full_name: str,
    admin_password: str | None,
) -> str | None:
    """A new practice's name and first administrator (on either engine); returns the
    administrator's one-time password when none was given."""
    with db.unit_of_work() as s:
        save_settings(s, PracticeSettings(practice_name=practice_name.strip()))
        admin, otp = create_user(
            s,
            None,
            username=admin_username,
            full_name=admin_full_name,
            role=Role.ADMIN,
            password=admin_password,
        )
        record(
            s,
            None,
            "practice_create",
            entity="practice",
            username=admin.username,
            details={"admin_user_id": admin.id},
        )
    return otp
