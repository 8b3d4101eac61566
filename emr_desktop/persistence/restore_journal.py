"""The restore switch as a journal: every rename planned and written down first, then done
in order, then the journal removed. A crash anywhere in between is completed by the next
open of the practice (``complete``), so the folder is never left without a practice.

Each step is a rename inside the data folder (one file system, so each rename is atomic).
A step is done when its target exists: live files move to unique names in backups/, and
the staged files move into place only after the live ones left, so doing the journal
again after a crash neither repeats nor undoes a step.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path

JOURNAL_NAME = "restore.journal"
STAGED = ".restore-staged"  # the folder a restore unpacks and prepares its files in
_FORMAT = "emr-desktop-restore-journal/1"


def _sync_dir(folder: Path) -> None:
    """Make the renames in ``folder`` durable (no-op where directories cannot be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write(folder: Path, moves: list[tuple[str, str]]) -> Path:
    """Write the plan (pairs of paths relative to ``folder``) durably; the commit point."""
    path = folder / JOURNAL_NAME
    tmp = folder / (JOURNAL_NAME + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump({"format": _FORMAT, "moves": [list(m) for m in moves]}, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _sync_dir(folder)
    return path


def pending(folder: Path) -> bool:
    """Whether a restore was interrupted after its commit point."""
    return (folder / JOURNAL_NAME).is_file()


def complete(folder: Path) -> bool:
    """Finish an interrupted restore (True when there was one); before the commit point,
    clear its staged files (the live practice was never touched)."""
    path = folder / JOURNAL_NAME
    (folder / (JOURNAL_NAME + ".tmp")).unlink(missing_ok=True)
    if not path.is_file():
        shutil.rmtree(folder / STAGED, ignore_errors=True)
        return False
    doc = json.loads(path.read_text(encoding="utf-8"))
    if doc.get("format") != _FORMAT:
        raise ValueError("the restore journal is not one this version writes")
    for src_name, dst_name in doc["moves"]:
        src, dst = folder / src_name, folder / dst_name
        if dst.exists() or not src.exists():
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dst)
        _sync_dir(dst.parent)
    _sync_dir(folder)
    path.unlink()
    _sync_dir(folder)
    shutil.rmtree(folder / STAGED, ignore_errors=True)
    return True
