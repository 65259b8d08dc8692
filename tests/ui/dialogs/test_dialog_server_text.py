"""Server text in dialogs: the trust dialog escapes what the person must judge; the others are clean and plain."""

from __future__ import annotations

import keyring.backends.fail
import pytest
from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from tests.certs import self_signed
from vmconsole_gui.services.settings import ConfigStore, ConnectionProfile, CredentialStore, ProfileStore
from vmconsole_gui.ui.async_dialogs import ask
from vmconsole_gui.ui.dialogs.certificate_dialog import CertificateDialog
from vmconsole_gui.ui.dialogs.connections_dialog import ConnectionsDialog
from vmconsole_gui.ui.dialogs.password_dialog import PasswordDialog
from vmconsole_gui.vsphere import tls

RLO = "\u202e"
MESSAGE_MAX = 2000
HUGE = "<img src=x><b>Boom</b>" + RLO + "E" * 1_000_000


def labels(widget):
    return [label for label in widget.findChildren(QLabel) if label.text()]


def labelled(widget, name):
    """The label whose accessible name is ``name``."""
    found = [label for label in widget.findChildren(QLabel) if label.accessibleName() == name]
    assert len(found) == 1, name
    return found[0]


def shown_title(qtbot, window):
    """The title the window system gets (Qt drops the ``[*]`` placeholder there)."""
    window.show()
    qtbot.waitUntil(lambda: window.windowHandle() is not None, timeout=2000)
    return window.windowHandle().title()


@pytest.fixture(scope="module")
def hostile_certificate():
    names = ["x\x00y.lab", *(f"n{i:02}.lab" for i in range(24))]
    der, _key = self_signed("vc" + RLO + "evil.lab", dns_names=names)
    return tls.CertificateInfo.from_der(der, "esx" + RLO + "01.lab", 443)


def test_trust_dialog_shows_a_spoofing_host_name_escaped(qtbot, hostile_certificate):
    reason = f"Hostname mismatch, certificate is not valid for 'esx{RLO}01.lab'."
    dialog = CertificateDialog(
        None,
        host="esx" + RLO + "01.lab\x00",
        port=443,
        kind="ESXi host",
        certificate=hostile_certificate,
        reason=reason,
    )
    qtbot.addWidget(dialog)
    target = "esx\\u202e01.lab\\u0000:443"
    assert dialog.heading.text() == f"Do you trust the certificate of {target}?"
    assert shown_title(qtbot, dialog) == f"Certificate of {target}"
    assert target in dialog.explanation.text()
    assert labelled(dialog, "Reason").text() == (
        "Reason given by the TLS check: Hostname mismatch, certificate is not valid for 'esx\\u202e01.lab'."
    )
    assert labelled(dialog, "Subject").text() == "CN=vc\\u202eevil.lab"
    assert labelled(dialog, "Issuer").text() == "CN=vc\\u202eevil.lab"
    for label in labels(dialog):
        assert RLO not in label.text() and "\x00" not in label.text()
        assert label.textFormat() == Qt.TextFormat.PlainText, label.text()


def test_trust_dialog_lists_the_certificate_names_escaped_and_bounded(qtbot, hostile_certificate):
    dialog = CertificateDialog(None, host="esx01.lab", port=443, kind="ESXi host", certificate=hostile_certificate)
    qtbot.addWidget(dialog)
    names = labelled(dialog, "Names in the certificate").text().split("\n")
    assert names[0] == "x\\u0000y.lab"
    assert len(names) == 21 and names[-1] == "… and 5 more"


def test_trust_dialog_shows_markup_in_a_host_name_literally(qtbot, hostile_certificate):
    dialog = CertificateDialog(
        None, host="<b>vc</b>", port=443, kind="vCenter", certificate=hostile_certificate, reason="<i>x</i>"
    )
    qtbot.addWidget(dialog)
    assert dialog.heading.text() == "Do you trust the certificate of <b>vc</b>:443?"
    assert dialog.heading.textFormat() == Qt.TextFormat.PlainText


def test_password_dialog_reason_is_clean_bounded_and_plain(qtbot):
    dialog = PasswordDialog(
        None, profile_name="Lab & [*] <b>", host="vc<b>01", username="admin", message=HUGE, keyring_available=True
    )
    qtbot.addWidget(dialog)
    text = dialog.message_label.text()
    assert text.startswith("<img src=x><b>Boom</b>E") and len(text) <= MESSAGE_MAX
    assert shown_title(qtbot, dialog) == "Password for Lab & [*] <b>"
    for label in labels(dialog):
        if "vc<b>01" in label.text() or "Boom" in label.text():
            assert label.textFormat() == Qt.TextFormat.PlainText


def shown_box():
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()), None)


def test_message_boxes_are_plain_and_bounded(qtbot, qloop):
    task = qloop.create_task(
        ask(
            None,
            "Could not power on web [*]",
            HUGE,
            QMessageBox.StandardButton.Ok,
            QMessageBox.StandardButton.Ok,
            informative="<i>more</i>\x00" + RLO,
        )
    )
    qtbot.waitUntil(lambda: shown_box() is not None, timeout=3000)
    box = shown_box()
    assert box.text().startswith("<img src=x><b>Boom</b>E") and len(box.text()) <= MESSAGE_MAX
    assert box.textFormat() == Qt.TextFormat.PlainText
    informative = box.findChild(QLabel, "qt_msgbox_informativelabel")
    assert informative.text() == "<i>more</i> "
    assert informative.textFormat() == Qt.TextFormat.PlainText
    assert box.windowHandle().title() == "Could not power on web [*]"
    box.button(QMessageBox.StandardButton.Ok).click()
    qtbot.waitUntil(task.done, timeout=3000)


def test_connections_dialog_shows_state_messages_cleaned_and_literal(qtbot, tmp_path):
    profiles = ProfileStore(ConfigStore(tmp_path / "config.json"))
    profiles.add(ConnectionProfile(name="Prod", host="vc01.example.com", username="admin"))
    credentials = CredentialStore(backend=keyring.backends.fail.Keyring())
    dialog = ConnectionsDialog(None, profiles, credentials, states=lambda _pid: ("error", HUGE))
    qtbot.addWidget(dialog)
    dialog.show()
    detail = labelled(dialog, "Connection status").text()
    assert detail.startswith("error: <img src=x><b>Boom</b>E") and len(detail) <= MESSAGE_MAX
    item = dialog.tree.topLevelItem(0)
    tip = item.toolTip(3)
    assert QtGui.Qt.mightBeRichText(tip)
    document = QTextDocument()
    document.setHtml(tip)
    assert document.toPlainText().startswith("<img src=x><b>Boom</b>E")
    assert len(tip) < 3 * MESSAGE_MAX
