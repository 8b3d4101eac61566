"""The services one open practice offers the UI, made once per practice."""

from __future__ import annotations

from dataclasses import dataclass, field

from emr_desktop.services.chart.allergies import AllergyService
from emr_desktop.services.chart.documents import DocumentService
from emr_desktop.services.chart.immunizations import ImmunizationService
from emr_desktop.services.chart.medications import MedicationService
from emr_desktop.services.chart.notes import NoteService
from emr_desktop.services.chart.observations import ObservationService
from emr_desktop.services.chart.problems import ProblemService
from emr_desktop.services.chart.summary import ChartService
from emr_desktop.services.exchange.exports import ExportService
from emr_desktop.services.exchange.referrals import ReferralService
from emr_desktop.services.patients.registry import PatientService
from emr_desktop.services.practice.audit_report import AuditService
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.services.practice.mfa import MfaService
from emr_desktop.services.practice.refusals import RefusalService
from emr_desktop.services.practice.settings import SettingsService
from emr_desktop.services.practice.store import Database
from emr_desktop.services.practice.users import UserService
from emr_desktop.services.prescribing.prescriptions import PrescriptionService
from emr_desktop.services.prescribing.printing import RxPrintingService
from emr_desktop.services.prescribing.renewals import RenewalInboxService
from emr_desktop.services.schedule.day_sheet import DaySheetService
from emr_desktop.services.schedule.service import ScheduleService


@dataclass
class Services:
    """Every service the screens call, over one database."""

    db: Database = field(repr=False)
    auth: AuthService = field(init=False)
    patients: PatientService = field(init=False)
    chart: ChartService = field(init=False)
    problems: ProblemService = field(init=False)
    allergies: AllergyService = field(init=False)
    observations: ObservationService = field(init=False)
    notes: NoteService = field(init=False)
    immunizations: ImmunizationService = field(init=False)
    medications: MedicationService = field(init=False)
    prescriptions: PrescriptionService = field(init=False)
    rx_printing: RxPrintingService = field(init=False)
    rx_inbox: RenewalInboxService = field(init=False)
    referrals: ReferralService = field(init=False)
    documents: DocumentService = field(init=False)
    exports: ExportService = field(init=False)
    settings: SettingsService = field(init=False)
    schedule: ScheduleService = field(init=False)
    day_sheet: DaySheetService = field(init=False)
    users: UserService = field(init=False)
    audit: AuditService = field(init=False)
    mfa: MfaService = field(init=False)
    refusals: RefusalService = field(init=False)

    def __post_init__(self) -> None:
        self.auth = AuthService(self.db)
        self.patients = PatientService(self.db)
        self.chart = ChartService(self.db)
        self.problems = ProblemService(self.db)
        self.allergies = AllergyService(self.db)
        self.observations = ObservationService(self.db)
        self.notes = NoteService(self.db)
        self.immunizations = ImmunizationService(self.db)
        self.medications = MedicationService(self.db)
        self.prescriptions = PrescriptionService(self.db)
        self.rx_printing = RxPrintingService(self.db)
        self.rx_inbox = RenewalInboxService(self.db)
        self.referrals = ReferralService(self.db)
        self.documents = DocumentService(self.db)
        self.exports = ExportService(self.db)
        self.settings = SettingsService(self.db)
        self.schedule = ScheduleService(self.db)
        self.day_sheet = DaySheetService(self.db)
        self.users = UserService(self.db)
        self.audit = AuditService(self.db)
        self.mfa = MfaService(self.db)
        self.refusals = RefusalService(self.db)
