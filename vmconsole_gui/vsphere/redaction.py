"""Keeping secrets out of text: a ``Secret`` wrapper, a redaction function and a logging filter.

Passwords, session ids and console tickets are bearer credentials. They are held in :class:`Secret` (whose ``repr`` and
``str`` never show the value) and every text that could contain one — log records of httpx/httpcore, exception
messages built from URLs — goes through :func:`redact`.
"""

from __future__ import annotations

import logging
import re
from typing import Final

__all__ = ["REDACTED", "RedactingFilter", "Secret", "install_log_redaction", "redact"]

REDACTED: Final = "***"

_PATTERNS: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    # vmrc://clone:<clone-ticket>@host  (docs/vmrc-launch.md §3 rule 2)
    (re.compile(r"(clone:)[^@\s'\"]+", re.IGNORECASE), r"\1" + REDACTED),
    # wss://esx:443/ticket/<id>
    (re.compile(r"(/ticket/)[^\s'\"?#/]+", re.IGNORECASE), r"\1" + REDACTED),
    # header or cookie values: vmware-api-session-id: <id> / =<id> / b'vmware-api-session-id', b'<id>'
    (
        re.compile(r"(vmware-api-session-id['\"]?\s*(?:[:=]|,\s*b?['\"])\s*)[^'\"\s;,)]+", re.IGNORECASE),
        r"\1" + REDACTED,
    ),
    # Authorization: Basic <b64> (also the tuple form httpcore logs)
    (re.compile(r"(basic\s+)[A-Za-z0-9+/=]{4,}", re.IGNORECASE), r"\1" + REDACTED),
    # a cloned session ticket anywhere else
    (re.compile(r"cst-[A-Za-z0-9-]+"), "cst-" + REDACTED),
)


def redact(text: str) -> str:
    """Return ``text`` with console tickets, session ids and Basic credentials replaced by ``***``."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class Secret:
    """A string that never shows itself in ``repr``/``str``/formatting; call :meth:`reveal` to use it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("Secret holds a str")
        self._value = value

    def reveal(self) -> str:
        """Return the secret value (only to put it on the wire)."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r})"

    def __str__(self) -> str:
        return REDACTED

    def __format__(self, format_spec: str) -> str:
        return REDACTED

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret cannot be pickled")


class RedactingFilter(logging.Filter):
    """A logging filter that rewrites each record's message through :func:`redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the formatted message in place; never drops a record."""
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave the record to logging's own error path
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = ()
        return True


_HTTP_LOGGERS: Final = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.connection_pool",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "vmconsole_gui.vsphere",
)
_FILTER: Final = RedactingFilter()


def install_log_redaction() -> None:
    """Attach the redacting filter to the httpx/httpcore loggers (logger filters are not inherited, so each one).

    Idempotent. httpcore logs response headers at DEBUG; a ``Set-Cookie: vmware-api-session-id=…`` would otherwise
    reach any DEBUG handler.
    """
    for name in _HTTP_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
