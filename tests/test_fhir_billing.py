"""A patient's charges travel in the FHIR Bundle as ChargeItem and Invoice resources that
fhir.resources (R4B, the release closest to R4 it ships) accepts; a nurse's export, and
a reversed charge's Invoice line, leave them out."""

from __future__ import annotations

import json

from billing_support import coded_visit
from fhir.resources.R4B import get_fhir_model_class

from emr_desktop.domain.billing import PaymentInput
from emr_desktop.services.billing.ledger import LedgerService
from emr_desktop.services.exchange.fhir import FhirService


def _resources(data: bytes, kind: str) -> list[dict]:  # type: ignore[type-arg]
    bundle = json.loads(data)
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_charges_export_as_charge_items_and_an_invoice(clinic) -> None:  # type: ignore[no-untyped-def]
    pid = clinic.patient()
    coded_visit(clinic, pid, ("OV-EST", 1), ("G0008", 1), ("LAB-DRAW", 1))
    ledger = LedgerService(clinic.db)
    wrong = next(e for e in ledger.ledger(clinic.desk, pid).entries if e.code == "LAB-DRAW")
    ledger.reverse(clinic.doctor, wrong.id, "not done")
    ledger.take_payment(clinic.desk, pid, PaymentInput("25", "cash"))
    data = FhirService(clinic.db).export_patient(clinic.doctor, pid)
    bundle = json.loads(data)
    get_fhir_model_class("Bundle").model_validate(bundle)
    items = _resources(data, "ChargeItem")
    for r in items + _resources(data, "Invoice"):
        get_fhir_model_class(r["resourceType"]).model_validate(r)
    by_code = {i["code"]["coding"][0]["code"]: i for i in items}
    assert by_code["OV-EST"]["reason"][0]["coding"][0]["code"] == "I10"
    assert by_code["G0008"]["code"]["coding"][0]["system"].startswith("https://www.cms.gov/")
    assert by_code["LAB-DRAW"]["status"] == "entered-in-error"
    (invoice,) = _resources(data, "Invoice")
    assert len(invoice["lineItem"]) == 2 and invoice["totalNet"]["value"] == 150.0


def test_a_nurse_export_carries_no_billing(clinic) -> None:  # type: ignore[no-untyped-def]
    pid = clinic.patient()
    coded_visit(clinic, pid, ("OV-EST", 1))
    data = FhirService(clinic.db).export_patient(clinic.nurse, pid)
    assert _resources(data, "ChargeItem") == [] and _resources(data, "Invoice") == []
