"""freedesktop.org lookups for Linux: which ``.desktop`` entry owns ``x-scheme-handler/vmrc``, and its program.

The answer comes from ``xdg-mime query default`` when xdg-utils is installed (it also knows the GNOME/KDE ways);
otherwise this module reads ``mimeapps.list`` itself, per the XDG "Association between MIME types and applications"
spec, then ``mimeinfo.cache`` and the ``MimeType=`` keys of installed entries, as ``xdg-mime`` does.
"""

from __future__ import annotations

import configparser
import posixpath
import re
import shlex
from collections.abc import Iterator

from .probes import SystemProbes

VMRC_MIME = "x-scheme-handler/vmrc"
_FIELD_CODE = re.compile(r"%([%fFuUdDnNickvm])")
_STRING_ESCAPES = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\", ";": ";"}


def _dirs(probes: SystemProbes, home_var: str, home_default: str, dirs_var: str, dirs_default: str) -> list[str]:
    env = probes.environ()
    home_dir = env.get(home_var) or posixpath.join(probes.home(), home_default)
    others = [d for d in (env.get(dirs_var) or dirs_default).split(":") if d]
    return [home_dir, *others]


def config_dirs(probes: SystemProbes) -> list[str]:
    """``$XDG_CONFIG_HOME`` then ``$XDG_CONFIG_DIRS`` (with the spec's defaults)."""
    return _dirs(probes, "XDG_CONFIG_HOME", ".config", "XDG_CONFIG_DIRS", "/etc/xdg")


def data_dirs(probes: SystemProbes) -> list[str]:
    """``$XDG_DATA_HOME`` then ``$XDG_DATA_DIRS`` (with the spec's defaults)."""
    return _dirs(probes, "XDG_DATA_HOME", ".local/share", "XDG_DATA_DIRS", "/usr/local/share:/usr/share")


def _read_group(probes: SystemProbes, path: str, group: str) -> dict[str, str]:
    data = probes.read_bytes(path)
    if data is None:
        return {}
    parser = configparser.ConfigParser(interpolation=None, strict=False, delimiters=("=",), comment_prefixes=("#",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    try:
        parser.read_string(data.decode("utf-8", errors="replace"), source=path)
    except configparser.Error:
        return {}
    return dict(parser[group]) if parser.has_section(group) else {}


def read_desktop_entry(probes: SystemProbes, path: str) -> dict[str, str]:
    """The keys of the ``[Desktop Entry]`` group of the ``.desktop`` file at ``path`` (empty if unreadable)."""
    return _read_group(probes, path, "Desktop Entry")


def find_desktop_file(probes: SystemProbes, desktop_id: str) -> str | None:
    """The path of the entry with this desktop-file id (``kde-foo.desktop`` may live in ``kde/foo.desktop``)."""
    if "/" in desktop_id or not desktop_id.endswith(".desktop"):
        return None
    candidates = [desktop_id]
    parts = desktop_id.split("-")
    candidates += ["/".join(parts[:i]) + "/" + "-".join(parts[i:]) for i in range(1, len(parts))]
    for data_dir in data_dirs(probes):
        for candidate in candidates:
            path = posixpath.join(data_dir, "applications", candidate)
            if probes.is_file(path):
                return path
    return None


def parse_exec(value: str) -> list[str]:
    """Split an ``Exec=`` value into argv: undo the string escapes, split with :mod:`shlex`, drop field codes."""
    unescaped = re.sub(r"\\(.)", lambda m: _STRING_ESCAPES.get(m.group(1), "\\" + m.group(1)), value)
    try:
        tokens = shlex.split(unescaped, posix=True)
    except ValueError:
        return []
    argv: list[str] = []
    for arg in tokens:
        code = _FIELD_CODE.fullmatch(arg)
        if code is not None and code.group(1) != "%":
            continue
        argv.append(_FIELD_CODE.sub(lambda m: "%" if m.group(1) == "%" else "", arg))
    return argv


def exec_program(argv: list[str]) -> str | None:
    """The program an ``Exec=`` argv runs, looking through an ``env VAR=value …`` prefix."""
    index = 0
    if argv and posixpath.basename(argv[0]) == "env":
        index = 1
        while index < len(argv) and ("=" in argv[index] or argv[index].startswith("-")):
            index += 1
    return argv[index] if index < len(argv) else None


def _mimeapps_files(probes: SystemProbes) -> Iterator[str]:
    desktops = [d.lower() for d in probes.environ().get("XDG_CURRENT_DESKTOP", "").split(":") if d]
    names = [f"{d}-mimeapps.list" for d in desktops] + ["mimeapps.list"]
    for directory in config_dirs(probes):
        for name in names:
            yield posixpath.join(directory, name)
    for directory in data_dirs(probes):
        for name in names:
            yield posixpath.join(directory, "applications", name)


def _installed(probes: SystemProbes, desktop_id: str) -> bool:
    path = find_desktop_file(probes, desktop_id)
    return path is not None and read_desktop_entry(probes, path).get("Hidden", "false") != "true"


def default_handler_from_files(probes: SystemProbes, mime: str = VMRC_MIME) -> str | None:
    """The desktop id owning ``mime``, read from ``mimeapps.list``/``mimeinfo.cache``/entries (no xdg-utils)."""
    for path in _mimeapps_files(probes):
        for desktop_id in _read_group(probes, path, "Default Applications").get(mime, "").split(";"):
            if desktop_id.strip() and _installed(probes, desktop_id.strip()):
                return desktop_id.strip()
    for data_dir in data_dirs(probes):
        apps = posixpath.join(data_dir, "applications")
        for desktop_id in (
            _read_group(probes, posixpath.join(apps, "mimeinfo.cache"), "MIME Cache").get(mime, "").split(";")
        ):
            if desktop_id.strip() and _installed(probes, desktop_id.strip()):
                return desktop_id.strip()
        for name in probes.list_dir(apps):
            if name.endswith(".desktop"):
                entry = read_desktop_entry(probes, posixpath.join(apps, name))
                if mime in entry.get("MimeType", "").split(";") and entry.get("Hidden", "false") != "true":
                    return name
    return None


def default_handler(probes: SystemProbes, mime: str = VMRC_MIME) -> tuple[str, str] | None:
    """``(desktop_id, how)`` of the default handler for ``mime``: via ``xdg-mime`` if present, else the files."""
    if probes.which("xdg-mime") is not None:
        answer = probes.run_query(["xdg-mime", "query", "default", mime])
        desktop_id = (answer or "").strip().splitlines()[0].strip() if (answer or "").strip() else ""
        return (desktop_id, "xdg-mime") if desktop_id.endswith(".desktop") else None
    from_files = default_handler_from_files(probes, mime)
    return (from_files, "mimeapps.list") if from_files else None
