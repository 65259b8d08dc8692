"""Find the app's resource files (``resources/``: icons, the console page, noVNC) wherever the app runs from.

The places tried, first match wins:

1. ``$VMCONSOLE_GUI_RESOURCES`` (a directory laid out like ``resources/``);
2. a PyInstaller bundle: ``sys._MEIPASS/resources`` (the spec in ``packaging/`` puts it there);
3. a wheel install: ``vmconsole_gui/_resources`` (``setup.py`` copies ``resources/`` there when building the wheel);
4. a distribution package: ``<sys.prefix>/share/vmconsole-gui/resources``;
5. the source checkout or an editable install: ``<repo>/resources``.

Only the standard library is used, so every layer (and the packaging scripts) may call it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path, PurePath

ENV_VAR = "VMCONSOLE_GUI_RESOURCES"
WHEEL_DIR_NAME = "_resources"


class ResourceNotFoundError(FileNotFoundError):
    """A resource is missing from every place the app looks (a broken installation); the message names them."""


def candidate_roots() -> list[Path]:
    """Every directory that may hold the resources, in lookup order (existing or not)."""
    package_dir = Path(__file__).resolve().parent
    roots: list[Path] = []
    override = os.environ.get(ENV_VAR)
    if override:
        roots.append(Path(override).expanduser())
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        roots.append(Path(bundle) / "resources")
    roots += [
        package_dir / WHEEL_DIR_NAME,
        Path(sys.prefix) / "share" / "vmconsole-gui" / "resources",
        package_dir.parent / "resources",
    ]
    return roots


def _relative(parts: tuple[str, ...]) -> PurePath:
    relative = PurePath(*parts)
    if relative.is_absolute() or ".." in relative.parts:
        raise ValueError(f"a resource path must stay inside resources/, not {relative}")
    return relative


def resource_path(*parts: str) -> Path:
    """The absolute path of ``resources/<parts...>`` (a file or a directory) in the first place that has it.

    ``resource_path()`` is the resources directory itself. Raises :class:`ResourceNotFoundError` when no place has
    it and ``ValueError`` for an absolute path or one with ``..``.
    """
    relative = _relative(parts)
    tried = candidate_roots()
    for root in tried:
        candidate = root / relative
        if candidate.exists():
            return candidate.resolve()
    places = ", ".join(str(root) for root in tried)
    raise ResourceNotFoundError(
        f"the app resource {relative.as_posix() if parts else 'directory'} was not found (looked in: {places}); "
        "reinstall vmconsole-gui"
    )


def find_resource(*parts: str) -> Path | None:
    """Like :func:`resource_path`, but ``None`` when the resource is missing (for optional files)."""
    try:
        return resource_path(*parts)
    except ResourceNotFoundError:
        return None
