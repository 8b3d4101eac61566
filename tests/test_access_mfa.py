"""The second factor: TOTP enrolment (by the manager or oneself), codes that work once,
recovery codes, the practice's requirement by role, emr-admin with EMR_TOTP."""

from __future__ import annotations

import time
import urllib.parse

import pyotp
import pytest
from conftest import STAFF_PASSWORD, Practice
from sqlalchemy import select
from test_foundation_support import actions_after, audit_head_id, run_cli

from emr_desktop.domain.security import Role
from emr_desktop.errors import (
    AuthenticationError,
    MfaCodeRequired,
    MfaEnrollmentRequired,
    PermissionDenied,
    ValidationError,
)
from emr_desktop.models.audit import AuditLog
from emr_desktop.models.mfa import MfaRecoveryCode, UserMfa
from emr_desktop.security import totp
from emr_desktop.services.practice.auth import REFUSED, AuthService
from emr_desktop.services.practice.mfa import MfaService


def _secret(uri: str) -> str:
    return urllib.parse.parse_qs(urllib.parse.urlparse(uri).query)["secret"][0]


def _code(uri: str, steps_ahead: int = 0) -> str:
    """The code the user's app shows (``steps_ahead``: the next period's, still accepted)."""
    return pyotp.TOTP(_secret(uri)).at(time.time() + 30 * steps_ahead)


def test_an_enrolled_user_needs_a_code_that_works_once(practice: Practice) -> None:
    practice.add_user("drmfa", Role.PHYSICIAN)
    enrolment = MfaService(practice.db).enroll(practice.admin, "drmfa")
    assert enrolment.uri.startswith("otpauth://totp/")
    assert enrolment.qr_png.startswith(b"\x89PNG")
    assert len(enrolment.recovery_codes) == totp.RECOVERY_CODES
    auth = AuthService(practice.db, workstation="exam-1")

    with pytest.raises(MfaCodeRequired):
        auth.login("drmfa", STAFF_PASSWORD)
    head = audit_head_id(practice.db)
    with pytest.raises(AuthenticationError) as info:
        auth.login("drmfa", STAFF_PASSWORD, "000000")
    assert info.value.message == REFUSED
    assert actions_after(practice.db, head) == ["login_failed"]

    code = _code(enrolment.uri)
    assert auth.login("drmfa", STAFF_PASSWORD, code).username == "drmfa"
    with pytest.raises(AuthenticationError):  # the same code again: a replay
        AuthService(practice.db, workstation="exam-9").login("drmfa", STAFF_PASSWORD, code)
    assert auth.login("drmfa", STAFF_PASSWORD, _code(enrolment.uri, 1)).username == "drmfa"


def test_a_recovery_code_works_once_and_is_stored_hashed(practice: Practice) -> None:
    practice.add_user("drlost", Role.PHYSICIAN)
    enrolment = MfaService(practice.db).enroll(practice.admin, "drlost")
    first = enrolment.recovery_codes[0]
    auth = AuthService(practice.db, workstation="exam-1")
    actor = auth.login("drlost", STAFF_PASSWORD, first.lower())
    assert MfaService(practice.db).status(actor).recovery_codes_left == totp.RECOVERY_CODES - 1
    with pytest.raises(AuthenticationError):
        AuthService(practice.db, workstation="exam-2").login("drlost", STAFF_PASSWORD, first)
    with practice.db.reading() as s:
        stored = list(s.scalars(select(MfaRecoveryCode.code_hash)))
        sealed_secret = s.scalars(select(UserMfa.secret_sealed)).one()
        actions = list(s.scalars(select(AuditLog.action)))
    assert not any(c.replace("-", "") in h for c in enrolment.recovery_codes for h in stored)
    assert _secret(enrolment.uri) not in sealed_secret
    assert "mfa_recovery_code_used" in actions


def test_self_enrolment_is_active_only_after_its_first_code(practice: Practice) -> None:
    actor = practice.add_user("nurseq", Role.NURSE)
    mfa = MfaService(practice.db)
    pending = mfa.begin(actor)
    assert not mfa.status(actor).enrolled
    assert AuthService(practice.db).login("nurseq", STAFF_PASSWORD).username == "nurseq"
    with pytest.raises(ValidationError) as info:
        mfa.confirm(actor, "123")
    assert info.value.field == "code"
    codes = mfa.confirm(actor, _code(pending.uri))
    assert len(codes) == totp.RECOVERY_CODES
    assert mfa.status(actor).enrolled
    with pytest.raises(ValidationError):  # a second device needs removing the first
        mfa.begin(actor)
    with pytest.raises(MfaCodeRequired):
        AuthService(practice.db).login("nurseq", STAFF_PASSWORD)
    mfa.remove(actor, "nurseq")
    assert AuthService(practice.db).login("nurseq", STAFF_PASSWORD).username == "nurseq"


def test_the_manager_requires_it_for_a_role_and_the_user_enrols_at_login(
    practice: Practice,
) -> None:
    doctor = practice.add_user("drreq", Role.PHYSICIAN)
    practice.add_user("nursefree", Role.NURSE)
    mfa = MfaService(practice.db)
    with pytest.raises(PermissionDenied):
        mfa.require_for(doctor, frozenset(Role))
    assert mfa.require_for(practice.admin, frozenset({Role.PHYSICIAN})).roles == {Role.PHYSICIAN}
    auth = AuthService(practice.db)
    with pytest.raises(MfaEnrollmentRequired) as info:
        auth.login("drreq", STAFF_PASSWORD)
    uri = info.value.uri
    with pytest.raises(MfaEnrollmentRequired) as again:  # the same enrolment while pending
        auth.login("drreq", STAFF_PASSWORD)
    assert again.value.uri == uri
    actor = auth.login("drreq", STAFF_PASSWORD, _code(uri))
    assert mfa.status(actor).enrolled and mfa.status(actor).required
    assert auth.login("nursefree", STAFF_PASSWORD).role is Role.NURSE
    everyone = mfa.require_for(practice.admin, frozenset(Role))
    assert everyone.everyone
    with pytest.raises(MfaEnrollmentRequired):
        auth.login("nursefree", STAFF_PASSWORD)


def test_emr_admin_enrol_prints_the_uri_and_users_list_shows_mfa(
    practice: Practice, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if practice.engine != "sqlcipher":
        pytest.skip("emr-admin opens the embedded practice folder here")
    practice.add_user("drcli", Role.PHYSICIAN)
    assert (
        run_cli(monkeypatch, practice.root, "--user", "admin", "users", "mfa", "enroll", "drcli")
        == 0
    )
    printed = capsys.readouterr().out
    uri = next(word for word in printed.split() if word.startswith("otpauth://"))
    assert run_cli(monkeypatch, practice.root, "--user", "admin", "users", "list") == 0
    assert "drcli\tphysician\tactive\tmfa" in capsys.readouterr().out.splitlines()

    args = ("--user", "drcli", "patients", "search", "")
    assert run_cli(monkeypatch, practice.root, *args, password=STAFF_PASSWORD) == 1
    assert "EMR_TOTP" in capsys.readouterr().err
    monkeypatch.setenv("EMR_TOTP", _code(uri))
    assert run_cli(monkeypatch, practice.root, *args, password=STAFF_PASSWORD) == 0
