"""Practice-wide settings as key/value rows (no patient data)."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.models.base import Base


class Setting(Base):
    """One practice setting; values are strings, typed by services.settings."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(2000))
