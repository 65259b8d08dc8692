"""Manage connections: the saved vCenter profiles with Add, Edit, Remove and Connect."""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from vmconsole_gui.services import display_text
from vmconsole_gui.services.settings import (
    ConnectionProfile,
    CredentialStore,
    ProfileStore,
    ProfileValidationError,
    Secret,
    SettingsFileError,
)
from vmconsole_gui.ui.async_dialogs import ask, ask_choice, async_slot, run_dialog
from vmconsole_gui.ui.dialogs._common import wrapped_label
from vmconsole_gui.ui.dialogs.profile_dialog import ProfileDialog

_ID_ROLE = Qt.ItemDataRole.UserRole
_COLUMNS = ("Name", "Host", "User name", "Status")
_STATUS_COLUMN = 3
_SAVE_ERRORS = (ProfileValidationError, SettingsFileError, OSError)

StatesCallback = Callable[[str], tuple[str, str]]


def _host_text(profile: ConnectionProfile) -> str:
    host = f"[{profile.host}]" if ":" in profile.host else profile.host
    return host if profile.port == 443 else f"{host}:{profile.port}"


def _target(profile: ConnectionProfile) -> tuple[str, int, str]:
    return (profile.host, profile.port, profile.username)


class ConnectionsDialog(QDialog):
    """List of saved connections; changes are saved through the async store methods.

    Passwords entered while adding or editing are stored with ``CredentialStore.set_password`` (in the keyring
    when "Remember" is ticked, else in memory for this session) and also sent with the signal, as a
    :class:`Secret`, so the main window can (re)connect at once.

    Signals:
        profile_added(str id, object password): a profile was saved; password is a ``Secret`` or None.
        profile_changed(str id, object password): a profile was edited and saved; password as above.
        profile_removed(str id): a profile and its stored password were deleted.
        connect_requested(str id): the user asked to connect (the dialog then closes).

    """

    profile_added = Signal(str, object)
    profile_changed = Signal(str, object)
    profile_removed = Signal(str)
    connect_requested = Signal(str)

    def __init__(
        self,
        parent: QWidget | None,
        profiles: ProfileStore,
        credentials: CredentialStore,
        *,
        states: StatesCallback | None = None,
    ) -> None:
        super().__init__(parent)
        self._profiles = profiles
        self._credentials = credentials
        self._states = states
        self._busy = False
        self._pending_done: int | None = None
        self.setWindowTitle("Manage connections")
        self.setAccessibleName(self.windowTitle())
        self.setSizeGripEnabled(True)
        self.resize(680, 360)

        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(_COLUMNS))
        self.tree.setHeaderLabels(list(_COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAllColumnsShowFocus(True)
        self.tree.setColumnHidden(_STATUS_COLUMN, states is None)
        self.tree.setAccessibleName("Saved connections")
        self.tree.setAccessibleDescription("Double-click or press F2 to edit; Delete removes the selected connection")
        list_label = QLabel("&Saved connections:")
        list_label.setBuddy(self.tree)
        self.detail_label = wrapped_label(selectable=True, name="Connection status")

        self.add_button = self._button("&Add…", "Add a connection")
        self.edit_button = self._button("&Edit…", "Edit the selected connection")
        self.remove_button = self._button("&Remove…", "Remove the selected connection")
        self.connect_button = self._button("Co&nnect", "Connect to the selected vCenter")
        side = QVBoxLayout()
        for button in (self.connect_button, self.add_button, self.edit_button, self.remove_button):
            side.addWidget(button)
        side.addStretch(1)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)
        self.buttons.rejected.connect(self.reject)

        body = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(list_label)
        left.addWidget(self.tree, 1)
        left.addWidget(self.detail_label)
        body.addLayout(left, 1)
        body.addLayout(side)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.buttons)

        self.add_button.clicked.connect(self.add_profile)
        self.edit_button.clicked.connect(self.edit_profile)
        self.remove_button.clicked.connect(self.remove_profile)
        self.connect_button.clicked.connect(self.connect_selected)
        self.tree.itemDoubleClicked.connect(lambda *_: self.edit_profile())
        self.tree.currentItemChanged.connect(lambda *_: self._update_buttons())
        QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.tree, self.remove_profile)
        QShortcut(QKeySequence(Qt.Key.Key_F2), self.tree, self.edit_profile)
        self.setTabOrder(self.tree, self.connect_button)
        self._reload()

    @staticmethod
    def _button(text: str, name: str) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(name)
        return button

    # ---------------------------------------------------------------- list
    def _reload(self, select_id: str | None = None) -> None:
        current = select_id or self.selected_id()
        self.tree.clear()
        for profile in self._profiles.list():
            item = QTreeWidgetItem([profile.name, _host_text(profile), profile.username, ""])
            item.setData(0, _ID_ROLE, profile.id)
            self.tree.addTopLevelItem(item)
            if profile.id == current:
                self.tree.setCurrentItem(item)
        first = self.tree.topLevelItem(0)
        if self.tree.currentItem() is None and first is not None:
            self.tree.setCurrentItem(first)
        for column in range(len(_COLUMNS) - 1):
            self.tree.resizeColumnToContents(column)
        self.refresh_states()
        self._update_buttons()

    @Slot()
    def refresh_states(self) -> None:
        """Ask ``states(profile_id)`` again for every row (call it when a connection state changes)."""
        if self._states is None:
            return
        for index in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(index)
            if item is None:
                continue
            status, message = self._states(str(item.data(0, _ID_ROLE)))
            item.setText(_STATUS_COLUMN, display_text.line(status))
            tip = display_text.tooltip(message) if message else ""
            item.setToolTip(_STATUS_COLUMN, tip)
            item.setToolTip(0, tip)
        self._update_detail()

    def _update_detail(self) -> None:
        profile_id = self.selected_id()
        if self._states is None or profile_id is None:
            self.detail_label.clear()
            return
        status, message = self._states(profile_id)
        text = f"{status}: {message}" if message else status
        self.detail_label.setText(display_text.message(text))  # the message often quotes the server

    def _update_buttons(self) -> None:
        selected = self.selected_id() is not None
        self.add_button.setEnabled(not self._busy)
        for button in (self.edit_button, self.remove_button, self.connect_button):
            button.setEnabled(selected and not self._busy)
        self.connect_button.setDefault(selected)
        self._update_detail()

    def selected_id(self) -> str | None:
        """The id of the selected profile, or None."""
        item = self.tree.currentItem()
        return None if item is None else str(item.data(0, _ID_ROLE))

    def _selected_profile(self) -> ConnectionProfile | None:
        profile_id = self.selected_id()
        if profile_id is None:
            return None
        return next((p for p in self._profiles.list() if p.id == profile_id), None)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        if shiboken6.isValid(self):
            self._update_buttons()
            if not busy and self._pending_done is not None:
                result, self._pending_done = self._pending_done, None
                super().done(result)

    def done(self, result: int) -> None:
        """Close the dialog, but only once a save in progress has finished (so its signals still go out)."""
        if self._busy:
            self._pending_done = result
            return
        super().done(result)

    # ---------------------------------------------------------------- actions
    async def _edit_in_dialog(
        self, profile: ConnectionProfile | None
    ) -> tuple[ConnectionProfile, str | None, bool] | None:
        keyring_available = await self._credentials.probe()
        dialog = ProfileDialog(self, profile, check=self._profiles.check, keyring_available=keyring_available)
        try:
            if await run_dialog(dialog) != QDialog.DialogCode.Accepted.value or not shiboken6.isValid(dialog):
                return None
            return dialog.result_profile(), dialog.entered_password(), dialog.remember_password()
        finally:
            if shiboken6.isValid(dialog):
                dialog.password_edit.clear()
                dialog.deleteLater()

    @async_slot()
    async def add_profile(self) -> None:
        """Open the profile dialog for a new connection and save it."""
        if self._busy:
            return
        self._set_busy(True)
        try:
            entered = await self._edit_in_dialog(None)
            if entered is None:
                return
            profile, password, remember = entered
            try:
                saved = await self._profiles.add_async(profile)
            except _SAVE_ERRORS as error:
                await self._show_save_error(error)
                return
            secret = await self._store_password(saved, password, remember)
            self._reload(saved.id)
            self.profile_added.emit(saved.id, secret)
        finally:
            self._set_busy(False)

    @async_slot()
    async def edit_profile(self) -> None:
        """Open the profile dialog for the selected connection and save the changes.

        A changed host, port or user name deletes the old stored password (it never follows to a new target).
        Leaving the password empty with "Remember" unticked forgets the saved password.
        """
        old = self._selected_profile()
        if old is None or self._busy:
            return
        self._set_busy(True)
        try:
            entered = await self._edit_in_dialog(old)
            if entered is None:
                return
            profile, password, remember = entered
            try:
                saved = await self._profiles.update_async(profile)
            except _SAVE_ERRORS as error:
                await self._show_save_error(error)
                return
            moved = _target(saved) != _target(old)
            forget = password is None and not remember and self._credentials.keyring_available
            if moved or forget:
                await self._credentials.delete_password(old)
            secret = await self._store_password(saved, password, remember)
            self._reload(saved.id)
            self.profile_changed.emit(saved.id, secret)
        finally:
            self._set_busy(False)

    @async_slot()
    async def remove_profile(self) -> None:
        """Ask for confirmation, then delete the selected connection and its stored password."""
        profile = self._selected_profile()
        if profile is None or self._busy:
            return
        self._set_busy(True)
        try:
            choice = await ask_choice(
                self,
                "Remove connection",
                f"Remove the connection “{profile.name}” ({_host_text(profile)})?",
                [("remove", "&Remove"), ("cancel", "&Cancel")],
                default_key="cancel",
                cancel_key="cancel",
                informative="Its saved password is deleted from the system keyring too.",
            )
            if choice != "remove":
                return
            try:
                await self._profiles.remove_async(profile.id)
            except _SAVE_ERRORS as error:
                await self._show_save_error(error)
                return
            await self._credentials.delete_password(profile)
            self._reload()
            self.profile_removed.emit(profile.id)
        finally:
            self._set_busy(False)

    @Slot()
    def connect_selected(self) -> None:
        """Emit ``connect_requested`` for the selected profile and close the dialog."""
        profile_id = self.selected_id()
        if profile_id is None or self._busy:
            return
        self.connect_requested.emit(profile_id)
        self.accept()

    async def _store_password(self, profile: ConnectionProfile, password: str | None, remember: bool) -> Secret | None:
        if password is None:
            return None
        secret = Secret(password)
        await self._credentials.set_password(profile, secret, persist=remember)
        return secret

    async def _show_save_error(self, error: Exception) -> None:
        await ask(
            self,
            "Could not save the connection",
            "The change was not saved.",
            QMessageBox.StandardButton.Ok,
            QMessageBox.StandardButton.Ok,
            QMessageBox.Icon.Warning,
            informative=str(error),
        )
