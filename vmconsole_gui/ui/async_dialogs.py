"""Await a dialog from a qasync coroutine without nesting event loops.

``QDialog.exec()`` (and ``QMessageBox.exec()``) spin a nested Qt event loop; inside a coroutine on qasync that loop
runs other asyncio tasks' steps while the current task is still executing, which breaks qasync. These helpers open
the dialog window-modally with :meth:`QDialog.open` and await its ``finished(int)`` signal through an asyncio Future.
If the dialog (or its parent) is destroyed first, the future resolves with ``Rejected``; if the awaiting task is
cancelled, the dialog is rejected and closed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Hashable, Sequence
from typing import Any, ParamSpec, TypeVar, cast

import qasync
import shiboken6
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from vmconsole_gui.services import display_text
from vmconsole_gui.ui.plain_text import plain_message_box

K = TypeVar("K", bound=Hashable)
P = ParamSpec("P")


def async_slot(
    *types: type,
) -> Callable[[Callable[P, Coroutine[Any, Any, None]]], Callable[P, asyncio.Task[None]]]:
    """``qasync.asyncSlot`` with types: calling the slot (or emitting a connected signal) starts a Task.

    Exceptions raised by the coroutine go to ``sys.excepthook``; cancellation is silent.
    """
    return cast(
        Callable[[Callable[P, Coroutine[Any, Any, None]]], Callable[P, "asyncio.Task[None]"]],
        qasync.asyncSlot(*types),
    )


_REJECTED = int(QDialog.DialogCode.Rejected.value)
_CHOICE_PROPERTY = "vmconsole_choice_index"
_ESCAPE_ORDER = (
    QMessageBox.StandardButton.Cancel,
    QMessageBox.StandardButton.No,
    QMessageBox.StandardButton.Abort,
    QMessageBox.StandardButton.Close,
    QMessageBox.StandardButton.Ignore,
)


async def run_dialog(dialog: QDialog) -> int:
    """Show ``dialog`` window-modally (``open()``) and return its result code once it finishes.

    Returns ``QDialog.DialogCode.Accepted``/``Rejected`` as an int (or the code passed to ``done()``); ``Rejected``
    when the dialog or its parent is destroyed before it finished. Cancelling the awaiting task rejects the dialog.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[int] = loop.create_future()

    def on_finished(result: int) -> None:
        if not future.done():
            future.set_result(int(result))

    def on_destroyed() -> None:
        if not future.done():
            future.set_result(_REJECTED)

    dialog.finished.connect(on_finished)
    dialog.destroyed.connect(on_destroyed)
    parent = dialog.parentWidget()
    if parent is not None:
        parent.destroyed.connect(on_destroyed)
    try:
        dialog.open()
        return await future
    except asyncio.CancelledError:
        if shiboken6.isValid(dialog) and dialog.isVisible():
            dialog.reject()
        raise
    finally:
        if shiboken6.isValid(dialog):
            dialog.finished.disconnect(on_finished)
            dialog.destroyed.disconnect(on_destroyed)
        if parent is not None and shiboken6.isValid(parent):
            parent.destroyed.disconnect(on_destroyed)


def _escape_equivalent(buttons: QMessageBox.StandardButton) -> QMessageBox.StandardButton:
    for candidate in _ESCAPE_ORDER:
        if buttons & candidate:
            return candidate
    return QMessageBox.StandardButton.NoButton


def _message_box(
    parent: QWidget | None,
    title: str,
    text: str,
    icon: QMessageBox.Icon,
    informative: str | None,
    details: str | None,
) -> QMessageBox:
    """A message box that shows every text literally: cleaned, bounded and as plain text.

    Titles and messages may quote a server's words, which must neither flood the box nor be read as HTML.
    """
    text = display_text.message(text)
    box = QMessageBox(parent)
    box.setIcon(icon)
    box.setWindowTitle(display_text.window_title(title))
    box.setText(text)
    box.setAccessibleName(display_text.line(title, display_text.LIMITS["title"]))
    box.setAccessibleDescription(text)
    if informative:
        box.setInformativeText(display_text.message(informative))
    if details:
        box.setDetailedText(display_text.message(details, limit=20000))
    return plain_message_box(box)


async def ask(
    parent: QWidget | None,
    title: str,
    text: str,
    buttons: QMessageBox.StandardButton,
    default: QMessageBox.StandardButton,
    icon: QMessageBox.Icon = QMessageBox.Icon.Question,
    *,
    informative: str | None = None,
    details: str | None = None,
) -> QMessageBox.StandardButton:
    """Ask a question with standard buttons and return the one pressed.

    When the box closes without a button (its parent was destroyed), the escape-like button among ``buttons``
    is returned (Cancel, No, Abort, Close, Ignore in that order), else ``NoButton``.
    """
    box = _message_box(parent, title, text, icon, informative, details)
    box.setStandardButtons(buttons)
    box.setDefaultButton(default)
    fallback = _escape_equivalent(buttons)
    try:
        await run_dialog(box)
        if not shiboken6.isValid(box):
            return fallback
        clicked = box.clickedButton()
        return box.standardButton(clicked) if clicked is not None else fallback
    finally:
        if shiboken6.isValid(box):
            box.deleteLater()


async def ask_choice(
    parent: QWidget | None,
    title: str,
    text: str,
    choices: Sequence[tuple[K, str]],
    default_key: K,
    cancel_key: K,
    *,
    icon: QMessageBox.Icon = QMessageBox.Icon.Warning,
    informative: str | None = None,
    details: str | None = None,
) -> K:
    """Offer custom action buttons (``(key, label)``, labels may carry ``&`` mnemonics) and return the chosen key.

    ``default_key`` is the button Enter presses; ``cancel_key`` the one Escape (and closing the window) presses,
    also returned when the box is destroyed before a choice. Both must be among ``choices``.
    """
    keys = [key for key, _label in choices]
    if default_key not in keys or cancel_key not in keys:
        raise ValueError("default_key and cancel_key must be keys of choices")
    box = _message_box(parent, title, text, icon, informative, details)
    for index, (key, label) in enumerate(choices):
        role = QMessageBox.ButtonRole.RejectRole if key == cancel_key else QMessageBox.ButtonRole.AcceptRole
        button = box.addButton(label, role)
        button.setAccessibleName(label.replace("&", ""))
        button.setProperty(_CHOICE_PROPERTY, index)
        if key == default_key:
            box.setDefaultButton(button)
        if key == cancel_key:
            box.setEscapeButton(button)
    try:
        await run_dialog(box)
        if not shiboken6.isValid(box):
            return cancel_key
        clicked = box.clickedButton()
        index = clicked.property(_CHOICE_PROPERTY) if clicked is not None else None
        return keys[index] if isinstance(index, int) else cancel_key
    finally:
        if shiboken6.isValid(box):
            box.deleteLater()
