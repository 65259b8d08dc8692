"""Logging for the WebMKS relay: its own logger plus filtered loggers for ``websockets``' wire traces.

``websockets`` logs request lines (``GET /ticket/<id>``, ``GET /<token>``) and frame dumps at DEBUG. Frame dumps of the
page → ESXi direction carry the user's keystrokes (a password typed into the guest), so they are dropped entirely; every
other record has console tickets and relay tokens masked before any handler sees it.
"""

from __future__ import annotations

import logging
import re

from websockets.frames import Frame

from vmconsole_gui.services.app_logging import redact

log = logging.getLogger("vmconsole_gui.services.relay")

TOKEN_PATTERN = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")
"""A relay path token: ``secrets.token_urlsafe(32)`` is 43 URL-safe characters."""


def redact_relay(text: str) -> str:
    """Mask ``/ticket/<id>`` paths, credentials (see :func:`~vmconsole_gui.services.app_logging.redact`) and tokens."""
    return TOKEN_PATTERN.sub("***", redact(text))


class WireLogFilter(logging.Filter):
    """Drop frame dumps and redact tickets and tokens in everything else ``websockets`` logs for the relay."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Return False for frame dumps; otherwise rewrite the rendered message with :func:`redact_relay`."""
        args = record.args if isinstance(record.args, tuple) else ()
        if any(isinstance(arg, Frame) for arg in args):
            return False
        message = record.getMessage()
        cleaned = redact_relay(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now, redacted, so no handler formats the raw exception text later.
            record.exc_text = redact_relay(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
            record.msg = f"{record.msg}\n{record.exc_text}"
            record.exc_text = None
        return True


def _wire_logger(name: str) -> logging.Logger:
    logger = logging.getLogger(name)
    if not any(isinstance(f, WireLogFilter) for f in logger.filters):
        logger.addFilter(WireLogFilter())
    return logger


page_wire_log = _wire_logger("vmconsole_gui.services.relay.wire.page")
"""Passed to ``websockets.asyncio.server.serve`` (the loopback side)."""
upstream_wire_log = _wire_logger("vmconsole_gui.services.relay.wire.esxi")
"""Passed to ``websockets.asyncio.client.connect`` (the ESXi side)."""
