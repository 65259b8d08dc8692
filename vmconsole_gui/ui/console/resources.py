"""Find the app's bundled web resources (``resources/console`` and ``resources/novnc``) wherever the app runs from.

Looked up in order: ``$VMCONSOLE_GUI_RESOURCES``; a PyInstaller bundle (``sys._MEIPASS/resources``); inside the
installed package (``vmconsole_gui/_resources`` or ``vmconsole_gui/resources``);
``<prefix>/share/vmconsole-gui/resources``; the source checkout (``<repo>/resources``). The first directory that holds
both the console page and noVNC wins. (Same order as the app-wide ``vmconsole_gui.resources`` helper.)
"""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path

ENV_VAR = "VMCONSOLE_GUI_RESOURCES"
CONSOLE_PAGE = Path("console") / "console.html"
NOVNC_ENTRY = Path("novnc") / "core" / "rfb.js"


class ResourcesNotFoundError(FileNotFoundError):
    """The console page or noVNC is missing from every place the app looks (a broken installation)."""


def _candidates() -> list[Path]:
    package_dir = Path(__file__).resolve().parents[2]  # .../vmconsole_gui
    found: list[Path] = []
    if os.environ.get(ENV_VAR):
        found.append(Path(os.environ[ENV_VAR]))
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        found.append(Path(bundle) / "resources")
    found += [
        package_dir / "_resources",
        package_dir / "resources",
        Path(sys.prefix) / "share" / "vmconsole-gui" / "resources",
        package_dir.parent / "resources",
    ]
    return found


@cache
def resources_root() -> Path:
    """The resources directory (resolved); :class:`ResourcesNotFoundError` naming every place tried otherwise."""
    tried = _candidates()
    for root in tried:
        if (root / CONSOLE_PAGE).is_file() and (root / NOVNC_ENTRY).is_file():
            return root.resolve()
    places = ", ".join(str(p) for p in tried)
    raise ResourcesNotFoundError(f"the console page and noVNC were not found (looked in: {places}); reinstall the app")


def console_page() -> Path:
    """``resources/console/console.html``."""
    return resources_root() / CONSOLE_PAGE


def allowed_dirs() -> tuple[Path, Path]:
    """The only directories the console page may load files from: ``resources/console`` and ``resources/novnc``."""
    root = resources_root()
    return (root / "console", root / "novnc")
