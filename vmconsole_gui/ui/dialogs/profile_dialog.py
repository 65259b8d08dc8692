"""Add or edit one vCenter connection: name, host, port, user, optional password, preferred console."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from vmconsole_gui.services.settings import ConnectionProfile, ConsoleType, ValidationIssue, normalise_host
from vmconsole_gui.ui.dialogs._common import FieldMessage, wrapped_label

NO_KEYRING_TIP = (
    "No system keyring is available on this computer, so the password cannot be saved. "
    "It is kept in memory for this session only."
)
CONSOLE_CHOICES = (
    (ConsoleType.WEBMKS, "Embedded console (WEBMKS)"),
    (ConsoleType.VMRC, "VMware Remote Console (VMRC)"),
)


def suggest_host(text: str) -> tuple[str, int | None] | None:
    """The host (and port) inside a pasted address like ``https://vc01.example.com:8443/ui``, or None.

    Returns None when ``text`` is already a plain host or no valid host can be found in it.
    """
    text = text.strip()
    if not text or normalise_host(text)[1] is None:
        return None
    try:
        parts = urlsplit(text if "://" in text else f"//{text}")
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host:
        return None
    cleaned, problem = normalise_host(host)
    if problem or cleaned == text:
        return None
    return cleaned, port


class ProfileDialog(QDialog):
    """Edit a :class:`ConnectionProfile`; OK stays disabled while ``check()`` reports issues.

    Args:
        parent: the owning window.
        profile: the profile to edit, or None to add a new one.
        check: validation, e.g. ``ProfileStore.check`` (issues per field: name, host, port, username).
        keyring_available: whether the password can be remembered in the system keyring.

    """

    def __init__(
        self,
        parent: QWidget | None,
        profile: ConnectionProfile | None,
        *,
        check: Callable[[ConnectionProfile], Sequence[ValidationIssue]],
        keyring_available: bool,
    ) -> None:
        super().__init__(parent)
        self._check = check
        self._original = profile or ConnectionProfile(name="", host="", username="")
        self._editing = profile is not None
        self._keyring_available = keyring_available
        self._touched: set[str] = {"name", "host", "port", "username"} if self._editing else set()
        self.setWindowTitle("Edit connection" if self._editing else "Add connection")
        self.setAccessibleName(self.windowTitle())
        self.setSizeGripEnabled(True)
        self.setMinimumWidth(460)
        self._build()
        self._fill(self._original)
        self._validate()

    # ---------------------------------------------------------------- construction
    def _build(self) -> None:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)

        self.name_edit = self._line_edit("Connection name", "A label for this connection, e.g. Production")
        self.name_edit.setPlaceholderText("e.g. Production vCenter")
        self.name_message = FieldMessage(self.name_edit, self.name_edit.accessibleDescription())
        self._add_row(form, "&Name:", self.name_edit, self.name_message)

        self.host_edit = self._line_edit("vCenter host", "Host name or IP address of the vCenter, without https://")
        self.host_edit.setPlaceholderText("vc01.example.com")
        self.host_message = FieldMessage(self.host_edit, self.host_edit.accessibleDescription())
        self.host_fix_button = QPushButton()
        self.host_fix_button.setAutoDefault(False)
        self.host_fix_button.setAccessibleName("Use the cleaned-up host name")
        self.host_fix_button.clicked.connect(self.clean_host)
        self.host_fix_button.hide()
        self.host_note = wrapped_label(name="Host name note")
        self.host_note.hide()
        host_box = QVBoxLayout()
        host_box.setContentsMargins(0, 0, 0, 0)
        host_box.addWidget(self.host_edit)
        host_box.addWidget(self.host_message)
        fix_row = QHBoxLayout()
        fix_row.addWidget(self.host_fix_button)
        fix_row.addStretch(1)
        host_box.addLayout(fix_row)
        host_box.addWidget(self.host_note)
        self._add_row(form, "&Host:", host_box, None, buddy=self.host_edit)

        self.port_spin = QSpinBox()
        self.port_spin.setRange(1, 65535)
        self.port_spin.setValue(443)
        self.port_spin.setAccessibleName("Port")
        self.port_spin.setAccessibleDescription("HTTPS port of the vCenter; normally 443")
        self.port_message = FieldMessage(self.port_spin, self.port_spin.accessibleDescription())
        self._add_row(form, "&Port:", self.port_spin, self.port_message)

        self.user_edit = self._line_edit("User name", "The vCenter user, e.g. administrator@vsphere.local")
        self.user_edit.setPlaceholderText("administrator@vsphere.local")
        self.user_message = FieldMessage(self.user_edit, self.user_edit.accessibleDescription())
        self._add_row(form, "&User name:", self.user_edit, self.user_message)

        self.password_edit = self._line_edit("Password", "Optional. Leave empty to be asked when connecting")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(
            "Leave empty to keep the saved password" if self._editing else "Optional: asked when connecting"
        )
        self._add_row(form, "Pass&word:", self.password_edit, None)

        self.remember_check = QCheckBox("&Remember in the system keyring")
        self.remember_check.setAccessibleName("Remember the password in the system keyring")
        self.remember_check.setChecked(self._keyring_available)
        self.remember_check.setEnabled(self._keyring_available)
        self.keyring_note = wrapped_label(NO_KEYRING_TIP, name="Keyring note")
        self.keyring_note.setVisible(not self._keyring_available)
        if not self._keyring_available:
            self.remember_check.setToolTip(NO_KEYRING_TIP)
            self.remember_check.setAccessibleDescription(NO_KEYRING_TIP)
        remember_box = QVBoxLayout()
        remember_box.setContentsMargins(0, 0, 0, 0)
        remember_box.addWidget(self.remember_check)
        remember_box.addWidget(self.keyring_note)
        form.addRow("", remember_box)

        self.console_combo = QComboBox()
        for console_type, label in CONSOLE_CHOICES:
            self.console_combo.addItem(label, console_type.value)
        self.console_combo.setAccessibleName("Preferred console")
        self.console_combo.setAccessibleDescription("How consoles of this connection's VMs open by default")
        self._add_row(form, "Preferred &console:", self.console_combo, None)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Save" if self._editing else "&Add")
        self.ok_button.setAccessibleName("Save connection" if self._editing else "Add connection")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        # Each input names its field itself (QObject.sender() returning None corrupts None's refcount in PySide 6.12).
        self.name_edit.textEdited.connect(lambda: self._on_edited("name"))
        self.host_edit.textEdited.connect(lambda: self._on_edited("host"))
        self.user_edit.textEdited.connect(lambda: self._on_edited("username"))
        self.port_spin.valueChanged.connect(lambda: self._on_edited("port"))
        self.host_edit.editingFinished.connect(self._on_host_finished)
        self.setTabOrder(self.name_edit, self.host_edit)
        self.setTabOrder(self.host_edit, self.port_spin)
        self.setTabOrder(self.port_spin, self.user_edit)
        self.setTabOrder(self.user_edit, self.password_edit)
        self.setTabOrder(self.password_edit, self.remember_check)
        self.setTabOrder(self.remember_check, self.console_combo)

    @staticmethod
    def _line_edit(name: str, description: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setAccessibleName(name)
        edit.setAccessibleDescription(description)
        return edit

    @staticmethod
    def _add_row(
        form: QFormLayout,
        text: str,
        field: QWidget | QVBoxLayout,
        message: FieldMessage | None,
        *,
        buddy: QWidget | None = None,
    ) -> None:
        label = QLabel(text)
        if isinstance(field, QVBoxLayout):
            if buddy is not None:
                label.setBuddy(buddy)
            form.addRow(label, field)
            return
        label.setBuddy(field)
        if message is None:
            form.addRow(label, field)
            return
        box = QVBoxLayout()
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(field)
        box.addWidget(message)
        form.addRow(label, box)

    def _fill(self, profile: ConnectionProfile) -> None:
        self.name_edit.setText(profile.name)
        self.host_edit.setText(profile.host)
        self.port_spin.setValue(profile.port)
        self.user_edit.setText(profile.username)
        index = self.console_combo.findData(profile.console_type.value)
        self.console_combo.setCurrentIndex(max(index, 0))

    # ---------------------------------------------------------------- validation
    def _on_edited(self, field: str) -> None:
        self._touched.add(field)
        if field == "host":
            self.host_note.hide()
        self._validate()

    def _on_host_finished(self) -> None:
        self.clean_host()

    def clean_host(self) -> None:
        """Replace a pasted address (``https://vc01.example.com/ui``) in the host field with just its host name."""
        suggestion = suggest_host(self.host_edit.text())
        if suggestion is None:
            return
        host, port = suggestion
        removed = self.host_edit.text().strip()
        self.host_edit.setText(host)
        if port is not None:
            self.port_spin.setValue(port)
        note = f"Kept just the host name “{host}” from “{removed}”"
        self.host_note.setText(note + (f" and set the port to {port}." if port is not None else "."))
        self.host_note.show()
        self._touched.add("host")
        self._validate()

    def _validate(self) -> None:
        issues = self._check(self._current_profile())
        by_field: dict[str, str] = {}
        for issue in issues:
            by_field.setdefault(issue.field, issue.message)
        for name, message_label in (
            ("name", self.name_message),
            ("host", self.host_message),
            ("port", self.port_message),
            ("username", self.user_message),
        ):
            message_label.show_message(by_field.get(name) if name in self._touched else None)
        suggestion = suggest_host(self.host_edit.text())
        if suggestion is not None:
            self.host_fix_button.setText(f"&Use “{suggestion[0]}”")
        self.host_fix_button.setVisible(suggestion is not None)
        self.ok_button.setEnabled(not issues)

    def issues(self) -> tuple[ValidationIssue, ...]:
        """The problems ``check()`` currently reports for the entered values."""
        return tuple(self._check(self._current_profile()))

    def _current_profile(self) -> ConnectionProfile:
        data = self.console_combo.currentData()
        return dataclasses.replace(
            self._original,
            name=self.name_edit.text().strip(),
            host=self.host_edit.text().strip(),
            port=self.port_spin.value(),
            username=self.user_edit.text().strip(),
            console_type=ConsoleType(data) if data in ConsoleType.__members__.values() else ConsoleType.WEBMKS,
        )

    def accept(self) -> None:
        """Close with Accepted, but only while the entered values are valid."""
        if self.issues():
            self._touched.update({"name", "host", "port", "username"})
            self._validate()
            return
        super().accept()

    # ---------------------------------------------------------------- results
    def result_profile(self) -> ConnectionProfile:
        """The profile as entered (same id as the edited one; a new id for a new one). Never holds a password."""
        return self._current_profile()

    def entered_password(self) -> str | None:
        """The password typed, or None when the field was left empty."""
        return self.password_edit.text() or None

    def remember_password(self) -> bool:
        """Whether to save the entered password in the system keyring (always False without a keyring)."""
        return self._keyring_available and self.remember_check.isChecked()


__all__ = ["CONSOLE_CHOICES", "NO_KEYRING_TIP", "ProfileDialog", "suggest_host"]
