"""The state page shown instead of the console picture: connecting, or why the console is not showing + actions.

virt-manager's console has explicit *connecting* / *unavailable* / *disconnected (reconnect)* pages (style-anchors
§8); this is ours. The headline says what happened, the detail says why, the buttons offer what can fix it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from vmconsole_gui.services import display_text
from vmconsole_gui.services.console_session import ConsoleState

HEADLINES = {
    ConsoleState.CONNECTING: "Connecting…",
    ConsoleState.CONNECTED: "Connected",
    ConsoleState.DISCONNECTED: "Disconnected",
    ConsoleState.POWERED_OFF: "The virtual machine is powered off",
    ConsoleState.TICKET_EXPIRED: "The console ticket was refused",
    ConsoleState.FAILED: "The console could not be opened",
}


class StatusOverlay(QWidget):
    """Headline, detail text, a busy bar while connecting, and Reconnect / Power on buttons.

    Signals:
        reconnect_requested(): the user pressed Reconnect.
        power_on_requested(): the user pressed Power on.
    """

    reconnect_requested = Signal()
    power_on_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("consoleStatus")
        self.headline = QLabel(self)
        self.headline.setObjectName("consoleStatusHeadline")
        self.headline.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.headline.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.headline.setFont(font)
        self.detail = QLabel(self)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)  # reasons quote hosts and the console page's messages
        self.detail.setObjectName("consoleStatusDetail")
        self.detail.setWordWrap(True)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setMaximumWidth(640)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumWidth(240)
        self.busy.setAccessibleName("Connecting")
        self.reconnect_button = QPushButton("&Reconnect", self)
        self.reconnect_button.setAccessibleName("Reconnect")
        self.reconnect_button.setToolTip("Get a new console ticket and connect again")
        self.reconnect_button.clicked.connect(self.reconnect_requested)
        self.power_button = QPushButton("&Power on", self)
        self.power_button.setAccessibleName("Power on")
        self.power_button.setToolTip("Power on the virtual machine, then connect")
        self.power_button.clicked.connect(self.power_on_requested)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.power_button)
        buttons.addWidget(self.reconnect_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.headline)
        layout.addWidget(self.detail, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.busy, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addLayout(buttons)
        layout.addStretch(2)

    def show_state(self, state: ConsoleState, reason: str, *, can_power_on: bool, alarming: bool = False) -> None:
        """Show ``state`` with ``reason`` (cleaned); offer Power on only for a powered-off VM with a power-on action."""
        reason = display_text.message(reason)
        self.headline.setText("Certificate mismatch — connection stopped" if alarming else HEADLINES[state])
        self.headline.setStyleSheet("color: #c62828;" if alarming else "")
        self.detail.setText(reason)
        self.busy.setVisible(state is ConsoleState.CONNECTING)
        self.reconnect_button.setVisible(state is not ConsoleState.CONNECTING)
        self.power_button.setVisible(state is ConsoleState.POWERED_OFF and can_power_on)
        self.power_button.setEnabled(True)
        self.setAccessibleDescription(f"{self.headline.text()}. {reason}")
