"""The warning accent reads on light and dark palettes (WCAG contrast >= 4.5:1)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette

from vmconsole_gui.ui.dialogs._common import warning_color


def _luminance(color: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())


def _contrast(a: QColor, b: QColor) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.usefixtures("qapp")
@pytest.mark.parametrize("window", ["#ffffff", "#efefef", "#f6f5f4", "#2b2b2b", "#1e1e1e", "#353535"])
def test_warning_colour_contrast(window):
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor(window))
    accent = warning_color(palette)
    assert _contrast(accent, QColor(window)) >= 4.5
