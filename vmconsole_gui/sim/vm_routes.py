"""VM endpoints: list, details, power, guest identity and console tickets (vsphere-rest.md §2, §4)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from vmconsole_gui.sim.errors import VapiError, generic, invalid_argument, vm_not_found
from vmconsole_gui.sim.filters import filter_vms
from vmconsole_gui.sim.inventory import VmRecord
from vmconsole_gui.sim.state import STATE
from vmconsole_gui.sim.vm_details import vm_info
from vmconsole_gui.sim.wire import done, family, not_found_response, ok

POWER_ACTIONS = ("start", "stop", "suspend", "reset")
TICKET_TYPES = ("VMRC", "WEBMKS")
_POWER_TEXT = {
    ("start", "ALREADY_IN_DESIRED_STATE"): ("already_powered_on", "Virtual machine is already powered on."),
    ("stop", "ALREADY_IN_DESIRED_STATE"): ("already_powered_off", "Virtual machine is already powered off."),
    ("suspend", "ALREADY_IN_DESIRED_STATE"): ("already_suspended", "Virtual machine is already suspended."),
    ("suspend", "NOT_ALLOWED_IN_CURRENT_STATE"): ("not_powered_on", "Virtual machine is not powered on."),
    ("reset", "NOT_ALLOWED_IN_CURRENT_STATE"): ("not_powered_on", "Virtual machine is not powered on."),
}


def _summary(vm: VmRecord) -> dict[str, Any]:
    item: dict[str, Any] = {"vm": vm.vm_id, "name": vm.name, "power_state": vm.power_state}
    if not vm.inaccessible:
        item["cpu_count"] = vm.cpu_count
        item["memory_size_MiB"] = vm.memory_mib
    return item


def _vm(request: web.Request) -> VmRecord:
    state = request.app[STATE]
    vm_id = request.match_info["vm"]
    vm = state.inventory.vm(vm_id)
    if vm is None:
        raise vm_not_found(vm_id, state.inventory.instance_uuid)
    return vm


async def list_vms(request: web.Request) -> web.StreamResponse:
    """``GET /api/vcenter/vm`` (bare array) / ``GET /rest/vcenter/vm`` (``{"value": [...]}``)."""
    return ok(request, [_summary(vm) for vm in filter_vms(request)])


async def get_vm(request: web.Request) -> web.StreamResponse:
    """``GET …/vcenter/vm/{vm}``."""
    return ok(request, vm_info(_vm(request), family(request)))


async def get_power(request: web.Request) -> web.StreamResponse:
    """``GET …/vm/{vm}/power``: ``state`` plus ``clean_power_off`` when off."""
    vm = _vm(request)
    body: dict[str, Any] = {"state": vm.power_state}
    if vm.power_state == "POWERED_OFF":
        body["clean_power_off"] = vm.clean_power_off
    return ok(request, body)


async def power_action(request: web.Request) -> web.StreamResponse:
    """``POST /api/…/power?action=X`` (204) or ``POST /rest/…/power/X`` (200) per the §2.4 state machine."""
    action = request.match_info.get("action") or request.query.get("action", "")
    if action not in POWER_ACTIONS:
        return not_found_response(request.path)
    vm = _vm(request)
    refusal = request.app[STATE].inventory.transition(vm.vm_id, action)
    if refusal is not None:
        suffix, text = _POWER_TEXT[(action, refusal)]
        raise VapiError(refusal, f"com.vmware.api.vcenter.vm.power.{suffix}", text, [vm.vm_id])
    return done(request)


async def guest_identity(request: web.Request) -> web.StreamResponse:
    """``GET …/vm/{vm}/guest/identity``: 503 when Tools are not running; no ``ip_address`` when none."""
    vm = _vm(request)
    if not vm.tools_running:
        raise VapiError(
            "SERVICE_UNAVAILABLE",
            "com.vmware.api.vcenter.vm.guest.identity.tools_not_running",
            "VMware Tools is not running in the virtual machine.",
            [vm.vm_id],
        )
    body: dict[str, Any] = {
        "name": vm.guest_os,
        "family": vm.guest_family,
        "full_name": {"args": [], "default_message": vm.guest_full_name, "id": vm.guest_label_id},
        "host_name": vm.guest_host_name,
    }
    if vm.ip_address:
        body["ip_address"] = vm.ip_address
    return ok(request, body)


def _ticket_type(request_family: str, raw: bytes) -> str:
    where = "spec.type" if request_family == "rest" else "type"
    try:
        body = json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError):
        raise invalid_argument("vapi.json.parse.error", "The request body is not valid JSON.") from None
    if request_family == "rest":
        body = body.get("spec") if isinstance(body, dict) else None
    value = body.get("type") if isinstance(body, dict) else None
    if value is None:
        raise invalid_argument(
            "vapi.data.structure.field.missing",
            f"Field '{where}' missing from structure 'com.vmware.vcenter.vm.console.tickets.create_spec'.",
            [where],
        )
    if value not in TICKET_TYPES:
        raise invalid_argument(
            "vapi.data.enumeration.invalid",
            f"Invalid value '{value}' for field '{where}'; expected one of VMRC, WEBMKS.",
            [str(value), where],
        )
    return str(value)


async def create_ticket(request: web.Request) -> web.StreamResponse:
    """``POST …/vm/{vm}/console/tickets``: 201 ``{"ticket"}`` (``/api``), 200 ``{"value": {"ticket"}}`` (``/rest``)."""
    state = request.app[STATE]
    ticket_type = _ticket_type(family(request), await request.read())
    vm = _vm(request)
    if state.faults.ticket_error:
        raise generic(state.faults.ticket_error, state.faults.error_text)
    if ticket_type == "VMRC":
        clone = state.tickets.issue_vmrc_clone(state.vcenter_cert.sha1_dashed)
        uri = f"vmrc://clone:{clone}@{state.host}:{state.port}/?moid={vm.vm_id}"
    else:
        if vm.power_state != "POWERED_ON":
            raise VapiError(
                "NOT_ALLOWED_IN_CURRENT_STATE",
                "com.vmware.api.vcenter.vm.console.tickets.not_powered_on",
                f"Virtual machine '{vm.vm_id}' is not powered on.",
                [vm.vm_id],
            )
        uri = f"wss://{state.host}:{state.esxi_port}/ticket/{state.tickets.issue_webmks(vm.vm_id)}"
    return ok(request, {"ticket": uri}, api_status=201)
