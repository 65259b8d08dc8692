"""The side tree follows new lists by changing only what changed, so selection and expanded branches survive."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QTreeView

from vmconsole_gui.services.connections.records import VmRecord
from vmconsole_gui.ui.inventory_tree import SCOPE_ROLE, InventoryTreeModel, plan_tree, replan_folders


def vm(i: int, dc: str = "dc1", cluster: str = "", host: str = "", folder: str = "") -> VmRecord:
    return VmRecord(
        "p", "vc", f"vm-{i}", f"vm-{i}", "POWERED_ON", host=host, cluster=cluster, datacenter=dc, folder=folder
    )


def shape(model: InventoryTreeModel, parent: QModelIndex | None = None) -> list[tuple[str, object]]:
    """Every node below ``parent`` as (text, scope key, children), in display order."""
    parent = parent or model.index(0, 0)
    out = []
    for row in range(model.rowCount(parent)):
        index = model.index(row, 0, parent)
        out.append((index.data(), index.data(SCOPE_ROLE).key, shape(model, index)))
    return out


@pytest.fixture
def tree(qtbot):
    model = InventoryTreeModel()
    model.set_profile("p", "vc")
    view = QTreeView()
    view.setModel(model)
    qtbot.addWidget(view)
    view.show()
    return model, view


FIRST = [
    vm(1, cluster="cl-a", host="esx-1", folder="Prod"),
    vm(2, cluster="cl-a", host="esx-2", folder="Prod/Web"),
    vm(3, cluster="cl-b", host="esx-3"),
    vm(4, host="esx-solo", folder="Test"),
    vm(5, dc="dc2", cluster="cl-z", host="esx-9"),
]


def test_a_refresh_keeps_the_selected_node_and_expanded_branches(tree):
    model, view = tree
    model.set_rows("p", FIRST)
    cluster = model.index_of(("p", "dc1", "cl-a", None, None))
    view.expand(model.index_of(("p", "dc1", None, None, None)))
    view.expand(cluster)
    view.setCurrentIndex(cluster)
    selected_before = view.selectionModel().selectedIndexes()
    # A refresh: a host joins cl-a, dc2 and the Test folder vanish, a new folder appears.
    model.set_rows("p", [*FIRST[:3], vm(6, cluster="cl-a", host="esx-0", folder="Prod/Db"), vm(4, host="esx-solo")])
    assert view.currentIndex() == cluster
    assert view.selectionModel().selectedIndexes() == selected_before
    assert view.isExpanded(cluster) and view.isExpanded(model.index_of(("p", "dc1", None, None, None)))
    hosts = [model.index(r, 0, cluster).data() for r in range(model.rowCount(cluster))]
    assert hosts == ["esx-0", "esx-1", "esx-2"]
    assert not model.index_of(("p", "dc2", None, None, None)).isValid()
    assert not model.index_of(("p", "dc1", None, None, "Test")).isValid()
    assert model.index_of(("p", "dc1", None, None, "Prod/Db")).isValid()
    assert model.index_of(("p", "dc1", None, None, "Prod/Db")).data(0) == "Db"


def test_a_vanished_selected_node_leaves_nothing_selected(tree):
    model, view = tree
    model.set_rows("p", FIRST)
    view.setCurrentIndex(model.index_of(("p", "dc2", "cl-z", None, None)))
    model.set_rows("p", FIRST[:4])
    assert view.selectionModel().selectedIndexes() == []


names = st.sampled_from(["a", "B", "c", "d-2", "d-10"])
records = st.lists(
    st.builds(
        lambda i, dc, cluster, host, folder: vm(i, dc=dc, cluster=cluster, host=host, folder="/".join(folder)),
        st.integers(0, 50),
        st.sampled_from(["dc1", "dc2", "DC3"]),
        st.sampled_from(["", "cl-a", "cl-B"]),
        names,
        st.lists(names, max_size=3),
    ),
    max_size=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=records, after=records)
def test_updating_a_tree_gives_the_same_tree_as_building_it_fresh(tree, before, after):
    model, _view = tree
    model.set_rows("p", before)
    model.set_rows("p", after)
    fresh = InventoryTreeModel()
    fresh.set_profile("p", "vc")
    fresh.set_rows("p", after)
    assert shape(model) == shape(fresh)


@settings(max_examples=60, deadline=None)
@given(
    rows=records,
    folders=st.lists(
        st.tuples(st.sampled_from(["dc1", "dc2", "DC3", "dc9"]), st.lists(names, min_size=1, max_size=3).map("/".join)),
        max_size=8,
    ),
)
def test_replanning_folders_equals_planning_the_moved_rows(rows, folders):
    """Moving VMs into folders: replan_folders on the plan from before gives plan_tree of the moved rows."""
    moved = [dataclasses.replace(r, datacenter=dc, folder=path) for r, (dc, path) in zip(rows, folders, strict=False)]
    wanted = {(r.datacenter, r.folder) for r in moved if r.datacenter and r.folder}
    placed_before = [dataclasses.replace(r, folder="") for r in moved]
    assert replan_folders(plan_tree(placed_before), wanted) == plan_tree(moved)
