"""The controller prepares big lists off the GUI thread without losing updates that arrive meanwhile."""

from __future__ import annotations

import dataclasses

from tests.ui.test_inventory_tree import shape
from vmconsole_gui.services.connections.records import VmRecord
from vmconsole_gui.ui.inventory_controller import TREE_REBUILD_DELAY_MS, InventoryController
from vmconsole_gui.ui.inventory_tree import InventoryTreeModel
from vmconsole_gui.ui.vm_table_model import VmTableModel


def records(profile_id: str, count: int, prefix: str = "vm") -> list[VmRecord]:
    return [
        VmRecord(profile_id, "vc", f"vm-{i}", f"{prefix}-{i}", "POWERED_ON", host=f"esx-{i % 3}", datacenter="dc")
        for i in range(count)
    ]


def make_controller() -> InventoryController:
    controller = InventoryController(VmTableModel(), InventoryTreeModel())
    controller.set_profile_name("p", "vc")
    return controller


def test_updates_during_preparation_are_applied_after_it(qtbot, qloop):
    controller = make_controller()
    listed = records("p", 2000)
    controller.inventory_replaced("p", listed, stale=False)
    enriched = dataclasses.replace(listed[1500], ip_address="10.0.0.42", folder="Prod/Web")
    controller.vms_updated([enriched])  # arrives before the prepared rows are installed
    qtbot.waitUntil(lambda: controller.table.rowCount() == 2000, timeout=5000)

    def enriched_row():
        return controller.table.rows()[controller.table.row_index(("p", "vm-1500"))]

    qtbot.waitUntil(lambda: enriched_row().ip_address == "10.0.0.42", timeout=5000)
    # The side tree follows the folder move once the burst of updates settles.
    qtbot.waitUntil(lambda: controller.tree.index_of(("p", "dc", None, None, "Prod/Web")).isValid(), timeout=5000)


def test_a_large_burst_of_updates_is_applied_in_chunks(qtbot, qloop):
    controller = make_controller()
    listed = records("p", 9000)
    controller.inventory_replaced("p", listed, stale=False)
    qtbot.waitUntil(lambda: controller.table.rowCount() == 9000, timeout=5000)
    signals = []
    controller.table.dataChanged.connect(lambda *args: signals.append(args))
    controller.vms_updated([dataclasses.replace(r, ip_address="10.1.2.3") for r in listed])
    assert signals == []  # nothing applied synchronously: the window stays responsive
    qtbot.waitUntil(lambda: all(r.ip_address == "10.1.2.3" for r in controller.table.rows()), timeout=5000)
    assert len(signals) > 1  # slices of a few milliseconds, one per event-loop turn
    assert sum(bottom.row() - top.row() + 1 for top, bottom, *_ in signals) == 9000


def test_a_newer_list_supersedes_one_still_being_prepared(qtbot, qloop):
    controller = make_controller()
    controller.inventory_replaced("p", records("p", 3000, "old"), stale=True)
    controller.inventory_replaced("p", records("p", 5, "new"), stale=False)
    qtbot.waitUntil(lambda: controller.table.rowCount() == 5, timeout=5000)
    qtbot.wait(100)  # the superseded preparation finishes later and must not overwrite
    assert {r.name for r in controller.table.rows()} == {f"new-{i}" for i in range(5)}
    assert not controller.is_stale("p")


def test_the_tree_is_rebuilt_only_when_a_folder_appears_or_empties(qtbot, qloop):
    """Enrichment moves thousands of VMs into folders; the tree changes only when a folder (dis)appears."""
    controller = make_controller()
    rebuilds = []
    apply_steps = controller.tree.apply_plan_steps

    def counting_steps(profile_id, plan):
        rebuilds.append(sorted(path for _dc, _clusters, _hosts, folders in plan for path in folders))
        return apply_steps(profile_id, plan)

    controller.tree.apply_plan_steps = counting_steps
    listed = [dataclasses.replace(r, folder="Prod") for r in records("p", 300)]
    controller.inventory_replaced("p", listed, stale=False)
    qtbot.waitUntil(lambda: controller.tree.index_of(("p", "dc", None, None, "Prod")).isValid(), timeout=5000)
    rebuilds.clear()
    moved = [dataclasses.replace(r, folder="Test/Web" if i % 2 else "Prod") for i, r in enumerate(listed)]
    controller.vms_updated(moved)  # Test/Web appears; Prod keeps VMs
    qtbot.waitUntil(lambda: controller.tree.index_of(("p", "dc", None, None, "Test/Web")).isValid(), timeout=5000)
    assert rebuilds == [["Prod", "Test", "Test/Web"]]
    controller.vms_updated([dataclasses.replace(r, ip_address="10.0.0.1") for r in moved])
    swapped = [dataclasses.replace(r, folder="Prod" if i % 2 else "Test/Web") for i, r in enumerate(listed)]
    controller.vms_updated(swapped)  # every VM moves, both folders stay populated
    qtbot.wait(TREE_REBUILD_DELAY_MS + 300)
    assert len(rebuilds) == 1
    controller.vms_updated([dataclasses.replace(r, folder="Prod") for r in swapped])  # Test/Web empties
    qtbot.waitUntil(lambda: not controller.tree.index_of(("p", "dc", None, None, "Test")).isValid(), timeout=5000)
    assert rebuilds[1:] == [["Prod"]]
    fresh = InventoryTreeModel()
    fresh.set_profile("p", "vc")
    fresh.set_rows("p", controller.table.rows())
    assert shape(controller.tree) == shape(fresh)
