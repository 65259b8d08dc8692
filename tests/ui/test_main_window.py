"""The real app window against the simulator over loopback TLS: the flows a person goes through."""

from __future__ import annotations

import json
import socket

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from tests.ui.app_rig import (
    box_buttons,
    click_box_button,
    close_app,
    fake_vmrc,
    isolate_desktop,
    open_app,
    run,
    shown,
    wait_shown,
)
from vmconsole_gui.services.connections.records import ConnectionStatus
from vmconsole_gui.services.settings import ConnectionProfile, ConsoleType
from vmconsole_gui.sim import SimulatorConfig, start_simulator
from vmconsole_gui.ui.dialogs.certificate_dialog import CertificateDialog
from vmconsole_gui.ui.dialogs.connections_dialog import ConnectionsDialog
from vmconsole_gui.ui.dialogs.password_dialog import PasswordDialog
from vmconsole_gui.ui.dialogs.profile_dialog import ProfileDialog
from vmconsole_gui.ui.vm_rows import search_text
from vmconsole_gui.ui.vm_table_model import Column

VMS = 60


@pytest.fixture(scope="module")
def sim():
    running = start_simulator(SimulatorConfig(vms=VMS, seed=11))
    yield running
    running.stop()


@pytest.fixture
def desktop(monkeypatch, tmp_path):
    bin_dir, record = fake_vmrc(tmp_path)
    isolate_desktop(monkeypatch, tmp_path, bin_dir)
    return record


@pytest.fixture
def app(qtbot, qloop, tmp_path, dict_keyring, desktop):
    window = open_app(qtbot, qloop, tmp_path / "app")
    yield window
    close_app(qtbot, qloop, window)


def add_profile(qtbot, qloop, app, sim, *, password, port=None, name="Lab vCenter"):
    """Add a connection through the connections dialog, like a person would."""
    app.window.act_connections.trigger()
    dialog = wait_shown(qtbot, ConnectionsDialog)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    editor = wait_shown(qtbot, ProfileDialog)
    for edit, text in ((editor.name_edit, name), (editor.host_edit, "127.0.0.1"), (editor.user_edit, sim.username)):
        edit.clear()
        qtbot.keyClicks(edit, text)
        edit.editingFinished.emit()
    editor.port_spin.setValue(port or sim.port)
    qtbot.keyClicks(editor.password_edit, password)
    assert editor.ok_button.isEnabled()
    qtbot.mouseClick(editor.ok_button, Qt.MouseButton.LeftButton)
    return dialog


def connected_profile(app):
    profiles = app.services.profiles.list()
    assert len(profiles) == 1
    return profiles[0]


def wait_connected(qtbot, app, rows=VMS):
    qtbot.waitUntil(
        lambda: (
            any(app.manager.client(p.id) for p in app.services.profiles.list())
            and app.window.table_model.rowCount() == rows
        ),
        timeout=20000,
    )


def test_first_use_add_profile_trust_certificate_and_list(qtbot, qloop, app, sim, dict_keyring):
    dialog = add_profile(qtbot, qloop, app, sim, password=sim.password)
    cert_dialog = wait_shown(qtbot, CertificateDialog)
    shown_text = "".join(label.text() for label in cert_dialog.findChildren(QLabel))
    assert sim.sha256 in shown_text.replace(":", "").replace("\n", "").replace(" ", "").lower()
    qtbot.mouseClick(cert_dialog.always_button, Qt.MouseButton.LeftButton)
    wait_connected(qtbot, app)
    dialog.close()
    profile = connected_profile(app)
    # The pin is stored for host:port with the simulator's fingerprint; the password went to the keyring only.
    pins = json.loads(app.services.paths.pins_file.read_text())
    assert sim.sha256 in json.dumps(pins)
    assert sim.password not in app.services.paths.config_file.read_text()
    assert sim.password in dict_keyring.items.values()
    # Every VM of the simulator is listed, with host and cluster names.
    names = {app.window.table_model.rows()[i].name for i in range(VMS)}
    assert names == {sim.vm(v).name for v in sim.vm_ids()}
    assert app.window.count_label.text() == f"{VMS} VMs"
    assert app.manager.state(profile.id).status is ConnectionStatus.CONNECTED


@pytest.fixture
def connected(qtbot, qloop, app, sim):
    add_profile(qtbot, qloop, app, sim, password=sim.password).close()
    qtbot.mouseClick(wait_shown(qtbot, CertificateDialog).once_button, Qt.MouseButton.LeftButton)
    wait_connected(qtbot, app)
    return app


def visible_names(app):
    return [app.window.proxy.index(r, Column.NAME).data() for r in range(app.window.proxy.rowCount())]


