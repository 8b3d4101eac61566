"""emr-admin commands for the second factor: `users mfa enroll|remove|require`."""

from __future__ import annotations

import argparse

from emr_desktop.cli.common import Context, out
from emr_desktop.domain.security import Role
from emr_desktop.errors import ValidationError
from emr_desktop.services.practice.mfa import MfaService


def cmd_mfa_enroll(ctx: Context) -> int:
    """Enrol a user in TOTP: print the otpauth URI and recovery codes, once."""
    enrolment = MfaService(ctx.db).enroll(ctx.actor, ctx.args.username)
    out(f"Two-step login is now on for {enrolment.username}.")
    out("Add this to the user's authenticator app (shown only now):")
    out(enrolment.uri)
    out("Recovery codes (each works once; give them to the user to keep safe):")
    for code in enrolment.recovery_codes:
        out(f"  {code}")
    return 0


def cmd_mfa_remove(ctx: Context) -> int:
    """Remove a user's second factor (a lost phone)."""
    MfaService(ctx.db).remove(ctx.actor, ctx.args.username)
    out(f"Two-step login removed for {ctx.args.username.lower()}")
    return 0


def parse_roles(text: str) -> frozenset[Role]:
    """``all``, ``none`` or a comma-separated list of roles."""
    value = text.strip().lower()
    if value == "all":
        return frozenset(Role)
    if value in {"none", ""}:
        return frozenset()
    roles, bad = set(), []
    for part in value.split(","):
        try:
            roles.add(Role(part.strip()))
        except ValueError:
            bad.append(part.strip())
    if bad:
        choices = ", ".join(r.value for r in Role)
        raise ValidationError("roles", f"{', '.join(bad)} is not a role: all, none or {choices}")
    return frozenset(roles)


def cmd_mfa_require(ctx: Context) -> int:
    """Require the second factor for some roles (or all, or none)."""
    policy = MfaService(ctx.db).require_for(ctx.actor, parse_roles(ctx.args.roles))
    names = "everyone" if policy.everyone else ", ".join(sorted(policy.roles)) or "nobody"
    out(f"Two-step login is required for: {names}")
    return 0


def register_users(users: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `users mfa ...` under the `users` command."""
    mfa = users.add_parser("mfa", help="two-step login (TOTP)").add_subparsers(dest="mfa_cmd")
    mfa.required = True
    for name, func, helptext in (
        ("enroll", cmd_mfa_enroll, "turn on TOTP for a user; prints the otpauth URI once"),
        ("remove", cmd_mfa_remove, "turn off a user's TOTP (lost device)"),
    ):
        p = mfa.add_parser(name, help=helptext)
        p.add_argument("username")
        p.add_argument("--user", default=argparse.SUPPRESS, help="acting user")
        p.set_defaults(func=func)
    p = mfa.add_parser("require", help="require TOTP for roles: all, none or admin,physician")
    p.add_argument("roles")
    p.add_argument("--user", default=argparse.SUPPRESS, help="acting user")
    p.set_defaults(func=cmd_mfa_require)
