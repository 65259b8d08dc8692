"""The display-text rules: server strings come out bounded, without controls or bidi tricks, and literal."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vmconsole_gui.services import display_text
from vmconsole_gui.services.display_text import ELLIPSIS, LIMITS

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def forbidden(text: str, *, multiline: bool = False) -> list[str]:
    """Characters display text must never contain."""
    bad = []
    for char in text:
        category = unicodedata.category(char)
        if char == "\n" and multiline:
            continue
        invisible = category in ("Cc", "Cs") or (category == "Cf" and char not in "\u200c\u200d")
        if invisible or char in BIDI or (category[0] == "Z" and char != " "):
            bad.append(char)
    return bad


def test_plain_names_are_returned_as_they_are():
    for name in ("web-01", "Müller Prod", "db_02 (old)", "東京-vm", "👨\u200d👩\u200d👧 family"):
        assert display_text.name(name) is name or display_text.name(name) == name


def test_bidi_overrides_and_isolates_are_removed():
    assert display_text.name("web\u202e10-bd") == "web10-bd"
    assert display_text.name("\u2067admin\u2069\u200f") == "admin"
    assert display_text.name("a\u061cb\u200ec") == "abc"


def test_control_characters_become_spaces_and_nul_never_survives():
    assert display_text.name("web\x00db\n01\tx\x1b[31m") == "web db 01 x [31m"
    assert display_text.name("a\x85b\x9bc") == "a b c"  # C1 controls too
    assert display_text.name("a\u2028b\u2029c") == "a b c"


def test_messages_keep_line_breaks_but_nothing_else():
    assert display_text.message("one\r\ntwo\rthree\nfour\x00!") == "one\ntwo\nthree\nfour !"
    many = display_text.message("x\n" * 500)
    assert many.count("\n") == display_text.MESSAGE_LINES
    assert many.endswith(ELLIPSIS)


def test_long_text_is_bounded_with_an_ellipsis_per_kind():
    megabyte = "A" * 1_000_000
    for show, kind in (
        (display_text.name, "name"),
        (display_text.path, "path"),
        (display_text.host_name, "host"),
        (display_text.ip_address, "ip"),
        (display_text.guest_os, "guest_os"),
        (display_text.line, "line"),
        (display_text.message, "message"),
    ):
        shown = show(megabyte)
        assert len(shown) == LIMITS[kind], kind
        assert shown.endswith(ELLIPSIS)
    assert display_text.name("A" * LIMITS["name"]) == "A" * LIMITS["name"]  # exactly at the limit: untouched


def test_a_megabyte_of_invisible_characters_still_ends_in_an_ellipsis():
    shown = display_text.name("\u202e" * 1_000_000 + "tail")
    assert shown == ELLIPSIS  # nothing visible in the part looked at, and more was cut


def test_zero_width_characters_and_fillers_are_removed_joiners_kept_only_between_characters():
    assert display_text.name("ad\u200bmin\ufeff\u2060") == "admin"
    assert display_text.name("a\u3164b\u115fc") == "abc"
    assert display_text.name("\u200d\u200dweb\u200d\u200d\u200d01\u200d") == "web\u200d01"
    family = "👨\u200d👩\u200d👧"
    assert display_text.name(family) == family


def test_stacked_combining_marks_are_capped():
    zalgo = "Z" + "\u0301" * 60 + "a" + "\u0300" * 3
    shown = display_text.name(zalgo)
    assert shown == "Z" + "\u0301" * display_text.MARKS_PER_CHARACTER + "a" + "\u0300" * 3


def test_lone_surrogates_and_noncharacters_become_the_replacement_character():
    assert display_text.name("a\ud800b\uffffc") == "a\ufffdb\ufffdc"


def test_unusual_spaces_become_plain_spaces():
    assert display_text.name("a\u00a0b\u3000c\u2009d") == "a b c d"


def test_escaped_shows_what_clean_would_hide():
    assert display_text.escaped("vcenter\u202e.lab") == "vcenter\\u202e.lab"
    assert display_text.escaped("a\x00b\tc") == "a\\u0000b\\u0009c"
    assert display_text.escaped("x\U000e0041") == "x\\U000e0041"  # a tag character
    assert display_text.escaped("esx01.lab") == "esx01.lab"
    assert display_text.escaped("h" * 2000, 255) == "h" * 255 + ELLIPSIS


def test_literal_helpers_for_qt():
    tip = display_text.tooltip("<b>x</b> & <img src=y>")
    assert "<b>" not in tip and "&lt;b&gt;x&lt;/b&gt; &amp; &lt;img src=y&gt;" in tip
    assert display_text.menu_label("R&D web") == "R&&D web"
    assert display_text.window_title("vm [*] x") == "vm [*][*] x"
    assert (
        display_text.notification("<a href='x'>R&D</a>", platform="linux")
        == "\u2039a href='x'\u203aR\uff06D\u2039/a\u203a"
    )
    assert display_text.notification("<b>", platform="win32") == "<b>"


def test_numbers_outside_the_sensible_range_are_unknown():
    assert display_text.number(4) == "4"
    for value in (None, -1, 10**400, 2**53 + 1, "7", 3.5, True):
        assert display_text.number(value) == "unknown"
    assert display_text.number(0, minimum=1) == "unknown"


def test_values_that_are_not_strings():
    assert display_text.name(None) == ""
    assert display_text.name(10**400) == "1" + "0" * (LIMITS["name"] - 2) + ELLIPSIS
    assert display_text.name(10**5000) == ELLIPSIS  # too many digits for Python to print


def test_bounded_list():
    assert display_text.bounded_list(["a", "b"], str.upper) == ["A", "B"]
    shown = display_text.bounded_list([str(i) for i in range(25)], str, at_most=20)
    assert shown[-1] == f"{ELLIPSIS} and 5 more" and len(shown) == 21


@given(st.text(), st.integers(min_value=1, max_value=300))
def test_clean_is_bounded_clean_and_idempotent(text, limit):
    shown = display_text.clean(text, limit)
    assert len(shown) <= limit
    assert forbidden(shown) == []
    assert display_text.clean(shown, limit) == shown


@given(st.text())
def test_multiline_messages_are_clean(text):
    shown = display_text.message(text)
    assert len(shown) <= LIMITS["message"]
    assert forbidden(shown, multiline=True) == []


@given(st.text(max_size=400))
def test_escaped_never_contains_invisible_characters(text):
    shown = display_text.escaped(text)
    assert forbidden(shown) == []
    assert [c for c in shown if c in "\u200c\u200d"] == []


@pytest.mark.parametrize("text", ["plain", "tab\there", "<b>x</b>", "a&b", "\u202e"])
def test_tooltip_markup_is_always_rich_text_with_escaped_content(text):
    tip = display_text.tooltip(text)
    assert tip.startswith('<p style="white-space:pre-wrap">') and tip.endswith("</p>")
    inner = tip.removeprefix('<p style="white-space:pre-wrap">').removesuffix("</p>")
    assert "<" not in inner and ">" not in inner


@given(st.text(max_size=300))
def test_text_found_plain_is_left_as_it_is(text):
    if display_text.is_plain(text):  # the fast path; anything else takes the character rules
        assert display_text.clean(text, 300) == text
        assert display_text.escaped(text, 300) == text
