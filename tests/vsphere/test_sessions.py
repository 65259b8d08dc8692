"""Sessions against the simulator: both API families, fallback, logout, transparent re-login, wrong password."""

from __future__ import annotations

import asyncio

import pytest

from tests.vsphere.conftest import trusted_client
from vmconsole_gui.vsphere import ApiFamily, LoginFailed, VSphereClient
from vmconsole_gui.vsphere.errors import Unauthenticated


def _session_posts(sim) -> list[str]:
    return [
        r.path for r in sim.request_log() if r.method == "POST" and r.endpoint == "session" and "~action" not in r.path
    ]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("profile", "family", "login_paths"),
    [
        ("8.0", ApiFamily.API, ["/api/session"]),
        ("7.0u2", ApiFamily.API, ["/api/session"]),
        ("7.0u1", ApiFamily.REST, ["/api/session", "/rest/com/vmware/cis/session"]),
        ("6.7", ApiFamily.REST, ["/api/session", "/rest/com/vmware/cis/session"]),
    ],
)
async def test_login_picks_the_family_the_server_speaks(sim_factory, profile, family, login_paths):
    sim = sim_factory(profile=profile)
    sim.clear_request_log()
    vc = trusted_client(sim)
    async with vc:
        assert vc.family is family
        assert _session_posts(sim) == login_paths
        info = await vc.keepalive()
        assert info.user.lower().startswith("administrator")
        assert len(await vc.list_vms()) == len(sim.vm_ids())
        # The family is remembered: a second login goes straight to the right endpoint.
        sim.clear_request_log()
        await vc.login()
        assert _session_posts(sim) == login_paths[-1:]
    deletes = [r for r in sim.request_log() if r.method == "DELETE"]
    assert [r.path for r in deletes] == [login_paths[-1]]
    assert deletes[0].status in (200, 204)
    assert not vc.logged_in


@pytest.mark.asyncio
async def test_logged_out_session_is_dead_on_the_server(sim80):
    vc = trusted_client(sim80)
    try:
        await vc.login()
        session = vc._session
        await vc.logout()
        # Replaying the old id by hand must fail: the server deleted it.
        resp = await vc._transport.request("GET", "/api/session", headers={"vmware-api-session-id": session.reveal()})
        assert resp.status_code == 401
    finally:
        await vc.aclose()


@pytest.mark.asyncio
@pytest.mark.parametrize("profile", ["8.0", "7.0u1"])
async def test_expired_session_relogs_in_once_transparently(sim_factory, profile):
    sim = sim_factory(profile=profile)
    async with trusted_client(sim) as vc:
        before = vc._session.reveal()
        sim.expire_all_sessions()
        sim.clear_request_log()
        vms = await vc.list_vms()
        assert len(vms) == len(sim.vm_ids())
        assert vc._session.reveal() != before
        log = sim.request_log()
        assert [r.status for r in log if r.endpoint == "vm.list"] == [401, 200]
        assert len(_session_posts(sim)) == 1


@pytest.mark.asyncio
async def test_concurrent_calls_hitting_expiry_share_one_relogin(sim80):
    async with trusted_client(sim80) as vc:
        vm_ids = sim80.vm_ids()[:12]
        sim80.expire_all_sessions()
        sim80.clear_request_log()
        results = await asyncio.gather(*(vc.get_power(vm) for vm in vm_ids))
        assert len(results) == 12
        assert len(_session_posts(sim80)) == 1


@pytest.mark.asyncio
async def test_second_unauthenticated_is_raised_not_looped(sim80):
    """If the server rejects even the fresh session, the call fails after exactly one re-login."""
    async with trusted_client(sim80) as vc:
        sim80.faults.error_rates = {"vm.list": 1.0}
        sim80.faults.error_type = "UNAUTHENTICATED"
        sim80.clear_request_log()
        with pytest.raises(Unauthenticated) as info:
            await vc.list_vms()
        assert not isinstance(info.value, LoginFailed)
        assert [r.endpoint for r in sim80.request_log()].count("vm.list") == 2
        sim80.faults.clear()


@pytest.mark.asyncio
@pytest.mark.parametrize("profile", ["8.0", "6.7"])
async def test_wrong_password_is_a_clear_login_failure(sim_factory, profile):
    sim = sim_factory(profile=profile)
    vc = VSphereClient(sim.host, sim.username, "not-the-password", port=sim.port, extra_ca_pem=sim.ca_pem)
    with pytest.raises(LoginFailed) as info:
        async with vc:
            pass
    err = info.value
    assert err.status == 401
    assert str(err).startswith(f"The user name or password was rejected by {sim.host}")
    assert "not-the-password" not in str(err) + repr(err)


def test_bad_constructor_arguments_are_refused_clearly():
    with pytest.raises(ValueError, match="not a host name"):
        VSphereClient("https://vc/", "u", "p")
    with pytest.raises(ValueError, match="port"):
        VSphereClient("vc", "u", "p", port=70000)
    with pytest.raises(ValueError, match="user name"):
        VSphereClient("vc", "", "p")
    with pytest.raises(ValueError, match="host:port"):
        VSphereClient("vc", "u", "p", pins={"vc": "ab" * 32})
    with pytest.raises(ValueError, match="SHA-256"):
        VSphereClient("vc", "u", "p", pins={"vc:443": "ab" * 20})
    with pytest.raises(ValueError, match="PEM"):
        VSphereClient("vc", "u", "p", extra_ca_pem="not a pem")


_FIRST_REQUEST_SCRIPT = """
import asyncio, json, sys
from vmconsole_gui.vsphere import VSphereClient

async def main() -> None:
    host, user, password, port, pin_key, pin = sys.argv[1:]
    client = VSphereClient(host, user, password, port=int(port), pins={pin_key: pin})
    before = set(sys.modules)
    await client.login()
    imported = sorted(set(sys.modules) - before)
    await client.aclose()
    print(json.dumps(imported))

asyncio.run(main())
"""


def test_the_first_request_imports_nothing(sim80):
    """Lazy imports inside the first request (anyio's backend, sniffio) would pause a GUI's event loop for ~60 ms."""
    import json
    import subprocess
    import sys

    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _FIRST_REQUEST_SCRIPT,
            sim80.host,
            sim80.username,
            sim80.password,
            str(sim80.port),
            f"{sim80.host}:{sim80.port}",
            sim80.sha256,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(done.stdout) == []
