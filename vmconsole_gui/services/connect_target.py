"""``--connect <profile>/<vm name or id>``: parse the target and resolve it to a profile and a VM, with close matches.

Plain Python (no Qt). Profile names and VM names may themselves contain ``/``: the profile part is the longest
prefix (up to a ``/``) that names a saved profile, so ``Lab/DC 1/web-01`` finds the profile ``Lab/DC 1`` when one
exists. Names match exactly first, then ignoring case; a VM can also be given by its managed-object id (``vm-42``).
Every failure raises :class:`TargetError` with a sentence meant for the person who typed the command.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable, Sequence

from vmconsole_gui.services.connections.records import VmRecord
from vmconsole_gui.services.settings.model import ConnectionProfile

__all__ = [
    "EXIT_FAILURE",
    "EXIT_OK",
    "EXIT_USAGE",
    "ConsoleChoice",
    "TargetError",
    "check_target_syntax",
    "find_profile",
    "resolve_profile",
    "resolve_vm",
]

EXIT_OK = 0
EXIT_FAILURE = 1
"""Anything else went wrong: the vCenter could not be reached, its inventory did not arrive in time, …"""
EXIT_USAGE = 2
"""Bad command line, unknown profile or unknown VM (argparse uses 2 for usage errors too)."""

MAX_SUGGESTIONS = 5


class ConsoleChoice(enum.StrEnum):
    """The ``--console`` values."""

    VMRC = "vmrc"
    WEBMKS = "webmks"


class TargetError(Exception):
    """A ``--connect`` target is malformed or names no profile / VM; ``str()`` is the message, ``exit_code`` 2."""

    exit_code = EXIT_USAGE


def check_target_syntax(text: str) -> str:
    """Check the ``<profile>/<vm>`` shape (both parts non-empty) and return the text stripped of outer spaces."""
    target = text.strip()
    head, slash, _tail = target.partition("/")
    if not slash:
        raise TargetError(
            f"--connect needs <profile>/<vm name or id>, e.g. --connect 'Lab vCenter/web-01'; got {text!r} (no '/')."
        )
    if not head.strip() or not target.rpartition("/")[2].strip():
        raise TargetError(f"--connect needs a profile name before the '/' and a VM name or id after it; got {text!r}.")
    return target


def resolve_profile(target: str, profiles: Sequence[ConnectionProfile]) -> tuple[ConnectionProfile, str]:
    """Split ``target`` into (profile, VM part): the longest ``/``-prefix naming a profile wins.

    Exact names beat case-insensitive ones. Raises :class:`TargetError` with close matches when no profile fits.
    """
    target = check_target_syntax(target)
    cuts = [i for i, ch in enumerate(target) if ch == "/"]
    for exact in (True, False):
        for cut in reversed(cuts):
            head, rest = target[:cut].strip(), target[cut + 1 :].strip()
            if not rest:
                continue
            found = _profile_named(head, profiles, exact=exact)
            if found is not None:
                return found, rest
    raise _unknown_profile(target[: cuts[0]].strip(), profiles)


def find_profile(name: str, profiles: Sequence[ConnectionProfile]) -> ConnectionProfile:
    """The profile called ``name`` (exactly, else ignoring case); :class:`TargetError` with close matches if none."""
    wanted = name.strip()
    for exact in (True, False):
        found = _profile_named(wanted, profiles, exact=exact)
        if found is not None:
            return found
    raise _unknown_profile(wanted, profiles)


def _unknown_profile(wanted: str, profiles: Sequence[ConnectionProfile]) -> TargetError:
    names = [p.name for p in profiles]
    if not names:
        return TargetError(f"No connection named {wanted!r}: no connection is saved yet. Add one in the app first.")
    return TargetError(f"No connection named {wanted!r}." + _suggest(wanted, names, fallback_all=True))


def _profile_named(name: str, profiles: Iterable[ConnectionProfile], *, exact: bool) -> ConnectionProfile | None:
    key = name if exact else name.casefold()
    for profile in profiles:
        if (profile.name if exact else profile.name.casefold()) == key:
            return profile
    return None


def resolve_vm(wanted: str, records: Sequence[VmRecord], profile_name: str) -> VmRecord:
    """The VM named (or with the id) ``wanted`` among ``records`` of the profile ``profile_name``.

    Raises :class:`TargetError` when none matches (with close matches) or when several VMs share the name (listing
    their ids, which are unique).
    """
    wanted = wanted.strip()
    by_id = [r for r in records if r.vm_id == wanted]
    if by_id:
        return by_id[0]
    folded = wanted.casefold()
    for matches in ([r for r in records if r.name == wanted], [r for r in records if r.name.casefold() == folded]):
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            ids = ", ".join(sorted(r.vm_id for r in matches))
            raise TargetError(
                f"{len(matches)} VMs are named {wanted!r} on {profile_name!r} ({ids}); give the VM id instead, "
                f"e.g. --connect '{profile_name}/{matches[0].vm_id}'."
            )
    if not records:
        raise TargetError(f"No VM named {wanted!r} on {profile_name!r}: that vCenter lists no VMs.")
    names = sorted({r.name for r in records})
    raise TargetError(f"No VM named {wanted!r} on {profile_name!r}." + _suggest(wanted, names))


def _suggest(wanted: str, names: Sequence[str], *, fallback_all: bool = False) -> str:
    """`` Did you mean: a, b?`` from difflib (case-insensitive), or the list of names when few and none is close."""
    folded: dict[str, str] = {}
    for name in names:
        folded.setdefault(name.casefold(), name)
    close = difflib.get_close_matches(wanted.casefold(), list(folded), n=MAX_SUGGESTIONS, cutoff=0.6)
    if close:
        return " Did you mean: " + ", ".join(folded[c] for c in close) + "?"
    if fallback_all and len(names) <= 10:
        return " Known connections: " + ", ".join(sorted(names, key=str.casefold)) + "."
    return ""
