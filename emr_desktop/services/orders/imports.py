"""Imported lab reports (FHIR DiagnosticReport) go to a physician's inbox: the one who
ordered a matching pending test here, else the physician who imported them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from emr_desktop.domain.orders import ImportedReport, OrderStatus, ReviewStatus
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.models import LabOrder, LabOrderTest, LabResult, ResultReview
from emr_desktop.reference.lab_orders import resultable
from emr_desktop.services.common import audit
from emr_desktop.services.orders.rows import OPEN


def file_imported_reports(
    s: Session, actor: Actor, patient_id: int, reports: Sequence[ImportedReport]
) -> int:
    """Put each reported result not yet in an inbox into one (the caller's transaction);
    returns how many were filed. A matching pending order is marked resulted."""
    if not reports:
        return 0
    s.flush()
    wanted = {key for r in reports for key in r.results}
    labs = [
        lab
        for lab in s.scalars(select(LabResult).where(LabResult.patient_id == patient_id))
        if ((lab.loinc or lab.name), lab.collected_at) in wanted
    ]
    reviewed = set(
        s.scalars(
            select(ResultReview.lab_result_id).where(
                ResultReview.lab_result_id.in_([lab.id for lab in labs])
            )
        )
    )
    orders = s.scalars(
        select(LabOrder)
        .where(LabOrder.patient_id == patient_id, LabOrder.status.in_(OPEN))
        .order_by(LabOrder.ordered_at)
    ).all()
    covers: dict[str, LabOrder] = {}
    if orders:
        for order_id, code in s.execute(
            select(LabOrderTest.order_id, LabOrderTest.loinc).where(
                LabOrderTest.order_id.in_([o.id for o in orders])
            )
        ):
            order = next(o for o in orders if o.id == order_id)
            for test in resultable(code):
                covers.setdefault(test.code, order)
    filed = 0
    now = dt.datetime.now(dt.UTC)
    fallback = actor.user_id if actor.can(Permission.RESULT_SIGN) else None
    for lab in labs:
        if lab.id in reviewed:
            continue
        match = covers.get(lab.loinc)
        physician = match.ordering_provider_id if match is not None else fallback
        if physician is None:
            continue
        s.add(
            ResultReview(
                lab_result_id=lab.id,
                order_id=match.id if match is not None else None,
                patient_id=patient_id,
                physician_id=physician,
                status=ReviewStatus.TO_REVIEW,
            )
        )
        if match is not None:
            match.status, match.resulted_at = OrderStatus.RESULTED, now
        filed += 1
    if filed:
        audit.record(
            s,
            actor,
            "result_import",
            entity="result_review",
            patient_id=patient_id,
            details={"results": filed},
        )
    return filed
