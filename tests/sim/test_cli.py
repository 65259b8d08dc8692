"""The command line: a real subprocess prints one JSON line, serves, expires sessions on SIGUSR1, exits 0 on SIGTERM."""

from __future__ import annotations

import hashlib
import json
import signal
import socket
import ssl
import subprocess
import sys

import httpx
import pytest

from vmconsole_gui.sim.__main__ import main


def _start(*args: str) -> tuple[subprocess.Popen[str], dict]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "vmconsole_gui.sim", "--vms", "50", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line, proc.stderr.read() if proc.stderr else ""
    return proc, json.loads(line)


def test_cli_serves_until_sigterm() -> None:
    proc, ready = _start("--profile", "7.0u2", "--password", "s3cret-demo")
    try:
        assert set(ready) >= {
            "url",
            "username",
            "password",
            "sha256",
            "sha1",
            "esxi_port",
            "esxi_sha256",
            "profile",
            "vms",
        }
        assert ready["password"] == "s3cret-demo"
        assert ready["vms"] == 50
        assert ready["profile"] == "7.0u2"
        assert len(ready["sha256"]) == 64
        assert ready["sha256"] == ready["sha256"].lower()
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE  # trust on first use: the leaf is pinned by its SHA-256 right below
        host, port = ready["url"].removeprefix("https://").rsplit(":", 1)
        with socket.create_connection((host, int(port))) as raw, ctx.wrap_socket(raw) as tls:
            der = tls.getpeercert(binary_form=True)
        assert der is not None
        assert hashlib.sha256(der).hexdigest() == ready["sha256"]
        with httpx.Client(base_url=ready["url"], verify=ctx) as client:
            r = client.post("/api/session", auth=(ready["username"], ready["password"]))
            assert r.status_code == 201
            sid = r.json()
            headers = {"vmware-api-session-id": sid}
            assert len(client.get("/api/vcenter/vm", headers=headers).json()) == 50
            proc.send_signal(signal.SIGUSR1)
            for _ in range(50):
                if client.get("/api/session", headers=headers).status_code == 401:
                    break
            else:
                pytest.fail("SIGUSR1 did not expire the session")
            r = client.post("/rest/com/vmware/cis/session", auth=(ready["username"], ready["password"]))
            headers = {"vmware-api-session-id": r.json()["value"]}
            assert proc.stdin is not None
            proc.stdin.write("expire-sessions\n")
            proc.stdin.flush()
            for _ in range(50):
                if client.get("/rest/vcenter/vm", headers=headers).status_code == 401:
                    break
            else:
                pytest.fail("stdin expire-sessions did not expire the session")
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "s3cret-demo" not in err
    assert sid not in err


def test_cli_rejects_bad_options(capsys: pytest.CaptureFixture[str]) -> None:
    for argv, text in (
        (["--error-rate", "vm.lst=0.5"], "unknown endpoint"),
        (["--drop-rate", "3"], "not between"),
        (["--profile", "5.5"], "invalid choice"),
        (["--vms", "-1"], "cannot be negative"),
    ):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
        assert text in capsys.readouterr().err
