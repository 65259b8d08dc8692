"""The .desktop file and the AppStream metainfo: valid per the freedesktop tools and consistent with the app."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.packaging.conftest import APP_ID, DESKTOP_FILE, METAINFO_FILE, REPO
from vmconsole_gui import __version__
from vmconsole_gui.ui import application


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian: apt install desktop-file-utils appstream)")
    return path


def _desktop_validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([_tool("desktop-file-validate"), str(path)], capture_output=True, text=True, check=False)


def _desktop_entry(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser


def test_desktop_file_validates_without_errors_or_warnings() -> None:
    result = _desktop_validate(DESKTOP_FILE)
    assert result.returncode == 0, result.stdout + result.stderr
    problems = [line for line in result.stdout.splitlines() if ": error:" in line or ": warning:" in line]
    assert problems == []


def test_desktop_file_validate_rejects_a_broken_entry(tmp_path: Path) -> None:
    broken = tmp_path / f"{APP_ID}.desktop"
    broken.write_text(DESKTOP_FILE.read_text().replace("Type=Application\n", ""), encoding="utf-8")
    result = _desktop_validate(broken)
    assert result.returncode != 0
    assert "Type" in result.stdout


def test_desktop_file_matches_the_app() -> None:
    entry = _desktop_entry(DESKTOP_FILE)["Desktop Entry"]
    assert application.APP_ID == APP_ID  # the app's desktop file name (Wayland app id) is this file's name
    assert entry["Exec"] == "vmconsole-gui"
    assert entry["Icon"] == APP_ID
    assert entry["GenericName"] == "vSphere console launcher"
    assert entry["Categories"] == "Network;RemoteAccess;"  # one main category: one place in the menus
    assert entry["StartupWMClass"] == "vmconsole-gui"  # X11 WM_CLASS class = QApplication.applicationName()
    assert entry["Actions"] == "Demo;"
    demo = _desktop_entry(DESKTOP_FILE)["Desktop Action Demo"]
    assert demo["Exec"] == "vmconsole-gui --demo"


def test_metainfo_validates() -> None:
    result = subprocess.run(
        [_tool("appstreamcli"), "validate", "--no-net", str(METAINFO_FILE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    problems = [line for line in result.stdout.splitlines() if line.startswith(("E:", "W:"))]
    assert problems == []


def test_metainfo_matches_the_project() -> None:
    root = ET.parse(METAINFO_FILE).getroot()
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == f"{APP_ID}.desktop"
    assert root.findtext("project_license") == project["license"]
    assert root.findtext("metadata_license") == "CC0-1.0"
    assert root.findtext("provides/binary") in project["gui-scripts"]
    assert next(r.get("version") for r in root.iter("release")) == __version__  # newest release first
    screenshot = root.findtext("screenshots/screenshot/image") or ""
    assert screenshot.endswith("/docs/screenshots/main-window.png")
    assert [c.text for c in root.iter("category")] == ["Network", "RemoteAccess"]
