"""Certificate pins: SHA-256 of the DER leaf per host:port, saved or session-only, and the client's Mapping view."""

from __future__ import annotations

import asyncio
import hashlib
import json
import ssl
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.certs import self_signed
from vmconsole_gui.services.settings import (
    CorruptSettingsFileError,
    Pin,
    PinCheck,
    PinKind,
    PinScope,
    PinStore,
    pin_key,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _self_signed(common_name: str) -> tuple[bytes, bytes]:
    """(certificate DER, private key PEM) for a throwaway self-signed certificate."""
    return self_signed(
        common_name, not_before=NOW - timedelta(days=1), not_after=NOW + timedelta(days=3650), dns_names=["localhost"]
    )


@pytest.fixture(scope="module")
def cert_a() -> tuple[bytes, bytes]:
    return _self_signed("vc01.example.com")


@pytest.fixture(scope="module")
def cert_b() -> tuple[bytes, bytes]:
    return _self_signed("impostor.example.com")


def test_pin_from_der(cert_a: tuple[bytes, bytes]) -> None:
    der = cert_a[0]
    pin = Pin.from_der(der, PinKind.VCENTER, now=NOW)
    assert pin.sha256 == hashlib.sha256(der).hexdigest()
    assert pin.sha1 == hashlib.sha1(der).hexdigest()
    assert pin.subject == "CN=vc01.example.com"
    assert pin.first_seen == "2026-03-01T12:00:00+00:00"
    assert pin.sha1_thumbprint == ":".join(f"{b:02X}" for b in hashlib.sha1(der).digest())


def test_fingerprints_are_validated_and_normalised(cert_a: tuple[bytes, bytes]) -> None:
    pin = Pin.from_der(cert_a[0], PinKind.ESXI, now=NOW)
    colon_upper = ":".join(pin.sha256[i : i + 2] for i in range(0, 64, 2)).upper()
    same = Pin(sha256=colon_upper, sha1=pin.sha1.upper(), subject="x", first_seen="t", kind=PinKind.ESXI)
    assert same.sha256 == pin.sha256
    assert same.sha1 == pin.sha1
    created = Pin.create(sha256=colon_upper, sha1=pin.sha1, subject=pin.subject, kind=PinKind.ESXI, now=NOW)
    assert created == pin
    with pytest.raises(ValueError, match="SHA256 fingerprint has 64 hex digits"):
        Pin(sha256="abc", sha1=pin.sha1, subject="x", first_seen="t", kind=PinKind.ESXI)


@pytest.mark.parametrize(
    ("host", "port", "key"),
    [
        ("VC01.Example.com", 443, "vc01.example.com:443"),
        ("vc01.example.com.", 8443, "vc01.example.com:8443"),
        ("[FE80:0::1]", 443, "[fe80::1]:443"),
        ("2001:db8::7", 902, "[2001:db8::7]:902"),
        ("10.0.0.5", 443, "10.0.0.5:443"),
    ],
)
def test_keys(host: str, port: int, key: str) -> None:
    assert pin_key(host, port) == key


@pytest.mark.parametrize(("host", "port"), [("vc01", 0), ("vc01", 70000), ("", 443), ("a b", 443)])
def test_bad_keys(host: str, port: int) -> None:
    with pytest.raises(ValueError, match=r"port must be|not a host name"):
        pin_key(host, port)


def test_match_mismatch_unknown(tmp_path: Path, cert_a: tuple[bytes, bytes], cert_b: tuple[bytes, bytes]) -> None:
    store = PinStore(tmp_path / "pins.json")
    store.load()
    pin = Pin.from_der(cert_a[0], PinKind.VCENTER)
    assert store.check("vc01.example.com", 443, pin.sha256) is PinCheck.UNKNOWN
    store.pin("vc01.example.com", 443, pin)
    assert store.check("VC01.example.com", 443, pin.sha256.upper()) is PinCheck.MATCH
    assert store.check("vc01.example.com", 443, hashlib.sha256(cert_b[0]).hexdigest()) is PinCheck.MISMATCH
    assert store.check("vc01.example.com", 8443, pin.sha256) is PinCheck.UNKNOWN  # pins are per port


def test_saved_pins_persist_privately(tmp_path: Path, cert_a: tuple[bytes, bytes]) -> None:
    path = tmp_path / "cfg" / "pins.json"
    store = PinStore(path)
    pin = Pin.from_der(cert_a[0], PinKind.ESXI, now=NOW)
    store.pin("[FE80::1]", 443, pin)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    document = json.loads(path.read_text())
    assert document["schema"] == 1
    assert list(document["pins"]) == ["[fe80::1]:443"]
    fresh = PinStore(path)
    fresh.load()
    assert fresh.get("fe80::1", 443) == pin
    assert fresh.saved == {"[fe80::1]:443": pin}
    assert fresh.unpin("fe80::1", 443) is True
    assert fresh.unpin("fe80::1", 443) is False
    again = PinStore(path)
    again.load()
    assert again.get("fe80::1", 443) is None


def test_accept_once_is_never_written(tmp_path: Path, cert_a: tuple[bytes, bytes], cert_b: tuple[bytes, bytes]) -> None:
    path = tmp_path / "pins.json"
    store = PinStore(path)
    saved = Pin.from_der(cert_a[0], PinKind.VCENTER)
    once = Pin.from_der(cert_b[0], PinKind.ESXI)
    store.pin("vc01.example.com", 443, saved)
    store.pin("esx01.example.com", 443, once, PinScope.ONCE)
    store.pin("vc01.example.com", 443, once, PinScope.ONCE)  # accepted once after a mismatch: wins this session
    assert store.check("esx01.example.com", 443, once.sha256) is PinCheck.MATCH
    assert store.check("vc01.example.com", 443, once.sha256) is PinCheck.MATCH
    assert once.sha256 not in path.read_text()
    fresh = PinStore(path)
    fresh.load()
    assert fresh.get("esx01.example.com", 443) is None
    assert fresh.check("vc01.example.com", 443, saved.sha256) is PinCheck.MATCH
    store.pin("vc01.example.com", 443, saved, PinScope.ALWAYS)  # "always" replaces the session overlay
    assert store.check("vc01.example.com", 443, saved.sha256) is PinCheck.MATCH


def test_mapping_view_is_live_and_read_only(
    tmp_path: Path, cert_a: tuple[bytes, bytes], cert_b: tuple[bytes, bytes]
) -> None:
    store = PinStore(tmp_path / "pins.json")
    view = store.fingerprints
    assert dict(view) == {}
    a = Pin.from_der(cert_a[0], PinKind.VCENTER)
    b = Pin.from_der(cert_b[0], PinKind.ESXI)
    store.pin("vc01.example.com", 443, a)
    store.pin("esx01.example.com", 443, b, PinScope.ONCE)
    store.pin("vc01.example.com", 443, b, PinScope.ONCE)
    assert dict(view) == {"vc01.example.com:443": b.sha256, "esx01.example.com:443": b.sha256}
    assert len(view) == 2
    assert "vc01.example.com:443" in view
    assert "nope:443" not in view
    with pytest.raises(TypeError):
        view["evil:443"] = "00" * 32  # type: ignore[index]
    store.unpin("vc01.example.com", 443)
    assert dict(view) == {"esx01.example.com:443": b.sha256}


@pytest.mark.allow_log_warnings
def test_corrupt_pins_file_is_backed_up(tmp_path: Path) -> None:
    path = tmp_path / "pins.json"
    path.write_text('{"schema": 1, "pins": {"vc01:443": {"sha256": "zz"}}}')
    store = PinStore(path)
    with pytest.raises(CorruptSettingsFileError, match="certificate pins") as caught:
        store.load()
    assert caught.value.backup_path is not None
    assert caught.value.backup_path.exists()
    assert dict(store.fingerprints) == {}


@pytest.mark.asyncio
async def test_pin_the_leaf_of_a_real_tls_server(
    tmp_path: Path, cert_a: tuple[bytes, bytes], cert_b: tuple[bytes, bytes]
) -> None:
    """TOFU over a real loopback handshake: pin the presented leaf, then a different certificate mismatches."""

    async def serve(cert: tuple[bytes, bytes]) -> tuple[asyncio.Server, int]:
        (tmp_path / "cert.pem").write_text(ssl.DER_cert_to_PEM_cert(cert[0]))
        (tmp_path / "key.pem").write_bytes(cert[1])
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
        server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0, ssl=context)
        return server, server.sockets[0].getsockname()[1]

    async def presented_leaf(port: int) -> bytes:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the pin, not a CA, decides here
        _, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context)
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
        writer.close()
        assert der is not None
        return bytes(der)

    store = PinStore(tmp_path / "pins.json")
    server, port = await serve(cert_a)
    async with server:
        leaf = await presented_leaf(port)
        assert store.check("127.0.0.1", port, hashlib.sha256(leaf).hexdigest()) is PinCheck.UNKNOWN
        await store.pin_async("127.0.0.1", port, Pin.from_der(leaf, PinKind.ESXI))
    server_b, port_b = await serve(cert_b)
    async with server_b:
        other = await presented_leaf(port_b)
    assert store.check("127.0.0.1", port, hashlib.sha256(other).hexdigest()) is PinCheck.MISMATCH
    fresh = PinStore(tmp_path / "pins.json")
    await fresh.load_async()
    assert fresh.fingerprints[f"127.0.0.1:{port}"] == hashlib.sha256(leaf).hexdigest()
    assert await fresh.unpin_async("127.0.0.1", port) is True
