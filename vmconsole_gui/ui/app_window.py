"""Builds the app's services around the main window and connects its actions to them."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox

from vmconsole_gui.services.connections import ConnectionManager
from vmconsole_gui.services.connections.records import ConnectionState, ConnectionStatus
from vmconsole_gui.services.console_flow import ConsoleFlow
from vmconsole_gui.services.inventory_cache import InventoryCache
from vmconsole_gui.services.settings import (
    AppPaths,
    ConfigStore,
    CredentialStore,
    PinStore,
    ProfileStore,
    SettingsFileError,
)
from vmconsole_gui.ui.async_dialogs import ask, run_dialog
from vmconsole_gui.ui.connection_prompts import ConnectionPrompts
from vmconsole_gui.ui.icons import power_icons
from vmconsole_gui.ui.main_window import MainWindow, power_action_for
from vmconsole_gui.ui.vm_commands import VmCommands
from vmconsole_gui.vsphere.errors import VSphereError

log = logging.getLogger(__name__)

LAYOUT_KEYS = ("main_window.geometry", "main_window.state", "main_window.splitter", "main_window.columns")
_NEEDS_USER = (ConnectionStatus.NEEDS_PASSWORD, ConnectionStatus.NEEDS_TRUST)


@dataclass
class AppServices:
    """The services one app instance runs with."""

    paths: AppPaths
    config: ConfigStore
    profiles: ProfileStore
    credentials: CredentialStore
    pins: PinStore
    cache: InventoryCache
    log_file: Path | None = None


async def open_services(paths: AppPaths, *, log_file: Path | None = None) -> tuple[AppServices, list[str]]:
    """Load settings and pins (off the GUI thread) and probe the keyring; return the services and notices."""
    notices: list[str] = []
    await asyncio.to_thread(paths.ensure)
    config = ConfigStore(paths.config_file)
    try:
        await config.load_async()
    except SettingsFileError as exc:
        notices.append(str(exc))
    pins = PinStore(paths.pins_file)
    try:
        await pins.load_async()
    except SettingsFileError as exc:
        notices.append(str(exc))
    credentials = CredentialStore()
    await credentials.probe()
    if notice := credentials.take_notice():
        notices.append(notice)
    services = AppServices(
        paths=paths,
        config=config,
        profiles=ProfileStore(config),
        credentials=credentials,
        pins=pins,
        cache=InventoryCache(paths.cache_dir / "inventory"),
        log_file=log_file,
    )
    return services, notices


class AppWindow:
    """The main window with its services: connections, console flow, prompts and VM commands."""

    def __init__(self, services: AppServices, *, extra_ca_pem: str | None = None) -> None:
        self.services = services
        self.window = MainWindow(power_icons=power_icons())
        self.window.on_task_error = self._on_task_error
        self.window.on_close = self._on_close
        self.manager = ConnectionManager(
            services.profiles,
            services.credentials,
            services.pins,
            self.window.controller,
            cache=services.cache,
            extra_ca_pem=extra_ca_pem,
        )
        self.flow = ConsoleFlow(
            self.manager, client_override=lambda: self.services.config.settings.console_client_override
        )
        self.prompts = ConnectionPrompts(
            self.window, self.manager, services.profiles, services.pins, services.credentials
        )
        self.commands = VmCommands(
            self.window,
            self.manager,
            self.flow,
            services.profiles,
            self.prompts,
            self.window.table_model,
            status=lambda text: self.window.statusBar().showMessage(text, 10000),
            open_settings=self.open_settings,
        )
        self.closed = asyncio.Event()
        self._shutting_down = False
        self._auto_refresh = QTimer(self.window)
        self._auto_refresh.timeout.connect(lambda: self.window.run(self.manager.refresh()))
        self._details_task: asyncio.Task[Any] | None = None
        self._wire()

    # ------------------------------------------------------------------ start / stop
    async def start(self, notices: list[str] | None = None) -> None:
        """Show the window at once (cached inventory), then connect every profile in the background."""
        settings = self.services.config.settings
        self.window.restore_layout({key: settings.ui_blob(key) for key in LAYOUT_KEYS})
        self._sync_profiles()
        self._apply_auto_refresh()
        self.window.show()
        for notice in notices or ():
            self.window.statusBar().showMessage(notice, 20000)
        self.window.run(self._connect_all())

    async def _connect_all(self) -> None:
        await self.manager.start()
        for profile in self.services.profiles.list():
            if self.manager.state(profile.id).status in _NEEDS_USER:
                await self.prompts.resolve(profile.id)

    async def shutdown(self) -> None:
        """Save the layout, close consoles and log out of every vCenter."""
        if self._shutting_down:
            await self.closed.wait()
            return
        self._shutting_down = True
        self._auto_refresh.stop()
        await self._save_layout()
        await self.window.cancel_tasks()
        await self.commands.aclose()
        await self.manager.aclose()
        self.closed.set()

    async def _save_layout(self) -> None:
        settings = self.services.config.settings
        for key, blob in self.window.save_layout().items():
            settings = settings.with_ui_blob(key, blob)
        try:
            await self.services.config.update_settings_async(ui_state=settings.ui_state)
        except SettingsFileError as exc:
            log.info("window layout not saved: %s", exc)

    def _on_close(self, event: QCloseEvent) -> None:
        event.accept()
        if not self._shutting_down:
            self.window.run(self._quit())

    async def _quit(self) -> None:
        await self.shutdown()
        QApplication.instance().quit()  # type: ignore[union-attr]

    # ------------------------------------------------------------------ wiring
    def _wire(self) -> None:
        w = self.window
        w.act_open_console.triggered.connect(lambda: self._with_current(self.commands.open_console))
        w.act_open_vmrc.triggered.connect(lambda: self._with_current(self.commands.open_vmrc))
        w.act_open_embedded.triggered.connect(lambda: self._with_current(self.commands.open_embedded))
        w.act_copy_link.triggered.connect(lambda: self._with_current(self.commands.copy_console_link))
        for act in (w.act_power_on, w.act_power_off, w.act_reset, w.act_suspend):
            action = power_action_for(act, w)
            act.triggered.connect(lambda _c=False, a=action: self._with_current(lambda r: self.commands.power(r, a)))
        w.act_copy_name.triggered.connect(lambda: self.commands.copy_names(w.selected_records()))
        w.act_copy_ip.triggered.connect(lambda: self.commands.copy_ips(w.selected_records()))
        w.act_refresh.triggered.connect(lambda: w.run(self.refresh()))
        w.act_connections.triggered.connect(lambda: w.run(self.manage_connections()))
        w.act_settings.triggered.connect(lambda: w.run(self.open_settings()))
        w.act_about.triggered.connect(lambda: w.run(self.show_about()))
        w.act_open_log.triggered.connect(self._open_log_folder)
        w.act_quit.triggered.connect(w.close)
        w.table.selectionModel().selectionChanged.connect(lambda *_: self._show_details())
        w.table_model.dataChanged.connect(lambda *_: self._refresh_details_if_selected())
        w.controller.connection_state_changed.connect(self._on_state)
        w.tree.customContextMenuRequested.connect(self._tree_context_menu)

    def _with_current(self, command: Any) -> None:
        record = self.window.current_record()
        if record is not None:
            self.window.run(command(record))

    def _on_state(self, state: ConnectionState) -> None:
        self.window.show_connection_state(state)
        self.window.refresh_selection_state()

    def _on_task_error(self, exc: BaseException) -> None:
        log.error("unexpected error in a window task", exc_info=exc)
        self.window.statusBar().showMessage(f"Unexpected error: {exc}", 15000)

    def _sync_profiles(self) -> None:
        profiles = self.services.profiles.list()
        for profile in profiles:
            self.window.controller.set_profile_name(profile.id, profile.name)
        self.window.show_empty_state(not profiles)

    def _apply_auto_refresh(self) -> None:
        seconds = self.services.config.settings.auto_refresh_seconds
        if seconds > 0:
            self._auto_refresh.start(seconds * 1000)
        else:
            self._auto_refresh.stop()

    # ------------------------------------------------------------------ details pane
    def _show_details(self) -> None:
        records = self.window.selected_records()
        record = records[0] if len(records) == 1 else None
        if self._details_task is not None:
            self._details_task.cancel()
            self._details_task = None
        self.window.details.show_row(record, loading=record is not None)
        if record is not None and self.manager.client(record.profile_id) is not None:
            self._details_task = self.window.run(self._load_details(record.profile_id, record.vm_id))
        elif record is not None:
            self.window.details.show_row(record)

    def _refresh_details_if_selected(self) -> None:
        record = self.window.current_record()
        if record is not None and self._details_task is None:
            self.window.details.show_row(record)

    async def _load_details(self, profile_id: str, vm_id: str) -> None:
        try:
            details = await self.manager.details(profile_id, vm_id)
        except VSphereError as exc:
            log.info("details of %s unavailable: %s", vm_id, exc.user_message)
            current = self.window.current_record()
            if current is not None:
                self.window.details.show_row(current)
            return
        finally:
            self._details_task = None
        info = details.info
        hardware = ""
        if info is not None:
            parts = [info.hardware_version or ""]
            if info.disks:
                parts.append(f"{len(info.disks)} disk(s)")
            if info.nics:
                parts.append(f"{len(info.nics)} NIC(s)")
            hardware = ", ".join(p for p in parts if p)
        current = self.window.current_record()
        if current is not None and (current.profile_id, current.vm_id) == (profile_id, vm_id):
            self.window.details.show_row(details.record, hardware=hardware)

    # ------------------------------------------------------------------ commands
    async def refresh(self) -> None:
        """F5: retry profiles that failed, refresh the connected ones."""
        for profile in self.services.profiles.list():
            status = self.manager.state(profile.id).status
            if status in (ConnectionStatus.ERROR, ConnectionStatus.IDLE):
                self.window.run(self.manager.connect(profile.id))
            elif status in _NEEDS_USER:
                self.window.run(self.prompts.resolve(profile.id))
        await self.manager.refresh()

    async def manage_connections(self) -> None:
        """The connections dialog; changes (re)connect at once."""
        from vmconsole_gui.ui.dialogs.connections_dialog import ConnectionsDialog

        dialog = ConnectionsDialog(
            self.window, self.services.profiles, self.services.credentials, states=self.window.controller.status_text
        )
        dialog.profile_added.connect(lambda pid, pw: self.window.run(self._profile_saved(pid, pw)))
        dialog.profile_changed.connect(lambda pid, pw: self.window.run(self._profile_saved(pid, pw)))
        dialog.profile_removed.connect(lambda pid: self.window.run(self._profile_removed(pid)))
        dialog.connect_requested.connect(lambda pid: self.window.run(self._connect_and_resolve(pid)))
        self.window.controller.connection_state_changed.connect(dialog.refresh_states)
        try:
            await run_dialog(dialog)
        finally:
            self.window.controller.connection_state_changed.disconnect(dialog.refresh_states)
            dialog.deleteLater()

    async def _profile_saved(self, profile_id: str, password: Any) -> None:
        self._sync_profiles()
        await self.manager.profile_changed(profile_id)
        if password is not None:
            await self.manager.connect(profile_id, password=password.reveal())
        await self.prompts.resolve(profile_id)

    async def _profile_removed(self, profile_id: str) -> None:
        await self.manager.profile_changed(profile_id)
        self._sync_profiles()

    async def _connect_and_resolve(self, profile_id: str) -> None:
        await self.manager.connect(profile_id)
        await self.prompts.resolve(profile_id)

    async def open_settings(self) -> None:
        """The settings dialog; the auto-refresh interval applies at once."""
        from vmconsole_gui.ui.dialogs.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.window, self.services.config)
        try:
            await run_dialog(dialog)
        finally:
            dialog.deleteLater()
        self._apply_auto_refresh()

    async def show_about(self) -> None:
        """The about box."""
        from vmconsole_gui.ui.dialogs.about_dialog import AboutDialog

        dialog = AboutDialog(self.window, log_file=self.services.log_file)
        try:
            await run_dialog(dialog)
        finally:
            dialog.deleteLater()

    def _open_log_folder(self) -> None:
        folder = self.services.log_file.parent if self.services.log_file else self.services.paths.log_dir
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def _tree_context_menu(self, pos: Any) -> None:
        from PySide6.QtWidgets import QMenu

        index = self.window.tree.indexAt(pos)
        scope = self.window.tree_model.scope_at(index)
        if scope is None or scope.datacenter is not None:
            return
        menu = QMenu(self.window)
        menu.addAction("&Connect / retry", lambda: self.window.run(self._connect_and_resolve(scope.profile_id)))
        menu.addAction("&Refresh", lambda: self.window.run(self.manager.refresh(scope.profile_id)))
        menu.addAction("&Disconnect", lambda: self.window.run(self.manager.disconnect(scope.profile_id)))
        menu.popup(self.window.tree.viewport().mapToGlobal(pos))

    async def notify(self, title: str, text: str) -> None:
        """An informational message box over the window."""
        await ask(self.window, title, text, QMessageBox.StandardButton.Ok, QMessageBox.StandardButton.Ok)
