r"""Start at login: a freedesktop autostart entry, ``$XDG_CONFIG_HOME/autostart/<app id>.desktop`` (Linux/BSD).

The entry starts the app with ``--minimized``, so it comes up in the tray. Turning it off deletes the file (the
spec's ``Hidden=true`` is only needed to override a system-wide entry, which the app never installs).

Elsewhere (documented, not implemented):

* **Windows**: a value under ``HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Run`` named after the
  app, holding the quoted path of ``vmconsole-gui.exe`` followed by ``--minimized`` (``winreg.SetValueEx`` with
  ``REG_SZ``; delete the value to turn it off). No administrator rights are needed.
* **macOS**: a Login Item for the app bundle. On macOS 13+ ``SMAppService.mainAppService.register()`` (ServiceManagement
  framework, via PyObjC) registers the signed bundle itself; older systems use a LaunchAgent plist in
  ``~/Library/LaunchAgents/<app id>.plist`` with ``ProgramArguments`` = [bundle executable, ``--minimized``] and
  ``RunAtLoad`` = true.

:func:`autostart_supported` is False there, so the UI hides the option instead of offering one that does nothing.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from vmconsole_gui.services.settings.atomic import atomic_write_bytes

__all__ = [
    "autostart_command",
    "autostart_enabled",
    "autostart_path",
    "autostart_supported",
    "desktop_entry",
    "disable_autostart",
    "enable_autostart",
    "exec_quote",
]

_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def autostart_supported() -> bool:
    """Whether this platform uses freedesktop autostart entries (not Windows, not macOS)."""
    return not sys.platform.startswith(("win", "darwin"))


def config_home() -> Path:
    """``$XDG_CONFIG_HOME`` when set to an absolute path, else ``~/.config`` (XDG Base Directory spec)."""
    value = os.environ.get("XDG_CONFIG_HOME", "")
    return Path(value) if value and os.path.isabs(value) else Path.home() / ".config"


def autostart_path(app_id: str) -> Path:
    """Where the autostart entry of ``app_id`` lives."""
    return config_home() / "autostart" / f"{app_id}.desktop"


def autostart_enabled(app_id: str) -> bool:
    """Whether the app's autostart entry exists."""
    return autostart_path(app_id).is_file()


def autostart_command() -> list[str]:
    """The command that starts this installation: the frozen executable, the ``vmconsole-gui`` script, or python -m."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    script = shutil.which("vmconsole-gui")
    if script is not None:
        return [str(Path(script).resolve())]
    return [sys.executable, "-m", "vmconsole_gui"]


def exec_quote(arg: str) -> str:
    """Quote one argument for a desktop entry's ``Exec`` key (quoting rules of the Desktop Entry spec)."""
    if arg and not (_RESERVED & set(arg)) and "%" not in arg and "=" not in arg:
        return arg
    escaped = "".join("\\" + ch if ch in '"`$\\' else ch for ch in arg).replace("%", "%%")
    return f'"{escaped}"'


def _escape_value(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")


def desktop_entry(app_id: str, command: Sequence[str], *, name: str = "vmconsole-gui") -> str:
    """The text of the autostart entry running ``command`` plus ``--minimized``."""
    exec_line = " ".join(exec_quote(arg) for arg in [*command, "--minimized"])
    # A string value in a desktop file cannot hold the escapes of the Exec key a second time: the spec first
    # unescapes string values (\\ -> \), then applies the Exec quoting. Escape backslashes once more for that.
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        f"Name={_escape_value(name)}\n"
        "Comment=Open vSphere VM consoles from the tray\n"
        f"Exec={exec_line.replace(chr(92), chr(92) * 2)}\n"
        f"Icon={app_id}\n"
        "Terminal=false\n"
        "Categories=Network;RemoteAccess;\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def enable_autostart(app_id: str, command: Sequence[str] | None = None) -> Path:
    """Write the autostart entry (atomically, creating the folder); return its path."""
    if not autostart_supported():
        raise OSError("start at login is set in the system settings on this platform")
    path = autostart_path(app_id)
    atomic_write_bytes(path, desktop_entry(app_id, command or autostart_command()).encode("utf-8"))
    return path


def disable_autostart(app_id: str) -> None:
    """Remove the autostart entry (nothing happens when there is none)."""
    autostart_path(app_id).unlink(missing_ok=True)
