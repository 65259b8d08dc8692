"""Fixtures of the tray, quick connect and command-line tests: a simulator, a dict keyring, a fake vmrc."""

from __future__ import annotations

import pytest

from tests.ui.app_rig import fake_vmrc, isolate_desktop
from vmconsole_gui.sim import SimulatorConfig, start_simulator

VMS = 40


@pytest.fixture(scope="module")
def sim():
    running = start_simulator(SimulatorConfig(vms=VMS, seed=23))
    yield running
    running.stop()


@pytest.fixture
def desktop(monkeypatch, tmp_path, dict_keyring):
    """A fake vmrc on an isolated PATH; returns the file its argv is recorded in."""
    bin_dir, record = fake_vmrc(tmp_path)
    isolate_desktop(monkeypatch, tmp_path, bin_dir)
    return record
