"""SQLAlchemy 2.0 declarative models. Importing this package registers every table."""

from __future__ import annotations

from emr_desktop.models.audit import AuditHead, AuditLog
from emr_desktop.models.base import Base
from emr_desktop.models.setting import Setting
from emr_desktop.models.user import User

__all__ = ["AuditHead", "AuditLog", "Base", "Setting", "User"]
