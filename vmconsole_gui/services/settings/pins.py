"""Certificate pins (trust on first use): SHA-256 of the DER leaf certificate per ``host:port``.

"Always" pins are saved in ``pins.json`` (schema-versioned, atomic, 0600); "accept once" pins live in memory for
this session only and take precedence over saved ones. :attr:`PinStore.fingerprints` is the live read-only
``Mapping["host:port", sha256]`` the vCenter client and the console relay take as their ``pins`` argument.
"""

from __future__ import annotations

import asyncio
import enum
import hashlib
import ipaddress
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

from cryptography import x509

from vmconsole_gui.services.settings.codec import SchemaError, from_json, to_json
from vmconsole_gui.services.settings.jsonfile import JsonObject, VersionedJsonFile
from vmconsole_gui.vsphere.tls import display_fingerprint

_HEX = re.compile(r"^[0-9a-f]+$")


class PinKind(enum.StrEnum):
    """Which kind of server the certificate belongs to."""

    VCENTER = "vcenter"
    ESXI = "esxi"


class PinCheck(enum.Enum):
    """Result of comparing a presented certificate with the pin for its ``host:port``."""

    MATCH = "match"
    MISMATCH = "mismatch"
    UNKNOWN = "unknown"


class PinScope(enum.Enum):
    """How long the user trusts a certificate: this session only, or from now on."""

    ONCE = "once"
    ALWAYS = "always"


def normalise_fingerprint(text: str, *, algorithm: str = "sha256") -> str:
    """A fingerprint as lower-case hex without separators; accepts ``AB:CD:…`` and spaces. Raises ValueError."""
    length = {"sha256": 64, "sha1": 40}[algorithm]
    value = re.sub(r"[\s:]", "", text).lower()
    if len(value) != length or not _HEX.match(value):
        raise ValueError(f"a {algorithm.upper()} fingerprint has {length} hex digits, got {text!r}")
    return value


