"""ProfileDialog: live validation from ProfileStore.check, host clean-up, password handling, keyboard use."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QLineEdit

from vmconsole_gui.services.settings import ConfigStore, ConnectionProfile, ConsoleType, ProfileStore
from vmconsole_gui.ui.dialogs.profile_dialog import NO_KEYRING_TIP, ProfileDialog, suggest_host

EXISTING = ConnectionProfile(name="Production", host="vc01.example.com", username="admin@vsphere.local")


@pytest.fixture
def store(tmp_path):
    profiles = ProfileStore(ConfigStore(tmp_path / "config.json"))
    profiles.add(EXISTING)
    return profiles


def _dialog(qtbot, store, profile=None, keyring_available=True):
    dialog = ProfileDialog(None, profile, check=store.check, keyring_available=keyring_available)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _fill(qtbot, dialog, name="Lab", host="vc02.example.com", user="root@vsphere.local"):
    qtbot.keyClicks(dialog.name_edit, name)
    qtbot.keyClicks(dialog.host_edit, host)
    qtbot.keyClicks(dialog.user_edit, user)


def test_new_profile_ok_enabled_only_when_valid_and_result(qtbot, store):
    dialog = _dialog(qtbot, store)
    assert dialog.windowTitle() == "Add connection"
    assert not dialog.ok_button.isEnabled()
    assert dialog.port_spin.value() == 443
    assert not dialog.name_message.isVisible(), "untouched fields show no message yet"
    _fill(qtbot, dialog)
    assert dialog.ok_button.isEnabled()
    dialog.console_combo.setCurrentIndex(dialog.console_combo.findData(ConsoleType.VMRC))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    profile = dialog.result_profile()
    assert (profile.name, profile.host, profile.port, profile.username) == (
        "Lab",
        "vc02.example.com",
        443,
        "root@vsphere.local",
    )
    assert profile.console_type is ConsoleType.VMRC
    assert store.check(profile) == ()
    assert dialog.entered_password() is None


def test_messages_appear_as_you_type_and_clear_when_fixed(qtbot, store):
    dialog = _dialog(qtbot, store)
    _fill(qtbot, dialog, name="production", host="vc02 example", user="u")
    assert dialog.name_message.isVisible()
    assert "already exists" in dialog.name_message.text()
    assert "Enter just the host name" in dialog.host_message.text()
    assert "already exists" in dialog.name_edit.accessibleDescription()
    assert not dialog.ok_button.isEnabled()
    dialog.name_edit.clear()
    qtbot.keyClicks(dialog.name_edit, "Staging")
    dialog.host_edit.clear()
    qtbot.keyClicks(dialog.host_edit, "vc02.example.com")
    assert not dialog.name_message.isVisible()
    assert not dialog.host_message.isVisible()
    assert dialog.ok_button.isEnabled()


def test_emptying_a_field_shows_its_message_and_enter_does_not_accept(qtbot, store):
    dialog = _dialog(qtbot, store)
    _fill(qtbot, dialog)
    dialog.user_edit.selectAll()
    qtbot.keyClick(dialog.user_edit, Qt.Key.Key_Backspace)
    assert dialog.user_message.text() == "Enter the user name, e.g. administrator@vsphere.local."
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClick(dialog.user_edit, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert dialog.result() != QDialog.DialogCode.Accepted


def test_enter_accepts_a_valid_form_and_escape_cancels(qtbot, store):
    dialog = _dialog(qtbot, store)
    _fill(qtbot, dialog)
    qtbot.keyClick(dialog.user_edit, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    other = _dialog(qtbot, store)
    _fill(qtbot, other)
    qtbot.keyClick(other, Qt.Key.Key_Escape)
    assert other.result() == QDialog.DialogCode.Rejected


def test_pasted_url_is_offered_clean_up_with_port(qtbot, store):
    dialog = _dialog(qtbot, store)
    qtbot.keyClicks(dialog.name_edit, "Lab")
    qtbot.keyClicks(dialog.user_edit, "root")
    dialog.host_edit.setFocus()
    qtbot.keyClicks(dialog.host_edit, "https://VC01.example.com:8443/ui")
    assert dialog.host_fix_button.isVisible()
    assert dialog.host_fix_button.text() == "&Use “vc01.example.com”"
    assert not dialog.ok_button.isEnabled()
    qtbot.mouseClick(dialog.host_fix_button, Qt.MouseButton.LeftButton)
    assert dialog.host_edit.text() == "vc01.example.com"
    assert dialog.port_spin.value() == 8443
    assert dialog.host_note.isVisible()
    assert "Kept just the host name “vc01.example.com”" in dialog.host_note.text()
    assert "port to 8443" in dialog.host_note.text()
    assert not dialog.host_fix_button.isVisible()
    assert dialog.ok_button.isEnabled()


def test_leaving_the_host_field_cleans_a_pasted_url_and_says_so(qtbot, store):
    dialog = _dialog(qtbot, store)
    QGuiApplication.clipboard().setText("https://vc03.example.com/ui/")
    dialog.host_edit.setFocus()
    qtbot.keyClick(dialog.host_edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert dialog.host_fix_button.isVisible()
    dialog.host_edit.editingFinished.emit()  # what leaving the field (Tab, click elsewhere) emits
    assert dialog.host_edit.text() == "vc03.example.com"
    assert dialog.port_spin.value() == 443
    assert dialog.host_note.text().startswith("Kept just the host name")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://vc01.example.com/ui", ("vc01.example.com", None)),
        ("vc01.example.com:8443", ("vc01.example.com", 8443)),
        ("https://[fe80::1]:444/", ("fe80::1", 444)),
        ("vc01.example.com", None),
        ("https://", None),
        ("not a host/at all", None),
    ],
)
def test_suggest_host(text, expected):
    assert suggest_host(text) == expected


def test_password_is_not_echoed_and_never_in_the_profile(qtbot, store):
    dialog = _dialog(qtbot, store)
    _fill(qtbot, dialog)
    qtbot.keyClicks(dialog.password_edit, "s3cret-Pa55")
    assert dialog.password_edit.echoMode() == QLineEdit.EchoMode.Password
    assert "s3cret" not in dialog.password_edit.displayText()
    assert dialog.entered_password() == "s3cret-Pa55"
    assert dialog.remember_password() is True
    profile = dialog.result_profile()
    assert "s3cret" not in repr(profile)
    assert all("s3cret" not in str(value) for value in dataclasses.astuple(profile))


def test_without_keyring_remember_is_disabled_and_explained(qtbot, store):
    dialog = _dialog(qtbot, store, keyring_available=False)
    assert not dialog.remember_check.isEnabled()
    assert not dialog.remember_check.isChecked()
    assert dialog.remember_check.toolTip() == NO_KEYRING_TIP
    assert "kept in memory for this session only" in NO_KEYRING_TIP
    assert dialog.keyring_note.isVisible()
    _fill(qtbot, dialog)
    qtbot.keyClicks(dialog.password_edit, "pw")
    assert dialog.remember_password() is False


def test_editing_keeps_id_and_other_fields(qtbot, store):
    saved = store.list()[0]
    starred = dataclasses.replace(saved, favourite_vm_ids=("vm-42",), auto_connect=True)
    dialog = _dialog(qtbot, store, profile=starred)
    assert dialog.windowTitle() == "Edit connection"
    assert dialog.name_edit.text() == "Production"
    assert dialog.ok_button.isEnabled(), "an unchanged saved profile is valid (its own name is not a duplicate)"
    assert "keep the saved password" in dialog.password_edit.placeholderText()
    dialog.name_edit.clear()
    qtbot.keyClicks(dialog.name_edit, "Prod")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    result = dialog.result_profile()
    assert result.id == saved.id
    assert result.name == "Prod"
    assert result.favourite_vm_ids == ("vm-42",)
    assert result.auto_connect is True


def test_every_input_has_an_accessible_name_and_mnemonic_label(qtbot, store):
    dialog = _dialog(qtbot, store)
    inputs = [
        dialog.name_edit,
        dialog.host_edit,
        dialog.port_spin,
        dialog.user_edit,
        dialog.password_edit,
        dialog.remember_check,
        dialog.console_combo,
        dialog.ok_button,
    ]
    assert all(widget.accessibleName() for widget in inputs)
    # Alt+H jumps to the host field through its label's buddy.
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_H, Qt.KeyboardModifier.AltModifier)
    assert dialog.focusWidget() is dialog.host_edit
