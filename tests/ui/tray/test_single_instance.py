"""Single instance between real processes: a second launch hands its arguments to the first and exits."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.ui.app_rig import fake_vmrc

REPO = Path(__file__).resolve().parents[3]
DEMO_VMS = "20"


def app_env(base: Path, bin_dir: Path) -> dict[str, str]:
    """Private XDG folders, offscreen Qt, and a PATH with the fake vmrc and nothing else of VMware."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "QT_"))}
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_RUNTIME_DIR"):
        folder = base / var.lower()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        env[var] = str(folder)
    env["XDG_DATA_DIRS"] = env["XDG_CONFIG_DIRS"] = str(base / "empty")
    env["PATH"] = os.pathsep.join([str(bin_dir), "/usr/bin", "/bin"])
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"  # the demo keeps its password in memory
    return env


class Instance:
    """A first instance of ``vmconsole-gui --demo --debug`` with its stderr in a file."""

    def __init__(self, base: Path) -> None:
        base.mkdir(parents=True, exist_ok=True)
        if (base / "bin").is_dir():  # a restart on the same folders
            self.bin_dir, self.vmrc_record = base / "bin", base / "vmrc-argv"
        else:
            self.bin_dir, self.vmrc_record = fake_vmrc(base)
        self.env = app_env(base, self.bin_dir)
        self.log = base / "first.err"
        self.base = base
        with self.log.open("wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "vmconsole_gui", "--demo", "--demo-vms", DEMO_VMS, "--debug"],
                cwd=REPO,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        self.wait_log("single instance: listening on ")

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_log(self, needle: str, timeout: float = 30.0, count: int = 1) -> None:
        deadline = time.monotonic() + timeout
        while self.text().count(needle) < count:
            if self.process.poll() is not None:
                raise AssertionError(f"the first instance exited ({self.process.returncode}):\n{self.text()[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} not logged in {timeout} s:\n{self.text()[-3000:]}")
            time.sleep(0.05)

    def socket_path(self) -> Path:
        line = next(ln for ln in self.text().splitlines() if "single instance: listening on " in ln)
        return Path(line.split("single instance: listening on ", 1)[1].strip())

    def vms(self, timeout: float = 30.0) -> dict[str, str]:
        """{name: VM id} from the instance's inventory cache, once written."""
        folder = Path(self.env["XDG_CACHE_HOME"]) / "vmconsole-gui" / "demo" / "inventory"
        deadline = time.monotonic() + timeout
        while not list(folder.glob("*.json")):
            assert time.monotonic() < deadline, "the demo inventory was never cached"
            time.sleep(0.05)
        document = json.loads(next(folder.glob("*.json")).read_text())
        fields = document["fields"]
        return {row[fields.index("name")]: row[fields.index("vm_id")] for row in document["records"]}

    def launch(self, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "vmconsole_gui", "--demo", *args],
            cwd=REPO,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=20)


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    instance = Instance(tmp_path_factory.mktemp("first"))
    yield instance
    instance.stop()


def test_connect_is_handed_to_the_running_instance_which_launches_vmrc(first):
    vms = first.vms()
    name = sorted(vms)[3]
    started = time.monotonic()
    result = first.launch("--connect", f"Demo vCenter/{name}", "--console", "vmrc")
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 20
    assert result.stdout.strip() == f"Opening the VMRC console of {name} on Demo vCenter."
    deadline = time.monotonic() + 15
    while not (first.vmrc_record.exists() and first.vmrc_record.read_bytes().endswith(b"\0")):
        assert time.monotonic() < deadline, "the running instance never launched vmrc"
        time.sleep(0.05)
    argv = first.vmrc_record.read_bytes().split(b"\0")[:-1]
    assert len(argv) == 1
    url = argv[0].decode()
    assert url.startswith("vmrc://clone:")
    assert url.endswith(f"/?moid={vms[name]}")
    assert "clone:" not in first.text().replace("clone:***", "")  # the ticket never reaches the log


def test_a_vm_id_works_too(first):
    vm_id = sorted(first.vms().values())[0]
    result = first.launch("--connect", f"demo vcenter/{vm_id}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Opening the console of ")


def test_plain_second_launch_shows_the_first_window(first):
    shown = first.text().count("second launch: showing the window")
    result = first.launch()
    assert result.returncode == 0, result.stderr
    assert "already running" in result.stdout
    first.wait_log("second launch: showing the window", count=shown + 1, timeout=5)


def test_unknown_vm_exits_2_with_close_matches(first):
    name = sorted(first.vms())[5]
    typo = name[:-2] + name[-1]  # one character dropped
    result = first.launch("--connect", f"Demo vCenter/{typo}")
    assert result.returncode == 2
    message = result.stderr.strip()
    assert message.startswith(f"No VM named '{typo}' on 'Demo vCenter'. Did you mean: ")
    assert name in message
    assert result.stdout == ""


def test_unknown_profile_exits_2_with_the_known_ones(first):
    result = first.launch("--connect", "Lab/web-01")
    assert result.returncode == 2
    assert result.stderr.strip() == "No connection named 'Lab'. Known connections: Demo vCenter."
    result = first.launch("--connect", "Demo vCentre/web-01")
    assert result.returncode == 2
    assert result.stderr.strip() == "No connection named 'Demo vCentre'. Did you mean: Demo vCenter?"


def test_stale_socket_of_a_crashed_instance_is_replaced(tmp_path):
    crashed = Instance(tmp_path / "a")
    socket_file = crashed.socket_path()
    crashed.stop(signal.SIGKILL)  # no clean-up: the socket file stays behind
    assert socket_file.exists()
    fresh = Instance(tmp_path / "a")  # same user folders, so the same socket name
    try:
        assert fresh.socket_path() == socket_file
        result = fresh.launch()
        assert result.returncode == 0, result.stderr
        fresh.wait_log("second launch: showing the window", timeout=5)
    finally:
        fresh.stop()
