"""govmomi's vcsim — a vCenter simulator nobody here wrote — as a pytest fixture.

The binary is built by ``scripts/build-vcsim.sh`` (``scripts/setup.sh`` runs it) into ``.cache/vcsim/vcsim``, or
named by ``VMCONSOLE_VCSIM``. Without it the tests skip — except under CI (``CI`` set), where a missing binary is
a failure: there, the setup must have built it.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

_BINARY = Path(os.environ.get("VMCONSOLE_VCSIM", Path(__file__).resolve().parents[2] / ".cache/vcsim/vcsim"))


@dataclass(frozen=True)
class Vcsim:
    """A running vcsim: where it listens and its credentials."""

    host: str
    port: int
    username: str
    password: str
    process: subprocess.Popen[str]
    scratch: str
    """vcsim's TMPDIR: it keeps its simulated datastores there."""

    @functools.cached_property
    def leaf_der(self) -> bytes:
        """vcsim's certificate, read independently of the client under test (``ssl`` alone)."""
        return ssl.PEM_cert_to_DER_cert(ssl.get_server_certificate((self.host, self.port)))

    @property
    def sha256(self) -> str:
        """SHA-256 of :attr:`leaf_der` (hex, lowercase): what a pin holds."""
        return hashlib.sha256(self.leaf_der).hexdigest()

    @property
    def sha1(self) -> str:
        """SHA-1 of :attr:`leaf_der` (hex, lowercase)."""
        return hashlib.sha1(self.leaf_der, usedforsecurity=False).hexdigest()

    def pyvmomi(self) -> Any:
        """A ServiceInstance logged in with pyvmomi on its own (the independent peer of the tests; blocking)."""
        from pyVim.connect import SmartConnect

        return SmartConnect(
            host=self.host, port=self.port, user=self.username, pwd=self.password, sslContext=unverified_context()
        )

    def stop(self) -> None:
        """Stop vcsim (kill it if it lingers) and remove its datastores."""
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        shutil.rmtree(self.scratch, ignore_errors=True)


def unverified_context() -> ssl.SSLContext:
    """A client context that accepts any certificate: only for pyvmomi as the tests' own reader of a loopback vcsim."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def vcsim_binary() -> Path:
    """The vcsim binary, or skip (fail under CI) when it was not built."""
    if _BINARY.is_file() and os.access(_BINARY, os.X_OK):
        return _BINARY
    message = f"govmomi's vcsim is not built at {_BINARY} (run scripts/build-vcsim.sh)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def start_vcsim(*args: str) -> Vcsim:
    """Start vcsim on a free loopback port with ``args`` and wait for its URL line."""
    scratch = tempfile.mkdtemp(prefix="vcsim-")
    process = subprocess.Popen(
        [str(vcsim_binary()), "-l", "127.0.0.1:0", "-username", "vc-user", "-password", "vc-pass!", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "TMPDIR": scratch},
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 30
    line = ""
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("VCSIM_URL=") or not line:
            break
    match = re.match(r"VCSIM_URL=(\S+)", line)
    if not match:
        process.kill()
        shutil.rmtree(scratch, ignore_errors=True)
        raise RuntimeError(f"vcsim did not start (last line {line!r})")
    url = urlsplit(match.group(1))
    assert url.hostname and url.port
    return Vcsim(url.hostname, url.port, "vc-user", "vc-pass!", process, scratch)


@pytest.fixture
def vcsim() -> Iterator[Vcsim]:
    """A fresh vcsim: 1 datacenter, 2 clusters of 3 hosts + 1 standalone host, 3 VMs per cluster and host (9)."""
    server = start_vcsim("-vm", "3", "-cluster", "2")
    try:
        yield server
    finally:
        server.stop()
