"""Launching console clients for real: fake vmrc/vmware programs record their argv, exit or keep running."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from tests.fake_clients import FakeClientDir
from vmconsole_gui.services.launchers import (
    NO_CONSOLE_CLIENT_HELP,
    ConsoleClientKind,
    DetectedClient,
    HostProbes,
    InvalidConsoleUrl,
    NoConsoleClient,
    launch_console,
)

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX fake programs")

TICKET = "cst-VCT-52e1c0a3-7c55-4b8e-9f1e-2c3d4e5f6a7b--tp-9F-2B-11-C4-7E-AA-03-5D-88-19-60-BE-42-0C-D7-E3-5A-71-B6-08"
URL = f"vmrc://clone:{TICKET}@vc01.lab.example:443/?moid=vm-1043"
# Passes validation, yet any shell would run the commands in it.
SHELLY_URL = (
    f"vmrc://clone:{TICKET}@vc01.lab.example:443/?moid=vm-1&x=$(touch${{IFS}}pwned);touch${{IFS}}pwned2"
    "|touch${IFS}pwned3`touch${IFS}pwned4`>pwned5&touch${IFS}pwned6"
)
FAKE = """#!/bin/sh
printf '%s\\0' "$@" > "$FAKE_RECORD.tmp"
printf '%s' "${GDK_BACKEND-unset}" > "$FAKE_RECORD.env"
mv "$FAKE_RECORD.tmp" "$FAKE_RECORD"
case "$FAKE_MODE" in
  run) exec sleep 30 ;;
  kill) kill -9 $$ ;;
  *) exit "${FAKE_STATUS:-0}" ;;
esac
"""
HOST_HAS_VMWARE = bool(shutil.which("vmrc", path="/usr/bin:/bin") or shutil.which("vmware", path="/usr/bin:/bin"))


class Rig(FakeClientDir):
    """A temp bin dir with fake clients and real probes whose environment drives the fakes."""

    def __init__(self, root: Path) -> None:
        super().__init__(root, system_path=True)

    def probes(self, **extra: str) -> HostProbes:
        return HostProbes({**self.env, **extra})

    def fake(self, name: str = "vmrc", mode: int = 0o755, text: str = FAKE) -> Path:
        return self.install(name, text, mode)

    def client(self, path: Path, kind: ConsoleClientKind = ConsoleClientKind.VMRC) -> DetectedClient:
        names = {ConsoleClientKind.VMRC: "VMware Remote Console", ConsoleClientKind.WORKSTATION: "VMware Workstation"}
        return DetectedClient(kind, path, (str(path),), names[kind], None, "test")

    def recorded_gdk_backend(self) -> str:
        self.recorded_argv()
        return (self.root / "argv.record.env").read_text()


@pytest.fixture
def rig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Rig:
    monkeypatch.chdir(tmp_path)  # a shell, if one ran, would create its "pwned" files here
    return Rig(tmp_path)


def wait_until_gone(pid: int, timeout: float = 5.0) -> None:
    """Wait until ``pid`` no longer exists at all (a zombie would still answer signal 0)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        assert time.monotonic() < deadline, f"process {pid} still exists (unreaped zombie?)"
        time.sleep(0.02)


@pytest.mark.asyncio
async def test_url_is_one_argument_byte_for_byte_and_no_shell_runs(rig: Rig) -> None:
    exe = rig.fake()
    outcome = await launch_console(SHELLY_URL, rig.client(exe), probes=rig.probes(), grace_period=3.0)
    assert rig.recorded_argv() == [SHELLY_URL.encode()]
    assert (outcome.ok, outcome.exit_status, outcome.still_running) == (True, 0, False)
    assert outcome.message == f"VMware Remote Console ({exe}) accepted the console link."
    assert sorted(p.name for p in rig.root.iterdir() if p.name.startswith("pwned")) == []
    assert outcome.pid is not None
    wait_until_gone(outcome.pid)  # exited and reaped


@pytest.mark.asyncio
async def test_immediate_nonzero_exit_is_a_failure(rig: Rig) -> None:
    exe = rig.fake()
    outcome = await launch_console(URL, rig.client(exe), probes=rig.probes(FAKE_STATUS="3"), grace_period=3.0)
    assert (outcome.ok, outcome.exit_status) == (False, 3)
    assert outcome.message == f"VMware Remote Console ({exe}) exited at once with status 3."


