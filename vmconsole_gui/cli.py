"""Headless commands: ``vmconsole-gui --list TARGET [--json] [--trust-fingerprint SHA256]`` (no window, no display).

``TARGET`` is a saved connection's name or an ad-hoc ``https://user@host[:port]``. The password comes from the
keyring (the saved connection's, or that of a saved connection with the same user, host and port), else from
``VMCONSOLE_GUI_PASSWORD``, else from a prompt when standard input is a terminal. The certificate rules are the app's:
the OS trust store, then the saved pins; an untrusted certificate is refused with its SHA-256 fingerprint printed,
unless ``--trust-fingerprint`` names exactly that fingerprint (for this run only — nothing is saved).

The inventory is read through vCenter's PropertyCollector (SOAP ``/sdk``, one paged pass); where ``/sdk`` is not
offered, through the REST listing (no guest OS, IP or folder then). Exit status as ``--connect``: 0 ok, 1 failure
(unreachable, untrusted, login refused), 2 usage error or unknown connection.
"""

from __future__ import annotations

import asyncio
import dataclasses
import getpass
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO
from urllib.parse import unquote, urlsplit

from vmconsole_gui.services.connect_target import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, TargetError, find_profile
from vmconsole_gui.services.connections.records import VmRecord, records_from_inventory
from vmconsole_gui.services.connections.soap_records import record_from_properties
from vmconsole_gui.services.display_text import escaped
from vmconsole_gui.services.settings.config_store import ConfigStore
from vmconsole_gui.services.settings.credentials import CredentialStore
from vmconsole_gui.services.settings.jsonfile import SettingsFileError
from vmconsole_gui.services.settings.model import DEFAULT_PORT, ConnectionProfile
from vmconsole_gui.services.settings.paths import AppPaths
from vmconsole_gui.services.settings.pins import PinStore
from vmconsole_gui.vsphere import CertificateUntrusted, PinMismatch, Secret, TrustSettings, VSphereError
from vmconsole_gui.vsphere.soap.client import SoapClient
from vmconsole_gui.vsphere.soap.faults import SoapUnavailable
from vmconsole_gui.vsphere.tls import normalize_fingerprint, pin_key

__all__ = ["PASSWORD_ENV", "ListedVm", "run_list"]

PASSWORD_ENV = "VMCONSOLE_GUI_PASSWORD"  # noqa: S105 - the variable's name, not a password
_COLUMNS = ("name", "power_state", "ip", "host", "cluster", "folder")


class _UsageError(Exception):
    """A bad target or option: printed, exit status 2."""


@dataclass(frozen=True, slots=True)
class ListedVm:
    """One line of ``--list``: the fields of ``--json``, in its order."""

    id: str
    name: str
    power_state: str
    guest_os: str
    ip: str
    host: str
    cluster: str
    folder: str
    vcenter: str


@dataclass(frozen=True, slots=True)
class _Target:
    host: str
    port: int
    username: str
    profile: ConnectionProfile | None


def _parse_target(text: str, profiles: Sequence[ConnectionProfile]) -> _Target:
    if text.startswith(("https://", "http://")):
        try:
            url = urlsplit(text)
            port = url.port or DEFAULT_PORT
        except ValueError as exc:
            raise _UsageError(f"{text!r} is not a valid address ({exc}).") from None
        if url.scheme != "https":
            raise _UsageError("vCenter is only reached over https://.")
        if not url.hostname or not url.username or url.password is not None or url.path not in ("", "/"):
            raise _UsageError(f"An ad-hoc target looks like https://user@host[:port]; got {text!r}.")
        username, host = unquote(url.username), url.hostname.lower()
        same = next((p for p in profiles if (p.host, p.port, p.username) == (host, port, username)), None)
        return _Target(host, port, username, same)
    found = find_profile(text, profiles)
    return _Target(found.host, found.port, found.username, found)


async def _password(target: _Target, credentials: CredentialStore, stdin: TextIO, err: TextIO) -> Secret | None:
    if target.profile is not None:
        saved = await credentials.get_password(target.profile)
        if saved is not None:
            return Secret(saved.reveal())
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return Secret(from_env)
    if stdin.isatty():
        typed = await asyncio.to_thread(getpass.getpass, f"Password for {target.username} on {target.host}: ", err)
        return Secret(typed) if typed else None
    return None


