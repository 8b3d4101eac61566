"""User accounts and the security policy: lockout, password rules, one-time passwords."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ADMIN_PASSWORD, PASSPHRASE, STAFF_PASSWORD, Practice, make_practice
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from test_foundation_support import actions_after, audit_head_id, run_cli

from emr_desktop.domain.security import Role, UserStatus
from emr_desktop.errors import (
    AuthenticationError,
    DuplicateError,
    PasswordChangeRequired,
    ValidationError,
)
from emr_desktop.models.mfa import LoginThrottle
from emr_desktop.models.user import User
from emr_desktop.persistence.database import Database
from emr_desktop.security.passwords import check_password_rules, one_time_password
from emr_desktop.services.practice.auth import REFUSED, AuthService
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


# --- lockout ---------------------------------------------------------------------------


def _after_the_wait(db: Database) -> None:
    """End every backoff wait, as the passing of a few seconds would."""
    with db.unit_of_work() as s:
        s.execute(update(LoginThrottle).values(wait_until=None))


def _fail_patiently(auth: AuthService, username: str, password: str = WRONG) -> str:
    """A refused login made after any backoff wait has run out."""
    _after_the_wait(auth._db)
    return _fail_login(auth, username, password)


def test_five_failures_lock_the_name_on_this_workstation_only(shared: Practice) -> None:
    shared.add_user("lockme", Role.NURSE)
    auth = AuthService(shared.db, workstation="exam-2")
    for _ in range(4):
        assert _fail_patiently(auth, "lockme") == REFUSED
    started = dt.datetime.now(dt.UTC)
    head = audit_head_id(shared.db)
    assert _fail_patiently(auth, "lockme") == REFUSED  # the same words when it locks
    assert actions_after(shared.db, head) == ["login_failed", "user_lockout"]
    with shared.db.unit_of_work() as s:
        until = s.scalars(
            select(LoginThrottle.locked_until).where(LoginThrottle.username == "lockme")
        ).one()
    assert until is not None
    assert dt.timedelta(minutes=14) < until - started <= dt.timedelta(minutes=15, seconds=5)

    # The sixth attempt from that PC, with the RIGHT password, is refused because of the lock.
    assert _fail_patiently(auth, "lockme", STAFF_PASSWORD) == REFUSED
    assert "lockme" in [
        u.username for u in UserService(shared.db).list(shared.admin) if u.locked_out
    ]
    # ... but the nurse logs in at once from another PC: nobody can lock her out from one.
    other = AuthService(shared.db, workstation="front-desk")
    assert other.login("lockme", STAFF_PASSWORD).username == "lockme"

    # Fifteen minutes later the right password works again on the first PC.
    with shared.db.unit_of_work() as s:
        s.execute(update(LoginThrottle).values(locked_until=started))
    assert auth.login("lockme", STAFF_PASSWORD).username == "lockme"
    with shared.db.unit_of_work() as s:
        assert s.scalar(select(LoginThrottle).where(LoginThrottle.username == "lockme")) is None


def test_failures_back_off_before_they_lock(shared: Practice) -> None:
    shared.add_user("backoff", Role.NURSE)
    auth = AuthService(shared.db, workstation="exam-3")
    _fail_patiently(auth, "backoff")
    _fail_patiently(auth, "backoff")
    with shared.db.unit_of_work() as s:
        row = s.scalars(select(LoginThrottle).where(LoginThrottle.username == "backoff")).one()
        assert row.wait_until is not None and row.locked_until is None
        row.wait_until = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)  # still waiting
    # During the wait even the right password is refused ...
    head = audit_head_id(shared.db)
    assert _fail_login(auth, "backoff", STAFF_PASSWORD) == REFUSED
    assert actions_after(shared.db, head) == ["login_failed"]
    # ... and attempts while waiting are not counted towards the lock.
    with shared.db.unit_of_work() as s:
        failures = s.scalars(
            select(LoginThrottle.failures).where(LoginThrottle.username == "backoff")
        ).one()
    assert failures == 2
    _after_the_wait(shared.db)
    assert auth.login("backoff", STAFF_PASSWORD).username == "backoff"


def test_admin_unlock_and_a_lower_threshold(shared: Practice) -> None:
    shared.add_user("lockthree", Role.RECEPTIONIST)
    settings = SettingsService(shared.db)
    settings.update(shared.admin, lockout_threshold=3)
    try:
        auth = AuthService(shared.db)
        for _ in range(3):
            _fail_patiently(auth, "lockthree")
        _fail_patiently(auth, "lockthree", STAFF_PASSWORD)
        assert "lockthree" in [
            u.username for u in UserService(shared.db).list(shared.admin) if u.locked_out
        ]
        info = UserService(shared.db).unlock(shared.admin, "lockthree")
        assert not [u for u in UserService(shared.db).list(shared.admin) if u.locked_out]
        assert info.username == "lockthree"
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
        ("Password123", "", "common password"),
        ("welcome123", "", "common password"),
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
    assert _fail_login(auth, "goneaway", STAFF_PASSWORD) == REFUSED
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
        "admin\tadmin\tactive\t-",
        "drwho\tphysician\tactive\t-",
        "frontdesk\treceptionist\tlocked\t-",
        "nightnurse\tnurse\tdisabled\t-",
    ]
    assert captured.err == ""
    assert PASSPHRASE not in captured.out
