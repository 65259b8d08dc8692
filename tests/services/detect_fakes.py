"""A fake SystemProbes for testing the Windows and macOS detection on any OS.

Files live in a real temp tree: ``C:\\Program Files\\x`` maps to ``<root>/c/program files/x`` (Windows paths are
case-insensitive, so mapped parts are lower-cased), ``/Applications/x`` maps to ``<root>/Applications/x``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath, PureWindowsPath


class FakeProbes:
    def __init__(
        self,
        os_name: str,
        root: Path,
        *,
        env: Mapping[str, str] | None = None,
        registry: Mapping[tuple[str, str], str] | None = None,
        queries: Mapping[tuple[str, ...], str] | None = None,
        assoc: Mapping[str, str] | None = None,
        home: str | None = None,
    ) -> None:
        self.os_name = os_name
        self.root = root
        self._env = dict(env or {})
        self._registry = {(key.lower(), name.lower()): value for (key, name), value in (registry or {}).items()}
        self._queries = dict(queries or {})
        self._assoc = dict(assoc or {})
        self._home = home or (r"C:\Users\alice" if os_name == "windows" else "/Users/alice")
        self.queries_run: list[tuple[str, ...]] = []
        self.registry_reads: list[tuple[str, str]] = []

    # -- building the fake machine
    def host_path(self, path: str) -> Path:
        if self.os_name == "windows":
            pure = PureWindowsPath(path)
            assert pure.drive, f"not an absolute Windows path: {path}"
            return self.root.joinpath(pure.drive.rstrip(":").lower(), *(part.lower() for part in pure.parts[1:]))
        pure_posix = PurePosixPath(path)
        assert pure_posix.is_absolute(), path
        return self.root.joinpath(*pure_posix.parts[1:])

    def add_file(self, path: str, data: bytes = b"", executable: bool = True) -> str:
        host = self.host_path(path)
        host.parent.mkdir(parents=True, exist_ok=True)
        host.write_bytes(data)
        host.chmod(0o755 if executable else 0o644)
        return path

    def add_dir(self, path: str) -> str:
        self.host_path(path).mkdir(parents=True, exist_ok=True)
        return path

    # -- SystemProbes
    def environ(self) -> Mapping[str, str]:
        return self._env

    def home(self) -> str:
        return self._home

    def which(self, name: str) -> str | None:
        separator, join = (";", "\\") if self.os_name == "windows" else (":", "/")
        for directory in self._env.get("PATH", "").split(separator):
            if directory:
                candidate = directory.rstrip(join) + join + name
                if self.is_executable(candidate):
                    return candidate
        return None

    def is_file(self, path: str) -> bool:
        return self.host_path(path).is_file()

    def is_dir(self, path: str) -> bool:
        return self.host_path(path).is_dir()

    def is_executable(self, path: str) -> bool:
        host = self.host_path(path)
        if not host.is_file():
            return False
        if self.os_name == "windows":
            return host.suffix == ".exe"
        return os.access(host, os.X_OK)

    def list_dir(self, path: str) -> list[str]:
        host = self.host_path(path)
        return sorted(p.name for p in host.iterdir()) if host.is_dir() else []

    def read_bytes(self, path: str) -> bytes | None:
        host = self.host_path(path)
        return host.read_bytes() if host.is_file() else None

    def run_query(self, argv: Sequence[str]) -> str | None:
        self.queries_run.append(tuple(argv))
        return self._queries.get(tuple(argv))

    def registry_value(self, key: str, name: str = "") -> str | None:
        self.registry_reads.append((key, name))
        return self._registry.get((key.lower(), name.lower()))

    def assoc_executable(self, scheme: str) -> str | None:
        return self._assoc.get(scheme)
