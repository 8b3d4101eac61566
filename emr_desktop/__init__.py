"""emr-desktop: a desktop electronic medical record for one small practice."""

from __future__ import annotations

__version__ = "0.1.0"
APP_NAME = "emr-desktop"
