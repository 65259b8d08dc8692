"""``vmconsole-gui --list``: a real subprocess against govmomi's vcsim (SOAP) and the project's simulator (REST)."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vmconsole_gui.services.settings.config_store import ConfigStore
from vmconsole_gui.services.settings.model import Config, ConnectionProfile
from vmconsole_gui.services.settings.paths import AppPaths
from vmconsole_gui.services.settings.pins import Pin, PinKind, PinStore
from vmconsole_gui.vsphere.tls import display_fingerprint

from .vsphere.vcsim import Vcsim, start_vcsim


@pytest.fixture(scope="module")
def vcsim_module() -> Iterator[Vcsim]:
    server = start_vcsim("-vm", "2")
    yield server
    server.stop()


def run_list(
    home: Path, *args: str, password: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "VMCONSOLE_GUI_PASSWORD", "DISPLAY"))}
    env.update(
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_DATA_HOME=str(home / "data"),
        QT_QPA_PLATFORM="",  # no display at all: --list must not need one
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
    )
    if password is not None:
        env["VMCONSOLE_GUI_PASSWORD"] = password
    return subprocess.run(
        [sys.executable, "-m", "vmconsole_gui", "--list", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_untrusted_certificate_is_refused_with_its_fingerprint(tmp_path: Path, vcsim_module: Vcsim) -> None:
    target = f"https://{vcsim_module.username}@{vcsim_module.host}:{vcsim_module.port}"
    done = run_list(tmp_path, target, password=vcsim_module.password)
    assert done.returncode == 1, done.stderr
    expected = display_fingerprint(vcsim_module.sha256)
    assert f"--trust-fingerprint {expected}" in done.stderr
    assert done.stdout == ""
    assert not (tmp_path / "config" / "vmconsole-gui" / "pins.json").exists()  # nothing pinned by a refusal


def test_trusted_fingerprint_lists_every_vm_as_json(tmp_path: Path, vcsim_module: Vcsim) -> None:
    target = f"https://{vcsim_module.username}@{vcsim_module.host}:{vcsim_module.port}"
    sha = vcsim_module.sha256
    done = run_list(tmp_path, target, "--json", "--trust-fingerprint", sha, password=vcsim_module.password)
    assert done.returncode == 0, done.stderr
    vms = json.loads(done.stdout)
    assert len(vms) == 4
    assert {tuple(vm) for vm in vms} == {
        ("id", "name", "power_state", "guest_os", "ip", "host", "cluster", "folder", "vcenter")
    }
    by_name = {vm["name"]: vm for vm in vms}
    assert by_name["DC0_H0_VM0"]["host"] == "DC0_H0" and by_name["DC0_H0_VM0"]["cluster"] == ""
    assert by_name["DC0_C0_RP0_VM0"]["cluster"] == "DC0_C0"
    assert all(vm["power_state"] == "POWERED_ON" and vm["id"].startswith("vm-") for vm in vms)
    assert all(vm["vcenter"] == vcsim_module.host for vm in vms)
    assert [vm["name"] for vm in vms] == sorted(by_name, key=str.casefold)
    assert vcsim_module.password not in done.stdout + done.stderr


def test_wrong_password_fails_clearly(tmp_path: Path, vcsim_module: Vcsim) -> None:
    target = f"https://{vcsim_module.username}@{vcsim_module.host}:{vcsim_module.port}"
    sha = vcsim_module.sha256
    done = run_list(tmp_path, target, "--trust-fingerprint", sha, password="wrong-one")
    assert done.returncode == 1
    assert "user name or password" in done.stderr and "wrong-one" not in done.stderr


def test_no_password_and_no_terminal_says_how_to_give_one(tmp_path: Path, vcsim_module: Vcsim) -> None:
    done = run_list(tmp_path, f"https://u@{vcsim_module.host}:{vcsim_module.port}")
    assert done.returncode == 1
    assert "VMCONSOLE_GUI_PASSWORD" in done.stderr


def _save_profile(home: Path, sim: Any, name: str) -> None:
    paths = AppPaths(
        config_dir=home / "config" / "vmconsole-gui",
        cache_dir=home / "cache",
        log_dir=home / "state",
        state_dir=home / "state",
    )
    paths.config_dir.mkdir(parents=True)
    store = ConfigStore(paths.config_file)
    store.commit(Config(profiles=(ConnectionProfile(name=name, host=sim.host, port=sim.port, username=sim.username),)))
    der = ssl.PEM_cert_to_DER_cert(sim.vcenter_cert_pem)
    PinStore(paths.pins_file).pin(sim.host, sim.port, Pin.from_der(der, PinKind.VCENTER))


def test_saved_profile_on_a_vcenter_without_sdk_lists_through_rest(tmp_path: Path, sim_factory: Any) -> None:
    sim = sim_factory(profile="8.0", vms=25)
    _save_profile(tmp_path, sim, "Lab vCenter")
    done = run_list(tmp_path, "lab vcenter", password=sim.password)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["NAME", "POWER", "IP", "HOST", "CLUSTER", "FOLDER"]
    assert len(lines) == 1 + 25
    assert "read through REST" in done.stderr


def test_unknown_profile_is_a_usage_error_naming_the_saved_ones(tmp_path: Path, sim_factory: Any) -> None:
    sim = sim_factory(profile="8.0", vms=25)
    _save_profile(tmp_path, sim, "Lab vCenter")
    done = run_list(tmp_path, "Prod", password="x")
    assert done.returncode == 2
    assert "No connection named 'Prod'. Known connections: Lab vCenter." in done.stderr


def test_list_options_need_list(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "vmconsole_gui", "--json"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2 and "only apply with --list" in done.stderr


def test_starting_a_listing_imports_neither_the_rest_client_nor_pyvmomi() -> None:
    """``--list`` pays at start-up only for what it needs: httpx (REST fallback) and pyVmomi (at connect) wait."""
    code = (
        "import sys, vmconsole_gui.app, vmconsole_gui.cli;"
        "print(sorted(m for m in ('httpx', 'pyVmomi', 'PySide6') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
