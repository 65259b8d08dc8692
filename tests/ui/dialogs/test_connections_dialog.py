"""ConnectionsDialog round-trips through a real ProfileStore (config.json on tmp_path) and a CredentialStore."""

from __future__ import annotations

import keyring.backend
import keyring.backends.fail
import keyring.errors
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.keyrings import DictKeyring
from vmconsole_gui.services.settings import (
    ConfigStore,
    ConnectionProfile,
    CredentialStore,
    ProfileStore,
    Secret,
    keyring_username,
)
from vmconsole_gui.ui.dialogs.connections_dialog import ConnectionsDialog
from vmconsole_gui.ui.dialogs.profile_dialog import ProfileDialog


@pytest.fixture
def config_path(tmp_path):
    return tmp_path / "config.json"


@pytest.fixture
def profiles(config_path):
    return ProfileStore(ConfigStore(config_path))


def _reloaded(config_path):
    store = ConfigStore(config_path)
    store.load()
    return ProfileStore(store).list()


def _run(qtbot, qloop, coroutine):
    task = qloop.create_task(coroutine)
    qtbot.waitUntil(task.done, timeout=3000)
    return task.result()


def _open(qtbot, profiles, credentials, states=None):
    dialog = ConnectionsDialog(None, profiles, credentials, states=states)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _fill_profile_dialog(qtbot, wait_window, *, name=None, host=None, user=None, password=None, remember=None):
    editor = wait_window(ProfileDialog)
    for edit, text in ((editor.name_edit, name), (editor.host_edit, host), (editor.user_edit, user)):
        if text is not None:
            edit.clear()
            qtbot.keyClicks(edit, text)
            edit.textEdited.emit(edit.text())
            edit.editingFinished.emit()  # leaving the field (cleans a pasted https:// address)
    if password is not None:
        qtbot.keyClicks(editor.password_edit, password)
    if remember is not None and editor.remember_check.isChecked() != remember:
        editor.remember_check.click()
    assert editor.ok_button.isEnabled(), [i.message for i in editor.issues()]
    qtbot.mouseClick(editor.ok_button, Qt.MouseButton.LeftButton)


def _confirm_box():
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    return boxes[0] if boxes else None


@pytest.mark.allow_log_warnings  # the fail backend makes the store log "keyring unusable" once
def test_add_edit_remove_round_trip_in_memory_mode(qtbot, qloop, wait_window, profiles, config_path, caplog):
    credentials = CredentialStore(backend=keyring.backends.fail.Keyring())
    dialog = _open(qtbot, profiles, credentials)
    assert dialog.tree.topLevelItemCount() == 0
    assert not dialog.edit_button.isEnabled()
    assert not dialog.connect_button.isEnabled()

    # Add
    with qtbot.waitSignal(dialog.profile_added, timeout=3000) as added:
        qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
        editor = wait_window(ProfileDialog)
        assert not editor.remember_check.isEnabled(), "memory mode: nothing can be remembered in a keyring"
        _fill_profile_dialog(
            qtbot, wait_window, name="Lab", host="https://vc02.example.com/ui", user="root", password="pw-1"
        )
    profile_id, secret = added.args
    assert isinstance(secret, Secret)
    assert secret.reveal() == "pw-1"
    [saved] = _reloaded(config_path)
    assert (saved.id, saved.name, saved.host, saved.username) == (profile_id, "Lab", "vc02.example.com", "root")
    assert "pw-1" not in config_path.read_text()
    assert _run(qtbot, qloop, credentials.get_password(saved)).reveal() == "pw-1"
    assert dialog.tree.topLevelItem(0).text(0) == "Lab"
    assert dialog.tree.topLevelItem(0).text(1) == "vc02.example.com"

    # Edit (double-click), rename only: the session password stays
    with qtbot.waitSignal(dialog.profile_changed, timeout=3000) as changed:
        item = dialog.tree.topLevelItem(0)
        dialog.tree.itemDoubleClicked.emit(item, 0)
        _fill_profile_dialog(qtbot, wait_window, name="Lab 2")
    assert changed.args == [profile_id, None]
    assert [p.name for p in _reloaded(config_path)] == ["Lab 2"]
    assert dialog.tree.topLevelItem(0).text(0) == "Lab 2"
    assert _run(qtbot, qloop, credentials.get_password(saved)) is not None

    # Remove: confirmation first, Cancel is the default
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _confirm_box() is not None, timeout=3000)
    box = _confirm_box()
    assert "Lab 2" in box.text()
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _confirm_box() is None and dialog.remove_button.isEnabled(), timeout=3000)
    assert len(_reloaded(config_path)) == 1, "Enter on the confirmation must not remove"

    with qtbot.waitSignal(dialog.profile_removed, timeout=3000) as removed:
        qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: _confirm_box() is not None, timeout=3000)
        [remove] = [b for b in _confirm_box().buttons() if b.text() == "&Remove"]
        qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    assert removed.args == [profile_id]
    assert _reloaded(config_path) == ()
    assert dialog.tree.topLevelItemCount() == 0
    assert _run(qtbot, qloop, credentials.get_password(saved)) is None, "removing deletes the stored password"
    assert any("keyring unusable" in r.getMessage() for r in caplog.records)