def test_search_and_tree_filter(qtbot, connected, sim):
    window = connected.window
    target = sim.vm(sim.vm_ids()[7])
    qtbot.keyClicks(window.search, target.name)
    qtbot.waitUntil(lambda: window.proxy.query == (target.name.casefold(),), timeout=3000)
    expected = sorted(r.name for r in window.table_model.rows() if target.name.casefold() in search_text(r))
    assert sorted(visible_names(connected)) == expected
    assert target.name in expected
    window.search.clear()
    window.apply_search()
    # Select a host node in the side tree: the table shows exactly the simulator's VMs on that host.
    host_id = target.host_id
    host_name = sim.simulator.state.inventory.hosts[host_id].name
    dc_name = sim.simulator.state.inventory.datacenters[target.datacenter_id].name
    tree = window.tree_model
    index = next(
        tree.index_of(key)
        for key in [
            (connected_profile(connected).id, dc_name, c, host_name, None)
            for c in {r.cluster or None for r in window.table_model.rows()}
        ]
        if tree.index_of(key).isValid()
    )
    window.tree.setCurrentIndex(index)
    expected_on_host = sorted(sim.vm(v).name for v in sim.vm_ids() if sim.vm(v).host_id == host_id)
    qtbot.waitUntil(lambda: sorted(visible_names(connected)) == expected_on_host, timeout=3000)
    assert window.count_label.text() == f"{len(expected_on_host)} of {VMS} VMs"


def test_power_on_a_vm_and_session_expiry_is_invisible(qtbot, connected, sim):
    window = connected.window
    off = next(v for v in sim.vm_ids() if sim.vm(v).power_state == "POWERED_OFF")
    sim.expire_all_sessions()  # the next call meets an expired session: the client logs in again by itself
    assert window.select_vm(connected_profile(connected).id, off)
    assert window.act_power_on.isEnabled()
    window.act_power_on.trigger()
    qtbot.waitUntil(lambda: sim.vm(off).power_state == "POWERED_ON", timeout=10000)
    row = window.table_model.row_index((connected_profile(connected).id, off))
    qtbot.waitUntil(lambda: window.table_model.rows()[row].power_state == "POWERED_ON", timeout=5000)
    assert shown(PasswordDialog) is None
    assert not window.act_power_on.isEnabled()


def test_open_in_vmrc_passes_exactly_the_ticket(qtbot, connected, sim, desktop):
    window = connected.window
    vm = sim.vm_ids()[3]
    before = sim.tickets.vmrc_issued
    assert window.select_vm(connected_profile(connected).id, vm)
    window.act_open_vmrc.trigger()
    qtbot.waitUntil(desktop.exists, timeout=10000)
    qtbot.waitUntil(lambda: desktop.read_bytes().endswith(b"\0"), timeout=5000)
    argv = desktop.read_bytes().split(b"\0")[:-1]
    assert len(argv) == 1
    url = argv[0].decode()
    assert url.startswith("vmrc://clone:cst-VCT-")
    assert url.endswith(f"@127.0.0.1:{sim.port}/?moid={vm}")
    assert sim.tickets.vmrc_issued == before + 1


def test_webmks_on_a_powered_off_vm_offers_power_on_or_vmrc(qtbot, connected, sim, desktop):
    window = connected.window
    profile = connected_profile(connected)
    assert profile.console_type is ConsoleType.WEBMKS
    off = next(v for v in sim.vm_ids() if sim.vm(v).power_state == "POWERED_OFF")
    assert window.select_vm(profile.id, off)
    window.act_open_console.trigger()
    box = wait_shown(qtbot, QMessageBox)
    assert "Power on" in box_buttons(box)
    assert "Open in VMRC" in box_buttons(box)
    assert "VMRC" in box.text() + box.informativeText()
    click_box_button(qtbot, box, "Open in VMRC")
    qtbot.waitUntil(desktop.exists, timeout=10000)
    assert desktop.read_bytes().startswith(b"vmrc://clone:")
    assert sim.vm(off).power_state == "POWERED_OFF"


def test_wrong_password_asks_again(qtbot, qloop, app, sim):
    add_profile(qtbot, qloop, app, sim, password="not-the-password").close()
    qtbot.mouseClick(wait_shown(qtbot, CertificateDialog).once_button, Qt.MouseButton.LeftButton)
    prompt = wait_shown(qtbot, PasswordDialog)
    assert "rejected" in " ".join(label.text() for label in prompt.findChildren(QLabel))
    qtbot.keyClicks(prompt.password_edit, sim.password)
    qtbot.mouseClick(prompt.ok_button, Qt.MouseButton.LeftButton)
    wait_connected(qtbot, app)


def test_unreachable_host_shows_the_reason(qtbot, qloop, app, sim):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    profile = run(
        qtbot,
        qloop,
        app.services.profiles.add_async(
            ConnectionProfile(name="Gone", host="127.0.0.1", port=closed_port, username="u@vsphere.local")
        ),
    )
    run(qtbot, qloop, app.services.credentials.set_password(profile, "pw"))
    app.window.controller.set_profile_name(profile.id, profile.name)
    run(qtbot, qloop, app.manager.connect(profile.id))
    state = app.manager.state(profile.id)
    assert state.status is ConnectionStatus.ERROR
    assert "127.0.0.1" in state.message
    assert "refused" in state.message.lower() or "reach" in state.message.lower()
    node = app.window.tree_model.index_of((profile.id, None, None, None, None))
    assert "error" in node.data()
    assert state.message in node.data(Qt.ItemDataRole.ToolTipRole)


