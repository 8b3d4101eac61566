"""SQLAlchemy 2.0 declarative models. Importing this package registers every table."""

from __future__ import annotations

from emr_desktop.models.access import ChartRestriction, EmergencyAccess
from emr_desktop.models.allergy import Allergy
from emr_desktop.models.appointment import (
    Appointment,
    AppointmentSeries,
    AppointmentType,
    BlockedTime,
    ProviderHours,
)
from emr_desktop.models.audit import AuditHead, AuditLog, PracticeKey
from emr_desktop.models.base import Base
from emr_desktop.models.billing import BillingEntry, EntryDiagnosis, Fee, FeePrice
from emr_desktop.models.encounter import Addendum, Encounter
from emr_desktop.models.lease import BackupRun, PracticeLease
from emr_desktop.models.medication import Medication
from emr_desktop.models.mfa import LoginThrottle, MfaRecoveryCode, UserMfa
from emr_desktop.models.observation import LabResult, VitalSigns
from emr_desktop.models.orders import LabOrder, LabOrderTest, ResultReview
from emr_desktop.models.patient import Patient, PatientNameToken
from emr_desktop.models.practice import Counter, Practice, ProviderProfile
from emr_desktop.models.prescription import Prescription
from emr_desktop.models.problem import Problem
from emr_desktop.models.record import Document, Immunization, Referral
from emr_desktop.models.setting import Setting
from emr_desktop.models.user import User, UserSession
from emr_desktop.models.worklist import Recall, RecallContact, Task

__all__ = [
    "Addendum",
    "Allergy",
    "Appointment",
    "AppointmentSeries",
    "AppointmentType",
    "AuditHead",
    "AuditLog",
    "BackupRun",
    "Base",
    "BillingEntry",
    "BlockedTime",
    "ChartRestriction",
    "Counter",
    "Document",
    "EmergencyAccess",
    "Encounter",
    "EntryDiagnosis",
    "Fee",
    "FeePrice",
    "Immunization",
    "LabOrder",
    "LabOrderTest",
    "LabResult",
    "LoginThrottle",
    "Medication",
    "MfaRecoveryCode",
    "Patient",
    "PatientNameToken",
    "Practice",
    "PracticeKey",
    "PracticeLease",
    "Prescription",
    "Problem",
    "ProviderHours",
    "ProviderProfile",
    "Recall",
    "RecallContact",
    "Referral",
    "ResultReview",
    "Setting",
    "Task",
    "User",
    "UserMfa",
    "UserSession",
    "VitalSigns",
]
