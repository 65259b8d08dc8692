"""No password, session id or ticket reaches logs (httpx/httpcore at DEBUG included), reprs or exception texts."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import pytest

from tests.vsphere.conftest import trusted_client
from vmconsole_gui.vsphere import ConsoleType, Secret, VSphereClient, VSphereError, redact


def test_redact_patterns():
    assert redact("vmrc://clone:cst-VCT-abc--tp-AA-BB@vc:443/?moid=vm-1") == "vmrc://clone:***@vc:443/?moid=vm-1"
    assert redact("wss://esx:443/ticket/9c0e4a7b") == "wss://esx:443/ticket/***"
    assert "b00db39f" not in redact("vmware-api-session-id: b00db39f948d13ea1e59b4d6fce56389")
    assert "b00db39f" not in redact("(b'vmware-api-session-id', b'b00db39f948d13ea1e59b4d6fce56389')")
    assert "b00db39f" not in redact("Set-Cookie: vmware-api-session-id=b00db39f948d13ea1e59b4d6fce56389;Path=/rest")
    assert "YWRtaW4" not in redact("Authorization: Basic YWRtaW46c2VjcmV0")
    s = Secret("hunter2")
    assert "hunter2" not in repr(s) + str(s) + f"{s}" + f"{s!r}"
    assert s.reveal() == "hunter2"


@pytest.mark.asyncio
@pytest.mark.allow_log_warnings
async def test_no_secret_in_logs_reprs_or_errors(sim_factory, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "vmconsole_gui"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    sim = sim_factory(profile="8.0", seed=777)
    rest_sim = sim_factory(profile="7.0u1", seed=777)
    secrets: set[str] = {sim.password, rest_sim.password}
    texts: list[str] = []
    vm_on = next(v for v in sim.vm_ids() if sim.vm(v).power_state == "POWERED_ON")
    vm_off = next(v for v in sim.vm_ids() if sim.vm(v).power_state == "POWERED_OFF")

    def keep(obj: object) -> None:
        texts.extend([repr(obj), str(obj)])

    # Wrong password.
    bad = VSphereClient(sim.host, sim.username, "Wr0ng-Passw0rd!", port=sim.port, extra_ca_pem=sim.ca_pem)
    secrets.add("Wr0ng-Passw0rd!")
    keep(bad)
    with pytest.raises(VSphereError) as info:
        await bad.login()
    keep(info.value)
    await bad.aclose()

    for s in (sim, rest_sim):
        vc = trusted_client(s)
        keep(vc)
        async with vc:
            secrets.add(vc._session.reveal())
            keep(vc)
            s.expire_all_sessions()
            await vc.list_vms()  # transparent re-login
            secrets.add(vc._session.reveal())
            for vm, console in ((vm_on, ConsoleType.VMRC), (vm_on, ConsoleType.WEBMKS)):
                ticket = await vc.create_console_ticket(vm, console)
                url = ticket.reveal_url()
                secrets.add(url)
                parts = urlsplit(url)
                secrets.add(parts.password or parts.path.rsplit("/", 1)[-1])
                keep(ticket)
            with pytest.raises(VSphereError) as info:
                await vc.create_console_ticket(vm_off, ConsoleType.WEBMKS)
            keep(info.value)
            s.faults.malformed_rates = {"vm.console_tickets": 1.0}
            s.faults.malformed_kind = "not_json"
            with pytest.raises(VSphereError) as info:
                await vc.create_console_ticket(vm_on, ConsoleType.VMRC)
            keep(info.value)
            s.faults.clear()
        keep(vc)

    secrets.discard("")
    assert len(secrets) >= 8
    log_text = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert "HTTP Request" in log_text  # httpx really logged at DEBUG/INFO
    assert "receive_response_headers" in log_text  # and httpcore too
    everything = log_text + "\n".join(texts)
    leaked = [s for s in secrets if s in everything]
    assert leaked == []


def test_http_loggers_are_filtered(caplog):
    """httpcore logs response headers at DEBUG; a session cookie in them is redacted before any handler sees it."""
    from vmconsole_gui.vsphere.redaction import install_log_redaction

    install_log_redaction()
    caplog.set_level(logging.DEBUG)
    sid = "0123456789abcdef0123456789abcdef"
    logging.getLogger("httpcore.http11").debug(
        "receive_response_headers.complete return_value=%r",
        (b"HTTP/1.1", 200, b"OK", [(b"Set-Cookie", f"vmware-api-session-id={sid};Path=/rest".encode())]),
    )
    assert "receive_response_headers" in caplog.text
    assert sid not in caplog.text
