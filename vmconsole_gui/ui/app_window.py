"""Builds the app's services around the main window and connects its actions to them."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import QMessageBox, QSystemTrayIcon

from vmconsole_gui.services import autostart
from vmconsole_gui.services.connections import ConnectionManager
from vmconsole_gui.services.connections.records import ConnectionState, ConnectionStatus, VmRecord
from vmconsole_gui.services.console_flow import ConsoleFlow
from vmconsole_gui.services.inventory_cache import InventoryCache
from vmconsole_gui.services.settings import (
    AppPaths,
    ConfigStore,
    ConnectionProfile,
    ConsoleType,
    CredentialStore,
    PinStore,
    ProfileNotFoundError,
    ProfileStore,
    SettingsFileError,
)
from vmconsole_gui.ui.async_dialogs import ask, run_dialog
from vmconsole_gui.ui.connection_prompts import ConnectionPrompts
from vmconsole_gui.ui.icons import power_icons
from vmconsole_gui.ui.main_window import MainWindow, power_action_for
from vmconsole_gui.ui.vm_commands import VmCommands
from vmconsole_gui.vsphere.errors import VSphereError

if TYPE_CHECKING:
    from vmconsole_gui.ui.quick_palette import QuickPalette
    from vmconsole_gui.ui.tray import TrayController

log = logging.getLogger(__name__)

APP_ID = "io.github.vmconsole_gui.VmconsoleGui"
"""The desktop file name (and autostart entry name) of the app."""
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
    """The main window with its services: connections, console flow, prompts, VM commands, tray and quick connect.

    With a system tray (``use_tray`` and :meth:`QSystemTrayIcon.isSystemTrayAvailable`), closing the window hides it
    to the tray (the tray says so once) and Quit quits; without one, closing the window quits.
    """

    def __init__(self, services: AppServices, *, extra_ca_pem: str | None = None, use_tray: bool = True) -> None:
        self.services = services
        self.use_tray = use_tray
        self.tray: TrayController | None = None
        self._palette: QuickPalette | None = None
        self._connect_task: asyncio.Task[Any] | None = None
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
            on_console_opened=self._on_console_opened,
            on_problem=self._on_console_problem,
        )
        self.closed = asyncio.Event()
        self._shutting_down = False
        self._auto_refresh = QTimer(self.window)
        self._auto_refresh.timeout.connect(lambda: self.window.run(self.manager.refresh()))
        self._details_task: asyncio.Task[Any] | None = None
        self._wire()

    # ------------------------------------------------------------------ start / stop
    async def start(self, notices: list[str] | None = None, *, minimized: bool = False) -> None:
        """Show the window at once (cached inventory), then connect every profile in the background.

        ``minimized`` (or the ``start_minimised`` setting) starts in the tray instead, when there is a tray.
        """
        settings = self.services.config.settings
        self.window.restore_layout({key: settings.ui_blob(key) for key in LAYOUT_KEYS})
        self._sync_profiles()
        self._apply_auto_refresh()
        if self.use_tray and QSystemTrayIcon.isSystemTrayAvailable():
            from vmconsole_gui.ui.tray import TrayController

            self.tray = TrayController(self)
            self.tray.show()
        if self.tray is None or not (minimized or settings.start_minimised):
            self.window.show()
        elif notices:
            self.tray.notify("vmconsole-gui", "\n".join(notices), warning=True)
        for notice in notices or ():
            self.window.statusBar().showMessage(notice, 20000)
        # What start-up created (modules, Qt wrappers, the window) lives for the whole session: move it out of the
        # garbage collector's view, so later full collections only scan newer objects (shorter pauses in the UI).
        gc.freeze()
        # Worker threads (list preparation, cache files) share the GIL with the GUI thread: hand it back to the GUI
        # after at most 1 ms instead of the default 5 ms, so the window stays fluid while they run.
        sys.setswitchinterval(0.001)
        self._connect_task = self.window.run(self._connect_all())

    def starting(self) -> bool:
        """Whether the start-up connections are still being made."""
        return self._connect_task is not None and not self._connect_task.done()

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
        if self.tray is not None:
            self.tray.hide()
            self.tray = None
        if self._palette is not None:
            self._palette.close()
        await self._save_layout()
        await self.window.cancel_tasks()
        await self.commands.aclose()
        await self.manager.aclose()
        await self.window.controller.aclose()
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
        if self.tray is not None and not self._shutting_down:
            event.ignore()
            self.window.hide()
            if not self.services.config.settings.close_to_tray_notice_shown:
                self.tray.notify(
                    "vmconsole-gui is still running",
                    "It keeps running in the tray: open consoles from its menu, or choose Quit there to exit.",
                )
                self.window.run(self._save_setting(close_to_tray_notice_shown=True))
            return
        event.accept()
        if not self._shutting_down:
            self.window.run(self.quit())

    async def quit(self) -> None:
        """Shut down: :attr:`closed` is set, and the app's main coroutine (``run_app``) returns, which exits."""
        await self.shutdown()

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
        w.act_quit.triggered.connect(lambda: w.run(self.quit()))
        w.act_favourite.triggered.connect(lambda: self._with_current(self.toggle_favourite))
        w.table.selectionModel().selectionChanged.connect(lambda *_: self._show_details())
        w.table.selectionModel().selectionChanged.connect(lambda *_: self._update_favourite_action())
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

    # ------------------------------------------------------------------ tray, quick connect, favourites, recents
    def show_window(self) -> None:
        """Show, un-minimise and raise the main window."""
        self.window.show()
        if self.window.isMinimized():
            self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def toggle_window(self) -> None:
        """Tray click: hide the window when it is shown, else show it."""
        if self.window.isVisible() and not self.window.isMinimized():
            self.window.hide()
        else:
            self.show_window()

    def record(self, profile_id: str, vm_id: str) -> VmRecord | None:
        """The VM as the window lists it (live or cached), if it does."""
        row = self.window.table_model.row_index((profile_id, vm_id))
        return None if row is None else self.window.table_model.rows()[row]

    def quick_connect(self) -> None:
        """Show the quick connect palette."""
        if self._palette is None:
            from vmconsole_gui.ui.quick_palette import QuickPalette

            model = self.window.table_model
            self._palette = QuickPalette(lambda: (model.rows(), model.haystacks()), self._boosts, power_icons())
            self._palette.open_requested.connect(
                lambda record, other: self.window.run(self.open_record(record, other_type=other))
            )
        self._palette.popup()

    def palette(self) -> QuickPalette | None:
        """The quick connect palette once it was opened."""
        return self._palette

    def _boosts(self) -> dict[tuple[str, str], int]:
        boosts: dict[tuple[str, str], int] = {}
        for profile in self.services.profiles.list():
            for vm_id in profile.favourite_vm_ids:
                boosts.setdefault((profile.id, vm_id), len(boosts))
        for recent in self.services.config.settings.recent_vms:
            boosts.setdefault((recent.profile_id, recent.vm_id), len(boosts))
        return boosts

    async def open_record(self, record: VmRecord, *, other_type: bool = False) -> None:
        """Open the profile's default console type, or the other one."""
        if not other_type:
            await self.commands.open_console(record)
            return
        profile = self._profile(record.profile_id)
        if profile is not None and profile.console_type is ConsoleType.VMRC:
            await self.commands.open_embedded(record)
        else:
            await self.commands.open_vmrc(record)

    async def open_by_key(self, profile_id: str, vm_id: str, *, other_type: bool = False) -> None:
        """Open a tray entry's console, connecting its vCenter first when needed; failures become notifications."""
        from vmconsole_gui.ui.command_line import wait_for_inventory

        profile = self._profile(profile_id)
        name = profile.name if profile is not None else ""
        if self.manager.client(profile_id) is None:
            problem = await wait_for_inventory(self, profile_id, name, 60.0)
            if problem is not None:
                self._on_console_problem("Could not open the console", problem)
                return
        record = self.record(profile_id, vm_id)
        if record is None:
            self._on_console_problem("Could not open the console", f"The VM {vm_id} is no longer listed on {name}.")
            return
        await self.open_record(record, other_type=other_type)

    def _on_console_opened(self, record: VmRecord) -> None:
        settings = self.services.config.settings.with_recent_vm(record.profile_id, record.vm_id, record.name)
        self.window.run(self._save_setting(recent_vms=settings.recent_vms))

    def _on_console_problem(self, title: str, message: str) -> None:
        if self.tray is not None and not self.window.isVisible():
            self.tray.notify(title, message, warning=True)

    async def _save_setting(self, **changes: Any) -> None:
        try:
            await self.services.config.update_settings_async(**changes)
        except SettingsFileError as exc:
            log.info("setting not saved: %s", exc)
        if self.tray is not None:
            self.tray.schedule_rebuild()

    async def set_start_minimised(self, on: bool) -> None:
        """Start hidden in the tray from now on (or not)."""
        await self._save_setting(start_minimised=on)

    def autostart_enabled(self) -> bool:
        """Whether the app starts at login."""
        return autostart.autostart_enabled(APP_ID)

    def set_autostart(self, on: bool) -> None:
        """Write or remove the autostart entry; a failure is shown and the menu reflects the real state."""
        try:
            if on:
                autostart.enable_autostart(APP_ID)
            else:
                autostart.disable_autostart(APP_ID)
        except OSError as exc:
            log.info("start at login not changed: %s", exc)
            if self.tray is not None:
                self.tray.notify("Start at login", f"Could not change it: {exc}", warning=True)
        if self.tray is not None:
            self.tray.schedule_rebuild()

    def _profile(self, profile_id: str) -> ConnectionProfile | None:
        """The saved profile with this id, or None when it was removed meanwhile."""
        try:
            return self.services.profiles.get(profile_id)
        except ProfileNotFoundError:
            return None

    def is_favourite(self, record: VmRecord) -> bool:
        """Whether the VM is starred."""
        profile = self._profile(record.profile_id)
        return profile is not None and record.vm_id in profile.favourite_vm_ids

    async def toggle_favourite(self, record: VmRecord) -> None:
        """Star the VM, or un-star it."""
        profile = self._profile(record.profile_id)
        if profile is None:
            return
        ids = profile.favourite_vm_ids
        ids = tuple(i for i in ids if i != record.vm_id) if record.vm_id in ids else (*ids, record.vm_id)
        try:
            await self.services.profiles.update_async(dataclasses.replace(profile, favourite_vm_ids=ids))
        except SettingsFileError as exc:
            self.window.statusBar().showMessage(f"Favourites not saved: {exc}", 15000)
        self._update_favourite_action()
        if self.tray is not None:
            self.tray.schedule_rebuild()

    def _update_favourite_action(self) -> None:
        record = self.window.current_record()
        starred = record is not None and self.is_favourite(record)
        self.window.act_favourite.setText("Remove from fa&vourites" if starred else "Add to fa&vourites")
