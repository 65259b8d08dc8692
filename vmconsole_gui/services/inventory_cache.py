"""The last known inventory of each profile on disk, so the app can show it at once on start-up (marked stale).

One JSON file per profile in ``<cache dir>/inventory``: schema-versioned, written atomically with mode 0600
(:func:`~vmconsole_gui.services.settings.atomic.atomic_write_bytes`). Records are stored as compact arrays in the
order of :data:`FIELDS` (10 000 VMs load in a few tens of milliseconds). The cache holds only what the VM list shows:
no password, session id or ticket. A damaged file is logged at INFO and deleted; a file of another schema is ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import json
import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vmconsole_gui.services.connections.records import VmRecord
from vmconsole_gui.services.settings.atomic import atomic_write_bytes
from vmconsole_gui.services.settings.paths import AppPaths

__all__ = ["FIELDS", "SCHEMA_VERSION", "InventoryCache"]

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(VmRecord) if f.name not in ("profile_id", "vcenter"))
"""The column order of a stored record (``profile_id`` and ``vcenter`` are stored once per file)."""

_STR, _OPT_INT, _OPT_BOOL = (str,), (int, type(None)), (bool, type(None))
_TYPES: dict[str, tuple[type, ...]] = {
    "cpu_count": _OPT_INT,
    "memory_mib": _OPT_INT,
    "tools_running": _OPT_BOOL,
}
_COLUMN_TYPES = tuple(_TYPES.get(name, _STR) for name in FIELDS)
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_POWER_STATES = frozenset({"POWERED_ON", "POWERED_OFF", "SUSPENDED"})
_CHUNK = 1000
"""Records encoded per ``json.dumps`` call (about 2 ms each)."""
_JSON_SPACE = re.compile(r"[ \t\n\r]*")


class _Corrupt(ValueError):
    """The file is not a cache this version wrote."""


class _OtherSchema(ValueError):
    """The file was written by another schema version."""


class InventoryCache:
    """Load and save the VM records of each profile (see the module docstring)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def for_paths(cls, paths: AppPaths) -> InventoryCache:
        """The cache in ``paths.cache_dir / "inventory"``."""
        return cls(paths.cache_dir / "inventory")

    def path_for(self, profile_id: str) -> Path:
        """The file of ``profile_id`` (the id itself when it is a safe file name, else its SHA-256)."""
        if _SAFE_NAME.fullmatch(profile_id) and profile_id not in (".", ".."):
            stem = profile_id
        else:
            stem = hashlib.sha256(profile_id.encode("utf-8")).hexdigest()[:40]
        return self.directory / f"{stem}.json"

    # ------------------------------------------------------------------------------------------------- load
    def load(self, profile_id: str) -> list[VmRecord] | None:
        """The cached records of ``profile_id``; None when missing, damaged (then deleted) or of another schema."""
        path = self.path_for(profile_id)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.info("cannot read the inventory cache %s (%s); ignoring it", path, exc.strerror or exc)
            return None
        try:
            return _decode(data, profile_id)
        except _OtherSchema as exc:
            log.info("ignoring the inventory cache %s: %s", path, exc)
            return None
        except _Corrupt as exc:
            log.info("the inventory cache %s is damaged (%s); deleting it", path, exc)
            with contextlib.suppress(OSError):
                path.unlink()
            return None

    async def load_async(self, profile_id: str) -> list[VmRecord] | None:
        """:meth:`load` on a worker thread."""
        return await asyncio.to_thread(self.load, profile_id)

    # ------------------------------------------------------------------------------------------------- save
    def save(self, profile_id: str, records: Sequence[VmRecord]) -> None:
        """Replace the cache of ``profile_id`` with ``records`` (atomic, mode 0600)."""
        atomic_write_bytes(self.path_for(profile_id), _encode(profile_id, records))

    async def save_async(self, profile_id: str, records: Sequence[VmRecord]) -> None:
        """:meth:`save` on a worker thread, encoding included (a snapshot of ``records`` is taken first)."""
        await asyncio.to_thread(self.save, profile_id, list(records))

    def remove(self, profile_id: str) -> None:
        """Delete the cache of ``profile_id``; no error if there is none."""
        with contextlib.suppress(FileNotFoundError):
            self.path_for(profile_id).unlink()


