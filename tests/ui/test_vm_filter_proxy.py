"""The inventory table model and its fast sort/filter proxy, driven through a real QTableView."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView

from vmconsole_gui.services.connections.records import VmRecord
from vmconsole_gui.ui.vm_filter_proxy import VmFilterProxy
from vmconsole_gui.ui.vm_rows import natural_key, record_key, search_text, search_tokens
from vmconsole_gui.ui.vm_table_model import ROW_ROLE, Column, VmTableModel

ROWS = [
    VmRecord(
        "p1",
        "vc01",
        "vm-1",
        "web-2",
        "POWERED_ON",
        "Ubuntu Linux (64-bit)",
        "10.0.0.2",
        "web2",
        "esx-01",
        "cl-a",
        "dc1",
    ),
    VmRecord(
        "p1", "vc01", "vm-2", "web-10", "POWERED_OFF", "Ubuntu Linux (64-bit)", "10.0.0.10", "", "esx-02", "cl-a", "dc1"
    ),
    VmRecord(
        "p1",
        "vc01",
        "vm-3",
        "db-01",
        "POWERED_ON",
        "Red Hat Enterprise Linux 8",
        "10.0.1.5",
        "",
        "esx-02",
        "cl-b",
        "dc1",
    ),
    VmRecord("p2", "vc02", "vm-1", "WIN-DC", "SUSPENDED", "Windows Server 2022", "", "", "esx-11", "", "dc9"),
]


@pytest.fixture
def table(qtbot):
    model = VmTableModel()
    proxy = VmFilterProxy()
    proxy.setSourceModel(model)
    view = QTableView()
    view.setModel(proxy)
    qtbot.addWidget(view)
    view.show()
    model.set_all_rows(ROWS)
    return model, proxy, view


def names(proxy: VmFilterProxy) -> list[str]:
    return [proxy.index(r, Column.NAME).data() for r in range(proxy.rowCount())]


def test_search_words_are_anded_across_fields(table):
    _, proxy, _ = table
    proxy.set_search("ubuntu 10.0.0.1")
    assert names(proxy) == ["web-10"]
    proxy.set_search("  LINUX   esx-02 ")
    assert sorted(names(proxy)) == ["db-01", "web-10"]
    proxy.set_search("vc02")
    assert names(proxy) == ["WIN-DC"]
    proxy.set_search("nothing-like-this")
    assert names(proxy) == []
    proxy.set_search("")
    assert len(names(proxy)) == 4


def test_power_filter_and_scope_combine_with_search(table):
    _, proxy, _ = table
    proxy.set_power_states(frozenset({"POWERED_ON"}))
    assert sorted(names(proxy)) == ["db-01", "web-2"]
    proxy.set_scope(lambda r: r.cluster == "cl-a")
    assert names(proxy) == ["web-2"]
    proxy.set_power_states(None)
    proxy.set_search("web")
    assert sorted(names(proxy)) == ["web-10", "web-2"]
    proxy.set_scope(None)
    proxy.set_search("")
    assert len(names(proxy)) == 4


def test_sort_is_natural_and_survives_filtering(table):
    _, proxy, view = table
    view.sortByColumn(Column.NAME, Qt.SortOrder.AscendingOrder)
    assert names(proxy) == ["db-01", "web-2", "web-10", "WIN-DC"]
    proxy.set_search("web")
    assert names(proxy) == ["web-2", "web-10"]
    view.sortByColumn(Column.NAME, Qt.SortOrder.DescendingOrder)
    assert names(proxy) == ["web-10", "web-2"]
    proxy.set_search("")
    view.sortByColumn(Column.IP, Qt.SortOrder.AscendingOrder)
    assert names(proxy) == ["web-2", "web-10", "db-01", "WIN-DC"]  # numeric IP order, empty last


def test_selection_follows_the_row_when_sorting(table):
    _, _, view = table
    view.selectRow(0)
    selected = view.selectionModel().selectedRows()[0].data(ROW_ROLE)
    view.sortByColumn(Column.NAME, Qt.SortOrder.DescendingOrder)
    assert view.selectionModel().selectedRows()[0].data(ROW_ROLE) == selected


def test_row_updates_and_busy_marker_reach_the_view(table, qtbot):
    model, proxy, _ = table
    proxy.set_search("web-10")
    with qtbot.waitSignal(proxy.dataChanged):
        model.update_row(
            VmRecord("p1", "vc01", "vm-2", "web-10", "POWERED_ON", "Ubuntu Linux (64-bit)", "10.0.0.10", "", "esx-02")
        )
    assert proxy.index(0, Column.POWER).data() == "On"
    model.set_busy(("p1", "vm-2"), "Powering on")
    assert proxy.index(0, Column.NAME).data() == "web-10  (Powering on…)"
    model.set_busy(("p1", "vm-2"), None)
    assert proxy.index(0, Column.NAME).data() == "web-10"


def test_replacing_one_vcenters_rows_keeps_the_others(table):
    model, proxy, _ = table
    model.set_rows_for_profile("p1", [VmRecord("p1", "vc01", "vm-9", "new-vm", "POWERED_ON")])
    assert sorted(names(proxy)) == ["WIN-DC", "new-vm"]


def test_natural_key_and_tokens():
    assert sorted(["a10", "a2", "A1"], key=natural_key) == ["A1", "a2", "a10"]
    assert search_tokens("  Web  PROD ") == ("web", "prod")


WORDS = st.sampled_from(["web", "we", "b-1", "1", "10.0", "esx", "linux", "x", "db", "vc0", ""])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(queries=st.lists(st.lists(WORDS, max_size=3).map(" ".join), min_size=1, max_size=6))
def test_incremental_filtering_equals_brute_force(table, queries):
    """Narrowing reuses the previous result; whatever the sequence, the result equals a fresh full filter."""
    model, proxy, _ = table
    for query in queries:
        proxy.set_search(query)
        tokens = search_tokens(query)
        expected = {record_key(r) for r in model.rows() if all(t in search_text(r) for t in tokens)}
        assert {record_key(r) for r in proxy.visible_rows()} == expected


def test_name_order_prepared_ahead_matches_and_follows_renames(table, qtbot):
    model, proxy, view = table
    view.sortByColumn(Column.NAME, Qt.SortOrder.AscendingOrder)
    model.set_rows_for_profile("p1", [r for r in ROWS if r.profile_id == "p1"])
    assert names(proxy) == ["db-01", "web-2", "web-10", "WIN-DC"]
    model.set_rows_for_profile("p2", [dataclasses.replace(ROWS[3], name="aaa-first")])
    assert names(proxy) == ["aaa-first", "db-01", "web-2", "web-10"]
    renamed = dataclasses.replace(model.rows()[model.row_index(("p1", "vm-3"))], name="zz-last")
    model.update_rows([renamed])
    qtbot.waitUntil(lambda: names(proxy)[-1] == "zz-last", timeout=2000)


def test_filtering_keeps_the_selection_and_the_view_follows_the_row_count(table, qtbot):
    _, proxy, view = table
    view.sortByColumn(Column.NAME, Qt.SortOrder.AscendingOrder)
    view.selectRow(1)  # web-2
    proxy.set_search("web")
    assert proxy.rowCount() == 2
    assert view.model().rowCount() == 2
    assert view.verticalHeader().count() == 2
    assert [i.data(ROW_ROLE).name for i in view.selectionModel().selectedRows()] == ["web-2"]
    proxy.set_search("db")
    assert view.selectionModel().selectedRows() == []
    assert view.verticalHeader().count() == 1


def test_bulk_update_is_one_signal_and_refilters_an_active_search(table, qtbot):
    model, proxy, _ = table
    proxy.set_search("10.9.9")
    assert proxy.rowCount() == 0
    signals = []
    model.dataChanged.connect(lambda *args: signals.append(args))
    updated = [dataclasses.replace(r, ip_address=f"10.9.9.{i}") for i, r in enumerate(model.rows())]
    assert model.update_rows(updated) == len(ROWS)
    assert len(signals) == 1
    # The new IPs now match the search: the proxy re-filters once the burst of changes is over.
    qtbot.waitUntil(lambda: proxy.rowCount() == len(ROWS), timeout=2000)


def test_bulk_update_resorts_when_the_sort_column_changed(table, qtbot):
    model, proxy, view = table
    view.sortByColumn(Column.IP, Qt.SortOrder.AscendingOrder)
    by_name = sorted(model.rows(), key=lambda r: r.name)
    reversed_ips = [dataclasses.replace(r, ip_address=f"10.1.1.{100 - i}") for i, r in enumerate(by_name)]
    model.update_rows(reversed_ips)
    expected = [r.name for r in sorted(reversed_ips, key=lambda r: int(r.ip_address.rsplit(".", 1)[1]))]
    qtbot.waitUntil(lambda: names(proxy) == expected, timeout=2000)


@settings(max_examples=80, deadline=None)
@given(keys=st.lists(st.sampled_from(["a", "b", "c", "dd", ""]), max_size=60), piece=st.integers(1, 8))
def test_sorted_positions_is_a_stable_sort_whatever_the_pieces(keys, piece):
    import vmconsole_gui.ui.vm_rows as vm_rows

    saved, vm_rows.SORT_PIECE = vm_rows.SORT_PIECE, piece
    try:
        assert vm_rows.sorted_positions(keys) == sorted(range(len(keys)), key=keys.__getitem__)
    finally:
        vm_rows.SORT_PIECE = saved


PROFILES = st.sampled_from(["p1", "p2", "p3"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lists=st.lists(st.tuples(PROFILES, st.lists(st.integers(0, 30), unique=True, max_size=12)), min_size=1, max_size=8)
)
def test_replacing_lists_per_vcenter_keeps_every_index_right(table, lists):
    """Whatever order vCenters' lists arrive in, each VM is found at its row and the proxy shows exactly them."""
    model, proxy, view = table
    view.sortByColumn(Column.IP, Qt.SortOrder.AscendingOrder)
    current: dict[str, list[VmRecord]] = {}
    model.set_all_rows([])
    for profile_id, ids in lists:
        rows = [
            VmRecord(profile_id, profile_id, f"vm-{i}", f"{profile_id}-web-{i}", "POWERED_ON", ip_address=f"10.0.0.{i}")
            for i in ids
        ]
        model.set_rows_for_profile(profile_id, rows)
        current[profile_id] = rows
        expected = {record_key(r): r for rs in current.values() for r in rs}
        assert len(model.rows()) == len(expected)
        for key, record in expected.items():
            row = model.row_index(key)
            assert row is not None and model.rows()[row] == record
            assert model.haystacks()[row] == search_text(record)
        ips = [r.ip_address for r in proxy.visible_rows()]
        assert sorted(ips, key=lambda ip: int(ip.rsplit(".", 1)[1])) == ips
        assert {record_key(r) for r in proxy.visible_rows()} == set(expected)


