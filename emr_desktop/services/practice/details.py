"""The practice's details (printed on documents) and its physicians' credentials."""

from __future__ import annotations

import dataclasses
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from emr_desktop.domain.practice import PracticeDetails, ProviderRow
from emr_desktop.domain.security import Actor, Permission, Role, UserStatus
from emr_desktop.errors import ConflictError, NotFound, ValidationError
from emr_desktop.models.practice import Practice, ProviderProfile
from emr_desktop.models.user import User
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import require
from emr_desktop.services.common import validation as v
from emr_desktop.services.common.audit import record
from emr_desktop.services.common.validation import luhn_digit

# The NPI check digit is a Luhn digit over the number prefixed with the card issuer
# prefix 80840 (CMS, "Requirements for NPI check digit").
NPI_PREFIX = "80840"
_DEA = re.compile(r"[A-Z]{2}[0-9]{7}")
_PROVIDER_FIELDS = (
    "credentials",
    "specialty",
    "npi",
    "dea",
    "license_number",
    "license_state",
    "scheduled",
)


def npi_is_valid(npi: str) -> bool:
    """Whether ``npi`` is 10 digits whose last one is the right check digit."""
    if not re.fullmatch(r"[0-9]{10}", npi):
        return False
    return luhn_digit(NPI_PREFIX + npi[:9]) == npi[9]


def dea_is_valid(dea: str) -> bool:
    """Whether ``dea`` is 2 letters and 7 digits whose last one is the DEA check digit."""
    if not _DEA.fullmatch(dea):
        return False
    d = [int(c) for c in dea[2:]]
    total = d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])
    return total % 10 == d[6]


def clean_npi(value: str) -> str:
    """A valid NPI (spaces removed), or '' when none is given; ValidationError otherwise."""
    npi = re.sub(r"[\s-]", "", value or "")
    if not npi:
        return ""
    if not re.fullmatch(r"[0-9]{10}", npi):
        raise ValidationError("NPI", "must be 10 digits")
    if not npi_is_valid(npi):
        raise ValidationError("NPI", "is not a valid NPI: check for a mistyped digit")
    return npi


def clean_dea(value: str) -> str:
    """A valid DEA number (upper case), or '' when none is given; ValidationError otherwise."""
    dea = re.sub(r"[\s-]", "", value or "").upper()
    if not dea:
        return ""
    if not _DEA.fullmatch(dea):
        raise ValidationError("DEA number", "must be 2 letters followed by 7 digits")
    if not dea_is_valid(dea):
        raise ValidationError("DEA number", "is not a valid DEA number: check for a mistyped digit")
    return dea


def clean_details(data: PracticeDetails) -> PracticeDetails:
    """Validated, trimmed practice details (no database needed, so forms can check first)."""
    t = v.text
    cleaned = PracticeDetails(
        name=t("practice name", data.name, max_len=200, required=True),
        address_line1=t("address", data.address_line1, max_len=200),
        address_line2=t("address line 2", data.address_line2, max_len=200),
        city=t("city", data.city, max_len=100),
        state=t("state", data.state, max_len=50),
        postal_code=t("postal code", data.postal_code, max_len=20),
        phone=t("phone", data.phone, max_len=40),
        fax=t("fax", data.fax, max_len=40),
        email=v.email("e-mail", data.email),
    )
    v.phone_digits("phone", cleaned.phone)
    v.phone_digits("fax", cleaned.fax)
    return cleaned


def load_details(session: Session) -> PracticeDetails:
    """The stored practice details (a name only until someone fills in the rest)."""
    practice = session.get(Practice, 1)
    if practice is None:
        return PracticeDetails(name="")
    return PracticeDetails(
        **{f.name: getattr(practice, f.name) for f in dataclasses.fields(PracticeDetails)}
    )


def provider_row(user: User, profile: ProviderProfile | None) -> ProviderRow:
    """A physician's credentials as documents and settings show them."""
    p = profile or ProviderProfile()
    return ProviderRow(
        user_id=user.id,
        username=user.username,
        full_name=user.full_name,
        active=user.status is UserStatus.ACTIVE,
        credentials=p.credentials or "",
        specialty=p.specialty or "",
        npi=p.npi or "",
        dea=p.dea or "",
        license_number=p.license_number or "",
        license_state=p.license_state or "",
        scheduled=True if p.scheduled is None else p.scheduled,
    )


