"""The freedesktop autostart entry: written and removed under XDG_CONFIG_HOME, valid per desktop-file-validate."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from vmconsole_gui.services import autostart

APP_ID = "io.github.vmconsole_gui.VmconsoleGui"

pytestmark = pytest.mark.skipif(not autostart.autostart_supported(), reason="freedesktop autostart is Linux/BSD only")


@pytest.fixture
def config_home(tmp_path, monkeypatch):
    home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home


def validate(path):
    validator = shutil.which("desktop-file-validate")
    if validator is None:
        pytest.skip("desktop-file-validate is not installed (Debian: desktop-file-utils)")
    result = subprocess.run([validator, str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "", result.stdout


def test_enable_writes_a_valid_entry_and_disable_removes_it(config_home):
    assert not autostart.autostart_enabled(APP_ID)
    path = autostart.enable_autostart(APP_ID, ["/opt/vmconsole gui/bin/vmconsole-gui"])
    assert path == config_home / "autostart" / f"{APP_ID}.desktop"
    assert autostart.autostart_enabled(APP_ID)
    text = path.read_text()
    assert 'Exec="/opt/vmconsole gui/bin/vmconsole-gui" --minimized\n' in text
    assert "X-GNOME-Autostart-enabled=true" in text
    validate(path)
    autostart.disable_autostart(APP_ID)
    assert not path.exists()
    autostart.disable_autostart(APP_ID)  # nothing to remove: no error
    assert not autostart.autostart_enabled(APP_ID)


def test_default_command_starts_this_installation(config_home):
    command = autostart.autostart_command()
    assert command[0] == sys.executable or command[0].endswith("vmconsole-gui")
    path = autostart.enable_autostart(APP_ID)
    validate(path)
    exec_line = next(line for line in path.read_text().splitlines() if line.startswith("Exec="))
    assert exec_line.endswith(" --minimized")


@pytest.mark.parametrize(
    "arg",
    ["plain", "with space", 'quote"d', "dollar$HOME", "back\\slash", "percent%u", "tick`", "a=b"],
)
def test_exec_quoting_round_trips(config_home, arg):
    """What a desktop-entry launcher unescapes (string escapes, then Exec quoting) gives back the argument."""
    path = autostart.enable_autostart(APP_ID, ["/usr/bin/prog", arg])
    validate(path)
    value = next(line for line in path.read_text().splitlines() if line.startswith("Exec="))[len("Exec=") :]
    unescaped = value.replace("\\\\", "\\")  # the string-value escape of the spec comes first
    assert exec_words(unescaped) == ["/usr/bin/prog", arg, "--minimized"]


def exec_words(value: str) -> list[str]:
    """Split an Exec value the way the Desktop Entry spec says (double quotes; \\ before " ` $ \\; %%)."""
    words: list[str] = []
    current: list[str] = []
    quoted = False
    i = 0
    while i < len(value):
        ch = value[i]
        if quoted and ch == "\\" and i + 1 < len(value) and value[i + 1] in '"`$\\':
            current.append(value[i + 1])
            i += 2
            continue
        if ch == '"':
            quoted = not quoted
        elif ch == "%" and value[i + 1 : i + 2] == "%":
            current.append("%")
            i += 1
        elif ch == " " and not quoted:
            if current:
                words.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    words.append("".join(current))
    return words


def test_xdg_config_home_must_be_absolute(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/dir")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert autostart.autostart_path(APP_ID) == tmp_path / ".config" / "autostart" / f"{APP_ID}.desktop"
