"""Application logging: a rotating log file in the platform's log directory, and secret redaction.

Every record passes through :class:`RedactingFilter`, so a console ticket, a session id or an ``Authorization``
header that slips into a message is masked before it reaches any handler.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

import platformdirs

APP_NAME = "vmconsole-gui"
LOG_FILE_NAME = "vmconsole-gui.log"

_REDACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(clone:)[^@\s'\"]+", re.IGNORECASE), r"\1***"),
    (re.compile(r"(/ticket/)[^\s'\"/?#]+"), r"\1***"),
    (re.compile(r"(vmware-api-session-id['\"]?\s*[:=]\s*['\"]?)[^\s'\",;}]+", re.IGNORECASE), r"\1***"),
    (re.compile(r"(authorization['\"]?\s*[:=]\s*['\"]?(?:basic|bearer|sign)\s+)[^\s'\",;}]+", re.IGNORECASE), r"\1***"),
)


def redact(text: str) -> str:
    """Mask console tickets, session ids and credentials in ``text``."""
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that rewrites each record's message with :func:`redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message once, redact it, and drop the arguments."""
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True


def log_dir() -> Path:
    """The per-user log directory (created on demand)."""
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def configure_logging(debug: bool = False, directory: Path | None = None) -> Path:
    """Log to a rotating file (1 MB x 5) and to stderr; return the log file's path."""
    directory = directory or log_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / LOG_FILE_NAME
    file_handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    stderr_handler = logging.StreamHandler()
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    redactor = RedactingFilter()
    for handler in (file_handler, stderr_handler):
        handler.setFormatter(formatter)
        handler.addFilter(redactor)
    stderr_handler.setLevel(logging.DEBUG if debug else logging.WARNING)
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    root.addHandler(file_handler)
    root.addHandler(stderr_handler)
    if not debug:
        # httpx logs every request line at INFO; keep the file readable unless debugging.
        for noisy in ("httpx", "httpcore", "aiohttp.access"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    return path
