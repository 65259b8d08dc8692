"""The app's dialogs (PySide6 widgets); the ``async`` entry points await them without nested event loops."""

from vmconsole_gui.ui.dialogs.about_dialog import AboutDialog
from vmconsole_gui.ui.dialogs.certificate_dialog import (
    CertificateDialog,
    CertificateFields,
    CertificateKind,
    TrustDecision,
    ask_certificate_trust,
)
from vmconsole_gui.ui.dialogs.connections_dialog import ConnectionsDialog
from vmconsole_gui.ui.dialogs.no_client_dialog import NoClientChoice, NoClientDialog, show_no_client
from vmconsole_gui.ui.dialogs.password_dialog import MEMORY_ONLY_NOTICE, PasswordDialog, ask_password
from vmconsole_gui.ui.dialogs.profile_dialog import ProfileDialog
from vmconsole_gui.ui.dialogs.settings_dialog import SettingsDialog

__all__ = [
    "MEMORY_ONLY_NOTICE",
    "AboutDialog",
    "CertificateDialog",
    "CertificateFields",
    "CertificateKind",
    "ConnectionsDialog",
    "NoClientChoice",
    "NoClientDialog",
    "PasswordDialog",
    "ProfileDialog",
    "SettingsDialog",
    "TrustDecision",
    "ask_certificate_trust",
    "ask_password",
    "show_no_client",
]
