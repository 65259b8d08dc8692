"""TLS material (untrusted root, fingerprints, regeneration) and inventory generation (determinism, shape, speed)."""

from __future__ import annotations

import hashlib
import socket
import ssl
import time

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.sim.conftest import ca_context
from vmconsole_gui.sim.generate import MAX_VMS_PER_HOST, generate_inventory
from vmconsole_gui.sim.running import RunningSimulator


def _served_der(sim: RunningSimulator, port: int) -> bytes:
    ctx = ssl.create_default_context(cadata=sim.ca_pem)
    with (
        socket.create_connection((sim.host, port), timeout=5) as raw,
        ctx.wrap_socket(raw, server_hostname=sim.host) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    return der


def test_default_verification_fails_and_ca_trust_works(sim: RunningSimulator) -> None:
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"{sim.url}/api/session", verify=ssl.create_default_context())
    assert httpx.get(f"{sim.url}/api/session", verify=ca_context(sim)).status_code == 401


def test_fingerprints_match_served_leaves(sim: RunningSimulator) -> None:
    der = _served_der(sim, sim.port)
    assert hashlib.sha256(der).hexdigest() == sim.sha256
    assert hashlib.sha1(der, usedforsecurity=False).hexdigest() == sim.sha1
    leaf = x509.load_der_x509_certificate(der)
    assert leaf.public_bytes(serialization.Encoding.PEM).decode() == sim.vcenter_cert_pem
    ca = x509.load_pem_x509_certificate(sim.ca_pem.encode())
    assert leaf.issuer == ca.subject
    assert ca.subject.rfc4514_string() == "CN=CA,DC=vsphere,DC=local"
    esxi = x509.load_pem_x509_certificate(sim.esxi_cert_pem.encode())
    assert esxi.issuer == ca.subject
    assert sim.esxi_sha256 != sim.sha256
    if sim.esxi_port:
        assert hashlib.sha256(_served_der(sim, sim.esxi_port)).hexdigest() == sim.esxi_sha256


def test_regenerate_certificate_keeps_port(make_sim) -> None:
    sim = make_sim(vms=3)
    before, port = sim.sha256, sim.port
    sim.regenerate_certificate()
    assert sim.port == port
    assert sim.sha256 != before
    assert hashlib.sha256(_served_der(sim, port)).hexdigest() == sim.sha256


def test_inventory_is_deterministic_per_seed() -> None:
    a, b, c = generate_inventory(500, 3), generate_inventory(500, 3), generate_inventory(500, 4)
    assert [(v.vm_id, v.name, v.power_state, v.host_id) for v in a.vms.values()] == [
        (v.vm_id, v.name, v.power_state, v.host_id) for v in b.vms.values()
    ]
    assert [v.name for v in a.vms.values()] != [v.name for v in c.vms.values()]


def test_inventory_shape_at_10k() -> None:
    inv = generate_inventory(10_000, 1)
    vms = list(inv.vms.values())
    assert len({v.name for v in vms}) == 10_000 > 4000
    assert max(len(b) for b in inv.by_host.values()) <= MAX_VMS_PER_HOST
    states = {s: sum(v.power_state == s for v in vms) for s in ("POWERED_ON", "POWERED_OFF", "SUSPENDED")}
    assert states["POWERED_ON"] > states["POWERED_OFF"] > states["SUSPENDED"] > 0
    assert {v.guest_family for v in vms} == {"LINUX", "WINDOWS"}
    assert any(not v.has_tools for v in vms)
    assert any(v.inaccessible for v in vms)
    assert len(inv.datacenters) >= 2
    assert any(h.cluster_id is None for h in inv.hosts.values())
    assert any(inv.folders[v.folder_id].parent_id not in inv.datacenters for v in vms)  # nested folders


def test_generation_time_at_50k() -> None:
    start = time.perf_counter()
    inv = generate_inventory(50_000, 1)
    elapsed = time.perf_counter() - start
    assert len(inv.vms) == 50_000
    assert max(len(b) for b in inv.by_host.values()) <= MAX_VMS_PER_HOST
    assert elapsed < 2.0, f"{elapsed:.2f} s"  # ~0.6 s on an idle core; headroom for shared CI machines