@pytest.mark.asyncio
async def test_death_by_signal_is_a_failure(rig: Rig) -> None:
    exe = rig.fake()
    outcome = await launch_console(URL, rig.client(exe), probes=rig.probes(FAKE_MODE="kill"), grace_period=3.0)
    assert (outcome.ok, outcome.exit_status) == (False, -signal.SIGKILL)
    assert outcome.message == f"VMware Remote Console ({exe}) was killed by signal 9 right after starting."


@pytest.mark.asyncio
async def test_exec_errors_are_failures_with_reasons(rig: Rig) -> None:
    not_executable = rig.fake("vmrc-noexec", mode=0o644)
    missing = rig.bin / "vmrc-missing"
    no_shebang = rig.fake("vmrc-noshebang", text="printf x > should-not-exist\n")
    cases = [
        (not_executable, f"{not_executable} is not executable (permission denied)."),
        (missing, f"{missing} does not exist."),
        (rig.bin, f"{rig.bin} is not executable (permission denied)."),
        (no_shebang, f"{no_shebang} is not a program this system can run."),
    ]
    for exe, reason in cases:
        outcome = await launch_console(URL, rig.client(exe), probes=rig.probes())
        assert not outcome.ok
        assert outcome.message == f"VMware Remote Console could not be started: {reason}"
        assert outcome.pid is None
    assert not rig.record.exists()
    assert not (rig.root / "should-not-exist").exists()


@pytest.mark.asyncio
async def test_running_client_is_detached_in_its_own_session_and_reaped(rig: Rig) -> None:
    exe = rig.fake()
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.02)
            ticks += 1

    ticking = asyncio.create_task(ticker())
    outcome = await launch_console(URL, rig.client(exe), probes=rig.probes(FAKE_MODE="run"), grace_period=0.6)
    ticking.cancel()
    assert ticks >= 10, "the event loop was blocked during the grace period"
    assert (outcome.ok, outcome.still_running, outcome.exit_status) == (True, True, None)
    pid = outcome.pid
    assert pid is not None
    try:
        assert outcome.message == f"VMware Remote Console started (pid {pid})."
        assert rig.recorded_argv() == [URL.encode()]
        assert os.getsid(pid) == pid != os.getsid(0)  # a session leader of its own
        assert os.getpgid(pid) != os.getpgid(0)
        fds = {int(fd) for fd in os.listdir(f"/proc/{pid}/fd")}
        assert fds <= {0, 1, 2}
        assert all(os.readlink(f"/proc/{pid}/fd/{fd}") == "/dev/null" for fd in (0, 1, 2))
    finally:
        os.kill(pid, signal.SIGTERM)
    wait_until_gone(pid)  # the background reaper collected it


@pytest.mark.asyncio
async def test_gdk_backend_x11_only_for_workstation_under_wayland(rig: Rig) -> None:
    wayland = rig.probes(WAYLAND_DISPLAY="wayland-0")
    workstation = rig.client(rig.fake("vmware"), ConsoleClientKind.WORKSTATION)
    assert (await launch_console(URL, workstation, probes=wayland, grace_period=3.0)).ok
    assert rig.recorded_gdk_backend() == "x11"
    rig.record.unlink()
    assert (await launch_console(URL, workstation, probes=wayland, grace_period=3.0, x11_for_workstation=False)).ok
    assert rig.recorded_gdk_backend() == "unset"
    rig.record.unlink()
    assert (await launch_console(URL, rig.client(rig.fake()), probes=wayland, grace_period=3.0)).ok
    assert rig.recorded_gdk_backend() == "unset"


@pytest.mark.asyncio
async def test_os_opener_failure_explains_what_to_install(rig: Rig) -> None:
    opener = rig.fake("gio")
    kind = ConsoleClientKind.OS_HANDLER
    client = DetectedClient(kind, None, (str(opener), "open"), "the system's handler for vmrc:// links", None, "t")
    outcome = await launch_console(URL, client, probes=rig.probes(FAKE_STATUS="4"), grace_period=3.0)
    assert rig.recorded_argv() == [b"open", URL.encode()]
    assert not outcome.ok
    assert outcome.message.startswith(f"The system's handler for vmrc:// links ({opener} open) exited at once")
    assert outcome.message.endswith(NO_CONSOLE_CLIENT_HELP)


