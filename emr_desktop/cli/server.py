"""emr-admin commands for a practice server: set it up once, and join workstations to it.

emr-admin server setup --url postgresql+psycopg://OWNER@HOST/DB (--practice-name N
    --admin-user U | --demo [--patients N] [--seed S]) [--app-role emr_app] [--ca-cert F]
emr-admin --data-dir D join --server postgresql+psycopg://emr_app@HOST/DB [--ca-cert F]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from emr_desktop.cli.common import (
    NEW_PASSWORD_ENV,
    PASSPHRASE_ENV,
    PASSWORD_ENV,
    SERVER_PASSWORD_ENV,
    Context,
    UsageError,
    out,
    passphrase_provider,
    path_arg,
    secret,
)
from emr_desktop.demo.build import (
    DEMO_PRACTICE_NAME,
    DEMO_USERS,
    demo_passphrase,
    demo_password,
    fill_demo,
)
from emr_desktop.paths import data_dir
from emr_desktop.persistence.server import APP_ROLE
from emr_desktop.services.practice.server_backups import restore_server_backup
from emr_desktop.services.practice.server_practice import (
    ServerSetup,
    after_bulk_load,
    create_server_practice,
    join_server,
    setup_server,
)

OWNER_PASSWORD_ENV = "EMR_SERVER_OWNER_PASSWORD"


def _required(env: str, prompt: str, *, confirm: bool = False) -> str:
    value = secret(env, prompt, confirm=confirm)
    if value is None:
        raise UsageError(f"Set {env} or run in a terminal to type it.")
    return value


def cmd_server_setup(ctx: Context) -> int:
    """Create the practice's schema and the workstations' role on the server (once)."""
    a = ctx.args
    if a.demo == bool(a.practice_name or a.admin_user):
        raise UsageError("Give either --practice-name and --admin-user, or --demo.")
    if not a.demo and not (a.practice_name and a.admin_user):
        raise UsageError("A new practice needs both --practice-name and --admin-user.")
    owner_password = _required(OWNER_PASSWORD_ENV, "Password of the server's owner role: ")
    app_password = _required(
        SERVER_PASSWORD_ENV, f"New password for the workstations' role {a.app_role}: ", confirm=True
    )
    if a.demo:
        passphrase = demo_passphrase()
    else:
        passphrase = _required(PASSPHRASE_ENV, "Practice passphrase: ", confirm=True)
    setup = setup_server(
        a.url,
        owner_password,
        app_password,
        passphrase,
        app_role=a.app_role,
        ca_cert=a.ca_cert,
        backup_dir=a.backup_dir or Path.cwd(),
    )
    try:
        if setup.kept_backup is not None:
            out(f"Backup taken before the schema upgrade: {setup.kept_backup}")
        out(f"Schema ready on the server; workstations log in as {a.app_role}")
        if a.demo:
            _fill_demo(setup, a.patients, a.seed)
        else:
            otp = create_server_practice(
                setup,
                practice_name=a.practice_name,
                admin_username=a.admin_user,
                admin_full_name=a.admin_full_name or a.admin_user,
                admin_password=secret(
                    NEW_PASSWORD_ENV, f"Password for {a.admin_user}: ", confirm=True
                ),
            )
            out(f"Practice created on the server for {a.admin_user.lower()}")
            if otp:
                out(f"One-time password for {a.admin_user.lower()}: {otp}")
                out("It must be changed at first login.")
    finally:
        setup.db.dispose()
    out(f"Join each workstation with: emr-admin --data-dir FOLDER join --server {setup.app_url}")
    return 0


def _fill_demo(setup: ServerSetup, patients: int, seed: int) -> None:
    if patients < 1:
        raise UsageError("--patients must be at least 1.")
    first = DEMO_USERS[0]
    create_server_practice(
        setup,
        practice_name=DEMO_PRACTICE_NAME,
        admin_username=first.username,
        admin_full_name=first.full_name,
        admin_password=demo_password(),
    )
    fill_demo(setup.db, patients=patients, seed=seed)
    after_bulk_load(setup.db)
    out(f"Demo practice created on the server: {patients} patients (seed {seed})")


def cmd_join(ctx: Context) -> int:
    """Make this data folder a workstation of the practice server."""
    a = ctx.args
    root = data_dir(a.data_dir)
    password = _required(SERVER_PASSWORD_ENV, "Password of the workstations' role: ")
    db = join_server(root, a.server, password, passphrase_provider(), ca_cert=a.ca_cert)
    db.dispose()
    out(f"{root} now uses the practice server {a.server}")
    print(
        "The password is kept in this user's keyring where there is one; otherwise set "
        f"{SERVER_PASSWORD_ENV} or type it when asked.",
        file=sys.stderr,
    )
    return 0


def cmd_server_restore(ctx: Context) -> int:
    """Put a server backup into an empty server database (as the owner role)."""
    a = ctx.args
    username = getattr(a, "user", None)
    if not username:
        raise UsageError("Restore needs an administrator of the backup: add --user NAME.")
    owner_password = _required(OWNER_PASSWORD_ENV, "Password of the server's owner role: ")
    password = _required(PASSWORD_ENV, f"Password for {username}: ")
    passphrase = _required(PASSPHRASE_ENV, "Practice passphrase: ")
    app_password = secret(
        SERVER_PASSWORD_ENV, f"Password for the workstations' role {a.app_role}: "
    )
    result = restore_server_backup(
        a.url,
        owner_password,
        app_password,
        a.file,
        username=username,
        password=password,
        passphrase=passphrase,
        app_role=a.app_role,
    )
    out(f"Restored the backup made {result.manifest.created_at} into the server database")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the server commands to the emr-admin parser."""
    server = sub.add_parser("server", help="a practice server (PostgreSQL)")
    cmds = server.add_subparsers(dest="server_cmd")
    cmds.required = True
    p = cmds.add_parser("setup", help="create or upgrade the practice's schema and roles")
    p.add_argument("--url", required=True, help="the owner role's address, without password")
    p.add_argument("--practice-name")
    p.add_argument("--admin-user")
    p.add_argument("--admin-full-name")
    p.add_argument("--demo", action="store_true", help="make the demo practice on the server")
    p.add_argument("--patients", type=int, default=3000)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--app-role", default=APP_ROLE, help="the workstations' login role")
    p.add_argument("--ca-cert", type=path_arg, help="the server's root certificate (TLS)")
    p.add_argument(
        "--backup-dir",
        type=path_arg,
        help="where the backup taken before a schema upgrade goes (default: this folder)",
    )
    p.set_defaults(func=cmd_server_setup)
    p = cmds.add_parser("restore", help="restore a server backup into an empty database")
    p.add_argument("file", type=path_arg)
    p.add_argument("--url", required=True, help="the owner role's address of an empty database")
    p.add_argument("--app-role", default=APP_ROLE, help="the workstations' login role")
    p.add_argument("--user", default=argparse.SUPPRESS, help="an administrator of the backup")
    p.set_defaults(func=cmd_server_restore)
    p = sub.add_parser("join", help="make this data folder a workstation of a practice server")
    p.add_argument("--server", required=True, help="the workstations' address, no password")
    p.add_argument("--ca-cert", type=path_arg, help="the server's root certificate (TLS)")
    p.set_defaults(func=cmd_join)
