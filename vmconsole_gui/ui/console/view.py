"""One console tab: the noVNC page in a QWebEngineView, its relay session, state and actions.

Connecting: ``fetch_ticket()`` → ESXi host/port from the ticket → ``trust_esxi(host, port)`` → ``relay.register`` →
load the console page with the one-time relay URL. The page never sees the ticket. Each (re)connect is an *attempt*
with its own generation number; events from a page of an older attempt are ignored.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import itertools
import json
import logging
import re
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, QSize, Qt, Signal
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QFileDialog, QStackedWidget, QVBoxLayout, QWidget

from vmconsole_gui.services import display_text
from vmconsole_gui.services.console_session import (
    POWERED_OFF_REASON,
    ConsoleState,
    ConsoleTarget,
    ConsoleTrustRefused,
    key_combo,
    ticket_host_port,
    verdict_for_end,
)
from vmconsole_gui.services.relay import RelayEndpoint, RelayNotRunningError, WebMksRelay
from vmconsole_gui.ui.console.overlay import StatusOverlay
from vmconsole_gui.ui.console.typing import ConsoleNotConnected, PacedTyper
from vmconsole_gui.ui.console.warm import dispose_page, take_page
from vmconsole_gui.vsphere.errors import NotAllowedInCurrentState

log = logging.getLogger("vmconsole_gui.ui.console")

PAGE_END_GRACE_S = 2.0
"""After the page reports a disconnect, how long to wait for the relay to say why."""
JS_TIMEOUT_S = 5.0
SCREENSHOT_DIR_KEY = "console/screenshot_dir"

_background: set[asyncio.Task[None]] = set()
_generations = itertools.count(1)


class ScreenshotCancelled(Exception):
    """The user closed the screenshot file dialog without choosing a file."""


def _spawn(coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
    task = asyncio.ensure_future(coro)
    _background.add(task)
    task.add_done_callback(_background.discard)
    return task


@dataclass
class _Attempt:
    generation: int
    settled: asyncio.Future[None]
    page_end: asyncio.Future[bool]
    power_on_first: bool = False
    task: asyncio.Task[None] | None = None
    endpoint: RelayEndpoint | None = None
    host: str = ""
    messages: list[str] = field(default_factory=list)


class ConsoleTab(QWidget):
    """One VM's embedded console.

    Signals:
        state_changed(object): the new :class:`ConsoleState` (read :attr:`reason` for the sentence).
        typing_progress(int, int): keys typed so far, keys in total, while "type clipboard" runs.
    """

    state_changed = Signal(object)
    typing_progress = Signal(int, int)

    def __init__(self, target: ConsoleTarget, relay: WebMksRelay, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._target = target
        self._relay = relay
        self._state = ConsoleState.CONNECTING
        self._reason = "Not connected yet."
        self._alarming = False
        self._scale = True
        self._attempt: _Attempt | None = None
        self._closed = False
        self._typing_task: asyncio.Task[int] | None = None
        self.framebuffer_size = QSize()
        self.desktop_name = ""

        self.profile, self.page = take_page()
        self.view = QWebEngineView(self)
        self.view.setPage(self.page)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.view.setAcceptDrops(False)
        self.view.setAccessibleName(f"Console of {display_text.name(target.vm_name)}")
        self.overlay = StatusOverlay(self)
        self.overlay.reconnect_requested.connect(lambda: _spawn(self.reconnect()))
        self.overlay.power_on_requested.connect(self._on_power_on_clicked)
        self._stack = QStackedWidget(self)
        self._stack.addWidget(self.overlay)
        self._stack.addWidget(self.view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)
        self.setFocusProxy(self.view)

        self._typer = PacedTyper(self._run_js)
        bridge = self.page.bridge
        bridge.connected.connect(self._on_page_connected)
        bridge.disconnected.connect(self._on_page_disconnected)
        bridge.page_error.connect(self._on_page_error)
        bridge.security_failure.connect(self._on_page_error)
        bridge.desktop_name.connect(self._on_desktop_name)
        bridge.typed.connect(lambda _gen, chunk_id: self._typer.chunk_done(chunk_id))
        self._show(ConsoleState.CONNECTING, self._reason)

    # ---- read-only facts --------------------------------------------------------------------------------------

    @property
    def target(self) -> ConsoleTarget:
        """What this tab shows."""
        return self._target

    @property
    def state(self) -> ConsoleState:
        """The current state."""
        return self._state

    @property
    def reason(self) -> str:
        """The sentence shown with the state (why it is not connected, or what it is doing)."""
        return self._reason

    @property
    def scale_to_fit(self) -> bool:
        """Whether the picture is scaled to the tab (True) or shown 1:1."""
        return self._scale

    @property
    def typing(self) -> bool:
        """Whether "type clipboard" is running."""
        return self._typing_task is not None

    # ---- connecting -------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start connecting in the background (what opening a tab does)."""
        _spawn(self.reconnect())

    async def reconnect(self) -> None:
        """Drop the current session (if any) and connect with a FRESH ticket; returns when connected or failed."""
        await self._new_attempt(power_on_first=False)

    async def power_on_and_connect(self) -> None:
        """Run the target's ``power_on``, then connect with a fresh ticket."""
        await self._new_attempt(power_on_first=True)

    async def _new_attempt(self, *, power_on_first: bool) -> None:
        if self._closed:
            return
        self._drop_attempt()
        loop = asyncio.get_running_loop()
        attempt = _Attempt(next(_generations), loop.create_future(), loop.create_future(), power_on_first)
        self._attempt = attempt
        attempt.task = _spawn(self._run_attempt(attempt))
        await asyncio.shield(attempt.settled)

    def _drop_attempt(self) -> None:
        attempt, self._attempt = self._attempt, None
        self._cancel_typing()
        if attempt is None:
            return
        if attempt.task is not None and not attempt.task.done():
            attempt.task.cancel()
        if not attempt.settled.done():
            attempt.settled.set_result(None)
        if attempt.endpoint is not None and attempt.endpoint.ended is None:
            attempt.endpoint.cancel()

    async def _run_attempt(self, attempt: _Attempt) -> None:
        try:
            await self._connect(attempt)
        except asyncio.CancelledError:
            pass
        except Exception as exc:
            log.exception("console of %s: unexpected error", self._target.vm_name)
            self._set_state(attempt, ConsoleState.FAILED, f"Unexpected error: {exc}")
        finally:
            if not attempt.settled.done():
                attempt.settled.set_result(None)

    async def _connect(self, attempt: _Attempt) -> None:
        target = self._target
        if attempt.power_on_first and target.power_on is not None:
            self._set_state(attempt, ConsoleState.CONNECTING, f"Powering on {target.vm_name}…")
            try:
                await target.power_on()
            except Exception as exc:
                self._set_state(attempt, ConsoleState.FAILED, f"Could not power on {target.vm_name}: {exc}")
                return
        self._set_state(attempt, ConsoleState.CONNECTING, f"Requesting a console ticket from {target.vcenter}…")
        try:
            ticket_url = await target.fetch_ticket()
            host, port = ticket_host_port(ticket_url)
        except NotAllowedInCurrentState:
            self._set_state(attempt, ConsoleState.POWERED_OFF, POWERED_OFF_REASON)
            return
        except Exception as exc:
            self._set_state(attempt, ConsoleState.FAILED, f"{target.vcenter} gave no usable console ticket: {exc}")
            return
        attempt.host = host
        self._set_state(attempt, ConsoleState.CONNECTING, f"Checking the certificate of ESXi host {host}…")
        try:
            pinned = await target.trust_esxi(host, port)
        except ConsoleTrustRefused:
            self._set_state(
                attempt,
                ConsoleState.FAILED,
                f"You did not accept the certificate of ESXi host {host}, so the console was not opened.",
            )
            return
        except Exception as exc:
            self._set_state(attempt, ConsoleState.FAILED, f"Could not check the certificate of {host}: {exc}")
            return
        try:
            endpoint = self._relay.register(ticket_url, pinned_cert_der=pinned)
        except (ValueError, RelayNotRunningError) as exc:
            self._set_state(attempt, ConsoleState.FAILED, str(exc))
            return
        del ticket_url
        attempt.endpoint = endpoint
        self._set_state(attempt, ConsoleState.CONNECTING, f"Connecting to {target.vm_name} on {host}…")
        self._open_page(attempt, endpoint.url)
        await self._watch(attempt, endpoint)

    def _open_page(self, attempt: _Attempt, relay_url: str) -> None:
        self.page.open_console_url(relay_url, self._relay.port, scale=self._scale, generation=attempt.generation)

    async def _watch(self, attempt: _Attempt, endpoint: RelayEndpoint) -> None:
        """Wait for the session to end (relay or page side) and show why."""
        closed = asyncio.ensure_future(endpoint.wait_closed())
        waiters: set[asyncio.Future[Any]] = {closed, attempt.page_end}
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            if not closed.done():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(closed), PAGE_END_GRACE_S)
        finally:
            if not closed.done():
                closed.cancel()
        self._typer.abort("the console disconnected")
        end = endpoint.ended  # None: the page never reached the relay with this endpoint's token
        if end is None:
            endpoint.cancel()
        verdict = verdict_for_end(end.reason if end else None, end.detail if end else "", attempt.host)
        state, reason = verdict.state, verdict.reason
        if attempt.messages and state is not ConsoleState.FAILED:
            reason = f"{reason} ({attempt.messages[-1]})"
        if verdict.probe_power:
            self._set_state(attempt, ConsoleState.CONNECTING, "Checking the virtual machine's power state…")
            if await self._powered_off():
                state, reason = ConsoleState.POWERED_OFF, POWERED_OFF_REASON
        self._set_state(attempt, state, reason, alarming=verdict.alarming)

    async def _powered_off(self) -> bool:
        """Whether vCenter refuses a ticket because the VM is not powered on (the ticket it may give is dropped)."""
        try:
            await self._target.fetch_ticket()
        except NotAllowedInCurrentState:
            return True
        except Exception as exc:
            log.info("console of %s: power check failed: %s", self._target.vm_name, exc)
        return False

    # ---- page events ------------------------------------------------------------------------------------------

    def _current(self, generation: int) -> _Attempt | None:
        attempt = self._attempt
        return attempt if attempt is not None and attempt.generation == generation else None

    def _on_page_connected(self, generation: int, width: int, height: int) -> None:
        attempt = self._current(generation)
        if attempt is None or attempt.page_end.done():
            return
        self.framebuffer_size = QSize(width, height)
        self._set_state(attempt, ConsoleState.CONNECTED, f"Connected to {self._target.vm_name} on {attempt.host}.")
        self.view.setFocus()

    def _on_page_disconnected(self, generation: int, clean: bool) -> None:
        attempt = self._current(generation)
        if attempt is not None and not attempt.page_end.done():
            attempt.page_end.set_result(clean)

    def _on_page_error(self, generation: int, message: str) -> None:
        attempt = self._current(generation)
        log.info("console of %s: page reports: %s", self._target.vm_name, message)
        if attempt is not None:
            attempt.messages.append(message)
            if self._state is not ConsoleState.CONNECTED and not attempt.page_end.done():
                attempt.page_end.set_result(False)

    def _on_desktop_name(self, generation: int, name: str) -> None:
        if self._current(generation) is not None:
            self.desktop_name = name

    def _on_power_on_clicked(self) -> None:
        self.overlay.power_button.setEnabled(False)
        _spawn(self.power_on_and_connect())

    # ---- state ------------------------------------------------------------------------------------------------

    def _set_state(self, attempt: _Attempt, state: ConsoleState, reason: str, *, alarming: bool = False) -> None:
        if attempt is not self._attempt or self._closed:
            return  # superseded by a newer attempt, or the tab is closing
        changed = state is not self._state
        self._show(state, reason, alarming=alarming)
        if state is not ConsoleState.CONNECTING and not attempt.settled.done():
            attempt.settled.set_result(None)
        if changed:
            log.info("console of %s: %s", self._target.vm_name, state.value)
            self.state_changed.emit(state)

    def _show(self, state: ConsoleState, reason: str, *, alarming: bool = False) -> None:
        self._state, self._reason, self._alarming = state, reason, alarming
        can_power_on = self._target.power_on is not None
        self.overlay.show_state(state, reason, can_power_on=can_power_on, alarming=alarming)
        self._stack.setCurrentWidget(self.view if state is ConsoleState.CONNECTED else self.overlay)

    # ---- actions ----------------------------------------------------------------------------------------------

    async def _run_js(self, script: str) -> object:
        """Run ``script`` in the page; its result, or None if the page did not answer within JS_TIMEOUT_S."""
        if self._closed:
            return None
        future: asyncio.Future[object] = asyncio.get_running_loop().create_future()

        def done(value: object) -> None:
            if not future.done():
                future.set_result(value)

        self.page.runJavaScript(script, 0, done)
        try:
            return await asyncio.wait_for(future, JS_TIMEOUT_S)
        except TimeoutError:
            return None

    def _fire_js(self, script: str) -> None:
        if not self._closed:
            self.page.runJavaScript(script, 0)

    def send_ctrl_alt_del(self) -> None:
        """Send Ctrl+Alt+Del to the VM (ignored unless connected)."""
        if self._state is ConsoleState.CONNECTED:
            self._fire_js("vmconsole.ctrlAltDel()")

    def send_keys(self, combo_name: str) -> None:
        """Send a named key combination from :data:`~vmconsole_gui.services.console_session.KEY_COMBOS`.

        Raise :class:`KeyError` for an unknown name; ignored unless connected.
        """
        combo = key_combo(combo_name)
        if self._state is ConsoleState.CONNECTED:
            self._fire_js(f"vmconsole.sendKeys({json.dumps(combo.events())})")

    async def type_text(self, text: str, *, interval_ms: int = 15) -> None:
        """Type ``text`` into the VM as paced keystrokes; cancel the awaiting task (or :meth:`cancel_typing`) to stop.

        Raise :class:`ConsoleNotConnected` when the console is not connected.
        """
        if self._state is not ConsoleState.CONNECTED:
            raise ConsoleNotConnected(f"the console of {self._target.vm_name} is not connected")
        self._cancel_typing()
        self._typing_task = asyncio.ensure_future(self._typer.type_text(text, interval_ms, self.typing_progress.emit))
        task = self._typing_task
        try:
            await task
        finally:
            if self._typing_task is task:
                self._typing_task = None

    def cancel_typing(self) -> None:
        """Stop a running "type clipboard" (keys already sent stay sent)."""
        self._cancel_typing()

    def _cancel_typing(self) -> None:
        task = self._typing_task
        if task is not None and not task.done():
            task.cancel()
        self._typing_task = None

    def set_scale_to_fit(self, on: bool) -> None:
        """Scale the picture to the tab (True) or show it 1:1 (False)."""
        self._scale = on
        self._fire_js(f"vmconsole.setScale({'true' if on else 'false'})")

    async def screenshot(self, path: Path | None = None) -> Path:
        """Save the current picture (full resolution) as PNG to ``path``, or to a file the user picks.

        Raise :class:`ConsoleNotConnected` when there is no picture, :class:`ScreenshotCancelled` when the user
        closes the file dialog.
        """
        if self._state is not ConsoleState.CONNECTED:
            raise ConsoleNotConnected(f"the console of {self._target.vm_name} is not connected")
        data_url = await self._run_js("vmconsole.screenshot()")
        prefix = "data:image/png;base64,"
        if not isinstance(data_url, str) or not data_url.startswith(prefix):
            raise ConsoleNotConnected(f"the console of {self._target.vm_name} has no picture to save")
        png = base64.b64decode(data_url[len(prefix) :])
        if path is None:
            path = await self._ask_screenshot_path()
        path.write_bytes(png)
        log.info("console of %s: screenshot saved to %s", self._target.vm_name, path)
        return path

    async def _ask_screenshot_path(self) -> Path:
        settings = QSettings()
        folder = str(settings.value(SCREENSHOT_DIR_KEY, str(Path.home())))
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        name = re.sub(r"[^\w.-]+", "_", self._target.vm_name).strip("_") or "console"
        dialog = QFileDialog(self, "Save console screenshot", str(Path(folder) / f"{name}-{stamp}.png"))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter("PNG images (*.png)")
        dialog.setDefaultSuffix("png")
        chosen: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()

        def answer(file: str | None) -> None:
            if not chosen.done():
                chosen.set_result(file)

        dialog.fileSelected.connect(answer)
        dialog.rejected.connect(lambda: answer(None))
        dialog.open()
        try:
            selected = await chosen
        finally:
            dialog.deleteLater()
        if not selected:
            raise ScreenshotCancelled("no file chosen")
        settings.setValue(SCREENSHOT_DIR_KEY, str(Path(selected).parent))
        return Path(selected)

    def focus_console(self) -> None:
        """Give the keyboard to the console."""
        self.view.setFocus()
        self._fire_js("vmconsole.focus()")

    # ---- closing ----------------------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Close the session cleanly and release the page and its profile (the tab is unusable afterwards).

        The page's WebSocket closes when the page goes away, so the relay records PAGE_CLOSED; if it has not
        ended within a few seconds the endpoint is cancelled.
        """
        if self._closed:
            return
        attempt = self._attempt
        self._cancel_typing()
        if attempt is not None:
            if attempt.task is not None and not attempt.task.done():
                attempt.task.cancel()
            if not attempt.settled.done():
                attempt.settled.set_result(None)
        self._closed = True
        self._attempt = None
        endpoint = attempt.endpoint if attempt is not None else None
        if endpoint is not None and endpoint.ended is None:
            _spawn(_cancel_if_still_open(endpoint))
        self._stack.removeWidget(self.view)
        self.view.deleteLater()
        dispose_page(self.page, self.profile)


async def _cancel_if_still_open(endpoint: RelayEndpoint) -> None:
    try:
        await asyncio.wait_for(endpoint.wait_closed(), PAGE_END_GRACE_S + 1)
    except TimeoutError:
        endpoint.cancel()
