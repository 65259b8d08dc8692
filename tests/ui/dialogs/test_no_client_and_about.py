"""show_no_client choices and the About box."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from vmconsole_gui import __version__
from vmconsole_gui.services.launchers import NO_CONSOLE_CLIENT_HELP
from vmconsole_gui.ui.dialogs.about_dialog import AboutDialog
from vmconsole_gui.ui.dialogs.no_client_dialog import NoClientChoice, NoClientDialog, show_no_client


def _start(qloop, wait_window, can_copy_link=True, can_use_embedded=True):
    task = qloop.create_task(
        show_no_client(None, NO_CONSOLE_CLIENT_HELP, can_copy_link=can_copy_link, can_use_embedded=can_use_embedded)
    )
    return task, wait_window(NoClientDialog, "no_client_dialog")


@pytest.mark.parametrize(
    ("button", "expected"),
    [
        ("copy_button", NoClientChoice.COPY_LINK),
        ("embedded_button", NoClientChoice.USE_EMBEDDED),
        ("settings_button", NoClientChoice.SETTINGS),
        ("close_button", NoClientChoice.CLOSE),
    ],
)
def test_each_button_returns_its_choice(qtbot, qloop, wait_window, button, expected):
    task, dialog = _start(qloop, wait_window)
    qtbot.mouseClick(getattr(dialog, button), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(task.done, timeout=2000)
    assert task.result() is expected


def test_help_text_names_the_free_clients(qtbot, qloop, wait_window):
    task, dialog = _start(qloop, wait_window)
    text = dialog.help_label.text()
    assert text == NO_CONSOLE_CLIENT_HELP
    for name in ("VMware Remote Console", "Workstation Pro", "Fusion Pro", "Broadcom Support Portal"):
        assert name in text
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # default: the embedded console
    qtbot.waitUntil(task.done, timeout=2000)
    assert task.result() is NoClientChoice.USE_EMBEDDED


def test_without_embedded_or_link_only_settings_and_close(qtbot, qloop, wait_window):
    task, dialog = _start(qloop, wait_window, can_copy_link=False, can_use_embedded=False)
    assert dialog.embedded_button is None
    assert dialog.copy_button is None
    assert sorted(b.text() for b in dialog.buttons.buttons()) == ["&Settings…", "C&lose"]
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # default is Close then
    qtbot.waitUntil(task.done, timeout=2000)
    assert task.result() is NoClientChoice.CLOSE


def test_escape_closes(qtbot, qloop, wait_window):
    task, dialog = _start(qloop, wait_window)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(task.done, timeout=2000)
    assert task.result() is NoClientChoice.CLOSE


def test_about_shows_version_licence_credit_and_log_path(qtbot, tmp_path):
    log_file = tmp_path / "log" / "vmconsole-gui.log"
    dialog = AboutDialog(None, log_file=log_file)
    qtbot.addWidget(dialog)
    dialog.show()
    texts = " ".join(label.text() for label in dialog.findChildren(type(dialog.log_label)))
    assert f"vmconsole-gui {__version__}" in texts
    assert "GPL-3.0-or-later" in dialog.licence_label.text()
    assert "noVNC" in dialog.credits_label.text()
    assert "MPL-2.0" in dialog.credits_label.text()
    assert dialog.log_label.text() == str(log_file)
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == str(log_file)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_about_defaults_to_the_app_log_file(qtbot):
    dialog = AboutDialog(None)
    qtbot.addWidget(dialog)
    assert Path(dialog.log_label.text()).name == "vmconsole-gui.log"
