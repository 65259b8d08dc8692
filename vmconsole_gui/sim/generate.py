"""Deterministic inventory generation: same seed and size, same inventory (50k VMs in well under a second).

Shape: a few datacenters under ``group-d1``; per datacenter, clusters of ~8 hosts plus some standalone hosts (a few
DISCONNECTED); nested VM folders (environment / role group); a root resource pool per compute resource plus child
pools. About 60 VMs per host (never more than :data:`MAX_VMS_PER_HOST`), mostly powered on, some off, a few
suspended; ~1 % "inaccessible" (no CPU/memory in summaries); some VMs without VMware Tools.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

from vmconsole_gui.sim.inventory import Cluster, Datacenter, Folder, Host, Inventory, ResourcePool, VmRecord

MAX_VMS_PER_HOST = 150
_VMS_PER_HOST = 60
_HOSTS_PER_CLUSTER = 8

_ENVS = (("prod", "Production"), ("stage", "Staging"), ("dev", "Development"), ("test", "Test"), ("qa", "QA"))
_ROLES = {
    "Web": ("web", "proxy", "lb", "cdn"),
    "Databases": ("db", "pg", "mysql", "redis", "mongo"),
    "Apps": ("app", "api", "worker", "batch", "etl", "mq"),
    "Infrastructure": ("dns", "ntp", "mon", "log", "ci", "build", "jump", "vpn"),
    "Windows": ("ad", "sql", "file", "rds", "exch", "wsus"),
}
_LINUX = (
    ("RHEL_8_64", "Red Hat Enterprise Linux 8 (64-bit)", "rhel8_64Guest"),
    ("RHEL_9_64", "Red Hat Enterprise Linux 9 (64-bit)", "rhel9_64Guest"),
    ("RHEL_7_64", "Red Hat Enterprise Linux 7 (64-bit)", "rhel7_64Guest"),
    ("UBUNTU_64", "Ubuntu Linux (64-bit)", "ubuntu64Guest"),
    ("DEBIAN_11_64", "Debian GNU/Linux 11 (64-bit)", "debian11_64Guest"),
    ("SLES_15_64", "SUSE Linux Enterprise 15 (64-bit)", "sles15_64Guest"),
    ("CENTOS_8_64", "CentOS 8 (64-bit)", "centos8_64Guest"),
)
_WINDOWS = (
    ("WINDOWS_9_SERVER_64", "Microsoft Windows Server 2016 or later (64-bit)", "windows9Server64Guest"),
    ("WINDOWS_SERVER_2019", "Microsoft Windows Server 2019 (64-bit)", "windows2019srv_64Guest"),
    ("WINDOWS_SERVER_2021", "Microsoft Windows Server 2022 (64-bit)", "windows2019srvNext_64Guest"),
    ("WINDOWS_9_64", "Microsoft Windows 10 (64-bit)", "windows9_64Guest"),
)
_ENV_KEYS = tuple(e for e, _ in _ENVS)
_SITES = ("ams", "fra", "lon", "par", "nyc", "sfo", "sin", "syd")


class _Ids:
    """vCenter-style managed object ids from one increasing counter."""

    def __init__(self) -> None:
        self._next = 1001

    def __call__(self, prefix: str) -> str:
        self._next += 1
        return f"{prefix}{self._next}"


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def generate_inventory(vm_count: int, seed: int) -> Inventory:
    """Generate an inventory of ``vm_count`` VMs, fully determined by ``seed``."""
    if vm_count < 0:
        raise ValueError("the number of VMs cannot be negative")
    rng = random.Random(seed)
    ids = _Ids()
    inv = Inventory(instance_uuid=_uuid(rng))
    inv.folders["group-d1"] = Folder("group-d1", "Datacenters", "DATACENTER", None, None)
    host_total = max(2, math.ceil(vm_count / _VMS_PER_HOST))
    dc_total = min(len(_SITES), max(2, 1 + vm_count // 4000))
    hosts: list[Host] = []
    vm_folders: dict[str, list[tuple[str, str, str]]] = {}  # dc -> [(folder_id, env, group)]
    pools: dict[str, list[str]] = {}  # compute resource (cluster or host id) -> pool ids
    for d in range(dc_total):
        site = _SITES[d]
        dc_id = ids("datacenter-")
        folder_ids = {t: ids(f"group-{t[0].lower()}") for t in ("VIRTUAL_MACHINE", "HOST", "DATASTORE", "NETWORK")}
        for ftype, fid in folder_ids.items():
            name = {"VIRTUAL_MACHINE": "vm", "HOST": "host", "DATASTORE": "datastore", "NETWORK": "network"}[ftype]
            inv.folders[fid] = Folder(fid, name, ftype, dc_id, dc_id)
        inv.datacenters[dc_id] = Datacenter(
            dc_id,
            f"DC-{site.upper()}",
            "group-d1",
            folder_ids["VIRTUAL_MACHINE"],
            folder_ids["HOST"],
            folder_ids["DATASTORE"],
            folder_ids["NETWORK"],
        )
        root_vm = folder_ids["VIRTUAL_MACHINE"]
        entries = [(root_vm, "", "")]
        for env, env_name in _ENVS:
            env_id = ids("group-v")
            inv.folders[env_id] = Folder(env_id, env_name, "VIRTUAL_MACHINE", root_vm, dc_id)
            entries.append((env_id, env, ""))
            for group in _ROLES:
                gid = ids("group-v")
                inv.folders[gid] = Folder(gid, group, "VIRTUAL_MACHINE", env_id, dc_id)
                entries.append((gid, env, group))
        vm_folders[dc_id] = entries
        dc_hosts = host_total // dc_total + (1 if d < host_total % dc_total else 0)
        standalone = max(1, dc_hosts // 10) if dc_hosts > 1 else dc_hosts
        clustered = dc_hosts - standalone
        cluster_ids: list[str | None] = []
        for c in range(math.ceil(clustered / _HOSTS_PER_CLUSTER)):
            cid = ids("domain-c")
            inv.clusters[cid] = Cluster(cid, f"{site}-cl{c + 1:02d}", dc_id, folder_ids["HOST"], c % 3 != 2, c % 4 != 3)
            root = ids("resgroup-")
            inv.resource_pools[root] = ResourcePool(root, "Resources", dc_id, None, cid, None)
            pools[cid] = [root]
            for child in ("Prod", "Non-Prod"):
                rp = ids("resgroup-")
                inv.resource_pools[rp] = ResourcePool(rp, child, dc_id, root, cid, None)
                pools[cid].append(rp)
            cluster_ids.extend([cid] * _HOSTS_PER_CLUSTER)
        for h in range(dc_hosts):
            hid = ids("host-")
            owner: str | None = cluster_ids[h] if h < clustered else None
            state = "DISCONNECTED" if h % 25 == 24 or (owner is None and h == dc_hosts - 1 and d == 0) else "CONNECTED"
            name = f"esx{h + 1:03d}.{site}.example.com"
            host = Host(hid, name, dc_id, folder_ids["HOST"], owner, state, "POWERED_ON")
            inv.hosts[hid] = host
            hosts.append(host)
            if owner is None:
                root = ids("resgroup-")
                inv.resource_pools[root] = ResourcePool(root, "Resources", dc_id, None, None, hid)
                pools[hid] = [root]
    _generate_vms(inv, rng, ids, vm_count, hosts, vm_folders, pools)
    inv.build_indexes()
    return inv


def _generate_vms(
    inv: Inventory,
    rng: random.Random,
    ids: _Ids,
    vm_count: int,
    hosts: list[Host],
    vm_folders: dict[str, list[tuple[str, str, str]]],
    pools: dict[str, list[str]],
) -> None:
    counters: dict[str, int] = {}
    per_host = [0] * len(hosts)
    width = 3 if vm_count < 100_000 else 4
    groups = list(_ROLES)
    rand = rng.random
    folder_of = {dc: {(e, g): f for f, e, g in entries} for dc, entries in vm_folders.items()}
    host_count = len(hosts)

    def pick(seq: Sequence[Any]) -> Any:
        return seq[int(rand() * len(seq))]

    for _ in range(vm_count):
        index = int(rand() * host_count)
        while per_host[index] >= MAX_VMS_PER_HOST:
            index = (index + 1) % len(hosts)
        per_host[index] += 1
        host = hosts[index]
        group = pick(groups)
        env = pick(_ENV_KEYS)
        role = pick(_ROLES[group])
        stem = f"{role}-{env}"
        counters[stem] = counters.get(stem, 0) + 1
        name = f"{stem}-{counters[stem]:0{width}d}"
        windows = group == "Windows"
        guest_os, full_name, label = pick(_WINDOWS if windows else _LINUX)
        roll = rand()
        power = "POWERED_ON" if roll < 0.8 else ("POWERED_OFF" if roll < 0.95 else "SUSPENDED")
        has_tools = rand() < 0.9
        place = rand()
        if place < 0.05:
            folder_id = folder_of[host.datacenter_id][("", "")]
        else:
            folder_id = folder_of[host.datacenter_id][(env, group if place >= 0.15 else "")]
        owner = host.cluster_id or host.host_id
        owner_pools = pools[owner]
        pool = owner_pools[0] if len(owner_pools) == 1 else owner_pools[1 if env == "prod" else 2]
        bits = f"{rng.getrandbits(128):032x}"
        octets = int(bits[:6], 16)
        ip = f"10.{octets >> 16}.{(octets >> 8) & 255}.{max(octets & 255, 2)}"
        vm_id = ids("vm-")
        inv.vms[vm_id] = VmRecord(
            vm_id=vm_id,
            name=name,
            power_state=power,
            guest_os=guest_os,
            guest_family="WINDOWS" if windows else "LINUX",
            guest_full_name=full_name,
            guest_label_id=f"vmsg.guestos.{label}.label",
            guest_host_name=name.upper() if windows else f"{name}.{env}.example.com",
            ip_address=ip if rand() < 0.9 else None,
            has_tools=has_tools,
            cpu_count=pick((1, 2, 2, 4, 4, 8, 16)),
            memory_mib=pick((1024, 2048, 4096, 4096, 8192, 16384, 32768)),
            inaccessible=rand() < 0.01,
            host_id=host.host_id,
            cluster_id=host.cluster_id,
            datacenter_id=host.datacenter_id,
            folder_id=folder_id,
            resource_pool_id=pool,
            instance_uuid=f"50{bits[2:8]}-{bits[8:12]}-{bits[12:16]}-{bits[16:20]}-{bits[20:]}",
            bios_uuid=f"42{bits[2:8]}-{bits[12:16]}-{bits[8:12]}-{bits[20:24]}-{bits[24:]}{bits[16:20]}",
            mac_address=f"00:50:56:{bits[6:8]}:{bits[26:28]}:{bits[30:32]}",
            disk_gib=pick((16, 40, 60, 100, 200)),
            clean_power_off=rand() < 0.9,
        )
