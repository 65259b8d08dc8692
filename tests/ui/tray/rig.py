"""An app connected to the simulator without going through dialogs (profile, pin and password set up directly)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.ui.app_rig import run
from vmconsole_gui.services.settings import AppPaths, ConnectionProfile, ConsoleType, Pin, PinKind, PinScope
from vmconsole_gui.ui.app_window import AppWindow, open_services


def start_connected(
    qtbot: Any,
    qloop: Any,
    base: Path,
    sim: Any,
    *,
    use_tray: bool,
    console_type: ConsoleType = ConsoleType.VMRC,
    names: tuple[str, ...] = ("Lab vCenter",),
    favourites: tuple[str, ...] = (),
    minimized: bool = False,
) -> AppWindow:
    """Services under ``base`` with profiles for ``sim`` (pinned, password in memory), window started, listed.

    Every name in ``names`` is one profile (all on the same simulator); ``favourites`` are starred on the first.
    """
    services, notices = run(qtbot, qloop, open_services(AppPaths.under(base)))

    async def setup() -> None:
        pin = Pin.create(sha256=sim.sha256, sha1=sim.sha1, subject="simulator", kind=PinKind.VCENTER)
        await services.pins.pin_async("127.0.0.1", sim.port, pin, PinScope.ONCE)
        for i, name in enumerate(names):
            profile = await services.profiles.add_async(
                ConnectionProfile(
                    name=name,
                    host="127.0.0.1",
                    port=sim.port,
                    username=sim.username,
                    console_type=console_type,
                    favourite_vm_ids=favourites if i == 0 else (),
                )
            )
            await services.credentials.set_password(profile, sim.password, persist=False)

    run(qtbot, qloop, setup())
    app = AppWindow(services, use_tray=use_tray)
    run(qtbot, qloop, app.start(notices, minimized=minimized))
    total = len(sim.vm_ids()) * len(names)
    qtbot.waitUntil(
        lambda: (
            all(app.manager.client(p.id) for p in services.profiles.list())
            and app.window.table_model.rowCount() == total
        ),
        timeout=20000,
    )
    return app


def stop(qtbot: Any, qloop: Any, app: AppWindow) -> None:
    """Shut the app down and delete the window (without quitting the test's QApplication)."""
    run(qtbot, qloop, app.shutdown())
    app.window.close()
    app.window.deleteLater()


def vmrc_argv(qtbot: Any, record: Path) -> list[str]:
    """The argv the fake vmrc recorded (waits for it)."""
    qtbot.waitUntil(lambda: record.exists() and record.read_bytes().endswith(b"\0"), timeout=10000)
    return [a.decode() for a in record.read_bytes().split(b"\0")[:-1]]
