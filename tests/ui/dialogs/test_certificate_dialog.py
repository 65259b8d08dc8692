"""Certificate trust prompt: Cancel is the default, fingerprints are shown, a changed pin needs explicit consent."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase

from vmconsole_gui.services import esxi_trust
from vmconsole_gui.services.settings import Pin, PinKind, PinScope
from vmconsole_gui.ui.dialogs.certificate_dialog import (
    CertificateDialog,
    TrustDecision,
    ask_certificate_trust,
    grouped_fingerprint,
)
from vmconsole_gui.vsphere import tls

from .conftest import make_der

HOST, PORT = "vc01.example.com", 443


@pytest.fixture(scope="module")
def vcenter_cert():
    return tls.CertificateInfo.from_der(make_der(), HOST, PORT)


@pytest.fixture(scope="module")
def old_pin():
    return Pin.from_der(make_der(), PinKind.VCENTER, now=dt.datetime(2024, 3, 1, 9, 30, tzinfo=dt.UTC))


def _start(qloop, wait_window, certificate, **kwargs):
    kwargs.setdefault("kind", "vCenter")
    task = qloop.create_task(ask_certificate_trust(None, host=HOST, port=PORT, certificate=certificate, **kwargs))
    return task, wait_window(CertificateDialog, "certificate_dialog")


def test_enter_cancels_by_default(qtbot, qloop, wait_window, vcenter_cert):
    task, dialog = _start(qloop, wait_window, vcenter_cert)
    assert dialog.cancel_button.isDefault()
    assert dialog.focusWidget() in (None, dialog.cancel_button)
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(task.done, timeout=2000)
    assert task.result() is TrustDecision.CANCEL
    assert task.result().scope is None


def test_shows_the_certificate_and_explanation(qtbot, qloop, wait_window, vcenter_cert):
    task, dialog = _start(qloop, wait_window, vcenter_cert, reason="self-signed certificate")
    text = dialog.explanation.text()
    assert "The certificate of vc01.example.com:443 is not signed by an authority this computer trusts." in text
    assert "Compare the fingerprint with the one shown on the vCenter console before accepting." in text
    assert dialog.sha256_label.text() == grouped_fingerprint(vcenter_cert.sha256)
    assert dialog.sha256_label.text().replace("\n", ":") == vcenter_cert.sha256_display
    assert dialog.sha1_label.text().replace("\n", ":") == vcenter_cert.sha1_display
    flags = dialog.sha256_label.textInteractionFlags()
    assert flags & Qt.TextInteractionFlag.TextSelectableByMouse
    assert dialog.sha256_label.font().family() == QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).family()
    assert "expired" not in dialog.valid_until_label.text()
    assert [b.text() for b in dialog.buttons.buttons() if b.isVisible()].count("Trust &once") == 1
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(task.done, timeout=2000)
    assert task.result() is TrustDecision.CANCEL


@pytest.mark.parametrize(
    ("button", "expected", "scope"),
    [
        ("once_button", TrustDecision.ACCEPT_ONCE, PinScope.ONCE),
        ("always_button", TrustDecision.ACCEPT_ALWAYS, PinScope.ALWAYS),
    ],
)
def test_accept_buttons(qtbot, qloop, wait_window, vcenter_cert, button, expected, scope):
    task, dialog = _start(qloop, wait_window, vcenter_cert)
    qtbot.mouseClick(getattr(dialog, button), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(task.done, timeout=2000)
    assert task.result() is expected
    assert task.result().scope is scope


def test_esxi_certificate_info_is_accepted_and_expiry_highlighted(qtbot):
    now = dt.datetime.now(dt.UTC)
    der = make_der("esx01.example.com", not_before=now - dt.timedelta(days=400), not_after=now - dt.timedelta(days=2))
    info = esxi_trust.CertificateInfo.from_der(der, "esx01.example.com", 443)
    dialog = CertificateDialog(None, host="esx01.example.com", port=443, kind="ESXi host", certificate=info)
    qtbot.addWidget(dialog)
    assert "expired" in dialog.valid_until_label.text()
    assert dialog.valid_until_label.palette().color(
        dialog.valid_until_label.foregroundRole()
    ) != dialog.palette().color(dialog.foregroundRole())
    assert "not valid yet" not in dialog.valid_from_label.text()
    assert "ESXi host's console" in dialog.explanation.text()
    assert dialog.sha1_label.text().replace("\n", ":") == info.sha1_display


def test_not_yet_valid_is_highlighted(qtbot):
    now = dt.datetime.now(dt.UTC)
    der = make_der(not_before=now + dt.timedelta(days=3), not_after=now + dt.timedelta(days=300))
    dialog = CertificateDialog(
        None, host=HOST, port=PORT, kind="vCenter", certificate=tls.CertificateInfo.from_der(der, HOST, PORT)
    )
    qtbot.addWidget(dialog)
    assert dialog.valid_from_label.text().endswith("not valid yet")


def test_changed_certificate_offers_nothing_until_verified(qtbot, qloop, wait_window, vcenter_cert, old_pin):
    task, dialog = _start(qloop, wait_window, vcenter_cert, changed_from=old_pin)
    assert dialog.heading.text() == "The certificate has changed"
    assert dialog.heading.font().bold()
    assert dialog.once_button is None, "no trust-once for a changed certificate"
    assert dialog.always_button.text() == "&Replace the pinned certificate"
    assert not dialog.always_button.isEnabled()
    assert dialog.cancel_button.isDefault()
    assert dialog.old_sha256_label is not None
    assert dialog.old_sha256_label.text() == grouped_fingerprint(old_pin.sha256)
    assert dialog.sha256_label.text() == grouped_fingerprint(vcenter_cert.sha256)
    assert dialog.old_sha256_label.text() != dialog.sha256_label.text()
    assert "2024-03-01 09:30 UTC" in dialog.explanation.text()
    qtbot.mouseClick(dialog.always_button, Qt.MouseButton.LeftButton)
    qtbot.wait(50)
    assert not task.done(), "a disabled button must not accept"
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(task.done, timeout=2000)
    assert task.result() is TrustDecision.CANCEL


def test_changed_certificate_replaced_after_ticking(qtbot, qloop, wait_window, vcenter_cert, old_pin):
    task, dialog = _start(qloop, wait_window, vcenter_cert, changed_from=old_pin)
    dialog.verified_check.click()
    assert dialog.always_button.isEnabled()
    assert dialog.cancel_button.isDefault(), "ticking the box does not change the default"
    qtbot.mouseClick(dialog.always_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(task.done, timeout=2000)
    assert task.result() is TrustDecision.ACCEPT_ALWAYS


def test_buttons_and_fields_have_accessible_names(qtbot, vcenter_cert, old_pin):
    dialog = CertificateDialog(
        None, host=HOST, port=PORT, kind="vCenter", certificate=vcenter_cert, changed_from=old_pin
    )
    qtbot.addWidget(dialog)
    for widget in (dialog.always_button, dialog.cancel_button, dialog.verified_check, dialog.sha256_label):
        assert widget.accessibleName()
