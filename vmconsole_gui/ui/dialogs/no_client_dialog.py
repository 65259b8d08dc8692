"""Explain that no console application (VMRC, Workstation, Fusion) was found and offer the ways forward."""

from __future__ import annotations

import enum

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QPushButton, QStyle, QVBoxLayout, QWidget

from vmconsole_gui.ui.async_dialogs import run_dialog
from vmconsole_gui.ui.dialogs._common import bold, wrapped_label


class NoClientChoice(enum.Enum):
    """What the user wants to do when no console application is available."""

    COPY_LINK = "copy-link"
    """Copy a (freshly requested) console link to the clipboard, e.g. to open it on another computer."""
    USE_EMBEDDED = "use-embedded"
    """Open the embedded (WebMKS) console instead."""
    SETTINGS = "settings"
    """Open the settings to choose a console application."""
    CLOSE = "close"


class NoClientDialog(QDialog):
    """Help text from the launcher plus buttons; :meth:`choice` after it finished.

    The default button is "Open embedded console instead" when offered, else "Close"; Escape closes.
    """

    def __init__(self, parent: QWidget | None, help_text: str, *, can_copy_link: bool, can_use_embedded: bool) -> None:
        super().__init__(parent)
        self._choice = NoClientChoice.CLOSE
        self.setWindowTitle("No console application found")
        self.setAccessibleName(self.windowTitle())
        self.setSizeGripEnabled(True)
        self.setMinimumWidth(520)

        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        icon = QLabel()
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_MessageBoxIconSize)
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation).pixmap(size, size))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        icon.setAccessibleName("Information")
        row.addWidget(icon)
        text_box = QVBoxLayout()
        heading = QLabel("This console needs VMware Remote Console, Workstation Pro or Fusion Pro")
        heading.setWordWrap(True)
        heading.setFont(bold(self.font(), 1.15))
        heading.setAccessibleName(heading.text())
        text_box.addWidget(heading)
        self.help_label = wrapped_label(help_text, selectable=True, name="Where to get a console application")
        text_box.addWidget(self.help_label)
        row.addLayout(text_box, 1)
        layout.addLayout(row)
        layout.addStretch(1)

        self.buttons = QDialogButtonBox()
        self.copy_button = self._add("&Copy console link", NoClientChoice.COPY_LINK) if can_copy_link else None
        self.embedded_button = (
            self._add("Open &embedded console instead", NoClientChoice.USE_EMBEDDED) if can_use_embedded else None
        )
        self.settings_button = self._add("&Settings…", NoClientChoice.SETTINGS)
        self.close_button = self.buttons.addButton("C&lose", QDialogButtonBox.ButtonRole.RejectRole)
        self.close_button.setAccessibleName("Close")
        self.buttons.rejected.connect(self.reject)
        self._default_button = self.embedded_button or self.close_button
        self._default_button.setDefault(True)
        layout.addWidget(self.buttons)

    def showEvent(self, event: QShowEvent) -> None:
        """Start with the keyboard focus on the default button (so Enter presses it)."""
        super().showEvent(event)
        self._default_button.setFocus()

    def _add(self, text: str, choice: NoClientChoice) -> QPushButton:
        button = self.buttons.addButton(text, QDialogButtonBox.ButtonRole.ActionRole)
        button.setAccessibleName(text.replace("&", "").rstrip("…"))
        button.clicked.connect(lambda: self._choose(choice))
        return button

    def _choose(self, choice: NoClientChoice) -> None:
        self._choice = choice
        self.accept()

    def choice(self) -> NoClientChoice:
        """The user's choice (CLOSE when closed with Close or Escape)."""
        return self._choice if self.result() == QDialog.DialogCode.Accepted else NoClientChoice.CLOSE


async def show_no_client(
    parent: QWidget | None, help_text: str, *, can_copy_link: bool, can_use_embedded: bool
) -> NoClientChoice:
    """Show :class:`NoClientDialog` window-modally; returns the choice (CLOSE if closed or the parent went away).

    COPY_LINK means "the caller fetches a new console ticket now and copies it": tickets are single-use and
    short-lived, so the dialog never holds one.
    """
    dialog = NoClientDialog(parent, help_text, can_copy_link=can_copy_link, can_use_embedded=can_use_embedded)
    dialog.setObjectName("no_client_dialog")
    try:
        await run_dialog(dialog)
        return dialog.choice() if shiboken6.isValid(dialog) else NoClientChoice.CLOSE
    finally:
        if shiboken6.isValid(dialog):
            dialog.deleteLater()
