"""Start the desktop app: a QApplication on a qasync event loop, the services, the main window, ``--demo``."""

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
from vmconsole_gui.services.demo_simulator import DemoEndpoint, DemoSimulator, DemoSimulatorError, start_demo_simulator
from vmconsole_gui.services.settings import (
    AppPaths,
    ConnectionProfile,
    ConsoleType,
    Pin,
    PinKind,
    PinScope,
)
from vmconsole_gui.ui.app_window import AppServices, AppWindow, open_services
from vmconsole_gui.ui.icons import app_icon

log = logging.getLogger(__name__)

APP_ID = "io.github.vmconsole_gui.VmconsoleGui"
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


async def run_app(app: QApplication, args: argparse.Namespace, log_file: Path | None) -> int:
    """The app's main coroutine: returns the exit status once the window closed."""
    demo: DemoSimulator | None = None
    paths = AppPaths.for_user()
    if args.demo:
        try:
            demo = await start_demo_simulator(vms=args.demo_vms)
        except DemoSimulatorError as exc:
            print(f"vmconsole-gui: {exc}", file=sys.stderr)
            return 1
        paths = demo_paths(paths)
    try:
        services, notices = await open_services(paths, log_file=log_file)
        if demo is not None:
            await add_demo_profile(services, demo.endpoint)
        window = AppWindow(services)
        await window.start(notices)
        if args.self_test:
            return await _self_test(window)
        await window.closed.wait()
        return 0
    finally:
        if demo is not None:
            await demo.stop()


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


def run_gui(args: argparse.Namespace, log_file: Path | None = None) -> int:
    """Create the QApplication and run the app on a qasync loop; returns the exit status."""
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
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    status = 0

    async def main() -> None:
        nonlocal status
        status = await run_app(app, args, log_file)
        QTimer.singleShot(0, app.quit)

    with loop:
        loop.run_until_complete(main())
    return status
