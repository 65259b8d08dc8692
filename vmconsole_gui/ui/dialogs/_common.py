"""Small helpers shared by the dialogs: palette-derived warning colour, inline field messages, fonts."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

# Warning accents picked for contrast >= 4.5:1: dark red on light windows, light red-orange on dark ones.
_WARNING_ON_LIGHT = QColor(0xB0, 0x1E, 0x1E)
_WARNING_ON_DARK = QColor(0xFF, 0x8A, 0x65)


def warning_color(palette: QPalette) -> QColor:
    """The warning accent that reads on this palette's window background (light or dark)."""
    background = palette.color(QPalette.ColorRole.Window)
    return _WARNING_ON_DARK if background.lightnessF() < 0.5 else _WARNING_ON_LIGHT


def paint_warning(label: QLabel) -> None:
    """Give ``label`` the warning accent as its text colour, derived from its current palette."""
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, warning_color(palette))
    label.setPalette(palette)


def monospace_font() -> QFont:
    """The system's fixed-width font (for fingerprints and paths)."""
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


def bold(font: QFont, scale: float = 1.0) -> QFont:
    """A bold copy of ``font``, optionally scaled (for headings)."""
    result = QFont(font)
    result.setBold(True)
    if scale != 1.0 and result.pointSizeF() > 0:
        result.setPointSizeF(result.pointSizeF() * scale)
    return result


def wrapped_label(text: str = "", *, selectable: bool = False, name: str = "") -> QLabel:
    """A word-wrapping plain-text label; ``selectable`` lets mouse and keyboard select and copy it."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    if selectable:
        label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
    if name:
        label.setAccessibleName(name)
    return label


class FieldMessage(QLabel):
    """An inline message under an input: hidden when empty, shown in the warning accent.

    The message is mirrored into the input's accessible description so screen readers announce it with the field.
    """

    def __init__(self, field: QWidget, description: str = "") -> None:
        super().__init__()
        self._field = field
        self._description = description
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAccessibleName(f"{field.accessibleName()} problem".strip())
        paint_warning(self)
        self.hide()
        field.setAccessibleDescription(description)

    def show_message(self, message: str | None) -> None:
        """Show ``message`` (or hide the label when it is None/empty)."""
        self.setText(message or "")
        self.setVisible(bool(message))
        parts = [part for part in (message, self._description) if part]
        self._field.setAccessibleDescription(" ".join(parts))
