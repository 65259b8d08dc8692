"""Drawn power-state icons and the app icon: non-null at common sizes, distinct per state, cached."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QImage

from vmconsole_gui.ui import icons

STATES = ("POWERED_ON", "POWERED_OFF", "SUSPENDED")


def _image(icon, size):
    return icon.pixmap(size, size).toImage().convertToFormat(QImage.Format.Format_ARGB32)


@pytest.mark.usefixtures("qapp")
@pytest.mark.parametrize("size", [16, 32])
def test_power_icons_are_non_null_and_distinct(size):
    images = {state: _image(icons.power_icon(state), size) for state in STATES}
    for state, image in images.items():
        assert not icons.power_icon(state).isNull()
        assert image.width() == size
        assert image.height() == size
        assert any(image.pixelColor(x, y).alpha() > 0 for x in range(size) for y in range(size)), state
    assert images["POWERED_ON"] != images["POWERED_OFF"]
    assert images["POWERED_ON"] != images["SUSPENDED"]
    assert images["POWERED_OFF"] != images["SUSPENDED"]


@pytest.mark.usefixtures("qapp")
def test_power_icon_colours_match_their_state():
    def centre_ring(state):
        image = _image(icons.power_icon(state), 32)
        return image.pixelColor(5, 16)  # left edge of the disc / square, away from the white glyph

    on, off, suspended = (centre_ring(s) for s in STATES)
    assert on.green() > max(on.red(), on.blue()), "on is green"
    assert off.red() > off.green(), "off is dark red / grey-red"
    assert min(suspended.red(), suspended.green()) > suspended.blue(), "suspended is amber"
    assert on != QColor(0, 0, 0, 0)


@pytest.mark.usefixtures("qapp")
def test_icons_are_cached_and_unknown_states_get_a_fallback():
    assert icons.power_icon("POWERED_ON").cacheKey() == icons.power_icon("POWERED_ON").cacheKey()
    unknown = icons.power_icon("SOMETHING_NEW")
    assert not unknown.isNull()
    assert _image(unknown, 16) != _image(icons.power_icon("POWERED_ON"), 16)
    assert set(icons.power_icons()) == set(STATES)


@pytest.mark.usefixtures("qapp")
def test_app_icon():
    icon = icons.app_icon()
    assert not icon.isNull()
    assert not icon.pixmap(32, 32).isNull()
    assert icons.app_icon().cacheKey() == icon.cacheKey()
