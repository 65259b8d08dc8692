"""Quick connect: typing filters the VMs of every vCenter, Enter opens the console, Shift+Enter the other type."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt

from tests.ui.tray.rig import start_connected, stop, vmrc_argv
from vmconsole_gui.services.connections.records import VmRecord
from vmconsole_gui.services.settings import ConsoleType
from vmconsole_gui.ui.quick_palette import MAX_RESULTS, rank_matches
from vmconsole_gui.ui.vm_rows import search_text


@pytest.fixture
def app(qtbot, qloop, tmp_path, sim, desktop):
    window = start_connected(qtbot, qloop, tmp_path / "app", sim, use_tray=False, names=("Lab vCenter", "DR vCenter"))
    yield window
    stop(qtbot, qloop, window)


def test_typing_filters_enter_opens_vmrc_and_esc_closes(qtbot, app, sim, desktop):
    app.quick_connect()
    palette = app.palette()
    qtbot.waitUntil(palette.isVisible, timeout=3000)
    assert palette.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
    assert len(palette.shown_records()) == MAX_RESULTS  # nothing typed: the first 50 of both vCenters' 80
    assert palette.hint.text() == f"{MAX_RESULTS} shown of 80 VMs"
    target = sim.vm(sim.vm_ids()[5])
    qtbot.keyClicks(palette.search, target.name)
    shown = palette.shown_records()
    assert shown, "the typed name matches"
    assert all(target.name.casefold() in search_text(r) for r in shown)
    assert {r.vcenter for r in shown} == {"Lab vCenter", "DR vCenter"}  # the same VM on both vCenters
    assert all(r.name.casefold().startswith(target.name.casefold()) for r in shown[:2])
    qtbot.keyClick(palette.search, Qt.Key.Key_Down)
    assert palette.current_record() == shown[1]
    qtbot.keyClick(palette.search, Qt.Key.Key_Up)
    chosen = palette.current_record()
    assert chosen == shown[0]
    qtbot.keyClick(palette.search, Qt.Key.Key_Return)
    assert not palette.isVisible()
    argv = vmrc_argv(qtbot, desktop)
    assert len(argv) == 1
    assert argv[0].startswith("vmrc://clone:")
    assert argv[0].endswith(f"@127.0.0.1:{sim.port}/?moid={chosen.vm_id}")
    # The console counts as recent: it comes back first (boosted) when nothing is typed.
    qtbot.waitUntil(lambda: bool(app.services.config.settings.recent_vms), timeout=3000)
    assert (
        app.services.config.settings.recent_vms[0].vm_id,
        app.services.config.settings.recent_vms[0].profile_id,
    ) == (
        chosen.vm_id,
        chosen.profile_id,
    )
    app.quick_connect()
    assert palette.search.text() == ""
    assert palette.shown_records()[0] == chosen
    qtbot.keyClick(palette.search, Qt.Key.Key_Escape)
    assert not palette.isVisible()


def test_no_match_says_so(qtbot, app):
    app.quick_connect()
    palette = app.palette()
    qtbot.keyClicks(palette.search, "no-such-vm-anywhere")
    assert palette.shown_records() == []
    assert palette.hint.text() == "No VM matches."
    qtbot.keyClick(palette.search, Qt.Key.Key_Return)  # nothing to open: stays, no error
    assert palette.isVisible()
    qtbot.keyClick(palette.search, Qt.Key.Key_Escape)


def test_shift_enter_opens_the_other_type(qtbot, qloop, tmp_path, sim, desktop):
    app = start_connected(qtbot, qloop, tmp_path / "web", sim, use_tray=False, console_type=ConsoleType.WEBMKS)
    try:
        app.quick_connect()
        palette = app.palette()
        target = sim.vm(sim.vm_ids()[9])
        qtbot.keyClicks(palette.search, target.name)
        chosen = palette.current_record()
        qtbot.keyClick(palette.search, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
        argv = vmrc_argv(qtbot, desktop)  # WEBMKS is the profile's default: Shift+Enter means VMRC
        assert argv[0].endswith(f"/?moid={chosen.vm_id}")
    finally:
        stop(qtbot, qloop, app)


def record(i: int, name: str, profile: str = "p1") -> VmRecord:
    return VmRecord(profile_id=profile, vcenter=profile, vm_id=f"vm-{i}", name=name, power_state="POWERED_ON")


def test_ranking_prefix_then_favourites_and_recents_then_others():
    records = [record(1, "alpha-web"), record(2, "web-02"), record(3, "web-01"), record(4, "my-web"), record(5, "db")]
    haystacks = [search_text(r) for r in records]
    boosts = {("p1", "vm-4"): 0, ("p1", "vm-2"): 1}
    names = [r.name for r in rank_matches(records, haystacks, "web", boosts)]
    assert names == ["web-02", "web-01", "my-web", "alpha-web"]  # prefix (boosted first), boosted, others
    assert [r.name for r in rank_matches(records, haystacks, "", boosts)][:2] == ["my-web", "web-02"]
    assert [r.name for r in rank_matches(records, haystacks, "WEB 01", {})] == ["web-01"]


def test_fifty_thousand_vms_filter_instantly():
    records = [record(i, f"{('web', 'db', 'app', 'cache')[i % 4]}-{i:05d}", f"p{i % 3}") for i in range(50_000)]
    haystacks = [search_text(r) for r in records]
    boosts = {("p1", "vm-49999"): 0}
    for query in ("", "w", "web", "web-4", "p2", "zzz"):
        start = time.perf_counter()
        matches = rank_matches(records, haystacks, query, boosts)
        elapsed = time.perf_counter() - start
        assert len(matches) <= MAX_RESULTS
        assert elapsed < 0.25, f"{query!r} took {elapsed:.3f} s"
    assert rank_matches(records, haystacks, "", boosts)[0].vm_id == "vm-49999"
    assert len(rank_matches(records, haystacks, "web", boosts)) == MAX_RESULTS
