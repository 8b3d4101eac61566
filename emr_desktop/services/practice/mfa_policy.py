"""Which roles must use a second factor: one practice setting, read at every login."""

from __future__ import annotations

from sqlalchemy.orm import Session

from emr_desktop.domain.access import MfaPolicy
from emr_desktop.domain.security import Role
from emr_desktop.models.setting import Setting

SETTING = "mfa_required_roles"


def load_policy(session: Session) -> MfaPolicy:
    """The roles that must use a second factor (none until the manager says so)."""
    row = session.get(Setting, SETTING)
    names = {part for part in (row.value if row else "").split(",") if part}
    return MfaPolicy(frozenset(r for r in Role if r.value in names))


def save_policy(session: Session, roles: frozenset[Role]) -> bool:
    """Store the roles; whether anything changed."""
    if load_policy(session).roles == roles:
        return False
    value = ",".join(sorted(r.value for r in roles))
    session.merge(Setting(key=SETTING, value=value))
    return True