def test_a_new_list_brings_the_order_of_the_column_sorted_by(table):
    """Sorted by IP, the next list comes with its IP keys and order prepared (no sort on the GUI thread)."""
    model, proxy, view = table
    view.sortByColumn(Column.IP, Qt.SortOrder.AscendingOrder)
    assert set(model.sort_columns()) == {Column.NAME, Column.IP}
    rows = [
        VmRecord("p1", "vc01", f"vm-{i}", f"n-{i}", "POWERED_ON", ip_address=f"10.0.{i % 7}.{i}") for i in range(40)
    ]
    prepared = VmTableModel.prepare_rows(rows, model.sort_columns())
    model.set_all_rows([])
    model.set_rows_for_profile("p1", prepared)
    assert model.prepared_order(Column.IP) == sorted(range(40), key=lambda i: (i % 7, i))
    assert [r.vm_id for r in proxy.visible_rows()] == [
        rows[i].vm_id for i in sorted(range(40), key=lambda i: (i % 7, i))
    ]


def test_bursts_of_bulk_changes_repaint_the_table_once(qtbot):
    """Enrichment's bulk updates repaint every visible row, but at most once per REFRESH_DELAY_MS."""
    from vmconsole_gui.ui.vm_filter_proxy import REFRESH_DELAY_MS, SMALL_CHANGE_ROWS

    model, proxy = VmTableModel(), VmFilterProxy()
    proxy.setSourceModel(model)
    many = [VmRecord("p", "vc", f"vm-{i}", f"vm-{i}", "POWERED_ON") for i in range(SMALL_CHANGE_ROWS * 2)]
    model.set_all_rows(many)
    repaints = []
    proxy.dataChanged.connect(lambda top, bottom, *_: repaints.append((top.row(), bottom.row())))
    for ip in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        model.update_rows([dataclasses.replace(r, ip_address=ip) for r in many])
    assert repaints == []
    qtbot.waitUntil(lambda: bool(repaints), timeout=REFRESH_DELAY_MS * 8)
    qtbot.wait(REFRESH_DELAY_MS * 2)
    assert repaints == [(0, len(many) - 1)]
    assert {proxy.index(r, Column.IP).data() for r in range(proxy.rowCount())} == {"10.0.0.3"}