def pin_key(host: str, port: int) -> str:
    """The ``host:port`` key: lower-case host, IPv6 in brackets, e.g. ``vc01.example.com:443``, ``[fe80::1]:443``."""
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ValueError(f"port must be 1..65535, got {port!r}")
    name = host.strip().lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    try:
        name = ipaddress.ip_address(name).compressed
    except ValueError:
        name = name.removesuffix(".")
    if not name or any(ch.isspace() or ch in "/[]" for ch in name):
        raise ValueError(f"not a host name: {host!r}")
    return f"[{name}]:{port}" if ":" in name else f"{name}:{port}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Pin:
    """A trusted leaf certificate.

    Attributes:
        sha256: SHA-256 of the DER certificate, lower-case hex (what is compared).
        sha1: SHA-1 of the DER certificate, lower-case hex (shown for parity with vSphere thumbprints).
        subject: the certificate subject (RFC 4514), for display.
        first_seen: ISO 8601 UTC time the user first trusted it.
        kind: vCenter or ESXi.

    """

    sha256: str
    sha1: str
    subject: str
    first_seen: str
    kind: PinKind

    def __post_init__(self) -> None:
        object.__setattr__(self, "sha256", normalise_fingerprint(self.sha256, algorithm="sha256"))
        object.__setattr__(self, "sha1", normalise_fingerprint(self.sha1, algorithm="sha1"))

    @classmethod
    def create(cls, *, sha256: str, sha1: str, subject: str, kind: PinKind, now: datetime | None = None) -> Pin:
        """A pin first seen now, from fingerprints already computed (e.g. the vSphere client's certificate info)."""
        stamp = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
        return cls(sha256=sha256, sha1=sha1, subject=subject, first_seen=stamp, kind=kind)

    @classmethod
    def from_der(cls, der: bytes, kind: PinKind, *, now: datetime | None = None) -> Pin:
        """Build a pin from a DER certificate (e.g. ``ssl_object.getpeercert(binary_form=True)``)."""
        certificate = x509.load_der_x509_certificate(der)
        return cls(
            sha256=hashlib.sha256(der).hexdigest(),
            sha1=hashlib.sha1(der, usedforsecurity=False).hexdigest(),
            subject=certificate.subject.rfc4514_string(),
            first_seen=(now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds"),
            kind=kind,
        )

    @property
    def sha1_thumbprint(self) -> str:
        """SHA-1 in vSphere's display format: upper-case, colon-separated."""
        return display_fingerprint(self.sha1)


class _FingerprintView(Mapping[str, str]):
    """Live, read-only ``"host:port" -> sha256`` over the session and saved pins (session wins)."""

    def __init__(self, session: Mapping[str, Pin], saved: Mapping[str, Pin]) -> None:
        self._session = session
        self._saved = saved

    def __getitem__(self, key: str) -> str:
        pin = self._session.get(key) or self._saved.get(key)
        if pin is None:
            raise KeyError(key)
        return pin.sha256

    def __iter__(self) -> Iterator[str]:
        yield from self._session
        yield from (key for key in self._saved if key not in self._session)

    def __len__(self) -> int:
        return len(self._session.keys() | self._saved.keys())

    def __repr__(self) -> str:
        return f"<pins {dict(self)!r}>"


class PinStore:
    """Saved and session-only certificate pins; see the module docstring."""

    SCHEMA_VERSION = 1

    def __init__(self, path: Path) -> None:
        self._file = VersionedJsonFile(path, schema_version=self.SCHEMA_VERSION, migrations={}, what="certificate pins")
        self._saved: dict[str, Pin] = {}
        self._session: dict[str, Pin] = {}
        self.fingerprints: Mapping[str, str] = _FingerprintView(self._session, self._saved)
        """Live read-only ``"host:port" -> sha256`` view for the HTTP client / relay ``pins`` argument."""

    @property
    def path(self) -> Path:
        """The pins file."""
        return self._file.path

    @property
    def saved(self) -> Mapping[str, Pin]:
        """The persisted pins by key (read-only), e.g. for a "trusted certificates" list."""
        return MappingProxyType(self._saved)

    def load(self) -> None:
        """Read ``pins.json``; on a damaged or newer file it raises ``SettingsFileError`` with no pins loaded."""
        self._saved.clear()
        loaded = self._file.read(_decode_pins)
        if loaded:
            self._saved.update(loaded)

    async def load_async(self) -> None:
        """:meth:`load` on a worker thread."""
        loaded = await asyncio.to_thread(self._file.read, _decode_pins)
        self._saved.clear()
        if loaded:
            self._saved.update(loaded)

    def get(self, host: str, port: int) -> Pin | None:
        """The pin for ``host:port`` (session pin first), or None."""
        key = pin_key(host, port)
        return self._session.get(key) or self._saved.get(key)

    def check(self, host: str, port: int, sha256: str) -> PinCheck:
        """Compare a presented certificate's SHA-256 (any hex format) with the pin for ``host:port``."""
        pin = self.get(host, port)
        if pin is None:
            return PinCheck.UNKNOWN
        return PinCheck.MATCH if pin.sha256 == normalise_fingerprint(sha256) else PinCheck.MISMATCH

    def pin(self, host: str, port: int, pin: Pin, scope: PinScope = PinScope.ALWAYS) -> None:
        """Trust ``pin`` for ``host:port``; ``ALWAYS`` saves it now, ``ONCE`` keeps it in memory only."""
        if self._apply_pin(host, port, pin, scope):
            self._file.write(self._document())

    async def pin_async(self, host: str, port: int, pin: Pin, scope: PinScope = PinScope.ALWAYS) -> None:
        """:meth:`pin`, writing the file on a worker thread."""
        if self._apply_pin(host, port, pin, scope):
            await self._file.write_async(self._document())

    def unpin(self, host: str, port: int) -> bool:
        """Forget session and saved pins for ``host:port``; returns whether there was one."""
        had_saved, had_any = self._apply_unpin(host, port)
        if had_saved:
            self._file.write(self._document())
        return had_any

    async def unpin_async(self, host: str, port: int) -> bool:
        """:meth:`unpin`, writing the file on a worker thread."""
        had_saved, had_any = self._apply_unpin(host, port)
        if had_saved:
            await self._file.write_async(self._document())
        return had_any

    def _apply_pin(self, host: str, port: int, pin: Pin, scope: PinScope) -> bool:
        key = pin_key(host, port)
        if scope is PinScope.ONCE:
            self._session[key] = pin
            return False
        self._session.pop(key, None)
        self._saved[key] = pin
        return True

    def _apply_unpin(self, host: str, port: int) -> tuple[bool, bool]:
        key = pin_key(host, port)
        had_session = self._session.pop(key, None) is not None
        had_saved = self._saved.pop(key, None) is not None
        return had_saved, had_saved or had_session

    def _document(self) -> JsonObject:
        return {"pins": {key: to_json(pin) for key, pin in sorted(self._saved.items())}}


def _decode_pins(document: JsonObject) -> dict[str, Pin]:
    raw = document.get("pins", {})
    if not isinstance(raw, dict):
        raise SchemaError('pins: expected an object of "host:port" entries')
    pins: dict[str, Pin] = {}
    for key, value in raw.items():
        host, _, port = str(key).rpartition(":")
        if not port.isdigit():
            raise SchemaError(f'pins: {key!r} is not a "host:port" key')
        pins[pin_key(host, int(port))] = from_json(Pin, value, f"pins[{key!r}]")
    return pins
