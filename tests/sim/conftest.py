"""Fixtures for the simulator tests: a shared simulator, a validating HTTPS client, the trimmed vendor schemas."""

from __future__ import annotations

import json
import re
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft4Validator

from vmconsole_gui.sim import SimulatorConfig, start_simulator
from vmconsole_gui.sim.running import RunningSimulator

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


class Specs:
    """The trimmed vendor specs; finds the operation of a concrete request and validates response bodies."""

    def __init__(self) -> None:
        self.specs = [
            json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
            for name in ("session-7.0.3.trimmed.json", "cis-7.0.3.trimmed.json", "vcenter-7.0.3.trimmed.json")
        ]

    def find(self, method: str, target: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        for spec in self.specs:
            for key, ops in spec["paths"].items():
                pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/?]+", re.escape(key)) + "$"
                if re.match(pattern, target) and method.lower() in ops:
                    return spec, ops[method.lower()]
        return None

    def problems(self, method: str, target: str, status: int, body: Any) -> list[str]:
        found = self.find(method, target)
        assert found is not None, f"{method} {target} is not in the trimmed specs"
        spec, op = found
        if str(status) not in op["responses"]:
            return [f"status {status} is not a documented response of {method} {target}"]
        node = op["responses"][str(status)].get("schema")
        if node is None:
            return [] if body is None else [f"no body expected, got {body!r}"]
        schema = {"definitions": spec["definitions"], **node}
        return sorted(e.message for e in Draft4Validator(schema).iter_errors(body))


def target_of(method: str, path: str, params: dict[str, Any] | None) -> str:
    """The spec path key form of a request: action queries are part of the key."""
    params = params or {}
    if "action" in params:
        return f"{path}?action={params['action']}"
    if "~action" in params:
        return f"{path}?~action={params['~action']}"
    return path


class Wire:
    """An HTTPS client trusting only the simulator's CA; every response is checked against the schemas."""

    def __init__(self, sim: RunningSimulator, specs: Specs) -> None:
        self.sim = sim
        self.specs = specs
        self.http = httpx.Client(base_url=sim.url, verify=ca_context(sim), timeout=15)
        self.session_id: str | None = None

    def login(self, family: str = "api") -> str:
        auth = (self.sim.username, self.sim.password)
        headers = {"vmware-use-header-authn": "true"}
        if family == "api":
            r = self.call("POST", "/api/session", auth=auth, headers=headers, session=False)
            assert r.status_code == 201, r.text
            self.session_id = r.json()
        else:
            r = self.call("POST", "/rest/com/vmware/cis/session", auth=auth, headers=headers, session=False)
            assert r.status_code == 200, r.text
            self.session_id = r.json()["value"]
        assert isinstance(self.session_id, str)
        return self.session_id

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json_body: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        session: bool = True,
        validate: bool = True,
    ) -> httpx.Response:
        all_headers = dict(headers or {})
        if session and self.session_id:
            all_headers["vmware-api-session-id"] = self.session_id
        kwargs: dict[str, Any] = {"params": params, "headers": all_headers}
        if json_body is not None:
            kwargs["json"] = json_body
        if content is not None:
            kwargs["content"] = content
        if auth is not None:
            kwargs["auth"] = auth
        self.http.cookies.clear()
        r = self.http.request(method, path, **kwargs)
        if validate:
            body = r.json() if r.content else None
            plain = dict(params) if isinstance(params, dict) else dict(params or [])
            issues = self.specs.problems(method, target_of(method, path, plain), r.status_code, body)
            assert issues == [], f"{method} {path} -> {r.status_code} {r.text[:300]}: {issues}"
        return r

    def close(self) -> None:
        self.http.close()


def ca_context(sim: RunningSimulator) -> ssl.SSLContext:
    """A client TLS context that trusts only the simulated VMCA root."""
    return ssl.create_default_context(cadata=sim.ca_pem)


@pytest.fixture(scope="session")
def specs() -> Specs:
    return Specs()


@pytest.fixture(scope="session")
def shared_sim() -> Iterator[RunningSimulator]:
    with start_simulator(SimulatorConfig(vms=300, seed=1)) as sim:
        yield sim


@pytest.fixture
def sim(shared_sim: RunningSimulator) -> Iterator[RunningSimulator]:
    """The shared simulator, with faults cleared after each test."""
    yield shared_sim
    shared_sim.faults.clear()


@pytest.fixture
def wire(sim: RunningSimulator, specs: Specs) -> Iterator[Wire]:
    client = Wire(sim, specs)
    yield client
    client.close()


@pytest.fixture
def make_sim() -> Iterator[Any]:
    """Start extra simulators with a custom configuration; all are stopped at the end of the test."""
    started: list[RunningSimulator] = []

    def make(**kwargs: Any) -> RunningSimulator:
        sim = start_simulator(SimulatorConfig(**kwargs))
        started.append(sim)
        return sim

    yield make
    for sim in started:
        sim.stop()
