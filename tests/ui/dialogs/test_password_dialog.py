"""ask_password: reason shown, password not echoed, remember only with a keyring, cancel returns None."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from vmconsole_gui.ui.dialogs.password_dialog import MEMORY_ONLY_NOTICE, PasswordDialog, ask_password

REJECTED = "The user name or password was rejected by vc01.example.com."


def _start(qloop, wait_window, **kwargs):
    kwargs.setdefault("keyring_available", True)
    task = qloop.create_task(
        ask_password(None, profile_name="Production", host="vc01.example.com", username="admin@vsphere.local", **kwargs)
    )
    return task, wait_window(PasswordDialog, "password_dialog")


def test_typed_password_is_returned_with_remember(qtbot, qloop, wait_window):
    task, dialog = _start(qloop, wait_window, message=REJECTED)
    assert dialog.windowTitle() == "Password for Production"
    assert dialog.message_label.isVisible()
    assert dialog.message_label.text() == REJECTED
    assert REJECTED in dialog.password_edit.accessibleDescription()
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.password_edit, "Tr0ub4dor&3")
    assert dialog.password_edit.echoMode() == QLineEdit.EchoMode.Password
    assert "Tr0ub4dor" not in dialog.password_edit.displayText()
    assert dialog.remember_check.isEnabled()
    assert dialog.remember_check.isChecked()
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(task.done, timeout=2000)
    assert task.result() == ("Tr0ub4dor&3", True)


def test_unticking_remember(qtbot, qloop, wait_window):
    task, dialog = _start(qloop, wait_window)
    assert not dialog.message_label.isVisible()
    qtbot.keyClicks(dialog.password_edit, "pw")
    dialog.remember_check.click()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(task.done, timeout=2000)
    assert task.result() == ("pw", False)


def test_without_keyring_the_memory_only_wording_is_shown(qtbot, qloop, wait_window):
    task, dialog = _start(qloop, wait_window, keyring_available=False)
    assert dialog.keyring_note.isVisible()
    assert dialog.keyring_note.text() == MEMORY_ONLY_NOTICE
    assert "kept in memory for this session only" in MEMORY_ONLY_NOTICE
    assert not dialog.remember_check.isEnabled()
    assert not dialog.remember_check.isChecked()
    assert dialog.remember_check.toolTip() == MEMORY_ONLY_NOTICE
    qtbot.keyClicks(dialog.password_edit, "pw")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(task.done, timeout=2000)
    assert task.result() == ("pw", False)


def test_enter_with_an_empty_field_does_nothing_and_escape_cancels(qtbot, qloop, wait_window):
    task, dialog = _start(qloop, wait_window)
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    qtbot.wait(30)
    assert not task.done()
    qtbot.keyClicks(dialog.password_edit, "typed but cancelled")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(task.done, timeout=2000)
    assert task.result() is None
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog), timeout=2000)  # the widget holding the password is gone
