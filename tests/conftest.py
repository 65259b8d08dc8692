"""Test-suite wide setup: headless Qt, isolated user dirs, and failing on unexpected log warnings."""

from __future__ import annotations

import gc
import logging
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if hasattr(os, "geteuid") and os.geteuid() == 0:
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "allow_log_warnings: the test expects WARNING (or worse) log records and checks them itself"
    )


class _WarningCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def _fail_on_log_warnings(request: pytest.FixtureRequest):
    """Fail any test that logs WARNING or worse, unless it is marked ``allow_log_warnings``."""
    collector = _WarningCollector()
    root = logging.getLogger()
    root.addHandler(collector)
    uses_loop = "qloop" in request.fixturenames or request.node.get_closest_marker("asyncio") is not None
    try:
        yield
        if uses_loop:
            # Tasks a test leaves pending are reported when they are garbage-collected: collect now, so the
            # report lands on the test that leaked them instead of a random later one.
            gc.collect()
    finally:
        root.removeHandler(collector)
    if collector.records and request.node.get_closest_marker("allow_log_warnings") is None:
        lines = "\n".join(f"{r.levelname} {r.name}: {r.getMessage()}" for r in collector.records)
        pytest.fail(f"unexpected log warnings:\n{lines}")


_CLOSED_LOOPS: list[object] = []
"""qasync loops of finished tests, kept alive on purpose.

A closed qasync loop still owns a QObject (its timer) with Qt timers registered for callbacks that never ran. If the
garbage collector frees it from another Python thread (a simulator's), Qt cannot unregister those timers ("Timers
cannot be stopped from another thread") and a later timer event hits freed memory: a segfault.
"""


@pytest.fixture
def qloop(qapp):
    """A qasync event loop driven by Qt, for sync pytest-qt tests that run the app's async slots.

    ``qtbot.wait*`` spin Qt, and Qt runs the loop's callbacks. Never call ``loop.stop()`` on it (that quits every
    later nested Qt loop), and never use ``qtbot.wait*`` inside an ``async def`` test (docs: stack.md §4).
    """
    import asyncio

    import qasync

    qapp.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    yield loop
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in pending:
        task.cancel()
    for _ in range(200):
        if all(t.done() for t in pending):
            break
        qapp.processEvents()
    loop._QEventLoop__is_running = False  # not loop.stop(): see the docstring
    loop.close()
    _CLOSED_LOOPS.append(loop)
    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop(None)


@pytest.fixture
def dict_keyring():
    """Make a :class:`tests.keyrings.DictKeyring` the process's keyring for one test (the old one is restored)."""
    import keyring

    from tests.keyrings import DictKeyring

    previous = keyring.get_keyring()
    backend = DictKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def sim_factory():
    """``sim_factory(vms=…, profile=…, …)`` → a running simulator, shared by every test asking the same config.

    Fault knobs are cleared each time a test asks for it.
    """
    from vmconsole_gui.sim import SimulatorConfig, start_simulator

    running = {}

    def get(**kwargs):
        key = tuple(sorted((k, repr(v)) for k, v in kwargs.items()))
        if key not in running:
            kwargs.setdefault("vms", 60)
            running[key] = start_simulator(SimulatorConfig(**kwargs))
        sim = running[key]
        sim.faults.clear()
        return sim

    yield get
    for sim in running.values():
        sim.stop()
