"""Keyboard input reaches the simulated VM: typed keys, "type clipboard" (paced, cancellable), Ctrl+Alt+Del, combos."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

from tests.ui.console.conftest import close_to, grab, pixel, powered_on_vms
from vmconsole_gui.services.console_session import XK_ALT_L, XK_CONTROL_L, XK_F1
from vmconsole_gui.sim.console_screen import STATUS_CAD_BG, probe_points, text_area
from vmconsole_gui.ui.console import ConsoleNotConnected, ConsoleState


def _text_region(image):
    left, top, right, bottom = text_area(1024, 768)
    return image.copy(left, top, right - left, bottom - top)


def _one_to_one(rig, tab):
    rig.window.show()
    tab.set_scale_to_fit(False)

    def fitted():
        if tab.view.size() != tab.framebuffer_size:
            rig.window.resize(rig.window.size() - tab.view.size() + tab.framebuffer_size)
            return False
        return close_to(pixel(grab(tab), 4, 4), probe_points(1024, 768)["title"][1])

    rig.qtbot.waitUntil(fitted, timeout=10000)


def test_keys_clipboard_and_ctrl_alt_del_reach_the_vm(rig):
    vm = powered_on_vms(rig.sim)[4]
    tab = rig.open(rig.target(vm))
    _one_to_one(rig, tab)
    consoles = rig.sim.consoles
    before = _text_region(grab(tab))

    QTest.keyClicks(tab.view.focusProxy(), "hello vm")
    rig.qtbot.waitUntil(lambda: consoles.typed_text(vm).endswith("hello vm"), timeout=5000)
    rig.qtbot.waitUntil(lambda: _text_region(grab(tab)) != before, timeout=5000)  # the guest redrew its text

    QGuiApplication.clipboard().setText("Grüße, 42!\n€ ok")
    rig.window.act_type.trigger()
    rig.qtbot.waitUntil(lambda: consoles.typed_text(vm).endswith("hello vmGrüße, 42!\n€ ok"), timeout=5000)
    rig.qtbot.waitUntil(lambda: not tab.typing, timeout=3000)
    # The toolbar follows once the typing task has finished (a loop turn after the tab's flag).
    rig.qtbot.waitUntil(lambda: rig.window.act_type.text() == "Type clipboard", timeout=3000)

    rig.window.act_cad.trigger()
    rig.qtbot.waitUntil(lambda: any(e.kind == "ctrl-alt-del" for e in consoles.events(vm)), timeout=5000)
    status = probe_points(1024, 768, ctrl_alt_del=True)["status"][0]
    rig.qtbot.waitUntil(lambda: close_to(pixel(grab(tab), *status), STATUS_CAD_BG), timeout=5000)


def test_key_combo_menu_sends_press_and_release_in_order(rig):
    vm = powered_on_vms(rig.sim)[5]
    tab = rig.open(rig.target(vm))
    action = next(a for a in rig.window.keys_menu.findChildren(type(rig.window.act_cad)) if a.text() == "Ctrl+Alt+F2")
    action.trigger()
    f2 = XK_F1 + 1
    ctrl, alt = XK_CONTROL_L, XK_ALT_L
    expected = [(ctrl, True), (alt, True), (f2, True), (f2, False), (alt, False), (ctrl, False)]

    def keys():
        return [(e.keysym, e.down) for e in rig.sim.consoles.events(vm) if e.kind == "key"]

    rig.qtbot.waitUntil(lambda: keys()[-6:] == expected, timeout=5000)
    with pytest.raises(KeyError, match="unknown key combination 'ctrl-alt-f13'"):
        tab.send_keys("ctrl-alt-f13")


def test_long_paste_is_paced_keeps_the_ui_responsive_and_can_be_cancelled(rig):
    vm = powered_on_vms(rig.sim)[6]
    tab = rig.open(rig.target(vm))
    consoles = rig.sim.consoles
    start = len(consoles.typed_text(vm))
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(20)
    progress = []
    tab.typing_progress.connect(lambda done, total: progress.append((done, total)))

    text = "abcdefghij" * 1000  # 10 000 characters at 2 ms: ~20 s if left to finish
    task = asyncio.ensure_future(tab.type_text(text, interval_ms=2), loop=rig.loop)
    rig.qtbot.waitUntil(lambda: len(consoles.typed_text(vm)) - start >= 300, timeout=10000)
    assert not task.done()
    assert len(ticks) >= 5  # the event loop kept running while typing
    assert progress and progress[-1][1] == 10000 and progress[-1][0] < 10000
    tab.cancel_typing()
    rig.qtbot.waitUntil(task.done, timeout=5000)
    assert task.cancelled()
    rig.qtbot.wait(300)
    typed = consoles.typed_text(vm)[start:]
    rig.qtbot.wait(300)
    assert consoles.typed_text(vm)[start:] == typed  # nothing more arrives after the cancel
    assert 300 <= len(typed) < len(text)
    assert text.startswith(typed)  # in order, nothing lost or duplicated
    timer.stop()

    # A short paste at full speed arrives whole.
    rig.run(tab.type_text("line one\r\nline\ttwo", interval_ms=0))
    rig.qtbot.waitUntil(lambda: consoles.typed_text(vm).endswith("line one\nline\ttwo"), timeout=5000)


def test_typing_into_a_console_that_is_not_connected_is_a_clear_error(rig):
    vm = powered_on_vms(rig.sim)[7]
    tab = rig.open(rig.target(vm))
    rig.run(rig.relay.stop())
    rig.wait_state(tab, ConsoleState.DISCONNECTED)
    with pytest.raises(ConsoleNotConnected, match="is not connected"):
        rig.run(tab.type_text("x"))
    assert not rig.window.act_type.isEnabled()
    assert tab.overlay.reconnect_button.isVisible()
