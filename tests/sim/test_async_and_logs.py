"""The async in-loop API, and that logs and reprs never carry the password, session ids or tickets."""

from __future__ import annotations

import logging
import ssl

import aiohttp
import pytest

from tests.sim.conftest import Wire
from vmconsole_gui.sim import Simulator, SimulatorConfig


@pytest.mark.asyncio
async def test_async_simulator_on_existing_loop() -> None:
    async with Simulator(SimulatorConfig(vms=7, password="pw-async")) as sim:
        ssl_ctx = ssl.create_default_context(cadata=sim.ca_pem)
        async with aiohttp.ClientSession() as http:
            auth = {"Authorization": aiohttp.encode_basic_auth(sim.username, "pw-async")}
            async with http.post(f"{sim.url}/api/session", headers=auth, ssl=ssl_ctx) as r:
                assert r.status == 201
                sid = await r.json()
            async with http.get(f"{sim.url}/api/vcenter/vm", headers={"vmware-api-session-id": sid}, ssl=ssl_ctx) as r:
                assert len(await r.json()) == 7


def test_no_secrets_in_logs_or_reprs(wire: Wire, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sid = wire.login("api")
    vm_id = next(v for v in wire.sim.vm_ids() if wire.sim.vm(v).power_state == "POWERED_ON")
    ticket = wire.call("POST", f"/api/vcenter/vm/{vm_id}/console/tickets", json_body={"type": "WEBMKS"}).json()
    wire.call("GET", "/api/vcenter/vm")
    text = caplog.text + repr(wire.sim) + repr(wire.sim.simulator.config) + repr(wire.sim.request_log())
    assert "GET /api/vcenter/vm" in caplog.text
    for secret in (wire.sim.password, sid, ticket["ticket"].rsplit("/", 1)[1]):
        assert secret not in text
