"""Console page lifecycle: pre-warming QtWebEngine, handing out pages, and releasing page + profile in order.

Each console tab gets its own off-the-record profile and page. A profile must outlive its page, otherwise Qt warns
"Release of profile requested but WebEnginePage still not deleted"; :func:`dispose_page` deletes the page first and
the profile once the page is gone. :func:`prewarm` starts QtWebEngine's processes and loads the console page (noVNC
modules parsed) ahead of the first console, so opening it is faster; the first tab takes the warm page.
"""

from __future__ import annotations

import logging

from PySide6.QtWebEngineCore import QWebEngineProfile

from vmconsole_gui.ui.console.page import ConsolePage, make_profile

log = logging.getLogger("vmconsole_gui.ui.console")

_warm: tuple[QWebEngineProfile, ConsolePage] | None = None
_alive: set[object] = set()
"""Pages and profiles handed out and not yet deleted: Python must never garbage-collect them in the wrong order."""


def _new_pair() -> tuple[QWebEngineProfile, ConsolePage]:
    profile = make_profile()
    page = ConsolePage(profile)
    _alive.update((profile, page))
    return profile, page


def prewarm() -> None:
    """Create a console profile and a hidden console page now (call after start-up, e.g. from a 0 ms timer)."""
    global _warm
    if _warm is None:
        profile, page = _new_pair()
        page.open_console_url(None)
        _warm = (profile, page)
        log.info("console web engine pre-warmed")


def take_page() -> tuple[QWebEngineProfile, ConsolePage]:
    """A profile and console page for a new tab: the pre-warmed pair if there is one, else a fresh pair."""
    global _warm
    if _warm is not None:
        pair, _warm = _warm, None
        return pair
    return _new_pair()


def dispose_page(page: ConsolePage, profile: QWebEngineProfile) -> None:
    """Delete ``page`` and then ``profile`` (never the other way round)."""

    def page_gone() -> None:
        _alive.discard(page)
        profile.destroyed.connect(lambda: _alive.discard(profile))
        profile.deleteLater()

    page.destroyed.connect(page_gone)
    page.deleteLater()


def release_prewarmed() -> None:
    """Drop an unused pre-warmed page (call before the application quits)."""
    global _warm
    if _warm is not None:
        (profile, page), _warm = _warm, None
        dispose_page(page, profile)
