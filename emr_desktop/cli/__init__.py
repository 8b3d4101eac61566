"""emr-admin: the practice's command line. Names and output formats are a public contract."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Callable, Sequence

from emr_desktop import __version__
from emr_desktop.cli import admin
from emr_desktop.cli.common import Context, UsageError, crash_place, run_with_emergency
from emr_desktop.errors import EmrError
from emr_desktop.logs import setup_logging
from emr_desktop.security.files import private_umask

log = logging.getLogger("emr_desktop.cli")


def build_parser() -> argparse.ArgumentParser:
    """The whole emr-admin command line."""
    parser = argparse.ArgumentParser(
        prog="emr-admin",
        description="Administer an emr-desktop practice: users, audit log, backups, checks.",
    )
    parser.add_argument("--version", action="version", version=f"emr-admin {__version__}")
    parser.add_argument(
        "--data-dir",
        help="the practice data folder (default: EMR_DATA_DIR or the per-user data folder)",
    )
    parser.add_argument("--user", help="the acting user (password from EMR_PASSWORD or a prompt)")
    parser.add_argument(
        "--emergency-reason",
        metavar="TEXT",
        help="break the glass: open a restricted chart in an emergency, for this reason",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    admin.register(sub)
    for extra in _extensions():
        extra(sub)
    return parser


def _extensions() -> list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]]:
    """Command groups added by later modules (clinical, export)."""
    found = []
    for name in (
        "emr_desktop.cli.clinical",
        "emr_desktop.cli.exports",
        "emr_desktop.cli.server",
        "emr_desktop.cli.schedule",
        "emr_desktop.cli.rx",
        "emr_desktop.cli.billing",
        "emr_desktop.cli.reports",
    ):
        try:
            module = __import__(name, fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        found.append(module.register)
    return found


def _command_name(args: argparse.Namespace) -> str:
    """``users mfa enroll`` from the parsed arguments (for the audit row of a refusal)."""
    words = [args.command]
    for key, value in vars(args).items():
        if key.endswith("_cmd") and isinstance(value, str):
            words.append(value)
    return " ".join(words)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one emr-admin command; user mistakes print one line to stderr, never a traceback."""
    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    if not all(_is_text(w) for w in words):
        print("emr-admin: an argument is not valid text; nothing was done.", file=sys.stderr)
        return 2
    args = parser.parse_args(words)
    private_umask()  # the practice's files, backups, exports and logs: this user's only
    setup_logging("emr-admin")
    ctx = Context(args)
    func: Callable[[Context], int] = args.func
    try:
        code = run_with_emergency(ctx, func)
        log.info("command %s exit %s", args.command, code)
        return code
    except UsageError as err:
        print(f"emr-admin: {err.message}", file=sys.stderr)
        return 2
    except EmrError as err:
        log.info("command %s failed: %s", args.command, type(err).__name__)
        ctx.record_refusal(err, _command_name(args))
        print(f"emr-admin: {err.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("emr-admin: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # a bug: keep where it happened in the log, not on the screen
        log.error("command %s crashed: %s", args.command, crash_place(err))
        print(
            f"emr-admin: unexpected error ({type(err).__name__}); details are in the log file.",
            file=sys.stderr,
        )
        return 70
    finally:
        with contextlib.suppress(EmrError):
            ctx.close()


def _is_text(word: str) -> bool:
    """Whether an argument is Unicode text (not a lone surrogate or undecodable bytes)."""
    try:
        word.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
