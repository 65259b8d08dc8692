"""Benchmark: the desktop app's cold start, search filter and event-loop stalls (Qt offscreen, everything on loopback).

Run from the repository root: ``.venv/bin/python tests/bench/bench_ui.py`` (all three scenarios, ~2-3 min), or
``--scenario start|filter|stall`` for one. See ``tests/bench/README-ui.md`` for what each scenario measures, its
baseline and its target. Every scenario except the cold start runs in a child process of this script, so the
objects of one never slow down (e.g. through garbage collection) the next.

1. ``start``: ``python -m vmconsole_gui``'s ``main()`` (through a wrapper child) until the window is exposed and the
   table painted 10k cached rows, vs a bare PySide6 window; plus main-process RSS.
2. ``filter``: search latency at 50k rows (filter alone, and filter + repaint), vs ``QSortFilterProxyModel`` with
   ``setFilterFixedString`` and with a Python ``filterAcceptsRow``; sort time per column.
3. ``stall``: the longest gap between ticks of a 5 ms timer while the real ``AppWindow`` lists 50k VMs from the
   simulator and enriches them, vs the idle app; long stalls are sampled (main-thread stacks) and summarised.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

CHILD_ENV = {"QT_QPA_PLATFORM": "offscreen", "QTWEBENGINE_DISABLE_SANDBOX": "1", "PYTHONDONTWRITEBYTECODE": "1"}
START_VMS, FILTER_VMS, STALL_VMS = 10_000, 50_000, 50_000
BASELINE_ROUNDS = {"fixed": 2, "pyfilter": 3}
QUERIES = (
    "w", "we", "web", "web-prod", "web-prod-ams", "web-prod-ams-01",  # typing: narrowing
    "web-prod-ams", "web", "",  # widening, clearing
    "prod ams", "prod ams linux", "ams linux", "",  # multi-word
    "10.", "10.1", "10.12.", "10.12.3", "10.12", "",  # IP fragments
    "windows", "windows 2022", "esx017", "zzz-no-match", "",
)  # fmt: skip


# ---------------------------------------------------------------------------------------------- shared helpers
def records(n: int, profile_id: str = "bench", vcenter: str = "Bench vCenter") -> list[Any]:
    """``n`` realistic, enriched VmRecords (names, guest OS, IPs, hosts, clusters, folders, power states vary)."""
    from vmconsole_gui.services.connections import VmRecord

    roles = ("web", "db", "app", "k8s-node", "build", "win-ts", "sql", "cache", "lb", "mon")
    envs, sites = ("prod", "stage", "dev", "test"), ("ams", "fra", "nyc", "sgp")
    oses = (
        "Red Hat Enterprise Linux 9 (64-bit)", "Ubuntu Linux (64-bit)", "Microsoft Windows Server 2022 (64-bit)",
        "Microsoft Windows Server 2019 (64-bit)", "Debian GNU/Linux 12 (64-bit)", "VMware Photon OS (64-bit)",
    )  # fmt: skip
    out = []
    for i in range(n):
        role, env, site = roles[i % 10], envs[(i // 10) % 4], sites[(i // 40) % 4]
        power = "POWERED_OFF" if i % 7 == 3 else "SUSPENDED" if i % 23 == 5 else "POWERED_ON"
        on = power == "POWERED_ON"
        name = f"{role}-{env}-{site}-{i:05d}"
        out.append(
            VmRecord(
                profile_id=profile_id,
                vcenter=vcenter,
                vm_id=f"vm-{1000 + i}",
                name=name,
                power_state=power,
                guest_os=oses[(i * 7) % 6],
                ip_address=f"10.{(i // 4096) % 256}.{(i // 16) % 256}.{i % 256}" if on else "",
                guest_host_name=f"{name}.example.com" if on else "",
                host=f"esx{(i * 13) % 240:03d}.{site}.example.com",
                cluster=f"{site}-cl{(i * 13) % 240 // 20:02d}",
                datacenter=f"DC-{site.upper()}",
                folder=f"{env.title()}/{role}",
                cpu_count=2 + i % 4 * 2,
                memory_mib=4096 * (1 + i % 4),
                tools_running=on,
            )
        )
    return out


def med(values: list[float]) -> float:
    """Median (0 for no values)."""
    return statistics.median(values) if values else 0.0


def pct(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def rss_mib() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MiB, from /proc."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def load() -> str:
    """The 1/5/15-minute load average."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def cpu_times() -> tuple[int, int] | None:
    """(steal, total) jiffies of all CPUs from /proc/stat (None where there is no such file)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:9]
    except OSError:
        return None
    values = [int(v) for v in fields]
    return values[7], sum(values)


def steal_since(before: tuple[int, int] | None) -> str:
    """Share of CPU time the hypervisor took from this VM since ``before`` (a shared host slows every figure)."""
    after = cpu_times()
    if before is None or after is None or after[1] == before[1]:
        return "unknown"
    return f"{(after[0] - before[0]) * 100 / (after[1] - before[1]):.1f}%"


def run_child(args: list[str], env: dict[str, str], timeout: float = 300) -> str:
    """Run this script as a child with ``args``; return its stdout (stderr passes through)."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args],
        env={**os.environ, **CHILD_ENV, **env}, stdout=subprocess.PIPE, text=True, timeout=timeout, check=True,
    )  # fmt: skip
    return done.stdout


