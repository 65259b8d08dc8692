r"""Trust-on-first-use prompt for a vCenter or ESXi certificate, and the louder variant when a pinned one changed.

Everything the person must judge (the host name, the certificate's subject, issuer and names, the TLS check's reason
that quotes the host) is shown *escaped* (:func:`~vmconsole_gui.services.display_text.escaped`): a bidi override or
control character appears as ``\u202e`` instead of silently reordering or hiding text. All labels are plain text.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Literal, Protocol, runtime_checkable

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from vmconsole_gui.services import display_text
from vmconsole_gui.services.settings import Pin, PinScope
from vmconsole_gui.ui.async_dialogs import run_dialog
from vmconsole_gui.ui.dialogs._common import bold, monospace_font, paint_warning, wrapped_label
from vmconsole_gui.ui.plain_text import plain_label

CertificateKind = Literal["vCenter", "ESXi host"]


class CertificateFields(Protocol):
    """What the dialog shows of a certificate (``vsphere.tls.CertificateInfo`` fits, for vCenter and ESXi hosts).

    Validity comes from ``not_valid_before``/``not_valid_after`` when present; see :func:`validity`. The names the
    certificate is valid for come from ``subject_alt_names`` when present; see :func:`alt_names`.
    """

    @property
    def subject(self) -> str:
        """Subject name (RFC 4514)."""
        ...

    @property
    def issuer(self) -> str:
        """Issuer name (RFC 4514)."""
        ...

    @property
    def sha256(self) -> str:
        """SHA-256 of the DER certificate, hex."""
        ...

    @property
    def sha1(self) -> str:
        """SHA-1 of the DER certificate, hex."""
        ...


@runtime_checkable
class _ClientValidity(Protocol):
    @property
    def not_valid_before(self) -> dt.datetime: ...

    @property
    def not_valid_after(self) -> dt.datetime: ...


class TrustDecision(enum.Enum):
    """What the user chose in the certificate dialog."""

    ACCEPT_ONCE = "once"
    ACCEPT_ALWAYS = "always"
    CANCEL = "cancel"

    @property
    def scope(self) -> PinScope | None:
        """The :class:`PinScope` to pin with, or None for CANCEL."""
        return {"once": PinScope.ONCE, "always": PinScope.ALWAYS}.get(self.value)


def validity(certificate: CertificateFields) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``(valid from, valid until)`` of the certificate (None when it carries no dates)."""
    if isinstance(certificate, _ClientValidity):
        return certificate.not_valid_before, certificate.not_valid_after
    return None, None


MAX_ALT_NAMES = 20
"""Subject alternative names listed at most (a certificate may carry thousands)."""


def alt_names(certificate: CertificateFields) -> tuple[str, ...]:
    """The certificate's subject alternative names (DNS names and addresses), empty when it has none."""
    names = getattr(certificate, "subject_alt_names", ())
    return tuple(str(n) for n in names) if isinstance(names, (tuple, list)) else ()


def _identity(text: str) -> str:
    return display_text.escaped(text, display_text.LIMITS["identity"])


def grouped_fingerprint(hex_digest: str, per_line: int = 16) -> str:
    """``AB:CD:…`` upper-case, ``per_line`` bytes per line (SHA-256 on two lines, SHA-1 on two)."""
    digits = "".join(ch for ch in hex_digest if ch.isalnum()).upper()
    pairs = [digits[i : i + 2] for i in range(0, len(digits), 2)]
    return "\n".join(":".join(pairs[i : i + per_line]) for i in range(0, len(pairs), per_line))


def _format_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _format_first_seen(text: str) -> str:
    try:
        return _format_time(dt.datetime.fromisoformat(text))
    except ValueError:
        return text


