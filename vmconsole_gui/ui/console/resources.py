"""The console page and noVNC, found through the app-wide resource lookup (:mod:`vmconsole_gui.resources`)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from vmconsole_gui.resources import ResourceNotFoundError, candidate_roots

CONSOLE_PAGE = Path("console") / "console.html"
NOVNC_ENTRY = Path("novnc") / "core" / "rfb.js"

ResourcesNotFoundError = ResourceNotFoundError
"""The console page or noVNC is missing from every place the app looks (a broken installation)."""


@cache
def resources_root() -> Path:
    """The first resources directory that holds both the console page and noVNC (resolved)."""
    tried = candidate_roots()
    for root in tried:
        if (root / CONSOLE_PAGE).is_file() and (root / NOVNC_ENTRY).is_file():
            return root.resolve()
    places = ", ".join(str(p) for p in tried)
    raise ResourceNotFoundError(f"the console page and noVNC were not found (looked in: {places}); reinstall the app")


def console_page() -> Path:
    """``resources/console/console.html``."""
    return resources_root() / CONSOLE_PAGE


def allowed_dirs() -> tuple[Path, Path]:
    """The only directories the console page may load files from: ``resources/console`` and ``resources/novnc``."""
    root = resources_root()
    return (root / "console", root / "novnc")
