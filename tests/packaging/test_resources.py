"""vmconsole_gui.resources.resource_path: finds resources in the source tree, a bundle, a wheel layout, an override."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.packaging.conftest import REPO
from vmconsole_gui import resources
from vmconsole_gui.resources import ResourceNotFoundError, find_resource, resource_path


@pytest.fixture(autouse=True)
def _no_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(resources.ENV_VAR, raising=False)


@pytest.mark.parametrize(
    "parts",
    [
        (),
        ("console",),
        ("console", "console.html"),
        ("novnc",),
        ("novnc", "core", "rfb.js"),
        ("icons",),
        ("icons", "vmconsole-gui.svg"),
        ("icons", "vmconsole-gui-tray-light.svg"),
        ("icons", "vmconsole-gui-tray-dark.svg"),
    ],
)
def test_finds_every_resource_in_the_source_tree(parts: tuple[str, ...]) -> None:
    assert resource_path(*parts) == (REPO / "resources").joinpath(*parts).resolve()


def test_a_pyinstaller_bundle_wins_over_the_source_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "resources" / "icons").mkdir(parents=True)
    (tmp_path / "resources" / "icons" / "vmconsole-gui.svg").write_text("<svg/>", encoding="utf-8")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resource_path("icons", "vmconsole-gui.svg") == tmp_path / "resources" / "icons" / "vmconsole-gui.svg"
    # what the bundle lacks still comes from the next place
    assert resource_path("novnc", "core", "rfb.js") == (REPO / "resources" / "novnc" / "core" / "rfb.js").resolve()


def test_the_environment_override_comes_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "console").mkdir()
    (tmp_path / "console" / "console.html").write_text("<html></html>", encoding="utf-8")
    monkeypatch.setenv(resources.ENV_VAR, str(tmp_path))
    assert resource_path("console", "console.html") == tmp_path / "console" / "console.html"


def test_lookup_order() -> None:
    package = Path(resources.__file__).resolve().parent
    roots = resources.candidate_roots()
    assert roots.index(package / "_resources") < roots.index(package.parent / "resources")


def test_a_missing_resource_names_every_place_tried() -> None:
    with pytest.raises(ResourceNotFoundError) as caught:
        resource_path("icons", "no-such-icon.svg")
    message = str(caught.value)
    assert "icons/no-such-icon.svg" in message
    assert str(REPO / "resources") in message
    assert "reinstall vmconsole-gui" in message
    assert find_resource("icons", "no-such-icon.svg") is None


@pytest.mark.parametrize("parts", [("..", "pyproject.toml"), ("/etc", "passwd"), ("icons", "..", "..", "x")])
def test_paths_leaving_resources_are_refused(parts: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="must stay inside resources/"):
        resource_path(*parts)
