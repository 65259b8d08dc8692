"""Without a system tray the app is a plain window app: closing the window quits."""

from __future__ import annotations

from PySide6.QtWidgets import QSystemTrayIcon

from tests.ui.tray.rig import start_connected, stop


def test_without_a_tray_closing_the_window_quits(qtbot, qloop, tmp_path, sim, desktop):
    app = start_connected(qtbot, qloop, tmp_path / "app", sim, use_tray=not QSystemTrayIcon.isSystemTrayAvailable())
    try:
        assert app.tray is None
        app.window.close()
        qtbot.waitUntil(app.closed.is_set, timeout=10000)
        assert not app.window.isVisible()
    finally:
        stop(qtbot, qloop, app)
