"""The settings schema: connection profiles and app settings as frozen dataclasses with defaults.

A new field only needs a default here: files written before it existed load with that default, no migration.
Nothing in this schema may hold a password, session id or console ticket (see ``credentials.py`` for passwords).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

RECENT_VMS_LIMIT = 15
"""How many recently opened consoles :meth:`AppSettings.with_recent_vm` keeps (newest first)."""

DEFAULT_PORT = 443


class ConsoleType(StrEnum):
    """How a profile opens consoles by default."""

    WEBMKS = "WEBMKS"
    """The in-app HTML console (wss:// to the ESXi host)."""
    VMRC = "VMRC"
    """VMware Remote Console / Workstation / Fusion via a ``vmrc://`` ticket."""


def new_profile_id() -> str:
    """A fresh, stable profile id (a random UUID as text)."""
    return str(uuid.uuid4())


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionProfile:
    """One saved vCenter connection. The password is kept in the system keyring, never here.

    Attributes:
        id: stable identifier (UUID text); survives renames and edits.
        name: the user's label, unique among profiles (case-insensitive).
        host: host name or IP address only (no scheme, port or path); lower-case; IPv6 without brackets.
        port: HTTPS port of the vCenter.
        username: vCenter user, e.g. ``administrator@vsphere.local``.
        console_type: preferred console for this connection.
        favourite_vm_ids: managed-object ids (``vm-42``) the user starred on this vCenter.
        auto_connect: connect when the app starts.

    """

    id: str = field(default_factory=new_profile_id)
    name: str
    host: str
    port: int = DEFAULT_PORT
    username: str
    console_type: ConsoleType = ConsoleType.WEBMKS
    favourite_vm_ids: tuple[str, ...] = ()
    auto_connect: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class RecentVm:
    """A console the user opened recently."""

    profile_id: str
    vm_id: str
    name: str
    opened_at: str
    """ISO 8601 UTC timestamp."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AppSettings:
    """General, non-secret application settings.

    Attributes:
        auto_refresh_seconds: inventory auto-refresh interval; 0 turns it off.
        console_client_override: path of a VMRC/Workstation/Fusion binary to use instead of the detected one.
        close_to_tray_notice_shown: the "still running in the tray" notice was shown once.
        start_minimised: start hidden in the tray.
        recent_vms: recently opened consoles, newest first, at most :data:`RECENT_VMS_LIMIT`.
        ui_state: opaque UI blobs (window geometry, column layout) as base64 text, by key.

    """

    auto_refresh_seconds: int = 60
    console_client_override: str | None = None
    close_to_tray_notice_shown: bool = False
    start_minimised: bool = False
    recent_vms: tuple[RecentVm, ...] = ()
    ui_state: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.auto_refresh_seconds < 0:
            raise ValueError("the auto-refresh interval cannot be negative (use 0 to turn it off)")

    def with_recent_vm(self, profile_id: str, vm_id: str, name: str, when: datetime | None = None) -> AppSettings:
        """A copy with this VM moved to the front of :attr:`recent_vms` (no duplicates, capped)."""
        stamp = (when or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
        entry = RecentVm(profile_id=profile_id, vm_id=vm_id, name=name, opened_at=stamp)
        others = [r for r in self.recent_vms if (r.profile_id, r.vm_id) != (profile_id, vm_id)]
        return dataclasses.replace(self, recent_vms=(entry, *others)[:RECENT_VMS_LIMIT])

    def without_profile(self, profile_id: str) -> AppSettings:
        """A copy that forgets the recent VMs of a removed profile."""
        return dataclasses.replace(self, recent_vms=tuple(r for r in self.recent_vms if r.profile_id != profile_id))

    def ui_blob(self, key: str) -> bytes | None:
        """The UI state blob stored under ``key`` (e.g. ``QMainWindow.saveGeometry()`` bytes), if any and valid."""
        text = self.ui_state.get(key)
        if text is None:
            return None
        try:
            return base64.b64decode(text.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            return None

    def with_ui_blob(self, key: str, blob: bytes) -> AppSettings:
        """A copy with ``blob`` stored (base64) under ``key``."""
        return dataclasses.replace(self, ui_state={**self.ui_state, key: base64.b64encode(blob).decode("ascii")})


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """Everything in ``config.json`` besides its schema number."""

    profiles: tuple[ConnectionProfile, ...] = ()
    settings: AppSettings = field(default_factory=AppSettings)
