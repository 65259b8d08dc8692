"""Validation and redaction of vmrc:// console URLs before launch."""

from __future__ import annotations

import pytest

from vmconsole_gui.services.launchers import InvalidConsoleUrl, redact_url, validate_console_url

TICKET = "cst-VCT-52e1c0a3-7c55-4b8e-9f1e-2c3d4e5f6a7b--tp-9F-2B-11-C4-7E-AA-03-5D-88-19-60-BE-42-0C-D7-E3-5A-71-B6-08"


@pytest.mark.parametrize(
    "url",
    [
        f"vmrc://clone:{TICKET}@vc01.lab.example:443/?moid=vm-1043",
        f"vmrc://clone:{TICKET}@vc01.lab.example/?moid=vm-1043",  # govc form, no port
        "vmrc://clone:cst-5223--tp-0A@192.168.2.128/?moid=145",  # ESXi clone ticket, integer moref
        "vmrc://root@192.168.10.32/?moid=376",  # credential-prompt form
        "vmrc://clone:t@[fe80::1]/?moid=vm-1",
        "VMRC://clone:t@vc/?moid=vm-1",  # the scheme is case-insensitive
        "vmrc://clone:t@vc/?moid=vm-1&x=$(touch${IFS}a);b|c`d`>e<f",  # harmless without a shell
    ],
)
def test_accepts_console_urls(url: str) -> None:
    assert validate_console_url(url) is url


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (f"https://clone:{TICKET}@vc/?moid=vm-1", "must start with vmrc://, not https://"),
        (f"vmrc-evil://clone:{TICKET}@vc/?moid=vm-1", r"must start with vmrc://, not \?://"),
        (f"vmrc://clone:{TICKET}@vc/?moid=vm-1 --evil", "contains a space at position"),
        (f"vmrc://clone:{TICKET}@vc/?moid=vm-1\n", "U\\+000A"),
        (f"vmrc://clone:{TICKET}@vc/?moid=vm-1\r", "U\\+000D"),
        (f"vmrc://clone:{TICKET}@vc/?moid=vm-1\tx", "U\\+0009"),
        (f"vmrc://clone:{TICKET}@vc/?moid=vm-1\x00", "U\\+0000"),
        (f"vmrc://clone:{TICKET}@vc/?moid=vm-1\x7f", "U\\+007F"),
        (f"vmrc://clone:{TICKET}@vc/?moid=vm-1\u00a0", "U\\+00A0"),
        (f"vmrc://clone:{TICKET}@vc/?moid=vm-1\u2028", "U\\+2028"),
        (f'vmrc://clone:{TICKET}@vc/?moid=vm-1"&calc', "contains a quote"),
        (f"vmrc://clone:{TICKET}@vc/?moid=vm-1'", "contains a quote"),
        ("vmrc://clone:t@vc/?moid=vm-1&pad=" + "A" * 2048, "too long"),
        ("vmrc:///?moid=vm-1", "names no server"),
        ("vmrc:?moid=vm-1", "names no server"),
        ("vmrc://clone:t@vc/", "no moid="),
        ("vmrc://clone:t@[fe80::1/?moid=vm-1", "not a well-formed URL"),
        ("", "is empty"),
    ],
)
def test_rejects_unsafe_urls_without_quoting_them(url: str, reason: str) -> None:
    with pytest.raises(InvalidConsoleUrl, match=reason) as caught:
        validate_console_url(url)
    assert TICKET not in str(caught.value)
    assert "vc/" not in str(caught.value)


def test_rejects_non_text() -> None:
    with pytest.raises(InvalidConsoleUrl, match="must be text, not bytes"):
        validate_console_url(b"vmrc://clone:t@vc/?moid=vm-1")


def test_length_limit_is_2_kb() -> None:
    base = "vmrc://clone:t@vc/?moid=vm-1&pad="
    validate_console_url(base + "A" * (2047 - len(base)))
    with pytest.raises(InvalidConsoleUrl, match="2048 characters"):
        validate_console_url(base + "A" * (2048 - len(base)))


def test_redaction_masks_clone_and_webmks_tickets() -> None:
    assert (
        redact_url(f"run vmrc://clone:{TICKET}@vc:443/?moid=vm-1 now") == "run vmrc://clone:***@vc:443/?moid=vm-1 now"
    )
    assert redact_url("wss://esx01:443/ticket/8a7f3c2e9d") == "wss://esx01:443/ticket/***"
    assert redact_url("vmrc://root@vc/?moid=vm-1") == "vmrc://root@vc/?moid=vm-1"
