"""JSON from outside the process (a vCenter, a file on disk, another instance), parsed without crashing on any input.

CPython's decoder recurses once per nesting level and raises :class:`RecursionError` near the interpreter's
recursion limit (about 1000 levels, less when called deep in a stack). That is not a ``ValueError``, so every
``except ValueError`` around ``json.loads`` let it through: a config file or server answer nested 1000 deep crashed
the caller. :func:`loads` turns it, and every other way the bytes can be unusable, into :class:`JsonInputError`.
Callers that walk the result recursively also pass ``max_depth`` (an iterative check, :data:`MAX_DEPTH` by
default); callers that only pick known keys skip that walk (it costs ~0.5 µs per container, on large answers).

Pure standard library: imported by ``vsphere/``, ``services/`` and ``ui/`` alike.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["MAX_DEPTH", "JsonInputError", "JsonTooDeep", "check_depth", "loads"]

MAX_DEPTH = 64
"""Deepest nesting accepted. The deepest real document (a vAPI error body, the settings file) nests fewer than 8."""


class JsonInputError(ValueError):
    """The input is not usable JSON (syntax, encoding or nesting). ``str(error)`` says which, briefly."""


class JsonTooDeep(JsonInputError):
    """The input nests arrays/objects deeper than allowed."""


def loads(data: bytes | bytearray | str, *, max_depth: int | None = None) -> Any:
    """Parse ``data`` as JSON; raise :class:`JsonInputError` for anything unusable, never another error.

    Args:
        data: UTF-8 bytes or text.
        max_depth: deepest nesting of arrays/objects accepted (the top level counts as 1); ``None``: as deep as the
            decoder can go without exhausting the stack.

    """
    try:
        text = data.decode("utf-8") if isinstance(data, bytes | bytearray) else data
    except UnicodeDecodeError:
        raise JsonInputError("not UTF-8 text") from None
    try:
        value = json.loads(text)
    except RecursionError:
        raise JsonTooDeep("nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise JsonInputError(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except ValueError as exc:  # e.g. an integer literal longer than sys.get_int_max_str_digits()
        raise JsonInputError(f"not valid JSON: {exc}") from None
    if max_depth is not None:
        check_depth(value, max_depth)
    return value


def check_depth(value: Any, max_depth: int = MAX_DEPTH) -> None:
    """Raise :class:`JsonTooDeep` if parsed JSON ``value`` nests deeper than ``max_depth`` (iterative, no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict):
            children: Any = current.values()
        elif isinstance(current, list):
            children = current
        else:
            continue
        if depth > max_depth:
            raise JsonTooDeep(f"nested deeper than {max_depth} levels")
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
