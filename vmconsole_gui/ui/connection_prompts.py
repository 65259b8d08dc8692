"""The dialogs a connection may need: trust a certificate (vCenter or ESXi), or enter a password.

One prompt at a time: several profiles that need the user queue behind each other instead of stacking dialogs.
"""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QWidget

from vmconsole_gui.services.connections import ConnectionManager
from vmconsole_gui.services.connections.records import ConnectionState, ConnectionStatus
from vmconsole_gui.services.console_session import ConsoleTrustRefused
from vmconsole_gui.services.esxi_trust import TrustStatus, probe_trust
from vmconsole_gui.services.settings import (
    CredentialStore,
    Pin,
    PinCheck,
    PinKind,
    PinScope,
    PinStore,
    ProfileNotFoundError,
    ProfileStore,
)
from vmconsole_gui.ui.dialogs.certificate_dialog import TrustDecision, ask_certificate_trust
from vmconsole_gui.ui.dialogs.password_dialog import ask_password

_SCOPES = {TrustDecision.ACCEPT_ONCE: PinScope.ONCE, TrustDecision.ACCEPT_ALWAYS: PinScope.ALWAYS}


class ConnectionPrompts:
    """Resolves connection states that need the user (certificate trust, password) with dialogs."""

    def __init__(
        self,
        parent: QWidget,
        manager: ConnectionManager,
        profiles: ProfileStore,
        pins: PinStore,
        credentials: CredentialStore,
    ) -> None:
        self._parent = parent
        self._manager = manager
        self._profiles = profiles
        self._pins = pins
        self._credentials = credentials
        self._lock = asyncio.Lock()
        self._busy: set[str] = set()

    def busy(self, profile_id: str) -> bool:
        """Whether a prompt for ``profile_id`` is open or queued."""
        return profile_id in self._busy

    async def resolve(self, profile_id: str, *, ask_password_first: bool = True) -> ConnectionState:
        """Answer NEEDS_TRUST / NEEDS_PASSWORD with dialogs until the profile connects, fails or the user cancels."""
        if profile_id in self._busy:
            return self._manager.state(profile_id)
        self._busy.add(profile_id)
        try:
            async with self._lock:
                return await self._resolve(profile_id, ask_password_first)
        finally:
            self._busy.discard(profile_id)

    async def _resolve(self, profile_id: str, ask_password_first: bool) -> ConnectionState:
        state = self._manager.state(profile_id)
        for _attempt in range(6):
            try:
                profile = self._profiles.get(profile_id)
            except ProfileNotFoundError:
                return state
            if state.status is ConnectionStatus.NEEDS_TRUST and state.certificate is not None:
                changed_from = self._pins.get(profile.host, profile.port) if state.pin_changed else None
                decision = await ask_certificate_trust(
                    self._parent,
                    host=profile.host,
                    port=profile.port,
                    kind="vCenter",
                    certificate=state.certificate,
                    changed_from=changed_from,
                    reason=state.message or None,
                )
                if decision is TrustDecision.CANCEL:
                    return state
                state = await self._manager.accept_certificate(profile_id, _SCOPES[decision])
            elif state.status is ConnectionStatus.NEEDS_PASSWORD and ask_password_first:
                answer = await ask_password(
                    self._parent,
                    profile_name=profile.name,
                    host=profile.host,
                    username=profile.username,
                    message=state.message,
                    keyring_available=self._credentials.keyring_available,
                )
                if answer is None:
                    return state
                password, remember = answer
                state = await self._manager.connect(profile_id, password=password, remember=remember)
            else:
                return state
        return state

    async def trust_esxi(self, host: str, port: int) -> bytes | None:
        """The ESXi leaf to pin for a WEBMKS connection, ``None`` when the OS trust store accepts the host.

        Raises :class:`ConsoleTrustRefused` when the user declines (the ticket is then never sent to the host).
        """
        probe = await probe_trust(host, port)
        if probe.status is TrustStatus.TRUSTED:
            return None
        cert = probe.certificate
        check = self._pins.check(host, port, cert.sha256)
        if check is PinCheck.MATCH:
            return cert.der
        async with self._lock:
            decision = await ask_certificate_trust(
                self._parent,
                host=host,
                port=port,
                kind="ESXi host",
                certificate=cert,
                changed_from=self._pins.get(host, port) if check is PinCheck.MISMATCH else None,
                reason=probe.error,
            )
        if decision is TrustDecision.CANCEL:
            raise ConsoleTrustRefused(f"The certificate of the ESXi host {host}:{port} was not trusted.")
        await self._pins.pin_async(host, port, Pin.from_der(cert.der, PinKind.ESXI), _SCOPES[decision])
        return cert.der
