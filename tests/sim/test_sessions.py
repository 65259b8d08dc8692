"""Sessions over real TLS: login on both families, 401 bodies, cookies, get, logout, idle expiry, expire-all."""

from __future__ import annotations

import time

import httpx

from tests.sim.conftest import Specs, Wire, ca_context

UNAUTH_API = {
    "error_type": "UNAUTHENTICATED",
    "messages": [
        {
            "args": [],
            "default_message": "Authentication required.",
            "id": "com.vmware.vapi.endpoint.method.authentication.required",
        }
    ],
}


def test_api_login_returns_bare_string_and_info(wire: Wire) -> None:
    sid = wire.login("api")
    assert len(sid) == 32
    assert all(c in "0123456789abcdef" for c in sid)
    r = wire.call("GET", "/api/session")
    assert r.status_code == 200
    info = r.json()
    assert info["user"] == wire.sim.username
    assert info["created_time"].endswith("Z")
    assert info["last_accessed_time"] >= info["created_time"]


def test_rest_login_wraps_value_and_get_is_post_action(wire: Wire) -> None:
    wire.login("rest")
    r = wire.call("POST", "/rest/com/vmware/cis/session", params={"~action": "get"})
    assert r.status_code == 200
    assert set(r.json()) == {"value"}
    assert r.json()["value"]["user"] == wire.sim.username


def test_sessions_work_across_families(wire: Wire) -> None:
    wire.login("api")
    assert wire.call("GET", "/rest/vcenter/datacenter").status_code == 200


def test_wrong_password_and_missing_auth_are_401_with_json(wire: Wire) -> None:
    for path, family in (("/api/session", "api"), ("/rest/com/vmware/cis/session", "rest")):
        r = wire.call("POST", path, auth=(wire.sim.username, "wrong"), session=False)
        assert r.status_code == 401
        body = r.json() if family == "api" else r.json()["value"]
        assert body["error_type"] == "UNAUTHENTICATED"
        r = wire.call("POST", path, session=False)
        assert r.status_code == 401
    r = wire.call("POST", "/api/session", auth=("someone@vsphere.local", wire.sim.password), session=False)
    assert r.status_code == 401


def test_missing_session_gives_exact_401_bodies(wire: Wire) -> None:
    r = wire.call("GET", "/api/vcenter/vm", session=False)
    assert r.status_code == 401
    assert r.json() == UNAUTH_API
    r = wire.call("GET", "/rest/vcenter/vm", session=False)
    assert r.status_code == 401
    assert r.json() == {"type": "com.vmware.vapi.std.errors.unauthenticated", "value": UNAUTH_API}
    r = wire.call("GET", "/api/vcenter/vm", headers={"vmware-api-session-id": "0" * 32}, session=False)
    assert r.status_code == 401
    assert r.json() == UNAUTH_API


def test_cookie_only_without_header_authn(wire: Wire) -> None:
    auth = (wire.sim.username, wire.sim.password)
    r = wire.call("POST", "/api/session", auth=auth, headers={"vmware-use-header-authn": "x"}, session=False)
    assert "set-cookie" not in r.headers
    r = wire.call("POST", "/rest/com/vmware/cis/session", auth=auth, session=False)
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("vmware-api-session-id=" + r.json()["value"])
    assert "Path=/rest" in cookie
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    # The cookie alone authenticates.
    client = httpx.Client(base_url=wire.sim.url, verify=ca_context(wire.sim))
    client.cookies.set("vmware-api-session-id", r.json()["value"])
    assert client.get("/rest/vcenter/datacenter").status_code == 200
    client.close()


def test_logout_then_401(wire: Wire) -> None:
    wire.login("api")
    r = wire.call("DELETE", "/api/session")
    assert r.status_code == 204
    assert r.content == b""
    assert wire.call("GET", "/api/session").status_code == 401
    assert wire.call("DELETE", "/api/session").status_code == 401
    wire.login("rest")
    r = wire.call("DELETE", "/rest/com/vmware/cis/session")
    assert r.status_code == 200
    assert r.content == b""
    assert wire.call("POST", "/rest/com/vmware/cis/session", params={"~action": "get"}).status_code == 401


def test_idle_expiry_is_refreshed_by_calls(make_sim, specs: Specs) -> None:
    sim = make_sim(vms=5, session_timeout_s=0.6)
    wire = Wire(sim, specs)
    wire.login()
    for _ in range(4):  # 1.2 s in total, but never 0.6 s idle
        time.sleep(0.3)
        assert wire.call("GET", "/api/session").status_code == 200
    time.sleep(0.8)
    assert wire.call("GET", "/api/session").status_code == 401
    wire.close()


def test_expire_all_sessions(wire: Wire) -> None:
    first = wire.login("api")
    second = Wire(wire.sim, wire.specs)
    second.login("rest")
    wire.sim.expire_all_sessions()
    assert wire.call("GET", "/api/session").status_code == 401
    assert second.call("GET", "/rest/vcenter/vm").status_code == 401
    assert wire.login("api") != first
    second.close()
