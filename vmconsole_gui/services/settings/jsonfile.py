"""A schema-versioned JSON file that never silently loses what it held: backups on damage, migrations, atomic writes."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from vmconsole_gui.services.settings.atomic import atomic_write_bytes, backup_copy

_log = logging.getLogger(__name__)

JsonObject = dict[str, Any]
Migration = Callable[[JsonObject], JsonObject]
"""Turns a document of schema N (the table key) into one of schema N + 1; raise ValueError on data it cannot read."""

SCHEMA_KEY = "schema"

_T = TypeVar("_T")


class SettingsFileError(Exception):
    """A settings-type file could not be used as it is. ``str(error)`` is a message for the user.

    Attributes:
        path: the file concerned.
        backup_path: where a copy of the unreadable file was kept, if one was made.

    """

    def __init__(self, message: str, *, path: Path, backup_path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.backup_path = backup_path


class CorruptSettingsFileError(SettingsFileError):
    """The file is not valid JSON, or its content does not fit the schema. Defaults are used; a backup was kept."""


class NewerSchemaError(SettingsFileError):
    """The file was written by a newer vmconsole-gui. It is left untouched and writes are refused this session."""


class SettingsReadOnlyError(SettingsFileError):
    """A write was refused because the file on disk must not be overwritten (newer schema, or unreadable)."""


@dataclass(frozen=True, slots=True)
class _Snapshot:
    seq: int
    data: bytes


class VersionedJsonFile:
    """One JSON object on disk, ``{"schema": <int>, ...}``, read with migrations and written atomically (0600).

    Args:
        path: the file.
        schema_version: the version this code writes.
        migrations: ``{N: migrate_N_to_N_plus_1}`` for every older version still readable.
        what: the file's purpose in user messages, e.g. ``"settings"``.

    """

    def __init__(self, path: Path, *, schema_version: int, migrations: Mapping[int, Migration], what: str) -> None:
        self.path = path
        self.schema_version = schema_version
        self.migrations = dict(migrations)
        self.what = what
        self.read_only_reason: str | None = None
        self._lock = threading.Lock()
        self._next_seq = 0
        self._written_seq = -1

    def read(self, decode: Callable[[JsonObject], _T]) -> _T | None:
        """Read, migrate and ``decode`` the file; ``None`` when it does not exist yet.

        Raises:
            CorruptSettingsFileError: damaged file (a backup copy was made; later writes replace it).
            NewerSchemaError: file from a newer version (a backup copy was made; later writes are refused).
            SettingsFileError: the file exists but cannot be read at all (writes are refused).

        """
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            self.read_only_reason = f"it could not be read ({exc.strerror or exc})"
            raise SettingsFileError(
                f"Your {self.what} file {self.path} could not be read ({exc.strerror or exc}). "
                "vmconsole-gui is using defaults for now and will not overwrite the file.",
                path=self.path,
            ) from exc
        try:
            document = json.loads(raw.decode("utf-8"))
            if not isinstance(document, dict):
                raise ValueError(f"expected a JSON object, found {type(document).__name__}")
            version = document.get(SCHEMA_KEY)
            if isinstance(version, bool) or not isinstance(version, int):
                raise ValueError(f'missing or invalid "{SCHEMA_KEY}" version number')
            if version > self.schema_version:
                raise self._newer(version)
            if version < self.schema_version:
                document = self._migrate(document, version)
            return decode(document)
        except (UnicodeDecodeError, ValueError, TypeError, KeyError) as exc:
            backup = backup_copy(self.path, "corrupt")
            _log.warning("%s file %s is damaged; copied to %s", self.what, self.path, backup)
            raise CorruptSettingsFileError(
                f"Your {self.what} file {self.path} is damaged ({_describe(exc)}). A copy was kept as {backup}; "
                f"vmconsole-gui is using default {self.what} for now.",
                path=self.path,
                backup_path=backup,
            ) from exc

    def _newer(self, version: int) -> NewerSchemaError:
        backup = backup_copy(self.path, f"schema-{version}")
        self.read_only_reason = f"it was written by a newer version of vmconsole-gui (format {version})"
        _log.warning(
            "%s file %s has newer schema %d; left untouched, copy at %s", self.what, self.path, version, backup
        )
        return NewerSchemaError(
            f"Your {self.what} file {self.path} was written by a newer version of vmconsole-gui (format {version}; "
            f"this version reads up to format {self.schema_version}). It was left untouched and a copy was kept as "
            f"{backup}. Changes made in this session will not be saved; update vmconsole-gui to use your saved "
            f"{self.what}.",
            path=self.path,
            backup_path=backup,
        )

    def _migrate(self, document: JsonObject, version: int) -> JsonObject:
        backup = backup_copy(self.path, f"schema-{version}")
        _log.info("migrating %s file %s from schema %d (copy at %s)", self.what, self.path, version, backup)
        while version < self.schema_version:
            migration = self.migrations.get(version)
            if migration is None:
                raise ValueError(f"format {version} is too old for this version of vmconsole-gui")
            document = migration(dict(document))
            version += 1
            document[SCHEMA_KEY] = version
        return document

    def allow_overwrite(self) -> None:
        """Let writes replace a file that was refused (the user chose to start afresh; backups already exist)."""
        self.read_only_reason = None

    def write(self, document: JsonObject) -> None:
        """Write ``document`` (the schema key is added) atomically, now, on this thread."""
        self._commit(self._prepare(document))

    async def write_async(self, document: JsonObject) -> None:
        """Serialise ``document`` on the calling thread, then write it on a worker thread.

        Writes finish in call order: an older snapshot never overwrites a newer one.
        """
        snapshot = self._prepare(document)
        await asyncio.to_thread(self._commit, snapshot)

    def _prepare(self, document: JsonObject) -> _Snapshot:
        if self.read_only_reason is not None:
            raise SettingsReadOnlyError(
                f"Not saving the {self.what}: {self.path} was left untouched because {self.read_only_reason}.",
                path=self.path,
            )
        body = {SCHEMA_KEY: self.schema_version, **{k: v for k, v in document.items() if k != SCHEMA_KEY}}
        data = (json.dumps(body, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")
        with self._lock:
            seq = self._next_seq
            self._next_seq += 1
        return _Snapshot(seq, data)

    def _commit(self, snapshot: _Snapshot) -> None:
        with self._lock:
            if snapshot.seq < self._written_seq:
                return
            atomic_write_bytes(self.path, snapshot.data)
            self._written_seq = snapshot.seq


def _describe(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(exc, KeyError):
        return f"missing entry {exc}"
    return str(exc)
