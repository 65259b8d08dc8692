"""Ask for a connection's password (first connect, or after the server rejected the saved one)."""

from __future__ import annotations

import shiboken6
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from vmconsole_gui.services import display_text
from vmconsole_gui.ui.async_dialogs import run_dialog
from vmconsole_gui.ui.dialogs._common import bold, paint_warning, wrapped_label
from vmconsole_gui.ui.plain_text import plain_label

MEMORY_ONLY_NOTICE = "No system keyring is available; the password is kept in memory for this session only."


class PasswordDialog(QDialog):
    """Password prompt for ``username`` on ``host``, with an optional reason and a "remember" checkbox.

    ``message`` explains why the password is asked (e.g. it was rejected); it is shown in the warning accent.
    Without a keyring the checkbox is disabled and :data:`MEMORY_ONLY_NOTICE` is shown instead.
    """

    def __init__(
        self,
        parent: QWidget | None,
        *,
        profile_name: str,
        host: str,
        username: str,
        message: str = "",
        keyring_available: bool,
    ) -> None:
        super().__init__(parent)
        self._keyring_available = keyring_available
        profile_name, username = display_text.name(profile_name), display_text.name(username)
        host, message = display_text.host_name(host), display_text.message(message)  # the server's reason
        self.setWindowTitle(display_text.window_title(f"Password for {profile_name}"))
        self.setAccessibleName(f"Password for {profile_name}")
        self.setSizeGripEnabled(True)
        self.setMinimumWidth(420)

        layout = QVBoxLayout(self)
        heading = plain_label(QLabel(f"Enter the password for {username} on {host}."))
        heading.setWordWrap(True)
        heading.setFont(bold(self.font()))
        heading.setAccessibleName(heading.text())
        layout.addWidget(heading)

        self.message_label = wrapped_label(message, selectable=True, name="Why the password is needed")
        paint_warning(self.message_label)
        self.message_label.setVisible(bool(message))
        layout.addWidget(self.message_label)

        form = QFormLayout()
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setAccessibleName("Password")
        self.password_edit.setAccessibleDescription(
            " ".join(p for p in (f"Password of {username} on {host}.", message) if p)
        )
        label = QLabel("&Password:")
        label.setBuddy(self.password_edit)
        form.addRow(label, self.password_edit)
        layout.addLayout(form)

        self.remember_check = QCheckBox("&Remember in the system keyring")
        self.remember_check.setAccessibleName("Remember the password in the system keyring")
        self.remember_check.setChecked(keyring_available)
        self.remember_check.setEnabled(keyring_available)
        self.keyring_note = wrapped_label(MEMORY_ONLY_NOTICE, name="Keyring note")
        self.keyring_note.setVisible(not keyring_available)
        if not keyring_available:
            self.remember_check.setToolTip(MEMORY_ONLY_NOTICE)
            self.remember_check.setAccessibleDescription(MEMORY_ONLY_NOTICE)
        layout.addWidget(self.remember_check)
        layout.addWidget(self.keyring_note)
        layout.addStretch(1)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Connect")
        self.ok_button.setAccessibleName("Connect with this password")
        self.ok_button.setEnabled(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.password_edit.textChanged.connect(lambda text: self.ok_button.setEnabled(bool(text)))
        self.password_edit.setFocus()

    def accept(self) -> None:
        """Close with Accepted only when a password was entered."""
        if self.password_edit.text():
            super().accept()

    def password(self) -> str:
        """The entered password."""
        return self.password_edit.text()

    def remember(self) -> bool:
        """Whether to save it in the system keyring (always False without a keyring)."""
        return self._keyring_available and self.remember_check.isChecked()


async def ask_password(
    parent: QWidget | None,
    *,
    profile_name: str,
    host: str,
    username: str,
    message: str = "",
    keyring_available: bool,
) -> tuple[str, bool] | None:
    """Ask for a password; returns ``(password, remember)`` or None when cancelled (or the parent went away)."""
    dialog = PasswordDialog(
        parent,
        profile_name=profile_name,
        host=host,
        username=username,
        message=message,
        keyring_available=keyring_available,
    )
    dialog.setObjectName("password_dialog")
    try:
        code = await run_dialog(dialog)
        if code != QDialog.DialogCode.Accepted.value or not shiboken6.isValid(dialog):
            return None
        return dialog.password(), dialog.remember()
    finally:
        if shiboken6.isValid(dialog):
            dialog.password_edit.clear()
            dialog.deleteLater()
