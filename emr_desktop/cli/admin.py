"""emr-admin commands for the practice itself: init, users, audit, backup, restore, check."""

from __future__ import annotations

import argparse
import os
import time

from emr_desktop.cli.access import register_users as register_mfa
from emr_desktop.cli.common import (
    NEW_PASSWORD_ENV,
    PASSPHRASE_ENV,
    PASSWORD_ENV,
    TOTP_ENV,
    Context,
    UsageError,
    interactive,
    out,
    parse_when,
    passphrase_provider,
    path_arg,
    secret,
)
from emr_desktop.domain.audit import AuditFilter
from emr_desktop.domain.security import UserStatus
from emr_desktop.errors import PracticeError
from emr_desktop.paths import data_dir
from emr_desktop.persistence.backup import check_file
from emr_desktop.services.practice.audit_report import AuditService
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.services.practice.backup_schedule import BackupScheduleService
from emr_desktop.services.practice.backups import BackupService, read_manifest
from emr_desktop.services.practice.restore import restore_backup
from emr_desktop.services.practice.store import change_passphrase, create_practice, unlock_key
from emr_desktop.services.practice.users import UserService, parse_role


def cmd_init(ctx: Context) -> int:
    """Create a practice in an empty or absent data directory."""
    a = ctx.args
    root = data_dir(a.data_dir)
    passphrase = secret(PASSPHRASE_ENV, "New practice passphrase: ", confirm=True)
    if passphrase is None:
        raise UsageError(f"Set {PASSPHRASE_ENV} or run in a terminal to choose the passphrase.")
    password = secret(NEW_PASSWORD_ENV, f"Password for {a.admin_user}: ", confirm=True)
    db, otp = create_practice(
        root,
        practice_name=a.practice_name,
        admin_username=a.admin_user,
        admin_full_name=a.admin_full_name or a.admin_user,
        admin_password=password,
        passphrase=passphrase,
    )
    db.dispose()
    out(f"Practice created in {root}")
    if otp:
        out(f"One-time password for {a.admin_user.lower()}: {otp}")
        out("It must be changed at first login.")
    return 0


def cmd_users_add(ctx: Context) -> int:
    """Add a user."""
    a = ctx.args
    role = parse_role(a.role)
    actor = ctx.actor
    password = secret(NEW_PASSWORD_ENV, f"Password for {a.username}: ", confirm=True)
    result = UserService(ctx.db).add(
        actor, username=a.username, full_name=a.full_name, role=role, password=password
    )
    out(f"Added {result.user.username} ({result.user.role.value})")
    if result.one_time_password:
        out(f"One-time password: {result.one_time_password}")
        out("It must be changed at first login.")
    return 0


def cmd_users_list(ctx: Context) -> int:
    """Print username TAB role TAB status TAB mfa (or -), one user a line."""
    for user in UserService(ctx.db).list(ctx.actor):
        status = "locked" if user.locked_out and user.status is UserStatus.ACTIVE else user.status
        mfa = "mfa" if user.mfa_enrolled else "-"
        out(f"{user.username}\t{user.role.value}\t{status}\t{mfa}")
    return 0


def cmd_users_disable(ctx: Context) -> int:
    """Disable an account."""
    user = UserService(ctx.db).set_status(ctx.actor, ctx.args.username, UserStatus.DISABLED)
    out(f"Disabled {user.username}")
    return 0


def cmd_users_enable(ctx: Context) -> int:
    """Re-enable an account."""
    user = UserService(ctx.db).set_status(ctx.actor, ctx.args.username, UserStatus.ACTIVE)
    out(f"Enabled {user.username}")
    return 0


def cmd_users_unlock(ctx: Context) -> int:
    """Clear a lockout after failed logins."""
    user = UserService(ctx.db).unlock(ctx.actor, ctx.args.username)
    out(f"Unlocked {user.username}")
    return 0


def cmd_users_reset_password(ctx: Context) -> int:
    """Set a new password, or a one-time one that must be changed at login."""
    actor = ctx.actor
    password = secret(NEW_PASSWORD_ENV, f"New password for {ctx.args.username}: ", confirm=True)
    otp = UserService(ctx.db).reset_password(actor, ctx.args.username, password)
    out(f"Password reset for {ctx.args.username.lower()}")
    if otp:
        out(f"One-time password: {otp}")
    return 0


def cmd_passwd(ctx: Context) -> int:
    """Change one's own password (also replaces a one-time password)."""
    username = getattr(ctx.args, "user", None)
    if not username:
        raise UsageError("Add --user NAME.")
    old = secret(PASSWORD_ENV, "Current password: ")
    new = secret(NEW_PASSWORD_ENV, "New password: ", confirm=True)
    if old is None or new is None:
        raise UsageError(f"Set {PASSWORD_ENV} and {NEW_PASSWORD_ENV} or run in a terminal.")
    code = os.environ.get(TOTP_ENV) or None
    ctx._actor = AuthService(ctx.db).change_password(username, old, new, code)
    out("Password changed")
    return 0


