"""Files only their user may read: the practice folder 0700 and every file in it 0600, and
backups, exports and logs made under a umask that gives nobody else access.

On Windows the per-user profile folder's ACLs already keep other users out; the mode bits
below are POSIX only.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077


def private_umask() -> None:
    """From now on, files and folders this process makes are its user's only."""
    if os.name == "posix":
        os.umask(PRIVATE_UMASK)


def tighten(folder: Path) -> None:
    """Make an existing practice folder 0700 and the files in it 0600 (one made by an
    older version under umask 022); what cannot be changed is left as it is."""
    if os.name != "posix" or not folder.is_dir():
        return
    with contextlib.suppress(OSError):
        if stat.S_IMODE(folder.stat().st_mode) & 0o077:
            folder.chmod(0o700)
    for path in folder.rglob("*"):
        with contextlib.suppress(OSError):
            mode = stat.S_IMODE(path.lstat().st_mode)
            if path.is_symlink() or not mode & 0o077:
                continue
            path.chmod(0o700 if path.is_dir() else 0o600)
