"""SettingsDialog: real detection of a fake vmrc on PATH, override validation, saving via ConfigStore."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QLineEdit

from vmconsole_gui.services.settings import ConfigStore
from vmconsole_gui.ui.dialogs.settings_dialog import SettingsDialog

pytestmark = [
    pytest.mark.skipif(os.name != "posix", reason="uses POSIX execute permissions and XDG dirs"),
]


@pytest.fixture
def machine(tmp_path, monkeypatch):
    """A private PATH holding a fake ``vmrc`` and empty XDG dirs, so detection sees only what the test made."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    vmrc = bin_dir / "vmrc"
    vmrc.write_text("#!/bin/sh\nexit 0\n")
    vmrc.chmod(0o755)
    for name in ("data", "config"):
        (tmp_path / name).mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_DATA_DIRS", str(tmp_path / "no-system-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "no-system-config"))
    return tmp_path


@pytest.fixture
def config(machine):
    store = ConfigStore(machine / "config.json")
    store.load()
    return store


def _open(qtbot, config):
    dialog = SettingsDialog(None, config)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(dialog.detection_done.is_set, timeout=5000)
    return dialog


def test_detected_vmrc_is_listed_and_detect_again_works(qtbot, qloop, machine, config):
    dialog = _open(qtbot, config)
    programs = [dialog.clients_tree.topLevelItem(i).text(2) for i in range(dialog.clients_tree.topLevelItemCount())]
    assert str(machine / "bin" / "vmrc") in programs
    row = programs.index(str(machine / "bin" / "vmrc"))
    item = dialog.clients_tree.topLevelItem(row)
    assert (item.text(0), item.text(1), item.text(3)) == ("VMRC", "VMware Remote Console", "PATH")
    assert dialog.detect_status.text().startswith("Found ")

    (machine / "bin" / "vmrc").unlink()
    (machine / "bin" / "vmware").write_text("#!/bin/sh\n")
    (machine / "bin" / "vmware").chmod(0o755)
    qtbot.mouseClick(dialog.detect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.detection_done.is_set() and dialog.detect_button.isEnabled(), timeout=5000)
    programs = [dialog.clients_tree.topLevelItem(i).text(2) for i in range(dialog.clients_tree.topLevelItemCount())]
    assert str(machine / "bin" / "vmware") in programs
    assert str(machine / "bin" / "vmrc") not in programs


def test_non_executable_override_is_rejected_with_the_message(qtbot, qloop, machine, config):
    plain = machine / "not-a-program"
    plain.write_text("just text")
    plain.chmod(0o644)
    dialog = _open(qtbot, config)
    qtbot.keyClicks(dialog.override_edit, str(plain))
    qtbot.waitUntil(dialog.override_message.isVisible, timeout=5000)
    assert "is not executable" in dialog.override_message.text()
    assert str(plain) in dialog.override_message.text()
    assert "is not executable" in dialog.override_edit.accessibleDescription()
    assert not dialog.save_button.isEnabled()

    dialog.override_edit.clear()
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=2000)
    assert not dialog.override_message.isVisible()
    qtbot.keyClicks(dialog.override_edit, "relative/vmrc")
    qtbot.waitUntil(dialog.override_message.isVisible, timeout=5000)
    assert "must be a full path" in dialog.override_message.text()


def test_save_writes_the_settings_file(qtbot, qloop, machine, config):
    dialog = _open(qtbot, config)
    vmrc = str(machine / "bin" / "vmrc")
    qtbot.keyClicks(dialog.override_edit, vmrc)
    qtbot.waitUntil(lambda: dialog.save_button.isEnabled() and not dialog.override_message.isVisible(), timeout=5000)
    dialog.refresh_combo.setCurrentIndex(dialog.refresh_combo.findData(300))
    dialog.start_minimised_check.click()
    with qtbot.waitSignal(dialog.settings_saved, timeout=5000) as saved:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=2000)
    reread = ConfigStore(machine / "config.json")
    reread.load()
    settings = reread.settings
    assert (settings.console_client_override, settings.auto_refresh_seconds, settings.start_minimised) == (
        vmrc,
        300,
        True,
    )
    assert saved.args[0] == settings


def test_existing_settings_are_shown_and_cancel_saves_nothing(qtbot, qloop, machine, config):
    config.update_settings(auto_refresh_seconds=120, start_minimised=True)
    dialog = _open(qtbot, config)
    assert dialog.refresh_combo.currentData() == 120
    assert dialog.refresh_combo.currentText() == "Every 2 minutes"
    assert dialog.start_minimised_check.isChecked()
    assert [dialog.refresh_combo.itemText(i) for i in range(5)] == [
        "Off",
        "Every minute",
        "Every 5 minutes",
        "Every 15 minutes",
        "Every hour",
    ]
    dialog.refresh_combo.setCurrentIndex(0)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    reread = ConfigStore(machine / "config.json")
    reread.load()
    assert reread.settings.auto_refresh_seconds == 120


def test_browse_fills_the_override(qtbot, qloop, wait_window, machine, config, monkeypatch):
    monkeypatch.setattr(SettingsDialog, "native_file_dialog", False)
    dialog = _open(qtbot, config)
    qtbot.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)
    chooser = wait_window(QFileDialog, "override_file_dialog")
    assert chooser.testOption(QFileDialog.Option.DontUseNativeDialog)
    name_edit = chooser.findChild(QLineEdit, "fileNameEdit")  # Qt's own dialog: enter the path, press Enter
    name_edit.setText(str(machine / "bin" / "vmrc"))  # (typing would pop up the completer: offscreen warnings)
    qtbot.keyClick(name_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.override_edit.text() == str(machine / "bin" / "vmrc"), timeout=3000)
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=5000)
