"""Saved vCenter connections: validation with messages for people, and a store persisted in ``config.json``."""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

from vmconsole_gui.services.settings.config_store import ConfigStore
from vmconsole_gui.services.settings.model import Config, ConnectionProfile

_JUST_THE_HOST = "Enter just the host name, e.g. vc01.example.com (no https://, path or spaces)."
_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_HOST_WITH_PORT = re.compile(r"^[^:]+:\d+$")


@dataclass(frozen=True, slots=True)
class ValidationIssue:
    """One problem with a profile: the field (``name``, ``host``, ``port``, ``username``) and what to do."""

    field: str
    message: str


class ProfileValidationError(ValueError):
    """A profile was refused; ``issues`` lists every problem and ``str(error)`` joins their messages."""

    def __init__(self, issues: Iterable[ValidationIssue]) -> None:
        self.issues = tuple(issues)
        super().__init__("\n".join(issue.message for issue in self.issues))


class ProfileNotFoundError(LookupError):
    """No profile has the given id."""


def normalise_host(text: str) -> tuple[str, str | None]:
    """Clean up a host as typed: returns ``(host, problem)``; ``problem`` is a message, or None when it is fine.

    Accepts DNS names (also internationalised), IPv4 and IPv6 (with or without brackets). The result is
    lower-case, without brackets or a trailing dot.
    """
    host = text.strip()
    if not host:
        return host, "Enter the vCenter host name, e.g. vc01.example.com."
    if "://" in host or any(ch in host for ch in "/\\?#@") or any(ch.isspace() for ch in host):
        return host, _JUST_THE_HOST
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        return ipaddress.ip_address(host).compressed, None
    except ValueError:
        pass
    if _HOST_WITH_PORT.match(host):
        return host, "Enter the port in the Port field, not after the host name."
    host = host.lower().removesuffix(".")
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return host, _JUST_THE_HOST
    if len(ascii_host) > 253 or not all(_LABEL.match(label) for label in ascii_host.split(".")):
        return host, _JUST_THE_HOST
    return host, None


def validate_profile(
    profile: ConnectionProfile, others: Iterable[ConnectionProfile]
) -> tuple[ConnectionProfile, tuple[ValidationIssue, ...]]:
    """Check ``profile`` against the ``others`` already saved; returns the cleaned-up profile and any issues."""
    issues: list[ValidationIssue] = []
    name = profile.name.strip()
    if not name:
        issues.append(ValidationIssue("name", "Enter a name for this connection."))
    elif any(o.name.strip().casefold() == name.casefold() for o in others if o.id != profile.id):
        issues.append(ValidationIssue("name", f"A connection named “{name}” already exists; choose another name."))
    host, host_problem = normalise_host(profile.host)
    if host_problem:
        issues.append(ValidationIssue("host", host_problem))
    port = profile.port
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        issues.append(ValidationIssue("port", "The port must be a number from 1 to 65535 (vCenter normally uses 443)."))
    username = profile.username.strip()
    if not username:
        issues.append(ValidationIssue("username", "Enter the user name, e.g. administrator@vsphere.local."))
    cleaned = dataclasses.replace(profile, name=name, host=host, username=username)
    return cleaned, tuple(issues)


class ProfileStore:
    """List, add, update and remove connection profiles; every change is saved to the :class:`ConfigStore`.

    The sync methods write on the calling thread (tests, CLI); the ``*_async`` ones write on a worker thread.
    Removing a profile does not delete its keyring password: call ``CredentialStore.delete_password`` too.
    """

    def __init__(self, config: ConfigStore) -> None:
        self._config = config

    def list(self) -> tuple[ConnectionProfile, ...]:
        """All profiles, in the order they were added."""
        return self._config.config.profiles

    def get(self, profile_id: str) -> ConnectionProfile:
        """The profile with this id; raises :class:`ProfileNotFoundError`."""
        for profile in self._config.config.profiles:
            if profile.id == profile_id:
                return profile
        raise ProfileNotFoundError(f"No saved connection has the id {profile_id!r}.")

    def check(self, profile: ConnectionProfile) -> tuple[ValidationIssue, ...]:
        """The issues that would stop :meth:`add`/:meth:`update` (for live feedback in an edit dialog)."""
        return validate_profile(profile, self.list())[1]

    def add(self, profile: ConnectionProfile) -> ConnectionProfile:
        """Validate and save a new profile; returns it cleaned up. Raises :class:`ProfileValidationError`."""
        new_config, cleaned = self._added(profile)
        self._config.commit(new_config)
        return cleaned

    async def add_async(self, profile: ConnectionProfile) -> ConnectionProfile:
        """:meth:`add`, writing the file on a worker thread."""
        new_config, cleaned = self._added(profile)
        await self._config.commit_async(new_config)
        return cleaned

    def update(self, profile: ConnectionProfile) -> ConnectionProfile:
        """Validate and save changes to the profile with the same id; returns it cleaned up."""
        new_config, cleaned = self._updated(profile)
        self._config.commit(new_config)
        return cleaned

    async def update_async(self, profile: ConnectionProfile) -> ConnectionProfile:
        """:meth:`update`, writing the file on a worker thread."""
        new_config, cleaned = self._updated(profile)
        await self._config.commit_async(new_config)
        return cleaned

    def remove(self, profile_id: str) -> ConnectionProfile:
        """Delete a profile (and its recent-VM entries); returns what was removed."""
        new_config, removed = self._removed(profile_id)
        self._config.commit(new_config)
        return removed

    async def remove_async(self, profile_id: str) -> ConnectionProfile:
        """:meth:`remove`, writing the file on a worker thread."""
        new_config, removed = self._removed(profile_id)
        await self._config.commit_async(new_config)
        return removed

    def _added(self, profile: ConnectionProfile) -> tuple[Config, ConnectionProfile]:
        current = self._config.config
        if any(p.id == profile.id for p in current.profiles):
            raise ValueError(f"A connection with the id {profile.id!r} already exists; use update() to change it.")
        cleaned, issues = validate_profile(profile, current.profiles)
        if issues:
            raise ProfileValidationError(issues)
        return dataclasses.replace(current, profiles=(*current.profiles, cleaned)), cleaned

    def _updated(self, profile: ConnectionProfile) -> tuple[Config, ConnectionProfile]:
        current = self._config.config
        self.get(profile.id)
        cleaned, issues = validate_profile(profile, current.profiles)
        if issues:
            raise ProfileValidationError(issues)
        profiles = tuple(cleaned if p.id == profile.id else p for p in current.profiles)
        return dataclasses.replace(current, profiles=profiles), cleaned

    def _removed(self, profile_id: str) -> tuple[Config, ConnectionProfile]:
        current = self._config.config
        removed = self.get(profile_id)
        profiles = tuple(p for p in current.profiles if p.id != profile_id)
        settings = current.settings.without_profile(profile_id)
        return dataclasses.replace(current, profiles=profiles, settings=settings), removed