def test_details_pane_shows_the_selected_vm(qtbot, connected, sim):
    window = connected.window
    vm_id = next(v for v in sim.vm_ids() if sim.vm(v).tools_running and sim.vm(v).ip_address)
    truth = sim.vm(vm_id)
    assert window.select_vm(connected_profile(connected).id, vm_id)
    qtbot.waitUntil(lambda: window.details.value("ip") == truth.ip_address, timeout=10000)
    assert window.details.value("name") == truth.name
    assert window.details.value("power") == "On"
    assert window.details.value("guest_host") == truth.guest_host_name
    assert window.details.value("cpu") == str(truth.cpu_count)
    assert window.details.value("tools") == "running"
    assert window.details.value("host") == sim.simulator.state.inventory.hosts[truth.host_id].name
    qtbot.waitUntil(lambda: window.details.value("hardware").startswith("VMX_"), timeout=10000)


def test_no_console_client_explains_and_offers_alternatives(qtbot, connected, sim, monkeypatch, tmp_path):
    isolate_desktop(monkeypatch, tmp_path / "empty", None)  # no vmrc anywhere
    window = connected.window
    vm_id = next(v for v in sim.vm_ids() if sim.vm(v).power_state == "POWERED_ON")
    issued = sim.tickets.vmrc_issued
    assert window.select_vm(connected_profile(connected).id, vm_id)
    window.act_open_vmrc.trigger()
    box = wait_shown(qtbot, QMessageBox)
    text = box.text() + box.informativeText()
    assert "VMware Remote Console" in text
    assert "Workstation" in text
    assert {"Copy console link", "Open embedded console"} <= set(box_buttons(box))
    assert sim.tickets.vmrc_issued == issued  # no ticket is fetched when nothing can use it
    click_box_button(qtbot, box, "Copy console link")
    clipboard = QApplication.clipboard()
    qtbot.waitUntil(lambda: clipboard.text().startswith("vmrc://clone:"), timeout=10000)
    assert clipboard.text().endswith(f"/?moid={vm_id}")
    clipboard.clear()


def test_restart_shows_the_cached_inventory_at_once_and_remembers_the_layout(qtbot, qloop, tmp_path, sim, connected):
    window = connected.window
    window.table.horizontalHeader().resizeSection(Column.NAME, 333)
    window.resize(701, 503)  # inside the 800x600 offscreen screen: restoreGeometry clamps to the screen
    profile = connected_profile(connected)
    qtbot.waitUntil(lambda: connected.services.cache.load(profile.id) is not None, timeout=10000)
    close_app(qtbot, qloop, connected)
    sim.faults.drop_rate = 1.0  # the vCenter is now unreachable: only the cache can fill the window
    try:
        again = open_app(qtbot, qloop, tmp_path / "app")
        try:
            # Shown from the cache within moments of start-up, while the connection is still failing.
            qtbot.waitUntil(lambda: again.window.table_model.rowCount() == VMS, timeout=3000)
            node = again.window.tree_model.index_of((profile.id, None, None, None, None))
            qtbot.waitUntil(lambda: "cached" in node.data(), timeout=5000)
            assert again.window.table.horizontalHeader().sectionSize(Column.NAME) == 333
            assert (again.window.width(), again.window.height()) == (701, 503)
        finally:
            close_app(qtbot, qloop, again)
    finally:
        sim.faults.drop_rate = 0.0


def test_embedded_console_asks_to_trust_the_esxi_host_then_shows_the_vm(qtbot, connected, sim):
    from vmconsole_gui.services.console_session import ConsoleState

    window = connected.window
    profile = connected_profile(connected)
    vm_id = next(v for v in sim.vm_ids() if sim.vm(v).power_state == "POWERED_ON")
    assert window.select_vm(profile.id, vm_id)
    window.act_open_embedded.trigger()
    cert_dialog = wait_shown(qtbot, CertificateDialog, timeout=20000)
    shown_text = "".join(label.text() for label in cert_dialog.findChildren(QLabel))
    assert "ESXi" in shown_text
    assert sim.esxi_sha256 in shown_text.replace(":", "").replace("\n", "").replace(" ", "").lower()
    qtbot.mouseClick(cert_dialog.once_button, Qt.MouseButton.LeftButton)
    console = connected.commands.console_window_if_open()
    qtbot.waitUntil(lambda: console is not None and bool(console.tabs()), timeout=10000)
    tab = console.tabs()[0]
    qtbot.waitUntil(lambda: tab.state is ConsoleState.CONNECTED, timeout=20000)
    assert sim.vm(vm_id).name in console.windowTitle()
    assert sim.consoles.console(vm_id).session_count == 1
    # The ESXi pin was accepted for this session only: nothing about it is written to disk.
    pins_file = connected.services.paths.pins_file
    assert not pins_file.exists() or sim.esxi_sha256 not in pins_file.read_text()
