"""Column helpers shared by the clinical models."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import Enum


def str_enum(cls: type[enum.StrEnum], length: int = 24) -> Enum:
    """A portable VARCHAR column for a StrEnum, storing its values (not names)."""
    return Enum(
        cls,
        native_enum=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


def versioned(column: Any) -> dict[str, Any]:
    """Mapper args for optimistic locking on ``column``."""
    return {"version_id_col": column}
