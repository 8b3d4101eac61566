"""Where things live: data, logs, preferences and bundled resources.

Data goes under platformdirs' user_data_dir unless ``EMR_DATA_DIR`` or ``--data-dir``
says otherwise. Resources are found beside the package, or inside a PyInstaller bundle.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

from emr_desktop import APP_NAME
from emr_desktop.errors import PracticeError

_APP_AUTHOR = "emr-desktop"
DATA_DIR_ENV = "EMR_DATA_DIR"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The practice data directory: explicit override, then EMR_DATA_DIR, then platformdirs.

    A server address given where a folder is expected is refused before anything is made
    (a folder named after it would hold the address, password included)."""
    for given in (override, os.environ.get(DATA_DIR_ENV)):
        if given:
            text = os.fspath(given)
            if "://" in text or text.lower().startswith(("postgres:", "postgresql:")):
                raise PracticeError(
                    "That is a server address, not a folder. To use a practice server, join "
                    "it once from this PC: emr-admin --data-dir FOLDER join --server ADDRESS"
                )
            return Path(text).expanduser().resolve()
    return Path(platformdirs.user_data_dir(APP_NAME, _APP_AUTHOR))


def demo_data_dir() -> Path:
    """The data directory of the demo practice (kept apart from a real practice)."""
    return Path(platformdirs.user_data_dir(APP_NAME, _APP_AUTHOR)) / "demo-practice"


def log_dir() -> Path:
    """Directory for log files (ids and actions only, never patient data)."""
    return Path(platformdirs.user_log_dir(APP_NAME, _APP_AUTHOR))


def config_dir() -> Path:
    """Directory for non-PHI preferences (window geometry and the like)."""
    return Path(platformdirs.user_config_dir(APP_NAME, _APP_AUTHOR))


def resource_path(*parts: str) -> Path:
    """Path of a bundled resource, in a source checkout, an install or a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle, "resources", *parts)
    packaged = Path(__file__).resolve().parent / "resources"
    if packaged.is_dir():
        return packaged.joinpath(*parts)
    return Path(__file__).resolve().parent.parent.joinpath("resources", *parts)
