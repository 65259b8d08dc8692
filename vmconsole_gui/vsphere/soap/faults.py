"""pyvmomi's exceptions → the client's typed errors, with messages a person understands.

Called on the worker thread with pyvmomi already imported (``vim``/``vmodl`` are passed in, never imported here).
"""

from __future__ import annotations

import http.client
import socket
import ssl
from typing import Any
from xml.parsers.expat import ExpatError

from ..errors import (
    ApiError,
    ConnectionDropped,
    ConnectionFailed,
    ConnectionRefused,
    DnsFailure,
    ErrorType,
    LoginFailed,
    MalformedResponse,
    NotAllowedInCurrentState,
    NotFound,
    Operation,
    RequestTimeout,
    ServerError,
    ServerMessage,
    Unauthenticated,
    Unauthorized,
    VSphereError,
)
from ..tls import TrustSettings
from .trust import certificate_error
from .wire import AnswerTooLarge

__all__ = ["ResponseTooLarge", "SoapMethodMissing", "SoapUnavailable", "translate"]

_MAX_SERVER_TEXT = 500


class ResponseTooLarge(MalformedResponse):
    """The server's answer went past the size cap; reading stopped at the cap."""


class SoapUnavailable(VSphereError):
    """``/sdk`` answered with an HTTP status other than SOAP's 200/500 (e.g. 404): no SOAP API there."""


class SoapMethodMissing(ApiError):
    """The server does not implement a SOAP method (``vmodl.fault.MethodNotFound``), e.g. an old or partial vCenter."""


_FAULTS: tuple[tuple[str, type[ApiError], ErrorType | None], ...] = (
    ("InvalidLogin", LoginFailed, ErrorType.UNAUTHENTICATED),
    ("NotAuthenticated", Unauthenticated, ErrorType.UNAUTHENTICATED),
    ("NoPermission", Unauthorized, ErrorType.UNAUTHORIZED),
    ("InvalidPowerState", NotAllowedInCurrentState, ErrorType.NOT_ALLOWED_IN_CURRENT_STATE),
    ("InvalidState", NotAllowedInCurrentState, ErrorType.NOT_ALLOWED_IN_CURRENT_STATE),
    ("ManagedObjectNotFound", NotFound, ErrorType.NOT_FOUND),
    ("MethodNotFound", SoapMethodMissing, ErrorType.OPERATION_NOT_FOUND),
)


def _server_text(fault: Any) -> str:
    text = getattr(fault, "msg", None) or getattr(fault, "faultMessage", None) or ""
    if not isinstance(text, str):
        text = ""
    return " ".join(text.split())[:_MAX_SERVER_TEXT]


def _fault_names(fault: Any) -> list[str]:
    """The WSDL names of the fault's class and its bases (``InvalidPowerState``, ``InvalidState``, …)."""
    return [getattr(cls, "_wsdlName", cls.__name__) for cls in type(fault).__mro__]


def translate(
    exc: BaseException,
    *,
    vmodl: Any,
    host: str,
    port: int,
    trust: TrustSettings,
    operation: Operation,
    timeout_s: float,
    limit_mb: int,
) -> VSphereError:
    """The typed error for ``exc`` raised by a pyvmomi call made to ``host:port`` while doing ``operation``."""
    where = f"{host}:{port}"
    if isinstance(exc, VSphereError):
        return exc
    if vmodl is not None and isinstance(exc, vmodl.MethodFault):
        names = _fault_names(exc)
        text = _server_text(exc)
        cls, error_type = next(((c, t) for name, c, t in _FAULTS if name in names), (ServerError, ErrorType.ERROR))
        if cls is LoginFailed:
            message = f"{host} refused the user name or password. Check them and try again."
        elif cls is Unauthenticated:
            message = f"The session on {host} has expired or was ended; log in again."
        elif cls is SoapMethodMissing:
            message = f"{host} does not offer the SOAP call needed to {operation.value}."
        else:
            message = f"{host} could not {operation.value}" + (f": {text}" if text else ".")
        return cls(
            message,
            host=host,
            error_type=error_type,
            status=500,
            messages=(ServerMessage(id=names[0], default_message=text),) if text else (),
            operation=operation,
            raw_type=names[0],
        )
    if isinstance(exc, AnswerTooLarge):
        return ResponseTooLarge(
            f"{host} sent an answer larger than {limit_mb} MB when asked to {operation.value}; vmconsole-gui stopped "
            "reading it. Is this a vCenter Server, and is there a proxy in between?",
            host=host,
        )
    if isinstance(exc, ssl.SSLError):
        return certificate_error(exc, trust, host, port, timeout_s)
    if isinstance(exc, socket.gaierror):
        return DnsFailure(
            f"The name {host!r} could not be resolved (DNS). Check its spelling and your network/VPN.", host=host
        )
    if isinstance(exc, ConnectionRefusedError):
        return ConnectionRefused(
            f"{where} refused the connection: nothing accepts HTTPS there. Check the address and the port.", host=host
        )
    if isinstance(exc, TimeoutError | socket.timeout):
        return RequestTimeout(
            f"{host} did not answer within {timeout_s:g} s. The server may be overloaded; try again.",
            host=host,
            phase="read",
            timeout_s=timeout_s,
        )
    status = str(exc).split(" ", 1)[0]
    if type(exc) is http.client.HTTPException and status.isdigit():  # pyvmomi: any status but 200/500
        return SoapUnavailable(f"{where} does not offer vCenter's SOAP API at /sdk (HTTP {status}).", host=host)
    if isinstance(exc, http.client.HTTPException | ConnectionError | EOFError):
        return ConnectionDropped(
            f"{host} closed the connection before answering (SOAP). Try again; if it keeps happening, check the "
            "vCenter services and any proxy in between.",
            host=host,
        )
    if isinstance(exc, ExpatError | ValueError | TypeError | KeyError | AttributeError | RecursionError):
        return MalformedResponse(
            f"{host} sent an unexpected SOAP answer when asked to {operation.value} ({type(exc).__name__}). Is this "
            "a vCenter Server?",
            host=host,
        )
    if isinstance(exc, OSError):
        reason = exc.strerror or type(exc).__name__
        return ConnectionFailed(f"The SOAP connection to {where} failed ({reason}).", host=host)
    return MalformedResponse(
        f"{host} sent an answer vmconsole-gui could not use when asked to {operation.value} ({type(exc).__name__}).",
        host=host,
    )
