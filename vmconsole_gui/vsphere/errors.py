"""Exceptions of the vCenter client: one class per vAPI standard error type, plus transport and ticket errors.

Every exception has ``user_message`` (also its ``str``): one or two sentences a person understands, naming the host.
No exception text contains a password, session id or ticket (all texts pass through :func:`redact`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .redaction import redact
from .tls import CertificateInfo

__all__ = [
    "AlreadyExists",
    "AlreadyInDesiredState",
    "ApiError",
    "Canceled",
    "CertificateUntrusted",
    "ConcurrentChange",
    "ConnectionDropped",
    "ConnectionFailed",
    "ConnectionRefused",
    "ConsoleTicketsUnsupported",
    "DnsFailure",
    "ErrorType",
    "FeatureInUse",
    "InternalServerError",
    "InvalidArgument",
    "InvalidElementConfiguration",
    "InvalidElementType",
    "InvalidRequest",
    "InvalidTicket",
    "InventoryTooLarge",
    "LoginFailed",
    "MalformedResponse",
    "NotAllowedInCurrentState",
    "NotFound",
    "Operation",
    "OperationNotFound",
    "PinMismatch",
    "RequestTimeout",
    "ResourceBusy",
    "ResourceInUse",
    "ResourceInaccessible",
    "ServerError",
    "ServerMessage",
    "ServiceUnavailable",
    "TicketHostMismatch",
    "TimedOut",
    "TlsError",
    "TransportError",
    "UnableToAllocateResource",
    "Unauthenticated",
    "Unauthorized",
    "UnexpectedInput",
    "Unsupported",
    "UnverifiedPeer",
    "VSphereError",
    "error_class_for",
]


class ErrorType(enum.Enum):
    """The vAPI standard error types (``error_type`` on ``/api``; ``com.vmware.vapi.std.errors.<snake>``, ``/rest``)."""

    ERROR = "ERROR"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    ALREADY_IN_DESIRED_STATE = "ALREADY_IN_DESIRED_STATE"
    CANCELED = "CANCELED"
    CONCURRENT_CHANGE = "CONCURRENT_CHANGE"
    FEATURE_IN_USE = "FEATURE_IN_USE"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    INVALID_ELEMENT_CONFIGURATION = "INVALID_ELEMENT_CONFIGURATION"
    INVALID_ELEMENT_TYPE = "INVALID_ELEMENT_TYPE"
    INVALID_REQUEST = "INVALID_REQUEST"
    NOT_ALLOWED_IN_CURRENT_STATE = "NOT_ALLOWED_IN_CURRENT_STATE"
    NOT_FOUND = "NOT_FOUND"
    OPERATION_NOT_FOUND = "OPERATION_NOT_FOUND"
    RESOURCE_BUSY = "RESOURCE_BUSY"
    RESOURCE_IN_USE = "RESOURCE_IN_USE"
    RESOURCE_INACCESSIBLE = "RESOURCE_INACCESSIBLE"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    TIMED_OUT = "TIMED_OUT"
    UNABLE_TO_ALLOCATE_RESOURCE = "UNABLE_TO_ALLOCATE_RESOURCE"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    UNAUTHORIZED = "UNAUTHORIZED"
    UNEXPECTED_INPUT = "UNEXPECTED_INPUT"
    UNSUPPORTED = "UNSUPPORTED"
    UNVERIFIED_PEER = "UNVERIFIED_PEER"

    @classmethod
    def from_rest_type(cls, type_name: str) -> ErrorType | None:
        """Map ``com.vmware.vapi.std.errors.not_found`` → ``NOT_FOUND`` (None when unknown)."""
        snake = type_name.rsplit(".", 1)[-1]
        try:
            return cls(snake.upper())
        except ValueError:
            return None


class Operation(enum.Enum):
    """What the client was doing; selects the wording of ``user_message``."""

    LOGIN = "log in"
    LOGOUT = "log out"
    SESSION = "check the session"
    LIST = "list the inventory"
    VM_INFO = "read the VM's details"
    POWER = "change the VM's power state"
    GUEST = "read the guest information"
    TICKET = "get a console ticket"


@dataclass(frozen=True, slots=True)
class ServerMessage:
    """One ``LocalizableMessage`` of a vAPI error body."""

    id: str
    default_message: str
    args: tuple[str, ...] = ()
    localized: str | None = None

    @property
    def text(self) -> str:
        """The localized text when present, else the default message."""
        return self.localized or self.default_message


class VSphereError(Exception):
    """Base of every error of :mod:`vmconsole_gui.vsphere`; ``str(e) == e.user_message``."""

    def __init__(self, user_message: str, *, host: str) -> None:
        self.user_message = redact(user_message)
        self.host = host
        super().__init__(self.user_message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.user_message!r})"


# ------------------------------------------------------------------------------------------- server (vAPI) errors
class ApiError(VSphereError):
    """A vAPI error answered by the server, chosen by ``error_type``/``type`` (never by status alone)."""

    def __init__(
        self,
        user_message: str,
        *,
        host: str,
        error_type: ErrorType | None,
        status: int,
        messages: tuple[ServerMessage, ...] = (),
        operation: Operation | None = None,
        raw_type: str | None = None,
    ) -> None:
        super().__init__(user_message, host=host)
        self.error_type = error_type
        self.status = status
        self.messages = messages
        self.operation = operation
        self.raw_type = raw_type

    @property
    def message_ids(self) -> tuple[str, ...]:
        """The server's message ids (e.g. ``com.vmware.api.vcenter.vm.not_found``)."""
        return tuple(m.id for m in self.messages)

    @property
    def server_text(self) -> str:
        """The server's messages joined into one line (may be empty)."""
        return " ".join(m.text for m in self.messages if m.text).strip()


