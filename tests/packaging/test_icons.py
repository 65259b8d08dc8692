"""The icons in resources/icons: every PNG size exists, matches a fresh rendering of its SVG, and the tray glyphs
contrast with the panels they are meant for."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest
from PySide6.QtGui import QColor, QImage

from tests.packaging.conftest import ICONS, PACKAGING
from vmconsole_gui.ui.icons import app_icon


def _render_icons() -> ModuleType:
    spec = importlib.util.spec_from_file_location("render_icons", PACKAGING / "render_icons.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("render_icons", module)
    spec.loader.exec_module(module)
    return module


render_icons = _render_icons()


def _opaque_pixels(image: QImage) -> list[QColor]:
    return [
        color
        for y in range(image.height())
        for x in range(image.width())
        if (color := image.pixelColor(x, y)).alpha() > 200
    ]


def _luminance(color: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())


def _contrast(a: float, b: float) -> float:
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def test_every_size_is_rendered() -> None:
    names = {render_icons.png_name(svg, size) for svg, size in render_icons.renders()}
    assert {f"vmconsole-gui-{s}.png" for s in (16, 24, 32, 48, 64, 128, 256, 512)} <= names
    assert {f"vmconsole-gui-tray-{v}-{s}.png" for v in ("light", "dark") for s in (22, 32, 48)} <= names


@pytest.mark.parametrize(("svg", "size"), render_icons.renders(), ids=lambda v: str(v))
def test_png_has_its_size_is_not_blank_and_matches_the_svg(qapp, svg: str, size: int) -> None:
    png = QImage(str(ICONS / render_icons.png_name(svg, size)))
    assert not png.isNull()
    assert (png.width(), png.height()) == (size, size)
    coverage = len(_opaque_pixels(png)) / (size * size)
    assert coverage > 0.15, f"only {coverage:.0%} of the icon is drawn"
    fresh = render_icons.render_svg(ICONS / svg, size)
    assert render_icons.mean_channel_diff(png, fresh) <= render_icons.MAX_MEAN_CHANNEL_DIFF


def test_a_changed_drawing_is_detected(qapp) -> None:
    png = QImage(str(ICONS / "vmconsole-gui-48.png"))
    other = render_icons.render_svg(ICONS / "vmconsole-gui-tray-dark.svg", 48)
    assert render_icons.mean_channel_diff(png, other) > render_icons.MAX_MEAN_CHANNEL_DIFF
    assert render_icons.mean_channel_diff(png, render_icons.render_svg(ICONS / "vmconsole-gui.svg", 32)) == float("inf")


@pytest.mark.parametrize(("variant", "panel"), [("light", "#f6f5f4"), ("dark", "#303030")])
@pytest.mark.parametrize("size", [22, 32, 48])
def test_tray_glyph_reads_on_its_panel(qapp, variant: str, panel: str, size: int) -> None:
    image = QImage(str(ICONS / f"vmconsole-gui-tray-{variant}-{size}.png"))
    glyph = _opaque_pixels(image)
    assert glyph
    for channel in (QColor.red, QColor.green, QColor.blue):  # monochrome, up to alpha rounding
        values = [channel(c) for c in glyph]
        assert max(values) - min(values) <= 3
    assert min(_contrast(_luminance(c), _luminance(QColor(panel))) for c in glyph) >= 7.0


def test_render_icons_check_passes_on_the_committed_pngs(qapp) -> None:
    assert render_icons.main(["--check"]) == 0


def test_the_app_icon_loads_the_svg(qapp) -> None:
    pixmap = app_icon().pixmap(64, 64)
    assert not pixmap.isNull()
    rendered = pixmap.toImage()
    assert render_icons.mean_channel_diff(rendered, render_icons.render_svg(ICONS / "vmconsole-gui.svg", 64)) < 8
