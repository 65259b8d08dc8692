"""Extract the subset of the vendor Swagger specs that the simulator serves into this directory.

Usage: ``python tests/schemas/trim_specs.py /path/to/docs/specs`` (the directory holding ``vcenter-7.0.3.json``,
``cis-7.0.3.json``, ``session-7.0.3.json``). Keeps the listed path keys unchanged (operations and responses
verbatim) plus every definition they reach through ``$ref``; drops descriptions to keep the files small.
Run it again whenever the simulator serves a new path, then update PROVENANCE.md if the source changed.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

_VM = "/{vm}"
_API_VCENTER = [
    "/api/vcenter/vm",
    f"/api/vcenter/vm{_VM}",
    f"/api/vcenter/vm{_VM}/power",
    *(f"/api/vcenter/vm{_VM}/power?action={a}" for a in ("start", "stop", "suspend", "reset")),
    f"/api/vcenter/vm{_VM}/guest/identity",
    f"/api/vcenter/vm{_VM}/console/tickets",
    "/api/vcenter/datacenter",
    "/api/vcenter/datacenter/{datacenter}",
    "/api/vcenter/folder",
    "/api/vcenter/cluster",
    "/api/vcenter/host",
    "/api/vcenter/resource-pool",
]
_REST_VCENTER = [
    "/rest/vcenter/vm",
    f"/rest/vcenter/vm{_VM}",
    f"/rest/vcenter/vm{_VM}/power",
    *(f"/rest/vcenter/vm{_VM}/power/{a}" for a in ("start", "stop", "suspend", "reset")),
    f"/rest/vcenter/vm{_VM}/guest/identity",
    f"/rest/vcenter/vm{_VM}/console/tickets",
    "/rest/vcenter/datacenter",
    "/rest/vcenter/datacenter/{datacenter}",
    "/rest/vcenter/folder",
    "/rest/vcenter/cluster",
    "/rest/vcenter/host",
    "/rest/vcenter/resource-pool",
]
SELECTION: dict[str, tuple[list[str], set[str]]] = {
    # file: (path keys, methods to keep)
    "vcenter-7.0.3.json": (_API_VCENTER + _REST_VCENTER, {"get", "post"}),
    "cis-7.0.3.json": (
        ["/rest/com/vmware/cis/session", "/rest/com/vmware/cis/session?~action=get"],
        {"post", "delete"},
    ),
    "session-7.0.3.json": (["/api/session"], {"get", "post", "delete"}),
}


def _strip(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip(v) for k, v in node.items() if k not in ("description", "summary")}
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


def _refs(node: Any) -> set[str]:
    return set(re.findall(r'"#/definitions/([^"]+)"', json.dumps(node)))


def trim(spec: dict[str, Any], keys: list[str], methods: set[str]) -> dict[str, Any]:
    """The trimmed spec for ``keys`` (only ``methods`` operations; POST-only keys with GET skipped, etc.)."""
    paths: dict[str, Any] = {}
    for key in keys:
        ops = {m: op for m, op in spec["paths"][key].items() if m in methods}
        # The simulator does not create VMs/hosts/pools/datacenters: skip their POST on the list paths.
        if key.rstrip("/").split("/")[-1] in ("vm", "datacenter", "host", "resource-pool") and "get" in ops:
            ops.pop("post", None)
        paths[key] = _strip(ops)
    wanted, todo = set(), _refs(paths)
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo |= _refs(spec["definitions"][name])
    definitions = {name: _strip(spec["definitions"][name]) for name in sorted(wanted)}
    return {"swagger": spec["swagger"], "info": spec["info"], "paths": paths, "definitions": definitions}


def main(argv: list[str]) -> int:
    """Write ``<name>`` trimmed copies next to this script; print source hashes for PROVENANCE.md."""
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    source = Path(argv[1])
    for name, (keys, methods) in SELECTION.items():
        raw = (source / name).read_bytes()
        trimmed = trim(json.loads(raw), keys, methods)
        out = HERE / name.replace(".json", ".trimmed.json")
        out.write_text(json.dumps(trimmed, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(
            f"{name} sha256={hashlib.sha256(raw).hexdigest()} -> {out.name}: {len(trimmed['paths'])} paths, "
            f"{len(trimmed['definitions'])} definitions"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
