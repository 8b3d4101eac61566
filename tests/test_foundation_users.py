"""User accounts and the security policy: lockout, password rules, one-time passwords."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ADMIN_PASSWORD, PASSPHRASE, STAFF_PASSWORD, Practice, make_practice
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from test_foundation_support import actions_after, audit_head_id, run_cli

from emr_desktop.domain.security import Role, UserStatus
from emr_desktop.errors import (
    AuthenticationError,
    DuplicateError,
    PasswordChangeRequired,
    ValidationError,
)
from emr_desktop.models.user import User
from emr_desktop.persistence.database import Database
from emr_desktop.security.passwords import check_password_rules, one_time_password
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.services.practice.settings import SettingsService
from emr_desktop.services.practice.users import UserService

WRONG = "Wrong-guess-4711"


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Practice]:
    """One practice for the tests below; each uses its own usernames."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EMR_NO_KEYRING", "1")
        p = make_practice(tmp_path_factory.mktemp("users") / "practice")
    yield p
    p.db.dispose()


def _fail_login(auth: AuthService, username: str, password: str = WRONG) -> str:
    with pytest.raises(AuthenticationError) as info:
        auth.login(username, password)
    assert type(info.value) is AuthenticationError
    return info.value.message


def _set_locked_until(db: Database, username: str, when: dt.datetime | None) -> None:
    """Move a lockout's end in the data, as the passing of time would."""
    with db.unit_of_work() as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        user.locked_until = when


def _locked_until(db: Database, username: str) -> dt.datetime | None:
    with db.unit_of_work() as s:
        return s.scalars(select(User.locked_until).where(User.username == username)).one()


# --- lockout ---------------------------------------------------------------------------


def test_five_failures_lock_the_account_for_fifteen_minutes(shared: Practice) -> None:
    shared.add_user("lockme", Role.NURSE)
    auth = AuthService(shared.db)
    for _ in range(4):
        assert _fail_login(auth, "lockme") == "The username or password is not correct."
    started = dt.datetime.now(dt.UTC)
    head = audit_head_id(shared.db)
    fifth = _fail_login(auth, "lockme")
    assert actions_after(shared.db, head) == ["login_failed", "user_lockout"]
    assert "locked" in fifth and "15 minutes" in fifth
    until = _locked_until(shared.db, "lockme")
    assert until is not None
    assert dt.timedelta(minutes=14) < until - started <= dt.timedelta(minutes=15, seconds=5)

    # The sixth attempt, with the RIGHT password, is refused because of the lock.
    sixth = _fail_login(auth, "lockme", STAFF_PASSWORD)
    assert "locked" in sixth
    assert "lockme" in [
        u.username for u in UserService(shared.db).list(shared.admin) if u.locked_out
    ]

    # Fifteen minutes later the right password works again.
    _set_locked_until(shared.db, "lockme", dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    assert auth.login("lockme", STAFF_PASSWORD).username == "lockme"
    assert _locked_until(shared.db, "lockme") is None


def test_admin_unlock_and_a_lower_threshold(shared: Practice) -> None:
    shared.add_user("lockthree", Role.RECEPTIONIST)
    settings = SettingsService(shared.db)
    settings.update(shared.admin, lockout_threshold=3)
    try:
        auth = AuthService(shared.db)
        assert "locked" not in _fail_login(auth, "lockthree")
        assert "locked" not in _fail_login(auth, "lockthree")
        assert "locked" in _fail_login(auth, "lockthree")
        assert "locked" in _fail_login(auth, "lockthree", STAFF_PASSWORD)

        info = UserService(shared.db).unlock(shared.admin, "lockthree")
        assert not info.locked_out
        assert auth.login("lockthree", STAFF_PASSWORD).role is Role.RECEPTIONIST
    finally:
        settings.update(shared.admin, lockout_threshold=5)


def test_threshold_outside_the_policy_is_refused(shared: Practice) -> None:
    with pytest.raises(ValidationError) as info:
        SettingsService(shared.db).update(shared.admin, lockout_threshold=1)
    assert info.value.field == "lockout_threshold"
    assert SettingsService(shared.db).current().lockout_threshold == 5


# --- password rules ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "username", "why"),
    [
        ("Sh0rt-pw", "", "at least 10"),
        ("x1" * 130, "", "at most 256"),
        ("onlylettersinhere", "", "mix letters"),
        ("OnlyLettersInHere", "", "mix letters"),
        ("12345678901234", "", "mix letters"),
        ("xx-jdoe-2026-xx", "jdoe", "username"),
        ("XX-JDoe-2026-xx", "jdoe", "username"),
        ("Password123", "", "too common"),
        ("welcome123", "", "too common"),
    ],
)
def test_password_rules_name_the_field(password: str, username: str, why: str) -> None:
    with pytest.raises(ValidationError) as info:
        check_password_rules(password, username)
    assert info.value.field == "password"
    assert why in info.value.reason


