"""Hostile names and messages from a vCenter, through the real window: bounded, clean, literal, never rich text.

The simulator is given VMs, a host, a datacenter and a folder whose names carry a right-to-left override, NUL, a
newline, a tab, an escape sequence, HTML, ``&`` and ``[*]``, and a name of 100,000 characters; the assertions read the
text the widgets actually hold.
"""

from __future__ import annotations

import dataclasses
import unicodedata

import pytest
from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QTextDocument
from PySide6.QtWidgets import QLabel, QMessageBox

from tests.ui.app_rig import fake_vmrc, isolate_desktop, run, wait_shown
from tests.ui.tray.rig import start_connected, stop
from vmconsole_gui.services.connect_target import ConsoleChoice
from vmconsole_gui.services.connections.records import ConnectionState, ConnectionStatus
from vmconsole_gui.sim import SimulatorConfig, start_simulator
from vmconsole_gui.ui.command_line import open_connect_target
from vmconsole_gui.ui.tray import TrayController
from vmconsole_gui.ui.vm_table_model import Column

ELLIPSIS = "…"
NAME_MAX, LINE_MAX, MESSAGE_MAX = 200, 500, 2000
"""The bounds of ``services.display_text`` for names, status-bar lines and dialog messages."""
RLO = "\u202e"
HOSTILE = {
    "rlo": "web" + RLO + "10-bd",  # reads "webdb-01" when shown raw
    "html": "<b>bold</b> & <img src=x>",
    "controls": "db\x00\n01\tX\x1b[31m",
    "long": "L" * 100_000,
    "mnemonic": "R&D [*] web",
}
SHOWN = {
    "rlo": "web10-bd",
    "html": "<b>bold</b> & <img src=x>",
    "controls": "db  01 X [31m",
    "long": "L" * (NAME_MAX - 1) + ELLIPSIS,
    "mnemonic": "R&D [*] web",
}
HOST_NAME, HOST_SHOWN = "esx" + RLO + "01.lab", "esx01.lab"
DC_NAME, DC_SHOWN = "<i>DC</i>\x07", "<i>DC</i> "
FOLDER_NAME, FOLDER_SHOWN = "Fold\u200b\u200ber", "Folder"
IP_RAW, IP_SHOWN = "10.0.0.1" + RLO + "<b>", "10.0.0.1<b>"


@dataclasses.dataclass
class Hostile:
    sim: object
    ids: dict[str, str]
    ip_vm: str
    off_vm: str


@pytest.fixture(scope="module")
def hostile():
    sim = start_simulator(SimulatorConfig(vms=12, seed=5))
    inventory = sim.simulator.inventory
    ids = sim.vm_ids()
    chosen = dict(zip(HOSTILE, ids, strict=False))
    for key, vm_id in chosen.items():
        sim.rename(vm_id, HOSTILE[key])
    first = sim.vm(chosen["rlo"])
    sim.rename(first.host_id, HOST_NAME)
    sim.rename(first.datacenter_id, DC_NAME)
    sim.rename(first.folder_id, FOLDER_NAME)
    ip_vm = next(v for v in ids[len(chosen) :] if sim.vm(v).tools_running)
    sim.vm(ip_vm).ip_address = IP_RAW
    off_vm = next(v for v in ids[len(chosen) :] if sim.vm(v).power_state == "POWERED_OFF")
    assert inventory.vms[chosen["rlo"]].name == HOSTILE["rlo"]
    yield Hostile(sim, chosen, ip_vm, off_vm)
    sim.stop()


@pytest.fixture
def app(qtbot, qloop, tmp_path, monkeypatch, dict_keyring, hostile):
    bin_dir, _record = fake_vmrc(tmp_path)
    isolate_desktop(monkeypatch, tmp_path, bin_dir)
    hostile.sim.faults.clear()
    favourites = (hostile.ids["mnemonic"], hostile.ids["html"])
    window = start_connected(qtbot, qloop, tmp_path / "app", hostile.sim, use_tray=False, favourites=favourites)
    yield window
    hostile.sim.faults.clear()
    stop(qtbot, qloop, window)


