"""Typed dataclasses to and from JSON values, with errors that say exactly which entry is wrong.

Supported field types: ``bool``, ``int``, ``float``, ``str``, enums with str/int values, ``X | None``,
``tuple[X, ...]``, ``dict[str, X]`` and nested dataclasses. Missing keys take the field's default (so a new
field with a default needs no schema migration); unknown keys are ignored.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import types
import typing
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

_log = logging.getLogger(__name__)

_D = TypeVar("_D")


class SchemaError(ValueError):
    """A JSON value does not fit the expected schema; the message names the entry, e.g. ``profiles[1].port``."""


def to_json(value: Any) -> Any:
    """Turn a dataclass (or any supported value) into plain JSON-compatible data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_json(item) for key, item in value.items()}
    return value


def from_json(cls: type[_D], data: Any, where: str) -> _D:
    """Build dataclass ``cls`` from ``data``; raises :class:`SchemaError` naming ``where`` on a mismatch."""
    if not isinstance(data, dict):
        raise SchemaError(f"{where}: expected an object, found {_kind(data)}")
    hints = get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        if field.name in data:
            kwargs[field.name] = _decode(hints[field.name], data[field.name], f"{where}.{field.name}")
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise SchemaError(f"{where}: missing entry {field.name!r}")
    unknown = set(data) - {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    if unknown:
        _log.debug("%s: ignoring unknown entries %s", where, sorted(unknown))
    try:
        return cls(**kwargs)
    except ValueError as exc:  # a dataclass's own __post_init__ validation
        raise SchemaError(f"{where}: {exc}") from exc


def _decode(tp: Any, value: Any, where: str) -> Any:
    origin = get_origin(tp)
    if origin is Union or origin is types.UnionType:
        args = get_args(tp)
        if value is None and type(None) in args:
            return None
        (inner,) = (arg for arg in args if arg is not type(None))
        return _decode(inner, value, where)
    if origin is tuple:
        item_type = get_args(tp)[0]
        if not isinstance(value, list):
            raise SchemaError(f"{where}: expected a list, found {_kind(value)}")
        return tuple(_decode(item_type, item, f"{where}[{i}]") for i, item in enumerate(value))
    if origin is dict:
        item_type = get_args(tp)[1]
        if not isinstance(value, dict):
            raise SchemaError(f"{where}: expected an object, found {_kind(value)}")
        return {key: _decode(item_type, item, f"{where}.{key}") for key, item in value.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return from_json(tp, value, where)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(value)
        except ValueError:
            allowed = ", ".join(repr(member.value) for member in tp)
            raise SchemaError(f"{where}: {_short(value)} is not one of {allowed}") from None
    return _decode_scalar(tp, value, where)


def _decode_scalar(tp: Any, value: Any, where: str) -> Any:
    if tp is bool and isinstance(value, bool):
        return value
    if tp is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if tp is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if tp is str and isinstance(value, str):
        return value
    if tp is typing.Any:
        return value
    if tp in (bool, int, float, str):
        expected = {bool: "true or false", int: "a whole number", float: "a number", str: "text"}[tp]
        raise SchemaError(f"{where}: expected {expected}, found {_kind(value)}")
    raise TypeError(f"unsupported field type {tp!r} at {where}")


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null"}
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"the number {value}"
    return names.get(type(value), type(value).__name__)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
