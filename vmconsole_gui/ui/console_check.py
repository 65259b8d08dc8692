"""A start-up check of the embedded console's web engine, for packaged builds (``--check-console``).

It loads the console page exactly as a console tab does (hardened profile, noVNC modules from ``resources/``,
QWebChannel bridge) without a relay, and succeeds once the page script reports ready. A bundle that lost
QtWebEngineProcess, QtWebEngine's resources or the web assets fails here instead of at a user's first console.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from vmconsole_gui.ui.console.resources import ResourcesNotFoundError
from vmconsole_gui.ui.console.warm import dispose_page, take_page


def check_console(timeout_s: float = 60.0) -> int:
    """Load the console page offscreen or on screen; 0 when noVNC and the bridge came up, 1 otherwise."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    outcome: list[str] = []

    try:
        profile, page = take_page()
    except ResourcesNotFoundError as exc:
        print(f"console check: {exc}", file=sys.stderr, flush=True)
        return 1

    def finish(message: str, ok: bool) -> None:
        if not outcome:
            outcome.append("ok" if ok else "failed")
            print(f"console check: {message}", file=sys.stdout if ok else sys.stderr, flush=True)
            profile.destroyed.connect(app.quit)  # page first, then profile (Qt warns otherwise), then quit
            dispose_page(page, profile)
            QTimer.singleShot(10_000, app.quit)

    page.bridge.page_ready.connect(lambda _gen, _connecting: finish("the console page and noVNC loaded", True))
    page.bridge.page_error.connect(lambda _gen, message: finish(f"the console page failed: {message}", False))

    def load_finished(ok: bool) -> None:
        if not ok:
            finish("the console page did not load", False)

    page.loadFinished.connect(load_finished)
    page.renderProcessTerminated.connect(
        lambda status, code: finish(f"the web engine process ended ({status.name}, code {code})", False)
    )
    QTimer.singleShot(int(timeout_s * 1000), lambda: finish(f"no answer from the page in {timeout_s:.0f} s", False))
    page.open_console_url(None)
    app.exec()
    return 0 if outcome == ["ok"] else 1
