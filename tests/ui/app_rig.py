"""Drive the real app window against a vCenter (the simulator or vcsim): services on a temp dir, a dictionary
keyring, a fake vmrc.
"""

from __future__ import annotations

import hashlib
import os
import ssl
import stat
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget

from vmconsole_gui.services.settings import AppPaths, ConnectionProfile, Pin, PinKind, PinScope
from vmconsole_gui.ui.app_window import AppWindow, open_services


def run(qtbot: Any, qloop: Any, coroutine: Coroutine[Any, Any, Any], timeout: int = 15000) -> Any:
    """Run a coroutine on the qasync loop while pytest-qt spins Qt; return its result."""
    task = qloop.create_task(coroutine)
    qtbot.waitUntil(task.done, timeout=timeout)
    return task.result()


def shown(cls: type[QWidget], name: str | None = None) -> Any:
    """The visible top-level widget of ``cls`` (and object name), or None."""
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, cls) and widget.isVisible() and (name is None or widget.objectName() == name):
            return widget
    return None


def wait_shown(qtbot: Any, cls: type[QWidget], name: str | None = None, timeout: int = 10000) -> Any:
    """Wait for a visible top-level widget of ``cls``."""
    qtbot.waitUntil(lambda: shown(cls, name) is not None, timeout=timeout)
    return shown(cls, name)


def click_box_button(qtbot: Any, box: QMessageBox, label: str) -> None:
    """Click the message box button whose text (without mnemonics) is ``label``."""
    for button in box.findChildren(QPushButton):
        if button.text().replace("&", "") == label:
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
            return
    raise AssertionError(f"no button {label!r} in {[b.text() for b in box.findChildren(QPushButton)]}")


def box_buttons(box: QMessageBox) -> list[str]:
    """Labels of a message box's buttons."""
    return [b.text().replace("&", "") for b in box.findChildren(QPushButton)]


def fake_vmrc(directory: Path) -> tuple[Path, Path]:
    """A fake ``vmrc`` executable that records its argv (NUL-separated) and exits 0; returns (bin dir, record)."""
    bin_dir = directory / "bin"
    bin_dir.mkdir()
    record = directory / "vmrc-argv"
    script = bin_dir / "vmrc"
    script.write_text(f'#!/bin/sh\nfor a in "$@"; do printf "%s\\0" "$a"; done > "{record}"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return bin_dir, record


def isolate_desktop(monkeypatch: Any, tmp_path: Path, bin_dir: Path | None) -> None:
    """A PATH with only the test's programs (plus the shell) and empty XDG dirs, so no real client is found."""
    path = [str(bin_dir)] if bin_dir else []
    monkeypatch.setenv("PATH", os.pathsep.join([*path, "/usr/bin", "/bin"]))
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    monkeypatch.setenv("XDG_DATA_DIRS", str(tmp_path / "xdg-data-dirs"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "xdg-config-dirs"))


def open_app(qtbot: Any, qloop: Any, base: Path) -> AppWindow:
    """Build the app's services under ``base`` and show the main window."""
    services, notices = run(qtbot, qloop, open_services(AppPaths.under(base)))
    window = AppWindow(services)
    window.window.on_close = None  # closing in teardown must not quit the test's QApplication
    run(qtbot, qloop, window.start(notices))
    return window


def close_app(qtbot: Any, qloop: Any, window: AppWindow) -> None:
    """Shut the app down (tasks, consoles, sessions), then delete the window.

    Not ``qtbot.addWidget``: pytest-qt deletes those widgets before fixture teardown, while tasks still run.
    """
    if not shiboken6.isValid(window.window):
        return  # closed already (a test may close the app itself)
    run(qtbot, qloop, window.shutdown())
    window.window.close()
    window.window.deleteLater()
    qtbot.waitUntil(lambda: not window.window.isVisible(), timeout=2000)


@dataclass(frozen=True)
class Target:
    """A vCenter to connect to: where it listens, who logs in, and its certificate's fingerprints (to pin)."""

    host: str
    port: int
    username: str
    password: str
    sha256: str
    sha1: str


def target_of(server: Any) -> Target:
    """A :class:`Target` for anything with ``port``, ``username`` and ``password`` (vcsim, the simulator).

    Its ``host`` when it has one, else loopback (the simulator listens there); the fingerprints are read from the
    certificate the server presents now.
    """
    host = getattr(server, "host", None) or "127.0.0.1"
    der = ssl.PEM_cert_to_DER_cert(ssl.get_server_certificate((host, server.port)))
    return Target(
        host,
        server.port,
        server.username,
        server.password,
        hashlib.sha256(der).hexdigest(),
        hashlib.sha1(der, usedforsecurity=False).hexdigest(),
    )


def open_connected(qtbot: Any, qloop: Any, base: Path, target: Target, *, rows: int, name: str = "Lab vCenter") -> Any:
    """The real app under ``base`` with one profile for ``target`` (pinned, password in memory), listed.

    Waits until the profile is connected and the table holds ``rows`` VMs; returns the :class:`AppWindow`.
    """
    services, notices = run(qtbot, qloop, open_services(AppPaths.under(base)))

    async def setup() -> None:
        pin = Pin.create(sha256=target.sha256, sha1=target.sha1, subject=target.host, kind=PinKind.VCENTER)
        await services.pins.pin_async(target.host, target.port, pin, PinScope.ONCE)
        profile = await services.profiles.add_async(
            ConnectionProfile(name=name, host=target.host, port=target.port, username=target.username)
        )
        await services.credentials.set_password(profile, target.password, persist=False)

    run(qtbot, qloop, setup())
    app = AppWindow(services)
    app.window.on_close = None  # closing in teardown must not quit the test's QApplication
    run(qtbot, qloop, app.start(notices))
    profiles = services.profiles.list()
    qtbot.waitUntil(
        lambda: all(app.manager.client(p.id) for p in profiles) and app.window.table_model.rowCount() == rows,
        timeout=30000,
    )
    return app