class CertificateDialog(QDialog):
    """Show a certificate and let the user trust it once, always, or cancel (the default).

    With ``changed_from`` (the pin that no longer matches) the dialog warns loudly, shows the old and the new
    fingerprint, and offers only "Replace the pinned certificate" once the verification box is ticked.
    The choice is :meth:`decision` after the dialog finished.
    """

    def __init__(
        self,
        parent: QWidget | None,
        *,
        host: str,
        port: int,
        kind: CertificateKind,
        certificate: CertificateFields,
        changed_from: Pin | None = None,
        reason: str | None = None,
        now: dt.datetime | None = None,
    ) -> None:
        super().__init__(parent)
        self._decision = TrustDecision.CANCEL
        self._changed = changed_from is not None
        self._now = now or dt.datetime.now(dt.UTC)
        target = f"{display_text.escaped(host, display_text.LIMITS['host'])}:{port}"
        self.target_text = target
        """``host:port`` as the dialog shows it (escaped)."""
        self.setWindowTitle(display_text.window_title(f"Certificate of {target}"))
        self.setAccessibleName(f"Certificate of {target}")
        self.setSizeGripEnabled(True)
        self.setMinimumWidth(560)

        layout = QVBoxLayout(self)
        layout.addLayout(self._header(target, kind, changed_from, reason))
        layout.addLayout(self._details(certificate, changed_from))

        self.verified_check = QCheckBox("I have &verified the new certificate with my administrator")
        self.verified_check.setAccessibleName("I have verified the new certificate with my administrator")
        self.verified_check.setVisible(self._changed)
        layout.addWidget(self.verified_check)
        layout.addStretch(1)

        self.buttons = QDialogButtonBox()
        self.once_button: QPushButton | None = None
        if self._changed:
            self.always_button = self._add_button("&Replace the pinned certificate", TrustDecision.ACCEPT_ALWAYS)
            self.always_button.setEnabled(False)
            self.verified_check.toggled.connect(self.always_button.setEnabled)
        else:
            self.once_button = self._add_button("Trust &once", TrustDecision.ACCEPT_ONCE)
            self.always_button = self._add_button("&Always trust", TrustDecision.ACCEPT_ALWAYS)
        self.cancel_button = self.buttons.addButton("&Cancel", QDialogButtonBox.ButtonRole.RejectRole)
        self.cancel_button.setAccessibleName("Cancel: do not connect")
        self.cancel_button.setDefault(True)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def showEvent(self, event: QShowEvent) -> None:
        """Start with the keyboard focus on the default button (so Enter presses it)."""
        super().showEvent(event)
        self.cancel_button.setFocus()

    def _add_button(self, text: str, decision: TrustDecision) -> QPushButton:
        button = self.buttons.addButton(text, QDialogButtonBox.ButtonRole.AcceptRole)
        button.setAccessibleName(text.replace("&", ""))
        button.setAutoDefault(False)
        button.clicked.connect(lambda: self._choose(decision))
        return button

    def _header(self, target: str, kind: CertificateKind, old: Pin | None, reason: str | None) -> QHBoxLayout:
        row = QHBoxLayout()
        icon_kind = QStyle.StandardPixmap.SP_MessageBoxWarning
        icon = QLabel()
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_MessageBoxIconSize)
        icon.setPixmap(self.style().standardIcon(icon_kind).pixmap(size, size))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        icon.setAccessibleName("Warning")
        row.addWidget(icon)
        text_box = QVBoxLayout()
        where = "the vCenter console" if kind == "vCenter" else "the ESXi host's console or in the vSphere Client"
        if old is not None:
            self.heading = plain_label(QLabel("The certificate has changed"))
            self.heading.setFont(bold(self.font(), 1.3))
            paint_warning(self.heading)
            explanation = (
                f"The {kind} {target} now presents a different certificate from the one you trusted on "
                f"{_format_first_seen(old.first_seen)}. This happens when the certificate was renewed, but it can "
                "also mean someone is intercepting the connection. Do not continue unless your administrator "
                f"confirms the new fingerprint (compare it with the one shown on {where})."
            )
        else:
            self.heading = plain_label(QLabel(f"Do you trust the certificate of {target}?"))
            self.heading.setFont(bold(self.font(), 1.15))
            explanation = (
                f"The certificate of {target} is not signed by an authority this computer trusts. "
                f"Compare the fingerprint with the one shown on {where} before accepting."
            )
        self.heading.setAccessibleName(self.heading.text())
        self.heading.setWordWrap(True)
        self.explanation = wrapped_label(explanation, selectable=True, name="Explanation")
        text_box.addWidget(self.heading)
        text_box.addWidget(self.explanation)
        self.reason_label: QLabel | None = None
        if reason:
            self.reason_label = wrapped_label(
                f"Reason given by the TLS check: {_identity(reason)}", selectable=True, name="Reason"
            )
            text_box.addWidget(self.reason_label)
        row.addLayout(text_box, 1)
        return row

    def _details(self, certificate: CertificateFields, old: Pin | None) -> QGridLayout:
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        rows: list[tuple[str, QLabel]] = []
        self.subject_label = wrapped_label(_identity(certificate.subject), selectable=True, name="Subject")
        self.issuer_label = wrapped_label(_identity(certificate.issuer), selectable=True, name="Issuer")
        rows.append(("Subject:", self.subject_label))
        rows.append(("Issued by:", self.issuer_label))
        self.names_label: QLabel | None = None
        if names := alt_names(certificate):
            shown = display_text.bounded_list(names, _identity, at_most=MAX_ALT_NAMES)
            self.names_label = wrapped_label("\n".join(shown), selectable=True, name="Names in the certificate")
            rows.append(("Valid for:", self.names_label))
        start, end = validity(certificate)
        self.valid_from_label = wrapped_label(name="Valid from")
        self.valid_until_label = wrapped_label(name="Valid until")
        if start is not None and end is not None:
            self._fill_validity(start, end)
        rows.append(("Valid from:", self.valid_from_label))
        rows.append(("Valid until:", self.valid_until_label))
        new_prefix = "New " if old is not None else ""
        self.sha256_label = self._fingerprint(certificate.sha256, f"{new_prefix}SHA-256 fingerprint")
        self.sha1_label = self._fingerprint(certificate.sha1, f"{new_prefix}SHA-1 fingerprint")
        rows.append((f"{new_prefix}SHA-256:", self.sha256_label))
        rows.append((f"{new_prefix}SHA-1:", self.sha1_label))
        self.old_sha256_label: QLabel | None = None
        if old is not None:
            self.old_sha256_label = self._fingerprint(old.sha256, "Previously trusted SHA-256 fingerprint")
            rows.append(("Previously trusted SHA-256:", self.old_sha256_label))
            first_seen = wrapped_label(_format_first_seen(old.first_seen), selectable=True, name="First trusted on")
            rows.append(("First trusted on:", first_seen))
        for index, (caption, value) in enumerate(rows):
            label = plain_label(QLabel(caption))
            label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight)
            grid.addWidget(label, index, 0)
            grid.addWidget(value, index, 1)
        return grid

    def _fill_validity(self, start: dt.datetime, end: dt.datetime) -> None:
        self.valid_from_label.setText(_format_time(start))
        self.valid_until_label.setText(_format_time(end))
        if self._now < start:
            self.valid_from_label.setText(f"{_format_time(start)} — not valid yet")
            paint_warning(self.valid_from_label)
            self.valid_from_label.setFont(bold(self.font()))
        if self._now > end:
            self.valid_until_label.setText(f"{_format_time(end)} — expired")
            paint_warning(self.valid_until_label)
            self.valid_until_label.setFont(bold(self.font()))

    @staticmethod
    def _fingerprint(hex_digest: str, name: str) -> QLabel:
        label = wrapped_label(grouped_fingerprint(hex_digest), selectable=True, name=name)
        label.setWordWrap(False)
        label.setFont(monospace_font())
        label.setAccessibleDescription(grouped_fingerprint(hex_digest, per_line=64))
        return label

    def _choose(self, decision: TrustDecision) -> None:
        if self._changed and not self.verified_check.isChecked():
            return
        self._decision = decision
        self.accept()

    def decision(self) -> TrustDecision:
        """The user's choice (CANCEL until an accept button was pressed)."""
        return self._decision if self.result() == QDialog.DialogCode.Accepted else TrustDecision.CANCEL


async def ask_certificate_trust(
    parent: QWidget | None,
    *,
    host: str,
    port: int,
    kind: CertificateKind,
    certificate: CertificateFields,
    changed_from: Pin | None = None,
    reason: str | None = None,
) -> TrustDecision:
    """Show :class:`CertificateDialog` window-modally and return the decision (CANCEL if closed or destroyed)."""
    dialog = CertificateDialog(
        parent, host=host, port=port, kind=kind, certificate=certificate, changed_from=changed_from, reason=reason
    )
    dialog.setObjectName("certificate_dialog")
    try:
        await run_dialog(dialog)
        return dialog.decision() if shiboken6.isValid(dialog) else TrustDecision.CANCEL
    finally:
        if shiboken6.isValid(dialog):
            dialog.deleteLater()
