"""vAPI error bodies and HTTP statuses for both API families (vsphere-rest.md §1.4, §3).

``/api`` errors are flat: ``{"error_type": ..., "messages": [...]}``. ``/rest`` errors are wrapped:
``{"type": "com.vmware.vapi.std.errors.<snake>", "value": {"error_type": ..., "messages": [...]}}``.
Statuses follow the table of §3.3 (for instance UNABLE_TO_ALLOCATE_RESOURCE is 500 on ``/api`` and 400 on ``/rest``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

API_STATUS: dict[str, int] = {
    "UNAUTHENTICATED": 401,
    "UNAUTHORIZED": 403,
    "NOT_FOUND": 404,
    "OPERATION_NOT_FOUND": 404,
    "INVALID_ARGUMENT": 400,
    "INVALID_REQUEST": 400,
    "NOT_ALLOWED_IN_CURRENT_STATE": 400,
    "ALREADY_IN_DESIRED_STATE": 400,
    "ALREADY_EXISTS": 400,
    "RESOURCE_IN_USE": 400,
    "UNSUPPORTED": 400,
    "UNVERIFIED_PEER": 400,
    "CONCURRENT_CHANGE": 409,
    "RESOURCE_BUSY": 500,
    "RESOURCE_INACCESSIBLE": 500,
    "UNABLE_TO_ALLOCATE_RESOURCE": 500,
    "TIMED_OUT": 500,
    "ERROR": 500,
    "INTERNAL_SERVER_ERROR": 500,
    "SERVICE_UNAVAILABLE": 503,
}
"""HTTP status of each vAPI error type on ``/api`` (OAS703/OAS802 ``/api`` paths)."""

REST_STATUS: dict[str, int] = {
    **API_STATUS,
    "RESOURCE_BUSY": 400,
    "RESOURCE_INACCESSIBLE": 400,
    "UNABLE_TO_ALLOCATE_RESOURCE": 400,
    "TIMED_OUT": 504,
    "ERROR": 400,
}
"""HTTP status of each vAPI error type on ``/rest`` (OAS703 ``/rest`` paths)."""


class VapiError(Exception):
    """A vAPI standard error, rendered per API family by :meth:`api_body` / :meth:`rest_body`.

    ``status`` overrides the §3.3 table (used for the configurable too-many-matches status).
    """

    def __init__(
        self,
        error_type: str,
        message_id: str,
        default_message: str,
        args: Sequence[str] = (),
        *,
        api_status: int | None = None,
        rest_status: int | None = None,
    ) -> None:
        super().__init__(f"{error_type}: {default_message}")
        if error_type not in API_STATUS:
            raise ValueError(f"unknown vAPI error type {error_type!r}")
        self.error_type = error_type
        self.message_id = message_id
        self.default_message = default_message
        self.args_list = [str(a) for a in args]
        self._api_status = api_status
        self._rest_status = rest_status

    def status(self, family: str) -> int:
        """HTTP status for ``family`` (``"api"`` or ``"rest"``)."""
        if family == "api":
            return self._api_status or API_STATUS[self.error_type]
        return self._rest_status or REST_STATUS[self.error_type]

    def _inner(self) -> dict[str, Any]:
        message = {"args": self.args_list, "default_message": self.default_message, "id": self.message_id}
        return {"error_type": self.error_type, "messages": [message]}

    def api_body(self) -> dict[str, Any]:
        """The flat ``/api`` body."""
        return self._inner()

    def rest_body(self) -> dict[str, Any]:
        """The wrapped ``/rest`` body."""
        return {"type": f"com.vmware.vapi.std.errors.{self.error_type.lower()}", "value": self._inner()}

    def body(self, family: str) -> dict[str, Any]:
        """The body for ``family``."""
        return self.api_body() if family == "api" else self.rest_body()


def unauthenticated() -> VapiError:
    """Missing, invalid or expired session (§1.4)."""
    return VapiError(
        "UNAUTHENTICATED", "com.vmware.vapi.endpoint.method.authentication.required", "Authentication required."
    )


def bad_credentials() -> VapiError:
    """Wrong user name or password on session create [I: message text]."""
    return VapiError(
        "UNAUTHENTICATED",
        "com.vmware.vapi.endpoint.method.authentication.required",
        "Authentication failed: invalid user name or password.",
    )


def vm_not_found(vm_id: str, instance_uuid: str) -> VapiError:
    """The VM does not exist; the id is echoed qualified with the vCenter instance UUID (§2.2)."""
    qualified = f"{vm_id}:{instance_uuid}"
    return VapiError(
        "NOT_FOUND",
        "com.vmware.api.vcenter.vm.not_found",
        f"Virtual machine with identifier '{qualified}' does not exist.",
        [qualified],
    )


def datacenter_not_found(datacenter_id: str) -> VapiError:
    """The datacenter does not exist [I: message id and text]."""
    return VapiError(
        "NOT_FOUND",
        "com.vmware.api.vcenter.datacenter.not_found",
        f"Datacenter with identifier '{datacenter_id}' does not exist.",
        [datacenter_id],
    )


def invalid_argument(message_id: str, text: str, args: Sequence[str] = ()) -> VapiError:
    """Bad input (bad enum, wrong body shape)."""
    return VapiError("INVALID_ARGUMENT", message_id, text, args)


def too_many_matches(resource: str, noun: str, api_status: int, rest_status: int) -> VapiError:
    """More objects match than the list cap allows (§2.1)."""
    return VapiError(
        "UNABLE_TO_ALLOCATE_RESOURCE",
        f"com.vmware.api.vcenter.{resource}.too_many_matches",
        f"Too many {noun}. Add more filter criteria to reduce the number.",
        api_status=api_status,
        rest_status=rest_status,
    )


def service_unavailable() -> VapiError:
    """The backend is unavailable (the default injected fault)."""
    return VapiError(
        "SERVICE_UNAVAILABLE", "com.vmware.vapi.std.errors.service_unavailable", "Service is temporarily unavailable."
    )


def generic(error_type: str, text: str | None = None) -> VapiError:
    """Any other error type with a generic message (injected faults)."""
    snake = error_type.lower()
    return VapiError(error_type, f"com.vmware.vapi.std.errors.{snake}", text or f"Simulated {snake} error.")


def api_http_not_found() -> dict[str, Any]:
    """Body of a 404 for an unknown ``/api`` path (§3.4; shape [I])."""
    return {
        "error_type": "NOT_FOUND",
        "messages": [{"args": [], "default_message": "Not found.", "id": "com.vmware.vapi.rest.httpNotFound"}],
    }


def rest_operations_not_found(path: str) -> dict[str, Any]:
    """Body of a 404 for an unknown ``/rest`` URL (§3.4); ``path`` is the URL without the ``/rest`` prefix."""
    message = {
        "args": [path],
        "default_message": f"Unable to find operations for URL: {path}.",
        "id": "com.vmware.vapi.rest.operationsForUrlNotFound",
    }
    return {"type": "com.vmware.vapi.std.errors.not_found", "value": {"error_type": "NOT_FOUND", "messages": [message]}}
