#!/usr/bin/env python3
"""Make the README's screenshots on the built-in demo vCenter: the main window and the tray menu.

Usage: ``QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshot.py [docs/screenshots]``
(or under ``xvfb-run``). Settings go to a throwaway directory; nothing of the user's is read or written.
Writes ``main-window.png`` and ``tray-menu.png`` (three favourites and two recent VMs).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if hasattr(os, "geteuid") and os.geteuid() == 0:
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

import keyring
import keyring.backends.fail
import qasync
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QWidget

from vmconsole_gui.services.demo_simulator import start_demo_simulator
from vmconsole_gui.services.settings import AppPaths
from vmconsole_gui.ui.app_window import AppWindow, open_services
from vmconsole_gui.ui.application import add_demo_profile


async def shoot(out_dir: Path) -> None:
    """Run the demo, wait for a complete, enriched inventory, select a VM and grab the window."""
    demo = await start_demo_simulator(vms=300, seed=7)
    try:
        with tempfile.TemporaryDirectory() as base:
            keyring.set_keyring(keyring.backends.fail.Keyring())  # the demo password stays in memory
            services, _notices = await open_services(AppPaths.under(Path(base)))
            profile = await add_demo_profile(services, demo.endpoint)
            app_window = AppWindow(services)
            window = app_window.window
            window.resize(1360, 820)
            await app_window.start()
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 60
            while loop.time() < deadline:
                rows = window.table_model.rows()
                if len(rows) == demo.endpoint.vms and all(r.tools_running is not None for r in rows):
                    break
                await asyncio.sleep(0.2)
            target = next(r for r in window.table_model.rows() if r.ip_address and r.power_state == "POWERED_ON")
            window.tree.expandAll()
            window.select_vm(profile.id, target.vm_id)
            while window.details.value("hardware") in ("", "loading…") and loop.time() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.3)
            save(window, out_dir / "main-window.png")
            await shoot_tray_menu(app_window, out_dir / "tray-menu.png")
            await app_window.shutdown()
    finally:
        await demo.stop()


def save(widget: QWidget, path: Path) -> None:
    """Grab ``widget`` into a PNG."""
    if not widget.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    print(f"wrote {path} ({widget.width()}x{widget.height()})")


async def shoot_tray_menu(app_window: AppWindow, path: Path) -> None:
    """Star three VMs, open two, and grab the tray menu (built even where no system tray is running)."""
    from vmconsole_gui.ui.tray import TrayController

    rows = sorted(app_window.window.table_model.rows(), key=lambda r: r.name)
    for record in (rows[3], rows[40], rows[120]):
        await app_window.toggle_favourite(record)
    settings = app_window.services.config.settings
    for record in (rows[7], rows[55]):
        settings = settings.with_recent_vm(record.profile_id, record.vm_id, record.name)
    await app_window.services.config.update_settings_async(recent_vms=settings.recent_vms)
    tray = app_window.tray or TrayController(app_window)
    tray.rebuild()
    tray.menu.popup(QPoint(10, 10))
    await asyncio.sleep(0.3)
    save(tray.menu, path)
    tray.menu.hide()


def main() -> int:
    """Entry point."""
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(shoot(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
