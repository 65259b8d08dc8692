"""TLS: untrusted certificate details, trust-on-first-use pin, pin mismatch before any HTTP byte, extra CA."""

from __future__ import annotations

import hashlib
import ssl

import pytest

from tests.vsphere.conftest import pinned_client, trusted_client
from vmconsole_gui.vsphere import CertificateUntrusted, PinMismatch, VSphereClient
from vmconsole_gui.vsphere.tls import display_fingerprint, pinned_leaf_ssl_context


@pytest.mark.asyncio
async def test_untrusted_certificate_is_described_and_nothing_is_sent(sim80):
    sim80.clear_request_log()
    vc = VSphereClient(sim80.host, sim80.username, sim80.password, port=sim80.port)
    with pytest.raises(CertificateUntrusted) as info:
        async with vc:
            pass
    cert = info.value.certificate
    assert cert.sha256 == sim80.sha256
    assert cert.sha1 == sim80.sha1
    assert cert.host == sim80.host
    assert cert.port == sim80.port == info.value.port
    assert cert.sha1_display == display_fingerprint(sim80.sha1)
    assert cert.sha1_display.count(":") == 19
    assert cert.sha1_display == cert.sha1_display.upper()
    assert hashlib.sha256(cert.der).hexdigest() == sim80.sha256
    assert "vcsa.vsphere.local" in cert.subject
    assert cert.subject != cert.issuer
    assert cert.not_valid_before < cert.not_valid_after
    assert cert.pem.startswith("-----BEGIN CERTIFICATE-----")
    message = info.value.user_message
    assert f"{sim80.host}:{sim80.port}" in message
    assert cert.sha1_display in message
    assert info.value.reason
    # Neither the failed handshake nor the certificate probe carried an HTTP request.
    assert sim80.request_log() == []


@pytest.mark.asyncio
async def test_pinning_the_shown_fingerprint_connects(sim80):
    vc = VSphereClient(sim80.host, sim80.username, sim80.password, port=sim80.port)
    with pytest.raises(CertificateUntrusted) as info:
        await vc.login()
    await vc.aclose()
    fingerprint = info.value.certificate.sha256_display  # the colon form works as a pin too
    async with VSphereClient(
        sim80.host, sim80.username, sim80.password, port=sim80.port, pins={f"{sim80.host}:{sim80.port}": fingerprint}
    ) as vc:
        assert len(await vc.list_vms()) == len(sim80.vm_ids())


@pytest.mark.asyncio
async def test_a_pin_for_another_port_does_not_apply(sim80):
    vc = VSphereClient(
        sim80.host, sim80.username, sim80.password, port=sim80.port, pins={f"{sim80.host}:1": sim80.sha256}
    )
    with pytest.raises(CertificateUntrusted):
        await vc.login()
    await vc.aclose()


@pytest.mark.asyncio
async def test_extra_ca_is_trusted_without_a_pin(sim80):
    async with trusted_client(sim80) as vc:
        assert await vc.keepalive()


@pytest.mark.asyncio
@pytest.mark.allow_log_warnings
async def test_pin_mismatch_after_certificate_change_sends_nothing(sim_factory, caplog):
    sim = sim_factory(profile="8.0", seed=4242)  # its own simulator: the certificate changes
    old = sim.sha256
    async with pinned_client(sim) as vc:
        await vc.list_vms()
    sim.regenerate_certificate()
    assert sim.sha256 != old
    sim.clear_request_log()
    vc = VSphereClient(sim.host, sim.username, sim.password, port=sim.port, pins={f"{sim.host}:{sim.port}": old})
    with pytest.raises(PinMismatch) as info:
        async with vc:
            pass
    err = info.value
    assert err.expected_sha256 == old
    assert err.seen_sha256 == sim.sha256
    assert display_fingerprint(old) in err.user_message
    assert err.seen.sha256_display in err.user_message
    assert sim.request_log() == []  # no Basic auth, no request line reached the impostor
    assert any("does not match its pin" in r.getMessage() for r in caplog.records)


@pytest.mark.asyncio
@pytest.mark.allow_log_warnings
async def test_pin_wins_over_ca_trust(sim80):
    """A pinned host accepts exactly the pinned leaf, even if the CA would vouch for another one."""
    sim80.clear_request_log()
    vc = trusted_client(sim80, pins={f"{sim80.host}:{sim80.port}": "ab" * 32})
    with pytest.raises(PinMismatch):
        await vc.login()
    await vc.aclose()
    assert sim80.request_log() == []


@pytest.mark.asyncio
async def test_pinned_leaf_context_accepts_exactly_that_leaf(sim80):
    """The helper for the WebMKS relay: the pinned leaf alone is the trust anchor (real handshakes)."""
    import asyncio

    good = pinned_leaf_ssl_context(ssl.PEM_cert_to_DER_cert(sim80.vcenter_cert_pem))
    assert good.check_hostname is False
    assert good.verify_flags & ssl.VERIFY_X509_PARTIAL_CHAIN
    _, writer = await asyncio.open_connection(sim80.host, sim80.port, ssl=good)
    writer.close()
    await writer.wait_closed()
    other = pinned_leaf_ssl_context(ssl.PEM_cert_to_DER_cert(sim80.esxi_cert_pem))
    with pytest.raises(ssl.SSLCertVerificationError):
        await asyncio.open_connection(sim80.host, sim80.port, ssl=other)