def invisible(text: str) -> list[str]:
    """Control, format (bidi, zero-width) and odd space characters in ``text``."""
    return [c for c in text if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") or c in "\u00a0\u3000"]


def row_of(app, vm_id):
    profile = app.services.profiles.list()[0]
    return app.window.table_model.row_index((profile.id, vm_id))


def rendered(markup: str) -> str:
    """What Qt shows for tooltip ``markup`` (it must be rich text, so nothing in it is read as HTML by accident)."""
    assert QtGui.Qt.mightBeRichText(markup)
    document = QTextDocument()
    document.setHtml(markup)
    return document.toPlainText()


def test_table_cells_are_cleaned_bounded_and_tooltips_literal(qtbot, app, hostile):
    model = app.window.table_model
    for key, vm_id in hostile.ids.items():
        row = row_of(app, vm_id)
        assert model.cell(row, Column.NAME, Qt.ItemDataRole.DisplayRole) == SHOWN[key], key
    html_row = row_of(app, hostile.ids["html"])
    record = model.rows()[html_row]
    tip = model.cell(html_row, Column.NAME, Qt.ItemDataRole.ToolTipRole)
    assert rendered(tip) == f"{SHOWN['html']} on {record.vcenter}"
    rlo_row = row_of(app, hostile.ids["rlo"])
    assert model.cell(rlo_row, Column.HOST, Qt.ItemDataRole.DisplayRole) == HOST_SHOWN
    # What the view shows goes through the filter proxy: the same text.
    proxy = app.window.proxy
    shown = {proxy.index(r, Column.NAME).data() for r in range(proxy.rowCount())}
    assert set(SHOWN.values()) <= shown
    assert not [t for t in shown if invisible(t)]
    # The guest IP arrives with enrichment (guest identity): cleaned too.
    ip_row = row_of(app, hostile.ip_vm)
    qtbot.waitUntil(lambda: model.cell(ip_row, Column.IP, Qt.ItemDataRole.DisplayRole) != "", timeout=15000)
    assert model.cell(ip_row, Column.IP, Qt.ItemDataRole.DisplayRole) == IP_SHOWN


def test_search_matches_the_text_the_person_sees(app, hostile):
    window = app.window
    profile_id = app.services.profiles.list()[0].id
    for query, key in (("web10-bd", "rlo"), ("<b>bold</b>", "html"), ("db 01 [31m", "controls")):
        window.search.setText(query)
        window.apply_search()
        found = [window.proxy.row_at(r).vm_id for r in range(window.proxy.rowCount())]
        assert found == [hostile.ids[key]], query
        assert window.proxy.row_at(0).profile_id == profile_id
    window.search.setText("")
    window.apply_search()


def tree_items(model):
    stack = [model.invisibleRootItem()]
    while stack:
        item = stack.pop()
        for i in range(item.rowCount()):
            child = item.child(i)
            yield child
            stack.append(child)


def test_side_tree_names_are_cleaned_and_tooltips_literal(qtbot, app):
    tree = app.window.tree_model
    qtbot.waitUntil(lambda: any(i.text() == HOST_SHOWN for i in tree_items(tree)), timeout=10000)
    qtbot.waitUntil(lambda: any(i.text() == FOLDER_SHOWN for i in tree_items(tree)), timeout=15000)
    texts = [item.text() for item in tree_items(tree)]
    assert DC_SHOWN in texts
    assert not [t for t in texts if invisible(t)]
    folder = next(i for i in tree_items(tree) if i.text() == FOLDER_SHOWN)
    assert rendered(folder.toolTip()).startswith("Folder ") and rendered(folder.toolTip()).endswith(f"/{FOLDER_SHOWN}")


def test_details_pane_is_plain_text(qtbot, app, hostile):
    window = app.window
    profile_id = app.services.profiles.list()[0].id
    assert window.select_vm(profile_id, hostile.ids["html"])
    details = window.details
    qtbot.waitUntil(lambda: details.value("name") == SHOWN["html"], timeout=5000)
    shown = [label for label in details.findChildren(QLabel) if label.accessibleName() or label.objectName()]
    assert len(shown) > 10  # the heading and every value (the captions are ours)
    assert all(label.textFormat() == Qt.TextFormat.PlainText for label in shown)
    assert details.findChild(QLabel, "detailsHeading").text() == SHOWN["html"]


def test_details_pane_says_unknown_for_missing_or_impossible_numbers(app, hostile):
    details = app.window.details
    record = app.window.table_model.rows()[row_of(app, hostile.ids["html"])]
    details.show_row(dataclasses.replace(record, memory_mib=10**400, cpu_count=-1))
    assert details.value("memory") == "unknown" and details.value("cpu") == "unknown"
    details.show_row(dataclasses.replace(record, memory_mib=None, cpu_count=None, name=HOSTILE["long"]))
    assert details.value("memory") == "unknown" and details.value("cpu") == "unknown"
    assert details.value("name") == SHOWN["long"]
    details.show_row(dataclasses.replace(record, memory_mib=2048, cpu_count=4))
    assert details.value("memory") == "2 GiB" and details.value("cpu") == "4"


@pytest.mark.allow_log_warnings
def test_a_megabyte_server_message_is_bounded_and_plain(qtbot, app, hostile):
    sim = hostile.sim
    sim.faults.error_type = "INTERNAL_SERVER_ERROR"
    sim.faults.error_text = "<b>Boom</b>" + RLO + "E" * 1_000_000
    sim.faults.error_rates = {"vm.power": 1.0}
    window = app.window
    profile_id = app.services.profiles.list()[0].id
    assert window.select_vm(profile_id, hostile.off_vm)
    window.act_power_on.trigger()
    box = wait_shown(qtbot, QMessageBox)
    assert "Boom" in box.text()
    assert len(box.text()) <= MESSAGE_MAX
    assert RLO not in box.text()
    assert box.textFormat() == Qt.TextFormat.PlainText
    box.reject()
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=3000)