class ServerError(ApiError):
    """ERROR: an unspecified server-side failure."""


class AlreadyExists(ApiError):
    """ALREADY_EXISTS."""


class AlreadyInDesiredState(ApiError):
    """ALREADY_IN_DESIRED_STATE, e.g. starting a running VM."""


class Canceled(ApiError):
    """CANCELED."""


class ConcurrentChange(ApiError):
    """CONCURRENT_CHANGE."""


class FeatureInUse(ApiError):
    """FEATURE_IN_USE."""


class InternalServerError(ApiError):
    """INTERNAL_SERVER_ERROR."""


class InvalidArgument(ApiError):
    """INVALID_ARGUMENT."""


class InvalidElementConfiguration(ApiError):
    """INVALID_ELEMENT_CONFIGURATION."""


class InvalidElementType(ApiError):
    """INVALID_ELEMENT_TYPE."""


class InvalidRequest(ApiError):
    """INVALID_REQUEST."""


class NotAllowedInCurrentState(ApiError):
    """NOT_ALLOWED_IN_CURRENT_STATE, e.g. a WEBMKS ticket for a powered-off VM."""


class NotFound(ApiError):
    """NOT_FOUND."""


class OperationNotFound(ApiError):
    """OPERATION_NOT_FOUND: the server does not offer this operation."""


class ResourceBusy(ApiError):
    """RESOURCE_BUSY."""


class ResourceInUse(ApiError):
    """RESOURCE_IN_USE."""


class ResourceInaccessible(ApiError):
    """RESOURCE_INACCESSIBLE."""


class ServiceUnavailable(ApiError):
    """SERVICE_UNAVAILABLE."""


class TimedOut(ApiError):
    """TIMED_OUT (reported by the server; a client-side timeout is :class:`RequestTimeout`)."""


class UnableToAllocateResource(ApiError):
    """UNABLE_TO_ALLOCATE_RESOURCE, e.g. too many VMs match a listing."""


class Unauthenticated(ApiError):
    """UNAUTHENTICATED: no, expired or invalid session."""


class LoginFailed(Unauthenticated):
    """The user name or password was rejected when creating a session."""


class Unauthorized(ApiError):
    """UNAUTHORIZED: the user lacks a privilege."""


class UnexpectedInput(ApiError):
    """UNEXPECTED_INPUT."""


class Unsupported(ApiError):
    """UNSUPPORTED."""


class UnverifiedPeer(ApiError):
    """UNVERIFIED_PEER."""


