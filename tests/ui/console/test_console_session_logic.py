"""Qt-free console logic: keysyms for typed text, typing chunks, the key-combo table, session-end verdicts."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vmconsole_gui.services.console_session import (
    KEY_COMBOS,
    XK_RETURN,
    XK_TAB,
    ConsoleState,
    char_keysym,
    key_combo,
    text_keysyms,
    ticket_host_port,
    typing_chunks,
    verdict_for_end,
)
from vmconsole_gui.services.relay import CloseReason


@pytest.mark.parametrize(
    ("char", "keysym"),
    [("a", 0x61), ("Z", 0x5A), (" ", 0x20), ("~", 0x7E), ("é", 0xE9), ("ÿ", 0xFF), ("\xa0", 0xA0),
     ("\n", XK_RETURN), ("\t", XK_TAB), ("€", 0x010020AC), ("ő", 0x01000151), ("😀", 0x0101F600),
     ("\x00", None), ("\x1b", None), ("\x7f", None), ("\x85", None)],
)  # fmt: skip
def test_char_keysym(char, keysym):
    assert char_keysym(char) == keysym


def test_text_keysyms_normalises_line_endings_and_drops_controls():
    assert text_keysyms("a\r\nb\rc\n\x07d") == [0x61, XK_RETURN, 0x62, XK_RETURN, 0x63, XK_RETURN, 0x64]


@given(st.lists(st.integers(0, 0x10FFFF), max_size=3000), st.integers(0, 50))
def test_typing_chunks_keep_every_key_in_order(keysyms, interval):
    chunks = typing_chunks(keysyms, interval)
    assert [k for chunk in chunks for k in chunk] == keysyms
    assert all(1 <= len(chunk) <= 200 for chunk in chunks)
    if interval:
        assert all(len(chunk) * interval <= max(250, interval) for chunk in chunks)


def test_typing_chunks_rejects_a_negative_interval():
    with pytest.raises(ValueError, match="cannot be negative"):
        typing_chunks([1], -1)


def test_key_combo_table():
    names = [combo.name for combo in KEY_COMBOS]
    assert len(names) == len(set(names))
    assert {f"ctrl-alt-f{n}" for n in range(1, 13)} <= set(names)
    assert {"ctrl-alt-del", "ctrl-alt-backspace", "print", "alt-tab", "alt-f4", "super", "ctrl-esc"} <= set(names)
    events = key_combo("alt-tab").events()
    alt, tab = (0xFFE9, "AltLeft"), (0xFF09, "Tab")
    assert events == [(*alt, True), (*tab, True), (*tab, False), (*alt, False)]
    assert key_combo("ctrl-alt-f12").keys[-1] == (0xFFC9, "F12")
    with pytest.raises(KeyError, match="known: ctrl-alt-del"):
        key_combo("nope")


def test_ticket_host_port():
    assert ticket_host_port("wss://esx01.lab:443/ticket/abc") == ("esx01.lab", 443)
    assert ticket_host_port("wss://10.0.0.5/ticket/abc") == ("10.0.0.5", 443)
    assert ticket_host_port("wss://[fd00::5]:9443/ticket/abc") == ("fd00::5", 9443)
    for bad, message in [
        ("https://esx/ticket/secret1", "must be a wss:// URL"),
        ("wss:///ticket/secret2", "names no ESXi host"),
        ("wss://esx:99999/ticket/secret3", "not a valid URL"),
    ]:
        with pytest.raises(ValueError, match=message) as info:
            ticket_host_port(bad)
        assert "secret" not in str(info.value)


@pytest.mark.parametrize(
    ("reason", "state", "probe"),
    [
        (None, ConsoleState.FAILED, False),
        (CloseReason.TLS_PIN_MISMATCH, ConsoleState.FAILED, False),
        (CloseReason.TLS_UNTRUSTED, ConsoleState.FAILED, False),
        (CloseReason.UNREACHABLE, ConsoleState.FAILED, False),
        (CloseReason.UPSTREAM_REFUSED, ConsoleState.TICKET_EXPIRED, True),
        (CloseReason.UPSTREAM_CLOSED, ConsoleState.DISCONNECTED, True),
        (CloseReason.PAGE_CLOSED, ConsoleState.DISCONNECTED, False),
        (CloseReason.RELAY_STOPPED, ConsoleState.DISCONNECTED, False),
    ],
)
def test_session_end_verdicts(reason, state, probe):
    verdict = verdict_for_end(reason, "esx01:443 did not answer", "esx01")
    assert verdict.state is state and verdict.probe_power is probe
    assert verdict.alarming is (reason is CloseReason.TLS_PIN_MISMATCH)
    assert verdict.reason.endswith(".")


def test_console_session_module_does_not_load_qt():
    code = (
        "import sys, vmconsole_gui.services.console_session as m; "
        "print(sorted(n for n in sys.modules if n.startswith('PySide6')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