def _filter(a: argparse.Namespace) -> AuditFilter:
    if a.patient and not (a.patient.isascii() and a.patient.isdigit()):
        raise UsageError("--patient takes the patient's number as the audit log shows it.")
    return AuditFilter(
        since=parse_when(a.since) if a.since else None,
        until=parse_when(a.until, end_of_day=True) if a.until else None,
        username=a.filter_user,
        patient_id=int(a.patient) if a.patient else None,
        action=a.action,
    )


def cmd_audit_verify(ctx: Context) -> int:
    """Exit 0 when the audit chain is intact, 1 naming the first bad row otherwise; with
    --against, the chain must also still hold the head the backup recorded."""
    against = None
    if ctx.args.against is not None:
        against = read_manifest(ctx.args.against)
    report = AuditService(ctx.db).verify(ctx.actor, against)
    if report.ok:
        out(
            f"Audit log intact: {report.rows_checked} rows, head {report.head_id} "
            f"{report.head_hash}"
        )
        return 0
    out(f"Audit log BROKEN at row {report.first_bad_id}: {report.problem}")
    return 1


def cmd_audit_export(ctx: Context) -> int:
    """Write audit rows to CSV."""
    if ctx.args.out.exists():
        raise UsageError(f"{ctx.args.out} already exists; choose another file name.")
    count = AuditService(ctx.db).export_csv(ctx.actor, _filter(ctx.args), ctx.args.out)
    out(f"Wrote {count} audit rows to {ctx.args.out}")
    return 0


def cmd_backup(ctx: Context) -> int:
    """Write one consistent encrypted backup file."""
    actor = ctx.actor
    started = time.monotonic()
    m = BackupService(ctx.db, ctx.paths).backup(actor, ctx.args.out)
    seconds = time.monotonic() - started
    size = ctx.args.out.stat().st_size if ctx.args.out.exists() else m.database_bytes
    out(f"Backup written to {ctx.args.out}")
    out(f"Verified: {size / 1e6:.1f} MB in {seconds:.1f} s (the copy was opened and checked)")
    out(f"sha256 {m.database_sha256}  schema {m.schema_revision}  audit head {m.audit_head_id}")
    return 0


def cmd_backups_schedule(ctx: Context) -> int:
    """Set where and when the running app makes the daily verified backup."""
    schedule = BackupScheduleService(ctx.db, ctx.paths).set_schedule(
        ctx.actor, ctx.args.to, ctx.args.at
    )
    out(f"Daily backup at {schedule.daily_at} to {schedule.destination}")
    return 0


def cmd_backups_status(ctx: Context) -> int:
    """Print the schedule, the warning and the history (newest first); exit 1 on a warning."""
    status = BackupScheduleService(ctx.db, ctx.paths).status(ctx.actor)
    if status.schedule is None:
        out("No schedule: set one with emr-admin backups schedule --to FOLDER --at HH:MM")
    else:
        out(f"Daily backup at {status.schedule.daily_at} to {status.schedule.destination}")
    if status.warning:
        out(f"WARNING: {status.warning}")
    for run in status.history:
        state = "verified" if run.verified else f"failed: {run.problem}"
        out(f"{run.started_at:%Y-%m-%d %H:%M}Z\t{run.file_name}\t{run.bytes}\t{state}")
    return 1 if status.warning else 0


def cmd_restore(ctx: Context) -> int:
    """Verify a backup, then make it the live database (the old one is kept)."""
    a = ctx.args
    manifest = read_manifest(a.file)
    username = getattr(a, "user", None)
    if not username:
        raise UsageError("Restore needs an administrator of the backup: add --user NAME.")
    if not a.yes:
        if not interactive():
            raise UsageError("Add --yes to restore without a terminal to confirm on.")
        answer = input(
            f"Replace the live database with the backup made {manifest.created_at}? "
            "The current database is kept in the backups folder. [y/N] "
        )
        if answer.strip().lower() not in {"y", "yes"}:
            out("Restore cancelled; nothing was changed.")
            return 1
    password = secret(PASSWORD_ENV, f"Password for {username}: ")
    if password is None:
        raise UsageError(f"No password: set {PASSWORD_ENV} or run in a terminal.")
    result = restore_backup(
        ctx.paths.root,
        a.file,
        username=username,
        password=password,
        passphrase=passphrase_provider(),
        replace_practice=a.replace_practice,
    )
    out(f"Restored the backup made {result.manifest.created_at}")
    if result.replaced_file:
        out(f"The replaced database was kept as {result.replaced_file}")
    return 0


def cmd_check(ctx: Context) -> int:
    """Integrity, cipher and audit-chain checks; exit 1 if anything is wrong. An embedded
    database is first checked whole through a read-only connection, so a damaged file gets
    nothing written into it (no migration, login or audit row)."""
    if ctx.paths.key.is_file() and ctx.paths.db.is_file():
        _keyfile, key = unlock_key(ctx.paths, passphrase_provider())
        damage = check_file(ctx.paths.db, key, read_only=True)
        if damage:
            for line in damage:
                out(f"PROBLEM: {line}")
            out("The database is damaged; nothing was written to it. Restore the latest backup.")
            return 1
    problems = BackupService(ctx.db, ctx.paths).check(ctx.actor)
    if not problems:
        out("Database OK: integrity, cipher and audit chain checks passed")
        return 0
    for line in problems:
        out(f"PROBLEM: {line}")
    return 1