def test_a_steady_stream_of_updates_does_not_starve_an_active_search(table, qtbot):
    """Enrichment sends updates every few tens of ms for minutes: a search must pick up new matches meanwhile."""
    from vmconsole_gui.ui.vm_filter_proxy import REFRESH_DELAY_MS

    model, proxy, _ = table
    proxy.set_search("10.7.7.7")
    assert proxy.rowCount() == 0
    target = model.rows()[model.row_index(("p1", "vm-3"))]
    model.update_rows([dataclasses.replace(target, ip_address="10.7.7.7")])
    others = [r for r in model.rows() if r.vm_id != "vm-3"]
    for step in range(int(REFRESH_DELAY_MS * 3 / 50)):  # keep changing other rows every 50 ms
        model.update_rows([dataclasses.replace(r, guest_host_name=f"h{step}") for r in others])
        qtbot.wait(50)
        if proxy.rowCount() == 1:
            break
    assert names(proxy) == ["db-01"]


def test_a_tree_scope_is_matched_again_only_when_placement_changed(table, qtbot):
    model, proxy, _ = table
    calls = []

    def in_cluster_a(row):
        calls.append(row.vm_id)
        return row.cluster == "cl-a"

    proxy.set_scope(in_cluster_a)
    assert sorted(names(proxy)) == ["web-10", "web-2"]
    calls.clear()
    model.update_rows([dataclasses.replace(r, ip_address="10.1.1.1") for r in model.rows()])
    qtbot.wait(500)
    assert calls == []  # new IPs: the scope's answer cannot have changed
    moved = model.rows()[model.row_index(("p1", "vm-3"))]
    model.update_rows([dataclasses.replace(moved, cluster="cl-a")])
    qtbot.waitUntil(lambda: "db-01" in names(proxy), timeout=2000)
    assert calls


