"""Where vmconsole-gui keeps its files: one small place the whole app asks (platformdirs, XDG-aware)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from platformdirs import PlatformDirs

APP_NAME = "vmconsole-gui"
CONFIG_FILE_NAME = "config.json"
PINS_FILE_NAME = "pins.json"


@dataclass(frozen=True, slots=True)
class AppPaths:
    """The app's per-user directories.

    Attributes:
        config_dir: settings, connection profiles and certificate pins (``config.json``, ``pins.json``).
        cache_dir: re-creatable data such as the inventory cache.
        log_dir: log files.
        state_dir: state worth keeping between runs but not worth backing up.

    """

    config_dir: Path
    cache_dir: Path
    log_dir: Path
    state_dir: Path

    @classmethod
    def for_user(cls) -> AppPaths:
        """The platform's standard directories; on Linux these honour ``XDG_CONFIG_HOME`` and friends."""
        dirs = PlatformDirs(APP_NAME, appauthor=False)
        return cls(
            config_dir=Path(dirs.user_config_dir),
            cache_dir=Path(dirs.user_cache_dir),
            log_dir=Path(dirs.user_log_dir),
            state_dir=Path(dirs.user_state_dir),
        )

    @classmethod
    def under(cls, base: Path) -> AppPaths:
        """All four directories below one base directory (tests, portable installs)."""
        return cls(
            config_dir=base / "config",
            cache_dir=base / "cache",
            log_dir=base / "log",
            state_dir=base / "state",
        )

    @property
    def config_file(self) -> Path:
        """The settings and profiles file."""
        return self.config_dir / CONFIG_FILE_NAME

    @property
    def pins_file(self) -> Path:
        """The persisted certificate pins."""
        return self.config_dir / PINS_FILE_NAME

    def ensure(self) -> None:
        """Create any missing directory, private to the user (mode 0700)."""
        for directory in (self.config_dir, self.cache_dir, self.log_dir, self.state_dir):
            ensure_private_dir(directory)


def ensure_private_dir(directory: Path) -> None:
    """Create ``directory`` if needed; it and any missing parent are created with mode 0700 (umask permitting).

    Existing directories keep their mode: the user may have chosen it.
    """
    missing: list[Path] = []
    current = directory
    while not current.is_dir():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for path in reversed(missing):
        path.mkdir(mode=0o700, exist_ok=True)
