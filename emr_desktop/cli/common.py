"""What every emr-admin command shares: reading secrets, opening the practice, logging in."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import getpass
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from emr_desktop.domain.security import Actor
from emr_desktop.errors import (
    AuthenticationError,
    ChartRestricted,
    EmrError,
    MfaCodeRequired,
    MfaEnrollmentRequired,
    PracticeError,
    ValidationError,
)
from emr_desktop.paths import data_dir
from emr_desktop.persistence.database import Database
from emr_desktop.services.access.restricted import RestrictedChartService
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.services.practice.folder import PracticePaths
from emr_desktop.services.practice.refusals import RefusalService
from emr_desktop.services.practice.store import open_practice

PASSWORD_ENV = "EMR_PASSWORD"
NEW_PASSWORD_ENV = "EMR_NEW_PASSWORD"
PASSPHRASE_ENV = "EMR_DB_PASSPHRASE"
SERVER_PASSWORD_ENV = "EMR_SERVER_PASSWORD"
TOTP_ENV = "EMR_TOTP"


class UsageError(EmrError):
    """The command line itself is wrong (exit code 2)."""


def interactive() -> bool:
    """Whether a person is at the terminal to answer prompts."""
    return sys.stdin is not None and sys.stdin.isatty()


def secret(env: str, prompt: str, *, confirm: bool = False) -> str | None:
    """A secret from the environment, else a terminal prompt; None when neither is possible."""
    value = os.environ.get(env)
    if value:
        return value
    if not interactive():
        return None
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Repeat to confirm: ") != first:
        raise ValidationError(prompt.rstrip(": "), "the two entries do not match")
    return first


def passphrase_provider() -> Callable[[], str]:
    """Asks for the practice passphrase only if the keyring did not have the key."""

    def provide() -> str:
        value = secret(PASSPHRASE_ENV, "Practice passphrase: ")
        if value is None:
            raise PracticeError(
                f"The practice passphrase is needed: set {PASSPHRASE_ENV} or run in a terminal."
            )
        return value

    return provide


def server_password_provider() -> Callable[[], str]:
    """Asks for the practice server's password only if the keyring did not have it."""

    def provide() -> str:
        value = secret(SERVER_PASSWORD_ENV, "Password of the practice server: ")
        if value is None:
            raise PracticeError(
                f"The practice server's password is needed: set {SERVER_PASSWORD_ENV} or run "
                "in a terminal."
            )
        return value

    return provide


def parse_when(text: str, *, end_of_day: bool = False) -> dt.datetime:
    """A date (YYYY-MM-DD) or ISO date-time, as aware UTC; a date ``until`` covers the day."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError("date", f"{text!r} is not a date like 2026-11-23") from None
    if len(text) == 10 and end_of_day:
        value += dt.timedelta(days=1)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


@dataclass
class Context:
    """The parsed command line plus lazily opened practice and logged-in actor."""

    args: argparse.Namespace
    _db: Database | None = None
    _actor: Actor | None = None

    @property
    def paths(self) -> PracticePaths:
        """The practice's files."""
        return PracticePaths(data_dir(self.args.data_dir))

    @property
    def db(self) -> Database:
        """The open practice database (unlocked on first use)."""
        if self._db is None:
            self._db = open_practice(
                self.paths.root, passphrase_provider(), server_password=server_password_provider()
            )
        return self._db

    @property
    def actor(self) -> Actor:
        """The user named by --user, logged in with EMR_PASSWORD or a prompt."""
        if self._actor is None:
            username = getattr(self.args, "user", None)
            if not username:
                raise UsageError("This command needs the acting user: add --user NAME.")
            password = secret(PASSWORD_ENV, f"Password for {username}: ")
            if password is None:
                raise UsageError(f"No password: set {PASSWORD_ENV} or run in a terminal.")
            self._actor = login_with_code(AuthService(self.db), username, password)
        return self._actor

    def record_refusal(self, err: EmrError, what: str) -> None:
        """Audit a refused action of the logged-in user (never fails the command)."""
        if self._db is not None and self._actor is not None:
            with contextlib.suppress(EmrError):
                RefusalService(self._db).record(self._actor, err, what=f"emr-admin {what}")

    def close(self) -> None:
        """Log out and release the database."""
        if self._db is not None:
            if self._actor is not None:
                AuthService(self._db).logout(self._actor)
            self._db.dispose()


def login_with_code(auth: AuthService, username: str, password: str) -> Actor:
    """Log in; the second factor's code comes from EMR_TOTP or a prompt when it is asked."""
    code = os.environ.get(TOTP_ENV) or None
    try:
        return auth.login(username, password, code)
    except MfaEnrollmentRequired:
        raise AuthenticationError(
            f"Two-step login is required for {username.lower()} and is not set up yet: log in "
            "once in the app to set it up, or ask the practice manager to run "
            f"'emr-admin users mfa enroll {username.lower()}'."
        ) from None
    except MfaCodeRequired:
        if code is not None or not interactive():
            raise AuthenticationError(
                f"{username.lower()} logs in with a second step: set {TOTP_ENV} to the code "
                "from the authenticator app (or a recovery code), or run in a terminal."
            ) from None
        code = getpass.getpass(f"Code from the authenticator app for {username.lower()}: ")
        return auth.login(username, password, code)


def run_with_emergency(ctx: Context, func: Callable[[Context], int]) -> int:
    """Run a command; when it meets a restricted chart and --emergency-reason was given,
    break the glass (audited, for a limited time) and run it once more."""
    try:
        return func(ctx)
    except ChartRestricted as err:
        reason = getattr(ctx.args, "emergency_reason", None)
        if not reason:
            raise PracticeError(
                f"{err.message} On the command line: add --emergency-reason TEXT."
            ) from None
        RestrictedChartService(ctx.db).break_glass(ctx.actor, err.patient_id, reason)
        return func(ctx)


def out(line: str) -> None:
    """Print one line of a command's result."""
    print(line, flush=True)


def path_arg(text: str) -> Path:
    """argparse type for a file path (user ~ expanded)."""
    return Path(text).expanduser()


def crash_place(err: BaseException) -> str:
    """An exception's class and the code lines it passed through, without its message or
    any value (a message can quote the command's arguments, e.g. a patient's name)."""
    frames = traceback.extract_tb(err.__traceback__)[-6:]
    where = " < ".join(f"{Path(f.filename).name}:{f.lineno}" for f in reversed(frames))
    return f"{type(err).__name__} at {where or 'unknown place'}"
