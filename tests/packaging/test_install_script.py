"""packaging/install-desktop-entry.sh: a per-user desktop entry in a throwaway XDG_DATA_HOME (real script runs)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.packaging.conftest import APP_ID, INSTALL_SCRIPT

BASH = shutil.which("bash") or "/bin/bash"
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def _installed_files(data: Path) -> list[Path]:
    hicolor = data / "icons" / "hicolor"
    return [
        data / "applications" / f"{APP_ID}.desktop",
        data / "metainfo" / f"{APP_ID}.metainfo.xml",
        hicolor / "scalable" / "apps" / f"{APP_ID}.svg",
        hicolor / "symbolic" / "apps" / f"{APP_ID}-symbolic.svg",
        *(hicolor / f"{size}x{size}" / "apps" / f"{APP_ID}.png" for size in SIZES),
    ]


def _run(data: Path, *args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_DATA_HOME": str(data)}
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        [BASH, str(INSTALL_SCRIPT), *args], env=env, capture_output=True, text=True, check=False, timeout=60
    )


def _executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def _exec_lines(data: Path) -> list[str]:
    text = (data / "applications" / f"{APP_ID}.desktop").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.startswith(("Exec=", "TryExec="))]


def test_installs_every_file_with_the_given_exec_and_uninstalls(tmp_path: Path) -> None:
    data, exe = tmp_path / "data", _executable(tmp_path / "venv" / "bin" / "vmconsole-gui")
    result = _run(data, "--exec", str(exe))
    assert result.returncode == 0, result.stderr
    missing = [str(p) for p in _installed_files(data) if not p.is_file() or p.stat().st_size == 0]
    assert missing == []
    assert _exec_lines(data) == [f"Exec={exe}", f"TryExec={exe}", f"Exec={exe} --demo"]
    png = data / "icons" / "hicolor" / "48x48" / "apps" / f"{APP_ID}.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    result = _run(data, "--uninstall")
    assert result.returncode == 0, result.stderr
    assert [str(p) for p in _installed_files(data) if p.exists()] == []


def test_running_twice_gives_the_same_files(tmp_path: Path) -> None:
    data, exe = tmp_path / "data", _executable(tmp_path / "bin" / "vmconsole-gui")
    assert _run(data, "--exec", str(exe)).returncode == 0
    first = {p: p.read_bytes() for p in _installed_files(data)}
    assert _run(data, f"--exec={exe}", "--quiet").returncode == 0
    assert {p: p.read_bytes() for p in _installed_files(data)} == first
    leftovers = [p.name for p in (data / "applications").iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_exec_defaults_to_the_vmconsole_gui_on_path(tmp_path: Path) -> None:
    data, exe = tmp_path / "data", _executable(tmp_path / "pipx" / "bin" / "vmconsole-gui")
    result = _run(data, path=f"{exe.parent}:{SYSTEM_PATH}")
    assert result.returncode == 0, result.stderr
    assert _exec_lines(data)[0] == f"Exec={exe}"


def test_a_path_with_spaces_and_specials_is_quoted_per_the_spec(tmp_path: Path) -> None:
    data, exe = tmp_path / "data", _executable(tmp_path / "My Apps $x 100%" / "vmconsole-gui")
    assert _run(data, "--exec", str(exe)).returncode == 0
    quoted = str(exe).replace("$", "\\\\$").replace("%", "%%")  # \$ in Exec quoting, written \\$ in the file
    assert _exec_lines(data)[0] == f'Exec="{quoted}"'
    assert _exec_lines(data)[1] == f"TryExec={exe}"


@pytest.mark.parametrize(
    ("args", "path", "message"),
    [
        (("--exec", "/nonexistent/vmconsole-gui"), None, "is not an executable file"),
        ((), SYSTEM_PATH, "vmconsole-gui is not on PATH"),
        (("--exec",), None, "--exec needs the path"),
        (("--frobnicate",), None, "unknown option '--frobnicate'"),
    ],
)
def test_bad_input_gets_a_clear_error_and_installs_nothing(
    tmp_path: Path, args: tuple[str, ...], path: str | None, message: str
) -> None:
    data = tmp_path / "data"
    result = _run(data, *args, path=path)
    assert result.returncode == 2
    assert message in result.stderr
    assert not data.exists()


def test_a_relative_xdg_data_home_is_refused(tmp_path: Path) -> None:
    exe = _executable(tmp_path / "bin" / "vmconsole-gui")
    result = _run(Path("relative/data"), "--exec", str(exe))
    assert result.returncode == 2
    assert "XDG_DATA_HOME must be an absolute path" in result.stderr
