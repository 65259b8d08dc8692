"""Benchmark: ``vmconsole-gui --list --json`` against a minimal pyvmomi script reading the same properties.

Run from the repository root: ``.venv/bin/python tests/bench/bench_list.py [--vms-per-host 500] [--clusters 9]``.

Both sides are whole processes started the same way (interpreter start-up and imports included), against one
govmomi vcsim (``.cache/vcsim/vcsim``, built by ``scripts/build-vcsim.sh``): the app logs in over SOAP with the
certificate pinned by ``--trust-fingerprint``, reads every VM with the properties the table shows through one
ContainerView + paged ``RetrievePropertiesEx`` and prints JSON; the baseline logs in with pyvmomi's
``SmartConnect`` (certificate unchecked), reads the same property paths through the same view, and prints the VM
count. Runs alternate order; prints medians, minima and the ratio (target: ≤ 1.5×).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import ssl
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.vsphere.vcsim import start_vcsim  # noqa: E402
from vmconsole_gui.vsphere.soap.inventory import OTHER_PROPERTIES, VM_PROPERTIES  # noqa: E402

BASELINE = """
import ssl, sys
from pyVim.connect import SmartConnect, Disconnect
from pyVmomi import vim, vmodl
host, port, user, pwd = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
vm_paths, others = {vm_paths!r}, {others!r}
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
si = SmartConnect(host=host, port=port, user=user, pwd=pwd, sslContext=ctx)
c = si.RetrieveContent()
types = [vim.VirtualMachine, vim.HostSystem, vim.ComputeResource, vim.Folder, vim.Datacenter]
view = c.viewManager.CreateContainerView(c.rootFolder, types, True)
pcq = vmodl.query.PropertyCollector
ts = pcq.TraversalSpec(name="view", type=vim.view.ContainerView, path="view", skip=False)
props = [pcq.PropertySpec(type=vim.VirtualMachine, pathSet=list(vm_paths))]
props += [pcq.PropertySpec(type=getattr(vim, t), pathSet=list(p)) for t, p in others.items()]
spec = pcq.FilterSpec(objectSet=[pcq.ObjectSpec(obj=view, skip=True, selectSet=[ts])], propSet=props)
r = c.propertyCollector.RetrievePropertiesEx([spec], pcq.RetrieveOptions(maxObjects=1000))
n = 0
while r is not None:
    n += sum(1 for o in r.objects if isinstance(o.obj, vim.VirtualMachine))
    r = c.propertyCollector.ContinueRetrievePropertiesEx(r.token) if r.token else None
view.DestroyView()
Disconnect(si)
print(n)
"""


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True, stdin=subprocess.DEVNULL)
    return time.perf_counter() - t0, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms-per-host", type=int, default=500)
    parser.add_argument("--clusters", type=int, default=9)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    server = start_vcsim("-vm", str(args.vms_per_host), "-cluster", str(args.clusters))
    try:
        der = ssl.PEM_cert_to_DER_cert(ssl.get_server_certificate((server.host, server.port)))
        sha = hashlib.sha256(der).hexdigest()
        home = Path(f"/tmp/bench-list-{os.getpid()}")
        env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
        env.update(
            XDG_CONFIG_HOME=str(home / "config"),
            XDG_STATE_HOME=str(home / "state"),
            XDG_CACHE_HOME=str(home / "cache"),
            VMCONSOLE_GUI_PASSWORD=server.password,
            PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        )
        target = f"https://{server.username}@{server.host}:{server.port}"
        app = [sys.executable, "-m", "vmconsole_gui", "--list", target, "--json", "--trust-fingerprint", sha]
        script = BASELINE.format(vm_paths=VM_PROPERTIES, others=OTHER_PROPERTIES)
        base = [sys.executable, "-c", script, server.host, str(server.port), server.username, server.password]
        _, out = timed(app, env)  # warm-up, and the counts must agree
        _, count = timed(base, env)
        vms = len(json.loads(out))
        assert vms == int(count), (vms, count)
        app_times, base_times = [], []
        for run in range(args.runs):
            pair = [(app, app_times), (base, base_times)]
            for cmd, times in pair if run % 2 == 0 else reversed(pair):
                times.append(timed(cmd, env)[0])
        a, b = statistics.median(app_times), statistics.median(base_times)
        print(f"{vms} VMs on vcsim, {args.runs} runs each (alternating order)")
        print(f"  vmconsole-gui --list --json : median {a * 1000:7.0f} ms  min {min(app_times) * 1000:7.0f} ms")
        print(f"  pyvmomi alone               : median {b * 1000:7.0f} ms  min {min(base_times) * 1000:7.0f} ms")
        print(f"  ratio (median)              : {a / b:.2f}x   (target <= 1.5x)")
    finally:
        server.stop()
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
