"""Icons drawn with QPainter (no image files): VM power states and the app icon fallback.

Icons are built lazily on first use and cached; a ``QGuiApplication`` must exist by then. Power states differ in
shape as well as colour (circle + triangle, square, circle + bars), so they stay distinguishable without colour.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QIcon, QPainter, QPen, QPixmap, QPolygonF

from vmconsole_gui.resources import find_resource

ICON_SIZES = (16, 20, 24, 32, 48, 64)
POWERED_ON = "POWERED_ON"
POWERED_OFF = "POWERED_OFF"
SUSPENDED = "SUSPENDED"

_GREEN = QColor(0x2E, 0x7D, 0x32)
_OFF = QColor(0x8E, 0x3B, 0x3B)
_AMBER = QColor(0xE0, 0x9A, 0x00)
_GREY = QColor(0x80, 0x80, 0x80)
_WHITE = QColor(0xFF, 0xFF, 0xFF)
_OUTLINE = QColor(0, 0, 0, 90)

_cache: dict[str, QIcon] = {}


def _require_app() -> None:
    if QGuiApplication.instance() is None:
        raise RuntimeError("icons can only be built once a QGuiApplication (or QApplication) exists")


def _render(draw: Callable[[QPainter, float], None]) -> QIcon:
    icon = QIcon()
    for size in ICON_SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        draw(painter, float(size))
        painter.end()
        icon.addPixmap(pixmap)
    return icon


def _disc(painter: QPainter, size: float, color: QColor) -> None:
    margin = size * 0.08
    painter.setPen(QPen(_OUTLINE, max(1.0, size / 32)))
    painter.setBrush(QBrush(color))
    painter.drawEllipse(QRectF(margin, margin, size - 2 * margin, size - 2 * margin))


def _draw_on(painter: QPainter, size: float) -> None:
    _disc(painter, size, _GREEN)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(_WHITE))
    painter.drawPolygon(
        QPolygonF(
            [
                QPointF(size * 0.38, size * 0.28),
                QPointF(size * 0.74, size * 0.50),
                QPointF(size * 0.38, size * 0.72),
            ]
        )
    )


def _draw_off(painter: QPainter, size: float) -> None:
    margin = size * 0.16
    painter.setPen(QPen(_OUTLINE, max(1.0, size / 32)))
    painter.setBrush(QBrush(_OFF))
    painter.drawRoundedRect(QRectF(margin, margin, size - 2 * margin, size - 2 * margin), size * 0.08, size * 0.08)


def _draw_suspended(painter: QPainter, size: float) -> None:
    _disc(painter, size, _AMBER)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(_WHITE))
    bar_w, bar_h, top = size * 0.13, size * 0.42, size * 0.29
    painter.drawRect(QRectF(size * 0.33, top, bar_w, bar_h))
    painter.drawRect(QRectF(size * 0.54, top, bar_w, bar_h))


def _draw_unknown(painter: QPainter, size: float) -> None:
    margin = size * 0.18
    painter.setPen(QPen(_GREY, max(1.5, size / 12)))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawEllipse(QRectF(margin, margin, size - 2 * margin, size - 2 * margin))


def _draw_app(painter: QPainter, size: float) -> None:
    palette = QGuiApplication.palette()
    accent = palette.highlight().color()
    painter.setPen(QPen(_OUTLINE, max(1.0, size / 32)))
    painter.setBrush(QBrush(accent))
    painter.drawRoundedRect(QRectF(size * 0.06, size * 0.12, size * 0.88, size * 0.62), size * 0.08, size * 0.08)
    painter.drawRect(QRectF(size * 0.30, size * 0.80, size * 0.40, size * 0.08))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(_WHITE))
    painter.drawPolygon(
        QPolygonF(
            [QPointF(size * 0.42, size * 0.26), QPointF(size * 0.64, size * 0.43), QPointF(size * 0.42, size * 0.60)]
        )
    )


_DRAWERS: dict[str, Callable[[QPainter, float], None]] = {
    POWERED_ON: _draw_on,
    POWERED_OFF: _draw_off,
    SUSPENDED: _draw_suspended,
}


def power_icon(state: str) -> QIcon:
    """The icon for a VM power state (``POWERED_ON``, ``POWERED_OFF``, ``SUSPENDED``; anything else: a grey ring)."""
    _require_app()
    key = state if state in _DRAWERS else "UNKNOWN"
    icon = _cache.get(key)
    if icon is None:
        icon = _render(_DRAWERS.get(key, _draw_unknown))
        _cache[key] = icon
    return icon


def power_icons() -> dict[str, QIcon]:
    """``{power state: icon}`` for the three states (the inventory model's ``power_icons`` argument)."""
    return {state: power_icon(state) for state in _DRAWERS}


def app_icon() -> QIcon:
    """The application icon: ``resources/icons/vmconsole-gui.svg`` when present, else a drawn monitor."""
    _require_app()
    icon = _cache.get("APP")
    if icon is None:
        path = find_resource("icons", "vmconsole-gui.svg")
        loaded = QIcon(str(path)) if path is not None else QIcon()
        icon = loaded if not loaded.isNull() else _render(_draw_app)
        _cache["APP"] = icon
    return icon
