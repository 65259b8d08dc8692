"""Human sentences for vAPI errors, worded for what the client was doing (login, listing, console ticket…)."""

from __future__ import annotations

from .errors import ErrorType, Operation
from .models import ConsoleType

__all__ = ["api_error_message"]

_GENERIC: dict[ErrorType, str] = {
    ErrorType.ERROR: "{host} reported an error",
    ErrorType.ALREADY_EXISTS: "{host} reports that the object already exists",
    ErrorType.ALREADY_IN_DESIRED_STATE: "{host} reports that the VM is already in that state",
    ErrorType.CANCELED: "{host} canceled the request",
    ErrorType.CONCURRENT_CHANGE: "Someone else changed the object on {host} at the same time; reload and try again",
    ErrorType.FEATURE_IN_USE: "{host} refused because a feature is in use",
    ErrorType.INTERNAL_SERVER_ERROR: "{host} had an internal error",
    ErrorType.INVALID_ARGUMENT: "{host} rejected a value of the request as invalid",
    ErrorType.INVALID_ELEMENT_CONFIGURATION: "{host} rejected the request: invalid element configuration",
    ErrorType.INVALID_ELEMENT_TYPE: "{host} rejected the request: invalid element type",
    ErrorType.INVALID_REQUEST: "{host} rejected the request as malformed",
    ErrorType.NOT_ALLOWED_IN_CURRENT_STATE: "{host} does not allow this in the object's current state",
    ErrorType.NOT_FOUND: "{host} reports that the object does not exist (it may have been deleted); refresh the list",
    ErrorType.OPERATION_NOT_FOUND: "{host} does not offer this operation (its vCenter version is probably too old)",
    ErrorType.RESOURCE_BUSY: "The object is busy on {host}; try again in a moment",
    ErrorType.RESOURCE_IN_USE: "The object is in use on {host}",
    ErrorType.RESOURCE_INACCESSIBLE: "{host} cannot reach the object right now (is its ESXi host connected?)",
    ErrorType.SERVICE_UNAVAILABLE: "A service on {host} is unavailable right now; try again in a moment",
    ErrorType.TIMED_OUT: "{host} timed out while doing this",
    ErrorType.UNABLE_TO_ALLOCATE_RESOURCE: "{host} could not allocate the resources for this request",
    ErrorType.UNAUTHENTICATED: "{host} no longer accepts the session; log in again",
    ErrorType.UNAUTHORIZED: "Your account on {host} lacks the privilege for this",
    ErrorType.UNEXPECTED_INPUT: "{host} rejected unexpected input in the request",
    ErrorType.UNSUPPORTED: "{host} does not support this for this object (a template or fault-tolerance secondary?)",
    ErrorType.UNVERIFIED_PEER: "{host} could not verify a peer",
}


def _ticket_message(error_type: ErrorType | None, host: str, console: ConsoleType | None, vm: str | None) -> str | None:
    kind = "web console (WEBMKS)" if console is ConsoleType.WEBMKS else "VMRC console"
    the_vm = f"the VM {vm}" if vm else "the VM"
    if error_type is ErrorType.NOT_ALLOWED_IN_CURRENT_STATE:
        if console is ConsoleType.WEBMKS:
            return (
                "The VM is not powered on, so its web console (WEBMKS) cannot be opened. Power it on, or open it in "
                f"VMRC, which works in any power state. (vCenter {host})"
            )
        return f"{host} does not allow a {kind} for {the_vm} in its current state."
    if error_type is ErrorType.INVALID_ARGUMENT:
        return f"{host} does not accept the console type {console.value if console else '?'} for {the_vm}."
    if error_type is ErrorType.UNAUTHORIZED:
        return (
            f"Your account on {host} may not open the console of {the_vm}: it needs the privilege "
            "'Virtual machine > Interaction > Console interaction'. Ask your vSphere administrator."
        )
    if error_type is ErrorType.ERROR:
        return f"{host} could not create a {kind} ticket for {the_vm}."
    if error_type is ErrorType.RESOURCE_INACCESSIBLE:
        return (
            f"{host} cannot reach the configuration of {the_vm} right now, so no {kind} can be opened. "
            "Check that its ESXi host is connected and its datastore is available."
        )
    if error_type is ErrorType.SERVICE_UNAVAILABLE:
        return f"The console ticket service of {host} is unavailable right now. Try again in a moment."
    if error_type is ErrorType.UNAUTHENTICATED:
        return f"{host} rejected the session even after logging in again, so no {kind} could be opened. Reconnect."
    if error_type is ErrorType.NOT_FOUND:
        return f"{the_vm.capitalize()} no longer exists on {host} (deleted or moved?). Refresh the VM list."
    return None


def api_error_message(
    error_type: ErrorType | None,
    *,
    host: str,
    operation: Operation | None,
    server_text: str,
    status: int,
    console: ConsoleType | None = None,
    vm: str | None = None,
) -> str:
    """Return the ``user_message`` for a vAPI error in the context of ``operation``."""
    if operation is Operation.LOGIN and error_type is ErrorType.UNAUTHENTICATED:
        return f"The user name or password was rejected by {host}. Check them and try again."
    if operation is Operation.LIST and error_type is ErrorType.UNABLE_TO_ALLOCATE_RESOURCE:
        return f"{host} refuses to list that many VMs at once; narrow the filter."
    if operation is Operation.TICKET:
        specific = _ticket_message(error_type, host, console, vm)
        if specific is not None:
            return specific if not server_text else f"{specific} Server says: {server_text}"
    if operation is Operation.GUEST and error_type is ErrorType.SERVICE_UNAVAILABLE:
        return f"{host} has no guest information for the VM (VMware Tools not running)."
    if error_type is None:
        base = f"{host} answered HTTP {status} to the request to {operation.value if operation else 'do this'}"
    else:
        base = _GENERIC[error_type].format(host=host)
        if operation is not None:
            lead = base if base.startswith(host) else base[0].lower() + base[1:]
            base = f"Could not {operation.value}: {lead}"
    return f"{base}." if not server_text else f"{base}. Server says: {server_text}"
