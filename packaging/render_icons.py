"""Render the PNG icons in ``resources/icons/`` from their SVG sources with Qt's SVG renderer.

Usage: ``python packaging/render_icons.py`` (rewrites the PNGs) or ``python packaging/render_icons.py --check``
(exit 1 and name every PNG that is missing or differs from a fresh rendering). Run it after editing an SVG and
commit the PNGs: installers, the hicolor theme and panels without SVG support use them.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS_DIR = Path(__file__).resolve().parents[1] / "resources" / "icons"
APP_SVG = "vmconsole-gui.svg"
APP_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
TRAY_SVGS = ("vmconsole-gui-tray-light.svg", "vmconsole-gui-tray-dark.svg", "vmconsole-gui-symbolic.svg")
TRAY_SIZES = (22, 32, 48)
# A fresh rendering may differ by antialiasing noise between Qt versions; a changed drawing differs far more.
MAX_MEAN_CHANNEL_DIFF = 3.0


def png_name(svg_name: str, size: int) -> str:
    """``vmconsole-gui.svg`` at 48 px → ``vmconsole-gui-48.png``."""
    return f"{Path(svg_name).stem}-{size}.png"


def renders() -> list[tuple[str, int]]:
    """Every (SVG file name, pixel size) pair this script renders."""
    return [(APP_SVG, s) for s in APP_SIZES] + [(svg, s) for svg in TRAY_SVGS for s in TRAY_SIZES]


def ensure_gui_app() -> QGuiApplication:
    """The running QGuiApplication, or a new offscreen one (SVG rendering needs an application object)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    assert isinstance(app, QGuiApplication)
    return QGuiApplication.instance() or QGuiApplication(sys.argv[:1])


def render_svg(svg: Path, size: int) -> QImage:
    """Render ``svg`` into a transparent ``size`` × ``size`` ARGB image; ValueError if Qt cannot read the SVG."""
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg} is not an SVG that Qt can render")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def mean_channel_diff(a: QImage, b: QImage) -> float:
    """Mean absolute difference over every RGBA channel of two images (0 = identical; inf if sizes differ)."""
    a = a.convertToFormat(QImage.Format.Format_RGBA8888)
    b = b.convertToFormat(QImage.Format.Format_RGBA8888)
    if a.size() != b.size():
        return float("inf")
    data_a, data_b = bytes(a.constBits()), bytes(b.constBits())
    return sum(abs(x - y) for x, y in zip(data_a, data_b, strict=True)) / len(data_a)


def main(argv: list[str] | None = None) -> int:
    """Render (or with ``--check`` verify) every PNG; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify the committed PNGs instead of writing them")
    args = parser.parse_args(argv)
    ensure_gui_app()
    stale: list[str] = []
    for svg_name, size in renders():
        image = render_svg(ICONS_DIR / svg_name, size)
        target = ICONS_DIR / png_name(svg_name, size)
        if args.check:
            existing = QImage(str(target))
            if existing.isNull() or mean_channel_diff(existing, image) > MAX_MEAN_CHANNEL_DIFF:
                stale.append(target.name)
        elif not image.save(str(target), "PNG"):
            print(f"render_icons: cannot write {target}", file=sys.stderr)
            return 1
    if stale:
        print(f"render_icons: out of date (run packaging/render_icons.py): {', '.join(stale)}", file=sys.stderr)
        return 1
    print(f"render_icons: {len(renders())} PNGs {'up to date' if args.check else 'written'} in {ICONS_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
