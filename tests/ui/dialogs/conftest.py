"""Helpers for dialog tests: find a shown dialog, make real certificates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QApplication, QWidget

from tests.certs import self_signed


def shown_window(cls: type[QWidget], name: str | None = None) -> QWidget | None:
    """The visible top-level window of this class (and object name), if any."""
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, cls) and widget.isVisible() and (name is None or widget.objectName() == name):
            return widget
    return None


@pytest.fixture
def wait_window(qtbot) -> Callable[..., QWidget]:
    """Wait until a window of ``cls`` is shown and return it."""

    def wait(cls: type[QWidget], name: str | None = None, timeout: int = 3000) -> QWidget:
        qtbot.waitUntil(lambda: shown_window(cls, name) is not None, timeout=timeout)
        window = shown_window(cls, name)
        assert window is not None
        return window

    return wait


def make_der(
    common_name: str = "vc01.example.com",
    *,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> bytes:
    """A real self-signed certificate (DER) with the given validity."""
    return self_signed(common_name, not_before=not_before, not_after=not_after)[0]