MANY = [
    VmRecord("p1", "vc01", f"vm-{i}", f"vm-{i:02d}", "POWERED_ON", ip_address=f"10.0.{i % 5}.{i}") for i in range(40)
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    query=st.sampled_from(["10.0.1", "10.0.3 vm-1", "vm-2", "10.9"]),
    power=st.sampled_from([None, frozenset({"POWERED_ON"})]),
    rounds=st.lists(
        st.lists(
            st.tuples(st.integers(0, 39), st.sampled_from(["10.0.1.7", "10.0.3.1", "10.9.9.9", ""]), st.booleans()),
            max_size=12,
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_rows_updated_under_an_active_filter_show_exactly_the_matches(table, query, power, rounds):
    """Changed rows are shown or hidden one by one; the result equals a fresh filter, in sort order."""
    model, proxy, view = table
    model.set_all_rows(MANY)
    view.sortByColumn(Column.NAME, Qt.SortOrder.DescendingOrder)
    proxy.set_search(query)
    proxy.set_power_states(power)
    for changes in rounds:
        current = list(model.rows())
        updates = {}
        for i, ip, off in changes:
            updates[i] = dataclasses.replace(
                current[i], ip_address=ip, power_state="POWERED_OFF" if off else "POWERED_ON"
            )
        model.update_rows(list(updates.values()))
        proxy._refresh_timer.stop()
        proxy._refresh_after_changes()  # the timer's slot, without waiting for it
        tokens = search_tokens(query)
        expected = sorted(
            (
                r
                for r in model.rows()
                if all(t in search_text(r) for t in tokens) and (power is None or r.power_state in power)
            ),
            key=lambda r: natural_key(r.name),
            reverse=True,
        )
        assert [r.vm_id for r in proxy.visible_rows()] == [r.vm_id for r in expected]
        assert proxy.rowCount() == len(expected) == view.verticalHeader().count()
