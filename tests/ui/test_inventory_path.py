"""The real main window says how each vCenter's VM list is read, and live PropertyCollector updates reach its table.

Against govmomi's vcsim (it offers ``/sdk``): the tree tooltip and the status bar name the PropertyCollector, and a
power change or a rename made by someone else (pyvmomi) shows in the table without a refresh. Against the project's
simulator (REST only): the same places say "REST listing".
"""

from __future__ import annotations

import asyncio
import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument

from tests.services.test_connections_soap import find_vm, pyvmomi_content
from tests.ui.app_rig import close_app, isolate_desktop, open_connected, run, target_of, wait_shown
from tests.vsphere.vcsim import vcsim  # noqa: F401 - fixture
from vmconsole_gui.services.connections.records import ConnectionState, ConnectionStatus
from vmconsole_gui.services.connections.soap_path import INVENTORY_VIA_REST, INVENTORY_VIA_SOAP
from vmconsole_gui.ui.dialogs.connections_dialog import ConnectionsDialog
from vmconsole_gui.ui.main_window import MainWindow
from vmconsole_gui.ui.vm_table_model import Column

LIVE = "Connected · 9 VMs · live updates (PropertyCollector)"


def rendered(markup: str) -> str:
    """What Qt shows for tooltip ``markup``."""
    document = QTextDocument()
    document.setHtml(markup)
    return document.toPlainText()


def node_tooltip(app, profile_id: str) -> str:
    index = app.window.tree_model.index_of((profile_id, None, None, None, None))
    assert index.isValid()
    return rendered(index.data(Qt.ItemDataRole.ToolTipRole))


def cell(app, profile_id: str, vm_id: str, column: Column) -> str:
    """The text the table shows for one VM's ``column`` (through the sorting and filtering proxy)."""
    window = app.window
    source_row = window.table_model.row_index((profile_id, vm_id))
    assert source_row is not None
    index = window.proxy.mapFromSource(window.table_model.index(source_row, column))
    assert index.isValid()
    return str(index.data())


@pytest.fixture
def desktop(monkeypatch, tmp_path):
    isolate_desktop(monkeypatch, tmp_path, None)


@pytest.fixture
def live_app(qtbot, qloop, tmp_path, dict_keyring, desktop, vcsim):  # noqa: F811 - the fixture
    app = open_connected(qtbot, qloop, tmp_path / "app", target_of(vcsim), rows=9)
    yield app
    close_app(qtbot, qloop, app)


def test_vcsim_the_window_names_the_property_collector_and_shows_live_changes(qtbot, qloop, live_app, vcsim):  # noqa: F811
    app = live_app
    profile_id = app.services.profiles.list()[0].id
    qtbot.waitUntil(lambda: app.manager.state(profile_id).inventory_via == INVENTORY_VIA_SOAP, timeout=5000)
    tip = node_tooltip(app, profile_id)
    assert tip.startswith(f"Lab vCenter: {LIVE}\n")
    assert "PropertyCollector (SOAP)" in tip and "as they happen" in tip
    assert app.window.connection_label.text() == LIVE
    assert "without a refresh" in rendered(app.window.connection_label.toolTip())

    relistings: list[str] = []
    app.window.controller.inventory_changed.connect(lambda pid, _stale: relistings.append(pid))
    target = next(r for r in app.window.table_model.rows() if r.power_state == "POWERED_ON")
    assert cell(app, profile_id, target.vm_id, Column.POWER) == "On"
    content = run(qtbot, qloop, asyncio.to_thread(pyvmomi_content, vcsim))
    vm = run(qtbot, qloop, asyncio.to_thread(find_vm, content, target.vm_id))
    qtbot.wait(500)  # the update stream is waiting on the server

    t0 = time.monotonic()
    power_off = qloop.create_task(asyncio.to_thread(vm.PowerOffVM_Task))
    qtbot.waitUntil(lambda: cell(app, profile_id, target.vm_id, Column.POWER) == "Off", timeout=5000)
    elapsed = time.monotonic() - t0
    assert elapsed < 1.0, f"the power change took {elapsed:.2f} s to reach the table"
    qtbot.waitUntil(power_off.done, timeout=5000)

    def rename() -> None:
        from pyVim.task import WaitForTask

        WaitForTask(vm.Rename_Task("renamed-by-someone-else"))

    run(qtbot, qloop, asyncio.to_thread(rename))
    qtbot.waitUntil(lambda: cell(app, profile_id, target.vm_id, Column.NAME) == "renamed-by-someone-else", timeout=5000)
    assert relistings == []  # both arrived as updates: no refresh, no re-listing
    assert app.window.connection_label.text() == LIVE
    run(qtbot, qloop, asyncio.to_thread(hang_up, content))


def hang_up(content) -> None:
    """Log pyvmomi out and close its pooled connection (an open one keeps vcsim from stopping for 10 s)."""
    content.sessionManager.Logout()
    content.sessionManager._stub.DropConnections()


def test_simulator_the_window_says_rest_listing(qtbot, qloop, tmp_path, dict_keyring, desktop, sim_factory):
    sim = sim_factory(vms=12)
    app = open_connected(qtbot, qloop, tmp_path / "app", target_of(sim), rows=12)
    try:
        profile_id = app.services.profiles.list()[0].id
        assert app.manager.state(profile_id).inventory_via == INVENTORY_VIA_REST
        tip = node_tooltip(app, profile_id)
        assert tip.startswith("Lab vCenter: Connected · 12 VMs · REST listing\n")
        assert "at the next refresh" in tip and "PropertyCollector" not in tip
        assert app.window.connection_label.text() == "Connected · 12 VMs · REST listing"
        # The connections dialog's status says it too.
        app.window.act_connections.trigger()
        dialog = wait_shown(qtbot, ConnectionsDialog)
        assert dialog.detail_label.text() == "connected: 12 VMs · REST listing"
        dialog.reject()
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3000)
    finally:
        close_app(qtbot, qloop, app)


def test_several_vcenters_the_status_bar_speaks_of_the_selected_one(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    controller = window.controller
    controller.set_profile_name("a", "Prod")
    controller.set_profile_name("b", "Lab")
    assert window.connection_label.text() == "0 of 2 vCenters connected"
    controller.state_changed(
        ConnectionState("a", ConnectionStatus.CONNECTED, vm_count=1, inventory_via=INVENTORY_VIA_SOAP)
    )
    controller.state_changed(ConnectionState("b", ConnectionStatus.ERROR, message="Connection refused"))
    assert window.connection_label.text() == "1 of 2 vCenters connected"
    tip = rendered(window.connection_label.toolTip())
    assert tip == "Prod: Connected · 1 VM · live updates (PropertyCollector)\nLab: Error"

    window.tree.setCurrentIndex(window.tree_model.index_of(("b", None, None, None, None)))
    assert window.connection_label.text() == "Lab: Error"
    assert "Connection refused" in rendered(window.connection_label.toolTip())
    window.tree.setCurrentIndex(window.tree_model.index_of(("a", None, None, None, None)))
    assert window.connection_label.text() == "Prod: Connected · 1 VM · live updates (PropertyCollector)"

    controller.profile_removed("a")
    assert window.connection_label.text() == "Error"  # the only one left: no name needed
    controller.state_changed(ConnectionState("b", ConnectionStatus.IDLE))
    assert window.connection_label.text() == "Not connected"
