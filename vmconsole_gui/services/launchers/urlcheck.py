"""Defensive checks on a ``vmrc://`` console URL before it is handed to another program, and its redaction.

The ticket service validates the URL against the vCenter it talked to (host match, docs/vmrc-launch.md §1.1); this
module repeats the checks that keep the launch itself safe, so the launcher can never start a client with a
non-``vmrc`` URL or with characters that could split or extend a command line.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from vmconsole_gui.services.app_logging import redact

from .models import InvalidConsoleUrl

MAX_URL_LENGTH = 2048
_FORBIDDEN_QUOTES = frozenset("\"'")


def validate_console_url(url: object) -> str:
    """Return ``url`` unchanged if it is a safe ``vmrc://`` console URL; raise :class:`InvalidConsoleUrl` if not.

    Rules: a ``str`` shorter than 2 KB, only printable ASCII without spaces or quotes (no control characters, no
    CR/LF, no non-ASCII), scheme ``vmrc``, a host, and a ``moid=`` in the query. The error text never quotes the URL.
    """
    if not isinstance(url, str):
        raise InvalidConsoleUrl(f"The console link must be text, not {type(url).__name__}.")
    if not url:
        raise InvalidConsoleUrl("The console link is empty.")
    if len(url) >= MAX_URL_LENGTH:
        raise InvalidConsoleUrl(f"The console link is too long ({len(url)} characters; the limit is {MAX_URL_LENGTH}).")
    for position, char in enumerate(url):
        code = ord(char)
        if code < 0x21 or code > 0x7E:
            what = "a space" if char == " " else f"the character U+{code:04X}"
            raise InvalidConsoleUrl(f"The console link contains {what} at position {position}; refusing to launch.")
        if char in _FORBIDDEN_QUOTES:
            raise InvalidConsoleUrl(f"The console link contains a quote at position {position}; refusing to launch.")
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError as exc:  # e.g. an unbalanced "[" in the host
        raise InvalidConsoleUrl(f"The console link is not a well-formed URL ({exc.__class__.__name__}).") from None
    if parts.scheme != "vmrc":
        shown = parts.scheme if parts.scheme.isalnum() and len(parts.scheme) <= 16 else "?"
        raise InvalidConsoleUrl(f"The console link must start with vmrc://, not {shown}://; refusing to launch.")
    if not parts.netloc or not hostname:
        raise InvalidConsoleUrl("The console link names no server (expected vmrc://…@host/?moid=…).")
    if "moid=" not in parts.query:
        raise InvalidConsoleUrl("The console link names no virtual machine (no moid= in its query).")
    return url


def redact_url(text: str) -> str:
    """Mask console tickets (``clone:<ticket>@`` → ``clone:***@``, ``/ticket/<id>``) anywhere in ``text``."""
    return redact(text)


def redact_argv(argv: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The argv with every element passed through :func:`redact_url`, fit to log or keep in an outcome."""
    return tuple(redact_url(arg) for arg in argv)