def test_keyring_entries_follow_edits_and_removal(qtbot, qloop, wait_window, profiles):
    backend = DictKeyring()
    credentials = CredentialStore(backend=backend)
    original = profiles.add(ConnectionProfile(name="Prod", host="vc01.example.com", username="admin"))
    _run(qtbot, qloop, credentials.set_password(original, "old-pw"))
    old_key = ("vmconsole-gui", keyring_username(original))
    assert backend.items == {old_key: "old-pw"}
    dialog = _open(qtbot, profiles, credentials)

    # Moving the profile to another host never carries the old password along; a new one is remembered.
    with qtbot.waitSignal(dialog.profile_changed, timeout=3000):
        qtbot.mouseClick(dialog.edit_button, Qt.MouseButton.LeftButton)
        _fill_profile_dialog(qtbot, wait_window, host="vc09.example.com", password="new-pw", remember=True)
    moved = profiles.get(original.id)
    assert moved.host == "vc09.example.com"
    assert backend.items == {("vmconsole-gui", keyring_username(moved)): "new-pw"}

    with qtbot.waitSignal(dialog.profile_removed, timeout=3000):
        qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: _confirm_box() is not None, timeout=3000)
        [remove] = [b for b in _confirm_box().buttons() if b.text() == "&Remove"]
        qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    assert backend.items == {}


def test_states_connect_and_refresh(qtbot, profiles):
    first = profiles.add(ConnectionProfile(name="A", host="vc01.example.com", username="u"))
    second = profiles.add(ConnectionProfile(name="B", host="vc02.example.com", port=8443, username="u"))
    current = {first.id: ("Connected", "42 VMs"), second.id: ("Failed", "Certificate not trusted")}
    dialog = _open(qtbot, profiles, CredentialStore(backend=DictKeyring()), states=lambda pid: current[pid])
    assert dialog.tree.topLevelItem(1).text(1) == "vc02.example.com:8443"
    assert [dialog.tree.topLevelItem(i).text(3) for i in range(2)] == ["Connected", "Failed"]
    assert dialog.detail_label.text() == "Connected: 42 VMs"
    current[first.id] = ("Disconnected", "")
    dialog.refresh_states()
    assert dialog.tree.topLevelItem(0).text(3) == "Disconnected"
    assert dialog.detail_label.text() == "Disconnected"
    dialog.tree.setCurrentItem(dialog.tree.topLevelItem(1))
    assert dialog.connect_button.isDefault()
    with qtbot.waitSignal(dialog.connect_requested, timeout=2000) as requested:
        qtbot.keyClick(dialog.tree, Qt.Key.Key_Return)
    assert requested.args == [second.id]
    assert not dialog.isVisible()


def test_status_column_hidden_without_states(qtbot, profiles):
    profiles.add(ConnectionProfile(name="A", host="vc01.example.com", username="u"))
    dialog = _open(qtbot, profiles, CredentialStore(backend=DictKeyring()))
    assert dialog.tree.isColumnHidden(3)
    for button in (dialog.add_button, dialog.edit_button, dialog.remove_button, dialog.connect_button, dialog.tree):
        assert button.accessibleName()
