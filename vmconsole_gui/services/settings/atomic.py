"""Crash-safe, private file writes: temp file in the same directory, fsync, ``os.replace``; mode 0600 from creation."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from vmconsole_gui.services.settings.paths import ensure_private_dir

# The module's own reference, so a test can simulate a crash between writing the temp file and replacing.
_replace = os.replace


def atomic_write_bytes(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Replace ``path`` with ``data`` so that readers see either the old or the new content, never a mix.

    ``data`` may come in pieces (written one after the other), so a large file is never one big buffer.

    The temp file is created by :func:`tempfile.mkstemp`, which opens it with mode 0600 from the start; the
    parent directory is created with mode 0700 if missing. On any failure the temp file is removed and the old
    file is left as it was.
    """
    ensure_private_dir(path.parent)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as tmp:
            for piece in [data] if isinstance(data, bytes) else data:
                tmp.write(piece)
            tmp.flush()
            os.fsync(tmp.fileno())
        _replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    _fsync_dir(path.parent)


def backup_copy(path: Path, label: str) -> Path:
    """Copy ``path`` to a new, never-overwritten sibling ``<name>.<label>-<UTC time>[.<n>].bak`` (mode 0600).

    Returns:
        The backup's path.

    """
    data = path.read_bytes()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for attempt in range(1000):
        suffix = "" if attempt == 0 else f".{attempt}"
        candidate = path.with_name(f"{path.name}.{label}-{stamp}{suffix}.bak")
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        _fsync_dir(path.parent)
        return candidate
    raise FileExistsError(f"Could not find a free backup file name next to {path}")


def _fsync_dir(directory: Path) -> None:
    """Make a rename durable by syncing its directory (best effort: not every platform allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
