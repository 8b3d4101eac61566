"""Practice DTOs: the details printed on documents and the providers' credentials."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PracticeDetails:
    """The practice's name and contact details (also the input of an edit)."""

    name: str
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    phone: str = ""
    fax: str = ""
    email: str = ""

    def letterhead(self) -> tuple[str, ...]:
        """The lines a document prints at its top; parts left empty are left out."""
        place = " ".join(p for p in (self.state, self.postal_code) if p)
        town = ", ".join(p for p in (self.city, place) if p)
        contact = "   ".join(
            f"{label} {value}"
            for label, value in (("Phone", self.phone), ("Fax", self.fax))
            if value
        )
        lines = (self.name, self.address_line1, self.address_line2, town, contact)
        return tuple(line for line in lines if line)


@dataclass(frozen=True, slots=True)
class ProviderRow:
    """A physician's credentials as the settings screen and documents show them."""

    user_id: int
    username: str
    full_name: str
    active: bool
    credentials: str
    specialty: str
    npi: str
    dea: str
    license_number: str
    license_state: str
    scheduled: bool