def _encode(profile_id: str, records: Sequence[VmRecord]) -> list[bytes]:
    vcenter = records[0].vcenter if records else ""
    header = {
        "schema": SCHEMA_VERSION,
        "profile_id": profile_id,
        "vcenter": vcenter,
        "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "fields": list(FIELDS),
    }
    # The same bytes as one json.dumps of the whole document, but encoded _CHUNK rows at a time and handed over as
    # pieces: one C call over 50k rows (the dumps, or joining and encoding ~15 MB at the end) holds the GIL for tens
    # of milliseconds even on a worker thread, which would stall the event loop just the same.
    head = json.dumps(header, ensure_ascii=False, separators=(",", ":"))[:-1] + ',"records":['
    parts = [head.encode("utf-8")]
    for start in range(0, len(records), _CHUNK):
        rows = [[getattr(r, name) for name in FIELDS] for r in records[start : start + _CHUNK]]
        text = ("," if start else "") + json.dumps(rows, ensure_ascii=False, separators=(",", ":"))[1:-1]
        parts.append(text.encode("utf-8"))
    parts.append(b"]}")
    return parts


def _loads(data: bytes) -> Any:
    """``json.loads(data)``, except that a top-level ``"records"`` array is decoded one element at a time.

    A single ``json.loads`` of a 50k-record file holds the GIL for ~200 ms (stalling the event loop although it
    runs on a worker thread); element by element, other threads get the GIL between records.
    """
    text = data.decode("utf-8")
    decoder = json.JSONDecoder()
    pos = _skip_space(text, 0)
    if not text.startswith("{", pos):
        return decoder.decode(text)  # not an object: let the decoder say what it is (or raise)
    document: dict[str, Any] = {}
    pos = _skip_space(text, pos + 1)
    if text.startswith("}", pos):
        return _end(text, pos + 1, document)
    while True:
        key, pos = decoder.raw_decode(text, pos)
        if not isinstance(key, str):
            raise ValueError("an object key is not a string")
        pos = _skip_space(text, pos)
        if not text.startswith(":", pos):
            raise ValueError("':' expected")
        pos = _skip_space(text, pos + 1)
        if key == "records" and text.startswith("[", pos):
            rows: list[Any] = []
            pos = _skip_space(text, pos + 1)
            if text.startswith("]", pos):
                pos += 1
            else:
                while True:
                    row, pos = decoder.raw_decode(text, pos)
                    rows.append(row)
                    pos = _skip_space(text, pos)
                    if text.startswith("]", pos):
                        pos += 1
                        break
                    if not text.startswith(",", pos):
                        raise ValueError("',' or ']' expected")
                    pos = _skip_space(text, pos + 1)
            document[key] = rows
        else:
            document[key], pos = decoder.raw_decode(text, pos)
        pos = _skip_space(text, pos)
        if text.startswith("}", pos):
            return _end(text, pos + 1, document)
        if not text.startswith(",", pos):
            raise ValueError("',' or '}' expected")
        pos = _skip_space(text, pos + 1)


def _skip_space(text: str, pos: int) -> int:
    match = _JSON_SPACE.match(text, pos)
    return match.end() if match else pos


def _end(text: str, pos: int, document: dict[str, Any]) -> dict[str, Any]:
    if _skip_space(text, pos) != len(text):
        raise ValueError("extra data after the JSON object")
    return document


def _decode(data: bytes, profile_id: str) -> list[VmRecord]:
    try:
        document: Any = _loads(data)
    except (ValueError, UnicodeDecodeError):
        raise _Corrupt("not JSON") from None
    if not isinstance(document, dict):
        raise _Corrupt("not a JSON object")
    schema = document.get("schema")
    if schema != SCHEMA_VERSION:
        if isinstance(schema, int) and not isinstance(schema, bool):
            raise _OtherSchema(f"schema {schema}, this version reads {SCHEMA_VERSION}")
        raise _Corrupt("no schema number")
    if document.get("profile_id") != profile_id:
        raise _Corrupt("it belongs to another profile")
    vcenter = document.get("vcenter")
    if not isinstance(vcenter, str):
        raise _Corrupt("no vCenter name")
    if document.get("fields") != list(FIELDS):
        raise _OtherSchema("other record fields")
    rows = document.get("records")
    if not isinstance(rows, list):
        raise _Corrupt("no record list")
    width = len(FIELDS)
    power_index = FIELDS.index("power_state")
    records: list[VmRecord] = []
    for row in rows:
        if (
            not isinstance(row, list)
            or len(row) != width
            or not all(isinstance(v, t) for v, t in zip(row, _COLUMN_TYPES, strict=True))
            or row[power_index] not in _POWER_STATES
        ):
            raise _Corrupt(f"record {len(records)} is malformed")
        records.append(VmRecord(profile_id, vcenter, *row))
    return records