@pytest.mark.asyncio
async def test_startfile_clients_only_work_on_windows(rig: Rig) -> None:
    client = DetectedClient(ConsoleClientKind.OS_HANDLER, None, (), "the system's handler", None, "os.startfile")
    outcome = await launch_console(URL, client, probes=rig.probes())
    assert not outcome.ok
    assert "only works on Windows" in outcome.message
    assert TICKET not in repr(outcome)


@pytest.mark.skipif(HOST_HAS_VMWARE, reason="a real VMRC/Workstation is installed on this machine")
@pytest.mark.asyncio
async def test_detection_then_launch_and_the_override_wins(rig: Rig) -> None:
    on_path = rig.fake("vmrc")
    outcome = await launch_console(URL, probes=rig.probes(), grace_period=3.0)
    assert outcome.ok
    assert (outcome.client.executable, outcome.client.source) == (on_path, "PATH")
    custom = rig.root / "custom"
    custom.mkdir()
    (custom / "vmware").write_text(FAKE)
    (custom / "vmware").chmod(0o755)
    outcome = await launch_console(URL, probes=rig.probes(), override=custom / "vmware", grace_period=3.0)
    assert (outcome.client.source, outcome.client.kind) == ("settings", ConsoleClientKind.WORKSTATION)
    assert outcome.argv == (str(custom / "vmware"), URL.replace(TICKET, "***"))


@pytest.mark.skipif(HOST_HAS_VMWARE, reason="a real VMRC/Workstation is installed on this machine")
@pytest.mark.asyncio
async def test_nothing_installed_raises_no_console_client(rig: Rig) -> None:
    with pytest.raises(NoConsoleClient) as caught:
        await launch_console(URL, probes=rig.probes())
    text = str(caught.value)
    for needle in ("VMware Remote Console", "Workstation Pro", "Fusion Pro", "free", "Broadcom", "port 443"):
        assert needle in text
    assert caught.value.help == text


@pytest.mark.asyncio
async def test_invalid_urls_never_launch(rig: Rig) -> None:
    client = rig.client(rig.fake())
    for bad in (f"https://clone:{TICKET}@vc/?moid=vm-1", URL + " --x", URL + "\n", URL + '"', "vmrc://vc/"):
        with pytest.raises(InvalidConsoleUrl) as caught:
            await launch_console(bad, client, probes=rig.probes())
        assert TICKET not in str(caught.value)
    await asyncio.sleep(0.2)
    assert not rig.record.exists()


@pytest.mark.asyncio
async def test_ticket_never_reaches_the_logs_or_reprs(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    exe = rig.fake()
    outcomes = [
        await launch_console(URL, rig.client(exe), probes=rig.probes(), grace_period=3.0),
        await launch_console(URL, rig.client(exe), probes=rig.probes(FAKE_STATUS="3"), grace_period=3.0),
        await launch_console(URL, rig.client(rig.bin / "missing"), probes=rig.probes()),
        await launch_console(URL, probes=rig.probes(), override=exe, grace_period=3.0),
    ]
    with pytest.raises(InvalidConsoleUrl):
        await launch_console(URL + " x", rig.client(exe), probes=rig.probes())
    assert rig.recorded_argv() == [URL.encode()]  # the real URL did reach the client
    launcher_records = [r for r in caplog.records if r.name.startswith("vmconsole_gui.services.launchers")]
    assert any("clone:***@vc01.lab.example" in r.getMessage() for r in launcher_records)  # argv logged, redacted
    assert TICKET not in caplog.text
    assert all(TICKET not in r.getMessage() and TICKET not in repr(r.args) for r in caplog.records)
    for outcome in outcomes:
        assert TICKET not in repr(outcome)
        assert TICKET not in outcome.message
        assert outcome.argv[-1] == URL.replace(TICKET, "***")
