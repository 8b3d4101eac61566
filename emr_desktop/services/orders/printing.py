"""What every order document prints: the letterhead, the patient's identifiers, the
ordering physician with credentials and NPI."""

from __future__ import annotations

from sqlalchemy.orm import Session

from emr_desktop.models import LabOrder, ProviderProfile, User
from emr_desktop.reports.base import Letterhead, PatientIdentity
from emr_desktop.services.common.records import get_patient, summary
from emr_desktop.services.practice.details import load_details


def provider_line(s: Session, user_id: int) -> str:
    """'Chidi Okafor, MD · NPI 1234567893' (what the profile holds)."""
    user = s.get(User, user_id)
    profile = s.get(ProviderProfile, user_id)
    parts = [user.full_name if user else ""]
    if profile is not None and profile.npi:
        parts.append(f"NPI {profile.npi}")
    return " · ".join(p for p in parts if p)


def printing_context(
    s: Session, patient_id: int, order: LabOrder | None
) -> tuple[Letterhead, PatientIdentity, str]:
    """The letterhead, the patient's identity and the ordering physician's line."""
    p = summary(get_patient(s, patient_id))
    identity = PatientIdentity(p.display_name, p.birth_date, p.mrn)
    provider = provider_line(s, order.ordering_provider_id) if order is not None else ""
    return Letterhead.from_details(load_details(s)), identity, provider
