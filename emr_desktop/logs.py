"""Logging to a file in the user log directory: ids and actions only, never patient data."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from emr_desktop.paths import log_dir


def setup_logging(name: str, directory: Path | None = None) -> Path | None:
    """Send log records to ``<log dir>/<name>.log`` (rotated); returns the file, if any."""
    folder = directory or log_dir()
    root = logging.getLogger()
    target = str((folder / f"{name}.log").resolve())
    for existing in root.handlers:  # called again in one process (tests): no second handler
        if getattr(existing, "baseFilename", None) == target:
            return Path(target)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.log"
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path
