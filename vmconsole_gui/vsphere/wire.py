"""JSON ↔ models for both API families: unwrapping ``{"value": …}``, vAPI error bodies, list/detail items.

Parsers raise :class:`ShapeError` (a ``ValueError``) on anything that does not match the contract; the client turns it
into :class:`~vmconsole_gui.vsphere.errors.MalformedResponse`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from .errors import ErrorType, ServerMessage
from .models import (
    VM,
    ApiFamily,
    Cluster,
    ConnectionState,
    Datacenter,
    DatacenterInfo,
    EntityRef,
    Folder,
    FolderType,
    GuestIdentity,
    Host,
    PowerInfo,
    PowerState,
    ResourcePool,
    SessionInfo,
    VMInfo,
)

__all__ = ["ShapeError", "parse_error_body", "parse_list", "status_fallback", "unwrap"]

T = TypeVar("T")

# PyRT's mapping used only when the body carries no error type (docs/vsphere-rest.md §3.3).
_STATUS_FALLBACK: dict[int, ErrorType] = {
    400: ErrorType.INVALID_REQUEST,
    401: ErrorType.UNAUTHENTICATED,
    403: ErrorType.UNAUTHORIZED,
    404: ErrorType.NOT_FOUND,
    409: ErrorType.CONCURRENT_CHANGE,
    429: ErrorType.SERVICE_UNAVAILABLE,
    500: ErrorType.INTERNAL_SERVER_ERROR,
    503: ErrorType.SERVICE_UNAVAILABLE,
    504: ErrorType.TIMED_OUT,
}


class ShapeError(ValueError):
    """A body does not have the shape the contract promises."""


def status_fallback(status: int) -> ErrorType | None:
    """Error type implied by an HTTP status when the body says nothing (PyRT's table)."""
    return _STATUS_FALLBACK.get(status)


def unwrap(family: ApiFamily, body: Any) -> Any:
    """Return the payload: ``/rest`` wraps it as ``{"value": …}``, ``/api`` does not."""
    if family is ApiFamily.REST:
        if not isinstance(body, dict) or "value" not in body:
            raise ShapeError("a /rest answer must be an object with a 'value' member")
        return body["value"]
    return body


def _obj(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ShapeError(f"{what} must be a JSON object")
    return value


def _str(d: dict[str, Any], key: str) -> str:
    value = d.get(key)
    if not isinstance(value, str):
        raise ShapeError(f"'{key}' must be a string")
    return value


def _opt_str(d: dict[str, Any], key: str) -> str | None:
    value = d.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ShapeError(f"'{key}' must be a string")
    return value


def _opt_int(d: dict[str, Any], key: str) -> int | None:
    value = d.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ShapeError(f"'{key}' must be an integer")
    return value


def _opt_bool(d: dict[str, Any], key: str) -> bool | None:
    value = d.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise ShapeError(f"'{key}' must be a boolean")
    return value


def _enum(enum_type: Callable[[str], T], d: dict[str, Any], key: str) -> T:
    raw = _str(d, key)
    try:
        return enum_type(raw)
    except ValueError:
        raise ShapeError(f"'{key}' has the unknown value {raw!r}") from None


def parse_list(payload: Any, item: Callable[[dict[str, Any]], T]) -> list[T]:
    """Parse a JSON array of objects with ``item``."""
    if not isinstance(payload, list):
        raise ShapeError("a list answer must be a JSON array")
    return [item(_obj(entry, "a list item")) for entry in payload]


_POWER_STATES = {state.value: state for state in PowerState}


def parse_vm_summary(
    d: dict[str, Any],
    datacenter: EntityRef | None = None,
    cluster: EntityRef | None = None,
    host: EntityRef | None = None,
) -> VM:
    """``VcenterVMSummary`` (wire name ``memory_size_MiB``), field by field: the error names the offending field.

    Listings take the fast path of :func:`parse_vm_summaries` and come here only for an item that fails it.
    """
    return VM(
        vm=_str(d, "vm"),
        name=_str(d, "name"),
        power_state=_enum(PowerState, d, "power_state"),
        cpu_count=_opt_int(d, "cpu_count"),
        memory_size_mib=_opt_int(d, "memory_size_MiB"),
        datacenter=datacenter,
        cluster=cluster,
        host=host,
    )


def parse_vm_summaries(
    payload: Any,
    datacenter: EntityRef | None = None,
    cluster: EntityRef | None = None,
    host: EntityRef | None = None,
) -> list[VM]:
    """A ``GET …/vcenter/vm`` array, parsed in one loop (listings run to tens of thousands of items)."""
    if not isinstance(payload, list):
        raise ShapeError("a list answer must be a JSON array")
    out: list[VM] = []
    append, power_of = out.append, _POWER_STATES.get
    for d in payload:
        if type(d) is dict:
            vm, name, cpu, memory = d.get("vm"), d.get("name"), d.get("cpu_count"), d.get("memory_size_MiB")
            power = power_of(d.get("power_state"))  # type: ignore[arg-type]
            if (
                power is not None
                and type(vm) is str
                and type(name) is str
                and (cpu is None or type(cpu) is int)
                and (memory is None or type(memory) is int)
            ):
                append(VM(vm, name, power, cpu, memory, datacenter, cluster, host))
                continue
        append(parse_vm_summary(_obj(d, "a list item"), datacenter, cluster, host))  # names what is wrong
    return out


def parse_datacenter(d: dict[str, Any]) -> Datacenter:
    """``VcenterDatacenterSummary``."""
    return Datacenter(datacenter=_str(d, "datacenter"), name=_str(d, "name"))


def parse_datacenter_info(d: dict[str, Any]) -> DatacenterInfo:
    """``VcenterDatacenterInfo``."""
    return DatacenterInfo(
        name=_str(d, "name"),
        vm_folder=_str(d, "vm_folder"),
        host_folder=_str(d, "host_folder"),
        datastore_folder=_str(d, "datastore_folder"),
        network_folder=_str(d, "network_folder"),
    )


def parse_cluster(d: dict[str, Any]) -> Cluster:
    """``VcenterClusterSummary``."""
    return Cluster(
        cluster=_str(d, "cluster"),
        name=_str(d, "name"),
        ha_enabled=_opt_bool(d, "ha_enabled"),
        drs_enabled=_opt_bool(d, "drs_enabled"),
    )


def parse_host(d: dict[str, Any]) -> Host:
    """``VcenterHostSummary``."""
    return Host(
        host=_str(d, "host"),
        name=_str(d, "name"),
        connection_state=_enum(ConnectionState, d, "connection_state"),
        power_state=_opt_str(d, "power_state"),
    )


def parse_folder(d: dict[str, Any]) -> Folder:
    """``VcenterFolderSummary``."""
    return Folder(folder=_str(d, "folder"), name=_str(d, "name"), type=_enum(FolderType, d, "type"))


def parse_resource_pool(d: dict[str, Any]) -> ResourcePool:
    """``VcenterResourcePoolSummary``."""
    return ResourcePool(resource_pool=_str(d, "resource_pool"), name=_str(d, "name"))


def parse_power(d: dict[str, Any]) -> PowerInfo:
    """``VcenterVmPowerInfo``."""
    return PowerInfo(state=_enum(PowerState, d, "state"), clean_power_off=_opt_bool(d, "clean_power_off"))


def parse_session_info(d: dict[str, Any]) -> SessionInfo:
    """``CisSessionInfo``."""
    return SessionInfo(
        user=_str(d, "user"), created_time=_str(d, "created_time"), last_accessed_time=_str(d, "last_accessed_time")
    )


def parse_guest_identity(d: dict[str, Any]) -> GuestIdentity:
    """``VcenterVmGuestIdentityInfo`` (``full_name`` is a LocalizableMessage)."""
    full = _obj(d.get("full_name"), "'full_name'")
    return GuestIdentity(
        name=_str(d, "name"),
        family=_str(d, "family"),
        full_name=_opt_str(full, "localized") or _str(full, "default_message"),
        host_name=_str(d, "host_name"),
        ip_address=_opt_str(d, "ip_address"),
    )


def _device_map(value: Any, what: str) -> list[tuple[str, dict[str, Any]]]:
    """A vAPI map: ``/api`` object keyed by device id, ``/rest`` array of ``{"key", "value"}``."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [(str(k), _obj(v, what)) for k, v in value.items()]
    if isinstance(value, list):
        out = []
        for entry in value:
            e = _obj(entry, what)
            out.append((str(e.get("key")), _obj(e.get("value"), what)))
        return out
    raise ShapeError(f"'{what}' must be an object or a key/value array")


def _labels(value: Any, what: str) -> tuple[str, ...]:
    return tuple(_opt_str(dev, "label") or key for key, dev in _device_map(value, what))


def parse_vm_info(vm: str, d: dict[str, Any]) -> VMInfo:
    """``VcenterVMInfo``, accepting both map encodings."""
    hardware = _obj(d.get("hardware", {}), "'hardware'")
    cpu = _obj(d.get("cpu", {}), "'cpu'")
    memory = _obj(d.get("memory", {}), "'memory'")
    identity = _obj(d.get("identity") or {}, "'identity'")
    return VMInfo(
        vm=vm,
        name=_str(d, "name"),
        power_state=_enum(PowerState, d, "power_state"),
        guest_os=_str(d, "guest_OS"),
        hardware_version=_opt_str(hardware, "version"),
        cpu_count=_opt_int(cpu, "count"),
        cores_per_socket=_opt_int(cpu, "cores_per_socket"),
        memory_size_mib=_opt_int(memory, "size_MiB"),
        instance_uuid=_opt_str(identity, "instance_uuid"),
        bios_uuid=_opt_str(identity, "bios_uuid"),
        disks=_labels(d.get("disks"), "disks"),
        nics=_labels(d.get("nics"), "nics"),
        cdroms=_labels(d.get("cdroms"), "cdroms"),
    )


def _messages(raw: Any) -> tuple[ServerMessage, ...]:
    if not isinstance(raw, list):
        return ()
    out = []
    for m in raw:
        if not isinstance(m, dict):
            continue
        args = m.get("args")
        out.append(
            ServerMessage(
                id=str(m.get("id", "")),
                default_message=str(m.get("default_message", m.get("defaultMessage", ""))),
                args=tuple(str(a) for a in args) if isinstance(args, list) else (),
                localized=m.get("localized") if isinstance(m.get("localized"), str) else None,
            )
        )
    return tuple(out)


def parse_error_body(body: Any) -> tuple[ErrorType | None, tuple[ServerMessage, ...], str | None]:
    """Return ``(error_type, messages, raw_type)`` of a vAPI error body in any known shape.

    ``/api``: ``{"error_type", "messages"}``; ``/rest``: ``{"type": "com.vmware.vapi.std.errors.x", "value": {…}}``;
    6.0 non-vAPI: ``{"name", "localizableMessages"}``. ``error_type`` is None when the body does not say.
    """
    if not isinstance(body, dict):
        return None, (), None
    if isinstance(body.get("type"), str) and "value" in body:
        raw_type: str = body["type"]
        value = body["value"] if isinstance(body["value"], dict) else {}
        error_type = ErrorType.from_rest_type(raw_type)
        if error_type is None and isinstance(value.get("error_type"), str):
            error_type = _error_type(value["error_type"])
        return error_type, _messages(value.get("messages")), raw_type
    if "error_type" in body or "messages" in body:
        raw = body.get("error_type")
        return (
            (_error_type(raw) if isinstance(raw, str) else None),
            _messages(body.get("messages")),
            (raw if isinstance(raw, str) else None),
        )
    if "localizableMessages" in body:
        return None, _messages(body.get("localizableMessages")), None
    return None, (), None


def _error_type(raw: str) -> ErrorType | None:
    try:
        return ErrorType(raw)
    except ValueError:
        return None
