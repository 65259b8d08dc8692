"""Connection passwords in the system keyring (Secret Service, macOS Keychain, Windows Credential Locker).

Entries use the service name ``vmconsole-gui`` and the keyring user name ``"<username>@<host>:<port> [<profile id>]"``
(see :func:`keyring_username`): unique per profile, readable in a keyring manager, and bound to the target, so
editing a profile's user, host or port never sends its old password elsewhere (the old entry is then orphaned;
call :meth:`CredentialStore.delete_password` with the profile as it was before the edit).

When no keyring is usable, the store switches to memory-only mode: passwords live in this process for this
session and are never written anywhere; :attr:`CredentialStore.keyring_available` turns False and
:meth:`CredentialStore.take_notice` hands the UI one message to show.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any, Protocol

import keyring
import keyring.backends.fail
import keyring.errors

from vmconsole_gui.services.settings.pins import pin_key

_log = logging.getLogger(__name__)

SERVICE_NAME = "vmconsole-gui"
_NOTICE = "No system keyring is available ({reason}); passwords will be asked once per session and kept in memory only."


class Secret:
    """A password that does not show itself: ``repr``/``str`` print stars; call :meth:`reveal` to use it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    @classmethod
    def of(cls, value: Secret | str) -> Secret:
        """Wrap a plain string; a :class:`Secret` is returned as is."""
        return value if isinstance(value, Secret) else cls(value)

    def reveal(self) -> str:
        """The actual password. Pass it straight to the code that needs it; never log or format it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __reduce__(self) -> str | tuple[Any, ...]:
        raise TypeError("a Secret cannot be pickled")


class CredentialTarget(Protocol):
    """What a password belongs to (a ``ConnectionProfile`` fits)."""

    @property
    def id(self) -> str:
        """Stable profile id."""
        ...

    @property
    def username(self) -> str:
        """The vCenter user name."""
        ...

    @property
    def host(self) -> str:
        """The vCenter host."""
        ...

    @property
    def port(self) -> int:
        """The vCenter port."""
        ...


def keyring_username(target: CredentialTarget) -> str:
    """The keyring "user name" for a profile, e.g. ``administrator@vsphere.local@vc01.example.com:443 [<id>]``."""
    return f"{target.username}@{pin_key(target.host, target.port)} [{target.id}]"


class CredentialStore:
    """Async access to profile passwords; keyring calls (D-Bus, possibly slow) run on worker threads.

    Args:
        service: keyring service name.
        backend: a specific keyring backend; by default the one ``keyring.get_keyring()`` selects at call time.

    """

    def __init__(self, *, service: str = SERVICE_NAME, backend: Any = None) -> None:
        self._service = service
        self._backend_override = backend
        self._memory: dict[str, Secret] = {}
        self._lock = threading.Lock()
        self._unavailable_reason: str | None = None
        self._notice_taken = False

    @property
    def keyring_available(self) -> bool:
        """False once the store has found no usable keyring and is keeping passwords in memory only."""
        return self._unavailable_reason is None

    @property
    def unavailable_message(self) -> str | None:
        """Why passwords are memory-only, as a sentence for the user; None while the keyring works."""
        if self._unavailable_reason is None:
            return None
        return _NOTICE.format(reason=self._unavailable_reason)

    def take_notice(self) -> str | None:
        """:attr:`unavailable_message` the first time it exists, then None: for a show-once UI notice."""
        message = self.unavailable_message
        if message is None or self._notice_taken:
            return None
        self._notice_taken = True
        return message

    def backend_name(self) -> str:
        """The keyring backend in use, e.g. ``keyring.backends.SecretService.Keyring`` (for diagnostics)."""
        backend = self._backend()
        return f"{type(backend).__module__}.{type(backend).__qualname__}"

    async def probe(self) -> bool:
        """Find out up front whether a keyring backend exists (without touching any item); returns availability."""
        if self.keyring_available:
            backend = await asyncio.to_thread(self._backend)
            if isinstance(backend, keyring.backends.fail.Keyring):
                self._fall_back("no keyring backend was found")
        return self.keyring_available

    async def get_password(self, target: CredentialTarget) -> Secret | None:
        """The saved password for ``target``, or None if there is none."""
        key = keyring_username(target)
        with self._lock:
            remembered = self._memory.get(key)
        if remembered is not None or not await self.probe():
            return remembered
        try:
            value = await asyncio.to_thread(self._backend().get_password, self._service, key)
        except keyring.errors.KeyringError as exc:
            self._fall_back(_describe(exc))
            return None
        return None if value is None else Secret(value)

    async def set_password(self, target: CredentialTarget, password: Secret | str, *, persist: bool = True) -> bool:
        """Remember ``password`` for ``target``.

        With ``persist`` (the default) it goes to the keyring; without it, or when the keyring fails, it is kept
        in memory for this session only.

        Returns:
            True if it was saved in the keyring, False if it is kept in memory only.

        """
        key = keyring_username(target)
        secret = Secret.of(password)
        if persist and await self.probe():
            try:
                await asyncio.to_thread(self._backend().set_password, self._service, key, secret.reveal())
            except keyring.errors.KeyringError as exc:
                self._fall_back(_describe(exc))
            else:
                with self._lock:
                    self._memory.pop(key, None)
                return True
        with self._lock:
            self._memory[key] = secret
        return False

    async def delete_password(self, target: CredentialTarget) -> None:
        """Forget the password for ``target`` in memory and in the keyring; no error if there was none."""
        key = keyring_username(target)
        with self._lock:
            self._memory.pop(key, None)
        if not await self.probe():
            return
        try:
            await asyncio.to_thread(self._backend().delete_password, self._service, key)
        except keyring.errors.PasswordDeleteError:
            pass  # nothing saved for this profile
        except keyring.errors.KeyringError as exc:
            self._fall_back(_describe(exc))

    def _backend(self) -> Any:
        return self._backend_override if self._backend_override is not None else keyring.get_keyring()

    def _fall_back(self, reason: str) -> None:
        if self._unavailable_reason is None:
            self._unavailable_reason = reason
            _log.warning("system keyring unusable (%s); keeping passwords in memory for this session", reason)


def _describe(exc: keyring.errors.KeyringError) -> str:
    detail = str(exc).strip()
    if len(detail) > 160:
        detail = detail[:157] + "..."
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