class PracticeService:
    """Reading and changing the practice details and the providers' credentials."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def details(self, actor: Actor) -> PracticeDetails:
        """The practice details; any logged-in user may read them (they print on documents)."""
        # A logged-in user is all it takes (the session check); nothing here is patient data.
        with self._db.unit_of_work(actor) as s:
            return load_details(s)

    def update_details(
        self, actor: Actor, data: PracticeDetails, *, expected: PracticeDetails | None = None
    ) -> PracticeDetails:
        """Save the practice details.

        ``expected`` is what the form showed when loaded: ConflictError if someone has
        saved other details since (the practice row has no version column).
        """
        require(actor, Permission.SETTINGS_MANAGE)
        cleaned = clean_details(data)
        with self._db.unit_of_work(actor) as s:
            current = load_details(s)
            if expected is not None and current != expected:
                raise ConflictError(
                    "Someone else changed the practice details while you were editing. "
                    "Nothing was overwritten; reload the settings to see their changes."
                )
            changed = [
                f.name
                for f in dataclasses.fields(PracticeDetails)
                if getattr(current, f.name) != getattr(cleaned, f.name)
            ]
            if not changed:
                return current
            practice = s.get(Practice, 1)
            if practice is None:
                practice = Practice(id=1, name=cleaned.name)
                s.add(practice)
            for name in changed:
                setattr(practice, name, getattr(cleaned, name))
            record(
                s,
                actor,
                "practice_update",
                entity="practice",
                entity_id=1,
                details={"fields": changed},
            )
            return cleaned

    def providers(self, actor: Actor) -> list[ProviderRow]:
        """Every physician (disabled ones too) with their credentials, by name."""
        require(actor, Permission.SETTINGS_MANAGE)
        stmt = (
            select(User, ProviderProfile)
            .outerjoin(ProviderProfile, ProviderProfile.user_id == User.id)
            .where(User.role == Role.PHYSICIAN)
            .order_by(User.full_name, User.id)
        )
        with self._db.unit_of_work(actor) as s:
            return [provider_row(user, profile) for user, profile in s.execute(stmt)]

    def update_provider(
        self,
        actor: Actor,
        user_id: int,
        *,
        credentials: str,
        specialty: str,
        npi: str,
        dea: str,
        license_number: str,
        license_state: str,
        scheduled: bool,
        expected: ProviderRow | None = None,
    ) -> ProviderRow:
        """Save a physician's credentials and whether they have a column on the schedule.

        ``expected`` is the row the form was filled from: ConflictError if it changed since.
        """
        require(actor, Permission.SETTINGS_MANAGE)
        values: dict[str, object] = {
            "credentials": v.text("credentials", credentials, max_len=40),
            "specialty": v.text("specialty", specialty, max_len=100),
            "npi": clean_npi(npi),
            "dea": clean_dea(dea),
            "license_number": v.text("license number", license_number, max_len=40),
            "license_state": v.text("license state", license_state, max_len=20),
            "scheduled": bool(scheduled),
        }
        with self._db.unit_of_work(actor) as s:
            user = s.get(User, user_id)
            if user is None:
                raise NotFound("That user does not exist.")
            if user.role is not Role.PHYSICIAN:
                raise ValidationError("provider", "only physicians have provider credentials")
            profile = s.get(ProviderProfile, user_id)
            current = provider_row(user, profile)
            if expected is not None and current != expected:
                raise ConflictError(
                    "Someone else changed this provider's details while you were editing. "
                    "Nothing was overwritten; reopen them to see their changes."
                )
            changed = [f for f in _PROVIDER_FIELDS if getattr(current, f) != values[f]]
            if not changed:
                return current
            if profile is None:
                profile = ProviderProfile(user_id=user_id, color="")
                s.add(profile)
            for name in _PROVIDER_FIELDS:
                setattr(profile, name, values[name])
            record(
                s,
                actor,
                "provider_update",
                entity="user",
                entity_id=user_id,
                details={"fields": changed},
            )
            s.flush()
            return provider_row(user, profile)
