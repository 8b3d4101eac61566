"""Checking every field of a form before refusing it, so the user sees all mistakes at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from emr_desktop.errors import ValidationError, ValidationErrors

T = TypeVar("T")


class Problems:
    """Runs field checks, keeping each refusal; ``raise_any`` raises them together."""

    def __init__(self) -> None:
        self.found: list[ValidationError] = []

    def check(self, fn: Callable[[], T], fallback: T) -> T:
        """The check's result, or ``fallback`` after noting its ValidationError."""
        try:
            return fn()
        except ValidationErrors as errs:
            self.found.extend(errs.problems)
        except ValidationError as err:
            self.found.append(err)
        return fallback

    def raise_any(self) -> None:
        """Raise what was found: the one error as is, several as ValidationErrors."""
        if len(self.found) == 1:
            raise self.found[0]
        if self.found:
            raise ValidationErrors(tuple(self.found))
