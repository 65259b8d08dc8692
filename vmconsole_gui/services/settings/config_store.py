"""``config.json``: connection profiles and app settings, schema-versioned and written atomically with mode 0600."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from vmconsole_gui.services.settings.codec import from_json, to_json
from vmconsole_gui.services.settings.jsonfile import JsonObject, Migration, VersionedJsonFile
from vmconsole_gui.services.settings.model import AppSettings, Config


class ConfigStore:
    """Holds the current :class:`Config` in memory and persists it to one JSON file.

    Call :meth:`load` (or :meth:`load_async`) once at start-up. If the file is damaged or from a newer version
    it raises a :class:`~vmconsole_gui.services.settings.jsonfile.SettingsFileError` whose text is meant for the
    user; the store is still usable afterwards, holding defaults, and a backup of the file has been kept.
    For a newer-version file, saves raise ``SettingsReadOnlyError`` until :meth:`allow_overwrite` is called.

    Class attributes:
        SCHEMA_VERSION: the ``"schema"`` number written to the file.
        MIGRATIONS: ``{N: function}`` upgrading a schema-N document to N + 1 (raw JSON objects).
    """

    SCHEMA_VERSION: ClassVar[int] = 1
    MIGRATIONS: ClassVar[Mapping[int, Migration]] = {}

    def __init__(self, path: Path) -> None:
        self._file = VersionedJsonFile(
            path, schema_version=self.SCHEMA_VERSION, migrations=self.MIGRATIONS, what="settings"
        )
        self._config = Config()

    @property
    def path(self) -> Path:
        """The config file."""
        return self._file.path

    @property
    def config(self) -> Config:
        """The current configuration (immutable; change it with :meth:`commit`)."""
        return self._config

    @property
    def settings(self) -> AppSettings:
        """Shortcut for ``config.settings``."""
        return self._config.settings

    @property
    def read_only(self) -> bool:
        """True when saves are refused to protect a file this version could not safely read."""
        return self._file.read_only_reason is not None

    def load(self) -> Config:
        """Read the file (a missing file means defaults). On error, defaults are kept in memory and it re-raises."""
        self._config = Config()
        loaded = self._file.read(_decode_config)
        if loaded is not None:
            self._config = loaded
        return self._config

    async def load_async(self) -> Config:
        """:meth:`load` on a worker thread."""
        return await asyncio.to_thread(self.load)

    def save(self) -> None:
        """Write the current configuration now (atomic, 0600)."""
        self._file.write(_encode_config(self._config))

    async def save_async(self) -> None:
        """Write the current configuration on a worker thread."""
        await self._file.write_async(_encode_config(self._config))

    def commit(self, config: Config) -> None:
        """Make ``config`` current, then save it.

        Memory is updated first, so back-to-back changes never lose each other; if the write fails the error
        propagates and the change stays in memory (the next successful save persists it).
        """
        self._config = config
        self._file.write(_encode_config(config))

    async def commit_async(self, config: Config) -> None:
        """:meth:`commit` with the file write on a worker thread (writes land in call order)."""
        self._config = config
        await self._file.write_async(_encode_config(config))

    def update_settings(self, **changes: Any) -> AppSettings:
        """Change some :class:`AppSettings` fields and save, e.g. ``update_settings(start_minimised=True)``."""
        settings = dataclasses.replace(self._config.settings, **changes)
        self.commit(dataclasses.replace(self._config, settings=settings))
        return settings

    async def update_settings_async(self, **changes: Any) -> AppSettings:
        """:meth:`update_settings` with the file write on a worker thread."""
        settings = dataclasses.replace(self._config.settings, **changes)
        await self.commit_async(dataclasses.replace(self._config, settings=settings))
        return settings

    def allow_overwrite(self) -> None:
        """Accept that saving replaces a file that was refused (its backup copy stays where the error said)."""
        self._file.allow_overwrite()


def _encode_config(config: Config) -> JsonObject:
    encoded = to_json(config)
    assert isinstance(encoded, dict)
    return encoded


def _decode_config(document: JsonObject) -> Config:
    body = {key: value for key, value in document.items() if key != "schema"}
    return from_json(Config, body, "config")