# ------------------------------------------------------------------------------------------ 1. cold start
KEYRING_MODULE = '''
import keyring.backend

class BenchKeyring(keyring.backend.KeyringBackend):
    """Every password is "bench": the profile's vCenter is unreachable anyway."""

    priority = -1

    def get_password(self, service, username):
        return "bench"

    def set_password(self, service, username, password):
        pass

    def delete_password(self, service, username):
        pass
'''


def prepare_start_home(base: Path) -> dict[str, str]:
    """A private XDG home with one profile (vCenter on a closed loopback port) and 10k cached VMs; returns the env."""
    import vmconsole_gui.services.connections  # noqa: F401 - first: importing inventory_cache first is circular
    from vmconsole_gui.services.inventory_cache import InventoryCache
    from vmconsole_gui.services.settings import AppPaths, ConfigStore, ConnectionProfile, ProfileStore

    env = {f"XDG_{kind}_HOME": str(base / kind.lower()) for kind in ("CONFIG", "CACHE", "STATE", "DATA")}
    (base / "pylib").mkdir()
    (base / "pylib" / "bench_keyring.py").write_text(KEYRING_MODULE)
    env |= {"PYTHONPATH": str(base / "pylib"), "PYTHON_KEYRING_BACKEND": "bench_keyring.BenchKeyring"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        paths = AppPaths.for_user()
    finally:
        for key, value in saved.items():
            os.environ.pop(key) if value is None else os.environ.__setitem__(key, value)
    paths.ensure()
    with socket.socket() as probe:  # a loopback port nobody listens on: connecting is refused at once
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    config = ConfigStore(paths.config_file)
    profile = ProfileStore(config).add(
        ConnectionProfile(name="Bench vCenter", host="127.0.0.1", port=closed_port, username="bench@vsphere.local")
    )
    InventoryCache.for_paths(paths).save(profile.id, records(START_VMS, profile.id, profile.name))
    return env


def child_start(kind: str, t0: float) -> None:
    """Child: ``app`` runs vmconsole_gui's real ``main([])``; ``bare`` shows an empty QMainWindow. Prints JSON."""
    t_top = time.perf_counter()  # CLOCK_MONOTONIC on Linux: comparable with the parent's t0
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    # run_gui() reuses an existing QApplication: creating it here only lets the probe exist before main() runs.
    app = QApplication(sys.argv[:1])
    marks: dict[str, float] = {"top": t_top - t0, "qapp": time.perf_counter() - t0}

    class Probe(QObject):
        """Finds the window by its Show event, then times its first paint and the first paint with every row."""

        def __init__(self) -> None:
            super().__init__()
            self.window: Any = None
            self.target: Any = None
            app.installEventFilter(self)  # only until the window shows

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            kind_ = event.type()
            if self.window is None:
                if kind_ == QEvent.Type.Show and watched.objectName() in ("mainWindow", "bareWindow"):
                    self.window = watched
                    self.target = watched if kind == "bare" else watched.table.viewport()  # type: ignore[attr-defined]
                    app.removeEventFilter(self)
                    self.target.installEventFilter(self)
                return False
            if watched is self.target and kind_ == QEvent.Type.Paint and "painted" not in marks:
                now = time.perf_counter() - t0
                marks.setdefault("shown", now)
                if kind == "bare" or self.window.table_model.rowCount() == START_VMS:
                    marks["painted"] = now
                    QTimer.singleShot(0, self.finish)
            return False

        def finish(self) -> None:
            marks["rss_mib"], marks["hwm_mib"] = rss_mib()
            print(json.dumps(marks), flush=True)
            self.window.close()  # the app saves its layout, logs out and quits its loop

    probe = Probe()
    if kind == "app":
        from vmconsole_gui.app import main

        status = main([])
    else:
        window = QMainWindow()
        window.setObjectName("bareWindow")
        window.resize(1280, 760)
        window.show()
        status = app.exec()
    del probe
    sys.exit(status)


def scenario_start(runs: int) -> None:
    """Cold start: the app with 10k cached VMs vs a bare PySide6 window (medians of ``runs`` alternating runs)."""
    print(f"\n## 1. Cold start to window shown (offscreen), {START_VMS:,} cached VMs, {runs} runs each")
    with tempfile.TemporaryDirectory(prefix="bench-ui-start-") as tmp:
        env = prepare_start_home(Path(tmp))
        results: dict[str, list[dict[str, float]]] = {"bare": [], "app": []}
        for i in range(runs + 1):  # the first round warms the page cache and is dropped
            for kind in ("bare", "app") if i % 2 else ("app", "bare"):
                t0 = time.perf_counter()
                out = run_child(["--child", f"start-{kind}", repr(t0)], env, timeout=60)
                marks = json.loads(out.strip().splitlines()[-1])
                marks["exit"] = time.perf_counter() - t0
                if i:
                    results[kind].append(marks)

    def m(kind: str, key: str) -> float:
        return med([r[key] for r in results[kind] if key in r])

    print(f"{'':34}{'bare PySide6':>14}{'vmconsole-gui':>15}{'ratio':>8}")
    for key, label in (
        ("top", "interpreter start -> script (ms)"),
        ("qapp", "-> QApplication created (ms)"),
        ("shown", "-> window's first paint (ms)"),
        ("painted", "-> table painted with all rows (ms)"),
        ("exit", "-> process exited (ms)"),
    ):
        bare, app = m("bare", key) * 1e3, m("app", key) * 1e3
        print(f"{label:34}{bare:14.0f}{app:15.0f}{app / bare:8.2f}x")
    for key, label in (("rss_mib", "main-process RSS at paint (MiB)"), ("hwm_mib", "peak RSS (MiB)")):
        bare, app = m("bare", key), m("app", key)
        print(f"{label:34}{bare:14.1f}{app:15.1f}{app / bare:8.2f}x")
    painted = sorted(r["painted"] * 1e3 for r in results["app"])
    print(f"app 'painted' runs (ms): {' '.join(f'{x:.0f}' for x in painted)}")


# ------------------------------------------------------------------------------------------ 2. filter latency
def child_filter(rounds: int) -> None:
    """Child: search latency at 50k rows, app proxy vs QSortFilterProxyModel baselines; sort per column."""
    from PySide6.QtCore import QEvent, QObject, QSortFilterProxyModel, Qt
    from PySide6.QtWidgets import QApplication, QTableView

    from vmconsole_gui.ui.icons import power_icons
    from vmconsole_gui.ui.main_window import MainWindow
    from vmconsole_gui.ui.vm_filter_proxy import VmFilterProxy
    from vmconsole_gui.ui.vm_rows import search_tokens
    from vmconsole_gui.ui.vm_table_model import Column, VmTableModel

    app = QApplication(sys.argv[:1])
    rows = records(FILTER_VMS)

    class Paints(QObject):
        """Counts paint events of one widget."""

        def __init__(self, widget: Any) -> None:
            super().__init__()
            self.count = 0
            widget.installEventFilter(self)

        def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.count += 1
            return False

        def wait(self, before: int) -> None:
            deadline = time.perf_counter() + 2
            while self.count == before and time.perf_counter() < deadline:
                app.processEvents()

    class PyFilterProxy(QSortFilterProxyModel):
        """Baseline: the app's search semantics in a Python ``filterAcceptsRow`` over the same pre-lowered text."""

        def __init__(self, model: VmTableModel) -> None:
            super().__init__()
            self.setSourceModel(model)
            self.hay = model.haystacks()
            self.tokens: tuple[str, ...] = ()

        def set_search(self, text: str) -> None:
            self.beginFilterChange()
            self.tokens = search_tokens(text)
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

        def filterAcceptsRow(self, row: int, _parent: Any) -> bool:
            hay = self.hay[row]
            return all(word in hay for word in self.tokens)

    window = MainWindow(power_icons=power_icons())
    window.show()
    started = time.perf_counter()
    window.table_model.set_all_rows(rows)
    load_s = time.perf_counter() - started
    view_size = window.table.size()

    def bare_view(model: Any) -> tuple[QTableView, Paints]:
        view = QTableView()
        view.setModel(model)
        view.resize(view_size)
        view.show()
        return view, Paints(view.viewport())

    app_proxy = VmFilterProxy()
    app_proxy.setSourceModel(window.table_model)
    app_proxy.sort(Column.NAME)
    baseline_model = VmTableModel(power_icons=power_icons())
    baseline_model.set_all_rows(rows)
    fixed = QSortFilterProxyModel()
    fixed.setSourceModel(baseline_model)
    fixed.setFilterKeyColumn(Column.NAME)
    fixed.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    pyfilter = PyFilterProxy(baseline_model)
    views: dict[str, tuple[QTableView | None, Paints]] = {"app": (None, Paints(window.table.viewport()))}
    views |= {"proxy": bare_view(app_proxy), "fixed": bare_view(fixed), "pyfilter": bare_view(pyfilter)}

    def set_search(variant: str, text: str) -> None:
        if variant == "app":
            window.search.setText(text)
            window.apply_search()
        elif variant == "proxy":
            app_proxy.set_search(text)
        elif variant == "fixed":
            fixed.setFilterFixedString(text)
        else:
            pyfilter.set_search(text)

    for _ in range(10):
        app.processEvents()
    filt: dict[str, list[float]] = {v: [] for v in views}
    total: dict[str, list[float]] = {v: [] for v in views}
    per_query: dict[tuple[str, str], list[float]] = {}
    for r in range(rounds + 1):  # round 0 warms up
        order = list(views) if r % 2 else list(reversed(views))
        for variant in order:
            if r > BASELINE_ROUNDS.get(variant, rounds):
                continue  # the slow baselines get fewer rounds, to keep the run short
            paints = views[variant][1]
            for query in QUERIES:
                before = paints.count
                t = time.perf_counter()
                set_search(variant, query)
                t_filter = time.perf_counter() - t
                paints.wait(before)
                t_total = time.perf_counter() - t
                if r:
                    filt[variant].append(t_filter * 1e3)
                    total[variant].append(t_total * 1e3)
                    per_query.setdefault((variant, query), []).append(t_filter * 1e3)

    names = {
        "app": "MainWindow.apply_search (app)",
        "proxy": "VmFilterProxy.set_search, bare view",
        "fixed": "QSFPM setFilterFixedString (Name)",
        "pyfilter": "QSFPM Python filterAcceptsRow",
    }
    print(f"\n## 2. Search at {FILTER_VMS:,} rows: {len(QUERIES)} queries x {rounds} rounds (target: median <= 16 ms)")
    few = {k: min(v, rounds) for k, v in BASELINE_ROUNDS.items()}
    print(f"(QSFPM baselines: {few['fixed']} and {few['pyfilter']} rounds; they are slow)")
    print(f"model load (set_all_rows) {load_s * 1e3:.0f} ms; view {view_size.width()}x{view_size.height()}")
    print(f"{'':38}{'filter med':>11}{'p90':>7}{'max':>7}{'+paint med':>11}{'p90':>7}{'max':>7}")
    for variant, label in names.items():
        f, tt = filt[variant], total[variant]
        print(f"{label:38}{med(f):11.1f}{pct(f, 90):7.1f}{max(f):7.1f}{med(tt):11.1f}{pct(tt, 90):7.1f}{max(tt):7.1f}")
    for base in ("fixed", "pyfilter"):
        print(
            f"ratio app / {base}: filter {med(filt['app']) / med(filt[base]):.2f}x, "
            f"filter+paint {med(total['app']) / med(total[base]):.2f}x"
        )
    slow = sorted(((med(v), q) for (variant, q), v in per_query.items() if variant == "app"), reverse=True)[:5]
    print("slowest app queries (filter med ms): " + ", ".join(f"{q!r} {t:.1f}" for t, q in slow))

    window.search.setText("")
    window.apply_search()
    print(f"\nsort at {FILTER_VMS:,} rows, MainWindow.table.sortByColumn + paint (ms, median of {rounds}):")
    print(f"{'column':12}{'cold keys':>10}{'warm':>8}")
    paints = views["app"][1]
    table, model = window.table, window.table_model
    for column in Column:
        cold: list[float] = []
        warm: list[float] = []
        other = Column.POWER if column != Column.POWER else Column.NAME
        for _ in range(rounds):
            table.sortByColumn(other, Qt.SortOrder.AscendingOrder)
            model.set_all_rows(rows)  # drops the cached sort keys (the proxy rebuilds only `other`'s)
            app.processEvents()
            for bucket in (cold, warm):
                table.sortByColumn(other, Qt.SortOrder.AscendingOrder)
                app.processEvents()
                before = paints.count
                t = time.perf_counter()
                table.sortByColumn(column, Qt.SortOrder.AscendingOrder)
                paints.wait(before)
                bucket.append((time.perf_counter() - t) * 1e3)
        print(f"{column.name.lower():12}{med(cold):10.0f}{med(warm):8.0f}")
    fixed.setFilterFixedString("")
    t = time.perf_counter()
    fixed.sort(Column.NAME)
    print(f"baseline QSFPM.sort(Name), C++ sort over Python data(), one run: {(time.perf_counter() - t) * 1e3:.0f} ms")
    handler_costs(app, window, rows, paints)


def handler_costs(app: Any, window: Any, rows: list[Any], paints: Any) -> None:
    """One run each of the GUI-thread work the stall scenario attributes its long stalls to (50k rows)."""
    import dataclasses

    from vmconsole_gui.services.inventory_cache import InventoryCache

    controller = window.controller
    controller.set_profile_name("bench", "Bench vCenter")
    moved = [dataclasses.replace(r, folder=f"Moved/{r.folder}") for r in rows]
    readdressed = [dataclasses.replace(r, ip_address="192.0.2.1") for r in rows]
    n = f"{len(rows):,}"
    steps: list[tuple[str, Any]] = [
        (
            "InventoryController.inventory_replaced (table+tree)",
            lambda: controller.inventory_replaced("bench", rows, False),
        ),
        ("InventoryController.vms_updated, 100 new IPs", lambda: controller.vms_updated(readdressed[:100])),
        ("InventoryController.vms_updated, 100 new folders (tree)", lambda: controller.vms_updated(moved[:100])),
        (f"InventoryController.vms_updated, batch of {n}", lambda: controller.vms_updated(moved)),
        (f"dataclasses.replace x {n} (manager._apply)", lambda: [dataclasses.replace(r, folder="x") for r in rows]),
    ]
    with tempfile.TemporaryDirectory(prefix="bench-ui-cache-") as tmp:
        cache = InventoryCache(Path(tmp))
        steps.append((f"InventoryCache.save, {n} records", lambda: cache.save("bench", rows)))
        print(
            f"\nGUI-thread handlers at {len(rows):,} rows, one run each, without an event loop (so list preparation "
            "runs inline here, in a worker thread in the app); 'visible' = until the table repainted (bulk changes "
            "are repainted at most every 250 ms):"
        )
        print(f"  {'':58}{'handler':>9}{'visible':>9}")
        for label, step in steps:
            app.processEvents()
            before = paints.count
            t = time.perf_counter()
            step()
            handler = time.perf_counter() - t
            if "Controller" in label:
                paints.wait(before)
                visible = f"{(time.perf_counter() - t) * 1e3:6.0f} ms"
            else:
                visible = ""
            print(f"  {label:58}{handler * 1e3:6.0f} ms{visible:>9}")


def scenario_filter(rounds: int) -> None:
    """Run the filter benchmark in a child process."""
    print(run_child(["--child", "filter", "--rounds", str(rounds)], {}, timeout=600), end="")


# ------------------------------------------------------------------------------------------ 3. event-loop stalls
def scenario_stall(enrich_s: float, idle_s: float, pause_log: str | None, search: str) -> None:
    """Run the stall benchmark in a child process."""
    args = ["--child", "stall", "--enrich-seconds", str(enrich_s), "--idle-seconds", str(idle_s)]
    args += ["--pause-log", pause_log] if pause_log else []
    args += ["--search", search] if search else []
    before = cpu_times()
    print(run_child(args, {}, timeout=600), end="")
    print(f"CPU steal (time the hypervisor gave to other guests) during this scenario: {steal_since(before)}")


def dict_keyring() -> Any:
    """The tests' dict-backed keyring backend (tests/keyrings.py): passwords stay in memory."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # run as a script: tests/ is importable from the checkout's root
    from tests.keyrings import DictKeyring

    return DictKeyring()


def _stack(frame: Any) -> tuple[str, ...]:
    """``file:function:line`` of every frame, innermost first."""
    out = []
    while frame is not None:
        code = frame.f_code
        out.append(f"{Path(code.co_filename).name}:{code.co_name}:{frame.f_lineno}")
        frame = frame.f_back
    return tuple(out)


class StallWatch:
    """Ticks of a 5 ms Qt timer on the GUI thread, plus a thread that samples the GUI thread's stack while late.

    A tick more than ``late_ms`` overdue means the event loop is busy; the sampler then records the main thread's
    Python stack every ``sample_ms`` (sys._current_frames), so each long gap can be attributed to the code running.
    Full (generation 2) garbage collections are timed too: they run wherever an allocation triggers them.
    """

    def __init__(self, interval_ms: int = 5, late_ms: float = 20, sample_ms: float = 2) -> None:
        import gc
        import threading

        from PySide6.QtCore import Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.ticks: list[float] = []
        self.samples: list[tuple[float, tuple[str, ...]]] = []
        self.gcs: list[tuple[float, float]] = []
        self._late, self._every = late_ms / 1e3, sample_ms / 1e3
        self._main = threading.main_thread().ident or 0
        self._stop = threading.Event()
        self._thread: Any = None
        self._gc_start = 0.0
        self._threading, self._gc = threading, gc

    def _tick(self) -> None:
        self.ticks.append(time.perf_counter())

    def _gc_callback(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._gc_start = time.perf_counter()
        else:
            self.gcs.append((self._gc_start, time.perf_counter() - self._gc_start))

    def _sample(self) -> None:
        while not self._stop.wait(self._every):
            now = time.perf_counter()
            if self.ticks and now - self.ticks[-1] > self._late:
                frame = sys._current_frames().get(self._main)
                if frame is not None:
                    self.samples.append((now, _stack(frame)))

    def start(self) -> None:
        """Start ticking and sampling (clears earlier data)."""
        self.ticks, self.samples, self.gcs = [time.perf_counter()], [], []
        self._stop.clear()
        self._thread = self._threading.Thread(target=self._sample, name="stall-sampler", daemon=True)
        self._thread.start()
        self._gc.callbacks.append(self._gc_callback)
        self.timer.start()

    def stop(self) -> list[float]:
        """Stop; return the gaps between ticks in ms."""
        self.timer.stop()
        self._stop.set()
        self._thread.join()
        self._gc.callbacks.remove(self._gc_callback)
        return [(b - a) * 1e3 for a, b in zip(self.ticks, self.ticks[1:], strict=False)]

    def stalls(self, over_ms: float) -> list[tuple[float, float]]:
        """(start, duration in ms) of every gap longer than ``over_ms``."""
        pairs = zip(self.ticks, self.ticks[1:], strict=False)
        return [(a, (b - a) * 1e3) for a, b in pairs if (b - a) * 1e3 > over_ms]

    def explain(self, start: float, duration_ms: float, depth: int = 3, top: int = 6) -> list[str]:
        """Where one stall's samples were: the innermost project functions (and the leaf function beneath them)."""
        end = start + duration_ms / 1e3
        counts: dict[str, int] = {}
        for when, stack in self.samples:
            if not start < when <= end:
                continue
            names = [":".join(f.split(":")[:2]).replace("bench_ui.py:_gc_callback", "(full GC)") for f in stack]
            project = [n for n in names if n.split(":")[0] in PROJECT_FILES]
            key = " < ".join(dict.fromkeys(project[:depth])) or "(outside the project)"
            if names and (not project or names[0] != project[0]):
                key = f"[{names[0]}] {key}"
            counts[key] = counts.get(key, 0) + 1
        total = sum(counts.values())
        ranked = sorted(counts.items(), key=lambda kv: -kv[1])[:top]
        return [f"({total} samples)", *(f"{n * 100 / total:3.0f}% {k}" for k, n in ranked)]


PROJECT_FILES = {p.name for p in (ROOT / "vmconsole_gui").rglob("*.py") if p.name != "__init__.py"}


def child_stall(enrich_s: float, idle_s: float, pause_log: str | None = None, search: str = "") -> None:
    """Child: the real AppWindow against a 50k-VM simulator; ticks of a 5 ms timer and main-thread stack samples."""
    import asyncio

    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(stall_benchmark(enrich_s, idle_s, pause_log, search))


async def _open_window(base: Path, endpoint: dict[str, Any] | None) -> tuple[Any, str | None]:
    """Services under ``base`` (plus a profile, pin and memory password for ``endpoint``) and the AppWindow."""
    from urllib.parse import urlsplit

    from vmconsole_gui.services.settings import AppPaths, ConnectionProfile, Pin, PinKind, PinScope
    from vmconsole_gui.ui.app_window import AppWindow, open_services

    services, notices = await open_services(AppPaths.under(base))
    profile_id = None
    if endpoint is not None:
        url = urlsplit(endpoint["url"])
        host, port = url.hostname or "127.0.0.1", url.port or 443
        profile = await services.profiles.add_async(
            ConnectionProfile(name="Bench vCenter", host=host, port=port, username=endpoint["username"])
        )
        pin = Pin.create(sha256=endpoint["sha256"], sha1=endpoint["sha1"], subject="bench", kind=PinKind.VCENTER)
        await services.pins.pin_async(host, port, pin, PinScope.ONCE)
        await services.credentials.set_password(profile, endpoint["password"], persist=False)
        profile_id = profile.id
    window = AppWindow(services)
    window.window.on_close = None  # closing must not quit the benchmark's loop
    return (window, notices), profile_id


async def stall_benchmark(enrich_s: float, idle_s: float, pause_log: str | None = None, search: str = "") -> None:
    """Idle baseline, then connect to a 50k-VM simulator, list, enrich for ``enrich_s``; print the gap statistics."""
    import asyncio

    import keyring

    keyring.set_keyring(dict_keyring())
    watch = StallWatch()
    marks: list[tuple[float, str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-ui-stall-") as tmp:
        (idle, notices), _ = await _open_window(Path(tmp) / "idle", None)
        await idle.start(notices)
        await asyncio.sleep(0.5)
        watch.start()
        await asyncio.sleep(idle_s)
        idle_gaps = watch.stop()
        await idle.shutdown()
        idle.window.close()
        idle.window.deleteLater()

        sim = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "vmconsole_gui.sim", "--vms", str(STALL_VMS), "--exit-on-stdin-eof",
            "--log-level", "WARNING", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert sim.stdout is not None and sim.stdin is not None
        try:
            endpoint = json.loads(await asyncio.wait_for(sim.stdout.readline(), 60))
            (app_window, notices), profile_id = await _open_window(Path(tmp) / "app", endpoint)
            assert profile_id is not None
            ui, controller = app_window.window, app_window.window.controller
            changed = [0]
            controller.connection_state_changed.connect(
                lambda s: marks.append((time.perf_counter(), f"state {s.status.value} refreshing={s.refreshing}"))
            )
            controller.inventory_changed.connect(
                lambda _pid, stale: marks.append(
                    (time.perf_counter(), f"inventory_replaced {ui.table_model.rowCount():,} rows stale={stale}")
                )
            )
            ui.table_model.dataChanged.connect(lambda *_: changed.__setitem__(0, changed[0] + 1))
            await asyncio.sleep(0.3)
            watch.start()
            t_start = time.perf_counter()
            await app_window.start(notices)
            deadline = t_start + 120
            while time.perf_counter() < deadline and not (
                ui.table_model.rowCount() == STALL_VMS and not controller.is_stale(profile_id)
            ):
                await asyncio.sleep(0.005)
            t_listed = time.perf_counter()
            marks.append((t_listed, f"full list seen ({ui.table_model.rowCount():,} rows)"))
            if search:  # as if typed: enrichment then keeps changing which rows match
                ui.search.setText(search)
                ui.apply_search()
                marks.append((time.perf_counter(), f"search {search!r}: {ui.proxy.rowCount():,} rows"))
            await asyncio.sleep(enrich_s)
            gaps = watch.stop()
            enriched = sum(1 for r in ui.table_model.rows() if r.tools_running is not None)
            t = time.perf_counter()
            await app_window.shutdown()
            shutdown_s = time.perf_counter() - t
            ui.close()
            ui.deleteLater()
        finally:
            sim.stdin.close()
            if sim.returncode is None:
                sim.terminate()
            await sim.wait()

    with_search = f", search {search!r} typed once listed" if search else ""
    print(
        f"\n## 3. Event-loop stalls (5 ms timer) while the AppWindow lists {STALL_VMS:,} VMs{with_search} "
        "(target: max < 50 ms)"
    )
    print(f"{'':44}{'ticks':>7}{'med gap':>9}{'p99':>8}{'max':>8}{'>50 ms':>8}")
    for label, g in (
        (f"idle app, {idle_s:.0f} s (baseline)", idle_gaps),
        (f"connect + list + {enrich_s:.0f} s enrichment", gaps),
    ):
        over = sum(1 for x in g if x > 50)
        print(f"{label:44}{len(g):7d}{med(g):9.1f}{pct(g, 99):8.1f}{max(g):8.1f}{over:8d}")
    print(f"ratio max gap app/idle: {max(gaps) / max(idle_gaps):.1f}x, p99: {pct(gaps, 99) / pct(idle_gaps, 99):.1f}x")
    print(
        f"time to full list: {(t_listed - t_start):.2f} s; VMs enriched in {enrich_s:.0f} s: {enriched:,} "
        f"({changed[0]:,} row updates); shutdown {shutdown_s * 1e3:.0f} ms"
    )
    stalls = watch.stalls(50)
    print(
        f"{len(stalls)} stalls > 50 ms, {sum(d for _, d in stalls):.0f} ms in total; full GCs: "
        + ", ".join(f"{d * 1e3:.0f} ms at +{s - t_start:.2f} s" for s, d in watch.gcs if d > 0.005)
    )
    print("timeline (s after start()):")
    events = [(t, f"  {m}") for t, m in marks] + [
        (s, f"  STALL {d:.0f} ms") for s, d in sorted(stalls, key=lambda sd: -sd[1])[:10]
    ]
    for when, text in sorted(events):
        print(f"  +{when - t_start:6.2f} {text}")
    if pause_log:  # for tests/bench/perf_pauses.py (perf_counter is CLOCK_MONOTONIC on Linux)
        Path(pause_log).write_text("".join(f"{start:.6f} {ms:.1f}\n" for start, ms in watch.stalls(20)))
    longest = sorted(watch.stalls(20), key=lambda sd: -sd[1])[:4]
    print("longest pauses, sampled GUI-thread stacks (share of samples: leaf < innermost project frames):")
    for start, duration in longest:
        print(f"  {duration:.0f} ms at +{start - t_start:.2f} s")
        for line in watch.explain(start, duration):
            print(f"      {line}")


# ------------------------------------------------------------------------------------------ main
def main() -> None:
    """Parse the command line; run the scenarios (or one child role)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=("all", "start", "filter", "stall"), default="all")
    parser.add_argument("--runs", type=int, default=7, help="cold-start runs per side (7)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the query sequence per filter variant (5)")
    parser.add_argument("--enrich-seconds", type=float, default=12.0, help="enrichment time measured (12 s)")
    parser.add_argument("--idle-seconds", type=float, default=3.0, help="idle baseline duration (3 s)")
    parser.add_argument(
        "--search", default="", help="stall scenario: type this search once the list is shown (as a user would)"
    )
    parser.add_argument(
        "--pause-log", help="stall scenario: also write every pause over 20 ms as 'CLOCK_MONOTONIC-start ms' lines"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("t0", nargs="?", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child in ("start-app", "start-bare"):
        child_start(args.child.removeprefix("start-"), args.t0)
        return
    if args.child == "filter":
        child_filter(args.rounds)
        return
    if args.child == "stall":
        child_stall(args.enrich_seconds, args.idle_seconds, args.pause_log, args.search)
        return
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        commit = "not a git checkout"
    print(f"vmconsole-gui UI benchmarks of {ROOT} ({commit}); {os.cpu_count()} CPUs; load average before: {load()}")
    if args.scenario in ("all", "start"):
        scenario_start(args.runs)
    if args.scenario in ("all", "filter"):
        scenario_filter(args.rounds)
    if args.scenario in ("all", "stall"):
        scenario_stall(args.enrich_seconds, args.idle_seconds, args.pause_log, args.search)
    print(f"\nload average after: {load()}")


if __name__ == "__main__":
    main()
