"""Practice settings: the security policy and the practice's name (no patient data)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import ValidationError
from emr_desktop.models.practice import Practice
from emr_desktop.models.setting import Setting
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import require
from emr_desktop.services.common.audit import record


@dataclass(frozen=True, slots=True)
class PracticeSettings:
    """Settings an admin may change; defaults apply until they do."""

    practice_name: str = "My practice"
    lockout_threshold: int = 5
    lockout_minutes: int = 15
    idle_lock_minutes: int = 5
    order_overdue_days: int = 14  # a lab order without results after this is overdue


_LIMITS: dict[str, tuple[int, int]] = {
    "lockout_threshold": (3, 20),
    "lockout_minutes": (1, 24 * 60),
    "idle_lock_minutes": (1, 120),
    "order_overdue_days": (1, 365),
}


def load_settings(session: Session) -> PracticeSettings:
    """Read every setting, falling back to defaults for those never set.

    The practice's name lives on the practice row (documents print it from there);
    the policies are key/value settings.
    """
    stored = {row.key: row.value for row in session.scalars(select(Setting))}
    values: dict[str, Any] = {name: int(stored[name]) for name in _LIMITS if name in stored}
    practice = session.get(Practice, 1)
    if practice is not None:
        values["practice_name"] = practice.name
    return PracticeSettings(**values)


def _validate(settings: PracticeSettings) -> None:
    if not settings.practice_name.strip():
        raise ValidationError("practice_name", "must not be empty")
    if len(settings.practice_name) > 200:
        raise ValidationError("practice_name", "must be at most 200 characters")
    for name, (low, high) in _LIMITS.items():
        value = getattr(settings, name)
        if not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(name, f"must be a whole number from {low} to {high}")


def save_settings(session: Session, settings: PracticeSettings) -> list[str]:
    """Validate and store; returns the names of the settings that changed."""
    _validate(settings)
    current = load_settings(session)
    changed = []
    for f in fields(PracticeSettings):
        new = getattr(settings, f.name)
        if new != getattr(current, f.name):
            changed.append(f.name)
            if f.name == "practice_name":
                practice = session.get(Practice, 1)
                if practice is None:
                    session.add(Practice(id=1, name=new))
                else:
                    practice.name = new
            else:
                session.merge(Setting(key=f.name, value=str(new)))
    return changed


class SettingsService:
    """Reading and changing practice settings."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def current(self) -> PracticeSettings:
        """The settings in force (readable before login: the login screen needs them)."""
        with self._db.unit_of_work() as s:
            return load_settings(s)

    def is_demo(self) -> bool:
        """Whether this is the demo practice (the login screen then shows the credentials)."""
        with self._db.unit_of_work() as s:
            return s.get(Setting, "demo") is not None

    def update(self, actor: Actor, **changes: Any) -> PracticeSettings:
        """Change some settings (admin only); audited with the names of what changed."""
        require(actor, Permission.SETTINGS_MANAGE)
        unknown = set(changes) - {f.name for f in fields(PracticeSettings)}
        if unknown:
            raise ValidationError(sorted(unknown)[0], "is not a setting")
        with self._db.unit_of_work(actor) as s:
            new = replace(load_settings(s), **changes)
            changed = save_settings(s, new)
            if changed:
                record(s, actor, "settings_change", entity="setting", details={"changed": changed})
        return new
