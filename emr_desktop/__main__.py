"""emr-desktop: start the desktop application (``--version`` works without a display)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from emr_desktop import __version__


def build_parser() -> argparse.ArgumentParser:
    """The desktop application's few command-line options."""
    parser = argparse.ArgumentParser(prog="emr-desktop", description="emr-desktop EMR")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument(
        "--demo", action="store_true", help="open (creating if needed) the demo practice"
    )
    parser.add_argument("--data-dir", help="the practice data folder")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the GUI."""
    args = build_parser().parse_args(argv)
    if args.version:
        print(f"emr-desktop {__version__}")
        return 0
    from emr_desktop.ui.app import run

    return run(demo=args.demo, data_dir=args.data_dir)


if __name__ == "__main__":
    sys.exit(main())
