"""Helpers for dialog tests: find a shown dialog, make real certificates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from PySide6.QtWidgets import QApplication, QWidget


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
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - dt.timedelta(days=1))
        .not_valid_after(not_after or now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.DER)
