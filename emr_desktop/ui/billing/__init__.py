"""Billing screens: the front desk's Billing tab, the physician's coding dialog, chart
Billing section and "to be coded" list, and the Fees page of Admin."""

from __future__ import annotations

from dataclasses import dataclass, field

from emr_desktop.services.billing.coding import CodingService
from emr_desktop.services.billing.documents import BillingDocuments
from emr_desktop.services.billing.fees import FeeService
from emr_desktop.services.billing.ledger import LedgerService
from emr_desktop.services.billing.reports import BillingReports
from emr_desktop.services.practice.store import Database


@dataclass
class BillingServices:
    """The billing services over one database (made by the screens that need them)."""

    db: Database = field(repr=False)
    fees: FeeService = field(init=False)
    coding: CodingService = field(init=False)
    ledger: LedgerService = field(init=False)
    documents: BillingDocuments = field(init=False)
    reports: BillingReports = field(init=False)

    def __post_init__(self) -> None:
        self.fees = FeeService(self.db)
        self.coding = CodingService(self.db)
        self.ledger = LedgerService(self.db)
        self.documents = BillingDocuments(self.db)
        self.reports = BillingReports(self.db)
