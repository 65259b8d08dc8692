"""Console-client detection on macOS (docs/vmrc-launch.md §2.3), through :class:`SystemProbes` only.

Order: VMware Remote Console (``/Applications``, ``~/Applications``, then Spotlight by bundle id), VMware Fusion
(same places), and last plain ``/usr/bin/open <url>`` (the default handler; a non-zero exit means none). A found
app is started with ``/usr/bin/open -b <bundle id> <url>``: Launch Services hands the URL over by Apple Event, so
it does not stay in a command line. A bundle whose ``Info.plist`` names a non-VMware id is ignored.
"""

from __future__ import annotations

import logging
import plistlib
import posixpath
from pathlib import Path

from .models import DISPLAY_NAMES, ConsoleClientKind, DetectedClient
from .probes import SystemProbes

log = logging.getLogger(__name__)

OPEN = "/usr/bin/open"
MAC_APPS: tuple[tuple[ConsoleClientKind, str, str], ...] = (
    (ConsoleClientKind.VMRC, "VMware Remote Console.app", "com.vmware.vmrc"),
    (ConsoleClientKind.FUSION, "VMware Fusion.app", "com.vmware.fusion"),
)


def _bundle_info(probes: SystemProbes, app: str) -> tuple[str | None, str | None]:
    """``(CFBundleIdentifier, CFBundleShortVersionString)`` from the bundle's Info.plist, ``None`` where unknown."""
    data = probes.read_bytes(posixpath.join(app, "Contents", "Info.plist"))
    if data is None:
        return None, None
    try:
        info = plistlib.loads(data)
    except (plistlib.InvalidFileException, ValueError, TypeError, KeyError, OverflowError):
        log.debug("unreadable Info.plist in %s", app)
        return None, None
    if not isinstance(info, dict):
        return None, None
    bundle_id, version = info.get("CFBundleIdentifier"), info.get("CFBundleShortVersionString")
    return (bundle_id if isinstance(bundle_id, str) else None, version if isinstance(version, str) else None)


def _app_client(
    probes: SystemProbes, app: str, kind: ConsoleClientKind, expected_id: str, source: str
) -> DetectedClient | None:
    if not probes.is_dir(app):
        return None
    bundle_id, version = _bundle_info(probes, app)
    if bundle_id is not None and bundle_id != expected_id:
        log.debug("%s has bundle id %s, not %s; ignored", app, bundle_id, expected_id)
        return None
    return DetectedClient(kind, Path(app), (OPEN, "-b", expected_id), DISPLAY_NAMES[kind], version, source)


def _spotlight(probes: SystemProbes, bundle_id: str) -> list[str]:
    answer = probes.run_query(["mdfind", f"kMDItemCFBundleIdentifier == '{bundle_id}'"])
    return [line.strip() for line in (answer or "").splitlines() if line.strip().endswith(".app")]


def detect_macos(probes: SystemProbes) -> list[DetectedClient]:
    """Every usable console client on this Mac, best first; the default-handler ``open`` is always last."""
    found: list[DetectedClient] = []
    user_apps = posixpath.join(probes.home(), "Applications")
    for kind, bundle_name, bundle_id in MAC_APPS:
        client = None
        for folder in ("/Applications", user_apps):
            client = _app_client(probes, posixpath.join(folder, bundle_name), kind, bundle_id, folder)
            if client is not None:
                break
        if client is None:
            for app in _spotlight(probes, bundle_id):
                client = _app_client(probes, app, kind, bundle_id, f"mdfind {bundle_id}")
                if client is not None:
                    break
        if client is not None:
            found.append(client)
    kind = ConsoleClientKind.OS_HANDLER
    found.append(DetectedClient(kind, None, (OPEN,), DISPLAY_NAMES[kind], None, "default handler (open)"))
    return found
