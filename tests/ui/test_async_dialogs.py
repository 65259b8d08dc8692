"""run_dialog / ask / ask_choice: awaited through a Future on the qasync loop, never exec()."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QPushButton, QVBoxLayout, QWidget

from vmconsole_gui.ui.async_dialogs import ask, ask_choice, run_dialog


def _visible(cls):
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, cls) and w.isVisible()]


def _dialog_with_ok(parent=None):
    dialog = QDialog(parent)
    ok = QPushButton("OK", dialog)
    ok.setDefault(True)
    ok.clicked.connect(dialog.accept)
    QVBoxLayout(dialog).addWidget(ok)
    return dialog, ok


def test_run_dialog_returns_accepted_and_is_window_modal(qtbot, qloop):
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    dialog, ok = _dialog_with_ok(parent)
    task = qloop.create_task(run_dialog(dialog))
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    assert dialog.windowModality() == Qt.WindowModality.WindowModal
    assert not task.done()
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(task.done, timeout=2000)
    assert task.result() == QDialog.DialogCode.Accepted.value


def test_run_dialog_escape_rejects(qtbot, qloop):
    dialog, _ok = _dialog_with_ok()
    qtbot.addWidget(dialog)
    task = qloop.create_task(run_dialog(dialog))
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(task.done, timeout=2000)
    assert task.result() == QDialog.DialogCode.Rejected.value


def test_destroying_the_parent_resolves_rejected(qtbot, qloop):
    parent = QWidget()
    parent.show()
    dialog, _ok = _dialog_with_ok(parent)
    task = qloop.create_task(run_dialog(dialog))
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    parent.deleteLater()
    qtbot.waitUntil(task.done, timeout=2000)
    assert task.result() == QDialog.DialogCode.Rejected.value


def test_cancelling_the_task_closes_the_dialog(qtbot, qloop):
    dialog, _ok = _dialog_with_ok()
    qtbot.addWidget(dialog)
    task = qloop.create_task(run_dialog(dialog))
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    task.cancel()
    qtbot.waitUntil(task.done, timeout=2000)
    assert task.cancelled()
    assert not dialog.isVisible()
    assert dialog.result() == QDialog.DialogCode.Rejected.value


def test_ask_enter_presses_the_default_and_the_event_loop_keeps_running(qtbot, qloop):
    ticks = []

    async def ticker():
        while True:
            ticks.append(1)
            await asyncio.sleep(0.01)

    ticking = qloop.create_task(ticker())
    B = QMessageBox.StandardButton
    task = qloop.create_task(
        ask(None, "Power off", "Power off web-01?", B.Yes | B.No, B.No, informative="Unsaved work is lost.")
    )
    qtbot.waitUntil(lambda: bool(_visible(QMessageBox)), timeout=2000)
    box = _visible(QMessageBox)[0]
    assert box.informativeText() == "Unsaved work is lost."
    before = len(ticks)
    qtbot.wait(100)
    assert len(ticks) > before, "other asyncio tasks must keep running while the dialog is open"
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(task.done, timeout=2000)
    assert task.result() == B.No
    ticking.cancel()


def test_ask_returns_the_clicked_button(qtbot, qloop):
    B = QMessageBox.StandardButton
    task = qloop.create_task(ask(None, "Retry", "Try again?", B.Retry | B.Cancel, B.Retry, QMessageBox.Icon.Warning))
    qtbot.waitUntil(lambda: bool(_visible(QMessageBox)), timeout=2000)
    box = _visible(QMessageBox)[0]
    qtbot.mouseClick(box.button(B.Retry), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(task.done, timeout=2000)
    assert task.result() == B.Retry


def test_ask_with_destroyed_parent_returns_the_escape_button(qtbot, qloop):
    parent = QWidget()
    parent.show()
    B = QMessageBox.StandardButton
    task = qloop.create_task(ask(parent, "Q", "Sure?", B.Ok | B.Cancel, B.Ok))
    qtbot.waitUntil(lambda: bool(_visible(QMessageBox)), timeout=2000)
    parent.deleteLater()
    qtbot.waitUntil(task.done, timeout=2000)
    assert task.result() == B.Cancel


CHOICES = [("power-on", "&Power on"), ("vmrc", "Open in &VMRC"), ("copy", "&Copy console link"), ("close", "Close")]


def _choice_box(qtbot):
    qtbot.waitUntil(lambda: bool(_visible(QMessageBox)), timeout=2000)
    return _visible(QMessageBox)[0]


def test_ask_choice_returns_the_key_of_the_clicked_button(qtbot, qloop):
    task = qloop.create_task(ask_choice(None, "Console", "The VM is off.", CHOICES, "power-on", "close"))
    box = _choice_box(qtbot)
    buttons = {b.text(): b for b in box.buttons()}
    assert set(buttons) == {label for _key, label in CHOICES}
    assert buttons["Open in &VMRC"].accessibleName() == "Open in VMRC"
    qtbot.mouseClick(buttons["Open in &VMRC"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(task.done, timeout=2000)
    assert task.result() == "vmrc"


@pytest.mark.parametrize(("key", "expected"), [(Qt.Key.Key_Return, "power-on"), (Qt.Key.Key_Escape, "close")])
def test_ask_choice_enter_and_escape(qtbot, qloop, key, expected):
    task = qloop.create_task(ask_choice(None, "Console", "The VM is off.", CHOICES, "power-on", "close"))
    box = _choice_box(qtbot)
    qtbot.keyClick(box, key)
    qtbot.waitUntil(task.done, timeout=2000)
    assert task.result() == expected


def test_ask_choice_rejects_unknown_keys(qtbot, qloop):
    task = qloop.create_task(ask_choice(None, "T", "x", CHOICES, "nope", "close"))
    qtbot.waitUntil(task.done, timeout=2000)
    with pytest.raises(ValueError, match="must be keys of choices"):
        task.result()
