"""Every command-line form: --version, --help, --connect/--console/--minimized/--demo/--debug and the usage errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.ui.tray.test_single_instance import REPO, app_env
from vmconsole_gui import __version__
from vmconsole_gui.app import parse_args


def usage_error(capsys, argv):
    with pytest.raises(SystemExit) as caught:
        parse_args(argv)
    assert caught.value.code == 2
    return capsys.readouterr().err


def test_valid_forms():
    args = parse_args(["--connect", " Lab vCenter/web-01 ", "--console", "vmrc", "--minimized", "--debug"])
    assert (args.connect, args.console, args.minimized, args.debug, args.demo) == (
        "Lab vCenter/web-01",
        "vmrc",
        True,
        True,
        False,
    )
    args = parse_args(["--demo", "--connect", "Demo vCenter/vm-42"])
    assert (args.demo, args.connect, args.console) == (True, "Demo vCenter/vm-42", None)
    assert parse_args([]).connect is None


def test_connect_without_a_slash(capsys):
    err = usage_error(capsys, ["--connect", "web-01"])
    assert "--connect needs <profile>/<vm name or id>" in err
    assert "'web-01' (no '/')" in err


def test_connect_with_an_empty_part(capsys):
    assert "a profile name before the '/' and a VM name or id after it" in usage_error(capsys, ["--connect", "Lab/"])


def test_console_without_connect(capsys):
    assert "--console only applies with --connect PROFILE/VM" in usage_error(capsys, ["--console", "vmrc"])


def test_unknown_console_type(capsys):
    assert "invalid choice: 'rdp'" in usage_error(capsys, ["--connect", "a/b", "--console", "rdp"])


def run_cli(tmp_path, *args):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "vmconsole_gui", *args],
        cwd=REPO,
        env=app_env(tmp_path, bin_dir),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_version_and_help(tmp_path):
    result = run_cli(tmp_path, "--version")
    assert (result.returncode, result.stdout.strip()) == (0, f"vmconsole-gui {__version__}")
    result = run_cli(tmp_path, "--help")
    assert result.returncode == 0
    for text in ("--connect PROFILE/VM", "--console {vmrc,webmks}", "--minimized", "exit status:", "2  usage error"):
        assert text in result.stdout


def test_usage_errors_exit_2_from_the_real_command(tmp_path):
    result = run_cli(tmp_path, "--console", "webmks")
    assert result.returncode == 2
    assert "--console only applies with --connect" in result.stderr


def test_first_instance_with_an_unknown_connection_exits_2_before_any_window(tmp_path):
    result = run_cli(tmp_path, "--demo", "--demo-vms", "5", "--connect", "Nope/web-01")
    assert result.returncode == 2
    assert "vmconsole-gui: No connection named 'Nope'. Known connections: Demo vCenter." in result.stderr
