"""How a frozen bundle runs the demo simulator and the console check (vmconsole_gui/bundle_entry.py).

PyInstaller itself is exercised by packaging/ci-check.sh; here a real child process stands in for the bundle's
executable: a wrapper script that runs ``python -m vmconsole_gui.bundle_entry``, which is what the bundle runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.packaging.conftest import REPO
from vmconsole_gui.services.demo_simulator import SIMULATOR_FLAG, simulator_command, start_demo_simulator


def _bundle_stand_in(tmp_path: Path) -> Path:
    wrapper = tmp_path / "vmconsole-gui"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m vmconsole_gui.bundle_entry "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    return wrapper


def test_from_source_the_simulator_runs_with_python_m() -> None:
    assert simulator_command() == [sys.executable, "-m", "vmconsole_gui.sim"]


@pytest.mark.asyncio
async def test_a_frozen_app_starts_the_simulator_through_its_own_executable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = _bundle_stand_in(tmp_path)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(bundle))
    assert simulator_command() == [str(bundle), SIMULATOR_FLAG]
    demo = await start_demo_simulator(vms=4)
    try:
        assert demo.endpoint.vms == 4
        assert demo.endpoint.url.startswith("https://127.0.0.1:")
        argv = Path(f"/proc/{demo.pid}/cmdline").read_bytes().split(b"\0")
        assert b"vmconsole_gui.bundle_entry" in argv
        assert argv[argv.index(b"vmconsole_gui.bundle_entry") + 1] == SIMULATOR_FLAG.encode()
    finally:
        await demo.stop()
    assert not demo.running


def _entry(*args: str, env: dict[str, str] | None = None, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vmconsole_gui.bundle_entry", *args],
        cwd=REPO,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})},
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def test_other_arguments_go_to_the_app() -> None:
    result = _entry("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("vmconsole-gui ")


def test_the_console_check_loads_novnc_in_qtwebengine() -> None:
    result = _entry("--check-console", "60")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "console check: the console page and noVNC loaded" in result.stdout


def test_the_console_check_fails_when_novnc_is_broken(tmp_path: Path) -> None:
    broken = tmp_path / "resources"
    for part in ("console", "novnc"):
        shutil.copytree(REPO / "resources" / part, broken / part)
    (broken / "novnc" / "core" / "rfb.js").write_text("export default class RFB { not javascript", encoding="utf-8")
    result = _entry("--check-console", "4", env={"VMCONSOLE_GUI_RESOURCES": str(broken)})
    assert result.returncode == 1
    assert "console check: no answer from the page in 4 s" in result.stderr


@pytest.mark.parametrize("timeout", ["soon", "0", "nan", "-3"])
def test_the_console_check_refuses_a_bad_timeout(timeout: str) -> None:
    result = _entry("--check-console", timeout)
    assert result.returncode == 2
    assert f"--check-console takes a timeout in seconds, not '{timeout}'" in result.stderr