def test_status_bar_messages_are_one_clean_bounded_line(app):
    window = app.window
    profile_id = app.services.profiles.list()[0].id
    message = "<b>down</b>\n" + RLO + "x" * 1_000_000
    window.show_connection_state(ConnectionState(profile_id, ConnectionStatus.ERROR, message=message))
    shown = window.statusBar().currentMessage()
    assert shown.startswith("<b>down</b> x")
    assert len(shown) <= LINE_MAX and shown.endswith(ELLIPSIS)
    assert not invisible(shown)


def test_quick_palette_rows_are_literal(qtbot, app, hostile):
    app.quick_connect()
    palette = app.palette()
    palette.search.setText("bold")
    item = palette.model.item(0, 0)
    assert item.text() == SHOWN["html"]
    assert rendered(item.toolTip()).startswith(f"{SHOWN['html']} on ")
    palette.search.setText("LLLL")
    assert palette.model.item(0, 0).text() == SHOWN["long"]
    palette.hide()


def test_tray_entries_show_ampersands_and_markup_literally(qtbot, app, hostile):
    tray = TrayController(app)
    try:
        actions = tray.vm_actions()
        texts = [action.text() for action in actions]
        assert texts[0] == "R&&D [*] web  ★"  # "&&" is a literal "&", not a mnemonic
        assert QKeySequence.mnemonic(texts[0]).isEmpty()
        assert texts[1] == "<b>bold</b> && <img src=x>  ★"
        assert rendered(actions[1].toolTip()).startswith(f"{SHOWN['html']}: ")
    finally:
        tray.hide()


def test_second_launch_reply_carries_no_escape_sequences(qtbot, qloop, app, hostile):
    status, message = run(
        qtbot, qloop, open_connect_target(app, f"Lab vCenter/{hostile.ids['controls']}", ConsoleChoice.VMRC)
    )
    assert status == 0
    assert SHOWN["controls"] in message
    assert "\x1b" not in message and "\x00" not in message