def test_weak_password_is_refused_when_adding_a_user(shared: Practice) -> None:
    users = UserService(shared.db)
    with pytest.raises(ValidationError) as info:
        users.add(
            shared.admin,
            username="weakling",
            full_name="Weak Ling",
            role=Role.NURSE,
            password="weakling-2026",
        )
    assert info.value.field == "password"
    assert "weakling" not in [u.username for u in users.list(shared.admin)]


def test_one_time_passwords_pass_the_rules() -> None:
    seen = set()
    for _ in range(2000):
        otp = one_time_password()
        check_password_rules(otp)
        check_password_rules(otp, "admin")
        seen.add(otp)
    assert len(seen) == 2000


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(password=st.text(max_size=80), username=st.text(max_size=20))
def test_password_rules_raise_only_validation_errors(password: str, username: str) -> None:
    try:
        check_password_rules(password, username)
    except ValidationError as err:
        assert err.field == "password"
        assert err.reason


@settings(max_examples=100, deadline=None)
@given(st.from_regex(r"[a-z][a-z0-9._-]{2,8}", fullmatch=True))
def test_one_time_passwords_fit_any_username(username: str) -> None:
    # An otp that happened to contain the username would be a rare, harmless coincidence;
    # what matters is that the generator never makes a password the rules refuse otherwise.
    otp = one_time_password()
    if username.lower() not in otp.lower():
        check_password_rules(otp, username)


# --- accounts ---------------------------------------------------------------------------


def test_disabled_user_cannot_log_in(shared: Practice) -> None:
    shared.add_user("goneaway", Role.PHYSICIAN)
    users, auth = UserService(shared.db), AuthService(shared.db)
    users.set_status(shared.admin, "goneaway", UserStatus.DISABLED)
    assert "disabled" in _fail_login(auth, "goneaway", STAFF_PASSWORD)
    users.set_status(shared.admin, "goneaway", UserStatus.ACTIVE)
    assert auth.login("goneaway", STAFF_PASSWORD).username == "goneaway"


def test_admin_cannot_disable_themself(shared: Practice) -> None:
    with pytest.raises(ValidationError):
        UserService(shared.db).set_status(shared.admin, "admin", UserStatus.DISABLED)
    assert AuthService(shared.db).login("admin", ADMIN_PASSWORD).username == "admin"


def test_one_time_password_must_be_changed(shared: Practice) -> None:
    users, auth = UserService(shared.db), AuthService(shared.db)
    result = users.add(
        shared.admin, username="newbie", full_name="New Bie", role=Role.NURSE, password=None
    )
    otp = result.one_time_password
    assert otp is not None and result.user.must_change_password
    with pytest.raises(PasswordChangeRequired):
        auth.login("newbie", otp)
    with pytest.raises(ValidationError) as info:
        auth.change_password("newbie", otp, "short")
    assert info.value.field == "new password"
    actor = auth.change_password("newbie", otp, "Fresh-start-8812")
    assert actor.username == "newbie"
    assert auth.login("newbie", "Fresh-start-8812").username == "newbie"
    _fail_login(auth, "newbie", otp)

    # A reset by the admin starts the same cycle again.
    again = users.reset_password(shared.admin, "newbie", None)
    assert again is not None
    with pytest.raises(PasswordChangeRequired):
        auth.login("newbie", again)
    _fail_login(auth, "newbie", "Fresh-start-8812")


def test_usernames_ignore_case_and_are_unique(shared: Practice) -> None:
    users = UserService(shared.db)
    added = users.add(
        shared.admin, username="JDoe", full_name="J Doe", role=Role.NURSE, password=STAFF_PASSWORD
    )
    assert added.user.username == "jdoe"
    for spelling in ("jdoe", "JDOE", " jDoE "):
        with pytest.raises(DuplicateError):
            users.add(
                shared.admin,
                username=spelling,
                full_name="Another Doe",
                role=Role.RECEPTIONIST,
                password=STAFF_PASSWORD,
            )
    assert [u.username for u in users.list(shared.admin)].count("jdoe") == 1
    assert AuthService(shared.db).login("JDOE", STAFF_PASSWORD).username == "jdoe"


def test_cli_users_list_prints_tab_separated_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    p = make_practice(tmp_path / "practice")
    try:
        users = UserService(p.db)
        for name, role in (
            ("drwho", Role.PHYSICIAN),
            ("nightnurse", Role.NURSE),
            ("frontdesk", Role.RECEPTIONIST),
        ):
            users.add(p.admin, username=name, full_name=name, role=role, password=STAFF_PASSWORD)
        users.set_status(p.admin, "nightnurse", UserStatus.DISABLED)
        _set_locked_until(p.db, "frontdesk", dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10))
        code = run_cli(monkeypatch, p.root, "--user", "admin", "users", "list")
    finally:
        p.db.dispose()
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.splitlines() == [
        "admin\tadmin\tactive",
        "drwho\tphysician\tactive",
        "frontdesk\treceptionist\tlocked",
        "nightnurse\tnurse\tdisabled",
    ]
    assert captured.err == ""
    assert PASSPHRASE not in captured.out
