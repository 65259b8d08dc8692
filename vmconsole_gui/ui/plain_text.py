"""The Qt side of :mod:`vmconsole_gui.services.display_text`: widgets that show outside text as plain text only.

Qt guesses: a ``QLabel``, ``QMessageBox`` or tooltip whose text looks like HTML is rendered as rich text (a VM named
``<img src=…>`` would load an image). The helpers here switch the guess off where server text is shown, and the
status bar cleans and bounds whatever message it is given, so every caller is covered at one place.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QStatusBar, QWidget

from vmconsole_gui.services import display_text

__all__ = ["PlainStatusBar", "plain_label", "plain_message_box"]

_MESSAGE_BOX_LABELS = ("qt_msgbox_label", "qt_msgbox_informativelabel")


def plain_label(label: QLabel) -> QLabel:
    """Make ``label`` show its text literally (never as rich text) and return it."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def plain_message_box(box: QMessageBox) -> QMessageBox:
    """Make the text and informative text of ``box`` plain text (call after setting them); return the box.

    ``QMessageBox.setTextFormat`` covers only the main text; the informative text has a label of its own.
    """
    box.setTextFormat(Qt.TextFormat.PlainText)
    for name in _MESSAGE_BOX_LABELS:
        label = box.findChild(QLabel, name)
        if label is not None:
            label.setTextFormat(Qt.TextFormat.PlainText)
    return box


class PlainStatusBar(QStatusBar):
    """A status bar whose messages are cleaned and bounded to one line (:func:`display_text.line`).

    Messages often carry a server's words ("Could not power on …: Server says …"); ``showMessage`` is the one place
    they all pass, whoever composed them.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)

    def showMessage(self, text: str, timeout: int | None = 0) -> None:
        """Show ``text`` cleaned, on one line, for ``timeout`` ms (0: until replaced)."""
        super().showMessage(display_text.line(text), timeout or 0)
