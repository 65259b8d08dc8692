"""Opening a console: the simulator's screen appears with the right colours; title, tabs, screenshot, fullscreen."""

from __future__ import annotations

from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.ui.console.conftest import close_to, grab, pixel, powered_on_vms
from vmconsole_gui.sim.console_screen import probe_points
from vmconsole_gui.ui.console import ConsoleState


def _show_one_to_one(rig, tab):
    """1:1 and the view exactly the framebuffer's size, so view pixels are framebuffer pixels.

    (``fit_to_framebuffer`` would do it, but it keeps the window within the offscreen screen, 800x600.)
    """
    window = rig.window
    window.show()
    tab.set_scale_to_fit(False)

    def fitted():
        if tab.view.size() != tab.framebuffer_size:
            window.resize(window.size() - tab.view.size() + tab.framebuffer_size)
            return False
        return True

    rig.qtbot.waitUntil(fitted, timeout=5000)


def _matches_screen(image, width, height, *, ctrl_alt_del=False):
    return all(
        close_to(pixel(image, x, y), colour)
        for (x, y), colour in probe_points(width, height, ctrl_alt_del=ctrl_alt_del).values()
    )


def test_console_shows_the_vms_screen_in_the_right_colours(rig):
    vm = powered_on_vms(rig.sim)[0]
    tab = rig.open(rig.window.open_console(rig.target(vm)).target)
    assert tab.framebuffer_size.width() == 1024 and tab.framebuffer_size.height() == 768
    _show_one_to_one(rig, tab)
    rig.qtbot.waitUntil(lambda: _matches_screen(grab(tab), 1024, 768), timeout=10000)

    image = grab(tab)
    points = probe_points(1024, 768)
    for name, ((x, y), colour) in points.items():
        assert close_to(pixel(image, x, y), colour), f"{name} at {x},{y}: {pixel(image, x, y)} != {colour}"
    # Red and blue differ in every band colour, so a channel swap cannot pass the loop above; check it plainly too.
    red, blue = points["swatch_red"][0], points["swatch_blue"][0]
    assert pixel(image, *red)[0] > 200 and pixel(image, *red)[2] < 50
    assert pixel(image, *blue)[2] > 200 and pixel(image, *blue)[0] < 50


def test_tab_title_window_title_and_one_tab_per_vm(rig):
    vm = powered_on_vms(rig.sim)[1]
    name = rig.sim.vm(vm).name
    target = rig.target(vm)
    tab = rig.open(target)
    window = rig.window
    assert window.tab_widget.tabText(0) == f"{name} — vcsa.sim"
    assert name in window.tab_widget.tabToolTip(0) and "vcsa.sim" in window.tab_widget.tabToolTip(0)
    assert name in window.windowTitle()
    assert "ticket" not in window.windowTitle().lower()
    assert window.open_console(rig.target(vm)) is tab  # same profile + VM: the existing tab
    assert window.tabs() == [tab]
    assert len(rig.probes[vm].tickets) == 1
    assert window.act_cad.isEnabled() and window.act_screenshot.isEnabled()
    for action in (window.act_cad, window.act_keys, window.act_fullscreen, window.act_reconnect):
        button = window.toolbar.widgetForAction(action)
        assert button is not None and button.accessibleName()
    assert "F11" in window.act_fullscreen.toolTip()


def test_screenshot_is_a_full_resolution_png_of_the_screen(rig, tmp_path):
    vm = powered_on_vms(rig.sim)[2]
    tab = rig.open(rig.target(vm))
    path = tmp_path / "shot.png"

    def title_painted():
        rig.run(tab.screenshot(path))
        with Image.open(path) as image:
            return close_to(image.convert("RGB").getpixel((4, 4)), probe_points(1024, 768)["title"][1])

    rig.qtbot.waitUntil(title_painted, timeout=10000)  # the first frame follows the handshake
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size == (1024, 768)
        rgb = image.convert("RGB")
        for name, ((x, y), colour) in probe_points(1024, 768).items():
            assert close_to(rgb.getpixel((x, y)), colour), name


def test_fullscreen_with_f11_and_leave_without_the_mouse(rig):
    vm = powered_on_vms(rig.sim)[3]
    tab = rig.open(rig.target(vm))
    window = rig.window
    rig.qtbot.waitUntil(lambda: tab.view.focusProxy() is not None, timeout=5000)
    QTest.keyClick(tab.view.focusProxy(), Qt.Key.Key_F11)
    rig.qtbot.waitUntil(window.isFullScreen, timeout=3000)
    assert window.exit_fullscreen_button.isVisible()
    assert not window.toolbar.isVisible()
    QTest.keyClick(
        tab.view.focusProxy(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    )
    rig.qtbot.waitUntil(lambda: not window.isFullScreen(), timeout=3000)
    assert window.toolbar.isVisible() and not window.exit_fullscreen_button.isVisible()
    window.toggle_fullscreen()
    rig.qtbot.waitUntil(window.isFullScreen, timeout=3000)
    rig.qtbot.mouseClick(window.exit_fullscreen_button, Qt.MouseButton.LeftButton)
    rig.qtbot.waitUntil(lambda: not window.isFullScreen(), timeout=3000)
    assert tab.state is ConsoleState.CONNECTED
