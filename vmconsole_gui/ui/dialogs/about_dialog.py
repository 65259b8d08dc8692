"""About box: version, licence, third-party credits and where the log file is."""

from __future__ import annotations

import platform
from pathlib import Path

import PySide6
from PySide6.QtCore import QUrl, qVersion
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

from vmconsole_gui import __version__
from vmconsole_gui.services.app_logging import LOG_FILE_NAME, log_dir
from vmconsole_gui.ui.dialogs._common import bold, monospace_font, wrapped_label

LICENCE = "GPL-3.0-or-later"
CREDITS = (
    "The embedded console uses noVNC (https://github.com/novnc/noVNC), © the noVNC authors, "
    "licensed under the Mozilla Public License 2.0 (MPL-2.0).\n"
    "Built with Qt and Qt for Python (PySide6), LGPL-3.0."
)


class AboutDialog(QDialog):
    """Version, licence, credits and the log file location, with "Copy log path" and "Open log folder".

    ``log_file`` defaults to the app's standard log file (``log_dir() / LOG_FILE_NAME``).
    """

    def __init__(self, parent: QWidget | None, *, log_file: Path | None = None) -> None:
        super().__init__(parent)
        self.log_file = log_file or log_dir() / LOG_FILE_NAME
        self.setWindowTitle("About vmconsole-gui")
        self.setAccessibleName(self.windowTitle())
        self.setSizeGripEnabled(True)
        self.setMinimumWidth(480)

        layout = QVBoxLayout(self)
        title = QLabel(f"vmconsole-gui {__version__}")
        title.setFont(bold(self.font(), 1.4))
        title.setAccessibleName(title.text())
        layout.addWidget(title)
        layout.addWidget(wrapped_label("Open the console of any vSphere VM in two clicks.", name="Description"))
        self.licence_label = wrapped_label(
            f"Licence: {LICENCE} (GNU General Public License, version 3 or later).", selectable=True, name="Licence"
        )
        layout.addWidget(self.licence_label)
        self.credits_label = wrapped_label(CREDITS, selectable=True, name="Credits")
        layout.addWidget(self.credits_label)
        versions = f"Python {platform.python_version()}, Qt {qVersion()}, PySide6 {PySide6.__version__}"
        layout.addWidget(wrapped_label(versions, selectable=True, name="Component versions"))

        layout.addWidget(QLabel("Log file:"))
        self.log_label = wrapped_label(str(self.log_file), selectable=True, name="Log file location")
        self.log_label.setFont(monospace_font())
        layout.addWidget(self.log_label)
        layout.addStretch(1)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close")
        close.setDefault(True)
        self.copy_button = QPushButton("&Copy log path")
        self.copy_button.setAccessibleName("Copy the log file path")
        self.copy_button.setAutoDefault(False)
        self.open_button = QPushButton("&Open log folder")
        self.open_button.setAccessibleName("Open the folder that holds the log file")
        self.open_button.setAutoDefault(False)
        self.buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_log_path)
        self.open_button.clicked.connect(self._open_log_folder)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def copy_log_path(self) -> None:
        """Put the log file's path on the clipboard."""
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(str(self.log_file))

    def _open_log_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_file.parent)))
