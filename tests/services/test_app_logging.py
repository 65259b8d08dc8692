"""The app's log: a rotating file in the log directory, and secrets masked before any handler sees them."""

from __future__ import annotations

import logging
import logging.handlers

import pytest

from vmconsole_gui.services.app_logging import RedactingFilter, configure_logging, redact

TICKET = "vmrc://clone:cst-VCT-52f3a1c4-7d2e-9b10-4c6a-8e5f0d1b2a3c--tp-3F-A2-91@vc.example.com:443/?moid=vm-1049"
WSS = "wss://esx01.example.com:443/ticket/9c0e4a7b21d35f68e0b4c2a19d7f3e56"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"launching {TICKET}", "cst-VCT-52f3a1c4"),
        (f"opening {WSS} now", "9c0e4a7b21d35f68e0b4c2a19d7f3e56"),
        ("headers {'vmware-api-session-id': 'b00db39f948d13ea1e59b4d6fce56389'}", "b00db39f948d13ea1e59b4d6fce56389"),
        ("Authorization: Basic YWRtaW5pc3RyYXRvcjpzZWNyZXQ=", "YWRtaW5pc3RyYXRvcjpzZWNyZXQ="),
    ],
)
def test_redact_masks_tickets_session_ids_and_credentials(text, secret):
    cleaned = redact(text)
    assert secret not in cleaned
    assert "***" in cleaned


def test_redact_leaves_ordinary_text_alone():
    text = "connected to vc01.example.com:443 as administrator@vsphere.local (300 VMs)"
    assert redact(text) == text


def test_log_file_is_created_rotating_and_redacted(tmp_path):
    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    try:
        path = configure_logging(debug=False, directory=tmp_path / "logs")
        assert (tmp_path / "logs").stat().st_mode & 0o777 == 0o700
        logging.getLogger("vmconsole_gui.test").info("opening %s", TICKET)
        for handler in root.handlers:
            handler.flush()
        content = path.read_text()
        assert "opening vmrc://clone:***@vc.example.com" in content
        assert "cst-VCT" not in content
        assert any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers)
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(level)


def test_filter_renders_arguments_once():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "url %s and %d", (WSS, 3), None)
    assert RedactingFilter().filter(record)
    assert record.getMessage() == "url wss://esx01.example.com:443/ticket/*** and 3"