async def _read(target: _Target, trust: TrustSettings, password: Secret) -> tuple[list[ListedVm], str]:
    """The VMs, and which API read them (``"SOAP PropertyCollector"`` or ``"REST"``)."""
    records: list[VmRecord] | None = None
    soap = SoapClient(target.host, target.port, trust, target.username, password)
    try:
        await soap.connect()
        records = [record_from_properties(row, "", target.host) for row in await soap.vms()]
        via = "SOAP PropertyCollector"
    except SoapUnavailable:
        pass
    finally:
        await soap.aclose()
    if records is None:
        from vmconsole_gui.vsphere.client import VSphereClient  # the REST fallback: httpx only when needed

        async with VSphereClient(target.host, target.username, password, port=target.port, trust=trust) as rest:
            records = records_from_inventory(await rest.inventory(), "", target.host)
        via = "REST"
    return [
        ListedVm(r.vm_id, r.name, r.power_state, r.guest_os, r.ip_address, r.host, r.cluster, r.folder, r.vcenter)
        for r in records
    ], via


def _print_table(vms: Sequence[ListedVm], out: TextIO) -> None:
    header = ("NAME", "POWER", "IP", "HOST", "CLUSTER", "FOLDER")
    rows = [tuple(escaped(getattr(vm, c)) for c in _COLUMNS) for vm in vms]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    for row in (header, *rows):
        out.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() + "\n")


async def _list(
    target_text: str,
    *,
    as_json: bool,
    trust_fingerprint: str | None,
    paths: AppPaths,
    credentials: CredentialStore,
    stdin: TextIO,
    out: TextIO,
    err: TextIO,
) -> int:
    store = ConfigStore(paths.config_file)
    pins = PinStore(paths.pins_file)
    try:
        profiles = store.load().profiles
    except SettingsFileError as exc:
        err.write(f"vmconsole-gui: {exc}\n")
        profiles = ()
    try:
        pins.load()
    except SettingsFileError as exc:
        err.write(f"vmconsole-gui: {exc}\n")
    target = _parse_target(target_text, profiles)
    known = dict(pins.fingerprints)
    if trust_fingerprint is not None:
        try:
            fingerprint = normalize_fingerprint(trust_fingerprint)
        except ValueError:
            fingerprint = ""
        if len(fingerprint) != 64:
            raise _UsageError("--trust-fingerprint needs the certificate's SHA-256 fingerprint (64 hex digits).")
        known[pin_key(target.host, target.port)] = fingerprint
    trust = TrustSettings(pins=known)
    password = await _password(target, credentials, stdin, err)
    if password is None:
        err.write(
            f"vmconsole-gui: no password for {target.username} on {target.host}: none is saved in the keyring, "
            f"{PASSWORD_ENV} is not set and standard input is not a terminal.\n"
        )
        return EXIT_FAILURE
    try:
        vms, via = await _read(target, trust, password)
    except CertificateUntrusted as exc:
        sha256 = exc.certificate.sha256_display
        err.write(
            f"vmconsole-gui: {exc}\nNothing was sent. If this is the right fingerprint, run again with "
            f"--trust-fingerprint {sha256}\n"
        )
        return EXIT_FAILURE
    except PinMismatch as exc:
        err.write(f"vmconsole-gui: {exc}\n")
        return EXIT_FAILURE
    except VSphereError as exc:
        err.write(f"vmconsole-gui: {exc}\n")
        return EXIT_FAILURE
    vms.sort(key=lambda vm: (vm.name.casefold(), vm.id))
    if as_json:
        json.dump([dataclasses.asdict(vm) for vm in vms], out, indent=2)
        out.write("\n")
    else:
        _print_table(vms, out)
        err.write(f"{len(vms)} VMs on {target.host} (read through {via})\n")
    return EXIT_OK


def run_list(
    target: str,
    *,
    as_json: bool = False,
    trust_fingerprint: str | None = None,
    paths: AppPaths | None = None,
    credentials: CredentialStore | None = None,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Print the VMs of ``target`` and return the exit status (see the module docstring)."""
    err = err or sys.stderr
    try:
        return asyncio.run(
            _list(
                target,
                as_json=as_json,
                trust_fingerprint=trust_fingerprint,
                paths=paths or AppPaths.for_user(),
                credentials=credentials or CredentialStore(),
                stdin=stdin or sys.stdin,
                out=out or sys.stdout,
                err=err,
            )
        )
    except (_UsageError, TargetError) as exc:
        err.write(f"vmconsole-gui: {exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_FAILURE
