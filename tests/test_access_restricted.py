"""Restricted charts: only the named users read them; anyone else with chart permission
must break the glass with a reason, for a limited time, audited as such; the manager
reviews and acknowledges every emergency access."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import Clinic
from sqlalchemy import select, update

from emr_desktop.errors import ChartRestricted, PermissionDenied, ValidationError
from emr_desktop.models.access import EmergencyAccess
from emr_desktop.models.audit import AuditLog
from emr_desktop.services.access.restricted import RestrictedChartService
from emr_desktop.services.chart.allergies import AllergyService
from emr_desktop.services.chart.summary import ChartService


def test_a_restricted_chart_opens_only_for_named_users_or_in_an_emergency(
    clinic: Clinic,
) -> None:
    pid = clinic.patient()
    access = RestrictedChartService(clinic.db)
    with pytest.raises(PermissionDenied):
        access.restrict(clinic.nurse, pid, ["nurseann"])
    assert access.restrict(clinic.doctor, pid, ["nurseann"]) == ["drgrey", "nurseann"]
    assert ChartService(clinic.db).open(clinic.nurse, pid) is not None
    with pytest.raises(ChartRestricted):
        ChartService(clinic.db).open(clinic.doctor2, pid)
    with pytest.raises(ChartRestricted):
        AllergyService(clinic.db).list(clinic.nurse2, pid)

    with pytest.raises(ValidationError) as info:
        access.break_glass(clinic.doctor2, pid, "urgent")
    assert info.value.field == "reason"
    until = access.break_glass(clinic.doctor2, pid, "Unconscious in the waiting room")
    assert dt.timedelta(minutes=59) < until - dt.datetime.now(dt.UTC) <= dt.timedelta(hours=1)
    assert ChartService(clinic.db).open(clinic.doctor2, pid) is not None
    with clinic.db.reading() as s:
        row = s.scalars(
            select(AuditLog)
            .where(AuditLog.action == "chart_open", AuditLog.patient_id == pid)
            .order_by(AuditLog.id.desc())
        ).first()
        assert row is not None and row.username == "drshep" and "emergency_access" in row.details

    # when the time is up the glass is whole again
    with clinic.db.unit_of_work() as s:
        s.execute(update(EmergencyAccess).values(expires_at=dt.datetime.now(dt.UTC)))
    with pytest.raises(ChartRestricted):
        ChartService(clinic.db).open(clinic.doctor2, pid)

    admin = clinic.practice.admin
    [grant] = [g for g in access.emergency_accesses(admin) if g.patient_id == pid]
    assert grant.username == "drshep" and grant.reason == "Unconscious in the waiting room"
    assert grant.mrn and grant.acknowledged_at is None
    access.acknowledge(admin, grant.id)
    assert grant.id not in {
        g.id for g in access.emergency_accesses(admin, unacknowledged_only=True)
    }
    with pytest.raises(PermissionDenied):
        access.emergency_accesses(clinic.doctor)

    assert access.restrict(clinic.doctor, pid, []) == []
    assert ChartService(clinic.db).open(clinic.doctor2, pid) is not None