def cmd_passphrase_change(ctx: Context) -> int:
    """Rewrap the database key under a new practice passphrase."""
    actor = ctx.actor
    old = secret(PASSPHRASE_ENV, "Current passphrase: ")
    new = secret("EMR_NEW_DB_PASSPHRASE", "New passphrase: ", confirm=True)
    if old is None or new is None:
        raise PracticeError("Run in a terminal or set EMR_DB_PASSPHRASE and EMR_NEW_DB_PASSPHRASE.")
    change_passphrase(ctx.db, actor, ctx.paths.root, old, new)
    out("Passphrase changed. Reprint the recovery sheet and store it safely.")
    return 0


def _user_opt(p: argparse.ArgumentParser) -> None:
    p.add_argument("--user", default=argparse.SUPPRESS, help="acting user (may also come first)")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this module's commands to the emr-admin parser."""
    p = sub.add_parser("init", help="create a practice in an empty data directory")
    p.add_argument("--practice-name", required=True)
    p.add_argument("--admin-user", required=True)
    p.add_argument("--admin-full-name")
    p.set_defaults(func=cmd_init)

    users = sub.add_parser("users", help="manage users").add_subparsers(dest="users_cmd")
    users.required = True
    p = users.add_parser("add", help="add a user")
    p.add_argument("--username", required=True)
    p.add_argument("--role", required=True, help="admin, physician, nurse or receptionist")
    p.add_argument("--full-name", required=True)
    _user_opt(p)
    p.set_defaults(func=cmd_users_add)
    for name, func, helptext in (
        ("disable", cmd_users_disable, "disable an account"),
        ("enable", cmd_users_enable, "re-enable an account"),
        ("unlock", cmd_users_unlock, "clear a lockout"),
        ("reset-password", cmd_users_reset_password, "set a new or one-time password"),
    ):
        p = users.add_parser(name, help=helptext)
        p.add_argument("username")
        _user_opt(p)
        p.set_defaults(func=func)
    register_mfa(users)
    p = users.add_parser("list", help="username TAB role TAB status TAB mfa")
    _user_opt(p)
    p.set_defaults(func=cmd_users_list)

    p = sub.add_parser("passwd", help="change your own password")
    _user_opt(p)
    p.set_defaults(func=cmd_passwd)

    audit = sub.add_parser("audit", help="audit log").add_subparsers(dest="audit_cmd")
    audit.required = True
    p = audit.add_parser("verify", help="check the hash chain")
    p.add_argument(
        "--against", type=path_arg, help="also check against the head a backup file recorded"
    )
    _user_opt(p)
    p.set_defaults(func=cmd_audit_verify)
    p = audit.add_parser("export", help="write audit rows as CSV")
    p.add_argument("--out", required=True, type=path_arg)
    p.add_argument("--since", help="from this date (YYYY-MM-DD, UTC)")
    p.add_argument("--until", help="up to and including this date")
    p.add_argument("--user", dest="filter_user", help="only this user's rows")
    p.add_argument("--patient", help="only rows about this patient")
    p.add_argument("--action", help="only this action (login, chart_open, ...)")
    p.set_defaults(func=cmd_audit_export)

    p = sub.add_parser("backup", help="write an encrypted backup file")
    p.add_argument("--out", required=True, type=path_arg)
    _user_opt(p)
    p.set_defaults(func=cmd_backup)
    backups = sub.add_parser("backups", help="scheduled backups").add_subparsers(dest="bk_cmd")
    backups.required = True
    p = backups.add_parser("schedule", help="where and when the app makes the daily backup")
    p.add_argument("--to", required=True, metavar="FOLDER", help="a USB disk or network share")
    p.add_argument("--at", required=True, metavar="HH:MM", help="the daily time (local)")
    _user_opt(p)
    p.set_defaults(func=cmd_backups_schedule)
    p = backups.add_parser("status", help="the schedule, the warning and the history")
    _user_opt(p)
    p.set_defaults(func=cmd_backups_status)
    p = sub.add_parser("restore", help="verify a backup and make it the live database")
    p.add_argument("file", type=path_arg)
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument(
        "--replace-practice",
        metavar="NAME",
        help="restore another practice's backup over this one: type this practice's name",
    )
    _user_opt(p)
    p.set_defaults(func=cmd_restore)
    p = sub.add_parser("check", help="integrity, cipher and audit chain checks")
    _user_opt(p)
    p.set_defaults(func=cmd_check)

    pp = sub.add_parser("passphrase", help="practice passphrase").add_subparsers(dest="pp_cmd")
    pp.required = True
    p = pp.add_parser("change", help="choose a new practice passphrase")
    _user_opt(p)
    p.set_defaults(func=cmd_passphrase_change)
