"""Start the desktop app: a QApplication on a qasync event loop, the services, the main window, ``--demo``.

Before anything else, a launch looks for a running instance (same user and settings folder) and hands its
arguments over (:mod:`vmconsole_gui.ui.single_instance`); only the first instance builds the window.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import sys
from pathlib import Path

import qasync
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from vmconsole_gui import __version__
from vmconsole_gui.services.connect_target import EXIT_USAGE, ConsoleChoice, TargetError, resolve_profile
from vmconsole_gui.services.demo_simulator import DemoEndpoint, DemoSimulator, DemoSimulatorError, start_demo_simulator
from vmconsole_gui.services.settings import (
    AppPaths,
    ConnectionProfile,
    ConsoleType,
    Pin,
    PinKind,
    PinScope,
)
from vmconsole_gui.ui.app_window import APP_ID, AppServices, AppWindow, open_services
from vmconsole_gui.ui.icons import app_icon
from vmconsole_gui.ui.single_instance import InstanceServer, instance_name, send_to_running

log = logging.getLogger(__name__)

__all__ = ["APP_ID", "DEMO_PROFILE_NAME", "add_demo_profile", "demo_paths", "run_app", "run_gui"]

DEMO_PROFILE_NAME = "Demo vCenter"


def demo_paths(paths: AppPaths) -> AppPaths:
    """Settings of the demo live apart from the user's real connections."""
    return dataclasses.replace(
        paths,
        config_dir=paths.config_dir / "demo",
        cache_dir=paths.cache_dir / "demo",
        state_dir=paths.state_dir / "demo",
    )


async def add_demo_profile(services: AppServices, endpoint: DemoEndpoint) -> ConnectionProfile:
    """Create the demo profile (or point it at the new port).

    The simulator's certificate is pinned for this session only, and the demo password is kept in memory (never in
    the keyring).
    """
    profiles = services.profiles
    existing = next((p for p in profiles.list() if p.name == DEMO_PROFILE_NAME), None)
    wanted = ConnectionProfile(
        name=DEMO_PROFILE_NAME,
        host=endpoint.host,
        port=endpoint.port,
        username=endpoint.username,
        console_type=ConsoleType.WEBMKS,
    )
    if existing is None:
        profile = await profiles.add_async(wanted)
    else:
        profile = await profiles.update_async(dataclasses.replace(existing, host=endpoint.host, port=endpoint.port))
    pin = Pin.create(
        sha256=endpoint.sha256, sha1=endpoint.sha1, subject="vmconsole-gui demo vCenter", kind=PinKind.VCENTER
    )
    await services.pins.pin_async(endpoint.host, endpoint.port, pin, PinScope.ONCE)
    await services.credentials.set_password(profile, endpoint.password, persist=False)
    return profile


def app_paths(args: argparse.Namespace) -> AppPaths:
    """The settings folders of this launch (the demo keeps its own)."""
    paths = AppPaths.for_user()
    return demo_paths(paths) if args.demo else paths


class _HandOff:
    """Answers second launches once the window exists (launches arriving earlier wait for it)."""

    def __init__(self) -> None:
        self.window: AppWindow | None = None
        self._ready = asyncio.Event()

    def set_window(self, window: AppWindow) -> None:
        self.window = window
        self._ready.set()

    async def __call__(self, args: list[str], cwd: str) -> tuple[int, str]:
        from vmconsole_gui.ui.command_line import handle_remote_args

        await self._ready.wait()
        assert self.window is not None
        return await handle_remote_args(self.window, args, cwd)


async def run_app(
    app: QApplication, args: argparse.Namespace, log_file: Path | None, hand_off: _HandOff | None = None
) -> int:
    """The app's main coroutine: returns the exit status once the window closed."""
    demo: DemoSimulator | None = None
    paths = app_paths(args)
    if args.demo:
        try:
            demo = await start_demo_simulator(vms=args.demo_vms)
        except DemoSimulatorError as exc:
            print(f"vmconsole-gui: {exc}", file=sys.stderr)
            return 1
    try:
        services, notices = await open_services(paths, log_file=log_file)
        if demo is not None:
            await add_demo_profile(services, demo.endpoint)
        if args.connect:
            try:
                resolve_profile(args.connect, services.profiles.list())
            except TargetError as exc:
                print(f"vmconsole-gui: {exc}", file=sys.stderr, flush=True)
                return EXIT_USAGE
        window = AppWindow(services, use_tray=not args.self_test)
        await window.start(notices, minimized=args.minimized)
        if hand_off is not None:
            hand_off.set_window(window)
        if args.self_test:
            return await _self_test(window)
        if args.connect:
            window.window.run(_connect_at_start(window, args.connect, args.console))
        await window.closed.wait()
        return 0
    finally:
        if demo is not None:
            await demo.stop()


async def _connect_at_start(window: AppWindow, target: str, console: str | None) -> None:
    """``--connect`` of the first instance: errors go to stderr and to the window (the app keeps running)."""
    from vmconsole_gui.ui.command_line import open_connect_target

    status, message = await open_connect_target(window, target, ConsoleChoice(console) if console else None)
    if status:
        print(f"vmconsole-gui: {message}", file=sys.stderr, flush=True)
        window.window.statusBar().showMessage(message, 30000)
        if window.tray is not None and not window.window.isVisible():
            window.tray.notify("Could not open the console", message, warning=True)
    else:
        print(message, flush=True)


async def _self_test(window: AppWindow, timeout_s: float = 60.0) -> int:
    """Wait until every profile is connected and its VMs are shown, then close; non-zero on failure."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while loop.time() < deadline:
        table = window.window.table_model
        profiles = window.services.profiles.list()
        connected = all(window.manager.client(p.id) is not None for p in profiles)
        if profiles and connected and table.rowCount() > 0:
            print(f"self-test: window shown with {table.rowCount()} VMs", flush=True)
            await window.shutdown()
            return 0
        await asyncio.sleep(0.1)
    print("self-test: the window did not show a connected inventory in time", file=sys.stderr, flush=True)
    await window.shutdown()
    return 2


def run_gui(args: argparse.Namespace, log_file: Path | None = None, *, argv: list[str] | None = None) -> int:
    """Create the QApplication and run the app on a qasync loop; returns the exit status.

    A running instance gets ``argv`` (default ``sys.argv[1:]``) instead and its answer is this launch's status.
    """
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")  # Chromium refuses to run as root otherwise
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("vmconsole-gui")
    app.setApplicationDisplayName("vmconsole-gui")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("vmconsole-gui")
    app.setDesktopFileName(APP_ID)
    app.setQuitOnLastWindowClosed(False)
    app.setWindowIcon(app_icon())
    hand_off: _HandOff | None = None
    server: InstanceServer | None = None
    if not args.self_test:
        name = instance_name(app_paths(args).config_dir)
        raw = list(sys.argv[1:] if argv is None else argv)
        reply = send_to_running(name, raw, os.getcwd(), reply_timeout_s=300.0 if args.connect else 15.0)
        if reply is not None:
            if reply.message:
                print(reply.message, file=sys.stderr if reply.status else sys.stdout, flush=True)
            return reply.status
        hand_off = _HandOff()
        server = InstanceServer(hand_off, app)
        if server.listen(name):
            log.info("single instance: listening on %s", server.name)
        else:
            log.info("single instance: another instance started at the same moment; this one runs on its own")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    status = 0

    async def main() -> None:
        nonlocal status
        status = await run_app(app, args, log_file, hand_off)
        if server is not None:
            server.close()
        QTimer.singleShot(0, app.quit)

    with loop:
        loop.run_until_complete(main())
    return status
