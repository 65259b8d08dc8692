"""One running app per user and settings folder: a second launch hands its arguments over and exits.

The first instance listens on a :class:`QLocalServer`; a later launch connects, sends one JSON line
``{"version": 1, "args": [...], "cwd": "..."}``, waits for ``{"version": 1, "status": N, "message": "..."}`` and
exits with ``status``. Only command-line arguments travel (never a password or ticket), and the socket is private
to the user: it lives in ``$XDG_RUNTIME_DIR`` (mode 0700) when there is one, and is created with
``UserAccessOption`` either way.

The name includes a hash of the settings folder, so ``--demo`` (which keeps its own settings) is an instance of
its own: a demo launch never reaches the real app and the other way round. A socket file left by a crashed
instance (nobody answers) is removed and the new launch listens in its place.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

PROTOCOL_VERSION = 1
MAX_MESSAGE_BYTES = 64 * 1024
CONNECT_TIMEOUT_MS = 1000
MAX_SOCKET_PATH = 100
"""Unix socket paths must fit ``sockaddr_un.sun_path`` (108 bytes on Linux, 104 on macOS)."""

Handler = Callable[[list[str], str], Awaitable[tuple[int, str]]]
"""``handler(args, cwd) -> (exit status, message)`` run by the listening instance for each hand-off."""


@dataclass(frozen=True, slots=True)
class Reply:
    """The running instance's answer to a hand-off."""

    status: int
    message: str


def instance_name(config_dir: Path) -> str:
    """The per-user server name for the app whose settings live in ``config_dir``."""
    digest = hashlib.sha256(str(config_dir.resolve()).encode("utf-8")).hexdigest()[:16]
    if sys.platform == "win32":
        user = hashlib.sha256(os.environ.get("USERNAME", "").encode("utf-8")).hexdigest()[:8]
        return f"vmconsole-gui-{user}-{digest}"
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isabs(runtime) and os.path.isdir(runtime):
        path = str(Path(runtime) / f"vmconsole-gui-{digest}.sock")
        if len(path.encode()) < MAX_SOCKET_PATH:
            return path
    return f"vmconsole-gui-{os.getuid()}-{digest}"  # Qt puts it in the temp folder


def encode(message: dict[str, object]) -> bytes:
    """One protocol line."""
    return json.dumps(message, ensure_ascii=False).encode("utf-8") + b"\n"


def send_to_running(name: str, args: list[str], cwd: str, *, reply_timeout_s: float) -> Reply | None:
    """Hand ``args`` to the instance listening on ``name``; None when no instance answers the connection.

    Blocking (a second launch has nothing else to do). A running instance that accepts the connection but does not
    reply in time yields status 1 and a message saying so.
    """
    sock = QLocalSocket()
    sock.connectToServer(name)
    if not sock.waitForConnected(CONNECT_TIMEOUT_MS):
        return None
    sock.write(encode({"version": PROTOCOL_VERSION, "args": args, "cwd": cwd}))
    sock.waitForBytesWritten(CONNECT_TIMEOUT_MS)
    buffer = b""
    deadline_ms = int(reply_timeout_s * 1000)
    while b"\n" not in buffer:
        if not sock.waitForReadyRead(deadline_ms) and sock.bytesAvailable() == 0:
            break
        buffer += bytes(sock.readAll().data())
    sock.disconnectFromServer()
    line = buffer.split(b"\n", 1)[0]
    if not line:
        return Reply(1, "vmconsole-gui is already running but did not answer; try again, or quit it first.")
    try:
        data = json.loads(line)
        return Reply(int(data["status"]), str(data.get("message", "")))
    except (ValueError, KeyError, TypeError):
        return Reply(1, "vmconsole-gui is already running but sent an answer this version does not understand.")


class InstanceServer(QObject):
    """The first instance's end: accepts hand-offs and answers each with the handler's (status, message)."""

    def __init__(self, handler: Handler, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._handler = handler
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_new_connection)
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def name(self) -> str:
        """The full server name (a socket path on Unix) while listening."""
        return self._server.fullServerName()

    def listen(self, name: str) -> bool:
        """Listen on ``name``; a stale socket (nobody answering) is removed first. False if another instance runs."""
        if self._server.listen(name):
            return True
        probe = QLocalSocket()
        probe.connectToServer(name)
        if probe.waitForConnected(CONNECT_TIMEOUT_MS):
            probe.disconnectFromServer()
            return False
        log.info("removing the stale single-instance socket %s", name)
        QLocalServer.removeServer(name)
        if self._server.listen(name):
            return True
        log.warning("single instance: cannot listen on %s: %s", name, self._server.errorString())
        return False

    def close(self) -> None:
        """Stop listening (the socket file is removed)."""
        self._server.close()

    def _on_new_connection(self) -> None:
        while self._server.hasPendingConnections():
            sock = self._server.nextPendingConnection()
            buffer = bytearray()
            sock.readyRead.connect(lambda s=sock, b=buffer: self._on_ready_read(s, b))
            sock.disconnected.connect(sock.deleteLater)

    def _on_ready_read(self, sock: QLocalSocket, buffer: bytearray) -> None:
        if buffer is None or b"\n" in buffer:
            return
        buffer.extend(bytes(sock.readAll().data()))
        if b"\n" not in buffer:
            if len(buffer) > MAX_MESSAGE_BYTES:
                self._reply(sock, 2, "The message to the running vmconsole-gui is too long.")
            return
        line = bytes(buffer).split(b"\n", 1)[0]
        task = asyncio.ensure_future(self._answer(sock, line))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer(self, sock: QLocalSocket, line: bytes) -> None:
        try:
            args, cwd = parse_request(line)
        except ValueError as exc:
            self._reply(sock, 2, str(exc))
            return
        try:
            status, message = await self._handler(args, cwd)
        except Exception as exc:  # the second launch must get an answer whatever happens
            log.error("handling a second launch failed", exc_info=exc)
            status, message = 1, f"The running vmconsole-gui failed to handle the request: {exc}"
        self._reply(sock, status, message)

    @staticmethod
    def _reply(sock: QLocalSocket, status: int, message: str) -> None:
        try:
            if sock.state() == QLocalSocket.LocalSocketState.ConnectedState:
                sock.write(encode({"version": PROTOCOL_VERSION, "status": status, "message": message}))
                sock.flush()
                sock.disconnectFromServer()
        except RuntimeError:  # the client went away and Qt deleted the socket
            pass


def parse_request(line: bytes) -> tuple[list[str], str]:
    """Validate one hand-off line; ValueError with a readable reason otherwise."""
    try:
        data = json.loads(line)
    except ValueError:
        raise ValueError("The running vmconsole-gui received a message it could not read.") from None
    if not isinstance(data, dict):
        raise ValueError("The running vmconsole-gui received a malformed message.")
    version = data.get("version")
    if version != PROTOCOL_VERSION:
        raise ValueError(
            f"The running vmconsole-gui speaks protocol version {PROTOCOL_VERSION}, this launch sent {version!r}: "
            "quit the running app and start it again (it was probably updated)."
        )
    args, cwd = data.get("args"), data.get("cwd", "")
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args) or not isinstance(cwd, str):
        raise ValueError("The running vmconsole-gui received a malformed message (args must be a list of strings).")
    return args, cwd
