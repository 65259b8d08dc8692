"""Settings: console clients (detected ones, an override program) and general options, saved asynchronously."""

from __future__ import annotations

import asyncio
import os
from typing import ClassVar

import shiboken6
from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from vmconsole_gui.services.launchers import (
    ConsoleClientKind,
    DetectedClient,
    InvalidClientOverride,
    SystemProbes,
    client_from_override,
    detect_clients,
)
from vmconsole_gui.services.settings import AppSettings, ConfigStore, SettingsFileError
from vmconsole_gui.ui.async_dialogs import async_slot, run_dialog
from vmconsole_gui.ui.dialogs._common import FieldMessage, monospace_font, paint_warning, wrapped_label

REFRESH_CHOICES = (
    (0, "Off"),
    (60, "Every minute"),
    (300, "Every 5 minutes"),
    (900, "Every 15 minutes"),
    (3600, "Every hour"),
)
KIND_LABELS = {
    ConsoleClientKind.VMRC: "VMRC",
    ConsoleClientKind.WORKSTATION: "Workstation",
    ConsoleClientKind.FUSION: "Fusion",
    ConsoleClientKind.OS_HANDLER: "System handler",
}


class SettingsDialog(QDialog):
    """Two pages: "Console clients" and "General"; Save writes via ``ConfigStore.update_settings_async``.

    Detection (``detect_clients``) and override checks (``client_from_override``) run on worker threads.
    ``probes`` replaces the real system probes (tests, diagnostics).

    Signals:
        settings_saved(object): the new :class:`AppSettings` after a successful save.

    """

    settings_saved = Signal(object)
    native_file_dialog: ClassVar[bool] = True
    """Use the platform's file chooser for Browse…; tests set it False for Qt's own dialog."""

    def __init__(self, parent: QWidget | None, config: ConfigStore, *, probes: SystemProbes | None = None) -> None:
        super().__init__(parent)
        self._config = config
        self._probes = probes
        self._override_generation = 0
        self._override_ok = True
        self._saving = False
        self.clients: list[DetectedClient] = []
        self.detection_done = asyncio.Event()
        self._detect_task: asyncio.Task[None] | None = None
        self.setWindowTitle("Settings")
        self.setAccessibleName("Settings")
        self.setSizeGripEnabled(True)
        self.resize(640, 440)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Settings pages")
        self.tabs.addTab(self._clients_page(), "&Console clients")
        self.tabs.addTab(self._general_page(), "&General")
        self.save_error = wrapped_label(selectable=True, name="Save problem")
        paint_warning(self.save_error)
        self.save_error.hide()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setAccessibleName("Save settings")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.save_error)
        layout.addWidget(self.buttons)
        self._load(config.settings)

    # ---------------------------------------------------------------- pages
    def _clients_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        intro = wrapped_label(
            "Consoles opened with VMware Remote Console (VMRC) use the first application in this list, "
            "or the program you choose below.",
            name="About console clients",
        )
        layout.addWidget(intro)
        self.clients_tree = QTreeWidget()
        self.clients_tree.setHeaderLabels(["Kind", "Application", "Program", "Found via"])
        self.clients_tree.setRootIsDecorated(False)
        self.clients_tree.setAccessibleName("Detected console applications")
        clients_label = QLabel("&Detected applications:")
        clients_label.setBuddy(self.clients_tree)
        layout.addWidget(clients_label)
        layout.addWidget(self.clients_tree, 1)
        self.detect_status = wrapped_label(name="Detection status")
        self.detect_button = QPushButton("Detect &again")
        self.detect_button.setAccessibleName("Detect console applications again")
        self.detect_button.setAutoDefault(False)
        self.detect_button.clicked.connect(self.detect)
        status_row = QHBoxLayout()
        status_row.addWidget(self.detect_status, 1)
        status_row.addWidget(self.detect_button)
        layout.addLayout(status_row)

        form = QFormLayout()
        self.override_edit = QLineEdit()
        self.override_edit.setPlaceholderText("Leave empty to use the first detected application")
        self.override_edit.setAccessibleName("Console application to use instead")
        self.override_edit.setFont(monospace_font())
        self.browse_button = QPushButton("&Browse…")
        self.browse_button.setAccessibleName("Browse for the console application")
        self.browse_button.setAutoDefault(False)
        self.browse_button.clicked.connect(self.browse)
        self.override_message = FieldMessage(
            self.override_edit, "Full path of VMRC, VMware Workstation or VMware Fusion; empty uses the detected one"
        )
        row = QHBoxLayout()
        row.addWidget(self.override_edit, 1)
        row.addWidget(self.browse_button)
        box = QVBoxLayout()
        box.addLayout(row)
        box.addWidget(self.override_message)
        label = QLabel("Use this &program:")
        label.setBuddy(self.override_edit)
        form.addRow(label, box)
        layout.addLayout(form)
        self.override_edit.textChanged.connect(self._on_override_changed)
        return page

    def _general_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.refresh_combo = QComboBox()
        for seconds, text in REFRESH_CHOICES:
            self.refresh_combo.addItem(text, seconds)
        self.refresh_combo.setAccessibleName("Refresh the VM list automatically")
        label = QLabel("&Refresh the VM list:")
        label.setBuddy(self.refresh_combo)
        form.addRow(label, self.refresh_combo)
        self.start_minimised_check = QCheckBox("Start &minimised")
        self.start_minimised_check.setAccessibleName("Start minimised")
        self.start_minimised_check.setAccessibleDescription("Start with the main window hidden in the system tray")
        form.addRow("", self.start_minimised_check)
        return page

    def _load(self, settings: AppSettings) -> None:
        index = self.refresh_combo.findData(settings.auto_refresh_seconds)
        if index < 0:
            minutes = settings.auto_refresh_seconds / 60
            self.refresh_combo.addItem(f"Every {minutes:g} minutes", settings.auto_refresh_seconds)
            index = self.refresh_combo.count() - 1
        self.refresh_combo.setCurrentIndex(index)
        self.start_minimised_check.setChecked(settings.start_minimised)
        self.override_edit.setText(settings.console_client_override or "")

    # ---------------------------------------------------------------- detection
    def showEvent(self, event: QShowEvent) -> None:
        """Start detecting console applications the first time the dialog is shown."""
        super().showEvent(event)
        if not self.clients and not self.detection_done.is_set() and self.detect_button.isEnabled():
            self.detect()

    @Slot()
    def detect(self) -> None:
        """Run ``detect_clients`` on a worker thread and list the result (``detection_done`` is set then)."""
        if self._detect_task is not None and not self._detect_task.done():
            return
        self.detection_done.clear()
        self.detect_button.setEnabled(False)
        self.detect_status.setText("Looking for console applications…")
        self._detect_task = self._run_detection()

    @async_slot()
    async def _run_detection(self) -> None:
        try:
            clients = await asyncio.to_thread(detect_clients, self._probes)
        except OSError as error:
            clients = []
            status = f"Could not look for console applications: {error}"
        else:
            status = (
                f"Found {len(clients)} console application{'s' if len(clients) != 1 else ''}."
                if clients
                else "No console application was found. Install VMware Remote Console, Workstation Pro or "
                "Fusion Pro (all free), or choose a program below."
            )
        if not shiboken6.isValid(self):
            return
        self.clients = clients
        self.clients_tree.clear()
        for client in clients:
            program = str(client.executable) if client.executable else " ".join(client.argv_prefix)
            item = QTreeWidgetItem([KIND_LABELS.get(client.kind, ""), client.display_name, program, client.source])
            item.setToolTip(0, client.describe())
            self.clients_tree.addTopLevelItem(item)
        for column in range(4):
            self.clients_tree.resizeColumnToContents(column)
        self.detect_status.setText(status)
        self.detect_button.setEnabled(True)
        self.detection_done.set()

    # ---------------------------------------------------------------- override
    def _on_override_changed(self, text: str) -> None:
        self._override_generation += 1
        if not text.strip():
            self._override_ok = True
            self.override_message.show_message(None)
            self._update_save()
            return
        self._override_ok = False
        self._update_save()
        self._check_override(text, self._override_generation)

    @async_slot(str, int)
    async def _check_override(self, text: str, generation: int) -> None:
        try:
            await asyncio.to_thread(client_from_override, text, self._probes)
            problem = None
        except InvalidClientOverride as error:
            problem = str(error)
        if not shiboken6.isValid(self) or generation != self._override_generation:
            return  # a newer edit superseded this check
        self._override_ok = problem is None
        self.override_message.show_message(problem)
        self._update_save()

    def override_checked(self) -> bool:
        """True once the override path shown has been checked (valid or not)."""
        return self._override_ok or self.override_message.isVisible()

    def _update_save(self) -> None:
        self.save_button.setEnabled(self._override_ok and not self._saving)

    @async_slot()
    async def browse(self) -> None:
        """Choose the console application with a file dialog (window-modal, not blocking the loop)."""
        dialog = QFileDialog(self, "Choose the console application")
        dialog.setObjectName("override_file_dialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, not self.native_file_dialog)
        current = self.override_edit.text().strip()
        if current:
            dialog.setDirectory(os.path.dirname(current))
        try:
            if await run_dialog(dialog) == QDialog.DialogCode.Accepted.value and shiboken6.isValid(dialog):
                files = dialog.selectedFiles()
                if files and shiboken6.isValid(self):
                    self.override_edit.setText(files[0])
        finally:
            if shiboken6.isValid(dialog):
                dialog.deleteLater()

    # ---------------------------------------------------------------- save
    def chosen_settings(self) -> dict[str, object]:
        """The values the dialog would save, as ``update_settings`` keyword arguments."""
        override = self.override_edit.text().strip() or None
        seconds = self.refresh_combo.currentData()
        return {
            "auto_refresh_seconds": int(seconds) if isinstance(seconds, int) else 0,
            "console_client_override": override,
            "start_minimised": self.start_minimised_check.isChecked(),
        }

    @async_slot()
    async def save(self) -> None:
        """Save the settings (on a worker thread) and close; a failure is shown and the dialog stays open."""
        if not self._override_ok or self._saving:
            return
        self._saving = True
        self._update_save()
        try:
            settings = await self._config.update_settings_async(**self.chosen_settings())
        except (SettingsFileError, OSError) as error:
            if shiboken6.isValid(self):
                self.save_error.setText(f"The settings could not be saved: {error}")
                self.save_error.show()
            return
        finally:
            if shiboken6.isValid(self):
                self._saving = False
                self._update_save()
        self.settings_saved.emit(settings)
        self.accept()
