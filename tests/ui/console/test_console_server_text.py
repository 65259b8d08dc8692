"""Console window: VM names in the tab, its tooltip and the window title, and failure reasons, shown literally."""

from __future__ import annotations

from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QTextDocument

from vmconsole_gui.ui.console import ConsoleState, ConsoleTarget

from .conftest import powered_on_vms

RLO = "\u202e"
NAME = "R&D [*] <b>web</b>" + RLO + "\x00"
SHOWN = "R&D [*] <b>web</b> "


class HostileServerError(Exception):
    """What a server's error may carry: markup, a bidi override and a megabyte of text."""


def hostile_target(rig, vm_id):
    async def fetch_ticket():
        raise HostileServerError("<img src=x>" + RLO + "E" * 1_000_000)

    async def trust(host, port):
        return None

    return ConsoleTarget(
        profile_id="sim",
        vm_id=vm_id,
        vm_name=NAME,
        vcenter="vcsa\x1b[2J.sim",
        fetch_ticket=fetch_ticket,
        trust_esxi=trust,
        power_on=None,
    )


def test_tab_title_and_failure_reason_are_clean_bounded_and_literal(qtbot, rig):
    window = rig.window
    tab = window.open_console(hostile_target(rig, powered_on_vms(rig.sim)[0]))
    rig.wait_state(tab, ConsoleState.FAILED)
    text = window.tab_widget.tabText(0)
    assert text == f"{SHOWN.replace('&', '&&')} — vcsa [2J.sim"  # "&&" shows "&", no mnemonic
    assert QKeySequence.mnemonic(text).isEmpty()
    tip = window.tab_widget.tabToolTip(0)
    assert QtGui.Qt.mightBeRichText(tip)
    document = QTextDocument()
    document.setHtml(tip)
    assert document.toPlainText() == f"{SHOWN}\nvCenter: vcsa [2J.sim"
    qtbot.waitUntil(lambda: window.windowHandle() is not None, timeout=3000)
    assert window.windowHandle().title() == f"{SHOWN} — vcsa [2J.sim — vmconsole-gui"  # "[*]" kept
    detail = tab.overlay.detail
    assert detail.textFormat() == Qt.TextFormat.PlainText
    assert detail.text().startswith("vcsa [2J.sim gave no usable console ticket: <img src=x>E")
    assert len(detail.text()) <= 2000 and RLO not in detail.text()
    status = window.statusBar().currentMessage()
    assert status.startswith("vcsa [2J.sim gave no usable console ticket: <img src=x>E")
    assert len(status) <= 500
