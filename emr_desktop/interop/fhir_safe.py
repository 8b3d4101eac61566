"""Reading an untrusted FHIR JSON file within bounds, before any mapping looks at it.

A file is refused with one sentence naming where it is wrong: larger than the limit, not
UTF-8, not JSON, nested deeper than any real Bundle, or holding a string that is not text
(a lone surrogate such as ``\\ud800``, or a NUL). The walk is iterative, so no input can
exhaust the stack.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from emr_desktop.errors import ValidationError

MAX_BYTES = 200 * 1024 * 1024
MAX_DEPTH = 64  # a real Bundle nests about 12 levels deep
MAX_NODES = 20_000_000


def load_json(raw: bytes) -> object:
    """The parsed JSON of one file; ValidationError naming the first problem."""
    if len(raw) > MAX_BYTES:
        raise ValidationError("file", f"is larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("file", "is not UTF-8 text") from None
    try:
        doc = json.loads(text)
    except RecursionError:
        raise ValidationError("file", f"nests deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError:
        raise ValidationError("file", "is not JSON") from None
    check_tree(doc)
    return doc


def _path(parent: str, key: object) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else str(key)


def _check_text(value: str, where: str) -> None:
    if value.isascii():
        if "\x00" in value:
            raise ValidationError(where or "file", "holds a NUL character, which is not text")
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(
            where or "file", "holds a lone surrogate (such as \\ud800), which is not text"
        ) from None


def check_tree(doc: object) -> None:
    """Refuse a parsed document that nests too deep, is too large, or holds non-text."""
    stack: list[tuple[object, int, str]] = [(doc, 1, "")]
    nodes = 0
    while stack:
        value, depth, where = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise ValidationError("file", "holds too many values to be one patient's Bundle")
        if isinstance(value, str):
            _check_text(value, where)
            continue
        if not isinstance(value, (Mapping, list)):
            continue
        if depth > MAX_DEPTH:
            raise ValidationError(where or "file", f"nests deeper than {MAX_DEPTH} levels")
        items = value.items() if isinstance(value, Mapping) else enumerate(value)
        for key, item in items:
            if isinstance(key, str):
                _check_text(key, where)
            stack.append((item, depth + 1, _path(where, key)))
