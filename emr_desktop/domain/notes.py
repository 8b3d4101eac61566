"""Visit-note vocabulary and limits shared by the note service and the note editor."""

from __future__ import annotations

from typing import Final

# The four SOAP sections, in the order the editor shows them and the service saves them.
SOAP_FIELDS: Final[tuple[str, ...]] = ("subjective", "objective", "assessment", "plan")

# Plain-words labels for error messages and the editor's headings.
SOAP_LABELS: Final[dict[str, str]] = {
    "subjective": "subjective",
    "objective": "objective",
    "assessment": "assessment",
    "plan": "plan",
}

# A SOAP section may be long (pasted history), but not unbounded: 100,000 characters is
# about 40 printed pages, far past any real note and small enough to autosave quickly.
MAX_SECTION_CHARS: Final = 100_000
MAX_ADDENDUM_CHARS: Final = 20_000
MAX_REASON_CHARS: Final = 300
MAX_KIND_CHARS: Final = 60

DEFAULT_KIND: Final = "Office visit"

# Suggestions for the "kind" box; any short text is accepted.
NOTE_KINDS: Final[tuple[str, ...]] = (
    "Office visit",
    "New patient visit",
    "Annual physical",
    "Follow-up",
    "Telephone call",
    "Video visit",
    "Nurse visit",
    "Procedure",
)

SIGNED_NOTE_MESSAGE: Final = "This note is signed; add an addendum instead."
