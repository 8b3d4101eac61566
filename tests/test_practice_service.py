"""Practice details and provider credentials: validation, conflicts, audit and the role matrix."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable

import pytest
from conftest import Practice
from hypothesis import given
from hypothesis import strategies as st

from emr_desktop.domain.audit import AuditFilter
from emr_desktop.domain.practice import PracticeDetails, ProviderRow
from emr_desktop.domain.security import Actor, Role
from emr_desktop.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from emr_desktop.models import AuditHead
from emr_desktop.services.common.validation import luhn_digit
from emr_desktop.services.practice.audit_report import AuditService
from emr_desktop.services.practice.details import (
    NPI_PREFIX,
    PracticeService,
    clean_dea,
    clean_details,
    clean_npi,
    dea_is_valid,
    npi_is_valid,
)

GOOD_NPI = "1234567893"  # the CMS worked example
GOOD_DEA = "AB1234563"  # 1+3+5 + 2*(2+4+6) = 33 -> check digit 3

DETAILS = PracticeDetails(
    name="Riverside Family Medicine",
    address_line1="12 River Road",
    address_line2="Suite 4",
    city="Springfield",
    state="IL",
    postal_code="62701",
    phone="(217) 555-0100",
    fax="217-555-0101",
    email="front@riverside.example",
)


def audit_head(practice: Practice) -> int:
    """The id of the newest audit row."""
    with practice.db.unit_of_work() as s:
        head = s.get(AuditHead, 1)
        assert head is not None
        return head.last_id


def actions(practice: Practice) -> list[str]:
    """Audit actions, oldest first."""
    rows = AuditService(practice.db).search(practice.admin, AuditFilter(), limit=500)
    return [r.action for r in reversed(rows) if r.action != "audit_view"]


def test_details_round_trip_trimmed_and_audited_by_field_name(practice: Practice) -> None:
    service = PracticeService(practice.db)
    assert service.details(practice.admin).name == "Test Practice"
    saved = service.update_details(
        practice.admin, dataclasses.replace(DETAILS, city=" Springfield ")
    )
    assert saved == DETAILS
    assert service.details(practice.admin) == DETAILS
    assert DETAILS.letterhead() == (
        "Riverside Family Medicine",
        "12 River Road",
        "Suite 4",
        "Springfield, IL 62701",
        "Phone (217) 555-0100   Fax 217-555-0101",
    )
    head = audit_head(practice)
    service.update_details(practice.admin, DETAILS)  # nothing changed: nothing written
    assert audit_head(practice) == head
    service.update_details(practice.admin, dataclasses.replace(DETAILS, fax="217-555-0199"))
    row = AuditService(practice.db).search(practice.admin, AuditFilter(action="practice_update"))
    assert '"fields": ["fax"]' in row[0].details
    assert "0199" not in row[0].details


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "  "}, "practice name"),
        ({"phone": "call us"}, "phone"),
        ({"fax": "12"}, "fax"),
        ({"email": "nobody"}, "e-mail"),
        ({"postal_code": "1" * 21}, "postal code"),
        ({"address_line1": "x\x00y"}, "address"),
    ],
)
def test_bad_details_name_their_field(change: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        clean_details(dataclasses.replace(DETAILS, **change))
    assert err.value.field == field


def test_bad_or_stale_details_are_refused_and_nothing_is_written(practice: Practice) -> None:
    service = PracticeService(practice.db)
    loaded = service.details(practice.admin)
    head = audit_head(practice)
    with pytest.raises(ValidationError):
        service.update_details(practice.admin, dataclasses.replace(DETAILS, phone="call us"))
    assert audit_head(practice) == head
    service.update_details(practice.admin, DETAILS)
    with pytest.raises(ConflictError):
        service.update_details(
            practice.admin, dataclasses.replace(DETAILS, city="Elsewhere"), expected=loaded
        )
    assert service.details(practice.admin).city == "Springfield"


def _edit(service: PracticeService, actor: Actor, user_id: int, **change: object) -> ProviderRow:
    values: dict[str, object] = {
        "credentials": "MD",
        "specialty": "Family medicine",
        "npi": GOOD_NPI,
        "dea": GOOD_DEA,
        "license_number": "036-123456",
        "license_state": "IL",
        "scheduled": True,
    }
    values.update(change)
    return service.update_provider(actor, user_id, **values)  # type: ignore[arg-type]


def test_providers_lists_physicians_and_saves_their_credentials(practice: Practice) -> None:
    doc = practice.add_user("drokafor", Role.PHYSICIAN)
    practice.add_user("nraman", Role.NURSE)
    service = PracticeService(practice.db)
    (row,) = service.providers(practice.admin)
    assert (row.user_id, row.npi, row.scheduled) == (doc.user_id, "", True)
    saved = _edit(service, practice.admin, doc.user_id, npi="123 456 7893", dea="ab1234563")
    assert (saved.npi, saved.dea, saved.credentials) == (GOOD_NPI, GOOD_DEA, "MD")
    assert service.providers(practice.admin) == [saved]
    unscheduled = _edit(service, practice.admin, doc.user_id, scheduled=False, expected=saved)
    assert not unscheduled.scheduled
    rows = AuditService(practice.db).search(practice.admin, AuditFilter(action="provider_update"))
    assert '"fields": ["scheduled"]' in rows[0].details
    assert GOOD_NPI not in rows[1].details


BAD_CREDENTIALS = [
    ({"npi": "123456789"}, "NPI"),
    ({"npi": "1234567890"}, "NPI"),
    ({"dea": "A12345678"}, "DEA number"),
    ({"dea": "AB1234567"}, "DEA number"),
    ({"credentials": "M" * 41}, "credentials"),
    ({"license_state": "S" * 21}, "license state"),
]


def test_bad_credentials_name_their_field_and_write_nothing(practice: Practice) -> None:
    doc = practice.add_user("drokafor", Role.PHYSICIAN)
    service = PracticeService(practice.db)
    head = audit_head(practice)
    for change, field in BAD_CREDENTIALS:
        with pytest.raises(ValidationError) as err:
            _edit(service, practice.admin, doc.user_id, **change)
        assert err.value.field == field
    assert audit_head(practice) == head
    assert service.providers(practice.admin)[0].npi == ""


def test_only_physicians_have_credentials_and_stale_edits_are_refused(practice: Practice) -> None:
    nurse = practice.add_user("nraman", Role.NURSE)
    doc = practice.add_user("drokafor", Role.PHYSICIAN)
    service = PracticeService(practice.db)
    with pytest.raises(ValidationError):
        _edit(service, practice.admin, nurse.user_id)
    with pytest.raises(NotFound):
        _edit(service, practice.admin, 9999)
    (loaded,) = service.providers(practice.admin)
    _edit(service, practice.admin, doc.user_id)
    with pytest.raises(ConflictError):
        _edit(service, practice.admin, doc.user_id, specialty="Cardiology", expected=loaded)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(0, 9), st.data())
def test_npi_check_digit_catches_every_single_digit_typo(
    base: str, position: int, data: st.DataObject
) -> None:
    npi = base + luhn_digit(NPI_PREFIX + base)
    assert npi_is_valid(npi) and clean_npi(npi) == npi
    wrong = data.draw(st.sampled_from([d for d in "0123456789" if d != npi[position]]))
    typo = npi[:position] + wrong + npi[position + 1 :]
    assert not npi_is_valid(typo)


@given(
    st.text(alphabet="ABCDEFGHJKLMPRSTUX", min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
)
def test_dea_numbers_with_their_check_digit_are_accepted(letters: str, digits: str) -> None:
    d = [int(c) for c in digits]
    check = (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10
    dea = f"{letters}{digits}{check}"
    assert dea_is_valid(dea) and clean_dea(dea.lower()) == dea
    assert not dea_is_valid(f"{letters}{digits}{(check + 1) % 10}")


@given(st.text(max_size=60), st.text(max_size=60))
def test_free_text_never_fails_except_with_a_validation_error(npi: str, dea: str) -> None:
    with contextlib.suppress(ValidationError):
        clean_npi(npi)
    with contextlib.suppress(ValidationError):
        clean_dea(dea)
    with contextlib.suppress(ValidationError):
        clean_details(PracticeDetails(name=npi, phone=dea, fax=npi, email=dea))


ROLES = [Role.ADMIN, Role.PHYSICIAN, Role.NURSE, Role.RECEPTIONIST]


def _actor(practice: Practice, role: Role) -> Actor:
    return practice.admin if role is Role.ADMIN else practice.add_user(f"u{role.value}", role)


CALLS: dict[str, Callable[[PracticeService, Actor, int], object]] = {
    "update_details": lambda svc, actor, _doc: svc.update_details(actor, DETAILS),
    "providers": lambda svc, actor, _doc: svc.providers(actor),
    "update_provider": lambda svc, actor, doc: _edit(svc, actor, doc),
}


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(practice: Practice, role: Role) -> None:
    """Everyone may read the details (they print on documents); only the admin may change
    anything or see the providers' numbers; a refused call writes nothing."""
    doc = practice.add_user("drokafor", Role.PHYSICIAN)
    actor = _actor(practice, role)
    service = PracticeService(practice.db)
    head = audit_head(practice)
    assert service.details(actor).name == "Test Practice"
    assert audit_head(practice) == head
    for name, call in CALLS.items():
        if role is Role.ADMIN:
            call(service, actor, doc.user_id)
        else:
            with pytest.raises(PermissionDenied):
                call(service, actor, doc.user_id)
            assert audit_head(practice) == head, name
    if role is Role.ADMIN:
        assert actions(practice)[-2:] == ["practice_update", "provider_update"]
