"""Roles, permissions and the acting user, as plain values every layer may see."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Role(enum.StrEnum):
    """A user's role; what each may do is the table in security.permissions."""

    ADMIN = "admin"
    PHYSICIAN = "physician"
    NURSE = "nurse"
    RECEPTIONIST = "receptionist"


class UserStatus(enum.StrEnum):
    """Whether an account may log in."""

    ACTIVE = "active"
    DISABLED = "disabled"


class Permission(enum.StrEnum):
    """One thing a user may do; services call ``require(actor, Permission.X)`` first."""

    # practice administration
    USERS_MANAGE = "users.manage"
    AUDIT_VIEW = "audit.view"
    BACKUP_RUN = "backup.run"
    BACKUP_RESTORE = "backup.restore"
    SETTINGS_MANAGE = "settings.manage"
    # front desk
    PATIENT_VIEW = "patient.view"  # find a patient, see demographics
    PATIENT_REGISTER = "patient.register"  # register and edit demographics
    PATIENT_MERGE = "patient.merge"
    SCHEDULE_VIEW = "schedule.view"
    SCHEDULE_BOOK = "schedule.book"  # book, move, cancel, check in
    SCHEDULE_MANAGE = "schedule.manage"  # working hours, blocked time, appointment types
    # clinical
    CHART_VIEW = "chart.view"  # clinical content of a chart
    VITALS_RECORD = "vitals.record"
    ALLERGY_RECORD = "allergy.record"
    IMMUNIZATION_RECORD = "immunization.record"
    PROBLEM_EDIT = "problem.edit"
    MEDICATION_EDIT = "medication.edit"  # reported medications, discontinue
    LAB_RECORD = "lab.record"
    DOCUMENT_ATTACH = "document.attach"
    NOTE_DRAFT = "note.draft"
    NOTE_SIGN = "note.sign"
    NOTE_ADDENDUM = "note.addendum"
    RX_RENEWAL_REQUEST = "rx.renewal_request"
    RX_PRESCRIBE = "rx.prescribe"  # create and sign prescriptions
    REFERRAL_MANAGE = "referral.manage"
    CHART_EXPORT = "chart.export"  # print or export a chart (PDF, FHIR)
    FHIR_IMPORT = "fhir.import"
    # billing: descriptions and amounts, never the note
    BILLING_VIEW = "billing.view"  # ledger, balances, receipts, statements, reports
    BILLING_CODE = "billing.code"  # pick a signed visit's charges, reverse a charge
    BILLING_PAYMENT = "billing.payment"  # take (and reverse) payments
    BILLING_FEES = "billing.fees"  # keep the fee schedule and its prices
    BILLING_ADJUST = "billing.adjust"  # refunds and write-offs (the manager approves)
    # orders, results, worklist, recalls, reports
    ORDER_PLACE = "order.place"  # order labs, print the requisition, cancel an order
    RESULT_VIEW = "result.view"  # see results and the results inbox (never the front desk)
    RESULT_RECORD = "result.record"  # enter results against an order
    RESULT_SIGN = "result.sign"  # review, comment, sign off, notify the patient
    TASK_MANAGE = "task.manage"  # assign tasks to a user or a role, mark them done
    RECALL_WORK = "recall.work"  # the recall list, contact attempts, booking, letters
    REPORT_VIEW = "report.view"  # practice reports: counts only


@dataclass(frozen=True, slots=True)
class Actor:
    """The logged-in user on whose behalf a service call runs.

    Made only by the authentication service after a successful login; ``permissions``
    is a copy of the role table at that moment so front ends can hide what a role
    cannot do (the services still check), and ``session`` proves the login.
    """

    user_id: int
    username: str
    full_name: str
    role: Role
    workstation: str
    permissions: frozenset[Permission]
    # The login session's secret token: units of work refuse an Actor whose session the
    # database does not know, has ended, or whose account is disabled or has another role.
    session: str = field(default="", repr=False, compare=False)

    def can(self, permission: Permission) -> bool:
        """Whether this user's role includes ``permission``."""
        return permission in self.permissions
