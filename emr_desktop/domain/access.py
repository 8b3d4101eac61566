"""Access DTOs: second-factor enrolment and policy, restricted charts, emergency access."""

from __future__ import annotations

from dataclasses import dataclass

from emr_desktop.domain.security import Role


@dataclass(frozen=True, slots=True)
class MfaEnrolment:
    """A TOTP enrolment to show once: the otpauth URI (and its QR code as PNG bytes);
    ``recovery_codes`` is filled when the enrolment is already active."""

    username: str
    uri: str
    qr_png: bytes
    recovery_codes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MfaStatus:
    """Whether a user has a second factor, and whether the practice requires one."""

    username: str
    enrolled: bool
    required: bool
    recovery_codes_left: int


@dataclass(frozen=True, slots=True)
class MfaPolicy:
    """The roles that must use a second factor (all roles: everyone)."""

    roles: frozenset[Role]

    @property
    def everyone(self) -> bool:
        """Whether every role must use a second factor."""
        return self.roles == frozenset(Role)
