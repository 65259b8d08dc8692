"""Web view hygiene: the console page cannot navigate away, open windows or fetch anything but its relay."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl

from tests.ui.console.conftest import powered_on_vms
from vmconsole_gui.ui.console import ConsoleState, prewarm
from vmconsole_gui.ui.console.page import ConsoleRequestInterceptor
from vmconsole_gui.ui.console.resources import console_page, resources_root


@pytest.fixture
def web_server() -> Iterator[tuple[int, list[str]]]:
    """A loopback HTTP server that records every request it gets (none should arrive)."""
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"<html><title>remote</title></html>")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], seen
    server.shutdown()
    server.server_close()


def _js(rig, tab, script):
    return rig.run(tab._run_js(script))


def test_navigation_new_windows_and_remote_requests_are_refused(rig, web_server, caplog):
    caplog.set_level("INFO", logger="vmconsole_gui.ui.console")
    port, seen = web_server
    vm = powered_on_vms(rig.sim)[0]
    tab = rig.open(rig.target(vm))
    page = tab.page
    url_before = page.url()

    _js(rig, tab, f"window.location.href = 'http://127.0.0.1:{port}/navigate'; true")
    _js(rig, tab, "window.location.href = 'file:///etc/passwd'; true")
    rig.qtbot.waitUntil(lambda: len(page.refused_navigations) >= 2, timeout=5000)
    assert any("/navigate" in url for url in page.refused_navigations)

    assert _js(rig, tab, f"window.open('http://127.0.0.1:{port}/popup') === null") is True

    _js(rig, tab, f"fetch('http://127.0.0.1:{port}/fetch').catch(() => null); true")
    _js(rig, tab, f"new Image().src = 'http://127.0.0.1:{port}/image.png'; true")
    _js(rig, tab, f"try {{ new WebSocket('ws://127.0.0.1:{port}/socket'); }} catch (e) {{}} true")
    _js(rig, tab, "fetch('file:///etc/hostname').catch(() => null); true")
    rig.qtbot.wait(500)
    assert seen == []  # nothing left the page
    assert page.url() == url_before
    assert tab.state is ConsoleState.CONNECTED
    # Two layers: the page's Content-Security-Policy refuses fetch/img before any request is made; what the CSP
    # lets through (a WebSocket to any loopback port) the request interceptor refuses unless it is the relay's.
    js_lines = [r.getMessage() for r in caplog.records if r.name == "vmconsole_gui.ui.console.js"]
    assert any("Content Security Policy" in line and "/fetch" in line for line in js_lines)
    assert f"ws://127.0.0.1:{port}/socket" in page.interceptor.blocked


def test_interceptor_allows_only_console_files_qrc_and_the_relay_port():
    interceptor = ConsoleRequestInterceptor()
    interceptor.relay_port = 43210
    root = resources_root()
    allowed = [
        QUrl.fromLocalFile(str(console_page())),
        QUrl.fromLocalFile(str(root / "novnc" / "core" / "rfb.js")),
        QUrl("qrc:///qtwebchannel/qwebchannel.js"),
        QUrl("ws://127.0.0.1:43210/abc"),
    ]
    refused = [
        QUrl.fromLocalFile(str(root / "console" / ".." / ".." / "pyproject.toml")),
        QUrl.fromLocalFile(str(Path("/etc/passwd"))),
        QUrl("ws://127.0.0.1:43211/abc"),
        QUrl("ws://localhost:43210/abc"),
        QUrl("wss://127.0.0.1:43210/abc"),
        QUrl("http://127.0.0.1:43210/"),
        QUrl("https://example.com/x.js"),
    ]
    assert [u.toString() for u in allowed if not interceptor.allows(u)] == []
    assert [u.toString() for u in refused if interceptor.allows(u)] == []
    interceptor.relay_port = 0
    assert not interceptor.allows(QUrl("ws://127.0.0.1:0/abc"))


def test_prewarmed_page_is_used_by_the_next_console(rig):
    from vmconsole_gui.ui.console import warm

    prewarm()
    warm_pair = warm._warm
    assert warm_pair is not None
    ready = []
    warm_pair[1].bridge.page_ready.connect(lambda gen, connecting: ready.append(connecting))
    rig.qtbot.waitUntil(lambda: ready == [False], timeout=10000)  # loaded, modules parsed, nothing to connect to
    tab = rig.open(rig.target(powered_on_vms(rig.sim)[1]))
    assert tab.page is warm_pair[1] and tab.profile is warm_pair[0]
    assert warm._warm is None
    assert tab.profile.isOffTheRecord()
