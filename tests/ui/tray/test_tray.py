"""The tray icon under a real X server (Xvfb + a small XEmbed tray host): menu, opening consoles, close to tray."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from tests.ui.app_rig import run
from tests.ui.tray.rig import start_connected, stop, vmrc_argv
from vmconsole_gui.services.settings import ConsoleType
from vmconsole_gui.ui.icons import power_icon

pytestmark = pytest.mark.xvfb


@pytest.fixture(scope="module")
def tray_host(qapp):
    """A system tray on the X display: the desktop's, or ``trayer`` (Debian package) started for the tests."""
    if QGuiApplication.platformName() != "xcb":
        pytest.skip("tray tests need a real X server: run them with QT_QPA_PLATFORM=xcb under xvfb-run")
    process = None
    if not QSystemTrayIcon.isSystemTrayAvailable():
        trayer = shutil.which("trayer")
        if trayer is None:
            pytest.skip("no system tray on this X display and no 'trayer' to host one (apt-get install trayer)")
        process = subprocess.Popen(
            [trayer, "--edge", "top", "--SetDockType", "false", "--widthtype", "request"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not QSystemTrayIcon.isSystemTrayAvailable() and time.monotonic() < deadline:
            qapp.processEvents()
            time.sleep(0.02)
        if not QSystemTrayIcon.isSystemTrayAvailable():
            process.terminate()
            pytest.fail("trayer started but Qt sees no system tray")
    yield
    if process is not None:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def app(qtbot, qloop, tmp_path, sim, desktop, tray_host):
    favourites = (sim.vm_ids()[2], sim.vm_ids()[4])
    window = start_connected(
        qtbot, qloop, tmp_path / "app", sim, use_tray=True, names=("Lab vCenter", "DR vCenter"), favourites=favourites
    )
    yield window
    stop(qtbot, qloop, window)


def menu_texts(menu):
    return [(a.text(), a.isEnabled()) for a in menu.actions() if not a.isSeparator()]


def test_menu_groups_favourites_and_recents_by_vcenter_with_power_icons(qtbot, qloop, app, sim):
    tray = app.tray
    assert tray is not None
    assert tray.icon.isVisible()
    lab, dr = app.services.profiles.list()
    ids = sim.vm_ids()
    fav_a, fav_b, recent_lab, recent_dr = ids[2], ids[4], ids[7], ids[11]
    settings = app.services.config.settings.with_recent_vm(dr.id, recent_dr, sim.vm(recent_dr).name)
    settings = settings.with_recent_vm(lab.id, recent_lab, sim.vm(recent_lab).name)
    settings = settings.with_recent_vm(lab.id, fav_a, sim.vm(fav_a).name)  # a favourite that is recent: listed once
    run(qtbot, qloop, app.services.config.update_settings_async(recent_vms=settings.recent_vms))
    tray.rebuild()
    texts = menu_texts(tray.menu)
    name = lambda vm_id: sim.vm(vm_id).name  # noqa: E731
    assert texts[:6] == [
        ("Lab vCenter", False),
        (f"{name(fav_a)}  ★", True),
        (f"{name(fav_b)}  ★", True),
        (name(recent_lab), True),
        ("DR vCenter", False),
        (name(recent_dr), True),
    ]
    assert [t for t, _ in texts[6:]] == [
        "Open with the &other console",
        "&Quick connect…",
        "&Show window",
        "Se&ttings…",
        "Start &minimised to the tray",
        "Start at &login",
        "&Quit",
    ]
    for action in tray.vm_actions():
        _profile_id, vm_id = action.property("vmconsole_vm_key").split("\n")
        assert action.icon().cacheKey() == power_icon(sim.vm(vm_id).power_state).cacheKey()
    other = [a.text() for a in tray.vm_actions(tray.other_menu())]
    assert other[0] == f"{name(fav_a)} — open the embedded console"
    # A power change on the vCenter shows in the menu after the next refresh.
    was = sim.vm(fav_b).power_state
    new = "SUSPENDED" if was != "SUSPENDED" else "POWERED_OFF"
    sim.set_power_state(fav_b, new)
    run(qtbot, qloop, app.manager.refresh())
    qtbot.waitUntil(lambda: tray.vm_actions()[1].icon().cacheKey() == power_icon(new).cacheKey(), timeout=5000)


def test_choosing_an_entry_opens_its_console(qtbot, app, sim, desktop):
    fav = sim.vm_ids()[2]
    action = next(a for a in app.tray.vm_actions() if a.property("vmconsole_vm_key").endswith(f"\n{fav}"))
    action.trigger()
    argv = vmrc_argv(qtbot, desktop)
    assert len(argv) == 1
    assert argv[0].startswith("vmrc://clone:")
    assert argv[0].endswith(f"@127.0.0.1:{sim.port}/?moid={fav}")
    qtbot.waitUntil(lambda: bool(app.services.config.settings.recent_vms), timeout=3000)
    assert app.services.config.settings.recent_vms[0].vm_id == fav


def balloons():
    return [w for w in QApplication.topLevelWidgets() if w.metaObject().className() == "QBalloonTip" and w.isVisible()]


def test_close_to_tray_keeps_running_and_says_so_once(qtbot, app):
    assert not app.services.config.settings.close_to_tray_notice_shown
    app.window.close()
    assert not app.window.isVisible()
    assert not app.closed.is_set()
    qtbot.waitUntil(lambda: app.services.config.settings.close_to_tray_notice_shown, timeout=3000)
    # Remembered on disk too (the file is written off the GUI thread, just after the in-memory change).
    config_file = app.services.paths.config_file
    qtbot.waitUntil(lambda: '"close_to_tray_notice_shown": true' in config_file.read_text(), timeout=3000)
    shown = balloons()
    assert shown, "a tray message says the app keeps running"
    for balloon in shown:
        balloon.close()
    app.show_window()
    qtbot.waitUntil(app.window.isVisible, timeout=3000)
    app.window.close()
    assert not app.window.isVisible()
    qtbot.wait(100)
    assert balloons() == []  # only once
    assert not app.closed.is_set()


def test_start_minimised_stays_in_the_tray(qtbot, qloop, tmp_path, sim, desktop, tray_host):
    app = start_connected(qtbot, qloop, tmp_path / "min", sim, use_tray=True, minimized=True)
    try:
        assert not app.window.isVisible()
        assert app.tray.icon.isVisible()
        app.toggle_window()
        qtbot.waitUntil(app.window.isVisible, timeout=3000)
    finally:
        stop(qtbot, qloop, app)


def test_default_webmks_profile_offers_vmrc_in_the_other_menu(qtbot, qloop, tmp_path, sim, desktop, tray_host):
    fav = sim.vm_ids()[3]
    app = start_connected(
        qtbot, qloop, tmp_path / "web", sim, use_tray=True, console_type=ConsoleType.WEBMKS, favourites=(fav,)
    )
    try:
        expected = [f"{sim.vm(fav).name} — open in VMRC"]  # once the listing named it (the menu is rebuilt then)
        qtbot.waitUntil(lambda: [a.text() for a in app.tray.vm_actions(app.tray.other_menu())] == expected)
        other = app.tray.vm_actions(app.tray.other_menu())
        other[0].trigger()
        assert vmrc_argv(qtbot, desktop)[0].endswith(f"/?moid={fav}")
    finally:
        stop(qtbot, qloop, app)
