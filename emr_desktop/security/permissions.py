"""The one table that maps a role to what it may do, and the check services call."""

from __future__ import annotations

from emr_desktop.domain.security import Actor, Permission, Role
from emr_desktop.errors import PermissionDenied

P = Permission

_FRONT_DESK = frozenset(
    {
        P.PATIENT_VIEW,
        P.PATIENT_REGISTER,
        P.SCHEDULE_VIEW,
        P.SCHEDULE_BOOK,
        P.SCHEDULE_MANAGE,
        P.TASK_MANAGE,
        P.RECALL_WORK,
    }
)

_NURSE_CLINICAL = frozenset(
    {
        P.CHART_VIEW,
        P.VITALS_RECORD,
        P.ALLERGY_RECORD,
        P.IMMUNIZATION_RECORD,
        P.LAB_RECORD,
        P.DOCUMENT_ATTACH,
        P.NOTE_DRAFT,
        P.RX_RENEWAL_REQUEST,
        P.REFERRAL_MANAGE,
        P.CHART_EXPORT,
        P.RESULT_VIEW,
        P.RESULT_RECORD,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(
        {
            P.USERS_MANAGE,
            P.AUDIT_VIEW,
            P.BACKUP_RUN,
            P.BACKUP_RESTORE,
            P.SETTINGS_MANAGE,
            # Demographics only: the audit report is filtered by a patient's MRN.
            P.PATIENT_VIEW,
            # The practice manager keeps hours, blocks and appointment types and looks at
            # the schedule, but does not book.
            P.SCHEDULE_VIEW,
            P.SCHEDULE_MANAGE,
            # The practice manager keeps fees and approves write-offs and refunds.
            P.BILLING_VIEW,
            P.BILLING_FEES,
            P.BILLING_ADJUST,
            P.REPORT_VIEW,  # counts only, no names
            P.TASK_MANAGE,
        }
    ),
    Role.PHYSICIAN: _FRONT_DESK
    | _NURSE_CLINICAL
    | frozenset(
        {
            P.PROBLEM_EDIT,
            P.MEDICATION_EDIT,
            P.NOTE_SIGN,
            P.NOTE_ADDENDUM,
            P.RX_PRESCRIBE,
            P.PATIENT_MERGE,
            P.FHIR_IMPORT,  # importing charts brings in clinical content
            P.BILLING_VIEW,
            P.BILLING_CODE,
            P.ORDER_PLACE,
            P.RESULT_SIGN,
            P.REPORT_VIEW,
        }
    ),
    Role.NURSE: _FRONT_DESK | _NURSE_CLINICAL,
    Role.RECEPTIONIST: _FRONT_DESK | {P.BILLING_VIEW, P.BILLING_PAYMENT},
}


def permissions_for(role: Role) -> frozenset[Permission]:
    """Everything ``role`` may do."""
    return ROLE_PERMISSIONS[role]


def require(actor: Actor, permission: Permission) -> None:
    """Raise PermissionDenied unless the actor's role includes ``permission``.

    Checks the table itself, not the copy carried on the Actor, so an Actor built
    by hand cannot grant itself anything.
    """
    if permission not in ROLE_PERMISSIONS[actor.role]:
        raise PermissionDenied(
            f"Your role ({actor.role.value}) is not allowed to do this ({permission.value})."
        )
