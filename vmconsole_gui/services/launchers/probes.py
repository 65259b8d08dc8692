r"""All OS access of console-client detection, behind one small protocol so every OS's logic is testable anywhere.

:class:`HostProbes` is the real implementation for the running machine. Tests of the Windows and macOS detection
inject a fake that answers from a registry dict, a file tree under a temp directory and canned query outputs.
Paths are plain strings in the target OS's syntax (``C:\Program Files\…`` for Windows).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal, Protocol

log = logging.getLogger(__name__)

OsName = Literal["linux", "windows", "macos"]
QUERY_TIMEOUT_S = 3.0
_MAX_READ = 1_000_000


def current_os() -> OsName:
    """The OS family of this process, as used by the detection modules."""
    if sys.platform == "win32":
        return "windows"
    if sys.platform == "darwin":
        return "macos"
    return "linux"


class SystemProbes(Protocol):
    """The questions detection asks the operating system."""

    @property
    def os_name(self) -> OsName:
        """Which OS family's rules apply."""
        ...

    def environ(self) -> Mapping[str, str]:
        """The environment to read variables from and to give to launched programs."""
        ...

    def home(self) -> str:
        """The user's home directory."""
        ...

    def which(self, name: str) -> str | None:
        """The full path of program ``name`` on the probe's ``PATH``, or ``None``."""
        ...

    def is_file(self, path: str) -> bool:
        """Whether ``path`` is an existing regular file (symlinks followed)."""
        ...

    def is_dir(self, path: str) -> bool:
        """Whether ``path`` is an existing directory."""
        ...

    def is_executable(self, path: str) -> bool:
        """Whether ``path`` is a file this OS can start directly (on Windows: an ``.exe``)."""
        ...

    def list_dir(self, path: str) -> list[str]:
        """The entry names of directory ``path`` (empty if it is missing or unreadable)."""
        ...

    def read_bytes(self, path: str) -> bytes | None:
        """The first megabyte of file ``path``, or ``None`` if it cannot be read."""
        ...

    def run_query(self, argv: Sequence[str]) -> str | None:
        """Run a quick read-only query command (xdg-mime, mdfind); its stdout on exit 0, else ``None``."""
        ...

    def registry_value(self, key: str, name: str = "") -> str | None:
        r"""A Windows registry string value (``name`` "" is the default value), e.g. key ``HKCR\vmrc\shell``."""
        ...

    def assoc_executable(self, scheme: str) -> str | None:
        """The executable Windows associates with URL ``scheme`` (``AssocQueryStringW``), or ``None``."""
        ...


class HostProbes:
    """:class:`SystemProbes` for the machine this process runs on.

    ``env`` replaces ``os.environ`` for lookups (``PATH``, ``XDG_*``, ``ProgramFiles``) and for launched programs.
    """

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self._env: Mapping[str, str] = dict(os.environ if env is None else env)

    @property
    def os_name(self) -> OsName:
        """The OS of this process."""
        return current_os()

    def environ(self) -> Mapping[str, str]:
        """The probe's environment."""
        return self._env

    def home(self) -> str:
        """``HOME`` (or ``USERPROFILE``) from the probe's environment, else the account's home."""
        return self._env.get("HOME") or self._env.get("USERPROFILE") or str(Path.home())

    def which(self, name: str) -> str | None:
        """:func:`shutil.which` over the probe's ``PATH``."""
        return shutil.which(name, path=self._env.get("PATH", os.defpath))

    def is_file(self, path: str) -> bool:
        """Existing regular file."""
        return os.path.isfile(path)

    def is_dir(self, path: str) -> bool:
        """Existing directory."""
        return os.path.isdir(path)

    def is_executable(self, path: str) -> bool:
        """A file with execute permission (POSIX) or an ``.exe`` (Windows, where ``.bat``/``.cmd`` would run cmd)."""
        if not os.path.isfile(path):
            return False
        if sys.platform == "win32":
            return path.lower().endswith(".exe")
        return os.access(path, os.X_OK)

    def list_dir(self, path: str) -> list[str]:
        """Directory entries, or ``[]``."""
        try:
            return sorted(os.listdir(path))
        except OSError:
            return []

    def read_bytes(self, path: str) -> bytes | None:
        """At most 1 MB of the file, or ``None``."""
        try:
            with open(path, "rb") as handle:
                return handle.read(_MAX_READ)
        except OSError:
            return None

    def run_query(self, argv: Sequence[str]) -> str | None:
        """Run ``argv`` without a shell, with a timeout; stdout if it exits 0."""
        program = self.which(argv[0])
        if program is None:
            return None
        try:
            done = subprocess.run(  # noqa: S603 - fixed query commands, no shell
                [program, *argv[1:]],
                env=dict(self._env),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=QUERY_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.debug("query %s failed: %s", argv[0], exc.__class__.__name__)
            return None
        if done.returncode != 0:
            log.debug("query %s exited with status %d", argv[0], done.returncode)
            return None
        return done.stdout

    def registry_value(self, key: str, name: str = "") -> str | None:
        """Read a string value with :mod:`winreg` (``None`` off Windows or when absent)."""
        if sys.platform == "win32":
            import winreg

            roots = {
                "HKCR": winreg.HKEY_CLASSES_ROOT,
                "HKEY_CLASSES_ROOT": winreg.HKEY_CLASSES_ROOT,
                "HKLM": winreg.HKEY_LOCAL_MACHINE,
                "HKEY_LOCAL_MACHINE": winreg.HKEY_LOCAL_MACHINE,
                "HKCU": winreg.HKEY_CURRENT_USER,
                "HKEY_CURRENT_USER": winreg.HKEY_CURRENT_USER,
            }
            root_name, _, sub_key = key.partition("\\")
            root = roots.get(root_name.upper())
            if root is None:
                return None
            try:
                with winreg.OpenKey(root, sub_key) as handle:
                    value, value_type = winreg.QueryValueEx(handle, name)
            except OSError:
                return None
            return value if value_type in (winreg.REG_SZ, winreg.REG_EXPAND_SZ) and isinstance(value, str) else None
        return None

    def assoc_executable(self, scheme: str) -> str | None:
        """``AssocQueryStringW(ASSOCF_IS_PROTOCOL, ASSOCSTR_EXECUTABLE, scheme)`` via ctypes (Windows only)."""
        if sys.platform == "win32":
            import ctypes
            from ctypes import wintypes

            assocf_is_protocol = 0x1000
            assocstr_executable = 2
            size = wintypes.DWORD(1024)
            buffer = ctypes.create_unicode_buffer(size.value)
            result = ctypes.windll.shlwapi.AssocQueryStringW(
                assocf_is_protocol, assocstr_executable, scheme, None, buffer, ctypes.byref(size)
            )
            return (buffer.value or None) if result == 0 else None
        return None
