"""Benchmark: ``VSphereClient`` against a minimal raw-httpx baseline making the same HTTP requests.

Run from the repository root: ``.venv/bin/python tests/bench/bench_client.py`` (``--help`` for options).

The simulator runs as a separate process (``python -m vmconsole_gui.sim``) so client and server do not share a GIL.
Scenarios: the partitioned listing of 10k and 50k VMs (``list_all_vms``), the placement snapshot (``inventory``),
and 200 console tickets (VMRC on any VM, WEBMKS on powered-on VMs), sequentially and with concurrency 8. Each
scenario logs in once (untimed), runs one warm-up per side that also records every request (the two request lists
must be identical), then alternates client/baseline for ``--runs`` timed runs. Prints wall medians, minima, ratios
and the client process's CPU time (the simulator's CPU is not in it).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import importlib.util
import json
import os
import pstats
import ssl
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import httpx

from vmconsole_gui.vsphere import ConsoleType, PowerState, VSphereClient

CONCURRENCY = 8  # VSphereClient's default max_concurrency (its pool holds that many connections)
TOO_MANY = "UNABLE_TO_ALLOCATE_RESOURCE"


# ------------------------------------------------------------------------------------------------ the simulator
@dataclass
class Sim:
    """One simulator child process and what its ready line told us."""

    process: subprocess.Popen[str]
    host: str
    port: int
    username: str
    password: str = field(repr=False)
    sha256: str


@contextmanager
def simulator(vms: int) -> Iterator[Sim]:
    """Start ``python -m vmconsole_gui.sim --vms N`` (own process), yield it, stop it."""
    cmd = [sys.executable, "-m", "vmconsole_gui.sim", "--vms", str(vms), "--port", "0", "--seed", "1"]
    cmd += ["--log-level", "WARNING", "--exit-on-stdin-eof"]
    process = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        ready = json.loads(process.stdout.readline())
        url = urlsplit(ready["url"])
        assert url.hostname
        assert url.port
        yield Sim(process, url.hostname, url.port, ready["username"], ready["password"], ready["sha256"])
    finally:
        process.terminate()
        process.wait(10)


# ------------------------------------------------------------------------------------------------ the baseline
class Baseline:
    """Raw httpx: pinned leaf trusted via cadata, HTTP/1.1, same pool size and concurrency as the client."""

    def __init__(self, sim: Sim) -> None:
        pem = ssl.get_server_certificate((sim.host, sim.port))
        context = ssl.create_default_context(cadata=pem)
        context.check_hostname = False
        context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
        self.sim = sim
        self.http = httpx.AsyncClient(
            base_url=f"https://{sim.host}:{sim.port}",
            verify=context,
            http1=True,
            http2=False,
            limits=httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY, keepalive_expiry=5),
            timeout=60.0,
            trust_env=False,
        )
        self.sem = asyncio.Semaphore(CONCURRENCY)

    async def login(self) -> None:
        """``POST /api/session`` with Basic auth; every later request sends ``vmware-api-session-id``."""
        r = await self.http.post(
            "/api/session", auth=(self.sim.username, self.sim.password), headers={"vmware-use-header-authn": "true"}
        )
        r.raise_for_status()
        self.http.headers["vmware-api-session-id"] = r.json()

    async def aclose(self) -> None:
        """Log out and close."""
        (await self.http.delete("/api/session")).raise_for_status()
        await self.http.aclose()

    async def get(self, path: str, params: list[tuple[str, str]] | None = None) -> Any:
        """GET under the semaphore; the parsed JSON, or None when the server refuses too many matches."""
        async with self.sem:
            r = await self.http.get(path, params=httpx.QueryParams(tuple(params)) if params else None)
        body = json.loads(r.content)
        if r.is_success:
            return body
        if isinstance(body, dict) and body.get("error_type") == TOO_MANY:
            return None
        raise RuntimeError(f"GET {path} {params}: HTTP {r.status_code}")

    async def list_all_vms(self, placement: bool = False) -> dict[str, Any]:
        """Same descent as the client: all → per datacenter → per cluster / standalone host → per host."""
        vms = None if placement else await self.get("/api/vcenter/vm")
        if vms is None:
            dcs = await self.get("/api/vcenter/datacenter")
            chunks = await asyncio.gather(*(self._datacenter(dc["datacenter"], placement) for dc in dcs))
            vms = [vm for chunk in chunks for vm in chunk]
        merged: dict[str, Any] = {}
        for vm in vms:
            merged.setdefault(vm["vm"], vm)
        return merged

    async def _datacenter(self, dc: str, placement: bool) -> list[Any]:
        q = [("datacenters", dc)]
        if not placement and (vms := await self.get("/api/vcenter/vm", q)) is not None:
            return vms  # type: ignore[no-any-return]
        clusters, dc_hosts = await asyncio.gather(self.get("/api/vcenter/cluster", q), self.get("/api/vcenter/host", q))
        members = await asyncio.gather(*(self.get("/api/vcenter/host", [("clusters", c["cluster"])]) for c in clusters))
        clustered = {h["host"] for hosts in members for h in hosts}
        parts = [self._cluster(q, c["cluster"], hosts, placement) for c, hosts in zip(clusters, members, strict=True)]
        parts += [self._host([*q, ("hosts", h["host"])]) for h in dc_hosts if h["host"] not in clustered]
        return [vm for chunk in await asyncio.gather(*parts) for vm in chunk]

    async def _cluster(self, q: list[tuple[str, str]], cluster: str, hosts: list[Any], placement: bool) -> list[Any]:
        if not placement and (vms := await self.get("/api/vcenter/vm", [*q, ("clusters", cluster)])) is not None:
            return vms  # type: ignore[no-any-return]
        # the client's VMFilter.query() puts hosts= before clusters=
        chunks = await asyncio.gather(*(self._host([*q, ("hosts", h["host"]), ("clusters", cluster)]) for h in hosts))
        return [vm for chunk in chunks for vm in chunk]

    async def _host(self, q: list[tuple[str, str]]) -> list[Any]:
        vms = await self.get("/api/vcenter/vm", q)
        if vms is None:
            raise RuntimeError(f"baseline does not descend below host level ({q})")
        return vms  # type: ignore[no-any-return]

    async def ticket(self, vm: str, console: str) -> str:
        """``POST /api/vcenter/vm/{vm}/console/tickets`` → the ticket URL."""
        r = await self.http.post(f"/api/vcenter/vm/{vm}/console/tickets", json={"type": console})
        if r.status_code != 201:
            raise RuntimeError(f"ticket for {vm}: HTTP {r.status_code}")
        ticket = json.loads(r.content)["ticket"]
        assert isinstance(ticket, str)
        return ticket


def client_for(sim: Sim) -> VSphereClient:
    """The project's client, pinning the simulator's leaf."""
    pins = {f"{sim.host}:{sim.port}": sim.sha256}
    return VSphereClient(sim.host, sim.username, sim.password, port=sim.port, pins=pins, max_concurrency=CONCURRENCY)


# ------------------------------------------------------------------------------------------------ measuring
@contextmanager
def recording(http: httpx.AsyncClient) -> Iterator[list[str]]:
    """Record ``METHOD path?query`` of every request ``http`` sends (used in the untimed warm-up only)."""
    seen: list[str] = []

    async def hook(request: httpx.Request) -> None:
        seen.append(f"{request.method} {request.url.raw_path.decode()}")

    http.event_hooks["request"].append(hook)
    try:
        yield seen
    finally:
        http.event_hooks["request"].remove(hook)


@dataclass
class Row:
    """One scenario's result."""

    name: str
    client_ms: list[float]
    baseline_ms: list[float]
    client_cpu_ms: list[float]
    baseline_cpu_ms: list[float]
    client_requests: int
    baseline_requests: int
    same_requests: bool


