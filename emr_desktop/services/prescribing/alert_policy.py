"""Which alert severities interrupt signing (need an override reason) and which only
inform: the practice manager's decision (ONC 170.315(a)(4)(ii)), audited on every
change. Contraindicated always interrupts, whatever is stored."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Final

from sqlalchemy.orm import Session

from emr_desktop.domain.prescribing import SEVERITIES, SafetyAlert
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import ValidationError
from emr_desktop.models.setting import Setting
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import require
from emr_desktop.services.common.audit import record

__all__ = [
    "ALWAYS",
    "DEFAULT_INTERRUPTING",
    "AlertPolicyService",
    "apply_policy",
    "load_interrupting",
]

KEY: Final = "rx_interrupting_severities"
ALWAYS: Final = frozenset({"contraindicated"})
DEFAULT_INTERRUPTING: Final = frozenset({"contraindicated", "major"})


def _order(severities: Iterable[str]) -> list[str]:
    return [s for s in SEVERITIES if s in set(severities)]


def load_interrupting(session: Session) -> frozenset[str]:
    """The severities that interrupt signing, as stored (the default until changed)."""
    row = session.get(Setting, KEY)
    if row is None:
        return DEFAULT_INTERRUPTING
    stored = {s for s in row.value.split(",") if s in SEVERITIES}
    return frozenset(stored) | ALWAYS


def apply_policy(alerts: list[SafetyAlert], interrupting: frozenset[str]) -> list[SafetyAlert]:
    """The alerts with ``requires_override`` set by the practice's policy."""
    return [
        a
        if a.requires_override == (a.severity in interrupting)
        else replace(a, requires_override=a.severity in interrupting)
        for a in alerts
    ]


class AlertPolicyService:
    """Reading and changing which severities interrupt."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def interrupting(self, actor: Actor) -> list[str]:
        """The interrupting severities, worst first (anyone who prescribes may read it)."""
        with self._db.reading(actor) as s:
            return _order(load_interrupting(s))

    def update(self, actor: Actor, interrupting: Iterable[str]) -> list[str]:
        """Set the interrupting severities (manager only); contraindicated is always one."""
        require(actor, Permission.SETTINGS_MANAGE)
        wanted = set(interrupting)
        unknown = sorted(wanted - set(SEVERITIES))
        if unknown:
            raise ValidationError("severities", f"unknown severity {unknown[0]!r}")
        new = _order(wanted | ALWAYS)
        with self._db.unit_of_work(actor) as s:
            before = _order(load_interrupting(s))
            if new != before:
                s.merge(Setting(key=KEY, value=",".join(new)))
                record(
                    s,
                    actor,
                    "rx_alert_policy_change",
                    entity="setting",
                    entity_id=KEY,
                    details={"before": before, "after": new},
                )
        return new
