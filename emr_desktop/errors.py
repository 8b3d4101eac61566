"""Typed errors raised by the core; front ends show them in words a receptionist understands.

Every error carries a ``message`` fit to show a user as is. None of them may carry
patient data in a way that could reach a log: front ends log only the class name.
"""

from __future__ import annotations


class EmrError(Exception):
    """Base of every error the application raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(EmrError):
    """Input was refused; ``field`` names the field, ``message`` says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


class ValidationErrors(ValidationError):
    """Several fields were refused at once; ``problems`` holds one ValidationError each
    (``field`` and ``reason`` are the first one's, so one-field callers keep working)."""

    def __init__(self, problems: tuple[ValidationError, ...]) -> None:
        super().__init__(problems[0].field, problems[0].reason)
        self.problems = problems
        self.message = "; ".join(p.message for p in problems)


class PermissionDenied(EmrError):
    """The acting user's role does not allow this action."""


class AuthenticationError(EmrError):
    """Wrong username or password, disabled account or account locked out."""


class PasswordChangeRequired(AuthenticationError):
    """The password was right but is a one-time password that must be changed first."""


class NotFound(EmrError):
    """The record asked for does not exist (or is not visible to this user)."""


class ConflictError(EmrError):
    """Someone else saved this record since it was loaded; nothing was overwritten."""


class LockedRecordError(EmrError):
    """The record is signed or otherwise closed to edits (use an addendum)."""


class DuplicateError(EmrError):
    """A record that looks the same already exists; ``candidates`` holds what matched."""

    def __init__(self, message: str, candidates: tuple[object, ...] = ()) -> None:
        super().__init__(message)
        self.candidates = candidates


class PracticeError(EmrError):
    """The practice data directory cannot be used (absent, half-made, already in use)."""


class WrongPassphrase(EmrError):
    """The practice passphrase does not unlock the key file."""


class DatabaseDamaged(EmrError):
    """The database file belongs to this practice but cannot be read: restore a backup."""


class ForeignDatabase(EmrError):
    """The database file is not this practice's (another practice's, or not ours at all)."""


class SessionEnded(EmrError):
    """The acting user's session is over (logged out, account disabled, role changed, or
    never logged in): nothing was done; log in again."""


class BusyError(EmrError):
    """The database was busy or unreachable for a moment; nothing was saved, try again."""


class BackupError(EmrError):
    """A backup could not be made, or a backup file failed verification."""


class MfaCodeRequired(AuthenticationError):
    """The password was right and the account has a second factor: ask for its code."""


class MfaEnrollmentRequired(AuthenticationError):
    """The password was right, the practice requires a second factor for this user, and
    none is set up yet: ``uri`` (and its QR code, PNG bytes) is a fresh enrolment to confirm
    by logging in with its first code."""

    def __init__(self, message: str, uri: str = "", qr_png: bytes = b"") -> None:
        super().__init__(message)
        self.uri = uri
        self.qr_png = qr_png


class ChartRestricted(PermissionDenied):
    """The chart is restricted to named users: others must break the glass (emergency
    access, with a reason) to open it."""

    def __init__(self, patient_id: int) -> None:
        super().__init__(
            "This chart is restricted to the clinicians the practice named. Only in an "
            "emergency may you open it anyway (break the glass): you must give a reason, "
            "and the practice manager reviews every such access."
        )
        self.patient_id = patient_id