_CLASSES: dict[ErrorType, type[ApiError]] = {
    ErrorType.ERROR: ServerError,
    ErrorType.ALREADY_EXISTS: AlreadyExists,
    ErrorType.ALREADY_IN_DESIRED_STATE: AlreadyInDesiredState,
    ErrorType.CANCELED: Canceled,
    ErrorType.CONCURRENT_CHANGE: ConcurrentChange,
    ErrorType.FEATURE_IN_USE: FeatureInUse,
    ErrorType.INTERNAL_SERVER_ERROR: InternalServerError,
    ErrorType.INVALID_ARGUMENT: InvalidArgument,
    ErrorType.INVALID_ELEMENT_CONFIGURATION: InvalidElementConfiguration,
    ErrorType.INVALID_ELEMENT_TYPE: InvalidElementType,
    ErrorType.INVALID_REQUEST: InvalidRequest,
    ErrorType.NOT_ALLOWED_IN_CURRENT_STATE: NotAllowedInCurrentState,
    ErrorType.NOT_FOUND: NotFound,
    ErrorType.OPERATION_NOT_FOUND: OperationNotFound,
    ErrorType.RESOURCE_BUSY: ResourceBusy,
    ErrorType.RESOURCE_IN_USE: ResourceInUse,
    ErrorType.RESOURCE_INACCESSIBLE: ResourceInaccessible,
    ErrorType.SERVICE_UNAVAILABLE: ServiceUnavailable,
    ErrorType.TIMED_OUT: TimedOut,
    ErrorType.UNABLE_TO_ALLOCATE_RESOURCE: UnableToAllocateResource,
    ErrorType.UNAUTHENTICATED: Unauthenticated,
    ErrorType.UNAUTHORIZED: Unauthorized,
    ErrorType.UNEXPECTED_INPUT: UnexpectedInput,
    ErrorType.UNSUPPORTED: Unsupported,
    ErrorType.UNVERIFIED_PEER: UnverifiedPeer,
}


def error_class_for(error_type: ErrorType | None) -> type[ApiError]:
    """Return the exception class for a vAPI error type (``ApiError`` itself when unknown)."""
    return ApiError if error_type is None else _CLASSES[error_type]


# ---------------------------------------------------------------------------------------------- transport errors
class TransportError(VSphereError):
    """The request did not get a usable HTTP answer."""


class RequestTimeout(TransportError):
    """No answer (or no connection) within the configured timeout."""

    def __init__(self, user_message: str, *, host: str, phase: str, timeout_s: float | None) -> None:
        super().__init__(user_message, host=host)
        self.phase = phase
        self.timeout_s = timeout_s


class ConnectionRefused(TransportError):
    """Nothing listens on host:port."""


class DnsFailure(TransportError):
    """The host name does not resolve."""


class ConnectionDropped(TransportError):
    """The server closed the connection before answering."""


class ConnectionFailed(TransportError):
    """Any other network failure (unreachable network, reset…)."""


class TlsError(TransportError):
    """The TLS handshake failed for a reason other than trust."""


class CertificateUntrusted(TlsError):
    """The server's certificate is not trusted; ``certificate`` holds what the user needs to decide and pin."""

    def __init__(self, user_message: str, *, host: str, certificate: CertificateInfo, reason: str) -> None:
        super().__init__(user_message, host=host)
        self.certificate = certificate
        self.reason = reason

    @property
    def port(self) -> int:
        """The server port."""
        return self.certificate.port


class PinMismatch(TlsError):
    """The server presented a certificate other than the pinned one; nothing was sent to it."""

    def __init__(self, user_message: str, *, host: str, port: int, expected_sha256: str, seen: CertificateInfo) -> None:
        super().__init__(user_message, host=host)
        self.port = port
        self.expected_sha256 = expected_sha256
        self.seen = seen

    @property
    def seen_sha256(self) -> str:
        """SHA-256 of the certificate the server presented."""
        return self.seen.sha256


class MalformedResponse(VSphereError):
    """The server answered, but not with the JSON shape the contract promises."""

    def __init__(self, user_message: str, *, host: str, status: int | None = None) -> None:
        super().__init__(user_message, host=host)
        self.status = status


# ------------------------------------------------------------------------------------------ console/listing errors
class ConsoleTicketsUnsupported(VSphereError):
    """Neither ``/api`` nor ``/rest`` offers console tickets on this vCenter."""


class InvalidTicket(VSphereError):
    """The server returned a ticket that fails validation; it is never handed to VMRC or the relay."""


class TicketHostMismatch(VSphereError):
    """A VMRC ticket names another host than the vCenter we talked to; ask the user before launching."""

    def __init__(self, user_message: str, *, host: str, ticket_host: str, ticket: object) -> None:
        super().__init__(user_message, host=host)
        self.ticket_host = ticket_host
        self.ticket = ticket  # a ConsoleTicket (typed loosely to keep this module free of tickets.py)


class InventoryTooLarge(VSphereError):
    """Even the finest partition still matches too many VMs; the listing would be incomplete."""
