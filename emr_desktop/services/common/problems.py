"""Collecting every bad field of a form before refusing it, so the user fixes all at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from emr_desktop.errors import ValidationError

T = TypeVar("T")


class FieldProblems:
    """Bad fields found so far; ``check`` runs a validator and keeps its refusal."""

    def __init__(self) -> None:
        self.found: list[ValidationError] = []

    def add(self, field: str, message: str) -> None:
        """Note one bad field."""
        self.found.append(ValidationError(field, message))

    def check(self, validate: Callable[[], T], default: T) -> T:
        """The validator's value, or ``default`` after noting the field it refused."""
        try:
            return validate()
        except ValidationError as err:
            self.found.append(err)
            return default

    def raise_any(self) -> None:
        """Refuse with one ValidationError naming every bad field (``field`` joins them)."""
        if not self.found:
            return
        if len(self.found) == 1:
            raise self.found[0]
        fields = ", ".join(e.field for e in self.found)
        raise ValidationError(fields, "; ".join(e.message for e in self.found))