async def timed(fn: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    """Wall and CPU milliseconds of one call of ``fn`` (after a full collection, so earlier garbage is not billed).

    CPU is this process's CPU time: the client side only, as the simulator runs in its own process.
    """
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    await fn()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


async def scenario(
    name: str,
    vc: VSphereClient,
    base: Baseline,
    client_fn: Callable[[], Awaitable[int]],
    base_fn: Callable[[], Awaitable[int]],
    runs: int,
) -> Row:
    """Warm-up with request recording and result check, then ``runs`` alternating timed runs."""
    with recording(vc._transport._client) as client_seen:  # benchmark-only peek at the client's httpx instance
        client_n = await client_fn()
    with recording(base.http) as base_seen:
        base_n = await base_fn()
    if client_n != base_n:
        raise RuntimeError(f"{name}: client returned {client_n} items, baseline {base_n}")
    client_runs: list[tuple[float, float]] = []
    base_runs: list[tuple[float, float]] = []
    for i in range(runs):
        pair = [(client_runs, client_fn), (base_runs, base_fn)]
        for out, fn in pair if i % 2 == 0 else reversed(pair):
            out.append(await timed(fn))
    same = Counter(client_seen) == Counter(base_seen)
    client_ms, client_cpu = [w for w, _ in client_runs], [c for _, c in client_runs]
    base_ms, base_cpu = [w for w, _ in base_runs], [c for _, c in base_runs]
    row = Row(name, client_ms, base_ms, client_cpu, base_cpu, len(client_seen), len(base_seen), same)
    print(f"  {name}: client {statistics.median(client_ms):.0f} ms, baseline {statistics.median(base_ms):.0f} ms")
    return row


async def bounded(calls: list[Callable[[], Awaitable[object]]], concurrency: int) -> None:
    """Run ``calls`` with at most ``concurrency`` in flight (1 = sequentially)."""
    sem = asyncio.Semaphore(concurrency)

    async def one(call: Callable[[], Awaitable[object]]) -> None:
        async with sem:
            await call()

    await asyncio.gather(*(one(c) for c in calls))


async def listing_scenarios(sim: Sim, vms: int, runs: int, inventory: bool) -> list[Row]:
    """``list_all_vms`` (and ``inventory``) of one simulator."""
    async with client_for(sim) as vc:
        base = Baseline(sim)
        await base.login()
        try:

            async def c_list() -> int:
                return len(await vc.list_all_vms())

            async def b_list() -> int:
                return len(await base.list_all_vms())

            async def c_inv() -> int:
                return len((await vc.inventory()).vms)

            async def b_inv() -> int:
                return len(await base.list_all_vms(placement=True))

            label = f"{vms // 1000}k VMs" if vms % 1000 == 0 else f"{vms} VMs"
            how = "partitioned" if vms > 4000 else "one request"  # 4000: the server's cap (vsphere-rest.md §2.1)
            rows = [await scenario(f"list {label} ({how})", vc, base, c_list, b_list, runs)]
            if inventory:
                rows.append(await scenario(f"inventory {label} (per host)", vc, base, c_inv, b_inv, runs))
            return rows
        finally:
            await base.aclose()


async def ticket_scenarios(sim: Sim, count: int, runs: int) -> list[Row]:
    """``count`` VMRC tickets (any VM) and WEBMKS tickets (powered-on VMs), sequential and concurrency 8."""
    rows: list[Row] = []
    async with client_for(sim) as vc:
        base = Baseline(sim)
        await base.login()
        try:
            everything = await vc.list_all_vms()
            on = [v.vm for v in everything if v.power_state is PowerState.POWERED_ON][:count]
            targets = {ConsoleType.VMRC: [v.vm for v in everything[:count]], ConsoleType.WEBMKS: on}
            for console, vm_ids in targets.items():
                assert len(vm_ids) == count, f"only {len(vm_ids)} VMs for {console.value}"
                for conc in (1, CONCURRENCY):

                    async def c_fn(ids: list[str] = vm_ids, t: ConsoleType = console, k: int = conc) -> int:
                        await bounded([partial(vc.create_console_ticket, v, t) for v in ids], k)
                        return len(ids)

                    async def b_fn(ids: list[str] = vm_ids, t: ConsoleType = console, k: int = conc) -> int:
                        await bounded([partial(base.ticket, v, t.value) for v in ids], k)
                        return len(ids)

                    how = "sequential" if conc == 1 else f"concurrency {conc}"
                    rows.append(await scenario(f"{count} {console.value} tickets, {how}", vc, base, c_fn, b_fn, runs))
        finally:
            await base.aclose()
    return rows


# ------------------------------------------------------------------------------------------------ report
def table(rows: list[Row]) -> str:
    """The result table: wall medians and minima, ratio of medians, client-process CPU medians, request counts."""
    head = f"{'scenario':<36}{'client ms':>10}{'(min)':>8}{'baseline ms':>12}{'(min)':>8}{'ratio':>7}"
    head += f"{'cpu client/base ms':>21}{'cpu ratio':>10}   requests (client/baseline)"
    lines = [head, "-" * len(head)]
    for r in rows:
        cm, bm = statistics.median(r.client_ms), statistics.median(r.baseline_ms)
        cc, bc = statistics.median(r.client_cpu_ms), statistics.median(r.baseline_cpu_ms)
        same = "identical" if r.same_requests else "DIFFERENT"
        lines.append(
            f"{r.name:<36}{cm:>10.1f}{min(r.client_ms):>8.1f}{bm:>12.1f}{min(r.baseline_ms):>8.1f}{cm / bm:>6.2f}x"
            f"{f'{cc:.0f} / {bc:.0f}':>21}{cc / bc:>9.2f}x   {r.client_requests}/{r.baseline_requests} ({same})"
        )
    return "\n".join(lines)


async def profile_client(sim: Sim, what: str, count: int) -> None:
    """cProfile the client side of one scenario (after a warm-up) and print the top functions."""
    async with client_for(sim) as vc:
        ids = [v.vm for v in await vc.list_all_vms() if v.power_state is PowerState.POWERED_ON][:count]
        calls: dict[str, Callable[[], Awaitable[object]]] = {
            "list": vc.list_all_vms,
            "inventory": vc.inventory,
            "tickets": partial(bounded, [partial(vc.create_console_ticket, v, ConsoleType.WEBMKS) for v in ids], 1),
        }
        await calls[what]()
        profiler = cProfile.Profile()
        profiler.enable()
        await calls[what]()
        profiler.disable()
    stats = pstats.Stats(profiler).strip_dirs().sort_stats("cumulative")
    stats.print_stats(35)
    stats.sort_stats("tottime").print_stats(25)


def sniffio_present() -> bool:
    """Whether ``sniffio`` is installed: httpcore 1.0.x imports it on every lock setup, and a failed import is slow."""
    return importlib.util.find_spec("sniffio") is not None


def main() -> None:
    """Parse options, run every scenario, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per side and scenario (default 7)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000], help="VM counts to list")
    parser.add_argument("--tickets", type=int, default=200, help="tickets per ticket scenario (default 200)")
    parser.add_argument("--no-inventory", action="store_true", help="skip the inventory() scenarios")
    parser.add_argument("--profile", choices=["list", "inventory", "tickets"], help="cProfile the client instead")
    args = parser.parse_args()
    if args.profile:
        with simulator(max(args.sizes)) as sim:
            asyncio.run(profile_client(sim, args.profile, args.tickets))
        return
    print(f"load average before: {os.getloadavg()}, CPUs: {os.cpu_count()}, runs: {args.runs} (+1 warm-up)")
    print(f"sniffio importable (httpcore retries a failed import of it per lock otherwise): {sniffio_present()}")
    rows: list[Row] = []
    for vms in args.sizes:
        with simulator(vms) as sim:
            rows += asyncio.run(listing_scenarios(sim, vms, args.runs, not args.no_inventory))
            if vms == min(args.sizes) and args.tickets:
                rows += asyncio.run(ticket_scenarios(sim, args.tickets, args.runs))
    print(f"load average after: {os.getloadavg()}")
    print(table(rows))


if __name__ == "__main__":
    main()
